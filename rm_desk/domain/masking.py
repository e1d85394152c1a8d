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
from dataclasses import dataclass
from typing import Annotated, Any, Final, Self, TypeGuard

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)

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
        # A digit or letter would pass for the real value; a space or control character
        # would not show that something is hidden.
        if self.mask_char.isalnum() or not self.mask_char.isprintable() or self.mask_char.isspace():
            raise InvalidMaskingPolicy(
                "bad_mask_char",
                "the mask character must be a symbol such as *, not a letter, digit or space",
            )

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


def _pattern_from(spec: object) -> MaskPattern:
    """A pattern from its policy-file form: [keep_head, keep_tail] or with a mask char."""
    if isinstance(spec, MaskPattern):
        return spec
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


def _pattern_json(pattern: MaskPattern) -> list[int | str]:
    return [pattern.keep_head, pattern.keep_tail, pattern.mask_char]


# A pattern as the policy file writes it; validated by `_pattern_from`, so a bad one
# fails with one of the codes of InvalidMaskingPolicy.
PatternSpec = Annotated[
    MaskPattern,
    PlainValidator(_pattern_from),
    PlainSerializer(_pattern_json),
    WithJsonSchema(
        {
            "type": "array",
            "description": "[keep_head, keep_tail] or [keep_head, keep_tail, mask_char]",
            "prefixItems": [
                {"type": "integer", "minimum": 0},
                {"type": "integer", "minimum": 0},
                {"type": "string", "minLength": 1, "maxLength": 1},
            ],
            "minItems": 2,
            "maxItems": 3,
            "items": False,
        }
    ),
]


def _default(head: int, tail: int, description: str) -> Any:
    # The schema shows the default as the file writes it, not as the dataclass.
    return Field(
        default=MaskPattern(head, tail),
        description=description,
        json_schema_extra={"default": [head, tail, "*"]},
    )


class MaskingPolicy(BaseModel):
    """The pattern for each configurable kind of personal data (the `masking` object of
    the machine policy); kinds not mentioned keep their defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mobile: PatternSpec = _default(3, 4, "mobile numbers")
    id_number: PatternSpec = _default(3, 4, "ID numbers")
    card: PatternSpec = _default(6, 4, "card and account numbers")
    email: PatternSpec = _default(1, 0, "e-mail addresses: the part before @")
    address: PatternSpec = _default(6, 0, "postal addresses")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Self:
        """A policy from a mapping such as {"mobile": [3, 4], "card": [6, 4, "#"]}.

        Each value is [keep_head, keep_tail] or [keep_head, keep_tail, mask_char];
        kinds not mentioned keep their defaults.
        """
        if not isinstance(data, Mapping):
            raise InvalidMaskingPolicy("not_a_mapping", "the masking policy must be an object")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise masking_error(error) from None


def masking_error(error: ValidationError, depth: int = 0) -> InvalidMaskingPolicy:
    """The first problem of a failed MaskingPolicy validation as InvalidMaskingPolicy: its
    code and a "kind: problem" message. `depth`: how many leading parts of the error's
    location lead to the masking object (1 inside the machine policy)."""
    first = error.errors()[0]
    loc = first["loc"][depth:]
    kind = str(loc[0]) if loc else "masking"
    if first["type"] == "extra_forbidden":
        configurable = sorted(MaskingPolicy.model_fields)
        return InvalidMaskingPolicy(
            "unknown_kind", f"unknown masking kind {kind!r}; expected one of {configurable}"
        )
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, InvalidMaskingPolicy):
        return InvalidMaskingPolicy(cause.code, f"{kind}: {cause.message}")
    if not loc:
        return InvalidMaskingPolicy("not_a_mapping", "the masking policy must be an object")
    return InvalidMaskingPolicy("bad_pattern", f"{kind}: {first['msg']}")


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


# --- data minimisation: what a masked copy (a teller's) holds ------------------------
#
# A GB 11643 number is its region (6 digits), birth date (8), sequence (3, the last odd
# for men) and a check character. The screen pattern (first 3, last 4) hides the rest
# of the region and the birth date, so a copy that also held the birth date (and the
# gender, and the branch or address naming the district the customer is registered in)
# rebuilt the number: one candidate per customer with the region known, 91 without.
# A masked copy therefore holds the birth year only and the ID number without its
# sequence and check character: with the region known that leaves 500 sequences of the
# customer's gender times 365 days, 182,500 candidates, where the mobile number's mask
# leaves 10,000 (tests/security/test_teller_id_reconstruction.py).
MINIMISED_ID_NUMBER: Final[MaskPattern] = MaskPattern(3, 0)


def minimised_id_number(value: str) -> str:
    """An ID number as a masked copy holds it: its first three characters."""
    return MINIMISED_ID_NUMBER.apply(_NUMBER_SEPARATORS.sub("", value))


def birth_year_only(value: str | None) -> str | None:
    """A birth date ('YYYY-MM-DD') as a masked copy holds it: the first day of its year,
    the date type kept so every store and the wire read it as before."""
    if not value:
        return value
    return f"{value[:4]}-01-01"


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
