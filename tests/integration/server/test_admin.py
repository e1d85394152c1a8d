"""The gateway's admin operations and the `rm-desk-central` command, on SQLite and
PostgreSQL: seeding, users and branches, moving a customer between RMs (the change
log a client pulls), revoking devices and exports."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    update,
)

from rm_desk.demo import DemoBank, generate_bank
from sync.server import admin, bulk, db, schema, security
from sync.server.security import verify_password
from tests.integration.conftest import server_count as count

AS_OF = date(2026, 11, 24)
CENTRAL = Path(sys.executable).parent / "rm-desk-central"
REPLICATED = (schema.customers, schema.holdings, schema.snapshots, schema.interactions,
              schema.tasks)  # fmt: skip


_HASHES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _hash_each_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id is slow on purpose (~50 ms a hash) and every test seeds the same demo
    passwords: hash each one once per session (the hashes are real)."""

    def hash_once(password: str) -> str:
        if password not in _HASHES:
            _HASHES[password] = security.hash_password(password)
        return _HASHES[password]

    monkeypatch.setattr(admin, "hash_password", hash_once)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    fixture = "admin_engine_sqlite" if request.param == "sqlite" else "admin_engine_pg"
    found: Engine = request.getfixturevalue(fixture)
    return found


SMALL = 120  # customers in the small bank most tests start from (2 RMs, one branch)


def small_bank() -> DemoBank:
    return generate_bank(SMALL, 2, seed=11, as_of=AS_OF)


@pytest.fixture
def seeded(engine: Engine) -> DemoBank:
    admin.seed(engine, SMALL, 2, seed=11, as_of=AS_OF)
    return small_bank()


def customer_of(engine: Engine, owner: str) -> str:
    c = schema.customers
    with engine.connect() as conn:
        found: str = conn.execute(
            select(c.c.id).where(c.c.owner_rm == owner).order_by(c.c.id).limit(1)
        ).scalar_one()
    return found


# --- seeding --------------------------------------------------------------------------


def test_seed_loads_the_whole_bank(engine: Engine) -> None:
    result = admin.seed(engine, 300, 3, seed=11, as_of=AS_OF)
    bank = generate_bank(300, 3, seed=11, as_of=AS_OF)
    chunks = list(bank.chunks())
    names = ("customers", "holdings", "snapshots", "interactions", "tasks")
    expected = {name: sum(len(getattr(chunk, name)) for chunk in chunks) for name in names}
    assert {name: getattr(result, name) for name in expected} == expected
    assert result.rows == sum(expected.values())
    assert result.branches == len(bank.branches)
    assert result.users == len(bank.employees)
    for table in REPLICATED:
        assert count(engine, table) == expected[table.name]
        # Seeded data reaches clients by snapshot: version 1, seq 0, no change log.
        assert count(engine, table, table.c.version != 1) == 0
        assert count(engine, table, table.c.seq != 0) == 0
    assert count(engine, schema.change_log) == 0
    with engine.connect() as conn:
        assert db.current_seq(conn) == 0
        users = {r.user_id: r for r in conn.execute(select(schema.users))}
        branches = set(conn.execute(select(schema.branches.c.code)).scalars())
    assert branches == {b.code for b in bank.branches}
    assert set(users) == {e.user_id for e in bank.employees}
    for employee in bank.employees:
        row = users[employee.user_id]
        assert (row.role, row.branch, row.manager_id) == (employee.role.value, employee.branch,
                                                          employee.manager_id)  # fmt: skip
        assert row.disabled is False
    passwords = bank.user_passwords()
    for user_id in ("rm001", "admin"):  # Argon2id is slow on purpose: check two
        assert verify_password(passwords[user_id], users[user_id].password_hash)
    assert not verify_password("wrong-password", users["rm001"].password_hash)


