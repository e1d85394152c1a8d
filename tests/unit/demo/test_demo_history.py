"""Holdings and the 24-month history: balances that add up, drifters that drift."""

from __future__ import annotations

from collections import Counter
from statistics import median

from rm_desk.domain.model import HoldingKind, Lifecycle, Segment
from tests.unit.demo.demo_book import Book

_ASSETS = {
    HoldingKind.DEMAND_DEPOSIT,
    HoldingKind.TERM_DEPOSIT,
    HoldingKind.WEALTH,
    HoldingKind.FUND,
    HoldingKind.INSURANCE,
}


def test_months_run_for_two_years_to_the_as_of_month(book: Book) -> None:
    history = book.snapshots_by_customer()
    assert len(history) == len(book.customers)
    months = [s.month for s in history[book.customers[0].id]]
    assert months[-1] == "2025-06"
    assert months[0] == "2023-07"
    assert len(months) == 24 == len(set(months))
    assert months == sorted(months)


def test_the_last_month_is_the_customer_today(book: Book) -> None:
    history = book.snapshots_by_customer()
    holdings = book.holdings_by_customer()
    for customer in book.customers:
        last = history[customer.id][-1]
        assert last.aum_fen == customer.aum_fen
        assets = [h for h in holdings[customer.id] if h.kind in _ASSETS]
        assert sum(h.balance_fen for h in assets) == customer.aum_fen
        deposits = sum(
            h.balance_fen
            for h in assets
            if h.kind in (HoldingKind.DEMAND_DEPOSIT, HoldingKind.TERM_DEPOSIT)
        )
        assert last.deposits_fen == deposits
        debts = sum(
            h.balance_fen
            for h in holdings[customer.id]
            if h.kind in (HoldingKind.LOAN, HoldingKind.CARD)
        )
        assert last.loans_fen == debts


def test_every_month_adds_up(book: Book) -> None:
    for snapshot in book.snapshots:
        assert snapshot.version == 1
        assert snapshot.deposits_fen + snapshot.wealth_fen == snapshot.aum_fen
        assert min(snapshot.aum_fen, snapshot.deposits_fen, snapshot.wealth_fen) >= 0
        assert min(snapshot.loans_fen, snapshot.txn_in_fen, snapshot.txn_out_fen) >= 0
        assert snapshot.outflow_other_banks_fen <= snapshot.txn_out_fen
        assert snapshot.txn_count >= 0
        if snapshot.txn_count == 0:
            assert snapshot.txn_in_fen == snapshot.txn_out_fen == snapshot.salary_credit_fen == 0
        if snapshot.aum_fen > 0:
            assert snapshot.products_held >= 1


def test_holdings_are_well_formed(book: Book) -> None:
    as_of = book.bank.as_of
    customers = {c.id: c for c in book.customers}
    holdings = book.holdings_by_customer()
    assert set(holdings) == set(customers)
    for customer_id, rows in holdings.items():
        assert rows[0].kind is HoldingKind.DEMAND_DEPOSIT
        assert [h.id for h in rows] == [f"H{customer_id}-{k}" for k in range(1, len(rows) + 1)]
        for holding in rows:
            assert holding.balance_fen >= 0
            assert customers[customer_id].since <= holding.opened <= as_of
            if holding.maturity is not None:
                assert holding.maturity > holding.opened
            assert holding.version == 1
    ids = [h.id for h in book.holdings]
    assert len(set(ids)) == len(ids)


def test_wealthier_customers_hold_more_products(book: Book) -> None:
    holdings = book.holdings_by_customer()

    def mean_count(segment: Segment) -> float:
        counts = [len(holdings[c.id]) for c in book.customers if c.segment is segment]
        return sum(counts) / len(counts)

    assert mean_count(Segment.MASS) < mean_count(Segment.AFFLUENT) < mean_count(Segment.PRIVATE)
    kinds = Counter(h.kind for h in book.holdings)
    assert set(kinds) == set(HoldingKind)


