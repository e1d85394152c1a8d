"""Where the client keeps its place in the server's change stream: the pull cursor,
the scope epoch and the small key/value `meta` table (device id, tokens, the
snapshot's resume token).

The pull cursor is saved here and nowhere else: `save_pull_cursor` after a delta
page and `save_snapshot_cursor` after a snapshot. Both are called inside the
transaction that applies the page (ARCHITECTURE §4), on the store's one writer, so
a page and its cursor are committed together or not at all. The mutation counters
of the same `sync_state` row belong to the outbox (`local_store.outbox`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from local_store.codec import t2s

# --- the pull cursor ------------------------------------------------------------------


def load_cursor(conn: Connection) -> str | None:
    """The cursor of the last page applied; None before the first sync (or after a
    reset), which makes the next sync start with a snapshot."""
    row = conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE id = 1").fetchone()
    if row is None:
        raise LookupError("sync state missing: the store was not initialised")
    return None if row[0] is None else str(row[0])


def save_pull_cursor(conn: Connection, cursor: str, scope_epoch: int, at: datetime) -> None:
    """Record a delta page as applied: its cursor and scope epoch, the time of this
    sync, and no error. Must run in the transaction that applied the page."""
    conn.exec_driver_sql(
        "UPDATE sync_state SET cursor = ?, scope_epoch = ?, last_sync_at = ?, "
        "last_error = NULL WHERE id = 1",
        (cursor, scope_epoch, t2s(at)),
    )


def save_snapshot_cursor(conn: Connection, cursor: str, at: datetime) -> None:
    """Record a finished snapshot: pulls go on from its cursor. Must run in the
    transaction that ends the snapshot."""
    conn.exec_driver_sql(
        "UPDATE sync_state SET cursor = ?, last_sync_at = ?, last_error = NULL WHERE id = 1",
        (cursor, t2s(at)),
    )


# --- meta -----------------------------------------------------------------------------


def meta_get(conn: Connection, key: str) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def meta_put(conn: Connection, key: str, value: str | None) -> None:
    """Set a meta value; None removes the key."""
    if value is None:
        conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (key,))
    else:
        conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
            "DO UPDATE SET value = excluded.value",
            (key, value),
        )
