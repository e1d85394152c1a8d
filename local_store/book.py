"""Customer repository: upserts, the book as id windows, rows, and the 360 profile.

The book table model holds only primary keys (`book_ids`) and asks for rows a
window at a time (`book_rows`), so sorting and filtering 100,000 customers is one
indexed SQL query, never a Python sort. Denormalised columns on `customers`
(last contact, next task due, open task count) are kept in step by the note and
task repositories so the book needs no joins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from local_store import search
from local_store.codec import (
    CUSTOMER_COLUMNS,
    HOLDING_COLUMNS,
    INTERACTION_COLUMNS,
    SNAPSHOT_COLUMNS,
    TASK_COLUMNS,
    cols,
    customer_from,
    customer_row,
    executemany,
    fetch_all,
    fetch_by_id,
    holding_from,
    interaction_from,
    marks,
    s2t,
    snapshot_from,
    task_from,
)
from rm_desk.domain.book import (
    ALL_CUSTOMERS,
    BY_NAME,
    BookColumn,
    BookFilter,
    BookRow,
    BookSort,
    CustomerProfile,
)
from rm_desk.domain.model import (
    AumTier,
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    Customer,
    Lifecycle,
    Segment,
)
from rm_desk.domain.rules import RM_CONTACT_KINDS

_UPSERT_CUSTOMER = (
    f"INSERT INTO customers ({cols(CUSTOMER_COLUMNS)}) VALUES ({marks(CUSTOMER_COLUMNS)}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in CUSTOMER_COLUMNS if c != "id")
)


def replace_tags(conn: Connection, tags: Mapping[int, Iterable[str]]) -> None:
    """Each customer's (by pk) tags become exactly these."""
    executemany(conn, "DELETE FROM customer_tags WHERE customer_pk = ?", [(pk,) for pk in tags])
    executemany(
        conn,
        "INSERT OR IGNORE INTO customer_tags(tag, customer_pk) VALUES (?, ?)",
        [(tag, pk) for pk, names in tags.items() for tag in names],
    )


def upsert_customers(conn: Connection, customers: Sequence[Customer]) -> list[int]:
    """Insert or update customers, their tags and search entries; returns their pks."""
    if not customers:
        return []
    conn.exec_driver_sql(_UPSERT_CUSTOMER, [customer_row(c) for c in customers])
    ids = [c.id for c in customers]
    pks = pks_for(conn, ids)
    by_id = {c.id: c for c in customers}
    replace_tags(conn, {pks[c.id]: c.tags for c in customers})
    search.reindex(
        conn,
        [(pks[i], by_id[i].name, i, by_id[i].mobile, search.join_tags(by_id[i].tags)) for i in ids],
    )
    return [pks[i] for i in ids]


