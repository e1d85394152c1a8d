"""Typed SQLAlchemy models of the local database (the latest schema version).

The tables are created by the SQL in `migrations.py`, not by `create_all`: history
must stay fixed while these models follow the newest version. A test checks that
both agree, column for column.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "meta"
    __table_args__ = {"sqlite_with_rowid": False}
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CustomerRow(Base):
    __tablename__ = "customers"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_pinyin: Mapped[str] = mapped_column(Text, default="")
    name_initials: Mapped[str] = mapped_column(Text, default="")
    gender: Mapped[str] = mapped_column(Text, default="U")
    birth_date: Mapped[str | None] = mapped_column(Text)
    id_type: Mapped[str] = mapped_column(Text, default="resident_id")
    id_number: Mapped[str] = mapped_column(Text, default="")
    mobile: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    segment: Mapped[str] = mapped_column(Text)
    lifecycle: Mapped[str] = mapped_column(Text)
    aum_fen: Mapped[int] = mapped_column(Integer, default=0)
    aum_tier: Mapped[str] = mapped_column(Text)
    owner_rm: Mapped[str] = mapped_column(Text)
    branch: Mapped[str] = mapped_column(Text)
    since: Mapped[str] = mapped_column(Text)
    kyc_expiry: Mapped[str | None] = mapped_column(Text)
    risk_profile: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[str] = mapped_column(Text, default="")
    churn_score: Mapped[float | None]
    churn_level: Mapped[str | None] = mapped_column(Text)
    last_contact_at: Mapped[str | None] = mapped_column(Text)
    last_rm_contact_at: Mapped[str | None] = mapped_column(Text)  # visit, call or message
    next_task_due: Mapped[str | None] = mapped_column(Text)
    open_tasks: Mapped[int] = mapped_column(Integer, default=0)
    personal_masked: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    field_versions: Mapped[str] = mapped_column(Text, default="{}")


class CustomerTagRow(Base):
    __tablename__ = "customer_tags"
    __table_args__ = {"sqlite_with_rowid": False}
    tag: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_pk: Mapped[int] = mapped_column(
        ForeignKey("customers.pk", ondelete="CASCADE"), primary_key=True
    )


class HoldingRow(Base):
    __tablename__ = "holdings"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    product: Mapped[str] = mapped_column(Text)
    balance_fen: Mapped[int] = mapped_column(Integer)
    opened: Mapped[str] = mapped_column(Text)
    maturity: Mapped[str | None] = mapped_column(Text)
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    account_no: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("customer_id", "month"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(Text)
    aum_fen: Mapped[int] = mapped_column(Integer)
    deposits_fen: Mapped[int] = mapped_column(Integer)
    wealth_fen: Mapped[int] = mapped_column(Integer)
    loans_fen: Mapped[int] = mapped_column(Integer)
    txn_count: Mapped[int] = mapped_column(Integer)
    txn_in_fen: Mapped[int] = mapped_column(Integer)
    txn_out_fen: Mapped[int] = mapped_column(Integer)
    salary_credit_fen: Mapped[int] = mapped_column(Integer)
    outflow_other_banks_fen: Mapped[int] = mapped_column(Integer)
    products_held: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)


class InteractionRow(Base):
    __tablename__ = "interactions"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[str] = mapped_column(Text, default="[]")
    outcome: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)


class TaskRow(Base):
    __tablename__ = "tasks"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    due: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    assignee: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    field_versions: Mapped[str] = mapped_column(Text, default="{}")


class ChurnScoreRow(Base):
    __tablename__ = "churn_scores"
    __table_args__ = {"sqlite_with_rowid": False}
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float]
    level: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text, default="[]")
    model_version: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[str] = mapped_column(Text)
    month: Mapped[str | None] = mapped_column(Text)  # the history month this score counts for


class SnapshotSummaryRow(Base):
    """Per customer, the snapshot aggregates churn scoring needs, at the month in
    meta 'snapshot_summary_month' (kept by `local_store.churn`; columns untyped)."""

    __tablename__ = "snapshot_summary"
    __table_args__ = {"sqlite_with_rowid": False}
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    txn_last3: Mapped[float | None]
    txn_prior3: Mapped[float | None]
    vol_last3: Mapped[float | None]
    vol_prior3: Mapped[float | None]
    aum_0: Mapped[float | None]
    aum_3: Mapped[float | None]
    dep_0: Mapped[float | None]
    dep_3: Mapped[float | None]
    held_0: Mapped[float | None]
    held_6: Mapped[float | None]
    salary_prior: Mapped[float | None]
    salary_recent: Mapped[float | None]
    last_salary_month: Mapped[str | None] = mapped_column(Text)
    last_active_month: Mapped[str | None] = mapped_column(Text)
    months_present: Mapped[float | None]
    outflow_last3: Mapped[float | None]


class DraftRow(Base):
    __tablename__ = "drafts"
    __table_args__ = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(Text)


class OutboxRow(Base):
    __tablename__ = "outbox"
    mutation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    op: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)
    client_time: Mapped[str] = mapped_column(Text)


class SyncStateRow(Base):
    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(Text)
    cursor: Mapped[str | None] = mapped_column(Text)
    last_mutation_id: Mapped[int] = mapped_column(Integer, default=0)
    acked_mutation_id: Mapped[int] = mapped_column(Integer, default=0)
    scope_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(Text)
    uploaded: Mapped[int] = mapped_column(Integer, default=0)


class SavedFilterRow(Base):
    __tablename__ = "saved_filters"
    __table_args__ = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    filter: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text)


class ConflictRow(Base):
    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    mine: Mapped[str | None] = mapped_column(Text)
    theirs: Mapped[str | None] = mapped_column(Text)
    mutation_id: Mapped[int | None] = mapped_column(Integer)
    detected_at: Mapped[str] = mapped_column(Text)
    resolved: Mapped[str | None] = mapped_column(Text)


class ReturnedWorkRow(Base):
    __tablename__ = "returned_work"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mutation_id: Mapped[int] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    returned_at: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class ChurnModelRow(Base):
    __tablename__ = "churn_models"
    __table_args__ = {"sqlite_with_rowid": False}
    version: Mapped[str] = mapped_column(String, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(Text)
    active: Mapped[int] = mapped_column(Integer, default=0)


class ChurnScoreHistoryRow(Base):
    __tablename__ = "churn_score_history"
    __table_args__ = (
        Index("ix_churn_score_history_customer", "customer_id", "month"),
        {"sqlite_with_rowid": False},
    )
    month: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float]
    level: Mapped[str] = mapped_column(Text)
    model_version: Mapped[str] = mapped_column(Text)


class ChurnEventRow(Base):
    __tablename__ = "churn_events"
    __table_args__ = (
        Index("ix_churn_events_customer", "customer_id", "at"),
        {"sqlite_with_rowid": False},
    )
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None]
    level: Mapped[str | None] = mapped_column(Text)
    at: Mapped[str] = mapped_column(Text)
