"""Churn reasons in words: every reason code has its sentence, with its numbers, in
English and Chinese, and a playbook action worded in both; nothing breaks when a value
is missing; the demo writes only the codes the domain emits."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from rm_desk.demo import generate_bank
from rm_desk.demo import texts as demo_texts
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import BY_CODE, CODES
from rm_desk.domain.churn.playbook import DEFAULT_ACTIONS, DEFAULT_PLAYBOOK, FALLBACK
from rm_desk.domain.model import ChurnReason
from rm_desk.domain.rules import ReasonCode
from rm_desk.services import churn
from tests.conftest import MakeSession
from ui import i18n, words

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
        assert set(values) - {"value"} <= set(BY_CODE[ReasonCode(code)].details), code


@pytest.mark.parametrize("code", CODES)
def test_each_indicator_has_its_sentence_with_its_numbers(qapp: object, code: ReasonCode) -> None:
    text = words.reason_text(ChurnReason(code, 0.5, TYPICAL[code]))
    assert not text.startswith("Risk indicator"), text
    assert NUMBERS[code] in text, text
    assert "%" + "1" not in text
    assert "%n" not in text


@pytest.mark.parametrize("code", CODES)
def test_missing_values_still_read_as_a_sentence(qapp: object, code: ReasonCode) -> None:
    text = words.reason_text(ChurnReason(code, 0.5, {"value": "missing"}))
    assert text
    assert not text.startswith("Risk indicator"), text
    assert "%1" not in text
    assert "%n" not in text


def test_rising_and_falling_are_told_apart(qapp: object) -> None:
    down = words.reason_text(ChurnReason(ReasonCode.TXN_AMOUNT_CHANGE_3M, 0.5, {"value": -40.0}))
    up = words.reason_text(ChurnReason(ReasonCode.TXN_AMOUNT_CHANGE_3M, 0.5, {"value": 293.5}))
    assert "down 40%" in down
    assert "up 294%" in up


def test_a_stored_code_reads_as_its_reason_code_and_a_stranger_is_refused() -> None:
    stored = ChurnReason("aum_change_3m", 0.5, {"value": -38})  # type: ignore[arg-type]
    assert stored.code is ReasonCode.AUM_CHANGE_3M
    for alias in ("aum_drop_3m", "inactive_months", "term_deposit_maturing", "new_code"):
        with pytest.raises(ValueError, match=alias):
            ChurnReason(alias, 0.1, {})  # type: ignore[arg-type]


# --- one list of reason codes: words in both languages, a playbook action, the demo -------


def _words_in(language: str) -> tuple[dict[ReasonCode, str], dict[str, str]]:
    """Every reason with its typical values, and every playbook action, in `language`."""
    i18n.install(language)
    try:
        reasons = {c: words.reason_text(ChurnReason(c, 0.5, TYPICAL[c])) for c in ReasonCode}
        actions = {a: words.action_text(a) for a in PLAYBOOK_ACTIONS}
        fallback = words.action_text("no_such_action")
    finally:
        i18n.install("en")
    assert fallback not in actions.values()
    return reasons, actions


PLAYBOOK_ACTIONS = sorted({a.action for a in DEFAULT_ACTIONS.values()} | {FALLBACK.action})


def test_the_indicators_are_the_reason_codes() -> None:
    assert list(CODES) == list(ReasonCode)
    assert set(TYPICAL) == set(ReasonCode)


def test_every_reason_code_has_its_own_playbook_action() -> None:
    assert set(DEFAULT_ACTIONS) == set(ReasonCode)
    for code in ReasonCode:
        assert DEFAULT_PLAYBOOK.action_for(code) is DEFAULT_ACTIONS[code], code


def test_every_reason_and_action_has_english_words(qapp: object) -> None:
    reasons, actions = _words_in("en")
    assert len(set(reasons.values())) == len(ReasonCode)  # no two reasons read alike
    for code, text in reasons.items():
        assert not _chinese(text), (code, text)
        assert code.value not in text, text
    for action, text in actions.items():
        assert not _chinese(text), (action, text)
        assert action not in text, text


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_reason_and_action_has_chinese_words(qapp: object) -> None:
    english_reasons, english_actions = _words_in("en")
    reasons, actions = _words_in("zh_CN")
    for code, text in reasons.items():
        assert _chinese(text), (code, text)
        assert text != english_reasons[code]
        assert not any(word in text for word in ("AUM down", "month", "day", "Term")), text
        assert NUMBERS[code] in text, text
    for action, text in actions.items():
        assert _chinese(text), (action, text)
        assert text != english_actions[action]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_demo_writes_the_codes_the_domain_emits(locale: str) -> None:
    assert set(demo_texts.CHURN_TASKS[locale]) <= set(ReasonCode)
    bank = generate_bank(300, 1, seed=11, as_of=date(2026, 11, 24), locale=locale)  # type: ignore[arg-type]
    codes = Counter(t.reason_code for chunk in bank.chunks() for t in chunk.tasks)
    del codes[None]
    assert len(codes) >= 3, codes  # the demo's churn tasks are there
    for code in codes:
        assert code is not None
        assert ReasonCode(code) == code
        assert DEFAULT_PLAYBOOK.action_for(ReasonCode(code)) is DEFAULT_ACTIONS[ReasonCode(code)]


# --- honest reasons across the demo bank -------------------------------------------------

_ZERO = re.compile(
    r"(?<![\d.,])0(?:[.,]0+)?\s*(?:%|％|month|day|个月|天)|\b0 (?:complaint|maturit)"
)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_reason_states_a_zero_change_across_the_demo_bank(
    qapp: object, make_session: MakeSession, language: str
) -> None:
    """Every customer of a demo book (reasons worked out for green ones too): each
    reason is above the floor (or the hard rule's), and its words state no zero."""
    session = make_session(customers=400)
    with session.store.read() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers")]
        found = [churn.assessment(conn, cif) for cif in ids]
    reasons = [r for a in found if a is not None for r in a.reasons]
    assert len(reasons) > 50  # the book has customers at risk, with their reasons
    i18n.install(language)
    try:
        for reason in reasons:
            if "rule" not in reason.values:
                assert reason.contribution >= additive.REASON_FLOOR, reason
            text = words.reason_text(reason)
            assert not _ZERO.search(text), (reason, text)
    finally:
        i18n.install("en")


def test_the_zero_pattern_catches_what_the_issue_saw(qapp: object) -> None:
    """The check above can fail: the sentences the issue quotes are caught."""
    cases: list[tuple[dict[str, float | int | str], ReasonCode]] = [
        ({"value": -0.2}, ReasonCode.DEPOSITS_CHANGE_3M),
        ({"value": 0}, ReasonCode.MONTHS_WITHOUT_TXN),
        ({"value": 0.1, "amount_fen": 41_568}, ReasonCode.OUTFLOW_OTHER_BANKS_3M),
    ]
    for values, code in cases:
        assert _ZERO.search(words.reason_text(ChurnReason(code, 0.5, values)))


def test_a_new_customer_and_a_maturity_today_read_without_zero(qapp: object) -> None:
    new = words.reason_text(ChurnReason(ReasonCode.TENURE_MONTHS, 0.5, {"value": 0}))
    assert new == "New relationship"
    today = words.reason_text(
        ChurnReason(ReasonCode.TERM_MATURING_30D, 0.5, {"value": 50_000_000, "days": 0})
    )
    assert "today" in today
    assert not _ZERO.search(today)
