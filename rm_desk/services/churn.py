"""Churn early warning on the client: scoring the book offline, the watchlist, a
customer's score history, and the retention playbook's one-click actions.

The active model is the last one the server published that this build accepts
(validated on arrival; a refused one leaves the previous model in use), or the
default model shipped with the application (trained on the demo bank's history).
`rescore_all` runs when the active model changes or after a first sync;
`rescore_customer` runs inside the transaction of any local write under one
customer (a complaint logged offline changes that customer's level at once).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from local_store import Connection, book, outbox
from local_store import churn as store
from local_store.codec import t2s
from rm_desk.domain.churn import additive
from rm_desk.domain.churn.indicators import (
    BY_CODE,
    CODES,
    SNAPSHOT_COLUMNS,
    compute_indicators,
    month_index,
)
from rm_desk.domain.churn.playbook import DEFAULT_PLAYBOOK, Playbook, Suggestion
from rm_desk.domain.errors import ErrorCode, InvalidInput
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import (
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    FollowUpTask,
    TaskSource,
)
from rm_desk.domain.rules import ReasonCode
from rm_desk.domain.text import clean_text
from rm_desk.services import tasks
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

DEFAULT_MODEL_FILE: Final[str] = "churn_default_model.json"
REASONS_KEPT: Final[int] = 3
LARGE_SYNC: Final[int] = 5_000  # customers touched by a sync above which all are rescored
_DETAILS: Final[dict[str, tuple[str, ...]]] = {c: BY_CODE[c].details for c in CODES}


class ChurnActionError(InvalidInput):
    """An action on a churn flag that cannot be taken (the code says why)."""


@lru_cache(maxsize=1)
def default_model() -> additive.AdditiveModel:
    body = resources.files("rm_desk.services.data").joinpath(DEFAULT_MODEL_FILE).read_text("utf-8")
    return additive.load_model(body, computable=CODES)


@lru_cache(maxsize=4)
def _parsed(version: str, body: str) -> additive.AdditiveModel:
    return additive.load_model(body, computable=CODES)


def active_model(conn: Connection) -> additive.AdditiveModel:
    stored = store.active_model(conn)
    if stored is not None:
        try:
            return _parsed(*stored)  # parsed once per version, not per profile opened
        except additive.ModelRejected:
            pass  # stored by an older build that read it differently: use the default
    return default_model()


# --- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RescoreSummary:
    customers: int
    red: int
    amber: int
    model_version: str
    seconds: float


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _indicators(inputs: store.ChurnInputs, as_of: date) -> Any:
    """The indicator frame of the customers read into `inputs`."""
    ref = int(month_index([inputs.ref_month])[0]) if inputs.ref_month else None
    return compute_indicators(
        inputs.customers, _NO_SNAPSHOTS, inputs.holdings, inputs.interactions, as_of,
        ref_month=ref, summary=inputs.summary,
    )  # fmt: skip


def score_in(
    conn: Connection,
    now: datetime,
    customer_ids: list[str] | None = None,
    model: additive.AdditiveModel | None = None,
    timings: dict[str, float] | None = None,
) -> RescoreSummary:
    """Score customers (all when None) and write the results, inside `conn`'s
    transaction. `timings`, when given, receives the seconds of each phase."""
    clock = time.perf_counter
    marks = [clock()]
    model = model or active_model(conn)
    as_of = now.date()
    inputs = store.load_inputs(conn, as_of, customer_ids, remember=customer_ids is None)
    marks.append(clock())
    frame = _indicators(inputs, as_of)
    marks.append(clock())
    scores = additive.score(model, frame)
    marks.append(clock())
    reasons_seconds = [0.0]

    def reasons(start: int, stop: int) -> list[str]:
        # Kept for amber and red customers, the ones the bank acts on; a green
        # customer's are worked out when asked (`assessment`, `explain`).
        begun = clock()
        flagged = np.flatnonzero(scores.levels[start:stop] > 0) + start
        texts = ["[]"] * (stop - start)
        if len(flagged):
            kept = _reasons_json(frame.iloc[flagged], additive.scores_take(scores, flagged))
            for row, text in zip((flagged - start).tolist(), kept, strict=True):
                texts[row] = text
        reasons_seconds[0] += clock() - begun
        return texts

    ids = [str(i) for i in frame.index.tolist()]
    pks = [inputs.pks[i] for i in ids]
    scored = list(zip(ids, pks, np.round(scores.probability, 6).tolist(),
                      _LEVEL_NAMES[scores.levels].tolist(), strict=True))  # fmt: skip
    # history: the month scored in; the reasons are built while the book rows are written
    store.save_scores(conn, scored, reasons, model.version, t2s(now) or "", as_of.isoformat()[:7])
    marks.append(clock())
    if timings is not None:
        for name, a, b in zip(("read", "indicators", "score", "write"), marks, marks[1:],
                              strict=False):  # fmt: skip
            timings[name] = timings.get(name, 0.0) + (b - a)
        timings["reasons"] = timings.get("reasons", 0.0) + reasons_seconds[0]
    return RescoreSummary(
        customers=len(scored),
        red=int((scores.levels == 2).sum()),
        amber=int((scores.levels == 1).sum()),
        model_version=model.version,
        seconds=marks[-1] - marks[0],
    )


_NO_SNAPSHOTS = pd.DataFrame(columns=list(SNAPSHOT_COLUMNS))
_LEVEL_NAMES = np.array([lv.value for lv in (ChurnLevel.GREEN, ChurnLevel.AMBER, ChurnLevel.RED)])


def _score_rows(
    frame: Any, scores: additive.Scores, model_version: str, at: str
) -> list[store.ScoreRow]:
    """One row per customer as stored: id, score, level, reasons JSON, model, time."""
    reasons = _reasons_json(frame, scores)
    prob = np.round(scores.probability, 6).tolist()
    levels = _LEVEL_NAMES[scores.levels].tolist()
    return [
        (str(i), p, lv, r, model_version, at)
        for i, p, lv, r in zip(frame.index.tolist(), prob, levels, reasons, strict=True)
    ]


def _reasons_json(frame: Any, scores: additive.Scores) -> list[str]:
    """Each customer's reasons as JSON, the same reasons as `additive.reasons_for` (its
    top REASONS_KEPT positive contributions, the hard rule's feature first when a rule
    raised the level). The JSON is assembled from per-feature text pieces built a
    column at a time for the customers that cite the feature, not from one dictionary
    per customer."""
    n = len(frame)
    features = scores.features
    top = additive.top_reasons(scores, REASONS_KEPT)
    raised = scores.raised_by
    # The cited features in order: the raising rule's feature first when it is not
    # among the top ones, then the top ones; -1 for an empty slot.
    prepend = (raised >= 0) & ~(top == raised[:, None]).any(axis=1)
    slots = np.full((n, top.shape[1] + 1), -1, dtype=np.int64)
    slots[:, 1:] = top
    slots[prepend, 0] = raised[prepend]
    levels = _LEVEL_NAMES[scores.levels]
    pieces = np.full(slots.shape, "", dtype=object)
    for j, name in enumerate(features):
        where = np.nonzero(slots == j)
        if len(where[0]) == 0:
            continue
        rows = where[0]
        head = f'{{"code":{json.dumps(name, ensure_ascii=False)},"contribution":'
        # A feature's contribution is one of its curve's few values: each formatted once.
        distinct, which = np.unique(scores.contributions[rows, j], return_inverse=True)
        formatted = np.array([repr(round(c, 6)) for c in distinct.tolist()], dtype=object)
        contribution = formatted[which.reshape(-1)].tolist()
        parts = []
        if name in frame.columns:
            parts.append(("value", frame[name].to_numpy(dtype=np.float64)[rows]))
        for key in _DETAILS.get(name, ()):
            column = f"{name}:{key}"
            if column in frame.columns:
                parts.append((key, frame[column].to_numpy(dtype=np.float64)[rows]))
        texts = []
        for key, values in parts:
            label = json.dumps(key, ensure_ascii=False) + ":"
            texts.append([label + t for t in _json_numbers(values)])
        rule = [
            f',"rule":"at_least_{lv}"' if by_rule else ""
            for by_rule, lv in zip((raised[rows] == j).tolist(), levels[rows].tolist(), strict=True)
        ]
        body = [",".join(v) for v in zip(*texts, strict=True)] if texts else [""] * len(rows)
        if not texts:  # a rule's mark without values: no leading comma
            rule = [r[1:] for r in rule]
        pieces[where] = [
            f'{head}{c},"values":{{{b}{r}}}}}'
            for c, b, r in zip(contribution, body, rule, strict=True)
        ]
    return ["[" + ",".join(filter(None, row)) + "]" for row in pieces.tolist()]


def _json_numbers(values: npt.NDArray[np.float64]) -> list[str]:
    """Reason values as JSON text, as `additive.reasons_for` gives them: "missing" for
    NaN, whole numbers as integers, others rounded to 4 decimals."""
    whole = np.isfinite(values) & (values == np.floor(values))
    small = whole & (np.abs(values) < 2.0**62)  # exact in int64
    out: npt.NDArray[Any] = np.full(len(values), '"missing"', dtype=object)
    if small.any():
        out[small] = values[small].astype(np.int64).astype(str).astype(object)
    if (whole & ~small).any():
        out[whole & ~small] = [str(int(v)) for v in values[whole & ~small].tolist()]
    other = np.isfinite(values) & ~whole
    if other.any():  # a finite float's repr is its JSON text
        out[other] = [repr(round(v, 4)) for v in values[other].tolist()]
    infinite = np.isinf(values)
    if infinite.any():
        out[infinite] = [json.dumps(v) for v in values[infinite].tolist()]
    result: list[str] = out.tolist()
    return result


def _model_of(conn: Connection, version: str) -> additive.AdditiveModel:
    """The model a stored score was computed with (the active one unless it changed
    since; the active one when that version is no longer kept)."""
    active = active_model(conn)
    if version == active.version:
        return active
    body = store.model_body(conn, version)
    if body is not None:
        try:
            return _parsed(version, body)
        except additive.ModelRejected:
            pass
    return default_model() if version == default_model().version else active


def explain(
    conn: Connection, customer_ids: list[str], at: datetime, model_version: str
) -> dict[str, tuple[ChurnReason, ...]]:
    """Customers' reasons as the scoring at `at` with that model gave them (the same
    inputs and arithmetic as `score_in`), without storing anything."""
    if not customer_ids:
        return {}
    model = _model_of(conn, model_version)
    frame = _indicators(store.load_inputs(conn, at.date(), customer_ids), at.date())
    texts = _reasons_json(frame, additive.score(model, frame))
    return {
        str(i): book.reasons_from_json(t) for i, t in zip(frame.index.tolist(), texts, strict=True)
    }


def assessment(conn: Connection, customer_id: str) -> ChurnAssessment | None:
    """A customer's stored score with its reasons: as stored for amber and red, worked
    out for green (same model, same day as the score)."""
    found = book.churn_assessment(conn, customer_id)
    if found is None or found.reasons or found.level is not ChurnLevel.GREEN:
        return found
    reasons = explain(conn, [customer_id], found.scored_at, found.model_version)
    return dataclasses.replace(found, reasons=reasons.get(customer_id, ()))


def rescore_all(session: Session) -> tuple[RescoreSummary, Changes]:
    """Rescore the whole book with the active model (after a model change or a sync)."""
    with session.store.transaction() as conn:
        summary = score_in(conn, session.clock())
    return summary, Changes(book=True, churn=True, everything=True)


def rescore_customer(conn: Connection, customer_id: str, now: datetime) -> None:
    """Rescore one customer inside the caller's transaction (a local write under it)."""
    score_in(conn, now, [customer_id])


