"""The additive churn model: its JSON format, validation, and vectorised scoring.

A model is one JSON object::

    {
      "format": "rm-desk-churn-additive",
      "format_version": 1,
      "version": "demo-h6-20261124",          # unique, what clients report and store
      "trained_at": "2026-11-24T08:00:00+00:00",
      "intercept": -2.1,                       # logit units
      "features": [
        {"name": "aum_change_3m", "kind": "numeric",
         "unit": "pct", "window": "3m", "description": "...",   # optional
         "edges": [-40.0, -10.0, 5.0],         # ascending cut points
         "contributions": [1.2, 0.3, -0.1, -0.2],   # len(edges) + 1, logit units
         "missing": 0.05},                     # used when the value is NaN/absent
        {"name": "segment", "kind": "categorical",
         "levels": {"mass": 0.1, "affluent": -0.2},
         "other": 0.0, "missing": 0.0}
      ],
      "thresholds": {"red": 0.5, "amber": 0.2},  # on the probability, red >= amber
      "hard_rules": [{"feature": "months_without_txn", "at_least": 3, "level": "amber"}],
      "metrics": {"auc": 0.98, ...},           # free-form training figures
      "training": {...}                        # free-form: data, label, parameters
    }

A numeric value x falls in bin `searchsorted(edges, x, side="right")`: bin i covers
[edges[i-1], edges[i]). The logit of a customer is exactly
`intercept + sum(contribution of each feature)`, the score is its logistic, and the
reasons are the features with the largest positive contributions, so an explanation
never approximates the model. Hard rules raise a level (never lower it) when a
feature's value is at least a bound.

`load_model` reads the file through the pydantic model `ModelFile` and refuses (raises
`ModelRejected`, one line naming the part: "feature segment: unknown kind 'x'") an
unknown format or format version, malformed curves, or features the caller cannot
compute; the caller keeps whatever model it had.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from rm_desk.domain import validation
from rm_desk.domain.model import ChurnLevel, ChurnReason
from rm_desk.domain.rules import ReasonCode

FORMAT: Final[str] = "rm-desk-churn-additive"
FORMAT_VERSION: Final[int] = 1
LEVEL_RANK: Final[dict[ChurnLevel, int]] = {
    ChurnLevel.GREEN: 0,
    ChurnLevel.AMBER: 1,
    ChurnLevel.RED: 2,
}

FloatArray = npt.NDArray[np.float64]


class ModelRejected(ValueError):
    """A model body this build will not use; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class NumericTerm:
    name: str
    edges: FloatArray
    contributions: FloatArray
    missing: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def contribution(self, values: Any) -> FloatArray:
        x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
        out = self.contributions[np.searchsorted(self.edges, x, side="right")]
        return np.where(np.isnan(x), self.missing, out)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": "numeric",
            **dict(self.meta),
            "edges": [float(e) for e in self.edges],
            "contributions": [float(c) for c in self.contributions],
            "missing": float(self.missing),
        }


@dataclass(frozen=True, slots=True)
class CategoricalTerm:
    name: str
    levels: Mapping[str, float]
    other: float
    missing: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def contribution(self, values: Any) -> FloatArray:
        series = pd.Series(values, dtype=object)
        missing = series.isna().to_numpy()
        mapped = (
            series.astype(str).map(dict(self.levels)).to_numpy(dtype=np.float64, na_value=np.nan)
        )
        out = np.where(np.isnan(mapped), self.other, mapped)
        return np.where(missing, self.missing, out)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": "categorical",
            **dict(self.meta),
            "levels": {k: float(v) for k, v in self.levels.items()},
            "other": float(self.other),
            "missing": float(self.missing),
        }


Term = NumericTerm | CategoricalTerm


@dataclass(frozen=True, slots=True)
class HardRule:
    """Raise the level to at least `level` when `feature` >= `at_least`."""

    feature: str
    at_least: float
    level: ChurnLevel


