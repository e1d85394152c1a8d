"""Contact history and follow-up tasks of one block of customers.

Contacts spread over the two years (or since the customer joined), mostly in banking
hours China time, stored as UTC. RMs log visits, calls and messages; tellers log
service contacts and complaints. Drifters complain more and their RM's notes talk
about money leaving. A few notes are amended by a later note that supersedes them.

Tasks fall due from 30 days before to 60 days after the as-of date, so "today" and
"overdue" have content; churn tasks answer the reasons the churn model will find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import repeat
from typing import Final, NamedTuple

import numpy as np

from rm_desk.demo import texts
from rm_desk.demo.accounts import AccountSummary
from rm_desk.demo.frame import (
    CST_OFFSET_SECONDS,
    DORMANT,
    DRIFTER,
    LOST,
    NEW,
    BankFrame,
    BoolArray,
    FloatArray,
    IntArray,
    Locale,
)
from rm_desk.demo.history import LIFECYCLE_AT_RISK, LIFECYCLE_DORMANT, HistorySummary
from rm_desk.demo.numbering import uuid_strings
from rm_desk.demo.people import People
from rm_desk.domain.model import (
    FollowUpTask,
    Interaction,
    InteractionKind,
    TaskPriority,
    TaskSource,
    TaskStatus,
)
from rm_desk.domain.rules import ReasonCode

_KIND_ORDER: Final[tuple[InteractionKind, ...]] = (
    InteractionKind.VISIT,
    InteractionKind.CALL,
    InteractionKind.MESSAGE,
    InteractionKind.SERVICE,
    InteractionKind.COMPLAINT,
)
VISIT, CALL, MESSAGE, SERVICE, COMPLAINT = range(5)
# Kind mix by segment (cumulative): wealthier customers see their RM in person more.
_KIND_CUMULATIVE: Final[FloatArray] = np.cumsum(
    np.array(
        [
            [0.12, 0.40, 0.31, 0.155, 0.015],
            [0.22, 0.42, 0.24, 0.105, 0.015],
            [0.35, 0.40, 0.18, 0.055, 0.015],
        ]
    ),
    axis=1,
)
_CONTACTS_PER_2Y: Final[FloatArray] = np.array([9.0, 15.5, 33.0])
# Minutes between a contact and its note being saved, by kind: (least, spread).
_DELAY_MINUTES: Final[tuple[tuple[int, int], ...]] = ((30, 210), (1, 29), (0, 2), (1, 19), (1, 19))
_AMENDED_SHARE: Final[float] = 0.005
_BANK_OPENS_MIN: Final[int] = 9 * 60
_BANK_HOURS_MIN: Final[int] = 8 * 60 + 30


@dataclass(frozen=True, slots=True)
class ContactSummary:
    complaints_90d: IntArray


@dataclass(frozen=True, slots=True)
class BlockContacts:
    interactions: list[Interaction]
    summary: ContactSummary


# The note an RM writes when the drawn one does not fit the customer: one that fits
# anybody, per kind (visit, call, message, service, complaint), then for drift notes.
_FALLBACK_NOTE: Final[tuple[int, ...]] = (0, 5, 2, 0, 0)
_FALLBACK_DRIFT_NOTE: Final[int] = 0


@cache
def _note_table(locale: Locale) -> tuple[tuple[texts.ContactNote, ...], tuple[int, ...], int]:
    """Every note in one table: where each kind's notes start, and the drift notes."""
    table: list[texts.ContactNote] = []
    starts: list[int] = []
    for kind in _KIND_ORDER:
        starts.append(len(table))
        table.extend(texts.NOTES[locale][kind])
    drift_start = len(table)
    table.extend(texts.DRIFT_NOTES[locale])
    return tuple(table), tuple(starts), drift_start


