"""Numbers the demo bank issues: resident IDs, mobiles, card numbers, CIF numbers."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from rm_desk.domain.identity import is_valid_mobile, parse_resident_id
from rm_desk.domain.model import Gender, HoldingKind, IdType
from tests.unit.demo.demo_book import Book

# GB 11643-1999, written out here rather than shared with the generator: weights of
# the first 17 digits, and the check character by remainder mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _gb11643_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17]


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def test_the_reference_checks_accept_known_numbers() -> None:
    assert _gb11643_valid("11010519491231002X")
    assert not _gb11643_valid("110105194912310021")
    assert _luhn_valid("4111111111111111")
    assert not _luhn_valid("4111111111111112")


def test_resident_ids_pass_the_check_digit_and_match_the_customer(book: Book) -> None:
    as_of = book.bank.as_of
    residents = [c for c in book.customers if c.id_type is IdType.RESIDENT_ID]
    assert len(residents) >= 0.97 * len(book.customers)
    for customer in residents:
        number = customer.id_number
        assert _gb11643_valid(number), number
        assert customer.birth_date is not None
        assert number[6:14] == customer.birth_date.strftime("%Y%m%d")
        odd = int(number[16]) % 2 == 1
        assert odd == (customer.gender is Gender.MALE)
        assert number[14:17] != "000"
        parsed = parse_resident_id(number, today=as_of)
        assert parsed.birth_date == customer.birth_date
    assert len({c.id_number for c in book.customers}) == len(book.customers)


def test_most_resident_ids_were_issued_in_the_branch_city(book: Book) -> None:
    city_codes = {
        "上海": "31",
        "北京": "11",
        "深圳": "44",
        "杭州": "33",
        "广州": "44",
        "成都": "51",
        "南京": "32",
        "武汉": "42",
    }
    city = {b.code: b.city for b in book.bank.branches}
    residents = [c for c in book.customers if c.id_type is IdType.RESIDENT_ID]
    local = sum(1 for c in residents if c.id_number[:2] == city_codes[city[c.branch]])
    assert 0.65 <= local / len(residents) <= 0.9


def test_other_identity_documents_are_rare_and_well_formed(book: Book) -> None:
    others = [c for c in book.customers if c.id_type is not IdType.RESIDENT_ID]
    assert len(others) <= 0.03 * len(book.customers)
    for customer in others:
        if customer.id_type is IdType.PASSPORT:
            assert re.fullmatch(r"K\d{8}[A-Z]", customer.id_number)
            assert "外籍" in customer.tags
        else:
            assert customer.id_type is IdType.HK_MACAO_PERMIT
            assert re.fullmatch(r"[HM]\d{9}", customer.id_number)


def test_mobiles_are_unique_mainland_numbers(book: Book) -> None:
    mobiles = [c.mobile for c in book.customers]
    assert all(re.fullmatch(r"1[3-9]\d{9}", m) for m in mobiles)
    # In ranges allocated to mobiles (libphonenumber's mainland metadata), not 140 or 154.
    assert [m for m in mobiles if not is_valid_mobile(m)] == []
    assert len(set(mobiles)) == len(mobiles)
    prefixes = Counter(m[:3] for m in mobiles)
    assert len(prefixes) >= 20


def test_cif_numbers_are_unique_twelve_digit_strings(book: Book) -> None:
    ids = [c.id for c in book.customers]
    assert all(re.fullmatch(r"6\d{11}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    # Scrambled, not a visible sequence.
    assert sorted(ids) != ids


def test_credit_cards_have_luhn_valid_numbers_with_a_real_bin(book: Book) -> None:
    cards = [h for h in book.holdings if h.kind is HoldingKind.CARD]
    assert len(cards) >= 0.3 * len(book.customers)
    for card in cards:
        assert re.fullmatch(r"\d{16}", card.account_no)
        assert card.account_no[:6] in {"622202", "622848", "621700"}
        assert _luhn_valid(card.account_no), card.account_no
    debit = [h.account_no for h in book.holdings if h.kind is HoldingKind.DEMAND_DEPOSIT]
    assert all(re.fullmatch(r"\d{19}", n) and _luhn_valid(n) for n in debit)
    numbers = [h.account_no for h in book.holdings if h.account_no]
    assert len(set(numbers)) == len(numbers)


def test_birthdays_are_not_bunched(book: Book) -> None:
    days = Counter((c.birth_date or date.min).strftime("%m-%d") for c in book.customers)
    assert len(days) >= 300
    assert max(days.values()) <= 20
