"""Gateway hardening against the real gateway on loopback, on SQLite and PostgreSQL:
sign-in throttling per user name and per address, shared by two gateway apps over one
database (as several uvicorn workers are), on an injected clock; and the request body
limit, enforced as the body arrives (413 before the handler or the token check)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import Engine, select

from sync import protocol
from sync.client import errors as client_errors
from sync.client.transport import Transport
from sync.server import admin, db, migrate, mutations, schema
from sync.server.app import create_app
from sync.server.body_limit import ANONYMOUS_LIMIT, BodyLimit, largest_push_bytes
from sync.server.throttle import LoginThrottle
from tests.integration.conftest import AS_OF, run_gateway

WINDOW = timedelta(minutes=15)
LIMITS = LoginThrottle(per_user=5, per_address=10, window=WINDOW)
PUSH_LIMIT = 256 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Pair:
    urls: tuple[str, str]
    clock: Clock
    engine: Engine


@pytest.fixture
def pair(server_engine: Engine) -> Iterator[Pair]:
    """Two gateway apps (two workers) over one seeded database, one injected clock."""
    admin.seed(server_engine, customers=4, rms=2, seed=5, as_of=AS_OF)
    clock = Clock()
    running = [
        run_gateway(
            create_app(server_engine, clock=clock, login_throttle=LIMITS, max_body=PUSH_LIMIT)
        )
        for _ in range(2)
    ]
    yield Pair((running[0][2], running[1][2]), clock, server_engine)
    for server, thread, _url in running:
        server.should_exit = True
        thread.join(timeout=10)


def _login(url: str, user: str, password: str) -> requests.Response:
    return requests.post(
        url + "/auth/v1/login",
        json={
            "schema_version": protocol.SCHEMA_VERSION,
            "user": user,
            "password": password,
            "device_id": f"dev-{user}",
            "device_name": "test",
        },
        timeout=30,
    )


def _statuses(pair: Pair, attempts: list[tuple[str, str]]) -> list[int]:
    """Each attempt on the two workers in turn."""
    return [
        _login(pair.urls[i % 2], user, password).status_code
        for i, (user, password) in enumerate(attempts)
    ]


def test_wrong_passwords_for_one_user_are_throttled_on_every_worker(pair: Pair) -> None:
    statuses = _statuses(pair, [("rm001", "wrong")] * 20)
    assert statuses == [401] * LIMITS.per_user + [429] * (20 - LIMITS.per_user)
    refused = _login(pair.urls[1], "rm001", "demo-rm001")  # the right password too
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
    body = protocol.ErrorBody.model_validate(refused.json())
    assert body.error == protocol.ErrorCode.TOO_MANY_ATTEMPTS
    assert "15 minute" in body.message
    assert _throttle_events(pair.engine) == [
        ("rm001", "dev-rm001", "5 failed sign-ins for this user name")
    ]
    # Another user on the same address is not held up by rm001's count.
    assert _login(pair.urls[0], "rm002", "demo-rm002").status_code == 200
    # A sliding window: five minutes later, ten minutes are left to wait.
    pair.clock.now += timedelta(minutes=5)
    assert _login(pair.urls[0], "rm001", "x").headers["Retry-After"] == "600"
    pair.clock.now += WINDOW - timedelta(minutes=5)
    assert _login(pair.urls[1], "rm001", "demo-rm001").status_code == 200


def _throttle_events(engine: Engine) -> list[tuple[str, str, str]]:
    """The `login_throttled` security events: user name, device, which limit."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.auth_events).where(schema.auth_events.c.event == "login_throttled")
        ).all()
    return [(r.user_id, r.device_id, r.detail.split(" within ")[0]) for r in rows]


def test_a_success_clears_the_users_own_count_only(pair: Pair) -> None:
    assert _statuses(pair, [("rm001", "wrong")] * 4) == [401] * 4
    assert _login(pair.urls[0], "rm001", "demo-rm001").status_code == 200
    # rm001 starts again from nothing...
    assert _statuses(pair, [("rm001", "wrong")] * 4) == [401] * 4
    # ...but the address remembers all eight failures: two more names reach its limit.
    assert _statuses(pair, [("nobody", "x"), ("rm002", "x")]) == [401, 401]
    assert _login(pair.urls[1], "rm002", "demo-rm002").status_code == 429


