"""Masking of personal data (mobile, ID and card numbers, e-mail, name, address) by pattern.

A `MaskPattern` says how many characters to keep at the head and tail; everything
between becomes one mask character per hidden character ("138****5678"). The
patterns come from a `MaskingPolicy`, which the machine policy can override. Which
roles see masked data is decided by `rm_desk.domain.permissions`; revealing is audited elsewhere.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Final, Self, TypeGuard

from rm_desk.domain.pinyin import COMPOUND_SURNAMES


class MaskKind(enum.StrEnum):
    MOBILE = "mobile"
    ID_NUMBER = "id_number"
    CARD = "card"
    EMAIL = "email"  # the pattern applies to the part before @; the domain is kept
    NAME = "name"  # keeps the surname; not configurable by pattern
    ADDRESS = "address"


class InvalidMaskingPolicy(ValueError):
    """A masking policy that cannot be used; `code` says why.

    Codes: not_a_mapping, unknown_kind, bad_pattern, not_int, negative, bad_mask_char.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; `true` in a policy file is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class MaskPattern:
    """Keep `keep_head` leading and `keep_tail` trailing characters, mask the rest."""

    keep_head: int
    keep_tail: int
    mask_char: str = "*"

    def __post_init__(self) -> None:
        # Checked at run time too: patterns are built from policy files.
        for name, value in (("keep_head", self.keep_head), ("keep_tail", self.keep_tail)):
            if not _is_int(value):
                raise InvalidMaskingPolicy("not_int", f"{name} must be a whole number")
            if value < 0:
                raise InvalidMaskingPolicy("negative", f"{name} must not be negative")
        if len(self.mask_char) != 1:
            raise InvalidMaskingPolicy("bad_mask_char", "the mask character must be one character")

    def apply(self, value: str) -> str:
        """`value` with every character outside the kept head and tail replaced.

        At least one character is always masked. When the value is too short to keep
        the whole head and tail and still hide something (length <= head + tail), no
        head is shown and the tail shown is at most half the value, so a short value
        never shows more than half of itself and never more than the pattern allows.
        """
        length = len(value)
        head, tail = self.keep_head, self.keep_tail
        if length <= head + tail:
            head, tail = 0, min(tail, length // 2)
        return value[:head] + self.mask_char * (length - head - tail) + value[length - tail :]


@dataclass(frozen=True, slots=True)
class MaskingPolicy:
    """The pattern for each configurable kind of personal data."""

    mobile: MaskPattern = MaskPattern(3, 4)
    id_number: MaskPattern = MaskPattern(3, 4)
    card: MaskPattern = MaskPattern(6, 4)
    email: MaskPattern = MaskPattern(1, 0)
    address: MaskPattern = MaskPattern(6, 0)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Self:
        """A policy from a mapping such as {"mobile": [3, 4], "card": [6, 4, "#"]}.

        Each value is [keep_head, keep_tail] or [keep_head, keep_tail, mask_char];
        kinds not mentioned keep their defaults.
        """
        configurable = sorted(f.name for f in fields(cls))
        changes: dict[str, MaskPattern] = {}
        for kind, spec in data.items():
            if kind not in configurable:
                raise InvalidMaskingPolicy(
                    "unknown_kind", f"unknown masking kind {kind!r}; expected one of {configurable}"
                )
            try:
                changes[kind] = _pattern_from(spec)
            except InvalidMaskingPolicy as error:
                raise InvalidMaskingPolicy(error.code, f"{kind}: {error.message}") from None
        return replace(cls(), **changes)


def _pattern_from(spec: object) -> MaskPattern:
    """A pattern from its policy-file form: [keep_head, keep_tail] or with a mask char."""
    if not isinstance(spec, list | tuple) or len(spec) not in (2, 3):
        raise InvalidMaskingPolicy(
            "bad_pattern", "a pattern is [keep_head, keep_tail] or [keep_head, keep_tail, char]"
        )
    head, tail, *rest = spec
    mask_char = rest[0] if rest else "*"
    if not _is_int(head) or not _is_int(tail):
        raise InvalidMaskingPolicy("not_int", "keep_head and keep_tail must be whole numbers")
    if not isinstance(mask_char, str):
        raise InvalidMaskingPolicy("bad_mask_char", "the mask character must be one character")
    return MaskPattern(head, tail, mask_char)


DEFAULT_MASKING: Final[MaskingPolicy] = MaskingPolicy()

# Names are masked by a rule (keep the surname), not by a pattern from the policy.
_NAME_MASK_CHAR: Final[str] = "*"

# Separators people type inside numbers; stripped before masking so the kept head
# and tail are digits, not spaces.
_NUMBER_SEPARATORS: Final[re.Pattern[str]] = re.compile(r"[\s\-‐‑–—－]+")


def mask(kind: MaskKind, value: str, policy: MaskingPolicy = DEFAULT_MASKING) -> str:
    """`value` masked as `policy` says for its kind of data ("" stays "")."""
    match kind:
        case MaskKind.MOBILE:
            return policy.mobile.apply(_NUMBER_SEPARATORS.sub("", value))
        case MaskKind.ID_NUMBER:
            return policy.id_number.apply(_NUMBER_SEPARATORS.sub("", value))
        case MaskKind.CARD:
            return policy.card.apply(_NUMBER_SEPARATORS.sub("", value))
        case MaskKind.EMAIL:
            return _mask_email(value.strip(), policy.email)
        case MaskKind.NAME:
            return _mask_name(value.strip(), _NAME_MASK_CHAR)
        case MaskKind.ADDRESS:
            return policy.address.apply(value.strip())


def _mask_email(value: str, pattern: MaskPattern) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local:
        # Not an address we understand: hide all of it rather than guess what to keep.
        return pattern.mask_char * len(value)
    return pattern.apply(local) + "@" + domain


def _mask_name(value: str, mask_char: str) -> str:
    if not value:
        return ""
    if not _starts_with_cjk(value):
        # Latin-script: the first letter of each word ("J*** S****").
        return " ".join(word[0] + mask_char * (len(word) - 1) for word in value.split())
    surname = 2 if value[:2] in COMPOUND_SURNAMES else 1
    # Always hide at least one character: a one-character name is masked whole.
    keep = min(surname, len(value) - 1)
    return value[:keep] + mask_char * (len(value) - keep)


def _starts_with_cjk(value: str) -> bool:
    # Everything from the CJK radicals block up is written without spaces between
    # words, so the surname rule applies; Latin, Cyrillic etc. are masked by word.
    return ord(value[0]) >= 0x2E80
