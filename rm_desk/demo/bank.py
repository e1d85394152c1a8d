"""A deterministic demo bank: branches, staff and a book of customers with their
holdings, 24 months of history, contact history and follow-up tasks.

The same (customers, rms, seed, as_of, locale) always gives the same bank, in any
process. Customers are generated in blocks of 1,000, each from its own random stream
(seeded by the bank's seed and the block's index), so blocks can be generated lazily,
in any order or in parallel, and a bank's first k blocks are the whole of a bank of
k * 1,000 customers. The locale changes words, never numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np

from rm_desk.demo.accounts import generate_holdings
from rm_desk.demo.contacts import generate_interactions, generate_tasks, needs_met
from rm_desk.demo.frame import (
    BLOCK_SIZE,
    MAX_CUSTOMERS,
    MAX_HOLDINGS_PER_CUSTOMER,
    MONTHS,
    BankFrame,
    Keys,
    Locale,
)
from rm_desk.demo.history import generate_history
from rm_desk.demo.names import NameReader
from rm_desk.demo.numbering import Scramble
from rm_desk.demo.people import build_customers, draw_people, person_names
from rm_desk.demo.places import BRANCH_SITES, BranchSite, branch_names
from rm_desk.demo.texts import TAGS
from rm_desk.domain.model import (
    Branch,
    Customer,
    Employee,
    FollowUpTask,
    Holding,
    Interaction,
    MonthlySnapshot,
    Role,
)

RMS_PER_BRANCH: Final[int] = 5
TELLERS_PER_BRANCH: Final[int] = 2
ADMIN_ID: Final[str] = "admin"
_HNW_FEN: Final[int] = 600_000_000  # 6 million yuan: the usual private-banking line

# Spawn keys of the bank's random streams under its seed.
_STAFF_STREAM, _BLOCK_STREAM, _KEY_STREAM = 0, 1, 2


@dataclass(frozen=True, slots=True)
class DemoChunk:
    """One block of customers and everything that belongs to them."""

    customers: list[Customer]
    holdings: list[Holding]
    snapshots: list[MonthlySnapshot]
    interactions: list[Interaction]
    tasks: list[FollowUpTask]


class DemoBank:
    """The bank's branches and staff, and its customers as lazily generated chunks."""

    def __init__(self, frame: BankFrame, employees: list[Employee], customer_count: int) -> None:
        self._frame = frame
        self.branches: list[Branch] = list(frame.branches)
        self.employees: list[Employee] = employees
        self.as_of: date = frame.as_of
        self.seed: int = frame.seed
        self.locale: Locale = frame.locale
        self.customer_count: int = customer_count

    @property
    def chunk_count(self) -> int:
        return math.ceil(self.customer_count / BLOCK_SIZE)

    def chunk(self, index: int) -> DemoChunk:
        """Block `index` (customers index*1000 .. index*1000 + 999), generated afresh."""
        if not 0 <= index < self.chunk_count:
            raise IndexError(f"chunk {index} out of range 0..{self.chunk_count - 1}")
        first = index * BLOCK_SIZE
        size = min(BLOCK_SIZE, self.customer_count - first)
        return _generate_block(self._frame, index, first, size)

    def chunks(self) -> Iterator[DemoChunk]:
        """All blocks in order, each generated when asked for."""
        for index in range(self.chunk_count):
            yield self.chunk(index)

    def user_passwords(self) -> dict[str, str]:
        """Demo sign-in passwords: "demo-" and the user id ("demo-rm001")."""
        return {employee.user_id: f"demo-{employee.user_id}" for employee in self.employees}


def generate_bank(
    customers: int,
    rms: int,
    *,
    seed: int = 7,
    as_of: date,
    locale: Locale = "zh",
) -> DemoBank:
    """A demo bank of `customers` customers looked after by `rms` relationship managers,
    as it stands at the end of `as_of`."""
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS}")
    if rms < 1:
        raise ValueError("a bank needs at least one relationship manager")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if locale not in ("zh", "en"):
        raise ValueError(f"unknown locale {locale!r}")
    frame, employees = _frame(rms, seed, as_of, locale)
    return DemoBank(frame, employees, customers)


