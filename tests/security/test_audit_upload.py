"""The audit log leaves the laptop: recorded locally (ids, no personal data), uploaded
by sync, stored append-only on the gateway, and re-walked by `rm-desk-central audit
verify`, which finds an entry edited, deleted or moved by someone who got past the
database's triggers (SQLite and PostgreSQL, a real gateway on loopback).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from local_store import audit as local_audit
from local_store import syncstate
from local_store.errors import ProfileLocked, WrongPassword
from local_store.profiles import ProfileRegistry
from rm_desk.domain.audit_chain import GENESIS, detail_text, digest
from rm_desk.domain.errors import InvalidInput
from rm_desk.domain.model import Role
from rm_desk.domain.permissions import RevealReason
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import book as book_service
from rm_desk.services import customers as customer_service
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services import tasks as task_service
from sync import protocol
from sync.client.errors import AuditChainBroken
from sync.server import body_limit, cli, schema
from tests.integration.conftest import AS_OF, Gateway, login, note_on
from tests.pg import PG_URL

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _rows(engine: Engine, device: str) -> list[Any]:
    e = schema.audit_events.c
    with engine.connect() as conn:
        return list(conn.execute(select(schema.audit_events).where(e.device_id == device)
                                 .order_by(e.seq)).all())  # fmt: skip


def _cli_url(engine: Engine) -> str:
    """The gateway database as `--db` takes it (on PostgreSQL: the test's schema)."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT current_schema()").scalar()
    return f"{PG_URL}?options=-csearch_path%3D{name}"


def _central(engine: Engine, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`rm-desk-central ARGS --db URL` in this process: its exit status and its output."""
    status = cli.main([*args, "--db", _cli_url(engine)])
    out = capsys.readouterr()
    return status, out.out + out.err


# --- a client session's audit reaches the gateway ------------------------------------------


def test_a_session_audit_is_uploaded_without_personal_data(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    reg = ProfileRegistry(tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF), clock=clock)
    password = bank["rm001"]
    session = sync_service.add_profile(reg, "rm001", password, gateway.url).session
    with session.store.read() as conn:
        cif = str(conn.exec_driver_sql("SELECT id FROM customers ORDER BY id LIMIT 1").scalar())
    c = schema.customers.c
    with gateway.engine.connect() as conn:
        customer = conn.execute(select(c.name, c.id_number, c.mobile).where(c.id == cif)).one()
    # What an RM does: open, reveal, edit, note, follow-up, lock.
    book_service.customer_profile(session, cif)
    # A reason typed as free text could carry personal data off the device: refused,
    # nothing revealed or audited; the reveal records a code from the fixed list.
    typed = f"customer {customer.name} called from {customer.mobile}"
    with pytest.raises(InvalidInput):
        book_service.reveal(session, cif, "mobile", reason=typed)
    revealed = book_service.reveal(session, cif, "id_number", reason=RevealReason.CUSTOMER_REQUEST)
    assert revealed == customer.id_number
    customer_service.update_contact(session, cif, mobile="13912345678")
    note_on(session, cif, "客户说起他的新地址")
    task_service.create_task(session, cif, "回电", AS_OF + timedelta(days=3))
    session.lock()
    # A wrong password: no store opens, so it is recorded by the next unlock.
    clock.advance(minutes=5)
    failed_at = clock()
    with pytest.raises(WrongPassword):
        sessions.unlock(reg, "rm001", "not the password")
    clock.advance(seconds=5)
    session = sessions.unlock(reg, "rm001", password)
    assert reg.get("rm001").unaudited_failures == ()
    sync_service.sync_session(session, password, reg=reg)

    with session.store.read() as conn:
        device = str(conn.exec_driver_sql("SELECT value FROM meta WHERE key='device_id'").scalar())
        local = local_audit.entries(conn, limit=10_000)
        assert local_audit.uploaded_seq(conn) == local[-1].seq
    rows = _rows(gateway.engine, device)
    assert [(r.seq, r.hash) for r in rows] == [(e.seq, e.hash) for e in local]
    actions = [r.action for r in rows]
    for expected in ("sign_in", "view", "reveal", "edit", "lock", "unlock_failed", "unlock"):
        assert expected in actions, (expected, actions)
    assert actions.index("unlock_failed") < actions.index("unlock")
    failed = next(r for r in rows if r.action == "unlock_failed")
    assert failed.at == failed_at.isoformat(timespec="seconds")
    reveals = [(r.entity_id, json.loads(r.detail)) for r in rows if r.action == "reveal"]
    assert reveals == [(cif, {"field": "id_number", "reason": "customer_request"})]
    edits = {(r.entity, json.loads(r.detail)["op"]) for r in rows if r.action == "edit"}
    assert edits == {("customer", "update"), ("interaction", "create"), ("task", "create")}
    assert {r.actor for r in rows} == {"rm001"}
    # Ids and field names only: no name, ID number, phone number or note text.
    everything = json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)
    for personal in (customer.name, customer.id_number, customer.mobile, "13912345678",
                     "新地址", "回电", "called from"):  # fmt: skip
        assert personal
        assert personal not in everything, personal
    assert '"fields": ["mobile"]' in everything.replace('\\"', '"')

    # A second sync sends only what is new: a view, and the online sign-in this sync
    # needs (its tokens are gone).
    book_service.customer_profile(session, cif)
    session.store.write(lambda conn: syncstate.meta_put(conn, "sync_tokens", None))
    summary = sync_service.sync_session(session, password, reg=reg)
    assert summary.audited == 2
    after = _rows(gateway.engine, device)
    assert [r.action for r in after[len(rows) :]] == ["view", "sign_in"]
    status, output = _central(gateway.engine, capsys, "audit", "verify")
    assert status == 0, output
    assert f"device {device}: {len(after)} entries, seq 1..{len(after)}: ok" in output
    held = len(after)

    # The gateway holds something else at the next seq: the page is refused, the sync
    # says so, and every entry stays here, still unsent.
    _insert_foreign_entry(gateway.engine, device, held + 1)
    book_service.customer_profile(session, cif)
    with pytest.raises(AuditChainBroken):
        sync_service.sync_session(session, password, reg=reg)
    with session.store.read() as conn:
        assert local_audit.uploaded_seq(conn) == held
        assert len(local_audit.entries(conn, after=held)) == 1
    assert sync_service.sync_status(session).last_error
    status, output = _central(gateway.engine, capsys, "audit", "verify", "--device", device)
    assert status == 1
    assert "refused upload: diverged" in output
    session.lock()


def _insert_foreign_entry(engine: Engine, device: str, seq: int) -> None:
    with engine.begin() as conn:
        prev = conn.execute(
            select(schema.audit_events.c.hash).where(
                schema.audit_events.c.device_id == device, schema.audit_events.c.seq == seq - 1
            )
        ).scalar_one()
        event = _event(seq, prev, "rm001", entity_id="elsewhere")
        conn.execute(schema.audit_events.insert().values(device_id=device, received_at=T0, **event))


# --- the gateway's checks, by HTTP ----------------------------------------------------------


def _event(seq: int, prev: str, actor: str, *, entity_id: str = "C000001") -> dict[str, Any]:
    at = (T0 + timedelta(minutes=seq)).isoformat(timespec="seconds")
    detail = detail_text({"field": "mobile"} if seq % 2 else None)
    hashed = digest(prev, at, actor, "view", "customer", entity_id, detail)
    return {
        "seq": seq, "at": at, "actor": actor, "action": "view", "entity": "customer",
        "entity_id": entity_id, "detail": detail, "prev_hash": prev, "hash": hashed,
    }  # fmt: skip


def _chain(count: int, actor: str = "rm001") -> list[dict[str, Any]]:
    events, prev = [], GENESIS
    for seq in range(1, count + 1):
        events.append(_event(seq, prev, actor))
        prev = events[-1]["hash"]
    return events


@dataclass
class Uploader:
    gateway: Gateway
    token: str
    device: str

    def send(self, events: list[dict[str, Any]], device: str | None = None) -> requests.Response:
        body = {"schema_version": protocol.SCHEMA_VERSION, "device_id": device or self.device,
                "events": events}  # fmt: skip
        return requests.post(self.gateway.url + "/sync/v1/audit", json=body,
                             headers={"Authorization": f"Bearer {self.token}"},
                             timeout=30)  # fmt: skip


@pytest.fixture
def uploader(gateway: Gateway, bank: dict[str, str]) -> Uploader:
    token = login(gateway, "rm001", bank["rm001"], "laptop-1")["access_token"]
    return Uploader(gateway, token, "laptop-1")


def test_the_gateway_stores_only_a_continuing_chain_of_the_callers_own(
    uploader: Uploader, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _chain(8)
    first = uploader.send(events[:5])
    assert first.status_code == 200, first.text
    assert first.json() == {"last_seq": 5, "stored": 5}
    again = uploader.send(events[3:6])  # a page re-sent in part: acknowledged, 6 stored
    assert again.json() == {"last_seq": 6, "stored": 1}

    gap = uploader.send(events[7:])
    assert (gap.status_code, gap.json()["error"], gap.json()["last_audit_seq"]) == (
        409, "audit_gap", 6,
    )  # fmt: skip
    moved = dict(events[6], prev_hash=events[4]["hash"])  # does not follow entry 6
    moved["hash"] = digest(*(moved[k] for k in ("prev_hash", "at", "actor", "action", "entity",
                                                "entity_id", "detail")))  # fmt: skip
    broken = uploader.send([moved])
    assert (broken.status_code, broken.json()["error"]) == (409, "audit_chain_broken")
    edited = dict(events[6], entity_id="C999999")  # the hash no longer matches
    assert uploader.send([edited]).json()["error"] == "audit_chain_broken"

    # Another user's entries, or another device's chain, from this sign-in: refused.
    foreign = _event(7, events[5]["hash"], "rm002")
    refused = uploader.send([foreign])
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    other_device = uploader.send(events[6:7], device="laptop-2")
    assert (other_device.status_code, other_device.json()["error"]) == (403, "forbidden")
    assert [r.seq for r in _rows(uploader.gateway.engine, "laptop-1")] == list(range(1, 7))
    assert _rows(uploader.gateway.engine, "laptop-2") == []
    # A refused page comes back at every sync: it is flagged once.
    assert uploader.send([foreign]).status_code == 403
    with uploader.gateway.engine.connect() as conn:
        flags = conn.execute(select(schema.audit_flags.c.kind, schema.audit_flags.c.seq)).all()
    assert sorted(flags) == [("chain_broken", 7), ("foreign_actor", 7)]

    # The chain stored is whole, but the refused uploads are reported.
    status, output = _central(uploader.gateway.engine, capsys, "audit", "verify")
    assert status == 1
    assert "device laptop-1: 6 entries, seq 1..6: PROBLEMS" in output
    for kind in ("chain_broken at seq 7", "foreign_actor at seq 7 from rm001"):
        assert f"refused upload: {kind}" in output, output
    assert "rm-desk-central: error: audit problems on 1 device of 1" in output


def test_the_database_refuses_to_change_an_audit_row(uploader: Uploader) -> None:
    assert uploader.send(_chain(3)).status_code == 200
    engine = uploader.gateway.engine
    statements = [
        "UPDATE audit_events SET entity_id = 'C000002' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
        "UPDATE audit_flags SET kind = 'x'",
    ]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    with engine.begin() as conn:  # a flag row to protect too
        flag = {"at": T0, "device_id": "laptop-1", "user_id": "rm001", "kind": "x", "seq": 1}
        conn.execute(schema.audit_flags.insert().values(**flag))
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert [r.entity_id for r in _rows(engine, "laptop-1")] == ["C000001"] * 3


def _disable_triggers(engine: Engine) -> None:
    """What a DBA with enough rights can do: switch the append-only triggers off."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")


TAMPERING = {
    "edited": (["UPDATE audit_events SET entity_id = 'C000666' WHERE seq = 3"],
               ["edited at seq 3"]),
    "deleted": (["DELETE FROM audit_events WHERE seq = 3"], ["gap at seq 3: missing 3..3"]),
    # Entries 2 and 3 swap places (seq is not hashed: the links to the entry before are).
    "reordered": (["UPDATE audit_events SET seq = 1000 WHERE seq = 2",
                   "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                   "UPDATE audit_events SET seq = 3 WHERE seq = 1000"],
                  ["reordered at seq 2", "reordered at seq 3", "reordered at seq 4"]),
}  # fmt: skip


@pytest.mark.parametrize("tampering", sorted(TAMPERING))
def test_verify_finds_an_entry_edited_deleted_or_reordered(
    uploader: Uploader, capsys: pytest.CaptureFixture[str], tampering: str
) -> None:
    assert uploader.send(_chain(5)).status_code == 200
    engine = uploader.gateway.engine
    status, output = _central(engine, capsys, "audit", "verify")
    assert status == 0, output
    assert "device laptop-1: 5 entries, seq 1..5: ok" in output

    _disable_triggers(engine)
    statements, found = TAMPERING[tampering]
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement + " AND device_id = 'laptop-1'")
    status, output = _central(engine, capsys, "audit", "verify", "--device", "laptop-1")
    assert status == 1, output
    for line in found:
        assert f"  {line}" in output, output
    problems = [line for line in output.splitlines() if line.startswith("  ")]
    assert len(problems) == len(found), output
    assert output.strip().splitlines()[-1].startswith("rm-desk-central: error: audit problems")


def test_export_writes_json_lines(
    uploader: Uploader, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert uploader.send(_chain(4)).status_code == 200
    out = tmp_path / "audit.jsonl"
    status, output = _central(uploader.gateway.engine, capsys, "audit", "export", "--out",
                              str(out), "--since", "2026-11-24")  # fmt: skip
    assert status == 0, output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["device_id"], r["seq"]) for r in lines] == [("laptop-1", s) for s in range(1, 5)]
    assert lines[0]["detail"] == {"field": "mobile"}
    assert "wrote 4 audit entries" in output
    status, _ = _central(uploader.gateway.engine, capsys, "audit", "export", "--out", str(out),
                         "--since", "2026-11-25")  # fmt: skip
    assert status == 0
    assert out.read_text(encoding="utf-8") == ""


