"""The shortcut walk: every page of the main window (and the customer page) is visited;
each key sequence bound there must have one owner in each focus context (no
"Ambiguous shortcut overload") and must reach that owner when pressed (none dead).
Ctrl+N opens the note editor: for the customer shown or selected, else with the picker.

A shortcut is active where Qt's shortcut map would deliver it: a QAction through the
visible, enabled widgets it is added to (the window for the global ones), a QShortcut
through its visible, enabled parent. By context it is active with the focus anywhere in
the window (Window/Application), anywhere inside its widget (WidgetWithChildren) or on
its widget only (Widget); two owners of one key collide when those focus sets meet.
Pressing checks delivery with an event filter that records the QShortcutEvent and
consumes it, so no dialog opens and no page changes while walking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QShortcutEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Role
from rm_desk.services import book as book_service
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.taskman import TaskManager
from ui.views.note_editor import NoteEditor

_WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


@dataclass(frozen=True)
class Bound:
    """One key sequence of one owner (a QAction or a QShortcut) and where it is active."""

    keys: str  # QKeySequence.toString(PortableText), one sequence
    owner: QObject
    context: Qt.ShortcutContext
    widget: QWidget  # the window for window-wide owners, else the widget it belongs to

    def describe(self) -> str:
        kind = type(self.owner).__name__
        text = self.owner.text() if isinstance(self.owner, QAction) else ""
        return (
            f"{self.keys} {kind} {text!r} on {type(self.widget).__name__}"
            f" {self.widget.objectName()!r} ({self.context.name})"
        )


def _usable(widget: QWidget) -> bool:
    return widget.isVisible() and widget.isEnabled()


def _sequences(owner: QAction | QShortcut) -> list[str]:
    keys = owner.shortcuts() if isinstance(owner, QAction) else owner.keys()
    return [k.toString(QKeySequence.SequenceFormat.PortableText) for k in keys if not k.isEmpty()]


def active_shortcuts(window: QWidget) -> list[Bound]:
    """Every enabled shortcut of the window that Qt would deliver with some focus."""
    found: list[Bound] = []
    widgets = [window, *window.findChildren(QWidget)]
    actions: dict[int, QAction] = {}
    for w in widgets:
        if w.window() is not window:
            continue  # another top-level window (an open dialog): its own walk
        for action in w.actions():
            actions[id(action)] = action
    for action in window.findChildren(QAction):
        actions[id(action)] = action
    for action in actions.values():
        if not action.isEnabled():
            continue
        context = action.shortcutContext()
        for owner_widget in action.associatedObjects():
            if not isinstance(owner_widget, QWidget) or owner_widget.window() is not window:
                continue
            if not _usable(owner_widget):
                continue
            scope = window if context in _WINDOW_WIDE else owner_widget
            found += [Bound(k, action, context, scope) for k in _sequences(action)]
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if not shortcut.isEnabled() or not isinstance(parent, QWidget):
            continue
        if parent.window() is not window:
            continue
        if not _usable(parent):
            continue
        context = shortcut.context()
        scope = window if context in _WINDOW_WIDE else parent
        found += [Bound(k, shortcut, context, scope) for k in _sequences(shortcut)]
    # An action added to several visible widgets is one owner per scope.
    unique: dict[tuple[str, int, int], Bound] = {}
    for bound in found:
        unique.setdefault((bound.keys, id(bound.owner), id(bound.widget)), bound)
    return list(unique.values())


def _inside(widget: QWidget, ancestor: QWidget) -> bool:
    return widget is ancestor or ancestor.isAncestorOf(widget)


def collide(a: Bound, b: Bound) -> bool:
    """Is there a focus widget where Qt would find both owners for the same key?"""
    if a.keys != b.keys or a.owner is b.owner:
        return False
    if a.context in _WINDOW_WIDE or b.context in _WINDOW_WIDE:
        return True
    widget_only = Qt.ShortcutContext.WidgetShortcut
    if a.context == widget_only and b.context == widget_only:
        return a.widget is b.widget
    if a.context == widget_only:
        return _inside(a.widget, b.widget)
    if b.context == widget_only:
        return _inside(b.widget, a.widget)
    return _inside(a.widget, b.widget) or _inside(b.widget, a.widget)


def ambiguous(bound: list[Bound]) -> list[str]:
    return [
        f"{a.describe()}  <->  {b.describe()}"
        for i, a in enumerate(bound)
        for b in bound[i + 1 :]
        if collide(a, b)
    ]


class _Catcher(QObject):
    """Records the shortcut events Qt delivers to the owners and swallows them."""

    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[QObject, bool]] = []  # (owner, ambiguous)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut:
            assert isinstance(event, QShortcutEvent)
            self.got.append((watched, event.isAmbiguous()))
            return True
        return False


def _focus_target(bound: Bound) -> QWidget:
    """Where to put the focus for the owner's context: its widget, or a focusable
    widget inside it; for window-wide owners, the navigation list."""
    window = bound.widget.window()
    if bound.context in _WINDOW_WIDE:
        return _neutral_focus(window)
    if bound.widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
        return bound.widget
    for child in bound.widget.findChildren(QWidget):
        if child.focusPolicy() != Qt.FocusPolicy.NoFocus and _usable(child):
            return child
    return bound.widget


def _neutral_focus(window: QWidget) -> QWidget:
    """A widget of the window that takes no keys itself: the navigation list, or a
    dialog's first button (not a text field, which claims editing keys such as Ctrl+K)."""
    if isinstance(window, MainWindow):
        return window.nav
    buttons = [b for b in window.findChildren(QAbstractButton) if _usable(b)]
    assert buttons, f"no button to hold the focus in {window!r}"
    return buttons[0]


