"""Sync benchmarks: first sync, delta sync and the gateway under many clients.

The gateway runs in its own processes (uvicorn workers) on PostgreSQL over
loopback; the client is the real `rm_desk.services.sync` path into an encrypted
store. Every figure is measured in this run.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from local_store.profiles import ProfileRegistry
from rm_desk.demo import generate_bank
from rm_desk.domain.model import InteractionKind
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes
from rm_desk.services import sync as sync_service
from rm_desk.services.notes import NoteInput
from sync.server import admin, db

PG = os.environ.get("RM_DESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2026, 11, 24)


def _client_policy() -> Policy:
    return Policy(keyring=KeyringMode.OFF,
                  memory_security=os.environ.get("RM_DESK_BENCH_MEMSEC") == "1")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgSchema:
    def __init__(self) -> None:
        self.name = f"bench_{secrets.token_hex(4)}"
        self.admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = f"{PG}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def start_gateway(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "RM_DESK_CENTRAL_DB": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "sync.server.asgi:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/health", timeout=1).ok:
                return proc, base
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gateway did not start")


def bench_sync(customers: int, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    schema = PgSchema()
    engine = db.make_engine(schema.url)
    db.create_schema(engine)
    proc = None
    try:
        start = time.perf_counter()
        admin.seed(engine, customers=customers, rms=1, seed=7, as_of=AS_OF)
        results["sync.seed_seconds"] = round(time.perf_counter() - start, 1)
        password = generate_bank(1000, 1, seed=7, as_of=AS_OF).user_passwords()["rm001"]
        proc, base = start_gateway(schema.url, workers=2)

        # 1. First sync of the whole book into a fresh encrypted profile.
        reg = ProfileRegistry(workdir / "client", policy=_client_policy())
        start = time.perf_counter()
        added = sync_service.add_profile(reg, "rm001", password, base)
        seconds = time.perf_counter() - start
        rows = added.summary.snapshot_rows
        results["sync.first_sync_rows"] = rows
        results["sync.first_sync_seconds"] = round(seconds, 1)
        results["sync.first_sync_rows_per_s"] = round(rows / seconds)

        # 2. Delta: another device of the same RM logs 1,000 notes; time their push,
        #    then the first device's pull of them.
        other_reg = ProfileRegistry(workdir / "other", policy=_client_policy())
        other = sync_service.add_profile(other_reg, "rm001", password, base).session
        with engine.connect() as conn:
            cifs = [
                r[0] for r in conn.execute(text("SELECT id FROM customers ORDER BY id LIMIT 1000"))
            ]
        for i, cif in enumerate(cifs):
            notes.log_interaction(other, NoteInput(
                customer_id=cif, kind=InteractionKind.CALL,
                occurred_at=datetime(2026, 11, 24, 2, tzinfo=UTC), subject="回访",
                note=f"批量电话回访 {i}"))  # fmt: skip
        start = time.perf_counter()
        pushed = sync_service.sync_session(other, password)
        results["sync.delta_push_1000_seconds"] = round(time.perf_counter() - start, 2)
        results["sync.delta_push_count"] = pushed.pushed
        start = time.perf_counter()
        pulled = sync_service.sync_session(added.session, password)
        results["sync.delta_pull_1000_seconds"] = round(time.perf_counter() - start, 2)
        results["sync.delta_pull_changes"] = pulled.pulled
        other.lock()

        # 3. The gateway under 200 concurrent clients doing delta pulls.
        results.update(load_test(schema.url, engine))
        added.session.lock()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        engine.dispose()
        schema.drop()
    return results


def load_test(
    url: str,
    engine: Any,
    clients: int = 200,
    seconds: float = 15.0,
    workers: tuple[int, ...] = (2, 3, 4),
) -> dict[str, Any]:
    """200 simulated clients doing delta pulls against gateways of 2, 3 and 4 workers,
    then, on the best of them, the open load while the book changes.

    See bench/gateway_load.py: pre-issued tokens, keep-alive asyncio clients, a closed
    model (capacity: pulls/s) and an open one (200 clients offering 500 pulls/s: the
    latency percentiles SPEC §4 asks for), CPU of generator, gateway and PostgreSQL."""
    from bench import gateway_load  # noqa: PLC0415

    runs: dict[int, dict[str, Any]] = {}
    for count in workers:
        proc, base = gateway_load.start_gateway(url, count)
        try:
            runs[count] = {
                mode: gateway_load.run_load(
                    base, proc.pid,
                    gateway_load.issue_clients(engine, "rm001", clients, f"w{count}{mode}"),
                    seconds=seconds, mode=mode, rate=500.0, engine=engine,
                )
                for mode in ("closed", "open")
            }  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    best = max(runs, key=lambda w: runs[w]["closed"]["pulls_per_s"])
    # The same open load while the book changes 5 times a second: most pulls carry news.
    proc, base = gateway_load.start_gateway(url, best)
    try:
        changing = gateway_load.run_load(
            base, proc.pid, gateway_load.issue_clients(engine, "rm001", clients, "news"),
            seconds=seconds, mode="open", rate=500.0, engine=engine, changes_per_s=5.0,
        )  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    closed, opened = runs[best]["closed"], runs[best]["open"]
    return {
        "gateway.clients": clients,
        "gateway.workers": best,
        "gateway.pulls_per_s": closed["pulls_per_s"],
        "gateway.closed_p50_ms": closed["p50_ms"],
        "gateway.closed_p99_ms": closed["p99_ms"],
        "gateway.open_offered_per_s": opened["offered_per_s"],
        "gateway.p50_ms": opened["p50_ms"],
        "gateway.p99_ms": opened["p99_ms"],
        "gateway.errors": closed["errors"] + opened["errors"],
        "gateway.cpu_ms_per_pull": closed["gateway_cpu_ms_per_pull"],
        "gateway.cpu_gateway": closed["cpu_gateway"],
        "gateway.cpu_generator": closed["cpu_generator"],
        "gateway.cpu_postgres": closed["cpu_postgres"],
        "gateway.changing_p50_ms": changing["p50_ms"],
        "gateway.changing_p99_ms": changing["p99_ms"],
        "gateway.changing_pulls_with_changes": changing["pulls_with_changes"],
        "gateway.changing_cpu_ms_per_pull": changing["gateway_cpu_ms_per_pull"],
        "gateway.by_workers": {str(w): r for w, r in runs.items()},
        "gateway.changing": changing,
    }
