"""The visit brief: one printed page about a customer, to take to a visit.

What the page holds is gathered here (`BriefData`: profile summary, holdings, the
24-month AUM history, recent contacts, open follow-ups, churn reasons and the
playbook's talking points), masked as the profile page shows it; the page itself is
painted by the interface (`ui/brief_pdf.py`, Qt's PDF writer). Saving writes a
temporary file beside the target and renames it over the target only once the whole
document is on disk and the print is in the audit log, so a failure (a folder that is
not writable, a full disk) leaves no partial file.

Printing needs `Action.PRINT`; every customer printed gets one audit entry
("print", with the page count and language; ids only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from local_store import book, records
from rm_desk.domain.churn.playbook import DEFAULT_PLAYBOOK, Suggestion
from rm_desk.domain.errors import ErrorCode, RmDeskError
from rm_desk.domain.model import (
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    Customer,
    FollowUpTask,
    Holding,
    HoldingKind,
    Interaction,
    MonthlySnapshot,
    Role,
)
from rm_desk.domain.permissions import Action
from rm_desk.services import book as book_service
from rm_desk.services import profile as profile_service
from rm_desk.services.session import Session

# What fits one A4 page; the page says how many more there are.
SHOWN_HOLDINGS = 6
SHOWN_CONTACTS = 5
SHOWN_TASKS = 5
SHOWN_REASONS = profile_service.SHOWN_REASONS
CHART_MONTHS = 24

# Errors of the file system that mean "this place cannot take the file".
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class OutputFailed(RmDeskError):
    """The brief (or another document) could not be written where the user asked."""


@dataclass(frozen=True, slots=True)
class BriefData:
    """Everything one page of the visit brief shows, personal fields masked."""

    customer: Customer  # mobile, ID number, e-mail and address masked
    holdings: tuple[Holding, ...]  # the first `SHOWN_HOLDINGS`, account numbers masked
    holdings_total: int
    assets_fen: int  # what the customer holds with the bank (all holdings)
    snapshots: tuple[MonthlySnapshot, ...]  # the last `CHART_MONTHS` months, oldest first
    aum_trend: float | None  # % over the last 3 months
    contacts: tuple[Interaction, ...]  # the latest `SHOWN_CONTACTS`, newest first
    contacts_total: int
    tasks: tuple[FollowUpTask, ...]  # open follow-ups, soonest due first
    tasks_total: int
    churn: ChurnAssessment | None
    reasons: tuple[ChurnReason, ...]  # the largest `SHOWN_REASONS`
    talking_points: tuple[Suggestion, ...]  # the playbook's actions for those reasons
    today: date
    printed_at: datetime
    printed_by: str
    role: Role


def gather(session: Session, customer_id: str) -> BriefData:
    """The brief of one customer (not audited: `save` audits what is printed)."""
    session.require(Action.PRINT, "print a visit brief")
    with session.store.read() as conn:
        p = book.profile(conn, customer_id, interactions_limit=SHOWN_CONTACTS * 4)
        if p.churn is not None and not p.churn.reasons:
            from rm_desk.services import churn  # noqa: PLC0415  (pandas, on first use)

            p = dataclasses.replace(p, churn=churn.assessment(conn, customer_id))
    # Masked as the profile page shows it, whatever the role (data that arrived masked
    # for a teller is not masked twice).
    customer = (
        p.customer if p.personal_masked else book_service.masked_customer(session, p.customer)
    )
    holdings = tuple(h if p.personal_masked else _masked(session, h) for h in p.holdings)
    superseded = {i.supersedes_id for i in p.interactions if i.supersedes_id}
    contacts = tuple(i for i in p.interactions if i.id not in superseded)
    # As on the customer page: a green customer is not at risk, so no reasons to talk
    # about (issue #16).
    flagged = p.churn is not None and p.churn.level is not ChurnLevel.GREEN
    reasons = p.churn.reasons[:SHOWN_REASONS] if p.churn is not None and flagged else ()
    now = session.clock()
    return BriefData(
        customer=customer,
        holdings=holdings[:SHOWN_HOLDINGS],
        holdings_total=len(holdings),
        assets_fen=profile_service.assets_fen(p.holdings),
        snapshots=p.snapshots[-CHART_MONTHS:],
        aum_trend=profile_service.aum_trend(p.snapshots),
        contacts=contacts[:SHOWN_CONTACTS],
        contacts_total=max(p.interactions_total - len(superseded), len(contacts)),
        tasks=p.open_tasks[:SHOWN_TASKS],
        tasks_total=len(p.open_tasks),
        churn=p.churn,
        reasons=reasons,
        talking_points=tuple(DEFAULT_PLAYBOOK.suggest(reasons)),
        today=now.astimezone().date(),
        printed_at=now,
        printed_by=session.user,
        role=session.role,
    )


def _masked(session: Session, holding: Holding) -> Holding:
    from rm_desk.domain.masking import MaskKind, mask  # noqa: PLC0415

    if not holding.account_no:
        return holding
    kind = MaskKind.CARD if holding.kind is HoldingKind.CARD else MaskKind.ID_NUMBER
    return dataclasses.replace(holding, account_no=mask(kind, holding.account_no, session.masking))


def customers_due_today(session: Session) -> list[str]:
    """The customers with a follow-up of the user due today (visits are planned as
    follow-ups), in the order of their first such follow-up (by priority)."""
    today = session.clock().astimezone().date()
    with session.store.read() as conn:
        tasks = records.tasks_for(conn, session.user, "today", today=today)
    tasks.sort(key=lambda t: (-int(t.priority), t.id))
    return list(dict.fromkeys(t.customer_id for t in tasks))


def gather_many(session: Session, customer_ids: Sequence[str]) -> list[BriefData]:
    return [gather(session, cid) for cid in customer_ids]


def audit_print(session: Session, customer_ids: Sequence[str], *, lang: str, medium: str) -> None:
    """One "print" audit entry per customer (one page each), as the store's writer."""
    session.require(Action.PRINT, "print a visit brief")

    def record() -> None:
        with session.store.transaction() as conn:
            for cid in customer_ids:
                session.audit_entry(
                    conn, "print", "customer", cid, {"pages": 1, "lang": lang, "to": medium}
                )

    session.store.on_writer(record)


