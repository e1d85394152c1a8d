"""Choose a customer by typing a name, pinyin, initials, CIF or phone digits.

The search runs on the database thread a moment after typing stops; the matches
fill a combo box. Used by dialogs opened without a customer (a new task from the
Tasks page, a manager's new follow-up).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from rm_desk.domain.book import SearchHit
from rm_desk.services import book as book_service
from ui.context import AppContext


class CustomerPicker(QWidget):
    chosen = Signal(str)  # CIF ("" when nothing matches)
    searched = Signal(int)  # matches found

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("Name, pinyin, initials or CIF"))
        self.text.setAccessibleName(self.tr("Find the customer"))
        self.matches = QComboBox()
        self.matches.setAccessibleName(self.tr("Customer found"))
        self.matches.setMinimumWidth(200)
        self.matches.currentIndexChanged.connect(lambda _i: self.chosen.emit(self.customer_id()))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.search)
        self.text.textChanged.connect(lambda _t: self._timer.start())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.matches, 1)

    def customer_id(self) -> str:
        value = self.matches.currentData()
        return value if isinstance(value, str) else ""

    def search(self) -> None:
        text = self.text.text().strip()
        if text:
            self.ctx.db(lambda s: book_service.search_customers(s, text, 20), self._found,
                        owner=self)  # fmt: skip

    def _found(self, hits: list[SearchHit]) -> None:
        self.matches.clear()
        for h in hits:
            self.matches.addItem(f"{h.name}  {h.cif}", h.cif)
        self.searched.emit(len(hits))
