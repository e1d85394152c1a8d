"""The customer 360: who the customer is, what they hold, how it moved, what to do.

Header: name, segment, lifecycle, AUM and its 3-month trend, owning RM, the churn
badge (red / amber / green) with its top reasons in words and a "Create task" per
suggested retention action. Below: holdings, the 24-month AUM/balance chart and the
monthly activity chart (pyqtgraph), tags, personal details shown masked with an
audited "Reveal" (a reason is chosen from a fixed list; roles that may not reveal see it
disabled) and a
"Copy" (Ctrl+C on the field, or its context menu) that copies what the field shows,
audited when that is a revealed value (`ui.clipboard`),
"Edit contact…" and "Request a change…" (for the roles the matrix allows), open tasks,
and the contact history with "Log contact (Ctrl+N)" and "New task".

Everything is assembled in one call on the database thread (`rm_desk.services.profile`);
personal fields are masked there (whatever the role), so plain values only reach the
window through `book.reveal`, which checks the role and writes the audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QLocale,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.churn.playbook import Suggestion
from rm_desk.domain.model import (
    ChurnLevel,
    Holding,
    MonthlySnapshot,
)
from rm_desk.domain.permissions import RevealReason
from rm_desk.services import book as book_service
from rm_desk.services import churn as churn_service
from rm_desk.services import customers as customers_service
from rm_desk.services import profile as profile_service
from rm_desk.services.changes import Changes
from rm_desk.services.profile import PERSONAL, SHOWN_REASONS, ProfileView
from rm_desk.services.session import Session
from rm_desk.services.tasks import TaskLine
from ui import charts, clipboard, look, words
from ui.context import AppContext
from ui.models.rows import Column, ColumnsModel
from ui.models.tasks import TaskTableModel
from ui.views.base import Page, ok_cancel, open_dialog, push_button, row_table
from ui.views.brief import BriefActions
from ui.views.customer_edit import ChangeRequestDialog, ContactDialog
from ui.views.history import ContactHistory
from ui.views.tasks import TaskDialog

# --- holdings ---------------------------------------------------------------------------------


class HoldingsModel(ColumnsModel[Holding]):
    """Deposits, term deposits, wealth, funds, loans, cards, insurance of one customer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def set_holdings(self, holdings: tuple[Holding, ...], today: date) -> None:
        """The customer's holdings, and the day that decides which mature soon."""
        self.beginResetModel()
        self._rows = list(holdings)
        self.today = today
        self.endResetModel()

    def column_specs(self) -> tuple[Column[Holding], ...]:
        return (
            Column("kind", lambda: self.tr("Type"), lambda h: words.holding_kind(h.kind)),
            Column("product", lambda: self.tr("Product"), lambda h: h.product),
            Column(
                "balance",
                lambda: self.tr("Balance"),
                lambda h: words.money(h.balance_fen),
                lambda h: h.balance_fen,
                figure=True,
            ),
            Column("rate", lambda: self.tr("Rate"), _rate, figure=True),
            Column("opened", lambda: self.tr("Opened"), lambda h: words.day(h.opened)),
            Column(
                "maturity",
                lambda: self.tr("Matures"),
                lambda h: words.day(h.maturity) if h.maturity else "",
                tooltip=self._matures_in,
                foreground=lambda h: (
                    QBrush(look.level_text("red"))
                    if profile_service.matures_soon(h, self.today)
                    else None
                ),
            ),
            Column("account", lambda: self.tr("Account"), lambda h: h.account_no),
        )

    def row_value(self, row: Holding) -> str:
        return row.id

    def _matures_in(self, h: Holding) -> str | None:
        days = profile_service.matures_in(h, self.today)
        return None if days is None else self.tr("Matures in %n day(s)", "", days)


def _rate(h: Holding) -> str:
    return "" if h.rate_bp is None else QLocale().toString(h.rate_bp / 100, "f", 2) + "%"


# --- reveal -----------------------------------------------------------------------------------