def test_guessing_many_names_from_one_address_is_throttled(pair: Pair) -> None:
    attempts = [(f"user{i:02d}", "guess") for i in range(6)]
    attempts.append(("rm002", "demo-rm002"))  # a success on the way resets nothing
    attempts += [(f"user{i:02d}", "guess") for i in range(6, 19)]
    statuses = _statuses(pair, attempts)
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 200
    assert statuses[7:11] == [401] * 4  # ten failures in all
    assert statuses[11:] == [429] * 9
    assert _throttle_events(pair.engine) == [
        ("user09", "dev-user09", "10 failed sign-ins from 127.0.0.1")
    ]
    answer = _login(pair.urls[0], "rm001", "demo-rm001")
    assert answer.status_code == 429
    assert 0 < int(answer.headers["Retry-After"]) <= WINDOW.total_seconds()
    pair.clock.now += WINDOW
    assert _login(pair.urls[0], "rm001", "demo-rm001").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(pair: Pair) -> None:
    """The gateway's own loopback peer is the proxy (uvicorn trusts 127.0.0.1 by
    default, `serve --trusted-proxy` names others): each client address counts apart."""

    def login_from(address: str, user: str) -> int:
        body = {"schema_version": protocol.SCHEMA_VERSION, "user": user, "password": "guess",
                "device_id": f"dev-{user}"}  # fmt: skip
        answer = requests.post(pair.urls[0] + "/auth/v1/login", json=body, timeout=30,
                               headers={"X-Forwarded-For": f"{address}, 127.0.0.1"})  # fmt: skip
        return answer.status_code

    statuses = [login_from("203.0.113.7", f"user{i:02d}") for i in range(LIMITS.per_address)]
    assert statuses == [401] * LIMITS.per_address
    assert login_from("203.0.113.7", "user99") == 429
    assert login_from("198.51.100.2", "user98") == 401  # another branch is not locked out
    assert _throttle_events(pair.engine)[-1][2] == "10 failed sign-ins from 203.0.113.7"


def test_the_client_says_how_long_to_wait_without_retrying(pair: Pair) -> None:
    _statuses(pair, [("rm001", "wrong")] * LIMITS.per_user)
    pauses: list[float] = []
    transport = Transport(pair.urls[0], sleep=pauses.append)
    body = protocol.LoginRequest(
        schema_version=protocol.SCHEMA_VERSION, user="rm001", password="x", device_id="d1"
    )
    try:
        with pytest.raises(client_errors.TooManySignIns) as raised:
            transport.post("/auth/v1/login", body.model_dump(mode="json"))
    finally:
        transport.close()
    assert raised.value.retry_after == int(WINDOW.total_seconds())
    assert str(raised.value).startswith(
        "Too many failed sign-ins to the central CRM. Try again in 15 minute(s)."
    )
    assert pauses == []  # a 15-minute wait is the user's to take, not a silent retry


# --- the body limit -------------------------------------------------------------------


def _raw(url: str, head: str, chunks: Iterator[bytes] | None = None) -> tuple[int, dict[str, Any]]:
    """Send a request head (and chunked body) on a raw socket; the answer's status and
    JSON body. Sending stops when the server has answered and closed."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode())
        if chunks is not None:
            try:
                for chunk in chunks:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1])
    return status, json.loads(body)


def _head(path: str, headers: dict[str, str]) -> str:
    # `Connection: close`: `_raw` reads until the server closes, which must not wait on
    # the server's keep-alive timer (under the clock-ahead run it never fired).
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += ["Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls that reached the push handler."""
    calls: list[int] = []
    real = mutations.push

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mutations, "push", spy)
    return calls


def _token(pair: Pair) -> str:
    answer = _login(pair.urls[0], "rm001", "demo-rm001")
    assert answer.status_code == 200
    return str(answer.json()["access_token"])


