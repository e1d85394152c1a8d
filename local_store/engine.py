"""The SQLCipher engine: opens one encrypted database with a raw 256-bit key.

The key is applied by a connect hook on every new connection, as the first
statement, from a buffer the store can zero on lock. It is never part of a URL (so
SQLAlchemy never logs it) and never reaches an exception: statements that carry it
run on the raw DB-API connection inside a try block that re-raises without context.
Each connection is checked for the PRAGMAs the security model depends on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from local_store import lookaside
from local_store.errors import DatabaseUnreadable, EnvironmentProblem, StoreDamaged

_HEX_KEY = re.compile(r"[0-9a-f]{64}")

CACHE_KIB = 32 * 1024  # page cache per connection
PAGE_SIZE = 4096  # SQLCipher 4's default page size, which every store uses

# PRAGMA name -> the value every connection must report. `cipher_memory_security`
# is added unless the machine policy turns SQLCipher's memory wiping off (see
# `open_engine`).
REQUIRED_PRAGMAS: dict[str, Any] = {
    "temp_store": 2,  # MEMORY: no plaintext temp files
    "foreign_keys": 1,
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: a committed note survives power loss
}


class KeyBuffer:
    """Holds the data key; `wipe()` zeroes it so later connects fail closed.

    `verified`: the key came out of the profile's AES-GCM unwrap (or was just made for
    a new store), so it is the right key: a file it cannot read is damaged, not locked
    with another key."""

    __slots__ = ("_key", "verified")

    def __init__(self, key: bytes | bytearray, *, verified: bool = False) -> None:
        if len(key) != 32:
            raise ValueError("a data key is 32 bytes")
        self._key = bytearray(key)
        self.verified = verified

    def hex(self) -> str:
        if not any(self._key):
            raise EnvironmentProblem("The profile is locked.")
        value = self._key.hex()
        if not _HEX_KEY.fullmatch(value):  # defence in depth: only hex reaches the PRAGMA
            raise ValueError("malformed key")
        return value

    def wipe(self) -> None:
        for i in range(len(self._key)):
            self._key[i] = 0

    def __repr__(self) -> str:
        return "KeyBuffer(<hidden>)"


def _key_connection(path: Path, key: KeyBuffer, memory_security: bool) -> sqlcipher.Connection:
    conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        # SQLCipher logs failed HMAC checks to stderr; the user gets our sentence instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if memory_security:
            conn.execute("PRAGMA cipher_memory_security = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def raw_connection(
    path: Path, key: KeyBuffer, *, memory_security: bool = True
) -> sqlcipher.Connection:
    """A keyed connection with no checks and no PRAGMAs: for integrity checks and for
    salvaging rows out of a damaged file (it must not write, and nothing must fail
    before the pages are read)."""
    try:
        return _key_connection(path, key, memory_security)
    except sqlcipher.DatabaseError:
        raise DatabaseUnreadable(path, "it cannot be opened") from None


@dataclass(frozen=True, slots=True)
class Integrity:
    """What the checks found: pages whose HMAC fails, and SQLite's structure check."""

    pages: int
    hmac_failures: list[int]
    structure: list[str]

    @property
    def ok(self) -> bool:
        return not self.hmac_failures and not self.structure

    @property
    def nothing_decrypts(self) -> bool:
        """Every page fails: a key that does not fit, a foreign or an overwritten file."""
        return self.pages > 0 and len(self.hmac_failures) >= self.pages

    def summary(self) -> str:
        parts = []
        if self.hmac_failures:
            pages = self.hmac_failures
            shown = ", ".join(str(p) for p in pages[:5]) + (", ..." if len(pages) > 5 else "")
            parts.append(f"{len(pages)} of {self.pages} page(s) fail their check: {shown}")
        if self.structure:
            parts.append(f"structure check: {self.structure[0]}")
        return "; ".join(parts) or "no damage found"


_HMAC_PAGE = re.compile(r"page (\d+)")


def check_integrity(
    path: Path, key: KeyBuffer, *, structure: bool = True, memory_security: bool = True
) -> Integrity:
    """SQLCipher's `cipher_integrity_check` (the HMAC of every page) and, unless no page
    decrypts, SQLite's `quick_check`. Each on its own connection: after an HMAC failure
    SQLCipher refuses further work on the connection that met it."""
    pages = path.stat().st_size // PAGE_SIZE if path.exists() else 0
    failures: list[int] = []
    conn = raw_connection(path, key, memory_security=memory_security)
    try:
        for (line,) in conn.execute("PRAGMA cipher_integrity_check").fetchall():
            found = _HMAC_PAGE.search(str(line))
            failures.append(int(found.group(1)) if found else 0)
    except sqlcipher.DatabaseError:
        failures.append(0)
    finally:
        conn.close()
    problems: list[str] = []
    if structure and (pages == 0 or len(failures) < pages):
        conn = raw_connection(path, key, memory_security=memory_security)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            problems = [str(r[0]) for r in rows if str(r[0]).lower() != "ok"]
        except sqlcipher.DatabaseError as exc:
            problems = [str(exc)]
        finally:
            conn.close()
    return Integrity(pages, sorted(set(failures)), problems)


