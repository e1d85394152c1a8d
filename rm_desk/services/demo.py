"""Provision a local profile holding a generated demo book (demo mode, benchmarks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from local_store.bulk import LoadCounts, bulk_load
from local_store.profiles import ProfileRegistry
from rm_desk.demo import generate_bank
from rm_desk.domain.model import Role
from rm_desk.services import session as sessions
from rm_desk.services.session import Session

LOCAL_DEMO_SERVER = "local-demo"


@dataclass(frozen=True, slots=True)
class DemoLoad:
    customers: int
    rows: int
    seconds: float


def load_demo_book(
    session: Session,
    *,
    customers: int,
    rms: int = 1,
    seed: int = 7,
    as_of: date | None = None,
    progress: Callable[[LoadCounts], None] | None = None,
) -> DemoLoad:
    """Fill the session's store with a generated bank's customers, scored for churn
    with the active (shipped default) model, as a first sync would leave it."""
    from rm_desk.services import churn  # noqa: PLC0415  (churn -> notes -> demo chain)

    started = time.perf_counter()
    bank = generate_bank(customers, rms, seed=seed, as_of=as_of or session.clock().date())
    counts = bulk_load(session.store, bank.chunks(), progress)
    churn.rescore_all(session)
    return DemoLoad(counts.customers, counts.rows, time.perf_counter() - started)


def provision_local_demo(
    data_dir: Path, user: str, password: str, *, customers: int, rms: int = 1, seed: int = 7
) -> DemoLoad:
    reg = sessions.registry(data_dir)
    session = sessions.create_profile(
        reg, user, password, server=LOCAL_DEMO_SERVER, role=Role.RM, display_name=user
    )
    try:
        return load_demo_book(session, customers=customers, rms=rms, seed=seed)
    finally:
        session.lock()


# --- demo mode: an embedded gateway with a seeded bank ---------------------------------


class EmbeddedGateway:
    """The reference gateway on 127.0.0.1 (SQLite), in a background thread."""

    def __init__(self, db_path: Path) -> None:
        import uvicorn  # noqa: PLC0415

        from sync.server import db  # noqa: PLC0415
        from sync.server.app import create_app  # noqa: PLC0415

        self.engine = db.make_engine(f"sqlite:///{db_path}")
        db.create_schema(self.engine)
        config = uvicorn.Config(create_app(self.engine), host="127.0.0.1", port=0,
                                log_level="warning", lifespan="off", access_log=False)  # fmt: skip
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="demo-gateway", daemon=True)

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the demo gateway did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.engine.dispose()


@dataclass
class DemoEnvironment:
    session: Session
    gateway: EmbeddedGateway
    url: str
    user: str
    password: str
    data_dir: Path
    registry: ProfileRegistry

    def close(self) -> None:
        if self.session.store.is_open:
            self.session.lock()
        self.gateway.stop()


def start_demo(
    base_dir: Path, *, customers: int = 5000, rms: int = 10, seed: int = 7
) -> DemoEnvironment:
    """Seed a demo bank into an embedded gateway and provision the RM `rm001` from it."""
    from rm_desk.domain.policy import KeyringMode, Policy  # noqa: PLC0415
    from rm_desk.services import sync as sync_service  # noqa: PLC0415
    from sync.server import admin  # noqa: PLC0415

    base_dir.mkdir(parents=True, exist_ok=True)
    gateway = EmbeddedGateway(base_dir / "central.db")
    admin.seed(gateway.engine, customers=customers, rms=rms, seed=seed, as_of=date.today())
    url = gateway.start()
    password = generate_bank(1000, rms, seed=seed, as_of=date.today()).user_passwords()["rm001"]
    reg = ProfileRegistry(base_dir / "client", policy=Policy(keyring=KeyringMode.OFF))
    added = sync_service.add_profile(reg, "rm001", password, url)
    return DemoEnvironment(added.session, gateway, url, "rm001", password, base_dir / "client", reg)


def add_demo_profile(env: DemoEnvironment, user: str) -> Session:
    """Provision another seeded employee (a manager, a teller) on this computer."""
    from rm_desk.services import sync as sync_service  # noqa: PLC0415

    password = demo_password(user)
    return sync_service.add_profile(env.registry, user, password, env.url).session


def demo_password(user: str) -> str:
    """The seeded bank's password for one of its employees (demo only)."""
    return f"demo-{user}"
