"""Sync failures against the real gateway: each one raises the right `SyncError` with a
readable sentence and loses nothing (SPEC §3).

Faults are injected around the real gateway, never instead of it: an ASGI middleware
wrapped around `create_app` answers 503, rewrites a pull page or cuts the snapshot
stream; the transport is pointed at a closed port; the client is made to speak a
schema version the server does not serve.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import socket
import threading
import types
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from local_store import book, outbox
from local_store.profiles import ProfileRegistry
from local_store.store import LocalStore
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from sync import protocol, wire
from sync.client import apply
from sync.client import engine as client_engine
from sync.client.errors import (
    BadCredentials,
    ProtocolViolation,
    ServerFailed,
    ServerUnreachable,
    SuspectSnapshot,
    VersionNotSupported,
)
from sync.client.transport import Transport
from sync.server import admin, db, replication, schema
from sync.server.app import create_app
from tests.integration.conftest import Gateway, note_on, run_gateway, seed_small_bank

AT = datetime(2026, 11, 24, 9, tzinfo=UTC)  # the moment a test page is applied

SQLITE_ONLY = pytest.mark.parametrize("server_engine", ["sqlite"], indirect=True)
TABLES = (
    ("customers", "id"),
    ("holdings", "id"),
    ("snapshots", "customer_id, month"),
    ("interactions", "id"),
    ("tasks", "id"),
)

Message = dict[str, Any]


@pytest.fixture
def bank(server_engine: Engine) -> dict[str, str]:
    return seed_small_bank(server_engine)


# --- fault injection around the real gateway -------------------------------------------


async def _drain(receive: Callable[[], Any]) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class Tamper:
    """ASGI middleware around the real app: injects faults on chosen endpoints."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.fail_push = 0  # answer 503 to this many pushes, then pass through
        self.rewrite_pull: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.cut_snapshot = False  # drop the connection after the first page line
        self.seen: list[tuple[str, str]] = []  # (path, query string) of every request

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        with self.lock:
            self.seen.append((path, scope["query_string"].decode()))
            failing = path == "/sync/v1/push" and self.fail_push > 0
            if failing:
                self.fail_push -= 1
        if failing:
            await _drain(receive)
            body = json.dumps({"error": "server_error", "message": "overloaded"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        elif path == "/sync/v1/pull" and self.rewrite_pull is not None:
            await self._rewritten(self.rewrite_pull, scope, receive, send)
        elif path == "/sync/v1/snapshot" and self.cut_snapshot:
            await self._cut(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _rewritten(
        self,
        rewrite: Callable[[dict[str, Any]], dict[str, Any]],
        scope: Message,
        receive: Any,
        send: Any,
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start["status"] == 200:
            body = json.dumps(rewrite(json.loads(body))).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _cut(self, scope: Message, receive: Any, send: Any) -> None:
        """Forward the stream up to and including the first page line, then hang up
        (return without completing the response: uvicorn closes the connection)."""
        state: dict[str, Any] = {"buffer": b"", "cut": False}

        async def forward(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            if state["cut"]:
                return
            state["buffer"] += message.get("body", b"")
            *lines, state["buffer"] = state["buffer"].split(b"\n")
            for line in lines:
                await send({"type": "http.response.body", "body": line + b"\n", "more_body": True})
                if b'"kind":"page"' in line:
                    state["cut"] = True
                    return

        await self.app(scope, receive, forward)


@pytest.fixture
def tampered(server_engine: Engine) -> Iterator[tuple[Tamper, str]]:
    tamper = Tamper(create_app(server_engine))
    server, thread, url = run_gateway(tamper)
    yield tamper, url
    server.should_exit = True
    thread.join(timeout=10)


# --- client helpers -----------------------------------------------------------------------


@pytest.fixture
def profiles(tmp_path: Path) -> Iterator[Callable[..., tuple[Session, ProfileRegistry]]]:
    """Provision real profiles; every one still open is locked at the end."""
    opened: list[Session] = []

    def provision(name: str, user: str, url: str, password: str) -> tuple[Session, ProfileRegistry]:
        reg = ProfileRegistry(tmp_path / name, policy=Policy(keyring=KeyringMode.OFF))
        session = sync_service.add_profile(reg, user, password, url).session
        opened.append(session)
        return session, reg

    yield provision
    for session in opened:
        if session.store.is_open:
            session.lock()


def my_customer(session: Session) -> str:
    with session.store.read() as conn:
        rows = book.book_rows(conn, book.book_ids(conn, today=date(2026, 11, 24)))
    return sorted(r.cif for r in rows if r.owner_rm == session.user)[0]


def rm001_twice(profiles: Any, url: str, password: str) -> tuple[Session, Session, str]:
    """rm001 on two computers (profiles "a" and "o"), and a customer of the book."""
    a, _ = profiles("a", "rm001", url, password)
    other, _ = profiles("o", "rm001", url, password)
    return a, other, my_customer(a)


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with session.store.read() as conn:
        for table, order in TABLES:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            # every replica table starts with a local pk, which differs between profiles
            out[table] = [tuple(r)[1:] for r in rows]
    return out


def fingerprint(session: Session) -> tuple[dict[str, int], str]:
    """Row counts per table and a checksum of the customer ids."""
    with session.store.read() as conn:
        counts = {
            t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
            for t, _ in TABLES
        }
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers ORDER BY id")]
    return counts, hashlib.sha256("\n".join(ids).encode()).hexdigest()


def pending(session: Session) -> int:
    with session.store.read() as conn:
        return outbox.pending_count(conn)


def cursor_of(session: Session) -> str | None:
    with session.store.read() as conn:
        return outbox.state(conn).cursor


def local_ids(session: Session, table: str) -> set[str]:
    with session.store.read() as conn:
        return {r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {table}")}


def on_server(engine: Engine, interaction_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(schema.interactions)
                .where(schema.interactions.c.id == interaction_id)
            ).scalar_one()
        )


def closed_port_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Ceiling(random.Random):
    """An RNG whose jitter always picks the top of the range: shows the bounds."""

    def uniform(self, a: float, b: float) -> float:
        return b


# --- server unreachable -------------------------------------------------------------------


@SQLITE_ONLY
def test_unreachable_server_retries_with_jittered_capped_backoff_and_keeps_everything(
    gateway: Gateway, bank: dict[str, str], profiles: Any
) -> None:
    a, _ = profiles("a", "rm001", gateway.url, bank["rm001"])
    note_id = note_on(a, my_customer(a), "断网时写的记录")
    before, cursor = dump(a), cursor_of(a)
    url = closed_port_url()

    def backoff(sleep: Callable[[float], None], rng: Any) -> Transport:
        """Six retries, pauses of 0.5 s doubling up to 4 s (random within each bound)."""
        return Transport(
            url,
            retries=6,
            backoff_base=0.5,
            backoff_cap=4.0,
            sleep=sleep,
            rng=rng,
            connect_timeout=2,
        )

    delays: list[float] = []
    with pytest.raises(ServerUnreachable) as caught:
        sync_service.sync_session(
            a, bank["rm001"], transport=backoff(delays.append, random.Random(7))
        )
    assert "cannot be reached" in str(caught.value)
    assert "changes are kept" in str(caught.value)
    bounds = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]  # base * 2**attempt, capped
    assert len(delays) == len(bounds)  # one pause before each retry
    assert all(0 <= d <= b for d, b in zip(delays, bounds, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule
    assert delays != bounds

    ceiling: list[float] = []
    with pytest.raises(ServerUnreachable):
        sync_service.sync_session(a, bank["rm001"], transport=backoff(ceiling.append, Ceiling()))
    assert ceiling == bounds  # the ranges grow exponentially and stop at the cap

    assert pending(a) == 1
    assert dump(a) == before
    assert cursor_of(a) == cursor
    assert on_server(gateway.engine, note_id) == 0
    with a.store.read() as conn:
        assert "cannot be reached" in (outbox.state(conn).last_error or "")
    assert sync_service.sync_session(a, bank["rm001"]).pushed == 1  # back online: it goes
    assert on_server(gateway.engine, note_id) == 1


# --- 5xx, then the server recovers --------------------------------------------------------


def test_server_errors_then_success_applies_exactly_once(
    server_engine: Engine, tampered: tuple[Tamper, str], bank: dict[str, str], profiles: Any
) -> None:
    tamper, url = tampered
    a, _ = profiles("a", "rm001", url, bank["rm001"])
    note_id = note_on(a, my_customer(a), "服务端出错后重试")
    tamper.fail_push = 2
    delays: list[float] = []
    summary = sync_service.sync_session(
        a, bank["rm001"], transport=Transport(url, sleep=delays.append, rng=random.Random(3))
    )
    assert summary.pushed == 1
    assert len(delays) == 2  # two 503s, each followed by a pause
    assert [p for p, _ in tamper.seen].count("/sync/v1/push") == 3
    assert pending(a) == 0
    assert on_server(server_engine, note_id) == 1
    with server_engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(schema.mutation_results)).scalar_one()
            == 1
        )


@SQLITE_ONLY
def test_server_errors_beyond_the_retries_keep_the_outbox(
    tampered: tuple[Tamper, str], bank: dict[str, str], profiles: Any
) -> None:
    tamper, url = tampered
    a, _ = profiles("a", "rm001", url, bank["rm001"])
    note_on(a, my_customer(a), "一直失败")
    before = dump(a)
    tamper.fail_push = 100
    with pytest.raises(ServerFailed, match="HTTP 503"):
        sync_service.sync_session(
            a, bank["rm001"], transport=Transport(url, retries=2, sleep=lambda _s: None)
        )
    assert pending(a) == 1
    assert dump(a) == before


# --- a schema version the server no longer serves -----------------------------------------


@SQLITE_ONLY
def test_unsupported_schema_version_keeps_the_outbox_and_asks_for_an_update(
    gateway: Gateway, bank: dict[str, str], profiles: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = profiles("a", "rm001", gateway.url, bank["rm001"])
    note_id = note_on(a, my_customer(a), "旧版本写的记录")
    before, cursor = dump(a), cursor_of(a)
    # Only the client speaks version 99: the gateway in this process reads the real module.
    future = types.SimpleNamespace(**vars(protocol))
    future.SCHEMA_VERSION = 99
    monkeypatch.setattr(client_engine, "protocol", future)
    with pytest.raises(VersionNotSupported) as caught:
        sync_service.sync_session(a, bank["rm001"])
    assert "update rm desk" in str(caught.value).lower()
    assert "changes are kept" in str(caught.value)
    assert pending(a) == 1
    assert dump(a) == before
    assert cursor_of(a) == cursor
    assert on_server(gateway.engine, note_id) == 0
    monkeypatch.undo()
    assert sync_service.sync_session(a, bank["rm001"]).pushed == 1  # after the update


# --- hostile or malformed pull pages ------------------------------------------------------


def _add_change(
    extra: dict[str, Any], *, mangle: Callable[[dict[str, Any]], None] | None = None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def rewrite(page: dict[str, Any]) -> dict[str, Any]:
        if mangle is not None:
            for change in page["changes"]:
                mangle(change)
        page["changes"].append({"seq": 0, "version": 1, **extra})
        return page

    return rewrite


@SQLITE_ONLY
def test_pull_page_unknown_data_is_ignored_and_a_malformed_row_rejects_the_page(
    gateway: Gateway, tampered: tuple[Tamper, str], bank: dict[str, str], profiles: Any
) -> None:
    tamper, url = tampered
    a, _ = profiles("a", "rm001", url, bank["rm001"])
    other, _ = profiles("o", "rm001", gateway.url, bank["rm001"])  # same book, no tampering
    cif = my_customer(a)
    valid_id = note_on(other, cif, "另一台电脑写的")
    sync_service.sync_session(other, bank["rm001"])
    before, cursor = dump(a), cursor_of(a)

    # A malformed customer row (wrong type) in the same page as a valid interaction.
    bad = {**_wire_customer(cif), "id": "X00000000001", "aum_fen": "12345"}
    tamper.rewrite_pull = _add_change(
        {"entity": "customer", "id": bad["id"], "op": "upsert", "data": bad}
    )
    with pytest.raises(ProtocolViolation) as caught:
        sync_service.sync_session(a, bank["rm001"])
    assert "nothing was changed" in str(caught.value)
    assert valid_id not in local_ids(a, "interactions")  # nothing of the page applied
    assert cursor_of(a) == cursor
    assert dump(a) == before

    # A row lacking a required column.
    missing = {k: v for k, v in _wire_customer(cif).items() if k != "name"}
    tamper.rewrite_pull = _add_change(
        {"entity": "customer", "id": cif, "op": "upsert", "data": missing}
    )
    with pytest.raises(ProtocolViolation, match="lacks name"):
        sync_service.sync_session(a, bank["rm001"])
    assert valid_id not in local_ids(a, "interactions")
    assert cursor_of(a) == cursor

    # An entity this version does not know and an unknown field on a known one: ignored.
    def add_field(change: dict[str, Any]) -> None:
        if isinstance(change.get("data"), dict):
            change["data"]["favourite_colour"] = "teal"

    tamper.rewrite_pull = _add_change(
        {"entity": "gift_card", "id": "G1", "op": "upsert", "data": {"id": "G1", "value": 5}},
        mangle=add_field,
    )
    summary = sync_service.sync_session(a, bank["rm001"])
    assert summary.pulled >= 2
    assert valid_id in local_ids(a, "interactions")
    assert cursor_of(a) != cursor
    tamper.rewrite_pull = None
    assert dump(a) == dump(other)


def _wire_customer(cif: str) -> dict[str, Any]:
    """A well-formed customer record as the gateway sends it."""
    return dict.fromkeys(wire.ENTITY_COLUMNS["customer"]) | {
        "id": cif,
        "name": "测试客户",
        "name_pinyin": "ceshikehu",
        "name_initials": "CSKH",
        "gender": "F",
        "id_type": "resident_id",
        "id_number": "",
        "mobile": "",
        "email": "",
        "address": "",
        "segment": "mass",
        "lifecycle": "active",
        "aum_fen": 100,
        "aum_tier": "T1",
        "owner_rm": "rm001",
        "branch": "B001",
        "since": "2020-01-01",
        "tags": "",
        "version": 1,
        "field_versions": {},
        "personal_masked": False,
    }


def _wire_interaction(iid: str, cif: str) -> dict[str, Any]:
    return {
        "id": iid,
        "customer_id": cif,
        "kind": "call",
        "occurred_at": "2026-11-24T02:00:00+00:00",
        "created_by": "rm001",
        "subject": "s",
        "note": "n",
        "participants": [],
        "outcome": "",
        "next_step": "",
        "supersedes_id": None,
        "created_at": "2026-11-24T02:00:00+00:00",
        "version": 1,
    }


def _change(
    entity: str, data: dict[str, Any] | None, op: str = "upsert", id_: str = ""
) -> protocol.Change:
    return protocol.Change.model_validate(
        {
            "seq": 1,
            "entity": entity,
            "op": op,
            "version": 1,
            "id": id_ or (data or {}).get("id", "x"),
            "data": data,
        }
    )


def _wire_snapshot(cif: str, month: str) -> dict[str, Any]:
    return dict.fromkeys(wire.ENTITY_COLUMNS["snapshot"], 0) | {
        "customer_id": cif,
        "month": month,
        "aum_fen": 100,
        "version": 1,
    }


MALFORMED = {
    "aum_fen as text": ("customer", {"id": "C2", "aum_fen": "100"}),
    "aum_fen null": ("customer", {"id": "C2", "aum_fen": None}),
    "mobile null": ("customer", {"id": "C2", "mobile": None}),
    "snapshot deposits null": ("snapshot", {"deposits_fen": None}),
    "name missing": ("customer", {"id": "C2", "name": None}),
    "name not text": ("customer", {"id": "C2", "name": 42}),
    "version as text": ("customer", {"id": "C2", "version": "3"}),
    "interaction without author": ("interaction", {"id": "I2", "created_by": None}),
    "upsert without data": ("interaction", None),
}


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalStore]:
    import secrets  # noqa: PLC0415

    store = LocalStore.open(tmp_path / "local.db", secrets.token_bytes(32))
    yield store
    store.close()


@pytest.mark.parametrize(("entity", "patch"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_apply_changes_rejects_a_malformed_page_whole(
    local: LocalStore, entity: str, patch: dict[str, Any] | None
) -> None:
    base = {
        "customer": _wire_customer("C1"),
        "interaction": _wire_interaction("I1", "C1"),
        "snapshot": _wire_snapshot("C1", "2026-10"),
    }[entity]
    bad = _change(entity, None if patch is None else base | patch, id_="C1|2026-10")
    page = [
        _change("customer", _wire_customer("C1")),
        _change("interaction", _wire_interaction("I1", "C1")),
        bad,
    ]

    def pull_page() -> None:  # as the engine does: the page and its cursor in one transaction
        with local.transaction() as conn:
            conn.exec_driver_sql("UPDATE sync_state SET cursor = 'moved' WHERE id = 1")
            apply.apply_changes(conn, page, AT)

    with pytest.raises(ProtocolViolation):
        pull_page()
    with local.read() as conn:
        for table, _ in TABLES:
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 0
        assert outbox.state(conn).cursor is None


def test_apply_changes_ignores_unknown_entities_and_fields(local: LocalStore) -> None:
    page = [
        _change("customer", _wire_customer("C1") | {"favourite_colour": "teal"}),
        _change("gift_card", {"id": "G1", "value": 5}),
        _change("gift_card", None, op="delete", id_="G2"),
        _change("interaction", _wire_interaction("I1", "C1") | {"mood": "happy"}),
    ]
    with local.transaction() as conn:
        touched = apply.apply_changes(conn, page, AT)
    assert touched == {"C1"}
    with local.read() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers")] == ["C1"]
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM interactions")] == ["I1"]


# --- a snapshot stream cut in the middle --------------------------------------------------


@SQLITE_ONLY
def test_cut_snapshot_stream_resumes_from_the_stored_token(
    server_engine: Engine,
    gateway: Gateway,
    tampered: tuple[Tamper, str],
    bank: dict[str, str],
    profiles: Any,
) -> None:
    tamper, url = tampered
    a, _ = profiles("a", "rm001", url, bank["rm001"])
    note_id = note_on(a, my_customer(a), "重新同步之前写的")
    # A permission change the change log cannot express: the next pull asks for a reset.
    with server_engine.begin() as conn:
        conn.execute(
            update(schema.users)
            .where(schema.users.c.user_id == "rm001")
            .values(scope_epoch=schema.users.c.scope_epoch + 1)
        )
    tamper.cut_snapshot = True
    collecting: list[bool] = []  # the garbage collector pauses while pages stream

    def progress(step: client_engine.Progress) -> None:
        if step.phase == "snapshot":
            collecting.append(gc.isenabled())

    with pytest.raises(ServerUnreachable, match="changes are kept"):
        sync_service.sync_session(a, bank["rm001"], progress=progress)
    assert collecting
    assert not any(collecting)
    assert gc.isenabled()  # and is back on after a stream that failed
    assert on_server(server_engine, note_id) == 1  # pushed before the reset began
    assert pending(a) == 0
    with a.store.read() as conn:
        resume = conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = ?", (client_engine.META_SNAPSHOT,)
        ).scalar_one()
    assert resume  # the first page was stored with its resume token
    counts, _ = fingerprint(a)
    assert counts["customers"] > 0
    assert counts["snapshots"] == 0  # the stream stopped after the customer page

    later_id = note_on(a, my_customer(a), "中断之后写的")  # work goes on while it is incomplete
    tamper.cut_snapshot = False
    snapshot_calls = len([q for p, q in tamper.seen if p == "/sync/v1/snapshot"])
    collecting.clear()
    summary = sync_service.sync_session(a, bank["rm001"], progress=progress)
    assert collecting
    assert not any(collecting)
    assert gc.isenabled()
    resumed = [q for p, q in tamper.seen if p == "/sync/v1/snapshot"][snapshot_calls:]
    assert len(resumed) == 1
    assert "resume=" in resumed[0]
    assert summary.pushed == 1
    assert pending(a) == 0
    assert on_server(server_engine, later_id) == 1

    fresh, _ = profiles("f", "rm001", gateway.url, bank["rm001"])
    assert fingerprint(a) == fingerprint(fresh)
    assert dump(a) == dump(fresh)


# --- a cursor older than the tombstone horizon --------------------------------------------


def test_cursor_older_than_the_horizon_resynchronises_and_keeps_the_outbox(
    server_engine: Engine, gateway: Gateway, bank: dict[str, str], profiles: Any
) -> None:
    a, other, cif = rm001_twice(profiles, gateway.url, bank["rm001"])
    elsewhere = note_on(other, cif, "另一台电脑在A离线时写的")
    sync_service.sync_session(other, bank["rm001"])
    mine = note_on(a, cif, "离线太久之前写的")
    with server_engine.connect() as conn:
        horizon = db.current_seq(conn)
    assert replication.purge_through(server_engine, horizon).log_entries > 0

    summary = sync_service.sync_session(a, bank["rm001"])
    assert summary.reset is True
    assert "full resynchronisation" in summary.line()
    assert pending(a) == 0
    assert on_server(server_engine, mine) == 1
    assert {mine, elsewhere} <= local_ids(a, "interactions")
    with a.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM returned_work").scalar_one() == 0

    fresh, _ = profiles("f", "rm001", gateway.url, bank["rm001"])
    assert fingerprint(a) == fingerprint(fresh)
    assert dump(a) == dump(fresh)


def test_offline_past_the_purge_horizon_resets_and_pushes_the_outbox_once(
    server_engine: Engine, bank: dict[str, str], profiles: Any
) -> None:
    """The whole housekeeping path by the gateway's clock (no sleeping for days): a
    client goes offline with unpushed notes, the server purges past its cursor, the
    client comes back: one replacement sync, every note pushed once, the same book as
    a fresh snapshot."""
    now = [datetime(2026, 3, 2, 9, tzinfo=UTC)]
    server, thread, url = run_gateway(create_app(server_engine, clock=lambda: now[0]))
    try:
        password = bank["rm001"]
        a, other, cif = rm001_twice(profiles, url, password)
        synced = note_on(a, cif, "离线之前同步的")
        sync_service.sync_session(a, password)
        offline = [note_on(a, cif, "离线时写的一"), note_on(a, cif, "离线时写的二")]
        now[0] += timedelta(days=5)  # while A is offline, colleagues keep working
        early = note_on(other, cif, "A离线第5天别人写的")
        sync_service.sync_session(other, password)
        now[0] += timedelta(days=95)
        late = note_on(other, cif, "A离线第100天别人写的")
        sync_service.sync_session(other, password)

        purged = replication.purge_older_than(server_engine, timedelta(days=90), now[0])
        assert purged.log_entries > 0  # day 0 and day 5 are gone, day 100 stays
        with server_engine.connect() as conn:
            kept = set(conn.execute(select(schema.change_log.c.entity_id)).scalars())
        assert late in kept
        assert early not in kept

        summary = sync_service.sync_session(a, password)
        assert summary.reset is True
        assert summary.pushed == 2
        assert pending(a) == 0
        for note_id in (synced, *offline, early, late):
            assert on_server(server_engine, note_id) == 1  # each once
        with server_engine.connect() as conn:
            outcomes = conn.execute(
                select(schema.mutation_results.c.outcome)
                .join(schema.clients,
                      schema.clients.c.client_id == schema.mutation_results.c.client_id)
                .where(schema.clients.c.device_id == device_of(a))
                .order_by(schema.mutation_results.c.mutation_id)
            ).scalars().all()  # fmt: skip
        assert outcomes == ["applied"] * 3  # the synced note and the two offline ones
        assert {synced, *offline, early, late} <= local_ids(a, "interactions")

        fresh, _ = profiles("f", "rm001", url, password)
        assert fingerprint(a) == fingerprint(fresh)
        assert dump(a) == dump(fresh)
        assert sync_service.sync_session(a, password).reset is False  # caught up again
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def device_of(session: Session) -> str:
    with session.store.read() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT value FROM meta WHERE key = ?", (client_engine.META_DEVICE,)
            ).scalar_one()
        )


# --- a replacement snapshot that would wipe most of the book ------------------------------


def move_most_of_the_book(engine: Engine, keep: str, *, logged: bool) -> set[str]:
    """Move all of rm001's customers but `keep` to rm002: through `assign` (evicts in
    the change log) or behind the log's back (what a wrong restore looks like)."""
    c = schema.customers.c
    with engine.connect() as conn:
        ids = set(conn.execute(select(c.id).where(c.owner_rm == "rm001", c.id != keep)).scalars())
    if logged:
        for cif in sorted(ids):
            admin.assign(engine, cif, "rm002")
    else:
        with engine.begin() as conn:
            conn.execute(update(schema.customers).where(c.id.in_(ids)).values(owner_rm="rm002"))
    return ids


def purge_past(engine: Engine, other: Session, password: str) -> None:
    """A colleague's change, then a purge up to it: every older cursor must reset."""
    note_on(other, my_customer(other), "同事写的")
    sync_service.sync_session(other, password)
    with engine.connect() as conn:
        horizon = db.current_seq(conn)
    replication.purge_through(engine, horizon)


def test_a_reset_that_would_wipe_most_of_the_book_is_refused_and_changes_nothing(
    server_engine: Engine, gateway: Gateway, bank: dict[str, str], profiles: Any
) -> None:
    password = bank["rm001"]
    a, other, keep = rm001_twice(profiles, gateway.url, password)
    book_before = local_ids(a, "customers")
    assert len(book_before) >= 4
    move_most_of_the_book(server_engine, keep, logged=False)
    note_id = note_on(a, keep, "重置被拒之前写的")
    purge_past(server_engine, other, password)
    before, cursor = dump(a), cursor_of(a)

    for _attempt in range(2):  # refused every time, and nothing changes
        with pytest.raises(SuspectSnapshot) as caught:
            sync_service.sync_session(a, password)
        assert caught.value.code == ErrorCode.SUSPECT_SNAPSHOT
        assert caught.value.values == {"replica": len(book_before), "incoming": 1}
        assert str(caught.value).startswith(
            f"The central CRM's copy of your book has 1 customers against {len(book_before)} "
            "on this computer and records no change of your access, so it was not applied."
        )
        assert dump(a) == before
        assert cursor_of(a) == cursor
        with a.store.read() as conn:
            mark = conn.exec_driver_sql(
                "SELECT count(*) FROM meta WHERE key = ?", (client_engine.META_SNAPSHOT,)
            ).scalar_one()
            error = conn.exec_driver_sql("SELECT last_error FROM sync_state").scalar_one()
        assert mark == 0
        assert error == str(caught.value)
    assert on_server(server_engine, note_id) == 1  # pushed once, before the pull
    assert pending(a) == 0

    # IT checks the central CRM, finds the book right and records the change of scope.
    assert admin.reset_scope(server_engine, "rm001") == 1
    summary = sync_service.sync_session(a, password)
    assert summary.reset is True
    assert local_ids(a, "customers") == {keep}
    assert note_id in local_ids(a, "interactions")


class WithoutFirstLine(Transport):
    """Drops the snapshot's first line (a broken server or proxy)."""

    def lines(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        return (line for line in super().lines(path, params) if b'"kind":"begin"' not in line)


@SQLITE_ONLY
def test_a_replacement_snapshot_without_its_first_line_changes_nothing(
    server_engine: Engine, gateway: Gateway, bank: dict[str, str], profiles: Any
) -> None:
    a, _ = profiles("a", "rm001", gateway.url, bank["rm001"])
    with server_engine.begin() as conn:  # a change the log cannot express: reset
        conn.execute(
            update(schema.users)
            .where(schema.users.c.user_id == "rm001")
            .values(scope_epoch=schema.users.c.scope_epoch + 1)
        )
    before, cursor = dump(a), cursor_of(a)
    with pytest.raises(ProtocolViolation, match="first line"):
        sync_service.sync_session(a, bank["rm001"], transport=WithoutFirstLine(gateway.url))
    assert dump(a) == before
    assert cursor_of(a) == cursor
    assert sync_service.sync_session(a, bank["rm001"]).reset is True  # the real stream


@pytest.mark.parametrize("reason", ["customers reassigned", "access changed"])
def test_a_reset_that_removes_most_of_the_book_for_a_recorded_reason_is_applied(
    server_engine: Engine, gateway: Gateway, bank: dict[str, str], profiles: Any, reason: str
) -> None:
    password = bank["rm001"]
    a, other, keep = rm001_twice(profiles, gateway.url, password)
    book_before = local_ids(a, "customers")
    moved = move_most_of_the_book(server_engine, keep, logged=reason == "customers reassigned")
    if reason == "access changed":
        with server_engine.begin() as conn:
            conn.execute(
                update(schema.users)
                .where(schema.users.c.user_id == "rm001")
                .values(scope_epoch=schema.users.c.scope_epoch + 1)
            )
    note_id = note_on(a, keep, "重置之前写的")
    purge_past(server_engine, other, password)  # the evicts are gone from the log

    summary = sync_service.sync_session(a, password)
    assert summary.reset is True
    assert local_ids(a, "customers") == book_before - moved
    assert on_server(server_engine, note_id) == 1
    assert pending(a) == 0
    fresh, _ = profiles("f", "rm001", gateway.url, password)
    assert fingerprint(a) == fingerprint(fresh)
    assert dump(a) == dump(fresh)


# --- wrong password when adding a profile -------------------------------------------------


@SQLITE_ONLY
def test_wrong_password_at_profile_add_leaves_no_profile(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg = ProfileRegistry(tmp_path / "w", policy=Policy(keyring=KeyringMode.OFF))
    with pytest.raises(BadCredentials) as caught:
        sync_service.add_profile(reg, "rm001", bank["rm001"] + "-wrong", gateway.url)
    assert str(caught.value) == "The central CRM did not accept the user name or password."
    assert reg.list() == []
    assert not (tmp_path / "w" / "profiles").exists() or not any(
        (tmp_path / "w" / "profiles").iterdir()
    )