class RevealDialog(QDialog):
    """Asks why a personal field is revealed: one reason from the fixed list
    (`RevealReason`), whose code goes into the audit log (no free text, which could
    carry personal data to the gateway)."""

    def __init__(self, field_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field_name = field_name
        self.setWindowTitle(self.tr("Reveal personal data"))
        self.reason = QComboBox()
        self.reason.setAccessibleName(self.tr("Reason for revealing"))
        self.reason.setPlaceholderText(self.tr("Choose a reason"))
        for code, text in self._reasons().items():
            self.reason.addItem(text, code.value)
        self.reason.setCurrentIndex(-1)  # nothing chosen: the user picks one
        self.buttons = ok_cancel(self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.reason.currentIndexChanged.connect(
            lambda i: self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(i >= 0)
        )
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("Revealing is recorded in the audit log with your reason."))
        )
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

    def _reasons(self) -> dict[RevealReason, str]:
        return {
            RevealReason.CUSTOMER_REQUEST: self.tr(
                "Customer request (identity verified in person)"
            ),
            RevealReason.SERVICE_REQUEST: self.tr("Serving a customer request"),
            RevealReason.COMPLIANCE_CHECK: self.tr("Compliance or risk check"),
            RevealReason.CORRECTION: self.tr("Correcting the customer's data"),
            RevealReason.OTHER: self.tr("Other"),
        }

    def chosen(self) -> RevealReason | None:
        """The reason chosen, or None before one is."""
        data = self.reason.currentData()
        return RevealReason(data) if isinstance(data, str) else None


# --- the page ---------------------------------------------------------------------------------