def after_sync(session: Session, *, model_changed: bool, full: bool, touched: set[str]) -> Changes:
    """Keep scores in step with what a sync brought."""
    if model_changed or full:
        return rescore_all(session)[1]
    if not touched:
        return Changes()
    if len(touched) > LARGE_SYNC:  # e.g. a new month of snapshots for the whole book
        return rescore_all(session)[1]
    ids = sorted(touched)
    with session.store.transaction() as conn:
        for start in range(0, len(ids), 500):
            score_in(conn, session.clock(), ids[start : start + 500])
    return Changes(customers=frozenset(ids), book=True, churn=True)


# --- what the UI shows -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    customer_id: str
    name: str
    level: ChurnLevel
    score: float
    aum_fen: int
    aum_at_risk_fen: int  # AUM x score: the money the bank expects to lose
    trend: float | None  # score now minus last month's, None without history
    top_reason: ChurnReason | None
    last_event: str | None  # acknowledge | dismiss, the latest


WATCHLIST_SORTS = store.WATCHLIST_SORTS


def watchlist(
    session: Session,
    *,
    levels: frozenset[ChurnLevel] = frozenset({ChurnLevel.RED, ChurnLevel.AMBER}),
    sort: str = "score",
    limit: int = 500,
    include_dismissed: bool = False,
) -> list[WatchlistRow]:
    """At-risk customers, sorted by score, level, AUM at risk or trend (biggest first).
    A dismissed flag stays hidden until the customer's level rises above the level
    it was dismissed at."""
    if sort not in WATCHLIST_SORTS:
        raise ValueError(f"unknown watchlist sort {sort!r}")
    wanted = sorted(lv.value for lv in levels)
    if not wanted:
        return []
    with session.store.read() as conn:
        previous = _previous_month(conn)
        rows = store.watchlist_rows(
            conn, wanted, sort, previous, limit * 2 if not include_dismissed else limit
        )
        worked_out = _green_reasons(conn, rows)
    out: list[WatchlistRow] = []
    rank = {ChurnLevel.GREEN.value: 0, ChurnLevel.AMBER.value: 1, ChurnLevel.RED.value: 2}
    for r in rows:
        action, _, at_level = (r[7] or "").partition("|")
        if (
            action == "dismiss"
            and not include_dismissed
            and rank.get(r[2], 0) <= rank.get(at_level, 0)
        ):
            continue
        reasons = worked_out.get(r[0]) or book.reasons_from_json(r[6])
        top = reasons[0] if reasons else None
        out.append(
            WatchlistRow(
                customer_id=r[0],
                name=r[1],
                level=ChurnLevel(r[2]),
                score=float(r[3]),
                aum_fen=int(r[4]),
                aum_at_risk_fen=round(r[4] * r[3]),
                trend=None if r[5] is None else float(r[3]) - float(r[5]),
                top_reason=top,
                last_event=action or None,
            )
        )
        if len(out) == limit:
            break
    return out


