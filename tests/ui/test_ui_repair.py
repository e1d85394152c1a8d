"""The sign-in screen says when a profile's data is damaged and offers Repair, which
runs off the GUI thread with progress and shows what was rescued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from local_store.store import in_use_mark
from rm_desk.domain.model import InteractionKind
from rm_desk.services import notes
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from tests import damage
from tests.conftest import PASSWORD
from tests.ui.conftest import central_gateway, locked_profile, open_login, registry
from ui.taskman import TaskManager


def test_a_damaged_profile_offers_repair_which_needs_the_server(
    qtbot: QtBot, tasks: TaskManager, tmp_path: Path
) -> None:
    reg = registry(tmp_path)
    locked_profile(reg)
    path = reg.database_path(reg.get("rm001"))
    damage.flip(path, 1)
    before = path.read_bytes()
    window = open_login(qtbot, reg, tasks)
    assert not window.repair_button.isVisible()
    window.password.setText(PASSWORD)
    window.unlock_button.click()
    qtbot.waitUntil(window.repair_button.isVisible, timeout=20_000)
    assert "damaged" in window.message.text()
    assert "Repair" in window.message.text()
    assert "not correct" not in window.message.text()

    with qtbot.waitSignal(window.repair_finished, timeout=30_000) as finished:
        window.repair_button.click()
        assert window.repair_progress.isVisible()  # the GUI thread is not blocked
    assert finished.args == [False]
    assert "cannot be reached" in window.message.text()
    assert window.repair_button.isVisible()  # offered again once the network is back
    assert path.read_bytes() == before


@pytest.fixture
def gateway_url(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with central_gateway(tmp_path, customers=30) as gateway:
        yield gateway


def test_repair_from_the_sign_in_screen_rescues_the_offline_note(
    qtbot: QtBot, tasks: TaskManager, tmp_path: Path, gateway_url: tuple[str, dict[str, str]]
) -> None:
    url, passwords = gateway_url
    reg = registry(tmp_path)
    added = sync_service.add_profile(reg, "rm001", passwords["rm001"], url).session
    with added.store.read() as conn:
        cif = str(conn.exec_driver_sql("SELECT id FROM customers LIMIT 1").scalar_one())
    note = notes.NoteInput(
        customer_id=cif,
        kind=InteractionKind.VISIT,
        occurred_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        subject="拜访",
        note="断电前记录的拜访",
    )
    interaction = notes.log_interaction(added, note)[0]
    added.lock()
    profile, key = reg.unlock("rm001", passwords["rm001"])
    path = reg.database_path(profile)
    damage.flip(path, damage.root_page(path, key, "interactions"))
    in_use_mark(path).write_text("4242\n")  # the power went: the store was not closed

    window = open_login(qtbot, reg, tasks)
    shown: list[str] = []
    window.checking.connect(
        lambda: shown.append(window.message.text()), Qt.ConnectionType.QueuedConnection
    )
    window.password.setText(passwords["rm001"])
    window.unlock_button.click()
    qtbot.waitUntil(window.repair_button.isVisible, timeout=20_000)
    assert shown  # told while the pages were checked
    assert "did not close properly" in shown[0]
    assert "is damaged" in window.message.text()
    phases: list[str] = []
    window._repair_progress.connect(lambda phase, _d, _r: phases.append(phase))
    with qtbot.waitSignal(window.repair_finished, timeout=120_000) as finished:
        window.repair_button.click()
    assert finished.args == [True], window.message.text()
    assert "Rescued 1 unsynced change (0 were already on the central CRM, 1 sent now)" in (
        window.message.text()
    )
    assert "Nothing was lost." in window.message.text()
    assert {"salvage", "snapshot"} <= set(phases)
    assert window.continue_button.isVisible()
    with qtbot.waitSignal(window.unlocked, timeout=10_000) as unlocked:
        window.continue_button.click()
    session: Session = unlocked.args[0]
    try:
        assert [m for m in notes.timeline(session, cif) if m.id == interaction.id]
    finally:
        session.lock()
