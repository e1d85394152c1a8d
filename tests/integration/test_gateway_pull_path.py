"""The gateway's lean pull path: one statement for the token, the user, the device and
the cursor state, no cache of credentials, and answers that still follow the protocol.

Runs over loopback HTTP against the real gateway on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, event, insert, select, update

from sync import protocol
from sync.server import admin, db, schema, security
from sync.server.replication import encode_cursor, purge_through
from tests.integration.conftest import Gateway, login


def pull(
    gateway: Gateway,
    token: str | None,
    client_id: str = "dev-a",
    cursor: str | None = None,
    schema_version: int = protocol.SCHEMA_VERSION,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"schema_version": schema_version, "client_id": client_id, "cursor": cursor}
    return requests.post(gateway.url + "/sync/v1/pull", json=body, headers=headers, timeout=30)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_caught_up_pull_is_one_statement_and_a_valid_answer(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    first = pull(gateway, token)
    assert first.status_code == 200
    page = protocol.PullResponse.model_validate_json(first.content)
    while page.has_more:
        page = protocol.PullResponse.model_validate_json(
            pull(gateway, token, cursor=page.cursor).content
        )
    with statements(gateway.engine) as seen:
        answer = pull(gateway, token, cursor=page.cursor)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    caught_up = protocol.PullResponse.model_validate_json(answer.content)
    assert caught_up.changes == []
    assert caught_up.cursor == page.cursor
    assert caught_up.has_more is False
    assert caught_up.target_seq == page.target_seq
    # Token, user, device, sequence, horizon and last mutation id: one round trip.
    assert len(seen) == 1, seen
    for table in ("tokens", "users", "devices", "seq_counter", "server_meta", "clients"):
        assert table in seen[0]


def test_a_pull_with_news_pages_through_them_with_remaining_counts(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    with gateway.engine.connect() as conn:
        theirs = (
            conn.execute(
                select(schema.customers.c.id).where(schema.customers.c.owner_rm == "rm002").limit(2)
            )
            .scalars()
            .all()
        )
    for customer in theirs:  # each brings its whole subtree into rm001's log
        admin.assign(gateway.engine, customer, "rm001")
    body = {"schema_version": 1, "client_id": "dev-a", "cursor": None, "limit": 7}
    headers = {"Authorization": f"Bearer {token}"}
    seen_seqs: list[int] = []
    pulled_customers: list[str] = []
    remaining_before: int | None = None
    while True:
        answer = requests.post(
            gateway.url + "/sync/v1/pull", json=body, headers=headers, timeout=30
        )
        assert answer.status_code == 200
        page = protocol.PullResponse.model_validate_json(answer.content)
        seqs = [c.seq for c in page.changes]
        assert seqs == sorted(seqs)
        assert all(c.data is not None for c in page.changes if c.op == "upsert")
        if remaining_before is not None:
            assert remaining_before >= len(page.changes)
        seen_seqs.extend(seqs)
        pulled_customers.extend(c.id for c in page.changes if c.entity == "customer")
        remaining_before = page.remaining
        body["cursor"] = page.cursor
        if not page.has_more:
            assert page.remaining == 0
            break
    assert len(seen_seqs) == len(set(seen_seqs)) > 7  # several pages, nothing twice
    assert set(theirs) <= set(pulled_customers)


def test_revoking_a_device_refuses_its_very_next_pull(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    other = login(gateway, "rm001", bank["rm001"], "dev-b")["access_token"]
    assert pull(gateway, token).status_code == 200
    assert admin.revoke_device(gateway.engine, "rm001", "dev-a") == 1
    answer = pull(gateway, token)  # no cached credentials: refused at once
    assert answer.status_code == 403
    assert answer.json()["error"] == "device_revoked"
    assert pull(gateway, other, client_id="dev-b").status_code == 200


def _issue(engine: Engine, user: str, device: str, **token: Any) -> str:
    """An access token written straight into the server's tables."""
    raw = security.new_token()
    now = db.now()
    with engine.begin() as conn:
        if device != "dev-a":
            conn.execute(
                insert(schema.devices).values(
                    device_id=device, user_id=user, name="", created_at=now, last_seen=now
                )
            )
        conn.execute(
            insert(schema.tokens).values(
                token_hash=security.token_hash(raw),
                kind=token.get("kind", "access"),
                user_id=token.get("user_id", user),
                device_id=device,
                expires_at=token.get("expires_at", now + timedelta(minutes=5)),
                revoked=token.get("revoked", False),
            )
        )
    return raw


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        ({"expires_at": db.now() - timedelta(seconds=1)}, 401, "unauthorized"),
        ({"revoked": True}, 401, "unauthorized"),
        ({"kind": "refresh"}, 401, "unauthorized"),  # a refresh token is no access token
        ({"user_id": "rm002"}, 403, "forbidden"),  # the device belongs to rm001
    ],
    ids=["expired", "revoked", "refresh-token", "device-of-another-user"],
)
def test_the_joined_credentials_query_refuses_bad_tokens(
    gateway: Gateway, bank: dict[str, str], token: dict[str, Any], status: int, code: str
) -> None:
    login(gateway, "rm001", bank["rm001"], "dev-a")
    bad = _issue(gateway.engine, "rm001", "dev-a", **token)
    answer = pull(gateway, bad)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code


