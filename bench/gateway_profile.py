"""Where a caught-up delta pull's time goes, layer by layer, without HTTP noise.

    python bench/gateway_profile.py [--pulls 3000]

Seeds a small bank in a throwaway PostgreSQL schema and times, in this process:

* `credentials` — the joined token/user/device statement alone (auth.authenticate);
* `pull_answer` — the whole pull (that statement plus cursor state, JSON built);
* `asgi` — the FastAPI app called as ASGI in-process (routing, body parsing and
  validation, the thread-pool hop, the response), still without sockets.

The HTTP server (uvicorn) and the network are what bench/gateway_load.py adds on
top. CPU is process CPU time per pull; wall is elapsed time per sequential pull.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gateway_load import SimulatedClient, issue_clients
from bench.sync_bench import PgSchema
from sync import protocol
from sync.server import admin, auth, db, replication
from sync.server.app import create_app


def _clock() -> datetime:
    return datetime.now(UTC)


def _pull(engine: Any, header: str, request: protocol.PullRequest) -> object:
    if hasattr(replication, "pull_answer"):
        return replication.pull_answer(engine, header, request, _clock, lambda _v: None)
    # A tree from before the one-statement path (to profile it the same way).
    return replication.pull(engine, auth.authenticate(engine, header, _clock), request)


def _per_call(fn: Callable[[], Any], count: int) -> dict[str, float]:
    for _ in range(min(200, count)):
        fn()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        fn()
    return {
        "cpu_ms": round(1000 * (time.process_time() - cpu) / count, 3),
        "wall_ms": round(1000 * (time.perf_counter() - wall) / count, 3),
    }


def _asgi_pull(app: Any, client: SimulatedClient) -> Callable[[], None]:
    body = json.dumps(
        {"schema_version": 1, "client_id": client.client_id, "cursor": client.cursor}
    ).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/sync/v1/pull", "raw_path": b"/sync/v1/pull",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
        "headers": [(b"host", b"gateway"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {client.token}".encode()),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    loop = asyncio.new_event_loop()

    async def one() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(dict(scope), receive, send)
        if status != [200]:
            raise RuntimeError(f"pull answered {status}")

    return lambda: loop.run_until_complete(one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=3000)
    args = parser.parse_args()
    pg = PgSchema()
    engine = db.make_engine(pg.url)
    try:
        db.create_schema(engine)
        admin.seed(engine, customers=300, rms=1, seed=7)
        client = issue_clients(engine, "rm001", 1, "profile")[0]
        header = f"Bearer {client.token}"
        request = protocol.PullRequest(
            schema_version=1, client_id=client.client_id, cursor=client.cursor
        )
        report = {
            "credentials": _per_call(lambda: auth.authenticate(engine, header, _clock), args.pulls),
            "pull_answer": _per_call(lambda: _pull(engine, header, request), args.pulls),
            "asgi": _per_call(_asgi_pull(create_app(engine), client), args.pulls),
        }
    finally:
        engine.dispose()
        pg.drop()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
