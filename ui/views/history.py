"""A customer's contact history: visits, calls, messages, service contacts, complaints.

Newest first, filterable by kind, loaded a page at a time on the database thread as
the list is scrolled (`canFetchMore`/`fetchMore`), so a customer with thousands of
contacts opens as fast as one with three. Saved notes are read-only history; the
"Amend" action opens the note editor prefilled and saves a new note that refers to
the original (`supersedes_id`), which stays as it was.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.model import Interaction, InteractionKind
from rm_desk.services import notes as note_service
from rm_desk.services.changes import Changes
from ui import words
from ui.context import AppContext
from ui.models.rows import AnyIndex, Column, ColumnsModel
from ui.views.base import EmptyState, row_table
from ui.views.note_editor import NoteEditor, list_separator

PAGE = 50


def when_text(i: Interaction) -> str:
    return words.moment(i.occurred_at)


class TimelineModel(ColumnsModel[Interaction]):
    """Interactions of one customer, newest first, fetched page by page."""

    page_loaded = Signal(int)  # rows now listed

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id = ""
        self.kinds: tuple[InteractionKind, ...] = ()
        self.amended: set[str] = set()  # ids some listed note amends
        self._exhausted = True
        self._fetching = False
        self._generation = 0
        self.page_size = PAGE

    def load(self, customer_id: str, kinds: tuple[InteractionKind, ...] = ()) -> None:
        """Start over for this customer and kind filter; the first page comes async."""
        self._generation += 1
        self.beginResetModel()
        self.customer_id, self.kinds = customer_id, kinds
        self._rows = []
        self.amended = set()
        self._exhausted = not customer_id
        self._fetching = False
        self.endResetModel()
        if customer_id:
            self._fetch()

    def _fetch(self) -> None:
        if self._fetching or self._exhausted:
            return
        self._fetching = True
        generation = self._generation
        cid, kinds, size = self.customer_id, self.kinds, self.page_size
        after = self._rows[-1] if self._rows else None
        try:
            self.ctx.db(
                lambda s: note_service.timeline(s, cid, kinds, size, after=after),
                lambda page: self._arrived(page, generation),
                lambda exc: self._failed(exc, generation),
                owner=self,
            )
        except RuntimeError:  # the window is locking: its task manager takes no more work
            self._fetching = False
            self._exhausted = True

    def _arrived(self, page: list[Interaction], generation: int) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._exhausted = len(page) < self.page_size
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
            new = {i.supersedes_id for i in page if i.supersedes_id}
            if new - self.amended:
                self.amended |= new
                subject = self.columns.index("subject")
                self.dataChanged.emit(
                    self.index(0, subject), self.index(len(self._rows) - 1, subject),
                    [Qt.ItemDataRole.DisplayRole],
                )  # fmt: skip
        self.page_loaded.emit(len(self._rows))

    def _failed(self, exc: BaseException, generation: int) -> None:
        if generation == self._generation:
            self._fetching = False
            self._exhausted = True
        self.ctx.report(exc)

    # --- Qt model -------------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: AnyIndex) -> None:
        if not parent.isValid():
            self._fetch()

    def column_specs(self) -> tuple[Column[Interaction], ...]:
        return (
            Column("when", lambda: self.tr("When"), when_text),
            Column("kind", lambda: self.tr("Kind"), lambda i: words.interaction_kind(i.kind)),
            Column(
                "subject",
                lambda: self.tr("Subject"),
                self._subject,
                tooltip=lambda i: i.note[:500],
            ),
            Column("by", lambda: self.tr("By"), lambda i: i.created_by),
            Column("outcome", lambda: self.tr("Outcome"), lambda i: i.outcome),
        )

    def _subject(self, i: Interaction) -> str:
        text = i.subject or i.note.strip().split("\n", 1)[0][:60]
        if i.supersedes_id:
            text = self.tr("Amendment: %1").replace("%1", text)
        if i.id in self.amended:
            text = self.tr("%1 (amended)").replace("%1", text)
        return text

    def row_value(self, row: Interaction) -> str:
        return row.id

    def row_data(self, row: Interaction, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and row.kind is InteractionKind.COMPLAINT:
            font = QFont()
            font.setBold(True)
            return font
        return None


class ContactHistory(QWidget):
    """The timeline of one customer with a kind filter, the selected note, and Amend."""

    loaded = Signal()  # the first page of a customer (or filter) is painted
    amend_opened = Signal(object)  # the NoteEditor opened for an amendment

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id = ""
        self._waiting_first = False
        self.model = TimelineModel(ctx, self)
        self.model.page_loaded.connect(self._page_loaded)

        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName(self.tr("Show contacts of kind"))
        self.kind_filter.addItem(self.tr("All kinds"), "")
        for k in InteractionKind:
            self.kind_filter.addItem(words.interaction_kind(k), k.value)
        self.kind_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of contacts shown"))

        self.table = row_table(self.model, self.tr("Contact history"))
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.empty = EmptyState(self.table, self._empty_text)

        self.detail = QTextBrowser()
        self.detail.setAccessibleName(self.tr("Selected note (read-only)"))
        self.detail.setOpenLinks(False)
        self.amend_button = QPushButton(self.tr("Amend…"))
        self.amend_button.setAccessibleName(self.tr("Amend the selected note (Ctrl+E)"))
        self.amend_button.setToolTip(self.tr("Saved notes cannot be changed; an amendment "
                                             "is added that refers to the original."))  # fmt: skip
        self.amend_button.setEnabled(False)
        self.amend_button.clicked.connect(self.amend_selected)
        QShortcut(QKeySequence("Ctrl+E"), self).activated.connect(self.amend_selected)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Kind")))
        bar.addWidget(self.kind_filter)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.amend_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        ctx.changed.connect(self._on_changed)

    def _empty_text(self) -> str:
        if not self.customer_id or self._waiting_first:
            return ""
        if self.kinds():
            return self.tr("No contacts of this kind. Choose All kinds to see every contact.")
        return self.tr("No contacts logged with this customer yet. Log one with "
                       "Log contact (Ctrl+N).")  # fmt: skip

    def show_customer(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.reload()

    def kinds(self) -> tuple[InteractionKind, ...]:
        value = self.kind_filter.currentData()
        return (InteractionKind(value),) if value else ()

    def set_kind(self, kind: InteractionKind | None) -> None:
        self.kind_filter.setCurrentIndex(
            max(self.kind_filter.findData(kind.value if kind else ""), 0)
        )

    def reload(self) -> None:
        self._waiting_first = True
        self.detail.clear()
        self.amend_button.setEnabled(False)
        self.model.load(self.customer_id, self.kinds())

    def _page_loaded(self, rows: int) -> None:
        self.count.setText(
            QCoreApplication.translate("ContactHistory", "%n contact(s) shown", "", rows)
        )
        if self._waiting_first:
            self._waiting_first = False
            self.empty.refresh()
            for column in (0, 1, 3):
                self.table.resizeColumnToContents(column)
            if rows:
                self.table.selectRow(0)  # the newest note is read first
            self.loaded.emit()

    def _on_changed(self, changes: Changes) -> None:
        if self.customer_id and (
            changes.everything or (changes.interactions and self.customer_id in changes.customers)
        ):
            self.reload()

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        i = self.model.row(current.row()) if current.isValid() else None
        self.amend_button.setEnabled(i is not None)
        if i is None:
            self.detail.clear()
            return
        self.detail.setHtml(self._detail_html(i))

    def _detail_html(self, i: Interaction) -> str:
        from html import escape  # noqa: PLC0415

        lines = [
            f"<h3>{escape(i.subject or words.interaction_kind(i.kind))}</h3>",
            "<p>"
            + escape(f"{words.interaction_kind(i.kind)} · {when_text(i)} · {i.created_by}")
            + "</p>",
        ]
        if i.participants:
            lines.append(
                "<p><b>" + escape(self.tr("Participants")) + ":</b> "
                + escape(list_separator().join(i.participants)) + "</p>"
            )  # fmt: skip
        lines.append("<p>" + escape(i.note).replace("\n", "<br>") + "</p>")
        for label, value in ((self.tr("Outcome"), i.outcome), (self.tr("Next step"), i.next_step)):
            if value:
                lines.append(f"<p><b>{escape(label)}:</b> {escape(value)}</p>")
        if i.supersedes_id:
            lines.append(
                "<p><i>" + escape(self.tr("This note amends an earlier one.")) + "</i></p>"
            )
        if i.id in self.model.amended:
            lines.append(
                "<p><i>"
                + escape(self.tr("This note was amended; see the newer note."))
                + "</i></p>"
            )
        return "\n".join(lines)

    def selected(self) -> Interaction | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def amend_selected(self) -> NoteEditor | None:
        original = self.selected()
        if original is None:
            return None
        editor = NoteEditor(self.ctx, amend=original, parent=self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.show()
        self.amend_opened.emit(editor)
        return editor
