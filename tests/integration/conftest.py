"""Integration fixtures: the real gateway on a loopback port, on SQLite and PostgreSQL,
and real client profiles with encrypted stores syncing against it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest
import uvicorn
from sqlalchemy import Engine

from sync.server import admin, db
from sync.server.app import create_app
from tests.pg import pg_schema_engine

AS_OF = date(2026, 11, 24)


@pytest.fixture(params=["sqlite", "postgres"])
def server_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
        db.create_schema(engine)
        yield engine
        engine.dispose()
    else:
        with pg_schema_engine() as engine:
            db.create_schema(engine)
            yield engine


@dataclass
class Gateway:
    url: str
    engine: Engine
    server: uvicorn.Server


def run_gateway(
    app: Callable[..., Any], lifespan: Literal["on", "off"] = "off"
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve `app` on a free loopback port; `lifespan="on"` runs its startup and
    shutdown (the periodic purge)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan=lifespan,
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def gateway(server_engine: Engine) -> Iterator[Gateway]:
    server, thread, url = run_gateway(create_app(server_engine))
    yield Gateway(url=url, engine=server_engine, server=server)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def bank(server_engine: Engine) -> dict[str, str]:
    """A small seeded bank; returns the demo passwords by user id."""
    from rm_desk.demo import generate_bank  # noqa: PLC0415

    admin.seed(server_engine, customers=60, rms=2, seed=5, as_of=AS_OF)
    return generate_bank(60, 2, seed=5, as_of=AS_OF).user_passwords()


ClientFactory = Callable[..., object]
