"""Sync conflicts and returned work, as the user sees and resolves them.

A conflict is one field two people changed at once; the server kept theirs.
"Keep mine" sends my value again as a new mutation based on the version I now
have (so it applies); "keep theirs" just closes the conflict. Returned work is
unsynced work the server could not take (the customer left my book, or the change
was refused): it stays readable and exportable, never deleted silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from local_store import conflicts as store
from local_store import files, outbox
from local_store.conflicts import Conflict, ReturnedWork
from rm_desk.domain.errors import ErrorCode, Gone, InvalidInput
from rm_desk.domain.rules import CUSTOMER_EDITABLE, TASK_EDITABLE
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

__all__ = [
    "Conflict",
    "ReturnedWork",
    "export_returned",
    "export_returned_text",
    "open_conflicts",
    "resolve",
    "returned_work",
]

_EDITABLE = {"customer": CUSTOMER_EDITABLE, "task": TASK_EDITABLE}
_UPDATES: dict[str, type[BaseModel]] = {
    "customer": protocol.CustomerUpdate,
    "task": protocol.TaskUpdate,
}


def open_conflicts(session: Session) -> list[Conflict]:
    with session.store.read() as conn:
        return store.open_conflicts(conn)


def resolve(session: Session, conflict_id: int, keep: str) -> Changes:
    if keep not in ("mine", "theirs"):
        raise ValueError("keep must be 'mine' or 'theirs'")
    now = session.clock()
    with session.store.transaction() as conn:
        conflict = store.open_conflict(conn, conflict_id)
        if conflict is None:
            raise Gone(ErrorCode.CONFLICT_ALREADY_RESOLVED)
        entity, entity_id, field = conflict.entity, conflict.entity_id, conflict.field
        if keep == "mine":
            # The field name came from the server: only known editable columns are used.
            if entity not in _EDITABLE or field not in _EDITABLE[entity]:
                raise ValueError(f"a conflict on {entity}.{field} cannot be resolved this way")
            version = store.record_version(conn, entity, entity_id)
            if version is None:
                raise Gone(ErrorCode.CONFLICT_RECORD_GONE)
            fields = payload(
                _UPDATES[entity], InvalidInput, only_set=True, **{field: conflict.mine}
            )
            outbox.enqueue(
                conn,
                f"{entity}.update",
                entity,
                entity_id,
                "update",
                fields,
                base_version=version,
                client_time=now,
            )
            session.audit_edit(conn, entity, entity_id, "update", [field])
            if field != "status":
                store.write_field(conn, entity, entity_id, field, conflict.mine)
        store.mark_resolved(conn, conflict_id, keep)
    return Changes(outbox=True, tasks=True, book=True)


def returned_work(session: Session) -> list[ReturnedWork]:
    with session.store.read() as conn:
        return store.returned_work(conn)


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
