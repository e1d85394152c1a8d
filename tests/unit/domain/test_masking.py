"""Masking personal data by pattern and policy."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_desk.domain.masking import (
    DEFAULT_MASKING,
    InvalidMaskingPolicy,
    MaskingPolicy,
    MaskKind,
    MaskPattern,
    birth_year_only,
    mask,
    minimised_id_number,
)


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        (MaskKind.MOBILE, "13812345678", "138****5678"),
        (MaskKind.ID_NUMBER, "110101199003074514", "110***********4514"),
        (MaskKind.CARD, "6222021234567890123", "622202*********0123"),
        # Short values never show more than half.
        (MaskKind.MOBILE, "", ""),
        (MaskKind.MOBILE, "1", "*"),
        (MaskKind.MOBILE, "12", "*2"),
        (MaskKind.MOBILE, "123456", "***456"),
        (MaskKind.MOBILE, "1234567", "****567"),  # exactly head + tail: no head, tail cut to half
        # One longer than head + tail: the full pattern, one character hidden.
        (MaskKind.MOBILE, "12345678", "123*5678"),
        # An e-mail address keeps its first character and its domain.
        (MaskKind.EMAIL, "zhang@example.com", "z****@example.com"),
        (MaskKind.EMAIL, "z@example.com", "*@example.com"),
        (MaskKind.EMAIL, "zw@example.com", "z*@example.com"),
        (MaskKind.EMAIL, "  li.na@bank.com.cn ", "l****@bank.com.cn"),
        (MaskKind.EMAIL, "not-an-address", "**************"),
        (MaskKind.EMAIL, "@example.com", "************"),
        # A name keeps the surname.
        (MaskKind.NAME, "王小明", "王**"),
        (MaskKind.NAME, "李娜", "李*"),
        (MaskKind.NAME, "欧阳修", "欧阳*"),
        (MaskKind.NAME, "诸葛孔明", "诸葛**"),
        (MaskKind.NAME, "司马光", "司马*"),
        (MaskKind.NAME, "单于明", "单于*"),
        (MaskKind.NAME, "欧阳", "欧*"),  # a name that is all surname still hides something
        (MaskKind.NAME, "王", "*"),
        (MaskKind.NAME, "阿依古丽·买买提", "阿*******"),
        (MaskKind.NAME, "John Smith", "J*** S****"),
        (MaskKind.NAME, "Li  Na", "L* N*"),
        (MaskKind.NAME, "José Müller", "J*** M*****"),
        (MaskKind.NAME, "", ""),
    ],
)
def test_spec_examples_and_the_rules_for_short_values_emails_and_names(
    kind: MaskKind, value: str, masked: str
) -> None:
    assert mask(kind, value) == masked


def test_separators_in_numbers_are_stripped_first() -> None:
    assert mask(MaskKind.MOBILE, "138 1234-5678") == "138****5678"
    assert mask(MaskKind.CARD, "6222 0212 3456 7890 123") == "622202*********0123"
    assert mask(MaskKind.ID_NUMBER, " 110101 19900307 4514 ") == "110***********4514"


def test_address_keeps_the_first_six_characters() -> None:
    assert mask(MaskKind.ADDRESS, "北京市朝阳区建国路88号") == "北京市朝阳区******"
    assert mask(MaskKind.ADDRESS, "北京市朝阳区") == "******"
    assert mask(MaskKind.ADDRESS, "北京") == "**"


def test_policy_can_change_patterns_and_mask_char() -> None:
    policy = MaskingPolicy.from_mapping({"mobile": [0, 4], "card": (4, 4, "#")})
    assert mask(MaskKind.MOBILE, "13812345678", policy) == "*******5678"
    assert mask(MaskKind.CARD, "6222021234567890123", policy) == "6222###########0123"
    # Kinds not mentioned keep their defaults.
    assert policy.id_number == DEFAULT_MASKING.id_number
    assert MaskingPolicy.from_mapping({}) == DEFAULT_MASKING


def test_policy_can_hide_everything() -> None:
    policy = MaskingPolicy.from_mapping({"mobile": [0, 0]})
    assert mask(MaskKind.MOBILE, "13812345678", policy) == "*" * 11


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"mobile": [-1, 4]}, "negative"),
        ({"card": [6, -4]}, "negative"),
        ({"mobile": ["3", 4]}, "not_int"),
        ({"mobile": [3, 4.0]}, "not_int"),
        ({"mobile": [True, 4]}, "not_int"),
        ({"mobile": [None, 4]}, "not_int"),
        ({"mobile": [3]}, "bad_pattern"),
        ({"mobile": [3, 4, "*", 1]}, "bad_pattern"),
        ({"mobile": "3,4"}, "bad_pattern"),
        ({"mobile": {"keep_head": 3}}, "bad_pattern"),
        ({"mobile": [3, 4, "**"]}, "bad_mask_char"),
        ({"mobile": [3, 4, ""]}, "bad_mask_char"),
        ({"mobile": [3, 4, 0]}, "bad_mask_char"),
        ({"phone": [3, 4]}, "unknown_kind"),
        ({"name": [1, 0]}, "unknown_kind"),
    ],
)
def test_bad_policy_is_rejected_with_a_code(mapping: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidMaskingPolicy) as caught:
        MaskingPolicy.from_mapping(mapping)
    assert caught.value.code == code
    assert caught.value.message


def test_pattern_validates_itself() -> None:
    with pytest.raises(InvalidMaskingPolicy):
        MaskPattern(-1, 0)
    with pytest.raises(InvalidMaskingPolicy):
        MaskPattern(1, 1, "")


patterns = st.builds(
    MaskPattern,
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=8),
    st.sampled_from(["*", "#", "●"]),
)
# Values never contain the mask characters, so any position showing one was masked.
values = st.text(alphabet=st.characters(exclude_characters="*#●"))


@given(patterns, values)
def test_pattern_masks_every_hidden_position(pattern: MaskPattern, value: str) -> None:
    out = pattern.apply(value)
    assert len(out) == len(value)
    shown = [i for i, char in enumerate(out) if char != pattern.mask_char]
    for i in shown:
        assert out[i] == value[i]
    # Never more than the pattern allows, and something is always hidden.
    assert len(shown) <= pattern.keep_head + pattern.keep_tail
    if value:
        assert len(shown) < len(value)
    n, head, tail = len(value), pattern.keep_head, pattern.keep_tail
    if n > head + tail:
        assert shown == [*range(head), *range(n - tail, n)]
    else:
        assert len(shown) <= n // 2
        assert shown == list(range(n - len(shown), n))


@given(
    st.sampled_from([MaskKind.MOBILE, MaskKind.ID_NUMBER, MaskKind.CARD]),
    st.text(alphabet="0123456789Xx -", max_size=30),
)
def test_masked_number_has_the_length_of_the_normalised_number(kind: MaskKind, value: str) -> None:
    normalised = re.sub(r"[ -]", "", value)
    out = mask(kind, value)
    assert len(out) == len(normalised)
    pattern = getattr(DEFAULT_MASKING, kind.value)
    hidden = range(pattern.keep_head, len(normalised) - pattern.keep_tail)
    if len(normalised) > pattern.keep_head + pattern.keep_tail:
        assert all(out[i] == "*" for i in hidden)
        assert out[: pattern.keep_head] == normalised[: pattern.keep_head]
    else:
        assert out.count("*") >= len(normalised) - len(normalised) // 2


def test_a_masked_copy_holds_the_id_numbers_head_only() -> None:
    assert minimised_id_number("11010519491231002X") == "110" + "*" * 15
    assert minimised_id_number("110105 19491231 002X") == "110" + "*" * 15
    assert minimised_id_number("K12345678") == "K12" + "*" * 6
    assert minimised_id_number("") == ""


def test_a_masked_copy_holds_the_birth_year_only() -> None:
    assert birth_year_only("1949-12-31") == "1949-01-01"
    assert birth_year_only("1949-01-01") == "1949-01-01"
    assert birth_year_only(None) is None
