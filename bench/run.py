#!/usr/bin/env python3
"""RM Desk benchmarks: one JSON object of named figures.

    python bench/run.py --scale small|full --json OUT.json [--only store,...]

`full` is the SPEC §4 book (100,000 customers, 2.4 M snapshots, ~1 M contact rows,
~200 k tasks); `small` is a tenth of it for quick runs. Targets are compared in
the JSON (`targets`, `within_target`), never asserted in unit tests. Ratios (the
SQLCipher cost) are taken within one run, on the same workload, because these
machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine, event
from sqlalchemy.pool import QueuePool

from local_store import book, lookaside, migrations, outbox, search
from local_store.bulk import bulk_load
from local_store.engine import KeyBuffer
from local_store.store import LocalStore
from rm_desk.demo import generate_bank
from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.model import ChurnLevel, Segment

AS_OF = date(2026, 11, 24)
MEMORY_SECURITY = False  # policy `memory_security`'s default; --memory-security
SCALES = {"small": 10_000, "full": 100_000}
TARGETS = {
    "store.search_p95_ms": ("<=", 15.0),
    "store.profile_p95_ms": ("<=", 30.0),
    "store.demo_load_seconds": ("<=", 60.0),
    "store.sqlcipher_ratio": ("<=", 1.15),
    "sync.delta_push_1000_seconds": ("<=", 2.0),
    "sync.delta_pull_1000_seconds": ("<=", 2.0),
    "gateway.p99_ms": ("<=", 200.0),
    "ui.unlock_to_book_seconds": ("<=", 1.0),
    "ui.profile_open_p95_ms": ("<=", 500.0),  # SPEC §1: "well under a second"
    "ui.rss_book_open_mb": ("<=", 350.0),
    "churn.rescore_all_seconds": ("<=", 3.0),
    "export.csv_100k_seconds": ("<=", 10.0),
    "export.xlsx_100k_seconds": ("<=", 10.0),
}
FLOORS = {
    "sync.first_sync_rows_per_s": 40_000,
    "gateway.pulls_per_s": 500,
}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def plain_store(path: Path) -> LocalStore:
    """The same schema and code on plain (unencrypted) SQLite, for the cost ratio only."""

    def connect() -> sqlcipher.Connection:
        conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
        lookaside.enlarge(conn)  # as local_store.engine.connect does
        for pragma in (
            "temp_store = MEMORY",
            "foreign_keys = ON",
            "synchronous = FULL",
            "journal_mode = WAL",
            "cache_size = -32768",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher,
        creator=connect,
        poolclass=QueuePool,
        pool_use_lifo=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    store = LocalStore(path, engine, KeyBuffer(secrets.token_bytes(32)))
    store.check_connection = lambda _raw, _path, **_kw: None  # type: ignore[method-assign]
    migrations.migrate(engine, path)
    with store.transaction() as conn:
        outbox.init_state(conn, "bench")
    return store


def query_workload(store: LocalStore, rng: random.Random, repeat: int) -> dict[str, list[float]]:
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, name, name_pinyin, name_initials, mobile FROM customers"
        ).fetchall()
    sample = rng.sample(rows, min(len(rows), repeat))
    queries: list[str] = []
    for cif, name, py, initials, mobile in sample:
        queries.extend(
            [name[:2], name, py[: rng.randint(2, len(py))], initials, cif[:6], mobile[-4:]]
        )
    figures: dict[str, list[float]] = {"search": [], "profile": [], "book_page": [], "book_ids": []}
    with store.read() as conn:
        for q in queries:
            start = time.perf_counter()
            search.search(conn, q, 20)
            figures["search"].append((time.perf_counter() - start) * 1000)
        for cif, *_ in sample:
            start = time.perf_counter()
            book.profile(conn, cif)
            figures["profile"].append((time.perf_counter() - start) * 1000)
        sorts = [BookSort(c, d) for c in BookColumn for d in (False, True)]
        filters = [
            BookFilter(),
            BookFilter(churn_levels=frozenset({ChurnLevel.RED})),
            BookFilter(segments=frozenset({Segment.AFFLUENT}), not_contacted_days=30),
        ]
        for i in range(40):
            sort, filt = sorts[i % len(sorts)], filters[i % len(filters)]
            start = time.perf_counter()
            ids = book.book_ids(conn, filt, sort, today=AS_OF)
            figures["book_ids"].append((time.perf_counter() - start) * 1000)
            for _ in range(5):
                offset = rng.randint(0, max(0, len(ids) - 100))
                start = time.perf_counter()
                book.book_rows(conn, ids[offset : offset + 100])
                figures["book_page"].append((time.perf_counter() - start) * 1000)
    return figures


def bench_store(customers: int, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    rng = random.Random(11)
    # 1. The demo bank at full size into the encrypted store.
    enc = LocalStore.open(
        workdir / "enc.db", secrets.token_bytes(32), memory_security=MEMORY_SECURITY
    )
    start = time.perf_counter()
    counts = bulk_load(
        enc, generate_bank(customers, max(1, customers // 400), seed=7, as_of=AS_OF).chunks()
    )
    results["store.demo_load_seconds"] = round(time.perf_counter() - start, 2)
    results["store.demo_rows"] = {
        "customers": counts.customers,
        "holdings": counts.holdings,
        "snapshots": counts.snapshots,
        "interactions": counts.interactions,
        "tasks": counts.tasks,
    }
    results["store.db_megabytes"] = round((workdir / "enc.db").stat().st_size / 2**20, 1)
    figures = query_workload(enc, rng, 300)
    for name, values in figures.items():
        results[f"store.{name}_p50_ms"] = round(statistics.median(values), 3)
        results[f"store.{name}_p95_ms"] = round(percentile(values, 95), 3)
    enc.close()

    # 2. SQLCipher cost: the same load and queries, encrypted vs plain SQLite, with the
    #    policy's `memory_security` off (the default, which the SPEC §4 targets apply
    #    to) and on. Each side runs in its own process: SQLCipher's memory security is
    #    process-wide and sticky, so a run after a memory-secure one would pay for it.
    timings: dict[str, list[float]] = {kind: [] for kind in RATIO_KINDS}
    p95s: dict[str, dict[str, list[float]]] = {kind: {} for kind in RATIO_KINDS}
    slice_size = min(customers, 5_000)
    for rnd in range(3):
        order = list(RATIO_KINDS)
        for kind in order[rnd:] + order[:rnd]:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--ratio-worker",
                    kind,
                    "--customers",
                    str(slice_size),
                    "--json",
                    str(workdir / f"ratio-{kind}-{rnd}.json"),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            measured = json.loads(out.stdout)
            timings[kind].append(float(measured["seconds"]))
            for name, value in measured["p95_ms"].items():
                p95s[kind].setdefault(name, []).append(float(value))
    plain = statistics.median(timings["plain"])
    results["store.ratio_workload_customers"] = slice_size
    results["store.plain_sqlite_seconds"] = round(plain, 3)
    for kind, column in (("cipher", "off"), ("cipher-memsec", "on")):
        seconds = statistics.median(timings[kind])
        figures_of = {
            "sqlcipher_seconds": round(seconds, 3),
            "sqlcipher_ratio": round(seconds / plain, 3),
        }
        for name, values in sorted(p95s[kind].items()):
            figures_of[f"{name}_p95_ms"] = round(statistics.median(values), 3)
        results[f"store.memory_security_{column}"] = figures_of
    # The SPEC §4 target is for the default (memory security off).
    results["store.sqlcipher_seconds"] = results["store.memory_security_off"]["sqlcipher_seconds"]
    results["store.sqlcipher_ratio"] = results["store.memory_security_off"]["sqlcipher_ratio"]
    return results


def bench_sync(customers: int, workdir: Path) -> dict[str, Any]:
    from bench.sync_bench import bench_sync as run  # noqa: PLC0415

    return run(customers, workdir)


def bench_churn(customers: int, workdir: Path) -> dict[str, Any]:
    from bench.churn_bench import bench_churn as run  # noqa: PLC0415

    return run(customers, workdir)


def bench_ui(customers: int, workdir: Path) -> dict[str, Any]:
    from bench.ui_bench import bench_ui as run  # noqa: PLC0415

    return run(customers, workdir)


def bench_export(customers: int, workdir: Path) -> dict[str, Any]:
    from bench.export_bench import bench_export as run  # noqa: PLC0415

    return run(customers, workdir)


def bench_mixed(customers: int, workdir: Path) -> dict[str, Any]:
    """200 clients pushing and pulling on PostgreSQL (bench/mixed_load.py), for
    RM_DESK_BENCH_MIXED_SECONDS seconds (default 600). Only with `--only mixed`."""
    seconds = os.environ.get("RM_DESK_BENCH_MIXED_SECONDS", "600")
    out = workdir / "mixed.json"
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("mixed_load.py")), "--seconds", seconds,
         "--json", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if not out.exists():
        raise RuntimeError(f"the mixed load did not finish: {done.stderr.strip()[-500:]}")
    figures = json.loads(out.read_text())
    return {f"mixed.{k}": v for k, v in figures.items()}


BENCHES: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "store": bench_store,
    "sync": bench_sync,
    "ui": bench_ui,
    "churn": bench_churn,
    "export": bench_export,
    "mixed": bench_mixed,
}
OPT_IN = {"mixed"}  # long: run only when named in --only


RATIO_KINDS = ("cipher", "plain", "cipher-memsec")


def _with_memory_security() -> None:
    """SQLCipher with `cipher_memory_security` on (policy `memory_security: true`), to
    show what that one setting costs."""
    global MEMORY_SECURITY  # noqa: PLW0603
    MEMORY_SECURITY = True


def ratio_worker(kind: str, customers: int, workdir: Path) -> dict[str, Any]:
    """One side of the SQLCipher-cost comparison: load a bank slice and query it; the
    whole time and each query's 95th percentile."""
    chunks = list(generate_bank(customers, max(1, customers // 400), seed=3, as_of=AS_OF).chunks())
    path = workdir / f"ratio-{kind}.db"
    store = (
        plain_store(path)
        if kind == "plain"
        else LocalStore.open(path, secrets.token_bytes(32), memory_security=MEMORY_SECURITY)
    )
    start = time.perf_counter()
    bulk_load(store, chunks)
    figures = query_workload(store, random.Random(5), 100)
    seconds = time.perf_counter() - start
    store.close()
    return {
        "seconds": seconds,
        "p95_ms": {name: percentile(values, 95) for name, values in figures.items()},
    }


def main() -> int:
    if "--ratio-worker" in sys.argv:
        worker = argparse.ArgumentParser()
        worker.add_argument("--ratio-worker", choices=RATIO_KINDS)
        worker.add_argument("--customers", type=int)
        worker.add_argument("--json")
        wargs = worker.parse_args()
        if wargs.ratio_worker == "cipher-memsec":
            _with_memory_security()
        with tempfile.TemporaryDirectory(prefix="rm-desk-ratio-") as tmp:
            measured = ratio_worker(wargs.ratio_worker, wargs.customers, Path(tmp))
        print(json.dumps(measured))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--json", dest="out", required=True, help="where to write the figures")
    parser.add_argument("--only", help="comma-separated benchmark names: " + ",".join(BENCHES))
    parser.add_argument(
        "--memory-security",
        action="store_true",
        help="run with policy memory_security=true (SQLCipher's allocation wiping on)",
    )
    args = parser.parse_args()
    if args.memory_security:
        _with_memory_security()
        os.environ["RM_DESK_BENCH_MEMSEC"] = "1"
    chosen = args.only.split(",") if args.only else [b for b in BENCHES if b not in OPT_IN]
    unknown = [c for c in chosen if c not in BENCHES]
    if unknown:
        print(f"bench: error: unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    customers = SCALES[args.scale]
    report: dict[str, Any] = {
        "scale": args.scale,
        "memory_security": MEMORY_SECURITY,
        "customers": customers,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # The machines are shared: how busy this one was, at the start and the end.
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
        },
    }
    with tempfile.TemporaryDirectory(prefix="rm-desk-bench-") as tmp:
        for name in chosen:
            started = time.perf_counter()
            report.update(BENCHES[name](customers, Path(tmp)))
            report[f"{name}.wall_seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report["targets"] = {k: f"{op} {v}" for k, (op, v) in TARGETS.items()}
    report["targets"].update({k: f">= {v}" for k, v in FLOORS.items()})
    within = {k: report[k] <= v for k, (_op, v) in TARGETS.items() if report.get(k) is not None}
    within.update({k: report[k] >= v for k, v in FLOORS.items() if report.get(k) is not None})
    report["within_target"] = within
    text = json.dumps(report, indent=2, ensure_ascii=False)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
