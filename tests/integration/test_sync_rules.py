"""Sync rules against the real gateway: exactly once under lost responses, merges and
conflicts, regulated fields, reassignment, token expiry and refresh, revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from local_store import book, outbox, records
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import FollowUpTask
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import conflicts, customers, tasks
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from sync.client.errors import DeviceRevoked, ServerUnreachable, SessionExpired
from sync.client.transport import Transport
from sync.server import admin, schema
from sync.server.app import create_app
from sync.server.auth import TokenPolicy
from tests.integration.conftest import (
    Gateway,
    enqueue_plain_edit,
    note_on,
    run_gateway,
    server_count,
)


def provision(
    tmp_path: Path,
    name: str,
    user: str,
    url: str,
    password: str,
    clock: Callable[[], datetime] | None = None,
) -> tuple[Session, ProfileRegistry]:
    reg = ProfileRegistry(tmp_path / name, policy=Policy(keyring=KeyringMode.OFF), clock=clock)
    return sync_service.add_profile(reg, user, password, url).session, reg


def first_customer(session: Session, owner: str = "rm001") -> str:
    with session.store.read() as conn:
        ids = book.book_ids(conn, today=date(2026, 11, 24))
        rows = book.book_rows(conn, ids)
    return next(r.cif for r in rows if r.owner_rm == owner)


def rm001_and(
    tmp_path: Path, gateway: Gateway, bank: dict[str, str], name: str, user: str
) -> tuple[Session, Session, str]:
    """rm001 on device "a" and `user` on device `name`, both signed in, and one of rm001's
    customers."""
    a, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    other, _ = provision(tmp_path, name, user, gateway.url, bank[user])
    return a, other, first_customer(a)


def rm001_and_manager(
    tmp_path: Path, gateway: Gateway, bank: dict[str, str], *made: tuple[str, date]
) -> tuple[Session, Session, str, list[FollowUpTask]]:
    """rm001 creates the (title, due) tasks on a customer; both sync, so the manager has them."""
    a, m, cif = rm001_and(tmp_path, gateway, bank, "m", "mgr001")
    created = [tasks.create_task(a, cif, title, due)[0] for title, due in made]
    sync_service.sync_session(a, bank["rm001"])
    sync_service.sync_session(m, bank["mgr001"])
    return a, m, cif, created


class LosesPushResponses(Transport):
    """The server applies the push, then the answer is lost on the way back."""

    lose = 1

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = super().post(path, body)
        if path == "/sync/v1/push" and self.lose > 0:
            self.lose -= 1
            raise ServerUnreachable("connection reset after the request was sent")
        return data


def test_lost_push_response_then_retry_applies_exactly_once(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    cif = first_customer(a)
    note_id = note_on(a, cif, "丢失应答测试")
    with pytest.raises(ServerUnreachable):
        sync_service.sync_session(a, bank["rm001"], transport=LosesPushResponses(gateway.url))
    with a.store.read() as conn:
        assert outbox.pending_count(conn) == 1  # kept: the client does not know it landed
    assert (
        server_count(gateway.engine, schema.interactions, schema.interactions.c.id == note_id) == 1
    )
    summary = sync_service.sync_session(a, bank["rm001"])
    with a.store.read() as conn:
        assert outbox.pending_count(conn) == 0
    assert summary.rejected == 0
    assert (
        server_count(gateway.engine, schema.interactions, schema.interactions.c.id == note_id) == 1
    )
    assert server_count(gateway.engine, schema.mutation_results) == 1
    a.lock()


def test_field_merges_conflicts_deleted_tasks_and_regulated_fields(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, m, cif, (task_a, doomed) = rm001_and_manager(
        tmp_path, gateway, bank, ("续存提醒", date(2026, 12, 1)), ("生日关怀", date(2026, 12, 2))
    )

    # Different fields: both land (merge). Same field: the second writer gets a conflict.
    customers.update_contact(a, cif, email="a.new@example.com", tags=["高净值", "A改"])
    customers.update_contact(m, cif, mobile="13900001111", tags=["高净值", "M改"])
    tasks.update_task(a, task_a.id, title="续存提醒（已电话）")
    tasks.update_task(m, task_a.id, due=date(2026, 12, 5))
    tasks.update_task(a, task_a.id, status="done", outcome="客户已续存")
    tasks.update_task(m, task_a.id, status="cancelled")
    tasks.delete_task(m, doomed.id)
    sync_service.sync_session(a, bank["rm001"])
    summary_m = sync_service.sync_session(m, bank["mgr001"])
    assert summary_m.conflicts == 2  # tags and status

    with gateway.engine.connect() as conn:
        row = conn.execute(select(schema.customers).where(schema.customers.c.id == cif)).one()
        task_row = conn.execute(select(schema.tasks).where(schema.tasks.c.id == task_a.id)).one()
        deleted = conn.execute(
            select(schema.tasks.c.deleted).where(schema.tasks.c.id == doomed.id)
        ).scalar_one()
    assert (row.email, row.mobile, row.tags) == ("a.new@example.com", "13900001111", "|高净值|A改|")
    assert (task_row.title, task_row.due, task_row.status) == (
        "续存提醒（已电话）",
        "2026-12-05",
        "done",
    )
    assert deleted is True

    shown = {(c.entity, c.field): c for c in conflicts.open_conflicts(m)}
    assert set(shown) == {("customer", "tags"), ("task", "status")}
    assert shown[("customer", "tags")].mine == "|高净值|M改|"
    assert shown[("customer", "tags")].theirs == "|高净值|A改|"

    # Keep mine on tags -> a new mutation that applies; keep theirs on status -> closed.
    conflicts.resolve(m, shown[("customer", "tags")].id, "mine")
    conflicts.resolve(m, shown[("task", "status")].id, "theirs")
    assert sync_service.sync_session(m, bank["mgr001"]).conflicts == 0
    assert conflicts.open_conflicts(m) == []
    with gateway.engine.connect() as conn:
        assert (
            conn.execute(
                select(schema.customers.c.tags).where(schema.customers.c.id == cif)
            ).scalar_one()
            == "|高净值|M改|"
        )

    # The deletion reached A's cache.
    sync_service.sync_session(a, bank["rm001"])
    with a.store.read() as conn:
        assert doomed.id not in {
            t.id for t in records.tasks_of_customer(conn, cif, open_only=False)
        }
    # Regulated fields: refused locally, refused by the server, accepted as a request.
    with pytest.raises(customers.InvalidEdit):
        customers.update_contact(a, cif, address="北京市")
    enqueue_plain_edit(a, cif, {"id_number": "x"}, datetime(2026, 11, 24, 9, tzinfo=UTC))
    customers.request_change(a, cif, "address", "上海市静安区南京西路1号")
    summary = sync_service.sync_session(a, bank["rm001"])
    assert summary.rejected == 1
    returned = conflicts.returned_work(a)
    assert [w.reason for w in returned] == ["regulated_field:id_number"]
    assert (
        server_count(
            gateway.engine, schema.change_requests, schema.change_requests.c.customer_id == cif
        )
        == 1
    )
    a.lock()
    m.lock()


def test_edit_of_task_deleted_elsewhere_is_rejected_and_returned(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, m, cif, (task,) = rm001_and_manager(
        tmp_path, gateway, bank, ("理财到期回访", date(2026, 12, 1))
    )
    tasks.delete_task(m, task.id)
    sync_service.sync_session(m, bank["mgr001"])
    tasks.update_task(a, task.id, title="改过的标题")
    summary = sync_service.sync_session(a, bank["rm001"])
    assert summary.rejected == 1
    assert [w.reason for w in conflicts.returned_work(a)] == ["task_deleted"]
    assert "title: 改过的标题" in conflicts.export_returned_text(a)
    with a.store.read() as conn:
        assert all(t.id != task.id for t in records.tasks_of_customer(conn, cif, open_only=False))
    a.lock()
    m.lock()


def test_reassignment_evicts_and_returns_pending_work(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, b, cif = rm001_and(tmp_path, gateway, bank, "b", "rm002")
    note_on(a, cif, "调走之前写的拜访记录")
    admin.assign(gateway.engine, cif, "rm002")
    summary_a = sync_service.sync_session(a, bank["rm001"])
    summary_b = sync_service.sync_session(b, bank["rm002"])
    with a.store.read() as conn:
        assert cif not in book.pks_for(conn, [cif])
        assert outbox.pending_count(conn) == 0
    returned = conflicts.returned_work(a)
    assert len(returned) == 1
    assert returned[0].payload["note"] == "调走之前写的拜访记录"
    assert summary_a.returned == 1
    with b.store.read() as conn:
        profile = book.profile(conn, cif)
    assert profile.customer.owner_rm == "rm002"
    assert len(profile.snapshots) == 24
    assert profile.interactions_total == server_count(
        gateway.engine, schema.interactions, schema.interactions.c.customer_id == cif
    )
    assert summary_b.pulled > 0
    a.lock()
    b.lock()


def test_snapshot_then_deltas_equals_fresh_snapshot(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, other, cif = rm001_and(tmp_path, gateway, bank, "o", "rm001")
    for i in range(3):
        note_on(other, cif, f"另一台电脑的记录 {i}")
    tasks.create_task(other, cif, "跟进", date(2026, 12, 3))
    customers.update_contact(other, cif, email="delta@example.com")
    sync_service.sync_session(other, bank["rm001"])
    admin.assign(gateway.engine, first_customer(a, "rm001"), "rm002")
    sync_service.sync_session(a, bank["rm001"])
    fresh, _ = provision(tmp_path, "f", "rm001", gateway.url, bank["rm001"])
    assert dump(a) == dump(fresh)
    for s in (a, other, fresh):
        s.lock()


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with session.store.read() as conn:
        for table, order in (
            ("customers", "id"),
            ("holdings", "id"),
            ("snapshots", "customer_id, month"),
            ("interactions", "id"),
            ("tasks", "id"),
        ):
            rows = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            out[table] = [tuple(r)[1:] for r in rows]  # the local pk differs
    return out


def test_token_expiry_refresh_and_relogin(
    server_engine: Engine, bank: dict[str, str], tmp_path: Path
) -> None:
    now = [datetime(2026, 11, 24, 9, tzinfo=UTC)]  # one clock for the gateway and the desktop
    app = create_app(
        server_engine,
        tokens=TokenPolicy(timedelta(minutes=15), timedelta(days=30)),
        clock=lambda: now[0],
    )
    server, thread, url = run_gateway(app)
    try:
        a, _ = provision(tmp_path, "a", "rm001", url, bank["rm001"], clock=lambda: now[0])
        now[0] += timedelta(minutes=20)  # access token expired on the server
        sync_service.sync_session(a, None)  # refreshed with the refresh token, no password
        revoked = server_count(
            server_engine,
            schema.tokens,
            schema.tokens.c.kind == "refresh",
            schema.tokens.c.revoked.is_(True),
        )
        assert revoked == 1  # rotated
        now[0] += timedelta(days=40)  # refresh token expired too
        note_on(a, first_customer(a), "会话过期时写的")
        with pytest.raises(SessionExpired):
            sync_service.sync_session(a, None)
        with a.store.read() as conn:
            assert outbox.pending_count(conn) == 1  # kept
        assert sync_service.sync_session(a, bank["rm001"]).pushed == 1  # signs in again
        a.lock()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_revoked_device_wipes_the_profile(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    a, reg = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    db_path = reg.database_path(a.profile)
    assert db_path.exists()
    assert admin.revoke_device(gateway.engine, "rm001") == 1
    with pytest.raises(DeviceRevoked, match="revoked"):
        sync_service.sync_session(a, bank["rm001"], reg=reg)
    assert not db_path.exists()
    assert not reg.profile_dir(a.profile).exists()
    assert reg.list() == []
