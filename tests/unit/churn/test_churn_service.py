"""Client churn service on a real encrypted store: rescoring, the offline complaint,
model arrival and refusal, the watchlist, history and the retention playbook."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from local_store import book, outbox
from local_store import churn as churn_store
from local_store.codec import SNAPSHOT_COLUMNS, cols, marks, snapshot_row
from local_store.profiles import Profile
from local_store.store import LocalStore
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.playbook import DEFAULT_PLAYBOOK
from rm_desk.domain.model import (
    ChurnLevel,
    InteractionKind,
    MonthlySnapshot,
    ReasonCode,
    TaskSource,
)
from rm_desk.services import book as book_service
from rm_desk.services import churn, notes
from rm_desk.services.notes import NoteInput
from rm_desk.services.session import Session
from tests.factories import churn_model, customer

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
RECEIVED = NOW.isoformat(timespec="microseconds")  # as the sync engine records it
CALM, QUIET, LOUD = "600000000011", "600000000012", "600000000013"


def _months() -> list[str]:
    return [f"2026-{m:02d}" for m in range(1, 12)]


def _snapshots(cif: str, quiet_from: int | None = None) -> list[MonthlySnapshot]:
    out = []
    for i, month in enumerate(_months()):
        txn = 0 if quiet_from is not None and i >= quiet_from else 12
        out.append(
            MonthlySnapshot(
                cif,
                month,
                5_000_000,
                3_000_000,
                2_000_000,
                0,
                txn,
                100_000 * txn,
                90_000 * txn,
                0,
                0,
                3,
            )  # fmt: skip
        )
    return out


@pytest.fixture
def session(rm_profile: Profile, store: LocalStore) -> Session:
    with store.transaction() as conn:
        book.upsert_customers(
            conn,
            [customer(CALM, aum_fen=5_000_000), customer(QUIET, "李大伟"), customer(LOUD, "张三")],
        )
        rows = [snapshot_row(s) for s in _snapshots(CALM) + _snapshots(QUIET, 7) + _snapshots(LOUD)]
        conn.exec_driver_sql(
            f"INSERT INTO snapshots ({cols(SNAPSHOT_COLUMNS)}) VALUES ({marks(SNAPSHOT_COLUMNS)})",
            rows,
        )
    return Session(profile=rm_profile, store=store, clock=lambda: NOW)


def _model(version: str = "test-1") -> additive.AdditiveModel:
    """Complaints drive the score; three quiet months trip the hard rule."""
    return churn_model(
        version,
        "2026-11-01T00:00:00+00:00",
        -4.0,
        [
            ("complaints_90d", [0.5, 1.5], [-0.1, 3.0, 6.0], 0.0),
            ("months_without_txn", [1.0], [0.0, 0.5], 0.0),
            ("aum_change_3m", [-20.0], [1.0, -0.05], 0.0),
        ],
        red=0.5,
        amber=0.2,
        hard_rules=(additive.HardRule("months_without_txn", 3.0, ChurnLevel.AMBER),),
    )


def _install(session: Session, model: additive.AdditiveModel) -> str | None:
    with session.store.transaction() as conn:
        return churn_store.receive_model(conn, model.version, model.dumps(), RECEIVED)


def _level(session: Session, cif: str) -> tuple[str | None, float | None]:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT churn_level, churn_score FROM customers WHERE id = ?", (cif,)
        ).one()
    return row[0], row[1]


def test_default_model_scores_the_book(session: Session) -> None:
    summary, changes = churn.rescore_all(session)
    assert summary.customers == 3
    assert summary.model_version == churn.default_model().version
    assert changes.churn
    for cif in (CALM, QUIET, LOUD):
        level, score = _level(session, cif)
        assert level in {"green", "amber", "red"}
        assert score is not None
    # Three months without a transaction: at least amber by the hard rule.
    assert _level(session, QUIET)[0] in {"amber", "red"}


def test_rescore_after_model_arrives_and_reasons_are_exact(session: Session) -> None:
    assert _install(session, _model()) is None
    churn.rescore_all(session)
    assert _level(session, CALM)[0] == "green"
    assert _level(session, QUIET)[0] == "amber"  # raised by the rule
    with session.store.read() as conn:
        quiet = book.churn_assessment(conn, QUIET)
    assert quiet is not None
    assert quiet.model_version == "test-1"
    assert quiet.reasons[0].code == "months_without_txn"
    assert quiet.reasons[0].values["value"] == 4
    assert quiet.reasons[0].values["rule"] == "at_least_amber"
    # The stored probability is the logistic of intercept + every contribution.
    expected = 1 / (1 + np.exp(-(-4.0 - 0.1 + 0.5 - 0.05)))
    assert quiet.score == pytest.approx(expected, abs=1e-6)


def test_a_complaint_logged_offline_changes_the_level_at_once(session: Session) -> None:
    _install(session, _model())
    churn.rescore_all(session)
    assert _level(session, LOUD)[0] == "green"
    complaint = NoteInput(
        customer_id=LOUD,
        kind=InteractionKind.COMPLAINT,
        occurred_at=NOW - timedelta(hours=2),
        subject="柜台排队",
        note="客户投诉等候时间过长。",
    )
    _, _, changes = notes.log_interaction(session, complaint)
    assert changes.churn
    assert _level(session, LOUD)[0] == "amber"  # 1 complaint: -4 + 3 - 0.05 -> 0.28
    notes.log_interaction(session, complaint)
    level, _score = _level(session, LOUD)
    assert level == "red"
    with session.store.read() as conn:
        loud = book.churn_assessment(conn, LOUD)
    assert loud is not None
    assert loud.reasons[0].code == "complaints_90d"
    assert loud.reasons[0].values["value"] == 2
    # The other customers were not touched.
    assert _level(session, CALM)[0] == "green"


def test_refused_models_leave_the_previous_one_in_use(session: Session) -> None:
    _install(session, _model("good"))
    unknown = json.loads(_model("future").dumps())
    unknown["format_version"] = 2
    with session.store.transaction() as conn:
        refusal = churn_store.receive_model(conn, "future", json.dumps(unknown), RECEIVED)
    assert refusal is not None
    assert "format version 2" in refusal
    foreign = json.loads(_model("csv").dumps())
    foreign["features"][0]["name"] = "Total_Trans_Ct"
    with session.store.transaction() as conn:
        refusal = churn_store.receive_model(conn, "csv", json.dumps(foreign), RECEIVED)
        assert refusal is not None
        assert "cannot compute: Total_Trans_Ct" in refusal
        assert churn.active_model(conn).version == "good"
        assert churn_store.latest_received(conn) in {"future", "csv"}


def test_watchlist_history_and_events(session: Session) -> None:
    _install(session, _model())
    churn.rescore_all(session)
    rows = churn.watchlist(session)
    assert [r.customer_id for r in rows] == [QUIET]
    assert rows[0].level is ChurnLevel.AMBER
    assert rows[0].aum_at_risk_fen == round(rows[0].aum_fen * rows[0].score)
    for sort in churn.WATCHLIST_SORTS:
        assert [r.customer_id for r in churn.watchlist(session, sort=sort)] == [QUIET]
    history = churn.score_history(session, QUIET)
    assert [p.month for p in history] == ["2026-11"]
    assert churn.flagged_count(session) == 1
    assert churn.flagged_count(session, frozenset({ChurnLevel.RED})) == 0
    churn.dismiss(session, QUIET, "months_without_txn", "客户在国外，已知情")
    assert churn.watchlist(session) == []
    assert churn.flagged_count(session) == 1  # still amber; only hidden from the list
    assert [r.last_event for r in churn.watchlist(session, include_dismissed=True)] == ["dismiss"]
    with session.store.read() as conn:
        pending = outbox.pending(conn)
    event = pending[-1]
    assert (event.entity, event.op, event.name) == ("churn_event", "event", "churn.dismiss")
    assert event.fields["customer_id"] == QUIET
    assert event.fields["action"] == "dismiss"
    assert event.fields["reason_code"] == "months_without_txn"
    churn.acknowledge(session, QUIET)
    with session.store.read() as conn:
        assert [e["action"] for e in churn_store.events(conn, QUIET)] == ["dismiss", "acknowledge"]


def test_a_green_customers_reasons_reach_the_profile_and_the_watchlist(session: Session) -> None:
    """Stored without reasons, a green customer still shows them: in the profile, the
    playbook's suggestions and a watchlist that includes green."""
    # No RM contact on record: a small positive contribution, far below amber.
    model = _model("green-reasons")
    contact = additive.NumericTerm(
        "days_since_rm_contact", np.array([30.0]), np.array([0.0, 0.2]), 0.4
    )
    _install(session, dataclasses.replace(model, terms=(*model.terms, contact)))
    churn.rescore_all(session)
    with session.store.read() as conn:
        green = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT c.id FROM customers c JOIN churn_scores s ON s.customer_id = c.id "
                "WHERE c.churn_level = 'green' AND s.reasons = '[]'"
            )
        ]
        assert green
        worked_out = {cif: churn.assessment(conn, cif) for cif in green}
    told = [cif for cif, a in worked_out.items() if a is not None and a.reasons]
    assert told  # at least one green customer has a positive contribution
    for cif in told:
        found = worked_out[cif]
        assert found is not None
        profile = book_service.customer_profile(session, cif)
        assert profile.churn is not None
        assert profile.churn.reasons == found.reasons
        assert [s.reason.code for s in churn.suggestions(session, cif)] == [
            s.reason.code for s in DEFAULT_PLAYBOOK.suggest(found.reasons)
        ]
    rows = {
        r.customer_id: r for r in churn.watchlist(session, levels=frozenset({ChurnLevel.GREEN}))
    }
    for cif in told:
        top = worked_out[cif].reasons[0]  # type: ignore[union-attr]
        assert rows[cif].top_reason == top


