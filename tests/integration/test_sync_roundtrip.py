"""End to end: profiles provisioned from the real gateway, offline notes, exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from local_store import book, outbox
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import InteractionKind
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes
from rm_desk.services import sync as sync_service
from rm_desk.services.notes import NoteInput
from sync.server import schema
from tests.integration.conftest import Gateway, rm_desk_cli, server_count


def registry(tmp_path: Path, name: str) -> ProfileRegistry:
    return ProfileRegistry(tmp_path / name, policy=Policy(keyring=KeyringMode.OFF))


def test_first_sync_then_offline_note_reaches_manager_exactly_once(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg_a = registry(tmp_path, "a")
    a = sync_service.add_profile(reg_a, "rm001", bank["rm001"], gateway.url)
    with a.session.store.read() as conn:
        mine = book.book_ids(conn, today=date(2026, 11, 24))
        customer_id = book.book_rows(conn, mine[:1])[0].cif
    owned = server_count(gateway.engine, schema.customers, schema.customers.c.owner_rm == "rm001")
    assert len(mine) == owned > 0
    assert a.summary.snapshot_rows > len(mine)

    # Offline: the note goes to the outbox only.
    note = NoteInput(
        customer_id=customer_id,
        kind=InteractionKind.VISIT,
        occurred_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        subject="到期续存",
        note="客户同意续存三年期",
    )
    interaction, _, _ = notes.log_interaction(a.session, note)
    with a.session.store.read() as conn:
        assert outbox.pending_count(conn) == 1

    summary = sync_service.sync_session(a.session, bank["rm001"])
    assert summary.pushed == 1
    with a.session.store.read() as conn:
        assert outbox.pending_count(conn) == 0
    with gateway.engine.connect() as conn:
        rows = conn.execute(
            select(schema.interactions.c.note, schema.interactions.c.created_by).where(
                schema.interactions.c.id == interaction.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [("客户同意续存三年期", "rm001")]

    # The branch manager's client receives it.
    reg_m = registry(tmp_path, "m")
    m = sync_service.add_profile(reg_m, "mgr001", bank["mgr001"], gateway.url)
    with m.session.store.read() as conn:
        from local_store import records  # noqa: PLC0415

        timeline = records.timeline(conn, customer_id)
    assert [i.id for i in timeline if i.id == interaction.id] == [interaction.id]
    a.session.lock()
    m.session.lock()


def test_command_line_profile_add_note_add_and_sync(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    run = rm_desk_cli(tmp_path, bank["rm001"])
    added = run("profile", "add", "--user", "rm001", "--server", gateway.url)
    assert added.returncode == 0, added.stderr
    assert "added profile rm001 (rm)" in added.stdout
    with gateway.engine.connect() as conn:
        cif = (
            conn.execute(
                select(schema.customers.c.id)
                .where(schema.customers.c.owner_rm == "rm001")
                .order_by(schema.customers.c.id)
            )
            .scalars()
            .first()
        )
    assert cif is not None
    noted = run(
        "note",
        "add",
        "--user",
        "rm001",
        "--customer",
        cif,
        "--kind",
        "visit",
        "--text",
        "命令行记录的拜访",
    )
    assert noted.returncode == 0, noted.stderr
    synced = run("sync", "--user", "rm001")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.strip().startswith("pulled ")
    assert "pushed 1" in synced.stdout
    with gateway.engine.connect() as conn:
        texts = (
            conn.execute(
                select(schema.interactions.c.note).where(schema.interactions.c.customer_id == cif)
            )
            .scalars()
            .all()
        )
    assert texts.count("命令行记录的拜访") == 1
    unknown = run(
        "note",
        "add",
        "--user",
        "rm001",
        "--customer",
        "000000000000",
        "--kind",
        "call",
        "--text",
        "x",
    )
    assert unknown.returncode == 1
    assert "000000000000" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    wrong = run("sync", "--user", "rm001", password="not-it")
    assert wrong.returncode == 1
    assert wrong.stderr.count("\n") == 1
    assert wrong.stderr.startswith("rm-desk: error: The password is not correct.")
