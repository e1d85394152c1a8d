"""Sync conflicts and returned work, as the user sees and resolves them.

A conflict is one field two people changed at once; the server kept theirs.
"Keep mine" sends my value again as a new mutation based on the version I now
have (so it applies); "keep theirs" just closes the conflict. Returned work is
unsynced work the server could not take (the customer left my book, or the change
was refused): it stays readable and exportable, never deleted silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from local_store import files, outbox
from rm_desk.domain.errors import ErrorCode, Gone, InvalidInput
from rm_desk.domain.rules import CUSTOMER_EDITABLE, TASK_EDITABLE
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

_EDITABLE = {"customer": CUSTOMER_EDITABLE, "task": TASK_EDITABLE}
_UPDATES: dict[str, type[BaseModel]] = {
    "customer": protocol.CustomerUpdate,
    "task": protocol.TaskUpdate,
}


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


def open_conflicts(session: Session) -> list[Conflict]:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, entity, entity_id, field, mine, theirs, detected_at FROM conflicts "
            "WHERE resolved IS NULL ORDER BY id"
        ).fetchall()
    return [
        Conflict(
            r[0],
            r[1],
            r[2],
            r[3],
            json.loads(r[4]) if r[4] else None,
            json.loads(r[5]) if r[5] else None,
            r[6],
        )
        for r in rows
    ]


def resolve(session: Session, conflict_id: int, keep: str) -> Changes:
    if keep not in ("mine", "theirs"):
        raise ValueError("keep must be 'mine' or 'theirs'")
    now = session.clock()
    with session.store.transaction() as conn:
        row = conn.exec_driver_sql(
            "SELECT entity, entity_id, field, mine FROM conflicts "
            "WHERE id = ? AND resolved IS NULL",
            (conflict_id,),
        ).fetchone()
        if row is None:
            raise Gone(ErrorCode.CONFLICT_ALREADY_RESOLVED)
        entity, entity_id, field, mine_text = row
        if keep == "mine":
            table = {"customer": "customers", "task": "tasks"}.get(entity)
            # The field name came from the server: only known editable columns are used.
            if table is None or field not in _EDITABLE[entity]:
                raise ValueError(f"a conflict on {entity}.{field} cannot be resolved this way")
            current = conn.exec_driver_sql(
                f"SELECT version FROM {table} WHERE id = ?",  # noqa: S608
                (entity_id,),
            ).fetchone()
            if current is None:
                raise Gone(ErrorCode.CONFLICT_RECORD_GONE)
            mine = json.loads(mine_text) if mine_text else None
            fields = payload(_UPDATES[entity], InvalidInput, only_set=True, **{field: mine})
            outbox.enqueue(
                conn,
                f"{entity}.update",
                entity,
                entity_id,
                "update",
                fields,
                base_version=int(current[0]),
                client_time=now,
            )
            if field != "status":
                conn.exec_driver_sql(
                    f"UPDATE {table} SET {field} = ? WHERE id = ?",  # noqa: S608
                    (mine, entity_id),
                )
        conn.exec_driver_sql("UPDATE conflicts SET resolved = ? WHERE id = ?", (keep, conflict_id))
    return Changes(outbox=True, tasks=True, book=True)


def returned_work(session: Session) -> list[ReturnedWork]:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, entity, entity_id, summary, payload, reason, returned_at "
            "FROM returned_work ORDER BY id"
        ).fetchall()
    return [ReturnedWork(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]


def _heading(item: ReturnedWork) -> str:
    return f"{item.summary} — {item.reason}"


def export_returned_text(
    session: Session,
    heading: Callable[[ReturnedWork], str] = _heading,
    label: Callable[[str], str] = str,
) -> str:
    """Returned work as plain text the user can paste elsewhere (never lost); the window
    gives each item's heading in words (what it is and why it came back) and the words
    of a field name (`label`)."""
    lines = []
    for item in returned_work(session):
        lines.append(f"[{item.returned_at}] {heading(item)}")
        for key in ("subject", "note", "title", "detail", "outcome", "next_step"):
            value = item.payload.get(key)
            if isinstance(value, str) and value:
                lines.append(f"  {label(key)}: {value}")
    return "\n".join(lines)


def export_returned(
    session: Session,
    path: Path,
    heading: Callable[[ReturnedWork], str] = _heading,
    label: Callable[[str], str] = str,
) -> None:
    """Write the returned work's text to `path`, readable by its owner only (0600 on
    POSIX; the file is not encrypted). DiskFull when the disk has no room."""
    files.write_private_text(path, export_returned_text(session, heading, label))
