"""Training an additive churn model: cyclic gradient boosting of one-feature trees.

The model stays a sum of one-feature curves (an explainable boosting machine
without interaction terms): each round visits every feature in turn and fits a
small tree (up to three leaves, plus a leaf of its own for missing values) on that
feature's histogram of gradients, with a small learning rate, so no feature takes
what another explains better. Rounds stop when the log-loss on a held-out part
stops improving; the model is then refitted on all rows for that many rounds.
Curves are centred (training mean zero) with the offset moved into the intercept,
so a positive contribution always means "riskier than the average customer".

numpy and pandas only; the output is an `AdditiveModel` (see `additive.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rm_desk.domain.churn import shapes
from rm_desk.domain.churn.additive import (
    AdditiveModel,
    CategoricalTerm,
    HardRule,
    NumericTerm,
    Term,
    logistic,
    score,
)
from rm_desk.domain.churn.indicators import FREE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class TrainingDataError(ValueError):
    """Data the trainer cannot learn from; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class TrainingParams:
    learning_rate: float = 0.04
    max_rounds: int = 3000
    patience: int = 60  # rounds without validation improvement before stopping
    max_bins: int = 256
    max_leaves: int = 3
    min_leaf: int = 5
    l2: float = 1.0
    validation_share: float = 0.15
    max_levels: int = 64  # categorical levels kept; rarer ones share "other"
    min_level_count: int = 5
    refit: bool = True
    seed: int = 7


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    kind: str  # numeric | categorical
    meta: Mapping[str, Any] = field(default_factory=dict)
    # indicators.RISES / FALLS / FREE: the direction the curve must keep (numeric only),
    # and whether "missing" is held at the risky end (see indicators.Indicator).
    direction: int = FREE
    missing_is_extreme: bool = False


@dataclass(slots=True)
class _Binned:
    """One feature as integer bin codes; the last bin is "missing"."""

    spec: FeatureSpec
    codes: IntArray
    n_bins: int  # including the missing bin
    ordered: int  # bins 0..ordered-1 are ordered (numeric); categorical: 0
    edges: FloatArray | None = None
    levels: tuple[str, ...] = ()  # categorical: bin i is levels[i], then "other", then missing


def infer_specs(frame: pd.DataFrame) -> list[FeatureSpec]:
    """Numeric columns stay numeric; anything else is categorical."""
    specs = []
    for name in frame.columns:
        kind = (
            "numeric"
            if pd.api.types.is_numeric_dtype(frame[name])
            and not pd.api.types.is_bool_dtype(frame[name])
            else "categorical"
        )
        specs.append(FeatureSpec(str(name), kind))
    return specs


def _bin_numeric(spec: FeatureSpec, x: FloatArray, p: TrainingParams) -> _Binned:
    present = x[~np.isnan(x)]
    uniq = np.unique(present)
    if len(uniq) <= p.max_bins:
        edges = (uniq[:-1] + uniq[1:]) / 2.0
    else:
        qs = np.quantile(present, np.linspace(0.0, 1.0, p.max_bins + 1)[1:-1])
        edges = np.unique(qs)
        # A cut exactly at a frequent value would split it; move cuts between values.
        pos = np.searchsorted(uniq, edges, side="left")
        above = uniq[np.minimum(pos, len(uniq) - 1)]
        below = uniq[np.maximum(pos - 1, 0)]
        edges = np.unique(np.where(above == edges, (above + below) / 2.0, edges))
        edges = edges[edges > uniq[0]]
    ordered = len(edges) + 1
    codes = np.searchsorted(edges, x, side="right").astype(np.int64)
    codes = np.where(np.isnan(x), ordered, codes)
    return _Binned(
        spec, codes.astype(np.int64), ordered + 1, ordered, edges=edges.astype(np.float64)
    )


def _bin_categorical(spec: FeatureSpec, values: pd.Series, p: TrainingParams) -> _Binned:
    missing = values.isna().to_numpy()
    text = values.astype(str)
    counts = text[~missing].value_counts()
    keep = tuple(str(v) for v in counts[counts >= p.min_level_count].index[: p.max_levels])
    lookup = {v: i for i, v in enumerate(keep)}
    other = len(keep)
    mapped = text.map(lookup).fillna(other).to_numpy(dtype=np.int64)
    codes: IntArray = np.where(missing, other + 1, mapped).astype(np.int64)
    return _Binned(spec, codes, other + 2, 0, levels=keep)