@cache
def _note_needs() -> tuple[IntArray, IntArray]:
    """What each note of the table needs, and the note to write instead."""
    needs: list[int] = []
    fallback: list[int] = []
    for kind, default in zip(_KIND_ORDER, _FALLBACK_NOTE, strict=True):
        start = len(needs)
        needs.extend(texts.NOTE_NEEDS[kind])
        fallback.extend([start + default] * len(texts.NOTE_NEEDS[kind]))
    start = len(needs)
    needs.extend(texts.DRIFT_NOTE_NEEDS)
    fallback.extend([start + _FALLBACK_DRIFT_NOTE] * len(texts.DRIFT_NOTE_NEEDS))
    return np.array(needs, dtype=np.int64), np.array(fallback, dtype=np.int64)


def needs_met(people: People, accounts: AccountSummary) -> BoolArray:
    """(customers, NEEDS_COUNT): which products and situations each customer has."""
    met = np.zeros((people.n, texts.NEEDS_COUNT), dtype=bool)
    met[:, texts.NEEDS_NOTHING] = True
    met[:, texts.NEEDS_TERM] = accounts.term_deposits > 0
    met[:, texts.NEEDS_WEALTH] = accounts.wealth_products > 0
    met[:, texts.NEEDS_MORTGAGE] = accounts.has_mortgage
    met[:, texts.NEEDS_CARD] = accounts.has_card
    met[:, texts.NEEDS_BUSINESS] = people.small_business
    met[:, texts.NEEDS_PAYROLL] = people.payroll
    return met


def _fitting(
    choice: IntArray, cust: IntArray, met: BoolArray, needs: IntArray, fallback: IntArray
) -> IntArray:
    """Each choice, or its fallback where the customer lacks what it needs."""
    fits = met[cust, needs[choice]]
    result: IntArray = np.where(fits, choice, fallback[choice])
    return result


def _timestamps(epoch_day: int, ago: IntArray, minute: IntArray, second: IntArray) -> IntArray:
    """Unix seconds of a China-time wall clock `minute` on the day `ago` days back."""
    result: IntArray = (epoch_day - ago) * 86_400 + minute * 60 + second - CST_OFFSET_SECONDS
    return result


def _datetimes(seconds: IntArray) -> list[datetime]:
    return list(map(datetime.fromtimestamp, seconds.tolist(), repeat(UTC)))


def _bank_minutes(u: FloatArray) -> IntArray:
    result: IntArray = (_BANK_OPENS_MIN + np.floor(u * _BANK_HOURS_MIN)).astype(np.int64)
    return result


class _Contacts(NamedTuple):
    """The block's contacts as columns, before amendments and ordering."""

    cust: IntArray
    kind: IntArray
    ago: IntArray  # day of the contact, days before the as-of date
    occurred: IntArray  # Unix seconds
    created: IntArray  # Unix seconds the note was saved
    note: IntArray  # index into the note table
    u: FloatArray  # (rows, 6) uniform draws


def generate_interactions(
    frame: BankFrame, people: People, met: BoolArray, rng: np.random.Generator
) -> BlockContacts:
    """Contact history; `met` is `needs_met` of the block's customers."""
    cust, ago, kind = _contact_days(people, rng)
    earliest = np.minimum(people.since_ago, 729)[cust]
    contacts = _contact_times(frame, cust, ago, kind, earliest=earliest, rng=rng)
    contacts = _contact_notes(frame, people, contacts, met)
    interactions = _interaction_records(frame, people, contacts, rng)
    recent_complaints = (contacts.kind == COMPLAINT) & (contacts.ago <= 90)
    complaints_90d = np.bincount(contacts.cust[recent_complaints], minlength=people.n)
    return BlockContacts(interactions, ContactSummary(complaints_90d.astype(np.int64)))


