"""The streamed XLSX writer: well-formed parts, text kept as text, the limits of a cell,
and the same cells as XlsxWriter for the same export."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from rm_desk.services import export, xlsx_stream
from rm_desk.services.export import ExportFormat, ExportRequest, ListKind
from tests.conftest import MakeSession
from tests.unit.services.test_export_service import read_xlsx

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.mark.parametrize(
    ("index", "name"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_column_names(index: int, name: str) -> None:
    assert xlsx_stream.column_name(index) == name


def cells(path: Path) -> list[list[tuple[str, str | None, str]]]:
    """(reference, type, text) of every cell, parsed as XML (fails on any part that is
    not well-formed)."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        for name in z.namelist():
            ET.fromstring(z.read(name))  # noqa: S314  (every part parses)
        assert set(z.namelist()) >= {
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
        }  # fmt: skip
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    out = []
    for row in sheet.iterfind("m:sheetData/m:row", NS):
        line = []
        for c in row.iterfind("m:c", NS):
            assert c.find("m:f", NS) is None  # never a formula
            t = c.get("t")
            text = (
                c.findtext("m:is/m:t", namespaces=NS)
                if t == "inlineStr"
                else c.findtext("m:v", namespaces=NS)
            )
            line.append((c.get("r", ""), t, text or ""))
        out.append(line)
    return out


def test_hostile_text_is_kept_as_text_in_well_formed_xml(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ['=HYPERLINK("http://x")', "a & b < c > d", "王小明 🙂", 12.5, 3, None, "", True],
        ["bell\x07 nul\x00 \ufffe", "lone \ud800 surrogate", "x" * 40_000, -0.25],
        ["tab\tand\nnewline", "\"quotes\" and 'apostrophes'"],
    ]
    path = tmp_path / "a.xlsx"
    sheet = xlsx_stream.StreamedSheet(path, "客户/名单[1]")
    sheet.header(["名称", "Name"])
    sheet.rows(rows)
    sheet.close()
    got = cells(path)
    assert got[0] == [("A1", "inlineStr", "名称"), ("B1", "inlineStr", "Name")]
    assert got[1] == [
        ("A2", "inlineStr", '=HYPERLINK("http://x")'),
        ("B2", "inlineStr", "a & b < c > d"),
        ("C2", "inlineStr", "王小明 🙂"),
        ("D2", None, "12.5"),
        ("E2", None, "3"),
        ("H2", "b", "1"),  # None and "" leave the cell out
    ]
    assert got[2][0] == ("A3", "inlineStr", "bell\ufffd nul\ufffd \ufffd")
    assert got[2][1] == ("B3", "inlineStr", "lone \ufffd surrogate")
    assert got[2][2][2] == "x" * xlsx_stream.MAX_TEXT  # Excel's limit on one cell
    assert got[3][0][2] == "tab\tand\nnewline"  # kept (xml:space="preserve")
    with zipfile.ZipFile(path) as z:
        workbook = ET.fromstring(z.read("xl/workbook.xml"))  # noqa: S314
        header_row = z.read("xl/worksheets/sheet1.xml").split(b"<row ")[1]
    sheet_el = workbook.find("m:sheets/m:sheet", NS)
    assert sheet_el is not None
    assert sheet_el.get("name") == "客户_名单_1_"  # Excel refuses []:*?/\ in a sheet name
    assert b' s="1"' in header_row  # the header row is bold


def test_an_abandoned_sheet_leaves_a_file_the_caller_removes(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    sheet = xlsx_stream.StreamedSheet(path, "s")
    sheet.rows([["a"]])
    sheet.abandon()
    assert path.exists()  # export removes its temp file; the writer only closes it


def numbers_as_numbers(rows: list[list[str]]) -> list[list[str | float]]:
    """Each number cell as its value (XlsxWriter writes 1.4E-05 where repr gives 1.4e-05)."""

    def value(text: str) -> str | float:
        try:
            return float(text) if text[:1].isdigit() or text[:1] == "-" else text
        except ValueError:
            return text

    return [[value(cell) for cell in row] for row in rows]


@pytest.mark.parametrize("kind", [ListKind.BOOK, ListKind.TASKS, ListKind.WATCHLIST])
def test_the_streamed_writer_and_xlsxwriter_hold_the_same_cells(
    make_session: MakeSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: ListKind
) -> None:
    rm = make_session("rm001", customers=30)
    request = ExportRequest(kind)
    monkeypatch.setenv(export.XLSX_WRITER_ENV, "xlsxwriter")
    export.export(rm, request, ExportFormat.XLSX, tmp_path / "library.xlsx")
    monkeypatch.setenv(export.XLSX_WRITER_ENV, "stream")
    export.export(rm, request, ExportFormat.XLSX, tmp_path / "streamed.xlsx")
    library = numbers_as_numbers(read_xlsx(tmp_path / "library.xlsx"))
    streamed = numbers_as_numbers(read_xlsx(tmp_path / "streamed.xlsx"))
    assert len(streamed) > 1
    assert streamed == library
    cells(tmp_path / "streamed.xlsx")  # and well-formed
