"""Churn rescoring benchmark: the demo book in the encrypted store, rescored whole
(indicators + scoring + reasons + write-back, one transaction) and one customer at a
time (what a logged complaint costs). Phases are reported separately."""

from __future__ import annotations

import os
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_store.bulk import bulk_load
from local_store.store import LocalStore
from rm_desk.demo import generate_bank
from rm_desk.services import churn

AS_OF_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def bench_churn(customers: int, workdir: Path) -> dict[str, Any]:
    memory_security = os.environ.get("RM_DESK_BENCH_NO_MEMSEC") != "1"
    store = LocalStore.open(
        workdir / "churn.db", secrets.token_bytes(32), memory_security=memory_security
    )
    results: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        bulk_load(
            store,
            generate_bank(
                customers, max(1, customers // 400), seed=7, as_of=AS_OF_NOW.date()
            ).chunks(),
        )
        results["churn.load_seconds"] = round(time.perf_counter() - started, 1)
        runs: list[float] = []
        phases: list[dict[str, float]] = []
        summary = None
        for _ in range(3):
            timings: dict[str, float] = {}
            begun = time.perf_counter()
            with store.transaction() as conn:
                summary = churn.score_in(conn, AS_OF_NOW, timings=timings)
            runs.append(time.perf_counter() - begun)  # includes the commit
            phases.append(timings)
        assert summary is not None
        results["churn.rescore_all_seconds"] = round(statistics.median(runs), 3)
        results["churn.rescore_all_runs_seconds"] = [round(r, 3) for r in runs]
        for name in ("read", "indicators", "score", "reasons", "write"):
            results[f"churn.phase_{name}_seconds"] = round(
                statistics.median(p[name] for p in phases), 3
            )
        results["churn.scored_customers"] = summary.customers
        results["churn.red"] = summary.red
        results["churn.amber"] = summary.amber
        results["churn.model"] = summary.model_version
        with store.read() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers LIMIT 200")]
        one: list[float] = []
        for cif in ids:
            begun = time.perf_counter()
            with store.transaction() as conn:
                churn.rescore_customer(conn, cif, AS_OF_NOW)
            one.append((time.perf_counter() - begun) * 1000)
        one.sort()
        results["churn.rescore_one_p50_ms"] = round(statistics.median(one), 2)
        results["churn.rescore_one_p95_ms"] = round(one[int(0.95 * (len(one) - 1))], 2)
    finally:
        store.close()
    return results
