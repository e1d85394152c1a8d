"""Bulk loading (demo bank, first sync): counts, indexes back afterwards, search and
activity columns rebuilt, and a crash mid-load finished on the next open."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection

from local_store import book, search
from local_store.bulk import BulkDataError, LoadCounts, bulk_load
from local_store.store import BULK_MARK, UNIQUE_KEYS, LocalStore
from rm_desk.domain.book import BookFilter
from rm_desk.domain.model import (
    Customer,
    FollowUpTask,
    Holding,
    HoldingKind,
    Interaction,
    MonthlySnapshot,
    TaskStatus,
)
from rm_desk.domain.pinyin import name_keys
from tests.factories import customer, interaction, task

EXPECTED_INDEXES = {
    "ix_customers_name_sort",
    "ix_customers_aum",
    "ix_customers_segment",
    "ix_customers_churn",
    "ix_customers_last_contact",
    "ix_customers_next_task",
    "ix_customers_owner",
    "ix_customer_tags_customer",
    "ix_holdings_customer",
    "ix_interactions_customer",
    "ix_tasks_customer",
    "ix_tasks_assignee",
    "ix_interactions_supersedes",
    "ix_churn_events_customer",
    "ix_churn_score_history_customer",
    "ix_interactions_complaints",
    "ix_holdings_maturing",
    "ix_interactions_rm_contacts",
}

# The tag index serves the per-customer tag replacement and stays during a load.
KEPT_DURING_LOAD = {"ix_customer_tags_customer"}

NAMES = ["王小明", "李大伟", "单小明", "欧阳修", "张三", "陈静"]


@dataclass
class Chunk:
    customers: list[Customer] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    snapshots: list[MonthlySnapshot] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    tasks: list[FollowUpTask] = field(default_factory=list)


def cif_of(n: int) -> str:
    return f"6005{n:08d}"


def make_chunk(numbers: Sequence[int]) -> Chunk:
    chunk = Chunk()
    for n in numbers:
        cif = cif_of(n)
        name = NAMES[n % len(NAMES)]
        keys = name_keys(name)
        tags = ("代发工资",) if n % 2 == 0 else ()
        chunk.customers.append(
            customer(
                cif,
                name,
                name_pinyin=keys.full,
                name_initials=keys.initials,
                mobile=f"1380000{n:04d}",
                tags=tags,
            )
        )
        chunk.holdings.append(
            Holding(
                f"h{n}",
                cif,
                HoldingKind.TERM_DEPOSIT,
                "三年定期",
                100_000 * n,
                date(2024, 1, 1),
                date(2027, 1, 1),
                175,
            )
        )
        for month in ("2026-09", "2026-10"):
            chunk.snapshots.append(MonthlySnapshot(cif, month, n, n, 0, 0, 1, 1, 1, 0, 0, 1))
        chunk.interactions.append(
            interaction(f"i{n}", cif, occurred_at=datetime(2026, 11, 1 + n % 20, 3, 0, tzinfo=UTC))
        )
        chunk.tasks.append(task(f"t{n}a", cif, due=date(2026, 12, 1 + n % 20)))
        chunk.tasks.append(task(f"t{n}b", cif, due=date(2026, 11, 2), status=TaskStatus.DONE))
    return chunk


def index_names(store: LocalStore) -> set[str]:
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'"
        ).fetchall()
    return {r[0] for r in rows}


def bulk_mark(store: LocalStore) -> str | None:
    with store.read() as conn:
        row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (BULK_MARK,)).fetchone()
    return row[0] if row else None


def table_count(store: LocalStore, table: str) -> int:
    with store.read() as conn:
        row = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def assert_load_finished(store: LocalStore) -> None:
    """Every index is back and no bulk load is marked as under way."""
    assert index_names(store) == EXPECTED_INDEXES
    assert bulk_mark(store) is None


def test_a_fresh_store_has_every_secondary_index(store: LocalStore) -> None:
    assert index_names(store) == EXPECTED_INDEXES


def test_bulk_load_counts_indexes_search_and_activity(store: LocalStore) -> None:
    chunks = [make_chunk(range(0, 10)), make_chunk(range(10, 25)), make_chunk(range(25, 30))]
    seen: list[tuple[int, int]] = []
    indexes_during: list[set[str]] = []

    def progress(counts: LoadCounts) -> None:
        seen.append((counts.customers, counts.rows))
        indexes_during.append(index_names(store))

    counts = bulk_load(store, iter(chunks), progress)

    assert (
        counts.customers,
        counts.holdings,
        counts.snapshots,
        counts.interactions,
        counts.tasks,
    ) == (30, 30, 60, 30, 60)
    assert counts.rows == 210
    assert seen == [(10, 70), (25, 175), (30, 210)]
    assert indexes_during[0] == KEPT_DURING_LOAD  # dropped while loading
    for table, expected in [
        ("customers", 30),
        ("holdings", 30),
        ("snapshots", 60),
        ("interactions", 30),
        ("tasks", 60),
    ]:
        assert table_count(store, table) == expected
    assert table_count(store, "customer_tags") == 15

    assert_load_finished(store)

    with store.read() as conn:
        assert {h.cif for h in search.search(conn, "欧阳修", 100)} == {
            cif_of(n) for n in range(30) if n % 6 == 3
        }
        assert [h.cif for h in search.search(conn, "0007")] == [cif_of(7)]
        assert [h.cif for h in search.search(conn, cif_of(12))] == [cif_of(12)]
        assert len(search.search(conn, "danxiaoming", 100)) == 5
        seven = book.profile(conn, cif_of(7))
        rows = {
            r.cif: r for r in book.book_rows(conn, book.book_ids(conn, today=date(2026, 11, 24)))
        }
        tags = book.all_tags(conn)
    assert seven.customer.name == NAMES[1]
    assert [h.id for h in seven.holdings] == ["h7"]
    assert [s.month for s in seven.snapshots] == ["2026-09", "2026-10"]
    assert [t.id for t in seven.open_tasks] == ["t7a"]
    assert rows[cif_of(7)].last_contact_at == "2026-11-08T03:00:00+00:00"
    assert rows[cif_of(7)].next_task_due == "2026-12-08"
    assert rows[cif_of(7)].open_tasks == 1
    assert len(rows) == 30
    assert tags == [("代发工资", 15)]


def test_a_second_bulk_load_upserts(store: LocalStore) -> None:
    bulk_load(store, [make_chunk(range(5))])
    again = make_chunk(range(3, 8))
    bulk_load(store, [again])
    assert table_count(store, "customers") == 8
    assert table_count(store, "interactions") == 8
    assert table_count(store, "tasks") == 16
    assert index_names(store) == EXPECTED_INDEXES
    with store.read() as conn:
        assert len(search.search(conn, "1380000", 100)) == 0  # only the last four digits
        assert [h.cif for h in search.search(conn, "0006")] == [cif_of(6)]


def test_a_second_bulk_load_replaces_tags(store: LocalStore) -> None:
    bulk_load(store, [make_chunk([2])])  # even numbers carry 代发工资
    retagged = make_chunk([2])
    retagged.customers[0] = replace(retagged.customers[0], tags=("新客",))
    bulk_load(store, [retagged])
    with store.read() as conn:
        assert book.get_customer(conn, cif_of(2)).tags == ("新客",)
        assert book.all_tags(conn) == [("新客", 1)]
        assert (
            book.book_ids(conn, BookFilter(tags=frozenset({"代发工资"})), today=date(2026, 11, 24))
            == []
        )
        assert search.search(conn, "代发工资") == []


def test_empty_bulk_load(store: LocalStore) -> None:
    counts = bulk_load(store, [])
    assert counts.rows == 0
    assert_load_finished(store)


def test_a_chunk_that_fails_leaves_the_mark_and_reopen_finishes(
    tmp_path: Path, data_key: bytes
) -> None:
    path = tmp_path / "profile.db"
    broken = make_chunk([1])
    broken.interactions.append(interaction("orphan", "600599999999"))  # no such customer

    store = LocalStore.open(path, data_key)
    try:
        with pytest.raises(BulkDataError, match="not part of it"):
            bulk_load(store, [make_chunk(range(2, 6)), broken])
        assert index_names(store) == KEPT_DURING_LOAD
        assert bulk_mark(store) is not None
    finally:
        store.close()

    with LocalStore.open(path, data_key) as reopened:
        assert_load_finished(reopened)
        assert table_count(reopened, "customers") == 4  # the failed chunk rolled back
        with reopened.read() as conn:
            assert [h.cif for h in search.search(conn, "0003")] == [cif_of(3)]


def test_interrupted_bulk_load_is_finished_on_reopen(tmp_path: Path, data_key: bytes) -> None:
    path = tmp_path / "profile.db"
    store = LocalStore.open(path, data_key)
    try:
        with store.transaction() as conn:
            store.drop_secondary_indexes(conn)
            _write_customer_and_visit(conn)
        assert index_names(store) == KEPT_DURING_LOAD
        assert bulk_mark(store) is not None
    finally:
        store.close()  # a crash here: the load never reached its end

    with LocalStore.open(path, data_key) as reopened:
        assert_load_finished(reopened)
        with reopened.read() as conn:
            assert [h.cif for h in search.search(conn, "wxm")] == ["600500000001"]
            assert [h.cif for h in search.search(conn, "5678")] == ["600500000001"]
            [row] = book.book_rows(conn, book.book_ids(conn, today=date(2026, 11, 24)))
        assert row.last_contact_at == "2026-11-20T02:00:00+00:00"


def test_dropping_twice_remembers_every_index(tmp_path: Path, data_key: bytes) -> None:
    path = tmp_path / "profile.db"
    with LocalStore.open(path, data_key) as store:
        with store.transaction() as conn:
            store.drop_secondary_indexes(conn)
        with store.transaction() as conn:
            store.drop_secondary_indexes(conn)  # a second load started before the first ended
        assert index_names(store) == KEPT_DURING_LOAD
    with LocalStore.open(path, data_key) as reopened:
        assert_load_finished(reopened)


def test_indexes_are_restored_with_their_definitions(store: LocalStore) -> None:
    def definitions() -> dict[str, str]:
        with store.read() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'"
            ).fetchall()
        return {r[0]: r[1].replace(" IF NOT EXISTS", "") for r in rows}

    before = definitions()
    bulk_load(store, [make_chunk(range(3))])
    assert definitions() == before
    assert "WHERE supersedes_id IS NOT NULL" in before["ix_interactions_supersedes"]


def _unique_keys(store: LocalStore) -> set[str]:
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ux_%'"
        ).fetchall()
    return {r[0] for r in rows} & set(UNIQUE_KEYS)


def _insert_customer_and_visit(store: LocalStore) -> None:
    """Rows written as snapshot pages write them: no search entry, no activity."""
    with store.transaction() as conn:
        _write_customer_and_visit(conn)


def _write_customer_and_visit(conn: Connection) -> None:
    """A customer and a visit written the way a bulk chunk or a snapshot page writes them:
    no search entries, no activity columns."""
    conn.exec_driver_sql(
        "INSERT INTO customers(id, name, name_pinyin, segment, lifecycle, aum_tier, "
        "owner_rm, branch, since, mobile) VALUES ('600500000001', '王小明', "
        "'wangxiaoming', 'mass', 'active', 't0', 'rm001', 'BR001', '2020-01-01', "
        "'13812345678')"
    )
    conn.exec_driver_sql(
        "INSERT INTO interactions(id, customer_id, kind, occurred_at, created_by) "
        "VALUES ('i1', '600500000001', 'visit', '2026-11-20T02:00:00+00:00', 'rm001')"
    )


def test_a_resumable_load_keeps_its_mark_across_a_restart(tmp_path: Path, data_key: bytes) -> None:
    path = tmp_path / "profile.db"
    with LocalStore.open(path, data_key) as store:
        with store.transaction() as conn:
            store.drop_secondary_indexes(conn, unique=True, resumable=True)
        assert _unique_keys(store) == set()
        _insert_customer_and_visit(store)
    # A crash: the snapshot will resume. Opening puts back only the unique keys (local
    # writes name them as conflict targets); the rest waits for the snapshot's end.
    with LocalStore.open(path, data_key) as reopened:
        assert _unique_keys(reopened) == set(UNIQUE_KEYS)
        assert index_names(reopened) == KEPT_DURING_LOAD
        assert bulk_mark(reopened) is not None
        with reopened.read() as conn:
            assert reopened.bulk_pending(conn)
            assert search.search(conn, "wxm") == []  # not rebuilt on open
        with reopened.transaction() as conn:
            reopened.restore_secondary_indexes(conn)  # what the snapshot's end does
            assert not reopened.bulk_pending(conn)
        assert index_names(reopened) == EXPECTED_INDEXES
        with reopened.read() as conn:
            assert [h.cif for h in search.search(conn, "wxm")] == ["600500000001"]
            [row] = book.book_rows(conn, book.book_ids(conn, today=date(2026, 11, 24)))
        assert row.last_contact_at == "2026-11-20T02:00:00+00:00"
    with LocalStore.open(path, data_key) as again:  # and the next open has nothing to do
        assert_load_finished(again)


def test_a_load_that_does_not_resume_is_still_finished_on_open(
    tmp_path: Path, data_key: bytes
) -> None:
    path = tmp_path / "profile.db"
    with LocalStore.open(path, data_key) as store:
        with store.transaction() as conn:
            store.drop_secondary_indexes(conn, resumable=True)
        with store.transaction() as conn:  # a demo load joins it: nothing resumes that
            store.drop_secondary_indexes(conn, unique=True)
        _insert_customer_and_visit(store)
    with LocalStore.open(path, data_key) as reopened:
        assert index_names(reopened) == EXPECTED_INDEXES
        assert _unique_keys(reopened) == set(UNIQUE_KEYS)
        assert bulk_mark(reopened) is None
        with reopened.read() as conn:
            assert [h.cif for h in search.search(conn, "wxm")] == ["600500000001"]


def test_derived_data_is_rebuilt_at_a_load_end_without_a_mark(store: LocalStore) -> None:
    _insert_customer_and_visit(store)  # e.g. a mark an older version cleared on open
    with store.transaction() as conn:
        store.restore_secondary_indexes(conn)  # no mark: nothing to do
        assert search.search(conn, "wxm") == []
        store.restore_secondary_indexes(conn, derived=True)
        assert [h.cif for h in search.search(conn, "wxm")] == ["600500000001"]
        [row] = book.book_rows(conn, book.book_ids(conn, today=date(2026, 11, 24)))
    assert row.last_contact_at == "2026-11-20T02:00:00+00:00"
    assert index_names(store) == EXPECTED_INDEXES


def statistics_of(store: LocalStore) -> dict[str, set[str]]:
    """The tables each statistics table (sqlite_stat1, sqlite_stat4) holds rows for."""
    with store.read() as conn:
        present = [
            name
            for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name IN ('sqlite_stat1', 'sqlite_stat4')"
            ).all()
        ]
        return {
            name: {tbl for (tbl,) in conn.exec_driver_sql(f"SELECT tbl FROM {name}").all()}
            for name in present
        }


def test_a_load_gathers_statistics_for_its_tables_but_not_the_search_index(
    store: LocalStore,
) -> None:
    bulk_load(store, [make_chunk(range(30))])

    stats = statistics_of(store)
    # STAT4 is compiled in: without sqlite_stat4 this test would prove nothing.
    assert set(stats) == {"sqlite_stat1", "sqlite_stat4"}
    assert {"customers", "interactions", "snapshots"} <= stats["sqlite_stat1"]
    assert "customers" in stats["sqlite_stat4"]
    for tables in stats.values():
        assert not {t for t in tables if t.startswith("customer_search")}


def test_search_statistics_of_an_older_version_are_dropped_on_open(
    tmp_path: Path, data_key: bytes
) -> None:
    path = tmp_path / "profile.db"
    with LocalStore.open(path, data_key) as store:
        bulk_load(store, [make_chunk(range(30))])
        with store.transaction() as conn:
            conn.exec_driver_sql("ANALYZE")  # what earlier versions ran
        before = statistics_of(store)
    assert "customer_search_idx" in before["sqlite_stat1"] | before["sqlite_stat4"]

    with LocalStore.open(path, data_key) as reopened:
        after = statistics_of(reopened)
        with reopened.read() as conn:
            assert [h.cif for h in search.search(conn, "0007")] == [cif_of(7)]
    for name, tables in before.items():
        assert after[name] == {t for t in tables if not t.startswith("customer_search")}


@pytest.fixture
def automatic_gc() -> Iterator[None]:
    """Python's own automatic collection on for the test, as the command line has it,
    and put back as it was: in a process with a Qt application the GUI thread's
    collector (ui/collector.py) owns collection and keeps it off."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


def test_the_garbage_collector_pauses_during_a_load_and_comes_back(
    store: LocalStore, automatic_gc: None
) -> None:
    collecting: list[bool] = []
    bulk_load(
        store,
        [make_chunk(range(3)), make_chunk(range(3, 6))],
        lambda _c: collecting.append(gc.isenabled()),
    )
    assert collecting == [False, False]
    assert gc.isenabled()

    broken = make_chunk([9])
    broken.interactions.append(interaction("orphan", "600599999999"))  # no such customer
    with pytest.raises(BulkDataError):
        bulk_load(store, [broken])
    assert gc.isenabled()  # also after a load that failed

    gc.disable()
    bulk_load(store, [make_chunk(range(6, 8))])
    assert not gc.isenabled()  # a caller that had it off (the app) keeps it off