def test_missing_unknown_and_disabled_callers_are_refused(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    assert pull(gateway, None).json()["error"] == "unauthorized"
    assert pull(gateway, "no-such-token-at-all").json()["error"] == "unauthorized"
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    with gateway.engine.begin() as conn:
        conn.execute(
            update(schema.users).where(schema.users.c.user_id == "rm001").values(disabled=True)
        )
    answer = pull(gateway, token)
    assert answer.status_code == 401
    assert "disabled" in answer.json()["message"]


def test_errors_keep_their_order_auth_then_version_then_cursor(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    future = protocol.SCHEMA_VERSION + 1
    assert pull(gateway, "bad-token", schema_version=future).json()["error"] == "unauthorized"
    answer = pull(gateway, token, cursor="not-a-cursor", schema_version=future)
    assert answer.status_code == 400
    assert answer.json()["error"] == "version_not_supported"
    assert pull(gateway, token, cursor="not-a-cursor").json()["error"] == "bad_request"
    for path in ("/sync/v1/pull", "/sync/v1/push"):  # no token: refused before the body
        answer = requests.post(gateway.url + path, json={"schema_version": "x"}, timeout=30)
        assert answer.status_code == 401
        assert answer.json()["error"] == "unauthorized"


def test_scope_epoch_and_horizon_are_read_fresh_on_every_pull(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    token = login(gateway, "rm001", bank["rm001"], "dev-a")["access_token"]
    page = protocol.PullResponse.model_validate_json(pull(gateway, token).content)
    old = encode_cursor(0, 0)
    assert pull(gateway, token, cursor=old).status_code == 200  # nothing purged yet
    purge_through(gateway.engine, 1)
    answer = pull(gateway, token, cursor=old)
    assert answer.status_code == 409
    assert answer.json()["error"] == "reset_required"
    with gateway.engine.begin() as conn:
        conn.execute(
            update(schema.users)
            .where(schema.users.c.user_id == "rm001")
            .values(scope_epoch=schema.users.c.scope_epoch + 1)
        )
    answer = pull(gateway, token, cursor=page.cursor)
    assert answer.status_code == 409
    assert answer.json()["error"] == "reset_required"


def test_a_teller_pull_carries_masked_personal_fields(
    gateway: Gateway, bank: dict[str, str]
) -> None:
    tellers = [user for user in bank if user.startswith("teller")]
    assert tellers, sorted(bank)
    users = schema.users.c
    with gateway.engine.connect() as conn:
        branch = conn.execute(select(users.branch).where(users.user_id == tellers[0])).scalar_one()
        rm = (
            conn.execute(select(users.user_id).where(users.branch == branch, users.role == "rm"))
            .scalars()
            .first()
        )
        assert rm is not None
        moved = (
            conn.execute(select(schema.customers.c.id).where(schema.customers.c.owner_rm != rm))
            .scalars()
            .first()
        )
        assert moved is not None
    admin.assign(gateway.engine, moved, rm)  # the teller's branch log now has the customer
    token = login(gateway, tellers[0], bank[tellers[0]], "dev-t")["access_token"]
    answer = pull(gateway, token, client_id="dev-t")
    customers = [
        c.data
        for c in protocol.PullResponse.model_validate_json(answer.content).changes
        if c.entity == "customer" and c.data is not None
    ]
    assert customers
    with gateway.engine.connect() as conn:
        real = {r.id: r.mobile for r in conn.execute(schema.customers.select())}
    for data in customers:
        assert data["personal_masked"] is True
        assert data["mobile"] != real[data["id"]]
        assert "*" in data["mobile"]
