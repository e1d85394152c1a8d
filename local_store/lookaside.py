"""A larger lookaside allocator per connection: what makes memory security affordable.

With `cipher_memory_security=ON`, SQLCipher wraps SQLite's allocator: every
`malloc` is followed by an `mlock` system call and every `free` by an overwrite of
the whole block and an `munlock` (sqlcipher.c, `sqlcipher_mem_malloc/free`). SQLite
serves small, short-lived allocations of a connection from its *lookaside* pool
instead of the heap, but the default pool (40 slots of 1,200 bytes) is taken up by
the prepared statements in the statement cache, so every bound text value
(`sqlite3_bind_text` copies it), every cursor a statement opens and every record it
builds went to the heap: measured with `perf` on a demo load, ~10 `mlock` and 10
`munlock` calls per inserted row, 65 % of them from binding text, 16 % from opening
cursors (README, "Measured figures").

`SQLITE_DBCONFIG_LOOKASIDE` gives each connection a pool big enough for those
allocations. It is only reachable through the C API, so it is called with `ctypes`
on the SQLCipher library inside `sqlcipher3` (the same loaded copy, so the same
allocator). The connection handle is read from the DB-API object (its first field,
as in every pysqlite-derived module) and accepted only if the `sqlite3` structure
it points at starts with the default VFS, as every connection we open does;
anything unexpected leaves the connection as it is (slower, never wrong).

Security: the pool is one allocation of the connection, so under memory security
it is locked like any other and overwritten when the connection closes (lock
disposes every connection). A slot handed back to the pool is not overwritten until
reused or closed, exactly as for SQLite's default pool, and like the page cache,
which holds far more plaintext for the life of the connection.
"""

from __future__ import annotations

import ctypes
import platform
import sys
from typing import Any

SLOT_BYTES = 1200  # SQLite's default slot size: bound values, cursors, small records
SLOTS = 1024  # measured: 1,000 slots remove the per-row heap traffic; 4,000 add nothing

_SQLITE_OK = 0
_SQLITE_DBCONFIG_LOOKASIDE = 1001
_SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL = 6

# Variadic C calls through ctypes pass ints and pointers in the ordinary way on these
# ABIs (not on Apple arm64, where variadic arguments go on the stack).
SUPPORTED = (sys.platform.startswith("linux") or sys.platform == "win32") and (
    platform.machine().lower() in ("x86_64", "amd64", "aarch64", "arm64")
)
SUPPORTED = SUPPORTED and not (sys.platform == "win32" and "arm" in platform.machine().lower())


def _library() -> ctypes.CDLL | None:
    if not SUPPORTED:
        return None
    try:
        import sqlcipher3._sqlite3 as native  # noqa: PLC0415

        lib = ctypes.CDLL(native.__file__)
        lib.sqlite3_vfs_find.restype = ctypes.c_void_p
        lib.sqlite3_vfs_find.argtypes = [ctypes.c_char_p]
        lib.sqlite3_db_config.restype = ctypes.c_int
        lib.sqlite3_db_status.restype = ctypes.c_int
        lib.sqlite3_db_status.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
    except (OSError, AttributeError, ImportError):
        return None
    return lib


_LIB = _library()


def handle(conn: Any) -> int | None:
    """The `sqlite3 *` of a sqlcipher3 connection, or None if it cannot be trusted."""
    if _LIB is None or type(conn).__module__.split(".")[0] != "sqlcipher3":
        return None
    pointer = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    vfs = _LIB.sqlite3_vfs_find(None)
    if not pointer or not vfs:
        return None
    # struct sqlite3 starts with `sqlite3_vfs *pVfs`; a Python object never holds the
    # address of SQLite's default VFS in its first word.
    if ctypes.c_void_p.from_address(pointer).value != vfs:
        return None
    return int(pointer)


def enlarge(conn: Any, slot_bytes: int = SLOT_BYTES, slots: int = SLOTS) -> bool:
    """Give a freshly opened connection a lookaside pool of `slots` x `slot_bytes`.

    Must run before the connection's first statement (SQLite refuses while any
    lookaside slot is in use). Returns whether the pool was installed."""
    db = handle(conn)
    if db is None or _LIB is None:
        return False
    rc = _LIB.sqlite3_db_config(
        ctypes.c_void_p(db),
        ctypes.c_int(_SQLITE_DBCONFIG_LOOKASIDE),
        ctypes.c_void_p(None),
        ctypes.c_int(slot_bytes),
        ctypes.c_int(slots),
    )
    return int(rc) == _SQLITE_OK


def misses_when_full(conn: Any) -> int | None:
    """How many allocations of this connection found the lookaside pool full
    (`SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL`); None if it cannot be read."""
    db = handle(conn)
    if db is None or _LIB is None:
        return None
    current, highest = ctypes.c_int(0), ctypes.c_int(0)
    rc = _LIB.sqlite3_db_status(
        ctypes.c_void_p(db),
        _SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL,
        ctypes.byref(current),
        ctypes.byref(highest),
        0,
    )
    return int(highest.value) if rc == _SQLITE_OK else None
