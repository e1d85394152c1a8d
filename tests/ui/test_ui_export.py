"""The window's Export…: from the book page with a filter, the confirmation naming what
leaves, the file in the background with the filtered rows, masked for a teller, cancel
and a refused folder leaving nothing. Only the file dialog and the confirmation (the
user's answers) are replaced; the export itself runs for real."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local_store import audit
from rm_desk.domain.model import Role, Segment
from rm_desk.services.session import Session
from tests.conftest import MakeSession

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.main_window import MainWindow
    from ui.taskman import TaskManager


class Answers:
    """The user's answers to the file dialog and the confirmation, and what they saw."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: Path, *, confirm: bool) -> None:
        from PySide6.QtWidgets import QFileDialog  # noqa: PLC0415

        from ui.views import export as export_view  # noqa: PLC0415

        self.asked: list[str] = []

        def save_name(*_args: Any, **_kw: Any) -> tuple[str, str]:
            return str(path), ""

        def answer(_parent: object, _title: str, text: str) -> bool:
            self.asked.append(text)
            return confirm

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
        monkeypatch.setattr(export_view, "confirm", answer)


def window_for(qtbot: QtBot, session: Session, tasks: TaskManager) -> MainWindow:
    from ui.context import AppContext  # noqa: PLC0415
    from ui.main_window import MainWindow  # noqa: PLC0415

    window = MainWindow(AppContext(session, tasks))
    window.sync.stop()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.book.loaded, timeout=20_000):
        window.show()
    return window


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def exports_of(session: Session) -> list[audit.AuditEntry]:
    with session.store.read() as conn:
        return [e for e in audit.entries(conn, limit=100_000) if e.action == "export"]


def affluent_customers(session: Session) -> set[str]:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql("SELECT id FROM customers WHERE segment = 'affluent'")
        return {r[0] for r in rows}


def filter_affluent(qtbot: QtBot, window: MainWindow) -> int:
    page = window.book
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.segment.setCurrentIndex(page.segment.findData(Segment.AFFLUENT.value))
    return page.model.rowCount()


def test_export_the_filtered_book_from_its_page(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    session = make_session(customers=80)
    window = window_for(qtbot, session, tasks)
    shown = filter_affluent(qtbot, window)
    assert 0 < shown < 80
    out = tmp_path / "affluent.csv"
    answers = Answers(monkeypatch, out, confirm=True)
    action = window.book.export
    assert action.button.isVisible()
    with qtbot.waitSignal(action.exported, timeout=30_000) as done:
        action.button.click()
    assert done.args == [str(out)]
    [text] = answers.asked
    assert "My book" in text
    assert f"Rows: {shown}" in text
    assert "in full, not masked" in text
    assert "CSV" in text
    assert str(out) in text
    assert "not encrypted" in text
    rows = read_csv(out)
    assert rows[0][:3] == ["CIF", "Name", "Segment"]
    assert {r[0] for r in rows[1:]} == affluent_customers(session)
    assert {r[2] for r in rows[1:]} == {"Affluent"}
    assert str(out) in window.statusBar().currentMessage()
    [entry] = exports_of(session)
    assert entry.detail["filters"]["segments"] == ["affluent"]
    assert entry.detail["rows"] == shown


def test_a_teller_confirms_a_masked_xlsx_and_declining_writes_nothing(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    teller = make_session("t01", role=Role.TELLER, customers=40)
    window = window_for(qtbot, teller, tasks)
    action = window.book.export
    declined = Answers(monkeypatch, tmp_path / "no.xlsx", confirm=False)
    action.button.click()
    qtbot.waitUntil(lambda: bool(declined.asked), timeout=10_000)
    assert "masked" in declined.asked[0]
    assert "not masked" not in declined.asked[0]
    assert "Excel" in declined.asked[0]
    qtbot.wait(200)
    assert not (tmp_path / "no.xlsx").exists()
    assert exports_of(teller) == []

    Answers(monkeypatch, tmp_path / "book", confirm=True)  # no type: the chosen filter's
    with qtbot.waitSignal(action.exported, timeout=30_000) as done:
        action.button.click()
    assert done.args == [str(tmp_path / "book.xlsx")]
    [entry] = exports_of(teller)
    assert (entry.detail["format"], entry.detail["masked"]) == ("xlsx", True)


def test_a_refused_folder_and_a_cancel_leave_no_file(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from rm_desk.services import export as export_service  # noqa: PLC0415

    session = make_session(customers=60)
    window = window_for(qtbot, session, tasks)
    action = window.book.export
    Answers(monkeypatch, tmp_path / "missing" / "a.csv", confirm=True)
    with qtbot.waitSignal(action.failed, timeout=30_000) as failed:
        action.button.click()
    assert "cannot be written" in failed.args[0]

    # Cancel: the progress dialog's Cancel is pressed once the first rows are written.
    monkeypatch.setattr(export_service, "PROGRESS_EVERY", 10)
    Answers(monkeypatch, tmp_path / "b.csv", confirm=True)
    real = export_service._CsvSheet.rows

    def rows_then_cancel(self: Any, rows: Any) -> None:  # on the export's thread
        real(self, rows)
        action.cancel()

    monkeypatch.setattr(export_service._CsvSheet, "rows", rows_then_cancel)
    with qtbot.waitSignal(action.cancelled, timeout=30_000):
        action.button.click()
    assert "cancelled" in window.statusBar().currentMessage()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert exports_of(session) == []
    assert action.button.isEnabled()


def test_tasks_watchlist_and_team_pages_export_what_they_show(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from rm_desk.services import tasks as task_service  # noqa: PLC0415

    manager = make_session("m01", role=Role.MANAGER, customers=120, rms=3)
    window = window_for(qtbot, manager, tasks)
    team = window.team
    assert team is not None
    pages = ((window.tasks, "tasks", "Tasks"), (window.watchlist, "watchlist", "Churn watchlist"),
             (team, "team", "Team"))  # fmt: skip
    for page, kind, name in pages:
        window.show_page(page)
        out = tmp_path / f"{kind}.csv"
        answers = Answers(monkeypatch, out, confirm=True)
        action = page.export
        assert action.button.isVisible(), kind
        with qtbot.waitSignal(action.exported, timeout=30_000):
            action.button.click()
        assert f"List: {name}" in answers.asked[0]
        assert "Personal fields: none in this list" in answers.asked[0]
    today = {t.id for t in task_service.tasks_view(manager, "today")}
    assert len(read_csv(tmp_path / "tasks.csv")) - 1 == len(today)
    assert read_csv(tmp_path / "team.csv")[0][0] == "Relationship manager"
    assert len(read_csv(tmp_path / "team.csv")) - 1 == 3
    flagged = read_csv(tmp_path / "watchlist.csv")
    assert {r[2] for r in flagged[1:]} <= {"Red", "Amber"}
    assert [e.entity_id for e in exports_of(manager)] == ["tasks", "watchlist", "team"]
    assert exports_of(manager)[0].detail["filters"] == {"view": "today"}


def test_a_teller_sees_no_team_page_but_exports_the_book(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager
) -> None:
    teller = make_session("t01", role=Role.TELLER, customers=10)
    window = window_for(qtbot, teller, tasks)
    assert window.team is None
    assert window.book.export.button.isVisible()
    assert window.book.export.button.text() == "Export…"
