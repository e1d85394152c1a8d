"""Churn indicators, computed for a whole book at once from plain data frames.

Every indicator has a stable code (what models, reasons and the playbook refer to),
a unit and a window. The functions here take pandas frames shaped like the local
tables (snapshots, holdings, interactions, customers) and return one row per
customer; nothing is read from disk and no words are produced: the UI turns
`("aum_change_3m", {"value": -38.0})` into a sentence.

Months are counted back from a reference month (the latest monthly snapshot of the
book, usually the as-of month): lag 0 is that month, lag 1 the month before, and so
on. Day-based indicators count back from the as-of date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from rm_desk.domain.rules import RM_CONTACT_KINDS, ReasonCode

# In the contacts given to `compute_indicators`, a row of this kind stands for a
# customer's latest RM contact (visit, call or message) when the caller has that
# instead of every contact (the local store keeps it on the book row).
LATEST_RM_CONTACT: Final = "latest_rm_contact"

FloatArray = npt.NDArray[np.float64]


# The direction the bank's logic allows a risk curve to take as an indicator's value
# grows: RISES never lowers risk (more of it is never safer), FALLS never raises it,
# FREE has no rule. Training enforces it and publishing refuses a model that breaks it
# (`rm_desk.domain.churn.shapes`).
RISES: Final = 1
FALLS: Final = -1
FREE: Final = 0


@dataclass(frozen=True, slots=True)
class Indicator:
    code: ReasonCode
    unit: str  # pct | count | months | days | fen | flag
    window: str  # e.g. "3m_vs_prior_3m", "90d"
    details: tuple[str, ...] = ()  # extra value columns carried into a reason
    direction: int = FREE  # RISES | FALLS | FREE, with the reason beside each below
    # The indicator has no value (NaN) when the event never happened and that reads
    # as the far end of the scale: "no RM contact ever" is at least as risky as the
    # longest gap, so the "missing" contribution is held to the curve's risky end.
    missing_is_extreme: bool = False
    # The least risky value a reason may state (on the risky side of it, inclusive:
    # >= for RISES, <= for FALLS); None: any value. Words never state a zero change:
    # "down 0%", "0 months", "0% of AUM" fall short of these bounds and are no reasons.
    shown_from: float | None = None


INDICATORS: Final[tuple[Indicator, ...]] = (
    # A rise in activity (a smaller drop) never makes a customer likelier to leave.
    Indicator(
        ReasonCode.TXN_COUNT_CHANGE_3M,
        "pct",
        "3m_vs_prior_3m",
        ("last_3m", "prior_3m"),
        direction=FALLS,
        shown_from=-1.0,
    ),  # fmt: skip
    # Same for the money moved: a larger drop in volume never lowers risk.
    Indicator(
        ReasonCode.TXN_AMOUNT_CHANGE_3M,
        "pct",
        "3m_vs_prior_3m",
        ("last_3m_fen", "prior_3m_fen"),
        direction=FALLS,
        shown_from=-1.0,
    ),  # fmt: skip
    # Assets leaving is the churn itself beginning: a larger AUM drop never lowers risk.
    Indicator(
        ReasonCode.AUM_CHANGE_3M,
        "pct",
        "3m",
        ("now_fen", "before_fen"),
        direction=FALLS,
        shown_from=-1.0,
    ),  # fmt: skip
    # Deposits likewise.
    Indicator(
        ReasonCode.DEPOSITS_CHANGE_3M,
        "pct",
        "3m",
        ("now_fen", "before_fen"),
        direction=FALLS,
        shown_from=-1.0,
    ),  # fmt: skip
    # Closing products loosens the relationship; gaining products never raises risk.
    Indicator(
        ReasonCode.PRODUCTS_HELD_CHANGE_6M,
        "count",
        "6m",
        ("now", "before"),
        direction=FALLS,
        shown_from=-1.0,
    ),  # fmt: skip
    # A longer dormant spell never makes a customer safer.
    Indicator(
        ReasonCode.MONTHS_WITHOUT_TXN, "months", "12m", direction=RISES, shown_from=1.0
    ),  # fmt: skip
    # Salary no longer paid in (payroll moved elsewhere) never lowers risk.
    Indicator(
        ReasonCode.SALARY_STOPPED,
        "flag",
        "6m",
        ("months_since_salary",),
        direction=RISES,
        shown_from=1.0,
    ),  # fmt: skip
    # Money sent to other banks, as a share of AUM: more never lowers risk.
    Indicator(
        ReasonCode.OUTFLOW_OTHER_BANKS_3M,
        "pct",
        "3m",
        ("amount_fen",),
        direction=RISES,
        shown_from=1.0,
    ),  # fmt: skip
    # Money coming free within 30 days can leave without a penalty: more never lowers risk.
    Indicator(
        ReasonCode.TERM_MATURING_30D,
        "fen",
        "30d",
        ("days", "count"),
        direction=RISES,
        shown_from=1.0,
    ),  # fmt: skip
    # Maturities that left the product instead of renewing: more never lowers risk.
    Indicator(
        ReasonCode.MATURITIES_NOT_RENEWED_90D,
        "count",
        "90d",
        ("amount_fen",),
        direction=RISES,
        shown_from=1.0,
    ),  # fmt: skip
    # An unhappy customer: more complaints never lower risk.
    Indicator(ReasonCode.COMPLAINTS_90D, "count", "90d", direction=RISES, shown_from=1.0),
    # The RM's own contact: a more recent one never raises risk (where RMs call the
    # customers who look at risk, the data says the opposite; that is the RM's reaction,
    # not the customer's, and the model must not learn it), and never contacted counts as
    # the longest gap.
    Indicator(
        ReasonCode.DAYS_SINCE_RM_CONTACT,
        "days",
        "all",
        direction=RISES,
        missing_is_extreme=True,
        shown_from=1.0,
    ),  # fmt: skip
    # A longer relationship never makes a customer likelier to leave (new customers
    # are the ones still deciding). No bound: under a month reads "new relationship".
    Indicator(ReasonCode.TENURE_MONTHS, "months", "all", direction=FALLS),
)
BY_CODE: Final[dict[ReasonCode, Indicator]] = {i.code: i for i in INDICATORS}
CODES: Final[tuple[ReasonCode, ...]] = tuple(i.code for i in INDICATORS)

WINDOW_MONTHS: Final[int] = 12
MATURING_DAYS: Final[int] = 30
RECENT_DAYS: Final[int] = 90
RENEWAL_GRACE_DAYS: Final[int] = 7
MATURING_KINDS: Final[frozenset[str]] = frozenset({"term_deposit", "wealth"})

SNAPSHOT_COLUMNS: Final[tuple[str, ...]] = (
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
_MEASURES: Final[tuple[str, ...]] = SNAPSHOT_COLUMNS[2:]


def telling(frame: pd.DataFrame, features: Sequence[str]) -> npt.NDArray[np.bool_]:
    """(rows x features): whether each row's value of each feature may be stated as a
    reason (`Indicator.shown_from`; no value only where it reads as the far end, like
    "never contacted"). A feature that is no indicator, or absent: always."""
    out = np.ones((len(frame), len(features)), dtype=bool)
    for j, name in enumerate(features):
        try:
            ind = BY_CODE[ReasonCode(name)]
        except ValueError:
            continue
        if name not in frame.columns:
            continue
        x = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(x)
        if ind.shown_from is None:
            ok = ~missing
        elif ind.direction == FALLS:
            ok = x <= ind.shown_from
        else:
            ok = x >= ind.shown_from
        out[:, j] = np.where(missing, ind.missing_is_extreme, ok)
    return out


def detail_column(code: str, key: str) -> str:
    return f"{code}:{key}"


def _digits(values: object, width: int) -> npt.NDArray[np.int64]:
    """The first `width` characters of each string as digit values (n, width), read
    from the UTF-32 code points: far cheaper than parsing a million strings."""
    arr = np.asarray(values, dtype=f"U{width}")
    codes = arr.view(np.uint32).reshape(len(arr), width).astype(np.int64)
    return codes - ord("0")


def month_index(months: pd.Series | npt.NDArray[np.str_] | list[str]) -> npt.NDArray[np.int64]:
    """'YYYY-MM' -> year * 12 + month - 1, vectorised."""
    values = months.to_numpy() if isinstance(months, pd.Series) else months
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    d = _digits(values, 7)
    years = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    return years * 12 + d[:, 5] * 10 + d[:, 6] - 1


def month_of(d: date) -> int:
    return d.year * 12 + d.month - 1


def _days(values: pd.Series, as_of: date) -> FloatArray:
    """Days from each ISO date/instant (its first ten characters, 'YYYY-MM-DD') to
    `as_of`; values that are not ISO text (datetime objects) are formatted first."""
    if len(values) == 0:
        return np.zeros(0)
    raw = values.to_numpy()
    if raw.dtype == object and len(raw) and not isinstance(raw[0], str):
        raw = values.astype(str).to_numpy()
    d = _digits(raw, 10)
    years = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    months = d[:, 5] * 10 + d[:, 6]
    days = d[:, 8] * 10 + d[:, 9]
    first = (years - 1970).astype("datetime64[Y]") + (months - 1).astype("timedelta64[M]")
    parsed = first.astype("datetime64[D]") + (days - 1).astype("timedelta64[D]")
    out: FloatArray = (np.datetime64(as_of, "D") - parsed).astype(np.float64)
    return out


def _positions(index: pd.Index, ids: pd.Series) -> npt.NDArray[np.int64]:
    return np.asarray(index.get_indexer(pd.Index(ids.to_numpy())), dtype=np.int64)


def _pct_change(now: FloatArray, before: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (now - before) / before * 100.0
    return np.where(before > 0, out, np.nan)


def monthly_grid(
    snapshots: pd.DataFrame, customers: pd.Index, ref_month: int, window: int = WINDOW_MONTHS
) -> dict[str, FloatArray]:
    """Each measure as an (n_customers, window) array by lag; NaN where no snapshot."""
    n = len(customers)
    grids = {m: np.full((n, window), np.nan) for m in _MEASURES}
    if len(snapshots) == 0:
        return grids
    rows = _positions(customers, snapshots["customer_id"])
    lag = ref_month - month_index(snapshots["month"])
    keep = (rows >= 0) & (lag >= 0) & (lag < window)
    rows, lag = rows[keep], lag[keep]
    for m in _MEASURES:
        grids[m][rows, lag] = snapshots[m].to_numpy(dtype=np.float64)[keep]
    return grids


# What the snapshot indicators need from a customer's last WINDOW_MONTHS snapshots,
# one row per customer. The local store computes the same aggregates in SQL (one row
# per customer instead of twelve); `summarise_snapshots` is the reference.
SUMMARY_COLUMNS: Final[tuple[str, ...]] = (
    "txn_last3",  # sum of txn_count over lags 0-2 (NaN when no month there)
    "txn_prior3",  # lags 3-5
    "vol_last3",  # txn_in + txn_out, lags 0-2
    "vol_prior3",
    "aum_0",  # AUM at lag 0 (NaN when missing)
    "aum_3",
    "dep_0",
    "dep_3",
    "held_0",
    "held_6",
    "salary_prior",  # salary credited over lags 3-5
    "salary_recent",  # lags 0-1
    "last_salary_month",  # month index of the latest month with salary
    "last_active_month",  # month index of the latest month with a transaction
    "months_present",  # snapshots in the window
    "outflow_last3",
)


def summarise_snapshots(
    snapshots: pd.DataFrame, customers: pd.Index, ref_month: int
) -> pd.DataFrame:
    """The per-customer snapshot summary (SUMMARY_COLUMNS) from long snapshot rows."""
    g = monthly_grid(snapshots, customers, ref_month)

    def window_sum(measure: FloatArray, lo: int, hi: int) -> FloatArray:
        part = measure[:, lo:hi]
        total = np.nansum(part, axis=1)
        return np.where(np.isnan(part).all(axis=1), np.nan, total)

    def latest(mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.where(mask.any(axis=1), ref_month - np.argmax(mask, axis=1), np.nan)

    txn = g["txn_count"]
    volume = g["txn_in_fen"] + g["txn_out_fen"]
    return pd.DataFrame(
        {
            "txn_last3": window_sum(txn, 0, 3),
            "txn_prior3": window_sum(txn, 3, 6),
            "vol_last3": window_sum(volume, 0, 3),
            "vol_prior3": window_sum(volume, 3, 6),
            "aum_0": g["aum_fen"][:, 0],
            "aum_3": g["aum_fen"][:, 3],
            "dep_0": g["deposits_fen"][:, 0],
            "dep_3": g["deposits_fen"][:, 3],
            "held_0": g["products_held"][:, 0],
            "held_6": g["products_held"][:, 6],
            "salary_prior": window_sum(g["salary_credit_fen"], 3, 6),
            "salary_recent": window_sum(g["salary_credit_fen"], 0, 2),
            "last_salary_month": latest(np.nan_to_num(g["salary_credit_fen"]) > 0),
            "last_active_month": latest(np.nan_to_num(txn) > 0),
            "months_present": (~np.isnan(txn)).sum(axis=1).astype(np.float64),
            "outflow_last3": window_sum(g["outflow_other_banks_fen"], 0, 3),
        },
        index=customers,
    )


def default_ref_month(snapshots: pd.DataFrame, as_of: date) -> int:
    present = month_index(snapshots["month"]) if len(snapshots) else np.zeros(0, np.int64)
    present = present[present <= month_of(as_of)]
    return int(present.max()) if len(present) else month_of(as_of)


def compute_indicators(
    customers: pd.DataFrame,
    snapshots: pd.DataFrame,
    holdings: pd.DataFrame,
    interactions: pd.DataFrame,
    as_of: date,
    *,
    ref_month: int | None = None,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per customer (index: customer id) with every indicator and its details.

    `customers` needs `id` and `since`; `snapshots` the columns in SNAPSHOT_COLUMNS
    (or pass `summary`, SUMMARY_COLUMNS indexed by customer id, already aggregated);
    `holdings` `customer_id, kind, balance_fen, opened, maturity`; `interactions`
    `customer_id, kind, occurred_at`. Missing data gives NaN (the model has a
    contribution for "missing"), never a guess.
    """
    index = pd.Index(customers["id"].to_numpy(), name="customer_id")
    n = len(index)
    if ref_month is None:
        ref_month = default_ref_month(snapshots, as_of)
    if summary is None:
        summary = summarise_snapshots(snapshots, index, ref_month)
    else:
        summary = summary.reindex(index)
    out = snapshot_indicators(summary, ref_month)
    out.update(_holding_indicators(holdings, index, as_of))
    out.update(_contact_indicators(interactions, index, as_of))
    since = _days(customers["since"], as_of) if n else np.zeros(0)
    out[ReasonCode.TENURE_MONTHS] = np.floor(since / 30.4375)
    frame = pd.DataFrame(out, index=index)
    ordered = [
        c for i in INDICATORS for c in (i.code, *(detail_column(i.code, k) for k in i.details))
    ]
    return frame[ordered]