def bin_features(
    frame: pd.DataFrame, specs: Sequence[FeatureSpec], p: TrainingParams
) -> list[_Binned]:
    out = []
    for spec in specs:
        if spec.kind == "numeric":
            x = pd.to_numeric(frame[spec.name], errors="coerce").to_numpy(dtype=np.float64)
            out.append(_bin_numeric(spec, x, p))
        else:
            out.append(_bin_categorical(spec, frame[spec.name], p))
    return out


# --- one-feature trees on histograms ---------------------------------------------------------


def _best_split(
    g: FloatArray, h: FloatArray, c: FloatArray, lo: int, hi: int, p: TrainingParams
) -> tuple[float, int]:
    """Best cut s in (lo, hi) of ordered bins lo..hi-1: (gain, s); gain 0 when none."""
    if hi - lo < 2:
        return 0.0, -1
    cg, ch, cc = np.cumsum(g[lo:hi]), np.cumsum(h[lo:hi]), np.cumsum(c[lo:hi])
    tg, th, tc = cg[-1], ch[-1], cc[-1]
    lg, lh, lc = cg[:-1], ch[:-1], cc[:-1]
    gain = lg**2 / (lh + p.l2) + (tg - lg) ** 2 / (th - lh + p.l2) - tg**2 / (th + p.l2)
    ok = (lc >= p.min_leaf) & (tc - lc >= p.min_leaf)
    if not ok.any():
        return 0.0, -1
    gain = np.where(ok, gain, -np.inf)
    best = int(np.argmax(gain))
    return float(gain[best]), lo + best + 1


def _tree_update(
    g: FloatArray, h: FloatArray, c: FloatArray, b: _Binned, p: TrainingParams
) -> FloatArray:
    """Per-bin update (Newton leaf values) of a small tree on one feature's histogram."""
    update = np.zeros(b.n_bins)
    if b.ordered == 0:  # categorical: each kept level (and other, missing) is a leaf
        return g / (h + p.l2)
    k = b.ordered
    cuts = [0, k]
    for _ in range(p.max_leaves - 1):
        best_gain, best_cut = 0.0, -1
        for lo, hi in itertools.pairwise(cuts):
            gain, cut = _best_split(g, h, c, lo, hi, p)
            if gain > best_gain:
                best_gain, best_cut = gain, cut
        if best_cut < 0:
            break
        cuts = sorted([*cuts, best_cut])
    for lo, hi in itertools.pairwise(cuts):
        update[lo:hi] = g[lo:hi].sum() / (h[lo:hi].sum() + p.l2)
    update[k] = g[k] / (h[k] + p.l2)  # missing values: a leaf of their own
    return update


@dataclass(slots=True)
class _Fit:
    intercept: float
    curves: list[FloatArray]
    rounds: int
    history: list[float]


def _logloss(y: FloatArray, f: FloatArray) -> float:
    return float(np.mean(np.logaddexp(0.0, f) - y * f))


def _boost(
    binned: Sequence[_Binned],
    y: FloatArray,
    rows: IntArray,
    p: TrainingParams,
    *,
    rounds: int,
    valid: IntArray | None = None,
) -> _Fit:
    yt = y[rows]
    rate = float(np.clip(yt.mean(), 1e-6, 1 - 1e-6))
    intercept = float(np.log(rate / (1 - rate)))
    curves = [np.zeros(b.n_bins) for b in binned]
    codes = [b.codes[rows] for b in binned]
    counts = [
        np.bincount(cd, minlength=b.n_bins).astype(np.float64)
        for cd, b in zip(codes, binned, strict=True)
    ]
    f = np.full(len(rows), intercept)
    fv = np.full(len(valid), intercept) if valid is not None else None
    vcodes = [b.codes[valid] for b in binned] if valid is not None else []
    yv = y[valid] if valid is not None else None
    best_loss, best_round = np.inf, 0
    best_curves = [c.copy() for c in curves]
    history: list[float] = []
    done = 0
    for r in range(1, rounds + 1):
        for j, b in enumerate(binned):
            prob = logistic(f)
            g = np.bincount(codes[j], weights=yt - prob, minlength=b.n_bins).astype(np.float64)
            h = np.bincount(codes[j], weights=prob * (1 - prob), minlength=b.n_bins).astype(
                np.float64
            )
            step = p.learning_rate * _tree_update(g, h, counts[j], b, p)
            if b.ordered and b.spec.direction != FREE:
                # The closest step (Newton-weighted) that keeps the declared direction:
                # a sum of monotone steps stays monotone.
                step = shapes.project(
                    step, h, b.spec.direction, missing_is_extreme=b.spec.missing_is_extreme
                )
            curves[j] += step
            f += step[codes[j]]
            if fv is not None:
                fv += step[vcodes[j]]
        done = r
        if fv is not None and yv is not None:
            loss = _logloss(yv, fv)
            history.append(loss)
            if loss < best_loss - 1e-7:
                best_loss, best_round = loss, r
                best_curves = [c.copy() for c in curves]
            elif r - best_round >= p.patience:
                break
    if valid is not None:
        return _Fit(intercept, best_curves, best_round, history)
    return _Fit(intercept, curves, done, history)


