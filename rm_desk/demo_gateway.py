"""Demo mode's central CRM: the reference gateway, embedded, holding a seeded bank.

Composed by the `rm-desk --demo` command (`rm_desk/cli.py`) and by tests; it lives
outside `rm_desk.services`, which never import the server (an import contract).
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import uvicorn

from local_store.profiles import ProfileRegistry
from rm_desk.demo import generate_bank
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import sync as sync_service
from rm_desk.services.demo import DemoEnvironment
from sync.server import admin, db
from sync.server.app import create_app


class EmbeddedGateway:
    """The reference gateway on 127.0.0.1 (SQLite), in a background thread."""

    def __init__(self, db_path: Path) -> None:
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


def start_demo(
    base_dir: Path, *, customers: int = 5000, rms: int = 10, seed: int = 7
) -> DemoEnvironment:
    """Seed a demo bank into an embedded gateway and provision the RM `rm001` from it."""
    base_dir.mkdir(parents=True, exist_ok=True)
    gateway = EmbeddedGateway(base_dir / "central.db")
    admin.seed(gateway.engine, customers=customers, rms=rms, seed=seed, as_of=date.today())
    url = gateway.start()
    password = generate_bank(1000, rms, seed=seed, as_of=date.today()).user_passwords()["rm001"]
    # The demo's gateway is the deployment's gateway: adding a second profile (the
    # manager mgr001, which the sign-in screen suggests) finds its address filled in, as
    # a bank's policy fills it, instead of asking for an address only the terminal shows.
    reg = ProfileRegistry(
        base_dir / "client", policy=Policy(keyring=KeyringMode.OFF, server_url=url)
    )
    added = sync_service.add_profile(reg, "rm001", password, url)
    return DemoEnvironment(added.session, gateway, url, "rm001", password, base_dir / "client", reg)
