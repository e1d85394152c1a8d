"""The customer repository on a real encrypted store: upserts, deletes, the book as
sorted and filtered pk lists, rows by window, the 360 profile and activity columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from local_store import book, records, search
from local_store.codec import SNAPSHOT_COLUMNS, cols, marks, snapshot_row
from local_store.errors import NotFound
from local_store.store import LocalStore
from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.model import (
    AumTier,
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    Customer,
    Holding,
    HoldingKind,
    InteractionKind,
    Lifecycle,
    MonthlySnapshot,
    Segment,
    TaskStatus,
)
from rm_desk.domain.pinyin import name_keys
from rm_desk.domain.rules import ReasonCode
from tests.factories import customer, interaction, task, undo_v8

TODAY = date(2026, 11, 24)
SCORED_AT = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def named(cif: str, name: str, **overrides: object) -> Customer:
    """A customer whose pinyin keys follow its name."""
    keys = name_keys(name)
    return customer(cif, name, name_pinyin=keys.full, name_initials=keys.initials, **overrides)


def churn(cif: str, score: float, level: ChurnLevel) -> ChurnAssessment:
    return ChurnAssessment(
        customer_id=cif,
        score=score,
        level=level,
        reasons=(ChurnReason(ReasonCode.AUM_CHANGE_3M, 0.4, {"value": -38}),),
        model_version="m1",
        scored_at=SCORED_AT,
    )


def holding(hid: str, cif: str, kind: HoldingKind, balance: int) -> Holding:
    return Holding(
        id=hid,
        customer_id=cif,
        kind=kind,
        product=f"product {hid}",
        balance_fen=balance,
        opened=date(2020, 1, 1),
        account_no="6222020200112233445",
    )


def snapshot(cif: str, month: str, aum: int) -> MonthlySnapshot:
    return MonthlySnapshot(cif, month, aum, aum, 0, 0, 3, 100, 50, 0, 0, 2)


def insert_holdings(store: LocalStore, rows: Sequence[Holding]) -> None:
    with store.transaction() as conn:
        conn.exec_driver_sql(
            "INSERT INTO holdings(id, customer_id, kind, product, balance_fen, opened, "
            "account_no) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    h.id,
                    h.customer_id,
                    h.kind.value,
                    h.product,
                    h.balance_fen,
                    h.opened.isoformat(),
                    h.account_no,
                )
                for h in rows
            ],
        )


def insert_snapshots(store: LocalStore, rows: Sequence[MonthlySnapshot]) -> None:
    with store.transaction() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO snapshots ({cols(SNAPSHOT_COLUMNS)}) VALUES ({marks(SNAPSHOT_COLUMNS)})",
            [snapshot_row(s) for s in rows],
        )


def ids_of(store: LocalStore, pks: Sequence[int]) -> list[str]:
    with store.read() as conn:
        return [r.cif for r in book.book_rows(conn, pks)]


def sorted_cifs(store: LocalStore, column: BookColumn, *, descending: bool) -> list[str]:
    with store.read() as conn:
        pks = book.book_ids(conn, sort=BookSort(column, descending), today=TODAY)
    return ids_of(store, pks)


def filtered_cifs(store: LocalStore, filt: BookFilter) -> set[str]:
    with store.read() as conn:
        return set(ids_of(store, book.book_ids(conn, filt, today=TODAY)))


def count(store: LocalStore, sql: str, *params: object) -> int:
    with store.read() as conn:
        row = conn.exec_driver_sql(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def found(store: LocalStore, text: str) -> set[str]:
    with store.read() as conn:
        return {h.cif for h in search.search(conn, text)}


# --- upsert and delete ----------------------------------------------------------------


def test_upsert_inserts_then_updates_in_place(store: LocalStore) -> None:
    with store.transaction() as conn:
        [pk] = book.upsert_customers(conn, [named("600000000001", "王小明")])
    assert found(store, "wangxiaoming") == {"600000000001"}

    renamed = named("600000000001", "李大伟", tags=("私行",), aum_fen=700_000_000, version=2)
    with store.transaction() as conn:
        [pk_again] = book.upsert_customers(conn, [renamed])
        stored = book.get_customer(conn, "600000000001")
        tags = conn.exec_driver_sql(
            "SELECT tag FROM customer_tags WHERE customer_pk = ? ORDER BY tag", (pk,)
        ).fetchall()

    assert pk_again == pk
    assert count(store, "SELECT count(*) FROM customers") == 1
    assert stored == renamed
    assert [t[0] for t in tags] == ["私行"]
    assert found(store, "wangxiaoming") == set()
    assert found(store, "王小明") == set()
    assert found(store, "lidawei") == {"600000000001"}
    assert found(store, "私行") == {"600000000001"}
    assert found(store, "代发工资") == set()


def test_upsert_returns_pks_in_input_order_and_empty_input_is_a_no_op(store: LocalStore) -> None:
    with store.transaction() as conn:
        assert book.upsert_customers(conn, []) == []
        first = book.upsert_customers(conn, [customer("600000000002"), customer("600000000001")])
        again = book.upsert_customers(conn, [customer("600000000001"), customer("600000000002")])
    assert again == [first[1], first[0]]
    assert first[0] != first[1]


def test_upsert_customers_none_of_whom_has_a_tag(store: LocalStore) -> None:
    with store.transaction() as conn:
        [pk] = book.upsert_customers(conn, [named("600000000001", "王小明", tags=())])
        stored = book.get_customer(conn, "600000000001")
    assert stored.tags == ()
    assert found(store, "wxm") == {"600000000001"}
    assert count(store, "SELECT count(*) FROM customer_tags WHERE customer_pk = ?", pk) == 0


def test_upsert_that_removes_every_tag(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [named("600000000001", "王小明", tags=("代发工资",))])
    with store.transaction() as conn:
        book.upsert_customers(conn, [named("600000000001", "王小明", tags=())])
    assert count(store, "SELECT count(*) FROM customer_tags") == 0
    assert found(store, "代发工资") == set()


def test_delete_of_unknown_ids_only_deletes_nothing(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer("600000000001")])
    with store.transaction() as conn:
        assert book.delete_customers(conn, ["600000009999"]) == 0
        assert book.delete_customers(conn, []) == 0
    assert count(store, "SELECT count(*) FROM customers") == 1


def test_refresh_activity_of_no_customers_is_a_no_op(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer("600000000001")])
        records.add_interactions(conn, [interaction("i1", "600000000001")])
        book.refresh_activity(conn, [])
    assert activity(store, "600000000001")[0] == "2026-11-20T02:00:00+00:00"


def test_get_customer_unknown_raises_not_found(store: LocalStore) -> None:
    with store.read() as conn, pytest.raises(NotFound, match="600000009999"):
        book.get_customer(conn, "600000009999")


def test_delete_cascades_to_everything_under_the_customer(store: LocalStore) -> None:
    keep, gone = "600000000001", "600000000002"
    with store.transaction() as conn:
        book.upsert_customers(conn, [named(keep, "王小明"), named(gone, "李大伟")])
        for cif in (keep, gone):
            records.add_interactions(conn, [interaction(f"i-{cif}", cif)])
            records.put_tasks(conn, [task(f"t-{cif}", cif)])
        book.save_churn(
            conn, [churn(keep, 0.2, ChurnLevel.GREEN), churn(gone, 0.9, ChurnLevel.RED)]
        )
    insert_holdings(store, [holding(f"h-{c}", c, HoldingKind.WEALTH, 100) for c in (keep, gone)])
    insert_snapshots(store, [snapshot(c, "2026-10", 100) for c in (keep, gone)])

    with store.transaction() as conn:
        assert book.delete_customers(conn, [gone, "600000009999"]) == 1

    for table in ("holdings", "snapshots", "interactions", "tasks", "churn_scores"):
        assert count(store, f"SELECT count(*) FROM {table} WHERE customer_id = ?", gone) == 0
        assert count(store, f"SELECT count(*) FROM {table} WHERE customer_id = ?", keep) == 1
    assert count(store, "SELECT count(DISTINCT customer_pk) FROM customer_tags") == 1
    assert found(store, "lidawei") == set()
    assert found(store, "600000000002") == set()
    assert found(store, "wangxiaoming") == {keep}
    with store.read() as conn, pytest.raises(NotFound):
        book.get_customer(conn, gone)
    assert (
        count(store, "SELECT count(*) FROM customer_search WHERE customer_search MATCH 'lidawei'")
        == 0
    )


# --- the book: filters ----------------------------------------------------------------


@pytest.fixture
def book_store(store: LocalStore) -> LocalStore:
    """Five customers that differ in every filtered and sorted column."""
    a, b, c, d, e = (
        named(cif, name, segment=segment, lifecycle=stage, aum_fen=aum, owner_rm=rm, tags=tags)
        for cif, name, segment, stage, aum, rm, tags in (
            ("600000000001", "王小明", Segment.AFFLUENT, Lifecycle.ACTIVE, 120_000_000, "rm001",
             ("代发工资", "理财偏好")),
            ("600000000002", "李大伟", Segment.MASS, Lifecycle.NEW, 1_000_000, "rm001",
             ("代发工资",)),
            ("600000000003", "张三", Segment.PRIVATE, Lifecycle.AT_RISK, 4_000_000_000, "rm002",
             ("理财偏好",)),
            ("600000000004", "陈静", Segment.AFFLUENT, Lifecycle.DORMANT, 700_000_000, "rm002",
             ()),
            ("600000000005", "赵敏", Segment.MASS, Lifecycle.ACTIVE, 10_000_000, "rm003",
             ("代发工资", "理财偏好", "新客")),
        )
    )  # fmt: skip
    with store.transaction() as conn:
        book.upsert_customers(conn, [a, b, c, d, e])
        book.save_churn(
            conn,
            [
                churn(a.id, 0.30, ChurnLevel.AMBER),
                churn(b.id, 0.05, ChurnLevel.GREEN),
                churn(c.id, 0.92, ChurnLevel.RED),
            ],
        )  # d and e have no score
        records.add_interactions(
            conn,
            [
                interaction("i1", a.id, occurred_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
                interaction("i2", b.id, occurred_at=datetime(2026, 9, 1, 2, 0, tzinfo=UTC)),
                interaction("i3", c.id, occurred_at=datetime(2026, 10, 30, 2, 0, tzinfo=UTC)),
            ],
        )  # d and e were never contacted
        records.put_tasks(
            conn,
            [
                task("t1", a.id, due=date(2026, 11, 26)),
                task("t2", b.id, due=date(2026, 12, 20)),
                task("t3", d.id, due=date(2026, 11, 20)),  # overdue
                task("t4", e.id, due=date(2026, 11, 25), status=TaskStatus.DONE),
            ],
        )
    return store


@pytest.mark.parametrize(
    ("filt", "expected"),
    [
        (
            BookFilter(),
            {"600000000001", "600000000002", "600000000003", "600000000004", "600000000005"},
        ),
        (BookFilter(segments=frozenset({Segment.AFFLUENT})), {"600000000001", "600000000004"}),
        (
            BookFilter(segments=frozenset({Segment.MASS, Segment.PRIVATE})),
            {"600000000002", "600000000003", "600000000005"},
        ),
        (BookFilter(tiers=frozenset({AumTier.FROM_500K})), {"600000000001"}),
        (
            BookFilter(tiers=frozenset({AumTier.BELOW_50K, AumTier.FROM_30M})),
            {"600000000002", "600000000003"},
        ),
        (
            BookFilter(tiers=frozenset({AumTier.FROM_6M, AumTier.FROM_50K})),
            {"600000000004", "600000000005"},
        ),
        (BookFilter(lifecycles=frozenset({Lifecycle.ACTIVE})), {"600000000001", "600000000005"}),
        (
            BookFilter(lifecycles=frozenset({Lifecycle.AT_RISK, Lifecycle.DORMANT})),
            {"600000000003", "600000000004"},
        ),
        (BookFilter(churn_levels=frozenset({ChurnLevel.RED})), {"600000000003"}),
        (
            BookFilter(churn_levels=frozenset({ChurnLevel.RED, ChurnLevel.AMBER})),
            {"600000000001", "600000000003"},
        ),
        (
            BookFilter(tags=frozenset({"代发工资"})),
            {"600000000001", "600000000002", "600000000005"},
        ),
        (BookFilter(tags=frozenset({"代发工资", "理财偏好"})), {"600000000001", "600000000005"}),
        (BookFilter(tags=frozenset({"代发工资", "理财偏好", "新客"})), {"600000000005"}),
        (BookFilter(tags=frozenset({"不存在"})), set()),
        # 30 days before 2026-11-24 is 2026-10-25: b (Sep 1) and the never contacted.
        (BookFilter(not_contacted_days=30), {"600000000002", "600000000004", "600000000005"}),
        (
            BookFilter(not_contacted_days=5),
            {"600000000002", "600000000003", "600000000004", "600000000005"},
        ),
        # Open tasks only: e's task is done; d's overdue task counts as due.
        (BookFilter(task_due_within_days=2), {"600000000001", "600000000004"}),
        (BookFilter(task_due_within_days=0), {"600000000004"}),
        (BookFilter(task_due_within_days=30), {"600000000001", "600000000002", "600000000004"}),
        (BookFilter(owner="rm002"), {"600000000003", "600000000004"}),
        (BookFilter(owner="nobody"), set()),
        (
            BookFilter(
                segments=frozenset({Segment.MASS}),
                tags=frozenset({"理财偏好"}),
                owner="rm003",
                not_contacted_days=30,
            ),
            {"600000000005"},
        ),
    ],
)
def test_book_ids_filters(book_store: LocalStore, filt: BookFilter, expected: set[str]) -> None:
    assert filtered_cifs(book_store, filt) == expected


def test_not_contacted_days_boundary_moves_with_today(store: LocalStore) -> None:
    # Contact on the cutoff date counts as contacted; one day earlier does not.
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer("600000000001"), customer("600000000002")])
        late_on_cutoff_day = datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
        day_before_cutoff = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
        records.add_interactions(
            conn,
            [
                interaction("i1", "600000000001", occurred_at=late_on_cutoff_day),
                interaction("i2", "600000000002", occurred_at=day_before_cutoff),
            ],
        )
    filt = BookFilter(not_contacted_days=30)
    with store.read() as conn:
        on_24th = ids_of(store, book.book_ids(conn, filt, today=date(2026, 11, 24)))
        on_26th = ids_of(store, book.book_ids(conn, filt, today=date(2026, 11, 26)))
        on_1st = ids_of(store, book.book_ids(conn, filt, today=date(2026, 11, 1)))
    assert on_24th == ["600000000002"]
    assert on_26th == ["600000000001", "600000000002"]
    assert on_1st == []


# --- the book: sort orders ------------------------------------------------------------

# Names: 陈静 chenjing < 李大伟 lidawei < 王小明 wangxiaoming < 张三 zhangsan < 赵敏 zhaomin
NAME_ASC = ["600000000004", "600000000002", "600000000001", "600000000003", "600000000005"]


def test_names_sort_by_pinyin_syllable_by_syllable(store: LocalStore) -> None:
    """程刚 (cheng gang) after every 陈 (chen …), not between 陈芳 and 陈明 as the run-together
    pinyin (chenfang < chenggang < chenming) put it; a surname's customers together; a
    Latin-script name among them by its letters (#17 item 6)."""
    people = {
        "600000000011": "陈明", "600000000012": "程刚", "600000000013": "陈芳",
        "600000000014": "陈伟", "600000000015": "Chen Zhi", "600000000016": "车志",
        "600000000017": "沈明",
    }  # fmt: skip
    with store.transaction() as conn:
        book.upsert_customers(conn, [named(cif, name) for cif, name in people.items()])
    order = [people[cif] for cif in sorted_cifs(store, BookColumn.NAME, descending=False)]
    assert order == ["车志", "陈芳", "陈明", "陈伟", "Chen Zhi", "程刚", "沈明"]
    assert sorted_cifs(store, BookColumn.NAME, descending=True) == list(
        reversed(sorted_cifs(store, BookColumn.NAME, descending=False))
    )
    with store.transaction() as conn:  # the order follows a change of name
        book.upsert_customers(conn, [named("600000000012", "蔡刚")])
    order = list(sorted_cifs(store, BookColumn.NAME, descending=False))
    assert order[0] == "600000000012"  # cai gang


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        (BookColumn.NAME, NAME_ASC),
        (
            BookColumn.CIF,
            ["600000000001", "600000000002", "600000000003", "600000000004", "600000000005"],
        ),
        (
            BookColumn.AUM,
            ["600000000002", "600000000005", "600000000001", "600000000004", "600000000003"],
        ),
    ],
)
def test_sort_both_directions_unique_keys(
    book_store: LocalStore, column: BookColumn, ascending: list[str]
) -> None:
    assert sorted_cifs(book_store, column, descending=False) == ascending
    assert sorted_cifs(book_store, column, descending=True) == ascending[::-1]


