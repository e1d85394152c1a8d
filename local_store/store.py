"""One open, unlocked profile database: the engine, migrations and transactions.

`LocalStore.open` applies the key, checks the PRAGMAs, migrates and finishes any
bulk load a crash interrupted (a resumable one, the first-sync snapshot, only gets its
unique keys back: it finishes when it resumes). `close` (lock) disposes every pooled connection and
zeroes the key buffer, so nothing can reopen the database without the password.
Database errors that the user can act on (disk full, damaged file) are turned into
`StoreError`s with a sentence; everything else propagates as a bug.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from local_store import migrations, outbox
from local_store.engine import (
    CACHE_KIB,
    READ_ONLY,
    SQLITE_NOMEM,
    SQLITE_READONLY,
    Integrity,
    KeyBuffer,
    check_integrity,
    check_pragmas,
    open_engine,
    primary_code,
    raw_connection,
    translate_error,
)
from local_store.errors import (
    DatabaseUnreadable,
    DiskFull,
    EnvironmentProblem,
    StoreDamaged,
    StoreLocked,
)
from rm_desk.domain.ids import uuid7

_T = TypeVar("_T")


class Writer(Protocol):
    """Runs a job on a session's one database thread and returns its result (the
    window's database executor; see `LocalStore.use_writer`)."""

    def __call__(self, job: Callable[[], _T], /) -> _T: ...


class NotTheWriter(RuntimeError):
    """A write was attempted off the store's writer thread: a programming error (the
    code must use `LocalStore.write` / `on_writer`), never a user's problem."""


BULK_MARK = "bulk_indexes"
# Set with the mark by a load that resumes after a restart (a first-sync snapshot): the
# next open puts back only the unique keys and keeps the mark, so the resumed load ends
# with the one rebuild an uninterrupted load does.
BULK_RESUMABLE = "bulk_resumable"

# Kept during a bulk load: it serves the per-customer tag replacement (without it each
# DELETE scans customer_tags, a quadratic load) and grows only at its end.
KEEP_DURING_BULK = ("ix_customer_tags_customer",)

# Unique indexes on the natural keys. A bulk load into empty tables drops them and
# inserts without ON CONFLICT; should the data repeat a key, restoring keeps the row
# the upserts would have kept (the last; for append-only interactions, the first).
UNIQUE_KEYS: dict[str, tuple[str, str, str]] = {
    "ux_holdings_id": ("holdings", "id", "max"),
    "ux_snapshots_key": ("snapshots", "customer_id, month", "max"),
    "ux_interactions_id": ("interactions", "id", "min"),
    "ux_tasks_id": ("tasks", "id", "max"),
}


def _statistics_tables(conn: Connection) -> list[str]:
    """The tables `ANALYZE` should keep statistics for: ours, not the search index's.

    An FTS5 table's shadow tables (`customer_search_idx`, ...) are read by FTS5's own
    prepared queries with bound values compared with their keys. Under STAT4 (compiled
    into our SQLCipher) such a query is re-prepared every time a value changes, because
    the value might change the plan (sqlite3_prepare_v2's documentation). With
    statistics on the shadow tables every search re-parsed FTS5's queries, each parse
    dozens of heap allocations, every one locked and wiped under memory security: the
    search p95 at 100,000 customers was 8.1 ms, 1.5 ms without. Those queries are key
    lookups whose plan never changes, so the tables get no statistics."""
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    virtual = {name for name, sql in rows if str(sql).upper().startswith("CREATE VIRTUAL")}
    skipped = ("sqlite_", *(f"{name}_" for name in virtual))
    return [name for name, _sql in rows if name not in virtual and not name.startswith(skipped)]


def analyze(conn: Connection) -> None:
    """Gather the query planner's statistics (after a bulk load or a first sync)."""
    for name in _statistics_tables(conn):
        conn.exec_driver_sql(f'ANALYZE main."{name}"')


