"""The clients (local replicas) a gateway knows: who owns a client id, its registration
on first use, and the last mutation processed for it. Pushing (`mutations`) and pulling
(`replication`) both read them; neither imports the other for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from sync.protocol import ErrorCode
from sync.server import schema
from sync.server.errors import ProtocolError
from sync.server.principal import Principal


def owned_by(principal: Principal) -> Any:
    """The condition on `clients` rows for a client id of this caller: its user and
    its device (a client id is one local replica, which lives on one device)."""
    c = schema.clients.c
    return and_(c.user_id == principal.user_id, c.device_id == principal.device_id)


def client_row(conn: Connection, principal: Principal, client_id: str, *, lock: bool) -> Any:
    """The caller's row for `client_id`, registered on first use.

    Concurrent first pushes of one new id both find no row: the registration is an
    INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite), so the later one keeps
    the row the first committed instead of failing on the primary key."""
    query = select(schema.clients).where(schema.clients.c.client_id == client_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            dialect_insert(schema.clients)
            .values(
                client_id=client_id,
                user_id=principal.user_id,
                device_id=principal.device_id,
                last_mutation_id=0,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[schema.clients.c.client_id])
        )
        row = conn.execute(query).one()
    if row.user_id != principal.user_id or row.device_id != principal.device_id:
        raise ProtocolError(
            ErrorCode.FORBIDDEN, "This client id belongs to another user or device."
        )
    return row


def last_mutation_id(conn: Connection, client_id: str, principal: Principal) -> int:
    """The last mutation processed for the caller's client `client_id`; 0 for an id
    that is unknown or not the caller's (the same answer: nothing about another's)."""
    row = conn.execute(
        select(schema.clients.c.last_mutation_id).where(
            schema.clients.c.client_id == client_id, owned_by(principal)
        )
    ).first()
    return int(row[0]) if row else 0
