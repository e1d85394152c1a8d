"""The customer 360 as the profile page shows it: assembled, masked and audited here.

Personal fields are masked for every role (plain values reach the window only through
`book.reveal`, which checks the role and writes the audit row); what the user may do
on the page (reveal, edit contact details, request a change, log a visit) comes from
the role matrix.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from rm_desk.domain.book import CustomerProfile
from rm_desk.domain.churn.playbook import Suggestion
from rm_desk.domain.masking import MaskKind, mask
from rm_desk.domain.model import Holding, HoldingKind, MonthlySnapshot
from rm_desk.domain.permissions import Action
from rm_desk.domain.rules import CUSTOMER_EDITABLE, CUSTOMER_REGULATED
from rm_desk.services import book as book_service
from rm_desk.services import churn as churn_service
from rm_desk.services.churn import ScorePoint
from rm_desk.services.session import Session

PERSONAL = ("mobile", "id_number", "email", "address", "card")
SHOWN_REASONS = 3  # the churn reasons the header explains, largest first
MATURING_SOON_DAYS = 30
TREND_MONTHS = 3
EDITABLE = CUSTOMER_EDITABLE  # what the contact editor offers
REGULATED = CUSTOMER_REGULATED  # what a change request may name
NOT_ASSETS = (HoldingKind.LOAN, HoldingKind.CARD)


@dataclass(frozen=True, slots=True)
class ProfileView:
    """What the profile page paints: the customer 360 with personal fields masked,
    the figures derived from it, and what the signed-in role may do there."""

    profile: CustomerProfile
    cards: str  # card numbers, masked
    can_reveal: bool
    today: date
    suggestions: tuple[Suggestion, ...] = ()  # the playbook's actions for the reasons
    score_history: tuple[ScorePoint, ...] = ()  # one point per month scored, oldest first
    thresholds: tuple[float, float] = (0.0, 0.0)  # the model's amber and red lines
    can_edit_contact: bool = False
    can_request_change: bool = False

    @property
    def aum_trend(self) -> float | None:
        return aum_trend(self.profile.snapshots)

    @property
    def assets_fen(self) -> int:
        return assets_fen(self.profile.holdings)

    def personal_values(self) -> dict[str, str]:
        """The masked personal fields by name (`PERSONAL`)."""
        c = self.profile.customer
        return {
            "mobile": c.mobile,
            "id_number": c.id_number,
            "email": c.email,
            "address": c.address,
            "card": self.cards,
        }


def load_profile(session: Session, customer_id: str) -> ProfileView:
    """Assemble (and audit) the 360 view; runs on the database thread."""
    p = book_service.customer_profile(session, customer_id)
    policy = session.masking
    holdings = tuple(
        dataclasses.replace(
            h,
            account_no=mask(
                MaskKind.CARD if h.kind is HoldingKind.CARD else MaskKind.ID_NUMBER,
                h.account_no,
                policy,
            ),
        )
        if h.account_no and not p.personal_masked
        else h
        for h in p.holdings
    )
    customer = (
        p.customer if p.personal_masked else book_service.masked_customer(session, p.customer)
    )
    cards = ", ".join(h.account_no for h in holdings if h.kind is HoldingKind.CARD and h.account_no)
    shown = {r.code for r in p.churn.reasons[:SHOWN_REASONS]} if p.churn else set()
    suggestions = tuple(
        s for s in churn_service.suggestions(session, customer_id) if s.reason.code in shown
    )
    info = churn_service.model_info(session)
    return ProfileView(
        profile=dataclasses.replace(p, customer=customer, holdings=holdings, personal_masked=True),
        cards=cards,
        can_reveal=session.may(Action.REVEAL),
        today=session.clock().astimezone().date(),
        suggestions=suggestions,
        score_history=tuple(churn_service.score_history(session, customer_id)),
        thresholds=(float(info["amber"]), float(info["red"])),
        can_edit_contact=session.may(Action.EDIT_CONTACT),
        can_request_change=session.may(Action.REQUEST_CHANGE),
    )


def aum_trend(snapshots: tuple[MonthlySnapshot, ...], months: int = TREND_MONTHS) -> float | None:
    """Percentage change of AUM over the last `months` months (None without history)."""
    if len(snapshots) <= months:
        return None
    now, before = snapshots[-1].aum_fen, snapshots[-1 - months].aum_fen
    if before <= 0:
        return None
    return (now - before) / before * 100.0


def assets_fen(holdings: tuple[Holding, ...]) -> int:
    """What the customer holds with the bank (loans and cards are not assets)."""
    return sum(h.balance_fen for h in holdings if h.kind not in NOT_ASSETS)


def matures_in(holding: Holding, today: date) -> int | None:
    """Days until a holding matures (None: no maturity, or already past)."""
    if holding.maturity is None:
        return None
    days = (holding.maturity - today).days
    return days if days >= 0 else None


def matures_soon(holding: Holding, today: date) -> bool:
    days = matures_in(holding, today)
    return days is not None and days <= MATURING_SOON_DAYS
