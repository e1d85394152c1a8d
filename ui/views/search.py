"""The global search box (Ctrl+K) and its type-ahead popup.

Each keystroke asks the database thread for the best matches (name, pinyin,
initials, CIF, phone digits, tag); an answer to an older query is dropped, so fast
typing never shows stale results. Enter or a click opens the customer's profile.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from rm_desk.domain.book import SearchHit
from rm_desk.services import book as book_service
from ui import words
from ui.context import AppContext
from ui.models.book import churn_colour

AnyIndex = QModelIndex | QPersistentModelIndex
LIMIT = 12


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []
        self.query = ""

    def set_hits(self, query: str, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self.query = query
        self.hits = hits
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            parts = [hit.name, hit.cif, words.segment(hit.segment), words.money(hit.aum_fen)]
            if hit.mobile_last4:
                parts.append("…" + hit.mobile_last4)
            if hit.churn_level is not None:
                parts.append(words.churn_level(hit.churn_level))
            return "   ".join(parts)
        if role == Qt.ItemDataRole.EditRole:
            return self.query  # what the completer writes back: keep the typed text
        if role == Qt.ItemDataRole.ForegroundRole and hit.churn_level is not None:
            return QBrush(churn_colour(hit.churn_level))
        if role == Qt.ItemDataRole.UserRole:
            return hit.cif
        return None


class SearchBox(QLineEdit):
    """Type-ahead customer search; emits `chosen(cif)`."""

    chosen = Signal(str)
    results_shown = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._query_no = 0
        self.setPlaceholderText(
            self.tr("Search customers: name, pinyin, initials, CIF, phone… (Ctrl+K)")
        )
        self.setAccessibleName(self.tr("Search customers"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(420)
        self.results = SearchResultsModel(self)  # owned by the box: deleted after its completer
        self.completer_ = QCompleter(self.results, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(LIMIT)
        self.completer_.setWidget(self)
        self._popup().setAccessibleName(self.tr("Search results"))
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.textEdited.connect(self._search)
        self.returnPressed.connect(self._enter)

    def _popup(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        if popup is None:  # a completer always has its popup
            raise RuntimeError("completer without popup")
        return popup

    def _search(self, text: str) -> None:
        self._query_no += 1
        number = self._query_no
        query = text.strip()
        if not query:
            self.results.set_hits("", [])
            self._popup().hide()
            return
        self.ctx.db(
            lambda s: book_service.search_customers(s, query, LIMIT),
            lambda hits: self._show(number, text, hits),
            owner=self,
        )

    def _show(self, number: int, text: str, hits: list[SearchHit]) -> None:
        if number != self._query_no:
            return  # an answer to an older keystroke
        self.results.set_hits(text, hits)
        if hits:
            self.completer_.complete()
            self._popup().setCurrentIndex(self.results.index(0, 0))
        else:
            self._popup().hide()
        self.results_shown.emit(len(hits))

    def _activated(self, index: QModelIndex) -> None:
        cif = index.data(Qt.ItemDataRole.UserRole)
        if cif:
            self._open(str(cif))

    def _enter(self) -> None:
        if self.results.hits:
            self._open(self.results.hits[0].cif)

    def _open(self, cif: str) -> None:
        self._popup().hide()
        self.clear()
        self.results.set_hits("", [])
        self.chosen.emit(cif)
