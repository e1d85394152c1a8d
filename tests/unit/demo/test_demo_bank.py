"""The demo bank as a whole: determinism, staff, sizes and mixes, locales."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import date
from typing import TypeVar

import numpy as np
import pytest

from rm_desk.demo import DemoBank, DemoChunk, generate_bank
from rm_desk.demo.names import NameReader
from rm_desk.demo.people import person_names
from rm_desk.domain.model import Lifecycle, Role, Segment
from rm_desk.domain.pinyin import name_keys
from tests.unit.demo.demo_book import Book

AS_OF = date(2025, 6, 18)

_DIGEST_SCRIPT = """
import hashlib, sys
from datetime import date
from rm_desk.demo import generate_bank
bank = generate_bank(1000, 4, seed=11, as_of=date(2025, 6, 18))
digest = hashlib.sha256()
digest.update(repr((bank.branches, bank.employees)).encode())
for chunk in bank.chunks():
    digest.update(repr(chunk).encode())
sys.stdout.write(digest.hexdigest())
"""


def _digest(bank: DemoBank) -> str:
    digest = hashlib.sha256()
    digest.update(repr((bank.branches, bank.employees)).encode())
    for chunk in bank.chunks():
        digest.update(repr(chunk).encode())
    return digest.hexdigest()


def test_the_same_inputs_give_the_same_bank() -> None:
    first = list(generate_bank(1200, 7, seed=3, as_of=AS_OF).chunks())
    second = list(generate_bank(1200, 7, seed=3, as_of=AS_OF).chunks())
    assert first == second


def test_another_process_generates_the_same_bank() -> None:
    # A fresh interpreter has a different str hash seed: nothing may depend on it.
    ran = subprocess.run(
        [sys.executable, "-c", _DIGEST_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert ran.stdout == _digest(generate_bank(1000, 4, seed=11, as_of=AS_OF))


def test_a_bigger_bank_starts_with_the_smaller_one() -> None:
    small = generate_bank(2000, 10, seed=5, as_of=AS_OF)
    big = generate_bank(5000, 10, seed=5, as_of=AS_OF)
    assert big.branches == small.branches
    assert big.employees == small.employees
    assert list(small.chunks()) == [big.chunk(0), big.chunk(1)]


def test_a_chunk_can_be_generated_on_its_own() -> None:
    bank = generate_bank(2200, 10, seed=5, as_of=AS_OF)
    chunks = list(bank.chunks())
    assert bank.chunk(2) == chunks[2]
    assert bank.chunk_count == 3
    with pytest.raises(IndexError):
        bank.chunk(3)


def test_the_seed_changes_the_bank() -> None:
    one = generate_bank(1000, 5, seed=1, as_of=AS_OF).chunk(0)
    two = generate_bank(1000, 5, seed=2, as_of=AS_OF).chunk(0)
    assert [c.id for c in one.customers] != [c.id for c in two.customers]


def test_a_partial_last_chunk_has_the_rest_of_the_customers() -> None:
    bank = generate_bank(2500, 10, as_of=AS_OF)
    sizes = [len(chunk.customers) for chunk in bank.chunks()]
    assert sizes == [1000, 1000, 500]
    assert bank.customer_count == 2500
    empty = generate_bank(0, 1, as_of=AS_OF)
    assert list(empty.chunks()) == []


@pytest.mark.parametrize(
    ("customers", "rms", "seed", "locale"),
    [(-1, 5, 7, "zh"), (10, 0, 7, "zh"), (10, 5, -1, "zh"), (10, 5, 7, "fr")],
)
def test_bad_arguments_are_refused(customers: int, rms: int, seed: int, locale: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        generate_bank(customers, rms, seed=seed, as_of=AS_OF, locale=locale)  # type: ignore[arg-type]


def test_branches_and_staff_are_organised_like_a_bank() -> None:
    bank = generate_bank(0, 12, as_of=AS_OF)
    assert [b.code for b in bank.branches] == ["BR001", "BR002", "BR003"]
    assert bank.branches[0].name == "上海陆家嘴支行"
    assert bank.branches[0].city == "上海"
    by_role = Counter(e.role for e in bank.employees)
    assert by_role == {Role.RM: 12, Role.TELLER: 6, Role.MANAGER: 3, Role.ADMIN: 1}
    ids = [e.user_id for e in bank.employees]
    assert len(set(ids)) == len(ids)
    assert ids[:2] == ["rm001", "rm002"]
    assert {"teller001", "mgr001", "admin"} <= set(ids)
    managers = {e.branch: e.user_id for e in bank.employees if e.role is Role.MANAGER}
    for employee in bank.employees:
        if employee.role in (Role.RM, Role.TELLER):
            assert employee.manager_id == managers[employee.branch]
        assert employee.branch in {b.code for b in bank.branches}
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", employee.name)
    per_branch = Counter(e.branch for e in bank.employees if e.role is Role.RM)
    assert max(per_branch.values()) <= 5


def test_a_single_rm_bank_has_one_branch() -> None:
    bank = generate_bank(10, 1, as_of=AS_OF)
    assert len(bank.branches) == 1
    assert {c.owner_rm for c in bank.chunk(0).customers} == {"rm001"}


def test_every_employee_has_a_readable_demo_password() -> None:
    bank = generate_bank(0, 6, as_of=AS_OF)
    passwords = bank.user_passwords()
    assert set(passwords) == {e.user_id for e in bank.employees}
    assert passwords["rm001"] == "demo-rm001"
    assert passwords["admin"] == "demo-admin"


def test_sizes_per_customer_are_as_planned(book: Book) -> None:
    n = len(book.customers)
    assert n == 2000
    assert len(book.snapshots) == 24 * n
    assert 2.7 <= len(book.holdings) / n <= 3.8
    assert 9.0 <= len(book.interactions) / n <= 11.0
    assert 1.7 <= len(book.tasks) / n <= 2.3
    assert len({c.id for c in book.customers}) == n


T = TypeVar("T", bound=Hashable)


def assert_shares(bounds: dict[T, tuple[float, float]], values: Iterable[T]) -> None:
    """Each value named in `bounds` makes up between its low and high share of `values`."""
    counts = Counter(values)
    total = sum(counts.values())
    for value, (low, high) in bounds.items():
        assert low <= counts[value] / total <= high, (value, counts[value], total)


def test_segment_mix_and_aum_by_segment(book: Book) -> None:
    assert_shares(
        {
            Segment.MASS: (0.76, 0.84),
            Segment.AFFLUENT: (0.14, 0.22),
            Segment.PRIVATE: (0.008, 0.035),
        },
        (c.segment for c in book.customers),
    )

    def median_yuan(segment: Segment) -> float:
        values = sorted(c.aum_fen for c in book.customers if c.segment is segment)
        return values[len(values) // 2] / 100

    assert 15_000 <= median_yuan(Segment.MASS) <= 45_000
    assert 700_000 <= median_yuan(Segment.AFFLUENT) <= 1_700_000
    assert 6_000_000 <= median_yuan(Segment.PRIVATE) <= 18_000_000


def test_lifecycle_mix(book: Book) -> None:
    assert_shares(
        {
            Lifecycle.AT_RISK: (0.08, 0.17),
            Lifecycle.DORMANT: (0.03, 0.09),
            Lifecycle.NEW: (0.03, 0.08),
            Lifecycle.LOST: (0.003, 0.03),
            Lifecycle.ACTIVE: (0.65, 1.0),
        },
        (c.lifecycle for c in book.customers),
    )


def test_customers_are_spread_over_the_rms_and_banked_at_their_branch(book: Book) -> None:
    rm_branch = {e.user_id: e.branch for e in book.bank.employees if e.role is Role.RM}
    owners = Counter(c.owner_rm for c in book.customers)
    assert set(owners) == set(rm_branch)
    assert min(owners.values()) >= 40
    for customer in book.customers:
        assert customer.branch == rm_branch[customer.owner_rm]


def test_customer_records_are_complete(book: Book) -> None:
    as_of = book.bank.as_of
    for customer in book.customers:
        assert customer.version == 1
        assert re.fullmatch(r"6\d{11}", customer.id)
        assert customer.birth_date is not None
        age = (as_of - customer.birth_date).days / 365.25
        assert 22 <= age <= 80
        assert customer.since <= as_of
        assert customer.kyc_expiry is not None
        assert customer.aum_fen >= 0
        assert customer.address.startswith(book.bank.branches[0].city) or "市" in customer.address
    with_email = sum(1 for c in book.customers if c.email)
    assert 0.2 <= with_email / len(book.customers) <= 0.6
    assert all("@" in c.email for c in book.customers if c.email)
    expired = sum(1 for c in book.customers if c.kyc_expiry and c.kyc_expiry < as_of)
    assert expired > 0


def test_customers_live_in_their_branch_city(book: Book) -> None:
    city = {b.code: b.city for b in book.bank.branches}
    for customer in book.customers:
        assert customer.address.startswith(city[customer.branch] + "市")


def test_names_carry_their_pinyin_keys(book: Book) -> None:
    for customer in book.customers[:400]:
        keys = name_keys(customer.name)
        assert customer.name_pinyin == keys.full
        assert customer.name_initials == keys.initials
        assert re.fullmatch(r"[a-z]+", customer.name_pinyin)


def test_surnames_follow_their_frequencies(book: Book) -> None:
    surnames = Counter(c.name[0] for c in book.customers)
    assert surnames.most_common(1)[0][0] in "王李张"
    assert len(surnames) >= 60


def test_rare_and_polyphonic_surnames_appear_with_their_surname_reading() -> None:
    rng = np.random.default_rng(1)
    n = 60_000
    male = rng.random(n) < 0.5
    names, pinyin, initials = person_names(
        "zh", male, rng.random(n) < 0.7, rng.random((n, 4)), NameReader()
    )
    seen = {
        surname: i
        for i, name in reversed(list(enumerate(names)))
        for surname in ("单", "曾", "欧阳")
        if name.startswith(surname)
    }
    assert set(seen) == {"单", "曾", "欧阳"}
    assert pinyin[seen["单"]].startswith("shan")
    assert pinyin[seen["曾"]].startswith("zeng")
    assert pinyin[seen["欧阳"]].startswith("ouyang")
    assert initials[seen["欧阳"]].startswith("oy")
    wang = sum(1 for name in names if name[0] == "王") / n
    assert 0.05 <= wang <= 0.09


def test_tags_come_from_the_bank_list(book: Book) -> None:
    tags = Counter(t for c in book.customers for t in c.tags)
    assert set(tags) <= {
        "代发工资",
        "高净值",
        "理财偏好",
        "退休",
        "小微企业主",
        "房贷客户",
        "信用卡活跃",
        "养老金",
        "外籍",
    }
    assert {"代发工资", "房贷客户", "信用卡活跃", "退休"} <= set(tags)
    for customer in book.customers:
        if "退休" in customer.tags:
            assert "代发工资" not in customer.tags


def test_english_locale_has_latin_names_and_the_same_numbers(
    book: Book, english_book: Book
) -> None:
    for customer in english_book.customers:
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", customer.name)
        assert customer.name_pinyin == customer.name.replace(" ", "").lower()
        assert customer.address.isascii()
        assert all(tag.isascii() for tag in customer.tags)
    assert english_book.bank.branches[0].name == "Lujiazui Sub-branch, Shanghai"
    assert english_book.bank.branches[0].city == "Shanghai"
    assert all(e.name.isascii() for e in english_book.bank.employees)
    assert all(h.product.isascii() for h in english_book.holdings)
    assert all(i.note.isascii() and i.subject.isascii() for i in english_book.interactions)
    assert all(t.title.isascii() for t in english_book.tasks)
    zh = [(c.id, c.aum_fen, c.id_number, c.segment, c.lifecycle) for c in book.customers]
    en = [(c.id, c.aum_fen, c.id_number, c.segment, c.lifecycle) for c in english_book.customers]
    assert zh == en


def test_chunks_are_demo_chunks(book: Book) -> None:
    chunk = book.bank.chunk(0)
    assert isinstance(chunk, DemoChunk)
    assert {h.customer_id for h in chunk.holdings} <= {c.id for c in chunk.customers}
    assert {t.customer_id for t in chunk.tasks} <= {c.id for c in chunk.customers}
