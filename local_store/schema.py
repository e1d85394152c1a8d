"""The local database's tables as SQLAlchemy Core `Table`s (the latest schema version):
each entity's columns are declared here once.

The tables are created by the SQL in `migrations.py`, not by `create_all`: history
must stay fixed while these tables follow the newest version. A test checks that
both agree, column for column. The codec's column lists (what a domain object reads
and writes) are derived from these tables: every column but the kept ones.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()


def record_columns(table: Table) -> tuple[str, ...]:
    """The columns of an entity's record, in table order. Columns marked
    `info={"kept": True}` are left out: the store keeps them for itself beside the
    record (its row key, the denormalised activity and churn columns, sync
    bookkeeping), and the domain object the codec builds has no such field."""
    return tuple(c.name for c in table.columns if not c.info.get("kept"))


meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)


customers = Table(
    "customers",
    metadata,
    Column("pk", Integer, primary_key=True, info={"kept": True}),
    Column("id", Text, unique=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_pinyin", Text, default="", nullable=False),
    Column("name_initials", Text, default="", nullable=False),
    Column("gender", Text, default="U", nullable=False),
    Column("birth_date", Text),
    Column("id_type", Text, default="resident_id", nullable=False),
    Column("id_number", Text, default="", nullable=False),
    Column("mobile", Text, default="", nullable=False),
    Column("email", Text, default="", nullable=False),
    Column("address", Text, default="", nullable=False),
    Column("segment", Text, nullable=False),
    Column("lifecycle", Text, nullable=False),
    Column("aum_fen", Integer, default=0, nullable=False),
    Column("aum_tier", Text, nullable=False),
    Column("owner_rm", Text, nullable=False),
    Column("branch", Text, nullable=False),
    Column("since", Text, nullable=False),
    Column("kyc_expiry", Text),
    Column("risk_profile", Integer),
    Column("tags", Text, default="", nullable=False),
    Column("churn_score", Double, info={"kept": True}),
    Column("churn_level", Text, info={"kept": True}),
    Column("last_contact_at", Text, info={"kept": True}),
    Column("last_rm_contact_at", Text, info={"kept": True}),  # visit, call or message
    # the book's name order (local_store.search.sort_key; migrations.V8)
    Column("name_sort", Text, default="", nullable=False, info={"kept": True}),
    Column("next_task_due", Text, info={"kept": True}),
    Column("open_tasks", Integer, default=0, nullable=False, info={"kept": True}),
    Column("personal_masked", Integer, default=0, nullable=False, info={"kept": True}),
    Column("version", Integer, default=0, nullable=False),
    Column("field_versions", Text, default="{}", nullable=False, info={"kept": True}),
)


customer_tags = Table(
    "customer_tags",
    metadata,
    Column("tag", Text, primary_key=True),
    Column(
        "customer_pk", Integer, ForeignKey("customers.pk", ondelete="CASCADE"), primary_key=True
    ),
    sqlite_with_rowid=False,
)


holdings = Table(
    "holdings",
    metadata,
    Column("pk", Integer, primary_key=True, info={"kept": True}),
    Column("id", Text, unique=True, nullable=False),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("product", Text, nullable=False),
    Column("balance_fen", Integer, nullable=False),
    Column("opened", Text, nullable=False),
    Column("maturity", Text),
    Column("rate_bp", Integer),
    Column("account_no", Text, default="", nullable=False),
    Column("version", Integer, default=0, nullable=False),
)


snapshots = Table(
    "snapshots",
    metadata,
    Column("pk", Integer, primary_key=True, info={"kept": True}),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("month", Text, nullable=False),
    Column("aum_fen", Integer, nullable=False),
    Column("deposits_fen", Integer, nullable=False),
    Column("wealth_fen", Integer, nullable=False),
    Column("loans_fen", Integer, nullable=False),
    Column("txn_count", Integer, nullable=False),
    Column("txn_in_fen", Integer, nullable=False),
    Column("txn_out_fen", Integer, nullable=False),
    Column("salary_credit_fen", Integer, nullable=False),
    Column("outflow_other_banks_fen", Integer, nullable=False),
    Column("products_held", Integer, nullable=False),
    Column("version", Integer, default=0, nullable=False),
    UniqueConstraint("customer_id", "month"),
)


interactions = Table(
    "interactions",
    metadata,
    Column("pk", Integer, primary_key=True, info={"kept": True}),
    Column("id", Text, unique=True, nullable=False),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("occurred_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("subject", Text, default="", nullable=False),
    Column("note", Text, default="", nullable=False),
    Column("participants", Text, default="[]", nullable=False),
    Column("outcome", Text, default="", nullable=False),
    Column("next_step", Text, default="", nullable=False),
    Column("supersedes_id", Text),
    Column("created_at", Text),
    Column("version", Integer, default=0, nullable=False),
)


tasks = Table(
    "tasks",
    metadata,
    Column("pk", Integer, primary_key=True, info={"kept": True}),
    Column("id", Text, unique=True, nullable=False),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("due", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("assignee", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("outcome", Text, default="", nullable=False),
    Column("detail", Text, default="", nullable=False),
    Column("reason_code", Text),
    Column("created_at", Text),
    Column("completed_at", Text),
    Column("version", Integer, default=0, nullable=False),
    Column("field_versions", Text, default="{}", nullable=False, info={"kept": True}),
)


churn_scores = Table(
    "churn_scores",
    metadata,
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Double, nullable=False),
    Column("level", Text, nullable=False),
    Column("reasons", Text, default="[]", nullable=False),
    Column("model_version", Text, nullable=False),
    Column("scored_at", Text, nullable=False),
    Column("month", Text),  # the history month this score counts for
    sqlite_with_rowid=False,
)


# Per customer, the snapshot aggregates churn scoring needs, at the month in
# meta 'snapshot_summary_month' (kept by `local_store.churn`; columns untyped).
snapshot_summary = Table(
    "snapshot_summary",
    metadata,
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("txn_last3", Double),
    Column("txn_prior3", Double),
    Column("vol_last3", Double),
    Column("vol_prior3", Double),
    Column("aum_0", Double),
    Column("aum_3", Double),
    Column("dep_0", Double),
    Column("dep_3", Double),
    Column("held_0", Double),
    Column("held_6", Double),
    Column("salary_prior", Double),
    Column("salary_recent", Double),
    Column("last_salary_month", Text),
    Column("last_active_month", Text),
    Column("months_present", Double),
    Column("outflow_last3", Double),
    sqlite_with_rowid=False,
)


drafts = Table(
    "drafts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text),
    Column("kind", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    sqlite_with_rowid=False,
)


outbox = Table(
    "outbox",
    metadata,
    Column("mutation_id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("op", Text, nullable=False),
    Column("base_version", Integer),
    Column("fields", Text, nullable=False),
    Column("client_time", Text, nullable=False),
)


sync_state = Table(
    "sync_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("cursor", Text),
    Column("last_mutation_id", Integer, default=0, nullable=False),
    Column("acked_mutation_id", Integer, default=0, nullable=False),
    Column("scope_epoch", Integer, default=0, nullable=False),
    Column("last_sync_at", Text),
    Column("last_error", Text),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("detail", Text, default="{}", nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("uploaded", Integer, default=0, nullable=False),
)


saved_filters = Table(
    "saved_filters",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, unique=True, nullable=False),
    Column("filter", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    sqlite_with_rowid=False,
)


conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("mine", Text),
    Column("theirs", Text),
    Column("mutation_id", Integer),
    Column("detected_at", Text, nullable=False),
    Column("resolved", Text),
)


returned_work = Table(
    "returned_work",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mutation_id", Integer, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("returned_at", Text, nullable=False),
    Column("reason", Text, nullable=False),
)


churn_models = Table(
    "churn_models",
    metadata,
    Column("version", String, primary_key=True),
    Column("body", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Column("active", Integer, default=0, nullable=False),
    sqlite_with_rowid=False,
)


churn_score_history = Table(
    "churn_score_history",
    metadata,
    Column("month", Text, primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Double, nullable=False),
    Column("level", Text, nullable=False),
    Column("model_version", Text, nullable=False),
    Index("ix_churn_score_history_customer", "customer_id", "month"),
    sqlite_with_rowid=False,
)


churn_events = Table(
    "churn_events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("action", Text, nullable=False),
    Column("reason_code", Text),
    Column("note", Text, default="", nullable=False),
    Column("score", Double),
    Column("level", Text),
    Column("at", Text, nullable=False),
    Index("ix_churn_events_customer", "customer_id", "at"),
    sqlite_with_rowid=False,
)


staff = Table(
    "staff",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("last_synced_at", Text),
    sqlite_with_rowid=False,
)


new_assignments = Table(
    "new_assignments",
    metadata,
    Column("task_id", Text, primary_key=True),
    Column("assigned_by", Text, default="", nullable=False),
    Column("received_at", Text, nullable=False),
    Column("notified", Integer, default=0, nullable=False),
    sqlite_with_rowid=False,
)
