"""Export of the list on screen (the book with its filters, the tasks, the churn
watchlist, the team's figures) to a CSV or XLSX file, masked by role and audited.

What leaves the application is said first (`plan`: the list, its row count, whether
personal fields are masked, the format); the window asks the user to confirm it. The
file is written to a temporary file in the target folder and renamed over the target
only once it is complete and the export is in the audit log: a folder that is not
writable, a full disk, a cancel or any other failure leaves nothing behind
(`rm_desk.services.brief` has the same rule and the helpers both use).

- Masking: a role that sees masked data (a teller) gets the personal fields masked by
  the machine policy's patterns, as the profile page shows them (`book.masked_customer`
  is the same rule); an RM or a manager gets them whole.
- CSV is UTF-8 with a byte-order mark, so Excel opens Chinese names correctly, and a text
  cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe so
  a spreadsheet never runs it as a formula (CSV / formula injection). XLSX cells are
  written as strings or numbers, never as formulas (XlsxWriter, constant-memory mode: a
  row is flushed as soon as the next starts; its row files go to a private folder
  beside the target, not to the system's temp folder).
- The audit entry ("export", "list", <kind>) holds the row count, the format, whether
  values were masked and the filter as codes (segments, levels, a task view): never a
  customer's data or the file's name.

Runs on any thread: reads use their own read connection, the audit entry is written
by the store's one writer. `progress(done, total)` is called every `PROGRESS_EVERY`
rows; `cancelled()` is asked as often, and a true answer ends the export with
`ExportCancelled` and no file.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from local_store import book, search
from rm_desk.domain.book import ALL_CUSTOMERS, BY_NAME, BookFilter, BookSort
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.masking import MaskKind, mask
from rm_desk.domain.model import ChurnLevel, ChurnReason
from rm_desk.domain.permissions import Action
from rm_desk.domain.team import TeamFigure
from rm_desk.services import brief as brief_service
from rm_desk.services import churn as churn_service
from rm_desk.services import tasks as task_service
from rm_desk.services import team as team_service
from rm_desk.services import xlsx_stream
from rm_desk.services.brief import OutputFailed
from rm_desk.services.session import Session

PROGRESS_EVERY = 2000
# The task and watchlist pages show their first rows; an export takes them all (bounded).
MAX_LIST_ROWS = 1_000_000
WATCHLIST_LEVELS = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})

# The most characters an Excel cell holds (a longer note is cut there, not refused).
_XLSX_MAX_TEXT: Final = 32_767
# A text cell starting with one of these is a formula to a spreadsheet.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


class ListKind(enum.StrEnum):
    BOOK = "book"
    TASKS = "tasks"
    WATCHLIST = "watchlist"
    TEAM = "team"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ExportCancelled(Exception):
    """The user cancelled the export; nothing was written."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Which list, as the screen shows it (its filter, order or view)."""

    kind: ListKind
    book_filter: BookFilter = ALL_CUSTOMERS
    book_sort: BookSort = BY_NAME
    task_view: str = "open"  # rm_desk.services.tasks.TASK_VIEWS
    watchlist_sort: str = "score"  # rm_desk.services.churn.WATCHLIST_SORTS
    watchlist_levels: frozenset[ChurnLevel] = WATCHLIST_LEVELS

    def audit_filters(self) -> dict[str, Any]:
        """The list's filter as codes only (nothing about a customer)."""
        match self.kind:
            case ListKind.BOOK:
                filters = {k: v for k, v in self.book_filter.to_json().items() if v}
                filters["sort"] = self.book_sort.column.value
                return filters
            case ListKind.TASKS:
                return {"view": self.task_view}
            case ListKind.WATCHLIST:
                levels = sorted(v.value for v in self.watchlist_levels)
                return {"levels": levels, "sort": self.watchlist_sort}
            case _:
                return {}


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What an export would take out of the application (the confirmation's facts)."""

    kind: ListKind
    rows: int
    masked: bool  # personal fields masked (the role sees masked data)
    personal_columns: tuple[str, ...]  # the columns holding personal data, if any


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int
    format: ExportFormat
    masked: bool


# --- columns and their words ------------------------------------------------------------

COLUMNS: Final[Mapping[ListKind, tuple[str, ...]]] = {
    ListKind.BOOK: (
        "cif", "name", "segment", "lifecycle", "aum", "churn_level", "churn_score",
        "last_contact", "next_task", "open_tasks", "tags", "owner", "mobile", "email",
    ),
    ListKind.TASKS: (
        "due", "title", "cif", "name", "priority", "status", "assignee", "source", "detail",
    ),
    ListKind.WATCHLIST: (
        "name", "cif", "churn_level", "churn_score", "aum", "aum_at_risk", "trend", "reason",
        "flag",
    ),
    ListKind.TEAM: (
        "rm", "customers", "open_tasks", "overdue_tasks", "due_today", "red", "amber",
        "visits_week", "calls_week", "visits_month", "calls_month",
    ),
}  # fmt: skip

PERSONAL_COLUMNS: Final = frozenset({"mobile", "email"})

ENGLISH_HEADERS: Final[Mapping[str, str]] = {
    "cif": "CIF",
    "name": "Name",
    "segment": "Segment",
    "lifecycle": "Lifecycle",
    "aum": "AUM (CNY)",
    "churn_level": "Churn risk",
    "churn_score": "Leave probability",
    "last_contact": "Last contact",
    "next_task": "Next task",
    "open_tasks": "Open tasks",
    "tags": "Tags",
    "owner": "Relationship manager",
    "mobile": "Mobile",
    "email": "E-mail",
    "due": "Due",
    "title": "Title",
    "priority": "Priority",
    "status": "Status",
    "assignee": "Assignee",
    "source": "Source",
    "detail": "Detail",
    "aum_at_risk": "AUM at risk (CNY)",
    "trend": "Trend",
    "reason": "Main reason",
    "flag": "Flag",
    "rm": "Relationship manager",
    "customers": "Customers",
    "overdue_tasks": "Overdue tasks",
    "due_today": "Due today",
    "red": "Red",
    "amber": "Amber",
    "visits_week": "Visits (week)",
    "calls_week": "Calls (week)",
    "visits_month": "Visits (month)",
    "calls_month": "Calls (month)",
    # the sheet's name
    "list:book": "Customers",
    "list:tasks": "Follow-ups",
    "list:watchlist": "Churn watchlist",
    "list:team": "Team",
}


@dataclass(frozen=True, slots=True)
class Wording:
    """The words of a file in the interface's language: column headers by key, coded
    values ("segment:mass", "level:red", "status:open", "priority:3", "source:manual",
    "flag:dismiss") by kind and code, churn reasons as a sentence. The window builds one
    from its translations (`ui/export_words.py`); English and codes are the default."""

    headers: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    reason: Callable[[ChurnReason], str] | None = None
    lang: str = "en"

    def header(self, key: str) -> str:
        return self.headers.get(key) or ENGLISH_HEADERS[key]

    def value(self, kind: str, code: object) -> str:
        if code is None or code == "":
            return ""
        return self.values.get(f"{kind}:{code}", str(code))

    def reason_text(self, reason: ChurnReason | None) -> str:
        if reason is None:
            return ""
        return self.reason(reason) if self.reason is not None else str(reason.code)


ENGLISH: Final = Wording()


# --- what leaves ------------------------------------------------------------------------


def may_export(session: Session, kind: ListKind) -> bool:
    if not session.may(Action.EXPORT):
        return False
    return kind is not ListKind.TEAM or session.may(Action.VIEW_TEAM)


def _require(session: Session, kind: ListKind) -> None:
    session.require(Action.EXPORT, "export a list")
    if kind is ListKind.TEAM:
        session.require(Action.VIEW_TEAM, "export the team's figures")


def plan(session: Session, request: ExportRequest) -> ExportPlan:
    """What exporting `request` would take out: the confirmation dialog's facts."""
    _require(session, request.kind)
    personal = tuple(c for c in COLUMNS[request.kind] if c in PERSONAL_COLUMNS)
    return ExportPlan(request.kind, count(session, request), session.masks_personal_data, personal)


def count(session: Session, request: ExportRequest) -> int:
    if request.kind is ListKind.BOOK:
        with session.store.read() as conn:
            return book.book_count(conn, request.book_filter, today=_today(session))
    return sum(1 for _ in _rows(session, request, ENGLISH))


def _today(session: Session) -> Any:
    return session.clock().astimezone().date()


def _fen_to_yuan(fen: int | None) -> float | None:
    return None if fen is None else fen / 100


def _book_rows(session: Session, request: ExportRequest, words: Wording) -> Iterator[list[Any]]:
    masked = session.masks_personal_data
    policy = session.masking
    with session.store.read() as conn:
        for r in book.book_export_rows(
            conn, request.book_filter, request.book_sort, today=_today(session)
        ):
            (cif, name, seg, life, aum, level, score, last, nxt, open_tasks, tags, owner,
             mobile, email) = r  # fmt: skip
            if masked:
                mobile = mask(MaskKind.MOBILE, mobile or "", policy)
                email = mask(MaskKind.EMAIL, email or "", policy)
            yield [
                cif,
                name,
                words.value("segment", seg),
                words.value("lifecycle", life),
                aum / 100,
                words.value("level", level),
                None if score is None else round(score, 6),
                (last or "")[:10],
                nxt or "",
                open_tasks,
                "; ".join(search.split_tags(tags or "")),
                owner,
                mobile or "",
                email or "",
            ]


def _rows(session: Session, request: ExportRequest, words: Wording) -> Iterator[list[Any]]:
    match request.kind:
        case ListKind.BOOK:
            yield from _book_rows(session, request, words)
        case ListKind.TASKS:
            for line in task_service.task_lines(session, request.task_view, limit=MAX_LIST_ROWS):
                t = line.task
                yield [
                    t.due.isoformat(), t.title, t.customer_id, line.customer_name,
                    words.value("priority", int(t.priority)), words.value("status", t.status),
                    t.assignee, words.value("source", t.source), t.detail,
                ]  # fmt: skip
        case ListKind.WATCHLIST:
            for w in churn_service.watchlist(
                session,
                levels=request.watchlist_levels,
                sort=request.watchlist_sort,
                limit=MAX_LIST_ROWS,
            ):
                yield [
                    w.name, w.customer_id, words.value("level", w.level), round(w.score, 6),
                    _fen_to_yuan(w.aum_fen), _fen_to_yuan(w.aum_at_risk_fen),
                    None if w.trend is None else round(w.trend, 6),
                    words.reason_text(w.top_reason), words.value("flag", w.last_event),
                ]  # fmt: skip
        case ListKind.TEAM:
            for rm in team_service.team_summary(session):
                yield [rm.rm, rm.customers, rm.open_tasks, rm.overdue_tasks, rm.due_today,
                       rm.red, rm.amber, rm[TeamFigure.VISITS_WEEK], rm[TeamFigure.CALLS_WEEK],
                       rm[TeamFigure.VISITS_MONTH], rm[TeamFigure.CALLS_MONTH]]  # fmt: skip


# --- the writers ------------------------------------------------------------------------


def neutralised(value: str) -> str:
    """A text cell a spreadsheet will show as text: one starting like a formula (= + - @,
    a tab, a carriage return) gets a leading apostrophe (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class _CsvSheet:
    def __init__(self, fd: int) -> None:
        # UTF-8 with a byte-order mark: Excel reads the file as UTF-8 (Chinese names)
        # instead of the system's code page.
        self._handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._handle)

    def header(self, names: Sequence[str]) -> None:
        self.rows([names])

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows(
            [neutralised(v) if isinstance(v, str) else ("" if v is None else v) for v in row]
            for row in rows
        )

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()


class _StreamedXlsxSheet:
    """XLSX through `xlsx_stream` (the default: within the 10 s target at 100,000 rows)."""

    def __init__(self, fd: int, temp: Path, title: str) -> None:
        os.close(fd)  # the zip is written by name
        self._sheet = xlsx_stream.StreamedSheet(temp, title)

    def header(self, names: Sequence[str]) -> None:
        self._sheet.header(names)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._sheet.rows(rows)

    def close(self) -> None:
        self._sheet.close()

    def abandon(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._sheet.abandon()


class _XlsxSheet:
    """XLSX through XlsxWriter (`RM_DESK_XLSX_WRITER=xlsxwriter`): the well-kept
    library, at about four times the CPU of the streamed writer."""

    def __init__(self, fd: int, temp: Path, title: str) -> None:
        import xlsxwriter  # noqa: PLC0415  (only exports need it)

        os.close(fd)  # XlsxWriter writes the file by name at close
        self._parts = Path(tempfile.mkdtemp(prefix=".export.", dir=temp.parent))
        self._book = xlsxwriter.Workbook(
            str(temp),
            {
                "constant_memory": True,
                "tmpdir": str(self._parts),
                # Text is text: never a formula, a link or a number.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._sheet = self._book.add_worksheet(title[:31])
        self._row = 0

    def header(self, names: Sequence[str]) -> None:
        self.rows([names])

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        write_string, write_number = self._sheet.write_string, self._sheet.write_number
        for row in rows:
            r = self._row
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    write_string(r, c, value[:_XLSX_MAX_TEXT])
                else:
                    write_number(r, c, value)
            self._row += 1

    def close(self) -> None:
        from xlsxwriter.exceptions import FileCreateError  # noqa: PLC0415

        try:
            self._book.close()
        except FileCreateError as exc:
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(exc)) from None
        finally:
            shutil.rmtree(self._parts, ignore_errors=True)

    def abandon(self) -> None:
        # The workbook is not closed (that would write the whole file); its row file goes.
        handle = getattr(self._sheet, "row_data_fh", None)
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        shutil.rmtree(self._parts, ignore_errors=True)


# --- the export -------------------------------------------------------------------------


def export(
    session: Session,
    request: ExportRequest,
    fmt: ExportFormat,
    path: Path,
    *,
    words: Wording = ENGLISH,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    total: int | None = None,
) -> ExportResult:
    """Write the list of `request` to `path` as `fmt`, masked by role, and audit it.
    `total` (from `plan`) saves counting the rows again. Nothing is left at `path` or
    beside it unless the whole file was written and audited (OutputFailed for a place
    that cannot take it, ExportCancelled when `cancelled()` said so)."""
    _require(session, request.kind)
    fmt = ExportFormat(fmt)
    target = Path(path).expanduser().absolute()
    if total is None:
        total = count(session, request)
    fd, temp = brief_service.temp_beside(target)
    sheet: _Sheet | None = None
    written = 0
    try:
        try:
            if fmt is ExportFormat.CSV:
                sheet = _CsvSheet(fd)
            else:
                sheet = _xlsx_writer()(fd, temp, words.header(f"list:{request.kind.value}"))
            sheet.header([words.header(c) for c in COLUMNS[request.kind]])
            batch: list[list[Any]] = []
            for row in _rows(session, request, words):
                batch.append(row)
                if len(batch) == PROGRESS_EVERY:
                    written = _flush(sheet, batch, written, total, progress, cancelled)
            written = _flush(sheet, batch, written, total, progress, cancelled)
            sheet.close()
            sheet = None
        except OSError as exc:
            raise brief_service.output_error(exc, target) from None
        _audit(session, request, fmt, written)
        brief_service.move_into_place(temp, target)
    except BaseException:
        if sheet is not None:
            sheet.abandon()
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return ExportResult(target, written, fmt, session.masks_personal_data)


_Sheet = _CsvSheet | _StreamedXlsxSheet | _XlsxSheet
XLSX_WRITER_ENV = "RM_DESK_XLSX_WRITER"


def _xlsx_writer() -> type[_StreamedXlsxSheet | _XlsxSheet]:
    """The streamed writer unless the environment asks for XlsxWriter (a switch kept
    while the product owner decides between speed and the library; see xlsx_stream)."""
    chosen = os.environ.get(XLSX_WRITER_ENV, "stream").strip().lower()
    return _XlsxSheet if chosen == "xlsxwriter" else _StreamedXlsxSheet


def _flush(
    sheet: _Sheet,
    batch: list[list[Any]],
    written: int,
    total: int,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> int:
    if cancelled is not None and cancelled():
        raise ExportCancelled
    sheet.rows(batch)
    written += len(batch)
    batch.clear()
    if progress is not None:
        progress(written, max(total, written))
    return written


def _audit(session: Session, request: ExportRequest, fmt: ExportFormat, rows: int) -> None:
    detail = {
        "rows": rows,
        "format": fmt.value,
        "masked": session.masks_personal_data,
        "filters": request.audit_filters(),
    }

    def record() -> None:
        with session.store.transaction() as conn:
            session.audit_entry(conn, "export", "list", request.kind.value, detail)

    session.store.on_writer(record)


__all__ = [
    "COLUMNS",
    "ENGLISH",
    "ErrorCode",
    "ExportCancelled",
    "ExportFormat",
    "ExportPlan",
    "ExportRequest",
    "ExportResult",
    "ListKind",
    "OutputFailed",
    "Wording",
    "export",
    "may_export",
    "neutralised",
    "plan",
]
