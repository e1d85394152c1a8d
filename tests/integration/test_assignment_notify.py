"""A follow-up a manager (or branch staff) gives an RM reaches the RM's desk through
the real gateway on the next sync, is flagged new, and raises a desktop notification
through the real Qt notifier (offscreen: no system tray, so the in-app banner) that
names who gave it but no customer. The directory the gateway sends names the staff
and tells the manager when each RM's device last synced."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from local_store import book
from rm_desk.services import sync as sync_service
from rm_desk.services import tasks as task_service
from rm_desk.services import team as team_service
from rm_desk.services.session import Session
from sync.server import schema
from tests.integration.conftest import Gateway
from tests.integration.test_sync_rules import first_customer, provision
from ui.context import AppContext
from ui.notify import AssignmentNotifier, DesktopNotifier
from ui.taskman import TaskManager

DUE = date(2026, 12, 3)


class NoTray(DesktopNotifier):
    """The notifier as on a desktop without a system tray (the offscreen platform)."""

    def tray_available(self) -> bool:
        return False


def server_name(gateway: Gateway, user: str) -> str:
    with gateway.engine.connect() as conn:
        return str(
            conn.execute(
                select(schema.users.c.name).where(schema.users.c.user_id == user)
            ).scalar_one()
        )


def customer_name(session: Session, cif: str) -> str:
    with session.store.read() as conn:
        return book.get_customer(conn, cif).name


def notification(qtbot: QtBot, session: Session) -> tuple[str, str, str, list[object]]:
    """What the window's notifier shows for the session's unannounced assignments:
    title, body, the banner sentence and the assignments announced."""
    tasks = TaskManager()
    try:
        notifier = NoTray()
        announcer = AssignmentNotifier(AppContext(session, tasks), notifier)
        banners: list[str] = []
        notifier.banner.connect(banners.append)
        with (
            qtbot.waitSignal(notifier.shown, timeout=10_000) as shown,
            qtbot.waitSignal(announcer.announced, timeout=10_000) as announced,
        ):
            announcer.check()
        assert len(banners) == 1
        return str(shown.args[0]), str(shown.args[1]), banners[0], list(announced.args[0])
    finally:
        tasks.shutdown(wait=True)


def test_a_manager_assignment_reaches_the_rm_and_raises_a_notification(
    qtbot: QtBot, tmp_path: Path, gateway: Gateway, bank: dict[str, str]
) -> None:
    rm, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    manager, _ = provision(tmp_path, "m", "mgr001", gateway.url, bank["mgr001"])
    cif = first_customer(rm)
    assert team_service.new_assignments(rm) == []  # nothing of the first sync is "new"

    given, _ = team_service.assign_new_task(manager, cif, "续存面谈 " + customer_name(rm, cif),
                                            DUE, "rm001")  # fmt: skip
    sync_service.sync_session(manager, bank["mgr001"])
    summary = sync_service.sync_session(rm, bank["rm001"])

    assert summary.assigned == [given.id]
    assert "1 new follow-up assigned to you" in summary.line()  # `rm-desk sync` says it
    new = team_service.new_assignments(rm)
    assert [(a.task.id, a.assigned_by) for a in new] == [(given.id, "mgr001")]
    manager_name = server_name(gateway, "mgr001")
    assert team_service.staff_names(rm)["mgr001"] == manager_name != "mgr001"

    title, body, banner, announced = notification(qtbot, rm)
    assert [a.task.id for a in announced] == [given.id]  # type: ignore[attr-defined]
    assert "1" in title
    assert manager_name in body
    assert "2026" in body  # the due date
    # Lock-screen safe: no customer name, no free-text title (it holds the name here).
    assert customer_name(rm, cif) not in body + title + banner
    assert given.title not in body
    # Announced once; still new (for Today) until the RM opens it.
    assert team_service.assignments_to_announce(rm) == []
    assert [a.task.id for a in team_service.new_assignments(rm)] == [given.id]
    team_service.mark_assignments_opened(rm, [given.id])
    assert team_service.new_assignments(rm) == []

    # A later sync pulls the RM's own follow-ups back: none of them is "new".
    mine, _ = task_service.create_task(rm, cif, "回访", DUE)
    sync_service.sync_session(rm, bank["rm001"])
    assert sync_service.sync_session(rm, bank["rm001"]).assigned == []
    assert mine.id not in {a.task.id for a in team_service.new_assignments(rm)}


def test_a_reassigned_follow_up_is_new_without_a_name(
    tmp_path: Path, gateway: Gateway, bank: dict[str, str]
) -> None:
    rm, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    manager, _ = provision(tmp_path, "m", "mgr001", gateway.url, bank["mgr001"])
    cif = first_customer(rm)
    own, _ = task_service.create_task(rm, cif, "季度回访", DUE)
    sync_service.sync_session(rm, bank["rm001"])
    sync_service.sync_session(manager, bank["mgr001"])
    team_service.reassign_task(manager, own.id, "rm002")
    sync_service.sync_session(manager, bank["mgr001"])
    assert sync_service.sync_session(rm, bank["rm001"]).assigned == []  # moved away
    team_service.reassign_task(manager, own.id, "rm001")
    sync_service.sync_session(manager, bank["mgr001"])
    assert sync_service.sync_session(rm, bank["rm001"]).assigned == [own.id]
    # The task does not say who moved it: the notification says "reassigned to you".
    assert [(a.task.id, a.assigned_by) for a in team_service.new_assignments(rm)] == [(own.id, "")]


def test_branch_staff_hand_over_and_the_manager_sees_names_and_last_sync(
    tmp_path: Path, gateway: Gateway, bank: dict[str, str]
) -> None:
    rm, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    teller, _ = provision(tmp_path, "t", "teller001", gateway.url, bank["teller001"])
    cif = first_customer(rm)
    handed, _ = task_service.hand_over(teller, cif, "客户来电咨询理财", DUE)
    sync_service.sync_session(teller, bank["teller001"])
    assert sync_service.sync_session(rm, bank["rm001"]).assigned == [handed.id]
    assert [(a.task.id, a.assigned_by) for a in team_service.new_assignments(rm)] == [
        (handed.id, "teller001")
    ]
    # Only a manager learns when colleagues last synced.
    assert team_service.staff_names(teller)["rm001"] == server_name(gateway, "rm001")
    with rm.store.read() as conn:
        from local_store import team as team_store  # noqa: PLC0415

        assert all(s.last_synced_at is None for s in team_store.staff(conn).values())

    manager, _ = provision(tmp_path, "m", "mgr001", gateway.url, bank["mgr001"])
    summary = {w.rm: w for w in team_service.team_summary(manager)}
    assert summary["rm001"].name == server_name(gateway, "rm001") != "rm001"
    assert summary["rm001"].last_synced_at is not None
    with gateway.engine.connect() as conn:
        seen = conn.execute(
            select(schema.devices.c.last_seen).where(schema.devices.c.user_id == "rm001")
        ).scalar_one()
    assert summary["rm001"].last_synced_at.replace(microsecond=0) == (
        seen if seen.tzinfo else seen.replace(tzinfo=summary["rm001"].last_synced_at.tzinfo)
    ).replace(microsecond=0)
    assert "teller001" not in summary  # branch staff are no RM of the team
