"""Adding a profile from the sign-in screen against the real gateway: Cancel works while
the first sync runs and leaves no half-made profile; a gateway that cannot be reached is
said without claiming changes are kept (there are none yet). #17 item 8."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from local_store.profiles import ProfileRegistry
from rm_desk.domain.policy import KeyringMode, Policy
from tests.integration.conftest import Gateway
from ui.login import AddProfileDialog
from ui.taskman import TaskManager


@pytest.fixture
def tasks(qapp: object) -> Iterator[TaskManager]:
    t = TaskManager()
    yield t
    t.shutdown(wait=True)


def dialog_for(qtbot: QtBot, reg: ProfileRegistry, tasks: TaskManager) -> AddProfileDialog:
    dialog = AddProfileDialog(reg, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_cancel_while_signing_in_leaves_no_profile(
    qtbot: QtBot, gateway: Gateway, bank: dict[str, str], tmp_path: Path, tasks: TaskManager
) -> None:
    reg = ProfileRegistry(tmp_path / "data", policy=Policy(keyring=KeyringMode.OFF))
    dialog = dialog_for(qtbot, reg, tasks)
    added: list[object] = []
    dialog.added.connect(added.append)
    dialog.user.setText("rm001")
    dialog.password.setText(bank["rm001"])
    dialog.server.setText(gateway.url)
    dialog.submit()
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert cancel.isEnabled()  # it was disabled while signing in
    assert not ok.isEnabled()
    cancel.click()
    assert not dialog.isVisible()
    tasks.shutdown(wait=True)  # the sign-in and first sync end (stopped at a page)
    qtbot.wait(50)
    assert added == []
    assert reg.list() == []
    assert not list((tmp_path / "data").rglob("*.db"))


def test_an_unreachable_gateway_does_not_claim_changes_are_kept(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reg = ProfileRegistry(tmp_path / "data", policy=Policy(keyring=KeyringMode.OFF))
    dialog = dialog_for(qtbot, reg, tasks)
    dialog.user.setText("rm001")
    dialog.password.setText("whatever password 1")
    dialog.server.setText(f"http://127.0.0.1:{port}")
    dialog.submit()
    qtbot.waitUntil(lambda: "No profile was created" in dialog.message.text(), timeout=30_000)
    assert "kept" not in dialog.message.text()
    assert f"127.0.0.1:{port}" in dialog.message.text()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert reg.list() == []


def test_the_demo_fills_in_its_gateway_for_a_second_profile(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager
) -> None:
    """`rm-desk --demo` suggests adding mgr001: the address is the demo gateway's, filled
    in and fixed, as a bank's policy fills it (#17 item 8)."""
    from rm_desk import demo_gateway  # noqa: PLC0415

    env = demo_gateway.start_demo(tmp_path / "demo", customers=60, rms=2)
    try:
        assert env.registry.policy.server_url == env.url
        dialog = dialog_for(qtbot, env.registry, tasks)
        assert dialog.server.text() == env.url
        assert dialog.server.isReadOnly()
    finally:
        env.session.lock()
        env.close()