def snapshot_indicators(summary: pd.DataFrame, ref_month: int) -> dict[str, FloatArray]:
    """The snapshot-based indicators from a per-customer summary."""

    def col(name: str) -> FloatArray:
        return summary[name].to_numpy(dtype=np.float64, na_value=np.nan)

    out: dict[str, FloatArray] = {}
    last, prior = col("txn_last3"), col("txn_prior3")
    out[ReasonCode.TXN_COUNT_CHANGE_3M] = _pct_change(last, prior)
    out[detail_column(ReasonCode.TXN_COUNT_CHANGE_3M, "last_3m")] = last
    out[detail_column(ReasonCode.TXN_COUNT_CHANGE_3M, "prior_3m")] = prior
    last_v, prior_v = col("vol_last3"), col("vol_prior3")
    out[ReasonCode.TXN_AMOUNT_CHANGE_3M] = _pct_change(last_v, prior_v)
    out[detail_column(ReasonCode.TXN_AMOUNT_CHANGE_3M, "last_3m_fen")] = last_v
    out[detail_column(ReasonCode.TXN_AMOUNT_CHANGE_3M, "prior_3m_fen")] = prior_v
    for code, now_c, before_c in (
        (ReasonCode.AUM_CHANGE_3M, "aum_0", "aum_3"),
        (ReasonCode.DEPOSITS_CHANGE_3M, "dep_0", "dep_3"),
    ):
        now, before = col(now_c), col(before_c)
        out[code] = _pct_change(now, before)
        out[detail_column(code, "now_fen")] = now
        out[detail_column(code, "before_fen")] = before
    held_now, held_before = col("held_0"), col("held_6")
    out[ReasonCode.PRODUCTS_HELD_CHANGE_6M] = held_now - held_before
    out[detail_column(ReasonCode.PRODUCTS_HELD_CHANGE_6M, "now")] = held_now
    out[detail_column(ReasonCode.PRODUCTS_HELD_CHANGE_6M, "before")] = held_before

    # Trailing months without a transaction: back to the latest active month, or the
    # whole window when none (months before the customer joined do not count); no
    # value without a snapshot for the reference month.
    active = col("last_active_month")
    present = col("months_present")
    run = np.where(np.isnan(active), present, ref_month - active)
    out[ReasonCode.MONTHS_WITHOUT_TXN] = np.where(np.isnan(col("aum_0")), np.nan, run)

    paid_before = np.nan_to_num(col("salary_prior")) > 0
    paid_recently = np.nan_to_num(col("salary_recent")) > 0
    out[ReasonCode.SALARY_STOPPED] = (paid_before & ~paid_recently).astype(np.float64)
    out[detail_column(ReasonCode.SALARY_STOPPED, "months_since_salary")] = ref_month - col(
        "last_salary_month"
    )

    outflow = col("outflow_last3")
    base = col("aum_3")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(base > 0, outflow / base * 100.0, np.nan)
    out[ReasonCode.OUTFLOW_OTHER_BANKS_3M] = share
    out[detail_column(ReasonCode.OUTFLOW_OTHER_BANKS_3M, "amount_fen")] = outflow
    return out


