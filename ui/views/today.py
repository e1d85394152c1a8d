"""Today: what the RM should do first when the day starts.

Tasks due today and overdue, red-flagged customers not contacted for 30 days, and
unfinished notes (drafts) to complete. Each line opens the customer. What belongs
here is decided by `rm_desk.services.today`; this page only paints it.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.model import FollowUpTask
from rm_desk.services.changes import Changes
from rm_desk.services.today import TodayData, load_today
from ui import words
from ui.context import AppContext
from ui.views.base import Page


class TodayPage(Page):
    loaded = Signal()
    resume_draft = Signal(str)  # draft id

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading = QLabel()
        self.heading.setObjectName("pageHeading")
        self.due = self._list(self.tr("Tasks due today"))
        self.overdue = self._list(self.tr("Overdue tasks"))
        self.at_risk = self._list(self.tr("Red flags not contacted for 30 days"))
        self.drafts = self._list(self.tr("Unfinished notes"))
        self.boxes: dict[str, QGroupBox] = {}
        grid = QGridLayout()
        for i, (key, title, widget) in enumerate(
            (
                ("due", self.tr("Due today"), self.due),
                ("overdue", self.tr("Overdue"), self.overdue),
                ("at_risk", self.tr("At risk, not contacted for 30 days"), self.at_risk),
                ("drafts", self.tr("Unfinished notes"), self.drafts),
            )
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            self.boxes[key] = box
            grid.addWidget(box, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(grid, 1)

    def title(self) -> str:
        return self.tr("Today")

    def _list(self, name: str) -> QListWidget:
        widget = QListWidget()
        widget.setAccessibleName(name)
        widget.itemActivated.connect(self._activated)
        return widget

    def concerns(self, changes: Changes) -> bool:
        return changes.tasks or changes.drafts or changes.churn or changes.interactions

    def reload(self) -> None:
        self.ctx.db(load_today, self._show, owner=self)

    def _show(self, data: TodayData) -> None:
        locale = self.locale()
        self.heading.setText(
            self.tr("Today, %1").replace(
                "%1", locale.toString(QDate(data.today), locale.FormatType.LongFormat)
            )
        )
        self._fill_tasks(self.due, data.due)
        self._fill_tasks(self.overdue, data.overdue)
        self.boxes["due"].setTitle(self.tr("Due today (%n)", "", data.due_count))
        self.boxes["overdue"].setTitle(self.tr("Overdue (%n)", "", data.overdue_count))
        self.boxes["at_risk"].setTitle(
            self.tr("At risk, not contacted for 30 days (%n)", "", data.at_risk_total)
        )
        self.at_risk.clear()
        for row in data.at_risk:
            item = QListWidgetItem(f"{row.name}   {row.cif}   {words.money(row.aum_fen)}")
            item.setData(Qt.ItemDataRole.UserRole, ("customer", row.cif))
            self.at_risk.addItem(item)
        self.drafts.clear()
        for draft in data.drafts:
            subject = str(draft.fields.get("subject") or draft.fields.get("note") or "")[:40]
            when = draft.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"{when}   {draft.customer_id or ''}   {subject}")
            item.setData(Qt.ItemDataRole.UserRole, ("draft", draft.id))
            self.drafts.addItem(item)
        self.boxes["drafts"].setTitle(self.tr("Unfinished notes (%n)", "", len(data.drafts)))
        self.loaded.emit()

    def _fill_tasks(self, widget: QListWidget, items: list[FollowUpTask]) -> None:
        widget.clear()
        for t in items:
            text = f"{t.due.isoformat()}   {words.task_priority(t.priority)}   {t.title}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, ("customer", t.customer_id))
            widget.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        kind, key = item.data(Qt.ItemDataRole.UserRole)
        if kind == "customer":
            self.ctx.open_customer.emit(key)
        else:
            self.resume_draft.emit(key)