def drop_search_statistics(conn: Connection) -> bool:
    """Remove statistics `analyze` would not gather (a store analysed by an earlier
    version, which ran a plain ANALYZE); True when some were removed. A connection keeps
    the statistics it loaded: the caller reopens the pooled connections."""
    kept = set(_statistics_tables(conn))
    removed = 0
    for (table,) in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE name IN ('sqlite_stat1', 'sqlite_stat4')"
    ).all():
        for (tbl,) in conn.exec_driver_sql(f"SELECT DISTINCT tbl FROM {table}").all():
            if tbl not in kept:
                deleted = conn.exec_driver_sql(f"DELETE FROM {table} WHERE tbl = ?", (tbl,))
                removed += deleted.rowcount
    return removed > 0


def _translate(
    path: Path, exc: DatabaseError, integrity: Callable[[], Integrity] | None = None
) -> Exception:
    """A database error as the user's sentence, or `exc` itself when it is a bug.

    `engine.translate_error` classifies by SQLite's result code (a full disk is
    `DiskFull`, never damage). The store is open, so its key fits: what SQLite calls
    malformed or not a database is damage. SQLCipher answers every write with
    SQLITE_READONLY ("attempt to write a readonly database") once a connection met a
    page whose HMAC fails (and a commit may fail as SQLITE_NOMEM), so read-only on a
    file the process may write, or out of memory, is damage when the check of every
    page (`integrity`) finds it."""
    orig = getattr(exc, "orig", None) or exc
    translated = translate_error(path, orig)
    if isinstance(translated, DiskFull):
        return translated
    if primary_code(orig) in (SQLITE_READONLY, SQLITE_NOMEM):
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if writable and integrity is not None:
            found = integrity()
            if not found.ok:
                return StoreDamaged(path, found.summary())
        return translated or exc
    if isinstance(translated, DatabaseUnreadable):
        if integrity is not None:
            found = integrity()
            return StoreDamaged(path, found.summary() if not found.ok else "a page is malformed")
        return StoreDamaged(path, "a page is malformed")
    return translated or exc


def in_use_mark(path: Path) -> Path:
    """The file beside a store that says it is open: present at open means the last
    session did not close (crash, power loss, killed), so the store is checked."""
    return path.with_name(path.name + ".in-use")


def _create_unique(conn: Connection, name: str, sql: str) -> None:
    table, key, keep = UNIQUE_KEYS[name]
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql)
    except IntegrityError:
        conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE rowid NOT IN (SELECT {keep}(rowid) FROM {table} "
            f"GROUP BY {key})"
        )
        conn.exec_driver_sql(sql)


def _checkpoint(path: Path, key: KeyBuffer, memory_security: bool) -> None:
    """Copy the write-ahead log into the file before its pages are checked: the check
    reads the file itself, and a page torn by a power cut during a checkpoint is
    whole in the log, which SQLite would use (and copy again) anyway. A log that
    cannot be copied (itself damaged) leaves the check to find what is wrong."""
    if not path.with_name(path.name + "-wal").exists():
        return
    try:
        conn = raw_connection(path, key, memory_security=memory_security)
    except DatabaseUnreadable:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlcipher.DatabaseError:
        pass
    finally:
        conn.close()


