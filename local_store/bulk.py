"""Bulk loading: the demo bank and first-sync snapshots, fast.

Secondary indexes are dropped first and rebuilt once at the end, together with the
search index and the book's activity columns; each chunk is one transaction of
`executemany` inserts. A crash mid-load leaves a mark that the next open finishes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from local_store import codec
from local_store.book import pks_for
from local_store.codec import cols, executemany, marks
from local_store.engine import CACHE_KIB
from local_store.errors import StoreError
from local_store.store import LocalStore, analyze
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import (
    BankChunk,
)

BULK_CACHE_KIB = 256 * 1024


class BulkDataError(StoreError):
    def __init__(self, count: int) -> None:
        super().__init__(ErrorCode.BULK_UNKNOWN_CUSTOMERS, count=count)


@dataclass
class LoadCounts:
    customers: int = 0
    holdings: int = 0
    snapshots: int = 0
    interactions: int = 0
    tasks: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.customers + self.holdings + self.snapshots + self.interactions + self.tasks


def _upsert(table: str, columns: Sequence[str], key: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key.split(", "))
    return (
        f"INSERT INTO {table} ({cols(columns)}) VALUES ({marks(columns)}) "
        f"ON CONFLICT({key}) DO UPDATE SET {updates}"
    )


_CUSTOMERS = _upsert("customers", codec.CUSTOMER_COLUMNS, "id")
_HOLDINGS = _upsert("holdings", codec.HOLDING_COLUMNS, "id")
_SNAPSHOTS = _upsert("snapshots", codec.SNAPSHOT_COLUMNS, "customer_id, month")
_INTERACTIONS = (
    f"INSERT INTO interactions ({cols(codec.INTERACTION_COLUMNS)}) "
    f"VALUES ({marks(codec.INTERACTION_COLUMNS)}) ON CONFLICT(id) DO NOTHING"
)
_TASKS = _upsert("tasks", codec.TASK_COLUMNS, "id")
_UPSERTS = (_HOLDINGS, _SNAPSHOTS, _INTERACTIONS, _TASKS)
# Into empty tables whose unique indexes are dropped: no ON CONFLICT (it needs them).
_INSERTS = tuple(
    f"INSERT INTO {t} ({cols(c)}) VALUES ({marks(c)})"
    for t, c in (
        ("holdings", codec.HOLDING_COLUMNS),
        ("snapshots", codec.SNAPSHOT_COLUMNS),
        ("interactions", codec.INTERACTION_COLUMNS),
        ("tasks", codec.TASK_COLUMNS),
    )
)


def _empty(conn: Connection) -> bool:
    tables = ("holdings", "snapshots", "interactions", "tasks")
    return not any(conn.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off during a bulk load (the demo bank, a
    first sync's snapshot) and its end.

    Loading makes millions of short-lived lists, tuples and records; every 700
    allocations the collector ran and walked the rows still held, and the survivors
    kept triggering full collections: 9-10 s of a 90 s first sync of 100,000
    customers (4M rows), 5 s of the 75 s demo load. Reference counting still frees
    every page or chunk as soon as it is written; cycles made meanwhile wait for the
    collector, which is switched back on at the end (peak memory measured the same).
    Not nested with itself: one bulk load runs at a time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bulk_load(
    store: LocalStore,
    chunks: Iterable[BankChunk],
    progress: Callable[[LoadCounts], None] | None = None,
) -> LoadCounts:
    counts = LoadCounts()
    with store.transaction() as conn:
        store.restore_secondary_indexes(conn)  # finish a failed earlier load first
        fresh = _empty(conn)
        store.drop_secondary_indexes(conn, unique=fresh)
    with collector_paused():
        with store.bulk_connection() as bulk:
            _load_chunks(bulk, chunks, counts, progress, _INSERTS if fresh else _UPSERTS)
        with store.transaction() as conn:
            store.restore_secondary_indexes(conn)
            analyze(conn)
    return counts


def _check_parents(conn: Connection, chunk: BankChunk) -> None:
    """Foreign keys are off during the load: refuse a chunk whose rows point at
    customers that are neither in it nor already stored (nothing of it is written)."""
    own = {c.id for c in chunk.customers}
    referenced = {
        row.customer_id
        for rows in (chunk.holdings, chunk.snapshots, chunk.interactions, chunk.tasks)
        for row in rows
    }
    outside = sorted(referenced - own)
    missing = sorted(set(outside) - set(pks_for(conn, outside))) if outside else []
    if missing:
        raise BulkDataError(len(missing))


def _load_chunks(
    bulk: Connection,
    chunks: Iterable[BankChunk],
    counts: LoadCounts,
    progress: Callable[[LoadCounts], None] | None,
    statements: Sequence[str],
) -> None:
    # A bigger page cache during the load only: B-tree inserts stay in memory.
    raw = bulk.connection.driver_connection
    assert raw is not None  # noqa: S101
    raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    for chunk in chunks:
        with bulk.begin():
            conn = bulk
            _check_parents(conn, chunk)
            executemany(conn, _CUSTOMERS, [codec.customer_row(c) for c in chunk.customers])
            pks = pks_for(conn, [c.id for c in chunk.customers])
            executemany(
                conn,
                "DELETE FROM customer_tags WHERE customer_pk = ?",
                [(pk,) for pk in pks.values()],
            )
            executemany(
                conn,
                "INSERT OR IGNORE INTO customer_tags(tag, customer_pk) VALUES (?, ?)",
                [(tag, pks[c.id]) for c in chunk.customers for tag in c.tags],
            )
            holdings, snapshots, interactions, tasks = statements
            executemany(conn, holdings, [codec.holding_row(h) for h in chunk.holdings])
            executemany(conn, snapshots, [codec.snapshot_row(s) for s in chunk.snapshots])
            executemany(conn, interactions, [codec.interaction_row(i) for i in chunk.interactions])
            executemany(conn, tasks, [codec.task_row(t) for t in chunk.tasks])
        counts.customers += len(chunk.customers)
        counts.holdings += len(chunk.holdings)
        counts.snapshots += len(chunk.snapshots)
        counts.interactions += len(chunk.interactions)
        counts.tasks += len(chunk.tasks)
        if progress is not None:
            progress(counts)
    raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
