"""Sync protocol v1: the wire models both ends share (pydantic v2).

Every request carries `schema_version`; the server serves N-1..N and answers
`version_not_supported` otherwise. Unknown fields in a *response* are ignored by
the client (forward compatibility); unknown fields in a *request* are refused by
the server (a typo must not silently drop data). See ARCHITECTURE §4.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model

from rm_desk.domain import rules
from rm_desk.domain.model import InteractionKind, TaskPriority, TaskSource, TaskStatus
from rm_desk.domain.text import clean_text, clean_value

SCHEMA_VERSION = 1
OLDEST_SUPPORTED = 1  # the server serves OLDEST_SUPPORTED..SCHEMA_VERSION

MAX_PUSH_BATCH = 500
MAX_PULL_LIMIT = 5000
DEFAULT_PULL_LIMIT = 1000

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def _clean(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


# Text a request carries that the gateway stores or looks up: normalised on arrival by
# the domain's one rule for text (rm_desk.domain.text), silently, as the client does
# when the user types it. Normalising instead of refusing keeps one odd character from
# turning a whole push into a 422 the client would retry forever; what is left is
# safe for every store (no U+0000, no lone surrogates, no controls but tab and newline).
Text = Annotated[str, BeforeValidator(_clean)]
# A mutation's fields, every string in them (keys too) normalised the same way.
WireFields = Annotated[dict[str, Any], BeforeValidator(clean_value)]


class ErrorCode(enum.StrEnum):
    VERSION_NOT_SUPPORTED = "version_not_supported"
    RESET_REQUIRED = "reset_required"
    DEVICE_REVOKED = "device_revoked"
    UNAUTHORIZED = "unauthorized"  # missing, expired or revoked token
    BAD_CREDENTIALS = "bad_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # sign-in throttled; see Retry-After
    BODY_TOO_LARGE = "body_too_large"
    FORBIDDEN = "forbidden"
    MUTATION_GAP = "mutation_gap"
    # Audit upload: earlier entries of this device's chain are missing on the gateway
    # (`last_audit_seq` says what it holds), or the page does not continue the chain
    # the gateway holds (refused and flagged for `rm-desk-central audit verify`).
    AUDIT_GAP = "audit_gap"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken"
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    SERVER_ERROR = "server_error"


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: int = Field(ge=0, le=1_000_000)


class Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ErrorBody(Response):
    error: ErrorCode
    message: str
    last_mutation_id: int | None = None
    last_audit_seq: int | None = None  # with `audit_gap`


# --- auth ---------------------------------------------------------------------------


class LoginRequest(Request):
    user: Annotated[Text, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    device_id: Id
    device_name: Annotated[Text, Field(max_length=128)] = ""


class RefreshRequest(Request):
    refresh_token: Annotated[str, Field(min_length=16, max_length=256)]
    device_id: Id


class TokenResponse(Response):
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: str
    display_name: str
    role: str
    branch: str
    device_id: str
    server_time: datetime


# --- push ---------------------------------------------------------------------------

Entity = Literal["interaction", "task", "customer", "churn_event", "noop"]
MutationOp = Literal["create", "update", "delete", "request_change", "event", "noop"]
Outcome = Literal["applied", "merged", "conflict", "rejected", "skipped"]


class Mutation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mutation_id: int = Field(ge=1, le=2**62)
    name: Annotated[Text, Field(min_length=1, max_length=64)]
    entity: Entity
    entity_id: Id
    op: MutationOp
    base_version: int | None = Field(default=None, ge=0, le=2**62)
    fields: WireFields = Field(default_factory=dict)
    client_time: datetime


# --- mutation payloads (a Mutation's `fields`) ---------------------------------------------
#
# The client builds these and queues their JSON (`model_dump(mode="json")`, only the
# fields it sets for an update), so a payload the gateway would refuse fails on the
# desktop at once; the gateway validates what arrives with the same classes. Field sets
# and kinds come from the rule book (rm_desk.domain.rules and the domain's enums).


def _utc_seconds(value: datetime) -> str:
    """An instant on the wire: UTC ISO-8601 to the second, as the local store keeps it."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: instants must carry a time zone")
    return value.astimezone(UTC).isoformat(timespec="seconds")