def test_a_month_keeps_its_latest_score_and_the_next_month_seals_it(session: Session) -> None:
    """Rescoring within a month moves that month's point (the live score); the first
    scoring in a later month seals it into the history, and the watchlist's trend
    compares with it."""
    _install(session, _model())
    churn.rescore_all(session)
    _install(session, dataclasses.replace(_model("test-2"), intercept=-3.5))
    churn.rescore_all(session)
    november = churn.score_history(session, QUIET)
    assert [(p.month, p.model_version) for p in november] == [("2026-11", "test-2")]
    with session.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM churn_score_history").scalar() == 0
    assert churn.watchlist(session)[0].trend is None  # nothing sealed yet to compare with
    later = dataclasses.replace(session, clock=lambda: NOW + timedelta(days=10))  # December
    _install(later, dataclasses.replace(_model("test-3"), intercept=-3.0))
    churn.rescore_all(later)
    history = churn.score_history(later, QUIET)
    assert [(p.month, p.model_version) for p in history] == [
        ("2026-11", "test-2"),
        ("2026-12", "test-3"),
    ]
    assert history[0].score == november[0].score
    assert history[1].score > history[0].score  # a higher intercept
    row = churn.watchlist(later)[0]
    assert row.trend == pytest.approx(history[1].score - history[0].score)
    with later.store.read() as conn:  # every customer's November point, once
        sealed = conn.exec_driver_sql(
            "SELECT month, count(*) FROM churn_score_history GROUP BY month"
        ).fetchall()
    assert sealed == [("2026-11", 3)]