class CustomerPage(Page):
    loaded = Signal()  # the profile is painted
    revealed = Signal(str, str)  # field, plain value (shown until the next customer)
    task_created = Signal(object)  # the FollowUpTask created from this page

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(ctx, parent)
        self.customer_id: str | None = None
        self.view: ProfileView | None = None
        self.reveal_dialog: RevealDialog | None = None
        self.edit_dialog: ContactDialog | ChangeRequestDialog | None = None
        self.suggestions: dict[str, Suggestion] = {}  # reason code -> suggestion
        self.plain: dict[str, str] = {}  # the personal fields revealed on this painting
        self._generation = 0

        # header
        self.name = QLabel()
        self.name.setObjectName("customerName")
        font = self.name.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.name.setFont(font)
        self.name.setAccessibleName(self.tr("Customer name"))
        self.facts = QLabel()
        self.facts.setAccessibleName(self.tr("Segment, lifecycle and owner"))
        self.facts.setWordWrap(True)  # a long line would widen the window past 1366 px
        self.aum = QLabel()
        self.aum.setAccessibleName(self.tr("Assets under management and trend"))
        self.badge = QLabel()
        self.badge.setAccessibleName(self.tr("Churn risk"))
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumWidth(180)
        self.badge.setWordWrap(True)
        look.set_badge(self.badge, "none")
        self.reasons_box = QGroupBox(self.tr("Why at risk, and what to do"))
        self.reasons_grid = QGridLayout(self.reasons_box)
        # In the box's place when there is nothing to act on: a green customer, or no
        # reason above the floor (no "Why at risk" box, no playbook button).
        self.no_risk = QLabel()
        self.no_risk.setAccessibleName(self.tr("Churn risk factors"))
        self.no_risk.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_risk.setWordWrap(True)
        self.no_risk.hide()
        self.ack_button = QPushButton(self.tr("Acknowledge flag"))
        self.ack_button.setAccessibleName(
            self.tr("Acknowledge the churn flag (recorded for the central CRM)")
        )
        self.ack_button.clicked.connect(self.acknowledge_flag)
        self.reason_labels: list[QLabel] = []  # the rows now showing a reason
        self.reason_buttons: list[QPushButton] = []  # the rows now offering a task
        self._reason_rows: list[tuple[QLabel, QPushButton]] = []
        self._row_codes = [""] * SHOWN_REASONS
        for i in range(SHOWN_REASONS):
            label = QLabel()
            label.setWordWrap(True)
            label.setAccessibleName(self.tr("Churn reason %1").replace("%1", str(i + 1)))
            button = QPushButton()
            button.clicked.connect(
                lambda _c=False, r=i: self.create_suggested_task(self._row_codes[r])
            )
            self.reasons_grid.addWidget(label, i, 0)
            self.reasons_grid.addWidget(button, i, 1)
            label.hide()
            button.hide()
            self._reason_rows.append((label, button))
        self.reasons_box.setMinimumHeight(
            SHOWN_REASONS * (QPushButton("x").sizeHint().height() + 6) + 24
        )
        self.log_button = push_button(
            self.tr("Log contact (Ctrl+N)"),
            self.tr("Log a contact with this customer (Ctrl+N)"),
            self.log_contact,
        )
        self.task_button = push_button(
            self.tr("New task"), self.tr("New follow-up task for this customer"), self.new_task
        )
        # Ctrl+N belongs to the main window's "Log contact" action, which opens the
        # editor for the customer shown here (one owner per shortcut: no ambiguity).

        who = QVBoxLayout()
        who.addWidget(self.name)
        who.addWidget(self.facts)
        who.addWidget(self.aum)
        actions = QVBoxLayout()
        actions.addWidget(self.log_button)
        actions.addWidget(self.task_button)
        actions.addWidget(self.ack_button)
        self.brief = BriefActions(ctx, self)  # "Visit brief…": save as PDF or print
        actions.addWidget(self.brief.button)
        actions.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(who, 2)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)  # a pill, not a block
        top.addWidget(self.reasons_box, 3)
        top.addWidget(self.no_risk, 3)
        top.addLayout(actions)
        header = QFrame()
        header.setObjectName("customerHeader")
        header.setFrameShape(QFrame.Shape.StyledPanel)
        header.setLayout(top)

        # holdings
        self.holdings = HoldingsModel(self)
        self.holdings_table = row_table(self.holdings, self.tr("Holdings"), single=False)
        self.holdings_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.holdings_total = QLabel()
        self.holdings_total.setAccessibleName(self.tr("Holdings total"))

        # charts
        self.aum_chart = charts.plot(self.tr("AUM and balances, last 24 months"), 180)
        self.aum_chart.showGrid(x=False, y=True, alpha=0.3)
        charts.legend(self.aum_chart)
        self.aum_curve = self.aum_chart.plot(
            [], [], pen=pg.mkPen("#1565c0", width=2), name=self.tr("AUM")
        )
        self.deposit_curve = self.aum_chart.plot(
            [], [], pen=pg.mkPen("#2e7d32", width=1), name=self.tr("Deposits")
        )
        self.wealth_curve = self.aum_chart.plot(
            [], [], pen=pg.mkPen("#ef8f00", width=1), name=self.tr("Wealth")
        )
        self.loan_curve = self.aum_chart.plot(
            [], [], pen=pg.mkPen("#8e24aa", width=1, style=Qt.PenStyle.DashLine),
            name=self.tr("Loans"),
        )  # fmt: skip
        self.aum_chart.setLabel("left", self.tr("¥10,000"))
        self.activity_chart = charts.plot(self.tr("Transactions per month"), 140)
        self.activity_chart.setLabel("left", self.tr("Transactions"))
        self.activity_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#90a4ae")
        self.activity_chart.addItem(self.activity_bars)
        self.score_caption = QLabel(self.tr("Leave probability by month (%)"))
        self.score_chart = charts.plot(self.tr("Churn probability by month"), 110)
        # One month scored is a value, not a lone dot on an empty chart.
        self.score_value = QLabel()
        self.score_value.setObjectName("scoreValue")
        self.score_value.setAccessibleName(self.tr("Leave probability"))
        self.score_value.setVisible(False)
        self.score_curve = self.score_chart.plot(
            [], [], pen=pg.mkPen("#c62828", width=2), symbol="o", symbolSize=6,
            symbolBrush="#c62828",
        )  # fmt: skip
        self.red_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#c62828", style=Qt.PenStyle.DotLine))
        self.amber_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#ef8f00", style=Qt.PenStyle.DotLine)
        )
        self.score_chart.addItem(self.red_line)
        self.score_chart.addItem(self.amber_line)

        # tags, personal details, open tasks
        self.tags = QLabel()
        self.tags.setAccessibleName(self.tr("Tags"))
        self.tags.setWordWrap(True)
        self.personal = QGroupBox(self.tr("Personal details"))
        form = QFormLayout(self.personal)
        self.personal_values: dict[str, QLabel] = {}
        self.reveal_buttons: dict[str, QPushButton] = {}
        self.copy_actions: dict[str, QAction] = {}
        labels = {
            "mobile": self.tr("Mobile"),
            "id_number": self.tr("ID number"),
            "email": self.tr("E-mail"),
            "address": self.tr("Address"),
            "card": self.tr("Card numbers"),
        }
        for key in PERSONAL:
            value = QLabel()
            value.setAccessibleName(labels[key])
            # Not selectable: the label's own Ctrl+C and "Copy" would bypass the audit.
            # The field takes the focus instead (Tab or a click); Ctrl+C and the context
            # menu then copy through `copy_field`.
            value.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            value.setWordWrap(True)
            self.copy_actions[key] = clipboard.copy_action(value, partial(self.copy_field, key))
            button = push_button(
                self.tr("Reveal…"),
                self.tr("Reveal %1").replace("%1", labels[key]),
                lambda _c=False, k=key: self.request_reveal(k),
            )
            button.setIcon(look.icon("reveal"))
            row = QHBoxLayout()
            row.addWidget(value, 1)
            row.addWidget(button)
            form.addRow(labels[key], row)
            self.personal_values[key] = value
            self.reveal_buttons[key] = button
        self.edit_contact_button = QPushButton(self.tr("Edit contact…"))
        self.edit_contact_button.setAccessibleName(
            self.tr("Edit the customer's mobile, e-mail and tags")
        )
        self.edit_contact_button.clicked.connect(self.edit_contact)
        self.request_change_button = QPushButton(self.tr("Request a change…"))
        self.request_change_button.setAccessibleName(
            self.tr("Request a change to a regulated field (reviewed by the bank)")
        )
        self.request_change_button.clicked.connect(self.request_change)
        self.edit_notice = QLabel()
        self.edit_notice.setWordWrap(True)
        self.edit_notice.setAccessibleName(self.tr("Result of the last edit"))
        edits = QHBoxLayout()
        edits.addWidget(self.edit_contact_button)
        edits.addWidget(self.request_change_button)
        edits.addStretch(1)
        form.addRow(edits)
        form.addRow(self.edit_notice)
        self.open_tasks = TaskTableModel(self)
        self.tasks_table = row_table(self.open_tasks, self.tr("Open tasks"), single=False)
        for col in (2, 6, 7):  # customer, assignee, outcome
            self.tasks_table.setColumnHidden(col, True)
        self.tasks_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        # layout: overview tab and history tab
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Holdings")))
        left.addWidget(self.holdings_table, 3)
        left.addWidget(self.holdings_total)
        left.addWidget(QLabel(self.tr("Open tasks")))
        left.addWidget(self.tasks_table, 2)
        right = QVBoxLayout()
        right.addWidget(self.aum_chart, 3)
        right.addWidget(self.activity_chart, 2)
        right.addWidget(self.score_caption)
        right.addWidget(self.score_chart, 1)
        right.addWidget(self.score_value)
        right.addWidget(self.tags)
        right.addWidget(self.personal)
        left_w, right_w = QWidget(), QWidget()
        left_w.setLayout(left)
        right_w.setLayout(right)
        split = QSplitter()
        split.addWidget(left_w)
        split.addWidget(right_w)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setSizes([560, 440])
        self.history = ContactHistory(ctx)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Customer sections"))
        overview = QScrollArea()
        overview.setWidgetResizable(True)
        overview.setWidget(split)
        self.tabs.addTab(overview, self.tr("Overview"))
        self.tabs.addTab(self.history, self.tr("Contact history"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)

    def title(self) -> str:
        return self.tr("Customer")

    # --- loading --------------------------------------------------------------------------

    def show_customer(self, customer_id: str) -> None:
        """Load and paint this customer's 360 view; `loaded` fires when it is painted."""
        if customer_id != self.customer_id:
            self.tabs.setCurrentIndex(0)
            self.edit_notice.clear()
        self.customer_id = customer_id
        self.brief.customer_id = customer_id
        self._stale = False
        self.reload()  # queued first: the header and overview are what the user waits for
        if self.tabs.currentWidget() is self.history:
            self.history.show_customer(customer_id)
        elif self.history.customer_id != customer_id:
            self.history.customer_id = ""  # loaded when its tab is opened
            self.history.model.load("")

    def show_history(self) -> None:
        """Switch to the contact history (it loads when first shown for a customer)."""
        self.tabs.setCurrentWidget(self.history)

    def _tab_changed(self, _index: int) -> None:
        cid = self.customer_id
        if self.tabs.currentWidget() is self.history and cid and self.history.customer_id != cid:
            self.history.show_customer(cid)

    def reload(self) -> None:
        cid = self.customer_id
        if not cid:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.db(
            lambda s: profile_service.load_profile(s, cid),
            lambda view: self._show(view, generation),
            owner=self,
        )

    def concerns(self, changes: Changes) -> bool:
        return bool(self.customer_id) and (
            self.customer_id in changes.customers or changes.churn or changes.tasks
        )

    def _show(self, view: ProfileView, generation: int) -> None:
        if generation != self._generation:
            return
        self.view = view
        p = view.profile
        c = p.customer
        self.name.setText(f"{c.name}   {c.id}")
        self.facts.setText(
            self.tr("%1 · CRM stage %2 · owner %3 · customer since %4")
            .replace("%1", words.segment(c.segment))
            .replace("%2", words.lifecycle(c.lifecycle))
            .replace("%3", c.owner_rm)
            .replace("%4", words.day(c.since))
        )
        self._paint_aum(view)
        self._paint_churn(view)
        self.holdings.set_holdings(p.holdings, view.today)
        self.holdings_table.resizeColumnsToContents()
        self.holdings_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.holdings_total.setText(
            self.tr("%n product(s), assets %1", "", len(p.holdings)).replace(
                "%1", words.money(view.assets_fen)
            )
        )
        self._paint_charts(p.snapshots)
        self._paint_score_history(view)
        self.tags.setText(
            self.tr("Tags: %1").replace("%1", "  ·  ".join(c.tags) if c.tags else self.tr("none"))
        )
        values = view.personal_values()
        self.plain = {}
        for key, label in self.personal_values.items():
            label.setText(values[key] or "—")
            self.copy_actions[key].setEnabled(bool(values[key]))
            button = self.reveal_buttons[key]
            button.setEnabled(view.can_reveal and bool(values[key]))
            button.setToolTip(
                self.tr("Shows the full value; recorded in the audit log.")
                if view.can_reveal
                else self.tr("Your role does not allow revealing personal data.")
            )
        self.edit_contact_button.setVisible(view.can_edit_contact)
        self.request_change_button.setVisible(view.can_request_change)
        self.open_tasks.set_lines([TaskLine(t, c.name) for t in p.open_tasks], view.today)
        self.loaded.emit()

    def _paint_aum(self, view: ProfileView) -> None:
        trend = view.aum_trend
        text = self.tr("AUM %1").replace("%1", words.money(view.profile.customer.aum_fen))
        if trend is not None:
            arrow = "▲" if trend >= 0 else "▼"
            text += "   " + self.tr("%1 %2% over 3 months").replace("%1", arrow).replace(
                "%2", self.locale().toString(abs(trend), "f", 1)
            )
        self.aum.setText(text)

    def _paint_churn(self, view: ProfileView) -> None:
        self.suggestions = {}
        self.reason_labels, self.reason_buttons = [], []
        churn = view.profile.churn
        self.ack_button.setEnabled(churn is not None and churn.level is not ChurnLevel.GREEN)
        at_risk = churn is not None and churn.level is not ChurnLevel.GREEN
        reasons = churn.reasons[:SHOWN_REASONS] if churn is not None and at_risk else ()
        self.reasons_box.setVisible(bool(reasons))
        self.no_risk.setVisible(churn is not None and not reasons)
        self.no_risk.setText(
            self.tr("No risk factors")
            if churn is None or not churn.reasons
            else self.tr("Low churn risk: no action needed")
        )
        suggested = {s.reason.code: s for s in view.suggestions} if reasons else {}
        # A fixed set of rows is reused, so the header keeps its size and the charts
        # below are not laid out again for every customer.
        for row, (label, button) in enumerate(self._reason_rows):
            reason = reasons[row] if row < len(reasons) else None
            suggestion = suggested.get(reason.code) if reason is not None else None
            label.setVisible(reason is not None)
            button.setVisible(suggestion is not None)
            self._row_codes[row] = reason.code if reason is not None else ""
            if reason is None:
                continue
            label.setText(words.reason_text(reason))
            self.reason_labels.append(label)
            if suggestion is None:
                continue
            self.suggestions[reason.code] = suggestion
            action = words.action_text(suggestion.action.action)
            button.setText(self.tr("Create task: %1").replace("%1", action))
            button.setAccessibleName(self.tr("Create a retention task: %1").replace("%1", action))
            self.reason_buttons.append(button)
        if churn is None:
            self.badge.setText(self.tr("Not scored"))
            self.badge.setToolTip("")
            look.set_badge(self.badge, "none")
            return
        self.badge.setText(f"{words.churn_level(churn.level)}\n{words.score_text(churn.score)}")
        self.badge.setToolTip(
            self.tr("Model %1, scored %2")
            .replace("%1", churn.model_version)
            .replace("%2", words.moment(churn.scored_at))
        )  # fmt: skip
        look.set_badge(self.badge, churn.level.value)  # the style sheet's names

    def _paint_charts(self, snapshots: tuple[MonthlySnapshot, ...]) -> None:
        xs = list(range(len(snapshots)))
        wan = 1_000_000.0  # fen per ¥10,000
        self.aum_curve.setData(xs, [s.aum_fen / wan for s in snapshots])
        self.deposit_curve.setData(xs, [s.deposits_fen / wan for s in snapshots])
        self.wealth_curve.setData(xs, [s.wealth_fen / wan for s in snapshots])
        self.loan_curve.setData(xs, [s.loans_fen / wan for s in snapshots])
        self.activity_bars.setOpts(x=xs, height=[s.txn_count for s in snapshots], width=0.7)
        step = max(1, len(snapshots) // 8)
        ticks = [[(i, s.month) for i, s in enumerate(snapshots) if i % step == 0]]
        for chart in (self.aum_chart, self.activity_chart):
            chart.getAxis("bottom").setTicks(ticks)
            chart.enableAutoRange()

    def _paint_score_history(self, view: ProfileView) -> None:
        points = view.score_history
        xs = list(range(len(points)))
        self.score_curve.setData(xs, [pt.score * 100 for pt in points])
        amber, red = view.thresholds
        self.amber_line.setValue(amber * 100)
        self.red_line.setValue(red * 100)
        self.score_chart.getAxis("bottom").setTicks(
            [[(i, pt.month) for i, pt in enumerate(points)]]
        )
        self.score_chart.setXRange(-0.5, max(len(points), 6) - 0.5)
        top = max([pt.score * 100 for pt in points] + [red * 100]) * 1.2 or 1.0
        self.score_chart.setYRange(0, top)
        # One month scored is a value in words; the chart shows from two.
        single = len(points) < 2
        self.score_chart.setVisible(not single)
        self.score_caption.setVisible(not single)
        self.score_value.setVisible(single)
        self.score_value.setText(
            self.tr("Leave probability in %1: %2")
            .replace("%1", points[0].month)
            .replace("%2", words.percent(points[0].score))
            if len(points) == 1
            else self.tr("Not scored yet.")
            if not points
            else ""
        )

    # --- actions --------------------------------------------------------------------------

    def log_contact(self) -> None:
        if self.customer_id:
            self.ctx.new_note.emit(self.customer_id)

    def new_task(self) -> TaskDialog | None:
        if not self.customer_id:
            return None
        dialog = TaskDialog(self.ctx, customer_id=self.customer_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._create_task(dialog.create_job()))
        dialog.open()
        return dialog

    def create_suggested_task(self, reason_code: str) -> None:
        """A retention follow-up (source churn_action) from the playbook's suggestion."""
        suggestion = self.suggestions.get(reason_code)
        if suggestion is None or not self.customer_id:
            return
        cid, code = self.customer_id, suggestion.reason.code
        title = words.action_text(suggestion.action.action)
        self._create_task(
            lambda s: churn_service.create_task_from_suggestion(s, cid, code, title=title)
        )

    def acknowledge_flag(self) -> None:
        """The RM has seen the churn flag (recorded and sent to the central CRM)."""
        if self.customer_id:
            cid = self.customer_id
            self.ctx.write(lambda s: churn_service.acknowledge(s, cid), owner=self)

    def _create_task(self, job: Any) -> None:
        self.ctx.write(job, lambda result: self.task_created.emit(result[0]), owner=self)

    def request_reveal(self, field_name: str) -> RevealDialog | None:
        """Ask for a reason, then reveal through the audited service call."""
        if not self.customer_id:
            return None
        dialog = RevealDialog(field_name, self)
        dialog.accepted.connect(lambda: self._reveal_chosen(field_name, dialog.chosen()))
        open_dialog(self, "reveal_dialog", dialog)
        return dialog

    def _reveal_chosen(self, field_name: str, reason: RevealReason | None) -> None:
        if reason is not None:  # OK is enabled only once a reason is chosen
            self.reveal(field_name, reason)

    def reveal(self, field_name: str, reason: RevealReason) -> None:
        cid = self.customer_id
        if not cid:
            return
        self.ctx.db(
            lambda s: book_service.reveal(s, cid, field_name, reason=reason),
            lambda value: self._revealed(cid, field_name, value),
            owner=self,
        )

    def copy_field(self, field_name: str) -> None:
        """Copy the personal field as it is shown: the masked text, or — after a reveal —
        the plain value, which is audited before it reaches the clipboard."""
        cid = self.customer_id
        if not cid:
            return
        if field_name in self.plain:
            clipboard.copy(
                self.plain[field_name], ctx=self.ctx, revealed=(cid, field_name), owner=self
            )
        elif self.personal_values[field_name].text() != "—":
            clipboard.copy(self.personal_values[field_name].text())

    # --- editing --------------------------------------------------------------------------

    def edit_contact(self) -> ContactDialog | None:
        """Mobile, e-mail and tags (`customers.update_contact`); the dialog stays open
        with what was typed until the change is saved."""
        view, cid = self.view, self.customer_id
        if view is None or not cid or not view.can_edit_contact:
            return None
        dialog = ContactDialog(view.profile.customer, self)
        dialog.submitted.connect(
            lambda: self._save(
                dialog,
                lambda s: customers_service.update_contact(s, cid, **dialog.changes()),
                self.tr("Contact details saved; they sync with the next sync."),
            )
        )
        open_dialog(self, "edit_dialog", dialog)
        return dialog

    def request_change(self) -> ChangeRequestDialog | None:
        """A new value for a regulated field, for the bank to review
        (`customers.request_change`)."""
        view, cid = self.view, self.customer_id
        if view is None or not cid or not view.can_request_change:
            return None
        dialog = ChangeRequestDialog(cid, self)
        dialog.submitted.connect(
            lambda: self._save(
                dialog,
                lambda s: customers_service.request_change(s, cid, *dialog.chosen()),
                self.tr("Change requested; the bank reviews it before the record changes."),
            )
        )
        open_dialog(self, "edit_dialog", dialog)
        return dialog

    def _save(
        self,
        dialog: ContactDialog | ChangeRequestDialog,
        job: Callable[[Session], Changes],
        notice: str,
    ) -> None:
        def done(_changes: object) -> None:
            self.edit_notice.setText(notice)
            if self.edit_dialog is dialog:  # not closed meanwhile
                dialog.saved()

        def failed(exc: BaseException) -> None:
            if self.edit_dialog is dialog:
                from ui.messages import describe  # noqa: PLC0415  (as AppContext.report)

                dialog.failed(describe(exc))
            else:
                self.ctx.report(exc)

        self.ctx.write(job, done, failed, owner=self)

    def _revealed(self, customer_id: str, field_name: str, value: str) -> None:
        if customer_id != self.customer_id:
            return
        self.personal_values[field_name].setText(value or "—")
        self.plain[field_name] = value
        self.copy_actions[field_name].setEnabled(bool(value))
        self.reveal_buttons[field_name].setEnabled(False)
        self.revealed.emit(field_name, value)
