"""A published churn model reaches clients with their pull and they rescore; a model
they cannot use is refused and the previous one stays in use (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update

from local_store import churn as churn_store
from local_store.profiles import ProfileRegistry
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import SUMMARY_COLUMNS, month_index, summarise_snapshots
from rm_desk.domain.model import ChurnLevel
from rm_desk.domain.permissions import customer_scopes
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import churn
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session
from sync import wire
from sync.server import churn_training, schema
from sync.server.db import ChangeWriter
from tests.factories import churn_model
from tests.integration.conftest import AS_OF, Gateway


def _model(version: str) -> additive.AdditiveModel:
    """Everybody who has not been contacted for 30 days is red."""
    return churn_model(
        version,
        "2026-11-20T00:00:00+00:00",
        -3.0,
        [
            ("days_since_rm_contact", [30.0], [0.0, 6.0], 6.0),
            ("complaints_90d", [0.5], [0.0, 1.0], 0.0),
        ],
        red=0.9,
        amber=0.5,
    )


def _scores(session: Session) -> dict[str, tuple[str, str, float]]:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.id, s.model_version, c.churn_level, s.score FROM customers c "
            "JOIN churn_scores s ON s.customer_id = c.id"
        ).fetchall()
        total = conn.exec_driver_sql("SELECT count(*) FROM customers").scalar()
    assert len(rows) == total  # every customer in the book is scored
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_publish_sync_rescore(gateway: Gateway, bank: dict[str, str], tmp_path: Path) -> None:
    # The client's clock is the demo bank's day, not the wall clock: the bank is
    # frozen at AS_OF, so "30 days without contact" must be counted from there.
    now = datetime.combine(AS_OF, time(12), tzinfo=UTC)
    reg = ProfileRegistry(
        tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF), clock=lambda: now
    )
    added = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url)
    session = added.session
    first = _scores(session)
    assert first
    assert {v[0] for v in first.values()} == {churn.default_model().version}

    model = _model("it-1")
    path = tmp_path / "model.json"
    churn_training.write_model(model, path)
    churn_training.publish(gateway.engine, path)

    summary = sync_service.sync_session(session, bank["rm001"])
    assert summary.churn_model == "it-1"
    assert "churn model it-1" in summary.line()
    scored = _scores(session)
    assert {v[0] for v in scored.values()} == {"it-1"}
    with session.store.read() as conn:  # straight from the contact rows
        last_contact: dict[str, str] = dict(
            conn.exec_driver_sql(
                "SELECT customer_id, max(occurred_at) FROM interactions "
                "WHERE kind IN ('visit', 'call', 'message') GROUP BY customer_id"
            ).fetchall()
        )
    today = now.date()
    for cif, (_, level, score) in scored.items():
        contacted = last_contact.get(cif)
        stale = contacted is None or (today - datetime.fromisoformat(contacted).date()).days > 30
        assert (level == ChurnLevel.RED.value) == stale, cif
        assert 0.0 < score < 1.0

    # The next pull does not carry the model again.
    again = sync_service.sync_session(session, bank["rm001"])
    assert again.churn_model is None
    assert again.churn_model_refused is None

    # Acknowledging and dismissing flags reach the gateway as churn events.
    red = sorted(cif for cif, (_, level, _) in scored.items() if level == "red")
    churn.acknowledge(session, red[0], "days_since_rm_contact", "已安排拜访")
    churn.dismiss(session, red[1])
    pushed = sync_service.sync_session(session, bank["rm001"])
    assert pushed.pushed == 2
    with gateway.engine.connect() as conn:
        events = conn.execute(
            select(schema.churn_events.c.customer_id, schema.churn_events.c.action,
                   schema.churn_events.c.reason_code, schema.churn_events.c.user_id)
            .order_by(schema.churn_events.c.at, schema.churn_events.c.action)
        ).all()  # fmt: skip
    assert sorted(tuple(e) for e in events) == sorted(
        [
            (red[0], "acknowledge", "days_since_rm_contact", "rm001"),
            (red[1], "dismiss", None, "rm001"),
        ]
    )


def test_a_model_the_client_cannot_use_is_refused(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg = ProfileRegistry(tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF))
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url).session
    path = tmp_path / "model.json"
    churn_training.write_model(_model("it-good"), path)
    churn_training.publish(gateway.engine, path)
    sync_service.sync_session(session, bank["rm001"])
    before = _scores(session)

    # A newer server publishes a model of a format this client does not read
    # (publish itself refuses such files, so it is written straight to the table).
    future = json.loads(_model("it-future").dumps())
    future["format_version"] = 2
    with gateway.engine.begin() as conn:
        conn.execute(update(schema.churn_models).values(active=False))
        conn.execute(
            insert(schema.churn_models).values(
                version="it-future",
                body=json.dumps(future),
                published_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
                active=True,
            )
        )
    summary = sync_service.sync_session(session, bank["rm001"])
    assert summary.churn_model is None
    assert summary.churn_model_refused is not None
    assert "format version 2" in summary.churn_model_refused
    with session.store.read() as conn:
        assert churn.active_model(conn).version == "it-good"
    assert _scores(session) == before
    # Refused once: not sent again on the next pull.
    assert sync_service.sync_session(session, bank["rm001"]).churn_model_refused is None


_SNAPSHOT_MEASURES = (
    "customer_id, month, aum_fen, deposits_fen, txn_count, txn_in_fen, txn_out_fen, "
    "salary_credit_fen, outflow_other_banks_fen, products_held"
)


def _check_kept_summary(session: Session) -> str:
    """The materialised snapshot summary equals the pandas reference computed from the
    snapshots now in the store, at the month it says it is kept at; returns it."""
    with session.store.read() as conn:
        month = churn_store.summary_month(conn)
        assert month is not None
        kept = pd.DataFrame.from_records(
            conn.exec_driver_sql(
                f"SELECT customer_id, {', '.join(SUMMARY_COLUMNS)} FROM snapshot_summary"
            ).fetchall(),
            columns=["customer_id", *SUMMARY_COLUMNS],
        ).set_index("customer_id")
        snapshots = pd.DataFrame.from_records(
            conn.exec_driver_sql(f"SELECT {_SNAPSHOT_MEASURES} FROM snapshots").fetchall(),
            columns=[c.strip() for c in _SNAPSHOT_MEASURES.split(",")],
        )
    assert month == snapshots["month"].max()
    index = pd.Index(sorted(snapshots["customer_id"].unique()))
    reference = summarise_snapshots(snapshots, index, int(month_index([month])[0]))
    reference = reference[reference["months_present"] > 0]  # no row without a snapshot
    assert sorted(kept.index) == sorted(reference.index)
    for name in ("last_salary_month", "last_active_month"):
        known = kept[name].notna()
        values = np.full(len(kept), np.nan)
        values[known.to_numpy()] = month_index(kept.loc[known, name].tolist())
        kept[name] = values
    np.testing.assert_allclose(
        kept.reindex(reference.index).to_numpy(dtype=np.float64),
        reference.to_numpy(),
        equal_nan=True,
    )
    return month


def _change_snapshot(
    gateway: Gateway, customer_id: str, month: str, values: dict[str, int], *, new: bool
) -> None:
    """A snapshot changed (or a new month added) on the server, logged for the pull."""
    table = schema.snapshots
    with gateway.engine.begin() as conn:
        owner, branch = conn.execute(
            select(schema.customers.c.owner_rm, schema.customers.c.branch).where(
                schema.customers.c.id == customer_id
            )
        ).one()
        seq = ChangeWriter(conn).log(
            customer_scopes(owner, branch), "snapshot", wire.snapshot_key(customer_id, month),
            "upsert",
        )  # fmt: skip
        if new:
            latest = (
                conn.execute(
                    select(table)
                    .where(table.c.customer_id == customer_id)
                    .order_by(table.c.month.desc())
                )
                .mappings()
                .first()
            )
            assert latest is not None
            conn.execute(
                insert(table).values({**dict(latest), **values, "month": month, "seq": seq})
            )
        else:
            conn.execute(
                update(table)
                .where(table.c.customer_id == customer_id, table.c.month == month)
                .values(**values, version=table.c.version + 1, seq=seq)
            )


def test_snapshot_summary_is_kept_through_first_sync_and_delta_pulls(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg = ProfileRegistry(tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF))
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url).session
    month = _check_kept_summary(session)  # built at the end of the first sync
    mine = sorted(_scores(session))
    quiet, moved = mine[0], mine[1]

    # A delta pull changes one customer's latest month: only its summary moves.
    with session.store.read() as conn:
        before = conn.exec_driver_sql(
            "SELECT txn_last3, salary_recent FROM snapshot_summary WHERE customer_id = ?",
            (quiet,),
        ).one()
    _change_snapshot(gateway, quiet, month, {"txn_count": 0, "salary_credit_fen": 0}, new=False)
    summary = sync_service.sync_session(session, bank["rm001"])
    assert summary.pulled >= 1
    assert _check_kept_summary(session) == month
    with session.store.read() as conn:
        after = conn.exec_driver_sql(
            "SELECT txn_last3, salary_recent FROM snapshot_summary WHERE customer_id = ?",
            (quiet,),
        ).one()
    assert tuple(after) != tuple(before)

    # A later month for one customer moves every customer's window.
    index = int(month_index([month])[0]) + 1
    later = f"{index // 12:04d}-{index % 12 + 1:02d}"
    _change_snapshot(gateway, moved, later, {"aum_fen": 1, "txn_count": 3}, new=True)
    sync_service.sync_session(session, bank["rm001"])
    assert _check_kept_summary(session) == later