Instant = Annotated[datetime, PlainSerializer(_utc_seconds, when_used="json")]


_PRIORITY = (int(min(TaskPriority)), int(max(TaskPriority)))


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InteractionFields(_Fields):
    """`interaction.create`: a contact logged (append-only)."""

    customer_id: str = Field(min_length=1, max_length=32)
    kind: InteractionKind
    occurred_at: Instant
    created_by: str | None = None  # informational: the server records the caller
    subject: str = Field(default="", max_length=500)
    note: str = Field(default="", max_length=20_000)
    participants: list[str] = Field(default_factory=list, max_length=50)
    outcome: str = Field(default="", max_length=2_000)
    next_step: str = Field(default="", max_length=2_000)
    supersedes_id: str | None = Field(default=None, max_length=64)
    created_at: Instant | None = None


class TaskFields(_Fields):
    """`task.create`: a follow-up task."""

    customer_id: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=200)
    due: date
    priority: int = Field(default=int(TaskPriority.NORMAL), ge=_PRIORITY[0], le=_PRIORITY[1])
    assignee: str = Field(min_length=1, max_length=64)
    created_by: str | None = None
    source: TaskSource = TaskSource.MANUAL
    status: TaskStatus = TaskStatus.OPEN
    outcome: str = Field(default="", max_length=2_000)
    detail: str = Field(default="", max_length=4_000)
    reason_code: str | None = Field(default=None, max_length=48)
    created_at: Instant | None = None


