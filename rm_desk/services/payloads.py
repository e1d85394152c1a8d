"""A mutation's `fields`, built with the wire model the gateway validates (sync.protocol).

A payload the gateway would refuse fails here, on the desktop, before anything is
written or queued, instead of coming back as returned work after the next sync.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from rm_desk.domain.errors import ErrorCode, RmDeskError


def payload(
    model: type[BaseModel], error: type[RmDeskError], *, only_set: bool = False, **fields: Any
) -> dict[str, Any]:
    """`fields` checked by `model` and as JSON, ready for the outbox; `only_set`: just
    the fields given (an update), else every field of the model (a create). A payload
    the model refuses raises `error`, naming the field."""
    try:
        built = model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise error(ErrorCode.PAYLOAD_REFUSED, field=where, detail=str(first["msg"])) from None
    return built.model_dump(mode="json", exclude_unset=only_set)
