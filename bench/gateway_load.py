"""The gateway under many concurrent clients doing delta pulls (SPEC §4).

The load generator must measure the gateway, not itself, on a machine whose two
cores it shares with the gateway and PostgreSQL. So:

* tokens are pre-issued in the database (one device per simulated client) instead of
  200 Argon2 logins, and every client starts caught up at the current sequence;
* each client is a coroutine holding one keep-alive HTTP/1.1 connection, writing a
  pre-built request and reading the answer with asyncio streams (no HTTP library:
  ~tens of microseconds of generator CPU per pull);
* worker processes warm up for two seconds, then start together at a shared
  wall-clock instant and count only pulls that *finish* inside the measured window,
  so pulls/s is `pulls / window`;
* CPU seconds of the generator, the gateway workers and the PostgreSQL backends
  serving gateways (by application_name) are read from /proc over the same window,
  so the report shows who used the cores.

Two load models are run:

* **closed** — every client sends its next pull as soon as the previous answer
  arrives (no think time). Throughput is the gateway's capacity; by Little's law
  mean latency is then `clients / throughput`, whatever the gateway does.
* **open** — every client pulls on a fixed period so that the clients together offer
  `rate` pulls/s (random phases). Latency is measured from the *scheduled* send time,
  so a late answer also delays (and is charged to) the next pull: no coordinated
  omission. This is the SPEC target's reading: 200 clients offering 500 pulls/s,
  p99 of the answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text, update

from rm_desk.domain import permissions
from sync.server import db, schema, security
from sync.server.replication import encode_cursor

_TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 2.0  # seconds of load before the measured window


@dataclass(frozen=True)
class SimulatedClient:
    client_id: str
    token: str
    cursor: str


def issue_clients(engine: Engine, user_id: str, count: int, tag: str) -> list[SimulatedClient]:
    """One device with a fresh access token per simulated client, all caught up."""
    now = db.now()
    clients = [SimulatedClient(f"load-{tag}-{n}", security.new_token(), "") for n in range(count)]
    with engine.begin() as conn:
        epoch = int(
            conn.execute(
                select(schema.users.c.scope_epoch).where(schema.users.c.user_id == user_id)
            ).scalar_one()
        )
        cursor = encode_cursor(db.current_seq(conn), epoch)
        conn.execute(
            insert(schema.devices),
            [
                {"device_id": c.client_id, "user_id": user_id, "name": "load test",
                 "created_at": now, "last_seen": now}
                for c in clients
            ],
        )  # fmt: skip
        conn.execute(
            insert(schema.tokens),
            [
                {"token_hash": security.token_hash(c.token), "kind": "access",
                 "user_id": user_id, "device_id": c.client_id,
                 "expires_at": now + timedelta(hours=2), "revoked": False}
                for c in clients
            ],
        )  # fmt: skip
    return [SimulatedClient(c.client_id, c.token, cursor) for c in clients]


class ChangeTrickle:
    """Server-side edits to the user's customers at a steady rate, as a core-banking
    feed would make them: each bumps a customer's version and logs an upsert for its
    scopes, so the caught-up clients' next pulls carry it."""

    def __init__(self, engine: Engine, user_id: str, per_second: float) -> None:
        self.engine, self.per_second = engine, per_second
        c = schema.customers.c
        with engine.connect() as conn:
            self.customers = list(
                conn.execute(select(c.id, c.owner_rm, c.branch).where(c.owner_rm == user_id))
            )
        self.stop = threading.Event()
        self.written = 0
        self.thread = threading.Thread(target=self._run, name="change-trickle", daemon=True)

    def __enter__(self) -> ChangeTrickle:
        if self.per_second > 0:
            self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)

    def _run(self) -> None:
        c = schema.customers
        pick = random.Random(11)
        due = time.monotonic()
        while not self.stop.is_set():
            customer = pick.choice(self.customers)
            with self.engine.begin() as conn:
                seq = db.ChangeWriter(conn).log(
                    permissions.customer_scopes(customer.owner_rm, customer.branch),
                    "customer", customer.id, "upsert",
                )  # fmt: skip
                conn.execute(
                    update(c).where(c.c.id == customer.id)
                    .values(version=c.c.version + 1, seq=seq)
                )  # fmt: skip
            self.written += 1
            due += 1.0 / self.per_second
            self.stop.wait(max(0.0, due - time.monotonic()))


# --- CPU accounting from /proc --------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(stat[1]) == pid:
            found.append(int(entry.name))
    return found


def _postgres_pids(engine: Engine | None) -> list[int]:
    """The PostgreSQL backends serving gateways (application_name) on this database;
    without an engine, every postgres process on the machine."""
    if engine is not None:
        with engine.connect() as conn:
            return [
                int(pid)
                for pid in conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": db.APPLICATION_NAME},
                ).scalars()
            ]
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


def _cpu_of(pids: list[int]) -> dict[int, float]:
    return {pid: _proc_cpu(pid) for pid in pids}