def save(
    session: Session, document: bytes, path: Path, customer_ids: Sequence[str], *, lang: str
) -> Path:
    """Write `document` (the briefs of `customer_ids`, one page each) to `path` and audit
    it. Nothing is left at `path` (or beside it) unless all of it was written and
    audited; an existing file there is replaced only then."""
    session.require(Action.PRINT, "print a visit brief")
    target = Path(path).expanduser().absolute()
    temp = _write_temp(document, target)
    try:
        audit_print(session, customer_ids, lang=lang, medium="pdf")
        move_into_place(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return target


def output_error(exc: OSError, path: Path) -> OutputFailed:
    """An OSError of writing `path` as the sentence a user can act on."""
    detail = exc.strerror or type(exc).__name__
    if exc.errno in _FULL:
        return OutputFailed(ErrorCode.OUTPUT_DISK_FULL, detail=detail, path=str(path))
    return OutputFailed(ErrorCode.OUTPUT_NOT_WRITABLE, detail=detail, path=str(path))


def temp_beside(target: Path) -> tuple[int, Path]:
    """A new private (0600) temporary file in `target`'s folder, open for writing, to be
    renamed over `target` (`move_into_place`) once complete; OutputFailed when the folder
    cannot take it (also the export's, `rm_desk.services.export`)."""
    if target.is_dir():
        raise OutputFailed(ErrorCode.OUTPUT_NOT_WRITABLE, detail="it is a folder", path=str(target))
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise output_error(exc, target) from None
    return fd, Path(name)


def _write_temp(document: bytes, target: Path) -> Path:
    fd, temp = temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(document)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise output_error(exc, target) from None
    return temp


def move_into_place(temp: Path, target: Path) -> None:
    """Rename the complete `temp` over `target` (atomic on one file system), user-only."""
    try:
        os.chmod(temp, 0o600)  # a customer's data: readable by the user only
        os.replace(temp, target)
    except OSError as exc:
        raise output_error(exc, target) from None
