"""What the customers of one block hold: deposits, term deposits, wealth products,
funds, insurance, loans and credit cards.

Asset holdings add up to the customer's AUM to the fen. Drifters also keep the term
deposits that matured in the last three months and were not renewed, with a zero
balance: the money left with them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import Final

import numpy as np

from rm_desk.demo import catalogue as cat
from rm_desk.demo.frame import (
    DORMANT,
    DRIFTER,
    K_BUSINESS,
    K_CARD,
    K_CONSUMER,
    K_DEMAND,
    K_FUND,
    K_INSURANCE,
    K_MATURED,
    K_MORTGAGE,
    K_TERM,
    K_WEALTH,
    LOST,
    MASS,
    MAX_HOLDINGS_PER_CUSTOMER,
    MONTHS,
    BankFrame,
    BoolArray,
    FloatArray,
    IntArray,
    Locale,
)
from rm_desk.demo.numbering import card_numbers
from rm_desk.demo.people import People
from rm_desk.domain.model import Holding, HoldingKind

_KINDS: Final[int] = 10
_HOLDING_KIND: Final[tuple[HoldingKind, ...]] = (
    HoldingKind.DEMAND_DEPOSIT,
    HoldingKind.TERM_DEPOSIT,
    HoldingKind.TERM_DEPOSIT,
    HoldingKind.WEALTH,
    HoldingKind.FUND,
    HoldingKind.INSURANCE,
    HoldingKind.LOAN,
    HoldingKind.LOAN,
    HoldingKind.LOAN,
    HoldingKind.CARD,
)
NO_DATE: Final[int] = -(10**6)  # "no maturity" in day-offset columns

_TERM_DAYS: Final[IntArray] = np.array([t.days for t in cat.TERM_DEPOSITS], dtype=np.int64)
_TERM_RATE: Final[IntArray] = np.array([t.rate_bp for t in cat.TERM_DEPOSITS], dtype=np.int64)
_TERM_CUMULATIVE: Final[FloatArray] = np.cumsum([t.weight for t in cat.TERM_DEPOSITS])
_WEALTH_DAYS: Final[IntArray] = np.array([p.days for p in cat.WEALTH_PRODUCTS], dtype=np.int64)
_WEALTH_LO: Final[IntArray] = np.array([p.rate_lo_bp for p in cat.WEALTH_PRODUCTS], np.int64)
_WEALTH_HI: Final[IntArray] = np.array([p.rate_hi_bp for p in cat.WEALTH_PRODUCTS], np.int64)
_INSURANCE_DAYS: Final[IntArray] = np.array([p.days for p in cat.INSURANCE], dtype=np.int64)

# Count distributions per segment (mass, affluent, private).
_TERM_COUNT_CUMULATIVE: Final[FloatArray] = np.cumsum(
    np.array([[0.58, 0.29, 0.10, 0.03], [0.20, 0.35, 0.30, 0.15], [0.10, 0.30, 0.35, 0.25]]),
    axis=1,
)
_WEALTH_MEAN: Final[FloatArray] = np.array([0.17, 1.0, 1.8])
_FUND_MEAN: Final[FloatArray] = np.array([0.13, 0.7, 1.2])
_INSURANCE_P: Final[FloatArray] = np.array([0.05, 0.30, 0.50])
_MORTGAGE_P: Final[FloatArray] = np.array([0.14, 0.25, 0.20])
_CARD_P: Final[FloatArray] = np.array([0.40, 0.75, 0.85])
_DEPOSIT_SHARE_LO: Final[FloatArray] = np.array([0.30, 0.20, 0.15])
_DEPOSIT_SHARE_HI: Final[FloatArray] = np.array([0.80, 0.60, 0.50])
_MORTGAGE_MEDIAN_YUAN: Final[FloatArray] = np.array([700_000.0, 1_500_000.0, 3_000_000.0])
_CARD_OWED_MEDIAN_YUAN: Final[FloatArray] = np.array([4_000.0, 12_000.0, 30_000.0])
# Customers with less than this hold nothing but their demand account (and debts).
_INVESTABLE_FLOOR_FEN: Final[int] = 500_000


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """Per-customer totals of the block's holdings, for the monthly history and tasks."""

    deposits_fen: IntArray  # demand + term deposits on the as-of date
    loans_fen: IntArray  # loan balances owed
    cards_fen: IntArray  # credit card balances owed
    loan_opened_month: IntArray  # month index the earliest loan was drawn (-99: none)
    held: IntArray  # (n, MONTHS) products held each month
    wealth_products: IntArray  # number of wealth products and funds
    term_deposits: IntArray  # term deposits, including those matured unrenewed
    has_mortgage: BoolArray
    has_card: BoolArray
    term_maturing_ahead: IntArray  # days to the next term deposit maturity (NO_DATE: none)
    term_maturing_fen: IntArray
    wealth_maturing_ahead: IntArray  # days to the next wealth product maturity
    matured_unrenewed: IntArray  # term deposits matured in the last 90 days, not renewed


