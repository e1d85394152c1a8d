"""Bulk loading of generated customer data into the gateway's replicated tables.

PostgreSQL gets psycopg 3 `COPY ... FROM STDIN`; SQLite gets `executemany` on the
raw driver connection. Both run inside the caller's transaction, so a failed load
leaves nothing behind. For the load, the secondary indexes (and on PostgreSQL the
foreign keys) of the replicated tables are dropped and rebuilt once at the end, as
the PostgreSQL manual's "Populating a Database" advises: one sort per index is far
cheaper than millions of B-tree inserts and foreign-key trigger calls.

Rows are encoded here with `version = 1` and `seq = 0`: seeded data reaches clients
through the snapshot, never through the change log. Each encoder names its columns;
a column added to a table later gets its scalar default, so the seeder keeps working
while the schema grows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Column,
    ColumnDefault,
    Connection,
    Index,
    Table,
    bindparam,
    insert,
    literal,
    select,
    text,
)

from rm_desk.domain.model import (
    BankChunk,
    Customer,
    FollowUpTask,
    Holding,
    Interaction,
    MonthlySnapshot,
)
from sync.server import schema

Row = tuple[Any, ...]

INITIAL_VERSION = 1
INITIAL_SEQ = 0
BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while loading
_NO_FIELD_VERSIONS = "{}"  # JSON text: no field has changed since the row was created


def join_tags(tags: Iterable[str]) -> str:
    """Tags as the client stores them: "|a|b|", or "" for none."""
    kept = [t for t in (tag.replace("|", "/").strip() for tag in tags) if t]
    return f"|{'|'.join(kept)}|" if kept else ""


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def customer_row(c: Customer) -> Row:
    return (
        c.id, c.name, c.name_pinyin, c.name_initials, c.gender.value, _day(c.birth_date),
        c.id_type.value, c.id_number, c.mobile, c.email, c.address, c.segment.value,
        c.lifecycle.value, c.aum_fen, c.aum_tier.value, c.owner_rm, c.branch,
        c.since.isoformat(), _day(c.kyc_expiry),
        None if c.risk_profile is None else int(c.risk_profile), join_tags(c.tags),
        INITIAL_VERSION, _NO_FIELD_VERSIONS, INITIAL_SEQ,
    )  # fmt: skip


def holding_row(h: Holding) -> Row:
    return (
        h.id, h.customer_id, h.kind.value, h.product, h.balance_fen, h.opened.isoformat(),
        _day(h.maturity), h.rate_bp, h.account_no, INITIAL_VERSION, INITIAL_SEQ,
    )  # fmt: skip


_snapshot_values = attrgetter(
    "customer_id", "month", "aum_fen", "deposits_fen", "wealth_fen", "loans_fen", "txn_count",
    "txn_in_fen", "txn_out_fen", "salary_credit_fen", "outflow_other_banks_fen", "products_held",
)  # fmt: skip
_SNAPSHOT_TAIL = (INITIAL_VERSION, INITIAL_SEQ)


def snapshot_row(s: MonthlySnapshot) -> Row:
    values: Row = _snapshot_values(s)
    return values + _SNAPSHOT_TAIL


def _json_list(items: Sequence[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False) if items else "[]"


def interaction_row(i: Interaction) -> Row:
    return (
        i.id, i.customer_id, i.kind.value, i.occurred_at, i.created_by, i.subject, i.note,
        _json_list(i.participants), i.outcome, i.next_step,
        i.supersedes_id, i.created_at, INITIAL_VERSION, INITIAL_SEQ,
    )  # fmt: skip


def task_row(t: FollowUpTask) -> Row:
    return (
        t.id, t.customer_id, t.title, t.due.isoformat(), int(t.priority), t.assignee,
        t.created_by, t.source.value, t.status.value, t.outcome, t.detail, t.reason_code,
        t.created_at, t.completed_at, False, INITIAL_VERSION, _NO_FIELD_VERSIONS, INITIAL_SEQ,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    """One replicated table: where its rows come from and the columns they fill."""

    table: Table
    attribute: str  # the chunk attribute holding its domain objects
    encode: Callable[[Any], Row]
    columns: tuple[str, ...]  # what `encode` returns, in order


# Parents first: the foreign keys of SQLite stay on during the load.
TARGETS: Final = (
    Target(schema.customers, "customers", customer_row, (
        "id", "name", "name_pinyin", "name_initials", "gender", "birth_date", "id_type",
        "id_number", "mobile", "email", "address", "segment", "lifecycle", "aum_fen",
        "aum_tier", "owner_rm", "branch", "since", "kyc_expiry", "risk_profile", "tags",
        "version", "field_versions", "seq")),
    Target(schema.holdings, "holdings", holding_row, (
        "id", "customer_id", "kind", "product", "balance_fen", "opened", "maturity", "rate_bp",
        "account_no", "version", "seq")),
    Target(schema.snapshots, "snapshots", snapshot_row, (
        "customer_id", "month", "aum_fen", "deposits_fen", "wealth_fen", "loans_fen",
        "txn_count", "txn_in_fen", "txn_out_fen", "salary_credit_fen",
        "outflow_other_banks_fen", "products_held", "version", "seq")),
    Target(schema.interactions, "interactions", interaction_row, (
        "id", "customer_id", "kind", "occurred_at", "created_by", "subject", "note",
        "participants", "outcome", "next_step", "supersedes_id", "created_at", "version",
        "seq")),
    Target(schema.tasks, "tasks", task_row, (
        "id", "customer_id", "title", "due", "priority", "assignee", "created_by", "source",
        "status", "outcome", "detail", "reason_code", "created_at", "completed_at", "deleted",
        "version", "field_versions", "seq")),
)  # fmt: skip


def _layout(target: Target) -> tuple[list[Column[Any]], Row]:
    """The columns a load writes (the encoder's, then any others with a scalar default)
    and the constant tail of values for those others."""
    table = target.table
    missing = [name for name in target.columns if name not in table.c]
    if missing:
        raise ValueError(f"table {table.name} has no column {missing[0]}")
    columns = [table.c[name] for name in target.columns]
    tail: list[Any] = []
    for column in table.columns:
        default = column.default
        if column.name in target.columns or not isinstance(default, ColumnDefault):
            continue
        if default.is_scalar:
            columns.append(column)
            tail.append(default.arg)
    return columns, tuple(tail)


class BulkLoader:
    """Loads chunks into the replicated tables on one connection, in its transaction:
    `prepare`, `load` each chunk, `finish`; `close` in any case."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._layouts = {target.table.name: _layout(target) for target in TARGETS}
        self._indexes: list[Index] = [ix for t in TARGETS for ix in t.table.indexes]

    def prepare(self) -> None:
        """Drop what slows a bulk insert down; `finish` puts it back."""
        for index in self._indexes:
            index.drop(self.conn)

    def load(self, chunk: BankChunk) -> dict[str, int]:
        counts: dict[str, int] = {}
        for target in TARGETS:
            items: Sequence[Any] = getattr(chunk, target.attribute)
            if items:
                rows: Iterable[Row] = map(target.encode, items)
                tail = self._layouts[target.table.name][1]
                if tail:
                    rows = (row + tail for row in rows)
                self._write(target.table, rows)
            counts[target.attribute] = len(items)
        return counts

    def finish(self) -> None:
        for index in self._indexes:
            index.create(self.conn)

    def close(self) -> None:
        """Undo per-connection settings, whether or not the load succeeded."""

    def _columns(self, table: Table) -> list[Column[Any]]:
        return self._layouts[table.name][0]

    def _write(self, table: Table, rows: Iterable[Row]) -> None:
        raise NotImplementedError


# How psycopg should send each column type in binary COPY. The binary form of `json`
# is its UTF-8 text, the same bytes as `text`, so JSON text goes through unchanged.
_BINARY_AS: Final[dict[str, str]] = {
    "text": "text", "character varying": "text", "json": "text", "bigint": "int8",
    "integer": "int4", "smallint": "int2", "boolean": "bool", "double precision": "float8",
    "timestamp with time zone": "timestamptz",
}  # fmt: skip


class PostgresLoader(BulkLoader):
    """COPY into freshly truncated tables (so rows arrive frozen and never need their
    hint bits rewritten), with every index and key constraint of those tables, and
    every foreign key pointing at them, rebuilt once at the end."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        import psycopg  # noqa: PLC0415  (only PostgreSQL needs it)
        from psycopg import sql  # noqa: PLC0415

        driver: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
        self._cursor = driver.cursor()
        self._sql = sql
        self._copy_sql: dict[str, sql.Composed] = {}
        self._copy_types: dict[str, list[str] | None] = {}
        self._constraints: list[tuple[str, str, str, str]] = []  # table, name, definition, type
        self._indexes_sql: list[str] = []

    def prepare(self) -> None:
        tables = ", ".join(self._quote(t.table.name) for t in TARGETS)
        self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        self.conn.exec_driver_sql(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        for target in TARGETS:
            if self.conn.execute(select(literal(1)).select_from(target.table).limit(1)).first():
                raise ValueError(f"table {target.table.name} is not empty")
        oids = [
            self.conn.execute(text("SELECT CAST(:t AS regclass)::oid"),
                              {"t": self._quote(t.table.name)}).scalar_one()
            for t in TARGETS
        ]  # fmt: skip
        found = self.conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
                "FROM pg_constraint WHERE (conrelid = ANY(:oids) AND contype IN ('p', 'u', 'f')) "
                "OR (confrelid = ANY(:oids) AND contype = 'f') "
                "ORDER BY contype = 'f' DESC, conrelid, conname"
            ),
            {"oids": oids},
        ).all()
        self._constraints = [(str(a), str(b), str(c), str(d)) for a, b, c, d in found]
        for table_name, name, _, _ in self._constraints:  # foreign keys first
            self.conn.exec_driver_sql(
                f"ALTER TABLE {table_name} DROP CONSTRAINT {self._quote(name)}"
            )
        indexes = self.conn.execute(
            text(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(:oids) ORDER BY indrelid, indexrelid"
            ),
            {"oids": oids},
        ).all()
        self._indexes_sql = [str(definition) for _, definition in indexes]
        for name, _ in indexes:
            self.conn.exec_driver_sql(f"DROP INDEX {name}")
        self.conn.exec_driver_sql(f"TRUNCATE {tables}")  # empty already; enables FREEZE
        for target in TARGETS:
            self._plan_copy(target.table)

    def _plan_copy(self, table: Table) -> None:
        """Binary COPY where every column's binary form is known, text COPY otherwise."""
        described = self.conn.execute(
            text(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"t": self._quote(table.name)},
        )
        found = {str(name): str(kind) for name, kind in described}
        columns = self._columns(table)
        types = [_BINARY_AS.get(found.get(c.name, "")) for c in columns]
        binary = all(types)
        self._copy_types[table.name] = [str(t) for t in types] if binary else None
        self._copy_sql[table.name] = self._sql.SQL("COPY {} ({}) FROM STDIN ({})").format(
            self._sql.Identifier(table.name),
            self._sql.SQL(", ").join(self._sql.Identifier(c.name) for c in columns),
            self._sql.SQL("FORMAT BINARY, FREEZE" if binary else "FREEZE"),
        )

    def finish(self) -> None:
        keys = [c for c in self._constraints if c[3] != "f"]
        foreign = [c for c in self._constraints if c[3] == "f"]
        for table_name, name, definition, _ in keys:
            self.conn.exec_driver_sql(
                f"ALTER TABLE {table_name} ADD CONSTRAINT {self._quote(name)} {definition}"
            )
        for statement in self._indexes_sql:
            self.conn.exec_driver_sql(statement)
        for table_name, name, definition, _ in foreign:
            self.conn.exec_driver_sql(
                f"ALTER TABLE {table_name} ADD CONSTRAINT {self._quote(name)} {definition}"
            )
        self._constraints, self._indexes_sql = [], []

    def _quote(self, name: str) -> str:
        return self.conn.dialect.identifier_preparer.quote_identifier(name)

    def _write(self, table: Table, rows: Iterable[Row]) -> None:
        with self._cursor.copy(self._copy_sql[table.name]) as copy:
            types = self._copy_types[table.name]
            if types is not None:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)


