"""The one rule for user and wire text (rm_desk.domain.text)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rm_desk.domain.text import REPLACEMENT, clean_text, clean_value, is_clean

KEPT = "拜访王先生 😀 مرحبا\u200f שלום\u200d é\tline\nnext \u3000 ＡＢＣ \ufeff"


def test_ordinary_text_is_kept_as_it_is() -> None:
    assert clean_text(KEPT) == KEPT
    assert is_clean(KEPT)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("\x01\x07\x08\x0b\x0c\x1b[31mred\x1f", "[31mred"),
        ("del\x7f c1\x80\x85\x9f", "del c1"),
        ("lone \ud800 high, lone \udfff low", f"lone {REPLACEMENT} high, lone {REPLACEMENT} low"),
        ("\t\n", "\t\n"),
    ],
    ids=["nul", "line-ends", "c0", "del-and-c1", "lone-surrogates", "tab-newline"],
)
def test_hostile_characters_are_removed_or_replaced(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_values_are_cleaned_through_keys_and_nesting() -> None:
    raw = {"k\x00": ["\x01a", {"b\ud800": "c\r\n"}, 3, None, True, 1.5], "n": ("x\x00",)}
    assert clean_value(raw) == {"k": ["a", {f"b{REPLACEMENT}": "c\n"}, 3, None, True, 1.5],
                                "n": ["x"]}  # fmt: skip


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_the_result_is_clean_encodable_and_stable(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once  # idempotent: both ends may apply it
    once.encode("utf-8")  # no lone surrogate left
    assert not any(ord(ch) < 0x20 and ch not in "\t\n" for ch in once)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in once)
