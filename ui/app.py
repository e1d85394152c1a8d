"""Application bootstrap: QApplication, demo provisioning, the main window.

This first window lists the book (the full desktop app follows in its own issue).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rm_desk.services import book as book_service
from rm_desk.services import config
from rm_desk.services.demo import start_demo
from rm_desk.services.session import Session
from ui.book_model import BookTableModel


class BookWindow(QMainWindow):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle(self.tr("RM Desk — My book"))
        central = QWidget()
        layout = QVBoxLayout(central)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(self.tr("Search name, pinyin, initials, CIF, phone…"))
        self.search_box.setAccessibleName(self.tr("Search customers"))
        self.search_box.textChanged.connect(self._on_search)
        layout.addWidget(self.search_box)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Book of customers"))
        self.model = BookTableModel(lambda pks: book_service.book_rows(session, pks))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.setCentralWidget(central)
        self.resize(1200, 720)
        self.show_all()

    def show_all(self) -> None:
        ids = book_service.book_ids(self.session)
        self.model.set_ids(ids)
        self.status.setText(self.tr("%n customer(s)", "", len(ids)))

    def _on_search(self, text: str) -> None:
        if not text.strip():
            self.show_all()
            return
        hits = book_service.search_customers(self.session, text, limit=200)
        self.model.set_ids([h.pk for h in hits])
        self.status.setText(self.tr("%n match(es)", "", len(hits)))


def run(
    *,
    data_dir: str | None,
    lang: str | None,
    demo: bool,
    screenshots: str | None,
    demo_customers: int = 5000,
) -> int:
    if not demo:
        from rm_desk.cli import CliError  # noqa: PLC0415

        raise CliError("the login window arrives with the desktop app; use --demo for now")
    _ = (config, lang, data_dir)
    if screenshots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    base = Path(tempfile.mkdtemp(prefix="rm-desk-demo-"))
    print(f"rm-desk: starting the demo bank ({demo_customers} customers) in {base} …")
    demo_env = start_demo(base, customers=demo_customers)
    print(f"rm-desk: demo gateway {demo_env.url}; sign in as {demo_env.user} / {demo_env.password}")
    session = demo_env.session
    window = BookWindow(session)
    window.show()
    if screenshots:
        out = Path(screenshots)
        out.mkdir(parents=True, exist_ok=True)
        window.table.resizeColumnsToContents()
        window.grab().save(str(out / "book.png"))
        window.close()
        demo_env.close()
        return 0
    code = app.exec()
    demo_env.close()
    _ = Qt
    return int(code)