class SqliteLoader(BulkLoader):
    """executemany on the driver connection, with SQLAlchemy's own conversions for the
    columns that need one (datetimes, booleans), so rows read back exactly as if
    written through SQLAlchemy."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._driver: Any = conn.connection.driver_connection
        self._cache_size = 0
        dialect = conn.dialect
        self._insert_sql: dict[str, str] = {}
        self._converters: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}
        for target in TARGETS:
            table, columns = target.table, self._columns(target.table)
            statement = insert(table).values({c.name: bindparam(c.name) for c in columns})
            compiled = statement.compile(dialect=dialect)
            if compiled.positiontup != [c.name for c in columns]:
                raise RuntimeError(f"unexpected parameter order for {table.name}")
            self._insert_sql[table.name] = str(compiled)
            converters: list[tuple[int, Callable[[Any], Any]]] = []
            for position, column in enumerate(columns):
                if isinstance(column.type, JSON):  # encoded as JSON text already
                    continue
                process = column.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    converters.append((position, _faster(process)))
            self._converters[table.name] = converters

    def prepare(self) -> None:
        # A big page cache during the load only: B-tree inserts stay in memory.
        self._cache_size = self._driver.execute("PRAGMA cache_size").fetchone()[0]
        self._driver.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        super().prepare()

    def close(self) -> None:
        if self._cache_size:
            self._driver.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
            self._cache_size = 0

    def _write(self, table: Table, rows: Iterable[Row]) -> None:
        converters = self._converters[table.name]
        if converters:
            rows = (_converted(row, converters) for row in rows)
        self._driver.executemany(self._insert_sql[table.name], rows)


def _datetime_text(value: datetime | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%d %H:%M:%S.%f}"


def _faster(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite datetime conversion formats through a dict; an f-string does
    the same several times faster. Used only where it gives the very same text."""
    samples = (datetime(2024, 2, 29, 23, 59, 58, 123, tzinfo=UTC), datetime(2026, 1, 2), None)
    try:
        same = all(process(v) == _datetime_text(v) for v in samples)
    except (TypeError, ValueError, AttributeError):
        same = False
    return _datetime_text if same else process


def _converted(row: Row, converters: list[tuple[int, Callable[[Any], Any]]]) -> Row:
    values = list(row)
    for position, process in converters:
        values[position] = process(values[position])
    return tuple(values)


def loader_for(conn: Connection) -> BulkLoader:
    if conn.dialect.name == "postgresql":
        return PostgresLoader(conn)
    if conn.dialect.name == "sqlite":
        return SqliteLoader(conn)
    raise ValueError(f"bulk loading is not supported on {conn.dialect.name}")