class TaskUpdate(_Fields):
    """`task.update`: the task fields edited (rules.TASK_EDITABLE), merged per field."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    due: date | None = None
    priority: int | None = Field(default=None, ge=_PRIORITY[0], le=_PRIORITY[1])
    assignee: str | None = Field(default=None, min_length=1, max_length=64)
    status: TaskStatus | None = None
    outcome: str | None = Field(default=None, max_length=2_000)
    detail: str | None = Field(default=None, max_length=4_000)


MAX_CONTACT_CHARS = 500

_CONTACT_FIELDS: dict[str, Any] = {
    name: (str, Field(default="", max_length=MAX_CONTACT_CHARS)) for name in rules.CUSTOMER_EDITABLE
}
_REGULATED_FIELDS: dict[str, Any] = dict.fromkeys(rules.CUSTOMER_REGULATED, (Any, None))

# `customer.update`: the contact details an RM edits (rules.CUSTOMER_EDITABLE), text
# each, merged per field. A regulated field goes by CustomerChangeRequest instead.
CustomerUpdate: type[_Fields] = create_model(
    "CustomerUpdate",
    __base__=_Fields,
    __doc__="`customer.update`: contact details an RM edits (rules.CUSTOMER_EDITABLE).",
    **_CONTACT_FIELDS,
)
# `customer.request_change`: new values of regulated fields (rules.CUSTOMER_REGULATED)
# for the bank to review; the gateway stores them as they come.
CustomerChangeRequest: type[_Fields] = create_model(
    "CustomerChangeRequest",
    __base__=_Fields,
    __doc__="`customer.request_change`: regulated fields (rules.CUSTOMER_REGULATED).",
    **_REGULATED_FIELDS,
)

ChurnAction = Literal["acknowledge", "dismiss"]


class ChurnEventFields(_Fields):
    """`churn_event.event`: an RM acknowledged or dismissed a churn flag (appended)."""

    customer_id: str = Field(min_length=1, max_length=32)
    action: ChurnAction
    reason_code: str | None = Field(default=None, max_length=48)
    note: str = Field(default="", max_length=2_000)
    score: float | None = None


class PushRequest(Request):
    client_id: Id
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)


class FieldConflict(Response):
    field: str
    mine: Any = None
    theirs: Any = None


class RejectReason(enum.StrEnum):
    """Why the gateway refused a pushed mutation for good: the `reason` of a "rejected"
    `MutationResult`, kept by the client with the returned work and shown in words
    (`ui/messages.py`). A reason may carry a detail after a colon, the field it is
    about: "regulated_field:mobile" (`reject_reason` writes it, `split_reason` reads
    it). A client meets codes of newer gateways too: it shows them as a generic
    sentence and the code."""

    ADMIN_HAS_NO_CUSTOMER_DATA = "admin_has_no_customer_data"
    CUSTOMER_NOT_IN_SCOPE = "customer_not_in_scope"
    UNSUPPORTED_MUTATION = "unsupported_mutation"
    INVALID_FIELDS = "invalid_fields"  # :field (where the first error is), or :empty
    NOT_STORABLE = "not_storable"  # the database refused the data (see sync.server.mutations)
    TASK_NOT_FOUND = "task_not_found"
    TASK_DELETED = "task_deleted"
    ASSIGNEE_NOT_ALLOWED = "assignee_not_allowed"
    NOT_ALLOWED = "not_allowed"  # changing or deleting a task the user may not change
    ROLE_MAY_NOT_EDIT_CUSTOMER = "role_may_not_edit_customer"
    REGULATED_FIELD = "regulated_field"  # :field
    READ_ONLY_FIELD = "read_only_field"  # :field
    ROLE_MAY_NOT_REQUEST_CHANGE = "role_may_not_request_change"
    NOT_A_REGULATED_FIELD = "not_a_regulated_field"  # :field
    ROLE_MAY_NOT_LOG_KIND = "role_may_not_log_kind"
    AMENDED_INTERACTION_UNKNOWN = "amended_interaction_unknown"


class ReturnReason(enum.StrEnum):
    """Why this computer returned unsynced work to its user itself, without a refusal:
    the customer left the book (stored with the returned work, like a `RejectReason`)."""

    LEFT_BOOK = "left_book"
    LEFT_BOOK_AT_RESYNC = "left_book_at_resync"


MAX_REASON_DETAIL = 160  # a detail may name a pushed field; the name is the client's


# What returned work stored before reasons were codes (kept with the work for good).
_LEGACY_REASONS = {
    "no longer in your book": ReturnReason.LEFT_BOOK.value,
    "no longer in your book after a resynchronisation": ReturnReason.LEFT_BOOK_AT_RESYNC.value,
}


def reject_reason(code: RejectReason, detail: str = "") -> str:
    """The wire form of a refusal: the code, and ":detail" when there is one."""
    return f"{code}:{detail[:MAX_REASON_DETAIL]}" if detail else str(code)


def split_reason(text: str) -> tuple[RejectReason | ReturnReason | str, str]:
    """A stored or received reason as its code and detail ("" when none); a code this
    version does not know stays text."""
    text = _LEGACY_REASONS.get(text, text.removeprefix("rejected: "))
    code, _, detail = text.partition(":")
    for known in (RejectReason, ReturnReason):
        if code in known._value2member_map_:
            return known(code), detail
    return code, detail


class MutationResult(Response):
    mutation_id: int
    outcome: Outcome
    reason: str | None = None
    version: int | None = None
    conflicts: list[FieldConflict] = Field(default_factory=list)
    # For a rejected change to a record the caller still sees: the server's row, so
    # the client can put its copy back (e.g. a task whose deletion was refused).
    current: dict[str, Any] | None = None


class PushResponse(Response):
    last_mutation_id: int
    results: list[MutationResult]
    write_checkpoint: int


# --- pull ---------------------------------------------------------------------------

ChangeOp = Literal["upsert", "delete", "evict"]


class PullRequest(Request):
    client_id: Id
    cursor: Annotated[str, Field(max_length=256)] | None = None
    limit: int = Field(default=DEFAULT_PULL_LIMIT, ge=1, le=MAX_PULL_LIMIT)
    # The churn model version the client last received ("" for none); when it differs
    # from the published one, the answer carries the published model. None: not asked.
    churn_model: Annotated[str, Field(max_length=64)] | None = None


class Change(Response):
    seq: int
    entity: str
    id: str
    op: ChangeOp
    version: int = 0
    data: dict[str, Any] | None = None


class ChurnModelBody(Response):
    version: Annotated[str, Field(min_length=1, max_length=64)]
    body: Annotated[str, Field(max_length=2_000_000)]  # the model's JSON, validated on arrival


class PullResponse(Response):
    changes: list[Change]
    cursor: str
    has_more: bool
    target_seq: int
    remaining: int
    last_mutation_id: int
    scope_epoch: int = 0
    churn_model: ChurnModelBody | None = None


# --- audit (POST /sync/v1/audit) ---------------------------------------------------------
#
# The device's local audit chain (rm_desk.domain.audit_chain), uploaded after each sync
# in pages from the first entry the gateway has not acknowledged. Entries travel as
# stored, byte for byte (no text normalisation: the hash covers them); the gateway
# checks each page continues the chain it holds for the caller's device, that every
# hash recomputes and that every entry's actor is the signed-in user, and stores them
# append-only. A page already stored (same hashes) is acknowledged again.

MAX_AUDIT_PAGE = 500
MAX_AUDIT_DETAIL = 16_000

AuditHash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("U+0000 is not allowed")
    return value


AuditText = Annotated[str, BeforeValidator(lambda v: _no_nul(v) if isinstance(v, str) else v)]


class AuditEvent(BaseModel):
    """One entry of a device's audit chain, as the laptop stores it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seq: int = Field(ge=1, le=2**62)
    at: Annotated[AuditText, Field(max_length=40)]
    actor: Annotated[AuditText, Field(min_length=1, max_length=64)]
    action: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
    entity: Annotated[AuditText, Field(max_length=32)]
    entity_id: Annotated[AuditText, Field(max_length=128)]
    # Canonical JSON text of an object: ids, field names, codes; a full page of the
    # largest stays well under the gateway's body limit (500 x 16,000 x 6 bytes).
    detail: Annotated[AuditText, Field(max_length=MAX_AUDIT_DETAIL)]
    prev_hash: AuditHash
    hash: AuditHash