def _contact_days(people: People, rng: np.random.Generator) -> tuple[IntArray, IntArray, IntArray]:
    """(customer, days ago, kind) of every contact."""
    n, seg, path = people.n, people.segment, people.path
    # Each customer's window of contact: since joining (at most two years back) until
    # `gap` days ago; some have heard nothing from the bank for 60-200 days.
    start_ago = np.minimum(people.since_ago, 729)
    silent = rng.random(n) < np.where(path == LOST, 0.7, 0.18)
    gap = np.where(
        silent, rng.integers(60, 201, n), np.floor(rng.random(n) ** 2 * 30).astype(np.int64)
    )
    width = np.maximum(start_ago - gap, 0)
    rate = _CONTACTS_PER_2Y[seg] * np.select(
        [path == DORMANT, path == LOST, path == DRIFTER, path == NEW], [0.6, 0.5, 1.2, 2.5], 1.0
    )
    reachable = start_ago > gap
    count = rng.poisson(rate * width / 730) * reachable
    cust = np.repeat(np.arange(n, dtype=np.int64), count)
    u = rng.random((cust.size, 2))
    ago = gap[cust] + np.floor(u[:, 0] * (width[cust] + 1)).astype(np.int64)
    # Most RMs keep in touch: the latest contact of most customers is `gap` days ago.
    latest = np.flatnonzero(reachable & ~silent & (rng.random(n) < 0.6))
    cust = np.concatenate([cust, latest])
    ago = np.concatenate([ago, gap[latest]])
    u = np.concatenate([u, rng.random((latest.size, 2))])
    kind = np.minimum((u[:, 1][:, None] > _KIND_CUMULATIVE[seg[cust]]).sum(axis=1), COMPLAINT)
    # Drifters complain: one complaint in the last 90 days for about a third of them.
    who = np.flatnonzero((path == DRIFTER) & (gap < 90) & (rng.random(n) < 0.35))
    extra_ago = gap[who] + np.floor(rng.random(who.size) * (90 - gap[who])).astype(np.int64)
    return (
        np.concatenate([cust, who]),
        np.concatenate([ago, extra_ago]),
        np.concatenate([kind, np.full(who.size, COMPLAINT)]).astype(np.int64),
    )


def _contact_times(
    frame: BankFrame,
    cust: IntArray,
    ago: IntArray,
    kind: IntArray,
    *,
    earliest: IntArray,
    rng: np.random.Generator,
) -> _Contacts:
    """When each contact happened (banking hours, China time) and its note was saved."""
    u = rng.random((cust.size, 6))
    # Calls and visits fall on weekdays; a weekend one usually moves to the Friday
    # (unless the customer had not joined by then).
    weekday = (frame.as_of.toordinal() - ago + 6) % 7
    friday = ago + weekday - 4
    weekend = (weekday >= 5) & (kind <= CALL) & (u[:, 0] < 0.8) & (friday <= earliest)
    ago = np.where(weekend, friday, ago)
    minute = _bank_minutes(u[:, 1])
    evening = (kind == MESSAGE) & (u[:, 2] < 0.2)
    minute = np.where(evening, 18 * 60 + np.floor(u[:, 1] * 210).astype(np.int64), minute)
    second = np.floor(u[:, 3] * 60).astype(np.int64)
    occurred = _timestamps(frame.as_of_epoch_day, ago, minute, second)
    delay_least = np.array([d[0] for d in _DELAY_MINUTES], dtype=np.int64)[kind]
    delay_spread = np.array([d[1] for d in _DELAY_MINUTES], dtype=np.int64)[kind]
    delay = delay_least * 60 + np.floor(u[:, 4] * delay_spread * 60).astype(np.int64)
    empty = np.zeros(0, dtype=np.int64)
    return _Contacts(cust, kind, ago, occurred, occurred + delay, empty, u)


def _contact_notes(
    frame: BankFrame, people: People, contacts: _Contacts, met: BoolArray
) -> _Contacts:
    """A note per contact that fits what the customer holds; an RM who calls or visits
    a drifting customer writes about the money leaving."""
    cust, kind, u = contacts.cust, contacts.kind, contacts.u
    _, starts, drift_start = _note_table(frame.locale)
    lengths = np.diff(np.array([*starts, drift_start], dtype=np.int64))
    note = np.array(starts, dtype=np.int64)[kind] + np.floor(u[:, 5] * lengths[kind])
    drifting = people.path[cust] == DRIFTER
    recent = contacts.ago <= people.drift_months[cust] * 30
    about_drift = drifting & (kind <= CALL) & recent & (u[:, 2] < 0.5)
    drift_count = len(texts.DRIFT_NOTES[frame.locale])
    note = np.where(about_drift, drift_start + np.floor(u[:, 5] * drift_count), note)
    needs, fallback = _note_needs()
    fitting = _fitting(note.astype(np.int64), cust, met, needs, fallback)
    return contacts._replace(note=fitting)