def pks_for(conn: Connection, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.exec_driver_sql(
            f"SELECT id, pk FROM customers WHERE id IN ({marks(chunk)})", tuple(chunk)
        ).fetchall()
        found.update((r[0], r[1]) for r in rows)
    return found


def delete_customers(conn: Connection, ids: Sequence[str]) -> int:
    """Remove customers and (by cascade) everything under them from the cache."""
    pks = list(pks_for(conn, ids).values())
    search.remove(conn, pks)
    executemany(conn, "DELETE FROM customers WHERE pk = ?", [(pk,) for pk in pks])
    return len(pks)


def clear_book(conn: Connection) -> None:
    """Empty the replica for a replacement snapshot: every customer, everything under
    them (by cascade) and the search index. The outbox and sync state stay."""
    conn.exec_driver_sql("DELETE FROM customer_search")
    conn.exec_driver_sql("DELETE FROM customers")


def get_customer(conn: Connection, customer_id: str) -> Customer:
    return fetch_by_id(conn, "customers", CUSTOMER_COLUMNS, customer_id, customer_from, "customer")


def customer_count(conn: Connection) -> int:
    row = conn.exec_driver_sql("SELECT count(*) FROM customers").fetchone()
    return int(row[0]) if row else 0


# --- the book as a list ---------------------------------------------------------------

_SORT_SQL: dict[BookColumn, str] = {
    BookColumn.NAME: "name_sort {d}, pk",
    BookColumn.CIF: "id {d}",
    BookColumn.SEGMENT: "segment {d}, aum_fen DESC, pk",
    BookColumn.AUM: "aum_fen {d}, pk",
    BookColumn.LIFECYCLE: "lifecycle {d}, pk",
    # Churn: by score, customers without one last whichever way.
    BookColumn.CHURN: "churn_score IS NULL, churn_score {d}, pk",
    BookColumn.LAST_CONTACT: "last_contact_at IS NULL, last_contact_at {d}, pk",
    BookColumn.NEXT_TASK: "next_task_due IS NULL, next_task_due {d}, pk",
    BookColumn.OWNER: "owner_rm {d}, pk",
}

_TIER_BOUNDS: dict[AumTier, tuple[int, int | None]] = {
    AumTier.BELOW_50K: (-(2**62), 5_000_000),
    AumTier.FROM_50K: (5_000_000, 50_000_000),
    AumTier.FROM_500K: (50_000_000, 600_000_000),
    AumTier.FROM_6M: (600_000_000, 3_000_000_000),
    AumTier.FROM_30M: (3_000_000_000, None),
}


def _where(filt: BookFilter, today: date) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def members(column: str, values: Iterable[str]) -> None:
        ordered = sorted(values)
        if ordered:
            clauses.append(f"{column} IN ({marks(ordered)})")
            params.extend(ordered)

    members("segment", (s.value for s in filt.segments))
    members("aum_tier", (t.value for t in filt.tiers))
    members("lifecycle", (x.value for x in filt.lifecycles))
    members("churn_level", (c.value for c in filt.churn_levels))
    for tag in sorted(filt.tags):
        clauses.append("pk IN (SELECT customer_pk FROM customer_tags WHERE tag = ?)")
        params.append(tag)
    if filt.not_contacted_days is not None:
        cutoff = (today - timedelta(days=filt.not_contacted_days)).isoformat()
        clauses.append("(last_contact_at IS NULL OR last_contact_at < ?)")
        params.append(cutoff)
    if filt.task_due_within_days is not None:
        limit = (today + timedelta(days=filt.task_due_within_days)).isoformat()
        clauses.append("next_task_due IS NOT NULL AND next_task_due <= ?")
        params.append(limit)
    if filt.owner is not None:
        clauses.append("owner_rm = ?")
        params.append(filt.owner)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def book_ids(
    conn: Connection,
    filt: BookFilter = ALL_CUSTOMERS,
    sort: BookSort = BY_NAME,
    *,
    today: date,
) -> list[int]:
    """The pks of every customer passing `filt`, in `sort` order."""
    where, params = _where(filt, today)
    order = _SORT_SQL[sort.column].format(d="DESC" if sort.descending else "ASC")
    rows = conn.exec_driver_sql(
        f"SELECT pk FROM customers{where} ORDER BY {order}", tuple(params)
    ).fetchall()
    return [r[0] for r in rows]


_BOOK_ROW_SQL = (
    "SELECT pk, id, name, segment, lifecycle, aum_fen, aum_tier, churn_level, churn_score, "
    "last_contact_at, next_task_due, open_tasks, tags, owner_rm, "
    "(SELECT s.reasons FROM churn_scores s WHERE s.customer_id = customers.id) "
    "FROM customers WHERE pk IN ({})"
)


def book_rows(conn: Connection, pks: Sequence[int]) -> list[BookRow]:
    """Rows for a window of pks, in the order given (missing pks are skipped)."""
    found: dict[int, BookRow] = {}
    for start in range(0, len(pks), 500):
        chunk = tuple(pks[start : start + 500])
        for r in conn.exec_driver_sql(_BOOK_ROW_SQL.format(marks(chunk)), chunk).fetchall():
            found[r[0]] = BookRow(
                pk=r[0],
                cif=r[1],
                name=r[2],
                segment=Segment(r[3]),
                lifecycle=Lifecycle(r[4]),
                aum_fen=r[5],
                aum_tier=AumTier(r[6]),
                churn_level=ChurnLevel(r[7]) if r[7] else None,
                churn_score=r[8],
                last_contact_at=r[9],
                next_task_due=r[10],
                open_tasks=r[11],
                tags=tuple(search.split_tags(r[12])),
                owner_rm=r[13],
                churn_reason=_top_reason(r[14]),
            )
    return [found[pk] for pk in pks if pk in found]


# The book as an export writes it: what the table shows plus the contact fields, in
# the table's order, streamed (`fetchmany`), so 100,000 rows never sit in one list.
_BOOK_EXPORT_SQL = (
    "SELECT id, name, segment, lifecycle, aum_fen, churn_level, churn_score, "
    "last_contact_at, next_task_due, open_tasks, tags, owner_rm, mobile, email "
    "FROM customers{where} ORDER BY {order}"
)
BOOK_EXPORT_COLUMNS = (
    "cif", "name", "segment", "lifecycle", "aum_fen", "churn_level", "churn_score",
    "last_contact_at", "next_task_due", "open_tasks", "tags", "owner_rm", "mobile", "email",
)  # fmt: skip


def book_export_rows(
    conn: Connection,
    filt: BookFilter = ALL_CUSTOMERS,
    sort: BookSort = BY_NAME,
    *,
    today: date,
    batch: int = 2000,
) -> Iterator[tuple[Any, ...]]:
    """Every customer passing `filt` in `sort` order as a tuple of `BOOK_EXPORT_COLUMNS`
    (tags as stored: `search.split_tags` reads them), `batch` rows fetched at a time."""
    where, params = _where(filt, today)
    order = _SORT_SQL[sort.column].format(d="DESC" if sort.descending else "ASC")
    result = conn.exec_driver_sql(_BOOK_EXPORT_SQL.format(where=where, order=order), tuple(params))
    try:
        while rows := result.fetchmany(batch):
            for r in rows:
                yield tuple(r)
    finally:
        result.close()


def book_count(conn: Connection, filt: BookFilter = ALL_CUSTOMERS, *, today: date) -> int:
    """How many customers pass `filt`."""
    where, params = _where(filt, today)
    row = conn.exec_driver_sql(f"SELECT count(*) FROM customers{where}", tuple(params)).fetchone()
    return int(row[0]) if row else 0


def _top_reason(reasons_json: str | None) -> ChurnReason | None:
    if not reasons_json:
        return None
    reasons = json.loads(reasons_json)
    if not reasons:
        return None
    top = reasons[0]
    return ChurnReason(top["code"], float(top["contribution"]), dict(top.get("values", {})))


def all_tags(conn: Connection) -> list[tuple[str, int]]:
    """Every tag in the book with its customer count, most used first."""
    rows = conn.exec_driver_sql(
        "SELECT tag, count(*) FROM customer_tags GROUP BY tag ORDER BY count(*) DESC, tag"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


# --- the customer 360 profile ---------------------------------------------------------


def profile(
    conn: Connection, customer_id: str, *, interactions_limit: int = 200
) -> CustomerProfile:
    customer = get_customer(conn, customer_id)
    masked_row = conn.exec_driver_sql(
        "SELECT personal_masked FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    holdings = fetch_all(
        conn,
        holding_from,
        f"SELECT {cols(HOLDING_COLUMNS)} FROM holdings WHERE customer_id = ? "
        "ORDER BY kind, balance_fen DESC",
        (customer_id,),
    )
    snapshots = fetch_all(
        conn,
        snapshot_from,
        f"SELECT {cols(SNAPSHOT_COLUMNS)} FROM snapshots WHERE customer_id = ? ORDER BY month",
        (customer_id,),
    )
    interactions = fetch_all(
        conn,
        interaction_from,
        f"SELECT {cols(INTERACTION_COLUMNS)} FROM interactions WHERE customer_id = ? "
        "ORDER BY occurred_at DESC, id DESC LIMIT ?",
        (customer_id, interactions_limit),
    )
    total_row = conn.exec_driver_sql(
        "SELECT count(*) FROM interactions WHERE customer_id = ?", (customer_id,)
    ).fetchone()
    tasks = fetch_all(
        conn,
        task_from,
        f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE customer_id = ? "
        "AND status IN ('open', 'in_progress') ORDER BY due, priority DESC",
        (customer_id,),
    )
    return CustomerProfile(
        customer=customer,
        holdings=holdings,
        snapshots=snapshots,
        interactions=interactions,
        open_tasks=tasks,
        churn=churn_assessment(conn, customer_id),
        personal_masked=bool(masked_row[0]) if masked_row else False,
        interactions_total=int(total_row[0]) if total_row else 0,
    )


def reasons_from_json(text: str) -> tuple[ChurnReason, ...]:
    """Stored reasons (a JSON list of code, contribution, values) as domain values."""
    return tuple(
        ChurnReason(
            code=r["code"], contribution=float(r["contribution"]), values=dict(r.get("values", {}))
        )
        for r in json.loads(text)
    )


def churn_assessment(conn: Connection, customer_id: str) -> ChurnAssessment | None:
    """The stored score. Its reasons are kept for amber and red customers only: a
    green customer's are worked out when asked (`rm_desk.services.churn.assessment`)."""
    row = conn.exec_driver_sql(
        "SELECT score, level, reasons, model_version, scored_at FROM churn_scores "
        "WHERE customer_id = ?",
        (customer_id,),
    ).fetchone()
    if row is None:
        return None
    scored_at = s2t(row[4])
    assert scored_at is not None  # noqa: S101
    return ChurnAssessment(
        customer_id=customer_id,
        score=row[0],
        level=ChurnLevel(row[1]),
        reasons=reasons_from_json(row[2]),
        model_version=row[3],
        scored_at=scored_at,
    )


def save_churn(conn: Connection, assessments: Sequence[ChurnAssessment]) -> None:
    """Store assessments and mirror score and level onto the book rows."""
    if not assessments:
        return
    conn.exec_driver_sql(
        "INSERT INTO churn_scores(customer_id, score, level, reasons, model_version, scored_at, "
        "month) VALUES (?, ?, ?, ?, ?, ?, substr(?6, 1, 7)) ON CONFLICT(customer_id) DO UPDATE "
        "SET score = excluded.score, level = excluded.level, reasons = excluded.reasons, "
        "model_version = excluded.model_version, scored_at = excluded.scored_at, "
        "month = excluded.month",
        [
            (
                a.customer_id,
                a.score,
                a.level.value,
                json.dumps(
                    [
                        {"code": r.code, "contribution": r.contribution, "values": r.values}
                        for r in a.reasons
                    ],
                    ensure_ascii=False,
                ),
                a.model_version,
                a.scored_at.isoformat(timespec="seconds"),
            )
            for a in assessments
        ],
    )
    conn.exec_driver_sql(
        "UPDATE customers SET churn_score = ?, churn_level = ? WHERE id = ?",
        [(a.score, a.level.value, a.customer_id) for a in assessments],
    )


RM_KINDS_SQL = ", ".join(f"'{k}'" for k in sorted(RM_CONTACT_KINDS))  # visit, call, message


def refresh_activity(conn: Connection, customer_ids: Sequence[str] | None = None) -> None:
    """Recompute last contact (any kind, and by the RM: visit, call or message), next
    open task due and open task count for customers (all when `customer_ids` is None)."""
    sql = (
        "UPDATE customers SET "
        "last_contact_at = (SELECT max(occurred_at) FROM interactions i "
        "  WHERE i.customer_id = customers.id), "
        # newest first down the (customer, time) index: stops at the first RM contact
        "last_rm_contact_at = (SELECT occurred_at FROM interactions i "
        f"  WHERE i.customer_id = customers.id AND i.kind IN ({RM_KINDS_SQL}) "
        "  ORDER BY occurred_at DESC LIMIT 1), "
        "next_task_due = (SELECT min(due) FROM tasks t WHERE t.customer_id = customers.id "
        "  AND t.status IN ('open', 'in_progress')), "
        "open_tasks = (SELECT count(*) FROM tasks t WHERE t.customer_id = customers.id "
        "  AND t.status IN ('open', 'in_progress'))"
    )
    if customer_ids is None:
        conn.exec_driver_sql(sql)
    else:
        executemany(conn, sql + " WHERE id = ?", [(i,) for i in customer_ids])
