"""The note editor: log a visit, call or service contact, or amend a saved one.

Typed text is never lost: while the editor is open its fields are saved as a draft
in the encrypted store every few seconds when something changed, when it is
cancelled or closed, and when the window locks (`save_draft_now`). After a crash
the draft is still there: `DraftsDialog` lists the unfinished notes and
`NoteEditor(ctx, draft_id=...)` brings one back. Saving logs the contact through
`notes.log_interaction` on the database thread (offline: it waits in the outbox),
broadcasts what changed and removes the draft in the same transaction.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QLocale,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.book import SearchHit
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import Interaction, InteractionKind
from rm_desk.services import book as book_service
from rm_desk.services import notes as note_service
from rm_desk.services.changes import Changes
from rm_desk.services.notes import Draft, NoteInput
from rm_desk.services.session import Session
from ui import words
from ui.context import AppContext
from ui.messages import describe
from ui.models.rows import Column, ColumnsModel
from ui.views.base import push_button, row_table

AUTOSAVE_MS = 3000
DRAFT_KIND = "interaction"


def _split_participants(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"[,，;；、]", text) if p.strip())


def list_separator() -> str:
    """How names are joined in the interface language ("，" in Chinese, ", " otherwise)."""
    return "，" if QLocale().language() == QLocale.Language.Chinese else ", "


def _to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def _from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


class NoteEditor(QDialog):
    """Structured contact note with autosaved drafts (Ctrl+S saves, Esc keeps a draft)."""

    saved = Signal(object)  # the Interaction just logged
    draft_saved = Signal(str)  # draft id
    loaded = Signal()  # a resumed draft or the customer's name is shown

    def __init__(  # noqa: PLR0915  (builds the form)
        self,
        ctx: AppContext,
        customer_id: str | None = "",
        *,
        draft_id: str | None = None,
        amend: Interaction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id = amend.customer_id if amend is not None else (customer_id or "")
        self.supersedes_id: str | None = amend.id if amend is not None else None
        self.draft_id = draft_id or uuid7()
        self._dirty = False
        self._filling = False
        self._saving = False
        self._draft_stored = draft_id is not None
        self.setWindowTitle(self.tr("Amend contact note") if amend else self.tr("Log contact"))
        self.setAccessibleName(self.windowTitle())
        self.resize(640, 620)

        # customer: fixed, or searched when the editor was opened without one
        self.customer_label = QLabel(self.customer_id)
        self.customer_label.setAccessibleName(self.tr("Customer"))
        self.customer_search = QLineEdit()
        self.customer_search.setPlaceholderText(self.tr("Name, pinyin, initials or CIF"))
        self.customer_search.setAccessibleName(self.tr("Find the customer"))
        self.customer_choice = QComboBox()
        self.customer_choice.setAccessibleName(self.tr("Customer found"))
        self.customer_choice.currentIndexChanged.connect(self._customer_chosen)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._search)
        self.customer_search.textEdited.connect(lambda _t: self._search_timer.start())

        self.kind = QComboBox()
        self.kind.setAccessibleName(self.tr("Kind of contact"))
        for k in InteractionKind:  # the kinds this role may log (tellers: no visits)
            if ctx.session.may_log(k.value):
                self.kind.addItem(words.interaction_kind(k), k.value)
        now = ctx.session.clock()  # the session's clock, never the computer's
        self.occurred = QDateTimeEdit(_to_qdatetime(now))
        self.occurred.setCalendarPopup(True)
        self.occurred.setDisplayFormat(words.moment_pattern())
        self.occurred.setAccessibleName(self.tr("Time of the contact"))
        self.participants = QLineEdit()
        self.participants.setPlaceholderText(self.tr("Names, separated by commas"))
        self.participants.setAccessibleName(self.tr("Participants"))
        self.subject = QLineEdit()
        self.subject.setAccessibleName(self.tr("Subject"))
        self.note = QPlainTextEdit()
        self.note.setAccessibleName(self.tr("Note"))
        self.note.setTabChangesFocus(True)
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName(self.tr("Outcome"))
        self.next_step = QLineEdit()
        self.next_step.setAccessibleName(self.tr("Next step"))
        self.follow_up = QCheckBox(self.tr("Create a follow-up task"))
        self.follow_up.setAccessibleName(self.tr("Create a follow-up task from the next step"))
        today = now.astimezone().date()
        self.due = QDateEdit(QDate(today.year, today.month, today.day).addDays(7))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat(words.day_pattern())
        self.due.setAccessibleName(self.tr("Follow-up due date"))
        self.due.setEnabled(False)
        self.follow_up.toggled.connect(self.due.setEnabled)

        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Editor status"))
        self.status.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setAccessibleName(self.tr("Save the note (Ctrl+S)"))
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.keep_button = buttons.addButton(
            self.tr("Keep as draft"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.keep_button.setAccessibleName(self.tr("Close and keep the draft (Esc)"))
        self.discard_button = buttons.addButton(
            self.tr("Discard"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.discard_button.setAccessibleName(self.tr("Discard this note and its draft"))
        self.save_button.clicked.connect(self.save)
        self.keep_button.clicked.connect(self.reject)
        self.discard_button.clicked.connect(self.discard)
        for keys in (QKeySequence.StandardKey.Save, QKeySequence("Ctrl+Return")):
            QShortcut(keys, self).activated.connect(self.save)

        form = QFormLayout()
        if self.customer_id:
            form.addRow(self.tr("Customer"), self.customer_label)
            self.customer_search.hide()
            self.customer_choice.hide()
        else:
            pick = QHBoxLayout()
            pick.addWidget(self.customer_search, 1)
            pick.addWidget(self.customer_choice, 1)
            form.addRow(self.tr("Customer"), pick)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Time"), self.occurred)
        form.addRow(self.tr("Participants"), self.participants)
        form.addRow(self.tr("Subject"), self.subject)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.tr("Outcome"), self.outcome)
        form.addRow(self.tr("Next step"), self.next_step)
        follow = QHBoxLayout()
        follow.addWidget(self.follow_up)
        follow.addWidget(self.due)
        follow.addStretch(1)
        form.addRow("", follow)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        if amend is not None:
            self._fill_from_interaction(amend)
        for signal in (
            self.kind.currentIndexChanged,
            self.occurred.dateTimeChanged,
            self.participants.textChanged,
            self.subject.textChanged,
            self.note.textChanged,
            self.outcome.textChanged,
            self.next_step.textChanged,
            self.follow_up.toggled,
            self.due.dateChanged,
            self.customer_choice.currentIndexChanged,
        ):
            signal.connect(self._mark_dirty)

        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self._autosave)
        self.autosave.start()

        if draft_id is not None:
            self.ctx.db(note_service.drafts, self._resume, owner=self)
        elif self.customer_id:
            cif = self.customer_id
            self.ctx.db(lambda s: book_service.search_customers(s, cif, 5), self._named,
                        owner=self)  # fmt: skip
        self.subject.setFocus()

    # --- state ------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _mark_dirty(self, *_: object) -> None:
        if not self._filling:
            self._dirty = True

    def has_content(self) -> bool:
        return any(
            w.text().strip()
            for w in (self.subject, self.outcome, self.next_step, self.participants)
        ) or bool(self.note.toPlainText().strip())

    def fields(self) -> dict[str, Any]:
        """The form as plain data (what a draft stores)."""
        return {
            "kind": self.kind.currentData(),
            "occurred_at": _from_qdatetime(self.occurred.dateTime()).isoformat(),
            "participants": list(_split_participants(self.participants.text())),
            "subject": self.subject.text(),
            "note": self.note.toPlainText(),
            "outcome": self.outcome.text(),
            "next_step": self.next_step.text(),
            "follow_up": self.follow_up.isChecked(),
            "due": self.due.date().toString(Qt.DateFormat.ISODate),
            "supersedes_id": self.supersedes_id,
        }

    def _fill(self, f: dict[str, Any]) -> None:
        self._filling = True
        try:
            i = self.kind.findData(str(f.get("kind") or InteractionKind.VISIT.value))
            self.kind.setCurrentIndex(max(i, 0))
            when = f.get("occurred_at")
            if isinstance(when, str) and when:
                self.occurred.setDateTime(_to_qdatetime(datetime.fromisoformat(when)))
            self.participants.setText(
                list_separator().join(str(p) for p in f.get("participants") or [])
            )
            self.subject.setText(str(f.get("subject") or ""))
            self.note.setPlainText(str(f.get("note") or ""))
            self.outcome.setText(str(f.get("outcome") or ""))
            self.next_step.setText(str(f.get("next_step") or ""))
            self.follow_up.setChecked(bool(f.get("follow_up")))
            due = f.get("due")
            if isinstance(due, str) and due:
                self.due.setDate(QDate.fromString(due, Qt.DateFormat.ISODate))
            sup = f.get("supersedes_id")
            self.supersedes_id = str(sup) if sup else None
        finally:
            self._filling = False

    def _fill_from_interaction(self, i: Interaction) -> None:
        self._fill(
            {
                "kind": i.kind.value,
                "occurred_at": i.occurred_at.isoformat(),
                "participants": list(i.participants),
                "subject": i.subject,
                "note": i.note,
                "outcome": i.outcome,
                "next_step": i.next_step,
                "supersedes_id": i.id,
            }
        )
        self.status.setText(
            self.tr("The saved note stays in the history; this amendment refers to it.")
        )

    # --- loading --------------------------------------------------------------------------

    def _resume(self, drafts: list[Draft]) -> None:
        draft = next((d for d in drafts if d.id == self.draft_id), None)
        if draft is None:
            self.status.setText(self.tr("This draft no longer exists (it was saved or discarded)."))
            self.loaded.emit()
            return
        if draft.customer_id and not self.customer_id:
            self.customer_id = draft.customer_id
            self.customer_search.setText(draft.customer_id)
            self._search()
        self.customer_label.setText(draft.customer_id or "")
        self._fill(draft.fields)
        self.status.setText(
            self.tr("Draft restored (last saved %1).").replace(
                "%1",
                words.moment(draft.updated_at),
            )
        )
        self.loaded.emit()

    def _named(self, hits: list[SearchHit]) -> None:
        hit = next((h for h in hits if h.cif == self.customer_id), None)
        if hit is not None:
            self.customer_label.setText(f"{hit.name}  ({hit.cif})")
        self.loaded.emit()

    def _search(self) -> None:
        text = self.customer_search.text().strip()
        if not text:
            return
        self.ctx.db(lambda s: book_service.search_customers(s, text, 20), self._found, owner=self)

    def _found(self, hits: list[SearchHit]) -> None:
        self._filling = True
        try:
            self.customer_choice.clear()
            for h in hits:
                self.customer_choice.addItem(f"{h.name}  {h.cif}", h.cif)
            i = self.customer_choice.findData(self.customer_id) if self.customer_id else 0
            self.customer_choice.setCurrentIndex(max(i, 0) if hits else -1)
        finally:
            self._filling = False
        self._customer_chosen()

    def _customer_chosen(self, *_: object) -> None:
        cif = self.customer_choice.currentData()
        if isinstance(cif, str) and cif:
            self.customer_id = cif

    # --- drafts ---------------------------------------------------------------------------

    def _autosave(self) -> None:
        if self._dirty:
            self.save_draft_now()

    def save_draft_now(self) -> None:
        """Queue the form as a draft (on lock, close, cancel and by the autosave timer)."""
        if self._saving or not self.has_content():
            return
        draft_id, cif, fields = self.draft_id, self.customer_id or None, self.fields()
        self._dirty = False
        self._draft_stored = True
        self.ctx.write(
            lambda s: note_service.save_draft(s, draft_id, cif, fields),
            lambda _c: self._draft_done(),
            self._draft_failed,
            owner=self,
        )

    def _draft_done(self) -> None:
        self.status.setText(
            self.tr("Draft saved at %1.").replace(
                "%1",
                words.clock_time(self.ctx.session.clock()),
            )
        )
        self.draft_saved.emit(self.draft_id)

    def _draft_failed(self, exc: BaseException) -> None:
        self._dirty = True  # try again on the next tick
        self.status.setText(describe(exc))

    def reject(self) -> None:
        """Cancel, Esc or closing the window: the typed text stays as a draft."""
        self.autosave.stop()
        if self._dirty:
            self.save_draft_now()
        super().reject()

    def fill_example(self) -> None:
        """A representative visit note (the screenshot run); not saved as a draft."""
        self._fill(
            {
                "kind": InteractionKind.VISIT.value,
                "participants": [self.tr("Customer"), self.tr("Spouse")],
                "subject": self.tr("Term deposit maturing next month"),
                "note": self.tr(
                    "Visited at home. The 500,000 term deposit matures on the 15th; the "
                    "customer compares our rate with another bank. Interested in a "
                    "large-denomination certificate of deposit and a low-risk wealth product."
                ),
                "outcome": self.tr("Interested; wants the rate sheet"),
                "next_step": self.tr("Send the CD rate sheet and call back"),
                "follow_up": True,
            }
        )

    def discard_quietly(self) -> None:
        """Close without keeping anything (the screenshot run's example)."""
        self.autosave.stop()
        self._dirty = False
        super().reject()

    def discard(self) -> None:
        self.autosave.stop()
        self._dirty = False
        if self._draft_stored:
            draft_id = self.draft_id
            self.ctx.write(lambda s: note_service.discard_draft(s, draft_id))
        super().reject()

    # --- saving ---------------------------------------------------------------------------

    def note_input(self) -> NoteInput:
        f = self.fields()
        due: date | None = None
        if self.follow_up.isChecked():
            due = self.due.date().toPython()  # type: ignore[assignment]
        return NoteInput(
            customer_id=self.customer_id,
            kind=InteractionKind(f["kind"]),
            occurred_at=datetime.fromisoformat(f["occurred_at"]),
            subject=f["subject"],
            note=f["note"],
            participants=tuple(f["participants"]),
            outcome=f["outcome"],
            next_step=f["next_step"],
            next_step_due=due,
            supersedes_id=self.supersedes_id,
        )

    def save(self) -> None:
        if self._saving:
            return
        if not self.customer_id:
            self.status.setText(self.tr("Choose the customer first."))
            return
        data = self.note_input()
        draft_id = self.draft_id
        self._saving = True
        self.autosave.stop()
        self.save_button.setEnabled(False)
        self.status.setText(self.tr("Saving…"))

        def job(session: Session) -> tuple[Interaction, Changes]:
            interaction, _task, changes = note_service.log_interaction(
                session, data, draft_id=draft_id
            )
            return interaction, changes

        self.ctx.write(
            job,
            self._saved,
            self._save_failed,
            owner=self,
        )

    def _saved(self, result: tuple[Interaction, Changes]) -> None:
        self._dirty = False
        self.saved.emit(result[0])
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.autosave.start()
        self.status.setText(describe(exc))


def open_note_editor(
    ctx: AppContext,
    customer_id: str = "",
    *,
    draft_id: str | None = None,
    amend: Interaction | None = None,
    parent: QWidget | None = None,
) -> NoteEditor:
    """Show a non-modal editor (what the window connects to `ctx.new_note`)."""
    editor = NoteEditor(ctx, customer_id, draft_id=draft_id, amend=amend, parent=parent)
    editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    editor.show()
    return editor


# --- unfinished notes ---------------------------------------------------------------------


class DraftListModel(ColumnsModel[Draft]):
    """Unfinished notes, latest first: saved at, customer, subject."""

    def column_specs(self) -> tuple[Column[Draft], ...]:
        return (
            Column(
                "saved",
                lambda: self.tr("Last saved"),
                lambda d: words.moment(d.updated_at),
            ),
            Column("customer", lambda: self.tr("Customer"), lambda d: d.customer_id or ""),
            Column("subject", lambda: self.tr("Subject or text"), _draft_text),
        )

    def row_value(self, row: Draft) -> str:
        return row.id


def _draft_text(d: Draft) -> str:
    text = str(d.fields.get("subject") or "").strip() or str(d.fields.get("note") or "")
    return text.strip().replace("\n", " ")[:80]


class DraftsDialog(QDialog):
    """The 'resume draft' entry point: pick an unfinished note to continue."""

    resume = Signal(str)  # draft id
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Unfinished notes"))
        self.model = DraftListModel(self)
        self.table = row_table(self.model, self.tr("Unfinished notes"))
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self._resume())
        open_button = push_button(
            self.tr("Resume"), self.tr("Resume the selected note"), self._resume
        )
        close = push_button(self.tr("Close"), self.tr("Close the list"), self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(open_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.resize(640, 360)
        self.reload()

    def reload(self) -> None:
        self.ctx.db(note_service.drafts, self._show, owner=self)

    def _show(self, drafts: list[Draft]) -> None:
        self.model.set_rows(drafts)
        if drafts:
            self.table.selectRow(0)
        self.loaded.emit()

    def _resume(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.resume.emit(str(self.model.data(rows[0], Qt.ItemDataRole.UserRole)))
        self.accept()