def _push_body(note_chars: int) -> bytes:
    note = {"customer_id": "C1", "kind": "call", "occurred_at": "2026-11-24T09:00:00+00:00",
            "note": "x" * note_chars}  # fmt: skip
    mutation = {"mutation_id": 1, "name": "log", "entity": "interaction", "entity_id": "i-1",
                "op": "create", "fields": note, "client_time": "2026-11-24T09:00:00Z"}  # fmt: skip
    body = {"schema_version": protocol.SCHEMA_VERSION, "client_id": "c-1",
            "mutations": [mutation] * 1}  # fmt: skip
    return json.dumps(body).encode()


def test_a_declared_length_over_the_limit_is_refused_before_the_body(pair: Pair) -> None:
    # No body is sent at all: the answer comes from the head alone.
    for headers in (
        {"Content-Length": str(50 * 2**20)},  # 50 MB, no token
        {"Content-Length": str(ANONYMOUS_LIMIT + 1)},
        {"Content-Length": str(PUSH_LIMIT + 1), "Authorization": "Bearer forged"},
    ):
        status, body = _raw(pair.urls[0], _head("/sync/v1/push", headers))
        assert status == 413, headers
        assert body["error"] == "body_too_large"


def test_a_forged_expired_or_revoked_token_buys_only_the_anonymous_limit(
    pair: Pair, pushes: list[int]
) -> None:
    token = _token(pair)
    declared = str(ANONYMOUS_LIMIT + 1)  # under the push limit, over the anonymous one
    for bearer in ("forged", token[:-2] + "xx"):
        headers = {"Content-Length": declared, "Authorization": f"Bearer {bearer}"}
        status, body = _raw(pair.urls[0], _head("/sync/v1/push", headers))
        assert status == 413, bearer
        assert body["error"] == "body_too_large"
    # The same declared length with the real token is read (and found not to be JSON).
    headers = {"Content-Length": declared, "Authorization": f"Bearer {token}"}
    status, _body = _raw(pair.urls[0], _head("/sync/v1/push", headers) + "x" * int(declared))
    assert status == 422
    # Expired: the same token a day later.
    pair.clock.now += timedelta(days=1)
    headers = {"Content-Length": declared, "Authorization": f"Bearer {token}"}
    assert _raw(pair.urls[0], _head("/sync/v1/push", headers))[0] == 413
    assert pushes == []


def _stream(total: int, sent: list[int]) -> Iterator[bytes]:
    chunk = b"[" + b" " * 65534 + b"]"
    while sum(sent) < total:
        sent.append(len(chunk))
        yield chunk


@pytest.mark.parametrize("token", [False, True])
def test_a_chunked_body_growing_past_the_limit_is_cut_off(
    pair: Pair, pushes: list[int], token: bool
) -> None:
    headers = {"Transfer-Encoding": "chunked"}
    limit = ANONYMOUS_LIMIT
    if token:
        headers["Authorization"] = f"Bearer {_token(pair)}"
        limit = PUSH_LIMIT
    sent: list[int] = []
    status, body = _raw(pair.urls[1], _head("/sync/v1/push", headers), _stream(8 * 2**20, sent))
    assert status == 413
    assert body["error"] == "body_too_large"
    assert pushes == []  # neither the token check nor the handler ran
    # The server stopped reading: far less than the 8 MiB offered went out (what the
    # sockets' buffers hold besides the limit).
    assert sum(sent) < 8 * 2**20
    assert sum(sent) >= limit


def test_a_push_under_the_limit_still_reaches_the_handler(pair: Pair, pushes: list[int]) -> None:
    headers = {"Authorization": f"Bearer {_token(pair)}", "Content-Type": "application/json"}
    small = requests.post(pair.urls[0] + "/sync/v1/push", data=_push_body(1000),
                          headers=headers, timeout=30)  # fmt: skip
    assert small.status_code == 200, small.text
    assert pushes == [1]
    big = requests.post(pair.urls[0] + "/sync/v1/push", data=_push_body(PUSH_LIMIT),
                        headers=headers, timeout=30)  # fmt: skip
    assert big.status_code == 413
    assert pushes == [1]