@dataclass(frozen=True, slots=True)
class AdditiveModel:
    version: str
    trained_at: str
    intercept: float
    terms: tuple[Term, ...]
    red: float
    amber: float
    hard_rules: tuple[HardRule, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    training: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "trained_at": self.trained_at,
            "intercept": float(self.intercept),
            "features": [t.to_json() for t in self.terms],
            "thresholds": {"red": float(self.red), "amber": float(self.amber)},
            "hard_rules": [
                {"feature": r.feature, "at_least": r.at_least, "level": r.level.value}
                for r in self.hard_rules
            ],
            "metrics": dict(self.metrics),
            "training": dict(self.training),
        }

    def dumps(self) -> str:
        return json.dumps(
            self.to_json(), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )


# --- loading and validation -------------------------------------------------------------

# A finite JSON number (not true/false, not NaN or infinity).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _text_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _object_or_empty(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


class _FeatureFile(BaseModel):
    """What every feature has; the optional words (unit, window, description,
    direction) are kept."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(strict=True, min_length=1)]
    missing: Number = 0.0
    unit: Any = None
    window: Any = None
    description: Any = None
    direction: Any = None  # "rises" | "falls": the shape training kept (words only)

    def meta(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in ("unit", "window", "description", "direction")
            if k in self.model_fields_set
        }


class NumericFeatureFile(_FeatureFile):
    kind: Literal["numeric"]
    edges: list[Number]
    contributions: list[Number]

    @model_validator(mode="after")
    def _curve(self) -> Self:
        if len(self.contributions) != len(self.edges) + 1:
            raise ValueError("needs len(edges) + 1 contributions")
        if any(b <= a for a, b in itertools.pairwise(self.edges)):
            raise ValueError("edges are not strictly ascending")
        return self


class CategoricalFeatureFile(_FeatureFile):
    kind: Literal["categorical"]
    levels: dict[str, Number]
    other: Number = 0.0


class ThresholdsFile(BaseModel):
    red: Number
    amber: Number


class HardRuleFile(BaseModel):
    feature: str
    at_least: Number
    level: ChurnLevel


class ModelFile(BaseModel):
    """The model JSON (module docstring), checked field by field; `load_model` adds the
    checks that span fields."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["rm-desk-churn-additive"]
    format_version: Literal[1]
    version: Annotated[str, Field(strict=True, min_length=1, max_length=64)]
    trained_at: Annotated[str, BeforeValidator(_text_or_empty)] = ""
    intercept: Number
    features: Annotated[
        list[Annotated[NumericFeatureFile | CategoricalFeatureFile, Field(discriminator="kind")]],
        Field(min_length=1),
    ]
    thresholds: ThresholdsFile
    hard_rules: Annotated[list[HardRuleFile], BeforeValidator(lambda v: v or [])] = []
    metrics: Annotated[dict[str, Any], BeforeValidator(_object_or_empty)] = {}
    training: Annotated[dict[str, Any], BeforeValidator(_object_or_empty)] = {}


def _term(feature: NumericFeatureFile | CategoricalFeatureFile) -> Term:
    if isinstance(feature, NumericFeatureFile):
        return NumericTerm(
            feature.name,
            np.array(feature.edges, dtype=np.float64),
            np.array(feature.contributions, dtype=np.float64),
            feature.missing,
            feature.meta(),
        )
    return CategoricalTerm(
        feature.name, dict(feature.levels), feature.other, feature.missing, feature.meta()
    )


# Fields that hold one number: missing, they are "not a finite number", as before.
_NUMBERS: Final[frozenset[str]] = frozenset(
    {"intercept", "red", "amber", "at_least", "missing", "other"}
)


