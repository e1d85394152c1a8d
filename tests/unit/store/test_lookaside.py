"""The enlarged lookaside pool: found on our connections, big enough for bulk writes.

`SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL` counts the allocations that found the pool
full and went to the heap, where SQLCipher's memory security locks and wipes each
one. A load through a store connection must not miss; the same load on a connection
with SQLite's default pool does (which is what the enlargement is for).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from local_store import lookaside
from local_store.store import LocalStore

# Only where the pool is not attempted at all (platforms outside lookaside's list) is
# there nothing to test; on a supported platform a missing handle is a failure.
pytestmark = pytest.mark.skipif(
    not lookaside.SUPPORTED,
    reason="the lookaside pool is sized only on Linux and Windows, x86-64 and arm64",
)

ROWS = [(f"C{i:08d}", f"客户{i}", f"kehu{i}", "13800138000", f"note {i} " * 4) for i in range(3000)]


def _load(conn: object) -> None:
    execute = conn.execute  # type: ignore[attr-defined]
    execute("CREATE TABLE IF NOT EXISTS t(a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)")
    execute("CREATE INDEX IF NOT EXISTS t_a ON t(a)")
    # A few more cached statements hold pool slots, as the store's own queries do.
    for i in range(20):
        execute(f"SELECT count(*) FROM t WHERE a > ? AND b != '{i}'", ("x",)).fetchall()
    execute("BEGIN")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ROWS)  # type: ignore[attr-defined]
    execute("COMMIT")


def test_store_connections_have_a_pool_big_enough_for_a_bulk_insert(store: LocalStore) -> None:
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert lookaside.handle(raw) is not None
        _load(raw)
        assert lookaside.misses_when_full(raw) == 0


def test_default_pool_overflows_on_the_same_load(tmp_path: Path, data_key: bytes) -> None:
    raw = sqlcipher.connect(str(tmp_path / "default.db"), isolation_level=None)
    try:
        raw.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        _load(raw)
        misses = lookaside.misses_when_full(raw)
        assert misses is not None
        assert misses > len(ROWS)
    finally:
        raw.close()


def test_only_sqlcipher_connections_are_touched() -> None:
    plain = sqlite3.connect(":memory:")
    try:
        assert lookaside.handle(plain) is None
        assert lookaside.enlarge(plain) is False
        assert lookaside.handle(object()) is None
    finally:
        plain.close()


def test_the_pool_cannot_be_changed_once_in_use(tmp_path: Path) -> None:
    raw = sqlcipher.connect(str(tmp_path / "busy.db"), isolation_level=None)
    try:
        cursor = raw.execute("SELECT 1 UNION ALL SELECT 2")
        cursor.fetchone()  # a statement mid-step holds pool slots
        assert lookaside.enlarge(raw) is False
    finally:
        raw.close()