def test_suggestions_and_one_click_task(session: Session) -> None:
    _install(session, _model())
    churn.rescore_all(session)
    suggestions = churn.suggestions(session, QUIET)
    assert suggestions[0].reason.code == "months_without_txn"
    assert suggestions[0].action.action == "reactivation_offer"
    task, changes = churn.create_task_from_suggestion(
        session, QUIET, ReasonCode.MONTHS_WITHOUT_TXN, title="激活优惠回访"
    )
    assert changes.tasks
    assert task.source is TaskSource.CHURN_ACTION
    assert task.reason_code == "months_without_txn"
    assert task.due == NOW.date() + timedelta(
        days=DEFAULT_PLAYBOOK.action_for(ReasonCode.MONTHS_WITHOUT_TXN).due_days
    )
    with session.store.read() as conn:
        created = outbox.pending(conn)[-1]
    assert created.name == "task.create"
    assert created.fields["reason_code"] == "months_without_txn"
    assert created.fields["source"] == "churn_action"


def test_stored_reasons_equal_the_domain_reasons() -> None:
    """The book-wide fast path writes exactly what `additive.reasons_for` returns."""
    import pandas as pd  # noqa: PLC0415

    from rm_desk.domain.churn.indicators import (  # noqa: PLC0415
        BY_CODE,
        CODES,
        detail_column,
        telling,
    )

    rng = np.random.default_rng(8)
    n = 600
    data: dict[str, np.ndarray] = {}
    for code in CODES:
        raw = rng.normal(0, 40, n)  # unrounded, rounded to 1 decimal, and whole numbers
        kind = rng.integers(0, 3, n)
        value = np.where(kind == 0, raw, np.where(kind == 1, np.round(raw, 1), np.round(raw)))
        data[code] = np.where(rng.random(n) < 0.1, np.nan, value)
        for key in BY_CODE[code].details:
            detail = rng.integers(0, 10**12, n).astype(float)
            detail[rng.random(n) < 0.05] = np.nan
            detail[rng.random(n) < 0.05] = -0.0
            detail[rng.random(n) < 0.05] = 1e20  # beyond int64
            detail[rng.random(n) < 0.02] = np.inf
            data[detail_column(code, key)] = detail + np.where(rng.random(n) < 0.2, 0.123456, 0)
    data["months_without_txn"] = rng.integers(0, 6, n).astype(float)
    frame = pd.DataFrame(data, index=[f"C{i}" for i in range(n)])
    model = churn.default_model()
    scores = additive.score(model, frame)
    rows = churn._score_rows(frame, scores, model.version, "2026-11-24T00:00:00+00:00")
    top = additive.top_reasons(scores, churn.REASONS_KEPT, telling=telling(frame, scores.features))
    values = {c: frame[c].to_numpy() for c in frame.columns}
    details: dict[str, Sequence[str]] = {c: BY_CODE[c].details for c in CODES}
    assert any(r >= 0 for r in scores.raised_by)  # some rows raised by the hard rule
    for i, row in enumerate(rows):
        expected = additive.reasons_for(scores, i, top, values, details)
        assert row[0] == f"C{i}"
        wanted = [
            {"code": r.code, "contribution": r.contribution, "values": r.values} for r in expected
        ]
        assert json.loads(row[3]) == wanted
        # The same types too (an integer stays an integer, 3 is not 3.0).
        assert json.dumps(json.loads(row[3]), sort_keys=True) == json.dumps(wanted, sort_keys=True)
    assert {len(json.loads(r[3])) for r in rows} >= {3, 4}  # rule first, plus the top 3


@pytest.mark.parametrize("kind", [InteractionKind.VISIT, InteractionKind.CALL,
                                  InteractionKind.MESSAGE])  # fmt: skip
def test_logging_an_rm_contact_never_raises_level_or_probability(
    session: Session, kind: InteractionKind
) -> None:
    """Through the real service (log the contact, rescore in its transaction), with the
    shipped model: each contact, older then newer, leaves every customer's leave
    probability and level where they were or lower."""
    churn.rescore_all(session)
    rank = {"green": 0, "amber": 1, "red": 2}
    for days_ago in (200, 45, 12, 0):
        for cif in (CALM, QUIET, LOUD):
            before_level, before_score = _level(session, cif)
            assert before_level is not None
            assert before_score is not None
            contact = NoteInput(
                customer_id=cif,
                kind=kind,
                occurred_at=NOW - timedelta(days=days_ago, hours=1),
                subject="回访",
                note="例行联系。",
            )
            notes.log_interaction(session, contact)
            after_level, after_score = _level(session, cif)
            assert after_level is not None
            assert after_score is not None
            assert after_score <= before_score + 1e-9, (cif, days_ago)
            assert rank[after_level] <= rank[before_level], (cif, days_ago)
