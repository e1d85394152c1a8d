"""Damaging an encrypted store the way a failing disk does: flipped bytes in a page.

The pages to damage are found through the store itself (a table's root page from
`sqlite_master`), never guessed from offsets."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

PAGE = 4096


def connect(path: Path, key: bytes | bytearray) -> sqlcipher.Connection:
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
    return conn


def root_page(path: Path, key: bytes | bytearray, table: str) -> int:
    """The page holding `table`'s B-tree root (the store must be closed cleanly)."""
    conn = connect(path, key)
    try:
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    finally:
        conn.close()
    assert row is not None, table
    assert int(row[0]) > 1, table
    return int(row[0])


def flip(path: Path, page: int, offset: int = 1000) -> None:
    """Invert one byte inside the encrypted body of `page` (1-based)."""
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE + offset] ^= 0xFF
    path.write_bytes(bytes(data))


def unreadable_ids(path: Path, key: bytes | bytearray, ids: range) -> list[int]:
    """The outbox ids whose single-row look-up fails (a fresh connection after each
    failure: SQLCipher refuses further work on a connection that met a bad page)."""
    bad: list[int] = []
    conn = connect(path, key)
    try:
        for mutation_id in ids:
            try:
                conn.execute(
                    "SELECT fields FROM outbox WHERE mutation_id = ?", (mutation_id,)
                ).fetchone()
            except sqlcipher.DatabaseError:
                bad.append(mutation_id)
                conn.close()
                conn = connect(path, key)
    finally:
        conn.close()
    return bad


def outbox_leaf(path: Path, key: bytes | bytearray, ids: range) -> tuple[int, list[int]]:
    """A page holding some but not all of the outbox rows `ids` (a leaf, not the root),
    and the ids it holds: found by damaging each candidate page of a copy in turn."""
    original = path.read_bytes()
    root = root_page(path, key, "outbox")
    probe = path.with_name("probe.db")
    try:
        for page in range(len(original) // PAGE, 1, -1):
            if page == root:
                continue
            probe.write_bytes(original)
            flip(probe, page)
            bad = unreadable_ids(probe, key, ids)
            if bad and len(bad) < len(ids) and bad[0] > ids[0] and bad[-1] < ids[-1]:
                return page, bad
    finally:
        for suffix in ("", "-wal", "-shm"):
            probe.with_name(probe.name + suffix).unlink(missing_ok=True)
    raise AssertionError("no outbox leaf page in the middle of the ids")
