"""Contact history, tasks, drafts and saved filters on a real encrypted store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from local_store import book, records
from local_store.errors import NotFound
from local_store.records import Draft
from local_store.store import LocalStore
from rm_desk.domain.book import BookFilter, FilterError
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import (
    AumTier,
    ChurnLevel,
    InteractionKind,
    Lifecycle,
    Segment,
    TaskPriority,
    TaskStatus,
)
from tests.factories import customer, interaction, task

CIF = "600000000001"
OTHER = "600000000002"
TODAY = date(2026, 11, 24)


@pytest.fixture
def with_customers(store: LocalStore) -> LocalStore:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(CIF), customer(OTHER, "李大伟")])
    return store


def at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


# --- interactions ---------------------------------------------------------------------


def test_interaction_round_trips_every_field(with_customers: LocalStore) -> None:
    original = interaction(
        "i1",
        CIF,
        kind=InteractionKind.COMPLAINT,
        participants=("王小明", "王太太"),
        outcome="已安抚",
        next_step="下周回访",
        note="客户投诉「手续费」\n第二行",
    )
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [original])
    with with_customers.read() as conn:
        assert records.get_interaction(conn, "i1") == original
        with pytest.raises(NotFound, match="nope"):
            records.get_interaction(conn, "nope")


def test_saved_note_cannot_be_edited(with_customers: LocalStore) -> None:
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [interaction("i1", CIF)])
    for column, value in [
        ("note", "改写"),
        ("subject", "x"),
        ("occurred_at", "2020-01-01"),
        ("customer_id", OTHER),
        ("supersedes_id", "i0"),
    ]:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            with_customers.transaction() as conn,
        ):
            conn.exec_driver_sql(f"UPDATE interactions SET {column} = ? WHERE id = 'i1'", (value,))
    with with_customers.read() as conn:
        assert records.get_interaction(conn, "i1") == interaction("i1", CIF)


def test_version_of_a_note_may_change(with_customers: LocalStore) -> None:
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [interaction("i1", CIF)])
        conn.exec_driver_sql("UPDATE interactions SET version = 7 WHERE id = 'i1'")
    with with_customers.read() as conn:
        assert records.get_interaction(conn, "i1").version == 7


def test_adding_an_existing_id_again_is_a_no_op(with_customers: LocalStore) -> None:
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [interaction("i1", CIF)])
        records.add_interactions(conn, [interaction("i1", CIF, note="另一个版本", version=9)])
        rows = conn.exec_driver_sql("SELECT count(*) FROM interactions").fetchone()
        again = records.get_interaction(conn, "i1")
    assert rows is not None
    assert rows[0] == 1
    assert again.note == "客户关注定期存款到期续存利率"
    assert again.version == 1


def test_empty_batches_are_no_ops(with_customers: LocalStore) -> None:
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [])
        records.put_tasks(conn, [])
        rows = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM interactions), (SELECT count(*) FROM tasks)"
        ).fetchone()
    assert rows is not None
    assert tuple(rows) == (0, 0)


def test_interaction_for_an_unknown_customer_is_refused(with_customers: LocalStore) -> None:
    with pytest.raises(IntegrityError), with_customers.transaction() as conn:
        records.add_interactions(conn, [interaction("i1", "600000009999")])


def test_timeline_newest_first_kind_filter_and_paging(with_customers: LocalStore) -> None:
    kinds = [
        InteractionKind.VISIT,
        InteractionKind.CALL,
        InteractionKind.MESSAGE,
        InteractionKind.CALL,
        InteractionKind.SERVICE,
        InteractionKind.VISIT,
    ]
    with with_customers.transaction() as conn:
        records.add_interactions(
            conn,
            [
                interaction(f"i{n}", CIF, kind=kind, occurred_at=at(n + 1))
                for n, kind in enumerate(kinds)
            ]
            + [interaction("x", OTHER, occurred_at=at(30))],
        )

    with with_customers.read() as conn:
        everything = records.timeline(conn, CIF)
        calls = records.timeline(conn, CIF, [InteractionKind.CALL])
        calls_or_visits = records.timeline(conn, CIF, [InteractionKind.CALL, InteractionKind.VISIT])
        page1 = records.timeline(conn, CIF, limit=2)
        page2 = records.timeline(conn, CIF, limit=2, before=page1[-1].occurred_at)
        page3 = records.timeline(conn, CIF, limit=2, before=page2[-1].occurred_at)
        page4 = records.timeline(conn, CIF, limit=2, before=page3[-1].occurred_at)
        complaints = records.timeline(conn, CIF, [InteractionKind.COMPLAINT])
        # `before` given in another time zone means the same instant.
        shanghai = timezone(timedelta(hours=8))
        before_local = records.timeline(
            conn, CIF, before=datetime(2026, 11, 3, 10, 0, tzinfo=shanghai)
        )

    assert [i.id for i in everything] == ["i5", "i4", "i3", "i2", "i1", "i0"]
    assert [i.id for i in calls] == ["i3", "i1"]
    assert [i.id for i in calls_or_visits] == ["i5", "i3", "i1", "i0"]
    assert [[i.id for i in p] for p in (page1, page2, page3, page4)] == [
        ["i5", "i4"],
        ["i3", "i2"],
        ["i1", "i0"],
        [],
    ]
    assert complaints == []
    assert [i.id for i in before_local] == ["i1", "i0"]  # 2026-11-03 02:00 UTC is not before


def test_amendments_reference_the_original(with_customers: LocalStore) -> None:
    original = interaction("i1", CIF)
    first = interaction("a1", CIF, supersedes_id="i1", note="更正：利率为1.75%", created_at=at(21))
    second = interaction("a2", CIF, supersedes_id="i1", note="再更正", created_at=at(22))
    with with_customers.transaction() as conn:
        records.add_interactions(conn, [original, second, first])
    with with_customers.read() as conn:
        assert [a.id for a in records.amendments_of(conn, "i1")] == ["a1", "a2"]
        assert records.amendments_of(conn, "a1") == []
        assert records.get_interaction(conn, "i1") == original


# --- tasks ----------------------------------------------------------------------------


def test_put_tasks_inserts_then_updates(with_customers: LocalStore) -> None:
    first = task("t1", CIF, title="续存提醒", due=date(2026, 11, 30))
    with with_customers.transaction() as conn:
        records.put_tasks(conn, [first])
    done = replace(
        first,
        status=TaskStatus.DONE,
        outcome="已续存",
        version=2,
        completed_at=at(25),
        priority=TaskPriority.LOW,
    )
    with with_customers.transaction() as conn:
        records.put_tasks(conn, [done])
        assert records.get_task(conn, "t1") == done
        rows = conn.exec_driver_sql("SELECT count(*) FROM tasks").fetchone()
        with pytest.raises(NotFound):
            records.get_task(conn, "t2")
    assert rows is not None
    assert rows[0] == 1


@pytest.fixture
def task_store(with_customers: LocalStore) -> LocalStore:
    with with_customers.transaction() as conn:
        records.put_tasks(
            conn,
            [
                task("overdue-low", CIF, due=date(2026, 11, 20), priority=TaskPriority.LOW),
                task("overdue-high", OTHER, due=date(2026, 11, 20), priority=TaskPriority.URGENT),
                task("today", CIF, due=TODAY, status=TaskStatus.IN_PROGRESS),
                task("tomorrow", CIF, due=date(2026, 11, 25)),
                task("later", OTHER, due=date(2026, 12, 25)),
                task("done-today", CIF, due=TODAY, status=TaskStatus.DONE),
                task("cancelled-late", CIF, due=date(2026, 11, 1), status=TaskStatus.CANCELLED),
                task("done-later", CIF, due=date(2026, 12, 1), status=TaskStatus.DONE),
                task("someone-else", CIF, due=TODAY, assignee="rm002"),
            ],
        )
    return with_customers


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("today", ["today"]),
        ("overdue", ["overdue-high", "overdue-low"]),
        ("upcoming", ["tomorrow", "later"]),
        ("all", ["overdue-high", "overdue-low", "today", "tomorrow", "later"]),
    ],
)
def test_task_views(task_store: LocalStore, view: str, expected: list[str]) -> None:
    with task_store.read() as conn:
        assert [t.id for t in records.tasks_for(conn, "rm001", view, today=TODAY)] == expected


def test_task_views_limit_other_assignee_and_unknown_view(task_store: LocalStore) -> None:
    with task_store.read() as conn:
        assert [t.id for t in records.tasks_for(conn, "rm001", "all", today=TODAY, limit=2)] == [
            "overdue-high",
            "overdue-low",
        ]
        assert [t.id for t in records.tasks_for(conn, "rm002", "today", today=TODAY)] == [
            "someone-else"
        ]
        assert records.tasks_for(conn, "rm001", "today", today=date(2026, 12, 24)) == []
        with pytest.raises(ValueError, match="yesterday"):
            records.tasks_for(conn, "rm001", "yesterday", today=TODAY)


def test_tasks_of_customer(task_store: LocalStore) -> None:
    with task_store.read() as conn:
        open_ = records.tasks_of_customer(conn, CIF)
        every = records.tasks_of_customer(conn, CIF, open_only=False)
    # due order; "today" and "someone-else" tie on due and priority
    assert {t.id for t in open_} == {"overdue-low", "today", "someone-else", "tomorrow"}
    assert open_[0].id == "overdue-low"
    assert open_[-1].id == "tomorrow"
    assert {t.id for t in every} == {
        "overdue-low",
        "today",
        "tomorrow",
        "done-today",
        "cancelled-late",
        "done-later",
        "someone-else",
    }
    assert every[0].id == "cancelled-late"


# --- drafts ---------------------------------------------------------------------------


def test_drafts_save_load_update_delete(store: LocalStore) -> None:
    fields: dict[str, Any] = {
        "subject": "理财到期",
        "note": "客户说：“考虑转入大额存单”😀\n\t第二段",
        "participants": ["王小明", "李经理"],
        "occurred_at": "2026-11-24T09:30:00+08:00",
        "nested": {"金额": 1_000_000, "ok": True, "none": None},
    }
    first = Draft("d1", CIF, "interaction", fields, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    task_draft = Draft(
        "d2", None, "task", {"title": "回访"}, datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    )
    with store.transaction() as conn:
        records.save_draft(conn, first)
        records.save_draft(conn, task_draft)
    with store.read() as conn:
        assert records.drafts(conn, "interaction") == [first]
        assert records.drafts(conn) == [task_draft, first]  # most recently updated first
        assert records.drafts(conn, "nothing") == []

    shanghai = timezone(timedelta(hours=8))
    updated = Draft(
        "d1",
        OTHER,
        "interaction",
        {**fields, "note": "改了"},
        datetime(2026, 11, 24, 11, 0, tzinfo=shanghai),
    )
    with store.transaction() as conn:
        records.save_draft(conn, updated)
    with store.read() as conn:
        [loaded] = records.drafts(conn, "interaction")
    assert loaded.fields == {**fields, "note": "改了"}
    assert loaded.customer_id == OTHER
    assert loaded.updated_at == updated.updated_at
    assert loaded.updated_at.utcoffset() == timedelta(0)

    with store.transaction() as conn:
        records.delete_draft(conn, "d1")
        records.delete_draft(conn, "never-there")
    with store.read() as conn:
        assert records.drafts(conn) == [task_draft]


def test_draft_text_is_not_stored_in_plaintext(store: LocalStore) -> None:
    marker = "机密草稿内容ZZQX"
    with store.transaction() as conn:
        records.save_draft(
            conn,
            Draft("d1", CIF, "interaction", {"note": marker}, datetime(2026, 11, 24, tzinfo=UTC)),
        )
    store.close()
    for path in store.path.parent.iterdir():
        if path.is_file():
            raw = path.read_bytes()
            assert marker.encode("utf-8") not in raw, path
            assert b"ZZQX" not in raw, path


# --- saved filters --------------------------------------------------------------------

FULL_FILTER = BookFilter(
    segments=frozenset({Segment.AFFLUENT, Segment.PRIVATE}),
    tiers=frozenset({AumTier.FROM_500K, AumTier.FROM_30M}),
    lifecycles=frozenset({Lifecycle.AT_RISK}),
    churn_levels=frozenset({ChurnLevel.RED, ChurnLevel.AMBER}),
    tags=frozenset({"代发工资", "理财偏好"}),
    not_contacted_days=30,
    task_due_within_days=7,
    owner="rm001",
)


def test_saved_filters_round_trip(store: LocalStore) -> None:
    saved_at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    with store.transaction() as conn:
        records.save_filter(conn, "f1", "红色预警·30天未联系", FULL_FILTER, saved_at)
        records.save_filter(conn, "f2", "All", BookFilter(), saved_at)
    with store.read() as conn:
        assert records.saved_filters(conn) == [
            ("f2", "All", BookFilter()),
            ("f1", "红色预警·30天未联系", FULL_FILTER),
        ]

    narrower = replace(FULL_FILTER, owner=None, tags=frozenset())
    with store.transaction() as conn:
        records.save_filter(conn, "f3", "红色预警·30天未联系", narrower, saved_at)  # same name
        records.delete_filter(conn, "f2")
    with store.read() as conn:
        assert records.saved_filters(conn) == [("f1", "红色预警·30天未联系", narrower)]


def test_filter_json_round_trip_and_empty() -> None:
    assert BookFilter.from_json(FULL_FILTER.to_json()) == FULL_FILTER
    assert BookFilter.from_json({}) == BookFilter()
    assert BookFilter().is_empty
    assert not FULL_FILTER.is_empty


@pytest.mark.parametrize(
    "data",
    [
        {"segments": ["vip"]},
        {"tiers": ["t9"]},
        {"lifecycles": ["ACTIVE"]},
        {"churn_levels": ["purple"]},
        {"churn_levels": 3},
        {"segments": None},
        {"not_contacted_days": -1},
        {"not_contacted_days": "30"},
        {"not_contacted_days": 2.5},
        {"not_contacted_days": True},
        {"task_due_within_days": -3},
        {"task_due_within_days": [7]},
        {"tags": 5},
        # A string is not a list of tags: it must not become one tag per character.
        {"tags": "vip"},
    ],
)
def test_filter_from_json_rejects_bad_values(data: dict[str, Any]) -> None:
    with pytest.raises(FilterError) as refused:
        BookFilter.from_json(data)
    assert refused.value.code == ErrorCode.SAVED_FILTER_UNREADABLE  # words in the window


def test_timeline_paging_by_time_and_id_never_skips_same_second_rows(store: LocalStore) -> None:
    same = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer()])
        records.add_interactions(conn, [interaction(f"I{n}", occurred_at=same) for n in range(5)])
    seen: list[str] = []
    with store.read() as conn:
        page = records.timeline(conn, "600000000001", limit=2)
        while page:
            seen.extend(i.id for i in page)
            last = page[-1]
            page = records.timeline(
                conn, "600000000001", limit=2, before=last.occurred_at, before_id=last.id
            )
    assert sorted(seen) == [f"I{n}" for n in range(5)]
    assert len(seen) == 5
