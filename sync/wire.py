"""Row shapes on the wire: which columns each replicated entity carries.

Shared by the gateway (which serialises rows) and the client (which checks and
stores them). Dates are ISO 'YYYY-MM-DD' strings, instants UTC ISO-8601 strings
with seconds, money integer fen, tags '|a|b|' strings, participants JSON lists.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": (
        "id",
        "name",
        "name_pinyin",
        "name_initials",
        "gender",
        "birth_date",
        "id_type",
        "id_number",
        "mobile",
        "email",
        "address",
        "segment",
        "lifecycle",
        "aum_fen",
        "aum_tier",
        "owner_rm",
        "branch",
        "since",
        "kyc_expiry",
        "risk_profile",
        "tags",
        "version",
        "field_versions",
        "personal_masked",
    ),
    "holding": (
        "id",
        "customer_id",
        "kind",
        "product",
        "balance_fen",
        "opened",
        "maturity",
        "rate_bp",
        "account_no",
        "version",
    ),
    "snapshot": (
        "customer_id",
        "month",
        "aum_fen",
        "deposits_fen",
        "wealth_fen",
        "loans_fen",
        "txn_count",
        "txn_in_fen",
        "txn_out_fen",
        "salary_credit_fen",
        "outflow_other_banks_fen",
        "products_held",
        "version",
    ),
    "interaction": (
        "id",
        "customer_id",
        "kind",
        "occurred_at",
        "created_by",
        "subject",
        "note",
        "participants",
        "outcome",
        "next_step",
        "supersedes_id",
        "created_at",
        "version",
    ),
    "task": (
        "id",
        "customer_id",
        "title",
        "due",
        "priority",
        "assignee",
        "created_by",
        "source",
        "status",
        "outcome",
        "detail",
        "reason_code",
        "created_at",
        "completed_at",
        "version",
        "field_versions",
    ),
}

# Snapshot streams use table names; change-log entries use entity names.
TABLE_OF = {
    "customer": "customers",
    "holding": "holdings",
    "snapshot": "snapshots",
    "interaction": "interactions",
    "task": "tasks",
}
ENTITY_OF = {table: entity for entity, table in TABLE_OF.items()}

# Personal fields a teller's copy carries masked (data minimisation). A customer row
# with `personal_masked` also carries `birth_date` as the first day of the birth year
# (the year only) and the ID number without its last characters (masking.py says why);
# the shape is unchanged, so no schema version.
PERSONAL_FIELDS = ("mobile", "id_number", "email", "address")


def snapshot_key(customer_id: str, month: str) -> str:
    return f"{customer_id}|{month}"


def split_snapshot_key(key: str) -> tuple[str, str]:
    customer_id, _, month = key.partition("|")
    if not customer_id or len(month) != 7:
        raise ValueError("malformed snapshot key")
    return customer_id, month


def instant(value: datetime | str | None) -> str | None:
    """An instant as UTC ISO-8601 text with seconds (the sortable form both ends use)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return value.astimezone(UTC).isoformat(timespec="seconds")


def day(value: date | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
