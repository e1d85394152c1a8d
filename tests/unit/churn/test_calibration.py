"""Calibration: Platt scaling fitted on out-of-fold logits, folded into the curves (the
published model is calibrated as it stands, reasons stay exact, directions stay)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from rm_desk.domain.churn import additive, metrics, shapes, training
from rm_desk.domain.rules import ReasonCode
from sync.server import churn_training as ct

SMALL = training.TrainingParams(max_rounds=200, patience=20)


def test_platt_matches_sklearns_logistic_regression() -> None:
    rng = np.random.default_rng(2)
    logit = rng.normal(0, 2, 3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(-(0.4 * logit - 1.0)))).astype(float)
    slope, offset = training.platt(logit, y)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit[:, None], y)
    assert slope == pytest.approx(float(reference.coef_[0, 0]), abs=1e-4)
    assert offset == pytest.approx(float(reference.intercept_[0]), abs=1e-4)


def _data(n: int = 3000, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    complaints = rng.poisson(0.4, n).astype(float)
    contact = rng.integers(0, 300, n).astype(float)
    aum = rng.normal(0, 30, n)
    logit = -3.0 + 0.8 * complaints + contact / 150 - aum / 30
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame(
        {
            ReasonCode.COMPLAINTS_90D.value: complaints,
            ReasonCode.DAYS_SINCE_RM_CONTACT.value: contact,
            ReasonCode.AUM_CHANGE_3M.value: aum,
        }
    )
    return frame, y


def test_calibrated_model_is_additive_monotone_and_better_calibrated() -> None:
    frame, y = _data()
    specs = [s for s in ct.indicator_specs() if s.name in frame.columns]
    specs.sort(key=lambda s: list(frame.columns).index(s.name))
    raw = training.train(frame, y, specs=specs, params=SMALL, version="raw")
    model, oof = ct.train_calibrated(frame, y, specs=specs, params=SMALL, version="cal")
    info = model.training["calibration"]
    assert info["method"] == "platt"
    assert info["slope"] > 0
    # Fitted on held-out logits, the calibrated out-of-fold probabilities are no worse.
    after, before = info["out_of_fold_after"], info["out_of_fold_before"]
    assert after["calibration_error"] <= before["calibration_error"] + 1e-9
    assert after["brier"] <= before["brier"] + 1e-9
    assert metrics.calibration_error(y, oof) == pytest.approx(after["calibration_error"])
    # Folded in: the logit is still intercept + contributions, exactly, and equals
    # slope x the uncalibrated model's logit + offset.
    s = additive.score(model, frame)
    np.testing.assert_allclose(s.logit, model.intercept + s.contributions.sum(axis=1))
    np.testing.assert_allclose(
        s.logit, info["slope"] * additive.score(raw, frame).logit + info["offset"], atol=1e-9
    )
    assert shapes.violations(model) == []
    # The JSON carries it; thresholds are calibrated probabilities, red >= amber.
    loaded = additive.load_model(model.dumps())
    assert loaded.training["calibration"]["slope"] == info["slope"]
    assert 0 < loaded.amber <= loaded.red < 1


def test_a_model_no_better_than_chance_is_refused() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"noise": rng.normal(size=600)})
    y = (rng.random(600) < 0.3).astype(float)
    model = training.train(frame, y, params=SMALL, version="noise")
    with pytest.raises(training.TrainingDataError, match="no better than chance"):
        training.scaled(model, -0.2, 0.0, {})


def test_the_card_states_thresholds_as_observed_rates() -> None:
    frame, y = _data()
    model, oof = ct.train_calibrated(frame, y, params=SMALL, version="card")
    carded = ct.with_card(model, oof, y, "training rows, out-of-fold")
    card = carded.training["thresholds_card"]
    assert card["red"]["at_least_probability"] == model.red
    red_rate = card["red"]["observed_leave_rate"]
    amber_rate = card["amber"]["observed_leave_rate"]
    assert red_rate >= amber_rate > y.mean()  # the riskier band leaves more often


def test_grouped_folds_keep_a_customer_in_one_fold() -> None:
    rng = np.random.default_rng(1)
    groups = rng.integers(0, 300, 3000).astype(str)
    y = (rng.random(3000) < 0.05).astype(float)
    folds = ct.grouped_folds(y, groups, 5)
    seen: set[int] = set()
    for train_rows, test_rows in folds:
        assert not set(groups[train_rows]) & set(groups[test_rows])
        assert y[test_rows].sum() > 0
        seen |= set(test_rows.tolist())
    assert seen == set(range(3000))


@pytest.mark.parametrize("shift", [-6.0, 0.0, 4.0])
def test_platt_converges_when_the_base_rate_moved(shift: float) -> None:
    """Logits of a model trained when customers left far less (or more) often: the fit
    still converges to sklearn's, not to a runaway slope."""
    rng = np.random.default_rng(7)
    logit = rng.normal(shift, 1.0, 20_000)
    truth = 1.3 * (logit - shift) - 3.0
    y = (rng.random(20_000) < 1 / (1 + np.exp(-truth))).astype(float)
    slope, offset = training.platt(logit, y)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit[:, None], y)
    assert slope == pytest.approx(float(reference.coef_[0, 0]), abs=1e-3)
    assert offset == pytest.approx(float(reference.intercept_[0]), abs=1e-2)