def _apply_key(
    conn: sqlcipher.Connection, key: KeyBuffer, path: Path, memory_security: bool = True
) -> None:
    try:
        # SQLCipher logs failed HMAC checks to stderr; the user gets our sentence instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if memory_security:
            conn.execute("PRAGMA cipher_memory_security = ON")
        # The first read decrypts page 1: a wrong key or a foreign file fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        conn.close()
        raise _unreadable(path, key, memory_security) from None


def _unreadable(path: Path, key: KeyBuffer, memory_security: bool) -> DatabaseUnreadable:
    """Page 1 does not decrypt: a wrong key and a damaged first page look alike there.
    The HMAC of every page tells them apart (a wrong key fails them all); a verified
    key leaves only damage."""
    try:
        found = check_integrity(path, key, structure=False, memory_security=memory_security)
    except DatabaseUnreadable:
        found = Integrity(0, [0], [])
    if key.verified:
        if found.nothing_decrypts:
            return StoreDamaged(path, "no page decrypts: its header is damaged or it was replaced")
        return StoreDamaged(path, found.summary())
    if found.hmac_failures and not found.nothing_decrypts:
        return StoreDamaged(path, found.summary())
    return DatabaseUnreadable(
        path, "it is not an RM Desk database, it is damaged, or the key does not fit"
    )


def _set_and_check_pragmas(
    conn: sqlcipher.Connection, path: Path, memory_security: bool = True
) -> None:
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute(f"PRAGMA cache_size = -{int(CACHE_KIB)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode is None or str(mode[0]).lower() != "wal":
        raise DatabaseUnreadable(path, "it cannot be switched to write-ahead logging")
    check_pragmas(conn, path, memory_security=memory_security)


def required_pragmas(memory_security: bool = True) -> dict[str, Any]:
    required = dict(REQUIRED_PRAGMAS)
    if memory_security:
        required["cipher_memory_security"] = 1
    return required


def check_pragmas(conn: Any, path: Path, *, memory_security: bool = True) -> None:
    """Raise unless the connection reports every required PRAGMA value."""
    for name, expected in required_pragmas(memory_security).items():
        row = conn.execute(f"PRAGMA {name}").fetchone()
        value = row[0] if row is not None else None
        if isinstance(expected, str):
            value = str(value).lower()
        else:
            value = int(value) if value is not None else None
        if value != expected:
            raise DatabaseUnreadable(path, f"PRAGMA {name} is {value!r}, expected {expected!r}")


def connect(path: Path, key: KeyBuffer, memory_security: bool = True) -> sqlcipher.Connection:
    """One raw, keyed and checked DB-API connection (autocommit; we issue BEGIN)."""
    try:
        conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher.OperationalError as exc:
        raise EnvironmentProblem(f"The database {path} cannot be opened: {exc}.") from None
    # Before the first statement: small allocations stay out of SQLCipher's
    # lock-and-wipe allocator (see local_store/lookaside.py for why and the cost).
    lookaside.enlarge(conn)
    _apply_key(conn, key, path, memory_security)
    try:
        _set_and_check_pragmas(conn, path, memory_security)
    except BaseException:
        conn.close()
        raise
    return conn


def open_engine(
    path: Path, key: KeyBuffer, *, pool_size: int = 3, memory_security: bool = True
) -> Engine:
    """An SQLAlchemy engine over the encrypted file at `path`.

    `memory_security` (policy, default on) turns on SQLCipher's wiping and locking of
    every allocation. It is process-wide and cannot be turned off again once on; it
    costs about 4x on every database operation (see the README's figures)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher,
        creator=lambda: connect(path, key, memory_security),
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=2,
        pool_pre_ping=False,
        pool_use_lifo=True,  # one thread reuses one connection and its warm cache
        hide_parameters=True,  # SQL errors must never carry customer data into logs
    )

    # pysqlite's implicit transactions are off (isolation_level=None); SQLAlchemy's
    # begin emits a real BEGIN so SAVEPOINTs and rollbacks behave (SQLAlchemy docs,
    # "Serializable isolation / Savepoints / Transactional DDL" for pysqlite).
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine
