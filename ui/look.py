"""The look: icons, the light and dark palettes, one style sheet for spacing and badges.

Icons are Lucide SVGs vendored in resources/icons/ui/ (ISC, LICENSE and README beside
them); `ICONS` names every one and what it stands for. Qt draws them through its SVG icon
engine, so they are sharp at any scale factor.

The theme follows the OS: dark when `QStyleHints.colorScheme()` says Dark, light
otherwise, and again whenever it changes (`follow_os`). It is a Fusion palette (the same
widgets on every platform, and the only style that honours a dark palette everywhere)
plus `STYLE`, which sets spacing, the churn badge (`QLabel#churnBadge[level=...]`: text
and colour, never colour alone), the status bar and empty states (`QLabel[role="empty"]`).
"""

from __future__ import annotations

# Qt SVG: the selected icons are drawn with its renderer, and the frozen bundle
# (installer/rm-desk.spec) then carries it for the SVG icon engine and image plugin too.
from PySide6 import QtSvg
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from ui import i18n

ICON_DIR = i18n.RESOURCES / "icons" / "ui"

# What each icon stands for -> its Lucide file (without .svg).
ICONS = {
    "book": "book-user",
    "today": "calendar-days",
    "tasks": "list-checks",
    "watchlist": "triangle-alert",
    "team": "users",
    "sync": "refresh-cw",
    "customer": "user",
    "note": "notebook-pen",
    "lock": "lock",
    "search": "search",
    "export": "download",
    "brief": "printer",
    "reveal": "eye",
    "language": "languages",
}

LIGHT = "light"
DARK = "dark"

# (window, base, alternate base, text, button, highlight, highlighted text, mid, link)
_COLOURS = {
    LIGHT: {
        "window": "#f5f6f8",
        "base": "#ffffff",
        "alt": "#f0f2f5",
        "text": "#1f2328",
        "button": "#eceff3",
        "highlight": "#2f6fbd",
        "highlighted_text": "#ffffff",
        "mid": "#c9ced6",
        "link": "#1f5fae",
        "placeholder": "#5c6470",
        "tooltip": "#ffffff",
    },
    DARK: {
        "window": "#202329",
        "base": "#181a1f",
        "alt": "#23262d",
        "text": "#e6e8eb",
        "button": "#2b2f36",
        "highlight": "#3d7fd0",
        "highlighted_text": "#ffffff",
        "mid": "#454b55",
        "link": "#8ab8f0",
        "placeholder": "#a2a9b4",
        "tooltip": "#2b2f36",
    },
}

# Churn badge: background, text (each pair ≥ 4.5:1, checked in tests/ui/test_ui_look.py);
# the badge also says the level in words, so colour is never the only signal.
BADGE = {
    "red": ("#b3261e", "#ffffff"),
    "amber": ("#f2a900", "#1f1300"),
    "green": ("#2e7d32", "#ffffff"),
    "none": ("#d5d9df", "#1f2328"),
}

STYLE = """
QLabel#demoCredentials { background: #fff4d6; color: #3d2c00; border: 1px solid #e0b84c;
    padding: 8px; border-radius: 4px; }
QLabel#loginMessage { color: %(error)s; }
QLabel#lockoutCountdown { color: %(error)s; font-weight: bold; }
QLabel#pageHeading { font-size: 16pt; font-weight: bold; padding: 4px 0 8px 0; }
QLabel#demoBanner { color: %(warning)s; font-weight: bold; padding: 0 8px; }
QListWidget#navigation { border: none; background: %(alt)s; padding: 8px 4px; outline: 0; }
QListWidget#navigation::item { padding: 0 8px; margin: 1px 0; border-radius: 6px; }
QListWidget#navigation::item:selected { background: %(highlight)s; color: #ffffff; }
QToolBar#mainToolbar { spacing: 6px; padding: 4px 8px; border: none; }
QStatusBar { border-top: 1px solid %(mid)s; }
QStatusBar QLabel { padding: 0 8px; }
QStatusBar::item { border: none; }
QLabel[role="empty"] { color: %(placeholder)s; font-size: 12pt; padding: 32px;
    qproperty-alignment: AlignCenter; }
QLabel#scoreValue { font-size: 13pt; font-weight: bold; padding: 8px 0; }
QLabel#churnBadge { padding: 8px 14px; border-radius: 12px; font-weight: bold; }
QLabel#churnBadge[level="red"] { background: %(red_bg)s; color: %(red_fg)s; }
QLabel#churnBadge[level="amber"] { background: %(amber_bg)s; color: %(amber_fg)s; }
QLabel#churnBadge[level="green"] { background: %(green_bg)s; color: %(green_fg)s; }
QLabel#churnBadge[level="none"] { background: %(none_bg)s; color: %(none_fg)s;
    font-weight: normal; }
"""

# Text in a table cell that carries a level (the book's churn column, overdue dates):
# ≥ 4.5:1 on the theme's base colour (tests/ui/test_ui_look.py).
LEVEL_TEXT = {
    LIGHT: {"red": "#b3261e", "amber": "#8a5a00", "green": "#2e7d32"},
    DARK: {"red": "#ff8a80", "amber": "#ffc766", "green": "#81c995"},
}

_state = {"theme": LIGHT, "following": ""}


ICON_STROKE = "#70819a"  # the vendored files' stroke (resources/icons/ui/README.md)
SELECTED_STROKE = "#ffffff"  # on the highlight colour of both themes
_SELECTED_SIZES = (16, 20, 24, 32, 40, 48, 64)  # up to 2x-3x of the 16-24 px in use


def icon(key: str) -> QIcon:
    """The icon for `key` (a key of `ICONS`): the SVG as it is, and white when selected
    (a navigation row on the highlight colour)."""
    path = ICON_DIR / f"{ICONS[key]}.svg"
    result = QIcon(str(path))
    white = QtSvg.QSvgRenderer(
        QByteArray(path.read_bytes().replace(ICON_STROKE.encode(), SELECTED_STROKE.encode()))
    )
    for size in _SELECTED_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        white.render(painter)
        painter.end()
        result.addPixmap(pixmap, QIcon.Mode.Selected)
    return result


def level_text(level: str) -> QColor:
    """The text colour of `level` (red, amber, green) in the current theme."""
    return QColor(LEVEL_TEXT[_state["theme"]][level])


def chart_colours() -> tuple[str, str]:
    """A chart's background and its axes' and labels' colour in the current theme: the
    palette's base and text (ui/charts.py)."""
    colours = _COLOURS[_state["theme"]]
    return colours["base"], colours["text"]


def current_theme() -> str:
    return _state["theme"]


def os_theme() -> str:
    """DARK when the OS colour scheme is dark (Qt 6.5+), LIGHT otherwise or unknown."""
    hints = QGuiApplication.styleHints()
    return DARK if hints.colorScheme() == Qt.ColorScheme.Dark else LIGHT


def palette(theme: str) -> QPalette:
    c = {k: QColor(v) for k, v in _COLOURS[theme].items()}
    pal = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Text, "text"),
        (role.Button, "button"),
        (role.ButtonText, "text"),
        (role.Highlight, "highlight"),
        (role.HighlightedText, "highlighted_text"),
        (role.Mid, "mid"),
        (role.Link, "link"),
        (role.PlaceholderText, "placeholder"),
        (role.ToolTipBase, "tooltip"),
        (role.ToolTipText, "text"),
        (role.BrightText, "highlighted_text"),
    ):
        pal.setColor(r, c[key])
    disabled = QColor(c["text"])
    disabled.setAlpha(110)
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return pal


def style_sheet(theme: str) -> str:
    values = dict(_COLOURS[theme])
    values["error"] = "#b3261e" if theme == LIGHT else "#ff8a80"
    values["warning"] = "#8a5a00" if theme == LIGHT else "#ffc766"
    for level, (bg, fg) in BADGE.items():
        values[f"{level}_bg"] = bg
        values[f"{level}_fg"] = fg
    return STYLE % values


def apply(app: QApplication, theme: str) -> None:
    """Fusion with the palette and style sheet of `theme` (LIGHT or DARK)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    _state["theme"] = theme
    app.setPalette(palette(theme))
    app.setStyleSheet(style_sheet(theme))


def follow_os(app: QApplication) -> None:
    """Apply the OS's scheme now and whenever it changes."""
    apply(app, os_theme())
    if not _state["following"]:  # once per process, however often the app is set up
        _state["following"] = "yes"
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app, os_theme()))


def set_badge(label: QLabel, level: str) -> None:
    """Make `label` a churn badge of `level` (red, amber, green or none)."""
    label.setObjectName("churnBadge")
    label.setProperty("level", level)
    label.style().unpolish(label)
    label.style().polish(label)
