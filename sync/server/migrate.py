"""The gateway's schema revisions (Alembic, scripts in sync/server/migrations/).

`rm-desk-central db upgrade [--to REV]` brings a database to the code's revision (the
head) and `db current` names where it is. `serve` checks first and refuses, in one
line naming the command to run, a database that is empty, older than the code or
made before migrations (`require_head`), unless `serve --upgrade-db` is given.

A database made before migrations existed (tables, no `alembic_version`) is adopted
by `upgrade`: when its tables match the baseline (revision 0001) it is stamped 0001
and upgraded from there; tables that release did not have yet are created first (as
`create_schema` always did); a table or column that differs is refused, naming it.

`db.create_schema` (tests, the demo, the other admin commands on an empty database)
takes a shortcut on an empty database: the metadata's `create_all`, the counter row
and the triggers, stamped head. tests/integration/server/test_schema_migrations.py proves that this
and `upgrade` from nothing give the same schema on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import Connection, Engine, insert, inspect, select, text

from sync.server import schema

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
VERSION_TABLE = "alembic_version"
UPGRADE_COMMAND = "rm-desk-central db upgrade"


class SchemaError(Exception):
    """The database's schema cannot be used or upgraded (one line)."""


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The revision this code needs."""
    revision = _scripts().get_current_head()
    if revision is None:
        raise SchemaError("sync/server/migrations has no revision (a broken install)")
    return revision


def known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except AlembicError:
        return False


def current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) & set(schema.metadata.tables)


@dataclass(frozen=True)
class Status:
    revision: str | None  # None: no alembic_version (empty, or made before migrations)
    head: str
    tables: int  # of the gateway's tables present

    @property
    def empty(self) -> bool:
        return self.revision is None and self.tables == 0

    @property
    def current(self) -> bool:
        return self.revision == self.head

    def line(self) -> str:
        if self.empty:
            return f"the database is empty (this gateway needs {self.head})"
        if self.revision is None:
            return f"the database was made before migrations (this gateway needs {self.head})"
        if self.current:
            return f"the database schema is at {self.revision} (head)"
        if not known(self.revision):
            return (
                f"the database schema is at {self.revision}, which this gateway does not"
                f" know (a newer gateway migrated it; this one needs {self.head})"
            )
        return f"the database schema is at {self.revision}, this gateway needs {self.head}"


def status(engine: Engine) -> Status:
    with engine.connect() as conn:
        return Status(current(conn), head(), len(_tables(conn)))


def refusal(state: Status, hint: str = "") -> str:
    """The one line `serve` (and the other commands) print for a database not at head."""
    if state.revision is not None and not known(state.revision):
        return f"{state.line()}: upgrade the gateway, not the database"
    return f"{state.line()}: run `{UPGRADE_COMMAND}`{hint}"


def require_head(engine: Engine, hint: str = "") -> None:
    state = status(engine)
    if not state.current:
        raise SchemaError(refusal(state, hint))


def upgrade(engine: Engine, to: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to `to` (a revision or "head"); returns the revisions before and after.
    One transaction: on PostgreSQL a failed upgrade leaves the database as it was."""
    if to != "head" and not known(to):
        raise SchemaError(f"no revision {to} (this gateway knows up to {head()})")
    with engine.begin() as conn:
        before = current(conn)
        if before is not None and not known(before):
            raise SchemaError(refusal(Status(before, head(), 0)))
        if before is None and _tables(conn):
            _adopt(conn)
        try:
            command.upgrade(_config(conn), to)
        except AlembicError as exc:
            raise SchemaError(f"cannot upgrade to {to}: {exc}") from None
        return before, current(conn)


def stamp_head(conn: Connection) -> None:
    command.stamp(_config(conn), "head")


def _adopt(conn: Connection) -> None:
    """A database `create_schema` made before migrations: stamp it 0001 when it is the
    baseline, after creating the tables that release did not have yet."""
    if head() != BASELINE:  # pragma: no cover - a reminder for the author of 0002
        raise SchemaError(
            "adopting a pre-migration database compares it with the code's tables, which "
            "are the baseline's only while 0001 is the head: compare with 0001's tables"
        )
    missing = [t for t in schema.metadata.sorted_tables if t.name not in _tables(conn)]
    schema.metadata.create_all(conn, tables=missing)
    seed_rows_and_triggers(conn)
    differences = drift(conn)
    if differences:
        raise SchemaError(
            f"the database was made before migrations and differs from revision {BASELINE}"
            f" ({describe(differences[0])}{' and more' if len(differences) > 1 else ''}):"
            " it cannot be adopted automatically"
        )
    command.stamp(_config(conn), BASELINE)


def drift(conn: Connection) -> list[Any]:
    """Alembic's differences between the database and the code's tables (empty: the
    same tables, columns, types, nullability and indexes)."""
    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _ours})
    return list(compare_metadata(context, schema.metadata))


def _ours(name: str | None, kind: str, _parent: Any) -> bool:
    return not (kind == "table" and name == VERSION_TABLE)


def describe(difference: Any) -> str:
    """One Alembic difference in words ("remove_column users.nickname")."""
    if isinstance(difference, list):  # a column's modifications come as a list
        difference = difference[0]
    kind = str(difference[0])
    if kind.endswith("_column"):
        return f"{kind} {difference[2]}.{difference[3].name}"
    if kind.startswith("modify_"):
        return f"{kind} {difference[2]}.{difference[3]}"
    return f"{kind} {getattr(difference[1], 'name', difference[1])}"


# --- what the tables alone do not hold ----------------------------------------------


def seed_rows_and_triggers(conn: Connection) -> None:
    """What the tables alone do not hold (revision 0001 makes the same)."""
    if conn.execute(select(schema.seq_counter.c.value)).first() is None:
        conn.execute(insert(schema.seq_counter).values(id=1, value=0))
    _append_only_triggers(conn)


_PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION rm_desk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def _append_only_triggers(conn: Connection) -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the append-only tables
    (`schema.APPEND_ONLY`), in the database itself: the gateway never changes an audit
    row, and neither may anyone else short of dropping the trigger (which `audit
    verify` notices by the hashes). Created when missing, never replaced: a trigger a
    DBA disabled stays as found."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_APPEND_ONLY))
        for table in schema.APPEND_ONLY:
            name = f"{table}_append_only"
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_trigger WHERE tgname = %(name)s "
                "AND tgrelid = to_regclass(%(table)s)",
                {"name": name, "table": table},
            ).first()
            if exists is None:
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION rm_desk_append_only()"
                )
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION rm_desk_append_only()"
                )
        return
    for table in schema.APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            )
