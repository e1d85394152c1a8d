"""A list page's "Export…": the list on screen (with its filter) to a CSV or XLSX file.

The user picks the file (QFileDialog; the format follows its type), then confirms a
sentence naming what leaves the application: which list, how many rows, whether personal
fields are masked, the format and the file (the file is not encrypted). The export then
runs on the network pool, off the database thread too (it reads through its own read
connection; the audit entry is written by the database thread), with a progress dialog
whose Cancel stops it; a failure or a cancel leaves no file (`rm_desk.services.export`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from rm_desk.services import export as export_service
from rm_desk.services.export import (
    ExportCancelled,
    ExportFormat,
    ExportPlan,
    ExportRequest,
    ExportResult,
)
from ui import export_words, look
from ui.context import AppContext


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask the user to confirm `text` (the one boundary tests replace)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Ok


class _Progress(QObject):
    moved = Signal(int, int)  # rows written, rows in all (emitted on the worker thread)


class ExportAction(QObject):
    """The "Export…" button of a page and the export it starts."""

    exported = Signal(str)  # the path written
    failed = Signal(str)  # the sentence shown
    cancelled = Signal()

    def __init__(
        self,
        ctx: AppContext,
        page: QWidget,
        request: Callable[[], ExportRequest],
        list_name: Callable[[], str],
        file_stem: str,
    ) -> None:
        super().__init__(page)
        self.ctx = ctx
        self.page = page
        self.request = request
        self.list_name = list_name
        self.file_stem = file_stem
        self.button = QPushButton(look.icon("export"), self.tr("Export…"))
        self.button.setAccessibleName(self.tr("Export this list to a CSV or Excel file"))
        self.button.setToolTip(self.button.accessibleName())
        self.button.clicked.connect(self.start)
        self.progress: QProgressDialog | None = None
        self._ticker: _Progress | None = None
        self._stop = threading.Event()
        self.refresh()

    def refresh(self) -> None:
        """Shown only to a role that may export this list."""
        kind = self.request().kind
        self.button.setVisible(export_service.may_export(self.ctx.session, kind))

    # --- asking -----------------------------------------------------------------------------

    def start(self) -> None:
        """Count what would leave (database thread), then ask for the file and confirm."""
        request = self.request()
        self.button.setEnabled(False)
        self.ctx.db(
            lambda s: export_service.plan(s, request),
            lambda plan: self._ask(request, plan),
            self._failed,
            owner=self,
        )

    def _ask(self, request: ExportRequest, plan: ExportPlan) -> None:
        self.button.setEnabled(True)
        csv_filter = self.tr("CSV, UTF-8 (*.csv)")
        xlsx_filter = self.tr("Excel workbook (*.xlsx)")
        path, chosen = QFileDialog.getSaveFileName(
            self.page,
            self.tr("Export %1").replace("%1", self.list_name()),
            str(Path.home() / f"{self.file_stem}.xlsx"),
            f"{xlsx_filter};;{csv_filter}",
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() == ".csv" or (not target.suffix and chosen == csv_filter):
            fmt = ExportFormat.CSV
        else:
            fmt = ExportFormat.XLSX
        if target.suffix.lower() != f".{fmt.value}":
            target = target.with_name(f"{target.name}.{fmt.value}")
        if confirm(self.page, self.tr("Export"), self.sentence(plan, fmt, target)):
            self.run(request, fmt, target, plan.rows)

    def sentence(self, plan: ExportPlan, fmt: ExportFormat, target: Path) -> str:
        if not plan.personal_columns:
            personal = self.tr("Personal fields: none in this list")
        elif plan.masked:
            personal = self.tr("Personal fields (mobile, e-mail): masked")
        else:
            personal = self.tr("Personal fields (mobile, e-mail): in full, not masked")
        form = self.tr("CSV (UTF-8)") if fmt is ExportFormat.CSV else self.tr("Excel workbook")
        lines = [
            self.tr("This will take the following out of RM Desk:"),
            "",
            self.tr("List: %1").replace("%1", self.list_name()),
            self.tr("Rows: %1").replace("%1", self.page.locale().toString(plan.rows)),
            personal,
            self.tr("Format: %1").replace("%1", form),
            self.tr("File: %1").replace("%1", str(target)),
            "",
            self.tr("The file is not encrypted. The export is recorded in the audit log."),
        ]
        return "\n".join(lines)

    # --- running ----------------------------------------------------------------------------

    def run(self, request: ExportRequest, fmt: ExportFormat, target: Path, total: int) -> None:
        """Export in the background with a progress dialog whose Cancel stops it."""
        words = export_words.wording()  # translated here, on the GUI thread
        stop = self._stop = threading.Event()
        dialog = QProgressDialog(
            self.tr("Exporting %1…").replace("%1", self.list_name()),
            self.tr("Cancel"),
            0,
            max(total, 1),
            self.page,
        )
        dialog.setWindowTitle(self.tr("Export"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(stop.set)
        self.progress = dialog
        ticker = self._ticker = _Progress(self)
        ticker.moved.connect(self._moved, Qt.ConnectionType.QueuedConnection)
        session = self.ctx.session

        def job() -> ExportResult:
            return export_service.export(
                session, request, fmt, target, words=words, total=total,
                progress=ticker.moved.emit, cancelled=stop.is_set,
            )  # fmt: skip

        self.button.setEnabled(False)
        self.ctx.tasks.run_net(job, self._done, self._failed, owner=self)

    def _moved(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)

    def cancel(self) -> None:
        """What the progress dialog's Cancel does."""
        self._stop.set()

    def _close_progress(self) -> None:
        self.button.setEnabled(True)
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _done(self, result: ExportResult) -> None:
        self._close_progress()
        text = (
            self.tr("Exported %1 rows to %2")
            .replace("%1", self.page.locale().toString(result.rows))
            .replace("%2", str(result.path))
        )
        window = self.page.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 10000)
        self.exported.emit(str(result.path))

    def _failed(self, exc: BaseException) -> None:
        self._close_progress()
        if isinstance(exc, ExportCancelled):
            window = self.page.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(self.tr("Export cancelled; no file written"), 8000)
            self.cancelled.emit()
            return
        from ui.messages import describe  # noqa: PLC0415  (as AppContext.report)

        self.failed.emit(describe(exc))
        self.ctx.report(exc)
