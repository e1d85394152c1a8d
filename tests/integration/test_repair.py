"""Repairing a damaged profile against the real gateway (SQLite and PostgreSQL): the
unsynced notes that can be read reach the server exactly once, drafts come back, the
unreadable changes are listed, the damaged file is kept."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from local_store import audit as local_audit
from local_store import book, outbox, records, syncstate
from local_store.errors import StoreDamaged
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import InteractionKind
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes, repair
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.notes import NoteInput
from rm_desk.services.session import Session
from sync.client.engine import Authenticator, SyncEngine, SyncSummary
from sync.client.errors import ProtocolViolation
from sync.server import schema
from tests import damage
from tests.integration.conftest import Gateway, server_count


def registry(data_dir: Path) -> ProfileRegistry:
    return ProfileRegistry(data_dir, policy=Policy(keyring=KeyringMode.OFF))


def first_customer(session: Session) -> str:
    with session.store.read() as conn:
        ids = book.book_ids(conn, today=datetime(2026, 11, 24, tzinfo=UTC).date())
        return book.book_rows(conn, ids[:1])[0].cif


def note(session: Session, cif: str, text: str) -> str:
    data = NoteInput(
        customer_id=cif,
        kind=InteractionKind.CALL,
        occurred_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        subject="回访",
        note=text,
    )
    return notes.log_interaction(session, data)[0].id


def push_answer_lost(session: Session, password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Push the outbox, but lose the server's answer: applied there, still queued here."""
    transport = sync_service.transport_for(session.profile.server, session.policy)
    auth = Authenticator(session.store, transport, lambda: password, user=session.user)
    engine = SyncEngine(session.store, transport, auth)
    try:
        auth.ensure()
        with monkeypatch.context() as patched:
            patched.setattr(outbox, "acknowledge", lambda _conn, _upto: 0)
            with pytest.raises(ProtocolViolation):
                engine.push(SyncSummary())
    finally:
        transport.close()


