"""A teller's copy must not rebuild the ID numbers it holds masked.

A real client signs in as a teller against a real gateway holding the demo bank and
syncs; the test then reads the teller's encrypted store and, for every customer with a
resident ID (GB 11643: six-digit region, YYYYMMDD birth date, three-digit sequence whose
last digit is odd for men, ISO 7064 MOD 11-2 check character), counts the ID numbers
consistent with everything the teller holds: the masked ID's visible characters, the
birth date (or year), the gender and the check character.

The attacker is granted the region code outright: in the demo bank three customers in
four are registered in the district of their branch, which the teller works at, and the
masked address names the district. So what must stay unknown is the birth day and the
sequence; the region digits the mask hides are not counted in the teller's favour.

The threshold, 10,000 candidates per customer, is the strength the masking policy
already accepts for a teller's copy of the mobile number (138****5678: four hidden
digits, 10,000 numbers); the ID number must not be the weaker of the two.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import select

from local_store.profiles import ProfileRegistry
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import sync as sync_service
from sync.server import schema
from tests.integration.conftest import AS_OF, Gateway

MIN_CANDIDATES = 10_000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EARLIEST = date(1900, 1, 1)


def _residues(digits: str, first: int) -> int:
    """The weighted sum (mod 11) of `digits` standing at positions first.."""
    return sum(int(d) * _WEIGHTS[first + i] for i, d in enumerate(digits)) % 11


def _fits(value: str, masked: str) -> bool:
    return all(m in ("*", v) for v, m in zip(value, masked, strict=True))


@cache
def _date_residues(first: date, last: date, masked: str) -> tuple[int, ...]:
    """How many days in first..last fit the masked birth-date digits, by residue."""
    counts = [0] * 11
    day = first
    while day <= last:
        text = day.strftime("%Y%m%d")
        if _fits(text, masked):
            counts[_residues(text, 6)] += 1
        day += timedelta(days=1)
    return tuple(counts)


@cache
def _sequence_residues(masked: str, gender: str) -> tuple[int, ...]:
    """How many sequences 000..999 fit the masked digits and the gender, by residue."""
    counts = [0] * 11
    for n in range(1000):
        text = f"{n:03d}"
        if gender in ("M", "F") and (n % 2 == 1) != (gender == "M"):
            continue
        if _fits(text, masked):
            counts[_residues(text, 14)] += 1
    return tuple(counts)


def _birth_range(birth: str | None) -> tuple[date, date]:
    """The birth dates the teller's value allows. A 1 January is read as the year only
    (what a teller's copy carries since the year is all it gets); any other date as
    the date itself; no value as any date from 1900 to the bank's day."""
    if birth is None:
        return _EARLIEST, AS_OF
    day = date.fromisoformat(birth)
    if (day.month, day.day) == (1, 1):
        return day, date(day.year, 12, 31)
    return day, day


@cache
def _region_residues(masked: str) -> tuple[int, ...]:
    """How many six-digit codes fit the masked region digits, by residue (every code
    that fits, not only the ones GB/T 2260 lists: an upper bound)."""
    counts = [0] * 11
    for n in range(1_000_000):
        text = f"{n:06d}"
        if _fits(text, masked):
            counts[_residues(text, 0)] += 1
    return tuple(counts)


def candidates(
    true_id: str, masked: str, birth: str | None, gender: str, *, region_known: bool = True
) -> int:
    """The GB 11643 numbers that fit what the teller holds, with `true_id`'s region
    (`region_known`) or any region the mask allows."""
    assert len(masked) == 18, masked
    region = true_id[:6]
    assert _fits(region, masked[:6]), (region, masked)
    first, last = _birth_range(birth)
    dates = _date_residues(first, last, masked[6:14])
    sequences = _sequence_residues(masked[14:17], gender)
    regions = [0] * 11
    if region_known:
        regions[_residues(region, 0)] = 1
    else:
        regions = list(_region_residues(masked[:6]))
    total = 0
    for r, n_r in enumerate(regions):
        for d, n_d in enumerate(dates):
            for s, n_s in enumerate(sequences):
                if masked[17] in ("*", _CHECK[(r + d + s) % 11]):
                    total += n_r * n_d * n_s
    return total


def test_a_tellers_cache_does_not_rebuild_id_numbers(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    registry = ProfileRegistry(tmp_path / "teller", policy=Policy(keyring=KeyringMode.OFF))
    teller = sync_service.add_profile(registry, "teller001", bank["teller001"], gateway.url)
    with teller.session.store.read() as conn:
        held = conn.exec_driver_sql(
            "SELECT id, id_type, id_number, birth_date, gender FROM customers"
        ).fetchall()
    teller.session.lock()
    c = schema.customers.c
    with gateway.engine.connect() as conn:
        truth: dict[str, str] = {r.id: r.id_number for r in conn.execute(select(c.id, c.id_number))}

    counts: dict[str, int] = {}
    unknown_region: list[int] = []  # the same without granting the region, for the message
    for cid, id_type, masked, birth, gender in held:
        if id_type != "resident_id":
            continue
        assert masked != truth[cid], f"{cid}: the teller holds the ID number unmasked"
        # The model is sound: the true number is one of those it counts.
        assert _fits(truth[cid], masked), (cid, masked)
        counts[cid] = candidates(truth[cid], masked, birth, gender)
        assert counts[cid] >= 1, cid
        unknown_region.append(candidates(truth[cid], masked, birth, gender, region_known=False))
    assert len(counts) >= 50, f"only {len(counts)} resident IDs in the teller's copy"

    small = sorted(cid for cid, n in counts.items() if n < MIN_CANDIDATES)
    spread = Counter(min(n, MIN_CANDIDATES) for n in counts.values()).most_common(3)
    assert not small, (
        f"{len(small)} of {len(counts)} customers' ID numbers have fewer than "
        f"{MIN_CANDIDATES:,} candidates in the teller's copy (fewest "
        f"{min(counts.values()):,}, median {statistics.median(counts.values()):,}; "
        f"most common {spread}; with the region unknown: fewest {min(unknown_region):,}, "
        f"median {statistics.median(unknown_region):,})"
    )
