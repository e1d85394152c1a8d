"""Entities and value objects: customers, holdings, snapshots, interactions, tasks.

Money is held as integer fen (1/100 yuan) so sums never drift; dates are
`datetime.date`, instants are timezone-aware UTC `datetime`. Every type here is an
immutable slotted dataclass: cheap to build in the hundreds of thousands and safe
to hand between threads.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class Gender(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


class IdType(enum.StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证, GB 11643
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGNER_PERMIT = "foreigner_permit"  # 外国人永久居留身份证


class Segment(enum.StrEnum):
    MASS = "mass"  # 大众客户
    AFFLUENT = "affluent"  # 贵宾/财富客户
    PRIVATE = "private"  # 私人银行客户


class Lifecycle(enum.StrEnum):
    NEW = "new"
    ACTIVE = "active"
    DORMANT = "dormant"
    AT_RISK = "at_risk"
    LOST = "lost"


class AumTier(enum.StrEnum):
    """AUM tiers as Chinese retail banks commonly cut them (yuan)."""

    BELOW_50K = "t0"  # < 50,000
    FROM_50K = "t1"  # 50,000 - 500,000
    FROM_500K = "t2"  # 500,000 - 6,000,000 (the usual affluent line)
    FROM_6M = "t3"  # 6,000,000 - 30,000,000 (the usual private-banking line)
    FROM_30M = "t4"  # >= 30,000,000


# Lower bounds in fen, in tier order.
_TIER_FLOORS_FEN: tuple[tuple[int, AumTier], ...] = (
    (3_000_000_000, AumTier.FROM_30M),
    (600_000_000, AumTier.FROM_6M),
    (50_000_000, AumTier.FROM_500K),
    (5_000_000, AumTier.FROM_50K),
    (0, AumTier.BELOW_50K),
)


def aum_tier(aum_fen: int) -> AumTier:
    """The AUM tier of a balance given in fen (negative balances count as the lowest)."""
    for floor, tier in _TIER_FLOORS_FEN:
        if aum_fen >= floor:
            return tier
    return AumTier.BELOW_50K


class RiskProfile(enum.IntEnum):
    """Investor risk tolerance C1 (conservative) .. C5 (aggressive), per CBIRC practice."""

    C1 = 1
    C2 = 2
    C3 = 3
    C4 = 4
    C5 = 5


class ChurnLevel(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class ReasonCode(enum.StrEnum):
    """Why a customer may leave: each churn indicator's code, the one list the model's
    reasons, the playbook, the tasks that answer a reason, the demo and the interface's
    words all use (`rm_desk.domain.rules` presents it with the other rules). The values
    are what is stored and sent: never change one."""

    TXN_COUNT_CHANGE_3M = "txn_count_change_3m"
    TXN_AMOUNT_CHANGE_3M = "txn_amount_change_3m"
    AUM_CHANGE_3M = "aum_change_3m"
    DEPOSITS_CHANGE_3M = "deposits_change_3m"
    PRODUCTS_HELD_CHANGE_6M = "products_held_change_6m"
    MONTHS_WITHOUT_TXN = "months_without_txn"
    SALARY_STOPPED = "salary_stopped"
    OUTFLOW_OTHER_BANKS_3M = "outflow_other_banks_3m"
    TERM_MATURING_30D = "term_maturing_30d"
    MATURITIES_NOT_RENEWED_90D = "maturities_not_renewed_90d"
    COMPLAINTS_90D = "complaints_90d"
    DAYS_SINCE_RM_CONTACT = "days_since_rm_contact"
    TENURE_MONTHS = "tenure_months"


class HoldingKind(enum.StrEnum):
    DEMAND_DEPOSIT = "demand_deposit"  # 活期
    TERM_DEPOSIT = "term_deposit"  # 定期
    WEALTH = "wealth"  # 理财
    FUND = "fund"  # 基金
    LOAN = "loan"  # 贷款
    CARD = "card"  # 信用卡
    INSURANCE = "insurance"  # 保险


class InteractionKind(enum.StrEnum):
    VISIT = "visit"
    CALL = "call"
    MESSAGE = "message"
    SERVICE = "service"
    COMPLAINT = "complaint"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskPriority(enum.IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4


class TaskSource(enum.StrEnum):
    MANUAL = "manual"
    CHURN_ACTION = "churn_action"
    MANAGER = "manager"
    NOTE_NEXT_STEP = "note_next_step"
    HANDOFF = "handoff"  # handed over by branch staff


class Role(enum.StrEnum):
    RM = "rm"
    TELLER = "teller"
    MANAGER = "manager"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Branch:
    code: str
    name: str
    city: str


@dataclass(frozen=True, slots=True)
class Employee:
    """A bank employee who signs in: an RM, teller, manager or IT admin."""

    user_id: str
    name: str
    role: Role
    branch: str
    manager_id: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str  # the CIF number: stable across the bank, the sync key
    name: str
    name_pinyin: str  # full pinyin, lower case, no spaces: "wangxiaoming"
    name_initials: str  # "wxm"
    gender: Gender
    birth_date: date | None
    id_type: IdType
    id_number: str
    mobile: str
    email: str
    address: str
    segment: Segment
    lifecycle: Lifecycle
    aum_fen: int
    owner_rm: str
    branch: str
    since: date  # customer since (tenure)
    kyc_expiry: date | None
    risk_profile: RiskProfile | None
    tags: tuple[str, ...] = ()
    version: int = 0

    @property
    def aum_tier(self) -> AumTier:
        return aum_tier(self.aum_fen)


@dataclass(frozen=True, slots=True)
class Holding:
    id: str
    customer_id: str
    kind: HoldingKind
    product: str
    balance_fen: int  # for loans and cards: the amount owed
    opened: date
    maturity: date | None = None  # term deposits, wealth products, loans
    rate_bp: int | None = None  # annual rate in basis points
    account_no: str = ""  # card or account number, masked by role on display
    version: int = 0


@dataclass(frozen=True, slots=True)
class MonthlySnapshot:
    customer_id: str
    month: str  # "YYYY-MM"
    aum_fen: int
    deposits_fen: int
    wealth_fen: int
    loans_fen: int
    txn_count: int
    txn_in_fen: int
    txn_out_fen: int
    salary_credit_fen: int  # 0 when no salary was credited that month
    outflow_other_banks_fen: int
    products_held: int
    version: int = 0


@dataclass(frozen=True, slots=True)
class Interaction:
    """One contact with a customer. Append-only: a correction is a new interaction
    whose `supersedes_id` names the one it amends."""

    id: str  # UUIDv7 when created on a client
    customer_id: str
    kind: InteractionKind
    occurred_at: datetime
    created_by: str
    subject: str
    note: str
    participants: tuple[str, ...] = ()
    outcome: str = ""
    next_step: str = ""
    supersedes_id: str | None = None
    created_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True, slots=True)
class FollowUpTask:
    id: str
    customer_id: str
    title: str
    due: date
    priority: TaskPriority
    assignee: str
    created_by: str
    source: TaskSource
    status: TaskStatus = TaskStatus.OPEN
    outcome: str = ""
    detail: str = ""
    reason_code: str | None = None  # the ReasonCode the task answers, if any
    created_at: datetime | None = None
    completed_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True, slots=True)
class ChurnReason:
    """One indicator that raised the score: a code and its values; words come from the UI.
    A code read as text (stored or received) becomes its ReasonCode; a code that is not
    one raises ValueError."""

    code: ReasonCode
    contribution: float
    values: dict[str, float | int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        code: object = self.code
        if not isinstance(code, ReasonCode):
            object.__setattr__(self, "code", ReasonCode(str(code)))


@dataclass(frozen=True, slots=True)
class ChurnAssessment:
    customer_id: str
    score: float  # probability-like, 0..1
    level: ChurnLevel
    reasons: tuple[ChurnReason, ...]
    model_version: str
    scored_at: datetime


class BankChunk(Protocol):
    """A block of customers and everything under them, as the demo bank generates and
    both the local store and the gateway load them (rm_desk.demo.DemoChunk)."""

    @property
    def customers(self) -> Sequence[Customer]: ...
    @property
    def holdings(self) -> Sequence[Holding]: ...
    @property
    def snapshots(self) -> Sequence[MonthlySnapshot]: ...
    @property
    def interactions(self) -> Sequence[Interaction]: ...
    @property
    def tasks(self) -> Sequence[FollowUpTask]: ...
