"""Contact history and follow-up tasks of the demo bank."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

from rm_desk.demo import texts
from rm_desk.domain.model import (
    HoldingKind,
    InteractionKind,
    Lifecycle,
    Role,
    TaskSource,
    TaskStatus,
)
from rm_desk.domain.rules import ReasonCode
from tests.unit.demo.demo_book import Book

_CHINA = timezone(timedelta(hours=8))
_RM_KINDS = {InteractionKind.VISIT, InteractionKind.CALL, InteractionKind.MESSAGE}


def _end_of_as_of(book: Book) -> datetime:
    as_of = book.bank.as_of
    return datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, tzinfo=_CHINA)


def test_interaction_ids_are_unique_uuids(book: Book) -> None:
    ids = [i.id for i in book.interactions]
    assert len(set(ids)) == len(ids)
    for value in ids[:500]:
        assert str(uuid.UUID(value)) == value
        assert uuid.UUID(value).version == 7


def test_kinds_come_in_realistic_proportions(book: Book) -> None:
    kinds = Counter(i.kind for i in book.interactions)
    total = len(book.interactions)
    assert 0.30 <= kinds[InteractionKind.CALL] / total <= 0.50
    assert 0.10 <= kinds[InteractionKind.VISIT] / total <= 0.25
    assert 0.005 <= kinds[InteractionKind.COMPLAINT] / total <= 0.04


def test_drifters_complain_more(book: Book) -> None:
    stage = {c.id: c.lifecycle for c in book.customers}
    per_stage: dict[bool, Counter[bool]] = defaultdict(Counter)
    for interaction in book.interactions:
        at_risk = stage[interaction.customer_id] is Lifecycle.AT_RISK
        per_stage[at_risk][interaction.kind is InteractionKind.COMPLAINT] += 1

    def share(at_risk: bool) -> float:
        return per_stage[at_risk][True] / sum(per_stage[at_risk].values())

    assert share(True) > 1.5 * share(False)


def test_contacts_happen_in_banking_hours_over_two_years(book: Book) -> None:
    end = _end_of_as_of(book)
    start = end - timedelta(days=731)
    since = {c.id: c.since for c in book.customers}
    for interaction in book.interactions:
        occurred = interaction.occurred_at
        assert occurred.astimezone(_CHINA).date() >= since[interaction.customer_id]
        assert occurred.tzinfo is UTC
        assert start <= occurred <= end
        assert interaction.created_at is not None
        assert occurred <= interaction.created_at <= end
        local = occurred.astimezone(_CHINA)
        assert 9 <= local.hour < 22
        if interaction.kind is not InteractionKind.MESSAGE:
            assert local.hour < 18
    weekend = sum(
        1
        for i in book.interactions
        if i.kind in (InteractionKind.VISIT, InteractionKind.CALL)
        and i.occurred_at.astimezone(_CHINA).weekday() >= 5
    )
    assert weekend < 0.1 * len(book.interactions)


def test_rms_log_their_contacts_and_tellers_the_counter_ones(book: Book) -> None:
    owner = {c.id: c.owner_rm for c in book.customers}
    branch = {c.id: c.branch for c in book.customers}
    tellers = {e.user_id: e.branch for e in book.bank.employees if e.role is Role.TELLER}
    for interaction in book.interactions:
        assert interaction.version == 1
        if interaction.kind in _RM_KINDS:
            assert interaction.created_by == owner[interaction.customer_id]
        else:
            assert tellers[interaction.created_by] == branch[interaction.customer_id]
        if interaction.kind is InteractionKind.VISIT:
            assert interaction.participants[0] == interaction.created_by
        else:
            assert interaction.participants == ()
        assert interaction.subject
        assert interaction.note


def test_amendments_supersede_an_earlier_note_of_the_same_customer(book: Book) -> None:
    by_id = {i.id: i for i in book.interactions}
    position = {i.id: n for n, i in enumerate(book.interactions)}
    amendments = [i for i in book.interactions if i.supersedes_id is not None]
    share = len(amendments) / len(book.interactions)
    assert 0.002 <= share <= 0.01
    for amendment in amendments:
        assert amendment.supersedes_id is not None
        original = by_id[amendment.supersedes_id]
        assert original.customer_id == amendment.customer_id
        assert original.supersedes_id is None
        assert position[original.id] < position[amendment.id]
        assert original.created_at is not None
        assert amendment.created_at is not None
        assert amendment.created_at > original.created_at
        assert amendment.note.startswith("更正：")
        assert amendment.note.endswith(original.note)


def test_each_customer_history_is_in_time_order(book: Book) -> None:
    seen: dict[str, datetime] = {}
    for interaction in book.interactions:
        previous = seen.get(interaction.customer_id)
        assert previous is None or previous <= interaction.occurred_at
        seen[interaction.customer_id] = interaction.occurred_at


def test_some_customers_have_not_been_contacted_for_months(book: Book) -> None:
    end = _end_of_as_of(book)
    last: dict[str, datetime] = {}
    for interaction in book.interactions:
        last[interaction.customer_id] = max(
            last.get(interaction.customer_id, interaction.occurred_at), interaction.occurred_at
        )
    silent = sum(1 for moment in last.values() if (end - moment).days >= 60)
    assert 0.1 <= silent / len(book.customers) <= 0.45
    recent = sum(1 for moment in last.values() if (end - moment).days < 30)
    assert recent >= 0.3 * len(book.customers)


def test_tasks_fall_due_around_the_as_of_date(book: Book) -> None:
    as_of = book.bank.as_of
    offsets = [(t.due - as_of).days for t in book.tasks]
    assert min(offsets) >= -30
    assert max(offsets) <= 60
    today = sum(1 for d in offsets if d == 0)
    assert today >= 10
    overdue = sum(
        1
        for t in book.tasks
        if t.due < as_of and t.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
    )
    assert overdue >= 0.1 * len(book.tasks)
    statuses = Counter(t.status for t in book.tasks)
    assert statuses[TaskStatus.OPEN] > len(book.tasks) / 2
    assert statuses[TaskStatus.DONE] >= 0.1 * len(book.tasks)


def test_tasks_are_assigned_and_closed_properly(book: Book) -> None:
    end = _end_of_as_of(book)
    owner = {c.id: c.owner_rm for c in book.customers}
    roles = {e.user_id: e.role for e in book.bank.employees}
    for task in book.tasks:
        assert task.assignee == owner[task.customer_id]
        assert task.version == 1
        assert task.created_at is not None
        assert task.created_at <= end
        creator = roles[task.created_by]
        if task.source is TaskSource.MANAGER:
            assert creator is Role.MANAGER
        elif task.source is TaskSource.HANDOFF:
            assert creator is Role.TELLER
        else:
            assert task.created_by == task.assignee
        if task.status is TaskStatus.DONE:
            assert task.completed_at is not None
            assert task.created_at < task.completed_at <= end + timedelta(hours=1)
            assert task.outcome
        else:
            assert task.completed_at is None
        if task.source is TaskSource.CHURN_ACTION:
            assert task.reason_code in set(ReasonCode)
        else:
            assert task.reason_code is None
    ids = [t.id for t in book.tasks]
    assert len(set(ids)) == len(ids)


def test_churn_tasks_answer_the_customer_situation(book: Book) -> None:
    stage = {c.id: c.lifecycle for c in book.customers}
    reasons = Counter(t.reason_code for t in book.tasks if t.reason_code)
    assert set(reasons) == {
        ReasonCode.AUM_CHANGE_3M,
        ReasonCode.TERM_MATURING_30D,
        ReasonCode.COMPLAINTS_90D,
        ReasonCode.SALARY_STOPPED,
        ReasonCode.MONTHS_WITHOUT_TXN,
    }
    for task in book.tasks:
        if task.reason_code == ReasonCode.AUM_CHANGE_3M:
            assert stage[task.customer_id] is Lifecycle.AT_RISK
        if task.reason_code == ReasonCode.MONTHS_WITHOUT_TXN:
            assert stage[task.customer_id] is Lifecycle.DORMANT
    sources = Counter(t.source for t in book.tasks)
    assert {
        TaskSource.MANUAL,
        TaskSource.CHURN_ACTION,
        TaskSource.MANAGER,
        TaskSource.NOTE_NEXT_STEP,
    } <= set(sources)
    titles = {t.title for t in book.tasks}
    assert {"续存提醒", "生日关怀", "KYC 更新", "投诉处理回访", "理财到期回访"} <= titles


def test_note_tables_line_up_in_both_languages() -> None:
    for kind in InteractionKind:
        assert len(texts.NOTES["zh"][kind]) == len(texts.NOTES["en"][kind])
        assert len(texts.NOTES["zh"][kind]) == len(texts.NOTE_NEEDS[kind])
    assert len(texts.DRIFT_NOTES["zh"]) == len(texts.DRIFT_NOTES["en"])
    assert len(texts.DRIFT_NOTES["zh"]) == len(texts.DRIFT_NOTE_NEEDS)
    assert len(texts.MANUAL_TASKS["zh"]) == len(texts.MANUAL_TASKS["en"])
    assert len(texts.MANUAL_TASKS["zh"]) == len(texts.MANUAL_TASK_NEEDS)
    assert len(texts.NEXT_STEP_TASKS["zh"]) == len(texts.NEXT_STEP_TASK_NEEDS)
    assert len(texts.MANAGER_TASKS["zh"]) == len(texts.MANAGER_TASKS["en"])
    assert len(texts.HANDOFF_TASKS["zh"]) == len(texts.HANDOFF_TASKS["en"])


def test_notes_and_tasks_fit_what_the_customer_holds(book: Book) -> None:
    kinds = {
        customer_id: {h.kind for h in rows}
        for customer_id, rows in book.holdings_by_customer().items()
    }
    tags = {c.id: c.tags for c in book.customers}
    needs = {
        "信用卡分期咨询": lambda c: HoldingKind.CARD in kinds[c],
        "房贷利率咨询": lambda c: HoldingKind.LOAN in kinds[c],
        "定期到期提醒": lambda c: HoldingKind.TERM_DEPOSIT in kinds[c],
        "企业走访": lambda c: "小微企业主" in tags[c],
        "代发变动": lambda c: "代发工资" in tags[c],
        "资产检视": lambda c: bool({HoldingKind.WEALTH, HoldingKind.FUND} & kinds[c]),
        "信用卡分期推荐": lambda c: HoldingKind.CARD in kinds[c],
        "基金定投回访": lambda c: bool({HoldingKind.WEALTH, HoldingKind.FUND} & kinds[c]),
    }
    seen: Counter[str] = Counter()
    for subject, customer_id in [(i.subject, i.customer_id) for i in book.interactions] + [
        (t.title, t.customer_id) for t in book.tasks
    ]:
        rule = needs.get(subject)
        if rule is not None:
            seen[subject] += 1
            assert rule(customer_id), (subject, customer_id)
    assert set(seen) == set(needs)