def _settle_focus(qtbot: QtBot, target: QWidget) -> bool:
    target.setFocus(Qt.FocusReason.OtherFocusReason)
    proxy = target.focusProxy() or target
    try:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is proxy, timeout=2_000)
    except qtbot.TimeoutError:
        return False
    return True


def _media_key(keys: str) -> bool:
    """A multimedia or launcher key (StandardKey.Save holds the keyboard's Save key)."""
    # PySide6's stubs lack QKeySequence.__getitem__ (it returns a QKeyCombination).
    first: QKeyCombination = QKeySequence(keys)[0]  # type: ignore[index]
    return bool(Qt.Key.Key_Back.value <= first.key().value < Qt.Key.Key_unknown.value)


def dead(qtbot: QtBot, window: QWidget, bound: list[Bound]) -> list[str]:
    """Press each shortcut with the focus where it applies; list those not delivered to
    their owner exactly once, or delivered as ambiguous."""
    catcher = _Catcher()
    owners = {id(b.owner): b.owner for b in bound}
    for owner in owners.values():
        owner.installEventFilter(catcher)
    problems: list[str] = []
    try:
        for b in bound:
            if _media_key(b.keys):
                continue  # QTest cannot type it; the check for two owners still covers it
            target = _focus_target(b)
            if not _settle_focus(qtbot, target):
                focus = QApplication.focusWidget()
                problems.append(f"{b.describe()}: cannot focus {target!r} (on {focus!r})")
                continue
            catcher.got.clear()
            QTest.keySequence(target, QKeySequence(b.keys))
            if catcher.got != [(b.owner, False)]:
                got = [(type(o).__name__, amb) for o, amb in catcher.got]
                problems.append(f"{b.describe()}: delivered {got}")
    finally:
        for owner in owners.values():
            owner.removeEventFilter(catcher)
    return problems


@pytest.fixture(params=[Role.MANAGER, Role.RM], ids=["manager", "rm"])
def window(
    request: pytest.FixtureRequest, qtbot: QtBot, make_session: MakeSession
) -> Iterator[MainWindow]:
    session = make_session("mgr001" if request.param == Role.MANAGER else "rm001",
                           role=request.param, customers=40)  # fmt: skip
    tasks = TaskManager()
    win = MainWindow(AppContext(session, tasks))
    win.sync.stop()
    win._startup.stop()  # no reminders, assignment checks or sync while walking
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.book.loaded, timeout=20_000):
        win.show()
    _activate(qtbot, win)
    yield win
    for editor in list(win.editors):
        editor.close()
    win.close()
    tasks.shutdown(wait=True)


def _visit(qtbot: QtBot, window: MainWindow, kind: str) -> None:
    first = kind not in window._built
    page = window._page(kind)
    loaded = getattr(page, "loaded", None)
    if loaded is not None and (first or page._stale):  # it loads now: wait for it
        with qtbot.waitSignal(loaded, timeout=20_000):
            window.nav.setCurrentRow(window._kinds.index(kind))
    else:
        window.nav.setCurrentRow(window._kinds.index(kind))
    assert window.stack.currentWidget() is page
    _activate(qtbot, window)


def _activate(qtbot: QtBot, window: QWidget, *, alone: bool = True) -> None:
    """The window active again (the offscreen platform drops the activation when the
    focused widget's page is swapped; no other window is shown)."""
    if alone:
        assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def _open_customer(qtbot: QtBot, window: MainWindow) -> str:
    session = window.ctx.session
    customer_id = book_service.book_rows(session, book_service.book_ids(session)[:1])[0].cif
    with qtbot.waitSignal(window.customer.loaded, timeout=20_000):
        window.open_customer(customer_id)
    assert window.stack.currentWidget() is window.customer
    _activate(qtbot, window)
    return customer_id


def _check_page(qtbot: QtBot, window: MainWindow, kind: str) -> set[str]:
    bound = active_shortcuts(window)
    assert ambiguous(bound) == [], f"on the {kind} page"
    assert dead(qtbot, window, bound) == [], f"on the {kind} page"
    assert window.stack.currentWidget() is window._page(kind)  # nothing ran
    return {b.keys for b in bound}