def test_seeded_rows_read_back_as_generated(engine: Engine) -> None:
    admin.seed(engine, SMALL, 2, seed=11, as_of=AS_OF)
    chunk = small_bank().chunk(0)
    tagged = next(c for c in chunk.customers if len(c.tags) >= 2)
    untagged = next(c for c in chunk.customers if not c.tags)
    with_people = next((i for i in chunk.interactions if i.participants), chunk.interactions[0])
    amended = next((i for i in chunk.interactions if i.supersedes_id), None)
    with engine.connect() as conn:

        def one(table: Any, *where: Any) -> Any:
            return conn.execute(select(table).where(*where)).one()

        row = one(schema.customers, schema.customers.c.id == tagged.id)
        assert row.tags == "|" + "|".join(tagged.tags) + "|"
        assert row.field_versions == {}
        assert (row.name, row.owner_rm, row.branch, row.aum_fen, row.segment) == (
            tagged.name,
            tagged.owner_rm,
            tagged.branch,
            tagged.aum_fen,
            tagged.segment.value,
        )
        assert row.since == tagged.since.isoformat()
        assert row.aum_tier == tagged.aum_tier.value
        assert one(schema.customers, schema.customers.c.id == untagged.id).tags == ""

        holding = chunk.holdings[0]
        row = one(schema.holdings, schema.holdings.c.id == holding.id)
        assert (row.kind, row.balance_fen, row.opened, row.account_no) == (
            holding.kind.value,
            holding.balance_fen,
            holding.opened.isoformat(),
            holding.account_no,
        )

        snap = chunk.snapshots[5]
        row = one(schema.snapshots, schema.snapshots.c.customer_id == snap.customer_id,
                  schema.snapshots.c.month == snap.month)  # fmt: skip
        assert (row.aum_fen, row.txn_count, row.outflow_other_banks_fen) == (
            snap.aum_fen,
            snap.txn_count,
            snap.outflow_other_banks_fen,
        )

        for interaction in filter(None, (with_people, amended)):
            row = one(schema.interactions, schema.interactions.c.id == interaction.id)
            assert row.participants == list(interaction.participants)
            assert (row.note, row.kind, row.supersedes_id) == (
                interaction.note,
                interaction.kind.value,
                interaction.supersedes_id,
            )
            assert aware(row.occurred_at) == interaction.occurred_at

        task = chunk.tasks[0]
        row = one(schema.tasks, schema.tasks.c.id == task.id)
        assert (row.due, row.priority, row.status, row.deleted, row.field_versions) == (
            task.due.isoformat(),
            int(task.priority),
            task.status.value,
            False,
            {},
        )
        assert aware(row.created_at) == task.created_at


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def test_seeding_twice_is_refused(engine: Engine) -> None:
    admin.seed(engine, 20, 1, seed=11, as_of=AS_OF)
    with pytest.raises(admin.AdminError, match="already has customers"):
        admin.seed(engine, 20, 1, seed=11, as_of=AS_OF)
    assert count(engine, schema.customers) == 20


def test_seed_keeps_existing_branches_and_users(engine: Engine) -> None:
    admin.add_branch(engine, "BR001", "Head office", "Shanghai")
    admin.add_user(engine, "admin", "admin", "BR001", "my-own-password")
    result = admin.seed(engine, 20, 1, seed=11, as_of=AS_OF)
    assert result.branches == 0
    assert result.users == len(generate_bank(20, 1, seed=11, as_of=AS_OF).employees) - 1
    with engine.connect() as conn:
        stored = conn.execute(select(schema.users.c.password_hash)
                              .where(schema.users.c.user_id == "admin")).scalar_one()  # fmt: skip
    assert verify_password("my-own-password", stored)


def test_many_passwords_are_hashed_in_a_background_process(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "_HASH_IN_BACKGROUND_FROM", 2)
    # Forking is only done from a single-threaded process; an earlier test in this
    # worker may have left a thread behind (a pool, a server), and then it hashes in line.
    single_threaded = threading.active_count() == 1
    started = admin._PasswordHashes({"a": "pw-one-123", "b": "pw-two-123", "c": "pw-one-123"})
    try:
        hashes = started.result()
        assert sorted(hashes) == ["pw-one-123", "pw-two-123"]  # each distinct password once
        assert all(verify_password(p, h) for p, h in hashes.items())
        assert started.in_background is (sys.platform == "linux" and single_threaded)
    finally:
        started.close()
    admin.seed(engine, 10, 1, seed=11, as_of=AS_OF)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.users.c.password_hash)
                              .where(schema.users.c.user_id == "rm001")).scalar_one()  # fmt: skip
    assert verify_password("demo-rm001", stored)