def _green_reasons(conn: Connection, rows: Sequence[Any]) -> dict[str, tuple[ChurnReason, ...]]:
    """Watchlist rows of green customers (kept without reasons): their reasons worked
    out, grouped by the day and model they were scored with."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r[2] == ChurnLevel.GREEN.value and r[6] == "[]":
            groups.setdefault((str(r[8])[:10], str(r[9])), []).append(str(r[0]))
    found: dict[str, tuple[ChurnReason, ...]] = {}
    for (day, version), ids in groups.items():
        found.update(explain(conn, ids, datetime.fromisoformat(day).replace(tzinfo=UTC), version))
    return found


def flagged_count(
    session: Session, levels: frozenset[ChurnLevel] = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})
) -> int:
    """How many customers carry one of these levels (the watchlist shows the top ones)."""
    wanted = sorted(lv.value for lv in levels)
    if not wanted:
        return 0
    with session.store.read() as conn:
        return store.level_count(conn, wanted)


def _previous_month(conn: Connection) -> str:
    """The month before the latest scoring's (the trend compares with its sealed point)."""
    latest = store.live_month(conn) or "0000-01"
    index = int(latest[:4]) * 12 + int(latest[5:7]) - 2
    return _month_text(index)


@dataclass(frozen=True, slots=True)
class ScorePoint:
    month: str
    score: float
    level: ChurnLevel
    model_version: str


