"""One person's working session in the real window, run as its own process by
`test_canary_scan.py` so the test can kill it with SIGKILL half-way and start it again.

    python -m tests.security.canary_session first|second DATA URL USER PASSWORD CIF NOTE

`first`: sign in online for the first time (the add-profile use case the sign-in window
runs), lock, unlock in the sign-in window, sync, search the book, open the customer, reveal
the ID number, log a visit with a follow-up task, export the book, then leave a half-typed
note autosaving and start a sync, print KILL-ME and keep working until killed.
`second`: unlock again, sync (the note and task of the first run leave), lock from the
window, quit. Each step prints one line so the test can tell where a run stopped.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import book as book_service
from rm_desk.services import logs
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.export import ExportFormat
from ui.app import DeskController, application, route_qt_messages
from ui.main_window import MainWindow
from ui.views.note_editor import NoteEditor

STEP_TIMEOUT_S = 60.0


def step(name: str) -> None:
    print(f"STEP {name}", flush=True)


def wait_until(what: str, done: Callable[[], bool], timeout: float = STEP_TIMEOUT_S) -> None:
    """Run the event loop until `done()` holds; give up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.01)


def unlock(controller: DeskController, user: str, password: str) -> MainWindow:
    login = controller.show_login(user=user)
    wait_until("the profile list", lambda: login.selected_user() == user)
    login.password.setText(password)
    login.try_unlock()
    wait_until("the main window", lambda: controller.main is not None)
    assert controller.main is not None
    return controller.main


def sync(window: MainWindow) -> None:
    finished: list[object] = []
    window.sync.finished.connect(finished.append)
    window.sync.failed.connect(finished.append)
    window.sync_now()
    wait_until("the sync", lambda: bool(finished))
    if not hasattr(finished[0], "pulled"):
        raise SystemExit(f"sync failed: {finished[0]}")


def write_note(window: MainWindow, cif: str, text: str, *, save: bool) -> NoteEditor:
    editor = window.customer_note_editor(cif)
    wait_until("the note editor", editor.isVisible)
    editor.kind.setCurrentIndex(editor.kind.findData("visit"))
    editor.subject.setText(text)
    editor.note.setPlainText(f"{text} {text}")
    editor.outcome.setText(text)
    editor.next_step.setText(text)
    if save:
        editor.follow_up.setChecked(True)
        saved: list[object] = []
        editor.saved.connect(saved.append)
        editor.save_button.click()
        wait_until("the note to be saved", lambda: bool(saved))
    return editor


def export_book(window: MainWindow, target: Path) -> None:
    """Export the book as the Export… button does after the file dialog and the
    confirmation (the background job, its progress, the audit entry), to a folder the
    user chose: outside the data, temp and home folders the scan reads. An export is
    meant to hold personal data; what is checked is that it leaves nothing elsewhere."""
    target.parent.mkdir(parents=True, exist_ok=True)
    action = window.book.export
    done: list[object] = []
    action.exported.connect(done.append)
    action.failed.connect(done.append)
    action.run(action.request(), ExportFormat.CSV, target, 0)
    wait_until("the export", lambda: bool(done))
    if done[0] != str(target):
        raise SystemExit(f"export failed: {done[0]}")


def first(data: Path, url: str, user: str, password: str, cif: str, note: str) -> None:
    logs.log_to_file(data, logging.INFO)  # as `rm-desk` does, and more of it
    reg = sessions.registry(data, Policy(keyring=KeyringMode.OFF))
    sync_service.add_profile(reg, user, password, url).session.lock()
    step("signed-in")
    controller = DeskController(reg, language="zh_CN")
    window = unlock(controller, user, password)
    step("unlocked")
    sync(window)
    step("synced")
    window.focus_search()
    hits: list[list[str]] = []
    window.ctx.db(
        lambda s: [h.cif for h in book_service.search_customers(s, "jinsique")], hits.append
    )
    wait_until("the search", lambda: bool(hits))
    assert hits[0][:1] == [cif], hits
    window.open_customer(cif)
    wait_until("the customer page", lambda: window.current_customer() == cif)
    page = window.customer
    wait_until("the profile", lambda: page.customer_id == cif)
    revealed: list[str] = []
    page.revealed.connect(lambda _field, _value: revealed.append(_field))
    dialog = page.request_reveal("id_number")
    assert dialog is not None
    dialog.reason.setCurrentIndex(dialog.reason.findData("customer_request"))
    dialog.accept()
    wait_until("the reveal", lambda: bool(revealed))
    step("browsed")
    write_note(window, cif, note, save=True)
    step("noted")
    draft = write_note(window, cif, f"{note}-draft", save=False)
    draft.autosave.setInterval(50)
    draft.autosave.start()
    drafted: list[object] = []
    draft.draft_saved.connect(drafted.append)
    wait_until("the draft to be autosaved", lambda: bool(drafted))
    step("drafted")
    export_book(window, data.parent / "exported" / "book.csv")
    step("exported")
    window.sync_now()
    print("KILL-ME", flush=True)
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:  # keep working until the test kills the process
        QApplication.processEvents()
        time.sleep(0.01)
    raise SystemExit("was not killed")


def second(data: Path, user: str, password: str) -> None:
    logs.log_to_file(data, logging.INFO)
    reg = sessions.registry(data, Policy(keyring=KeyringMode.OFF))
    controller = DeskController(reg, language="zh_CN")
    window = unlock(controller, user, password)
    step("unlocked")
    sync(window)
    step("synced")
    window.lock()
    wait_until("the sign-in window", lambda: controller.main is None)
    controller.tasks.shutdown(wait=True)
    step("locked")
    controller.shutdown()


def main(argv: list[str]) -> None:
    phase, data, url, user, password, cif, note = argv
    route_qt_messages()
    app = application()
    if phase == "first":
        first(Path(data), url, user, password, cif, note)
    else:
        second(Path(data), user, password)
    app.quit()
    step("done")


if __name__ == "__main__":
    main(sys.argv[1:])
