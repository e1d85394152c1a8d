"""Provision a local profile holding a generated demo book (demo mode, benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from local_store.bulk import LoadCounts, bulk_load
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
    """Fill the session's store with a generated bank's customers."""
    started = time.perf_counter()
    bank = generate_bank(customers, rms, seed=seed, as_of=as_of or session.clock().date())
    counts = bulk_load(session.store, bank.chunks(), progress)
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
