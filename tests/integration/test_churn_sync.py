"""A published churn model reaches clients with their pull and they rescore; a model
they cannot use is refused and the previous one stays in use (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update

from local_store.profiles import ProfileRegistry
from rm_desk.domain.churn import additive
from rm_desk.domain.model import ChurnLevel
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import churn
from rm_desk.services import sync as sync_service
from sync.server import churn_training, schema
from tests.integration.conftest import Gateway


def _model(version: str) -> additive.AdditiveModel:
    """Everybody who has not been contacted for 30 days is red."""
    return additive.AdditiveModel(
        version=version,
        trained_at="2026-11-20T00:00:00+00:00",
        intercept=-3.0,
        terms=(
            additive.NumericTerm(
                "days_since_rm_contact", np.array([30.0]), np.array([0.0, 6.0]), 6.0
            ),
            additive.NumericTerm("complaints_90d", np.array([0.5]), np.array([0.0, 1.0]), 0.0),
        ),
        red=0.9,
        amber=0.5,
    )


def _scores(session: sync_service.Session) -> dict[str, tuple[str, str, float]]:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.id, s.model_version, c.churn_level, s.score FROM customers c "
            "JOIN churn_scores s ON s.customer_id = c.id"
        ).fetchall()
        total = conn.exec_driver_sql("SELECT count(*) FROM customers").scalar()
    assert len(rows) == total  # every customer in the book is scored
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_publish_sync_rescore(gateway: Gateway, bank: dict[str, str], tmp_path: Path) -> None:
    reg = ProfileRegistry(tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF))
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
        last_contact = dict(
            conn.exec_driver_sql(
                "SELECT customer_id, max(occurred_at) FROM interactions "
                "WHERE kind IN ('visit', 'call', 'message') GROUP BY customer_id"
            ).fetchall()
        )
    today = datetime.now(UTC).date()
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
                published_at=datetime.now(UTC),
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
