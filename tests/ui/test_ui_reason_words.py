"""Churn reasons in words: every indicator the model can name has its sentence, with
its numbers, and nothing breaks when a value is missing."""

from __future__ import annotations

import pytest

from rm_desk.domain.churn.indicators import BY_CODE, CODES
from rm_desk.domain.model import ChurnReason
from ui import words

TYPICAL: dict[str, dict[str, float | int | str]] = {
    "txn_count_change_3m": {"value": -55.0, "last_3m": 9, "prior_3m": 20},
    "txn_amount_change_3m": {"value": -61.2, "last_3m_fen": 100, "prior_3m_fen": 257},
    "aum_change_3m": {"value": -38.0, "now_fen": 31_000_000, "before_fen": 50_000_000},
    "deposits_change_3m": {"value": -42.0, "now_fen": 1, "before_fen": 2},
    "products_held_change_6m": {"value": -2, "now": 1, "before": 3},
    "months_without_txn": {"value": 4},
    "salary_stopped": {"value": 1, "months_since_salary": 3},
    "outflow_other_banks_3m": {"value": 27.0, "amount_fen": 12_000_000},
    "term_maturing_30d": {"value": 50_000_000, "days": 12, "count": 1},
    "maturities_not_renewed_90d": {"value": 2, "amount_fen": 30_000_000},
    "complaints_90d": {"value": 2},
    "days_since_rm_contact": {"value": 95},
    "tenure_months": {"value": 5},
}
NUMBERS = {
    "txn_count_change_3m": "55",
    "txn_amount_change_3m": "61",
    "aum_change_3m": "38",
    "deposits_change_3m": "42",
    "products_held_change_6m": "3",
    "months_without_txn": "4",
    "salary_stopped": "3",
    "outflow_other_banks_3m": "27",
    "term_maturing_30d": "12",
    "maturities_not_renewed_90d": "2",
    "complaints_90d": "2",
    "days_since_rm_contact": "95",
    "tenure_months": "5",
}


def test_the_table_covers_every_indicator() -> None:
    assert set(TYPICAL) == set(CODES)
    for code, values in TYPICAL.items():
        assert set(values) - {"value"} <= set(BY_CODE[code].details), code


@pytest.mark.parametrize("code", CODES)
def test_each_indicator_has_its_sentence_with_its_numbers(qapp: object, code: str) -> None:
    text = words.reason_text(ChurnReason(code, 0.5, TYPICAL[code]))
    assert not text.startswith("Risk indicator"), text
    assert NUMBERS[code] in text, text
    assert "%" + "1" not in text
    assert "%n" not in text


@pytest.mark.parametrize("code", CODES)
def test_missing_values_still_read_as_a_sentence(qapp: object, code: str) -> None:
    text = words.reason_text(ChurnReason(code, 0.5, {"value": "missing"}))
    assert text
    assert not text.startswith("Risk indicator"), text
    assert "%1" not in text
    assert "%n" not in text


def test_rising_and_falling_are_told_apart(qapp: object) -> None:
    down = words.reason_text(ChurnReason("txn_amount_change_3m", 0.5, {"value": -40.0}))
    up = words.reason_text(ChurnReason("txn_amount_change_3m", 0.5, {"value": 293.5}))
    assert "down 40%" in down
    assert "up 294%" in up


def test_demo_task_codes_and_unknown_codes(qapp: object) -> None:
    assert "38%" in words.reason_text(ChurnReason("aum_drop_3m", 0.5, {"value": -38}))
    assert words.reason_text(ChurnReason("inactive_months", 0.5, {"value": 3})).startswith(
        "No transactions for 3"
    )
    assert words.reason_text(ChurnReason("new_code", 0.1, {})) == "Risk indicator: new_code"
