"""Provision a local profile holding a generated demo book (demo mode, benchmarks), and
the demo mode's profiles provisioned from the embedded gateway."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from local_store.bulk import LoadCounts, bulk_load
from local_store.profiles import ProfileRegistry
from rm_desk.demo import generate_bank
from rm_desk.domain.model import Role
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from rm_desk.services.sync import LOCAL_DEMO_SERVER

__all__ = [
    "LOCAL_DEMO_SERVER",
    "DemoEnvironment",
    "DemoLoad",
    "Gateway",
    "add_demo_profile",
    "demo_password",
    "load_demo_book",
    "provision_local_demo",
]


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


# --- demo mode: a profile provisioned from an embedded gateway ---------------------------
# The gateway itself is composed outside the services (`rm_desk/demo_gateway.py`), which
# may not import the server.


class Gateway(Protocol):
    """What demo mode needs of the gateway it runs: stopping it."""

    def stop(self) -> None: ...


@dataclass
class DemoEnvironment:
    session: Session
    gateway: Gateway
    url: str
    user: str
    password: str
    data_dir: Path
    registry: ProfileRegistry

    def close(self) -> None:
        if self.session.store.is_open:
            self.session.lock()
        self.gateway.stop()


def add_demo_profile(env: DemoEnvironment, user: str) -> Session:
    """Provision another seeded employee (a manager, a teller) on this computer."""
    password = demo_password(user)
    return sync_service.add_profile(env.registry, user, password, env.url).session


def demo_password(user: str) -> str:
    """The seeded bank's password for one of its employees (demo only)."""
    return f"demo-{user}"
