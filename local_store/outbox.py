"""The durable outbox of local mutations and the sync state row.

A mutation is written in the same transaction as the change it describes, so a
change without its mutation (or the reverse) cannot exist. Mutation ids come from
`sync_state.last_mutation_id` and grow by exactly one per client. The pull cursor
and scope epoch of the same row are saved by `local_store.syncstate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from local_store.codec import t2s


@dataclass(frozen=True, slots=True)
class Mutation:
    mutation_id: int
    name: str  # e.g. "interaction.create", "task.update", "customer.request_change"
    entity: str
    entity_id: str
    op: str  # create | update | delete | request_change | event
    base_version: int | None
    fields: dict[str, Any]
    client_time: datetime


@dataclass(frozen=True, slots=True)
class SyncState:
    client_id: str
    cursor: str | None
    last_mutation_id: int
    acked_mutation_id: int
    scope_epoch: int
    last_sync_at: str | None
    last_error: str | None


def init_state(conn: Connection, client_id: str) -> None:
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO sync_state(id, client_id) VALUES (1, ?)", (client_id,)
    )


def state(conn: Connection) -> SyncState:
    row = conn.exec_driver_sql(
        "SELECT client_id, cursor, last_mutation_id, acked_mutation_id, scope_epoch, "
        "last_sync_at, last_error FROM sync_state WHERE id = 1"
    ).fetchone()
    if row is None:
        raise LookupError("sync state missing: the store was not initialised")
    return SyncState(*row)


def enqueue(
    conn: Connection,
    name: str,
    entity: str,
    entity_id: str,
    op: str,
    fields: dict[str, Any],
    *,
    base_version: int | None,
    client_time: datetime,
) -> int:
    """Append a mutation; must run inside the transaction that made the change."""
    row = conn.exec_driver_sql(
        "UPDATE sync_state SET last_mutation_id = last_mutation_id + 1 WHERE id = 1 "
        "RETURNING last_mutation_id"
    ).fetchone()
    if row is None:
        raise LookupError("sync state missing: the store was not initialised")
    mutation_id = int(row[0])
    conn.exec_driver_sql(
        "INSERT INTO outbox(mutation_id, name, entity, entity_id, op, base_version, fields, "
        "client_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            mutation_id,
            name,
            entity,
            entity_id,
            op,
            base_version,
            json.dumps(fields, ensure_ascii=False, sort_keys=True),
            t2s(client_time),
        ),
    )
    return mutation_id


def pending(conn: Connection, limit: int = 500) -> list[Mutation]:
    rows = conn.exec_driver_sql(
        "SELECT mutation_id, name, entity, entity_id, op, base_version, fields, client_time "
        "FROM outbox ORDER BY mutation_id LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        Mutation(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), datetime.fromisoformat(r[7]))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Queued:
    """A queued mutation as stored: `fields` is its JSON text, kept as it was written
    (returned work keeps exactly this text)."""

    mutation_id: int
    name: str
    entity: str
    entity_id: str
    op: str
    fields: str


_QUEUED = "SELECT mutation_id, name, entity, entity_id, op, fields FROM outbox"


def queued(conn: Connection) -> list[Queued]:
    """Every mutation still to send (not the `noop` slots), oldest first."""
    rows = conn.exec_driver_sql(f"{_QUEUED} WHERE op != 'noop' ORDER BY mutation_id").fetchall()
    return [Queued(*r) for r in rows]


def queued_mutation(conn: Connection, mutation_id: int) -> Queued | None:
    """One queued mutation (a `noop` slot too), None when it is no longer queued."""
    row = conn.exec_driver_sql(
        f"{_QUEUED} WHERE mutation_id = ?",
        (mutation_id,),
    ).fetchone()
    return None if row is None else Queued(*row)


def make_noop(conn: Connection, mutation_id: int) -> None:
    """Empty a mutation's slot (its work went elsewhere) without leaving a gap in the
    ids: the server counts a `noop` as processed."""
    conn.exec_driver_sql(
        "UPDATE outbox SET name = 'noop', entity = 'noop', op = 'noop', fields = '{}' "
        "WHERE mutation_id = ?",
        (mutation_id,),
    )


def pending_count(conn: Connection) -> int:
    row = conn.exec_driver_sql("SELECT count(*) FROM outbox").fetchone()
    return int(row[0]) if row else 0


def acknowledge(conn: Connection, upto: int) -> int:
    """Drop mutations the server has processed (ids <= upto); returns how many."""
    result = conn.exec_driver_sql("DELETE FROM outbox WHERE mutation_id <= ?", (upto,))
    conn.exec_driver_sql(
        "UPDATE sync_state SET acked_mutation_id = max(acked_mutation_id, ?) WHERE id = 1",
        (upto,),
    )
    return int(result.rowcount)


def record_error(conn: Connection, error: str) -> None:
    """Keep the last sync failure for the status bar (500 characters at most)."""
    conn.exec_driver_sql("UPDATE sync_state SET last_error = ? WHERE id = 1", (error[:500],))


def restore(conn: Connection, mutations: list[Mutation], *, after: int) -> list[int]:
    """Queue rescued mutations again (a repaired store), numbered on from `after` (the
    server's last id for this client) in their original order; returns the new ids.
    Only for a store whose outbox is empty: the ids must stay consecutive."""
    if pending_count(conn):
        raise LookupError("the outbox is not empty: rescued changes cannot be numbered")
    ids: list[int] = []
    for offset, m in enumerate(mutations, start=1):
        mutation_id = after + offset
        conn.exec_driver_sql(
            "INSERT INTO outbox(mutation_id, name, entity, entity_id, op, base_version, "
            "fields, client_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mutation_id,
                m.name,
                m.entity,
                m.entity_id,
                m.op,
                m.base_version,
                json.dumps(m.fields, ensure_ascii=False, sort_keys=True),
                t2s(m.client_time),
            ),
        )
        ids.append(mutation_id)
    conn.exec_driver_sql(
        "UPDATE sync_state SET last_mutation_id = ?, acked_mutation_id = ? WHERE id = 1",
        (after + len(mutations), after),
    )
    return ids
