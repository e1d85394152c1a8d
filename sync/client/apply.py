"""Applying server data to the local store: delta pages, snapshot pages, evictions.

A delta page is checked whole before anything is written (a malformed row rejects
the page and nothing of it is applied), then applied in one transaction together
with the new cursor. Evicting a customer moves every unsynced mutation about it to
the returned-work list (its outbox slot becomes a `noop`, so the sequence of
mutation ids stays gapless) before the rows are removed: work is never deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer
from sqlalchemy.exc import IntegrityError

from local_store import book, codec, conflicts, outbox, records, replica, schema, search
from local_store import churn as churn_store
from local_store import team as team_store
from sync import wire
from sync.client.errors import ProtocolViolation
from sync.protocol import Change, ReturnReason

LOCAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": (*codec.CUSTOMER_COLUMNS, "field_versions", "personal_masked"),
    "holding": codec.HOLDING_COLUMNS,
    "snapshot": codec.SNAPSHOT_COLUMNS,
    "interaction": codec.INTERACTION_COLUMNS,
    "task": (*codec.TASK_COLUMNS, "field_versions"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "customer": ("id", "name", "segment", "lifecycle", "aum_tier", "owner_rm", "branch", "since"),
    "holding": ("id", "customer_id", "kind", "product", "balance_fen", "opened"),
    "snapshot": ("customer_id", "month", "aum_fen"),
    "interaction": ("id", "customer_id", "kind", "occurred_at", "created_by"),
    "task": (
        "id",
        "customer_id",
        "title",
        "due",
        "priority",
        "assignee",
        "created_by",
        "source",
        "status",
    ),
}


def _local_columns(entity: str) -> list[Column[Any]]:
    names = LOCAL_COLUMNS[entity]
    table = schema.metadata.tables[wire.TABLE_OF[entity]]
    return [column for column in table.columns if column.name in names]


# Columns the local schema allows to be NULL; anything else must carry a value.
NULLABLE: dict[str, frozenset[str]] = {
    entity: frozenset(c.name for c in _local_columns(entity) if c.nullable)
    for entity in LOCAL_COLUMNS
}
# The whole-number columns, read off the local schema; `personal_masked`, stored 0/1,
# is a flag on the wire and converted on its own.
INT_COLUMNS = frozenset(
    c.name
    for entity in LOCAL_COLUMNS
    for c in _local_columns(entity)
    if isinstance(c.type, Integer)
) - {"personal_masked"}


def _to_local(column: str, value: Any) -> Any:
    if column in ("field_versions",):
        return json.dumps(value if isinstance(value, dict) else {}, sort_keys=True)
    if column == "participants":
        return json.dumps(value if isinstance(value, list) else [], ensure_ascii=False)
    if column == "personal_masked":
        return 1 if value else 0
    if column in INT_COLUMNS:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolViolation(f"{column} is not a whole number")
        return value
    if value is not None and not isinstance(value, str):
        raise ProtocolViolation(f"{column} is not text")
    return value


def rows_for(
    entity: str, records: Sequence[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Local columns and row tuples for server records; ProtocolViolation if malformed."""
    if entity not in LOCAL_COLUMNS:
        raise ProtocolViolation(f"unknown entity {entity!r}")
    columns = list(LOCAL_COLUMNS[entity])
    out: list[tuple[Any, ...]] = []
    for record in records:
        if not isinstance(record, dict):
            raise ProtocolViolation(f"a {entity} row is not an object")
        missing = [c for c in REQUIRED[entity] if record.get(c) in (None, "")]
        if missing:
            raise ProtocolViolation(f"a {entity} row lacks {', '.join(missing)}")
        values = []
        for column in columns:
            value = record.get(column, _default(column))
            if value is None and column not in NULLABLE[entity]:
                raise ProtocolViolation(f"a {entity} row lacks {column}")
            values.append(_to_local(column, value))
        out.append(tuple(values))
    return columns, out


_NONE = type(None)
_INT_TYPES = frozenset({int, _NONE})
_TEXT_TYPES = frozenset({str, _NONE})