def test_a_failed_seed_leaves_nothing_behind(engine: Engine) -> None:
    def fail(progress: admin.SeedProgress) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        admin.seed(engine, 30, 1, seed=11, as_of=AS_OF, progress=fail)
    for table in (*REPLICATED, schema.users, schema.branches):
        assert count(engine, table) == 0, table.name
    indexes = {ix.name for table in REPLICATED for ix in table.indexes}
    with engine.connect() as conn:  # dropped for the load, back after the rollback
        inspector = inspect(conn)
        present = {ix["name"] for t in REPLICATED for ix in inspector.get_indexes(t.name)}
        keys = {t.name: inspector.get_foreign_keys(t.name) for t in REPLICATED[1:]}
        primary = {t.name: inspector.get_pk_constraint(t.name)["constrained_columns"]
                   for t in REPLICATED}  # fmt: skip
    assert indexes <= present
    assert all(len(found) == 1 for found in keys.values())
    assert primary["snapshots"] == ["customer_id", "month"]
    assert primary["customers"] == ["id"]
    assert admin.seed(engine, 30, 1, seed=11, as_of=AS_OF).customers == 30


def test_every_column_is_filled_by_the_loader() -> None:
    for target in bulk.TARGETS:
        assert len(set(target.columns)) == len(target.columns)
        columns, _ = bulk._layout(target)
        assert [c.name for c in columns][: len(target.columns)] == list(target.columns)
        unfilled = {c.name for c in target.table.columns} - {c.name for c in columns}
        assert all(target.table.c[name].nullable for name in unfilled), unfilled


def test_a_column_added_later_gets_its_default() -> None:
    table = Table("customers", MetaData(), Column("id", String, primary_key=True),
                  Column("vip", Boolean, nullable=False, default=False),
                  Column("note", String, nullable=True))  # fmt: skip
    columns, tail = bulk._layout(bulk.Target(table, "customers", bulk.customer_row, ("id",)))
    assert ([c.name for c in columns], tail) == (["id", "vip"], (False,))
    broken = bulk.Target(table, "customers", bulk.customer_row, ("id", "nickname"))
    with pytest.raises(ValueError, match="table customers has no column nickname"):
        bulk._layout(broken)


def test_seed_rejects_a_bad_size(engine: Engine) -> None:
    with pytest.raises(admin.AdminError, match="relationship manager"):
        admin.seed(engine, 10, 0)


# --- branches and users ---------------------------------------------------------------


def test_add_branch_and_user(engine: Engine) -> None:
    admin.add_branch(engine, "BR900", "Pudong Sub-branch", "Shanghai")
    admin.add_user(engine, "li.na", "manager", "BR900", "correct horse", name="Li Na")
    admin.add_user(engine, "ops1", "admin", "BR900", "another-password")
    with engine.connect() as conn:
        rows = {r.user_id: r for r in conn.execute(select(schema.users))}
    assert (rows["li.na"].name, rows["li.na"].role, rows["li.na"].branch) == (
        "Li Na",
        "manager",
        "BR900",
    )
    assert rows["ops1"].name == "ops1"  # no display name given: the user id
    assert verify_password("correct horse", rows["li.na"].password_hash)
    assert rows["li.na"].disabled is False

    with pytest.raises(admin.AdminError, match=r"user li\.na already exists"):
        admin.add_user(engine, "li.na", "rm", "BR900", "correct horse")
    with pytest.raises(admin.AdminError, match="branch BR404 does not exist"):
        admin.add_user(engine, "wang", "rm", "BR404", "correct horse")
    with pytest.raises(admin.AdminError, match="unknown role 'boss'"):
        admin.add_user(engine, "wang", "boss", "BR900", "correct horse")
    with pytest.raises(admin.AdminError, match="at least 8 characters"):
        admin.add_user(engine, "wang", "rm", "BR900", "short")
    with pytest.raises(admin.AdminError, match="not valid"):
        admin.add_user(engine, "bad id", "rm", "BR900", "correct horse")
    with pytest.raises(admin.AdminError, match="branch BR900 already exists"):
        admin.add_branch(engine, "BR900", "Again", "Shanghai")
    assert count(engine, schema.users) == 2