def _frame(rms: int, seed: int, as_of: date, locale: Locale) -> tuple[BankFrame, list[Employee]]:
    staff_rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(_STAFF_STREAM,)))
    )
    branch_count = max(1, math.ceil(rms / RMS_PER_BRANCH))
    sites: list[BranchSite] = []
    branches: list[Branch] = []
    for b in range(branch_count):
        site = BRANCH_SITES[b % len(BRANCH_SITES)]
        name_zh, name_en = branch_names(site, b // len(BRANCH_SITES))
        city = site.district.city_zh if locale == "zh" else site.district.city_en
        sites.append(site)
        branches.append(Branch(f"BR{b + 1:03d}", name_zh if locale == "zh" else name_en, city))

    rm_ids = tuple(f"rm{i + 1:03d}" for i in range(rms))
    rm_branch = (np.arange(rms, dtype=np.int64) * branch_count) // rms
    teller_ids = tuple(f"teller{j + 1:03d}" for j in range(TELLERS_PER_BRANCH * branch_count))
    manager_ids = tuple(f"mgr{b + 1:03d}" for b in range(branch_count))
    # Books differ in size: some RMs look after twice as many customers as others.
    book_share = staff_rng.gamma(6.0, 1.0, rms)
    rm_cumulative = np.cumsum(book_share) / book_share.sum()

    reader = NameReader()
    staff = rms + len(teller_ids) + len(manager_ids) + 1
    male = staff_rng.random(staff) < 0.5
    names, _, _ = person_names(
        locale, male, staff_rng.random(staff) < 0.7, staff_rng.random((staff, 4)), reader
    )
    employees: list[Employee] = []
    for i, rm_id in enumerate(rm_ids):
        b = int(rm_branch[i])
        employees.append(Employee(rm_id, names[i], Role.RM, branches[b].code, manager_ids[b]))
    offset = rms
    for j, teller_id in enumerate(teller_ids):
        b = j // TELLERS_PER_BRANCH
        employees.append(
            Employee(teller_id, names[offset + j], Role.TELLER, branches[b].code, manager_ids[b])
        )
    offset += len(teller_ids)
    for b, manager_id in enumerate(manager_ids):
        employees.append(Employee(manager_id, names[offset + b], Role.MANAGER, branches[b].code))
    # IT sits at head office; the first branch stands in for it so every employee's
    # branch is one of the bank's branches.
    employees.append(Employee(ADMIN_ID, names[-1], Role.ADMIN, branches[0].code))

    frame = BankFrame(
        seed=seed,
        as_of=as_of,
        locale=locale,
        branches=tuple(branches),
        sites=tuple(sites),
        rm_ids=rm_ids,
        rm_branch=rm_branch,
        rm_cumulative=rm_cumulative,
        teller_ids=teller_ids,
        manager_ids=manager_ids,
        keys=_keys(seed),
        months=_months(as_of),
        names=reader,
    )
    return frame, employees


def _keys(seed: int) -> Keys:
    raw = [
        int(x)
        for x in np.random.SeedSequence(seed, spawn_key=(_KEY_STREAM,)).generate_state(
            14, dtype=np.uint64
        )
    ]
    holdings = MAX_CUSTOMERS * MAX_HOLDINGS_PER_CUSTOMER
    residue_a = 1 + raw[10] % 729
    while math.gcd(residue_a, 730) != 1:
        residue_a += 1
    return Keys(
        cif_first=Scramble(raw[0], raw[1], 11, MAX_CUSTOMERS),
        cif_second=Scramble(raw[2], raw[3], 11, 10**11),
        mobile=Scramble(raw[4], raw[5], 8, MAX_CUSTOMERS),
        card16=Scramble(raw[6], raw[7], 9, holdings),
        card19=Scramble(raw[8], raw[9], 12, holdings),
        birth_residue=(residue_a, raw[11] % 730),
        id_sequence=(1 + raw[12] % 498, raw[13] % 499),
    )


def _months(as_of: date) -> tuple[str, ...]:
    last = as_of.year * 12 + as_of.month - 1
    return tuple(
        f"{(last - back) // 12:04d}-{(last - back) % 12 + 1:02d}"
        for back in range(MONTHS - 1, -1, -1)
    )


def _generate_block(frame: BankFrame, index: int, first: int, size: int) -> DemoChunk:
    streams = np.random.SeedSequence(frame.seed, spawn_key=(_BLOCK_STREAM, index)).spawn(6)
    people_rng, names_rng, holdings_rng, history_rng, contacts_rng, tasks_rng = (
        np.random.Generator(np.random.PCG64(s)) for s in streams
    )
    people = draw_people(frame, first, size, people_rng, names_rng)
    holdings = generate_holdings(frame, people, holdings_rng)
    history = generate_history(frame, people, holdings.summary, history_rng)
    met = needs_met(people, holdings.summary)
    contacts = generate_interactions(frame, people, met, contacts_rng)
    tasks = generate_tasks(
        frame,
        people,
        met=met,
        accounts=holdings.summary,
        history=history.summary,
        contacts=contacts.summary,
        rng=tasks_rng,
    )

    accounts = holdings.summary
    flags = np.stack(  # in the order of TAGS
        [
            people.payroll,
            people.level_fen >= _HNW_FEN,
            accounts.wealth_products >= 2,
            people.retired,
            people.small_business,
            accounts.has_mortgage,
            accounts.has_card & (accounts.cards_fen > 0) & (people.quiet_months == 0),
            people.pension,
            people.foreign,
        ],
        axis=1,
    )
    words = TAGS[frame.locale]
    tags = [tuple(w for w, on in zip(words, row, strict=True) if on) for row in flags.tolist()]
    customers = build_customers(frame, people, history.summary.lifecycle, tags)
    return DemoChunk(
        customers=customers,
        holdings=holdings.holdings,
        snapshots=history.snapshots,
        interactions=contacts.interactions,
        tasks=tasks,
    )