def test_every_page_has_unique_live_shortcuts(
    qtbot: QtBot, window: MainWindow, qtlog: object
) -> None:
    """Each page, then the customer page: no key with two owners, none dead."""
    walked: dict[str, set[str]] = {}
    for kind in window._kinds:
        if kind == "customer":
            _open_customer(qtbot, window)
        else:
            _visit(qtbot, window, kind)
        walked[kind] = _check_page(qtbot, window, kind)
        if kind == "customer":  # its contact history tab has keys of its own
            with qtbot.waitSignal(window.customer.history.loaded, timeout=20_000):
                window.customer.show_history()
            walked["history"] = _check_page(qtbot, window, "customer")
    # The walk saw what it should: the global keys everywhere, each page's own keys.
    for kind, keys in walked.items():
        assert {"Ctrl+N", "Ctrl+K", "F5", "Ctrl+L", "Ctrl+1"} <= keys, kind
    assert {"Ctrl+T", "Ctrl+D"} <= walked["tasks"]
    assert "Ctrl+E" in walked["history"]
    if "team" in walked:
        assert "Ctrl+R" in walked["team"]
    messages = [r.message for r in qtlog.records]  # type: ignore[attr-defined]
    assert not [m for m in messages if "Ambiguous shortcut" in m]


def test_the_walk_finds_a_second_owner_and_a_dead_key(qtbot: QtBot, window: MainWindow) -> None:
    """The checks can fail: a page's own Ctrl+N beside the window's, and a key whose
    owner's widget swallows it, are both reported."""
    customer_id = _open_customer(qtbot, window)
    assert customer_id
    rival = QShortcut(QKeySequence("Ctrl+N"), window.customer)
    rival.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    bound = active_shortcuts(window)
    clashes = ambiguous(bound)
    assert len(clashes) == 1
    assert "Ctrl+N" in clashes[0]
    problems = dead(qtbot, window, [b for b in bound if b.keys == "Ctrl+N"])
    assert problems, "an ambiguous key must not count as delivered"
    rival.setEnabled(False)
    assert ambiguous(active_shortcuts(window)) == []
    # A key no owner receives: a window action whose only widget is hidden.
    orphan = QAction("orphan", window.customer.log_button)
    orphan.setShortcut(QKeySequence("Ctrl+F12"))
    window.customer.log_button.addAction(orphan)
    ghost = Bound("Ctrl+F12", orphan, Qt.ShortcutContext.WindowShortcut, window)
    window.customer.log_button.hide()
    assert dead(qtbot, window, [ghost]) != []


def _editor_after_ctrl_n(qtbot: QtBot, window: MainWindow, focus: QWidget) -> NoteEditor:
    before = len(window.editors)
    assert _settle_focus(qtbot, focus)
    qtbot.keyClick(focus, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(window.editors) == before + 1, "Ctrl+N opened no note editor"
    editor = window.editors[-1]
    return editor


def test_ctrl_n_opens_the_note_editor_for_the_customer_in_view(
    qtbot: QtBot, window: MainWindow
) -> None:
    # The customer page: the editor is for the customer shown, focus anywhere in it.
    customer_id = _open_customer(qtbot, window)
    editor = _editor_after_ctrl_n(qtbot, window, window.customer.log_button)
    assert editor.customer_id == customer_id
    editor.close()
    # The book: the selected customer.
    _visit(qtbot, window, "book")
    window.book.table.selectRow(1)
    chosen = window.book.selected_customer()
    assert chosen
    assert chosen != customer_id
    editor = _editor_after_ctrl_n(qtbot, window, window.book.table)
    assert editor.customer_id == chosen
    editor.close()
    # The Sync page shows no customer: the editor opens with its customer picker.
    _visit(qtbot, window, "sync")
    editor = _editor_after_ctrl_n(qtbot, window, window.nav)
    assert editor.customer_id == ""
    assert editor.customer_search.isVisibleTo(editor)
    editor.close()


def test_the_note_editor_has_unique_live_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    """The editor Ctrl+N opens is a window of its own: Ctrl+S and Ctrl+Return save,
    each with one owner and delivered, and none of the main window's keys count there."""
    customer_id = _open_customer(qtbot, window)
    editor = _editor_after_ctrl_n(qtbot, window, window.customer.log_button)
    assert editor.customer_id == customer_id
    _activate(qtbot, editor, alone=False)
    bound = active_shortcuts(editor)
    assert {"Ctrl+S", "Ctrl+Return"} <= {b.keys for b in bound}
    assert all(b.widget.window() is editor for b in bound)
    assert ambiguous(bound) == []
    assert dead(qtbot, editor, bound) == []
    assert editor.isVisible()  # nothing saved or closed while walking
    editor.close()
