"""The staff directory a client replicates beside its scope: the names of the caller's
branch colleagues and, for whoever sees the team, when each one's device last
finished a sync.

A client calls it at the end of a sync round that caught up with the server, so the
call is also the record of that sync: the device's `last_seen` becomes the time of
the call. Nothing of customers is read or written here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from rm_desk.domain import permissions
from sync import wire
from sync.protocol import DirectoryResponse, StaffMember
from sync.server import schema
from sync.server.principal import Principal


def directory(
    engine: Engine, principal: Principal, clock: Callable[[], datetime]
) -> DirectoryResponse:
    """Record the caller's device as synced now; the caller's branch colleagues."""
    now = clock()
    d, u = schema.devices.c, schema.users.c
    with engine.begin() as conn:
        conn.execute(
            update(schema.devices)
            .where(d.device_id == principal.device_id, d.user_id == principal.user_id)
            .values(last_seen=now)
        )
        last_sync = (
            select(d.user_id, func.max(d.last_seen).label("at"))
            .where(d.revoked_at.is_(None))
            .group_by(d.user_id)
            .subquery()
        )
        rows: list[Any] = list(
            conn.execute(
                select(u.user_id, u.name, u.role, last_sync.c.at)
                .outerjoin(last_sync, last_sync.c.user_id == u.user_id)
                .where(u.branch == principal.branch, u.disabled.is_(False))
                .order_by(u.user_id)
            )
        )
    sees_team = permissions.may(principal.role, permissions.Action.VIEW_TEAM)
    return DirectoryResponse(
        staff=[
            StaffMember(
                user_id=row.user_id,
                name=row.name,
                role=row.role,
                last_synced_at=wire.instant(row.at) if sees_team and row.at else None,
            )
            for row in rows
        ]
    )
