"""The gateway enforces the rule book's follow-up rule (`permissions.may_change_task`)
on pushed task edits, completions and deletions, on SQLite and PostgreSQL.

A manager gives themselves a follow-up on one of rm001's customers, so rm001 and the
branch's teller both see it without having created or holding it. What an older or
altered client could send (queued straight into the outbox, past the services that
would refuse it) is rejected for good with `not_allowed`, the gateway's task stays as
it was, and the mutations queued behind it still apply. The manager may change a
follow-up of their team; its author may change the one they handed over.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from local_store import book, outbox, records
from local_store.profiles import ProfileRegistry
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import conflicts, tasks
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from sync.server import schema
from tests.integration.conftest import Gateway, note_on

WHEN = datetime(2026, 11, 24, 3, tzinfo=UTC)


def signed_in(tmp_path: Path, gateway: Gateway, bank: dict[str, str], user: str) -> Session:
    reg = ProfileRegistry(tmp_path / user, policy=Policy(keyring=KeyringMode.OFF))
    return sync_service.add_profile(reg, user, bank[user], gateway.url).session


def customer_of(session: Session, owner: str) -> str:
    with session.store.read() as conn:
        ids = book.book_ids(conn, today=date(2026, 11, 24))
        return next(r.cif for r in book.book_rows(conn, ids) if r.owner_rm == owner)


def push_raw(session: Session, task_id: str, op: str, fields: dict[str, Any]) -> None:
    """A task mutation queued past the services (as an altered client could)."""
    with session.store.transaction() as conn:
        version = records.get_task(conn, task_id).version
        outbox.enqueue(conn, f"task.{op}", "task", task_id, op, fields,
                       base_version=version, client_time=WHEN)  # fmt: skip


def gateway_task(gateway: Gateway, task_id: str) -> Any:
    with gateway.engine.connect() as conn:
        return conn.execute(select(schema.tasks).where(schema.tasks.c.id == task_id)).one()


def outcomes(gateway: Gateway, user: str) -> list[tuple[str, str, str | None]]:
    """(mutation, outcome, reason) of every push of `user`'s devices, in order."""
    with gateway.engine.connect() as conn:
        devices = select(schema.clients.c.client_id).where(schema.clients.c.user_id == user)
        rows = conn.execute(
            select(schema.mutation_results)
            .where(schema.mutation_results.c.client_id.in_(devices))
            .order_by(schema.mutation_results.c.mutation_id)
        ).all()
    return [(r.name, r.outcome, r.reason) for r in rows]


def test_pushed_changes_to_a_follow_up_the_user_may_not_change_are_rejected(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    manager = signed_in(tmp_path, gateway, bank, "mgr001")
    cif = customer_of(manager, "rm001")
    managers, _ = tasks.create_task(manager, cif, "经理自己的跟进", date(2026, 12, 1))
    sync_service.sync_session(manager, bank["mgr001"])
    before = gateway_task(gateway, managers.id)

    sessions = {user: signed_in(tmp_path, gateway, bank, user) for user in ("rm001", "teller001")}
    for user, session in sessions.items():
        push_raw(session, managers.id, "update", {"status": "done", "outcome": "已完成"})
        push_raw(session, managers.id, "update", {"title": "改掉经理的标题"})
        push_raw(session, managers.id, "delete", {})
        note_on(session, cif, f"{user} 之后的记录")  # queued behind the refused ones
        summary = sync_service.sync_session(session, bank[user])

        assert summary.rejected == 3
        assert outcomes(gateway, user) == [
            ("task.update", "rejected", "not_allowed"),
            ("task.update", "rejected", "not_allowed"),
            ("task.delete", "rejected", "not_allowed"),
            ("interaction.create", "applied", None),
        ]
        assert [w.reason for w in conflicts.returned_work(session)] == ["not_allowed"] * 3
    after = gateway_task(gateway, managers.id)
    assert (after.status, after.title, after.deleted, after.version) == (
        before.status,
        before.title,
        False,
        before.version,
    )

    # The rule's other side: the manager changes the team's follow-ups; an author the
    # one they handed over (the teller's hand-over to rm001).
    teller = sessions["teller001"]
    handed, _ = tasks.hand_over(teller, cif, "客户来柜台咨询理财", date(2026, 12, 2))
    sync_service.sync_session(teller, bank["teller001"])
    tasks.update_task(teller, handed.id, title="客户来柜台咨询大额存单")
    assert sync_service.sync_session(teller, bank["teller001"]).rejected == 0
    sync_service.sync_session(manager, bank["mgr001"])
    tasks.complete_task(manager, handed.id, "经理已电话回访")
    assert sync_service.sync_session(manager, bank["mgr001"]).rejected == 0
    done = gateway_task(gateway, handed.id)
    assert (done.title, done.status, done.assignee) == ("客户来柜台咨询大额存单", "done", "rm001")
    for session in (manager, *sessions.values()):
        session.lock()
