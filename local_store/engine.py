"""The SQLCipher engine: opens one encrypted database with a raw 256-bit key.

The key is applied by a connect hook on every new connection, as the first
statement, from a buffer the store can zero on lock. It is never part of a URL (so
SQLAlchemy never logs it) and never reaches an exception: statements that carry it
run on the raw DB-API connection inside a try block that re-raises without context.
Each connection is checked for the PRAGMAs the security model depends on.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from local_store import files, lookaside
from local_store.errors import (
    DatabaseUnreadable,
    DiskFull,
    EnvironmentProblem,
    StoreDamaged,
    StoreError,
)
from rm_desk.domain.errors import ErrorCode

_HEX_KEY = re.compile(r"[0-9a-f]{64}")

CACHE_KIB = 32 * 1024  # page cache per connection
PAGE_SIZE = 4096  # SQLCipher 4's default page size, which every store uses

# PRAGMA name -> the value every connection must report. `cipher_memory_security`
# is added when the machine policy turns SQLCipher's memory wiping on (see
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
            raise EnvironmentProblem(ErrorCode.STORE_LOCKED)
        value = self._key.hex()
        if not _HEX_KEY.fullmatch(value):  # defence in depth: only hex reaches the PRAGMA
            raise ValueError("malformed key")
        return value

    def wipe(self) -> None:
        for i in range(len(self._key)):
            self._key[i] = 0

    def __repr__(self) -> str:
        return "KeyBuffer(<hidden>)"


# SQLite's primary result codes (sqlite3.h); extended codes carry them in the low byte.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

# An I/O error with less room than this on the database's disk is taken for a full disk:
# SQLite reports a full disk as SQLITE_IOERR when growing the -shm file fails.
LOW_SPACE_BYTES = 1024 * 1024


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of a driver error (`sqlite_errorcode`, as
    qutebrowser's sql.py reads it); None when the error carries none (not SQLite's).
    Never the message text: it changes between versions and builds."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _low_on_space(path: Path) -> bool:
    for folder in (path.parent, *path.parents):
        try:
            return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
        except OSError:
            continue
    return False


def translate_error(path: Path, exc: BaseException, *, keying: bool = False) -> StoreError | None:
    """The sentence for an SQLite failure the user can act on, or None (a bug: re-raise).

    The one place database errors are classified. A full disk (SQLITE_FULL, or an I/O
    error with the disk out of room) is `DiskFull`, never damage or a key mismatch; an
    I/O, read-only, busy or open failure is an `EnvironmentProblem`; only SQLITE_NOTADB
    and SQLITE_CORRUPT say the file cannot be read. `keying`: the error came from the
    first read after `PRAGMA key`, where NOTADB is also what a key that does not fit
    gives."""
    if isinstance(exc, OSError) and files.is_disk_full(exc):
        return DiskFull(path)
    code = primary_code(exc)
    if code == SQLITE_FULL or (code == SQLITE_IOERR and _low_on_space(path)):
        return DiskFull(path)
    if code == SQLITE_IOERR:
        return EnvironmentProblem(ErrorCode.DISK_IO_ERROR, path=path)
    if code == SQLITE_READONLY:
        return EnvironmentProblem(ErrorCode.DATABASE_READ_ONLY, path=path)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return EnvironmentProblem(ErrorCode.DATABASE_BUSY, path=path)
    if code == SQLITE_CANTOPEN:
        return EnvironmentProblem(ErrorCode.DATABASE_CANNOT_OPEN, path=path)
    if code == SQLITE_NOMEM:
        return EnvironmentProblem(ErrorCode.OUT_OF_MEMORY)
    if code == SQLITE_NOTADB:
        detail = (
            "it is not an RM Desk database, it is damaged, or the key does not fit"
            if keying
            else "the file is damaged"
        )
        return DatabaseUnreadable(path, detail)
    if code == SQLITE_CORRUPT:
        return DatabaseUnreadable(path, "the file is damaged")
    return None


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
    path: Path, key: KeyBuffer, *, memory_security: bool = False
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
    path: Path, key: KeyBuffer, *, structure: bool = True, memory_security: bool = False
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
    conn: sqlcipher.Connection, key: KeyBuffer, path: Path, memory_security: bool = False
) -> None:
    try:
        # SQLCipher logs failed HMAC checks to stderr; the user gets our sentence instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if memory_security:
            conn.execute("PRAGMA cipher_memory_security = ON")
        # The first read decrypts page 1: a wrong key or a foreign file fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        conn.close()
        translated = translate_error(path, exc, keying=True)
        if translated is not None and not isinstance(translated, DatabaseUnreadable):
            raise translated from None  # a full disk, a read-only or busy file: not damage
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
    conn: sqlcipher.Connection, path: Path, memory_security: bool = False
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


def required_pragmas(memory_security: bool = False) -> dict[str, Any]:
    required = dict(REQUIRED_PRAGMAS)
    if memory_security:
        required["cipher_memory_security"] = 1
    return required


def check_pragmas(conn: Any, path: Path, *, memory_security: bool = False) -> None:
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


def connect(path: Path, key: KeyBuffer, memory_security: bool = False) -> sqlcipher.Connection:
    """One raw, keyed and checked DB-API connection (autocommit; we issue BEGIN)."""
    try:
        conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher.OperationalError as exc:
        translated = translate_error(path, exc)
        if translated is not None:
            raise translated from None
        raise EnvironmentProblem(
            ErrorCode.DATABASE_CANNOT_OPEN, path=path, detail=str(exc)
        ) from None
    # Before the first statement: small allocations stay out of SQLCipher's
    # lock-and-wipe allocator (see local_store/lookaside.py for why and the cost).
    lookaside.enlarge(conn)
    _apply_key(conn, key, path, memory_security)
    try:
        _set_and_check_pragmas(conn, path, memory_security)
    except sqlcipher.DatabaseError as exc:
        conn.close()
        translated = translate_error(path, exc)
        if translated is None:
            raise
        raise translated from None
    except BaseException:
        conn.close()
        raise
    return conn


# Execution option of a connection whose transactions only read (`LocalStore.read`).
READ_ONLY = "rm_desk_read_only"


def prepare_files(path: Path) -> None:
    """Make the database's folder 0700 and its files 0600 (local_store/files.py).

    The database file is created empty (SQLite's name for a new database) with mode
    0600 before SQLite opens it, because SQLite gives the -wal and -shm files the
    database file's mode; files left with looser modes are tightened."""
    try:
        files.private_dir(path.parent)
        files.touch_private(path)
    except OSError as exc:
        if files.is_disk_full(exc):
            raise DiskFull(path) from None
        raise EnvironmentProblem(
            ErrorCode.DATABASE_CANNOT_CREATE, path=path, detail=str(exc.strerror or exc)
        ) from None
    for suffix in ("-wal", "-shm", "-journal"):
        files.make_private(path.with_name(path.name + suffix))


def open_engine(
    path: Path, key: KeyBuffer, *, pool_size: int = 3, memory_security: bool = False
) -> Engine:
    """An SQLAlchemy engine over the encrypted file at `path`.

    `memory_security` (policy `memory_security`, default off as in SQLCipher since
    4.5.0) turns on SQLCipher's wiping of every allocation SQLite frees, on every
    connection (each one is checked for it). It is process-wide and cannot be turned
    off again once on; it costs speed on every database operation (see the README's
    figures). SQLCipher keeps its own key material in a locked, wiped heap either way."""
    prepare_files(path)
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
    # Every transaction but a declared read takes the write lock at BEGIN (IMMEDIATE):
    # in WAL mode a DEFERRED transaction that reads and then writes fails at once with
    # SQLITE_BUSY_SNAPSHOT when another connection committed in between (the busy
    # timeout cannot help it), while BEGIN IMMEDIATE waits for the other writer, be it
    # this process or another (the app and `rm-desk note add`).
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
