"""Login, token refresh and bearer-token checks for the gateway.

Access tokens live minutes, refresh tokens weeks and rotate on every use (the old
one is revoked, atomically; a rotated one presented again revokes the device's
tokens, see `refresh`). A revoked device gets `device_revoked` on its next call, which
tells the client to wipe its cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, insert, select, update

from sync.protocol import ErrorCode, LoginRequest, RefreshRequest, TokenResponse
from sync.server import db, schema, security, throttle
from sync.server.errors import ProtocolError
from sync.server.principal import Principal

log = logging.getLogger("rm_desk.gateway")


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
    engine: Engine,
    request: LoginRequest,
    policy: TokenPolicy,
    clock: Callable[[], datetime],
    *,
    address: str = throttle.UNKNOWN_ADDRESS,
    limits: throttle.LoginThrottle | None = None,
) -> TokenResponse:
    """Sign in; refused with `too_many_attempts` while the user name or the client
    `address` has had too many failed sign-ins lately (sync/server/throttle.py)."""
    limits = limits or throttle.LoginThrottle()
    now = clock()
    with db.reading(engine) as conn:
        throttle.check(conn, limits, request.user, address, now)
    with engine.begin() as conn:
        user = conn.execute(
            select(schema.users).where(schema.users.c.user_id == request.user)
        ).first()
        stored = user.password_hash if user is not None else security.DUMMY_HASH
        valid = security.verify_password(request.password, stored)
        if user is not None and valid and not user.disabled:
            _device_check(conn, request.device_id, user.user_id)
            return _signed_in(conn, user, request, policy, now)
    throttle.record_failure(engine, limits, request.user, address, now, request.device_id)
    raise ProtocolError(ErrorCode.BAD_CREDENTIALS, "The user name or password is not correct.")


def _signed_in(
    conn: Connection, user: Any, request: LoginRequest, policy: TokenPolicy, now: datetime
) -> TokenResponse:
    throttle.clear_user(conn, user.user_id)
    existing = conn.execute(
        select(schema.devices.c.device_id).where(schema.devices.c.device_id == request.device_id)
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


SESSION_ENDED = "Your session has ended; sign in again."
REFRESH_REUSED = (
    "This sign-in was already renewed once; for safety every session of this device "
    "has ended. Sign in again."
)
EVENT_REFRESH_REUSE = "refresh_reuse"


def refresh(
    engine: Engine, request: RefreshRequest, policy: TokenPolicy, clock: Callable[[], datetime]
) -> TokenResponse:
    """Rotate a refresh token: revoke it and issue a new pair, exactly once.

    The rotation is one conditional UPDATE (`... WHERE token_hash = ? AND NOT revoked`):
    of requests racing with the same token exactly one finds it unrevoked (PostgreSQL
    re-checks the condition after the winner's commit releases the row lock; SQLite's
    BEGIN IMMEDIATE runs them one after another). Every other one, like any later use
    of a rotated token, is a reuse (OAuth 2.0 Security BCP, refresh token rotation):
    the token was copied, or a client raced itself, and the server cannot tell the
    thief from the owner, so every token of that device is revoked, the event is
    recorded in `auth_events`, and the caller must sign in with the password again."""
    now = clock()
    token_hash = security.token_hash(request.refresh_token)
    t = schema.tokens.c
    with engine.begin() as conn:
        won = conn.execute(
            update(schema.tokens)
            .where(t.token_hash == token_hash, t.kind == "refresh", t.revoked.is_(False))
            .values(revoked=True)
            .returning(t.user_id, t.device_id, t.expires_at)
        ).first()
        if won is not None:
            # A failed check below rolls the rotation back: the token stays as it was.
            if won.device_id != request.device_id:
                raise ProtocolError(ErrorCode.UNAUTHORIZED, SESSION_ENDED)
            _device_check(conn, won.device_id, won.user_id)
            if _aware(won.expires_at, now) <= now:
                raise ProtocolError(ErrorCode.UNAUTHORIZED, SESSION_ENDED)
            user = conn.execute(
                select(schema.users).where(schema.users.c.user_id == won.user_id)
            ).one()
            if user.disabled:
                raise ProtocolError(ErrorCode.UNAUTHORIZED, "This account is disabled.")
            return _issue(conn, user, won.device_id, policy, now)
        message = _refused_refresh(conn, token_hash, now)
    # Raised after the commit: a detected reuse keeps its revocations.
    raise ProtocolError(ErrorCode.UNAUTHORIZED, message)


def _refused_refresh(conn: Connection, token_hash: str, now: datetime) -> str:
    """Why a refresh token was not rotated; a revoked one that comes back is a reuse and
    ends every session of its device."""
    row = conn.execute(
        select(schema.tokens.c.user_id, schema.tokens.c.device_id).where(
            schema.tokens.c.token_hash == token_hash, schema.tokens.c.kind == "refresh"
        )
    ).first()
    if row is None:
        return SESSION_ENDED
    _device_check(conn, row.device_id, row.user_id)  # a revoked device says so
    t = schema.tokens.c
    revoked = conn.execute(
        update(schema.tokens)
        .where(t.device_id == row.device_id, t.revoked.is_(False))
        .values(revoked=True)
    ).rowcount
    conn.execute(
        insert(schema.auth_events).values(
            at=now,
            event=EVENT_REFRESH_REUSE,
            user_id=row.user_id,
            device_id=row.device_id,
            detail=f"a rotated refresh token was presented again; {int(revoked or 0)} "
            "live token(s) of the device revoked",
        )
    )
    log.warning("refresh token reuse on device %s: its tokens were revoked", row.device_id)
    return REFRESH_REUSED


# --- bearer tokens on every call -------------------------------------------------------
#
# One statement answers "who is this token?": the token joined with its user and its
# device. Nothing is cached in the process, so a revoked device, a revoked or expired
# token and a disabled user are refused on the very next call, by every worker and
# replica. `credentials_query(*extra)` lets a caller fold its own per-request reads
# into the same statement (the pull adds its cursor state: one round trip in all).

_t, _u, _d = schema.tokens.c, schema.users.c, schema.devices.c


def credentials_query(*extra: Any) -> Select[Any]:
    """The access token `:token_hash` with its user and device, plus `extra` columns."""
    return (
        select(
            _t.user_id.label("token_user"),
            _t.device_id,
            _t.expires_at,
            _t.revoked,
            _u.role,
            _u.branch,
            _u.scope_epoch,
            _u.disabled,
            _d.user_id.label("device_user"),
            _d.revoked_at.label("device_revoked_at"),
            *extra,
        )
        .select_from(
            schema.tokens.join(schema.users, _u.user_id == _t.user_id).outerjoin(
                schema.devices, _d.device_id == _t.device_id
            )
        )
        .where(_t.token_hash == bindparam("token_hash"), _t.kind == "access")
    )


_CREDENTIALS = credentials_query()


def bearer_hash(authorization: str | None) -> str:
    """The stored form (SHA-256) of the bearer token in an Authorization header."""
    if not authorization or not authorization.startswith("Bearer "):
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "Sign in first.")
    return security.token_hash(authorization.removeprefix("Bearer ").strip())


def principal_from(row: Any, now: datetime) -> Principal:
    """Check a `credentials_query` row (None: no such token) and name the caller.

    The checks and their order are those of the refresh path: unknown token, device
    of another user, revoked device, revoked or expired token, disabled user."""
    if row is None:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has ended; sign in again.")
    if row.device_user is not None and row.device_user != row.token_user:
        raise ProtocolError(ErrorCode.FORBIDDEN, "This device is registered to another user.")
    if row.device_user is not None and row.device_revoked_at is not None:
        raise ProtocolError(
            ErrorCode.DEVICE_REVOKED,
            "This device has been revoked; its local data must be removed.",
        )
    if row.revoked or _aware(row.expires_at, now) <= now:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "Your session has expired.")
    if row.disabled:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "This account is disabled.")
    return Principal(
        user_id=row.token_user,
        role=row.role,
        branch=row.branch,
        device_id=row.device_id,
        scope_epoch=int(row.scope_epoch),
    )


def token_known(engine: Engine, authorization: str, clock: Callable[[], datetime]) -> bool:
    """Whether the header's bearer token would authenticate now (the body limit asks
    before it reads a large body)."""
    try:
        authenticate(engine, authorization, clock)
    except ProtocolError:
        return False
    return True


def authenticate(
    engine: Engine, authorization: str | None, clock: Callable[[], datetime]
) -> Principal:
    token_hash = bearer_hash(authorization)
    with db.reading(engine) as conn:
        row = conn.execute(_CREDENTIALS, {"token_hash": token_hash}).first()
    return principal_from(row, clock())
