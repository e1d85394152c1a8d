"""`rm-desk-central churn train --from-gateway` on a seeded demo bank: labels from
customers who left, a time split, lead time; then publish."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import CODES
from sync.server import admin, schema
from sync.server.cli import main

AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('gw') / 'central.db'}"
    engine = create_engine(url)
    from sync.server import db  # noqa: PLC0415

    db.create_schema(engine)
    admin.seed(engine, customers=2500, rms=5, seed=11, as_of=AS_OF)
    engine.dispose()
    return url


def test_train_from_gateway_then_publish(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.json"
    code = main(["--db", seeded, "churn", "train", "--from-gateway", "--horizon", "3",
                 "--out", str(out), "--json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = json.loads(captured.out)
    model = additive.load_model(out.read_text(), computable=CODES)
    assert set(model.features) == set(CODES)
    assert model.hard_rules[0].feature == "months_without_txn"
    assert model.training["horizon_months"] == 3
    # The test cutoff comes after every training label window.
    assert max(model.training["train_cutoffs"]) < model.training["test_cutoff"]
    assert figures["positives"] > 0
    assert figures["auc"] > 0.75  # drifters are visible before they go
    lead = figures["lead_time"]
    assert lead["leavers"] == figures["positives"]
    assert 0.0 < lead["red_before_leaving_share"] <= 1.0
    assert 1.0 <= lead["median_red_lead_months"] <= 6.0
    assert "time_split_test" in model.metrics
    # Calibrated on the newest labelled month: held out, cross-fitted, it is no worse
    # calibrated than the raw scores, and the card states the thresholds as rates.
    calibration = model.training["calibration"]
    assert calibration["method"] == "platt"
    assert model.training["test_cutoff"] in calibration["fitted_on"]
    assert (
        calibration["cross_fitted"]["calibration_error"]
        <= calibration["before"]["calibration_error"]
    )
    card = model.training["thresholds_card"]
    assert card["red"]["at_least_probability"] == model.red
    assert card["red"]["observed_leave_rate"] >= card["amber"]["observed_leave_rate"]

    assert main(["--db", seeded, "churn", "publish", str(out)]) == 0
    engine = create_engine(seeded)
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.churn_models.c.version, schema.churn_models.c.active)
        ).all()
    engine.dispose()
    assert rows == [(model.version, True)]
    # The same version twice is refused in one line.
    capsys.readouterr()
    assert main(["--db", seeded, "churn", "publish", str(out)]) == 1
    assert "already published" in capsys.readouterr().err


def test_horizon_longer_than_history_is_one_line(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", seeded, "churn", "train", "--from-gateway", "--horizon", "12",
                 "--out", str(tmp_path / "m.json")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "leaves no training period" in err
    assert err.count("\n") == 1


def test_evaluate_from_gateway_by_customer_folds(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", seeded, "churn", "evaluate", "--from-gateway", "--horizon", "3",
                 "--cv", "2", "--json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = json.loads(captured.out)
    assert figures["source"] == "gateway history, folds grouped by customer"
    assert figures["cv"] == 2
    assert figures["auc"] > 0.75
    for key in ("pr_auc", "brier", "calibration_error"):
        assert 0.0 <= figures[key] <= 1.0