def _interaction_records(
    frame: BankFrame, people: People, contacts: _Contacts, rng: np.random.Generator
) -> list[Interaction]:
    cust, kind, u = contacts.cust, contacts.kind, contacts.u
    k = cust.size
    # Amendments repeat the contact they correct, saved one hour to three days later
    # (but not after the as-of day).
    amended = np.flatnonzero(rng.random(k) < _AMENDED_SHARE)
    day_end = _timestamps(
        frame.as_of_epoch_day, np.zeros(1, np.int64), np.full(1, 1439), np.full(1, 59)
    )
    later = np.minimum(
        contacts.created[amended] + rng.integers(3_600, 3 * 86_400, amended.size), day_end
    )
    source = np.concatenate([np.arange(k, dtype=np.int64), amended])
    is_amendment = np.concatenate([np.zeros(k, dtype=bool), np.ones(amended.size, dtype=bool)])
    created_all = np.concatenate([contacts.created, later])
    # Output row i is combined row order[i]; an amendment follows what it amends.
    order = np.lexsort((is_amendment, contacts.occurred[source], cust[source]))
    total = order.size
    ids = uuid_strings(rng.integers(0, 256, (total, 16), dtype=np.uint8))
    position = np.empty(total, dtype=np.int64)
    position[order] = np.arange(total, dtype=np.int64)

    src = source[order]
    kind_rows = kind[src].tolist()
    cust_rows = cust[src]
    owner = people.owner[cust_rows].tolist()
    teller = (2 * people.branch[cust_rows] + (u[src, 0] < 0.5)).tolist()
    created_by = [
        frame.rm_ids[o] if k_ <= MESSAGE else frame.teller_ids[t]
        for o, t, k_ in zip(owner, teller, kind_rows, strict=True)
    ]
    solo = [(rm_id,) for rm_id in frame.rm_ids]
    with_manager = [
        (rm_id, frame.manager_ids[b])
        for rm_id, b in zip(frame.rm_ids, frame.rm_branch.tolist(), strict=True)
    ]
    manager_along = (u[src, 2] < 0.15).tolist()
    participants: list[tuple[str, ...]] = [
        (with_manager[o] if along else solo[o]) if k_ == VISIT else ()
        for o, k_, along in zip(owner, kind_rows, manager_along, strict=True)
    ]
    table, _, _ = _note_table(frame.locale)
    notes = [table[i] for i in contacts.note[src].tolist()]
    bodies = [t.note for t in notes]
    supersedes: list[str | None] = [None] * total
    prefix = texts.AMENDMENT_PREFIX[frame.locale]
    for i in np.flatnonzero(is_amendment[order]).tolist():
        supersedes[i] = ids[int(position[int(src[i])])]
        bodies[i] = prefix + bodies[i]
    cif = people.cif
    return list(
        map(
            Interaction,
            ids,
            [cif[c] for c in cust_rows.tolist()],
            [_KIND_ORDER[k_] for k_ in kind_rows],
            _datetimes(contacts.occurred[src]),
            created_by,
            [t.subject for t in notes],
            bodies,
            participants,
            [t.outcome for t in notes],
            [t.next_step for t in notes],
            supersedes,
            _datetimes(created_all[order]),
            repeat(1, total),
        )
    )


