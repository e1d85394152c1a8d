"""Dates and times as the window shows them (issue #17 item 4).

One helper per kind of value in `ui.words`: a day (`day`), a date and a time
(`moment`) and an instant relative to now (`ago`), each with a four-digit year or an
unambiguous form in English and Chinese. The relative words are checked across their
boundaries against an injected "now" (never the wall clock); then the window: the
status bar's and the Sync page's last sync follow the session's clock (re-rendered as
the minute timer does), with the exact moment in the tooltip, and no ISO or two-digit-
year text is left on the pages walked (status bar, Sync page, a customer's contact
history) in either language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget
from pytestqt.qtbot import QtBot

from local_store import syncstate
from rm_desk.domain.model import Role
from rm_desk.services import team as team_service
from rm_desk.services.session import Session
from tests.conftest import MakeSession
from ui import i18n, words
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.taskman import TaskManager
from ui.views.team import TeamModel

# A Friday afternoon in the user's own time zone (whatever the machine's is), so that
# "yesterday" and "a week ago" are the user's days.
NOW = datetime(2026, 11, 6, 14, 5).astimezone()
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T|\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
TWO_DIGIT_YEAR = re.compile(
    r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2}(?![\d/])|(?<![\d/])\d{2}/\d{1,2}/\d{1,2}(?![\d/])"
)


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, qapp: object) -> Iterator[str]:
    i18n.install(request.param)
    yield request.param
    i18n.install("en")


def test_a_day_and_a_moment_have_four_digit_years(language: str) -> None:
    at = datetime(2026, 11, 6, 14, 5).astimezone()
    if language == "en":
        assert words.day(date(2026, 11, 6)) == "11/6/2026"
        assert words.moment(at) == "11/6/2026 2:05\u202fPM" or words.moment(at) == (
            "11/6/2026 2:05 PM"
        )
        assert words.day_pattern().count("y") == 4
    else:
        assert words.day(date(2026, 11, 6)) == "2026/11/6"
        assert words.moment(at) == "2026/11/6 14:05"
    assert words.moment_pattern() == f"{words.day_pattern()} {words.time_pattern()}"
    # A stored instant is shown on the user's day and clock, not UTC's.
    stored = at.astimezone(UTC).isoformat()
    assert words.moment_iso(stored) == words.moment(at)
    assert words.day_iso(stored) == words.day(date(2026, 11, 6))
    assert words.moment_iso(None) == words.day_iso("") == ""


ENGLISH = [
    (timedelta(0), "just now"),
    (timedelta(seconds=59), "just now"),
    (timedelta(seconds=60), "1 minute ago"),
    (timedelta(minutes=2), "2 minutes ago"),
    (timedelta(minutes=59, seconds=59), "59 minutes ago"),
    (timedelta(hours=1), "1 hour ago"),
    (timedelta(hours=2, minutes=30), "2 hours ago"),
    (timedelta(hours=14), "14 hours ago"),  # 00:05 today
]
CHINESE = [
    (timedelta(0), "刚刚"),
    (timedelta(seconds=59), "刚刚"),
    (timedelta(seconds=60), "1 分钟前"),
    (timedelta(minutes=59), "59 分钟前"),
    (timedelta(hours=1), "1 小时前"),
    (timedelta(hours=2), "2 小时前"),
    (timedelta(hours=14), "14 小时前"),
]


def test_relative_times_across_their_boundaries(language: str) -> None:
    for back, text in ENGLISH if language == "en" else CHINESE:
        assert words.ago(NOW - back, NOW) == text, back
    # 23 hours back is yesterday afternoon: the day and the clock say it.
    yesterday = NOW - timedelta(hours=23)
    clock = words.clock_time(yesterday)
    assert clock in ("3:05 PM", "3:05\u202fPM", "15:05")
    expected = f"yesterday {clock}" if language == "en" else f"昨天 {clock}"
    assert words.ago(yesterday, NOW) == expected
    # Within a week: the weekday (6 days before a Friday is a Saturday).
    six = words.ago(NOW - timedelta(days=6), NOW)
    assert six == ("Saturday " if language == "en" else "星期六 ") + words.clock_time(NOW)
    # Beyond a week, and in the future: the full date and time.
    eight = NOW - timedelta(days=8)
    assert words.ago(eight, NOW) == words.moment(eight)
    assert "2026" in words.ago(eight, NOW)
    ahead = NOW + timedelta(hours=3)
    assert words.ago(ahead, NOW) == words.moment(ahead)
    # A few seconds ahead (the clocks drift) is still "just now".
    assert words.ago(NOW + timedelta(seconds=30), NOW) == words.ago(NOW, NOW)


# --- the window ---------------------------------------------------------------------------


def _texts(root: QWidget) -> list[str]:
    """Every text a user sees on `root`'s visible widgets: labels, tooltips, and the
    display and tooltip data of the rows in visible item views."""
    seen: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        seen.append(widget.toolTip())
        if isinstance(widget, QLabel):
            seen.append(widget.text())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(min(model.rowCount(QModelIndex()), 100)):
                for col in range(model.columnCount(QModelIndex())):
                    index = model.index(row, col)
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = index.data(role)
                        if isinstance(value, str):
                            seen.append(value)
    return [t for t in seen if t]


def _bad(texts: list[str]) -> list[str]:
    return [t for t in texts if ISO.search(t) or TWO_DIGIT_YEAR.search(t)]


def test_the_window_shows_no_iso_or_two_digit_year_and_last_sync_follows_the_clock(
    qtbot: QtBot, make_session: MakeSession, language: str
) -> None:
    clock = [NOW.astimezone(UTC)]
    session: Session = make_session(customers=30, clock=lambda: clock[0])
    synced = NOW - timedelta(hours=2)
    with session.store.transaction() as conn:
        syncstate.save_snapshot_cursor(conn, "c1", synced)
    tasks = TaskManager()
    try:
        window = MainWindow(AppContext(session, tasks))
        window.sync.stop()
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.book.loaded, timeout=20_000):
            window.show()
        qtbot.waitUntil(lambda: bool(window.last_sync_label.text()), timeout=10_000)

        two_hours = "2 hours ago" if language == "en" else "2 小时前"
        assert window.last_sync_label.text().endswith(two_hours)
        assert window.last_sync_label.toolTip() == words.moment(synced)
        # The minute timer re-renders it from the session's clock.
        assert window.minute.isActive()
        assert window.minute.interval() == 60_000
        clock[0] += timedelta(hours=1)
        window.minute.timeout.emit()
        three_hours = "3 hours ago" if language == "en" else "3 小时前"
        assert window.last_sync_label.text().endswith(three_hours)

        page = window.sync_page
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            window.show_page(page)
        assert three_hours in page.status.text()
        assert words.moment(synced) in page.status.toolTip()
        clock[0] += timedelta(days=1)
        window.minute.timeout.emit()
        yesterday = "yesterday" if language == "en" else "昨天"
        assert yesterday in page.status.text()
        assert yesterday in window.last_sync_label.text()
        assert _bad(_texts(window.statusBar())) == []
        assert _bad(_texts(page)) == []

        with session.store.read() as conn:
            cif = str(
                conn.exec_driver_sql(
                    "SELECT customer_id FROM interactions GROUP BY customer_id "
                    "ORDER BY count(*) DESC, customer_id LIMIT 1"
                ).one()[0]
            )
        customer = window.customer
        with qtbot.waitSignal(customer.loaded, timeout=10_000):
            window.open_customer(cif)
        with qtbot.waitSignal(customer.history.loaded, timeout=10_000):
            customer.show_history()
        history = _texts(customer.history)
        assert history, "the contact history shows nothing"
        assert any(re.search(r"2026|2025", t) for t in history)
        assert _bad(history) == []
        assert _bad(_texts(customer)) == []
    finally:
        tasks.shutdown(wait=True)


def test_the_team_shows_each_rms_last_sync_relative_and_exact_in_the_tooltip(
    qtbot: QtBot, make_session: MakeSession, language: str
) -> None:
    manager = make_session("mgr01", role=Role.MANAGER, customers=30, rms=2)
    rows = team_service.team_summary(manager)
    synced = NOW - timedelta(hours=3)
    rows = [replace(rows[0], last_synced_at=synced.astimezone(UTC)), *rows[1:]]
    model = TeamModel()
    model.now = NOW
    model.set_rows(rows)
    column = model.columns.index("last_sync")
    row = model.row_of(rows[0].rm)
    cell = model.index(row, column)
    assert cell.data() == ("3 hours ago" if language == "en" else "3 小时前")
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == words.moment(synced)
    with qtbot.waitSignal(model.dataChanged):
        model.show_times(NOW + timedelta(hours=1))
    assert model.index(row, column).data() == ("4 hours ago" if language == "en" else "4 小时前")
