"""Sync benchmarks: first sync, delta sync and the gateway under many clients.

The gateway runs in its own processes (uvicorn workers) on PostgreSQL over
loopback; the client is the real `rm_desk.services.sync` path into an encrypted
store. Every figure is measured in this run.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
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
from sync import protocol
from sync.server import admin, db

PG = os.environ.get("RM_DESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2026, 11, 24)


def _client_policy() -> Policy:
    return Policy(keyring=KeyringMode.OFF,
                  memory_security=os.environ.get("RM_DESK_BENCH_NO_MEMSEC") != "1")  # fmt: skip


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
        results.update(load_test(base, password, engine, clients=200, seconds=20))
        added.session.lock()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        engine.dispose()
        schema.drop()
    return results


def load_test(
    base: str, password: str, engine: Any, clients: int, seconds: float
) -> dict[str, Any]:
    """`clients` threads, each its own device and cursor, pulling in a loop.

    Runs in worker processes (threads in one Python process would measure the GIL):
    the load generator shares the machine's two cores with the gateway, so the
    figures are a floor for a gateway on its own host."""
    procs = 4
    per = clients // procs
    out = [subprocess.Popen([sys.executable, __file__, "--load-worker", base, password,
                             str(per), str(seconds)], stdout=subprocess.PIPE)
           for _ in range(procs)]  # fmt: skip
    latencies: list[float] = []
    errors = 0
    for p in out:
        stdout, _ = p.communicate(timeout=seconds + 300)
        import json  # noqa: PLC0415

        data = json.loads(stdout)
        latencies.extend(data["latencies"])
        errors += data["errors"]
    latencies.sort()
    total = len(latencies)
    return {
        "gateway.clients": clients,
        "gateway.pulls": total,
        "gateway.errors": errors,
        "gateway.pulls_per_s": round(total / seconds),
        "gateway.p50_ms": round(statistics.median(latencies) * 1000, 1) if total else None,
        "gateway.p99_ms": round(latencies[int(0.99 * (total - 1))] * 1000, 1) if total else None,
    }


def _load_worker(base: str, password: str, clients: int, seconds: float) -> None:
    import json  # noqa: PLC0415

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        session = requests.Session()
        device = f"load-{os.getpid()}-{n}"
        login = protocol.LoginRequest(schema_version=1, user="rm001", password=password,
                                      device_id=device)  # fmt: skip
        token = session.post(base + "/auth/v1/login", json=login.model_dump(mode="json"),
                             timeout=120).json()["access_token"]  # fmt: skip
        session.headers["Authorization"] = f"Bearer {token}"
        body = {"schema_version": 1, "client_id": device, "cursor": None, "limit": 100}
        first = session.post(base + "/sync/v1/pull", json=body, timeout=120).json()
        body["cursor"] = first["cursor"]  # caught up: from here on, delta pulls
        barrier.wait()
        end = time.monotonic() + seconds
        mine: list[float] = []
        bad = 0
        while time.monotonic() < end:
            start = time.perf_counter()
            response = session.post(base + "/sync/v1/pull", json=body, timeout=30)
            if response.status_code == 200:
                mine.append(time.perf_counter() - start)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"latencies": latencies, "errors": errors[0]}))


if __name__ == "__main__" and sys.argv[1:2] == ["--load-worker"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    _load_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
