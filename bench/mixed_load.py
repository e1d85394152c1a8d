#!/usr/bin/env python3
"""A bounded mixed push+pull load on the gateway over PostgreSQL, with its memory.

    python bench/mixed_load.py [--clients 200] [--seconds 600] [--rate 200] [--json OUT]

`--clients` simulated devices (default 200, spread over `--rms` relationship managers
so each device's pulls carry its colleagues' and its own pushes) each keep one
keep-alive HTTP/1.1 connection (raw asyncio streams, as `bench/gateway_load.py` does;
tokens pre-issued there too, so no Argon2 logins) and, on a fixed period with a random
phase, either push one new contact note (`interaction.create`, strictly increasing
mutation ids) or pull from their cursor. Together the clients offer `--rate` requests
per second (`--push-share` of them pushes): a bounded, open load, so latency is taken
from the *scheduled* send time and a slow answer is charged, not hidden.

Reported (JSON): pushes/s, pulls/s, p50/p90/p99/max per kind, errors (a non-200
answer, a push not `applied`, a dropped connection: must be 0), the notes that reached
the database against the pushes acknowledged, and the gateway's resident memory
(all its processes) sampled every `--sample` seconds: first, middle and last sample
after the warm-up and the least-squares slope in MB per minute, which shows whether
memory stays flat under a long run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.gateway_load import (  # noqa: E402
    WARM_UP,
    _children,
    _read_answer,
    issue_clients,
    run_clients,
    start_gateway,
)

CONNECT_SPREAD = 2.0  # seconds over which clients open their connections


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def _slope(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares MB per minute over (seconds, MB) samples."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mm = sum(m for _, m in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    if var == 0:
        return None
    return 60 * sum((t - mt) * (m - mm) for t, m in samples) / var


# --- the worker process ---------------------------------------------------------------


def _post(host: str, path: str, token: str, body: dict[str, Any]) -> bytes:
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
    ).encode()
    return head + raw


def _note(client_id: str, user: str, customer: str, n: int) -> dict[str, Any]:
    from rm_desk.domain.ids import uuid7  # noqa: PLC0415

    now = datetime.now(UTC).isoformat()
    return {
        "mutation_id": n,
        "name": "interaction.create",
        "entity": "interaction",
        "entity_id": uuid7(),
        "op": "create",
        "base_version": None,
        "fields": {
            "customer_id": customer,
            "kind": "call",
            "occurred_at": now,
            "created_by": user,
            "subject": f"load {client_id} {n}",
            "note": "负载测试记录 " * 4,
            "participants": [],
            "outcome": "",
            "next_step": "",
            "supersedes_id": None,
            "created_at": now,
        },
        "client_time": now,
    }


async def _client(host: str, port: int, spec: dict[str, Any], job: dict[str, Any],
                  out: dict[str, Any]) -> None:  # fmt: skip
    rng = random.Random(spec["client_id"])
    start_at, end_at, period = job["start_at"], job["start_at"] + job["seconds"], job["period"]
    await asyncio.sleep(rng.random() * CONNECT_SPREAD)
    reader, writer = await asyncio.open_connection(host, port)
    cursor, mutation = spec["cursor"], 0
    due = start_at - WARM_UP + rng.random() * period
    while due < end_at:
        await asyncio.sleep(max(0.0, due - time.time()))
        kind = "push" if rng.random() < job["push_share"] else "pull"
        if kind == "push":
            mutation += 1
            body = {
                "schema_version": 1,
                "client_id": spec["client_id"],
                "mutations": [
                    _note(spec["client_id"], spec["user"], rng.choice(spec["customers"]), mutation)
                ],
            }
            request = _post(host, "/sync/v1/push", spec["token"], body)
        else:
            body = {"schema_version": 1, "client_id": spec["client_id"], "cursor": cursor,
                    "limit": 1000}  # fmt: skip
            request = _post(host, "/sync/v1/pull", spec["token"], body)
        sent = due
        due += period
        error = None
        try:
            writer.write(request)
            status, answer = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError) as exc:
            error = f"{kind}: {type(exc).__name__}"
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
        else:
            if status != 200:
                error = f"{kind}: HTTP {status} {answer[:120]!r}"
            elif kind == "push":
                outcome = json.loads(answer)["results"][0]["outcome"]
                if outcome != "applied":
                    error = f"push: {outcome}"
                else:
                    out["acked"] += 1
            else:
                cursor = json.loads(answer)["cursor"]
        done = time.time()
        if start_at <= done <= end_at and error is None:
            out[kind].append(done - sent)
        if error is not None:
            out["errors"].append(error)
    writer.close()


def _worker(job: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"push": [], "pull": [], "errors": [], "acked": 0}
    out["cpu_seconds"] = run_clients(job, lambda host, port, c: _client(host, port, c, job, out))
    return out


# --- the run --------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def run_mixed(
    base: str,
    gateway_pid: int,
    clients: list[dict[str, Any]],
    *,
    seconds: float,
    rate: float,
    push_share: float = 0.5,
    procs: int = 2,
    sample_every: float = 5.0,
) -> dict[str, Any]:
    start_at = time.time() + CONNECT_SPREAD + WARM_UP + 1.0
    workers = []
    for share in (clients[i::procs] for i in range(procs)):
        job = {
            "base": base,
            "clients": share,
            "start_at": start_at,
            "seconds": seconds,
            "period": len(clients) / rate,
            "push_share": push_share,
        }
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
        workers.append(proc)

    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            now = time.time()
            if now >= start_at:
                samples.append((now - start_at, _rss_mb([gateway_pid, *_children(gateway_pid)])))
            stop.wait(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    results = []
    try:
        for proc in workers:
            assert proc.stdout is not None
            results.append(json.loads(proc.stdout.read()))
            proc.wait(timeout=seconds + 120)
    finally:
        stop.set()
        sampler.join(10)
    samples.append((time.time() - start_at, _rss_mb([gateway_pid, *_children(gateway_pid)])))
    window = [s for s in samples if s[0] <= seconds + 1]
    pushes = [x for r in results for x in r["push"]]
    pulls = [x for r in results for x in r["pull"]]
    errors = [e for r in results for e in r["errors"]]
    mid = window[len(window) // 2] if window else (0.0, 0.0)
    return {
        "clients": len(clients),
        "seconds": seconds,
        "offered_per_s": rate,
        "push_share": push_share,
        "pushes": len(pushes),
        "pulls": len(pulls),
        "pushes_per_s": round(len(pushes) / seconds, 1),
        "pulls_per_s": round(len(pulls) / seconds, 1),
        "push_p50_ms": _pct(pushes, 0.50),
        "push_p90_ms": _pct(pushes, 0.90),
        "push_p99_ms": _pct(pushes, 0.99),
        "push_max_ms": _pct(pushes, 1.0),
        "pull_p50_ms": _pct(pulls, 0.50),
        "pull_p90_ms": _pct(pulls, 0.90),
        "pull_p99_ms": _pct(pulls, 0.99),
        "pull_max_ms": _pct(pulls, 1.0),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:10],
        "pushes_acked": sum(r["acked"] for r in results),
        "cpu_generator_per_s": round(sum(r["cpu_seconds"] for r in results) / seconds, 2),
        "gateway_rss_mb": {
            "first": round(window[0][1], 1) if window else None,
            "middle": round(mid[1], 1),
            "last": round(window[-1][1], 1) if window else None,
            "max": round(max(m for _, m in window), 1) if window else None,
            "slope_mb_per_min": None if _slope(window) is None else round(_slope(window) or 0, 2),
            "samples": [[round(t), round(m, 1)] for t, m in window],
        },
    }


def _notes_in_db(engine: Any) -> int:
    from sqlalchemy import text  # noqa: PLC0415

    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM interactions WHERE subject LIKE 'load %'")
            ).scalar_one()
        )


def main() -> int:  # noqa: PLR0915
    from sqlalchemy import select  # noqa: PLC0415

    from bench.sync_bench import PgSchema  # noqa: PLC0415
    from sync.server import admin, db, schema  # noqa: PLC0415

    parser = argparse.ArgumentParser(description="the gateway under a mixed push+pull load")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=200.0, help="offered requests/s, all clients")
    parser.add_argument("--push-share", type=float, default=0.5)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--rms", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gateway processes")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--sample", type=float, default=5.0, help="RSS sample period, seconds")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0 or args.rate <= 0:
        parser.error("--clients, --seconds and --rate must be positive")

    pg = PgSchema()
    engine = db.make_engine(pg.url)
    try:
        db.create_schema(engine)
        admin.seed(engine, customers=args.customers, rms=args.rms, seed=7)
        c = schema.customers.c
        with engine.connect() as conn:
            users = sorted({r[0] for r in conn.execute(select(c.owner_rm).distinct())})
            books = {
                u: [r[0] for r in conn.execute(select(c.id).where(c.owner_rm == u).limit(200))]
                for u in users
            }
        clients: list[dict[str, Any]] = []
        per_user = -(-args.clients // len(users))
        for user in users:
            for sim in issue_clients(engine, user, min(per_user, args.clients - len(clients)),
                                     f"mixed-{user}"):  # fmt: skip
                clients.append({"client_id": sim.client_id, "token": sim.token,
                                "cursor": sim.cursor, "user": user,
                                "customers": books[user]})  # fmt: skip
            if len(clients) >= args.clients:
                break
        before = _notes_in_db(engine)
        proc, base = start_gateway(pg.url, args.workers, pythonpath=str(ROOT))
        try:
            report = run_mixed(base, proc.pid, clients, seconds=args.seconds, rate=args.rate,
                               push_share=args.push_share, procs=args.procs,
                               sample_every=args.sample)  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        report["gateway_processes"] = args.workers
        report["notes_in_database"] = _notes_in_db(engine) - before
        report["database"] = "postgresql"
    finally:
        engine.dispose()
        pg.drop()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.json is not None:
        args.json.write_text(text + "\n")
    print(text)
    ok = report["errors"] == 0 and report["notes_in_database"] == report["pushes_acked"]
    return 0 if ok else 1


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    print(json.dumps(_worker(json.loads(sys.stdin.read()))))
elif __name__ == "__main__":
    sys.exit(main())
