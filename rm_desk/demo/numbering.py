"""Numbers the demo bank issues, computed a block of customers at a time with numpy:
CIF numbers, resident ID numbers (GB 11643), mobile numbers, card numbers (Luhn) and
UUID-formatted ids.

Numbers that must never repeat (CIF, mobile, card) are a bijection of a customer's
global index, so they are unique without looking at any other block.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
ByteArray = npt.NDArray[np.uint8]

_ZERO: Final[int] = ord("0")
_HEX: Final[ByteArray] = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_ID_WEIGHTS: Final[IntArray] = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK: Final[ByteArray] = np.frombuffer(b"10X98765432", dtype=np.uint8)


def text_rows(chars: ByteArray) -> list[str]:
    """The rows of an (n, width) array of ASCII codes as n strings."""
    n, width = chars.shape
    if n == 0:
        return []
    text = np.ascontiguousarray(chars).tobytes().decode("ascii")
    return [text[i : i + width] for i in range(0, n * width, width)]


def digits_of(values: IntArray, width: int) -> ByteArray:
    """The decimal digits (0-9) of non-negative values, zero-padded to `width` columns."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10).astype(np.uint8)


def coprime_multiplier(raw: int, below: int) -> int:
    """A multiplier under `below` and coprime with 10, so x -> a*x + b mod 10^k is 1:1."""
    value = raw % (below // 4) + below // 4
    value |= 1
    if value % 5 == 0:
        value += 2
    return value  # < below // 2 + 3 <= below


class Scramble:
    """x -> (a*x + b) mod 10^digits: a bijection on numbers of `digits` digits."""

    def __init__(self, raw_a: int, raw_b: int, digits: int, max_input: int) -> None:
        self.modulus = 10**digits
        if max_input > self.modulus:
            raise ValueError("scramble input range wider than its output range")
        # a * x must stay inside int64 for every x we feed it.
        limit = min(self.modulus, (2**63 - 1 - self.modulus) // max(max_input, 1))
        if limit < 1000:
            raise ValueError("scramble range too small for its input")
        self.a = coprime_multiplier(raw_a, limit)
        self.b = raw_b % self.modulus
        self.max_input = max_input

    def __call__(self, values: IntArray) -> IntArray:
        if values.size and int(values.max()) >= self.max_input:
            raise ValueError("value beyond the scramble's input range")
        result: IntArray = (values * self.a + self.b) % self.modulus
        return result


def reverse_digits(values: IntArray, width: int) -> IntArray:
    """Each value's `width` decimal digits in reverse order (a bijection)."""
    digits = digits_of(values, width)[:, ::-1].astype(np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    result: IntArray = digits @ powers
    return result


def luhn_check_digits(payload: ByteArray) -> ByteArray:
    """The Luhn check digit completing each row of digits (check digit goes last)."""
    digits = payload.astype(np.int64)
    width = digits.shape[1]
    # Counting from the right of the payload, the first digit and every second one
    # after it are doubled once the check digit is appended.
    doubled = np.zeros(width, dtype=bool)
    doubled[width - 1 :: -2] = True
    twice = digits * 2
    contrib = np.where(doubled, np.where(twice > 9, twice - 9, twice), digits)
    check: ByteArray = ((10 - contrib.sum(axis=1) % 10) % 10).astype(np.uint8)
    return check


def card_numbers(bins: ByteArray, middle: IntArray, length: int) -> list[str]:
    """Luhn-valid card numbers: a six-digit BIN row per card, then middle digits."""
    payload = np.concatenate([bins, digits_of(middle, length - 7)], axis=1)
    check = luhn_check_digits(payload)
    full = np.concatenate([payload, check[:, None]], axis=1) + _ZERO
    return text_rows(full.astype(np.uint8))


def resident_ids(
    region: IntArray, year: IntArray, month: IntArray, day: IntArray, sequence: IntArray
) -> list[str]:
    """GB 11643 numbers: region, YYYYMMDD, three-digit sequence, check character."""
    body = np.concatenate(
        [
            digits_of(region, 6),
            digits_of(year * 10_000 + month * 100 + day, 8),
            digits_of(sequence, 3),
        ],
        axis=1,
    )
    remainder = (body.astype(np.int64) @ _ID_WEIGHTS) % 11
    chars = np.concatenate([body + _ZERO, _ID_CHECK[remainder][:, None]], axis=1)
    return text_rows(chars.astype(np.uint8))


def number_strings(values: IntArray, width: int, prefix: ByteArray | None = None) -> list[str]:
    """Zero-padded decimal strings, optionally after a per-row prefix of digits."""
    digits = digits_of(values, width)
    if prefix is not None:
        digits = np.concatenate([prefix, digits], axis=1)
    return text_rows((digits + _ZERO).astype(np.uint8))


def uuid_strings(raw: ByteArray) -> list[str]:
    """Canonical UUID strings (version 7 nibble, RFC 9562 variant) from 16 random bytes
    per row. They are not time-ordered: demo history is generated, not logged."""
    data = raw.copy()
    data[:, 6] = (data[:, 6] & 0x0F) | 0x70
    data[:, 8] = (data[:, 8] & 0x3F) | 0x80
    n = data.shape[0]
    hexed = np.empty((n, 32), dtype=np.uint8)
    hexed[:, 0::2] = _HEX[data >> 4]
    hexed[:, 1::2] = _HEX[data & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = hexed[:, 0:8]
    out[:, 9:13] = hexed[:, 8:12]
    out[:, 14:18] = hexed[:, 12:16]
    out[:, 19:23] = hexed[:, 16:20]
    out[:, 24:36] = hexed[:, 20:32]
    return text_rows(out)
