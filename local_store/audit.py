"""The local audit log: sign-ins, unlocks, views, reveals, exports, prints and edits,
hash-chained.

Each entry's hash covers the previous entry's hash and its own canonical JSON, so
removing or editing an entry breaks the chain at that point (`verify`). The rule is
`rm_desk.domain.audit_chain`, which the gateway applies to the uploaded copy too.

Upload (`sync.client.engine`): the entries after `uploaded_seq` go to the gateway in
pages; `mark_uploaded` records what it acknowledged (the meta value and each entry's
`uploaded` flag), in the transaction that handles the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from local_store.codec import t2s
from local_store.syncstate import meta_get, meta_put
from rm_desk.domain.audit_chain import GENESIS, Link, detail_text, digest

__all__ = ["GENESIS", "AuditEntry", "append", "entries", "links_after", "verify"]

META_UPLOADED = "audit_uploaded_seq"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str  # view | reveal | export | print | edit | sign_in | unlock | lock ...
    entity: str
    entity_id: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


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
    detail_json = detail_text(detail)
    hashed = digest(prev, when, actor, action, entity, entity_id, detail_json)
    result = conn.exec_driver_sql(
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        (when, actor, action, entity, entity_id, detail_json, prev, hashed),
    ).fetchone()
    assert result is not None  # noqa: S101
    return AuditEntry(
        int(result[0]), when, actor, action, entity, entity_id, detail or {}, prev, hashed
    )


_COLUMNS = "seq, at, actor, action, entity, entity_id, detail, prev_hash, hash"


def entries(conn: Connection, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
    rows = conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows
    ]


def links_after(conn: Connection, after: int, limit: int) -> list[Link]:
    """Stored entries after seq `after`, as the chain holds them (detail as its text)."""
    rows = conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [Link(int(r[0]), *(str(v) for v in r[1:])) for r in rows]


def verify(conn: Connection) -> int | None:
    """The seq of the first entry that breaks the chain, or None if it is whole."""
    prev = GENESIS
    for r in conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq"):
        if r[7] != prev or digest(prev, r[1], r[2], r[3], r[4], r[5], r[6]) != r[8]:
            return int(r[0])
        prev = r[8]
    return None


def restore(conn: Connection, links: list[Link], uploaded: int) -> None:
    """Put a salvaged chain (`local_store.salvage`) into an empty audit log, as it was:
    same seq numbers and hashes, `uploaded` of them acknowledged by the gateway."""
    if not links:
        return
    conn.exec_driver_sql(
        f"INSERT INTO audit_log({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(lk.seq, lk.at, lk.actor, lk.action, lk.entity, lk.entity_id, lk.detail,
          lk.prev_hash, lk.hash) for lk in links],
    )  # fmt: skip
    mark_uploaded(conn, uploaded)


def uploaded_seq(conn: Connection) -> int:
    """The last entry the gateway acknowledged (0: none yet)."""
    return int(meta_get(conn, META_UPLOADED) or 0)


def mark_uploaded(conn: Connection, seq: int) -> None:
    """The gateway holds every entry up to `seq` (it may say less than before: a
    gateway restored from a backup; the entries after it are sent again)."""
    before = uploaded_seq(conn)
    if seq > before:
        conn.exec_driver_sql(
            "UPDATE audit_log SET uploaded = 1 WHERE seq > ? AND seq <= ?", (before, seq)
        )
    elif seq < before:
        conn.exec_driver_sql("UPDATE audit_log SET uploaded = 0 WHERE seq > ?", (seq,))
    meta_put(conn, META_UPLOADED, str(seq))
