"""Twenty-four monthly snapshots per customer, ending with the as-of month.

Most customers drift sideways with mild growth. Drifters lose 30-80% of their AUM
over their last 3-9 months while transactions collapse, salary credits stop and money
flows to other banks; lost customers did the same earlier and have been still since;
dormant customers have had no transaction for three months or more. The lifecycle
stage is then read off the history, as the bank's own rules would.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import Final, NamedTuple

import numpy as np

from rm_desk.demo.accounts import AccountSummary
from rm_desk.demo.frame import (
    DORMANT,
    DRIFTER,
    LOST,
    MONTHS,
    BankFrame,
    BoolArray,
    FloatArray,
    IntArray,
)
from rm_desk.demo.people import People
from rm_desk.domain.model import MonthlySnapshot

LIFECYCLE_NEW, LIFECYCLE_ACTIVE, LIFECYCLE_DORMANT, LIFECYCLE_AT_RISK, LIFECYCLE_LOST = range(5)

_GROWTH_SD: Final[FloatArray] = np.array([0.025, 0.03, 0.035])  # monthly, by segment
_TXN_MEDIAN: Final[FloatArray] = np.array([12.0, 22.0, 30.0])
_TICKET_MEDIAN_FEN: Final[FloatArray] = np.array([60_000.0, 400_000.0, 2_000_000.0])
_NEW_DAYS: Final[int] = 183
_MONTH_INDEX: Final[IntArray] = np.arange(MONTHS, dtype=np.int64)[None, :]


@dataclass(frozen=True, slots=True)
class HistorySummary:
    lifecycle: IntArray  # LIFECYCLE_* codes
    salary_stopped: BoolArray  # payroll credits that stopped within the window
    inactive_months: IntArray  # trailing months without transactions


@dataclass(frozen=True, slots=True)
class BlockHistory:
    snapshots: list[MonthlySnapshot]
    summary: HistorySummary


class _Balances(NamedTuple):
    aum: IntArray  # (n, MONTHS)
    deposits: IntArray
    wealth: IntArray
    loans: IntArray
    drift_t: FloatArray  # progress through the drift, 0 before it and 1 after


class _Flows(NamedTuple):
    txn_count: IntArray
    txn_in: IntArray
    txn_out: IntArray
    salary: IntArray
    to_other_banks: IntArray


def generate_history(
    frame: BankFrame, people: People, accounts: AccountSummary, rng: np.random.Generator
) -> BlockHistory:
    joined = frame.month_of_ago(people.since_ago)[:, None] <= _MONTH_INDEX
    balances = _balances(people, accounts, joined, rng)
    flows = _flows(frame, people, balances, joined, rng)
    held = np.where(joined, accounts.held, 0)
    n_rows = people.n * MONTHS
    snapshots = list(
        map(
            MonthlySnapshot,
            [cif for cif in people.cif for _ in range(MONTHS)],
            list(frame.months) * people.n,
            balances.aum.ravel().tolist(),
            balances.deposits.ravel().tolist(),
            balances.wealth.ravel().tolist(),
            balances.loans.ravel().tolist(),
            flows.txn_count.ravel().tolist(),
            flows.txn_in.ravel().tolist(),
            flows.txn_out.ravel().tolist(),
            flows.salary.ravel().tolist(),
            flows.to_other_banks.ravel().tolist(),
            held.ravel().tolist(),
            repeat(1, n_rows),
        )
    )
    return BlockHistory(snapshots, _lifecycle(people, balances.aum, flows.txn_count, flows.salary))


def _balances(
    people: People, accounts: AccountSummary, joined: BoolArray, rng: np.random.Generator
) -> _Balances:
    n, m = people.n, _MONTH_INDEX
    seg, path = people.segment, people.path
    dormant = path == DORMANT
    lost = path == LOST
    leaving = (path == DRIFTER) | lost

    # AUM: a random walk in logs, pinned to the level at the end of any drift.
    growth = np.where(dormant, 0.0012, rng.normal(0.004, 0.004, n))
    spread = np.where(dormant, 0.003, _GROWTH_SD[seg])
    walk = np.cumsum(rng.normal(0.0, 1.0, (n, MONTHS)) * spread[:, None] + growth[:, None], axis=1)
    end = people.drift_end_month
    walk -= np.take_along_axis(walk, end[:, None], axis=1)
    drift_start = end - people.drift_months
    t = np.clip((m - drift_start[:, None]) / np.maximum(people.drift_months, 1)[:, None], 0, 1)
    final = people.aum_fen.astype(np.float64)
    fall = np.where(leaving, np.log(np.maximum(final, 10_000.0) / people.level_fen), 0.0)
    log_aum = np.log(people.level_fen)[:, None] + walk + t * fall[:, None]
    aum = np.round(np.exp(log_aum)).astype(np.int64)
    aum = np.where(lost[:, None] & (m >= end[:, None]), people.aum_fen[:, None], aum)
    aum = np.where(joined, aum, 0)
    aum[:, -1] = people.aum_fen

    # Deposits share of AUM, drifting a little from today's.
    share_now = np.where(
        people.aum_fen > 0, accounts.deposits_fen / np.maximum(people.aum_fen, 1), 1.0
    )
    share_walk = np.cumsum(rng.normal(0.0, 0.015, (n, MONTHS)), axis=1)
    share_walk -= share_walk[:, -1:]
    share = np.where(
        (share_now < 1.0)[:, None], np.clip(share_now[:, None] + share_walk, 0.0, 1.0), 1.0
    )
    deposits = np.round(aum * share).astype(np.int64)
    deposits[:, -1] = accounts.deposits_fen

    # Debts: loans amortise (so were higher before), card balances come and go.
    loan_months = np.clip(MONTHS - 1 - m, 0, None)
    loan = np.round(accounts.loans_fen[:, None] * (1.0 + 0.004 * loan_months)).astype(np.int64)
    loan = np.where(m >= accounts.loan_opened_month[:, None], loan, 0)
    card = np.round(accounts.cards_fen[:, None] * rng.uniform(0.4, 1.6, (n, MONTHS)))
    loans = loan + np.where(joined, card.astype(np.int64), 0)
    loans[:, -1] = accounts.loans_fen + accounts.cards_fen
    return _Balances(aum, deposits, aum - deposits, loans, t)


def _flows(
    frame: BankFrame,
    people: People,
    balances: _Balances,
    joined: BoolArray,
    rng: np.random.Generator,
) -> _Flows:
    """Monthly transactions: counts, money in and out, salary, outflows to other banks."""
    n, m = people.n, _MONTH_INDEX
    seg, path, aum, t = people.segment, people.path, balances.aum, balances.drift_t
    leaving = (path == DRIFTER) | (path == LOST)
    rate = _TXN_MEDIAN[seg] * np.exp(rng.normal(0.0, 0.5, n)) * np.where(people.retired, 0.6, 1.0)
    rate = np.where(path == DORMANT, rate * 0.3, rate)
    collapse_to = rng.uniform(0.03, 0.3, n)
    multiplier = np.where(leaving[:, None], 1.0 - t * (1.0 - collapse_to[:, None]), 1.0)
    active = joined & (m < (MONTHS - people.quiet_months)[:, None])
    count = rng.poisson(rate[:, None] * multiplier) * active

    # Salary, with a year-end bonus in January for half of the payroll customers.
    month_of_year = np.array([int(month[5:]) for month in frame.months], dtype=np.int64)
    salary_on = people.payroll[:, None] & active & (m < people.salary_stop_month[:, None])
    bonus = np.where(
        (month_of_year[None, :] == 1) & (rng.random(n) < 0.5)[:, None],
        rng.uniform(1.5, 3.0, n)[:, None],
        1.0,
    )
    monthly = people.salary_fen[:, None] * bonus * rng.normal(1.0, 0.03, (n, MONTHS))
    salary = np.where(salary_on, np.round(monthly / 100).astype(np.int64) * 100, 0)
    pension_fen = np.round(rng.uniform(3_000, 8_000, n)) * 100
    pension = np.where(people.pension[:, None] & active, pension_fen[:, None], 0.0)

    previous = np.concatenate([aum[:, :1], aum[:, :-1]], axis=1)
    delta = (aum - previous).astype(np.float64)
    moved = (-delta > 0.02 * previous) & active
    count = np.maximum(count, (salary > 0) + (pension > 0) + moved).astype(np.int64)
    ticket = _TICKET_MEDIAN_FEN[seg] * np.exp(rng.normal(0.0, 0.5, n))
    volume = count * ticket[:, None] * np.exp(rng.normal(0.0, 0.3, (n, MONTHS)))
    income = salary + pension
    spent = income * rng.uniform(0.6, 1.0, (n, MONTHS))
    txn_in = volume * 0.5 + income + np.maximum(delta, 0.0) * 0.6
    txn_out = volume * 0.5 + spent + np.maximum(-delta, 0.0) * 0.6
    drifting = leaving[:, None] & (t > 0) & (m <= people.drift_end_month[:, None])
    to_other_banks = np.where(
        drifting,
        np.maximum(-delta, 0.0) * rng.uniform(0.6, 0.95, (n, MONTHS)),
        txn_out * rng.uniform(0.0, 0.08, (n, MONTHS)),
    )
    txn_out = np.maximum(txn_out, to_other_banks)
    none = count == 0
    return _Flows(
        txn_count=count,
        txn_in=np.where(none, 0, np.round(txn_in)).astype(np.int64),
        txn_out=np.where(none, 0, np.round(txn_out)).astype(np.int64),
        salary=salary,
        to_other_banks=np.where(none, 0, np.round(to_other_banks)).astype(np.int64),
    )


def _lifecycle(people: People, aum: IntArray, count: IntArray, salary: IntArray) -> HistorySummary:
    """Lifecycle stages by the bank's rules, read from the history alone."""
    final = people.aum_fen
    peak_12m = aum[:, -12:].max(axis=1)
    inactive = np.zeros(people.n, dtype=np.int64)
    for months in range(1, MONTHS + 1):
        inactive = np.where(count[:, -months:].sum(axis=1) == 0, months, inactive)
    recent = count[:, -3:].mean(axis=1)
    before = count[:, -9:-3].mean(axis=1)
    salary_stopped = (salary[:, -6:-3].sum(axis=1) > 0) & (salary[:, -2:].sum(axis=1) == 0)
    aum_fell = (peak_12m > 0) & (final < 0.75 * peak_12m)
    activity_fell = (before >= 3) & (recent < 0.5 * before)
    lifecycle = np.select(
        [
            people.since_ago < _NEW_DAYS,
            (final < 100_000) & (aum.max(axis=1) >= 20 * np.maximum(final, 100)) & (inactive >= 3),
            inactive >= 3,
            aum_fell | activity_fell | salary_stopped,
        ],
        [LIFECYCLE_NEW, LIFECYCLE_LOST, LIFECYCLE_DORMANT, LIFECYCLE_AT_RISK],
        LIFECYCLE_ACTIVE,
    ).astype(np.int64)
    return HistorySummary(
        lifecycle=lifecycle, salary_stopped=salary_stopped, inactive_months=inactive
    )
