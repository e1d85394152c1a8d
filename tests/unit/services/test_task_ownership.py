"""Who may edit, complete, snooze and delete a follow-up, over a real SQLCipher store:
the services ask the rule book (`permissions.may_change_task`) and refuse with one
readable sentence, leaving the task, the outbox and the audit log as they were."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from local_store import audit, book, outbox, records
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import FollowUpTask, Role, TaskStatus
from rm_desk.services import tasks as task_service
from rm_desk.services.session import PermissionDenied, Session
from tests import factories

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LATER = NOW.astimezone().date() + timedelta(days=3)

Change = Callable[[Session, str], object]
CHANGES: dict[str, Change] = {
    "edit": lambda s, t: task_service.update_task(s, t, title="改过的标题"),
    "complete": lambda s, t: task_service.complete_task(s, t, "客户已续存"),
    "cancel": lambda s, t: task_service.update_task(s, t, status=TaskStatus.CANCELLED),
    "snooze": lambda s, t: task_service.snooze_task(s, t, LATER),
    "delete": task_service.delete_task,
}


@pytest.fixture
def make(make_session: Callable[..., Session]) -> Callable[[str, Role], Session]:
    return lambda user, role: make_session(user, role=role, customers=30)


def a_customer(session: Session) -> str:
    with session.store.read() as conn:
        ids = book.book_ids(conn, today=date(2026, 11, 24))
        return book.book_rows(conn, ids[:1])[0].cif


def synced_task(session: Session, created_by: str, assignee: str) -> str:
    """A follow-up as sync delivers it from the gateway (made on another device)."""
    tid = f"task-{created_by}-{assignee}"
    with session.store.transaction() as conn:
        records.put_tasks(
            conn,
            [factories.task(tid, a_customer(session), created_by=created_by, assignee=assignee)],
        )
    return tid


def state(session: Session, task_id: str) -> tuple[FollowUpTask, int, int]:
    """The task row, how many mutations wait in the outbox, how long the audit log is."""
    with session.store.read() as conn:
        return (
            records.get_task(conn, task_id),
            outbox.pending_count(conn),
            len(audit.entries(conn, limit=100_000)),
        )


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("role", [Role.RM, Role.TELLER])
def test_a_colleagues_follow_up_is_refused_and_nothing_is_written(
    make: Callable[[str, Role], Session], role: Role, change: str
) -> None:
    user = "rm001" if role is Role.RM else "teller001"
    session = make(user, role)
    theirs = synced_task(session, created_by="mgr001", assignee="rm002")
    before = state(session, theirs)
    with pytest.raises(PermissionDenied) as refused:
        CHANGES[change](session, theirs)
    assert refused.value.code is ErrorCode.TASK_NOT_YOURS
    sentence = str(refused.value).split(" (")[0]
    assert sentence == (
        "Only the follow-up's assignee, the person who created it or a manager may change it."
    )
    assert state(session, theirs) == before


@pytest.mark.parametrize("change", list(CHANGES))
def test_own_held_and_created_follow_ups_yes_a_colleagues_no_a_managers_team_yes(
    make: Callable[[str, Role], Session], change: str
) -> None:
    rm = make("rm001", Role.RM)
    for created_by, assignee in (("mgr001", "rm001"), ("rm001", "rm002"), ("rm001", "rm001")):
        tid = synced_task(rm, created_by, assignee)
        _task, queued, _audited = state(rm, tid)
        CHANGES[change](rm, tid)
        with rm.store.read() as conn:
            assert outbox.pending(conn, 10_000)[-1].entity_id == tid
            assert outbox.pending_count(conn) == queued + 1
    theirs = synced_task(rm, created_by="rm002", assignee="rm002")
    with pytest.raises(PermissionDenied):
        CHANGES[change](rm, theirs)

    manager = make("mgr001", Role.MANAGER)
    theirs = synced_task(manager, created_by="rm002", assignee="rm002")
    CHANGES[change](manager, theirs)
    with manager.store.read() as conn:
        assert outbox.pending(conn, 10_000)[-1].entity_id == theirs