def _pg_counters(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched"
                " FROM pg_stat_database WHERE datname = current_database()"
            )
        ).one()
    return int(row[0]), int(row[1])


# --- the run --------------------------------------------------------------------------


def run_load(
    base: str,
    gateway_pid: int,
    clients: list[SimulatedClient],
    *,
    seconds: float,
    mode: str,
    rate: float = 0.0,
    procs: int = 2,
    engine: Engine | None = None,
    changes_per_s: float = 0.0,
    user_id: str = "rm001",
) -> dict[str, Any]:
    """Drive the gateway at `base` with these clients for `seconds`; figures by name.

    With `changes_per_s` (and `engine`), `user_id`'s customers change at that rate
    meanwhile, so pulls carry real deltas instead of only "nothing new"."""
    # Every worker process is up and connected by then; the warm-up before it fills the
    # gateway's connection pools and PostgreSQL's plan caches.
    start_at = time.time() + WARM_UP + 2.0 + 0.02 * len(clients)
    shares = [clients[i::procs] for i in range(procs)]
    workers = []
    for share in shares:
        job = {
            "base": base,
            "clients": [[c.client_id, c.token, c.cursor] for c in share],
            "start_at": start_at,
            "seconds": seconds,
            "mode": mode,
            "period": len(clients) / rate if mode == "open" else 0.0,
        }
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
        workers.append(proc)
    trickle = ChangeTrickle(engine, user_id, changes_per_s) if engine is not None else None
    if trickle is not None:
        trickle.__enter__()
    time.sleep(max(0.0, start_at - time.time()))
    written_before = trickle.written if trickle is not None else 0
    gateway_pids = [gateway_pid, *_children(gateway_pid)]
    pg_pids = _postgres_pids(engine)
    gw_before, pg_before = _cpu_of(gateway_pids), _cpu_of(pg_pids)
    pg_stats_before = _pg_counters(engine) if engine is not None else None
    wall_before = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - wall_before
    gw_after, pg_after = _cpu_of(gateway_pids), _cpu_of(_postgres_pids(engine))
    pg_stats_after = _pg_counters(engine) if engine is not None else None
    written = trickle.written - written_before if trickle is not None else 0
    if trickle is not None:
        trickle.__exit__()
    latencies: list[float] = []
    with_news = 0
    errors = 0
    generator_cpu = 0.0
    for proc in workers:
        assert proc.stdout is not None
        data = json.loads(proc.stdout.read())
        proc.wait(timeout=seconds + 120)
        latencies.extend(data["latencies"])
        errors += data["errors"]
        with_news += data["with_news"]
        generator_cpu += data["cpu_seconds"]
    latencies.sort()
    total = len(latencies)
    gateway_cpu = sum(gw_after[p] - gw_before.get(p, 0.0) for p in gw_after)
    pg_cpu = sum(pg_after[p] - pg_before.get(p, 0.0) for p in pg_after)

    def pct(q: float) -> float | None:
        return round(latencies[min(total - 1, int(q * total))] * 1000, 1) if total else None

    out: dict[str, Any] = {
        "mode": mode,
        "clients": len(clients),
        "generator_processes": procs,
        "seconds": round(wall, 2),
        "pulls": total,
        "errors": errors,
        "pulls_per_s": round(total / seconds),
        "changes_per_s": round(written / wall, 1),
        "pulls_with_changes": with_news,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1) if total else None,
        # CPU seconds per wall second (2.0 = both cores busy) over the window.
        "cpu_gateway": round(gateway_cpu / wall, 2),
        "cpu_generator": round(generator_cpu / wall, 2),
        "cpu_postgres": round(pg_cpu / wall, 2),
        "cpu_gateway_processes": sorted(
            (round((gw_after[p] - gw_before.get(p, 0.0)) / wall, 2) for p in gw_after),
            reverse=True,
        ),
        "gateway_cpu_ms_per_pull": round(1000 * gateway_cpu / total, 3) if total else None,
        "postgres_cpu_ms_per_pull": round(1000 * pg_cpu / total, 3) if total else None,
        "generator_cpu_ms_per_pull": round(1000 * generator_cpu / total, 3) if total else None,
    }
    if mode == "open":
        out["offered_per_s"] = rate
    if pg_stats_before is not None and pg_stats_after is not None and total:
        # Whole-database counters: other sessions on the same database add to them.
        out["pg_transactions_per_pull"] = round((pg_stats_after[0] - pg_stats_before[0]) / total, 2)
        out["pg_tuples_read_per_pull"] = round((pg_stats_after[1] - pg_stats_before[1]) / total, 2)
    return out


# --- the worker process ---------------------------------------------------------------


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


