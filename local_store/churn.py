"""Churn data in the local store: model bodies, the indicator inputs of a book read
as data frames, scores written back in bulk, score history and the local record of
acknowledged or dismissed flags.

Reads for a whole book are a handful of set queries (the last twelve months of
snapshots, maturing products, recent complaints, each customer's last RM contact
aggregated in SQL), never one query per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from local_store.codec import executemany, marks

INPUT_MONTHS = 12  # snapshots read back from the reference month
_SNAPSHOT_COLUMNS = (
    "customer_id",
    "month",
    "aum_fen",
    "deposits_fen",
    "txn_count",
    "txn_in_fen",
    "txn_out_fen",
    "salary_credit_fen",
    "outflow_other_banks_fen",
    "products_held",
)


@dataclass(frozen=True, slots=True)
class ChurnInputs:
    customers: pd.DataFrame  # id, since, aum_fen
    snapshots: pd.DataFrame
    holdings: pd.DataFrame  # customer_id, kind, balance_fen, opened, maturity
    interactions: pd.DataFrame  # customer_id, kind, occurred_at
    ref_month: str | None  # latest snapshot month on or before the as-of day


def _frame(
    conn: Connection, sql: str, params: Sequence[Any], columns: Sequence[str]
) -> pd.DataFrame:
    rows = conn.exec_driver_sql(sql, tuple(params)).fetchall()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _month_back(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def load_inputs(
    conn: Connection, as_of: date, customer_ids: Sequence[str] | None = None
) -> ChurnInputs:
    """Everything the indicators need, for the whole book or for some customers."""
    where, params = "", tuple[str, ...]()
    if customer_ids is not None:
        where, params = f" WHERE id IN ({marks(customer_ids)})", tuple(customer_ids)
    customers = _frame(conn, f"SELECT id, since, aum_fen FROM customers{where}", params,
                       ("id", "since", "aum_fen"))  # fmt: skip
    by_customer, cparams = "", tuple[str, ...]()
    if customer_ids is not None:
        by_customer, cparams = f" AND customer_id IN ({marks(customer_ids)})", tuple(customer_ids)
    row = conn.exec_driver_sql(
        "SELECT max(month) FROM snapshots WHERE month <= ?", (as_of.isoformat()[:7],)
    ).fetchone()
    ref_month = row[0] if row and row[0] else None
    if ref_month is None:
        snapshots = pd.DataFrame(columns=list(_SNAPSHOT_COLUMNS))
    else:
        snapshots = _frame(
            conn,
            f"SELECT {', '.join(_SNAPSHOT_COLUMNS)} FROM snapshots "
            f"WHERE month > ? AND month <= ?{by_customer}",
            (_month_back(ref_month, INPUT_MONTHS), ref_month, *cparams),
            _SNAPSHOT_COLUMNS,
        )
    holdings = _frame(
        conn,
        "SELECT customer_id, kind, balance_fen, opened, maturity FROM holdings "
        f"WHERE kind IN ('term_deposit', 'wealth') AND maturity IS NOT NULL{by_customer}",
        cparams,
        ("customer_id", "kind", "balance_fen", "opened", "maturity"),
    )
    recent = (as_of - timedelta(days=100)).isoformat()
    complaints = _frame(
        conn,
        "SELECT customer_id, kind, occurred_at FROM interactions "
        f"WHERE kind = 'complaint' AND occurred_at >= ?{by_customer}",
        (recent, *cparams),
        ("customer_id", "kind", "occurred_at"),
    )
    # Only each customer's latest RM contact on or before the as-of day matters.
    last_contact = _frame(
        conn,
        "SELECT customer_id, 'visit', max(occurred_at) FROM interactions "
        f"WHERE kind IN ('visit', 'call', 'message') AND occurred_at < ?{by_customer} "
        "GROUP BY customer_id",
        ((as_of + timedelta(days=1)).isoformat(), *cparams),
        ("customer_id", "kind", "occurred_at"),
    )
    interactions = pd.concat([complaints, last_contact], ignore_index=True)
    return ChurnInputs(customers, snapshots, holdings, interactions, ref_month)


# --- models ---------------------------------------------------------------------------------


def store_model(
    conn: Connection, version: str, body: str, received_at: str, *, active: bool
) -> None:
    """Keep a received model; when `active`, it becomes the only active one."""
    if active:
        conn.exec_driver_sql("UPDATE churn_models SET active = 0 WHERE active = 1")
    conn.exec_driver_sql(
        "INSERT INTO churn_models(version, body, received_at, active) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(version) DO UPDATE SET body = excluded.body, "
        "received_at = excluded.received_at, active = excluded.active",
        (version, body, received_at, 1 if active else 0),
    )


def active_model(conn: Connection) -> tuple[str, str] | None:
    row = conn.exec_driver_sql(
        "SELECT version, body FROM churn_models WHERE active = 1 LIMIT 1"
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def latest_received(conn: Connection) -> str | None:
    """The version last received from the server (active or refused)."""
    row = conn.exec_driver_sql(
        "SELECT version FROM churn_models ORDER BY received_at DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None


# --- scores ---------------------------------------------------------------------------------

ScoreRow = tuple[str, float, str, str, str, str]  # id, score, level, reasons JSON, model, at


def save_scores(conn: Connection, rows: Sequence[ScoreRow], month: str) -> None:
    """Store scores, mirror score and level onto the book rows, and keep the month's
    score in the history (the latest scoring of a month wins)."""
    executemany(
        conn,
        "INSERT INTO churn_scores(customer_id, score, level, reasons, model_version, scored_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(customer_id) DO UPDATE SET score = excluded.score, "
        "level = excluded.level, reasons = excluded.reasons, "
        "model_version = excluded.model_version, scored_at = excluded.scored_at",
        rows,
    )
    executemany(
        conn,
        "UPDATE customers SET churn_score = ?, churn_level = ? WHERE id = ?",
        [(r[1], r[2], r[0]) for r in rows],
    )
    executemany(
        conn,
        "INSERT INTO churn_score_history(customer_id, month, score, level, model_version) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(customer_id, month) DO UPDATE SET "
        "score = excluded.score, level = excluded.level, model_version = excluded.model_version",
        [(r[0], month, r[1], r[2], r[4]) for r in rows],
    )


def score_history(conn: Connection, customer_id: str) -> list[tuple[str, float, str, str]]:
    """(month, score, level, model version), oldest first."""
    return [
        (str(r[0]), float(r[1]), str(r[2]), str(r[3]))
        for r in conn.exec_driver_sql(
            "SELECT month, score, level, model_version FROM churn_score_history "
            "WHERE customer_id = ? ORDER BY month",
            (customer_id,),
        )
    ]


def record_event(
    conn: Connection,
    event_id: str,
    customer_id: str,
    action: str,
    reason_code: str | None,
    note: str,
    score: float | None,
    level: str | None,
    at: str,
) -> None:
    conn.exec_driver_sql(
        "INSERT INTO churn_events(id, customer_id, action, reason_code, note, score, level, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, customer_id, action, reason_code, note, score, level, at),
    )


def events(conn: Connection, customer_id: str) -> list[dict[str, Any]]:
    cols = ("id", "action", "reason_code", "note", "score", "level", "at")
    return [
        dict(zip(cols, r, strict=True))
        for r in conn.exec_driver_sql(
            f"SELECT {', '.join(cols)} FROM churn_events WHERE customer_id = ? ORDER BY at",
            (customer_id,),
        )
    ]
