"""The visit brief's data and its writing rules (the page itself: tests/ui/test_ui_brief.py)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import Role
from rm_desk.services import brief
from rm_desk.services import tasks as task_service
from rm_desk.services.session import PermissionDenied
from tests.conftest import MakeSession


def test_a_full_disk_and_a_refused_folder_have_their_own_sentences(tmp_path: Path) -> None:
    target = tmp_path / "b.pdf"
    full = brief.output_error(OSError(errno.ENOSPC, "No space left on device"), target)
    assert full.code is ErrorCode.OUTPUT_DISK_FULL
    assert "is full" in str(full)
    assert str(target) in str(full)
    refused = brief.output_error(PermissionError(errno.EACCES, "Permission denied"), target)
    assert refused.code is ErrorCode.OUTPUT_NOT_WRITABLE
    assert "cannot be written" in str(refused)


def test_a_role_without_print_gets_no_brief(make_session: MakeSession, tmp_path: Path) -> None:
    admin = make_session("it01", role=Role.ADMIN, customers=0)
    with pytest.raises(PermissionDenied):
        brief.gather(admin, "anyone")
    with pytest.raises(PermissionDenied):
        brief.save(admin, b"%PDF", tmp_path / "x.pdf", ["anyone"], lang="en")
    assert list(tmp_path.glob("*.pdf")) == []


def test_the_brief_caps_its_lists_and_counts_everything(make_session: MakeSession) -> None:
    session = make_session(customers=60)
    with session.store.read() as conn:
        cif: str = conn.exec_driver_sql(
            "SELECT customer_id FROM interactions GROUP BY customer_id "
            "ORDER BY count(*) DESC LIMIT 1"
        ).scalar_one()
        total = conn.exec_driver_sql(
            "SELECT count(*) FROM interactions WHERE customer_id = ? AND id NOT IN "
            "(SELECT supersedes_id FROM interactions WHERE supersedes_id IS NOT NULL)",
            (cif,),
        ).scalar_one()
    data = brief.gather(session, cif)
    assert data.contacts_total == total > brief.SHOWN_CONTACTS
    assert len(data.contacts) == brief.SHOWN_CONTACTS
    assert [c.occurred_at for c in data.contacts] == sorted(
        (c.occurred_at for c in data.contacts), reverse=True
    )
    assert len(data.holdings) <= brief.SHOWN_HOLDINGS <= data.holdings_total or (
        len(data.holdings) == data.holdings_total
    )
    assert len(data.snapshots) == brief.CHART_MONTHS
    assert len(data.reasons) <= brief.SHOWN_REASONS
    assert {s.reason.code for s in data.talking_points} <= {r.code for r in data.reasons}


def test_today_is_every_customer_with_a_follow_up_due_today(make_session: MakeSession) -> None:
    session = make_session(customers=120)
    due = {t.customer_id for t in task_service.tasks_view(session, "today")}
    assert due, "the demo book has follow-ups due on its day"
    found = brief.customers_due_today(session)
    assert set(found) == due
    assert len(found) == len(set(found))


def test_green_customers_have_no_reasons_or_talking_points(make_session: MakeSession) -> None:
    """As on the customer page (issue #16): no 'why at risk' for a green customer."""
    from rm_desk.domain.model import ChurnLevel  # noqa: PLC0415

    session = make_session(customers=120)
    with session.store.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, churn_level FROM customers").all()
    greens = [r[0] for r in rows if r[1] == ChurnLevel.GREEN.value][:10]
    flagged = [r[0] for r in rows if r[1] in ("amber", "red")]
    assert greens
    assert flagged
    for cif in greens:
        data = brief.gather(session, cif)
        assert data.reasons == ()
        assert data.talking_points == ()
    assert any(brief.gather(session, cif).reasons for cif in flagged)