def test_the_middleware_never_hands_the_app_more_than_the_limit() -> None:
    """Directly over ASGI: the app reading the body gets at most the limit (plus the
    chunk that crossed it, which is counted and not delivered)."""
    delivered: list[int] = []

    async def app(_scope: Any, receive: Any, _send: Any) -> None:
        while True:
            message = await receive()
            delivered.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break

    sent: list[MutableMapping[str, Any]] = []
    offered = iter([b"x" * 1000] * 100)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": next(offered), "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    guard = BodyLimit(app, limit=10_000, anonymous_limit=10_000)
    scope = {"type": "http", "headers": [(b"authorization", b"Bearer t")]}
    asyncio.run(guard(scope, receive, send))
    assert sum(delivered) == 10_000
    assert sent[0]["status"] == 413


@pytest.mark.parametrize("known", [False, True])
def test_a_chunked_body_s_limit_follows_the_token_check(known: bool) -> None:
    """No declared length: the token is checked before the first byte is read, and an
    unknown one reads no more than the anonymous limit."""
    delivered: list[int] = []
    asked: list[str] = []

    async def app(_scope: Any, receive: Any, _send: Any) -> None:
        while True:
            message = await receive()
            delivered.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break

    offered = iter([b"x" * 1000] * 100)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": next(offered), "more_body": True}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    def token_known(header: str) -> bool:
        asked.append(header)
        return known

    guard = BodyLimit(app, limit=50_000, anonymous_limit=10_000, token_known=token_known)
    scope = {"type": "http", "headers": [(b"authorization", b"Bearer t")]}
    asyncio.run(guard(scope, receive, send))
    assert asked == ["Bearer t"]
    assert sum(delivered) == (50_000 if known else 10_000)
    assert sent[0]["status"] == 413


def test_the_default_limit_takes_the_largest_legitimate_push() -> None:
    # A full batch of interactions, every text field at its maximum, every character
    # at its widest JSON form (\\uXXXX): the gateway must accept it.
    note = protocol.InteractionFields.model_fields["note"].metadata[0].max_length
    assert largest_push_bytes() > protocol.MAX_PUSH_BATCH * note * 6
    assert largest_push_bytes() < 100 * 2**20


def test_serve_takes_the_body_limit_as_a_setting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    central = Path(sys.executable).parent / "rm-desk-central"
    command = [str(central), "serve", "--db", url, "--port", "0", "--purge-every", "0",
               "--max-body-mib", "0.5", "--upgrade-db"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            gateway = line.split(" on ", 1)[1].split(" ", 1)[0]
            _wait_until_up(gateway)
            head = {"Authorization": "Bearer forged"}
            over = _head("/sync/v1/push", {**head, "Content-Length": str(2**19 + 1)})
            assert _raw(gateway, over)[0] == 413
            # Under the limit, but a forged token buys only the anonymous limit.
            under = _head("/sync/v1/push", {**head, "Content-Length": str(2**19)})
            assert _raw(gateway, under)[0] == 413
            small = _head("/sync/v1/push", {**head, "Content-Length": "2"})
            status, body = _raw(gateway, small + "{}")
            assert status == 401  # read whole, then the endpoint's token check
            assert body["error"] == "unauthorized"
        finally:
            process.terminate()
            process.communicate(timeout=30)


def _wait_until_up(gateway: str) -> None:
    """The port is bound when `serve` prints its line; uvicorn listens a moment later."""
    for _ in range(200):
        try:
            requests.get(gateway + "/health", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.05)  # not a timed lock wait: libfaketime (clock-ahead) breaks those
    raise AssertionError("the gateway did not start")


def test_uvicorn_workers_take_the_body_limit_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.server.asgi import app_from_env  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'central.db'}"
    monkeypatch.setenv("RM_DESK_CENTRAL_DB", url)
    monkeypatch.setenv("RM_DESK_CENTRAL_MAX_BODY_MIB", "0.5")
    # A worker never migrates: an empty database stops it, naming the command.
    with pytest.raises(migrate.SchemaError, match="run `rm-desk-central db upgrade`"):
        app_from_env()
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    server, thread, url = run_gateway(app_from_env())
    try:
        head = {"Authorization": "Bearer forged"}
        assert (
            _raw(url, _head("/sync/v1/push", {**head, "Content-Length": str(2**19 + 1)}))[0] == 413
        )
        assert _raw(url, _head("/sync/v1/push", {**head, "Content-Length": "2"}) + "{}")[0] == 401
    finally:
        server.should_exit = True
        thread.join(timeout=10)