@dataclass(frozen=True, slots=True)
class BlockHoldings:
    holdings: list[Holding]
    summary: AccountSummary


@cache
def _product_table(locale: Locale) -> tuple[tuple[str, ...], dict[int, int]]:
    """All product names in one table, and where each kind's names start in it."""
    names: list[str] = []
    start: dict[int, int] = {}
    start[K_DEMAND] = len(names)
    names.append(cat.DEMAND_NAME[0] if locale == "zh" else cat.DEMAND_NAME[1])
    start[K_TERM] = start[K_MATURED] = len(names)
    for term in cat.TERM_DEPOSITS:
        names.append(cat.term_deposit_name(term, False, locale))
        names.append(cat.term_deposit_name(term, True, locale))
    for kind, products in (
        (K_WEALTH, cat.WEALTH_PRODUCTS),
        (K_FUND, cat.FUNDS),
        (K_INSURANCE, cat.INSURANCE),
        (K_MORTGAGE, (cat.MORTGAGE,)),
        (K_CONSUMER, (cat.CONSUMER_LOAN,)),
        (K_BUSINESS, (cat.BUSINESS_LOAN,)),
        (K_CARD, cat.CARDS),
    ):
        start[kind] = len(names)
        names.extend(p.name(locale) for p in products)
    return tuple(names), start


def _counts(people: People, rng: np.random.Generator) -> IntArray:
    """(n, kinds) number of holdings of each kind per customer."""
    n, seg, path, age = people.n, people.segment, people.path, people.age
    investable = (people.aum_fen >= _INVESTABLE_FLOOR_FEN) & (path != LOST)
    counts = np.zeros((n, _KINDS), dtype=np.int64)
    counts[:, K_DEMAND] = 1
    term = (rng.random(n)[:, None] > _TERM_COUNT_CUMULATIVE[seg]).sum(axis=1)
    term = np.where((path == DORMANT) & (term == 0) & (rng.random(n) < 0.5), 1, term)
    counts[:, K_TERM] = np.where(investable, np.minimum(term, 3), 0)
    matured = np.select([rng.random(n) < 0.55, rng.random(n) < 0.33], [1, 2], 0)
    counts[:, K_MATURED] = np.where((path == DRIFTER) & (people.level_fen >= 2_000_000), matured, 0)
    counts[:, K_WEALTH] = np.where(investable, np.minimum(rng.poisson(_WEALTH_MEAN[seg]), 4), 0)
    counts[:, K_FUND] = np.where(investable, np.minimum(rng.poisson(_FUND_MEAN[seg]), 4), 0)
    counts[:, K_INSURANCE] = investable & (rng.random(n) < _INSURANCE_P[seg])
    mortgage_p = _MORTGAGE_P[seg] * np.where(path == LOST, 0.5, 1.0)
    counts[:, K_MORTGAGE] = (age >= 25) & (age <= 60) & (rng.random(n) < mortgage_p)
    counts[:, K_CONSUMER] = (age <= 55) & (path != LOST) & (rng.random(n) < 0.05)
    counts[:, K_BUSINESS] = people.small_business & (path != LOST) & (rng.random(n) < 0.5)
    card = (rng.random(n) < _CARD_P[seg]).astype(np.int64)
    card += (seg != MASS) & (rng.random(n) < 0.15)
    counts[:, K_CARD] = np.where(path == LOST, rng.random(n) < 0.3, card)
    if counts.sum(axis=1).max() >= MAX_HOLDINGS_PER_CUSTOMER:
        raise AssertionError("holding counts exceed the numbering range")
    return counts


