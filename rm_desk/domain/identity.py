"""Validation of mainland China resident ID numbers (GB 11643-1999) and mobile numbers.

`parse_resident_id` checks an ID number's length, region, birth date and ISO 7064
MOD 11-2 check character and returns what the number encodes; legacy 15-digit numbers
are converted to the 18-character form. `normalise_mobile` reduces a mainland mobile
number, as people type it, to its 11 digits, and accepts it only in a range that
libphonenumber's mainland metadata (the `phonenumbers` package) lists as allocated to
mobiles. Failures raise exceptions that carry a machine `code`; the UI turns codes into
words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

import phonenumbers

from rm_desk.domain.model import Gender

# Province-level codes of GB/T 2260 (first two digits). 71 (Taiwan), 81/82 (Hong Kong,
# Macao) and 83 appear on residence permits for Hong Kong, Macao and Taiwan residents,
# which use the same GB 11643 number format.
_PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)

# ISO 7064 MOD 11-2 as GB 11643 states it: the digit at position i (1-based from the
# left) weighs 2^(18-i) mod 11, and the check character is the one that makes the
# weighted sum including it 1 mod 11, tabulated here by the remainder of the 17 digits.
_WEIGHTS: Final[tuple[int, ...]] = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS: Final[str] = "10X98765432"

# Nobody alive holds a GB 11643 number with an earlier birth year, and a year before
# this is almost always a typing slip in the century.
_EARLIEST_BIRTH: Final[date] = date(1900, 1, 1)

_DIGITS17: Final[re.Pattern[str]] = re.compile(r"[0-9]{17}")
_DIGITS15: Final[re.Pattern[str]] = re.compile(r"[0-9]{15}")


class InvalidIdNumber(ValueError):
    """An ID number that is not a valid GB 11643 number; `code` says which rule failed.

    Codes: wrong_length, bad_characters, bad_region, bad_birth_date,
    birth_date_in_future, birth_date_too_early, bad_check_digit.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidMobile(ValueError):
    """A string that is not a mainland mobile number; `code` says which rule failed.

    Codes: empty, not_mainland, bad_characters, wrong_length, bad_prefix, unallocated
    (the shape is right but no operator holds that range, e.g. 140, 154 or 194).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ResidentId:
    """What a valid resident ID number encodes. `number` is always the 18-char form."""

    number: str
    region_code: str  # the six-digit GB/T 2260 code of the place of first registration
    birth_date: date
    gender: Gender


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits of a number."""
    if not _DIGITS17.fullmatch(first17):
        raise InvalidIdNumber("bad_characters", "the first 17 characters must be digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(text: str, today: date | None = None) -> ResidentId:
    """Validate a resident ID number (18-char, or legacy 15-digit) and decode it.

    Surrounding whitespace and full-width characters are tolerated and a lowercase
    check character x is read as X. A birth date after `today` (default: the local
    date) or before 1900 is rejected.
    """
    number = unicodedata.normalize("NFKC", text).strip().upper()
    if len(number) == 15:
        number = _upgrade_legacy(number)
    elif len(number) != 18:
        raise InvalidIdNumber(
            "wrong_length", f"an ID number has 18 characters (or 15 digits), not {len(number)}"
        )
    body, check = number[:17], number[17]
    if not _DIGITS17.fullmatch(body) or check not in _CHECK_CHARS:
        raise InvalidIdNumber(
            "bad_characters", "an ID number is 17 digits followed by a digit or X"
        )
    region = body[:6]
    if region[:2] not in _PROVINCE_CODES:
        raise InvalidIdNumber("bad_region", f"no province has code {region[:2]}")
    birth = _birth_date(body[6:14], today if today is not None else date.today())
    if resident_id_check_char(body) != check:
        raise InvalidIdNumber("bad_check_digit", "the check character does not match")
    # The 17th digit is the sequence number's last digit: odd for men, even for women.
    gender = Gender.MALE if int(body[16]) % 2 == 1 else Gender.FEMALE
    return ResidentId(number=number, region_code=region, birth_date=birth, gender=gender)


def is_valid_resident_id(text: str, today: date | None = None) -> bool:
    """True if `parse_resident_id` accepts the text."""
    try:
        parse_resident_id(text, today)
    except InvalidIdNumber:
        return False
    return True


def _upgrade_legacy(number: str) -> str:
    """The 18-char form of a 15-digit number: century 19 inserted, check char appended."""
    if not _DIGITS15.fullmatch(number):
        raise InvalidIdNumber("bad_characters", "a 15-character ID number is all digits")
    # 15-digit numbers were issued 1984-1999 and encode a two-digit year; the national
    # conversion rule assumes the 1900s.
    body = number[:6] + "19" + number[6:]
    return body + resident_id_check_char(body)


def _birth_date(yyyymmdd: str, today: date) -> date:
    try:
        birth = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise InvalidIdNumber("bad_birth_date", f"{yyyymmdd} is not a calendar date") from None
    if birth > today:
        raise InvalidIdNumber("birth_date_in_future", f"birth date {birth} is after {today}")
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdNumber("birth_date_too_early", f"birth date {birth} is before 1900")
    return birth


# Separators people type inside a phone number: spaces (any width), dashes, dots and
# parentheses around the country code.
_PHONE_SEPARATORS: Final[re.Pattern[str]] = re.compile(r"[\s\-‐‑–—.()]+")


def normalise_mobile(text: str) -> str:
    """The 11 digits of a mainland mobile number typed with spaces, dashes or +86."""
    compact = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not compact:
        raise InvalidMobile("empty", "no mobile number given")
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            break
    else:
        if compact.startswith(("+", "00")):
            raise InvalidMobile("not_mainland", "the number has a non-mainland country code")
        # A bare 86 prefix cannot be confused with a mobile number (those start with 1),
        # but only strip it when exactly 11 digits remain.
        if len(compact) == 13 and compact.startswith("86"):
            compact = compact[2:]
    if not compact.isascii() or not compact.isdigit():
        raise InvalidMobile("bad_characters", "a mobile number has only digits")
    if len(compact) != 11:
        raise InvalidMobile(
            "wrong_length", f"a mainland mobile number has 11 digits, not {len(compact)}"
        )
    if compact[0] != "1" or compact[1] not in "3456789":
        raise InvalidMobile("bad_prefix", "a mainland mobile number starts with 13 to 19")
    if not _allocated_mobile(compact):
        raise InvalidMobile(
            "unallocated", f"no mainland mobile number in use starts with {compact[:3]}"
        )
    return compact


_MOBILE_TYPES: Final[frozenset[int]] = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _allocated_mobile(digits: str) -> bool:
    """True if libphonenumber's mainland metadata lists `digits` (11, starting with 1)
    in a range allocated to mobiles. Parsed with +86 so that no leading digits can be
    read as an international dialling prefix (17951…, say)."""
    try:
        number = phonenumbers.parse("+86" + digits)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number_for_region(number, "CN")
        and phonenumbers.number_type(number) in _MOBILE_TYPES
    )


def is_valid_mobile(text: str) -> bool:
    """True if `normalise_mobile` accepts the text."""
    try:
        normalise_mobile(text)
    except InvalidMobile:
        return False
    return True
