"""End to end, real client and real gateway on SQLite and PostgreSQL: a note the central
database could not store (U+0000 on PostgreSQL) used to fail every push with HTTP 500,
so every later change waited behind it forever. Now hostile text is normalised at both
ends, what the database still refuses comes back to the user as returned work, and
the notes behind it reach the server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from local_store import outbox, records
from rm_desk.services import conflicts
from rm_desk.services import sync as sync_service
from sync.server import schema
from tests.integration.conftest import Gateway, note_on
from tests.integration.server.test_push_poison import PG_TRIGGER, SQLITE_TRIGGER
from tests.integration.test_sync_rules import first_customer, provision

AT = datetime(2026, 11, 24, 2, tzinfo=UTC)


def test_a_poisoned_note_no_longer_blocks_the_queue(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    with gateway.engine.begin() as conn:  # the central database refuses one marked note
        if gateway.engine.dialect.name == "postgresql":
            conn.execute(text(PG_TRIGGER))
        else:
            conn.exec_driver_sql(SQLITE_TRIGGER)
    a, _ = provision(tmp_path, "a", "rm001", gateway.url, bank["rm001"])
    cif = first_customer(a)
    # What an older client queued before text was normalised on the client.
    with a.store.transaction() as conn:
        outbox.enqueue(
            conn, "interaction.create", "interaction", "old-client-note", "create",
            {"customer_id": cif, "kind": "call", "occurred_at": AT.isoformat(),
             "subject": "旧版本\x00", "note": "nul\x00 and a bell\x07"},
            base_version=None, client_time=AT,
        )  # fmt: skip
    typed = note_on(a, cif, "pasted\x00 from\r\na terminal\x1b[0m")
    refused = note_on(a, cif, "the central database will refuse-me")
    later = [note_on(a, cif, f"后续 {n}") for n in range(3)]
    with a.store.read() as conn:  # the client stored what it will send
        assert records.get_interaction(conn, typed).note == "pasted from\na terminal[0m"

    summary = sync_service.sync_session(a, bank["rm001"])
    assert summary.rejected == 1

    i = schema.interactions.c
    with gateway.engine.connect() as conn:
        stored = dict(conn.execute(select(i.id, i.note).where(i.customer_id == cif)).all())
    assert stored["old-client-note"] == "nul and a bell"
    assert stored[typed] == "pasted from\na terminal[0m"
    assert refused not in stored
    assert set(later) <= set(stored)
    with a.store.read() as conn:
        assert outbox.pending_count(conn) == 0  # nothing left waiting
    returned = conflicts.returned_work(a)
    assert [(w.entity_id, w.reason) for w in returned] == [(refused, "not_storable")]

    # And the queue keeps moving: the next note syncs as usual.
    after = note_on(a, cif, "下一条")
    sync_service.sync_session(a, bank["rm001"])
    with gateway.engine.connect() as conn:
        assert conn.execute(select(i.note).where(i.id == after)).scalar() == "下一条"
