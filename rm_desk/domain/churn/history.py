"""Learning churn from a bank's own history: who left, when, and how early a model
would have warned.

A customer *left* in month m when their AUM fell to at most `(1 - aum_drop)` of the
peak of the twelve months before m and their transactions of the three months to m
were at most half of the three months before (money and activity gone together).
The first such month is the departure month.

Training rows are (customer, cutoff month c): indicators as they stood at the end of
c (only data up to then), label 1 when the customer left within the `horizon`
months after c. Customers already gone at c are not rows. A time-based split keeps
the test cutoff after every training label window: training cutoffs c satisfy
c + horizon <= test cutoff, so no training label looks into the test period.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from rm_desk.domain.churn.indicators import (
    CODES,
    compute_indicators,
    month_index,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
NEVER = -1


def month_end(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, monthrange(year, month + 1)[1])


def departures(
    snapshots: pd.DataFrame, customer_ids: pd.Index, *, aum_drop: float = 0.5
) -> IntArray:
    """Departure month index per customer (NEVER when they have not left)."""
    n = len(customer_ids)
    out = np.full(n, NEVER, dtype=np.int64)
    if len(snapshots) == 0 or n == 0:
        return out
    months = month_index(snapshots["month"])
    first, last = int(months.min()), int(months.max())
    width = last - first + 1
    rows = np.asarray(customer_ids.get_indexer(pd.Index(snapshots["customer_id"].to_numpy())))
    ok = rows >= 0
    aum = np.full((n, width), np.nan)
    txn = np.full((n, width), np.nan)
    aum[rows[ok], months[ok] - first] = snapshots["aum_fen"].to_numpy(dtype=np.float64)[ok]
    txn[rows[ok], months[ok] - first] = snapshots["txn_count"].to_numpy(dtype=np.float64)[ok]
    for m in range(6, width):
        peak = np.nanmax(
            np.where(np.isnan(aum[:, max(0, m - 12) : m]), -np.inf, aum[:, max(0, m - 12) : m]),
            axis=1,
        )
        recent = np.nansum(txn[:, m - 2 : m + 1], axis=1)
        before = np.nansum(txn[:, m - 5 : m - 2], axis=1)
        gone = (
            (peak > 0)
            & (aum[:, m] <= (1.0 - aum_drop) * peak)
            & (recent <= 0.5 * before)
            & (out == NEVER)
        )
        out[gone] = first + m
    return out


@dataclass(frozen=True, slots=True)
class HistoryRows:
    features: pd.DataFrame  # indicator columns, one row per (customer, cutoff)
    label: FloatArray
    cutoff: IntArray  # month index of each row's cutoff
    customer_id: npt.NDArray[np.object_]


def rows_at(
    customers: pd.DataFrame,
    snapshots: pd.DataFrame,
    holdings: pd.DataFrame,
    interactions: pd.DataFrame,
    cutoff: int,
    departed: IntArray,
    horizon: int,
) -> HistoryRows:
    """Training rows for one cutoff month."""
    alive = (departed == NEVER) | (departed > cutoff)
    known = customers["since"].astype(str).str.slice(0, 10) <= month_end(cutoff).isoformat()
    keep = alive & known.to_numpy()
    subset = customers[keep]
    frame = compute_indicators(
        subset, snapshots, holdings, interactions, month_end(cutoff), ref_month=cutoff
    )
    dep = departed[keep]
    label = ((dep != NEVER) & (dep > cutoff) & (dep <= cutoff + horizon)).astype(np.float64)
    return HistoryRows(
        features=frame.reset_index(drop=True),
        label=label,
        cutoff=np.full(len(subset), cutoff, dtype=np.int64),
        customer_id=subset["id"].to_numpy(dtype=object),
    )


def stack(parts: list[HistoryRows]) -> HistoryRows:
    return HistoryRows(
        features=pd.concat([p.features for p in parts], ignore_index=True),
        label=np.concatenate([p.label for p in parts]),
        cutoff=np.concatenate([p.cutoff for p in parts]),
        customer_id=np.concatenate([p.customer_id for p in parts]),
    )


def model_columns(rows: HistoryRows) -> pd.DataFrame:
    """Only the indicator columns (details are for reasons, not for learning)."""
    return rows.features[list(CODES)]
