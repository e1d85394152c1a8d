"""`rm-desk-central churn train|evaluate|publish` (ARCHITECTURE §6).

Failures raise `ChurnInputError` (a ValueError), which the command prints as one
line with a non-zero exit.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import Engine

from sync.server import churn_training as ct


def _columns(values: list[str] | None) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


def _share(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 < number < 1.0:
        raise argparse.ArgumentTypeError(f"{number} is not between 0 and 1")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is less than 1")
    return number


def _data_options(p: argparse.ArgumentParser, *, gateway: bool) -> None:
    p.add_argument("--csv", metavar="F", help="CSV with one row per customer and a label")
    p.add_argument("--label", metavar="COL", help="the label column")
    p.add_argument("--positive", metavar="V", help="label value meaning churn (default: 1/true)")
    p.add_argument(
        "--drop", metavar="COLS", action="append", help="columns to ignore (comma-separated)"
    )
    if gateway:
        p.add_argument("--from-gateway", action="store_true",
                       help="learn from the gateway's customer history, not a CSV")  # fmt: skip
        p.add_argument("--horizon", type=_positive_int, default=3, metavar="N",
                       help="with --from-gateway: left within N months (default 3)")  # fmt: skip
    p.add_argument("--red-share", type=_share, default=0.05, metavar="S",
                   help="share of customers above the red threshold (default 0.05)")  # fmt: skip
    p.add_argument("--amber-share", type=_share, default=0.15, metavar="S",
                   help="share above the amber threshold (default 0.15)")  # fmt: skip


def add_commands(sub: Any, with_db: argparse.ArgumentParser) -> None:
    churn = sub.add_parser("churn", help="train, evaluate and publish churn models")
    churn_sub = churn.add_subparsers(dest="action", metavar="ACTION", required=True)

    train = churn_sub.add_parser("train", parents=[with_db], help="train an additive model")
    _data_options(train, gateway=True)
    train.add_argument("--out", required=True, metavar="MODEL.json")
    train.add_argument("--version", dest="model_version", metavar="V", help="model version name")
    train.add_argument("--json", action="store_true", help="print the figures as JSON")
    train.set_defaults(run=_train)

    evaluate = churn_sub.add_parser("evaluate", parents=[with_db], help="evaluate on a CSV")
    _data_options(evaluate, gateway=True)
    evaluate.add_argument("--cv", type=_positive_int, default=5, metavar="K",
                          help="stratified K-fold cross-validation (default 5)")  # fmt: skip
    evaluate.add_argument("--model", metavar="MODEL.json", help="evaluate this saved model")
    evaluate.add_argument("--baseline", action="store_true",
                          help="also sklearn's HistGradientBoostingClassifier")  # fmt: skip
    evaluate.add_argument("--time-split", action="store_true",
                          help="with --from-gateway: train before the last cutoff, test on "
                          "it, with lead time and coverage (default: --cv, by customer)"
                          )  # fmt: skip
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.set_defaults(run=_evaluate)

    publish = churn_sub.add_parser("publish", parents=[with_db], help="publish a model to clients")
    publish.add_argument("model", metavar="MODEL.json")
    publish.set_defaults(run=_publish)


def _dataset(args: argparse.Namespace) -> ct.Dataset:
    if not args.csv or not args.label:
        raise ct.ChurnInputError("--csv and --label are required (or --from-gateway for train)")
    return ct.read_csv(args.csv, args.label, positive=args.positive, drop=_columns(args.drop))


def _train(args: argparse.Namespace, engine: Engine) -> int:
    if args.from_gateway:
        if args.csv:
            raise ct.ChurnInputError("use either --csv or --from-gateway, not both")
        result = ct.train_from_gateway(
            engine, horizon=args.horizon, version=args.model_version,
            red_share=args.red_share, amber_share=args.amber_share,
        )  # fmt: skip
        ct.write_model(result.model, args.out)
        if args.json:
            print(ct.dumps({"model": result.model.version, **result.figures}))
        else:
            f = result.figures
            lead = f["lead_time"]
            print(
                f"wrote {args.out} (model {result.model.version}): "
                f"{f['train_rows']} training rows, "
                f"test AUC {f['auc']:.3f}, PR-AUC {f['pr_auc']:.3f}, recall at red "
                f"{f['red']['recall']:.2f}; red before leaving "
                f"{lead.get('red_before_leaving_share', 0):.0%} "
                f"of {lead.get('leavers', 0)} leavers, "
                f"median {lead.get('median_red_lead_months', float('nan'))} months ahead"
                f"\n{_card_line(result.model)}"
            )
        return 0
    data = _dataset(args)
    model = ct.train_csv(
        data, version=args.model_version, red_share=args.red_share,
        amber_share=args.amber_share, source=str(args.csv),
    )  # fmt: skip
    ct.write_model(model, args.out)
    figures = dict(model.metrics["in_sample"])
    if args.json:
        print(ct.dumps({"model": model.version, "in_sample": figures}))
    else:
        print(
            f"wrote {args.out} (model {model.version}): {figures['rows']} rows, "
            f"{figures['positives']} churners, {model.training['rounds']} rounds, "
            f"{len(model.terms)} features; in-sample AUC {figures['auc']:.3f} "
            f"(use evaluate --cv for honest figures)\n{_card_line(model)}"
        )
    return 0


def _card_line(model: Any) -> str:
    """The thresholds as calibrated leave probabilities, with what was observed."""
    card = model.training.get("thresholds_card", {})
    parts = []
    for name in ("red", "amber"):
        seen = card.get(name, {}).get("observed_leave_rate")
        observed = (
            f", {seen:.0%} of them left ({card.get('population')})" if seen is not None else ""
        )
        bound = getattr(model, name)
        parts.append(f"{name} at leave probability >= {bound:.1%}{observed}")
    return "calibrated (Platt, out-of-fold): " + "; ".join(parts)


def _evaluate(args: argparse.Namespace, engine: Engine) -> int:
    if args.from_gateway and args.time_split:
        result = ct.train_from_gateway(
            engine, horizon=args.horizon, red_share=args.red_share, amber_share=args.amber_share
        )
        figures = {"model": result.model.version, **result.figures}
    elif args.from_gateway:
        figures = ct.gateway_cross_validate(
            engine, horizon=args.horizon, k=args.cv, baseline=args.baseline,
            red_share=args.red_share, amber_share=args.amber_share,
        )  # fmt: skip
    else:
        data = _dataset(args)
        if args.model:
            figures = ct.evaluate_model(data, args.model, baseline=args.baseline)
        else:
            figures = ct.cross_validate(
                data, args.cv, baseline=args.baseline,
                red_share=args.red_share, amber_share=args.amber_share,
            )  # fmt: skip
    if args.json:
        print(ct.dumps(figures))
        return 0
    lines = [
        f"AUC {figures['auc']:.4f}   PR-AUC {figures['pr_auc']:.4f}   "
        f"top-decile lift {figures['top_decile_lift']:.2f}",
        f"red   >= {figures['red']['threshold']:.3f}: recall {figures['red']['recall']:.3f}, "
        f"precision {figures['red']['precision']:.3f}",
        f"amber >= {figures['amber']['threshold']:.3f}: recall {figures['amber']['recall']:.3f}, "
        f"precision {figures['amber']['precision']:.3f}",
    ]
    if "brier" in figures:
        lines.append(
            f"Brier {figures['brier']:.4f}   calibration error {figures['calibration_error']:.4f}"
        )
    if "baseline_auc" in figures:
        lines.append(
            f"baseline (HistGradientBoosting) AUC {figures['baseline_auc']:.4f}   "
            f"PR-AUC {figures['baseline_pr_auc']:.4f}"
        )
    lines.append("calibration (predicted -> observed):")
    lines += [
        f"  {b['mean_predicted']:.3f} -> {b['observed_rate']:.3f}  (n={b['count']})"
        for b in figures["calibration"]
    ]
    print("\n".join(lines))
    return 0


def _publish(args: argparse.Namespace, engine: Engine) -> int:
    model = ct.publish(engine, args.model)
    print(f"published model {model.version}; clients receive it with their next sync")
    return 0
