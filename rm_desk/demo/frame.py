"""What every block of the demo bank is generated against: the bank's staff, calendar
and keys (`BankFrame`), and the codes the stages of a block share.

Times are counted in whole days before the as-of date ("ago", 0 = the as-of day) or
after it ("ahead"); months are indexed 0..23, 23 being the as-of month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from rm_desk.demo.names import NameReader
from rm_desk.demo.numbering import Scramble
from rm_desk.demo.places import BranchSite
from rm_desk.domain.model import Branch

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Locale = Literal["zh", "en"]

MONTHS: Final[int] = 24
BLOCK_SIZE: Final[int] = 1_000
MAX_CUSTOMERS: Final[int] = 10_000_000
MAX_HOLDINGS_PER_CUSTOMER: Final[int] = 32
# China Standard Time has no daylight saving: 8 hours ahead of UTC all year.
CST_OFFSET_SECONDS: Final[int] = 8 * 3600

# Customer trajectories, assigned per customer before anything else.
STABLE, NEW, DRIFTER, DORMANT, LOST = 0, 1, 2, 3, 4
MASS, AFFLUENT, PRIVATE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Keys:
    """Seed-derived bijections that number customers, phones and cards."""

    cif_first: Scramble
    cif_second: Scramble
    mobile: Scramble
    card16: Scramble
    card19: Scramble
    birth_residue: tuple[int, int]  # (a, b) of g -> (a*g + b) mod 730
    id_sequence: tuple[int, int]  # (a, b) of q -> (a*q + b) mod 499


@dataclass(frozen=True, slots=True)
class BankFrame:
    seed: int
    as_of: date
    locale: Locale
    branches: tuple[Branch, ...]
    sites: tuple[BranchSite, ...]  # parallel to branches
    rm_ids: tuple[str, ...]
    rm_branch: IntArray  # branch index of each RM
    rm_cumulative: FloatArray  # cumulative share of the book each RM holds
    teller_ids: tuple[str, ...]  # two per branch: 2*b and 2*b + 1
    manager_ids: tuple[str, ...]  # one per branch
    keys: Keys
    months: tuple[str, ...]  # "YYYY-MM", oldest first
    names: NameReader

    @property
    def as_of_day(self) -> np.datetime64:
        return np.datetime64(self.as_of, "D")

    @property
    def as_of_epoch_day(self) -> int:
        return (self.as_of - date(1970, 1, 1)).days

    def dates_ago(self, ago: IntArray) -> list[date]:
        """Calendar dates `ago` days before the as-of date."""
        dates: list[date] = (self.as_of_day - ago.astype("timedelta64[D]")).tolist()
        return dates

    def month_of_ago(self, ago: IntArray) -> IntArray:
        """Month index (may be negative, before the window) of days `ago` before as_of."""
        days = self.as_of_day - ago.astype("timedelta64[D]")
        months = days.astype("datetime64[M]").astype(np.int64)
        last = np.datetime64(self.as_of, "M").astype(np.int64)
        result: IntArray = months - last + (MONTHS - 1)
        return result


# Holding kinds in the order a customer's holdings are listed.
K_DEMAND, K_TERM, K_MATURED, K_WEALTH, K_FUND, K_INSURANCE = 0, 1, 2, 3, 4, 5
K_MORTGAGE, K_CONSUMER, K_BUSINESS, K_CARD = 6, 7, 8, 9