def _write_mark(mark: Path) -> None:
    fd = os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """An unlocked profile database."""

    # How a connection handed back to the pool is verified (the benchmark's plain
    # SQLite baseline replaces it; nothing else does).
    check_connection: Callable[..., None] = staticmethod(check_pragmas)

    memory_security = False

    def __init__(self, path: Path, engine: Engine, key: KeyBuffer) -> None:
        self.path = path
        self._engine: Engine | None = engine
        self._key = key
        # One writer per store (ARCHITECTURE §5). Without an installed writer (the
        # command line, tests) writes from several threads take turns on this lock;
        # with one (the window), every write runs on the writer's thread.
        self._write_turn = threading.RLock()
        self._writer: Writer | None = None
        self._writer_thread: threading.Thread | None = None
        self.checked_after_unclean_close = False  # open ran the integrity checks
        self._marked = False  # this open wrote the in-use mark
        self.damage_seen = False  # keeps the mark at close: the next open checks
        self._damage: Integrity | None = None  # what the last check found wrong

    @classmethod
    def open(
        cls,
        path: Path,
        key: bytes | bytearray,
        *,
        memory_security: bool = False,
        on_upgrade: Callable[[int, int], None] | None = None,
        key_verified: bool = False,
        client_id: str | None = None,
        on_check: Callable[[], None] | None = None,
    ) -> LocalStore:
        """Open (creating if absent) the encrypted database at `path` with a raw key;
        `on_upgrade` as in `migrations.migrate`. `key_verified`: the key came from the
        profile's unwrap, so a file it cannot read is damaged (`StoreDamaged`).
        `client_id`: the sync client id of a new store (a repaired store keeps the
        damaged one's, so the server recognises what it already has). `on_check` is
        told before the checks an unclean shutdown calls for (seconds on a large store).

        A store whose in-use mark survived (the last session did not close) is checked
        first: SQLCipher's HMAC of every page and SQLite's quick_check."""
        buffer = KeyBuffer(key, verified=key_verified)
        mark = in_use_mark(path)
        unclean = path.exists() and mark.exists()
        if unclean:
            if on_check is not None:
                on_check()
            _checkpoint(path, buffer, memory_security)
            found = check_integrity(path, buffer, memory_security=memory_security)
            if not found.ok:
                buffer.wipe()
                raise StoreDamaged(path, found.summary())
        engine = open_engine(path, buffer, memory_security=memory_security)
        store = cls(path, engine, buffer)
        store.memory_security = memory_security
        store.checked_after_unclean_close = unclean
        from local_store import search as _search  # noqa: PLC0415  (avoid an import cycle)

        try:
            with store._translated():
                migrations.migrate(engine, path, on_upgrade=on_upgrade)
            with store.transaction() as conn:
                outbox.init_state(conn, client_id or uuid7())
                stale_statistics = drop_search_statistics(conn)
                if not store.bulk_pending(conn):  # (a pending load's end rebuilds it)
                    _search.ensure_current(conn)  # an index an older build wrote
            if stale_statistics:
                engine.dispose()  # the pooled connections reload the statistics
            store._finish_interrupted_bulk()
            _write_mark(mark)
            store._marked = True
        except BaseException:
            store.close()
            raise
        return store

    def check_integrity(self) -> Integrity:
        """On demand: the HMAC of every page and SQLite's quick_check, on connections
        of their own (the pool's stay usable)."""
        if self._engine is None:
            raise StoreLocked()
        found = check_integrity(self.path, self._key, memory_security=self.memory_security)
        self.damage_seen = self.damage_seen or not found.ok
        self._damage = None if found.ok else found
        return found

    def _translate(self, exc: DatabaseError) -> Exception:
        translated = _translate(self.path, exc, self._integrity)
        if isinstance(translated, StoreDamaged):
            self.damage_seen = True
        return translated

    def _integrity(self) -> Integrity:
        """For an error's sentence: the damage found before (a damaged store fails
        statement after statement; each would re-read every page), else a check."""
        if self._damage is not None:
            return self._damage
        try:
            return self.check_integrity()
        except (DatabaseUnreadable, EnvironmentProblem):
            self.damage_seen = True
            return Integrity(0, [0], [])

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, DatabaseError) as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StoreLocked()
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    # --- the one writer ----------------------------------------------------------------

    def use_writer(self, writer: Writer, thread: threading.Thread) -> None:
        """From now on every write runs on `thread` through `writer` (the session's
        database executor): `write` and `on_writer` called elsewhere hand their job to
        it and wait, and `transaction` called on another thread is refused."""
        self._writer, self._writer_thread = writer, thread

    def on_writer(self, job: Callable[[], _T]) -> _T:
        """Run `job`, which writes (one or several transactions, a bulk page), as the
        store's one writer: on the writer's thread, or here taking the write turn."""
        self._forget_finished_writer()
        if self._writer is None:
            with self._write_turn:
                return job()
        if threading.current_thread() is self._writer_thread:
            return job()
        return self._writer(job)

    def _forget_finished_writer(self) -> None:
        """A writer whose thread has ended (the window shut its executor down, then
        locks) is no writer any more: the next write takes the turn where it is."""
        thread = self._writer_thread
        if thread is not None and not thread.is_alive():
            self._writer = self._writer_thread = None

    def write(self, job: Callable[[Connection], _T]) -> _T:
        """`job(conn)` in one write transaction, run as the store's one writer."""

        def unit() -> _T:
            with self.transaction() as conn:
                return job(conn)

        return self.on_writer(unit)

    def check_writer(self) -> None:
        """Refuse a write off the writer's thread once a writer is installed."""
        self._forget_finished_writer()
        thread = self._writer_thread
        if thread is not None and threading.current_thread() is not thread:
            raise NotTheWriter(
                f"a write on thread {threading.current_thread().name!r}; "
                f"writes of this store run on {thread.name!r} (LocalStore.write)"
            )

    # --- units of work ------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE: it holds the write lock from its
        start): commits on success, rolls back on any error. On the writer's thread
        only, once a writer is installed; `write` runs a job there from anywhere."""
        self.check_writer()
        try:
            with self._write_turn, self.engine.begin() as conn:
                yield conn
        except (OperationalError, DatabaseError) as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from None
        except MemoryError:
            # SQLCipher fails a commit with SQLITE_NOMEM once its connection met a page
            # whose HMAC fails: damage, when the check of every page finds it.
            found = self._integrity()
            if found.ok:
                raise
            self.damage_seen = True
            raise StoreDamaged(self.path, found.summary()) from None

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work (one consistent WAL snapshot, no write lock)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{READ_ONLY: True})
                with conn.begin():
                    yield conn
                    conn.rollback()
        except (OperationalError, DatabaseError) as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from None

    def close(self) -> None:
        """Lock: close every connection and zero the key; the store closed cleanly, so
        its in-use mark goes (the next open skips the integrity checks)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            if self._marked and not self.damage_seen:
                in_use_mark(self.path).unlink(missing_ok=True)
        self._key.wipe()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- bulk loads -------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_connection(
        self, *, full_check: bool = False, cache_kib: int | None = None
    ) -> Iterator[Connection]:
        """One connection for a bulk load, with foreign-key enforcement off.

        Per-row foreign-key checks dominate insert time once SQLCipher's memory
        security is on (each check allocates, and every allocation is locked and
        wiped). Callers check each batch's parents themselves (one query per batch);
        `full_check` adds a whole-database `PRAGMA foreign_key_check` at the end.
        `cache_kib` enlarges the page cache for the load (B-tree inserts stay in
        memory). Enforcement and the cache size are put back and every required
        PRAGMA re-checked before the connection returns to the pool.
        """
        conn = self.engine.connect()
        # PRAGMA foreign_keys is a no-op inside a transaction: use the raw connection,
        # which is in autocommit mode outside our explicit BEGINs.
        raw = conn.connection.driver_connection
        assert raw is not None  # noqa: S101
        try:
            raw.execute("PRAGMA foreign_keys = OFF")
            if cache_kib is not None:
                raw.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
            yield conn
            if conn.in_transaction():
                conn.rollback()
            orphans = raw.execute("PRAGMA foreign_key_check").fetchmany(5) if full_check else []
            if orphans:
                tables = sorted({str(r[0]) for r in orphans})
                raise DatabaseUnreadable(
                    self.path, f"a bulk load left rows without a parent in {', '.join(tables)}"
                )
        except (OperationalError, DatabaseError) as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from None
        finally:
            try:
                if conn.in_transaction():
                    conn.rollback()
                raw.execute("PRAGMA foreign_keys = ON")
                if cache_kib is not None:
                    raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                self.check_connection(raw, self.path, memory_security=self.memory_security)
            finally:
                conn.close()

    def replica_empty(self, conn: Connection) -> bool:
        """No rows under any customer: a load may insert without the unique keys."""
        tables = ("holdings", "snapshots", "interactions", "tasks")
        return not any(
            conn.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables
        )

    def unique_keys_dropped(self, conn: Connection) -> bool:
        """Whether a load in progress dropped the unique keys (plain inserts apply)."""
        present = {
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            ).fetchall()
        }
        return not any(name in present for name in UNIQUE_KEYS)

    def bulk_pending(self, conn: Connection) -> bool:
        """Whether a bulk load is unfinished (indexes dropped, derived data stale)."""
        row = conn.exec_driver_sql("SELECT 1 FROM meta WHERE key = ?", (BULK_MARK,)).fetchone()
        return row is not None

    def drop_secondary_indexes(
        self, conn: Connection, *, unique: bool = False, resumable: bool = False
    ) -> None:
        """Before a bulk load: drop secondary indexes, remembering them in `meta` so a
        crash mid-load is finished on the next open. Unique indexes (ON CONFLICT
        targets) are dropped only with `unique`, for plain inserts into empty tables.
        A `resumable` load (a snapshot) is not finished by the next open: that only puts
        the unique keys back, the mark stays until the load itself ends."""
        from local_store import churn  # noqa: PLC0415  (pandas, only when loading)

        rows = [
            (name, sql)
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
            if name not in KEEP_DURING_BULK and (unique or name not in UNIQUE_KEYS)
        ]
        saved = [[r[0], r[1]] for r in rows]
        existing = conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = ?", (BULK_MARK,)
        ).fetchone()
        if existing is not None:
            saved = json.loads(existing[0]) + saved
        conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (BULK_MARK, json.dumps(saved)),
        )
        if resumable:
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (BULK_RESUMABLE,)
            )
        else:  # a load that nothing resumes shares the mark: the next open finishes it
            conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (BULK_RESUMABLE,))
        for name, _sql in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        churn.invalidate_snapshot_summary(conn)  # rebuilt at the end, with the indexes

    def restore_unique_keys(self, conn: Connection) -> None:
        """Put back only the unique keys a load dropped (the rest stays dropped until
        the load finishes): an interrupted snapshot leaves a store the user keeps
        writing to, and local upserts name those keys as their conflict targets."""
        row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (BULK_MARK,)).fetchone()
        if row is None:
            return
        saved = json.loads(row[0])
        for name, sql in saved:
            if name in UNIQUE_KEYS:
                _create_unique(
                    conn,
                    name,
                    sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1),
                )
        conn.exec_driver_sql(
            "UPDATE meta SET value = ? WHERE key = ?",
            (json.dumps([entry for entry in saved if entry[0] not in UNIQUE_KEYS]), BULK_MARK),
        )

    def restore_secondary_indexes(self, conn: Connection, *, derived: bool = False) -> None:
        """End of a bulk load: the dropped indexes back, then the search index, the
        book's activity columns and churn's snapshot summary rebuilt in one pass each.
        Without a mark nothing is done, unless `derived`: a snapshot's end, whose pages
        bypassed all three even where no index was dropped."""
        from local_store import book, churn, search  # noqa: PLC0415  (avoid an import cycle)

        row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (BULK_MARK,)).fetchone()
        if row is None and not derived:
            return
        for name, saved in json.loads(row[0]) if row is not None else []:
            sql = saved.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replace(
                "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1
            )
            if name in UNIQUE_KEYS:
                _create_unique(conn, name, sql)
            else:
                conn.exec_driver_sql(sql)
        search.rebuild(conn)
        book.refresh_activity(conn)
        conn.exec_driver_sql("DELETE FROM meta WHERE key IN (?, ?)", (BULK_MARK, BULK_RESUMABLE))
        churn.rebuild_snapshot_summary(conn)  # churn's per-customer snapshot aggregates

    def _finish_interrupted_bulk(self) -> None:
        """A load a crash interrupted: finished here, or, when it resumes by itself (a
        snapshot, which rebuilds everything at its end), made writable: the unique
        keys back, the other indexes and the derived data left to that end, once."""
        with self.transaction() as conn:
            resumable = conn.exec_driver_sql(
                "SELECT 1 FROM meta WHERE key = ?", (BULK_RESUMABLE,)
            ).fetchone()
            if resumable is not None and self.bulk_pending(conn):
                self.restore_unique_keys(conn)
            else:
                self.restore_secondary_indexes(conn)
