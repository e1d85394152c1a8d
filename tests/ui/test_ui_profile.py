"""The customer 360 page: header, holdings, charts, churn reasons with their
retention tasks, masked personal details and the audited reveal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from local_store import audit, book, outbox
from rm_desk.domain.model import (
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    ReasonCode,
    Role,
    TaskPriority,
    TaskSource,
)
from rm_desk.domain.permissions import RevealReason
from rm_desk.services.profile import load_profile
from rm_desk.services.session import Session
from tests.conftest import NOW, MakeSession
from tests.ui.conftest import open_profile
from ui import words
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.profile import HoldingsModel

REASONS = (
    ChurnReason(
        ReasonCode.AUM_CHANGE_3M,
        0.9,
        {"value": -38.0, "now_fen": 31_000_000, "before_fen": 50_000_000},
    ),  # fmt: skip
    ChurnReason(ReasonCode.TERM_MATURING_30D, 0.5, {"value": 50_000_000, "days": 12, "count": 1}),
    ChurnReason(ReasonCode.COMPLAINTS_90D, 0.3, {"value": 2}),
)


def richest_customer(session: Session) -> str:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT c.id FROM customers c JOIN holdings h ON h.customer_id = c.id "
            "GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1"
        ).one()
    return str(row[0])


def score_red(session: Session, cif: str) -> None:
    with session.store.transaction() as conn:
        book.save_churn(conn, [ChurnAssessment(cif, 0.82, ChurnLevel.RED, REASONS, "test-1", NOW)])


def pending(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn, 10_000)


def audit_rows(session: Session, action: str) -> list[audit.AuditEntry]:
    with session.store.read() as conn:
        return [e for e in audit.entries(conn) if e.action == action]


def test_holdings_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, session: Session
) -> None:
    view = load_profile(session, richest_customer(session))
    model = HoldingsModel()
    model.set_holdings(view.profile.holdings, view.today)
    assert model.rowCount() > 1
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_profile_paints_header_holdings_and_charts(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = richest_customer(session)
    with session.store.read() as conn:
        customer = book.get_customer(conn, cif)
        count = "SELECT count(*) FROM {} WHERE customer_id = ?"
        holdings = conn.exec_driver_sql(count.format("holdings"), (cif,)).scalar_one()
        snapshots = conn.exec_driver_sql(count.format("snapshots"), (cif,)).scalar_one()
    page = open_profile(qtbot, ctx, cif)
    assert customer.name in page.name.text()
    assert words.segment(customer.segment) in page.facts.text()
    assert customer.owner_rm in page.facts.text()
    assert words.money(customer.aum_fen) in page.aum.text()
    assert page.holdings.rowCount() == holdings > 0
    shown = {page.holdings.index(r, 2).data() for r in range(holdings)}
    assert shown <= {words.money(h.balance_fen) for h in page.view.profile.holdings}  # type: ignore[union-attr]
    xs, ys = page.aum_curve.getData()
    assert snapshots == 24
    assert len(xs) == len(ys) == snapshots
    assert ys[-1] == pytest.approx(page.view.profile.snapshots[-1].aum_fen / 1_000_000)  # type: ignore[union-attr]
    assert len(page.activity_bars.opts["height"]) == snapshots
    for tag in customer.tags:
        assert tag in page.tags.text()
    # personal details are shown masked, whatever the role
    assert page.personal_values["mobile"].text() != customer.mobile
    assert "*" in page.personal_values["mobile"].text()
    assert page.personal_values["mobile"].text()[-4:] == customer.mobile[-4:]
    churn = page.view.profile.churn  # type: ignore[union-attr]
    if churn is None:
        assert page.badge.text() == "Not scored"
    else:
        assert words.churn_level(churn.level) in page.badge.text()
    assert audit_rows(session, "view")[-1].entity_id == cif
    grabbed = page.grab()
    assert not grabbed.isNull()


def test_churn_badge_reasons_and_a_task_from_the_playbook(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = richest_customer(session)
    score_red(session, cif)
    page = open_profile(qtbot, ctx, cif)
    assert words.churn_level(ChurnLevel.RED) in page.badge.text()
    assert "82" in page.badge.text()
    texts = [label.text() for label in page.reason_labels]
    assert texts == [words.reason_text(r) for r in REASONS]
    assert texts[0].startswith("AUM down 38% over 3 months")
    assert "matures in 12 day" in texts[1]
    assert texts[2].startswith("2 complaint")
    assert len(page.reason_buttons) == 3
    with qtbot.waitSignal(page.task_created) as created:
        page.reason_buttons[2].click()  # complaint -> service recovery within 48 hours
    task = created.args[0]
    qtbot.waitUntil(lambda: task.id in {t.id for t in page.view.profile.open_tasks})  # type: ignore[union-attr]
    assert task.source is TaskSource.CHURN_ACTION
    assert task.reason_code == "complaints_90d"
    assert task.priority is TaskPriority.URGENT
    assert task.due == NOW.date() + timedelta(days=2)
    assert task.title == words.action_text("service_recovery_48h")
    assert task.detail == "churn_action:service_recovery_48h"

    assert page.ack_button.isVisible()
    page.ack_button.click()
    qtbot.waitUntil(lambda: pending(session)[-1].name == "churn.acknowledge")
    event = pending(session)[-1]
    assert event.fields["customer_id"] == cif
    assert event.fields["score"] == pytest.approx(0.82)


def _customers_at(session: Session, level: ChurnLevel) -> list[str]:
    with session.store.read() as conn:
        return [
            str(r[0])
            for r in conn.exec_driver_sql(
                "SELECT id FROM customers WHERE churn_level = ? ORDER BY id", (level.value,)
            )
        ]


def test_green_customers_have_no_risk_box_and_no_playbook_button(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    greens = _customers_at(session, ChurnLevel.GREEN)[:5]
    assert greens
    page = open_profile(qtbot, ctx, greens[0])
    for cif in greens:
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            page.show_customer(cif)
        assert words.churn_level(ChurnLevel.GREEN) in page.badge.text()
        assert not page.reasons_box.isVisible()
        assert page.no_risk.isVisible()
        assert page.no_risk.text() in {"No risk factors", "Low churn risk: no action needed"}
        assert page.reason_labels == []
        assert page.reason_buttons == []
        assert not any(b.isVisible() for _, b in page._reason_rows)
    # A red customer in the same page gets the box back.
    cif = richest_customer(session)
    score_red(session, cif)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_customer(cif)
    assert page.reasons_box.isVisible()
    assert not page.no_risk.isVisible()
    assert len(page.reason_buttons) == 3


def test_a_flag_without_reasons_says_no_risk_factors(
    qtbot: QtBot, ctx: AppContext, session: Session, chinese: None
) -> None:
    cif = richest_customer(session)
    with session.store.transaction() as conn:
        book.save_churn(conn, [ChurnAssessment(cif, 0.31, ChurnLevel.AMBER, (), "test-1", NOW)])
    page = open_profile(qtbot, ctx, cif)
    assert not page.reasons_box.isVisible()
    assert page.no_risk.isVisible()
    assert page.no_risk.text() == "无流失风险因素"
    assert page.reason_buttons == []


def test_log_contact_and_new_task_buttons(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    cif = richest_customer(session)
    page = open_profile(qtbot, ctx, cif)
    with qtbot.waitSignal(ctx.new_note) as asked:
        page.log_button.click()
    assert asked.args == [cif]
    before = page.open_tasks.rowCount()
    dialog = page.new_task()
    assert dialog is not None
    dialog.title_edit.setText("Bring the fund factsheet")
    with qtbot.waitSignal(page.task_created):
        dialog._check()
    qtbot.waitUntil(lambda: page.open_tasks.rowCount() == before + 1)
    with qtbot.waitSignal(page.history.loaded):
        page.show_history()
        page.history.reload()
    assert page.tabs.currentWidget() is page.history


def test_an_rm_reveals_with_a_reason_and_it_is_audited(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = richest_customer(session)
    with session.store.read() as conn:
        mobile = book.get_customer(conn, cif).mobile
    page = open_profile(qtbot, ctx, cif)
    assert page.reveal_buttons["mobile"].isEnabled()
    dialog = page.request_reveal("mobile")
    assert dialog is not None
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()  # no reason, no reveal
    # The fixed list, in the order of the domain's codes; nothing to type.
    codes = [dialog.reason.itemData(i) for i in range(dialog.reason.count())]
    assert codes == [r.value for r in RevealReason]
    assert dialog.reason.currentIndex() == -1
    assert not dialog.reason.isEditable()
    dialog.reason.setCurrentIndex(codes.index("customer_request"))
    assert ok.isEnabled()
    with qtbot.waitSignal(page.revealed) as revealed:
        dialog.accept()
    assert revealed.args == ["mobile", mobile]
    assert page.personal_values["mobile"].text() == mobile
    rows = audit_rows(session, "reveal")
    assert len(rows) == 1
    assert rows[0].entity_id == cif
    assert rows[0].detail == {"field": "mobile", "reason": "customer_request"}


@pytest.fixture
def teller_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    teller = make_session("teller01", role=Role.TELLER)
    tasks = TaskManager()
    yield AppContext(teller, tasks)
    tasks.shutdown(wait=True)


def test_a_teller_cannot_reveal(qtbot: QtBot, teller_ctx: AppContext) -> None:
    session = teller_ctx.session
    cif = richest_customer(session)
    page = open_profile(qtbot, teller_ctx, cif)
    assert not any(b.isEnabled() for b in page.reveal_buttons.values())
    assert "*" in page.personal_values["mobile"].text()
    with qtbot.waitSignal(teller_ctx.error) as error:
        page.reveal("mobile", RevealReason.OTHER)  # even if the button were bypassed
    assert error.args == ["Your role does not allow this."]
    assert audit_rows(session, "reveal") == []
    denied = audit_rows(session, "reveal_denied")
    assert [d.entity_id for d in denied] == [cif]


def test_branch_staff_hand_a_follow_up_to_the_customers_rm(
    qtbot: QtBot, teller_ctx: AppContext
) -> None:
    session = teller_ctx.session
    cif = richest_customer(session)
    with session.store.read() as conn:
        owner = book.get_customer(conn, cif).owner_rm
    page = open_profile(qtbot, teller_ctx, cif)
    dialog = page.new_task()
    assert dialog is not None
    assert dialog.hand_over.isChecked()  # the default for branch staff
    dialog.title_edit.setText("Customer asks about a mortgage")
    with qtbot.waitSignal(page.task_created) as created:
        dialog._check()
    task = created.args[0]
    assert (task.assignee, task.created_by) == (owner, "teller01")
    assert task.source is TaskSource.HANDOFF
    last = pending(session)[-1]
    assert (last.name, last.fields["assignee"], last.fields["source"]) == (
        "task.create", owner, "handoff")  # fmt: skip