# --- assign -----------------------------------------------------------------------------


def subtree(engine: Engine, cif: str) -> list[tuple[str, str, bool]]:
    """(entity, id, deleted) for the customer and every row under it."""
    with engine.connect() as conn:

        def under(*columns: Any) -> list[Any]:
            mine = columns[0].table.c.customer_id == cif
            return list(conn.execute(select(*columns).where(mine)))

        rows: list[tuple[str, str, bool]] = [("customer", cif, False)]
        rows += [("holding", i, False) for (i,) in under(schema.holdings.c.id)]
        rows += [("snapshot", f"{cif}|{m}", False) for (m,) in under(schema.snapshots.c.month)]
        rows += [("interaction", i, False) for (i,) in under(schema.interactions.c.id)]
        rows += [("task", i, bool(d)) for i, d in under(schema.tasks.c.id, schema.tasks.c.deleted)]
    return rows


def change_log(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(schema.change_log).order_by(schema.change_log.c.seq)))


def rich_customer(engine: Engine, owner: str) -> str:
    """A customer of `owner` with holdings, interactions and tasks."""
    c, t = schema.customers, schema.tasks
    with engine.connect() as conn:
        found: str = conn.execute(
            select(c.c.id).where(c.c.owner_rm == owner, c.c.id.in_(select(t.c.customer_id)))
            .order_by(c.c.id).limit(1)
        ).scalar_one()  # fmt: skip
    return found


def test_assign_to_another_branch_evicts_and_sends_the_whole_subtree(
    engine: Engine, seeded: DemoBank
) -> None:
    admin.add_branch(engine, "BR900", "Pudong Sub-branch", "Shanghai")
    admin.add_user(engine, "rm900", "rm", "BR900", "correct horse")
    cif = rich_customer(engine, "rm001")
    with engine.begin() as conn:  # a deleted task travels as a delete
        task_id = conn.execute(select(schema.tasks.c.id).where(schema.tasks.c.customer_id == cif)
                               .limit(1)).scalar_one()  # fmt: skip
        conn.execute(update(schema.tasks).where(schema.tasks.c.id == task_id).values(deleted=True))
    items = subtree(engine, cif)
    assert {entity for entity, _, _ in items} == {"customer", "holding", "snapshot",
                                                  "interaction", "task"}  # fmt: skip

    result = admin.assign(engine, cif, "rm900")

    assert result.changed
    assert (result.previous_owner, result.owner) == ("rm001", "rm900")
    assert (result.branch, result.version) == ("BR900", 2)
    log = change_log(engine)
    assert result.changes == len(log) == 2 + 2 * len(items)
    evicts = [(r.scope, r.entity, r.entity_id) for r in log if r.op == "evict"]
    assert evicts == [("rm:rm001", "customer", cif), ("branch:BR001", "customer", cif)]
    assert all(r.op != "evict" for r in log[2:])  # evictions come first
    for scope in ("rm:rm900", "branch:BR900"):
        sent = [(r.entity, r.entity_id, r.op) for r in log if r.scope == scope]
        assert sent[0] == ("customer", cif, "upsert")  # the parent before its rows
        assert sorted(sent) == sorted(
            (entity, entity_id, "delete" if deleted else "upsert")
            for entity, entity_id, deleted in items
        )
        assert (("task", task_id, "delete")) in sent
    assert result.seq == log[-1].seq == max(r.seq for r in log)
    with engine.connect() as conn:
        customer = conn.execute(select(schema.customers).where(schema.customers.c.id == cif)).one()
    assert (customer.owner_rm, customer.branch) == ("rm900", "BR900")
    assert (customer.version, customer.seq) == (2, result.seq)
    for table in REPLICATED[1:]:
        # Every row under the customer carries the move's seq; only the customer's
        # version changes.
        mine = table.c.customer_id == cif
        assert count(engine, table, mine) > 0
        assert count(engine, table, mine, table.c.seq != result.seq) == 0, table.name
        assert count(engine, table, mine, table.c.version != 1) == 0
    for table in REPLICATED:  # nobody else's rows moved
        key = table.c.id if table is schema.customers else table.c.customer_id
        assert count(engine, table, key != cif, table.c.seq != 0) == 0