def _holding_indicators(
    holdings: pd.DataFrame, index: pd.Index, as_of: date
) -> dict[str, FloatArray]:
    n = len(index)
    amount = np.zeros(n)
    count = np.zeros(n)
    days = np.full(n, np.nan)
    not_renewed = np.zeros(n)
    lapsed_fen = np.zeros(n)
    if len(holdings):
        h = holdings[holdings["kind"].isin(MATURING_KINDS)]
        h = h[h["maturity"].notna()]
        if len(h):
            rows = _positions(index, h["customer_id"])
            ok = rows >= 0
            h, rows = h[ok], rows[ok]
            to_maturity = -_days(h["maturity"], as_of)  # days until maturity
            balance = h["balance_fen"].to_numpy(dtype=np.float64)
            opened_ago = _days(h["opened"], as_of)
            soon = (to_maturity >= 0) & (to_maturity <= MATURING_DAYS) & (opened_ago >= 0)
            np.add.at(amount, rows[soon], balance[soon])
            np.add.at(count, rows[soon], 1.0)
            nearest = np.full(n, np.inf)
            np.minimum.at(nearest, rows[soon], to_maturity[soon])
            days = np.where(np.isfinite(nearest), nearest, np.nan)
            # A maturity is renewed when any term/wealth product was opened on or after
            # (maturity - grace); otherwise the money left the product.
            latest_open = np.full(n, np.inf)
            held = opened_ago >= 0  # a product opened after the as-of day does not count
            np.minimum.at(latest_open, rows[held], opened_ago[held])
            lapsed = (to_maturity < 0) & (to_maturity >= -RECENT_DAYS) & (opened_ago >= 0)
            renewed = latest_open[rows] <= -to_maturity + RENEWAL_GRACE_DAYS
            gone = lapsed & ~renewed
            np.add.at(not_renewed, rows[gone], 1.0)
            np.add.at(lapsed_fen, rows[gone], balance[gone])
    return {
        ReasonCode.TERM_MATURING_30D: amount,
        detail_column(ReasonCode.TERM_MATURING_30D, "days"): days,
        detail_column(ReasonCode.TERM_MATURING_30D, "count"): count,
        ReasonCode.MATURITIES_NOT_RENEWED_90D: not_renewed,
        detail_column(ReasonCode.MATURITIES_NOT_RENEWED_90D, "amount_fen"): lapsed_fen,
    }


def _contact_indicators(
    interactions: pd.DataFrame, index: pd.Index, as_of: date
) -> dict[str, FloatArray]:
    n = len(index)
    complaints = np.zeros(n)
    since_contact = np.full(n, np.nan)
    if len(interactions):
        rows = _positions(index, interactions["customer_id"])
        ago = _days(interactions["occurred_at"], as_of)
        kind = interactions["kind"].to_numpy()
        known = (rows >= 0) & (ago >= 0)  # future-dated rows are ignored
        is_complaint = known & (kind == "complaint") & (ago < RECENT_DAYS)
        np.add.at(complaints, rows[is_complaint], 1.0)
        contact = known & np.isin(kind, [*RM_CONTACT_KINDS, LATEST_RM_CONTACT])
        nearest = np.full(n, np.inf)
        np.minimum.at(nearest, rows[contact], ago[contact])
        since_contact = np.where(np.isfinite(nearest), nearest, np.nan)
    return {ReasonCode.COMPLAINTS_90D: complaints, ReasonCode.DAYS_SINCE_RM_CONTACT: since_contact}