def test_term_deposits_mature_soon_and_some_lapsed_unrenewed(book: Book) -> None:
    as_of = book.bank.as_of
    terms = [h for h in book.holdings if h.kind is HoldingKind.TERM_DEPOSIT]
    assert all(h.maturity is not None and h.rate_bp for h in terms)
    soon = [h for h in terms if h.maturity and 0 <= (h.maturity - as_of).days <= 30]
    assert len(soon) >= 50
    lapsed = [h for h in terms if h.maturity and h.maturity < as_of]
    assert lapsed
    at_risk = {c.id for c in book.customers if c.lifecycle is Lifecycle.AT_RISK}
    for holding in lapsed:
        assert holding.balance_fen == 0
        assert holding.maturity is not None
        assert (as_of - holding.maturity).days <= 90
    assert sum(1 for h in lapsed if h.customer_id in at_risk) >= 0.7 * len(lapsed)


def test_drifters_lose_assets_activity_and_salary(book: Book) -> None:
    history = book.snapshots_by_customer()
    at_risk = [c for c in book.customers if c.lifecycle is Lifecycle.AT_RISK]
    active = [c for c in book.customers if c.lifecycle is Lifecycle.ACTIVE]
    assert len(at_risk) >= 150

    def aum_ratio(customer_id: str, back: int) -> float:
        months = history[customer_id]
        return months[-1].aum_fen / max(months[-1 - back].aum_fen, 1)

    assert median(aum_ratio(c.id, 9) for c in at_risk) < 0.6
    assert median(aum_ratio(c.id, 9) for c in active) > 0.9
    fell = sum(1 for c in at_risk if max(s.aum_fen for s in history[c.id][-12:]) * 0.75 > c.aum_fen)
    assert fell >= 0.8 * len(at_risk)

    def txn_ratio(customer_id: str) -> float:
        months = history[customer_id]
        recent = sum(s.txn_count for s in months[-2:]) / 2
        before = sum(s.txn_count for s in months[-12:-9]) / 3
        return recent / max(before, 1.0)

    assert median(txn_ratio(c.id) for c in at_risk) < 0.5

    def outflow_share(customer_id: str) -> float:
        months = history[customer_id][-6:]
        return sum(s.outflow_other_banks_fen for s in months) / max(
            sum(s.txn_out_fen for s in months), 1
        )

    assert median(outflow_share(c.id) for c in at_risk) > 2 * median(
        outflow_share(c.id) for c in active
    )
    products_fell = sum(
        1 for c in at_risk if history[c.id][-1].products_held < history[c.id][-10].products_held
    )
    assert products_fell >= 0.4 * len(at_risk)
    payroll_at_risk = [c for c in at_risk if "代发工资" in c.tags]
    stopped = [c for c in payroll_at_risk if history[c.id][-1].salary_credit_fen == 0]
    assert stopped
    assert len(stopped) >= 0.4 * len(payroll_at_risk)


def test_payroll_customers_are_paid_monthly(book: Book) -> None:
    history = book.snapshots_by_customer()
    payroll = [
        c for c in book.customers if "代发工资" in c.tags and c.lifecycle is Lifecycle.ACTIVE
    ]
    assert payroll
    for customer in payroll:
        paid = [s.salary_credit_fen for s in history[customer.id][-6:]]
        assert all(400_000 <= amount <= 13_000_000 for amount in paid)
    unpaid = [c for c in book.customers if "代发工资" not in c.tags]
    assert all(s.salary_credit_fen == 0 for c in unpaid for s in history[c.id])


def test_dormant_lost_and_new_customers_look_the_part(book: Book) -> None:
    as_of = book.bank.as_of
    history = book.snapshots_by_customer()
    for customer in book.customers:
        months = history[customer.id]
        if customer.lifecycle is Lifecycle.DORMANT:
            assert all(s.txn_count == 0 for s in months[-3:])
        elif customer.lifecycle is Lifecycle.LOST:
            assert customer.aum_fen < 100_000
            assert max(s.aum_fen for s in months) >= 20 * max(customer.aum_fen, 100)
            assert all(s.txn_count == 0 for s in months[-3:])
        elif customer.lifecycle is Lifecycle.NEW:
            assert (as_of - customer.since).days < 183
            assert months[0].aum_fen == 0
        else:
            assert (as_of - customer.since).days >= 183
            assert any(s.txn_count > 0 for s in months[-3:])