def test_assign_within_a_branch_keeps_the_branch_scope(engine: Engine, seeded: DemoBank) -> None:
    cif = rich_customer(engine, "rm001")
    items = subtree(engine, cif)
    result = admin.assign(engine, cif, "rm002")
    log = change_log(engine)
    assert [(r.scope, r.op) for r in log if r.op == "evict"] == [("rm:rm001", "evict")]
    assert {r.scope for r in log} == {"rm:rm001", "rm:rm002", "branch:BR001"}
    assert len([r for r in log if r.scope == "rm:rm002"]) == len(items)
    assert len([r for r in log if r.scope == "branch:BR001"]) == len(items)
    assert result.seq == log[-1].seq
    assert result.branch == "BR001"

    back = admin.assign(engine, cif, "rm001")  # and back again: a later seq, version 3
    assert back.version == 3
    assert back.seq > result.seq
    assert count(engine, schema.interactions, schema.interactions.c.customer_id == cif,
                 schema.interactions.c.seq != back.seq) == 0  # fmt: skip


def test_assign_to_the_current_owner_changes_nothing(engine: Engine, seeded: DemoBank) -> None:
    cif = customer_of(engine, "rm001")
    result = admin.assign(engine, cif, "rm001")
    assert not result.changed
    assert "already belongs to rm001" in result.message
    assert (result.version, result.seq, result.changes) == (1, 0, 0)
    assert change_log(engine) == []
    assert count(engine, schema.customers, schema.customers.c.version != 1) == 0


def test_assign_refusals(engine: Engine, seeded: DemoBank) -> None:
    cif = customer_of(engine, "rm001")
    with pytest.raises(admin.AdminError, match="customer 000000000000 does not exist"):
        admin.assign(engine, "000000000000", "rm002")
    with pytest.raises(admin.AdminError, match="user rm404 does not exist"):
        admin.assign(engine, cif, "rm404")
    with pytest.raises(admin.AdminError, match="teller001 is a teller, not a relationship"):
        admin.assign(engine, cif, "teller001")
    with engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.user_id == "rm002")
                     .values(disabled=True))  # fmt: skip
    with pytest.raises(admin.AdminError, match="rm002 is disabled"):
        admin.assign(engine, cif, "rm002")
    assert change_log(engine) == []


# --- devices -----------------------------------------------------------------------------


def add_device(engine: Engine, user: str, device: str, tokens: int = 2) -> None:
    now = db.now()
    with engine.begin() as conn:
        conn.execute(insert(schema.devices).values(device_id=device, user_id=user, name=device,
                                                   created_at=now))  # fmt: skip
        for n in range(tokens):
            conn.execute(insert(schema.tokens).values(
                token_hash=f"{device}-{n}".ljust(64, "0"), kind="access" if n else "refresh",
                user_id=user, device_id=device, expires_at=now + timedelta(hours=1),
                revoked=False))  # fmt: skip


def device_state(engine: Engine) -> dict[str, tuple[bool, set[bool]]]:
    """device -> (revoked, {revoked flags of its tokens})"""
    with engine.connect() as conn:
        devices = dict(
            conn.execute(select(schema.devices.c.device_id, schema.devices.c.revoked_at)).all()
        )
        tokens = list(conn.execute(select(schema.tokens.c.device_id, schema.tokens.c.revoked)))
    return {d: (at is not None, {bool(r) for dev, r in tokens if dev == d})
            for d, at in devices.items()}  # fmt: skip


def test_revoke_device(engine: Engine, seeded: DemoBank) -> None:
    add_device(engine, "rm001", "laptop-1")
    add_device(engine, "rm001", "laptop-2")
    add_device(engine, "rm002", "laptop-3")

    assert admin.revoke_device(engine, "rm001", "laptop-1") == 1
    assert device_state(engine) == {"laptop-1": (True, {True}), "laptop-2": (False, {False}),
                                    "laptop-3": (False, {False})}  # fmt: skip
    assert admin.revoke_device(engine, "rm001") == 1  # only laptop-2 was still live
    assert admin.revoke_device(engine, "rm001") == 0
    assert device_state(engine) == {"laptop-1": (True, {True}), "laptop-2": (True, {True}),
                                    "laptop-3": (False, {False})}  # fmt: skip

    with pytest.raises(admin.AdminError, match="user rm404 does not exist"):
        admin.revoke_device(engine, "rm404")
    with pytest.raises(admin.AdminError, match="rm001 has no device laptop-3"):
        admin.revoke_device(engine, "rm001", "laptop-3")
    assert device_state(engine)["laptop-3"] == (False, {False})


