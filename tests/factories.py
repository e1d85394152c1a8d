"""Hand-built domain objects for tests (small, explicit, readable)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from rm_desk.domain.churn import additive
from rm_desk.domain.model import (
    Customer,
    FollowUpTask,
    Gender,
    IdType,
    Interaction,
    InteractionKind,
    Lifecycle,
    RiskProfile,
    Segment,
    TaskPriority,
    TaskSource,
)
from rm_desk.domain.pinyin import name_keys


def customer(cif: str = "600000000001", name: str = "王小明", **overrides: Any) -> Customer:
    keys = name_keys(name)
    base = Customer(
        id=cif,
        name=name,
        name_pinyin=keys.full,
        name_initials=keys.initials,
        gender=Gender.MALE,
        birth_date=date(1980, 3, 7),
        id_type=IdType.RESIDENT_ID,
        id_number="110101198003070014",
        mobile="13812345678",
        email="wxm@example.com",
        address="上海市浦东新区世纪大道100号",
        segment=Segment.AFFLUENT,
        lifecycle=Lifecycle.ACTIVE,
        aum_fen=120_000_000,
        owner_rm="rm001",
        branch="BR001",
        since=date(2012, 5, 1),
        kyc_expiry=date(2027, 5, 1),
        risk_profile=RiskProfile.C3,
        tags=("代发工资", "理财偏好"),
        version=1,
    )
    return replace(base, **overrides)


def interaction(iid: str, cif: str = "600000000001", **overrides: Any) -> Interaction:
    base = Interaction(
        id=iid,
        customer_id=cif,
        kind=InteractionKind.VISIT,
        occurred_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        created_by="rm001",
        subject="到期续存",
        note="客户关注定期存款到期续存利率",
        participants=("王小明",),
        created_at=datetime(2026, 11, 20, 2, 5, tzinfo=UTC),
        version=1,
    )
    return replace(base, **overrides)


def task(tid: str, cif: str = "600000000001", **overrides: Any) -> FollowUpTask:
    base = FollowUpTask(
        id=tid,
        customer_id=cif,
        title="续存提醒",
        due=date(2026, 11, 24),
        priority=TaskPriority.HIGH,
        assignee="rm001",
        created_by="rm001",
        source=TaskSource.MANUAL,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        version=1,
    )
    return replace(base, **overrides)


def undo_v8(conn: Connection) -> None:
    """A latest store taken back to v7 (the name order column)."""
    conn.exec_driver_sql("DROP INDEX ix_customers_name_sort")
    conn.exec_driver_sql("ALTER TABLE customers DROP COLUMN name_sort")
    conn.exec_driver_sql("CREATE INDEX ix_customers_name ON customers(name_pinyin)")
    conn.exec_driver_sql("PRAGMA user_version = 7")


def undo_v7(conn: Connection) -> None:
    """A latest store taken back to v6 (the staff directory and new-assignment flags)."""
    undo_v8(conn)
    conn.exec_driver_sql("DROP TABLE staff")
    conn.exec_driver_sql("DROP TABLE new_assignments")
    conn.exec_driver_sql("PRAGMA user_version = 6")


def undo_v6(conn: Connection) -> None:
    """A latest store taken back to v5 (what v7 and v6 added or replaced, undone)."""
    undo_v7(conn)
    conn.exec_driver_sql("DROP INDEX ix_interactions_complaints")
    conn.exec_driver_sql("DROP INDEX ix_holdings_maturing")
    conn.exec_driver_sql(
        "CREATE INDEX ix_interactions_kind ON interactions(kind, customer_id, occurred_at)"
    )
    for name, definition in (
        ("ix_interactions_customer", "interactions(customer_id, occurred_at)"),
        ("ix_tasks_customer", "tasks(customer_id, status)"),
    ):
        conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql(f"CREATE INDEX {name} ON {definition}")
    conn.exec_driver_sql("ALTER TABLE customers DROP COLUMN last_rm_contact_at")
    conn.exec_driver_sql("ALTER TABLE churn_scores DROP COLUMN month")
    conn.exec_driver_sql("DELETE FROM meta WHERE key = 'churn_live_month'")
    conn.exec_driver_sql("PRAGMA user_version = 5")


Step = tuple[str, list[float], list[float], float]


def churn_model(
    version: str,
    trained_at: str,
    intercept: float,
    steps: list[Step],
    *,
    red: float,
    amber: float,
    hard_rules: tuple[additive.HardRule, ...] = (),
) -> additive.AdditiveModel:
    """A hand-written scoring model: each step is (feature, edges, contributions, missing)."""
    return additive.AdditiveModel(
        version=version,
        trained_at=trained_at,
        intercept=intercept,
        terms=tuple(
            additive.NumericTerm(name, np.array(edges), np.array(contributions), missing)
            for name, edges, contributions, missing in steps
        ),
        red=red,
        amber=amber,
        hard_rules=hard_rules,
    )