@pytest.mark.parametrize(
    ("column", "ascending", "descending"),
    [
        # owner ties (rm001 x2, rm002 x2) break by pk ascending both ways.
        (
            BookColumn.OWNER,
            ["600000000001", "600000000002", "600000000003", "600000000004", "600000000005"],
            ["600000000005", "600000000003", "600000000004", "600000000001", "600000000002"],
        ),
        # affluent < mass < private; inside a segment the biggest AUM first either way.
        (
            BookColumn.SEGMENT,
            ["600000000004", "600000000001", "600000000005", "600000000002", "600000000003"],
            ["600000000003", "600000000005", "600000000002", "600000000004", "600000000001"],
        ),
        # active (a, e) < at_risk (c) < dormant (d) < new (b); ties by pk
        (
            BookColumn.LIFECYCLE,
            ["600000000001", "600000000005", "600000000003", "600000000004", "600000000002"],
            ["600000000002", "600000000004", "600000000003", "600000000001", "600000000005"],
        ),
    ],
)
def test_sort_with_ties_both_directions(
    book_store: LocalStore, column: BookColumn, ascending: list[str], descending: list[str]
) -> None:
    assert sorted_cifs(book_store, column, descending=False) == ascending
    assert sorted_cifs(book_store, column, descending=True) == descending


