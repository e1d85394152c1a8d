"""Churn data in the local store: model bodies, the indicator inputs of a book read
as data frames, scores written back in bulk, score history and the local record of
acknowledged or dismissed flags.

Reads for a whole book are a handful of set queries (each customer's snapshot
summary, maturing products, recent complaints, each customer's last RM contact
aggregated in SQL), never one query per customer.

The snapshot summary (twelve months of snapshots aggregated per customer) is kept in
`snapshot_summary` when snapshots are written, at the latest snapshot month (meta
'snapshot_summary_month'): rebuilt in one statement at the end of a bulk load or first
sync, recomputed for the customers a pull page touched, and rebuilt whole when a page
brings a later month. A rescore at that month reads it; any other reference month (or
a store in the middle of a bulk load) aggregates the snapshots at read time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from local_store.book import RM_KINDS_SQL
from local_store.codec import marks
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import (
    CODES,
    LATEST_RM_CONTACT,
    SUMMARY_COLUMNS,
    WINDOW_MONTHS,
    month_index,
)

INPUT_MONTHS = WINDOW_MONTHS  # snapshots read back from the reference month


@dataclass(frozen=True, slots=True)
class ChurnInputs:
    customers: pd.DataFrame  # id, since, aum_fen
    summary: pd.DataFrame  # SUMMARY_COLUMNS of the snapshots, indexed by customer id
    holdings: pd.DataFrame  # customer_id, kind, balance_fen, opened, maturity
    interactions: pd.DataFrame  # customer_id, kind, occurred_at
    ref_month: str | None  # latest snapshot month on or before the as-of day
    pks: dict[str, int]  # each customer's row key in the store


def _columns(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    """A frame from plain DB-API tuples (several times cheaper than from result rows
    at 100,000 customers)."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _frame(
    conn: Connection, sql: str, params: Sequence[Any], columns: Sequence[str]
) -> pd.DataFrame:
    cursor = conn.exec_driver_sql(sql, tuple(params)).cursor  # DB-API cursor: plain tuples
    return _columns(cursor.fetchall() if cursor is not None else [], columns)


def _month_back(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# The snapshot summary in SQL, one row per customer: the same aggregates as
# `indicators.summarise_snapshots` (a test checks they agree). `{lN}` is the month N
# months before the reference month.
_SUMMARY_SQL = """
SELECT customer_id,
    sum(CASE WHEN month >= :l2 THEN txn_count END),
    sum(CASE WHEN month BETWEEN :l5 AND :l3 THEN txn_count END),
    sum(CASE WHEN month >= :l2 THEN txn_in_fen + txn_out_fen END),
    sum(CASE WHEN month BETWEEN :l5 AND :l3 THEN txn_in_fen + txn_out_fen END),
    max(CASE WHEN month = :l0 THEN aum_fen END),
    max(CASE WHEN month = :l3 THEN aum_fen END),
    max(CASE WHEN month = :l0 THEN deposits_fen END),
    max(CASE WHEN month = :l3 THEN deposits_fen END),
    max(CASE WHEN month = :l0 THEN products_held END),
    max(CASE WHEN month = :l6 THEN products_held END),
    sum(CASE WHEN month BETWEEN :l5 AND :l3 THEN salary_credit_fen END),
    sum(CASE WHEN month >= :l1 THEN salary_credit_fen END),
    max(CASE WHEN salary_credit_fen > 0 THEN month END),
    max(CASE WHEN txn_count > 0 THEN month END),
    count(*),
    sum(CASE WHEN month >= :l2 THEN outflow_other_banks_fen END)
FROM snapshots {hint} WHERE month > :window AND month <= :l0 {only} GROUP BY customer_id
"""

META_SUMMARY_MONTH = "snapshot_summary_month"
_SUMMARY_TABLE_COLUMNS = ", ".join(SUMMARY_COLUMNS)
_CHUNK = 500


def _summary_params(ref_month: str) -> dict[str, Any]:
    params: dict[str, Any] = {f"l{k}": _month_back(ref_month, k) for k in range(7)}
    params["window"] = _month_back(ref_month, INPUT_MONTHS)
    return params


def _meta(conn: Connection, key: str) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def summary_month(conn: Connection) -> str | None:
    """The month the materialised snapshot summary is computed at (the latest snapshot
    month when it was kept), None when it is not kept (e.g. a bulk load under way)."""
    return _meta(conn, META_SUMMARY_MONTH)


def invalidate_snapshot_summary(conn: Connection) -> None:
    """Snapshots are about to be written without keeping the summary (a bulk load):
    until `rebuild_snapshot_summary`, readers aggregate the snapshots themselves."""
    conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (META_SUMMARY_MONTH,))