# Task kinds: the churn reasons first, in this order, then the rest.
_CHURN_CODES: Final[tuple[ReasonCode, ...]] = (
    ReasonCode.AUM_CHANGE_3M,
    ReasonCode.TERM_MATURING_30D,
    ReasonCode.COMPLAINTS_90D,
    ReasonCode.SALARY_STOPPED,
    ReasonCode.MONTHS_WITHOUT_TXN,
)
_SOURCES: Final[tuple[TaskSource, ...]] = (
    TaskSource.CHURN_ACTION,
    TaskSource.MANUAL,
    TaskSource.NOTE_NEXT_STEP,
    TaskSource.MANAGER,
    TaskSource.HANDOFF,
)
S_CHURN, S_MANUAL, S_NEXT_STEP, S_MANAGER, S_HANDOFF = range(5)
_STATUSES: Final[tuple[TaskStatus, ...]] = (
    TaskStatus.OPEN,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DONE,
    TaskStatus.CANCELLED,
)
_PRIORITIES: Final[tuple[TaskPriority, ...]] = tuple(TaskPriority)
_GENERIC_PER_CUSTOMER: Final[FloatArray] = np.array([1.42, 2.4, 3.6])
# Status mix (cumulative open, in progress, done; the rest cancelled) for tasks due
# before the as-of date and from it on.
_STATUS_PAST: Final[FloatArray] = np.cumsum([0.38, 0.07, 0.50])
_STATUS_FUTURE: Final[FloatArray] = np.cumsum([0.85, 0.10, 0.04])
_CANCELLED_OUTCOME: Final[dict[str, str]] = {
    "zh": "客户暂无需求，取消",
    "en": "Not needed, cancelled",
}


@cache
def _task_table(locale: Locale) -> tuple[tuple[texts.TaskText, ...], dict[str, int]]:
    table: list[texts.TaskText] = []
    start: dict[str, int] = {}
    for code in _CHURN_CODES:
        start[code] = len(table)
        table.append(texts.CHURN_TASKS[locale][code])
    for name, entries in (
        ("wealth", (texts.WEALTH_MATURING[locale],)),
        ("birthday", (texts.BIRTHDAY[locale],)),
        ("kyc", (texts.KYC_UPDATE[locale],)),
        ("manual", texts.MANUAL_TASKS[locale]),
        ("next_step", texts.NEXT_STEP_TASKS[locale]),
        ("manager", texts.MANAGER_TASKS[locale]),
        ("handoff", texts.HANDOFF_TASKS[locale]),
    ):
        start[name] = len(table)
        table.extend(entries)
    return tuple(table), start


@cache
def _task_needs(locale: Locale) -> tuple[IntArray, IntArray]:
    """What each task of the table needs, and the task to set instead (the first of its
    group, which fits anybody)."""
    table, start = _task_table(locale)
    needs = np.zeros(len(table), dtype=np.int64)
    fallback = np.arange(len(table), dtype=np.int64)
    for name, group in (
        ("manual", texts.MANUAL_TASK_NEEDS),
        ("next_step", texts.NEXT_STEP_TASK_NEEDS),
    ):
        first = start[name]
        needs[first : first + len(group)] = group
        fallback[first : first + len(group)] = first
    return needs, fallback


@dataclass
class _TaskRows:
    cust: list[IntArray]
    due: list[IntArray]  # days after the as-of date (negative: before)
    text: list[IntArray]
    source: list[IntArray]

    def add(self, who: IntArray, due: IntArray, text: IntArray | int, source: int) -> None:
        self.cust.append(who)
        self.due.append(due.astype(np.int64))
        self.text.append(np.broadcast_to(np.asarray(text, dtype=np.int64), who.shape))
        self.source.append(np.full(who.size, source, dtype=np.int64))


