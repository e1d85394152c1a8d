"""Exports of the list on screen: masked by role, audited, nothing left behind on failure
(the window's Export…: tests/ui/test_ui_export.py; the command: tests/unit/test_cli.py)."""

from __future__ import annotations

import csv
import errno
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from local_store import audit
from rm_desk.domain.book import BookFilter
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import ChurnLevel, Role, Segment
from rm_desk.services import export
from rm_desk.services.brief import OutputFailed
from rm_desk.services.export import ExportFormat, ExportRequest, ListKind
from rm_desk.services.session import PermissionDenied, Session
from tests.conftest import MakeSession

BOOK = ExportRequest(ListKind.BOOK)
MOBILE = re.compile(r"^1\d{10}$")


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def read_xlsx(path: Path) -> list[list[str]]:
    """The first sheet's cells as text (inline and shared strings, numbers), row by row;
    fails if any cell is a formula."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            xml = z.read("xl/sharedStrings.xml").decode("utf-8")
            shared = [_unescape(t) for t in re.findall(r"<t[^>]*>(.*?)</t>", xml, re.S)]
    assert "<f>" not in sheet, "no cell of an export is a formula"
    rows: list[list[str]] = []
    for row_xml in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
        cells: list[str] = []
        for attrs, body in re.findall(r"<c([^>]*?)(?:/>|>(.*?)</c>)", row_xml, re.S):
            col = _column(re.search(r'r="([A-Z]+)\d+"', attrs).group(1))  # type: ignore[union-attr]
            while len(cells) < col:
                cells.append("")
            if 't="inlineStr"' in attrs:
                cells.append(_unescape(re.search(r"<t[^>]*>(.*?)</t>", body, re.S).group(1)))  # type: ignore[union-attr]
            elif 't="s"' in attrs:
                cells.append(shared[int(re.search(r"<v>(.*?)</v>", body).group(1))])  # type: ignore[union-attr]
            else:
                value = re.search(r"<v>(.*?)</v>", body)
                cells.append(value.group(1) if value else "")
        rows.append(cells)
    width = len(rows[0])
    return [r + [""] * (width - len(r)) for r in rows]


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )  # fmt: skip


def exports_of(session: Session) -> list[audit.AuditEntry]:
    with session.store.read() as conn:
        assert audit.verify(conn) is None
        return [e for e in audit.entries(conn, limit=100_000) if e.action == "export"]


def column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [r[index] for r in rows[1:]]


def full_mobiles(session: Session) -> set[str]:
    with session.store.read() as conn:
        return {r[0] for r in conn.exec_driver_sql("SELECT mobile FROM customers").fetchall()}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_teller_exports_masked_values_and_the_export_is_audited(
    make_session: MakeSession, tmp_path: Path, fmt: ExportFormat
) -> None:
    teller = make_session("t01", role=Role.TELLER, customers=40)
    out = tmp_path / f"book.{fmt}"
    result = export.export(teller, BOOK, fmt, out)
    rows = read_csv(out) if fmt is ExportFormat.CSV else read_xlsx(out)
    assert result.rows == len(rows) - 1 == 40
    assert result.masked
    mobiles = column(rows, "Mobile")
    assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", m) for m in mobiles), mobiles[:3]
    assert not set(mobiles) & full_mobiles(teller)
    assert all("*" in e for e in column(rows, "E-mail") if e)
    [entry] = exports_of(teller)
    assert (entry.actor, entry.entity, entry.entity_id) == ("t01", "list", "book")
    assert entry.detail == {"rows": 40, "format": fmt.value, "masked": True,
                            "filters": {"sort": "name"}}  # fmt: skip
    assert list(tmp_path.glob("*.part")) == []
    assert list(tmp_path.glob(".export.*")) == []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_an_rm_exports_full_values_and_the_export_is_audited(
    make_session: MakeSession, tmp_path: Path, fmt: ExportFormat
) -> None:
    rm = make_session("rm001", customers=40)
    out = tmp_path / f"book.{fmt}"
    result = export.export(rm, BOOK, fmt, out)
    rows = read_csv(out) if fmt is ExportFormat.CSV else read_xlsx(out)
    mobiles = column(rows, "Mobile")
    assert not result.masked
    assert set(mobiles) == full_mobiles(rm)
    assert all(MOBILE.match(m) for m in mobiles)
    [entry] = exports_of(rm)
    assert entry.detail["rows"] == 40
    assert entry.detail["masked"] is False


def test_the_book_exports_with_its_filter_and_the_audit_holds_codes_only(
    make_session: MakeSession, tmp_path: Path
) -> None:
    rm = make_session(customers=80)
    filt = BookFilter(segments=frozenset({Segment.AFFLUENT}))
    request = ExportRequest(ListKind.BOOK, book_filter=filt)
    planned = export.plan(rm, request)
    assert 0 < planned.rows < 80
    assert planned.personal_columns == ("mobile", "email")
    assert not planned.masked
    export.export(rm, request, ExportFormat.CSV, tmp_path / "a.csv")
    rows = read_csv(tmp_path / "a.csv")
    assert len(rows) - 1 == planned.rows
    assert set(column(rows, "Segment")) == {"affluent"}
    [entry] = exports_of(rm)
    assert entry.detail["filters"] == {"segments": ["affluent"], "sort": "name"}
    # Nothing about a customer in the audit entry: no CIF, name, mobile or path.
    text = repr(entry.detail)
    for row in rows[1:]:
        assert row[0] not in text
        assert row[1] not in text
        assert row[12] not in text
    assert "a.csv" not in text


def test_headers_and_values_follow_the_interface_language_and_cjk_round_trips(
    make_session: MakeSession, tmp_path: Path
) -> None:
    rm = make_session(customers=30)
    words = export.Wording(
        headers={"name": "姓名", "segment": "客户分层"},
        values={
            "segment:mass": "大众客户",
            "segment:affluent": "贵宾客户",
            "segment:private": "私人银行客户",
        },  # fmt: skip
        lang="zh_CN",
    )
    with rm.store.read() as conn:
        names = sorted(r[0] for r in conn.exec_driver_sql("SELECT name FROM customers"))
    assert any(ord(ch) > 0x2E80 for ch in "".join(names)), "the demo book has Chinese names"
    for fmt in ExportFormat:
        out = tmp_path / f"zh.{fmt}"
        export.export(rm, BOOK, fmt, out, words=words)
        rows = read_csv(out) if fmt is ExportFormat.CSV else read_xlsx(out)
        assert rows[0][:3] == ["CIF", "姓名", "客户分层"]
        assert sorted(column(rows, "姓名")) == names
        assert set(column(rows, "客户分层")) <= {"大众客户", "贵宾客户", "私人银行客户"}


def test_formula_like_text_is_neutralised(make_session: MakeSession, tmp_path: Path) -> None:
    rm = make_session(customers=5)
    evil = ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"]
    with rm.store.transaction() as conn:
        pks = [r[0] for r in conn.exec_driver_sql("SELECT pk FROM customers ORDER BY pk")]
        for pk, name in zip(pks, evil[:5], strict=True):
            conn.exec_driver_sql("UPDATE customers SET name = ? WHERE pk = ?", (name, pk))
    assert [export.neutralised(v) for v in evil] == ["'" + v for v in evil]
    assert export.neutralised("王小明") == "王小明"
    export.export(rm, BOOK, ExportFormat.CSV, tmp_path / "a.csv")
    names = column(read_csv(tmp_path / "a.csv"), "Name")
    assert sorted(names) == sorted("'" + v for v in evil[:5])
    export.export(rm, BOOK, ExportFormat.XLSX, tmp_path / "a.xlsx")  # read_xlsx: no <f>
    assert sorted(column(read_xlsx(tmp_path / "a.xlsx"), "Name")) == sorted(evil[:5])


def test_a_folder_that_cannot_take_the_file_is_said_and_nothing_is_left(
    make_session: MakeSession, tmp_path: Path
) -> None:
    rm = make_session(customers=10)
    missing = tmp_path / "no-such-folder" / "a.csv"
    with pytest.raises(OutputFailed) as caught:
        export.export(rm, BOOK, ExportFormat.CSV, missing)
    assert caught.value.code is ErrorCode.OUTPUT_NOT_WRITABLE
    assert str(missing) in str(caught.value)
    assert "cannot be written" in str(caught.value)
    a_file = tmp_path / "plain"
    a_file.write_text("x")
    with pytest.raises(OutputFailed) as caught:
        export.export(rm, BOOK, ExportFormat.XLSX, a_file / "a.xlsx")
    assert caught.value.code is ErrorCode.OUTPUT_NOT_WRITABLE
    with pytest.raises(OutputFailed):
        export.export(rm, BOOK, ExportFormat.CSV, tmp_path)  # a folder, not a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "plain"]
    assert exports_of(rm) == []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_full_disk_midway_leaves_no_partial_file(
    make_session: MakeSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: ExportFormat
) -> None:
    rm = make_session(customers=30)
    monkeypatch.setattr(export, "PROGRESS_EVERY", 10)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "a.csv").write_text("the previous export")
    sheet = export._CsvSheet if fmt is ExportFormat.CSV else export._XlsxSheet
    real = sheet.rows
    calls = []

    def fill_up(self: Any, rows: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, rows)

    monkeypatch.setattr(sheet, "rows", fill_up)
    with pytest.raises(OutputFailed) as caught:
        export.export(rm, BOOK, fmt, out_dir / "a.csv")
    assert caught.value.code is ErrorCode.OUTPUT_DISK_FULL
    assert "is full" in str(caught.value)
    assert [p.name for p in out_dir.iterdir()] == ["a.csv"]
    assert (out_dir / "a.csv").read_text() == "the previous export"
    assert exports_of(rm) == []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_cancel_leaves_no_file_and_no_audit_entry(
    make_session: MakeSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: ExportFormat
) -> None:
    rm = make_session(customers=30)
    monkeypatch.setattr(export, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, int]] = []
    with pytest.raises(export.ExportCancelled):
        export.export(rm, BOOK, fmt, tmp_path / f"a.{fmt}",
                      progress=lambda done, total: seen.append((done, total)),
                      cancelled=lambda: len(seen) >= 2)  # fmt: skip
    assert seen == [(10, 30), (20, 30)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert exports_of(rm) == []


def test_tasks_watchlist_and_team_export(make_session: MakeSession, tmp_path: Path) -> None:
    rm = make_session("rm001", customers=120)
    manager = make_session("m01", role=Role.MANAGER, customers=120, rms=3)
    for who, kind, first in ((rm, ListKind.TASKS, "Due"), (manager, ListKind.WATCHLIST, "Name"),
                             (manager, ListKind.TEAM, "Relationship manager")):  # fmt: skip
        request = ExportRequest(kind, task_view="open")
        planned = export.plan(who, request)
        result = export.export(who, request, ExportFormat.CSV, tmp_path / f"{kind}.csv")
        rows = read_csv(tmp_path / f"{kind}.csv")
        assert rows[0][0] == first
        assert result.rows == planned.rows == len(rows) - 1 > 0, kind
    levels = set(column(read_csv(tmp_path / "watchlist.csv"), "Churn risk"))
    assert levels <= {ChurnLevel.RED.value, ChurnLevel.AMBER.value}
    assert [e.entity_id for e in exports_of(rm)] == ["tasks"]
    assert [e.entity_id for e in exports_of(manager)] == ["watchlist", "team"]


def test_roles_without_the_right_export_nothing(make_session: MakeSession, tmp_path: Path) -> None:
    admin = make_session("it01", role=Role.ADMIN, customers=0)
    rm = make_session("rm001", customers=5)
    assert not export.may_export(admin, ListKind.BOOK)
    assert export.may_export(rm, ListKind.BOOK)
    assert not export.may_export(rm, ListKind.TEAM)
    with pytest.raises(PermissionDenied):
        export.export(admin, BOOK, ExportFormat.CSV, tmp_path / "a.csv")
    with pytest.raises(PermissionDenied):
        export.plan(rm, ExportRequest(ListKind.TEAM))
    assert not (tmp_path / "a.csv").exists()
