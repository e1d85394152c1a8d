"""Our evaluation figures agree with scikit-learn's on the same predictions, and
input no figure means anything for is refused with one error type."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (  # type: ignore[import-untyped]
    average_precision_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from rm_desk.domain.churn import metrics
from rm_desk.domain.churn.metrics import MetricInputError


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_and_average_precision_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.2).astype(float)
    s = np.round(rng.random(500) * 0.6 + y * 0.3, 2)  # rounding makes ties
    assert metrics.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(
        average_precision_score(y, s), abs=1e-12
    )
    assert metrics.brier(y, s) == pytest.approx(brier_score_loss(y, s), abs=1e-12)


# Labels with both classes, scores on a coarse grid (many ties).
_cases = st.integers(min_value=2, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n).filter(
            lambda y: 0 < sum(y) < len(y)
        ),
        st.lists(st.integers(0, 10).map(lambda i: i / 10), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(_cases)
def test_figures_match_sklearn_on_any_valid_input(case: tuple[list[float], list[float]]) -> None:
    y, s = case
    assert metrics.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(
        average_precision_score(y, s), abs=1e-12
    )
    assert metrics.brier(y, s) == pytest.approx(brier_score_loss(y, s), abs=1e-12)


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


def test_calibration_error_of_a_calibrated_and_a_miscalibrated_score() -> None:
    y = np.array([1.0, 0.0] * 50)
    assert metrics.calibration_error(y, np.full(100, 0.5)) == pytest.approx(0.0)
    assert metrics.calibration_error(y, np.full(100, 0.9)) == pytest.approx(0.4)


def _lift_over_all_orders(y: list[float], s: list[float]) -> float:
    """Top-decile lift averaged over every order of the rows (a stable sort then
    breaks ties by input position)."""
    k = max(1, math.ceil(len(y) * 0.1))
    base = sum(y) / len(y)
    rates = []
    for perm in itertools.permutations(range(len(y))):
        ranked = sorted(perm, key=lambda i: -s[i])
        rates.append(sum(y[i] for i in ranked[:k]) / k)
    return float(np.mean(rates)) / base


def test_lift_with_ties_is_the_average_over_every_order() -> None:
    y = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # k = 1: the tie at the top decides
    s = [0.9, 0.9, 0.9, 0.1, 0.2, 0.3, 0.9]
    assert metrics.top_decile_lift(y, s) == pytest.approx(_lift_over_all_orders(y, s))
    assert metrics.top_decile_lift(y, s) == pytest.approx((1 / 4) / (2 / 7))


@settings(max_examples=100, deadline=None)
@given(_cases, st.randoms(use_true_random=False))
def test_lift_does_not_depend_on_input_order(
    case: tuple[list[float], list[float]], rnd: Any
) -> None:
    y, s = case
    order = list(range(len(y)))
    rnd.shuffle(order)
    shuffled = metrics.top_decile_lift([y[i] for i in order], [s[i] for i in order])
    assert shuffled == pytest.approx(metrics.top_decile_lift(y, s), abs=1e-12)


_BAD: list[tuple[str, Any, Any, str]] = [
    ("NaN score", [0, 1], [0.1, math.nan], "NaN or infinite"),
    ("infinite score", [0, 1], [0.1, math.inf], "NaN or infinite"),
    ("label 2", [0, 2, 1], [0.1, 0.5, 0.7], "0 or 1"),
    ("label -1", [0, -1], [0.1, 0.5], "0 or 1"),
    ("NaN label", [0, math.nan], [0.1, 0.5], "0 or 1"),
    ("lengths", [0, 1, 1], [0.1, 0.5], "3 labels but 2 scores"),
    ("empty", [], [], "no rows"),
    ("2-D", [[0, 1]], [[0.1, 0.2]], "1-D"),
    ("text", ["a", "b"], [0.1, 0.2], "numbers"),
]
_FIGURES = [
    ("roc_auc", metrics.roc_auc),
    ("average_precision", metrics.average_precision),
    ("brier", metrics.brier),
    ("calibration_error", metrics.calibration_error),
    ("top_decile_lift", metrics.top_decile_lift),
    ("calibration_table", metrics.calibration_table),
    ("recall_precision_at", lambda y, s: metrics.recall_precision_at(y, s, 0.5)),
    ("evaluate", lambda y, s: metrics.evaluate(y, s, red=0.5, amber=0.2)),
]


@pytest.mark.parametrize(("name", "figure"), _FIGURES, ids=[f[0] for f in _FIGURES])
@pytest.mark.parametrize(("what", "y", "s", "words"), _BAD, ids=[b[0] for b in _BAD])
def test_every_figure_refuses_nonsense_with_one_error(
    name: str, figure: Any, what: str, y: Any, s: Any, words: str
) -> None:
    with pytest.raises(MetricInputError, match=words) as caught:
        figure(y, s)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("what", ["NaN score", "infinite score", "lengths", "empty"])
def test_sklearn_refuses_the_same_scores(what: str) -> None:
    """Where scikit-learn refuses too, the refusal is not ours alone."""
    _, y, s, _ = next(b for b in _BAD if b[0] == what)
    with pytest.raises(ValueError):  # noqa: PT011  (scikit-learn's words vary)
        roc_auc_score(y, s)


def test_single_class_and_probabilities_outside_0_1() -> None:
    with pytest.raises(MetricInputError, match="both classes"):
        metrics.roc_auc([1, 1], [0.2, 0.3])
    with pytest.raises(MetricInputError, match="churner"):
        metrics.average_precision([0, 0], [0.2, 0.3])
    with pytest.raises(MetricInputError, match="between 0 and 1"):
        metrics.brier([0, 1], [0.2, 1.3])
