"""Sync conflicts and returned work as stored on the client.

A conflict is one field two people changed at once; the server kept theirs and the
push recorded both values here until the user chooses. Returned work is unsynced
work the server could not take (the customer left the book, or the change was
refused): its payload is kept as it was queued, never deleted silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from local_store.codec import CUSTOMER_COLUMNS, TASK_COLUMNS, t2s


@dataclass(frozen=True, slots=True)
class Conflict:
    id: int
    entity: str
    entity_id: str
    field: str
    mine: Any
    theirs: Any
    detected_at: str


@dataclass(frozen=True, slots=True)
class ReturnedWork:
    id: int
    entity: str
    entity_id: str
    summary: str
    payload: dict[str, Any]
    reason: str
    returned_at: str


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


# --- conflicts ------------------------------------------------------------------------


def record_conflict(
    conn: Connection,
    entity: str,
    entity_id: str,
    field: str,
    mine: Any,
    theirs: Any,
    *,
    mutation_id: int,
    at: datetime,
) -> None:
    conn.exec_driver_sql(
        "INSERT INTO conflicts(entity, entity_id, field, mine, theirs, mutation_id, "
        "detected_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            entity,
            entity_id,
            field,
            json.dumps(mine, ensure_ascii=False),
            json.dumps(theirs, ensure_ascii=False),
            mutation_id,
            t2s(at),
        ),
    )


def open_conflicts(conn: Connection) -> list[Conflict]:
    rows = conn.exec_driver_sql(
        "SELECT id, entity, entity_id, field, mine, theirs, detected_at FROM conflicts "
        "WHERE resolved IS NULL ORDER BY id"
    ).fetchall()
    return [Conflict(r[0], r[1], r[2], r[3], _loads(r[4]), _loads(r[5]), r[6]) for r in rows]


def open_conflict(conn: Connection, conflict_id: int) -> Conflict | None:
    row = conn.exec_driver_sql(
        "SELECT id, entity, entity_id, field, mine, theirs, detected_at FROM conflicts "
        "WHERE id = ? AND resolved IS NULL",
        (conflict_id,),
    ).fetchone()
    if row is None:
        return None
    return Conflict(row[0], row[1], row[2], row[3], _loads(row[4]), _loads(row[5]), row[6])


def mark_resolved(conn: Connection, conflict_id: int, keep: str) -> None:
    conn.exec_driver_sql("UPDATE conflicts SET resolved = ? WHERE id = ?", (keep, conflict_id))


# The records a conflict can be about, and the columns a resolution may write.
_TABLES: dict[str, tuple[str, frozenset[str]]] = {
    "customer": ("customers", frozenset(CUSTOMER_COLUMNS)),
    "task": ("tasks", frozenset(TASK_COLUMNS)),
}


def _table(entity: str, field: str | None = None) -> str:
    table, columns = _TABLES.get(entity, ("", frozenset()))
    if not table or (field is not None and (field == "id" or field not in columns)):
        raise ValueError(f"a conflict on {entity}.{field} cannot be resolved this way")
    return table


def record_version(conn: Connection, entity: str, entity_id: str) -> int | None:
    """The version of the customer or task a conflict is about; None when it is gone."""
    row = conn.exec_driver_sql(
        f"SELECT version FROM {_table(entity)} WHERE id = ?",
        (entity_id,),
    ).fetchone()
    return None if row is None else int(row[0])


def write_field(conn: Connection, entity: str, entity_id: str, field: str, value: Any) -> None:
    """Put "my" value of a conflict back into the local record (only a column of
    that record; the caller checks that the field is one the user may edit)."""
    conn.exec_driver_sql(
        f"UPDATE {_table(entity, field)} SET {field} = ? WHERE id = ?",
        (value, entity_id),
    )


# --- returned work --------------------------------------------------------------------


def add_returned(
    conn: Connection,
    mutation_id: int,
    entity: str,
    entity_id: str,
    summary: str,
    payload: str,
    reason: str,
    at: datetime,
) -> None:
    """Keep a mutation's content (`payload`: its fields as queued, JSON text)."""
    conn.exec_driver_sql(
        "INSERT INTO returned_work(mutation_id, entity, entity_id, summary, payload, "
        "returned_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (mutation_id, entity, entity_id, summary, payload, t2s(at), reason),
    )


def returned_work(conn: Connection) -> list[ReturnedWork]:
    rows = conn.exec_driver_sql(
        "SELECT id, entity, entity_id, summary, payload, reason, returned_at "
        "FROM returned_work ORDER BY id"
    ).fetchall()
    return [ReturnedWork(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]


def returned_count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM returned_work").scalar_one())


def counts(conn: Connection) -> tuple[int, int]:
    """Open conflicts and returned work, for the status bar."""
    conflicts, returned = conn.exec_driver_sql(
        "SELECT (SELECT count(*) FROM conflicts WHERE resolved IS NULL), "
        "(SELECT count(*) FROM returned_work)"
    ).one()
    return int(conflicts), int(returned)
