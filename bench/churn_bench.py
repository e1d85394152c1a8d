"""Churn rescoring benchmark: the demo book in the encrypted store, rescored whole
(read, indicators, scoring, reasons, write-back, one transaction) after a model change
(every score changes) and unchanged, one customer at a time (what a logged complaint
costs), and a green customer's reasons worked out on request (they are kept for amber
and red customers only). Phases are reported separately."""

from __future__ import annotations

import dataclasses
import os
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from local_store import churn as churn_store
from local_store.bulk import bulk_load
from local_store.store import LocalStore
from rm_desk.demo import generate_bank
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import SNAPSHOT_COLUMNS, compute_indicators
from rm_desk.services import churn

AS_OF_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
YEAR_BEFORE = f"{AS_OF_NOW.year - 1}-{AS_OF_NOW.month:02d}"  # the indicators' 12-month window


def _raw(store: LocalStore, sql: str, columns: list[str]) -> pd.DataFrame:
    with store.read() as conn:
        return pd.DataFrame(conn.exec_driver_sql(sql).fetchall(), columns=columns)


def _domain_only(store: LocalStore) -> dict[str, Any]:
    """The pure part on its own: indicators from the raw frames (the last 12 months of
    snapshots as rows, holdings, every contact) and vectorised scoring, with the
    frames already in memory (reading them is not timed here)."""
    snap_cols = list(SNAPSHOT_COLUMNS)
    snapshots = _raw(store, f"SELECT {', '.join(snap_cols)} FROM snapshots "  # noqa: S608
                     f"WHERE month > '{YEAR_BEFORE}'", snap_cols)  # fmt: skip
    customers = _raw(store, "SELECT id, since FROM customers", ["id", "since"])
    holdings = _raw(store, "SELECT customer_id, kind, balance_fen, opened, maturity FROM holdings",
                    ["customer_id", "kind", "balance_fen", "opened", "maturity"])  # fmt: skip
    contacts = _raw(store, "SELECT customer_id, kind, occurred_at FROM interactions",
                    ["customer_id", "kind", "occurred_at"])  # fmt: skip
    model = churn.default_model()
    runs = []
    for _ in range(3):
        begun = time.perf_counter()
        frame = compute_indicators(customers, snapshots, holdings, contacts, AS_OF_NOW.date())
        additive.score(model, frame)
        runs.append(time.perf_counter() - begun)
    return {
        "churn.domain_indicators_and_score_seconds": round(statistics.median(runs), 3),
        "churn.domain_input_rows": {
            "snapshots": len(snapshots),
            "holdings": len(holdings),
            "contacts": len(contacts),
        },
    }


def _rescore_book(store: LocalStore) -> dict[str, Any]:
    results: dict[str, Any] = {}
    # The first scoring after the load inserts every score; each timed rescore then
    # uses a newly published model (intercept nudged), so every score changes and
    # every row is rewritten, as after a model change; a last rescore with the
    # same model again changes nothing (steady state: book and history rows kept).
    base = churn.default_model()
    begun = time.perf_counter()
    with store.transaction() as conn:
        churn.score_in(conn, AS_OF_NOW, model=base)
    results["churn.rescore_first_seconds"] = round(time.perf_counter() - begun, 3)
    runs: list[float] = []
    phases: list[dict[str, float]] = []
    summary = None
    model = base
    for k in range(1, 4):
        model = dataclasses.replace(
            base, version=f"{base.version}-bench{k}", intercept=base.intercept + 0.01 * k
        )
        timings: dict[str, float] = {}
        begun = time.perf_counter()
        with store.transaction() as conn:
            summary = churn.score_in(conn, AS_OF_NOW, model=model, timings=timings)
        runs.append(time.perf_counter() - begun)  # includes the commit
        phases.append(timings)
    assert summary is not None
    results["churn.rescore_all_seconds"] = round(statistics.median(runs), 3)
    results["churn.rescore_all_runs_seconds"] = [round(r, 3) for r in runs]
    begun = time.perf_counter()
    with store.transaction() as conn:
        churn.score_in(conn, AS_OF_NOW, model=model)
    results["churn.rescore_unchanged_seconds"] = round(time.perf_counter() - begun, 3)
    for name in ("read", "indicators", "score", "reasons", "write"):  # reasons within write
        results[f"churn.phase_{name}_seconds"] = round(
            statistics.median(p[name] for p in phases), 3
        )
    results["churn.scored_customers"] = summary.customers
    results["churn.red"] = summary.red
    results["churn.amber"] = summary.amber
    results["churn.model"] = summary.model_version
    return results


def bench_churn(customers: int, workdir: Path) -> dict[str, Any]:
    memory_security = os.environ.get("RM_DESK_BENCH_MEMSEC") == "1"
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
        begun = time.perf_counter()  # part of the load above: what keeping it costs
        with store.transaction() as conn:
            churn_store.rebuild_snapshot_summary(conn)
        results["churn.summary_rebuild_seconds"] = round(time.perf_counter() - begun, 3)
        results.update(_rescore_book(store))
        results.update(_domain_only(store))
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
        # A green customer's reasons are not kept: what working them out adds to a
        # profile opening (`churn.assessment`, one customer).
        with store.read() as conn:
            green = [r[0] for r in conn.exec_driver_sql(
                "SELECT id FROM customers WHERE churn_level = 'green' LIMIT 200")]  # fmt: skip
            asked: list[float] = []
            for cif in green:
                begun = time.perf_counter()
                churn.assessment(conn, cif)
                asked.append((time.perf_counter() - begun) * 1000)
        asked.sort()
        results["churn.green_reasons_p50_ms"] = round(statistics.median(asked), 2)
        results["churn.green_reasons_p95_ms"] = round(asked[int(0.95 * (len(asked) - 1))], 2)
    finally:
        store.close()
    return results