class AuditRequest(Request):
    device_id: Id  # must be the device the token was issued to
    events: list[AuditEvent] = Field(min_length=1, max_length=MAX_AUDIT_PAGE)


class AuditResponse(Response):
    last_seq: int  # the device's chain on the gateway ends here
    stored: int  # entries of this page stored now (the rest were already there)


# --- staff directory ------------------------------------------------------------------


class DirectoryRequest(Request):
    """`POST /sync/v1/directory`, sent by a client after a sync round that pulled up to
    the server's sequence: the gateway records it as the device's last successful sync
    (`devices.last_seen`) and answers with the caller's colleagues. Staff are not
    customers; their names travel to everyone of the branch."""


class StaffMember(Response):
    user_id: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(max_length=200)]
    role: Annotated[str, Field(max_length=16)]
    # When one of the member's devices last finished a sync; only a caller who sees the
    # team (permissions.Action.VIEW_TEAM) receives it, everyone else gets None.
    last_synced_at: datetime | None = None


class DirectoryResponse(Response):
    staff: list[StaffMember] = Field(max_length=100_000)


# --- snapshot (NDJSON stream of these lines) ------------------------------------------


class SnapshotBegin(Response):
    kind: Literal["begin"] = "begin"
    snapshot_seq: int
    counts: dict[str, int]
    scope_epoch: int = 0
    # Asked with `since` (the replica's cursor): the caller's scope changed after it
    # (access changed, or customers were moved out), so a snapshot with far fewer
    # customers than the replica is expected rather than suspect.
    scope_changed: bool = False


class SnapshotPage(Response):
    kind: Literal["page"] = "page"
    entity: str
    columns: list[str]
    rows: list[list[Any]]
    resume: str  # token to restart the stream after this page


class SnapshotEnd(Response):
    kind: Literal["end"] = "end"
    cursor: str
    last_mutation_id: int


class Health(Response):
    status: str
    schema_versions: list[int]
    server_time: datetime