@dataclass(frozen=True, slots=True)
class _Rows:
    """The block's holdings as columns, one row per holding, grouped by customer."""

    cust: IntArray  # customer index within the block
    kind: IntArray  # K_* code
    within: IntArray  # 0-based position among the customer's holdings
    since: IntArray  # days since the customer joined
    segment: IntArray
    u: FloatArray  # (rows, 4) uniform draws

    @property
    def size(self) -> int:
        return int(self.cust.size)


@dataclass(frozen=True, slots=True)
class _Terms:
    """Dates (days before / after the as-of date) and product choices per holding."""

    opened_ago: IntArray
    maturity_ahead: IntArray  # NO_DATE: none
    term_idx: IntArray
    product_idx: IntArray


def generate_holdings(frame: BankFrame, people: People, rng: np.random.Generator) -> BlockHoldings:
    counts = _counts(people, rng)
    rows = _layout(people, counts, rng)
    balance = _asset_balances(people, counts, rows, rng) + _owed(rows)
    terms = _terms(rows)
    large = (balance >= cat.LARGE_CD_FLOOR_FEN) & (rows.kind == K_TERM)
    holdings = _records(frame, people, rows, terms=terms, balance=balance, large=large)
    summary = _summarise(frame, people, counts, rows, balance=balance, terms=terms)
    held = _products_held(frame, people, rows, terms, rng)
    return BlockHoldings(holdings, dataclasses.replace(summary, held=held))


def _layout(people: People, counts: IntArray, rng: np.random.Generator) -> _Rows:
    keys = np.repeat(np.arange(people.n * _KINDS, dtype=np.int64), counts.ravel())
    cust = keys // _KINDS
    starts = np.concatenate([[0], np.cumsum(counts.sum(axis=1))[:-1]]).astype(np.int64)
    return _Rows(
        cust=cust,
        kind=keys % _KINDS,
        within=np.arange(cust.size, dtype=np.int64) - starts[cust],
        since=people.since_ago[cust],
        segment=people.segment[cust],
        u=rng.random((cust.size, 4)),
    )


def _asset_balances(
    people: People, counts: IntArray, rows: _Rows, rng: np.random.Generator
) -> IntArray:
    """Deposits and investments that add up to each customer's AUM to the fen."""
    n, kind, u = people.n, rows.kind, rows.u
    investments = counts[:, K_WEALTH] + counts[:, K_FUND] + counts[:, K_INSURANCE]
    share = rng.uniform(_DEPOSIT_SHARE_LO[people.segment], _DEPOSIT_SHARE_HI[people.segment])
    share = np.where(investments > 0, share, 1.0)
    deposits_fen = np.round(people.aum_fen * share).astype(np.int64)
    targets = np.stack([deposits_fen, people.aum_fen - deposits_fen], axis=1).ravel()
    has_term = counts[:, K_TERM][rows.cust] > 0
    weight = np.select(
        [kind == K_DEMAND, kind == K_TERM, kind == K_WEALTH, kind == K_FUND, kind == K_INSURANCE],
        [
            np.where(has_term, 0.08 + 0.37 * u[:, 0], 1.0),
            0.4 + 1.2 * u[:, 0],
            0.6 + 1.0 * u[:, 0],
            0.3 + 0.9 * u[:, 0],
            0.2 + 0.6 * u[:, 0],
        ],
        0.0,
    )
    asset_rows = np.flatnonzero(weight > 0.0)
    group = (rows.cust * 2 + (kind >= K_WEALTH))[asset_rows]
    sums = np.bincount(group, weights=weight[asset_rows], minlength=2 * n)
    balance = np.zeros(rows.size, dtype=np.int64)
    balance[asset_rows] = np.floor(weight[asset_rows] / sums[group] * targets[group])
    placed = np.bincount(group, weights=balance[asset_rows], minlength=2 * n)
    residual = targets - np.round(placed).astype(np.int64)
    # What rounding left over goes to the first holding of each group (the demand
    # account for deposits).
    present, first = np.unique(group, return_index=True)
    balance[asset_rows[first]] += residual[present]
    return balance


