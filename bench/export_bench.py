"""Export benchmark: 100,000 customers of the book to CSV and to XLSX, through the real
path (`rm_desk.services.export.export`: an unlocked profile's encrypted store, the
streamed query, masking by role, the writer, the audit entry, the rename), with the
progress callback the window's dialog uses. Always 100,000 rows (SPEC §4 sets the
target for that many), whatever the scale; the generated customers keep their tasks
and get churn scores, their snapshots, holdings and contacts are not loaded (the
export reads the `customers` table alone)."""

from __future__ import annotations

import dataclasses
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_store.bulk import bulk_load
from local_store.profiles import ProfileRegistry
from rm_desk.demo import generate_bank
from rm_desk.demo.bank import DemoChunk
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import export
from rm_desk.services import session as sessions
from rm_desk.services.demo import LOCAL_DEMO_SERVER

ROWS = 100_000
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def bench_export(customers: int, workdir: Path) -> dict[str, Any]:
    del customers  # the target is for 100,000 rows at every scale
    reg = ProfileRegistry(workdir / "export-data", policy=Policy(keyring=KeyringMode.OFF))
    results: dict[str, Any] = {"export.rows": ROWS}
    started = time.perf_counter()
    chunks = _book()
    for role in (Role.RM, Role.TELLER):
        user = f"bench-{role.value}"
        session = sessions.create_profile(
            reg, user, "bench password 42", server=LOCAL_DEMO_SERVER, role=role,
            clock=lambda: NOW,
        )  # fmt: skip
        try:
            _load(session, chunks)
            if role is Role.RM:
                results["export.load_seconds"] = round(time.perf_counter() - started, 1)
            for fmt in export.ExportFormat:
                results.update(_one(session, fmt, workdir, role))
        finally:
            session.lock()
    return results


def _book() -> list[DemoChunk]:
    """100,000 customers with their follow-ups: a generated tenth of that, ten times over
    under other CIFs (generating the whole bank would cost a minute of snapshots and
    contacts the export never reads)."""
    tenth = generate_bank(ROWS // 10, ROWS // 4000, seed=7, as_of=NOW.date())
    base = [dataclasses.replace(c, holdings=[], snapshots=[], interactions=[])
            for c in tenth.chunks()]  # fmt: skip
    out: list[DemoChunk] = []
    for copy in range(10):
        for c in base:
            out.append(
                dataclasses.replace(
                    c,
                    customers=[dataclasses.replace(x, id=f"{x.id}{copy}") for x in c.customers],
                    tasks=[
                        dataclasses.replace(
                            t, id=f"{t.id}{copy}", customer_id=f"{t.customer_id}{copy}"
                        )
                        for t in c.tasks
                    ],  # fmt: skip
                )
            )
    return out


def _load(session: sessions.Session, chunks: list[DemoChunk]) -> None:
    bulk_load(session.store, chunks)
    # Scores as a rescore would leave them (the export writes level and score).
    with session.store.transaction() as conn:
        conn.exec_driver_sql(
            "UPDATE customers SET churn_score = (abs(random()) % 1000) / 1000.0, "
            "churn_level = CASE abs(random()) % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'amber' "
            "ELSE 'green' END"
        )


def _one(
    session: sessions.Session, fmt: export.ExportFormat, workdir: Path, role: Role
) -> dict[str, Any]:
    out = workdir / f"export-{role.value}.{fmt.value}"
    request = export.ExportRequest(export.ListKind.BOOK)
    ticks: list[float] = []
    started = time.perf_counter()
    cpu = time.process_time()
    planned = export.plan(session, request)  # the confirmation's count, as the window asks
    result = export.export(
        session, request, fmt, out, total=planned.rows,
        progress=lambda _done, _total: ticks.append(time.perf_counter()),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if result.rows != ROWS:
        raise RuntimeError(f"exported {result.rows} rows, expected {ROWS}")
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    key = f"export.{fmt.value}_100k" + ("" if role is Role.RM else "_masked")
    figures = {
        f"{key}_seconds": round(seconds, 2),
        # The machines are shared: the CPU time says what an idle machine would take.
        f"{key}_cpu_seconds": round(cpu, 2),
        f"{key}_megabytes": round(out.stat().st_size / 2**20, 1),
    }
    if role is Role.RM:
        figures[f"{key}_longest_progress_gap_seconds"] = round(max(gaps), 3)
        figures["export.peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
    os.unlink(out)
    return figures
