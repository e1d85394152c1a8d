"""Login, token refresh and bearer-token checks for the gateway.

Access tokens live minutes, refresh tokens weeks and rotate on every use (the old
one is revoked). A revoked device gets `device_revoked` on its next call, which
tells the client to wipe its cache.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from sync.protocol import ErrorCode, LoginRequest, RefreshRequest, TokenResponse
from sync.server import schema, security
from sync.server.errors import ProtocolError
from sync.server.principal import Principal


class TokenPolicy:
    def __init__(
        self,
        access_ttl: timedelta = timedelta(minutes=15),
        refresh_ttl: timedelta = timedelta(days=30),
    ) -> None:
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl


def _aware(value: datetime, now: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)


def _device_check(conn: Connection, device_id: str, user_id: str) -> None:
    row = conn.execute(
        select(schema.devices).where(schema.devices.c.device_id == device_id)
    ).first()
    if row is not None and row.user_id != user_id:
        raise ProtocolError(ErrorCode.FORBIDDEN, "This device is registered to another user.")
    if row is not None and row.revoked_at is not None:
        raise ProtocolError(
            ErrorCode.DEVICE_REVOKED,
            "This device has been revoked; its local data must be removed.",
        )


def _issue(
    conn: Connection, user: Any, device_id: str, policy: TokenPolicy, now: datetime
) -> TokenResponse:
    access, refresh = security.new_token(), security.new_token()
    access_exp, refresh_exp = now + policy.access_ttl, now + policy.refresh_ttl
    user_id = user.user_id
    conn.execute(
        insert(schema.tokens),
        [
            {
                "token_hash": security.token_hash(access),
                "kind": "access",
                "user_id": user_id,
                "device_id": device_id,
                "expires_at": access_exp,
                "revoked": False,
            },
            {
                "token_hash": security.token_hash(refresh),
                "kind": "refresh",
                "user_id": user_id,
                "device_id": device_id,
                "expires_at": refresh_exp,
                "revoked": False,
            },
        ],
    )
    return TokenResponse(
        access_token=access,
        access_expires_at=access_exp,
        refresh_token=refresh,
        refresh_expires_at=refresh_exp,
        user=user_id,
        display_name=user.name,
        role=user.role,
        branch=user.branch,
        device_id=device_id,
        server_time=now,
    )


def login(
    engine: Engine, request: LoginRequest, policy: TokenPolicy, clock: Callable[[], datetime]
) -> TokenResponse:
    with engine.begin() as conn:
        user = conn.execute(
            select(schema.users).where(schema.users.c.user_id == request.user)
        ).first()
        stored = user.password_hash if user is not None else security.DUMMY_HASH
        valid = security.verify_password(request.password, stored)
        if user is None or not valid or user.disabled:
            raise ProtocolError(
                ErrorCode.BAD_CREDENTIALS, "The user name or password is not correct."
            )
        _device_check(conn, request.device_id, user.user_id)
        now = clock()
        existing = conn.execute(
            select(schema.devices.c.device_id).where(
                schema.devices.c.device_id == request.device_id
            )
        ).first()
        if existing is None:
            conn.execute(
                insert(schema.devices).values(
                    device_id=request.device_id,
                    user_id=user.user_id,
                    name=request.device_name,
                    created_at=now,
                    last_seen=now,
                )
            )
        return _issue(conn, user, request.device_id, policy, now)


def refresh(
    engine: Engine, request: RefreshRequest, policy: TokenPolicy, clock: Callable[[], datetime]
) -> TokenResponse:
    now = clock()
    with engine.begin() as conn:
        row = conn.execute(
            select(schema.tokens).where(
                schema.tokens.c.token_hash == security.token_hash(request.refresh_token),
                schema.tokens.c.kind == "refresh",
            )
        ).first()
        if row is None or row.device_id != request.device_id:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has ended; sign in again.")
        _device_check(conn, row.device_id, row.user_id)
        if row.revoked or _aware(row.expires_at, now) <= now:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has ended; sign in again.")
        user = conn.execute(select(schema.users).where(schema.users.c.user_id == row.user_id)).one()
        if user.disabled:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "This account is disabled.")
        conn.execute(
            update(schema.tokens)
            .where(schema.tokens.c.token_hash == row.token_hash)
            .values(revoked=True)
        )
        return _issue(conn, user, row.device_id, policy, now)


def authenticate(
    engine: Engine, authorization: str | None, clock: Callable[[], datetime]
) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "Sign in first.")
    token = authorization.removeprefix("Bearer ").strip()
    now = clock()
    with engine.begin() as conn:
        row = conn.execute(
            select(schema.tokens).where(
                schema.tokens.c.token_hash == security.token_hash(token),
                schema.tokens.c.kind == "access",
            )
        ).first()
        if row is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has ended; sign in again.")
        _device_check(conn, row.device_id, row.user_id)
        if row.revoked or _aware(row.expires_at, now) <= now:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has expired.")
        user = conn.execute(select(schema.users).where(schema.users.c.user_id == row.user_id)).one()
        if user.disabled:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "This account is disabled.")
        return Principal(
            user_id=user.user_id,
            role=user.role,
            branch=user.branch,
            device_id=row.device_id,
            scope_epoch=int(user.scope_epoch),
        )