def _request(host: str, token: str, client_id: str, cursor: str) -> bytes:
    body = json.dumps(
        {"schema_version": 1, "client_id": client_id, "cursor": cursor, "limit": 1000},
        separators=(",", ":"),
    ).encode()
    head = (
        f"POST /sync/v1/pull HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _client(
    host: str,
    port: int,
    client: list[str],
    job: dict[str, Any],
    latencies: list[float],
    errors: list[int],
    news: list[int],
) -> None:
    client_id, token, cursor = client
    start_at, seconds, period = job["start_at"], job["seconds"], job["period"]
    end_at = start_at + seconds
    # Clients connect at random moments before the warm-up, as real ones do: connecting
    # all at once lets one uvicorn worker accept most of them in one go.
    await asyncio.sleep(random.random() * max(0.0, start_at - WARM_UP - time.time() - 0.5))
    reader, writer = await asyncio.open_connection(host, port)
    request = _request(host, token, client_id, cursor)
    await asyncio.sleep(max(0.0, start_at - WARM_UP - time.time()))
    due = time.time() + (random.random() * period if period else 0.0)
    while True:
        if period:
            await asyncio.sleep(max(0.0, due - time.time()))
            if due >= end_at:
                break
        sent = due if period else time.time()
        if sent >= end_at:
            break
        try:
            writer.write(request)
            status, body = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError):
            errors[0] += 1
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
            due += period
            continue
        done = time.time()
        if status == 200:
            answer = json.loads(body)
            if answer["cursor"] != cursor:  # something new arrived: pull on from there
                cursor = answer["cursor"]
                request = _request(host, token, client_id, cursor)
            if start_at <= done <= end_at:
                latencies.append(done - sent)
                news[0] += 1 if answer["changes"] else 0
        elif start_at <= done <= end_at:
            errors[0] += 1
        due += period
    writer.close()


def run_clients(job: dict[str, Any], client: Callable[[str, int, Any], Awaitable[None]]) -> float:
    """Run `client(host, port, spec)` for each of the job's clients on one event loop;
    the CPU seconds this process spent between the job's start and end instants."""
    host, port = job["base"].removeprefix("http://").rsplit(":", 1)
    usage: list[float] = []

    async def sample_cpu_at(instant: float) -> None:
        await asyncio.sleep(max(0.0, instant - time.time()))
        now = resource.getrusage(resource.RUSAGE_SELF)
        usage.append(now.ru_utime + now.ru_stime)

    async def main() -> None:
        await asyncio.gather(
            sample_cpu_at(job["start_at"]),
            sample_cpu_at(job["start_at"] + job["seconds"]),
            *(client(host, int(port), c) for c in job["clients"]),
        )

    asyncio.run(main())
    return usage[1] - usage[0]


def _worker(job: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors, news = [0], [0]
    cpu = run_clients(
        job, lambda host, port, c: _client(host, port, c, job, latencies, errors, news)
    )
    return {"latencies": latencies, "errors": errors[0], "with_news": news[0], "cpu_seconds": cpu}


# --- standalone: seed a throwaway PostgreSQL schema, start a gateway, drive it ---------


def start_gateway(
    url: str, workers: int, *, http: str = "auto", loop: str = "auto", pythonpath: str = ""
) -> tuple[subprocess.Popen[bytes], str]:
    """`uvicorn --factory` with `workers` processes on a free loopback port."""
    import socket  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "RM_DESK_CENTRAL_DB": url}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "sync.server.asgi:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--http", http, "--loop", loop, "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, cwd=pythonpath or None,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    time.sleep(1.0 if workers > 1 else 0.0)  # let every worker come up
                    return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gateway did not start")


def main() -> int:
    import argparse  # noqa: PLC0415

    from bench.sync_bench import PgSchema  # noqa: PLC0415
    from sync.server import admin  # noqa: PLC0415

    parser = argparse.ArgumentParser(description="the gateway under concurrent delta pulls")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", default="2", help="comma-separated, e.g. 2,3,4")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--rate", type=float, default=500.0, help="open-model offered pulls/s")
    parser.add_argument("--modes", default="closed,open")
    parser.add_argument("--changes", type=float, default=0.0, help="server-side changes/s")
    parser.add_argument("--http", default="auto")
    parser.add_argument("--loop", default="auto")
    parser.add_argument("--pythonpath", default="", help="run the gateway from this tree")
    args = parser.parse_args()
    pg = PgSchema()
    engine = db.make_engine(pg.url)
    report: dict[str, Any] = {"customers": args.customers}
    try:
        db.create_schema(engine)
        admin.seed(engine, customers=args.customers, rms=1, seed=7)
        for workers in [int(w) for w in args.workers.split(",")]:
            proc, base = start_gateway(pg.url, workers, http=args.http, loop=args.loop,
                                       pythonpath=args.pythonpath)  # fmt: skip
            try:
                for mode in args.modes.split(","):
                    clients = issue_clients(engine, "rm001", args.clients, f"{workers}{mode}")
                    name = f"workers{workers}.{mode}"
                    report[name] = run_load(
                        base, proc.pid, clients, seconds=args.seconds, mode=mode,
                        rate=args.rate, procs=args.procs, engine=engine,
                        changes_per_s=args.changes,
                    )  # fmt: skip
                    print(json.dumps({name: report[name]}), file=sys.stderr)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    finally:
        engine.dispose()
        pg.drop()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    print(json.dumps(_worker(json.loads(sys.stdin.read()))))
elif __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
