"""The look (#17 item 1): vendored icons on the navigation and main actions, the app's
identity (rm-desk), the light and dark themes following the OS, a readable churn badge."""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import patch

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLabel

from ui import look
from ui.app import APP_ID, application
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.taskman import TaskManager

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from rm_desk.services.session import Session

ROOT_SOURCES = ("ui/main_window.py", "ui/views/profile.py", "ui/views/brief.py",
                "ui/views/export.py")  # fmt: skip


def _luminance(colour: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)))
    return (lb + 0.05) / (la + 0.05)


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[None]:
    yield
    look.apply(qapp, look.LIGHT)


def test_the_icons_are_vendored_with_their_licence_and_every_one_is_used() -> None:
    licence = look.ICON_DIR / "LICENSE"
    assert licence.is_file()
    assert "Permission to use, copy, modify, and/or distribute" in licence.read_text()
    assert "Lucide" in (look.ICON_DIR / "README.md").read_text()
    on_disk = {p.stem for p in look.ICON_DIR.glob("*.svg")}
    assert on_disk == set(look.ICONS.values())  # nothing shipped unused, nothing missing
    for name in on_disk:
        assert QSvgRenderer(str(look.ICON_DIR / f"{name}.svg")).isValid(), name
    sources = "".join(
        (look.ICON_DIR.parent.parent.parent / path).read_text() for path in ROOT_SOURCES
    )
    navigation = {"book", "today", "tasks", "watchlist", "team", "sync", "customer"}
    for key in set(look.ICONS) - navigation:  # the nav's come from its page kinds
        assert f'look.icon("{key}")' in sources, key


def test_the_icon_colour_reads_on_both_windows() -> None:
    svg = (look.ICON_DIR / "lock.svg").read_text()
    stroke = QColor(svg.split('stroke="', 1)[1].split('"', 1)[0])
    for theme in (look.LIGHT, look.DARK):
        window = look.palette(theme).color(QPalette.ColorRole.Window)
        assert contrast(stroke, window) >= 3.0, theme  # WCAG non-text contrast


def test_the_application_is_called_rm_desk(qapp: QApplication, restore_theme: None) -> None:
    app = application()
    assert QGuiApplication.desktopFileName() == APP_ID == "rm-desk"
    assert app.applicationName() == "rm-desk"  # X11's WM_CLASS class, Wayland's app id
    assert app.applicationDisplayName() == "RM Desk"
    assert not app.windowIcon().isNull()
    assert (
        QGuiApplication.highDpiScaleFactorRoundingPolicy()
        == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )


@pytest.mark.parametrize(
    ("scheme", "dark"),
    [
        (Qt.ColorScheme.Dark, True),
        (Qt.ColorScheme.Light, False),
        (Qt.ColorScheme.Unknown, False),
    ],  # fmt: skip
)
def test_the_theme_follows_the_os_colour_scheme(
    qapp: QApplication, restore_theme: None, scheme: Qt.ColorScheme, dark: bool
) -> None:
    hints = type(QGuiApplication.styleHints())
    with patch.object(hints, "colorScheme", return_value=scheme):
        look.follow_os(qapp)
    window = qapp.palette().color(QPalette.ColorRole.Window)
    assert (window.lightness() < 100) is dark
    assert look.current_theme() == (look.DARK if dark else look.LIGHT)
    text = qapp.palette().color(QPalette.ColorRole.WindowText)
    assert contrast(text, window) >= 7


@pytest.mark.parametrize("theme", [look.LIGHT, look.DARK])
@pytest.mark.parametrize("level", ["red", "amber", "green", "none"])
def test_a_churn_badge_is_readable_in_both_themes(
    qtbot: QtBot, qapp: QApplication, restore_theme: None, theme: str, level: str
) -> None:
    look.apply(qapp, theme)
    badge = QLabel("At risk\nscore 82")
    qtbot.addWidget(badge)
    look.set_badge(badge, level)
    badge.ensurePolished()
    bg = badge.palette().color(QPalette.ColorRole.Window)
    fg = badge.palette().color(QPalette.ColorRole.WindowText)
    assert (bg.name(), fg.name()) == look.BADGE[level]  # the style sheet reached it
    assert contrast(fg, bg) >= 4.5


def test_every_navigation_item_and_main_action_has_an_icon(qtbot: QtBot, session: Session) -> None:
    tasks = TaskManager()
    try:
        window = MainWindow(AppContext(session, tasks))
        window.sync.stop()
        qtbot.addWidget(window)
        for row in range(window.nav.count()):
            assert not window.nav.item(row).icon().isNull(), window.nav.item(row).text()
        actions = (window.action_search, window.action_note, window.action_sync,
                   window.action_lock, window.action_lang)  # fmt: skip
        for action in actions:
            assert not action.icon().isNull(), action.text()
            assert not action.icon().pixmap(40, 40).isNull()  # the SVG engine draws it
        assert window.nav.objectName() == "navigation"
    finally:
        tasks.shutdown(wait=True)


@pytest.mark.parametrize("theme", [look.LIGHT, look.DARK])
def test_level_text_in_tables_reads_on_the_theme_base(
    qapp: QApplication, restore_theme: None, theme: str
) -> None:
    look.apply(qapp, theme)
    base = look.palette(theme).color(QPalette.ColorRole.Base)
    for level in ("red", "amber", "green"):
        assert contrast(look.level_text(level), base) >= 4.5, level


def test_a_selected_icon_is_drawn_white(qapp: QApplication) -> None:
    image = look.icon("lock").pixmap(40, 40, QIcon.Mode.Selected).toImage()
    strokes = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]
    assert strokes
    assert all(c.lightness() > 240 for c in strokes)
    normal = look.icon("lock").pixmap(40, 40).toImage()
    assert any(
        normal.pixelColor(x, y).alpha() > 200 and normal.pixelColor(x, y).lightness() < 180
        for x in range(normal.width())
        for y in range(normal.height())
    )
