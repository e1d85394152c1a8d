"""Our additive booster against InterpretML's Explainable Boosting Machine and
scikit-learn's HistGradientBoosting, by stratified K-fold cross-validation on a CSV
(issue #16, items 2 and 5). Prints JSON: per model AUC, PR-AUC, Brier score,
calibration error (10 equal-count bins) and fit seconds, as fold means, on the same
folds and with every model's default settings (n_jobs=1: the machine is shared).

    python bench/churn_compare.py --csv /work/shared/data/churn/BankChurners.csv \
        --label Attrition_Flag --positive "Attrited Customer" --drop "$(head -1 \
        /work/shared/data/churn/BankChurners.csv | tr , '\n' | grep -E 'CLIENTNUM|Naive' \
        | paste -sd,)"

Models: `additive` (ours: cyclic boosting of one-feature trees, Platt-calibrated on
out-of-fold logits of its training rows), `ebm` (interpret-core, `interactions=0`: a
pure sum of one-feature curves like ours, raw probabilities), `ebm_pairs` (with
`--pairs`: InterpretML's default pairwise interactions, for information; our JSON has no
pair terms), `hgb` (the gradient-boosting reference). Needs the `central` extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rm_desk.domain.churn import additive, metrics
from sync.server import churn_training as ct


def _figures(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "auc": metrics.roc_auc(y, p),
        "pr_auc": metrics.average_precision(y, p),
        "brier": metrics.brier(y, p),
        "calibration_error": metrics.calibration_error(y, p),
    }


def _ebm(train_x: pd.DataFrame, train_y: np.ndarray, test_x: pd.DataFrame, *, pairs: bool) -> Any:
    from interpret.glassbox import ExplainableBoostingClassifier  # noqa: PLC0415

    clf = ExplainableBoostingClassifier(interactions=0.9 if pairs else 0, n_jobs=1, random_state=0)
    clf.fit(train_x, train_y)
    return np.asarray(clf.predict_proba(test_x)[:, 1], dtype=np.float64)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--positive")
    p.add_argument("--drop", default="")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--models", default="additive,ebm,hgb",
                   help="comma-separated: additive, ebm, ebm_pairs, hgb")  # fmt: skip
    args = p.parse_args(argv)
    data = ct.read_csv(
        args.csv, args.label, positive=args.positive,
        drop=[c for c in args.drop.split(",") if c],
    )  # fmt: skip
    wanted = [m for m in args.models.split(",") if m]
    per: dict[str, list[dict[str, float]]] = {m: [] for m in wanted}
    x, y = data.features, data.label
    for fold, (tr, te) in enumerate(ct.stratified_folds(y, args.folds)):
        for name in wanted:
            began = time.perf_counter()
            if name == "additive":
                model, _ = ct.train_calibrated(
                    x.iloc[tr].reset_index(drop=True), y[tr], version="bench"
                )
                s = additive.score(model, x.iloc[te]).probability
            elif name in ("ebm", "ebm_pairs"):
                s = _ebm(x.iloc[tr], y[tr], x.iloc[te], pairs=name == "ebm_pairs")
            elif name == "hgb":
                s = ct._baseline_scores(x.iloc[tr], y[tr], x.iloc[te])
            else:
                raise SystemExit(f"unknown model {name}")
            figures = _figures(y[te], s)
            figures["fit_seconds"] = time.perf_counter() - began
            per[name].append(figures)
            print(f"fold {fold + 1} {name}: AUC {figures['auc']:.4f} "
                  f"({figures['fit_seconds']:.0f} s)", file=sys.stderr)  # fmt: skip
    out: dict[str, Any] = {
        "data": Path(args.csv).name,
        "rows": len(y),
        "positives": int(y.sum()),
        "folds": args.folds,
        "models": {
            name: {
                **{k: float(np.mean([f[k] for f in figs])) for k in figs[0]},
                "fold_auc": [f["auc"] for f in figs],
            }
            for name, figs in per.items()
        },
    }
    if "hgb" in per:
        for name in per:
            if name != "hgb":
                gap = out["models"]["hgb"]["auc"] - out["models"][name]["auc"]
                out["models"][name]["auc_gap_to_hgb"] = gap
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