def _owed(rows: _Rows) -> IntArray:
    """Loan and credit card balances owed (zero for assets)."""
    kind, u, seg = rows.kind, rows.u, rows.segment
    remaining = 0.3 + 0.7 * u[:, 1]
    owed_yuan = np.select(
        [kind == K_MORTGAGE, kind == K_CONSUMER, kind == K_BUSINESS, kind == K_CARD],
        [
            _MORTGAGE_MEDIAN_YUAN[seg] * np.exp(0.5 * (u[:, 2] * 2 - 1)) * remaining,
            (20_000 + 280_000 * u[:, 2]) * remaining,
            800_000 * np.exp(1.2 * (u[:, 2] - 0.5)) * remaining,
            np.where(
                u[:, 1] < 0.3, 0.0, _CARD_OWED_MEDIAN_YUAN[seg] * np.exp(1.6 * (u[:, 2] - 0.5))
            ),
        ],
        0.0,
    )
    owed: IntArray = np.round(owed_yuan * 100).astype(np.int64)
    return owed


def _terms(rows: _Rows) -> _Terms:
    kind, u, since = rows.kind, rows.u, rows.since
    term_idx = np.searchsorted(_TERM_CUMULATIVE, u[:, 3] * _TERM_CUMULATIVE[-1], side="right")
    term_idx = np.minimum(term_idx, len(cat.TERM_DEPOSITS) - 1)
    # Deposits that matured unrenewed were short ones, placed after the customer joined.
    matured = kind == K_MATURED
    term_idx = np.where(matured, np.minimum(term_idx, 2), term_idx)
    matured_ago = 1 + np.floor(u[:, 2] * 90).astype(np.int64)
    term_idx = np.where(matured & (matured_ago + _TERM_DAYS[term_idx] > since), 0, term_idx)
    term_days = _TERM_DAYS[term_idx]
    product_idx = np.floor(u[:, 3] * 1_000_003).astype(np.int64)
    wealth_days = _WEALTH_DAYS[product_idx % len(cat.WEALTH_PRODUCTS)]
    insurance_days = _INSURANCE_DAYS[product_idx % len(cat.INSURANCE)]
    loan_days = (1 + product_idx % 3) * 365
    mortgage_days = (20 + 5 * (product_idx % 3)) * 365
    reach = since + 1

    def elapsed_within(days: IntArray | int) -> IntArray:
        """Days since opening: any day since joining, within a product's term."""
        result: IntArray = np.floor(u[:, 1] * np.minimum(days, reach)).astype(np.int64)
        return result

    wealth_term = (kind == K_WEALTH) & (wealth_days > 0)
    insurance_term = (kind == K_INSURANCE) & (insurance_days > 0)
    is_loan = (kind == K_CONSUMER) | (kind == K_BUSINESS)
    opened_ago = np.select(
        [
            kind == K_DEMAND,
            kind == K_TERM,
            matured,
            wealth_term,
            kind == K_WEALTH,
            kind == K_FUND,
            insurance_term,
            kind == K_INSURANCE,
            kind == K_MORTGAGE,
            is_loan,
        ],
        [
            since,
            elapsed_within(term_days),
            matured_ago + term_days,
            elapsed_within(wealth_days),
            elapsed_within(1095),
            elapsed_within(1826),
            elapsed_within(insurance_days),
            elapsed_within(2920),
            elapsed_within(3650),
            elapsed_within(loan_days - 1),
        ],
        elapsed_within(reach),
    ).astype(np.int64)
    maturity_ahead = np.select(
        [kind == K_TERM, matured, wealth_term, insurance_term, kind == K_MORTGAGE, is_loan],
        [
            term_days - opened_ago,
            -matured_ago,
            wealth_days - opened_ago,
            insurance_days - opened_ago,
            mortgage_days - opened_ago,
            loan_days - opened_ago,
        ],
        NO_DATE,
    ).astype(np.int64)
    return _Terms(opened_ago, maturity_ahead, term_idx, product_idx)