def _split_rows(y: FloatArray, share: float, seed: int) -> tuple[IntArray, IntArray]:
    """Stratified train/validation split of row numbers."""
    rng = np.random.default_rng(seed)
    train, valid = [], []
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        cut = round(len(idx) * share)
        valid.append(idx[:cut])
        train.append(idx[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))


def check_training_data(frame: pd.DataFrame, y: FloatArray) -> None:
    if len(frame) == 0:
        raise TrainingDataError("no rows to train on")
    if frame.shape[1] == 0:
        raise TrainingDataError("no feature columns left to train on")
    if len(np.unique(y)) < 2:
        raise TrainingDataError(
            "the label has a single class; churners and stayers are both needed"
        )
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise TrainingDataError("column(s) with no values at all: " + ", ".join(empty[:5]))


def train(
    frame: pd.DataFrame,
    y: Sequence[float] | FloatArray,
    *,
    specs: Sequence[FeatureSpec] | None = None,
    params: TrainingParams | None = None,
    version: str,
    red_share: float = 0.05,
    amber_share: float = 0.15,
    hard_rules: Sequence[HardRule] = (),
    training: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AdditiveModel:
    """Fit an additive model on `frame` (one column per feature) and labels 0/1.

    Thresholds: red and amber are the scores above which the riskiest `red_share`
    and `amber_share` of the training customers fall (what the bank's retention
    capacity can follow up), recorded in the model and adjustable later.
    """
    p = params or TrainingParams()
    labels = np.asarray(y, dtype=np.float64)
    check_training_data(frame, labels)
    specs = list(specs) if specs is not None else infer_specs(frame)
    binned = bin_features(frame, specs, p)
    all_rows = np.arange(len(frame), dtype=np.int64)
    if p.validation_share > 0 and len(frame) >= 50:
        train_rows, valid_rows = _split_rows(labels, p.validation_share, p.seed)
        fit = _boost(binned, labels, train_rows, p, rounds=p.max_rounds, valid=valid_rows)
        rounds = max(fit.rounds, 1)
        if p.refit:
            fit = _boost(binned, labels, all_rows, p, rounds=rounds)
    else:
        fit = _boost(binned, labels, all_rows, p, rounds=min(p.max_rounds, 300))
        rounds = fit.rounds
    intercept = fit.intercept
    terms: list[Term] = []
    for b, raw in zip(binned, fit.curves, strict=True):
        counts = np.bincount(b.codes, minlength=b.n_bins).astype(np.float64)
        mean = float((raw * counts).sum() / counts.sum())
        intercept += mean
        # Bins never seen in training (e.g. no missing values) keep 0 = average, except
        # where the direction holds them (they already sit in the monotone sequence).
        keep = np.zeros(b.n_bins, dtype=bool)
        if b.ordered and b.spec.direction != FREE:
            keep[: b.ordered] = True
            keep[b.ordered] = b.spec.missing_is_extreme
        curve = np.where((counts == 0) & ~keep, 0.0, raw - mean)
        if b.spec.kind == "numeric":
            assert b.edges is not None  # noqa: S101
            terms.append(
                NumericTerm(
                    b.spec.name,
                    b.edges,
                    curve[: b.ordered].copy(),
                    float(curve[b.ordered]),
                    dict(b.spec.meta),
                )
            )
        else:
            n_levels = len(b.levels)
            terms.append(
                CategoricalTerm(
                    b.spec.name,
                    {lvl: float(curve[i]) for i, lvl in enumerate(b.levels)},
                    float(curve[n_levels]),
                    float(curve[n_levels + 1]),
                    dict(b.spec.meta),
                )
            )
    model = AdditiveModel(
        version=version,
        trained_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        intercept=intercept,
        terms=tuple(terms),
        red=1.0,
        amber=1.0,
        hard_rules=tuple(hard_rules),
        training={
            **dict(training or {}),
            "rows": len(frame),
            "positives": int(labels.sum()),
            "rounds": rounds,
            "params": {
                "learning_rate": p.learning_rate,
                "max_bins": p.max_bins,
                "max_leaves": p.max_leaves,
                "min_leaf": p.min_leaf,
                "l2": p.l2,
            },
        },
    )
    return with_thresholds(
        model, score(model, frame).probability, red_share=red_share, amber_share=amber_share
    )


def with_thresholds(
    model: AdditiveModel, scores: FloatArray, *, red_share: float, amber_share: float
) -> AdditiveModel:
    """Red and amber at the scores above which `red_share` / `amber_share` of the
    given population falls."""
    red = float(np.quantile(scores, 1.0 - red_share))
    amber = float(min(np.quantile(scores, 1.0 - amber_share), red))
    return AdditiveModel(
        version=model.version,
        trained_at=model.trained_at,
        intercept=model.intercept,
        terms=model.terms,
        red=red,
        amber=amber,
        hard_rules=model.hard_rules,
        metrics=model.metrics,
        training=model.training,
    )


def with_metrics(model: AdditiveModel, metrics: Mapping[str, Any]) -> AdditiveModel:
    return AdditiveModel(
        version=model.version,
        trained_at=model.trained_at,
        intercept=model.intercept,
        terms=model.terms,
        red=model.red,
        amber=model.amber,
        hard_rules=model.hard_rules,
        metrics=dict(metrics),
        training=model.training,
    )


# --- calibration ---------------------------------------------------------------------------


def platt(logit: FloatArray, y: FloatArray, *, iterations: int = 100) -> tuple[float, float]:
    """(slope, offset) of Platt scaling: the logistic regression of the labels on the
    logits (Newton's method with step halving, so it never climbs, and a tiny ridge
    so separable data stays finite). Fit it on logits of rows the model never saw
    (out-of-fold, or a later month), never on its training rows."""
    x = np.asarray(logit, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    ridge = 1e-6

    def loss(a: float, b: float) -> float:
        f = a * x + b
        return float(np.sum(np.logaddexp(0.0, f) - t * f) + 0.5 * ridge * a * a)

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        p = logistic(a * x + b)
        w = p * (1.0 - p)
        grad = np.array([np.dot(p - t, x) + ridge * a, np.sum(p - t)])
        hess = np.array([[np.dot(w, x * x) + ridge, np.dot(w, x)], [np.dot(w, x), w.sum() + 1e-12]])
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-10:
            na, nb = a - scale * float(step[0]), b - scale * float(step[1])
            candidate = loss(na, nb)
            if candidate <= current:
                break
            scale /= 2
        else:
            break
        a, b = na, nb
        improved = current - candidate
        current = candidate
        if improved < 1e-12 * max(1.0, abs(current)):
            break
    return a, b


def scaled(
    model: AdditiveModel, slope: float, offset: float, info: Mapping[str, Any]
) -> AdditiveModel:
    """The model with Platt scaling folded in: slope x (intercept + contributions) +
    offset is again an intercept plus one curve per feature, so the published model is
    calibrated as it stands (the desktop applies no map) and reasons stay exact. A
    positive slope keeps every curve's direction; anything else is refused."""
    if not slope > 0:
        raise TrainingDataError(
            "the model ranks no better than chance on held-out rows (calibration slope "
            f"{slope:.3f}); nothing to publish"
        )
    terms: list[Term] = []
    for t in model.terms:
        if isinstance(t, NumericTerm):
            terms.append(
                NumericTerm(t.name, t.edges, t.contributions * slope, t.missing * slope, t.meta)
            )
        else:
            terms.append(
                CategoricalTerm(
                    t.name,
                    {k: v * slope for k, v in t.levels.items()},
                    t.other * slope,
                    t.missing * slope,
                    t.meta,
                )  # fmt: skip
            )
    return AdditiveModel(
        version=model.version,
        trained_at=model.trained_at,
        intercept=model.intercept * slope + offset,
        terms=tuple(terms),
        red=model.red,
        amber=model.amber,
        hard_rules=model.hard_rules,
        metrics=model.metrics,
        training={**dict(model.training), "calibration": dict(info)},
    )