def on_server(gateway: Gateway, ids: list[str]) -> dict[str, int]:
    with gateway.engine.connect() as conn:
        rows = conn.execute(
            select(schema.interactions.c.id, func.count())
            .where(schema.interactions.c.id.in_(ids))
            .group_by(schema.interactions.c.id)
        ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def test_repair_rescues_pending_notes_and_drafts_exactly_once(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = bank["rm001"]
    reg = registry(tmp_path / "a")
    session = sync_service.add_profile(reg, "rm001", password, gateway.url).session
    cif = first_customer(session)
    synced = [note(session, cif, f"已同步的回访 {n}") for n in range(3)]
    sync_service.sync_session(session, password)
    unacknowledged = [note(session, cif, f"已发送未确认 {n}") for n in range(2)]
    push_answer_lost(session, password, monkeypatch)
    offline = [note(session, cif, f"离线记录 {n}") for n in range(3)]
    notes.save_draft(session, "draft-1", cif, {"note": "未写完的记录"})
    with session.store.read() as conn:
        assert outbox.pending_count(conn) == 5
    session.lock()

    # Flipped bytes in the pages that hold the contact history and the snapshots.
    profile, key = reg.unlock("rm001", password)
    path = reg.database_path(profile)
    for table in ("interactions", "snapshots"):
        damage.flip(path, damage.root_page(path, key, table))
    opened = sessions.unlock(reg, "rm001", password)
    with pytest.raises(StoreDamaged, match="Repair it"):
        note(opened, cif, "损坏后写入")
    opened.lock()

    repaired = repair.repair_profile(reg, "rm001", password)
    report = repaired.report
    assert (report.rescued, report.already_on_server, report.sent) == (5, 2, 3)
    assert report.lost == []
    assert report.drafts_restored == 1
    assert report.send_error is None
    assert "could not be read: nothing" in report.line()
    # The audit chain goes on through the repair: the gateway holds it whole, with the
    # entries made before the damage and the repair's own.
    with repaired.session.store.read() as conn:
        assert local_audit.verify(conn) is None
        local = local_audit.entries(conn, limit=100_000)
        device = syncstate.meta_get(conn, "device_id")
    assert [e.action for e in local][-1] == "repair"
    assert "unlock" in [e.action for e in local]
    events = schema.audit_events.c
    with gateway.engine.connect() as conn:
        stored = conn.execute(
            select(events.hash).where(events.device_id == device).order_by(events.seq)
        ).scalars()
        assert list(stored) == [e.hash for e in local]
    everything = synced + unacknowledged + offline
    assert on_server(gateway, everything) == dict.fromkeys(everything, 1)

    session = repaired.session
    status = sync_service.sync_status(session)
    assert (status.pending, status.returned, status.conflicts) == (0, 0, 0)  # none refused
    with session.store.read() as conn:
        mine = {i.id for i in records.timeline(conn, cif, limit=500)}
        assert [d.fields for d in records.drafts(conn)] == [{"note": "未写完的记录"}]
    assert set(everything) <= mine
    # Each change was processed once by the server, under the store's one client id.
    with session.store.read() as conn:
        client_id = outbox.state(conn).client_id
    processed = server_count(
        gateway.engine, schema.mutation_results, schema.mutation_results.c.client_id == client_id
    )
    assert processed == len(everything)
    assert sessions.check_store(session).endswith("no damage found")
    session.lock()
    # The damaged file is kept for support, owner-only; the live store is the new one.
    kept = report.kept_as
    assert kept.exists()
    assert kept.parent == path.parent
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    reopened = sessions.unlock(reg, "rm001", password)
    reopened.lock()


def test_repair_from_the_command_line_lists_unreadable_changes(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    password = bank["rm001"]
    data_dir = tmp_path / "cli"
    reg = registry(data_dir)
    session = sync_service.add_profile(reg, "rm001", password, gateway.url).session
    cif = first_customer(session)
    # Long notes: the queued changes fill several outbox pages.
    written = [
        note(session, cif, f"第{n}次离线回访。" + "客户询问理财到期安排。" * 40) for n in range(40)
    ]
    session.lock()
    profile, key = reg.unlock("rm001", password)
    path = reg.database_path(profile)
    page, unreadable = damage.outbox_leaf(path, key, range(1, 41))
    damage.flip(path, page)

    env = {
        **os.environ,
        "RM_DESK_DATA_DIR": str(data_dir),
        "RM_DESK_POLICY": str(tmp_path / "none.json"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "rm_desk.cli", "profile", "repair", "--user", "rm001",
         "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, env=env, timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    kept = len(written) - len(unreadable)
    assert lines[0].startswith(f"repaired profile rm001: rescued {kept} unsynced change(s)")
    assert f"0 already on the server, {kept} sent now" in lines[0]
    assert f"could not be read: unsynced changes {repair.id_ranges(unreadable)}" in lines[0]

    # Mutation n (1-based) carried the n-th note: the readable ones arrived once, under
    # new numbers past the gap; the unreadable ones are lost, and listed above.
    expected = {iid: 1 for n, iid in enumerate(written, start=1) if n not in unreadable}
    assert on_server(gateway, written) == expected


def test_repair_of_a_store_whose_first_page_is_damaged_rebuilds_it_and_says_all_is_lost(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    password = bank["rm001"]
    reg = registry(tmp_path / "p1")
    session = sync_service.add_profile(reg, "rm001", password, gateway.url).session
    cif = first_customer(session)
    lost = note(session, cif, "第一页损坏前的记录")
    session.lock()
    path = reg.database_path(reg.get("rm001"))
    damage.flip(path, 1)
    with pytest.raises(StoreDamaged, match="page"):
        sessions.unlock(reg, "rm001", password)

    repaired = repair.repair_profile(reg, "rm001", password)
    report = repaired.report
    assert report.nothing_readable
    assert report.rescued == 0
    assert "could not be read: the whole file" in report.line()
    assert report.first_sync.snapshot_rows > 0
    assert on_server(gateway, [lost]) == {}
    assert sessions.check_store(repaired.session).endswith("no damage found")
    repaired.session.lock()
