"""Conversions between domain objects and database rows (ISO dates, JSON lists).

Each entity's column list is its table's record columns (`local_store/schema.py`),
in table order: a row tuple here has one value per column there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from local_store import schema
from local_store.errors import NotFound
from local_store.schema import record_columns
from local_store.search import join_tags, split_tags
from rm_desk.domain.model import (
    Customer,
    FollowUpTask,
    Gender,
    Holding,
    HoldingKind,
    IdType,
    Interaction,
    InteractionKind,
    Lifecycle,
    MonthlySnapshot,
    RiskProfile,
    Segment,
    TaskPriority,
    TaskSource,
    TaskStatus,
)


def d2s(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def s2d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def t2s(value: datetime | None) -> str | None:
    """Instants are stored as UTC ISO-8601 text so they sort as strings."""
    if value is None:
        return None
    if value.tzinfo is UTC:  # fast path (bulk loads): already UTC
        return value.isoformat(timespec="seconds")
    if value.tzinfo is None:
        raise ValueError("naive datetime: instants must carry a time zone")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def s2t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


T = TypeVar("T")

CUSTOMER_COLUMNS = record_columns(schema.customers)


def customer_row(c: Customer) -> tuple[Any, ...]:
    return (
        c.id,
        c.name,
        c.name_pinyin,
        c.name_initials,
        c.gender.value,
        d2s(c.birth_date),
        c.id_type.value,
        c.id_number,
        c.mobile,
        c.email,
        c.address,
        c.segment.value,
        c.lifecycle.value,
        c.aum_fen,
        c.aum_tier.value,
        c.owner_rm,
        c.branch,
        d2s(c.since),
        d2s(c.kyc_expiry),
        int(c.risk_profile) if c.risk_profile is not None else None,
        join_tags(c.tags),
        c.version,
    )


def customer_from(row: Sequence[Any]) -> Customer:
    """From a row in CUSTOMER_COLUMNS order."""
    since = s2d(row[17])
    assert since is not None  # noqa: S101  (NOT NULL column)
    return Customer(
        id=row[0],
        name=row[1],
        name_pinyin=row[2],
        name_initials=row[3],
        gender=Gender(row[4]),
        birth_date=s2d(row[5]),
        id_type=IdType(row[6]),
        id_number=row[7],
        mobile=row[8],
        email=row[9],
        address=row[10],
        segment=Segment(row[11]),
        lifecycle=Lifecycle(row[12]),
        aum_fen=row[13],
        owner_rm=row[15],
        branch=row[16],
        since=since,
        kyc_expiry=s2d(row[18]),
        risk_profile=RiskProfile(row[19]) if row[19] is not None else None,
        tags=tuple(split_tags(row[20])),
        version=row[21],
    )


HOLDING_COLUMNS = record_columns(schema.holdings)


def holding_row(h: Holding) -> tuple[Any, ...]:
    return (
        h.id,
        h.customer_id,
        h.kind.value,
        h.product,
        h.balance_fen,
        d2s(h.opened),
        d2s(h.maturity),
        h.rate_bp,
        h.account_no,
        h.version,
    )


def holding_from(row: Sequence[Any]) -> Holding:
    opened = s2d(row[5])
    assert opened is not None  # noqa: S101
    return Holding(
        id=row[0],
        customer_id=row[1],
        kind=HoldingKind(row[2]),
        product=row[3],
        balance_fen=row[4],
        opened=opened,
        maturity=s2d(row[6]),
        rate_bp=row[7],
        account_no=row[8],
        version=row[9],
    )


SNAPSHOT_COLUMNS = record_columns(schema.snapshots)


def snapshot_row(s: MonthlySnapshot) -> tuple[Any, ...]:
    return (
        s.customer_id,
        s.month,
        s.aum_fen,
        s.deposits_fen,
        s.wealth_fen,
        s.loans_fen,
        s.txn_count,
        s.txn_in_fen,
        s.txn_out_fen,
        s.salary_credit_fen,
        s.outflow_other_banks_fen,
        s.products_held,
        s.version,
    )


def snapshot_from(row: Sequence[Any]) -> MonthlySnapshot:
    return MonthlySnapshot(*row)


INTERACTION_COLUMNS = record_columns(schema.interactions)


def interaction_row(i: Interaction) -> tuple[Any, ...]:
    return (
        i.id,
        i.customer_id,
        i.kind.value,
        t2s(i.occurred_at),
        i.created_by,
        i.subject,
        i.note,
        json.dumps(list(i.participants), ensure_ascii=False) if i.participants else "[]",
        i.outcome,
        i.next_step,
        i.supersedes_id,
        t2s(i.created_at),
        i.version,
    )


def interaction_from(row: Sequence[Any]) -> Interaction:
    occurred = s2t(row[3])
    assert occurred is not None  # noqa: S101
    return Interaction(
        id=row[0],
        customer_id=row[1],
        kind=InteractionKind(row[2]),
        occurred_at=occurred,
        created_by=row[4],
        subject=row[5],
        note=row[6],
        participants=tuple(json.loads(row[7])),
        outcome=row[8],
        next_step=row[9],
        supersedes_id=row[10],
        created_at=s2t(row[11]),
        version=row[12],
    )


TASK_COLUMNS = record_columns(schema.tasks)


def task_row(t: FollowUpTask) -> tuple[Any, ...]:
    return (
        t.id,
        t.customer_id,
        t.title,
        d2s(t.due),
        int(t.priority),
        t.assignee,
        t.created_by,
        t.source.value,
        t.status.value,
        t.outcome,
        t.detail,
        t.reason_code,
        t2s(t.created_at),
        t2s(t.completed_at),
        t.version,
    )


def task_from(row: Sequence[Any]) -> FollowUpTask:
    due = s2d(row[3])
    assert due is not None  # noqa: S101
    return FollowUpTask(
        id=row[0],
        customer_id=row[1],
        title=row[2],
        due=due,
        priority=TaskPriority(row[4]),
        assignee=row[5],
        created_by=row[6],
        source=TaskSource(row[7]),
        status=TaskStatus(row[8]),
        outcome=row[9],
        detail=row[10],
        reason_code=row[11],
        created_at=s2t(row[12]),
        completed_at=s2t(row[13]),
        version=row[14],
    )


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run `sql` once per row; an empty batch is a no-op (not a bindings error)."""
    if rows:
        conn.exec_driver_sql(sql, list(rows))


def fetch_all(
    conn: Connection, decode: Callable[[Sequence[Any]], T], sql: str, params: Sequence[Any]
) -> tuple[T, ...]:
    """Every row `sql` selects, decoded, in its order."""
    return tuple(decode(row) for row in conn.exec_driver_sql(sql, tuple(params)).fetchall())


def fetch_by_id(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    key: str,
    decode: Callable[[Sequence[Any]], T],
    what: str,
) -> T:
    """The row of `table` with id `key`, decoded; NotFound(what, key) when there is none."""
    row = conn.exec_driver_sql(
        f"SELECT {cols(columns)} FROM {table} WHERE id = ?", (key,)
    ).fetchone()
    if row is None:
        raise NotFound(what, key)
    return decode(row)


def cols(names: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{n}" for n in names)


def marks(names: Sequence[object]) -> str:
    return ", ".join("?" for _ in names)