@pytest.mark.parametrize(
    ("column", "ascending_scored", "unscored"),
    [
        # scores b 0.05 < a 0.30 < c 0.92; d and e have none
        (
            BookColumn.CHURN,
            ["600000000002", "600000000001", "600000000003"],
            ["600000000004", "600000000005"],
        ),
        # contacts b Sep 1 < c Oct 30 < a Nov 20; d and e never
        (
            BookColumn.LAST_CONTACT,
            ["600000000002", "600000000003", "600000000001"],
            ["600000000004", "600000000005"],
        ),
        # open tasks d Nov 20 < a Nov 26 < b Dec 20; c none, e only a done one
        (
            BookColumn.NEXT_TASK,
            ["600000000004", "600000000001", "600000000002"],
            ["600000000003", "600000000005"],
        ),
    ],
)
def test_nullable_sort_columns_put_missing_values_last_both_ways(
    book_store: LocalStore, column: BookColumn, ascending_scored: list[str], unscored: list[str]
) -> None:
    assert sorted_cifs(book_store, column, descending=False) == ascending_scored + unscored
    assert sorted_cifs(book_store, column, descending=True) == ascending_scored[::-1] + unscored


def test_filter_and_sort_together(book_store: LocalStore) -> None:
    filt = BookFilter(tags=frozenset({"代发工资"}))
    with book_store.read() as conn:
        pks = book.book_ids(conn, filt, BookSort(BookColumn.AUM, descending=True), today=TODAY)
    assert ids_of(book_store, pks) == ["600000000001", "600000000005", "600000000002"]


