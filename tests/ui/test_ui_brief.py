"""The visit brief: one A4 page per customer, its text extractable (pdftotext), masked
as on screen, audited, written whole or not at all; from the customer page and from
`rm-desk brief`."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from local_store import audit, book
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import Role
from rm_desk.services import book as book_service
from rm_desk.services import brief
from rm_desk.services.session import Session
from tests.conftest import PASSWORD, MakeSession

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.context import AppContext

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed",
)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return out.stdout


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def flat(text: str) -> str:
    """Text without spaces and line breaks (a long line may wrap in the extraction)."""
    return "".join(text.split())


def at_risk_customer(session: Session) -> str:
    """The customer with the most churn reasons, then the most contacts and holdings."""
    with session.store.read() as conn:
        cif: str = conn.exec_driver_sql(
            "SELECT c.id FROM customers c JOIN churn_scores s ON s.customer_id = c.id "
            "ORDER BY length(s.reasons) DESC, c.aum_fen DESC LIMIT 1"
        ).scalar_one()
    return cif


def prints(session: Session) -> list[audit.AuditEntry]:
    with session.store.read() as conn:
        return [e for e in audit.entries(conn, limit=100_000) if e.action == "print"]


@pytest.fixture
def english(qapp: object) -> None:
    from ui import i18n  # noqa: PLC0415

    i18n.install("en")


def write_brief(session: Session, cif: str, path: Path, lang: str) -> brief.BriefData:
    from ui import brief_pdf  # noqa: PLC0415

    data = brief.gather(session, cif)
    brief.save(session, brief_pdf.render_pdf([data]), path, [cif], lang=lang)
    return data


def test_chinese_brief_is_one_page_with_the_name_and_the_churn_reasons(
    chinese: None, session: Session, tmp_path: Path
) -> None:
    from ui import words  # noqa: PLC0415

    cif = at_risk_customer(session)
    with session.store.read() as conn:
        name = book.get_customer(conn, cif).name
    out = tmp_path / "brief.pdf"
    data = write_brief(session, cif, out, "zh_CN")
    assert pdf_pages(out) == 1
    text = flat(pdf_text(out))
    assert name in text
    assert data.reasons, "the chosen customer has churn reasons"
    for reason in data.reasons:
        assert flat(words.reason_text(reason)) in text
    for point in data.talking_points:
        assert flat(words.action_text(point.action.action)) in text
    assert "拜访简报" in text
    assert "流失原因" in text
    assert [e.entity_id for e in prints(session)] == [cif]
    assert prints(session)[0].detail == {"pages": 1, "lang": "zh_CN", "to": "pdf"}
    assert os.stat(out).st_mode & 0o077 == 0


def test_radicals_are_extracted_as_the_characters_drawn(chinese: None, tmp_path: Path) -> None:
    """CJK fonts share a glyph between 小 and the Kangxi radical ⼩; the PDF names the
    character drawn."""
    from PySide6.QtGui import QPainter, QPdfWriter  # noqa: PLC0415

    from ui import brief_pdf  # noqa: PLC0415

    out = tmp_path / "probe.pdf"
    writer = QPdfWriter(str(out))
    painter = QPainter(writer)
    page = brief_pdf.Page(painter, writer)
    page.start()
    page.line("王小明 一心 长风 2,409")
    painter.end()
    raw = out.read_bytes()
    out.write_bytes(brief_pdf.fix_to_unicode(raw, "".join(page.drawn), brief_pdf._fonts()))
    text = pdf_text(out)
    assert "王小明一心长风2,409" in flat(text)
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in text)


def test_teller_brief_shows_masked_personal_data_only(
    english: None, make_session: MakeSession, tmp_path: Path
) -> None:
    teller = make_session("teller01", role=Role.TELLER)
    cif = at_risk_customer(teller)
    with teller.store.read() as conn:
        stored = book.get_customer(conn, cif)
    shown = book_service.masked_customer(teller, stored)
    out = tmp_path / "teller.pdf"
    data = write_brief(teller, cif, out, "en")
    text = pdf_text(out)
    assert data.customer.mobile == shown.mobile
    assert "*" in shown.mobile
    assert shown.mobile in text
    assert shown.id_number in text
    assert stored.mobile not in text
    assert stored.id_number not in text
    assert "Branch staff" in text
    assert [e.entity_id for e in prints(teller)] == [cif]


def test_a_customer_without_holdings_says_so(
    english: None, session: Session, tmp_path: Path
) -> None:
    from ui import brief_pdf  # noqa: PLC0415

    data = dataclasses.replace(brief.gather(session, at_risk_customer(session)),
                               holdings=(), holdings_total=0, contacts=(), contacts_total=0,
                               tasks=(), tasks_total=0)  # fmt: skip
    out = tmp_path / "empty.pdf"
    out.write_bytes(brief_pdf.render_pdf([data]))
    text = pdf_text(out)
    assert "No holdings with the bank." in text
    assert "No contact recorded yet." in text
    assert "No open follow-up." in text
    assert pdf_pages(out) == 1


def test_lists_are_capped_to_fit_one_page(english: None, session: Session, tmp_path: Path) -> None:
    from ui import brief_pdf  # noqa: PLC0415

    data = brief.gather(session, at_risk_customer(session))
    contacts = (data.contacts * 10)[: brief.SHOWN_CONTACTS]
    data = dataclasses.replace(data, contacts=contacts, contacts_total=40)
    out = tmp_path / "many.pdf"
    out.write_bytes(brief_pdf.render_pdf([data, data]))
    assert pdf_pages(out) == 2  # one page per customer, never more
    assert pdf_text(out).count(f"… and {40 - brief.SHOWN_CONTACTS} more") == 2


def test_a_place_that_cannot_be_written_leaves_nothing_and_says_why(
    english: None, session: Session, tmp_path: Path
) -> None:
    from ui import brief_pdf  # noqa: PLC0415

    cif = at_risk_customer(session)
    document = brief_pdf.render_pdf([brief.gather(session, cif)])
    place = tmp_path / "out"
    place.mkdir()
    blocker = place / "a-file"
    blocker.write_text("not a folder")
    for target in (place / "missing" / "b.pdf", blocker / "b.pdf", place):
        with pytest.raises(brief.OutputFailed) as caught:
            brief.save(session, document, target, [cif], lang="en")
        assert caught.value.code is ErrorCode.OUTPUT_NOT_WRITABLE
        assert str(target) in str(caught.value)
    assert sorted(p.name for p in place.iterdir()) == ["a-file"]
    assert prints(session) == []


def test_the_customer_page_saves_the_brief(
    qtbot: QtBot, ctx: AppContext, session: Session, tmp_path: Path, english: None
) -> None:
    from ui.views.profile import CustomerPage  # noqa: PLC0415

    cif = at_risk_customer(session)
    page = CustomerPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_customer(cif)
    assert not page.brief.button.isHidden()  # an RM may print
    assert page.brief.button.text() == "Visit brief…"
    out = tmp_path / "from-page.pdf"
    with qtbot.waitSignal(page.brief.saved, timeout=20_000) as saved:
        page.brief.save(cif, out)
    assert saved.args == [str(out)]
    assert pdf_pages(out) == 1
    assert [e.entity_id for e in prints(session)] == [cif]


def test_the_customer_page_reports_a_folder_that_cannot_be_written(
    qtbot: QtBot, ctx: AppContext, session: Session, tmp_path: Path, english: None
) -> None:
    from ui.views.profile import CustomerPage  # noqa: PLC0415

    cif = at_risk_customer(session)
    page = CustomerPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.brief.failed, timeout=20_000) as failed:
        page.brief.save(cif, tmp_path / "out" / "b.pdf")
    assert "cannot be written" in failed.args[0]
    assert not (tmp_path / "out").exists()
    assert prints(session) == []


# --- the command line -------------------------------------------------------------------------


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RM_DESK_DATA_DIR": str(data_dir),
           "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "rm_desk.cli", *args, "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_rm_desk_brief_command(make_session: MakeSession, tmp_path: Path) -> None:
    session = make_session(customers=40)
    cif = at_risk_customer(session)
    with session.store.read() as conn:
        name = book.get_customer(conn, cif).name
    session.lock()
    data = tmp_path / "data"
    out = tmp_path / "one.pdf"

    done = run_cli(data, "--lang", "zh_CN", "brief", "--user", "rm001", "--customer", cif,
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert pdf_pages(out) == 1
    assert name in flat(pdf_text(out))

    bad = run_cli(data, "brief", "--user", "rm001", "--customer", "NO-SUCH", "--out",
                  str(tmp_path / "bad.pdf"))  # fmt: skip
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1
    assert bad.stderr.startswith("rm-desk: error: ")
    assert "NO-SUCH" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "bad.pdf").exists()

    nowhere = run_cli(data, "brief", "--user", "rm001", "--customer", cif, "--out",
                      str(tmp_path / "missing" / "x.pdf"))  # fmt: skip
    assert nowhere.returncode == 1
    assert "cannot be written" in nowhere.stderr
    assert len(nowhere.stderr.strip().splitlines()) == 1

    today = run_cli(data, "brief", "--user", "rm001", "--today", "--out",
                    str(tmp_path / "today.pdf"))  # fmt: skip
    assert today.returncode == 0, today.stderr
    # "today" is the wall clock's in the command (the book's dates are frozen): either
    # one page per customer with a follow-up due, or nothing written and said so
    if (tmp_path / "today.pdf").exists():
        assert pdf_pages(tmp_path / "today.pdf") >= 1
        assert "page" in today.stdout
    else:
        assert "nothing written" in today.stdout
