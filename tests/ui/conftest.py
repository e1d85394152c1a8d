"""Fixtures for the window: real widgets offscreen over a real encrypted store.

One QApplication for the whole run (pytest-qt's `qapp`), offscreen so the tests run
without a display; Qt warnings fail the test (`qt_log_level_fail` in pyproject).
Each test gets a fresh profile holding a small generated book and its own
`TaskManager`, shut down (queued jobs finished) before the store is locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services.session import Registry, Session
from tests.conftest import PASSWORD, MakeSession

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.context import AppContext
    from ui.login import LoginWindow
    from ui.taskman import TaskManager
    from ui.views.profile import CustomerPage


@pytest.fixture
def session(make_session: MakeSession) -> Session:
    return make_session()


@pytest.fixture
def ctx(qapp: object, session: Session) -> Iterator[object]:
    from ui.context import AppContext  # noqa: PLC0415
    from ui.taskman import TaskManager  # noqa: PLC0415

    tasks = TaskManager()
    context = AppContext(session, tasks)
    yield context
    tasks.shutdown(wait=True)


@pytest.fixture(autouse=True, scope="session")
def english(qapp: object) -> None:
    """The interface in English as the app installs it: with its catalogue of plural
    forms ("1 customer", "2 customers"), not the bare source texts."""
    from ui import i18n  # noqa: PLC0415

    i18n.install("en")


@pytest.fixture
def chinese(qapp: object) -> Iterator[None]:
    """The interface in Chinese for the test, back in English after it."""
    from ui import i18n  # noqa: PLC0415

    i18n.install("zh_CN")
    yield
    i18n.install("en")


@pytest.fixture
def tasks(qapp: object) -> Iterator[object]:
    """A task manager of its own, for windows built without an AppContext."""
    from ui.taskman import TaskManager  # noqa: PLC0415

    t = TaskManager()
    yield t
    t.shutdown()


def open_profile(qtbot: QtBot, ctx: AppContext, cif: str) -> CustomerPage:
    """A customer page at a laptop's size, shown and loaded with `cif`."""
    from ui.views.profile import CustomerPage  # noqa: PLC0415

    page = CustomerPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_customer(cif)
    return page


def open_login(
    qtbot: QtBot, reg: Registry, tasks: TaskManager, user: str = "rm001", demo_hint: str = ""
) -> LoginWindow:
    """The sign-in window for `reg`, shown with `user` chosen, once it lists the profiles."""
    from ui.login import LoginWindow  # noqa: PLC0415

    window = LoginWindow(reg, tasks, preselect=user, demo_hint=demo_hint)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.profiles_shown, timeout=10_000):
        window.show()
    return window


def registry(tmp_path: Path) -> Registry:
    """The profiles under `tmp_path`, with the OS keyring off."""
    return sessions.registry(tmp_path / "data", Policy(keyring=KeyringMode.OFF))


def locked_profile(reg: Registry, user: str = "rm001") -> None:
    """Create `user`'s RM profile (PASSWORD) pointed at a closed port, and lock it."""
    sessions.create_profile(reg, user, PASSWORD, server="http://127.0.0.1:9", role=Role.RM).lock()


@contextmanager
def central_gateway(tmp_path: Path, customers: int) -> Iterator[tuple[str, dict[str, str]]]:
    """A real gateway on loopback over a central CRM seeded with `customers` customers and
    one RM: its address and the users' passwords; stopped on leaving."""
    from rm_desk.demo import generate_bank  # noqa: PLC0415
    from sync.server import admin, db  # noqa: PLC0415
    from sync.server.app import create_app  # noqa: PLC0415
    from tests.integration.conftest import AS_OF, run_gateway  # noqa: PLC0415

    engine = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    db.create_schema(engine)
    admin.seed(engine, customers=customers, rms=1, seed=5, as_of=AS_OF)
    server, thread, url = run_gateway(create_app(engine))
    try:
        yield url, generate_bank(customers, 1, seed=5, as_of=AS_OF).user_passwords()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