# --- rows by window -------------------------------------------------------------------


def test_book_rows_follow_the_given_order_and_skip_unknown_pks(book_store: LocalStore) -> None:
    with book_store.read() as conn:
        pks = book.book_ids(conn, today=TODAY)
        wanted = [pks[3], 999_999, pks[0], pks[4], -1]
        rows = book.book_rows(conn, wanted)
    assert [r.pk for r in rows] == [pks[3], pks[0], pks[4]]
    with book_store.read() as conn:
        by_cif = {r.cif: r for r in book.book_rows(conn, pks)}
    a = by_cif["600000000001"]
    assert (a.name, a.segment, a.lifecycle, a.aum_fen, a.aum_tier) == (
        "王小明",
        Segment.AFFLUENT,
        Lifecycle.ACTIVE,
        120_000_000,
        AumTier.FROM_500K,
    )
    assert a.churn_level is ChurnLevel.AMBER
    assert a.churn_score == pytest.approx(0.30)
    assert a.last_contact_at == "2026-11-20T02:00:00+00:00"
    assert a.next_task_due == "2026-11-26"
    assert a.open_tasks == 1
    assert a.tags == ("代发工资", "理财偏好")
    assert a.owner_rm == "rm001"
    e = by_cif["600000000005"]
    assert (e.churn_level, e.churn_score, e.last_contact_at, e.next_task_due, e.open_tasks) == (
        None,
        None,
        None,
        None,
        0,
    )