# --- exports -----------------------------------------------------------------------------


def test_export_customers(engine: Engine, seeded: DemoBank) -> None:
    everyone = admin.export_customers(engine)
    assert len(everyone) == SMALL
    assert set(everyone[0]) >= {"cif", "name", "branch", "owner", "segment", "aum_fen",
                                "lifecycle", "version"}  # fmt: skip
    assert [r["cif"] for r in everyone] == sorted(r["cif"] for r in everyone)
    generated = {c.id: c for chunk in seeded.chunks() for c in chunk.customers}
    first = everyone[0]
    assert (first["name"], first["owner"], first["aum_fen"]) == (
        generated[first["cif"]].name, generated[first["cif"]].owner_rm,
        generated[first["cif"]].aum_fen)  # fmt: skip

    mine = admin.export_customers(engine, owner="rm002")
    assert mine == [r for r in everyone if r["owner"] == "rm002"]
    assert mine
    assert admin.export_customers(engine, owner="teller001") == []
    with pytest.raises(admin.AdminError, match="user rm404 does not exist"):
        admin.export_customers(engine, owner="rm404")


def test_export_interactions(engine: Engine, seeded: DemoBank) -> None:
    everything = admin.export_interactions(engine)
    generated = {i.id: i for chunk in seeded.chunks() for i in chunk.interactions}
    assert len(everything) == len(generated)
    assert set(everything[0]) >= {"id", "customer", "kind", "text", "created_by", "subject",
                                  "occurred_at", "supersedes_id"}  # fmt: skip
    order = [(datetime.fromisoformat(r["occurred_at"]), r["id"]) for r in everything]
    assert order == sorted(order)
    sample = everything[len(everything) // 2]
    source = generated[sample["id"]]
    assert sample["text"] == source.note
    assert sample["customer"] == source.customer_id
    assert datetime.fromisoformat(sample["occurred_at"]) == source.occurred_at
    assert sample["occurred_at"].endswith("+00:00")

    cif = sample["customer"]
    theirs = admin.export_interactions(engine, customer=cif)
    assert theirs == [r for r in everything if r["customer"] == cif]
    with pytest.raises(admin.AdminError, match="customer 000000000000 does not exist"):
        admin.export_interactions(engine, customer="000000000000")


# --- the command line ---------------------------------------------------------------------


def central(*args: str, stdin: str = "", home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    return subprocess.run([str(CENTRAL), *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


def assert_one_line_failure(result: subprocess.CompletedProcess[str], fragment: str,
                            status: int = 1) -> str:  # fmt: skip
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rm-desk-central: error: ")
    assert fragment in lines[0]
    return lines[0]


def test_cli_seed_users_assign_and_exports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"

    seeded = central("seed", "--db", url, "--customers", "50", "--rms", "2", "--seed", "11",
                     "--as-of", AS_OF.isoformat(), home=tmp_path)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith("seeded 50 customers")

    added = central("--db", url, "user", "add", "ops1", "--role", "admin", "--branch", "BR001",
                    "--password-stdin", stdin="s3cret-passphrase\n", home=tmp_path)  # fmt: skip
    assert added.returncode == 0, added.stderr
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                select(schema.users.c.password_hash).where(schema.users.c.user_id == "ops1")
            ).scalar_one()
        assert verify_password("s3cret-passphrase", stored)

        exported = central("export", "customers", "--format", "json", "--db", url, home=tmp_path)
        assert exported.returncode == 0, exported.stderr
        customers = json.loads(exported.stdout)
        assert len(customers) == 50
        assert {"cif", "name", "branch", "owner"} <= set(customers[0])
        assert customers == admin.export_customers(engine)  # the same text as json.dumps

        as_csv = central("export", "customers", "--owner", "rm002", "--format", "csv",
                         "--db", url, home=tmp_path)  # fmt: skip
        assert as_csv.returncode == 0, as_csv.stderr
        rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        assert as_csv.stdout.splitlines()[0].split(",")[:4] == ["cif", "name", "branch", "owner"]
        assert rows
        assert {r["owner"] for r in rows} == {"rm002"}

        cif = customers[0]["cif"]
        notes = central("export", "interactions", "--customer", cif, "--format", "json",
                        "--db", url, home=tmp_path)  # fmt: skip
        assert notes.returncode == 0, notes.stderr
        records = json.loads(notes.stdout)
        assert records
        assert {"id", "customer", "kind", "text", "created_by"} <= set(records[0])
        assert {r["customer"] for r in records} == {cif}

        target = "rm002" if customers[0]["owner"] == "rm001" else "rm001"
        moved = central("assign", "--customer", cif, "--to", target, "--db", url, home=tmp_path)
        assert moved.returncode == 0, moved.stderr
        assert f"moved from {customers[0]['owner']} to {target}" in moved.stdout
        assert count(engine, schema.change_log) > 0

        revoked = central("device", "revoke", "--user", "rm001", "--db", url, home=tmp_path)
        assert revoked.returncode == 0
        assert revoked.stdout.strip() == "revoked 0 devices of rm001"
    finally:
        engine.dispose()


def test_cli_failures_are_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    admin.seed(engine, 10, 1, seed=11, as_of=AS_OF)
    cif = admin.export_customers(engine)[0]["cif"]
    engine.dispose()

    assign = ("assign", "--customer", cif, "--to", "nobody", "--db", url)
    assert_one_line_failure(central(*assign, home=tmp_path), "user nobody does not exist")
    no_tty = ("--db", url, "user", "add", "x1", "--role", "rm", "--branch", "BR001")
    assert_one_line_failure(central(*no_tty, home=tmp_path), "use --password-stdin")
    hidden = "postgresql+psycopg://nobody:hunter22@127.0.0.1:1/x"
    line = assert_one_line_failure(
        central("--db", hidden, "assign", "--customer", cif, "--to", "rm001", home=tmp_path),
        "cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/x",
    )
    assert "hunter22" not in line
    assert_one_line_failure(
        central("export", "customers", "--db", "mysql://x@y/z", home=tmp_path),
        "not a PostgreSQL or SQLite database URL",
    )
    assert_one_line_failure(
        central("seed", "--rms", "2", "--db", url, home=tmp_path), "--customers", status=2
    )


def test_cli_version(tmp_path: Path) -> None:
    result = central("--version", home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("rm-desk-central 0.")


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    with subprocess.Popen(
        [str(CENTRAL), "serve", "--db", url, "--port", "0", "--upgrade-db"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("serving the sync gateway on http://127.0.0.1:"), line
            yield process, line.split()[5]
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_cli_serve_answers_health(serving: tuple[subprocess.Popen[str], str]) -> None:
    _, base = serving
    deadline = time.monotonic() + 20
    while True:
        try:
            answer = requests.get(f"{base}/health", timeout=5)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_cli_serve_refuses_a_taken_port(
    tmp_path: Path, serving: tuple[subprocess.Popen[str], str]
) -> None:
    port = serving[1].rsplit(":", 1)[1]
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert central("db", "upgrade", "--db", url, home=tmp_path).returncode == 0
    assert_one_line_failure(central("serve", "--db", url, "--port", port, home=tmp_path),
                            f"cannot listen on 127.0.0.1:{port}")  # fmt: skip


@pytest.mark.parametrize("role", ["manager", "teller", "admin"])
def test_only_a_role_with_its_own_book_is_given_customers(
    engine: Engine, seeded: DemoBank, role: str
) -> None:
    admin.add_user(engine, f"{role}900", role, "BR001", "correct horse")
    cif = customer_of(engine, "rm001")
    with pytest.raises(admin.AdminError, match="not a relationship manager"):
        admin.assign(engine, cif, f"{role}900")
    assert change_log(engine) == []
