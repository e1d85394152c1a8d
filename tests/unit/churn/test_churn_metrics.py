"""Our evaluation figures agree with scikit-learn's on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (  # type: ignore[import-untyped]
    average_precision_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from rm_desk.domain.churn import metrics


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_and_average_precision_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.2).astype(float)
    s = np.round(rng.random(500) * 0.6 + y * 0.3, 2)  # rounding makes ties
    assert metrics.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(
        average_precision_score(y, s), abs=1e-12
    )


def test_recall_precision_at_threshold_match_sklearn() -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(400) < 0.3).astype(float)
    s = rng.random(400) * 0.5 + y * 0.4
    recall, precision, flagged = metrics.recall_precision_at(y, s, 0.6)
    predicted = (s >= 0.6).astype(float)
    assert recall == pytest.approx(recall_score(y, predicted))
    assert precision == pytest.approx(precision_score(y, predicted))
    assert flagged == int(predicted.sum())


def test_lift_and_calibration() -> None:
    y = np.array([1.0] * 10 + [0.0] * 90)
    s = np.linspace(1.0, 0.0, 100)  # the ten churners score highest
    assert metrics.top_decile_lift(y, s) == pytest.approx(10.0)
    table = metrics.calibration_table(y, s, bins=10)
    assert [b.count for b in table] == [10] * 10
    assert table[-1].observed_rate == 1.0
    assert table[0].observed_rate == 0.0