def test_book_rows_with_more_than_500_pks(store: LocalStore) -> None:
    many = [customer(f"6{n:011d}", "王小明", aum_fen=n) for n in range(1, 1201)]
    with store.transaction() as conn:
        pks = book.upsert_customers(conn, many)
    assert len(set(pks)) == 1200
    wanted = [*reversed(pks), 10**9]
    with store.read() as conn:
        rows = book.book_rows(conn, wanted)
        by_aum = book.book_ids(conn, sort=BookSort(BookColumn.AUM, descending=True), today=TODAY)
    assert [r.pk for r in rows] == list(reversed(pks))
    assert [r.aum_fen for r in rows] == list(range(1200, 0, -1))
    assert by_aum == list(reversed(pks))


def test_all_tags_counts_most_used_first(book_store: LocalStore) -> None:
    with book_store.read() as conn:
        assert book.all_tags(conn) == [("代发工资", 3), ("理财偏好", 3), ("新客", 1)]


# --- the 360 profile ------------------------------------------------------------------


def test_profile_assembles_everything(store: LocalStore) -> None:
    cif, other = "600000000001", "600000000002"
    with store.transaction() as conn:
        book.upsert_customers(conn, [named(cif, "王小明"), named(other, "李大伟")])
        records.add_interactions(
            conn,
            [
                interaction(f"i{n}", cif, occurred_at=datetime(2026, 11, n, 2, 0, tzinfo=UTC))
                for n in range(1, 8)
            ]
            + [interaction("i-other", other)],
        )
        records.put_tasks(
            conn,
            [
                task("t-late", cif, due=date(2026, 12, 10)),
                task("t-soon", cif, due=date(2026, 11, 25), status=TaskStatus.IN_PROGRESS),
                task("t-done", cif, due=date(2026, 11, 1), status=TaskStatus.DONE),
                task("t-cancelled", cif, due=date(2026, 11, 2), status=TaskStatus.CANCELLED),
                task("t-other", other, due=date(2026, 11, 3)),
            ],
        )
        book.save_churn(conn, [churn(cif, 0.81, ChurnLevel.RED)])
    insert_holdings(
        store,
        [
            holding("h1", cif, HoldingKind.WEALTH, 500),
            holding("h2", cif, HoldingKind.WEALTH, 900),
            holding("h3", cif, HoldingKind.CARD, 10),
            holding("h4", other, HoldingKind.LOAN, 7),
        ],
    )
    insert_snapshots(
        store,
        [
            snapshot(cif, "2026-10", 3),
            snapshot(cif, "2026-08", 1),
            snapshot(cif, "2026-09", 2),
            snapshot(other, "2026-10", 99),
        ],
    )

    with store.read() as conn:
        p = book.profile(conn, cif, interactions_limit=3)

    assert p.customer.id == cif
    assert p.customer.name == "王小明"
    assert [h.id for h in p.holdings] == ["h3", "h2", "h1"]  # by kind, then biggest first
    assert [s.month for s in p.snapshots] == ["2026-08", "2026-09", "2026-10"]
    assert [s.aum_fen for s in p.snapshots] == [1, 2, 3]
    assert [i.id for i in p.interactions] == ["i7", "i6", "i5"]
    assert p.interactions_total == 7
    assert [t.id for t in p.open_tasks] == ["t-soon", "t-late"]
    assert p.churn is not None
    assert (p.churn.score, p.churn.level, p.churn.model_version) == (0.81, ChurnLevel.RED, "m1")
    assert p.churn.scored_at == SCORED_AT
    assert p.churn.reasons == (ChurnReason(ReasonCode.AUM_CHANGE_3M, 0.4, {"value": -38}),)
    assert p.personal_masked is False


