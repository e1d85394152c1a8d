"""Curve shapes: each indicator's declared direction holds after training even when the
data says the opposite, the projection is scikit-learn's isotonic fit, and a model that
breaks a direction is not published."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

from rm_desk.domain.churn import additive, shapes, training
from rm_desk.domain.churn.indicators import FALLS, FREE, INDICATORS, RISES
from rm_desk.domain.rules import ReasonCode
from sync.server import churn_training as ct
from sync.server.cli import main

DIRECTED = [i for i in INDICATORS if i.direction != FREE]
SMALL = training.TrainingParams(max_rounds=150, patience=20, refit=False)


def test_every_indicator_declares_a_direction() -> None:
    assert {i.code for i in DIRECTED} == set(ReasonCode)


def _against_the_grain(code: ReasonCode, n: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Rows where the data's churn rate goes *against* the declared direction of `code`
    on its lower half, with it on its upper half (a U or an inverted U), and a tenth of
    the values missing."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, n).astype(float)
    direction = next(i.direction for i in INDICATORS if i.code == code)
    t = x if direction == RISES else 40.0 - x  # t grows the way risk may grow

    # Risk falls as t grows from 0 to 20 (against the direction), then rises.
    logit = -1.0 + np.where(t < 20, -0.15 * t, 0.3 * (t - 20) - 3.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({code.value: x, "label": y})


@pytest.mark.parametrize("indicator", DIRECTED, ids=[i.code.value for i in DIRECTED])
def test_training_keeps_each_indicators_direction(indicator: object) -> None:
    code = indicator.code  # type: ignore[attr-defined]
    frame = _against_the_grain(code)
    spec = next(s for s in ct.indicator_specs() if s.name == code)
    free = training.train(
        frame[[code.value]], frame["label"].to_numpy(), params=SMALL, version="free",
        specs=[training.FeatureSpec(code.value, "numeric")],
    )  # fmt: skip
    # The data really goes against the direction: unconstrained training breaks it ...
    assert shapes.violations(free), "the test data should tempt the trainer"
    kept = training.train(
        frame[[code.value]], frame["label"].to_numpy(), params=SMALL, version="kept",
        specs=[spec],
    )  # fmt: skip
    # ... constrained training does not.
    assert shapes.violations(kept) == []
    term = kept.terms[0]
    assert isinstance(term, additive.NumericTerm)
    steps = np.diff(term.contributions) * spec.direction
    assert steps.min() >= -1e-9
    assert np.ptp(term.contributions) > 0.01  # still learns something
    # Scored values (not only the curve): a larger value never goes the wrong way.
    values = np.arange(0.0, 40.0)
    contrib = term.contribution(values)
    assert (np.diff(contrib) * spec.direction >= -1e-9).all()
    if indicator.missing_is_extreme:  # type: ignore[attr-defined]
        risky_end = contrib[-1] if spec.direction == RISES else contrib[0]
        assert term.missing >= risky_end - 1e-9


def test_never_contacted_counts_at_least_as_the_longest_gap() -> None:
    contact = next(i for i in INDICATORS if i.code == ReasonCode.DAYS_SINCE_RM_CONTACT)
    assert contact.direction == RISES
    assert contact.missing_is_extreme
    # A never-contacted customer who stays more often than anyone (the data's view).
    rng = np.random.default_rng(5)
    x = rng.integers(0, 200, 3000).astype(float)
    x[:600] = np.nan
    logit = np.where(np.isnan(x), -4.0, -2.0 + np.nan_to_num(x) / 100)
    y = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(float)
    spec = next(s for s in ct.indicator_specs() if s.name == contact.code)
    model = training.train(
        pd.DataFrame({contact.code.value: x}), y, params=SMALL, version="m", specs=[spec]
    )
    term = model.terms[0]
    assert isinstance(term, additive.NumericTerm)
    assert term.missing >= term.contributions[-1] - 1e-9
    assert shapes.violations(model) == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(0.01, 10)), min_size=1, max_size=30),
    st.booleans(),
)
def test_isotonic_is_sklearns_fit(points: list[tuple[float, float]], increasing: bool) -> None:
    values = np.array([p[0] for p in points])
    weights = np.array([p[1] for p in points])
    ours = shapes.isotonic(values, weights, increasing=increasing)
    theirs = IsotonicRegression(increasing=increasing).fit_transform(
        np.arange(len(values)), values, sample_weight=weights
    )
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def _model_with(code: ReasonCode, curve: list[float], missing: float = 0.0) -> dict[str, object]:
    edges = [float(i) for i in range(1, len(curve))]
    return {
        "format": "rm-desk-churn-additive",
        "format_version": 1,
        "version": "bad-shape-1",
        "intercept": -2.0,
        "features": [
            {
                "name": code.value,
                "kind": "numeric",
                "edges": edges,
                "contributions": curve,
                "missing": missing,
            },
        ],  # fmt: skip
        "thresholds": {"red": 0.5, "amber": 0.2},
    }


@pytest.mark.parametrize(
    ("code", "curve", "missing", "words"),
    [
        (ReasonCode.DAYS_SINCE_RM_CONTACT, [-0.09, -0.47, 0.2], 0.5, "rises only"),
        (ReasonCode.DAYS_SINCE_RM_CONTACT, [-0.3, 0.0, 0.2], 0.1, "no value"),
        (ReasonCode.COMPLAINTS_90D, [0.0, 0.3, -0.2], 0.0, "rises only"),
        (ReasonCode.AUM_CHANGE_3M, [0.5, 0.8, -0.1], 0.0, "falls only"),
        (ReasonCode.TENURE_MONTHS, [-1.4, -0.1], 0.0, "falls only"),
    ],
)
def test_a_model_breaking_a_direction_is_not_published(
    code: ReasonCode, curve: list[float], missing: float, words: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_model_with(code, curve, missing)))
    db = f"sqlite:///{tmp_path / 'central.db'}"
    assert main(["--db", db, "churn", "publish", str(path)]) == 1
    err = capsys.readouterr().err
    assert "not published" in err
    assert code.value in err
    assert words in err
    assert err.count("\n") == 1


def test_a_model_keeping_every_direction_is_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _model_with(ReasonCode.DAYS_SINCE_RM_CONTACT, [-0.3, 0.0, 0.2], 0.4)
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good))
    db = f"sqlite:///{tmp_path / 'central.db'}"
    assert main(["--db", db, "churn", "publish", str(path)]) == 0, capsys.readouterr().err


def test_the_shipped_default_model_keeps_every_direction() -> None:
    from rm_desk.services import churn  # noqa: PLC0415

    assert shapes.violations(churn.default_model()) == []


def test_directions_are_recorded_in_the_model_file() -> None:
    frame = _against_the_grain(ReasonCode.COMPLAINTS_90D)
    specs = [s for s in ct.indicator_specs() if s.name == ReasonCode.COMPLAINTS_90D]
    model = training.train(
        frame[[ReasonCode.COMPLAINTS_90D.value]], frame["label"].to_numpy(), params=SMALL,
        version="m", specs=specs,
    )  # fmt: skip
    loaded = additive.load_model(model.dumps())
    assert loaded.terms[0].meta["direction"] == "rises"
    assert FALLS == -RISES
