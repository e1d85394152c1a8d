"""My book: every customer the user may see, sortable and filterable in SQL.

The filter bar builds a `BookFilter`; the table's model asks the database thread for
the matching ids in the chosen order and fetches rows a window at a time, so the
window stays responsive at 100,000 customers. Saved filters ("red, not contacted
in 30 days") are kept in the encrypted store.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.book import BookFilter
from rm_desk.domain.model import AumTier, ChurnLevel, Lifecycle, Segment
from rm_desk.services import book as book_service
from rm_desk.services.changes import Changes
from rm_desk.services.export import ExportRequest, ListKind
from ui import words
from ui.context import AppContext
from ui.models.book import COLUMNS, BookTableModel
from ui.views.base import Page, add_captioned, push_button, row_table
from ui.views.export import ExportAction

ANY = ""
REASON = [key for key, _ in COLUMNS].index("reason")
SIZED_ROWS = 50  # the rows a column is measured on (the first window has them)
# Columns are cut at these widths (their tooltip the whole): tags give way to the reason.
WIDEST = 200
WIDEST_TAGS = 120
TAGS = [key for key, _ in COLUMNS].index("tags")


def compact(box: QComboBox, characters: int) -> None:
    """Size `box` to about `characters` characters, not to its longest item (a tag list
    or a saved filter's name would otherwise widen the window past a 1366-pixel screen);
    its list still opens wide enough to read every item."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)


class BookPage(Page):
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = BookTableModel(ctx, self)
        self.model.reloaded.connect(self._on_reloaded)
        self._saved: list[tuple[str, str, BookFilter]] = []

        self.segment = self._combo(
            self.tr("Segment"), [(s.value, words.segment(s)) for s in Segment]
        )
        self.tier = self._combo(self.tr("AUM tier"), [(t.value, words.tier(t)) for t in AumTier])
        self.lifecycle = self._combo(
            self.tr("Lifecycle"), [(x.value, words.lifecycle(x)) for x in Lifecycle]
        )
        self.churn = self._combo(
            self.tr("Churn risk"), [(c.value, words.churn_level(c)) for c in ChurnLevel]
        )
        self.tag = self._combo(self.tr("Tag"), [])
        compact(self.tag, 10)
        self.not_contacted = QSpinBox()
        self.not_contacted.setRange(0, 3650)
        self.not_contacted.setSpecialValueText(self.tr("any"))
        self.not_contacted.setSuffix(self.tr(" days"))
        self.not_contacted.setAccessibleName(self.tr("Not contacted for at least (days)"))
        self.not_contacted.valueChanged.connect(self._apply)
        self.saved = QComboBox()
        self.saved.setAccessibleName(self.tr("Saved filters"))
        compact(self.saved, 12)
        self.saved.activated.connect(self._use_saved)
        save = push_button(
            self.tr("Save filter…"), self.tr("Save the current filter"), self._save_filter
        )
        clear = push_button(self.tr("Clear"), self.tr("Clear all filters"), self.clear_filters)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of customers listed"))
        self.export = ExportAction(
            ctx, self, self.export_request, lambda: self.tr("My book"), "book"
        )

        bar = QHBoxLayout()
        add_captioned(bar, (
            (self.tr("Segment"), self.segment),
            (self.tr("Tier"), self.tier),
            (self.tr("Lifecycle"), self.lifecycle),
            (self.tr("Churn"), self.churn),
            (self.tr("Tag"), self.tag),
            (self.tr("No contact"), self.not_contacted),
        ))  # fmt: skip
        bar.addWidget(clear)
        bar.addStretch(1)
        # What is done with a filter (keep it, use a kept one, export the list) sits under
        # the table, beside the count: one row of filters fits a 1366-pixel screen.
        foot = QHBoxLayout()
        foot.addWidget(self.count, 1)
        foot.addWidget(self.saved)
        foot.addWidget(save)
        foot.addWidget(self.export.button)

        self.table = row_table(self.model, self.tr("Book of customers"))
        # The indicator first: enabling sorting re-announces it, and an unchanged order
        # costs no query.
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        # The churn reason takes the room the others leave; they fit their contents,
        # measured once, on the first rows (the user may resize them after): the book
        # reads whole at 1366 × 768 without sideways scrolling.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        header.setResizeContentsPrecision(SIZED_ROWS)
        self._sized = False
        self.model.rows_arrived.connect(self._size_columns)
        self.table.activated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(foot)

    def title(self) -> str:
        return self.tr("My book")

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        box.addItem(self.tr("All"), ANY)
        for value, text in items:
            box.addItem(text, value)
        box.currentIndexChanged.connect(self._apply)  # after filling: no query per item
        return box

    # --- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self.model.reload(self.current_filter())
        self.ctx.db(
            lambda s: (book_service.tags(s), book_service.saved_filters(s)),
            self._fill_lists,
            owner=self,
        )

    def concerns(self, changes: Changes) -> bool:
        return changes.book or bool(changes.customers) or changes.churn

    def _on_changed(self, changes: Changes) -> None:
        if changes.everything or changes.book or changes.churn:
            super()._on_changed(changes)
        elif changes.customers:
            self.model.refresh_rows(changes)

    def _fill_lists(
        self, result: tuple[list[tuple[str, int]], list[tuple[str, str, BookFilter]]]
    ) -> None:
        tags, saved = result
        current = self.tag.currentData()
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem(self.tr("All"), ANY)
        for tag, count in tags:
            self.tag.addItem(f"{tag} ({count})", tag)
        index = self.tag.findData(current)
        self.tag.setCurrentIndex(max(index, 0))
        self.tag.blockSignals(False)
        self._saved = saved
        self.saved.clear()
        self.saved.addItem(self.tr("Saved filters…"), "")
        for fid, name, _ in saved:
            self.saved.addItem(name, fid)

    def _size_columns(self) -> None:
        if self._sized or self.model.rowCount() == 0:
            return
        self._sized = True
        for column in range(self.model.columnCount()):
            if column != REASON:
                self.table.resizeColumnToContents(column)
                widest = WIDEST_TAGS if column == TAGS else WIDEST
                self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))

    def _on_reloaded(self, count: int) -> None:
        self.count.setText(self.tr("%n customer(s)", "", count))
        self.loaded.emit()

    # --- filters ---------------------------------------------------------------------------

    def current_filter(self) -> BookFilter:
        def one(box: QComboBox) -> str:
            return str(box.currentData() or "")

        seg, tier, life, churn, tag = (
            one(self.segment), one(self.tier), one(self.lifecycle), one(self.churn), one(self.tag)
        )  # fmt: skip
        days = self.not_contacted.value()
        return BookFilter(
            segments=frozenset({Segment(seg)}) if seg else frozenset(),
            tiers=frozenset({AumTier(tier)}) if tier else frozenset(),
            lifecycles=frozenset({Lifecycle(life)}) if life else frozenset(),
            churn_levels=frozenset({ChurnLevel(churn)}) if churn else frozenset(),
            tags=frozenset({tag}) if tag else frozenset(),
            not_contacted_days=days or None,
        )

    def set_filter(self, filt: BookFilter) -> None:
        """Show the filter in the bar (one value per list) and apply it."""

        def pick(box: QComboBox, values: frozenset[str]) -> None:
            box.blockSignals(True)
            index = box.findData(next(iter(values))) if len(values) == 1 else 0
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)

        pick(self.segment, frozenset(v.value for v in filt.segments))
        pick(self.tier, frozenset(v.value for v in filt.tiers))
        pick(self.lifecycle, frozenset(v.value for v in filt.lifecycles))
        pick(self.churn, frozenset(v.value for v in filt.churn_levels))
        pick(self.tag, filt.tags)
        self.not_contacted.blockSignals(True)
        self.not_contacted.setValue(filt.not_contacted_days or 0)
        self.not_contacted.blockSignals(False)
        self.model.reload(filt)

    def export_request(self) -> ExportRequest:
        """The book as shown: the filter and order the table has now."""
        return ExportRequest(
            ListKind.BOOK, book_filter=self.model.filter, book_sort=self.model.sort_order
        )

    def clear_filters(self) -> None:
        self.set_filter(BookFilter())

    def _apply(self) -> None:
        self.model.reload(self.current_filter())

    def _use_saved(self, index: int) -> None:
        fid = self.saved.itemData(index)
        for saved_id, _, filt in self._saved:
            if saved_id == fid:
                self.set_filter(filt)
                return

    def _save_filter(self) -> None:
        name, ok = QInputDialog.getText(
            self, self.tr("Save filter"), self.tr("Name of this filter:")
        )
        name = name.strip()
        if not ok or not name:
            return
        filt = self.current_filter()

        def save(session: object) -> None:
            book_service.save_filter(session, name, filt)  # type: ignore[arg-type]

        self.ctx.db(save, lambda _: self.reload(), owner=self)

    def _open(self, index: QModelIndex) -> None:
        item = self.model.row_at(index.row())
        if item is not None:
            self.ctx.open_customer.emit(item.cif)

    def selected_customer(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.model.row_at(rows[0].row())
        return item.cif if item else None