def score_history(session: Session, customer_id: str) -> list[ScorePoint]:
    """One point per month the customer was scored in (the month's latest score)."""
    with session.store.read() as conn:
        return [
            ScorePoint(m, s, ChurnLevel(lv), v)
            for m, s, lv, v in store.score_history(conn, customer_id)
        ]


def model_info(session: Session) -> dict[str, Any]:
    """The model in use: version, training date, thresholds and training figures."""
    with session.store.read() as conn:
        model = active_model(conn)
        stored = store.active_model(conn)
    return {
        "version": model.version,
        "trained_at": model.trained_at,
        "source": "server" if stored and stored[0] == model.version else "default",
        "red": model.red,
        "amber": model.amber,
        "metrics": dict(model.metrics),
    }


# --- the retention playbook -----------------------------------------------------------------


def suggestions(
    session: Session, customer_id: str, playbook: Playbook = DEFAULT_PLAYBOOK
) -> list[Suggestion]:
    """Suggested retention actions for a customer's current reasons, largest first."""
    with session.store.read() as conn:
        found = assessment(conn, customer_id)
    if found is None:
        return []
    return playbook.suggest(found.reasons)


def create_task_from_suggestion(
    session: Session,
    customer_id: str,
    reason_code: ReasonCode,
    *,
    title: str,
    playbook: Playbook = DEFAULT_PLAYBOOK,
    assignee: str | None = None,
    due: date | None = None,
) -> tuple[FollowUpTask, Changes]:
    """One click: the suggestion becomes a follow-up task (source churn_action) that
    carries the reason code; `title` is the action in the user's words."""
    action = playbook.action_for(reason_code)
    when = due or session.clock().date() + timedelta(days=action.due_days)
    return tasks.create_task(
        session,
        customer_id,
        title,
        when,
        priority=action.priority,
        assignee=assignee,
        source=TaskSource.CHURN_ACTION,
        detail=f"churn_action:{action.action}",
        reason_code=reason_code,
    )