def _birthday_offsets(frame: BankFrame, birth_ago: IntArray) -> IntArray:
    """Days from the as-of date to the birthday nearest inside [-30, 60] (else a large
    number)."""
    born = frame.as_of_day - birth_ago.astype("timedelta64[D]")
    month_in_year = (
        born.astype("datetime64[M]") - born.astype("datetime64[Y]").astype("datetime64[M]")
    ).astype(np.int64)
    day_in_month = (born - born.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    year = np.datetime64(frame.as_of, "Y")
    best = np.full(birth_ago.size, 10**6, dtype=np.int64)
    for shift in (-1, 0, 1):
        first_of_month = (year + shift).astype("datetime64[M]") + month_in_year
        birthday = first_of_month.astype("datetime64[D]") + day_in_month
        offset = (birthday - frame.as_of_day).astype(np.int64)
        best = np.where((offset >= -30) & (offset <= 60) & (best == 10**6), offset, best)
    return best


def generate_tasks(
    frame: BankFrame,
    people: People,
    *,
    met: BoolArray,
    accounts: AccountSummary,
    history: HistorySummary,
    contacts: ContactSummary,
    rng: np.random.Generator,
) -> list[FollowUpTask]:
    rows = _TaskRows([], [], [], [])
    _dated_tasks(
        frame, people, rows, accounts=accounts, history=history, contacts=contacts, rng=rng
    )
    _planned_tasks(frame, people, rows, met, rng)
    return _task_records(frame, people, rows, rng)


def _dated_tasks(
    frame: BankFrame,
    people: People,
    rows: _TaskRows,
    *,
    accounts: AccountSummary,
    history: HistorySummary,
    contacts: ContactSummary,
    rng: np.random.Generator,
) -> None:
    """Tasks that answer a churn reason or a date in the customer's affairs."""
    n = people.n
    _, start = _task_table(frame.locale)

    def pick(mask: BoolArray, p: float | FloatArray) -> IntArray:
        chosen: IntArray = np.flatnonzero(mask & (rng.random(n) < p))
        return chosen

    def days(who: IntArray, low: int, high: int) -> IntArray:
        result: IntArray = rng.integers(low, high + 1, who.size)
        return result

    who = pick(history.lifecycle == LIFECYCLE_AT_RISK, 0.75)
    rows.add(who, days(who, -20, 14), start[ReasonCode.AUM_CHANGE_3M], S_CHURN)
    who = pick(history.salary_stopped, 0.6)
    rows.add(who, days(who, -20, 14), start[ReasonCode.SALARY_STOPPED], S_CHURN)
    who = pick(contacts.complaints_90d > 0, 0.7)
    rows.add(who, days(who, -15, 10), start[ReasonCode.COMPLAINTS_90D], S_CHURN)
    who = pick(history.lifecycle == LIFECYCLE_DORMANT, 0.6)
    rows.add(who, days(who, -30, 30), start[ReasonCode.MONTHS_WITHOUT_TXN], S_CHURN)
    ahead = accounts.term_maturing_ahead
    who = pick((ahead >= 0) & (ahead <= 30), 0.6)
    due = np.maximum(ahead[who] - days(who, 1, 7), -30)
    rows.add(who, due, start[ReasonCode.TERM_MATURING_30D], S_CHURN)
    ahead = accounts.wealth_maturing_ahead
    who = pick((ahead >= 0) & (ahead <= 45), 0.5)
    rows.add(who, np.maximum(ahead[who] - 3, -30), start["wealth"], S_MANUAL)
    birthday = _birthday_offsets(frame, people.birth_ago)
    who = pick(birthday <= 60, np.array([0.25, 0.7, 0.9])[people.segment])
    rows.add(who, birthday[who], start["birthday"], S_MANUAL)
    kyc = people.kyc_ahead
    who = pick((kyc >= -30) & (kyc <= 60), 0.6)
    rows.add(who, kyc[who], start["kyc"], S_MANUAL)


def _planned_tasks(
    frame: BankFrame, people: People, rows: _TaskRows, met: BoolArray, rng: np.random.Generator
) -> None:
    """Tasks RMs set themselves, managers assign and tellers hand over, fitting what the
    customer holds."""
    _, start = _task_table(frame.locale)
    lost = people.path == LOST
    count = rng.poisson(_GENERIC_PER_CUSTOMER[people.segment] * np.where(lost, 0.3, 1.0))
    who = np.repeat(np.arange(people.n, dtype=np.int64), count)
    u = rng.random((who.size, 2))
    source = np.searchsorted(np.cumsum([0.5, 0.3, 0.15]), u[:, 0], side="right") + S_MANUAL
    sources = [source == S_MANUAL, source == S_NEXT_STEP, source == S_MANAGER]
    text_start = np.select(
        sources, [start["manual"], start["next_step"], start["manager"]], start["handoff"]
    )
    text_count = np.select(
        sources,
        [
            len(texts.MANUAL_TASKS["zh"]),
            len(texts.NEXT_STEP_TASKS["zh"]),
            len(texts.MANAGER_TASKS["zh"]),
        ],
        len(texts.HANDOFF_TASKS["zh"]),
    )
    rows.cust.append(who)
    rows.due.append(rng.integers(-30, 61, who.size))
    text = text_start + np.floor(u[:, 1] * text_count).astype(np.int64)
    needs, fallback = _task_needs(frame.locale)
    rows.text.append(_fitting(text, who, met, needs, fallback))
    rows.source.append(source.astype(np.int64))


def _task_records(
    frame: BankFrame, people: People, rows: _TaskRows, rng: np.random.Generator
) -> list[FollowUpTask]:
    cust = np.concatenate(rows.cust)
    due = np.concatenate(rows.due)
    text = np.concatenate(rows.text)
    source = np.concatenate(rows.source)
    order = np.lexsort((text, due, cust))
    cust, due, text, source = cust[order], due[order], text[order], source[order]
    total = cust.size
    u = rng.random((total, 8))

    status = np.where(
        due < 0,
        np.searchsorted(_STATUS_PAST, u[:, 0], side="right"),
        np.searchsorted(_STATUS_FUTURE, u[:, 0], side="right"),
    ).astype(np.int64)
    priority = np.select(
        [source == S_CHURN, source == S_MANAGER],
        [np.where(u[:, 1] < 0.3, 3, 2), np.where(u[:, 1] < 0.5, 2, 1)],
        np.searchsorted([0.15, 0.85], u[:, 1], side="right"),
    ).astype(np.int64)
    lead = 1 + np.floor(u[:, 2] * 21).astype(np.int64)
    created_day = np.minimum(due - lead, -np.floor(u[:, 2] * 10).astype(np.int64))
    created_at = _timestamps(
        frame.as_of_epoch_day, -created_day, _bank_minutes(u[:, 3]), np.floor(u[:, 4] * 60)
    ).astype(np.int64)
    done = np.flatnonzero(status == 2)
    completed_day = np.clip(due + np.floor(u[:, 5] * 6).astype(np.int64) - 3, created_day, 0)
    completed_at = _timestamps(
        frame.as_of_epoch_day, -completed_day, _bank_minutes(u[:, 6]), np.floor(u[:, 7] * 60)
    ).astype(np.int64)
    completed_at = np.maximum(completed_at, created_at + 600)
    completed: list[datetime | None] = [None] * total
    for i, moment in zip(done.tolist(), _datetimes(completed_at[done]), strict=True):
        completed[i] = moment

    owner = people.owner[cust].tolist()
    branch = people.branch[cust].tolist()
    creator = [
        frame.manager_ids[b]
        if s == S_MANAGER
        else frame.teller_ids[2 * b + (c % 2)]
        if s == S_HANDOFF
        else frame.rm_ids[o]
        for o, b, s, c in zip(owner, branch, source.tolist(), cust.tolist(), strict=True)
    ]
    table, _ = _task_table(frame.locale)
    entries = [table[t] for t in text.tolist()]
    status_list = status.tolist()
    cancelled = _CANCELLED_OUTCOME[frame.locale]
    outcomes = [
        e.outcome if s == 2 else cancelled if s == 3 else ""
        for e, s in zip(entries, status_list, strict=True)
    ]
    cif = people.cif
    return list(
        map(
            FollowUpTask,
            uuid_strings(rng.integers(0, 256, (total, 16), dtype=np.uint8)),
            [cif[c] for c in cust.tolist()],
            [e.title for e in entries],
            frame.dates_ago(-due),
            [_PRIORITIES[p] for p in priority.tolist()],
            [frame.rm_ids[o] for o in owner],
            creator,
            [_SOURCES[s] for s in source.tolist()],
            [_STATUSES[s] for s in status_list],
            outcomes,
            [e.detail for e in entries],
            [_CHURN_CODES[t].value if t < len(_CHURN_CODES) else None for t in text.tolist()],
            _datetimes(created_at),
            completed,
            repeat(1, total),
        )
    )