def _rates(rows: _Rows, terms: _Terms, large: BoolArray) -> list[int | None]:
    kind, u = rows.kind, rows.u
    # Board rates were higher in past years: about 35 bp a year of age.
    term_rate = (
        _TERM_RATE[terms.term_idx]
        + np.round(terms.opened_ago / 365 * 35).astype(np.int64)
        + np.where(large, cat.LARGE_CD_PREMIUM_BP, 0)
    )
    wealth_idx = terms.product_idx % len(cat.WEALTH_PRODUCTS)
    low, high = _WEALTH_LO[wealth_idx], _WEALTH_HI[wealth_idx]
    wealth_rate = low + (high - low) * u[:, 2]
    loan_lo = np.select([kind == K_MORTGAGE, kind == K_CONSUMER], [310, 300], 350)
    loan_hi = np.select([kind == K_MORTGAGE, kind == K_CONSUMER], [420, 600], 550)
    loan_rate = loan_lo + (loan_hi - loan_lo) * u[:, 3]
    rate = np.select(
        [
            kind == K_DEMAND,
            (kind == K_TERM) | (kind == K_MATURED),
            kind == K_WEALTH,
            kind >= K_MORTGAGE,
        ],
        [
            np.full(rows.size, cat.DEMAND_RATE_BP),
            term_rate,
            np.round(wealth_rate / 5) * 5,
            np.where(kind == K_CARD, 1825, np.round(loan_rate / 5) * 5),
        ],
        -1,
    ).astype(np.int64)
    return [r if r >= 0 else None for r in rate.tolist()]


def _product_names(frame: BankFrame, rows: _Rows, terms: _Terms, large: BoolArray) -> list[str]:
    names, name_start = _product_table(frame.locale)
    kind = rows.kind
    card_tier = np.minimum(rows.segment + (rows.u[:, 3] < 0.3), 2)
    offset = np.select(
        [
            (kind == K_TERM) | (kind == K_MATURED),
            kind == K_WEALTH,
            kind == K_FUND,
            kind == K_INSURANCE,
            kind == K_CARD,
        ],
        [
            terms.term_idx * 2 + large,
            terms.product_idx % len(cat.WEALTH_PRODUCTS),
            terms.product_idx % len(cat.FUNDS),
            terms.product_idx % len(cat.INSURANCE),
            card_tier,
        ],
        0,
    )
    kind_start = np.array([name_start[k] for k in range(_KINDS)], dtype=np.int64)
    return [names[p] for p in (kind_start[kind] + offset).tolist()]


def _account_numbers(frame: BankFrame, people: People, rows: _Rows) -> list[str]:
    """A debit card number for each demand account, a card number for each credit card:
    Luhn-valid, unique because they number (customer, holding) pairs."""
    account_no = [""] * rows.size
    number_key = people.global_index[rows.cust] * MAX_HOLDINGS_PER_CUSTOMER + rows.within
    bins = np.array([[int(c) for c in b] for b in cat.CARD_BINS], dtype=np.uint8)
    bin_rows = bins[people.global_index[rows.cust] % len(cat.CARD_BINS)]
    for wanted, length, scramble in (
        (K_DEMAND, 19, frame.keys.card19),
        (K_CARD, 16, frame.keys.card16),
    ):
        chosen = np.flatnonzero(rows.kind == wanted)
        numbers = card_numbers(bin_rows[chosen], scramble(number_key[chosen]), length)
        for row, number in zip(chosen.tolist(), numbers, strict=True):
            account_no[row] = number
    return account_no


def _records(
    frame: BankFrame,
    people: People,
    rows: _Rows,
    *,
    terms: _Terms,
    balance: IntArray,
    large: BoolArray,
) -> list[Holding]:
    cif = people.cif
    cust_list = rows.cust.tolist()
    ids = [f"H{cif[c]}-{k}" for c, k in zip(cust_list, (rows.within + 1).tolist(), strict=True)]
    has_maturity = terms.maturity_ahead != NO_DATE
    maturity_dates = frame.dates_ago(-np.where(has_maturity, terms.maturity_ahead, 0))
    maturities = [
        d if present else None
        for d, present in zip(maturity_dates, has_maturity.tolist(), strict=True)
    ]
    return list(
        map(
            Holding,
            ids,
            [cif[c] for c in cust_list],
            [_HOLDING_KIND[k] for k in rows.kind.tolist()],
            _product_names(frame, rows, terms, large),
            balance.tolist(),
            frame.dates_ago(terms.opened_ago),
            maturities,
            _rates(rows, terms, large),
            _account_numbers(frame, people, rows),
            repeat(1, rows.size),
        )
    )