def acknowledge(
    session: Session, customer_id: str, reason_code: str | None = None, note: str = ""
) -> Changes:
    return _event(session, customer_id, "acknowledge", reason_code, note)


def dismiss(
    session: Session, customer_id: str, reason_code: str | None = None, note: str = ""
) -> Changes:
    return _event(session, customer_id, "dismiss", reason_code, note)


def _event(
    session: Session, customer_id: str, action: str, reason_code: str | None, note: str
) -> Changes:
    note = clean_text(note)
    if len(note) > 2000:
        raise ChurnActionError(ErrorCode.CHURN_NOTE_TOO_LONG, limit=2000)
    now = session.clock()
    event_id = uuid7()
    with session.store.transaction() as conn:
        assessment = book.churn_assessment(conn, customer_id)
        if assessment is None:
            book.get_customer(conn, customer_id)  # NotFound when not in the book
            raise ChurnActionError(ErrorCode.CHURN_NO_FLAG)
        fields = payload(
            protocol.ChurnEventFields,
            ChurnActionError,
            customer_id=customer_id,
            action=action,
            reason_code=reason_code,
            note=note,
            score=assessment.score,
        )
        at = t2s(now) or ""
        store.record_event(conn, event_id, customer_id, action, reason_code, note,
                           assessment.score, assessment.level.value, at)  # fmt: skip
        outbox.enqueue(
            conn,
            f"churn.{action}",
            "churn_event",
            event_id,
            "event",
            fields,
            base_version=None,
            client_time=now,
        )
        session.audit_edit(conn, "churn_event", event_id, action, customer_id=customer_id)
    return Changes(customers=frozenset({customer_id}), churn=True, outbox=True, book=True)
