"""UUIDv7 identifiers for rows created on a client (RFC 9562 §5.7).

Time-ordered ids keep B-tree inserts local and let the server order mutations from
many clients without a central counter. The clock and the random source are
parameters so tests can pin them.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable


def uuid7(
    now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    rand: Callable[[int], bytes] = os.urandom,
) -> str:
    """A new UUIDv7 as its canonical 36-character string."""
    ms = now_ms() & ((1 << 48) - 1)
    tail = int.from_bytes(rand(10), "big")
    rand_a = tail >> 68 & 0xFFF
    rand_b = tail & ((1 << 62) - 1)
    value = ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def uuid7_time_ms(value: str) -> int:
    """The Unix millisecond timestamp embedded in a UUIDv7 string."""
    parsed = uuid.UUID(value)
    if parsed.version != 7:
        raise ValueError("not a UUIDv7")
    return parsed.int >> 80
