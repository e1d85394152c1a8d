"""Time the demo bank generator: `python -m rm_desk.demo.bench_gen --customers 100000`.

Prints one JSON object: customers, seconds, and the rows generated per entity.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date

from rm_desk.demo.bank import generate_bank


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rms", type=int, default=0, help="default: one per 200 customers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--locale", choices=("zh", "en"), default="zh")
    args = parser.parse_args(argv)
    rms = args.rms or max(1, args.customers // 200)
    rows = {"customers": 0, "holdings": 0, "snapshots": 0, "interactions": 0, "tasks": 0}
    started = time.perf_counter()
    bank = generate_bank(args.customers, rms, seed=args.seed, as_of=args.as_of, locale=args.locale)
    for chunk in bank.chunks():
        rows["customers"] += len(chunk.customers)
        rows["holdings"] += len(chunk.holdings)
        rows["snapshots"] += len(chunk.snapshots)
        rows["interactions"] += len(chunk.interactions)
        rows["tasks"] += len(chunk.tasks)
    seconds = time.perf_counter() - started
    result = {
        "customers": args.customers,
        "rms": rms,
        "branches": len(bank.branches),
        "employees": len(bank.employees),
        "seconds": round(seconds, 2),
        "rows": rows,
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
