"""Evaluation figures for churn scores: AUC, PR-AUC (average precision), Brier score,
calibration error, recall and precision at a threshold, top-decile lift and a
calibration table. numpy only; the definitions match scikit-learn's (`roc_auc_score`,
`average_precision_score`, `brier_score_loss`) so figures can be compared with other
tools (tests/unit/churn/test_churn_metrics.py checks them against it).

Every function refuses input a figure would be nonsense for, with one error type,
`MetricInputError`, and one line saying what is wrong: labels other than 0/1, scores
that are NaN or infinite, labels and scores of different lengths or not 1-D, no rows,
and (for AUC and average precision) a class missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
TOP_SHARE: Final[float] = 0.1  # top-decile lift


class MetricInputError(ValueError):
    """Labels or scores no figure can be computed from; the message is one line."""


def _arrays(y: Any, s: Any) -> tuple[FloatArray, FloatArray]:
    try:
        yt = np.asarray(y, dtype=np.float64)
        sc = np.asarray(s, dtype=np.float64)
    except (TypeError, ValueError):
        raise MetricInputError("labels and scores must be numbers") from None
    if yt.ndim != 1 or sc.ndim != 1:
        raise MetricInputError("labels and scores must be 1-D")
    if yt.shape != sc.shape:
        raise MetricInputError(f"{len(yt)} labels but {len(sc)} scores")
    if len(yt) == 0:
        raise MetricInputError("no rows to evaluate")
    if not np.isin(yt, (0.0, 1.0)).all():
        raise MetricInputError("labels must be 0 or 1")
    if not np.isfinite(sc).all():
        bad = int((~np.isfinite(sc)).sum())
        raise MetricInputError(f"{bad} score(s) are NaN or infinite")
    return yt, sc


def _probabilities(y: Any, s: Any) -> tuple[FloatArray, FloatArray]:
    yt, sc = _arrays(y, s)
    if ((sc < 0.0) | (sc > 1.0)).any():
        raise MetricInputError("probabilities must lie between 0 and 1")
    return yt, sc


def roc_auc(y: Any, s: Any) -> float:
    """Area under the ROC curve (ties count one half), via average ranks."""
    yt, sc = _arrays(y, s)
    pos = yt == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise MetricInputError("AUC needs both classes (churners and stayers)")
    order = np.argsort(sc, kind="mergesort")
    sorted_s = sc[order]
    ranks = np.empty(len(sc))
    # Average rank of each run of equal scores.
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], len(sc)]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(y: Any, s: Any) -> float:
    """PR-AUC as average precision: sum over thresholds of (R_n - R_n-1) * P_n."""
    yt, sc = _arrays(y, s)
    n_pos = yt.sum()
    if n_pos == 0:
        raise MetricInputError("average precision needs at least one churner")
    order = np.argsort(-sc, kind="mergesort")
    ys, ss = yt[order], sc[order]
    last_of_run = np.r_[ss[1:] != ss[:-1], True]
    tps = np.cumsum(ys)[last_of_run]
    fps = np.cumsum(1 - ys)[last_of_run]
    precision = tps / (tps + fps)
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def recall_precision_at(y: Any, s: Any, threshold: float) -> tuple[float, float, int]:
    """(recall, precision, flagged) when every score >= threshold is flagged."""
    yt, sc = _arrays(y, s)
    flagged = sc >= threshold
    tp = float((yt[flagged] == 1).sum())
    n_flagged = int(flagged.sum())
    recall = tp / max(float(yt.sum()), 1.0)
    precision = tp / n_flagged if n_flagged else 0.0
    return recall, precision, n_flagged


def top_decile_lift(y: Any, s: Any, share: float = TOP_SHARE) -> float:
    """Churn rate among the `share` highest scores divided by the overall rate.

    When the cut falls inside a group of tied scores, the group counts with the share
    of its rows that fit (its churn rate times the places left): the average over every
    order of the tied rows, so the figure never depends on the input order.
    """
    yt, sc = _arrays(y, s)
    base = yt.mean()
    if base == 0:
        return 0.0
    k = max(1, int(np.ceil(len(yt) * share)))
    order = np.argsort(-sc, kind="mergesort")
    ss, ys = sc[order], yt[order]
    starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    ends = np.r_[starts[1:], len(ss)]
    churners = 0.0
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        if lo >= k:
            break
        taken = min(hi, k) - lo
        churners += ys[lo:hi].mean() * taken
    return float(churners / k / base)


def brier(y: Any, p: Any) -> float:
    """Mean squared difference between probability and outcome (lower is better)."""
    yt, pr = _probabilities(y, p)
    return float(np.mean((pr - yt) ** 2))


def calibration_error(y: Any, p: Any, bins: int = 10) -> float:
    """Expected calibration error: over `bins` equal-count groups of probabilities, the
    row-weighted mean of |mean predicted - observed rate|."""
    yt, pr = _probabilities(y, p)
    table = calibration_table(yt, pr, bins)
    n = sum(b.count for b in table)
    return float(sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in table) / n)


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_predicted: float
    observed_rate: float


def calibration_table(y: Any, s: Any, bins: int = 10) -> list[CalibrationBin]:
    """Scores cut into (up to) `bins` equal-count groups: predicted vs observed."""
    yt, sc = _arrays(y, s)
    if bins < 1:
        raise MetricInputError("a calibration table needs at least one bin")
    order = np.argsort(sc, kind="mergesort")
    out = []
    for part in np.array_split(order, bins):
        if len(part) == 0:
            continue
        out.append(
            CalibrationBin(
                low=float(sc[part].min()),
                high=float(sc[part].max()),
                count=len(part),
                mean_predicted=float(sc[part].mean()),
                observed_rate=float(yt[part].mean()),
            )
        )
    return out


def evaluate(y: Any, s: Any, *, red: float, amber: float) -> dict[str, Any]:
    """All figures as plain JSON-ready values (`s` are probabilities)."""
    _probabilities(y, s)
    r_red, p_red, n_red = recall_precision_at(y, s, red)
    r_amber, p_amber, n_amber = recall_precision_at(y, s, amber)
    return {
        "rows": len(np.asarray(y)),
        "positives": int(np.asarray(y, dtype=np.float64).sum()),
        "auc": roc_auc(y, s),
        "pr_auc": average_precision(y, s),
        "brier": brier(y, s),
        "calibration_error": calibration_error(y, s),
        "red": {"threshold": red, "recall": r_red, "precision": p_red, "flagged": n_red},
        "amber": {"threshold": amber, "recall": r_amber, "precision": p_amber, "flagged": n_amber},
        "top_decile_lift": top_decile_lift(y, s),
        "calibration": [
            {
                "low": b.low,
                "high": b.high,
                "count": b.count,
                "mean_predicted": b.mean_predicted,
                "observed_rate": b.observed_rate,
            }
            for b in calibration_table(y, s)
        ],
    }
