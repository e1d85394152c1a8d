#!/usr/bin/env python3
"""Write bench/RESULTS.md from one `bench/run.py --json OUT.json` file.

    python bench/report.py OUT.json [--out bench/RESULTS.md]

The table lists every figure that has a target in the JSON (`targets`, set by
bench/run.py), the SPEC §4 line it answers and whether it is met. The verdict is
worked out here from the figure and the target, not copied from the JSON.
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("RESULTS.md")
SCALES = {"small": "a tenth of the SPEC §4 book", "full": "the SPEC §4 book"}

# What each targeted figure measures, the SPEC line it answers and its unit.
FIGURES: dict[str, tuple[str, str, str]] = {
    "store.search_p95_ms": ("type-ahead search, p95", "§4 type-ahead search", "ms"),
    "store.profile_p95_ms": ("customer profile assembled, p95", "§4 open a customer profile", "ms"),
    "store.demo_load_seconds": ("load the demo bank into the encrypted store", "bench/run.py", "s"),
    "store.sqlcipher_ratio": (
        "SQLCipher over plain SQLite, same workload",
        "§4 SQLCipher cost",
        "×",
    ),
    "sync.first_sync_rows_per_s": ("first sync, end to end", "§4 first sync", "rows/s"),
    "sync.delta_push_1000_seconds": ("delta push of 1,000 notes", "§4 delta sync", "s"),
    "sync.delta_pull_1000_seconds": ("delta pull of those 1,000 changes", "§4 delta sync", "s"),
    "gateway.pulls_per_s": ("gateway, 200 clients, delta pulls", "§4 gateway", "pulls/s"),
    "gateway.p99_ms": ("gateway, 500 pulls/s offered, p99", "§4 gateway", "ms"),
    "ui.unlock_to_book_seconds": ("unlock to book visible", "§4 unlock to book", "s"),
    "ui.profile_open_p95_ms": ("profile open, click to painted, p95", "§1 well under 1 s", "ms"),
    "ui.rss_book_open_mb": ("resident memory, book open", "§4 resident memory", "MB"),
    "churn.rescore_all_seconds": ("rescore churn for the whole book", "§4 rescore churn", "s"),
    "export.csv_100k_seconds": ("export 100,000 rows to CSV", "§4 export", "s"),
    "export.xlsx_100k_seconds": ("export 100,000 rows to XLSX", "§4 export", "s"),
}
COMPARE: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}
SHOWN = {"<=": "≤", ">=": "≥"}


def parse_target(text: str) -> tuple[str, float]:
    """`"<= 15.0"` -> ("<=", 15.0)."""
    op, _, value = text.strip().partition(" ")
    if op not in COMPARE:
        raise ValueError(f"unknown comparison in target {text!r}")
    return op, float(value)


def met(value: float, target: str) -> bool:
    op, bound = parse_target(target)
    return COMPARE[op](value, bound)


def _number(value: float) -> str:
    """Four significant digits, thousands separated: 14.99, 1.87, 350, 47,194."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _load(machine: dict[str, Any]) -> str:
    """The load averages (1, 5, 15 minutes) run.py recorded at the start and the end."""
    start, end = machine.get("load_average_start"), machine.get("load_average_end")
    if not start or not end:
        return ""
    return f"; load average {' / '.join(map(str, start))} at the start, " + (
        f"{' / '.join(map(str, end))} at the end"
    )


def rows(report: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """One row per targeted figure: what, SPEC line, measured, target, verdict."""
    out = []
    targets: dict[str, str] = report.get("targets", {})
    for key, target in targets.items():
        what, spec, unit = FIGURES.get(key, (key, "bench/run.py", ""))
        value = report.get(key)
        op, bound = parse_target(target)
        wanted = f"{SHOWN[op]} {_number(bound)} {unit}".strip()
        if value is None:
            out.append((what, spec, "not measured", wanted, "—"))
            continue
        verdict = "met" if met(float(value), target) else "**not met**"
        out.append((what, spec, f"{_number(float(value))} {unit}".strip(), wanted, verdict))
    return out


def render(report: dict[str, Any], source: str) -> str:
    machine = report.get("machine", {})
    scale = report.get("scale", "?")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/report.py {source}` from one `python bench/run.py "
        f"--scale {scale} --json {source}` run; run it again to replace this file.",
        "",
        f"* Book: {report.get('customers', '?'):,} customers (scale `{scale}`, "
        f"{SCALES.get(scale, 'a custom size')}); SPEC §4 sets its targets for 100,000.",
        f"* Memory security: {'on' if report.get('memory_security') else 'off'}.",
        f"* Machine: {machine.get('cpus', '?')} CPUs, {machine.get('platform', '?')}, "
        f"Python {machine.get('python', '?')}{_load(machine)}.",
        "",
        "| figure | SPEC | measured | target | |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows(report)]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="a file written by bench/run.py --json")
    parser.add_argument("--out", default=str(OUT), help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    report = json.loads(Path(args.json).read_text(encoding="utf-8"))
    Path(args.out).write_text(render(report, Path(args.json).name), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
