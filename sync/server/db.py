"""The gateway's database: engines for PostgreSQL and SQLite, and the change log.

`ChangeWriter` is the one way customer-side data changes on the server: it bumps
the row's version, takes the next sequence number from `seq_counter` (whose row
lock serialises writers until commit, so sequence order is commit order) and
writes one `change_log` row per scope that sees the entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url

from sync.server import schema

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


def make_engine(url: str | None = None, *, pool_size: int = 10) -> Engine:
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
            # with SQLITE_BUSY on lock upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        target, hide_parameters=True, pool_size=pool_size, max_overflow=20, pool_pre_ping=True
    )


def create_schema(engine: Engine) -> None:
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(schema.seq_counter.c.value)).first() is None:
            conn.execute(insert(schema.seq_counter).values(id=1, value=0))


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


def customer_scopes(owner_rm: str, branch: str) -> tuple[str, str]:
    """The scopes that see a customer (and everything under it)."""
    return (f"rm:{owner_rm}", f"branch:{branch}")


def user_scopes(role: str, user_id: str, branch: str) -> tuple[str, ...]:
    if role == "rm":
        return (f"rm:{user_id}",)
    if role in ("manager", "teller"):
        return (f"branch:{branch}",)
    return ()  # admin: IT, no customer data


class ChangeWriter:
    """Records changes to replicated rows in the change log, in commit order.

    Each log entry gets its own sequence number (one per scope that sees the
    change); the entity row's `seq` is set to the last of them by the caller.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.last_seq = 0

    def log(self, scopes: Iterable[str], entity: str, entity_id: str, op: str) -> int:
        return self.log_many([(scope, entity, entity_id, op) for scope in scopes])

    def log_many(self, entries: Sequence[tuple[str, str, str, str]]) -> int:
        """(scope, entity, entity_id, op) entries; returns the last seq used (0 if none)."""
        if not entries:
            return self.last_seq
        base = next_seq(self.conn, len(entries))
        at = now()
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
        return self.last_seq
