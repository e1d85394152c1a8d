"""The customers of one block: who they are, where they bank, how much they hold and
which way their relationship with the bank is heading.

Everything is drawn as numpy columns; `build_customers` turns the columns into
`Customer` records once the holdings and the monthly history have settled the tags
and the lifecycle stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import Final, NamedTuple

import numpy as np

from rm_desk.demo.frame import (
    DORMANT,
    DRIFTER,
    LOST,
    MASS,
    MONTHS,
    NEW,
    STABLE,
    BankFrame,
    BoolArray,
    FloatArray,
    IntArray,
    Locale,
)
from rm_desk.demo.names import (
    FIRST_FEMALE_EN,
    FIRST_MALE_EN,
    GIVEN_FEMALE,
    GIVEN_MALE,
    LAST_EN,
    SURNAMES,
    NameReader,
)
from rm_desk.demo.numbering import (
    ByteArray,
    digits_of,
    number_strings,
    resident_ids,
    reverse_digits,
)
from rm_desk.demo.places import COMPOUNDS, ORIGIN_CODES
from rm_desk.domain.model import Customer, Gender, IdType, Lifecycle, RiskProfile, Segment

_SURNAME_CUMULATIVE: Final[FloatArray] = np.cumsum(
    np.array([w for _, w in SURNAMES], dtype=np.float64)
) / sum(w for _, w in SURNAMES)

_MOBILE_PREFIXES: Final[IntArray] = np.array(
    [
        138,
        139,
        135,
        136,
        137,
        150,
        151,
        152,
        158,
        159,
        186,
        187,
        188,
        177,
        199,
        133,
        189,
        180,
        181,
        130,
        131,
        132,
        155,
        156,
        185,
        176,
        166,
        191,
        198,
        183,
        153,
        173,
    ],
    dtype=np.int64,
)

_EMAIL_DOMAINS_ZH: Final[tuple[str, ...]] = (
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "hotmail.com",
    "139.com",
)
_EMAIL_DOMAINS_EN: Final[tuple[str, ...]] = ("gmail.com", "outlook.com", "yahoo.com", "163.com")

# Segment mix, and median AUM (yuan) with the spread of its logarithm, per segment.
_SEGMENT_CUMULATIVE: Final[tuple[float, float]] = (0.80, 0.98)
_AUM_MEDIAN_YUAN: Final[FloatArray] = np.array([30_000.0, 1_200_000.0, 12_000_000.0])
_AUM_SIGMA: Final[FloatArray] = np.array([1.0, 0.5, 0.55])
_AUM_FLOOR_YUAN: Final[FloatArray] = np.array([50.0, 300_000.0, 3_000_000.0])

# Trajectory shares (cumulative): new, lost, dormant, drifter; the rest are stable.
_PATH_CUMULATIVE: Final[tuple[float, float, float, float]] = (0.05, 0.065, 0.125, 0.245)

# Risk tolerance C1..C5 by segment (cumulative shares).
_RISK_CUMULATIVE: Final[FloatArray] = np.cumsum(
    np.array(
        [
            [0.20, 0.35, 0.30, 0.10, 0.05],
            [0.05, 0.25, 0.40, 0.20, 0.10],
            [0.02, 0.13, 0.40, 0.30, 0.15],
        ]
    ),
    axis=1,
)

_SEGMENTS: Final[tuple[Segment, ...]] = (Segment.MASS, Segment.AFFLUENT, Segment.PRIVATE)
_RISKS: Final[tuple[RiskProfile | None, ...]] = (None, *RiskProfile)
_LIFECYCLES: Final[tuple[Lifecycle, ...]] = (
    Lifecycle.NEW,
    Lifecycle.ACTIVE,
    Lifecycle.DORMANT,
    Lifecycle.AT_RISK,
    Lifecycle.LOST,
)
_DAYS_PER_YEAR: Final[float] = 365.25


@dataclass(frozen=True, slots=True)
class People:
    n: int
    global_index: IntArray
    cif: list[str]
    segment: IntArray
    path: IntArray
    male: BoolArray
    birth_ago: IntArray
    age: IntArray
    since_ago: IntArray
    owner: IntArray
    branch: IntArray
    level_fen: FloatArray  # AUM before any drift
    aum_fen: IntArray  # AUM on the as-of date
    payroll: BoolArray
    salary_fen: IntArray
    retired: BoolArray
    pension: BoolArray
    small_business: BoolArray
    foreign: BoolArray
    drift_months: IntArray  # months over which AUM falls (drifters, lost); 0 otherwise
    drift_end_month: IntArray  # month index at which the fall ends
    salary_stop_month: IntArray  # first month without salary; MONTHS if none
    quiet_months: IntArray  # trailing months without any transaction
    risk: IntArray  # 0 = not assessed, else 1..5
    kyc_ahead: IntArray  # days until KYC expires (negative: expired)
    names: list[str]
    name_pinyin: list[str]
    name_initials: list[str]
    id_types: list[IdType]
    id_numbers: list[str]
    mobiles: list[str]
    emails: list[str]
    addresses: list[str]


def cif_numbers(frame: BankFrame, global_index: IntArray) -> list[str]:
    """12-digit CIF numbers: "6" and a two-round bijection of the global index."""
    keys = frame.keys
    scrambled = keys.cif_second(reverse_digits(keys.cif_first(global_index), 11))
    prefix = np.full((global_index.size, 1), 6, dtype=np.uint8)
    return number_strings(scrambled, 11, prefix)


class _Who(NamedTuple):
    segment: IntArray
    path: IntArray
    male: BoolArray
    birth_ago: IntArray
    age: IntArray
    since_ago: IntArray
    owner: IntArray
    branch: IntArray


class _Money(NamedTuple):
    level_fen: FloatArray
    aum_fen: IntArray
    drift_months: IntArray
    drift_end_month: IntArray
    quiet_months: IntArray


class _Work(NamedTuple):
    payroll: BoolArray
    salary_fen: IntArray
    salary_stop_month: IntArray
    retired: BoolArray
    pension: BoolArray
    small_business: BoolArray


class _Papers(NamedTuple):
    risk: IntArray
    kyc_ahead: IntArray
    foreign: BoolArray
    hk_macao: BoolArray


def draw_people(
    frame: BankFrame,
    first_index: int,
    n: int,
    rng: np.random.Generator,
    name_rng: np.random.Generator,
) -> People:
    g = np.arange(first_index, first_index + n, dtype=np.int64)
    who = _who(frame, g, rng)
    money = _money(who, rng)
    work = _work(who, money, rng)
    papers = _papers(who, rng)
    u_names = name_rng.random((n, 4))
    two_char = u_names[:, 3] < np.where(who.age < 45, 0.85, 0.6)
    names, pinyin, initials = person_names(frame.locale, who.male, two_char, u_names, frame.names)
    id_types, id_numbers = _id_documents(frame, g, who, papers, rng)
    return People(
        n=n,
        global_index=g,
        cif=cif_numbers(frame, g),
        segment=who.segment,
        path=who.path,
        male=who.male,
        birth_ago=who.birth_ago,
        age=who.age,
        since_ago=who.since_ago,
        owner=who.owner,
        branch=who.branch,
        level_fen=money.level_fen,
        aum_fen=money.aum_fen,
        payroll=work.payroll,
        salary_fen=work.salary_fen,
        retired=work.retired,
        pension=work.pension,
        small_business=work.small_business,
        foreign=papers.foreign,
        drift_months=money.drift_months,
        drift_end_month=money.drift_end_month,
        salary_stop_month=work.salary_stop_month,
        quiet_months=money.quiet_months,
        risk=papers.risk,
        kyc_ahead=papers.kyc_ahead,
        names=names,
        name_pinyin=pinyin,
        name_initials=initials,
        id_types=id_types,
        id_numbers=id_numbers,
        mobiles=_mobiles(frame, g, rng),
        emails=_emails(frame.locale, pinyin, names, who, rng),
        addresses=_addresses(frame, who.branch, rng),
    )


def _who(frame: BankFrame, g: IntArray, rng: np.random.Generator) -> _Who:
    """Segment, trajectory, gender, age, tenure and owning RM."""
    n = g.size
    segment = np.searchsorted(np.array(_SEGMENT_CUMULATIVE), rng.random(n), side="right")
    u_path = rng.random(n)
    path = np.full(n, STABLE, dtype=np.int64)
    for code, low, high in (
        (NEW, 0.0, _PATH_CUMULATIVE[0]),
        (LOST, _PATH_CUMULATIVE[0], _PATH_CUMULATIVE[1]),
        (DORMANT, _PATH_CUMULATIVE[1], _PATH_CUMULATIVE[2]),
        (DRIFTER, _PATH_CUMULATIVE[2], _PATH_CUMULATIVE[3]),
    ):
        path[(u_path >= low) & (u_path < high)] = code
    male = rng.random(n) < 0.5

    # Age: older in the wealthier segments.
    age_mean = np.array([42.0, 48.0, 53.0])[segment]
    age_sd = np.array([13.0, 11.0, 9.0])[segment]
    age_draw = np.clip(rng.normal(age_mean, age_sd), 22.0, 79.5)
    birth_ago = _unique_birth_ago(frame, g, age_draw, rng.random(n))
    age = np.floor(birth_ago / _DAYS_PER_YEAR).astype(np.int64)

    # Tenure: at least what each trajectory needs, at most since the age of 18.
    min_tenure = np.select(
        [path == LOST, path == DRIFTER, path == DORMANT], [800.0, 400.0, 365.0], 183.0
    )
    max_tenure = np.maximum(np.minimum(25 * 365, (age - 18) * 365), min_tenure + 1)
    since_ago = np.floor(min_tenure + rng.random(n) ** 0.9 * (max_tenure - min_tenure))
    since_ago = np.where(path == NEW, np.floor(rng.random(n) * 183), since_ago).astype(np.int64)

    owner = np.searchsorted(frame.rm_cumulative, rng.random(n), side="right").astype(np.int64)
    owner = np.minimum(owner, len(frame.rm_ids) - 1)
    return _Who(
        segment=segment.astype(np.int64),
        path=path,
        male=male,
        birth_ago=birth_ago,
        age=age,
        since_ago=since_ago,
        owner=owner,
        branch=frame.rm_branch[owner],
    )


def _money(who: _Who, rng: np.random.Generator) -> _Money:
    """AUM before any drift and today, and how drifters and lost customers got there."""
    n, path, segment = who.path.size, who.path, who.segment
    level_yuan = np.maximum(
        _AUM_MEDIAN_YUAN[segment] * np.exp(rng.normal(0.0, 1.0, n) * _AUM_SIGMA[segment]),
        _AUM_FLOOR_YUAN[segment],
    )
    level_fen = np.round(level_yuan * 100.0)
    # Somebody the bank counts as lost had something worth losing.
    level_fen = np.where(path == LOST, np.maximum(level_fen, 2_000_000.0), level_fen)
    drop = rng.uniform(0.30, 0.80, n)
    leftover_fen = np.where(rng.random(n) < 0.25, 0.0, np.floor(rng.random(n) * 500.0) * 100.0)
    aum_fen = np.select(
        [path == DRIFTER, path == LOST],
        [np.round(level_fen * (1.0 - drop)), leftover_fen + np.floor(rng.random(n) * 100.0)],
        level_fen,
    ).astype(np.int64)
    aum_fen = np.where((path == LOST) & (leftover_fen == 0.0), 0, aum_fen)
    drift_months = np.select(
        [path == DRIFTER, path == LOST], [rng.integers(3, 10, n), rng.integers(2, 6, n)], 0
    ).astype(np.int64)
    gone_months = rng.integers(3, 13, n)  # months since a lost customer left
    return _Money(
        level_fen=level_fen,
        aum_fen=aum_fen,
        drift_months=drift_months,
        drift_end_month=np.where(path == LOST, MONTHS - 1 - gone_months, MONTHS - 1),
        quiet_months=np.select(
            [path == DORMANT, path == LOST], [rng.integers(3, 11, n), gone_months], 0
        ).astype(np.int64),
    )


def _work(who: _Who, money: _Money, rng: np.random.Generator) -> _Work:
    """Salary paid through the bank (and when it stopped), retirement, own business."""
    n, path, age, segment = who.path.size, who.path, who.age, who.segment
    retired = ((age >= 60) | (~who.male & (age >= 55))) & (rng.random(n) < 0.85)
    payroll = (age < 60) & ~retired & (path != DORMANT) & (path != LOST)
    payroll &= rng.random(n) < np.array([0.40, 0.30, 0.15])[segment]
    salary_yuan = np.clip(12_000.0 * np.exp(rng.normal(0.0, 0.5, n)), 5_000.0, 40_000.0)
    stops = payroll & (path == DRIFTER) & (rng.random(n) < 0.7)
    drift = money.drift_months
    stop_month = MONTHS - drift + np.floor(rng.random(n) * drift).astype(np.int64)
    return _Work(
        payroll=payroll,
        salary_fen=np.where(payroll, np.round(salary_yuan) * 100, 0).astype(np.int64),
        salary_stop_month=np.where(stops, stop_month, MONTHS).astype(np.int64),
        retired=retired,
        pension=retired & (rng.random(n) < 0.7),
        small_business=(age >= 28)
        & (age < 62)
        & (rng.random(n) < np.array([0.06, 0.15, 0.25])[segment]),
    )


def _papers(who: _Who, rng: np.random.Generator) -> _Papers:
    """Risk profile, KYC expiry and the kind of identity document."""
    n, path, segment = who.path.size, who.path, who.segment
    u_id = rng.random(n)
    risk = np.minimum(1 + (rng.random(n)[:, None] > _RISK_CUMULATIVE[segment]).sum(axis=1), 5)
    risk = np.where((segment == MASS) & (rng.random(n) < 0.08), 0, risk).astype(np.int64)
    u_kyc = rng.random(n)
    lost = path == LOST
    kyc_ahead = np.select(
        [u_kyc < 0.08 + 0.3 * lost, u_kyc < 0.18 + 0.3 * lost],
        [-1 - np.floor(rng.random(n) * 365), np.floor(rng.random(n) * 60)],
        61 + np.floor(rng.random(n) * 1035),
    ).astype(np.int64)
    # A new customer has just been through KYC and the risk questionnaire.
    kyc_ahead = np.where(path == NEW, np.maximum(kyc_ahead, 365 - who.since_ago), kyc_ahead)
    return _Papers(
        risk=risk,
        kyc_ahead=kyc_ahead,
        foreign=u_id < 0.005,
        hk_macao=(u_id >= 0.005) & (u_id < 0.010),
    )


def _unique_birth_ago(
    frame: BankFrame, g: IntArray, age_years: FloatArray, u: FloatArray
) -> IntArray:
    """Days since birth, shifted by under two years so that customers whose indices
    differ modulo 730 never share a birth date (see `_id_documents`)."""
    a, b = frame.keys.birth_residue
    residue = ((g % 730) * a + b) % 730
    base = np.floor(age_years * _DAYS_PER_YEAR + u * 365.0).astype(np.int64)
    base = np.clip(base, int(22 * _DAYS_PER_YEAR) + 731, int(80 * _DAYS_PER_YEAR))
    result: IntArray = base - (base - residue) % 730
    return result


def person_names(
    locale: Locale, male: BoolArray, two_char: BoolArray, u: FloatArray, reader: NameReader
) -> tuple[list[str], list[str], list[str]]:
    """Names with their pinyin keys, from four uniform draws per person."""
    n = male.size
    if locale == "en":
        first_m = (u[:, 1] * len(FIRST_MALE_EN)).astype(np.int64).tolist()
        first_f = (u[:, 1] * len(FIRST_FEMALE_EN)).astype(np.int64).tolist()
        last = (u[:, 0] * len(LAST_EN)).astype(np.int64).tolist()
        names = [
            f"{FIRST_MALE_EN[first_m[i]] if is_male else FIRST_FEMALE_EN[first_f[i]]} "
            f"{LAST_EN[last[i]]}"
            for i, is_male in enumerate(male.tolist())
        ]
        keys = [reader.latin(name) for name in names]
    else:
        surname = np.searchsorted(_SURNAME_CUMULATIVE, u[:, 0], side="right")
        surname = np.minimum(surname, len(SURNAMES) - 1).tolist()
        male_list = male.tolist()
        two_list = two_char.tolist()
        c1m = (u[:, 1] * len(GIVEN_MALE)).astype(np.int64).tolist()
        c2m = (u[:, 2] * len(GIVEN_MALE)).astype(np.int64).tolist()
        c1f = (u[:, 1] * len(GIVEN_FEMALE)).astype(np.int64).tolist()
        c2f = (u[:, 2] * len(GIVEN_FEMALE)).astype(np.int64).tolist()
        names = []
        keys = []
        for i in range(n):
            chars = GIVEN_MALE if male_list[i] else GIVEN_FEMALE
            c1, c2 = (c1m[i], c2m[i]) if male_list[i] else (c1f[i], c2f[i])
            given = chars[c1] + chars[c2] if two_list[i] else chars[c1]
            family = SURNAMES[surname[i]][0]
            names.append(family + given)
            keys.append(reader.chinese(family, given))
    return names, [k[0] for k in keys], [k[1] for k in keys]


def _id_documents(
    frame: BankFrame, g: IntArray, who: _Who, papers: _Papers, rng: np.random.Generator
) -> tuple[list[IdType], list[str]]:
    branch, birth_ago, male = who.branch, who.birth_ago, who.male
    foreign, hk_macao = papers.foreign, papers.hk_macao
    n = g.size
    local_codes = np.array([int(site.district.code) for site in frame.sites], dtype=np.int64)
    origin_codes = np.array([int(code) for code in ORIGIN_CODES], dtype=np.int64)
    origin = origin_codes[(rng.random(n) * len(ORIGIN_CODES)).astype(np.int64)]
    region = np.where(rng.random(n) < 0.75, local_codes[branch], origin)
    born = frame.as_of_day - birth_ago.astype("timedelta64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = born.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    # Sequence numbers from the global index: with birth dates fixed modulo 730 by the
    # index, two customers can share region, birth date and sequence only if their
    # indices are equal modulo 730 * 499 = 364,270.
    a, b = frame.keys.id_sequence
    half = 1 + ((g // 730) % 499 * a + b) % 499
    sequence = 2 * half + male.astype(np.int64)
    numbers = resident_ids(region, year, month, day, sequence)
    types = [IdType.RESIDENT_ID] * n
    if foreign.any() or hk_macao.any():
        serial = number_strings(frame.keys.mobile(g), 8)
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        for i in np.flatnonzero(foreign).tolist():
            numbers[i] = f"K{serial[i]}{letters[int(g[i]) % len(letters)]}"
            types[i] = IdType.PASSPORT
        for i in np.flatnonzero(hk_macao).tolist():
            numbers[i] = f"{'H' if g[i] % 4 else 'M'}{serial[i]}{int(g[i]) % 10}"
            types[i] = IdType.HK_MACAO_PERMIT
    return types, numbers


def _mobiles(frame: BankFrame, g: IntArray, rng: np.random.Generator) -> list[str]:
    prefix = _MOBILE_PREFIXES[(rng.random(g.size) * _MOBILE_PREFIXES.size).astype(np.int64)]
    digits: ByteArray = digits_of(prefix, 3)
    return number_strings(frame.keys.mobile(g), 8, digits)


def _emails(
    locale: Locale, pinyin: list[str], names: list[str], who: _Who, rng: np.random.Generator
) -> list[str]:
    age, segment = who.age, who.segment
    n = age.size
    p = 0.2 + 0.25 * (age < 45) + 0.15 * (segment != MASS)
    has = (rng.random(n) < p).tolist()
    style = rng.random(n).tolist()
    number = rng.integers(10, 10_000, n).tolist()
    qq = rng.integers(10_000_000, 3_000_000_000, n).tolist()
    emails = [""] * n
    if locale == "zh":
        domains = _EMAIL_DOMAINS_ZH
        for i in range(n):
            if has[i]:
                if style[i] < 0.35:
                    emails[i] = f"{qq[i]}@qq.com"
                else:
                    domain = domains[int(style[i] * 1000) % len(domains)]
                    emails[i] = f"{pinyin[i]}{number[i]}@{domain}"
    else:
        domains = _EMAIL_DOMAINS_EN
        for i in range(n):
            if has[i]:
                first, _, last = names[i].lower().partition(" ")
                domain = domains[int(style[i] * 1000) % len(domains)]
                emails[i] = f"{first}.{last}{number[i] % 100}@{domain}"
    return emails


def _addresses(frame: BankFrame, branch: IntArray, rng: np.random.Generator) -> list[str]:
    n = branch.size
    compound = (rng.random(n) * len(COMPOUNDS)).astype(np.int64).tolist()
    building = rng.integers(1, 31, n).tolist()
    unit = rng.integers(1, 5, n).tolist()
    room = (rng.integers(1, 33, n) * 100 + rng.integers(1, 7, n)).tolist()
    branches = branch.tolist()
    result: list[str] = []
    if frame.locale == "zh":
        for i in range(n):
            d = frame.sites[branches[i]].district
            result.append(
                f"{d.city_zh}市{d.name_zh}{COMPOUNDS[compound[i]][0]}"
                f"{building[i]}号楼{unit[i]}单元{room[i]}室"
            )
    else:
        for i in range(n):
            d = frame.sites[branches[i]].district
            result.append(
                f"Room {room[i]}, Unit {unit[i]}, Bldg {building[i]}, "
                f"{COMPOUNDS[compound[i]][1]}, {d.name_en}, {d.city_en}"
            )
    return result


def build_customers(
    frame: BankFrame,
    people: People,
    lifecycle: IntArray,
    tags: list[tuple[str, ...]],
) -> list[Customer]:
    """The block's `Customer` records."""
    n = people.n
    genders = [Gender.MALE if m else Gender.FEMALE for m in people.male.tolist()]
    segments = [_SEGMENTS[s] for s in people.segment.tolist()]
    lifecycles = [_LIFECYCLES[c] for c in lifecycle.tolist()]
    risks = [_RISKS[r] for r in people.risk.tolist()]
    owners = [frame.rm_ids[o] for o in people.owner.tolist()]
    branches = [frame.branches[b].code for b in people.branch.tolist()]
    kyc = (frame.as_of_day + people.kyc_ahead.astype("timedelta64[D]")).tolist()
    return list(
        map(
            Customer,
            people.cif,
            people.names,
            people.name_pinyin,
            people.name_initials,
            genders,
            frame.dates_ago(people.birth_ago),
            people.id_types,
            people.id_numbers,
            people.mobiles,
            people.emails,
            people.addresses,
            segments,
            lifecycles,
            people.aum_fen.tolist(),
            owners,
            branches,
            frame.dates_ago(people.since_ago),
            kyc,
            risks,
            tags,
            repeat(1, n),
        )
    )