def rows_from_columns(
    entity: str, page_columns: Sequence[str], page_rows: Sequence[Sequence[Any]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """`rows_for` for a snapshot page (rows as lists under `page_columns`), checked and
    converted a column at a time: the same rules and the same local values, without a
    dictionary and a dispatch per value (a first sync converts millions of rows)."""
    if entity not in LOCAL_COLUMNS:
        raise ProtocolViolation(f"unknown entity {entity!r}")
    position = {name: i for i, name in enumerate(page_columns)}
    count = len(page_rows)
    if count and (
        not set(map(type, page_rows)) <= {list, tuple}
        or set(map(len, page_rows)) != {len(page_columns)}
    ):
        raise ProtocolViolation("a snapshot row has the wrong number of values")
    by_column: list[tuple[Any, ...]] = list(zip(*page_rows, strict=True)) if count else []
    columns = list(LOCAL_COLUMNS[entity])
    required, nullable = REQUIRED[entity], NULLABLE[entity]
    converted: list[Sequence[Any]] = []
    for column in columns:
        i = position.get(column)
        values: Sequence[Any] = (
            by_column[i] if i is not None and count else ((_default(column),) * count)
        )
        # The set of value types answers "any None?" and "any non-text?" without
        # scanning the column again; only a required text column is searched for "".
        types = set(map(type, values))
        if _NONE in types and (column in required or column not in nullable):
            raise ProtocolViolation(f"a {entity} row lacks {column}")
        if column in required and str in types and "" in values:
            raise ProtocolViolation(f"a {entity} row lacks {column}")
        if column == "field_versions":
            values = [
                json.dumps(v if isinstance(v, dict) else {}, sort_keys=True) if v else "{}"
                for v in values
            ]
        elif column == "participants":
            values = [
                json.dumps(v if isinstance(v, list) else [], ensure_ascii=False) if v else "[]"
                for v in values
            ]
        elif column == "personal_masked":
            values = [1 if v else 0 for v in values]
        elif column in INT_COLUMNS:
            if not types <= _INT_TYPES:  # bool is not a whole number here
                raise ProtocolViolation(f"{column} is not a whole number")
        elif not types <= _TEXT_TYPES:
            raise ProtocolViolation(f"{column} is not text")
        converted.append(values)
    return columns, list(zip(*converted, strict=True)) if count else []


def _default(column: str) -> Any:
    if column in ("version",):
        return 0
    if column in ("field_versions",):
        return {}
    if column == "participants":
        return []
    if column == "personal_masked":
        return False
    if (
        column in INT_COLUMNS
        or column.endswith(("_at", "_date", "_id", "expiry"))
        or column
        in (
            "maturity",
            "reason_code",
            "completed_at",
            "supersedes_id",
            "birth_date",
            "kyc_expiry",
            "risk_profile",
            "rate_bp",
        )
    ):
        return None
    return ""


def write_rows(
    conn: Connection,
    entity: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    index_search: bool = True,
    insert_only: bool = False,
) -> None:
    """Upsert rows (the delta path). `insert_only`: plain INSERTs, for a snapshot into
    emptied tables whose unique indexes are dropped until the end (customers, whose key
    is never dropped, still upsert)."""
    try:
        replica.put_rows(
            conn,
            wire.TABLE_OF[entity],
            columns,
            rows,
            # customers, whose key is never dropped, still upsert
            insert_only=insert_only and entity != "customer",
        )
    except IntegrityError:
        raise ProtocolViolation(f"{entity} rows break the local schema's rules") from None
    if entity == "customer" and rows:
        idx = {c: i for i, c in enumerate(columns)}
        ids = [r[idx["id"]] for r in rows]
        pks = book.pks_for(conn, ids)
        book.replace_tags(
            conn, {pks[r[idx["id"]]]: search.split_tags(r[idx["tags"]]) for r in rows}
        )
        if index_search:
            search.reindex(
                conn,
                [
                    (
                        pks[r[idx["id"]]],
                        r[idx["name"]],
                        r[idx["id"]],
                        r[idx["mobile"]],
                        r[idx["tags"]],
                    )
                    for r in rows
                ],
            )


# --- returned work --------------------------------------------------------------------


def _customer_of_mutation(
    conn: Connection, entity: str, entity_id: str, fields: dict[str, Any]
) -> str | None:
    if entity == "customer":
        return entity_id
    if "customer_id" in fields and isinstance(fields["customer_id"], str):
        return fields["customer_id"]
    if entity == "task":
        return records.task_customer(conn, entity_id)
    return None


def return_work(
    conn: Connection, customer_ids: set[str], reason: ReturnReason, now: datetime
) -> int:
    """Move unsynced mutations about these customers to the returned-work list."""
    if not customer_ids:
        return 0
    moved = 0
    at = now
    for queued in outbox.queued(conn):
        fields = json.loads(queued.fields)
        customer = _customer_of_mutation(conn, queued.entity, queued.entity_id, fields)
        if customer not in customer_ids:
            continue
        conflicts.add_returned(
            conn,
            queued.mutation_id,
            queued.entity,
            queued.entity_id,
            _summary(queued.name, fields),
            queued.fields,
            reason,
            at,
        )
        outbox.make_noop(conn, queued.mutation_id)
        moved += 1
    return moved


def _summary(name: str, fields: dict[str, Any]) -> str:
    parts = [name]
    for key in ("customer_id", "subject", "title"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            parts.append(value)
    return " · ".join(parts)


def return_rejected(
    conn: Connection,
    mutation_id: int,
    reason: str,
    now: datetime,
    current: dict[str, Any] | None = None,
) -> None:
    """A mutation the server refused for good: keep its content for the user as
    returned work, and put the local copy back in line with the server — the
    server's row when it sent one, no row when the record never reached it."""
    queued = outbox.queued_mutation(conn, mutation_id)
    if queued is None or queued.entity == "noop":
        return
    fields = json.loads(queued.fields)
    entity, entity_id, op = queued.entity, queued.entity_id, queued.op
    if current is not None and entity in ("task", "customer"):
        columns, rows = rows_for(entity, [current])
        write_rows(conn, entity, columns, rows)
        book.refresh_activity(conn, [str(current.get("customer_id") or current.get("id"))])
    elif entity in ("interaction", "task") and (op == "create" or entity == "task"):
        owner = (
            records.delete_interaction(conn, entity_id)
            if entity == "interaction"
            else next(iter(records.delete_tasks(conn, [entity_id])), None)
        )
        if owner is not None:
            book.refresh_activity(conn, [owner])
    conflicts.add_returned(
        conn,
        mutation_id,
        entity,
        entity_id,
        _summary(queued.name, fields),
        queued.fields,
        reason,
        now,
    )


# --- delta pages ----------------------------------------------------------------------


def apply_changes(
    conn: Connection,
    changes: Sequence[Change],
    now: datetime,
    on_evict: Callable[[set[str]], None] | None = None,
    *,
    me: str = "",
    assigned: list[str] | None = None,
) -> set[str]:
    """Apply one pull page (inside the caller's transaction) at the session's `now`
    (stamped on work returned to the user); returns customers touched.

    Open follow-ups that come to the user `me` from someone else are flagged as new
    (local_store.team.note_assignments) and their ids appended to `assigned`."""
    upserts: dict[str, list[dict[str, Any]]] = {}
    deletes: dict[str, list[str]] = {}
    evicted: set[str] = set()
    for change in changes:
        if change.op == "upsert":
            if change.entity not in LOCAL_COLUMNS:
                continue  # an entity this version does not know: ignored, not fatal
            if change.data is None:
                raise ProtocolViolation(f"an upsert of {change.entity} has no data")
            upserts.setdefault(change.entity, []).append(change.data)
        elif change.op == "delete":
            deletes.setdefault(change.entity, []).append(change.id)
        elif change.op == "evict" and change.entity == "customer":
            evicted.add(change.id)
    # Validate everything before writing anything.
    prepared = {entity: rows_for(entity, records) for entity, records in upserts.items()}
    touched: set[str] = set()
    for entity in ("customer", "holding", "snapshot", "interaction", "task"):
        if entity in prepared:
            columns, rows = prepared[entity]
            idx = columns.index("id" if entity == "customer" else "customer_id")
            present = (
                _present_customers(conn, {r[idx] for r in rows}) if entity != "customer" else None
            )
            if present is not None:
                rows = [r for r in rows if r[idx] in present]  # orphans wait for their parent
            if entity == "task" and me:
                flagged = team_store.note_assignments(conn, me, columns, rows, now)
                if assigned is not None:
                    assigned.extend(flagged)
            write_rows(conn, entity, columns, rows)
            touched.update(r[idx] for r in rows)
            if entity == "snapshot" and rows:  # churn's per-customer summary follows
                month = columns.index("month")
                churn_store.refresh_snapshot_summary(
                    conn, [r[idx] for r in rows], max(r[month] for r in rows)
                )
    for entity, ids in deletes.items():
        if entity == "task":
            touched |= records.delete_tasks(conn, ids)
        elif entity == "customer":
            evicted.update(ids)
    if evicted:
        if on_evict is not None:
            on_evict(evicted)
        return_work(conn, evicted, ReturnReason.LEFT_BOOK, now)
        book.delete_customers(conn, sorted(evicted))
        touched -= evicted
    book.refresh_activity(conn, sorted(touched))
    return touched


def _present_customers(conn: Connection, ids: set[str]) -> set[str]:
    return set(book.pks_for(conn, sorted(ids)))
