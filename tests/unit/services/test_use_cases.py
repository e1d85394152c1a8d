"""The use cases the window only paints: the 360 profile (masking, figures, what the
role may do there), the Today lists, and the role matrix guarding every write the
window offers (editing contact details, change requests, logging, deleting tasks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from local_store import book, outbox, records
from local_store.errors import NotFound
from rm_desk.domain.book import BookColumn, BookSort
from rm_desk.domain.model import (
    ChurnAssessment,
    ChurnLevel,
    Holding,
    HoldingKind,
    InteractionKind,
    MonthlySnapshot,
    Role,
)
from rm_desk.services import book as book_service
from rm_desk.services import customers, profile, today
from rm_desk.services import sync as sync_service
from rm_desk.services import tasks as task_service
from rm_desk.services.customers import InvalidEdit
from rm_desk.services.demo import LOCAL_DEMO_SERVER
from rm_desk.services.notes import NoteInput, log_interaction
from rm_desk.services.session import PermissionDenied, Session
from tests import factories

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TODAY = NOW.astimezone().date()

MakeSession = Callable[[str, Role], Session]


@pytest.fixture
def make(make_session: Callable[..., Session]) -> MakeSession:
    """A profile of `user` in `role` with a generated book of 60 customers."""
    return lambda user, role: make_session(user, role=role, customers=60)


@pytest.fixture
def rm(make: MakeSession) -> Session:
    return make("rm001", Role.RM)


def richest(session: Session) -> str:
    ids = book_service.book_ids(session, sort=BookSort(BookColumn.AUM, descending=True))
    return book_service.book_rows(session, ids[:1])[0].cif


def pending(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn, 10_000)


# --- the profile -----------------------------------------------------------------------


def test_the_profile_is_masked_audited_and_says_what_an_rm_may_do(rm: Session) -> None:
    cif = richest(rm)
    with rm.store.read() as conn:
        plain = book.get_customer(conn, cif)
    view = profile.load_profile(rm, cif)
    values = view.personal_values()
    assert set(values) == set(profile.PERSONAL)
    assert values["mobile"] != plain.mobile
    assert "*" in values["mobile"]
    assert values["mobile"][-4:] == plain.mobile[-4:]
    assert all(
        h.account_no == "" or "*" in h.account_no for h in view.profile.holdings
    )  # accounts too
    assert view.profile.personal_masked
    assert (view.can_reveal, view.can_edit_contact, view.can_request_change) == (True,) * 3
    assert view.today == TODAY
    assert view.assets_fen == sum(
        h.balance_fen
        for h in view.profile.holdings
        if h.kind not in (HoldingKind.LOAN, HoldingKind.CARD)
    )
    assert len(view.suggestions) <= profile.SHOWN_REASONS


def test_a_teller_sees_the_profile_masked_and_is_offered_no_edit(make: MakeSession) -> None:
    teller = make("teller01", Role.TELLER)
    view = profile.load_profile(teller, richest(teller))
    assert "*" in view.personal_values()["mobile"]
    assert (view.can_reveal, view.can_edit_contact, view.can_request_change) == (False,) * 3


def _snapshot(month: str, aum_fen: int) -> MonthlySnapshot:
    return MonthlySnapshot("c", month, aum_fen, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_aum_trend_over_three_months() -> None:
    months = [_snapshot(f"2026-{m:02d}", aum) for m, aum in ((7, 100), (8, 90), (9, 80), (10, 75))]
    assert profile.aum_trend(tuple(months)) == pytest.approx(-25.0)
    assert profile.aum_trend(tuple(months[1:])) is None  # not three months back
    assert profile.aum_trend((_snapshot("2026-07", 0), *months[1:])) is None  # from nothing


def test_maturing_soon_is_within_thirty_days_and_not_past() -> None:
    base = Holding("h", "c", HoldingKind.TERM_DEPOSIT, "3Y", 1, date(2024, 1, 1))
    for days, soon, left in ((0, True, 0), (30, True, 30), (31, False, 31), (-1, False, None)):
        h = replace(base, maturity=TODAY + timedelta(days=days))
        assert profile.matures_soon(h, TODAY) is soon, days
        assert profile.matures_in(h, TODAY) == left
    assert profile.matures_in(base, TODAY) is None


# --- today -----------------------------------------------------------------------------


def test_today_queue_lists_overdue_due_and_upcoming_tasks_with_their_counts(
    rm: Session,
) -> None:
    data = today.load_today(rm)
    assert data.today == TODAY
    rows = data.queue.rows
    by_state = {s: [r for r in rows if r.state is s] for s in today.QueueState}
    assert [r.task_id for r in by_state[today.QueueState.DUE]] == [
        t.id for t in task_service.tasks_view(rm, "today")
    ]
    assert all(by_state.values())
    assert all(r.due < TODAY for r in by_state[today.QueueState.OVERDUE])
    week = TODAY + timedelta(days=today.UPCOMING_DAYS)
    assert all(TODAY < r.due <= week for r in by_state[today.QueueState.UPCOMING])
    assert all(r.customer_name for r in rows)
    counts = task_service.task_counts(rm)
    assert data.queue.counts[today.QueueState.OVERDUE] == counts["overdue"]
    assert data.queue.counts[today.QueueState.DUE] == counts["today"]
    assert 0 < data.queue.counts[today.QueueState.UPCOMING] <= counts["upcoming"]
    assert data.queue.total == len(rows)  # under the shown limit here


def test_today_at_risk_are_red_customers_not_contacted_for_30_days(rm: Session) -> None:
    cif = richest(rm)
    with rm.store.transaction() as conn:
        book.save_churn(conn, [ChurnAssessment(cif, 0.9, ChurnLevel.RED, (), "test-1", NOW)])
        conn.exec_driver_sql("DELETE FROM interactions WHERE customer_id = ?", (cif,))
        book.refresh_activity(conn, [cif])
    data = today.load_today(rm)
    assert cif in [r.cif for r in data.at_risk]
    assert all(r.churn_level is ChurnLevel.RED for r in data.at_risk)
    assert data.at_risk_total >= len(data.at_risk)
    assert len(data.at_risk) <= today.SHOWN_CUSTOMERS
    log_interaction(rm, _note(cif, InteractionKind.CALL))  # contacted today: no longer listed
    assert cif not in [r.cif for r in today.load_today(rm).at_risk]


def _note(cif: str, kind: InteractionKind) -> NoteInput:
    return NoteInput(cif, kind, NOW - timedelta(hours=1), "Subject", "Talked it through.")


# --- the role matrix guards the writes the window offers -------------------------------


def test_an_rm_edits_contact_details_and_a_bad_mobile_changes_nothing(rm: Session) -> None:
    cif = richest(rm)
    before = len(pending(rm))
    with pytest.raises(InvalidEdit):
        customers.update_contact(rm, cif, mobile="1400000000")
    assert len(pending(rm)) == before
    customers.update_contact(rm, cif, mobile="138 0013 8000", tags=["高净值", " 退休 "])
    with rm.store.read() as conn:
        updated = book.get_customer(conn, cif)
    assert (updated.mobile, updated.tags) == ("13800138000", ("高净值", "退休"))
    last = pending(rm)[-1]
    assert (last.name, last.fields) == (
        "customer.update",
        {"mobile": "13800138000", "tags": "|高净值|退休|"},
    )
    customers.request_change(rm, cif, "address", "北京市朝阳区建国路 1 号")
    assert pending(rm)[-1].name == "customer.request_change"


def test_a_teller_may_neither_edit_nor_request_a_change_nor_log_a_visit(
    make: MakeSession,
) -> None:
    teller = make("teller01", Role.TELLER)
    cif = richest(teller)
    before = len(pending(teller))
    with pytest.raises(PermissionDenied):
        customers.update_contact(teller, cif, email="a@example.com")
    with pytest.raises(PermissionDenied):
        customers.request_change(teller, cif, "address", "somewhere")
    with pytest.raises(PermissionDenied):
        log_interaction(teller, _note(cif, InteractionKind.VISIT))
    assert len(pending(teller)) == before
    log_interaction(teller, _note(cif, InteractionKind.SERVICE))  # other kinds: yes
    assert pending(teller)[-1].name == "interaction.create"


def _someone_elses_task(session: Session, cif: str) -> str:
    with session.store.transaction() as conn:
        records.put_tasks(
            conn, [factories.task("task-of-rm002", cif, assignee="rm002", created_by="rm002")]
        )
    return "task-of-rm002"


def test_an_rm_deletes_own_tasks_only_and_a_manager_any(make: MakeSession) -> None:
    rm = make("rm001", Role.RM)
    cif = richest(rm)
    own = task_service.tasks_view(rm, "overdue")[0]
    task_service.delete_task(rm, own.id)
    assert pending(rm)[-1].name == "task.delete"
    with pytest.raises(NotFound), rm.store.read() as conn:
        records.get_task(conn, own.id)
    other = _someone_elses_task(rm, cif)
    with pytest.raises(PermissionDenied):
        task_service.delete_task(rm, other)
    with rm.store.read() as conn:
        assert records.get_task(conn, other).assignee == "rm002"  # still there

    manager = make("mgr01", Role.MANAGER)
    other = _someone_elses_task(manager, richest(manager))
    task_service.delete_task(manager, other)
    assert pending(manager)[-1].entity_id == other


def test_a_local_demo_profile_does_not_sync(rm: Session) -> None:
    assert rm.profile.server == LOCAL_DEMO_SERVER
    assert not sync_service.syncs(rm)
