"""Editing a customer: contact fields the RM maintains, and change requests for
regulated fields (KYC, risk rating, ID, address of record), which the bank reviews."""

from __future__ import annotations

import dataclasses
from typing import Any

from local_store import book, outbox
from rm_desk.domain.errors import ErrorCode, InvalidInput
from rm_desk.domain.identity import InvalidMobile, normalise_mobile
from rm_desk.domain.permissions import Action
from rm_desk.domain.rules import CUSTOMER_EDITABLE, CUSTOMER_REGULATED
from rm_desk.domain.text import clean_value
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

EDITABLE = CUSTOMER_EDITABLE
REGULATED = CUSTOMER_REGULATED


class InvalidEdit(InvalidInput):
    """A change to a customer that cannot be made (the code says why)."""


def update_contact(session: Session, customer_id: str, **changes: Any) -> Changes:
    session.require(Action.EDIT_CONTACT, "Your role may not edit a customer's contact details.")
    unknown = set(changes) - set(EDITABLE)
    if unknown & set(REGULATED):
        raise InvalidEdit(ErrorCode.EDIT_REGULATED_FIELD)
    if unknown:
        raise InvalidEdit(ErrorCode.EDIT_FIELDS_NOT_EDITABLE, fields=", ".join(sorted(unknown)))
    changes = clean_value(changes)  # the one rule for text; tags come back as a list
    if "mobile" in changes:
        try:
            changes["mobile"] = normalise_mobile(str(changes["mobile"]))
        except InvalidMobile as exc:
            raise InvalidEdit(ErrorCode.MOBILE_INVALID, detail=exc.code) from None
    if "tags" in changes:
        changes["tags"] = tuple(t.strip() for t in changes["tags"] if t.strip())
    now = session.clock()
    with session.store.transaction() as conn:
        customer = book.get_customer(conn, customer_id)
        updated = dataclasses.replace(customer, **changes)
        wire: dict[str, Any] = {}
        for name in changes:
            if getattr(customer, name) != getattr(updated, name):
                value = getattr(updated, name)
                wire[name] = (
                    ("|" + "|".join(value) + "|" if value else "") if name == "tags" else value
                )
        if not wire:
            return Changes()
        fields = payload(protocol.CustomerUpdate, InvalidEdit, only_set=True, **wire)
        book.upsert_customers(conn, [updated])
        outbox.enqueue(
            conn,
            "customer.update",
            "customer",
            customer_id,
            "update",
            fields,
            base_version=customer.version,
            client_time=now,
        )
        session.audit_edit(conn, "customer", customer_id, "update", wire)
    return Changes(customers=frozenset({customer_id}), book=True, outbox=True)


def request_change(session: Session, customer_id: str, field: str, value: Any) -> Changes:
    session.require(Action.REQUEST_CHANGE, "Your role may not request a change.")
    if field not in REGULATED:
        raise InvalidEdit(ErrorCode.FIELD_NOT_REGULATED, field=field)
    value = clean_value(value)
    fields = payload(
        protocol.CustomerChangeRequest, InvalidEdit, only_set=True, **{field: clean_value(value)}
    )
    now = session.clock()
    with session.store.transaction() as conn:
        customer = book.get_customer(conn, customer_id)
        outbox.enqueue(
            conn,
            "customer.request_change",
            "customer",
            customer_id,
            "request_change",
            fields,
            base_version=customer.version,
            client_time=now,
        )
        session.audit_edit(conn, "customer", customer_id, "request_change", [field])
    return Changes(outbox=True)
