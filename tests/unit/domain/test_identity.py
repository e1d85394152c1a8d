"""Resident ID numbers (GB 11643-1999) and mainland mobile numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_desk.domain.identity import (
    InvalidIdNumber,
    InvalidMobile,
    ResidentId,
    is_valid_mobile,
    is_valid_resident_id,
    normalise_mobile,
    parse_resident_id,
    resident_id_check_char,
)
from rm_desk.domain.model import Gender

TODAY = date(2024, 6, 1)

# Written out by hand from GB 11643-1999 rather than computed, so the tests do not
# share the implementation's arithmetic.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_BY_REMAINDER = {
    0: "1",
    1: "0",
    2: "X",
    3: "9",
    4: "8",
    5: "7",
    6: "6",
    7: "5",
    8: "4",
    9: "3",
    10: "2",
}


def check_char(body: str) -> str:
    return CHECK_BY_REMAINDER[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def make_id(region: str, yyyymmdd: str, sequence: str) -> str:
    body = region + yyyymmdd + sequence
    return body + check_char(body)


def test_the_spec_example_decodes() -> None:
    parsed = parse_resident_id("110101199003074514", today=TODAY)
    assert parsed == ResidentId(
        number="110101199003074514",
        region_code="110101",
        birth_date=date(1990, 3, 7),
        gender=Gender.MALE,
    )


def test_the_standard_example_with_x_check_char_is_female() -> None:
    # The sample number printed in GB 11643-1999.
    parsed = parse_resident_id("11010519491231002X", today=TODAY)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender is Gender.FEMALE
    assert parsed.region_code == "110105"


@pytest.mark.parametrize(
    ("region", "birth", "sequence", "gender"),
    [
        ("440305", "19851120", "123", Gender.MALE),
        ("310115", "20010101", "004", Gender.FEMALE),
        ("650102", "19600229", "517", Gender.MALE),
        ("820000", "19991231", "010", Gender.FEMALE),
        ("510107", "19000101", "999", Gender.MALE),
    ],
)
def test_generated_ids_decode(region: str, birth: str, sequence: str, gender: Gender) -> None:
    number = make_id(region, birth, sequence)
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == region
    assert parsed.birth_date == date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    assert parsed.gender is gender


def test_lowercase_x_is_accepted_and_normalised() -> None:
    parsed = parse_resident_id("11010519491231002x", today=TODAY)
    assert parsed.number == "11010519491231002X"


def test_surrounding_whitespace_and_full_width_digits_are_tolerated() -> None:
    full_width = "１１０１０１１９９００３０７４５１４"
    assert parse_resident_id(f"  {full_width}\n", today=TODAY).number == "110101199003074514"


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        ("20000229", True),  # 2000 is a leap year (divisible by 400)
        ("20240229", True),
        ("20230229", False),
        ("19000229", False),  # 1900 is not (divisible by 100, not by 400)
        ("19900230", False),
        ("19901301", False),
        ("19900001", False),
        ("19900100", False),
        ("19900431", False),
    ],
)
def test_birth_date_must_be_a_real_calendar_date(birth: str, valid: bool) -> None:
    number = make_id("110101", birth, "451")
    if valid:
        assert parse_resident_id(number, today=TODAY).birth_date.day == int(birth[6:])
    else:
        with pytest.raises(InvalidIdNumber) as caught:
            parse_resident_id(number, today=TODAY)
        assert caught.value.code == "bad_birth_date"


def test_birth_date_after_today_is_rejected_and_today_is_accepted() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(make_id("110101", "20240602", "451"), today=TODAY)
    assert caught.value.code == "birth_date_in_future"
    assert parse_resident_id(make_id("110101", "20240601", "451"), today=TODAY)


def test_birth_before_1900_is_rejected() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(make_id("110101", "18991231", "451"), today=TODAY)
    assert caught.value.code == "birth_date_too_early"


@pytest.mark.parametrize("region", ["000000", "010101", "100101", "190101", "550101", "990101"])
def test_unknown_province_is_rejected(region: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(make_id(region, "19900307", "451"), today=TODAY)
    assert caught.value.code == "bad_region"


def test_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id("110101199003074515", today=TODAY)
    assert caught.value.code == "bad_check_digit"
    assert caught.value.message  # an English explanation for logs


@pytest.mark.parametrize(
    "number", ["", "11010119900307451", "1101011990030745141", "1101011990030745"]
)
def test_wrong_length_is_rejected(number: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(number, today=TODAY)
    assert caught.value.code == "wrong_length"


@pytest.mark.parametrize(
    "number",
    ["11010119900307451A", "1101011990030X4514", "110101-99003074514", "11010119900307451Y"],
)
def test_non_digits_are_rejected(number: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(number, today=TODAY)
    assert caught.value.code == "bad_characters"


def test_legacy_15_digit_number_is_upgraded() -> None:
    # 15 digits: region, YYMMDD, 3-digit sequence; the 1900s are implied.
    parsed = parse_resident_id("110101900307451", today=TODAY)
    assert parsed.number == make_id("110101", "19900307", "451")
    assert parsed.number == "110101199003074514"
    assert parsed.birth_date == date(1990, 3, 7)
    assert parsed.gender is Gender.MALE


def test_legacy_number_with_impossible_date_or_letters_is_rejected() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id("110101900230451", today=TODAY)
    assert caught.value.code == "bad_birth_date"
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id("11010190030745X", today=TODAY)
    assert caught.value.code == "bad_characters"


def test_is_valid_resident_id() -> None:
    assert is_valid_resident_id("110101199003074514", today=TODAY)
    assert not is_valid_resident_id("110101199003074515", today=TODAY)
    assert not is_valid_resident_id("hello", today=TODAY)


def test_today_defaults_to_the_local_date() -> None:
    assert is_valid_resident_id("110101199003074514")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_matches_the_hand_written_table(body: str) -> None:
    assert resident_id_check_char(body) == check_char(body)


valid_ids = st.builds(
    make_id,
    st.sampled_from(["110101", "310104", "440106", "510104", "650102", "820000"]),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY).map(lambda d: d.strftime("%Y%m%d")),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)


@given(valid_ids, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(number: str, position: int, shift: int) -> None:
    assert is_valid_resident_id(number, today=TODAY)
    wrong = str((int(number[position]) + shift) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    assert not is_valid_resident_id(typo, today=TODAY)


@given(valid_ids, st.integers(min_value=0, max_value=15))
def test_any_swap_of_adjacent_different_digits_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    assert is_valid_resident_id(swapped, today=TODAY) == (a == b)


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "(+86) 138 1234 5678",
        "0086 13812345678",
        "8613812345678",
        "86 138 1234 5678",
        " 13812345678 ",
        "１３８１２３４５６７８",
        "138\u30001234\u30005678",  # ideographic spaces
    ],
)
def test_mobile_is_normalised_to_11_digits(typed: str) -> None:
    assert normalise_mobile(typed) == "13812345678"
    assert is_valid_mobile(typed)


# Allocated mobile ranges of libphonenumber's mainland metadata, one or more per block.
@pytest.mark.parametrize(
    "prefix",
    [
        *(str(p) for p in range(130, 140)),
        "145",
        "147",
        *(str(p) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)),
        "162",
        "165",
        "166",
        "167",
        *(str(p) for p in (170, 171, 172, 173, 175, 176, 177, 178)),
        *(str(p) for p in range(180, 190)),
        *(str(p) for p in (190, 191, 192, 193, 195, 196, 197, 198, 199)),
    ],
)
def test_allocated_mobile_prefixes_are_accepted(prefix: str) -> None:
    number = f"{prefix}12345678"
    assert normalise_mobile(number) == number
    assert normalise_mobile(f"+86 {prefix} 1234 5678") == number


# Right shape (1, then 3 to 9, 11 digits) but no mobile range: IoT and data-only blocks,
# blocks never opened, and 179xx numbers that are dialling prefixes.
@pytest.mark.parametrize(
    "prefix", ["140", "141", "144", "146", "148", "154", "160", "164", "168", "179", "194"]
)
def test_unallocated_mobile_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(InvalidMobile) as caught:
        normalise_mobile(f"{prefix}12345678")
    assert caught.value.code == "unallocated"
    assert prefix in caught.value.message
    assert not is_valid_mobile(f"+86 {prefix}12345678")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("  - ", "empty"),
        ("+1 415 555 0100", "not_mainland"),
        ("+852 9123 4567", "not_mainland"),
        ("0044 7700 900123", "not_mainland"),
        ("1381234567", "wrong_length"),
        ("138123456789", "wrong_length"),
        ("861381234567", "wrong_length"),
        ("010 1234 5678", "bad_prefix"),
        ("12812345678", "bad_prefix"),
        ("10012345678", "bad_prefix"),
        ("23812345678", "bad_prefix"),
        ("+8612812345678", "bad_prefix"),
        ("14012345678", "unallocated"),
        ("+86 154 1234 5678", "unallocated"),
        ("19412345678", "unallocated"),
        ("138a2345678", "bad_characters"),
        ("138_1234_5678", "bad_characters"),
    ],
)
def test_bad_mobile_is_rejected_with_a_code(typed: str, code: str) -> None:
    with pytest.raises(InvalidMobile) as caught:
        normalise_mobile(typed)
    assert caught.value.code == code
    assert not is_valid_mobile(typed)
