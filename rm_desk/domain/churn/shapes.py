"""Curve shapes a banker would sign: each indicator's declared direction
(`indicators.INDICATORS`, RISES / FALLS / FREE) enforced on a curve, and checked on a
finished model.

Training projects every boosting step of a directed feature onto the monotone curves
(weighted pool-adjacent-violators, `isotonic`): the sum of monotone steps is
monotone, so the learnt curve never breaks its direction, and each step is the
closest allowed one to the unconstrained Newton step. `violations` lists what a
model breaks; publishing refuses a model with any.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from rm_desk.domain.churn.additive import AdditiveModel, NumericTerm
from rm_desk.domain.churn.indicators import BY_CODE, FALLS, FREE, RISES
from rm_desk.domain.rules import ReasonCode

FloatArray = npt.NDArray[np.float64]
TOLERANCE: Final[float] = 1e-9  # logit units: rounding, not a shape


def isotonic(values: FloatArray, weights: FloatArray, *, increasing: bool) -> FloatArray:
    """The weighted least-squares non-decreasing (or non-increasing) fit of `values`
    (pool adjacent violators). Weights must be positive."""
    v = values if increasing else -values
    means: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for x, w in zip(v.tolist(), weights.tolist(), strict=True):
        means.append(x)
        sizes.append(w)
        counts.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2, c2 = means.pop(), sizes.pop(), counts.pop()
            total = sizes[-1] + w2
            means[-1] = (means[-1] * sizes[-1] + m2 * w2) / total
            sizes[-1] = total
            counts[-1] += c2
    out = np.repeat(np.array(means), counts)
    return out if increasing else -out


def project(
    curve: FloatArray,
    weights: FloatArray,
    direction: int,
    *,
    missing_is_extreme: bool = False,
) -> FloatArray:
    """Project a numeric feature's per-bin values (ordered bins, then the missing bin
    last) onto its direction. With `missing_is_extreme` the missing bin is held at
    least as risky as the risky end: it joins the sequence after the last bin (RISES)
    or before the first (FALLS)."""
    if direction == FREE:
        return curve
    w = np.maximum(weights, 1e-12)
    out = curve.copy()
    k = len(curve) - 1  # ordered bins; the last value is the missing bin
    if not missing_is_extreme:
        out[:k] = isotonic(curve[:k], w[:k], increasing=direction == RISES)
        return out
    if direction == RISES:
        return isotonic(curve, w, increasing=True)
    # FALLS: missing first, then the ordered bins, all non-increasing.
    order = np.r_[k, np.arange(k)]
    fitted = isotonic(curve[order], w[order], increasing=False)
    out[order] = fitted
    return out


def direction_of(name: str) -> tuple[int, bool]:
    """(direction, missing_is_extreme) the bank declares for a feature; FREE for a
    feature that is not one of the desk's indicators (a CSV column)."""
    try:
        indicator = BY_CODE[ReasonCode(name)]
    except ValueError:
        return FREE, False
    return indicator.direction, indicator.missing_is_extreme


def violations(model: AdditiveModel) -> list[str]:
    """One line per indicator whose curve breaks the direction the bank declares."""
    out = []
    for term in model.terms:
        direction, missing_extreme = direction_of(term.name)
        if direction == FREE:
            continue
        if not isinstance(term, NumericTerm):
            out.append(f"{term.name}: must be a numeric curve (its direction is declared)")
            continue
        c = term.contributions
        steps = np.diff(c) * direction  # >= 0 when the curve goes the allowed way
        word = "rises" if direction == RISES else "falls"
        if len(steps) and steps.min() < -TOLERANCE:
            at = int(np.argmin(steps))
            out.append(
                f"{term.name}: risk must never go against the value ({word} only), "
                f"but goes {c[at]:+.3f} -> {c[at + 1]:+.3f} at {term.edges[at]:g}"
            )
            continue
        if missing_extreme:
            end = float(c[-1] if direction == RISES else c[0])
            if term.missing < end - TOLERANCE:
                out.append(
                    f"{term.name}: no value must count at least as risky as the far end "
                    f"({term.missing:+.3f} < {end:+.3f})"
                )
    return out


__all__ = ["FALLS", "RISES", "isotonic", "project", "violations"]