def rebuild_snapshot_summary(conn: Connection) -> None:
    """Recompute every customer's summary at the latest snapshot month (one pass over
    the table, as the index rebuild at the end of a bulk load)."""
    conn.exec_driver_sql("DELETE FROM snapshot_summary")
    row = conn.exec_driver_sql("SELECT max(month) FROM snapshots").fetchone()
    latest = str(row[0]) if row and row[0] else None
    if latest is None:
        invalidate_snapshot_summary(conn)
        return
    conn.execute(
        text(
            f"INSERT INTO snapshot_summary (customer_id, {_SUMMARY_TABLE_COLUMNS}) "
            + _SUMMARY_SQL.format(hint="NOT INDEXED", only="")
        ),
        _summary_params(latest),
    )
    conn.exec_driver_sql(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (META_SUMMARY_MONTH, latest),
    )


def refresh_snapshot_summary(
    conn: Connection, customer_ids: Sequence[str], latest_written: str | None
) -> None:
    """Snapshots of these customers were written (a pull page, inside its transaction);
    `latest_written` is the latest month among them. Their summaries are recomputed;
    a month later than the summary's moves every customer's window, so then all are.
    Nothing is done while a bulk load is unfinished (its end rebuilds the summary)."""
    if not customer_ids:
        return
    month = summary_month(conn)
    if month is None or (latest_written is not None and latest_written > month):
        if _meta(conn, "bulk_indexes") is None:
            rebuild_snapshot_summary(conn)
        return
    ids = sorted(set(customer_ids))
    params = _summary_params(month)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.exec_driver_sql(
            f"DELETE FROM snapshot_summary WHERE customer_id IN ({marks(chunk)})", tuple(chunk)
        )
        names = [f"c{i}" for i in range(len(chunk))]
        conn.execute(
            text(
                f"INSERT INTO snapshot_summary (customer_id, {_SUMMARY_TABLE_COLUMNS}) "
                + _SUMMARY_SQL.format(
                    hint="", only=f"AND customer_id IN ({', '.join(':' + n for n in names)})"
                )
            ),
            {**params, **dict(zip(names, chunk, strict=True))},
        )


