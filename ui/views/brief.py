"""The customer page's "Visit brief…": save the one-page brief as a PDF, or print it.

The brief's data is read on the database thread (`rm_desk.services.brief.gather`); the
page is painted on the GUI thread into memory (QPainter and fonts belong to the GUI
thread; one page takes about 0.1 s, no disk); the file is written, and the print
audited, back on the database thread (`brief.save`: a temporary file beside the target,
renamed over it only when complete, so a full disk or a folder that is not writable
leaves nothing behind and says so).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QPushButton, QWidget

from rm_desk.domain.permissions import Action
from rm_desk.services import brief as brief_service
from rm_desk.services.brief import BriefData
from ui import brief_pdf, i18n, look
from ui.context import AppContext


class BriefActions(QObject):
    """Saves or prints the visit brief of the customer a page shows."""

    saved = Signal(str)  # the path written
    printed = Signal(str)  # customer id
    failed = Signal(str)  # the sentence shown

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page = parent
        self.button = QPushButton(look.icon("brief"), self.tr("Visit brief…"))
        self.button.setAccessibleName(self.tr("Save or print a one-page visit brief"))
        menu = QMenu(self.button)
        menu.addAction(self.tr("Save as PDF…"), self.ask_save)
        menu.addAction(self.tr("Print…"), self.ask_print)
        self.button.setMenu(menu)
        self.button.setVisible(ctx.session.may(Action.PRINT))
        self.customer_id = ""

    def ask_save(self) -> None:
        if not self.customer_id:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.page,
            self.tr("Save the visit brief"),
            str(Path.home() / f"brief-{self.customer_id}.pdf"),
            self.tr("PDF documents (*.pdf)"),
        )
        if path:
            self.save(self.customer_id, Path(path))

    def save(self, customer_id: str, path: Path) -> None:
        """Gather (database thread), paint (here), write and audit (database thread)."""
        lang = i18n.current_language()

        def painted(data: BriefData) -> None:
            try:
                document = brief_pdf.render_pdf([data])
            except OSError as exc:
                self._failed(exc)
                return
            self.ctx.db(
                lambda s: brief_service.save(s, document, path, [customer_id], lang=lang),
                lambda written: self.saved.emit(str(written)),
                self._failed,
                owner=self,
            )

        self.ctx.db(lambda s: brief_service.gather(s, customer_id), painted, self._failed,
                    owner=self)  # fmt: skip

    def ask_print(self) -> None:
        if not self.customer_id:
            return
        customer_id = self.customer_id
        self.ctx.db(
            lambda s: brief_service.gather(s, customer_id),
            lambda data: self._print(customer_id, data),
            self._failed,
            owner=self,
        )

    def _print(self, customer_id: str, data: BriefData) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # noqa: PLC0415

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.page)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            brief_pdf.paint(printer, [data])
        except OSError as exc:
            self._failed(exc)
            return
        lang = i18n.current_language()
        self.ctx.db(
            lambda s: brief_service.audit_print(s, [customer_id], lang=lang, medium="printer"),
            lambda _r: self.printed.emit(customer_id),
            self._failed,
            owner=self,
        )

    def _failed(self, exc: BaseException) -> None:
        from ui.messages import describe  # noqa: PLC0415  (as AppContext.report)

        self.failed.emit(describe(exc))
        self.ctx.report(exc)