def test_profile_without_anything_and_of_unknown_customer(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer("600000000001")])
    with store.read() as conn:
        p = book.profile(conn, "600000000001")
        assert (p.holdings, p.snapshots, p.interactions, p.open_tasks, p.churn) == (
            (),
            (),
            (),
            (),
            None,
        )
        assert p.interactions_total == 0
        with pytest.raises(NotFound):
            book.profile(conn, "600000009999")


def test_save_churn_overwrites_and_mirrors_onto_the_book(store: LocalStore) -> None:
    cif = "600000000001"
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(cif)])
        book.save_churn(conn, [churn(cif, 0.9, ChurnLevel.RED)])
        book.save_churn(conn, [churn(cif, 0.1, ChurnLevel.GREEN)])
        [row] = book.book_rows(conn, book.book_ids(conn, today=TODAY))
        assessment = book.churn_assessment(conn, cif)
    assert row.churn_score == pytest.approx(0.1)
    assert row.churn_level is ChurnLevel.GREEN
    assert assessment is not None
    assert assessment.score == pytest.approx(0.1)
    assert assessment.level is ChurnLevel.GREEN
    assert count(store, "SELECT count(*) FROM churn_scores") == 1


# --- activity columns -----------------------------------------------------------------


def activity(store: LocalStore, cif: str) -> tuple[str | None, str | None, int]:
    with store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT last_contact_at, next_task_due, open_tasks FROM customers WHERE id = ?",
            (cif,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_refresh_activity_recomputes_the_denormalised_columns(store: LocalStore) -> None:
    a, b = "600000000001", "600000000002"
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(a), customer(b)])
    assert activity(store, a) == (None, None, 0)

    with store.transaction() as conn:
        records.add_interactions(
            conn,
            [
                interaction("i1", a, occurred_at=datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),
                interaction("i2", a, occurred_at=datetime(2026, 11, 9, 1, 0, tzinfo=UTC)),
            ],
        )
        records.put_tasks(
            conn,
            [
                task("t1", a, due=date(2026, 12, 1)),
                task("t2", a, due=date(2026, 11, 30), status=TaskStatus.IN_PROGRESS),
                task("t3", a, due=date(2026, 11, 1), status=TaskStatus.DONE),
            ],
        )
    assert activity(store, a) == ("2026-11-09T01:00:00+00:00", "2026-11-30", 2)
    assert activity(store, b) == (None, None, 0)

    with store.transaction() as conn:
        records.put_tasks(conn, [task("t2", a, due=date(2026, 11, 30), status=TaskStatus.DONE)])
    assert activity(store, a) == ("2026-11-09T01:00:00+00:00", "2026-12-01", 1)

    # Raw writes bypass the repositories; an explicit refresh (all customers) catches up.
    with store.transaction() as conn:
        conn.exec_driver_sql("UPDATE tasks SET status = 'cancelled' WHERE id = 't1'")
        conn.exec_driver_sql(
            "INSERT INTO tasks(id, customer_id, title, due, priority, assignee, created_by, "
            "source, status) VALUES ('t9', ?, 'x', '2027-01-05', 2, 'rm001', 'rm001', "
            "'manual', 'open')",
            (b,),
        )
        book.refresh_activity(conn)
    assert activity(store, a) == ("2026-11-09T01:00:00+00:00", None, 0)
    assert activity(store, b) == (None, "2027-01-05", 1)


