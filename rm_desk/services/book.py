"""Book queries, search and the customer 360 profile, masked by role.

Opening a profile, revealing a personal field and copying a revealed one are audited.
Masking is applied here, at the boundary the UI and CLI share, so no view can forget it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from local_store import book, records, search
from rm_desk.domain import permissions
from rm_desk.domain.book import (
    ALL_CUSTOMERS,
    BY_NAME,
    BookFilter,
    BookRow,
    BookSort,
    CustomerProfile,
    SearchHit,
)
from rm_desk.domain.errors import ErrorCode, InvalidInput
from rm_desk.domain.masking import MaskKind, mask
from rm_desk.domain.model import Customer, Holding, HoldingKind
from rm_desk.domain.permissions import RevealReason
from rm_desk.services.session import PermissionDenied, Session

REVEALABLE = ("mobile", "id_number", "email", "address", "card")


__all__ = ["PermissionDenied"]  # defined with the session; named here as it always was


def _today(session: Session) -> date:
    return session.clock().astimezone().date()


def book_ids(
    session: Session, filt: BookFilter = ALL_CUSTOMERS, sort: BookSort = BY_NAME
) -> list[int]:
    with session.store.read() as conn:
        return book.book_ids(conn, filt, sort, today=_today(session))


def book_rows(session: Session, pks: Sequence[int]) -> list[BookRow]:
    with session.store.read() as conn:
        return book.book_rows(conn, pks)


def search_customers(session: Session, text: str, limit: int = 20) -> list[SearchHit]:
    with session.store.read() as conn:
        hits = search.search(conn, text, limit)
    if session.masks_personal_data:
        hits = [dataclasses.replace(h, mobile_last4="") for h in hits]
    return hits


def masked_customer(session: Session, customer: Customer) -> Customer:
    policy = session.masking
    return dataclasses.replace(
        customer,
        mobile=mask(MaskKind.MOBILE, customer.mobile, policy),
        id_number=mask(MaskKind.ID_NUMBER, customer.id_number, policy),
        email=mask(MaskKind.EMAIL, customer.email, policy),
        address=mask(MaskKind.ADDRESS, customer.address, policy),
    )


def _masked_holding(session: Session, holding: Holding) -> Holding:
    if not holding.account_no:
        return holding
    kind = MaskKind.CARD if holding.kind is HoldingKind.CARD else MaskKind.ID_NUMBER
    return dataclasses.replace(holding, account_no=mask(kind, holding.account_no, session.masking))


def customer_profile(session: Session, customer_id: str) -> CustomerProfile:
    """The 360 view of one customer (masked for roles that see masked data); audited."""
    with session.store.transaction() as conn:
        result = book.profile(conn, customer_id)
        if result.churn is not None and not result.churn.reasons:
            from rm_desk.services import churn  # noqa: PLC0415  (pandas, on first use)

            result = dataclasses.replace(result, churn=churn.assessment(conn, customer_id))
        session.audit_entry(conn, "view", "customer", customer_id)
    if session.masks_personal_data or result.personal_masked:
        result = dataclasses.replace(
            result,
            customer=masked_customer(session, result.customer),
            holdings=tuple(_masked_holding(session, h) for h in result.holdings),
            personal_masked=True,
        )
    return result


def can_reveal(session: Session) -> bool:
    return permissions.may(session.role, permissions.Action.REVEAL)


def reveal(session: Session, customer_id: str, field: str, *, reason: RevealReason | str) -> str:
    """The unmasked value of one personal field, if the role allows it; audited with the
    field and the reason's code (`RevealReason`), no free text."""
    if field not in REVEALABLE:
        raise ValueError(f"{field} is not a personal field")
    if not can_reveal(session):
        with session.store.transaction() as conn:
            session.audit_entry(conn, "reveal_denied", "customer", customer_id, {"field": field})
        raise PermissionDenied(ErrorCode.ROLE_NOT_ALLOWED, detail="reveal personal data")
    code = permissions.reveal_reason(reason)
    if code is None:
        raise InvalidInput(ErrorCode.REVEAL_REASON_REQUIRED, detail="choose a reason from the list")
    with session.store.transaction() as conn:
        customer = book.get_customer(conn, customer_id)
        if field == "card":
            cards = [
                h for h in book.profile(conn, customer_id).holdings if h.kind is HoldingKind.CARD
            ]
            value = ", ".join(h.account_no for h in cards)
        else:
            value = str(getattr(customer, field))
        session.audit_entry(
            conn, "reveal", "customer", customer_id, {"field": field, "reason": code.value}
        )
    return value


def record_copy(session: Session, customer_id: str, field: str) -> None:
    """Record that the user copied a personal field they had revealed (`reveal`) to the
    clipboard; the window copies the plain value only once this is written. A masked
    value is copied as shown, without an audit row (nothing personal leaves)."""
    if field not in REVEALABLE:
        raise ValueError(f"{field} is not a personal field")
    if not can_reveal(session):  # a role that may not reveal never holds the plain value
        raise PermissionDenied(ErrorCode.ROLE_NOT_ALLOWED, detail="copy personal data")
    with session.store.transaction() as conn:
        session.audit_entry(conn, "copy", "customer", customer_id, {"field": field})


def tags(session: Session) -> list[tuple[str, int]]:
    with session.store.read() as conn:
        return book.all_tags(conn)


def saved_filters(session: Session) -> list[tuple[str, str, BookFilter]]:
    with session.store.read() as conn:
        return records.saved_filters(conn)


def save_filter(session: Session, name: str, filt: BookFilter) -> None:
    from rm_desk.domain.ids import uuid7  # noqa: PLC0415

    if not name.strip():
        raise InvalidInput(ErrorCode.FILTER_NAME_REQUIRED)
    with session.store.transaction() as conn:
        records.save_filter(conn, uuid7(), name.strip(), filt, session.clock())
