"""Central churn modelling: train and evaluate from a CSV or from the gateway's own
history, and publish a model so it reaches clients with their next pull.

The algorithm, the model format and the metrics are shared with the clients in
`rm_desk.domain.churn`; this module reads data, runs cross-validation, compares with
scikit-learn's HistGradientBoostingClassifier (`--baseline`, optional dependency) and
stores models. Every failure a user can cause is a `ChurnInputError` with a one-line
message.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, insert, select, update

from rm_desk.domain.churn import additive, history, metrics, shapes, training
from rm_desk.domain.churn.indicators import (
    BY_CODE,
    CODES,
    RISES,
    SNAPSHOT_COLUMNS,
    compute_indicators,
    month_index,
)
from rm_desk.domain.model import ChurnLevel
from rm_desk.domain.rules import ReasonCode
from sync.server import schema

FloatArray = npt.NDArray[np.float64]
GARBAGE_SHARE = 0.5  # a column this numeric that still has text holds garbage
# Calibration is fitted on out-of-fold logits: every training row is held out once, so
# the number of folds only decides how close the fold models are to the final one
# (two thirds of the rows). Three keeps training at four fits; the same for every data
# set.
CALIBRATION_FOLDS: Final[int] = 3


class ChurnInputError(ValueError):
    """Data or a model file the trainer cannot use (one line for the user)."""


@dataclass(frozen=True, slots=True)
class Dataset:
    features: pd.DataFrame
    label: FloatArray
    label_name: str
    positive: str


# --- reading a CSV ---------------------------------------------------------------------------


def _positive_mask(values: pd.Series, positive: str | None, label: str) -> FloatArray:
    text = values.astype(str).str.strip()
    if positive is not None:
        return np.asarray(text == positive, dtype=np.float64)
    distinct = set(text.unique())
    for truthy, falsy in (
        ({"1"}, {"0"}),
        ({"1.0"}, {"0.0"}),
        ({"true", "True", "TRUE"}, {"false", "False", "FALSE"}),
    ):
        if distinct <= truthy | falsy:
            return np.asarray(text.isin(truthy), dtype=np.float64)
    shown = ", ".join(sorted(distinct)[:4])
    raise ChurnInputError(
        f"label column {label!r} is not 0/1; say which value means churn with --positive "
        f"(values: {shown})"
    )


def _check_numeric_text(frame: pd.DataFrame) -> None:
    """Refuse a mostly numeric column with text in it (garbage, not a category)."""
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            continue
        present = column.dropna()
        if present.empty:
            continue
        parsed = pd.to_numeric(present, errors="coerce")
        numeric_share = float(parsed.notna().mean())
        if numeric_share >= GARBAGE_SHARE and numeric_share < 1.0:
            bad = present[parsed.isna()]
            raise ChurnInputError(
                f"column {name!r} is numeric but has non-numeric values "
                f"(e.g. {str(bad.iloc[0])[:30]!r} on data row {int(bad.index[0]) + 1})"
            )
        if numeric_share == 1.0:
            frame[name] = parsed.reindex(column.index)


def read_csv(
    path: str | Path, label: str, *, positive: str | None = None, drop: Sequence[str] = ()
) -> Dataset:
    try:
        raw = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise ChurnInputError(f"no such file: {path}") from None
    except pd.errors.EmptyDataError:
        raise ChurnInputError(f"{path} is empty (no header, no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ChurnInputError(f"{path} is not a readable CSV file ({first})") from None
    if label not in raw.columns:
        raise ChurnInputError(
            f"no label column {label!r} in {path} "
            f"(columns: {', '.join(map(str, raw.columns[:6]))}…)"
        )
    unknown = [c for c in drop if c not in raw.columns]
    if unknown:
        raise ChurnInputError(f"--drop names columns not in the file: {', '.join(unknown)}")
    if len(raw) == 0:
        raise ChurnInputError(f"{path} has a header but no data rows")
    labels = raw[label]
    if labels.isna().any():
        raise ChurnInputError(
            f"label column {label!r} is empty on {int(labels.isna().sum())} row(s)"
        )
    y = _positive_mask(labels, positive, label)
    features = raw.drop(columns=[label, *drop])
    _check_numeric_text(features)
    try:
        training.check_training_data(features, y)
    except training.TrainingDataError as exc:
        hint = " (remove them with --drop)" if "no values" in str(exc) else ""
        if positive is not None and "single class" in str(exc) and y.sum() == 0:
            raise ChurnInputError(
                f"no row has {label} = {positive!r}; the label has a single class"
            ) from None
        raise ChurnInputError(f"{exc}{hint}") from None
    return Dataset(features.reset_index(drop=True), y, label, positive or "1")


# --- cross-validation ------------------------------------------------------------------------


def stratified_folds(
    y: FloatArray, k: int, seed: int = 0
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    if k < 2:
        raise ChurnInputError("--cv needs at least 2 folds")
    smallest = int(min(y.sum(), len(y) - y.sum()))
    if smallest < k:
        raise ChurnInputError(
            f"--cv {k} needs at least {k} rows of each class (the smaller has {smallest})"
        )
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.int64)
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def train_calibrated(
    frame: pd.DataFrame,
    y: FloatArray,
    *,
    folds: int = CALIBRATION_FOLDS,
    red_share: float = 0.05,
    amber_share: float = 0.15,
    **kwargs: Any,
) -> tuple[additive.AdditiveModel, FloatArray]:
    """Train on every row, calibrated by Platt scaling fitted on out-of-fold logits
    (`folds` models, each scoring the rows it never saw) and folded into the curves;
    thresholds are the shares of the calibrated in-sample probabilities. Returns the
    model and the calibrated out-of-fold probabilities (for the model card)."""
    oof = np.empty(len(y))
    for train_rows, test_rows in stratified_folds(y, folds, seed=1):
        fold = training.train(
            frame.iloc[train_rows].reset_index(drop=True), y[train_rows],
            **{**kwargs, "version": "calibration-fold"},
        )  # fmt: skip
        oof[test_rows] = additive.score(fold, frame.iloc[test_rows]).logit
    slope, offset = training.platt(oof, y)
    before = additive.logistic(oof)
    after = additive.logistic(slope * oof + offset)
    info = {
        "method": "platt",
        "fitted_on": f"out-of-fold logits, {folds} folds",
        "slope": slope,
        "offset": offset,
        "out_of_fold_before": {
            "brier": metrics.brier(y, before),
            "calibration_error": metrics.calibration_error(y, before),
        },
        "out_of_fold_after": {
            "brier": metrics.brier(y, after),
            "calibration_error": metrics.calibration_error(y, after),
        },
    }
    model = training.train(frame, y, red_share=red_share, amber_share=amber_share, **kwargs)
    try:
        model = training.scaled(model, slope, offset, info)
    except training.TrainingDataError as exc:
        raise ChurnInputError(str(exc)) from None
    model = training.with_thresholds(
        model, additive.score(model, frame).probability,
        red_share=red_share, amber_share=amber_share,
    )  # fmt: skip
    return model, after


def with_card(
    model: additive.AdditiveModel, probability: FloatArray, y: FloatArray, population: str
) -> additive.AdditiveModel:
    """The thresholds in the model card: each as a calibrated leave probability, with
    the share of `population` above it and how many of those left."""
    card: dict[str, Any] = {"population": population, "rows": len(y)}
    for name, bound in (("red", model.red), ("amber", model.amber)):
        above = probability >= bound
        card[name] = {
            "at_least_probability": bound,
            "share_flagged": float(above.mean()),
            "observed_leave_rate": float(y[above].mean()) if above.any() else None,
        }
    return dataclasses.replace(model, training={**dict(model.training), "thresholds_card": card})


def _baseline_scores(
    train_x: pd.DataFrame, train_y: FloatArray, test_x: pd.DataFrame
) -> FloatArray:
    try:
        from sklearn.ensemble import (  # type: ignore[import-untyped]  # noqa: PLC0415
            HistGradientBoostingClassifier,
        )
    except ImportError:
        raise ChurnInputError(
            "--baseline needs scikit-learn, which is not installed (pip install 'rm-desk[central]')"
        ) from None
    both = pd.concat([train_x, test_x], ignore_index=True)
    for name in both.columns:
        if not pd.api.types.is_numeric_dtype(both[name]):
            both[name] = both[name].astype("category")
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    clf.fit(both.iloc[: len(train_x)], train_y)
    return np.asarray(clf.predict_proba(both.iloc[len(train_x) :])[:, 1], dtype=np.float64)


def _baseline_fold(
    data: Dataset, train_rows: npt.NDArray[np.int64], test_rows: npt.NDArray[np.int64]
) -> dict[str, float]:
    """The baseline's figures on one fold: trained on `train_rows`, scored on
    `test_rows`."""
    b = _baseline_scores(
        data.features.iloc[train_rows], data.label[train_rows], data.features.iloc[test_rows]
    )
    return _figures(data.label[test_rows], b)


def _figures(y: FloatArray, p: FloatArray) -> dict[str, float]:
    return {
        "auc": metrics.roc_auc(y, p),
        "pr_auc": metrics.average_precision(y, p),
        "brier": metrics.brier(y, p),
        "calibration_error": metrics.calibration_error(y, p),
    }


def _mean_figures(per_fold: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(path: Sequence[str]) -> float:
        values = []
        for fig in per_fold:
            v: Any = fig
            for key in path:
                v = v[key]
            values.append(float(v))
        return float(np.mean(values))

    return {
        "auc": mean(["auc"]),
        "pr_auc": mean(["pr_auc"]),
        "brier": mean(["brier"]),
        "calibration_error": mean(["calibration_error"]),
        "red": {k: mean(["red", k]) for k in ("threshold", "recall", "precision", "flagged")},
        "amber": {k: mean(["amber", k]) for k in ("threshold", "recall", "precision", "flagged")},
        "top_decile_lift": mean(["top_decile_lift"]),
    }


def cross_validate(
    data: Dataset,
    k: int,
    *,
    params: training.TrainingParams | None = None,
    baseline: bool = False,
    red_share: float = 0.05,
    amber_share: float = 0.15,
    specs: Sequence[training.FeatureSpec] | None = None,
    folds: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] | None = None,
) -> dict[str, Any]:
    """Stratified K-fold figures (or the given folds): per-fold means, per-fold AUCs
    and a calibration table of the pooled out-of-fold scores. Each fold's model is
    calibrated on its own training rows (`train_calibrated`), never on the test fold."""
    folds = stratified_folds(data.label, k) if folds is None else folds
    per_fold: list[dict[str, Any]] = []
    pooled = np.empty(len(data.label))
    base: list[dict[str, float]] = []
    for train_rows, test_rows in folds:
        model, _ = train_calibrated(
            data.features.iloc[train_rows].reset_index(drop=True),
            data.label[train_rows],
            specs=specs,
            params=params,
            version="cv",
            red_share=red_share,
            amber_share=amber_share,
        )
        s = additive.score(model, data.features.iloc[test_rows]).probability
        pooled[test_rows] = s
        per_fold.append(
            metrics.evaluate(data.label[test_rows], s, red=model.red, amber=model.amber)
        )
        if baseline:
            base.append(_baseline_fold(data, train_rows, test_rows))
    out: dict[str, Any] = {
        "rows": len(data.label),
        "positives": int(data.label.sum()),
        "cv": len(folds),
        **_mean_figures(per_fold),
        "fold_auc": [f["auc"] for f in per_fold],
        "calibration": metrics.evaluate(data.label, pooled, red=1.0, amber=1.0)["calibration"],
    }
    if baseline:
        out["baseline"] = "sklearn.ensemble.HistGradientBoostingClassifier (default settings)"
        for key in ("auc", "pr_auc", "brier", "calibration_error"):
            out[f"baseline_{key}"] = float(np.mean([b[key] for b in base]))
        out["baseline_fold_auc"] = [b["auc"] for b in base]
        out["auc_gap"] = out["baseline_auc"] - out["auc"]
    return out


def evaluate_model(
    data: Dataset, model_path: str | Path, *, baseline: bool = False
) -> dict[str, Any]:
    """Figures of a saved model on the whole CSV (at the model's own thresholds)."""
    model = read_model(model_path)
    missing = [f for f in model.features if f not in data.features.columns]
    if missing:
        raise ChurnInputError(f"the CSV lacks the model's features: {', '.join(missing[:5])}")
    s = additive.score(model, data.features).probability
    out = {
        "model": model.version,
        **metrics.evaluate(data.label, s, red=model.red, amber=model.amber),
    }
    if baseline:
        out["baseline_note"] = "--baseline with --model compares on 5 stratified folds"
        base = [_baseline_fold(data, tr, te) for tr, te in stratified_folds(data.label, 5)]
        out["baseline_auc"] = float(np.mean([b["auc"] for b in base]))
        out["baseline_pr_auc"] = float(np.mean([b["pr_auc"] for b in base]))
    return out


def train_csv(
    data: Dataset,
    *,
    version: str | None = None,
    params: training.TrainingParams | None = None,
    red_share: float = 0.05,
    amber_share: float = 0.15,
    source: str = "",
) -> additive.AdditiveModel:
    now = datetime.now(UTC)
    model, oof = train_calibrated(
        data.features,
        data.label,
        params=params,
        version=version or f"csv-{now:%Y%m%d%H%M%S}",
        red_share=red_share,
        amber_share=amber_share,
        training={"source": source, "label": data.label_name, "positive": data.positive},
        now=now,
    )
    model = with_card(model, oof, data.label, "training rows, out-of-fold")
    s = additive.score(model, data.features).probability
    figures = metrics.evaluate(data.label, s, red=model.red, amber=model.amber)
    figures.pop("calibration")
    return training.with_metrics(model, {"in_sample": figures})


def read_model(path: str | Path) -> additive.AdditiveModel:
    try:
        body = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChurnInputError(f"no such model file: {path}") from None
    except UnicodeDecodeError:
        raise ChurnInputError(f"{path} is not a text file") from None
    try:
        return additive.load_model(body)
    except additive.ModelRejected as exc:
        raise ChurnInputError(f"{path}: {exc}") from None


def write_model(model: additive.AdditiveModel, path: str | Path) -> None:
    Path(path).write_text(model.dumps() + "\n", encoding="utf-8")


# --- the gateway's own history --------------------------------------------------------------


def _frame(engine: Engine, table: Any, columns: Sequence[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[c] for c in columns))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def gateway_frames(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    customers = _frame(engine, schema.customers, ["id", "since"])
    snapshots = _frame(engine, schema.snapshots, list(SNAPSHOT_COLUMNS))
    holdings = _frame(
        engine, schema.holdings, ["customer_id", "kind", "balance_fen", "opened", "maturity"]
    )
    interactions = _frame(engine, schema.interactions, ["customer_id", "kind", "occurred_at"])
    interactions["occurred_at"] = interactions["occurred_at"].astype(str)
    return customers, snapshots, holdings, interactions


DEFAULT_HARD_RULES = (additive.HardRule(ReasonCode.MONTHS_WITHOUT_TXN, 3.0, ChurnLevel.AMBER),)


def indicator_specs() -> list[training.FeatureSpec]:
    """The desk's indicators as training features, each with its declared direction."""
    specs = []
    for code in CODES:
        ind = BY_CODE[code]
        meta: dict[str, Any] = {"unit": ind.unit, "window": ind.window}
        if ind.direction:
            meta["direction"] = "rises" if ind.direction == RISES else "falls"
        specs.append(
            training.FeatureSpec(
                code,
                "numeric",
                meta,
                direction=ind.direction,
                missing_is_extreme=ind.missing_is_extreme,
            )  # fmt: skip
        )
    return specs


@dataclass(frozen=True, slots=True)
class GatewayResult:
    model: additive.AdditiveModel
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _GatewayHistory:
    """The gateway's customers with their monthly history, who left when, and the
    months it spans: what training and cross-validation build their rows from."""

    customers: pd.DataFrame
    snapshots: pd.DataFrame
    holdings: pd.DataFrame
    interactions: pd.DataFrame
    departed: npt.NDArray[np.int64]
    first: int
    last: int
    horizon: int

    @classmethod
    def read(cls, engine: Engine, horizon: int) -> _GatewayHistory:
        customers, snapshots, holdings, interactions = gateway_frames(engine)
        if len(customers) == 0 or len(snapshots) == 0:
            raise ChurnInputError(
                "the gateway has no customers with monthly history (run seed first)"
            )
        ids = pd.Index(customers["id"].to_numpy())
        months = month_index(snapshots["month"])
        return cls(
            customers, snapshots, holdings, interactions,
            history.departures(snapshots, ids), int(months.min()), int(months.max()), horizon,
        )  # fmt: skip

    def rows_at(self, cutoff: int) -> history.HistoryRows:
        return history.rows_at(
            self.customers, self.snapshots, self.holdings, self.interactions, cutoff,
            self.departed, self.horizon,
        )  # fmt: skip

    def training_rows(self, newest: int, count: int) -> tuple[history.HistoryRows, list[int]]:
        """The rows of up to `count` cutoffs ending at `newest`, none in the first six
        months (an indicator looks back six), and those cutoffs."""
        oldest = self.first + 6
        if newest < oldest:
            raise ChurnInputError(
                f"--horizon {self.horizon} leaves no training period in "
                f"{self.last - self.first + 1} months of history"
            )
        cutoffs = list(range(max(oldest, newest - count + 1), newest + 1))
        return history.stack([self.rows_at(c) for c in cutoffs]), cutoffs


def train_from_gateway(
    engine: Engine,
    *,
    horizon: int,
    params: training.TrainingParams | None = None,
    version: str | None = None,
    red_share: float = 0.05,
    amber_share: float = 0.15,
    train_cutoffs: int = 24,
) -> GatewayResult:
    """Labels: customers who left within `horizon` months of a cutoff. The test cutoff
    is the last whose label window is fully observed; training cutoffs end `horizon`
    months before it. Figures: test AUC/PR-AUC, recall at red/amber, and lead time
    (months before leaving that a customer first turned red)."""
    found = _GatewayHistory.read(engine, horizon)
    test_cutoff = found.last - horizon
    rows, cutoffs = found.training_rows(test_cutoff - horizon, train_cutoffs)
    test = found.rows_at(test_cutoff)
    if rows.label.sum() == 0 or test.label.sum() == 0:
        raise ChurnInputError("no customer left in the history's training or test period")
    specs = indicator_specs()
    now = datetime.now(UTC)
    model = training.train(
        history.model_columns(rows),
        rows.label,
        specs=specs,
        params=params,
        version=version or f"gateway-h{horizon}-{now:%Y%m%d%H%M%S}",
        red_share=red_share,
        amber_share=amber_share,
        hard_rules=DEFAULT_HARD_RULES,
        training={
            "source": "gateway",
            "label": f"left within {horizon} months",
            "horizon_months": horizon,
            "train_cutoffs": [history.month_end(c).isoformat()[:7] for c in cutoffs],
            "test_cutoff": history.month_end(test_cutoff).isoformat()[:7],
        },
        now=now,
    )
    # Thresholds: shares of the book as it stands now (the population clients score),
    # not of the training rows, whose churn rate per cutoff is far lower.
    current = history.rows_at(
        found.customers, found.snapshots, found.holdings, found.interactions, found.last,
        found.departed, 0,
    )  # fmt: skip
    test_columns = history.model_columns(test)
    uncalibrated = additive.score(model, test_columns)
    # Calibration on the newest labelled month (held out from the curves): a bank's
    # leave rate drifts (the demo bank's departures rise sharply in its last months),
    # so the oldest cutoffs would understate today's probabilities. The fit is checked
    # by 2-fold cross-fitting over that month's customers.
    month = history.month_end(test_cutoff).isoformat()[:7]
    model = _recalibrated(model, uncalibrated.logit, test.label, test.customer_id, month)
    model = training.with_thresholds(
        model, additive.score(model, history.model_columns(current)).probability,
        red_share=red_share, amber_share=amber_share,
    )  # fmt: skip
    test_scores = additive.score(model, test_columns).probability
    model = with_card(model, test_scores, test.label, f"test cutoff {month}")
    figures = metrics.evaluate(test.label, test_scores, red=model.red, amber=model.amber)
    figures["calibration_held_out"] = model.training["calibration"]["cross_fitted"]
    # Lead time only for customers who left after the test cutoff: the model never saw
    # their departure as a label.
    figures["lead_time"] = lead_times(
        model, found.customers, found.snapshots, found.holdings, found.interactions,
        found.departed, found.first + 6, found.last, after=test_cutoff,
    )  # fmt: skip
    figures["train_rows"] = len(rows.label)
    figures["train_positives"] = int(rows.label.sum())
    summary = {k: v for k, v in figures.items() if k != "calibration"}
    return GatewayResult(training.with_metrics(model, {"time_split_test": summary}), figures)


def grouped_folds(
    y: FloatArray, groups: npt.NDArray[Any], k: int, seed: int = 0
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """K folds with every row of a group (a customer's rows at several cutoffs) in one
    fold, groups with a positive row spread evenly (stratified by group)."""
    codes, inverse = np.unique(groups, return_inverse=True)
    positive = np.zeros(len(codes), dtype=bool)
    np.logical_or.at(positive, inverse, y == 1)
    rng = np.random.default_rng(seed)
    fold_of_group = np.empty(len(codes), dtype=np.int64)
    for cls in (False, True):
        idx = np.flatnonzero(positive == cls)
        rng.shuffle(idx)
        fold_of_group[idx] = np.arange(len(idx)) % k
    fold_of = fold_of_group[inverse]
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def gateway_cross_validate(
    engine: Engine,
    *,
    horizon: int,
    k: int = 5,
    baseline: bool = False,
    train_cutoffs: int = 24,
    red_share: float = 0.05,
    amber_share: float = 0.15,
) -> dict[str, Any]:
    """K-fold figures on the gateway's history rows (the training cutoffs of
    `train_from_gateway`), folds grouped by customer, with the same settings as on a
    CSV; the baseline sees the same indicator columns and folds."""
    found = _GatewayHistory.read(engine, horizon)
    rows, cutoffs = found.training_rows(found.last - horizon, train_cutoffs)
    data = Dataset(history.model_columns(rows), rows.label, f"left within {horizon} months", "1")
    out = cross_validate(
        data, k, baseline=baseline, red_share=red_share, amber_share=amber_share,
        specs=indicator_specs(), folds=grouped_folds(rows.label, rows.customer_id, k),
    )  # fmt: skip
    out["source"] = "gateway history, folds grouped by customer"
    out["cutoffs"] = [history.month_end(cutoffs[0]).isoformat()[:7],
                      history.month_end(cutoffs[-1]).isoformat()[:7]]  # fmt: skip
    return out


def _recalibrated(
    model: additive.AdditiveModel,
    logit: FloatArray,
    y: FloatArray,
    groups: npt.NDArray[Any],
    month: str,
) -> additive.AdditiveModel:
    """Platt scaling fitted on one labelled month's logits and folded into the model;
    the calibration error it reaches is measured by fitting on half the customers and
    scoring the other half (both ways)."""
    crossed = np.empty(len(y))
    for fit_rows, held_rows in grouped_folds(y, groups, 2, seed=3):
        a, b = training.platt(logit[fit_rows], y[fit_rows])
        crossed[held_rows] = additive.logistic(a * logit[held_rows] + b)
    slope, offset = training.platt(logit, y)
    before = additive.logistic(logit)
    info = {
        "method": "platt",
        "fitted_on": f"newest labelled month {month}, {len(y)} rows held out from the curves",
        "slope": slope,
        "offset": offset,
        "before": {
            "brier": metrics.brier(y, before),
            "calibration_error": metrics.calibration_error(y, before),
        },
        "cross_fitted": {
            "brier": metrics.brier(y, crossed),
            "calibration_error": metrics.calibration_error(y, crossed),
        },
    }
    try:
        return training.scaled(model, slope, offset, info)
    except training.TrainingDataError as exc:
        raise ChurnInputError(str(exc)) from None


def lead_times(
    model: additive.AdditiveModel,
    customers: pd.DataFrame,
    snapshots: pd.DataFrame,
    holdings: pd.DataFrame,
    interactions: pd.DataFrame,
    departed: npt.NDArray[np.int64],
    first_cutoff: int,
    last: int,
    lookback: int = 6,
    after: int = -1,
) -> dict[str, Any]:
    """For each customer who left (with `lookback` months of scorable history before),
    the months between first turning red (or amber) and leaving."""
    leavers = (
        (departed != history.NEVER)
        & (departed - lookback >= first_cutoff)
        & (departed <= last)
        & (departed > after)
    )
    if not leavers.any():
        return {"leavers": 0}
    subset = customers[leavers].reset_index(drop=True)
    dep = departed[leavers]
    first_red = np.full(len(subset), -1)
    first_amber = np.full(len(subset), -1)
    for back in range(lookback, 0, -1):
        # Score each leaver at (departure - back), all at once per offset.
        for cutoff in np.unique(dep - back):
            mask = (dep - back) == cutoff
            frame = compute_indicators(
                subset[mask],
                snapshots,
                holdings,
                interactions,
                history.month_end(int(cutoff)),
                ref_month=int(cutoff),
            )
            lv = additive.score(model, frame[list(model.features)]).levels
            idx = np.flatnonzero(mask)
            first_red[idx[(lv >= 2) & (first_red[idx] < 0)]] = back
            first_amber[idx[(lv >= 1) & (first_amber[idx] < 0)]] = back
    caught = first_red > 0
    flagged = first_amber > 0
    return {
        "leavers": len(subset),
        "lookback_months": lookback,
        "red_before_leaving_share": float(caught.mean()),
        "median_red_lead_months": float(np.median(first_red[caught])) if caught.any() else math.nan,
        "mean_red_lead_months": float(np.mean(first_red[caught])) if caught.any() else math.nan,
        "amber_or_red_before_leaving_share": float(flagged.mean()),
        "median_amber_lead_months": float(np.median(first_amber[flagged]))
        if flagged.any()
        else math.nan,
        "red_lead_histogram": {str(m): int((first_red == m).sum()) for m in range(1, lookback + 1)},
    }


# --- publishing ------------------------------------------------------------------------------


def publish(engine: Engine, path: str | Path) -> additive.AdditiveModel:
    """Store the model as the active one; clients receive it with their next pull.
    Refused when clients could not compute its features, or when a curve breaks the
    direction the bank declares for its indicator (`shapes.violations`)."""
    model = read_model(path)
    try:
        additive.load_model(model.to_json(), computable=CODES)
    except additive.ModelRejected as exc:
        raise ChurnInputError(f"not published: {exc}") from None
    broken = shapes.violations(model)
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        raise ChurnInputError(f"not published: {broken[0]}{more}")
    body = model.dumps()
    with engine.begin() as conn:
        exists = conn.execute(
            select(schema.churn_models.c.version).where(
                schema.churn_models.c.version == model.version
            )
        ).first()
        if exists is not None:
            raise ChurnInputError(f"model version {model.version!r} is already published")
        conn.execute(update(schema.churn_models).values(active=False))
        conn.execute(
            insert(schema.churn_models).values(
                version=model.version, body=body, published_at=datetime.now(UTC), active=True
            )
        )
    return model


def active_model(engine: Engine) -> tuple[str, str] | None:
    """(version, body) of the published model clients should use, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.churn_models.c.version, schema.churn_models.c.body)
            .where(schema.churn_models.c.active.is_(True))
            .order_by(schema.churn_models.c.published_at.desc())
            .limit(1)
        ).first()
    return (str(row[0]), str(row[1])) if row else None


def dumps(figures: dict[str, Any]) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(figures), ensure_ascii=False, indent=1)
