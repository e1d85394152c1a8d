"""Indicator arithmetic on hand-built customers."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from rm_desk.domain.churn.indicators import CODES, compute_indicators, detail_column

AS_OF = date(2026, 11, 20)
MONTHS = [f"2026-{m:02d}" for m in range(1, 12)]  # Jan .. Nov (lag 10 .. lag 0)


def _snap(cid: str, month: str, **kw: int) -> dict[str, object]:
    row: dict[str, object] = {
        "customer_id": cid,
        "month": month,
        "aum_fen": 1_000_000,
        "deposits_fen": 500_000,
        "txn_count": 10,
        "txn_in_fen": 1000,
        "txn_out_fen": 1000,
        "salary_credit_fen": 0,
        "outflow_other_banks_fen": 0,
        "products_held": 3,
    }
    row.update(kw)
    return row


def _book() -> pd.DataFrame:
    rows = []
    for lag, month in zip(range(10, -1, -1), MONTHS, strict=True):
        # A: activity halves in the last 3 months, AUM falls 40% over 3 months,
        # salary stops, money goes to other banks, products fall from 4 to 2.
        rows.append(
            _snap(
                "A",
                month,
                txn_count=5 if lag <= 2 else 10,
                txn_in_fen=500 if lag <= 2 else 1000,
                aum_fen=600_000 if lag == 0 else 1_000_000,
                deposits_fen=250_000 if lag == 0 else 500_000,
                salary_credit_fen=800_000 if lag >= 3 else 0,
                outflow_other_banks_fen=100_000 if lag <= 2 else 0,
                products_held=2 if lag == 0 else 4,
            )
        )
        # B: no transactions for the last four months.
        rows.append(_snap("B", month, txn_count=0 if lag <= 3 else 8))
    # C joined two months ago: too short for 3-month comparisons.
    rows += [_snap("C", m) for m in MONTHS[-2:]]
    return pd.DataFrame(rows)


def _compute() -> pd.DataFrame:
    customers = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "since": [
                (AS_OF - timedelta(days=731)).isoformat(),
                "2010-01-01",
                (AS_OF - timedelta(days=40)).isoformat(),
            ],
        }
    )
    day = AS_OF.isoformat
    holdings = pd.DataFrame(
        [
            # A: ¥500,000 term deposit maturing in 12 days, another in 40 days (outside).
            (
                "A",
                "term_deposit",
                50_000_000,
                "2025-11-01",
                (AS_OF + timedelta(days=12)).isoformat(),
            ),
            (
                "A",
                "term_deposit",
                10_000_000,
                "2025-11-01",
                (AS_OF + timedelta(days=40)).isoformat(),
            ),
            # B: a deposit matured 20 days ago and nothing new was opened.
            (
                "B",
                "term_deposit",
                7_000_000,
                "2024-01-01",
                (AS_OF - timedelta(days=20)).isoformat(),
            ),
            ("B", "demand_deposit", 1_000, "2020-01-01", None),
            # C: matured 20 days ago but renewed 15 days ago.
            (
                "C",
                "term_deposit",
                3_000_000,
                "2024-01-01",
                (AS_OF - timedelta(days=20)).isoformat(),
            ),
            (
                "C",
                "term_deposit",
                3_000_000,
                (AS_OF - timedelta(days=15)).isoformat(),
                "2027-06-01",
            ),
        ],
        columns=["customer_id", "kind", "balance_fen", "opened", "maturity"],
    )
    interactions = pd.DataFrame(
        [
            ("A", "complaint", f"{(AS_OF - timedelta(days=5)).isoformat()}T09:00:00+00:00"),
            ("A", "complaint", f"{(AS_OF - timedelta(days=60)).isoformat()}T09:00:00+00:00"),
            ("A", "complaint", f"{(AS_OF - timedelta(days=100)).isoformat()}T09:00:00+00:00"),
            ("A", "visit", f"{(AS_OF - timedelta(days=40)).isoformat()}T09:00:00+00:00"),
            ("A", "service", f"{(AS_OF - timedelta(days=2)).isoformat()}T09:00:00+00:00"),
            ("C", "call", f"{(AS_OF + timedelta(days=3)).isoformat()}T09:00:00+00:00"),  # future
        ],
        columns=["customer_id", "kind", "occurred_at"],
    )
    assert day()  # the as-of date is a real date
    return compute_indicators(customers, _book(), holdings, interactions, AS_OF)


def test_every_indicator_is_a_column() -> None:
    frame = _compute()
    assert list(frame.index) == ["A", "B", "C"]
    for code in CODES:
        assert code in frame.columns


def test_transactions_aum_and_products() -> None:
    a = _compute().loc["A"]
    assert a["txn_count_change_3m"] == pytest.approx(-50.0)
    assert a[detail_column("txn_count_change_3m", "last_3m")] == 15
    # in+out: 1500 a month against 2000.
    assert a["txn_amount_change_3m"] == pytest.approx(-25.0)
    assert a["aum_change_3m"] == pytest.approx(-40.0)
    assert a["deposits_change_3m"] == pytest.approx(-50.0)
    assert a["products_held_change_6m"] == -2
    assert a["months_without_txn"] == 0
    assert a["salary_stopped"] == 1
    assert a[detail_column("salary_stopped", "months_since_salary")] == 3
    assert a["outflow_other_banks_3m"] == pytest.approx(30.0)  # 300,000 of 1,000,000


def test_dormancy_and_short_histories() -> None:
    frame = _compute()
    assert frame.loc["B", "months_without_txn"] == 4
    assert frame.loc["B", "salary_stopped"] == 0
    assert frame.loc["B", "txn_count_change_3m"] == pytest.approx(-100.0)
    c = frame.loc["C"]
    assert isinstance(c, pd.Series)
    assert math.isnan(c["txn_count_change_3m"])
    assert math.isnan(c["aum_change_3m"])
    assert math.isnan(c["products_held_change_6m"])


def test_maturities_complaints_contact_tenure() -> None:
    frame = _compute()
    a, b, c = frame.loc["A"], frame.loc["B"], frame.loc["C"]
    assert isinstance(b, pd.Series)
    assert isinstance(c, pd.Series)
    assert a["term_maturing_30d"] == 50_000_000
    assert a[detail_column("term_maturing_30d", "days")] == 12
    assert a[detail_column("term_maturing_30d", "count")] == 1
    assert b["maturities_not_renewed_90d"] == 1
    assert b[detail_column("maturities_not_renewed_90d", "amount_fen")] == 7_000_000
    assert c["maturities_not_renewed_90d"] == 0
    assert a["complaints_90d"] == 2
    assert a["days_since_rm_contact"] == 40  # the service contact is not an RM contact
    assert math.isnan(b["days_since_rm_contact"])
    assert math.isnan(c["days_since_rm_contact"])  # a future-dated call does not count
    assert a["tenure_months"] == 24  # 731 days
    assert c["tenure_months"] == 1


def test_month_and_day_parsing() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    from rm_desk.domain.churn.indicators import _days, month_index  # noqa: PLC0415

    assert month_index(["2026-01", "2025-12", "1999-07"]).tolist() == [
        2026 * 12, 2025 * 12 + 11, 1999 * 12 + 6,
    ]  # fmt: skip
    texts = pd.Series(["2026-11-20", "2026-11-19T23:59:59+00:00", "2024-02-29", "2027-01-01"])
    assert _days(texts, AS_OF).tolist() == [0.0, 1.0, (AS_OF - date(2024, 2, 29)).days, -42.0]
    instants = pd.Series([datetime(2026, 11, 1, 8, 0, tzinfo=UTC)], dtype=object)
    assert _days(instants, AS_OF).tolist() == [19.0]
