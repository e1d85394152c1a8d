"""Task lists, reminders and the manager's team view over a generated team book."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from local_store import outbox
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import ChurnLevel, Role, TaskSource, TaskStatus
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.domain.team import TeamFigure
from rm_desk.services import session as sessions
from rm_desk.services import tasks as task_service
from rm_desk.services import team
from rm_desk.services.book import PermissionDenied
from rm_desk.services.demo import LOCAL_DEMO_SERVER, load_demo_book
from rm_desk.services.session import Session
from rm_desk.services.tasks import InvalidTask

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TODAY = NOW.astimezone().date()


def _session(tmp_path: Path, user: str, role: Role) -> Session:
    reg = ProfileRegistry(tmp_path / "data", policy=Policy(keyring=KeyringMode.OFF))
    s = sessions.create_profile(
        reg, user, "correct horse 42", server=LOCAL_DEMO_SERVER, role=role, clock=lambda: NOW
    )
    load_demo_book(s, customers=90, rms=3, as_of=NOW.date())
    return s


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[Session]:
    s = _session(tmp_path, "mgr01", Role.MANAGER)
    yield s
    s.lock()


def _all_tasks(s: Session) -> list[tuple[str, str, str, str]]:
    with s.store.read() as conn:
        return [
            (r[0], r[1], r[2], r[3])
            for r in conn.exec_driver_sql("SELECT id, assignee, status, due FROM tasks").fetchall()
        ]


def test_task_lines_split_open_tasks_by_due_date(manager: Session) -> None:
    rows = [t for t in _all_tasks(manager) if t[1] == "rm001"]
    open_rows = [t for t in rows if t[2] in ("open", "in_progress")]
    today = TODAY.isoformat()
    for view, expected in (
        ("today", {t[0] for t in open_rows if t[3] == today}),
        ("overdue", {t[0] for t in open_rows if t[3] < today}),
        ("upcoming", {t[0] for t in open_rows if t[3] > today}),
        ("open", {t[0] for t in open_rows}),
        ("done", {t[0] for t in rows if t[2] in ("done", "cancelled")}),
    ):
        lines = task_service.task_lines(manager, view, assignee="rm001")
        assert {line.task.id for line in lines} == expected, view
        assert all(line.customer_name for line in lines)
    counts = task_service.task_counts(manager, assignee="rm001")
    for view in ("today", "overdue", "upcoming", "done"):
        assert counts[view] == len(task_service.task_lines(manager, view, assignee="rm001"))
    upcoming = task_service.task_lines(manager, "upcoming", assignee="rm001")
    dues = [line.task.due for line in upcoming]
    assert dues == sorted(dues)
    with pytest.raises(ValueError, match="unknown task view"):
        task_service.task_lines(manager, "someday")


def test_due_now_is_today_and_overdue_of_the_user(tmp_path: Path) -> None:
    s = _session(tmp_path, "rm001", Role.RM)
    try:
        with s.store.read() as conn:
            cif = conn.exec_driver_sql("SELECT id FROM customers LIMIT 1").scalar_one()
        due_today, _ = task_service.create_task(s, cif, "Call about renewal", TODAY)
        later, _ = task_service.create_task(s, cif, "Quarterly review", TODAY + timedelta(days=9))
        last_week, _ = task_service.create_task(s, cif, "Send the form", TODAY - timedelta(days=6))
        long_ago, _ = task_service.create_task(s, cif, "Old call", TODAY - timedelta(days=40))
        ids = {t.id for t in task_service.due_now(s)}
        assert due_today.id in ids
        assert last_week.id in ids
        assert later.id not in ids
        assert long_ago.id not in ids  # months-old tasks stay on the Tasks page, no reminder
        assert all(t.due <= TODAY and t.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
                   for t in task_service.due_now(s))  # fmt: skip
    finally:
        s.lock()


def test_team_summary_counts_match_the_rows(manager: Session) -> None:
    summary = {w.rm: w for w in team.team_summary(manager)}
    assert set(summary) >= {"rm001", "rm002", "rm003"}
    tasks = _all_tasks(manager)
    today = TODAY.isoformat()
    for rm, w in summary.items():
        mine = [t for t in tasks if t[1] == rm and t[2] in ("open", "in_progress")]
        assert w.open_tasks == len(mine)
        assert w.overdue_tasks == sum(t[3] < today for t in mine)
        assert w.due_today == sum(t[3] == today for t in mine)
    with manager.store.read() as conn:
        owned: dict[str, int] = dict(conn.exec_driver_sql(
            "SELECT owner_rm, count(*) FROM customers GROUP BY owner_rm").fetchall())  # fmt: skip
    assert {rm: w.customers for rm, w in summary.items() if w.customers} == owned
    month = (TeamFigure.VISITS_MONTH, TeamFigure.CALLS_MONTH)
    assert sum(w[f] for w in summary.values() for f in month) > 0


def test_at_risk_customers_are_the_rms_red_and_amber(manager: Session) -> None:
    with manager.store.transaction() as conn:
        # The demo load scores every customer; start this test from no flags at all.
        conn.exec_driver_sql("UPDATE customers SET churn_level = NULL, churn_score = NULL")
        conn.exec_driver_sql(
            "UPDATE customers SET churn_level = 'red', churn_score = 0.9 WHERE id IN "
            "(SELECT id FROM customers WHERE owner_rm = 'rm002' LIMIT 2)"
        )
        conn.exec_driver_sql(
            "UPDATE customers SET churn_level = 'amber', churn_score = 0.5 WHERE id IN "
            "(SELECT id FROM customers WHERE owner_rm = 'rm003' LIMIT 1)"
        )
    with manager.store.read() as conn:
        counts: dict[str, int] = dict(conn.exec_driver_sql(
            "SELECT owner_rm || ':' || churn_level, count(*) FROM customers "
            "WHERE churn_level IN ('red', 'amber') GROUP BY 1").fetchall())  # fmt: skip
    rows = team.at_risk_customers(manager, "rm002")
    assert len(rows) == counts.get("rm002:red", 0) + counts.get("rm002:amber", 0) >= 2
    assert {r.churn_level for r in rows} <= {ChurnLevel.RED, ChurnLevel.AMBER}
    assert all(r.owner_rm == "rm002" for r in rows)
    scores = [r.churn_score or 0.0 for r in rows]
    assert scores == sorted(scores, reverse=True)
    summary = {w.rm: w for w in team.team_summary(manager)}
    assert summary["rm002"].red == counts["rm002:red"] >= 2
    assert summary["rm003"].amber == counts["rm003:amber"] >= 1


def test_manager_reassigns_a_follow_up_through_the_outbox(manager: Session) -> None:
    task = team.team_tasks(manager, "rm001", "open")[0].task
    updated, changes = team.reassign_task(manager, task.id, "rm003")
    assert updated.assignee == "rm003"
    assert changes.tasks
    assert task.id in {line.task.id for line in team.team_tasks(manager, "rm003", "open")}
    with manager.store.read() as conn:
        pending = outbox.pending(conn, 100)
    last = pending[-1]
    assert (last.name, last.entity_id, last.fields) == ("task.update", task.id,
                                                        {"assignee": "rm003"})  # fmt: skip
    with pytest.raises(InvalidTask, match="not a member"):
        team.reassign_task(manager, task.id, "stranger")


def test_manager_assigns_a_new_follow_up(manager: Session) -> None:
    with manager.store.read() as conn:
        customer = conn.exec_driver_sql(
            "SELECT id FROM customers WHERE owner_rm = 'rm002' LIMIT 1").scalar_one()  # fmt: skip
    task, _ = team.assign_new_task(manager, customer, "Wealth review", date(2026, 12, 1), "rm002")
    assert (task.assignee, task.source, task.created_by) == ("rm002", TaskSource.MANAGER, "mgr01")


def test_only_a_manager_sees_the_team(tmp_path: Path) -> None:
    s = _session(tmp_path, "rm001", Role.RM)
    try:
        with pytest.raises(PermissionDenied):
            team.team_summary(s)
        with pytest.raises(PermissionDenied):
            team.reassign_task(s, "any", "rm002")
    finally:
        s.lock()


def test_branch_staff_hand_over_to_the_customers_rm(tmp_path: Path) -> None:
    s = _session(tmp_path, "teller01", Role.TELLER)
    try:
        with s.store.read() as conn:
            cif, owner = conn.exec_driver_sql(
                "SELECT id, owner_rm FROM customers WHERE owner_rm = 'rm002' LIMIT 1"
            ).one()
        task, changes = task_service.hand_over(s, cif, "Asks about a mortgage", TODAY)
        assert (task.assignee, task.created_by, task.source) == (owner, "teller01",
                                                                 TaskSource.HANDOFF)  # fmt: skip
        assert changes.tasks
        with s.store.read() as conn:
            last = outbox.pending(conn, 10_000)[-1]
        assert (last.name, last.fields["assignee"]) == ("task.create", "rm002")
    finally:
        s.lock()


def test_the_week_and_month_start_at_local_midnight_even_across_a_month_end() -> None:
    tuesday = datetime(2026, 11, 24, 9, 30).astimezone()  # local time
    period = team.period_of(tuesday)
    assert period.today == date(2026, 11, 24)
    week = datetime.fromisoformat(period.week_start).astimezone()
    month = datetime.fromisoformat(period.month_start).astimezone()
    assert (week.date(), week.time().isoformat()) == (date(2026, 11, 23), "00:00:00")
    assert (month.date(), month.time().isoformat()) == (date(2026, 11, 1), "00:00:00")
    # A Thursday in December: its week began on the last Monday of November.
    thursday = team.period_of(datetime(2026, 12, 3, 8).astimezone())
    assert thursday.week_start < thursday.month_start
    assert datetime.fromisoformat(thursday.week_start).astimezone().date() == date(2026, 11, 30)
