"""One demo bank per session for the demo tests: 2,000 customers, generated once."""

from __future__ import annotations

from datetime import date

import pytest

from rm_desk.demo import generate_bank
from tests.unit.demo.demo_book import Book

AS_OF = date(2025, 6, 18)  # a Wednesday
CUSTOMERS = 2_000
RMS = 12


@pytest.fixture(scope="session")
def book() -> Book:
    return Book(generate_bank(CUSTOMERS, RMS, seed=7, as_of=AS_OF))


@pytest.fixture(scope="session")
def english_book() -> Book:
    return Book(generate_bank(CUSTOMERS, RMS, seed=7, as_of=AS_OF, locale="en"))
