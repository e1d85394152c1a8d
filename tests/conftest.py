"""Shared fixtures: real encrypted stores in temp dirs, an in-memory OS keyring.

The OS credential store is the one boundary faked here (a unit test must not write
into the developer's real keyring); everything else is the real thing.
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_store.profiles import ProfileRegistry
from local_store.store import LocalStore
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services.demo import LOCAL_DEMO_SERVER, load_demo_book
from rm_desk.services.session import Session
from tests import pg


class MemoryKeyring:
    """A secure-looking keyring backend held in a dict (module is not insecure)."""

    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


PASSWORD = "correct horse 42"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

MakeSession = Callable[..., Session]


@pytest.fixture
def make_session(tmp_path: Path) -> Iterator[MakeSession]:
    """Build an unlocked profile with `customers` generated customers (locked at the end);
    all of a test's profiles in one registry under tmp_path/data, the keyring off."""
    opened: list[Session] = []

    def make(
        user: str = "rm001",
        *,
        role: Role = Role.RM,
        customers: int = 120,
        rms: int = 1,
        clock: Callable[[], datetime] = lambda: NOW,
    ) -> Session:
        reg = ProfileRegistry(tmp_path / "data", policy=Policy(keyring=KeyringMode.OFF))
        session = sessions.create_profile(
            reg, user, PASSWORD, server=LOCAL_DEMO_SERVER, role=role, display_name=user,
            clock=clock,
        )  # fmt: skip
        if customers:
            load_demo_book(session, customers=customers, rms=rms, as_of=clock().date())
        opened.append(session)
        return session

    yield make
    for s in opened:
        if s.store.is_open:
            s.lock()


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def data_key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def store(tmp_path: Path, data_key: bytes) -> Iterator[LocalStore]:
    opened = LocalStore.open(tmp_path / "store.db", data_key)
    yield opened
    opened.close()


@pytest.fixture
def fixed_now() -> datetime:
    return datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the real per-user data dir and machine policy."""
    base = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("RM_DESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("RM_DESK_POLICY", str(base / "no-policy.json"))
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("QT_QPA_PLATFORM", "offscreen"))


@pytest.fixture(scope="session")
def qapp(qapp: Any) -> Any:
    """pytest-qt's application, with garbage collection on the GUI thread as the app
    has it (ui/collector.py): without it a collection set off by a worker thread
    destroys an earlier test's widgets there, and Qt warns or crashes."""
    from ui.collector import collect_on_gui_thread  # noqa: PLC0415

    collect_on_gui_thread(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _collect_cycles_between_tests() -> Iterator[None]:
    """Once the collector owns collection, cycles are freed here between tests too (on
    the main thread): a test that never runs the event loop would otherwise keep them."""
    yield
    collector = sys.modules.get("ui.collector")
    if collector is not None and (installed := collector.installed()) is not None:
        installed.collect_due()
        if gc.isenabled():  # a test switched it back on: later ones would run unguarded
            gc.disable()
            pytest.fail("the test left Python's automatic garbage collection on")


# --- markers for `dev.py test --fast` ---------------------------------------------------
# `postgres`: every test that reaches the PostgreSQL server. A test (or a fixture it uses)
# parametrised with the value "postgres" is marked here, as is one that uses a fixture
# below; tests/pg.py refuses a throwaway schema to a test not marked, so a new PostgreSQL
# test cannot slip into the fast lane unmarked.
PG_FIXTURES = frozenset({"admin_engine_pg", "pg_engine"})

# `slow`: the files and tests listed in tests/slow.txt (measured durations).
SLOW = tuple(
    line.strip()
    for line in (Path(__file__).with_name("slow.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def _is_slow(nodeid: str) -> bool:
    return any(nodeid == key or nodeid.startswith((f"{key}[", f"{key}::")) for key in SLOW)


def _uses_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "postgres" in callspec.params.values():
        return True
    return bool(PG_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if _is_slow(item.nodeid):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("postgres") is not None:
            pg.MARKED.add(item.nodeid)


def _name_the_thread_of_qt_warnings() -> None:
    """A Qt warning raised off the GUI thread ("Timers cannot be started from another
    thread") says nothing of who raised it: the captured message gets the thread's name
    and its Python stack, so the failure names the code that touched a widget there."""
    try:
        from pytestqt.logging import _QtMessageCapture  # noqa: PLC0415
    except ImportError:  # pytest-qt is not installed: no Qt tests either
        return
    handle: Callable[..., None] = _QtMessageCapture._handle_with_context

    def with_thread(self: object, msg_type: object, context: object, message: str) -> None:
        thread = threading.current_thread()
        if thread is not threading.main_thread():
            stack = "".join(traceback.format_stack(limit=14)[:-1]) or "(no Python frames)\n"
            message = f"{message} [thread {thread.name}]\n{stack}"
        handle(self, msg_type, context, message)

    _QtMessageCapture._handle_with_context = with_thread  # type: ignore[method-assign]


_name_the_thread_of_qt_warnings()