def _summarise(
    frame: BankFrame,
    people: People,
    counts: IntArray,
    rows: _Rows,
    *,
    balance: IntArray,
    terms: _Terms,
) -> AccountSummary:
    n, cust, kind = people.n, rows.cust, rows.kind
    maturity_ahead = terms.maturity_ahead
    is_loan = (kind >= K_MORTGAGE) & (kind != K_CARD)
    loans_fen = np.bincount(cust, weights=np.where(is_loan, balance, 0), minlength=n)
    cards_fen = np.bincount(cust, weights=np.where(kind == K_CARD, balance, 0), minlength=n)
    deposits = np.bincount(
        cust, weights=np.where((kind == K_DEMAND) | (kind == K_TERM), balance, 0), minlength=n
    )
    far = 10**6
    loan_month = np.full(n, far, dtype=np.int64)
    loan_rows = np.flatnonzero(is_loan)
    np.minimum.at(loan_month, cust[loan_rows], frame.month_of_ago(terms.opened_ago[loan_rows]))
    term_next = np.full(n, far, dtype=np.int64)
    term_rows = np.flatnonzero(kind == K_TERM)
    np.minimum.at(term_next, cust[term_rows], maturity_ahead[term_rows])
    # Balance of the deposit maturing next (the largest if several mature that day).
    term_fen = np.zeros(n, dtype=np.int64)
    soonest = term_rows[maturity_ahead[term_rows] == term_next[cust[term_rows]]]
    np.maximum.at(term_fen, cust[soonest], balance[soonest])
    wealth_next = np.full(n, far, dtype=np.int64)
    wealth_rows = np.flatnonzero((kind == K_WEALTH) & (maturity_ahead != NO_DATE))
    np.minimum.at(wealth_next, cust[wealth_rows], maturity_ahead[wealth_rows])
    return AccountSummary(
        deposits_fen=np.round(deposits).astype(np.int64),
        loans_fen=np.round(loans_fen).astype(np.int64),
        cards_fen=np.round(cards_fen).astype(np.int64),
        loan_opened_month=np.where(loan_month == far, -99, loan_month),
        held=np.zeros((n, MONTHS), dtype=np.int64),
        wealth_products=counts[:, K_WEALTH] + counts[:, K_FUND],
        term_deposits=counts[:, K_TERM] + counts[:, K_MATURED],
        has_mortgage=counts[:, K_MORTGAGE] > 0,
        has_card=counts[:, K_CARD] > 0,
        term_maturing_ahead=np.where(term_next == far, NO_DATE, term_next),
        term_maturing_fen=term_fen,
        wealth_maturing_ahead=np.where(wealth_next == far, NO_DATE, wealth_next),
        matured_unrenewed=counts[:, K_MATURED],
    )


def _products_held(
    frame: BankFrame, people: People, rows: _Rows, terms: _Terms, rng: np.random.Generator
) -> IntArray:
    """Products held each month: each holding counts from the month it was opened (the
    demand account and term deposits, which roll over, from the month the customer
    joined) to the month it matured; drifters and lost customers also closed products
    that no longer appear among the holdings."""
    n, cust, kind = people.n, rows.cust, rows.kind
    since_month = frame.month_of_ago(people.since_ago)
    start = np.where(
        (kind == K_DEMAND) | (kind == K_TERM),
        since_month[cust],
        frame.month_of_ago(terms.opened_ago),
    )
    end = np.where(kind == K_MATURED, frame.month_of_ago(-terms.maturity_ahead) + 1, MONTHS)
    diff = np.zeros((n, MONTHS + 1), dtype=np.int64)
    np.add.at(diff, (cust, np.clip(start, 0, MONTHS)), 1)
    np.add.at(diff, (cust, np.clip(end, 0, MONTHS)), -1)

    leaving = (people.path == DRIFTER) | (people.path == LOST)
    extra = np.where(leaving, rng.integers(0, 3, n) + (people.path == LOST) * 2, 0)
    first_drift_month = people.drift_end_month - people.drift_months + 1
    for i in range(int(extra.max(initial=0))):
        who = np.flatnonzero(extra > i)
        closes = first_drift_month[who] + rng.integers(0, people.drift_months[who].clip(1))
        np.add.at(diff, (who, np.clip(since_month[who], 0, MONTHS)), 1)
        np.add.at(diff, (who, np.clip(closes, 0, MONTHS)), -1)
    held: IntArray = np.cumsum(diff, axis=1)[:, :MONTHS]
    return held
