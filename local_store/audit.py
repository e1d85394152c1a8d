"""The local audit log: views, reveals, exports, prints and edits, hash-chained.

Each entry's hash covers the previous entry's hash and its own canonical JSON, so
removing or editing an entry breaks the chain at that point (`verify`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from local_store.codec import t2s

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str  # view | reveal | export | print | edit | login | lock ...
    entity: str
    entity_id: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _digest(
    prev_hash: str, at: str, actor: str, action: str, entity: str, entity_id: str, detail: str
) -> str:
    body = json.dumps(
        [prev_hash, at, actor, action, entity, entity_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    row = conn.exec_driver_sql("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    when = t2s(at) or ""
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    digest = _digest(prev, when, actor, action, entity, entity_id, detail_json)
    result = conn.exec_driver_sql(
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        (when, actor, action, entity, entity_id, detail_json, prev, digest),
    ).fetchone()
    assert result is not None  # noqa: S101
    return AuditEntry(
        int(result[0]), when, actor, action, entity, entity_id, detail or {}, prev, digest
    )


def entries(conn: Connection, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
    rows = conn.exec_driver_sql(
        "SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash, hash "
        "FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows
    ]


def verify(conn: Connection) -> int | None:
    """The seq of the first entry that breaks the chain, or None if it is whole."""
    prev = GENESIS
    for r in conn.exec_driver_sql(
        "SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    ):
        if r[7] != prev or _digest(prev, r[1], r[2], r[3], r[4], r[5], r[6]) != r[8]:
            return int(r[0])
        prev = r[8]
    return None
