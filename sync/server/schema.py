"""The gateway's tables (SQLAlchemy Core), the same on PostgreSQL and SQLite.

Every customer-side row carries `version` (bumped on each change), `seq` (the
change-log sequence of its last change, for consistent snapshots) and, where fields
merge independently, `field_versions` (JSON: field -> version it last changed at).
`seq_counter` hands out change-log sequence numbers: its row is updated inside each
writing transaction and stays locked until commit, so sequences are assigned in
commit order and a pull can never skip a row committed late.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite needs INTEGER (not BIGINT) for rowid autoincrement; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _replicated(*, merged_fields: bool = False) -> list[Column[Any]]:
    """The columns every customer-side row ends with: `version`, `field_versions` where
    fields merge independently (`merged_fields`), and `seq`."""
    columns: list[Column[Any]] = [Column("version", BigInteger, nullable=False, default=1)]
    if merged_fields:
        columns.append(Column("field_versions", JSON, nullable=False, default=dict))
    columns.append(Column("seq", BigInteger, nullable=False, default=0))
    return columns


branches = Table(
    "branches",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("city", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("manager_id", String(64)),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("scope_epoch", Integer, nullable=False, default=0),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # access | refresh
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False),
    Column("device_id", String(64), ForeignKey("devices.device_id"), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)
Index("ix_tokens_device", tokens.c.device_id)

# Security events about sign-in sessions, kept for the bank's security officers: why a
# device's tokens were revoked (e.g. `refresh_reuse`: a rotated refresh token came back,
# so it was copied, and every token of that device was revoked). No token values.
auth_events = Table(
    "auth_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(32), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

# Failed sign-ins, the login throttle's sliding window (sync/server/throttle.py): one
# row per failure with the user name tried and the client address, so every gateway
# worker and replica counts the same failures, across restarts. A successful sign-in
# clears the user's own rows from the per-user count (`user_cleared`), never from the
# per-address count. Rows older than the window are deleted as new failures arrive.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("user_cleared", Boolean, nullable=False, default=False),
)
Index("ix_login_failures_user", login_failures.c.user_id, login_failures.c.at)
Index("ix_login_failures_address", login_failures.c.address, login_failures.c.at)
Index("ix_login_failures_at", login_failures.c.at)

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("last_mutation_id", BigInteger, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

mutation_results = Table(
    "mutation_results",
    metadata,
    Column("client_id", String(64), nullable=False),
    Column("mutation_id", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", Text),
    Column("version", BigInteger),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("client_id", "mutation_id"),
)

seq_counter = Table(
    "seq_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("scope", String(80), nullable=False),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("op", String(8), nullable=False),  # upsert | delete | evict
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_change_log_scope_seq", change_log.c.scope, change_log.c.seq)

# The last change-log sequence at which a customer left each scope (an `evict`): kept
# when the log is purged, so a replacement snapshot can still tell a device whose
# cursor is older that its book shrank for a reason (SnapshotBegin.scope_changed).
scope_changes = Table(
    "scope_changes",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_pinyin", Text, nullable=False, default=""),
    Column("name_initials", Text, nullable=False, default=""),
    Column("gender", String(1), nullable=False, default="U"),
    Column("birth_date", String(10)),
    Column("id_type", String(24), nullable=False),
    Column("id_number", Text, nullable=False, default=""),
    Column("mobile", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("segment", String(16), nullable=False),
    Column("lifecycle", String(16), nullable=False),
    Column("aum_fen", BigInteger, nullable=False, default=0),
    Column("aum_tier", String(4), nullable=False),
    Column("owner_rm", String(64), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("since", String(10), nullable=False),
    Column("kyc_expiry", String(10)),
    Column("risk_profile", Integer),
    Column("tags", Text, nullable=False, default=""),
    *_replicated(merged_fields=True),
)
Index("ix_customers_owner", customers.c.owner_rm, customers.c.id)
Index("ix_customers_branch", customers.c.branch, customers.c.id)

holdings = Table(
    "holdings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("product", Text, nullable=False),
    Column("balance_fen", BigInteger, nullable=False),
    Column("opened", String(10), nullable=False),
    Column("maturity", String(10)),
    Column("rate_bp", Integer),
    Column("account_no", Text, nullable=False, default=""),
    *_replicated(),
)
Index("ix_holdings_customer", holdings.c.customer_id)

snapshots = Table(
    "snapshots",
    metadata,
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("aum_fen", BigInteger, nullable=False),
    Column("deposits_fen", BigInteger, nullable=False),
    Column("wealth_fen", BigInteger, nullable=False),
    Column("loans_fen", BigInteger, nullable=False),
    Column("txn_count", Integer, nullable=False),
    Column("txn_in_fen", BigInteger, nullable=False),
    Column("txn_out_fen", BigInteger, nullable=False),
    Column("salary_credit_fen", BigInteger, nullable=False),
    Column("outflow_other_banks_fen", BigInteger, nullable=False),
    Column("products_held", Integer, nullable=False),
    *_replicated(),
    PrimaryKeyConstraint("customer_id", "month"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("subject", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("participants", JSON, nullable=False, default=list),
    Column("outcome", Text, nullable=False, default=""),
    Column("next_step", Text, nullable=False, default=""),
    Column("supersedes_id", String(64)),
    Column("created_at", DateTime(timezone=True)),
    *_replicated(),
)
Index("ix_interactions_customer", interactions.c.customer_id)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("due", String(10), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("assignee", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("source", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("reason_code", String(48)),
    Column("created_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("deleted", Boolean, nullable=False, default=False),
    *_replicated(merged_fields=True),
)
Index("ix_tasks_customer", tasks.c.customer_id)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("field", String(48), nullable=False),
    Column("mine", JSON),
    Column("theirs", JSON),
    Column("client_id", String(64), nullable=False),
    Column("mutation_id", BigInteger, nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
)

change_requests = Table(
    "change_requests",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False),
    Column("field", String(48), nullable=False),
    Column("value", JSON),
    Column("requested_by", String(64), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("mutation_id", BigInteger, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
)

churn_models = Table(
    "churn_models",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("body", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False, default=False),
)

churn_events = Table(
    "churn_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # acknowledge | dismiss
    Column("reason_code", String(48)),
    Column("note", Text, nullable=False, default=""),
    Column("user_id", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("score", Float),
)

# The devices' audit chains (sync/server/audit.py): append-only, enforced by the
# database (triggers refuse UPDATE and DELETE, `db.create_schema`). `at` and `detail`
# are kept as the device's text, which its hash covers.
audit_events = Table(
    "audit_events",
    metadata,
    Column("device_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("device_id", "seq"),
)

# A page refused because it did not continue the device's chain (or was someone
# else's): kept for `rm-desk-central audit verify`. Append-only too.
audit_flags = Table(
    "audit_flags",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)
Index("ix_audit_flags_device", audit_flags.c.device_id)

# Tables no row of which may change once written (db.create_schema adds the triggers).
APPEND_ONLY = ("audit_events", "audit_flags")

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(48), primary_key=True),
    Column("value", Text, nullable=False),
)

# Entities a client replicates, in the order a snapshot streams them (parents first).
REPLICATED = ("customers", "holdings", "snapshots", "interactions", "tasks")
