"""The additive model: exact explanations, reasons, hard rules, the JSON format."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rm_desk.domain.churn import additive, training
from rm_desk.domain.churn.indicators import CODES
from rm_desk.domain.model import ChurnLevel


def _data(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "aum_change_3m": rng.normal(0, 30, n),
            "complaints_90d": rng.poisson(0.3, n).astype(float),
            "months_without_txn": rng.integers(0, 6, n).astype(float),
            "segment": rng.choice(["mass", "affluent", "private"], n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "aum_change_3m"] = np.nan
    logit = -2 - 0.05 * frame["aum_change_3m"].fillna(0) + 0.9 * frame["complaints_90d"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return frame, y


@pytest.fixture(scope="module")
def model() -> additive.AdditiveModel:
    frame, y = _data()
    return training.train(frame, y, version="t1", params=training.TrainingParams(max_rounds=300))


def test_logit_is_intercept_plus_contributions(model: additive.AdditiveModel) -> None:
    frame, _ = _data(200, seed=9)
    s = additive.score(model, frame)
    assert s.contributions.shape == (200, 4)
    np.testing.assert_allclose(s.logit, model.intercept + s.contributions.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(s.probability, 1 / (1 + np.exp(-s.logit)), atol=1e-12)
    # Contributions read straight off the curves, one feature at a time.
    term = model.terms[0]
    assert isinstance(term, additive.NumericTerm)
    x = frame["aum_change_3m"].to_numpy()
    expected = np.where(
        np.isnan(x), term.missing, term.contributions[np.searchsorted(term.edges, x, side="right")]
    )
    np.testing.assert_allclose(s.contributions[:, 0], expected)


def test_training_learns_the_direction(model: additive.AdditiveModel) -> None:
    falling = pd.DataFrame({"aum_change_3m": [-60.0], "complaints_90d": [3.0],
                            "months_without_txn": [0.0], "segment": ["mass"]})  # fmt: skip
    growing = pd.DataFrame({"aum_change_3m": [40.0], "complaints_90d": [0.0],
                            "months_without_txn": [0.0], "segment": ["mass"]})  # fmt: skip
    assert (
        additive.score(model, falling).probability[0]
        > additive.score(model, growing).probability[0]
    )
    assert model.amber <= model.red


def test_reasons_are_the_largest_positive_contributions_in_order() -> None:
    # A reason names a ReasonCode: this model has the indicators only (no segment).
    train, y = _data()
    model = training.train(
        train.drop(columns="segment"),
        y,
        version="t2",
        params=training.TrainingParams(max_rounds=300),
    )
    frame, _ = _data(300, seed=11)
    frame = frame.drop(columns="segment")
    s = additive.score(model, frame)
    top = additive.top_reasons(s, k=3)
    values = {c: frame[c].to_numpy() for c in frame.columns}
    for row in range(300):
        reasons = additive.reasons_for(s, row, top, values)
        contrib = [r.contribution for r in reasons]
        assert contrib == sorted(contrib, reverse=True)
        assert all(c >= additive.REASON_FLOOR for c in contrib)
        positives = sorted(
            (c for c in s.contributions[row] if c >= additive.REASON_FLOOR), reverse=True
        )[:3]
        np.testing.assert_allclose(contrib, positives, atol=1e-6)
        for r in reasons:
            assert r.code in model.features


def test_hard_rule_raises_to_amber_and_names_its_reason() -> None:
    model = additive.AdditiveModel(
        version="rule", trained_at="", intercept=-5.0,
        terms=(additive.NumericTerm("months_without_txn", np.array([1.0, 3.0]),
                                    np.array([-0.1, 0.0, 0.2]), 0.0),),
        red=0.5, amber=0.3,
        hard_rules=(additive.HardRule("months_without_txn", 3, ChurnLevel.AMBER),),
    )  # fmt: skip
    frame = pd.DataFrame({"months_without_txn": [0.0, 2.0, 3.0, 7.0]}, index=["a", "b", "c", "d"])
    s = additive.score(model, frame)
    assert [additive.level_of(int(v)) for v in s.levels] == [
        ChurnLevel.GREEN, ChurnLevel.GREEN, ChurnLevel.AMBER, ChurnLevel.AMBER,
    ]  # fmt: skip
    top = additive.top_reasons(s)
    reasons = additive.reasons_for(
        s, 2, top, {"months_without_txn": frame["months_without_txn"].to_numpy()}
    )
    assert reasons[0].code == "months_without_txn"
    assert reasons[0].values == {"value": 3, "rule": "at_least_amber"}


def test_json_round_trip_scores_identically(model: additive.AdditiveModel) -> None:
    frame, _ = _data(100, seed=5)
    again = additive.load_model(model.dumps())
    np.testing.assert_array_equal(
        additive.score(model, frame).logit, additive.score(again, frame).logit
    )
    body = json.loads(model.dumps())
    assert body["format"] == additive.FORMAT
    assert body["format_version"] == 1
    assert {f["kind"] for f in body["features"]} == {"numeric", "categorical"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 2}, "format version 2 is not supported"),
        ({"format": "something-else"}, "not an RM Desk churn model"),
        ({"thresholds": {"red": 0.1, "amber": 0.5}}, "amber <= red"),
        ({"intercept": "x"}, "intercept is not a finite number"),
        ({"features": []}, "no features"),
        ({"features": [{"kind": "numeric"}]}, "feature #1 has no name"),
        ({"features": [{"name": "x", "kind": "spline"}]}, "feature x: unknown kind 'spline'"),
        (
            {
                "features": [
                    {"name": "x", "kind": "numeric", "edges": [1, True], "contributions": []}
                ]
            },
            "feature x: edges is not a finite number",
        ),
        (
            {
                "features": [
                    {"name": "x", "kind": "numeric", "edges": [2, 1], "contributions": [0] * 3}
                ]
            },
            "feature x: edges are not strictly ascending",
        ),
        ({"intercept": float("nan")}, "intercept is not a finite number"),
        ({"thresholds": {"red": 0.5}}, "threshold amber is not a finite number"),
        ({"version": "v" * 65}, "no version"),
        (
            {"hard_rules": [{"feature": "segment", "at_least": 1, "level": "purple"}]},
            "unknown level",
        ),
    ],
)
def test_malformed_models_are_refused(
    model: additive.AdditiveModel, change: dict[str, object], message: str
) -> None:
    body = {**model.to_json(), **change}
    with pytest.raises(additive.ModelRejected, match=message) as caught:
        additive.load_model(body)
    # One line in the model's words, never pydantic's report.
    assert "\n" not in str(caught.value)
    assert "Input should" not in str(caught.value)
    with pytest.raises(additive.ModelRejected, match=message):
        additive.load_model(json.dumps(body))  # the same as a file (NaN as Python writes it)


def test_features_the_client_cannot_compute_are_refused(model: additive.AdditiveModel) -> None:
    with pytest.raises(additive.ModelRejected, match="cannot compute: segment"):
        additive.load_model(model.dumps(), computable=CODES)


def test_curve_with_wrong_length_is_refused(model: additive.AdditiveModel) -> None:
    body = model.to_json()
    body["features"][0]["contributions"] = body["features"][0]["contributions"][:-1]
    with pytest.raises(additive.ModelRejected, match="len\\(edges\\) \\+ 1"):
        additive.load_model(body)


def test_a_reason_needs_the_floor_and_a_value_that_tells() -> None:
    from rm_desk.domain.churn.indicators import telling  # noqa: PLC0415

    model = additive.AdditiveModel(
        version="floor", trained_at="", intercept=-2.0,
        terms=(
            additive.NumericTerm("deposits_change_3m", np.array([-30.0, 5.0]),
                                 np.array([0.8, 0.3, -0.2]), 0.0),
            additive.NumericTerm("complaints_90d", np.array([0.5]), np.array([0.05, 0.6]), 0.0),
            additive.NumericTerm("days_since_rm_contact", np.array([60.0]),
                                 np.array([-0.1, 0.4]), 0.5),
        ),
        red=0.9, amber=0.5,
    )  # fmt: skip
    frame = pd.DataFrame(
        {
            # -40 % is a drop; 0 % is no change, though its contribution is +0.3
            "deposits_change_3m": [-40.0, 0.0, -0.4, -3.0],
            "complaints_90d": [0.0, 2.0, 0.0, 0.0],  # 0 complaints: +0.05, under the floor
            "days_since_rm_contact": [np.nan, 10.0, 90.0, 0.0],  # never contacted: tells
        }
    )
    s = additive.score(model, frame)
    top = additive.top_reasons(s, telling=telling(frame, s.features))
    named = [[s.features[j] for j in row if j >= 0] for row in top]
    assert named == [
        ["deposits_change_3m", "days_since_rm_contact"],
        ["complaints_90d"],
        ["days_since_rm_contact"],
        ["deposits_change_3m"],
    ]
    # Without the value check, the zero change would be a reason; without the floor,
    # the +0.05 of no complaint too.
    loose = additive.top_reasons(s, floor=1e-12)
    assert 0 in loose[1]
    assert 1 in loose[0]