def _rejection(error: ValidationError, data: Mapping[str, Any]) -> ModelRejected:
    """One line for the first problem, in the words of the model's parts."""
    first = error.errors()[0]
    loc = first["loc"]
    problem = validation.problem_of(first)
    number = first["type"] in ("float_type", "float_parsing", "finite_number") or (
        first["type"] == "missing" and bool(loc) and loc[-1] in _NUMBERS
    )
    head = loc[0] if loc else ""
    if head == "version":
        return ModelRejected("the model has no version (1-64 characters)")
    if head == "features" and len(loc) == 1:
        return ModelRejected("the model has no features")
    if head == "thresholds" and len(loc) == 1:
        return ModelRejected("the model has no thresholds")
    if head == "features":
        index = int(loc[1])
        raw = data["features"][index]
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name:
            return ModelRejected(f"feature #{index + 1} has no name")
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            return ModelRejected(f"feature {name}: unknown kind {raw.get('kind')!r}")
        what = " ".join(str(p) for p in loc[3:] if not isinstance(p, int))
        if number:
            return ModelRejected(f"feature {name}: {what} is not a finite number")
        return ModelRejected(f"feature {name}: {what + ' ' if what else ''}{problem}".strip())
    if head == "hard_rules":
        if loc[-1] == "level":
            return ModelRejected("a hard rule has an unknown level")
        if loc[-1] == "at_least" and number:
            return ModelRejected("hard rule bound is not a finite number")
        return ModelRejected(
            f"a hard rule {validation.key_of(loc[2:])} {problem}".replace("  ", " ")
        )
    what = " ".join(str(p) for p in loc)
    if head == "thresholds":
        what = "threshold " + str(loc[-1])
    if number:
        return ModelRejected(f"{what} is not a finite number")
    return ModelRejected(f"{what}: {problem}")


def load_model(
    body: str | Mapping[str, Any], *, computable: Collection[str] | None = None
) -> AdditiveModel:
    """Parse and validate a model; `computable` lists the features the caller can
    compute (None: any, e.g. when evaluating on a CSV)."""
    if isinstance(body, str):
        try:
            data: Any = json.loads(body)
        except ValueError:
            raise ModelRejected("the model is not valid JSON") from None
    else:
        data = dict(body)
    # Which file this is decides which words fit, so these two are asked first.
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelRejected("not an RM Desk churn model (format field missing or different)")
    if data.get("format_version") != FORMAT_VERSION:
        raise ModelRejected(
            f"model format version {data.get('format_version')!r} is not supported "
            f"(this build reads version {FORMAT_VERSION})"
        )
    try:
        parsed = ModelFile.model_validate(data)
    except ValidationError as error:
        raise _rejection(error, data) from None
    terms = tuple(_term(f) for f in parsed.features)
    names = [t.name for t in terms]
    if len(set(names)) != len(names):
        raise ModelRejected("the model names a feature twice")
    if computable is not None:
        unknown = [n for n in names if n not in computable]
        if unknown:
            raise ModelRejected(
                "the model needs features this client cannot compute: " + ", ".join(unknown[:5])
            )
    red, amber = parsed.thresholds.red, parsed.thresholds.amber
    if not 0.0 <= amber <= red <= 1.0:
        raise ModelRejected("thresholds must satisfy 0 <= amber <= red <= 1")
    if any(rule.feature not in names for rule in parsed.hard_rules):
        raise ModelRejected("a hard rule names a feature the model does not have")
    return AdditiveModel(
        version=parsed.version,
        trained_at=parsed.trained_at,
        intercept=parsed.intercept,
        terms=terms,
        red=red,
        amber=amber,
        hard_rules=tuple(HardRule(r.feature, r.at_least, r.level) for r in parsed.hard_rules),
        metrics=parsed.metrics,
        training=parsed.training,
    )


# --- scoring -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    """A scored book, row-aligned with the input frame."""

    ids: npt.NDArray[Any]
    logit: FloatArray
    probability: FloatArray
    contributions: FloatArray  # (n, n_features), logit units
    features: tuple[str, ...]
    levels: npt.NDArray[np.int64]  # 0 green, 1 amber, 2 red, after hard rules
    raised_by: npt.NDArray[np.int64]  # index of the hard rule's feature that raised it, -1 none


def scores_take(scores: Scores, rows: npt.NDArray[np.int64]) -> Scores:
    """The given rows of a scored book, in that order."""
    return Scores(
        ids=scores.ids[rows],
        logit=scores.logit[rows],
        probability=scores.probability[rows],
        contributions=scores.contributions[rows],
        features=scores.features,
        levels=scores.levels[rows],
        raised_by=scores.raised_by[rows],
    )


_LEVELS: Final[tuple[ChurnLevel, ...]] = (ChurnLevel.GREEN, ChurnLevel.AMBER, ChurnLevel.RED)


