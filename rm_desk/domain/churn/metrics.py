"""Evaluation figures for churn scores: AUC, PR-AUC (average precision), recall and
precision at a threshold, top-decile lift and a calibration table. numpy only;
the definitions match scikit-learn's (`roc_auc_score`, `average_precision_score`)
so figures can be compared with other tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _arrays(y: Any, s: Any) -> tuple[FloatArray, FloatArray]:
    yt = np.asarray(y, dtype=np.float64)
    sc = np.asarray(s, dtype=np.float64)
    if yt.shape != sc.shape or yt.ndim != 1:
        raise ValueError("labels and scores must be 1-D and the same length")
    return yt, sc


def roc_auc(y: Any, s: Any) -> float:
    """Area under the ROC curve (ties count one half), via average ranks."""
    yt, sc = _arrays(y, s)
    pos = yt == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both classes")
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
        raise ValueError("average precision needs positives")
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


def top_decile_lift(y: Any, s: Any) -> float:
    """Churn rate among the 10% highest scores divided by the overall rate."""
    yt, sc = _arrays(y, s)
    k = max(1, int(np.ceil(len(yt) * 0.1)))
    top = np.argsort(-sc, kind="mergesort")[:k]
    base = yt.mean()
    return float(yt[top].mean() / base) if base > 0 else 0.0


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
    """All figures as plain JSON-ready values."""
    r_red, p_red, n_red = recall_precision_at(y, s, red)
    r_amber, p_amber, n_amber = recall_precision_at(y, s, amber)
    return {
        "rows": len(np.asarray(y)),
        "positives": int(np.asarray(y, dtype=np.float64).sum()),
        "auc": roc_auc(y, s),
        "pr_auc": average_precision(y, s),
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
