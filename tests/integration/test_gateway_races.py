"""Races and ownership at the gateway, against the real gateway on SQLite and PostgreSQL
over loopback HTTP: refresh-token rotation under concurrent requests and reuse
detection, concurrent first pushes of a new client id, and a caller naming another
client's id on pull and snapshot."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from local_store import outbox
from local_store.profiles import ProfileRegistry
from rm_desk.domain.ids import uuid7
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import sync as sync_service
from sync import protocol
from sync.client.engine import META_TOKENS, Authenticator, meta_get
from sync.client.errors import SessionExpired
from sync.client.transport import Transport
from sync.server import auth, schema
from tests.integration.conftest import Gateway, login, server_count

THREADS = 8


def refresh(gateway: Gateway, token: str, device: str) -> requests.Response:
    body = {"schema_version": protocol.SCHEMA_VERSION, "refresh_token": token, "device_id": device}
    return requests.post(gateway.url + "/auth/v1/refresh", json=body, timeout=60)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pull(gateway: Gateway, token: str, client_id: str, cursor: str | None = None) -> Any:
    body = {"schema_version": protocol.SCHEMA_VERSION, "client_id": client_id, "cursor": cursor}
    return requests.post(
        gateway.url + "/sync/v1/pull", json=body, headers=bearer(token), timeout=60
    )


def push(gateway: Gateway, token: str, client_id: str, mutations: list[dict[str, Any]]) -> Any:
    body = {
        "schema_version": protocol.SCHEMA_VERSION,
        "client_id": client_id,
        "mutations": mutations,
    }
    return requests.post(
        gateway.url + "/sync/v1/push", json=body, headers=bearer(token), timeout=60
    )


def snapshot_end(gateway: Gateway, token: str, client_id: str) -> dict[str, Any]:
    params: dict[str, str | int] = {
        "schema_version": protocol.SCHEMA_VERSION,
        "client_id": client_id,
    }
    answer = requests.get(
        gateway.url + "/sync/v1/snapshot", params=params, headers=bearer(token), timeout=60
    )
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines() if line]
    assert lines[-1]["kind"] == "end"
    return dict(lines[-1])


def together(count: int, call: Callable[[], requests.Response]) -> list[requests.Response]:
    """`count` calls released at the same instant from their own threads."""
    start = threading.Barrier(count)

    def run() -> requests.Response:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [f.result(timeout=120) for f in futures]


def a_customer_of(gateway: Gateway, user: str) -> str:
    with gateway.engine.connect() as conn:
        return str(
            conn.execute(
                select(schema.customers.c.id)
                .where(schema.customers.c.owner_rm == user)
                .order_by(schema.customers.c.id)
                .limit(1)
            ).scalar_one()
        )


def note(mutation_id: int, customer: str) -> dict[str, Any]:
    return {
        "mutation_id": mutation_id,
        "name": "log_interaction",
        "entity": "interaction",
        "entity_id": uuid7(),
        "op": "create",
        "base_version": None,
        "fields": {
            "customer_id": customer,
            "kind": "call",
            "occurred_at": "2026-11-24T02:00:00Z",
            "subject": "回访",
            "note": f"第{mutation_id}条",
        },
        "client_time": "2026-11-24T02:00:00Z",
    }


# --- refresh token rotation -------------------------------------------------------------


def test_a_refresh_token_raced_by_concurrent_requests_is_honoured_once(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    tokens = login(gateway, "rm001", bank["rm001"], "dev-a")
    other = login(gateway, "rm001", bank["rm001"], "dev-b")  # another computer of the user

    answers = together(THREADS, lambda: refresh(gateway, tokens["refresh_token"], "dev-a"))

    won = [a for a in answers if a.status_code == 200]
    lost = [a for a in answers if a.status_code != 200]
    assert len(won) == 1, [a.status_code for a in answers]
    assert {a.status_code for a in lost} == {401}
    # The losers get the answer of a reused token: they came after the rotation, and
    # the server cannot tell a racing owner from a thief, so the device's session ends.
    assert {a.json()["error"] for a in lost} == {"unauthorized"}
    assert {a.json()["message"] for a in lost} == {auth.REFRESH_REUSED}
    fresh = won[0].json()
    assert pull(gateway, fresh["access_token"], "c-a").status_code == 401
    assert refresh(gateway, fresh["refresh_token"], "dev-a").status_code == 401
    # The user's other device keeps its session.
    assert pull(gateway, other["access_token"], "c-b").status_code == 200
    with gateway.engine.connect() as conn:
        events = conn.execute(
            select(schema.auth_events.c.event, schema.auth_events.c.device_id)
        ).all()
        live = conn.execute(
            select(func.count())
            .select_from(schema.tokens)
            .where(schema.tokens.c.device_id == "dev-a", schema.tokens.c.revoked.is_(False))
        ).scalar_one()
    # One per losing request, and one for the winner's refresh token presented above.
    assert [tuple(e) for e in events] == [(auth.EVENT_REFRESH_REUSE, "dev-a")] * THREADS
    assert live == 0


def test_reusing_a_rotated_refresh_token_revokes_the_devices_new_tokens(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    first = login(gateway, "rm001", bank["rm001"], "dev-a")
    rotated = refresh(gateway, first["refresh_token"], "dev-a")
    assert rotated.status_code == 200
    second = rotated.json()
    assert pull(gateway, second["access_token"], "c-a").status_code == 200
    assert pull(gateway, first["access_token"], "c-a").status_code == 200

    reused = refresh(gateway, first["refresh_token"], "dev-a")  # a copy of the old token
    assert reused.status_code == 401
    assert reused.json()["message"] == auth.REFRESH_REUSED
    assert pull(gateway, second["access_token"], "c-a").status_code == 401
    assert pull(gateway, first["access_token"], "c-a").status_code == 401
    assert refresh(gateway, second["refresh_token"], "dev-a").status_code == 401
    # Signing in with the password works again.
    third = login(gateway, "rm001", bank["rm001"], "dev-a")
    assert pull(gateway, third["access_token"], "c-a").status_code == 200
    with gateway.engine.connect() as conn:
        details = conn.execute(
            select(schema.auth_events.c.detail).order_by(schema.auth_events.c.id)
        ).scalars()
        # The first access token (rotation keeps it until it expires) and the pair of
        # the rotation; then nothing was left to revoke.
        assert [d.split(";")[1].strip() for d in details] == [
            "3 live token(s) of the device revoked",
            "0 live token(s) of the device revoked",
        ]


def test_a_client_whose_refresh_token_was_reused_signs_in_with_its_password(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg = ProfileRegistry(tmp_path / "p", policy=Policy(keyring=KeyringMode.OFF))
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url).session
    try:
        stored = protocol.TokenResponse.model_validate_json(
            meta_get(session.store, META_TOKENS) or ""
        )
        device = stored.device_id
        # Someone with a copy of the refresh token renews first; the owner's renewal is
        # then the reuse, and every token of the device is revoked.
        assert refresh(gateway, stored.refresh_token, device).status_code == 200
        transport = Transport(gateway.url)
        try:
            without = Authenticator(session.store, transport, None, user="rm001")
            with pytest.raises(SessionExpired, match="session with the central CRM has ended"):
                without.on_unauthorized()
            with_password = Authenticator(
                session.store, transport, lambda: bank["rm001"], user="rm001"
            )
            with_password.on_unauthorized()  # falls back to the password
        finally:
            transport.close()
        renewed = protocol.TokenResponse.model_validate_json(
            meta_get(session.store, META_TOKENS) or ""
        )
        assert renewed.access_token != stored.access_token
        with session.store.read() as conn:
            client_id = outbox.state(conn).client_id
        assert pull(gateway, renewed.access_token, client_id).status_code == 200
        assert sync_service.sync_session(session, bank["rm001"]).reset is False
    finally:
        session.lock()


# --- concurrent first pushes of a new client id ------------------------------------------


def test_concurrent_first_pushes_of_a_new_client_id_apply_once(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    customer = a_customer_of(gateway, "rm001")
    batch = [note(i, customer) for i in (1, 2, 3)]
    client_id = uuid7()

    answers = together(THREADS, lambda: push(gateway, token, client_id, batch))

    assert [a.status_code for a in answers] == [200] * THREADS, [a.text for a in answers]
    bodies = [protocol.PushResponse.model_validate(a.json()) for a in answers]
    assert {b.last_mutation_id for b in bodies} == {3}
    assert all([r.outcome for r in b.results] == ["applied"] * 3 for b in bodies)
    ids = [m["entity_id"] for m in batch]
    with gateway.engine.connect() as conn:
        results = conn.execute(
            select(schema.mutation_results.c.mutation_id).where(
                schema.mutation_results.c.client_id == client_id
            )
        ).scalars()
        clients = conn.execute(
            select(schema.clients.c.last_mutation_id, schema.clients.c.device_id).where(
                schema.clients.c.client_id == client_id
            )
        ).all()
    assert server_count(gateway.engine, schema.interactions, schema.interactions.c.id.in_(ids)) == 3
    assert sorted(results) == [1, 2, 3]  # one outcome per mutation
    logged = server_count(gateway.engine, schema.change_log, schema.change_log.c.entity_id.in_(ids))
    assert logged == 3 * 2  # one log entry per scope (the RM's and the branch's) per note
    assert [tuple(c) for c in clients] == [(3, "dev-a")]


# --- another client's last_mutation_id -----------------------------------------------------


def test_pull_and_snapshot_tell_last_mutation_id_only_to_the_client_owner(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    owner = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    client_id = uuid7()
    customer = a_customer_of(gateway, "rm001")
    assert push(gateway, owner, client_id, [note(i, customer) for i in (1, 2)]).status_code == 200
    assert pull(gateway, owner, client_id).json()["last_mutation_id"] == 2
    assert snapshot_end(gateway, owner, client_id)["last_mutation_id"] == 2

    stranger = login(gateway, "rm002", bank["rm002"], "dev-s")["access_token"]
    same_user_elsewhere = login(gateway, "rm001", bank["rm001"], "dev-b")["access_token"]
    for token in (stranger, same_user_elsewhere):
        # The same answer as for an id nobody uses: nothing about the other client.
        assert pull(gateway, token, client_id).json()["last_mutation_id"] == 0
        assert snapshot_end(gateway, token, client_id)["last_mutation_id"] == 0
        assert pull(gateway, token, "never-used").json()["last_mutation_id"] == 0
        refused = push(gateway, token, client_id, [note(3, customer)])
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
    with gateway.engine.connect() as conn:
        last = conn.execute(
            select(schema.clients.c.last_mutation_id).where(schema.clients.c.client_id == client_id)
        ).scalar_one()
    assert last == 2