def contributions(model: AdditiveModel, frame: pd.DataFrame) -> FloatArray:
    n = len(frame)
    out = np.empty((n, len(model.terms)))
    for j, term in enumerate(model.terms):
        if term.name in frame.columns:
            out[:, j] = term.contribution(frame[term.name].to_numpy())
        else:
            out[:, j] = term.missing
    return out


def logistic(logit: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -700.0, 700.0)))


def score(model: AdditiveModel, frame: pd.DataFrame) -> Scores:
    """Score every row of `frame` (columns named like the model's features)."""
    contrib = contributions(model, frame)
    logit = model.intercept + contrib.sum(axis=1)
    prob = logistic(logit)
    levels = np.where(prob >= model.red, 2, np.where(prob >= model.amber, 1, 0)).astype(np.int64)
    raised_by = np.full(len(frame), -1, dtype=np.int64)
    features = model.features
    for rule in model.hard_rules:
        values = (
            pd.to_numeric(frame[rule.feature], errors="coerce").to_numpy(dtype=np.float64)
            if rule.feature in frame.columns
            else np.full(len(frame), np.nan)
        )
        floor = LEVEL_RANK[rule.level]
        fires = (values >= rule.at_least) & (levels < floor)
        levels = np.where(fires, floor, levels)
        raised_by = np.where(fires, features.index(rule.feature), raised_by)
    return Scores(
        ids=frame.index.to_numpy(),
        logit=logit,
        probability=prob,
        contributions=contrib,
        features=features,
        levels=levels,
        raised_by=raised_by,
    )


def level_of(rank: int) -> ChurnLevel:
    return _LEVELS[rank]


# The least contribution (logit units) a reason needs to be shown. A contribution c
# multiplies the customer's odds of leaving by e^c against the average customer, so
# 0.1 is odds at least 10.5 % higher on that indicator alone: below it the reason moves
# a 20 % leave probability by under two points, no RM would act on it, and it is within
# what another training sample of the same bank would change (a few boosting steps of
# 0.04). One place: the desk, the brief and the model card all use this floor.
REASON_FLOOR: Final[float] = 0.1


def top_reasons(
    scores: Scores,
    k: int = 3,
    *,
    telling: npt.NDArray[np.bool_] | None = None,
    floor: float = REASON_FLOOR,
) -> npt.NDArray[np.int64]:
    """Per row, the feature indices of the k largest contributions of at least `floor`,
    largest first; -1 pads rows with fewer. `telling` (rows x features), when given,
    also has to hold: the value says something (`indicators.telling`: a drop that is a
    drop, a count that is not zero)."""
    c = scores.contributions
    k = min(k, c.shape[1])
    eligible = c >= floor
    if telling is not None:
        eligible &= telling
    ranked = np.where(eligible, c, -np.inf)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(eligible, order, axis=1)
    return np.where(picked, order, -1).astype(np.int64)


def reasons_for(
    scores: Scores,
    row: int,
    top: npt.NDArray[np.int64],
    values: Mapping[str, Any],
    details: Mapping[str, Sequence[str]] | None = None,
) -> tuple[ChurnReason, ...]:
    """Reasons of one row: its top positive contributions, plus the hard rule's
    feature first when a rule raised the level. A reason names a ReasonCode: a feature
    that is not one raises ValueError (the desk loads only models of its indicators)."""
    picked = [int(j) for j in top[row] if j >= 0]
    rule = int(scores.raised_by[row])
    if rule >= 0 and rule not in picked:
        picked.insert(0, rule)
    out = []
    for j in picked:
        name = scores.features[j]
        v: dict[str, float | int | str] = {}
        if name in values:
            v["value"] = _plain(values[name][row])
        for key in (details or {}).get(name, ()):
            column = f"{name}:{key}"
            if column in values:
                v[key] = _plain(values[column][row])
        if j == rule:
            v["rule"] = "at_least_" + level_of(int(scores.levels[row])).value
        out.append(
            ChurnReason(
                code=ReasonCode(name),
                contribution=round(float(scores.contributions[row, j]), 6),
                values=v,
            )
        )
    return tuple(out)


def _plain(value: Any) -> float | int | str:
    if isinstance(value, str):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(f):
        return "missing"
    return int(f) if f.is_integer() else round(f, 4)