def test_customer_count_and_pks_for(store: LocalStore) -> None:
    with store.transaction() as conn:
        pks = book.upsert_customers(conn, [customer(f"6{n:011d}") for n in range(600)])
        assert book.customer_count(conn) == 600
        mapping = book.pks_for(conn, [f"6{n:011d}" for n in range(600)] + ["nope"])
    assert sorted(mapping.values()) == sorted(pks)
    assert "nope" not in mapping


def test_upsert_of_a_known_customer_keeps_its_history_and_tasks(store: LocalStore) -> None:
    # An upsert of the customer must not touch its history or tasks.
    cif = "600000000001"
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(cif)])
        records.add_interactions(conn, [interaction("i1", cif, kind=InteractionKind.CALL)])
        records.put_tasks(conn, [task("t1", cif)])
        book.upsert_customers(conn, [replace(customer(cif), name="王晓明", version=3)])
    assert count(store, "SELECT count(*) FROM interactions WHERE customer_id = ?", cif) == 1
    assert count(store, "SELECT count(*) FROM tasks WHERE customer_id = ?", cif) == 1
    assert activity(store, cif)[2] == 1


def test_a_store_from_before_the_name_order_sorts_by_pinyin_once_reopened(
    store: LocalStore, tmp_path: Path, data_key: bytes
) -> None:
    """A v7 store (no name_sort) is migrated on open and its customers' order filled in
    from their names, without a sync."""
    with store.transaction() as conn:
        book.upsert_customers(conn, [named("600000000021", "程刚"), named("600000000022", "陈明")])
        undo_v8(conn)
        conn.exec_driver_sql("UPDATE meta SET value = '2' WHERE key = 'search_keys_version'")
    store.close()
    reopened = LocalStore.open(tmp_path / "store.db", data_key)
    try:
        assert sorted_cifs(reopened, BookColumn.NAME, descending=False) == [
            "600000000022", "600000000021",
        ]  # fmt: skip
    finally:
        reopened.close()
