"""Login throttling: a sliding window of failed sign-ins per user name and per address.

Every failed sign-in is one row of `login_failures` (the user name tried, the client
address, the time), in the gateway's database, so all workers and replicas count the
same failures and a restart forgets none. Before a password is checked, a sign-in is
refused with 429 `too_many_attempts` and a `Retry-After` when, within the last
`window`, the user name has had `per_user` failures (wherever they came from) or the
address has had `per_address` failures (whatever names were tried). A refused sign-in
checks no password and is not counted, so the wait is exactly what `Retry-After` says:
the time until the oldest of the failures that make up the limit leaves the window.

The failure that reaches a limit is written to `auth_events` (`login_throttled`: the
user name tried, the device, which limit and, for the address limit, the address).

A successful sign-in ends the user's own per-user count (its rows are marked
`user_cleared`); the address keeps counting them, so an attacker's valid account on
the same address does not reset the count of the names it guesses.

Concurrent attempts racing past the check on several workers may each add one more
failure than the limit; the next attempt is refused all the same.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, update

from sync.protocol import ErrorCode
from sync.server import schema
from sync.server.errors import ProtocolError

log = logging.getLogger("rm_desk.gateway")

UNKNOWN_ADDRESS = "unknown"
_f = schema.login_failures.c


@dataclass(frozen=True)
class LoginThrottle:
    """Failed sign-ins allowed per user name and per client address within `window`."""

    per_user: int = 5
    per_address: int = 30
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.per_user < 1 or self.per_address < 1 or self.window <= timedelta(0):
            raise ValueError("login throttle limits must be positive")


def _utc(value: datetime) -> datetime:
    # SQLite hands back the stored UTC digits without their zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _wait(
    conn: Connection, where: ColumnElement[bool], limit: int, since: datetime, now: datetime
) -> int:
    """Seconds until fewer than `limit` failures matching `where` are in the window
    (0: fewer already). The `limit`-th most recent failure is the one to outlive."""
    row = conn.execute(
        select(_f.at).where(where, _f.at > since).order_by(_f.at.desc()).limit(1).offset(limit - 1)
    ).first()
    if row is None:
        return 0
    return max(1, math.ceil((_utc(row.at) - since).total_seconds()))


def check(
    conn: Connection, throttle: LoginThrottle, user: str, address: str, now: datetime
) -> None:
    """Refuse a sign-in of `user` from `address` while either is over its limit."""
    now = now.astimezone(UTC)
    since = now - throttle.window
    waits = (
        _wait(conn, (_f.user_id == user) & _f.user_cleared.is_(False), throttle.per_user,
              since, now),
        _wait(conn, _f.address == address, throttle.per_address, since, now),
    )  # fmt: skip
    wait = max(waits)
    if wait:
        log.warning("sign-in throttled (%s limit) for %s s", "user" if waits[0] else "address",
                    wait)  # fmt: skip
        minutes = math.ceil(wait / 60)
        raise ProtocolError(
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Too many failed sign-ins; try again in {minutes} minute(s).",
            retry_after=wait,
        )


EVENT_THROTTLED = "login_throttled"


def record_failure(
    engine: Engine,
    throttle: LoginThrottle,
    user: str,
    address: str,
    now: datetime,
    device_id: str = "",
) -> None:
    """Count a failed sign-in (its own transaction: the sign-in itself is rolled back)
    and drop failures that have left the window. The failure that reaches a limit is
    recorded in `auth_events` (`login_throttled`) for the bank's security officers."""
    now = now.astimezone(UTC)
    since = now - throttle.window
    with engine.begin() as conn:
        conn.execute(delete(schema.login_failures).where(_f.at <= since))
        conn.execute(
            insert(schema.login_failures).values(
                at=now, user_id=user, address=address, user_cleared=False
            )
        )
        reached = []
        if _count(conn, (_f.user_id == user) & _f.user_cleared.is_(False), since) == (
            throttle.per_user
        ):
            reached.append(f"{throttle.per_user} failed sign-ins for this user name")
        if _count(conn, _f.address == address, since) == throttle.per_address:
            reached.append(f"{throttle.per_address} failed sign-ins from {address}")
        for what in reached:
            conn.execute(
                insert(schema.auth_events).values(
                    at=now,
                    event=EVENT_THROTTLED,
                    user_id=user,
                    device_id=device_id,
                    detail=f"{what} within {throttle.window}; sign-ins refused for a while",
                )
            )


def _count(conn: Connection, where: ColumnElement[bool], since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(schema.login_failures).where(where, _f.at > since)
        ).scalar_one()
    )


def clear_user(conn: Connection, user: str) -> None:
    """A successful sign-in: the user's earlier failures no longer count against it."""
    conn.execute(
        update(schema.login_failures)
        .where(_f.user_id == user, _f.user_cleared.is_(False))
        .values(user_cleared=True)
    )


def address_of(host: str | None) -> str:
    return (host or UNKNOWN_ADDRESS)[:64]
