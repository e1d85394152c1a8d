"""Schema versions: first-version databases migrate on open and keep unsynced work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from local_store import book, codec, migrations, outbox, records, schema
from local_store.engine import KeyBuffer, open_engine
from local_store.errors import UnsupportedSchema
from local_store.schema import metadata
from local_store.store import LocalStore
from rm_desk.domain.model import RiskProfile
from tests import factories


def _first_version_db(path: Path, key: bytes) -> None:
    """A database exactly as the first release left it, with unsynced mutations."""
    engine = open_engine(path, KeyBuffer(key))
    try:
        migrations.migrate(engine, path, target=1)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO sync_state(id, client_id, last_mutation_id) VALUES (1, 'client-v1', 3)"
            )
            conn.exec_driver_sql(
                "INSERT INTO customers(id, name, segment, lifecycle, aum_tier, owner_rm, branch, "
                "since) VALUES ('600000000001', '王小明', 'mass', 'active', 't1', 'rm001', "
                "'BR001', '2020-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO outbox(mutation_id, name, entity, entity_id, op, base_version, "
                "fields, client_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        n,
                        "interaction.create",
                        "interaction",
                        f"I{n}",
                        "create",
                        None,
                        json.dumps({"note": f"拜访记录 {n}"}, ensure_ascii=False),
                        "2026-11-01T00:00:00+00:00",
                    )
                    for n in (1, 2, 3)
                ],
            )
            assert migrations.current_version(conn) == 1
    finally:
        engine.dispose()


def test_first_schema_migrates_and_keeps_outbox(tmp_path: Path, data_key: bytes) -> None:
    db = tmp_path / "store.db"
    _first_version_db(db, data_key)
    with LocalStore.open(db, data_key) as store, store.read() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        pending = outbox.pending(conn)
        assert [m.mutation_id for m in pending] == [1, 2, 3]
        assert pending[1].fields == {"note": "拜访记录 2"}
        state = outbox.state(conn)
        assert state.client_id == "client-v1"  # not replaced by a fresh id
        assert state.last_mutation_id == 3
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert {"saved_filters", "conflicts", "returned_work", "churn_models"} <= tables


def test_next_mutation_after_migration_continues_the_sequence(
    tmp_path: Path, data_key: bytes
) -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    db = tmp_path / "store.db"
    _first_version_db(db, data_key)
    with LocalStore.open(db, data_key) as store, store.transaction() as conn:
        n = outbox.enqueue(
            conn,
            "task.create",
            "task",
            "T1",
            "create",
            {},
            base_version=None,
            client_time=datetime(2026, 11, 24, 9, tzinfo=UTC),
        )
    assert n == 4


def test_failed_migration_step_rolls_back(
    tmp_path: Path, data_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.db"
    _first_version_db(db, data_key)
    broken = (migrations.V1, migrations.V2 + "\nCREATE TABLE oops (;\n")
    monkeypatch.setattr(migrations, "STEPS", broken)
    with pytest.raises(Exception, match="syntax error"):
        LocalStore.open(db, data_key)
    monkeypatch.undo()
    engine = open_engine(db, KeyBuffer(data_key))
    try:
        with engine.begin() as conn:
            assert migrations.current_version(conn) == 1
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert "saved_filters" not in tables  # step 2 left nothing behind
            assert conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar() == 3
    finally:
        engine.dispose()


def test_newer_schema_is_refused(tmp_path: Path, data_key: bytes) -> None:
    db = tmp_path / "store.db"
    LocalStore.open(db, data_key).close()
    engine = open_engine(db, KeyBuffer(data_key))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA user_version = {migrations.LATEST + 1}")
    engine.dispose()
    with pytest.raises(UnsupportedSchema, match="newer RM Desk"):
        LocalStore.open(db, data_key)


def test_tables_match_the_migrated_schema(store: LocalStore) -> None:
    inspector = inspect(store.engine)
    for table in metadata.sorted_tables:
        actual = {c["name"] for c in inspector.get_columns(table.name)}
        declared = {c.name for c in table.columns}
        assert actual == declared, table.name
        pk = set(inspector.get_pk_constraint(table.name)["constrained_columns"])
        assert pk == {c.name for c in table.primary_key.columns}, table.name
    real_tables = set(inspector.get_table_names())
    model_tables = set(metadata.tables)
    fts_shadow = {t for t in real_tables if t.startswith("customer_search")}
    assert real_tables - fts_shadow == model_tables


def test_codec_rows_land_in_the_columns_the_tables_name(store: LocalStore) -> None:
    """The codec's column lists are derived from the tables: a record written through
    the repositories reads back, column by column by name, as the object it was."""
    customer = factories.customer(mobile="13900001111", risk_profile=RiskProfile.C4)
    task = factories.task("T1", detail="带上利率表", reason_code="aum_change_3m")
    note = factories.interaction("I1", outcome="客户同意续存", next_step="周五回电")
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer])
        records.put_tasks(conn, [task])
        records.add_interactions(conn, [note])
    with store.read() as conn:
        c = conn.execute(select(schema.customers)).one()._mapping
        t = conn.execute(select(schema.tasks)).one()._mapping
        i = conn.execute(select(schema.interactions)).one()._mapping
    assert (c["id"], c["name"], c["mobile"], c["email"], c["since"], c["risk_profile"]) == (
        customer.id, customer.name, "13900001111", customer.email, "2012-05-01", 4
    )  # fmt: skip
    assert (c["owner_rm"], c["branch"], c["version"]) == ("rm001", "BR001", 1)
    assert "代发工资" in c["tags"]
    assert (t["title"], t["due"], t["assignee"], t["detail"], t["reason_code"]) == (
        "续存提醒", "2026-11-24", "rm001", "带上利率表", "aum_change_3m"
    )  # fmt: skip
    assert (t["status"], t["source"], t["priority"]) == (
        task.status.value, task.source.value, int(task.priority)
    )  # fmt: skip
    assert (i["kind"], i["outcome"], i["next_step"], i["created_by"]) == (
        "visit", "客户同意续存", "周五回电", "rm001"
    )  # fmt: skip
    kept = {
        col.name for table in (schema.customers, schema.tasks) for col in table.columns if col.info
    }
    assert kept >= {"pk", "field_versions", "open_tasks", "churn_level"}
    assert not kept & set(codec.CUSTOMER_COLUMNS + codec.TASK_COLUMNS)


def test_migration_statements_split_triggers_whole() -> None:
    statements = migrations._statements(migrations.V1)
    trigger = [s for s in statements if "CREATE TRIGGER" in s]
    assert len(trigger) == 1
    assert trigger[0].rstrip().endswith("END;")


def test_v3_rebuilds_child_tables_keeping_every_row(tmp_path: Path, data_key: bytes) -> None:
    """v3 turns holdings/snapshots/interactions/tasks into rowid tables: rows, keys,
    the append-only trigger and the upsert targets all survive."""
    db = tmp_path / "store.db"
    engine = open_engine(db, KeyBuffer(data_key))
    try:
        migrations.migrate(engine, db, target=2)
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO sync_state(id, client_id) VALUES (1, 'c')")
            conn.exec_driver_sql(
                "INSERT INTO customers(id, name, segment, lifecycle, aum_tier, owner_rm, branch, "
                "since) VALUES ('600000000001', '王小明', 'mass', 'active', 't1', 'rm001', "
                "'BR001', '2020-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO holdings(id, customer_id, kind, product, balance_fen, opened) "
                "VALUES ('H1', '600000000001', 'demand_deposit', '活期', 100, '2020-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO snapshots VALUES ('600000000001', '2026-10', 1, 2, 3, 4, 5, 6, 7, "
                "8, 9, 10, 1)"
            )
            conn.exec_driver_sql(
                "INSERT INTO interactions(id, customer_id, kind, occurred_at, created_by, note) "
                "VALUES ('I1', '600000000001', 'visit', '2026-11-01T00:00:00+00:00', 'rm001', "
                "'拜访')"
            )
            conn.exec_driver_sql(
                "INSERT INTO tasks(id, customer_id, title, due, priority, assignee, created_by, "
                "source, status) VALUES ('T1', '600000000001', '续存', '2026-12-01', 2, 'rm001', "
                "'rm001', 'manual', 'open')"
            )
    finally:
        engine.dispose()
    with LocalStore.open(db, data_key) as store, store.transaction() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        for table in ("holdings", "snapshots", "interactions", "tasks"):
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT note FROM interactions").scalar_one() == "拜访"
        with pytest.raises(Exception, match="append-only"):
            conn.exec_driver_sql("UPDATE interactions SET note = 'x' WHERE id = 'I1'")
    with LocalStore.open(db, data_key) as store, store.transaction() as conn:
        # The natural keys are still conflict targets (sync upserts by them).
        conn.exec_driver_sql(
            "INSERT INTO tasks(id, customer_id, title, due, priority, assignee, created_by, "
            "source, status) VALUES ('T1', '600000000001', '续存（改）', '2026-12-01', 2, "
            "'rm001', 'rm001', 'manual', 'open') ON CONFLICT(id) DO UPDATE SET title = "
            "excluded.title"
        )
        assert conn.exec_driver_sql("SELECT title FROM tasks").scalar_one() == "续存（改）"
        conn.exec_driver_sql("DELETE FROM customers")
        assert conn.exec_driver_sql("SELECT count(*) FROM snapshots").scalar_one() == 0
