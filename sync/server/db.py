"""The gateway's database: engines for PostgreSQL and SQLite, and the change log.

`ChangeWriter` is the one way customer-side data changes on the server: it bumps
the row's version, takes the next sequence number from `seq_counter` (whose row
lock serialises writers until commit, so sequence order is commit order) and
writes one `change_log` row per scope that sees the entity.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from sync.server import migrate, schema

DEFAULT_DB_NAME = "central.db"


def default_url() -> str:
    base = Path(platformdirs.user_data_dir("rm-desk-central", "RMDesk"))
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{base / DEFAULT_DB_NAME}"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# Connections each gateway process keeps to PostgreSQL, and how many more it may open
# under a burst. A request holds one only for its statements (a caught-up pull: one
# round trip), so a few per process serve hundreds of clients; processes x (size +
# overflow) must stay under the server's max_connections (100 by default) or behind
# a pooler such as PgBouncer. RM_DESK_CENTRAL_POOL overrides the size.
POOL_SIZE = 8
POOL_OVERFLOW = 4
# How the gateway's sessions appear in pg_stat_activity (operators, the load benchmark).
APPLICATION_NAME = "rm-desk-gateway"


def pool_size_from_env() -> int:
    return int(os.environ.get("RM_DESK_CENTRAL_POOL") or POOL_SIZE)


def make_engine(url: str | None = None, *, pool_size: int | None = None) -> Engine:
    target = normalise_url(url or default_url())
    if target.startswith("sqlite"):
        engine = create_engine(
            target, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: writers queue instead of failing
            # with SQLITE_BUSY on lock upgrade. Reads (`reading`) take no lock at all.
            if not conn.get_execution_options().get(_READING):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    size = pool_size or pool_size_from_env()
    # No pool_pre_ping: it costs a round trip on every checkout (a caught-up pull is one
    # statement). A connection the server dropped fails one request, SQLAlchemy then
    # discards the whole pool, and the client retries the 5xx with backoff.
    return create_engine(
        target, hide_parameters=True, pool_size=size, max_overflow=POOL_OVERFLOW,
        pool_recycle=3600, connect_args={"application_name": APPLICATION_NAME},
    )  # fmt: skip


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that need no transaction of their own: each statement
    runs in autocommit and sees what was committed before it started.

    A multi-statement transaction would add nothing (PostgreSQL's READ COMMITTED
    takes a new snapshot per statement anyway; pulls bound their reads by a committed
    sequence number instead) but BEGIN and COMMIT round trips, and on SQLite the
    write lock that BEGIN IMMEDIATE takes."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # The connection already runs in autocommit (isolation_level None); SQLAlchemy's
            # AUTOCOMMIT level would reset that on check-in, so only skip BEGIN IMMEDIATE.
            yield conn.execution_options(**{_READING: True})
        else:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")


_READING = "rm_desk_reading"


def create_schema(engine: Engine) -> None:
    """Make an empty database the code's schema, at once: the tables, the counter row
    and the triggers, stamped with the head revision (the same schema as `rm-desk-central
    db upgrade`, tests/integration/server/test_schema_migrations.py). A database with tables is
    upgraded to head instead (sync/server/migrate.py)."""
    if migrate.status(engine).empty:
        with engine.begin() as conn:
            schema.metadata.create_all(conn)
            migrate.seed_rows_and_triggers(conn)
            migrate.stamp_head(conn)
        return
    migrate.upgrade(engine)


def now() -> datetime:
    return datetime.now(UTC)


def next_seq(conn: Connection, count: int = 1) -> int:
    """Reserve `count` sequence numbers; returns the first. Locks until commit."""
    row = conn.execute(
        update(schema.seq_counter)
        .where(schema.seq_counter.c.id == 1)
        .values(value=schema.seq_counter.c.value + count)
        .returning(schema.seq_counter.c.value)
    ).one()
    return int(row[0]) - count + 1


def current_seq(conn: Connection) -> int:
    return int(conn.execute(select(schema.seq_counter.c.value)).scalar_one())


class ChangeWriter:
    """Records changes to replicated rows in the change log, in commit order.

    Each log entry gets its own sequence number (one per scope that sees the
    change); the entity row's `seq` is set to the last of them by the caller.
    """

    def __init__(self, conn: Connection, at: datetime | None = None) -> None:
        self.conn = conn
        self.at = at  # the entries' time (the gateway's clock); None: now
        self.last_seq = 0

    def log(self, scopes: Iterable[str], entity: str, entity_id: str, op: str) -> int:
        return self.log_many([(scope, entity, entity_id, op) for scope in scopes])

    def log_many(self, entries: Sequence[tuple[str, str, str, str]]) -> int:
        """(scope, entity, entity_id, op) entries; returns the last seq used (0 if none)."""
        if not entries:
            return self.last_seq
        base = next_seq(self.conn, len(entries))
        # UTC: SQLite keeps the clock's digits without the zone, and the purge compares them.
        at = self.at.astimezone(UTC) if self.at is not None else now()
        self.conn.execute(
            insert(schema.change_log),
            [
                {
                    "seq": base + i,
                    "scope": scope,
                    "entity": entity,
                    "entity_id": entity_id,
                    "op": op,
                    "created_at": at,
                }
                for i, (scope, entity, entity_id, op) in enumerate(entries)
            ],
        )
        self.last_seq = base + len(entries) - 1
        left = sorted(
            {scope for scope, entity, _id, op in entries if entity == "customer" and op == "evict"}
        )
        if left:
            self._mark_scopes_changed(left)
        return self.last_seq

    def _mark_scopes_changed(self, scopes: Sequence[str]) -> None:
        """Customers left these scopes at `last_seq` (see `schema.scope_changes`)."""
        table = schema.scope_changes
        dialect_insert = (
            postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        )
        statement = dialect_insert(table).values(
            [{"scope": s, "seq": self.last_seq} for s in scopes]
        )
        self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.scope], set_={"seq": statement.excluded.seq}
            )
        )