def test_failed_unlocks_and_a_lockout_reach_the_audit_log_at_the_next_unlock(
    tmp_path: Path,
) -> None:
    clock = Clock()
    policy = Policy(keyring=KeyringMode.OFF, max_password_attempts=2)
    reg = ProfileRegistry(tmp_path / "client", policy=policy, clock=clock)
    session = sessions.create_profile(reg, "rm001", "right password", server="local-demo",
                                      role=Role.RM, clock=clock)  # fmt: skip
    session.lock()
    tried = []
    for _ in range(2):
        clock.advance(seconds=40)
        tried.append(clock().isoformat(timespec="seconds"))
        with pytest.raises((WrongPassword, ProfileLocked)):
            sessions.unlock(reg, "rm001", "wrong password", clock=clock)
    assert len(reg.get("rm001").unaudited_failures) == 2
    clock.advance(hours=25)  # past the lockout
    session = sessions.unlock(reg, "rm001", "right password", clock=clock)
    with session.store.read() as conn:
        recorded = [(e.action, e.at, e.detail) for e in local_audit.entries(conn)]
    assert recorded[-3:] == [
        ("unlock_failed", tried[0], {}),
        ("unlock_failed", tried[1], {"lockout": True}),
        ("unlock", clock().isoformat(timespec="seconds"), {}),
    ]
    assert reg.get("rm001").unaudited_failures == ()
    session.lock()
    session = sessions.unlock(reg, "rm001", "right password", clock=clock)  # recorded once
    with session.store.read() as conn:
        assert [e.action for e in local_audit.entries(conn)].count("unlock_failed") == 2
    session.lock()


def test_the_largest_audit_page_fits_the_gateways_body_limit() -> None:
    # Every character at its widest JSON form (\uXXXX), plus the other fields.
    widest = protocol.MAX_AUDIT_PAGE * (protocol.MAX_AUDIT_DETAIL * 6 + 2048)
    assert widest < body_limit.DEFAULT_LIMIT
