"""Integration fixtures: the real gateway on a loopback port, on SQLite and PostgreSQL,
and real client profiles with encrypted stores syncing against it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
import requests
import uvicorn
from sqlalchemy import Engine, func, select

from local_store import outbox
from rm_desk.domain.model import InteractionKind
from rm_desk.services import notes
from rm_desk.services.notes import NoteInput
from rm_desk.services.session import Session
from sync import protocol
from sync.server import admin, db, schema
from sync.server.app import create_app
from tests.pg import pg_schema_engine

AS_OF = date(2026, 11, 24)

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def rm_desk_cli(tmp_path: Path, password: str) -> RunCli:
    """`run(*args, password=...)`: the installed `rm-desk` command with `args` and
    --password-stdin (given `password` unless told another), its data under tmp_path/cli
    and no machine policy; the finished process, its output as text."""
    env = {
        **os.environ,
        "RM_DESK_DATA_DIR": str(tmp_path / "cli"),
        "RM_DESK_POLICY": str(tmp_path / "none.json"),
    }

    def run(*args: str, password: str = password) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "rm-desk"), *args, "--password-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )

    return run


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


def login(gateway: Gateway, user: str, password: str, device: str) -> dict[str, Any]:
    """Log `user` in over HTTP; the login answer's JSON (the tokens)."""
    body = protocol.LoginRequest(
        schema_version=protocol.SCHEMA_VERSION, user=user, password=password, device_id=device
    ).model_dump(mode="json")
    answer = requests.post(gateway.url + "/auth/v1/login", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def server_count(engine: Engine, table: Any, *where: Any) -> int:
    """How many rows of a gateway table match every condition given."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def enqueue_plain_edit(session: Session, cif: str, fields: dict[str, Any], when: datetime) -> None:
    """What an older or altered client could send: `fields` as a plain customer update,
    queued straight into the outbox past the service's rules."""
    with session.store.transaction() as conn:
        outbox.enqueue(
            conn, "customer.update", "customer", cif, "update", fields, base_version=1,
            client_time=when,
        )  # fmt: skip


def note_on(session: Session, cif: str, text: str) -> str:
    """A call note about `cif` saying `text`, logged through the service; its id."""
    data = NoteInput(
        customer_id=cif,
        kind=InteractionKind.CALL,
        occurred_at=datetime(2026, 11, 24, 2, tzinfo=UTC),
        subject="回访",
        note=text,
    )
    return notes.log_interaction(session, data)[0].id


def run_gateway(
    app: Callable[..., Any],
    lifespan: Literal["on", "off"] = "off",
    tls: tuple[Path, Path] | None = None,
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve `app` on a free loopback port; `lifespan="on"` runs its startup and
    shutdown (the periodic purge); `tls` (certificate and key files) serves HTTPS."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan=lifespan,
        access_log=False,
        ssl_certfile=None if tls is None else str(tls[0]),
        ssl_keyfile=None if tls is None else str(tls[1]),
    )
    server = uvicorn.Server(config)
    name = "gateway" if tls is None else "tls-gateway"
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {name} did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    scheme = "http" if tls is None else "https"
    return server, thread, f"{scheme}://127.0.0.1:{port}"


def seed_small_bank(engine: Engine) -> dict[str, str]:
    """A smaller seeded bank than the shared fixture's, for tests that need few customers;
    the demo passwords by user id."""
    result = admin.seed(engine, customers=20, rms=2, seed=5, as_of=AS_OF)
    assert result.customers == 20
    with engine.connect() as conn:
        users = conn.execute(select(schema.users.c.user_id)).scalars().all()
    return {user: f"demo-{user}" for user in users}  # admin.seed's documented passwords


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