def _tuples(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Plain DB-API tuples (frames build several times faster from them than from
    result rows)."""
    cursor = conn.exec_driver_sql(sql, tuple(params)).cursor
    return list(cursor.fetchall()) if cursor is not None else []


def _month_number(column: str) -> str:
    """SQL: 'YYYY-MM' as year * 12 + month - 1 (NULL stays NULL), as `month_index`."""
    return (
        f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12 "
        f"+ CAST(substr({column}, 6, 2) AS INTEGER) - 1)"
    )


_KEPT_NUMBERS = ", ".join(_month_number(c) if c.endswith("_month") else c for c in SUMMARY_COLUMNS)


def _kept_book_summary(conn: Connection) -> pd.DataFrame:
    """Every kept summary row as floats (NULL -> NaN), months as month numbers: two
    scans of the table in key order, no per-column type guessing."""
    ids = [r[0] for r in _tuples(conn, "SELECT customer_id FROM snapshot_summary")]
    values = np.array(
        _tuples(conn, f"SELECT {_KEPT_NUMBERS} FROM snapshot_summary"), dtype=np.float64
    ).reshape(len(ids), len(SUMMARY_COLUMNS))
    return pd.DataFrame(
        values, index=pd.Index(ids, name="customer_id"), columns=list(SUMMARY_COLUMNS)
    )


def _kept_summary(conn: Connection, customer_ids: Sequence[str] | None) -> Sequence[Any]:
    sql = f"SELECT customer_id, {_SUMMARY_TABLE_COLUMNS} FROM snapshot_summary"
    if customer_ids is None:
        return _tuples(conn, sql)
    rows: list[Any] = []
    for start in range(0, len(customer_ids), _CHUNK):
        chunk = tuple(customer_ids[start : start + _CHUNK])
        rows += _tuples(conn, sql + f" WHERE customer_id IN ({marks(chunk)})", chunk)
    return rows


def _summary(
    conn: Connection,
    ref_month: str | None,
    customer_ids: Sequence[str] | None,
    kept_month: str | None = None,
) -> pd.DataFrame:
    """The snapshot summary at `ref_month`: the materialised rows when they are kept
    at that month (`kept_month`), else aggregated from the snapshots here."""
    columns = ["customer_id", *SUMMARY_COLUMNS]
    if ref_month is None:
        return pd.DataFrame(columns=SUMMARY_COLUMNS, index=pd.Index([], name="customer_id"))
    rows: Sequence[Any]
    if kept_month == ref_month:
        if customer_ids is None:  # the whole book: straight into one float array
            return _kept_book_summary(conn)
        rows = _kept_summary(conn, customer_ids)
    else:
        params = _summary_params(ref_month)
        if customer_ids is None:
            # The whole book: one pass over the table beats a walk of the key index.
            sql = _SUMMARY_SQL.format(hint="NOT INDEXED", only="")
        else:
            names = [f"c{i}" for i in range(len(customer_ids))]
            params.update(zip(names, customer_ids, strict=True))
            sql = _SUMMARY_SQL.format(
                hint="", only=f"AND customer_id IN ({', '.join(':' + n for n in names)})"
            )
        cursor = conn.execute(text(sql), params).cursor
        rows = cursor.fetchall() if cursor is not None else []
    frame = _columns(rows, columns)
    frame = frame.set_index("customer_id")
    for name in ("last_salary_month", "last_active_month"):
        months = frame[name]
        known = months.notna().to_numpy()
        values = np.full(len(frame), np.nan)
        if known.any():
            values[known] = month_index(months[known].astype(str).tolist()).astype(np.float64)
        frame[name] = values
    return frame.astype(np.float64)


META_REF_MONTH = "churn_ref_month"


def reference_month(
    conn: Connection,
    as_of: date,
    customer_ids: Sequence[str] | None = None,
    *,
    remember: bool = False,
) -> str | None:
    """The latest snapshot month on or before the as-of day. For the whole book it is
    read from the table (and remembered); for some customers it is the remembered
    book month or their own latest month, whichever is later (their own is an index
    lookup; a book-wide max(month) is a scan of every snapshot)."""
    last = as_of.isoformat()[:7]
    if customer_ids is None:
        at = summary_month(conn)
        if at is not None and at <= last and _kept_month_present(conn):
            found: Any = at  # no snapshot is later than the kept month: no scan
        else:
            row = conn.exec_driver_sql(
                "SELECT max(month) FROM snapshots WHERE month <= ?", (last,)
            ).fetchone()
            found = row[0] if row and row[0] else None
        if found is not None and remember:
            conn.exec_driver_sql(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (META_REF_MONTH, found),
            )
        return str(found) if found is not None else None
    row = conn.exec_driver_sql(
        f"SELECT max(month) FROM snapshots WHERE customer_id IN ({marks(customer_ids)}) "
        "AND month <= ?",
        (*customer_ids, last),
    ).fetchone()
    own = row[0] if row and row[0] else None
    kept = conn.exec_driver_sql(
        "SELECT value FROM meta WHERE key = ?", (META_REF_MONTH,)
    ).fetchone()
    book = kept[0] if kept and kept[0] <= last else None
    candidates = [m for m in (own, book) if m]
    return str(max(candidates)) if candidates else None


def _kept_month_present(conn: Connection) -> bool:
    """Whether some snapshot has the kept month (its customer's `aum_0` is set): the
    summary is kept at the latest month written, which evictions may have removed."""
    row = conn.exec_driver_sql(
        "SELECT 1 FROM snapshot_summary WHERE aum_0 IS NOT NULL LIMIT 1"
    ).fetchone()
    return row is not None


def load_inputs(
    conn: Connection,
    as_of: date,
    customer_ids: Sequence[str] | None = None,
    *,
    remember: bool = False,
) -> ChurnInputs:
    """Everything the indicators need, for the whole book or for some customers
    (`remember`: keep the book's reference month for later one-customer reads; needs
    a writing transaction)."""
    where, params = "", tuple[str, ...]()
    if customer_ids is not None:
        where, params = f" WHERE id IN ({marks(customer_ids)})", tuple(customer_ids)
    rows = _tuples(
        conn, f"SELECT id, since, aum_fen, last_rm_contact_at, pk FROM customers{where}", params
    )
    customers = _columns([r[:3] for r in rows], ("id", "since", "aum_fen"))
    by_customer, cparams = "", tuple[str, ...]()
    if customer_ids is not None:
        by_customer, cparams = f" AND customer_id IN ({marks(customer_ids)})", tuple(customer_ids)
    ref_month = reference_month(conn, as_of, customer_ids, remember=remember)
    summary = _summary(conn, ref_month, customer_ids, summary_month(conn))
    holdings = _frame(
        conn,
        "SELECT customer_id, kind, balance_fen, opened, maturity FROM holdings "
        f"WHERE kind IN ('term_deposit', 'wealth') AND maturity IS NOT NULL{by_customer}",
        cparams,
        ("customer_id", "kind", "balance_fen", "opened", "maturity"),
    )
    recent = (as_of - timedelta(days=100)).isoformat()
    contacts = [
        _frame(
            conn,
            "SELECT customer_id, kind, occurred_at FROM interactions "
            f"WHERE kind = 'complaint' AND occurred_at >= ?{by_customer}",
            (recent, *cparams),
            ("customer_id", "kind", "occurred_at"),
        )
    ]
    # Only each customer's latest RM contact on or before the as-of day matters: the
    # book row keeps the latest; where that is later than the as-of day (a contact
    # dated ahead), the latest one on or before it is looked up for those customers.
    before = (as_of + timedelta(days=1)).isoformat()
    latest = [(r[0], LATEST_RM_CONTACT, r[3]) for r in rows if r[3] is not None and r[3] < before]
    ahead = [r[0] for r in rows if r[3] is not None and r[3] >= before]
    for start in range(0, len(ahead), _CHUNK):
        chunk = ahead[start : start + _CHUNK]
        latest += _tuples(
            conn,
            f"SELECT customer_id, '{LATEST_RM_CONTACT}', max(occurred_at) FROM interactions "
            f"WHERE customer_id IN ({marks(chunk)}) AND kind IN ({RM_KINDS_SQL}) "
            "AND occurred_at < ? GROUP BY customer_id",
            (*chunk, before),
        )
    contacts.append(_columns(latest, ("customer_id", "kind", "occurred_at")))
    interactions = pd.concat(contacts, ignore_index=True)
    pks = {str(r[0]): int(r[4]) for r in rows}
    return ChurnInputs(customers, summary, holdings, interactions, ref_month, pks)


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


def receive_model(conn: Connection, version: str, body: str, received_at: str) -> str | None:
    """Keep a model sent by the server. Returns None when it became the active model,
    else the one-line reason it was refused (the previous model stays in use)."""
    try:
        model = additive.load_model(body, computable=CODES)
        if model.version != version:
            raise additive.ModelRejected("the model's version does not match its envelope")
    except additive.ModelRejected as exc:
        store_model(conn, version, body, received_at, active=False)
        return str(exc)
    store_model(conn, version, body, received_at, active=True)
    return None


def active_model(conn: Connection) -> tuple[str, str] | None:
    row = conn.exec_driver_sql(
        "SELECT version, body FROM churn_models WHERE active = 1 LIMIT 1"
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def model_body(conn: Connection, version: str) -> str | None:
    """The body of a kept model version (None when it is not kept)."""
    row = conn.exec_driver_sql(
        "SELECT body FROM churn_models WHERE version = ?", (version,)
    ).fetchone()
    return None if row is None else str(row[0])


def latest_received(conn: Connection) -> str | None:
    """The version last received from the server (active or refused)."""
    row = conn.exec_driver_sql(
        "SELECT version FROM churn_models ORDER BY received_at DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None


# --- scores ---------------------------------------------------------------------------------

ScoreRow = tuple[str, float, str, str, str, str]  # id, score, level, reasons JSON, model, at
Scored = tuple[str, int, float, str]  # customer id, row key (`ChurnInputs.pks`), score, level

_RESCORED = "temp.churn_rescored"
_REASONS_CHUNK = 20_000  # reasons built per part while the previous part is written
_SAVE_SCORE = (
    "INSERT INTO churn_scores(customer_id, score, level, reasons, model_version, scored_at, "
    "month) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(customer_id) DO UPDATE SET "
    "score = excluded.score, level = excluded.level, reasons = excluded.reasons, "
    "model_version = excluded.model_version, scored_at = excluded.scored_at, "
    "month = excluded.month"
)
_BIG_WRITE = 5_000  # rows from which the write cache is enlarged and work overlapped
_WRITE_CACHE_KIB = 128 * 1024


def _writer(
    raw: Any, parts: queue.SimpleQueue[list[tuple[Any, ...]] | None], failure: list[BaseException]
) -> None:
    """`save_scores`' writing half: the book rows from the temporary table, then the
    scores with their reasons as the parts arrive (None ends them)."""
    inner = raw.cursor()
    try:
        inner.execute(
            "UPDATE customers SET churn_score = r.score, churn_level = r.level "
            f"FROM {_RESCORED} r WHERE customers.pk = r.pk AND "
            "(customers.churn_score IS NOT r.score OR customers.churn_level IS NOT r.level)"
        )
        while (rows := parts.get()) is not None:
            inner.executemany(_SAVE_SCORE, rows)
    except BaseException as exc:  # re-raised on the calling thread
        failure.append(exc)
        while parts.get() is not None:  # let the producer finish
            pass
    finally:
        inner.close()


def save_scores(
    conn: Connection,
    scored: Sequence[Scored],
    reasons: Callable[[int, int], Sequence[str]],
    model_version: str,
    scored_at: str,
    month: str,
) -> None:
    """Store scores with their reasons (`reasons(start, stop)` builds the JSON texts of
    `scored[start:stop]`) as the live scores of `month`, and mirror score and level onto the
    book rows. A month's point in the score history is its latest scoring: the live
    score while the month lasts, sealed into `churn_score_history` by the first write
    in a later month (`seal_history`).

    Scores and levels go once into a temporary table (in memory: temp_store=MEMORY),
    from which one set statement writes the book rows, leaving rows that already say
    the same untouched. For a whole book a helper thread writes (SQLite releases the
    GIL while it works): the book rows, then the scores part by part, while this
    thread builds the next part's reasons; only the helper uses the connection until
    it is joined."""
    if not scored:
        return
    seal_history(conn, month)
    raw = conn.connection.driver_connection
    assert raw is not None  # noqa: S101
    big = len(scored) > _BIG_WRITE
    cursor = raw.cursor()
    # A book-wide rescore dirties every page of the book, score and history tables;
    # with the usual 32 MiB cache they would be spilled to the WAL (encrypted)
    # mid-transaction and read back. A larger cache for this write only (its pages are
    # freed after the commit).
    kept_cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    if big:
        cursor.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
    try:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_RESCORED[5:]} "
            "(pk INTEGER NOT NULL, score REAL NOT NULL, level TEXT NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {_RESCORED}")
        cursor.executemany(f"INSERT INTO {_RESCORED} VALUES (?, ?, ?)", (r[1:] for r in scored))
        parts: queue.SimpleQueue[list[tuple[Any, ...]] | None] = queue.SimpleQueue()
        failure: list[BaseException] = []

        step = _REASONS_CHUNK if big else len(scored)
        helper = (
            threading.Thread(target=_writer, args=(raw, parts, failure), name="churn-write")
            if big
            else None
        )
        if helper is not None:
            helper.start()
        try:
            for start in range(0, len(scored), step):
                stop = min(start + step, len(scored))
                texts = reasons(start, stop)
                parts.put(
                    [
                        (key, score, level, text, model_version, scored_at, month)
                        for (key, _, score, level), text in zip(
                            scored[start:stop], texts, strict=True
                        )
                    ]
                )
        finally:
            parts.put(None)
            if helper is not None:
                helper.join()
            else:
                _writer(raw, parts, failure)
        if failure:
            raise failure[0]
        cursor.execute(f"DELETE FROM {_RESCORED}")
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(kept_cache)}")
        cursor.close()


META_LIVE_MONTH = "churn_live_month"


def live_month(conn: Connection) -> str | None:
    """The month of the latest scoring: live scores of earlier months are sealed."""
    return _meta(conn, META_LIVE_MONTH)


def seal_history(conn: Connection, month: str) -> None:
    """Before scores of `month` are written: when that is a later month than the last
    scoring's, the live scores of earlier months become their months' final points in
    the history (one pass over the scores, once a month)."""
    last = live_month(conn)
    if last is not None and last >= month:
        return
    conn.exec_driver_sql(
        "INSERT INTO churn_score_history(customer_id, month, score, level, model_version) "
        "SELECT customer_id, month, score, level, model_version FROM churn_scores "
        "WHERE month < ? ON CONFLICT(month, customer_id) DO UPDATE SET "
        "score = excluded.score, level = excluded.level, model_version = excluded.model_version",
        (month,),
    )
    conn.exec_driver_sql(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (META_LIVE_MONTH, month),
    )


def score_history(conn: Connection, customer_id: str) -> list[tuple[str, float, str, str]]:
    """(month, score, level, model version), oldest first: the sealed months, then the
    live score for its month."""
    points = {
        str(r[0]): (str(r[0]), float(r[1]), str(r[2]), str(r[3]))
        for r in conn.exec_driver_sql(
            "SELECT month, score, level, model_version FROM churn_score_history "
            "WHERE customer_id = ?",
            (customer_id,),
        )
    }
    live = conn.exec_driver_sql(
        "SELECT month, score, level, model_version FROM churn_scores "
        "WHERE customer_id = ? AND month IS NOT NULL",
        (customer_id,),
    ).fetchone()
    if live is not None:
        points[str(live[0])] = (str(live[0]), float(live[1]), str(live[2]), str(live[3]))
    return [points[m] for m in sorted(points)]


# --- the watchlist --------------------------------------------------------------------------

WATCHLIST_SORTS: dict[str, str] = {
    "score": "c.churn_score DESC",
    "level": "CASE c.churn_level WHEN 'red' THEN 2 WHEN 'amber' THEN 1 ELSE 0 END DESC, "
    "c.churn_score DESC",
    "aum_at_risk": "c.aum_fen * c.churn_score DESC",
    "trend": "(c.churn_score - coalesce(h.score, c.churn_score)) DESC",
}

# Only placeholders and the fixed ORDER BY clauses above are put into this text.
_WATCHLIST_SQL = (
    "SELECT c.id, c.name, c.churn_level, c.churn_score, c.aum_fen, h.score, s.reasons, "
    "(SELECT action || '|' || coalesce(level, '') FROM churn_events e "
    "  WHERE e.customer_id = c.id ORDER BY at DESC LIMIT 1), s.scored_at, s.model_version "
    "FROM customers c JOIN churn_scores s ON s.customer_id = c.id "
    "LEFT JOIN churn_score_history h ON h.customer_id = c.id AND h.month = ? "
    "WHERE c.churn_level IN ({levels}) ORDER BY {order}, c.pk LIMIT ?"
)


def watchlist_rows(
    conn: Connection, levels: Sequence[str], sort: str, previous_month: str, limit: int
) -> list[Any]:
    """Scored customers of these levels in a `WATCHLIST_SORTS` order, each as (id, name,
    level, score, AUM, last month's score, reasons JSON, "action|level" of the latest
    event, scored at, model version)."""
    sql = _WATCHLIST_SQL.format(levels=marks(levels), order=WATCHLIST_SORTS[sort])
    return list(conn.exec_driver_sql(sql, (previous_month, *levels, limit)).fetchall())


def level_count(conn: Connection, levels: Sequence[str]) -> int:
    """How many customers carry one of these churn levels."""
    row = conn.exec_driver_sql(
        f"SELECT count(*) FROM customers WHERE churn_level IN ({marks(levels)})",
        tuple(levels),
    ).one()
    return int(row[0])


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
