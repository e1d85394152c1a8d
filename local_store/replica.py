"""Rows the gateway sends, written into the replica's tables: the SQL behind the sync
client's page applies (`sync.client.apply` checks and shapes the rows; this module
only writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection

from local_store.codec import cols, executemany, marks

# Each replicated table's key: what an upsert of a row it already holds matches on.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "customers": ("id",),
    "holdings": ("id",),
    "snapshots": ("customer_id", "month"),
    "interactions": ("id",),
    "tasks": ("id",),
}
# Interactions are append-only: a row seen again only brings a new version.
APPEND_ONLY: Final[frozenset[str]] = frozenset({"interactions"})


def put_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    insert_only: bool = False,
) -> None:
    """Write `rows` (tuples in `columns` order) into `table`: upserts on the table's key,
    or plain INSERTs when `insert_only` (a snapshot into emptied tables whose unique
    indexes are dropped until the end). SQLAlchemy's IntegrityError when a row breaks
    the local schema's rules."""
    key = KEYS[table]
    sql = f"INSERT INTO {table} ({cols(columns)}) VALUES ({marks(columns)})"
    if not insert_only:
        if table in APPEND_ONLY:
            updates = "version = excluded.version"
        else:
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        sql += f" ON CONFLICT({', '.join(key)}) DO UPDATE SET {updates}"
    executemany(conn, sql, rows)
