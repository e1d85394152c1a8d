"""A queue nothing can poison: what the database refuses to store is one rejected
mutation, not a failed push; what is the database failing stays a failed push.

The database refusals here are real: a trigger on the gateway's own `interactions`
table (SQLite and PostgreSQL) refuses notes carrying a marker, raises a chosen
SQLSTATE, or ends its own connection (PostgreSQL), so both the one-by-one path and the
"run of notes applied together" path meet the same errors a real store gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError

from sync.protocol import SCHEMA_VERSION, Mutation, MutationResult, PushRequest
from sync.server import admin, clients, mutations, schema
from sync.server.principal import Principal
from tests.pg import pg_schema_engine

AT = datetime(2026, 11, 24, 9, tzinfo=UTC)
AS_OF = date(2026, 11, 24)

# Every marker but `refuse-me` is PostgreSQL only (SQLite triggers cannot pick an error).
PG_TRIGGER = """
CREATE FUNCTION poison_check() RETURNS trigger AS $$
BEGIN
  IF NEW.note LIKE '%refuse-me%' THEN
    RAISE EXCEPTION 'refused' USING ERRCODE = '23514';  -- check_violation
  ELSIF NEW.note LIKE '%bad-value%' THEN
    RAISE EXCEPTION 'bad value' USING ERRCODE = '22023';  -- invalid_parameter_value
  ELSIF NEW.note LIKE '%deadlock-me%' THEN
    RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01';  -- deadlock_detected
  ELSIF NEW.note LIKE '%shutdown-me%' THEN
    RAISE EXCEPTION 'shutting down' USING ERRCODE = '57P01';  -- admin_shutdown
  ELSIF NEW.note LIKE '%drop-me%' THEN
    PERFORM pg_terminate_backend(pg_backend_pid());  -- the connection really goes away
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER poison BEFORE INSERT ON interactions
  FOR EACH ROW EXECUTE FUNCTION poison_check();
"""
SQLITE_TRIGGER = """
CREATE TRIGGER poison BEFORE INSERT ON interactions WHEN NEW.note LIKE '%refuse-me%'
BEGIN SELECT RAISE(ABORT, 'refused'); END
"""


def _seed(engine: Engine) -> Principal:
    from sync.server import db  # noqa: PLC0415

    db.create_schema(engine)
    admin.seed(engine, customers=10, rms=1, seed=5, as_of=AS_OF)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(PG_TRIGGER))
        else:
            conn.exec_driver_sql(SQLITE_TRIGGER)
    return Principal(user_id="rm001", role="rm", branch=_branch(engine), device_id="d1")


def _branch(engine: Engine) -> str:
    c = schema.customers.c
    with engine.connect() as conn:
        return str(conn.execute(select(c.branch).where(c.owner_rm == "rm001")).scalar())


def _mine(engine: Engine) -> str:
    c = schema.customers.c
    with engine.connect() as conn:
        return str(conn.execute(select(c.id).where(c.owner_rm == "rm001").order_by(c.id)).scalar())


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    from sync.server import db  # noqa: PLC0415

    if request.param == "sqlite":
        made = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
        yield made
        made.dispose()
    else:
        with pg_schema_engine() as made:
            yield made


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with pg_schema_engine() as made:
        yield made


def _note(n: int, customer: str, note: str) -> Mutation:
    return Mutation(
        mutation_id=n,
        name="interaction.create",
        entity="interaction",
        entity_id=f"note-{n}",
        op="create",
        fields={"customer_id": customer, "kind": "visit", "occurred_at": AT.isoformat(),
                "note": note},
        client_time=AT,
    )  # fmt: skip


def _task_update(n: int, task_id: str, title: str) -> Mutation:
    return Mutation(
        mutation_id=n,
        name="task.update",
        entity="task",
        entity_id=task_id,
        op="update",
        fields={"title": title},
        client_time=AT,
    )


def _push(engine: Engine, who: Principal, batch: list[Mutation]) -> tuple[int, list[Any]]:
    request = PushRequest(schema_version=SCHEMA_VERSION, client_id="c1", mutations=batch)
    answer = mutations.push(engine, who, request)
    return answer.last_mutation_id, [(r.mutation_id, r.outcome, r.reason) for r in answer.results]


def _stored_notes(engine: Engine) -> dict[str, str]:
    i = schema.interactions.c
    with engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(select(i.id, i.note).where(i.id.like("note-%")))}


def _last(engine: Engine, who: Principal) -> int:
    with engine.connect() as conn:
        return clients.last_mutation_id(conn, "c1", who)


@pytest.mark.parametrize("together", [True, False], ids=["run-of-notes", "one-by-one"])
def test_a_note_the_database_refuses_is_rejected_and_the_rest_applied(
    engine: Engine, together: bool
) -> None:
    who = _seed(engine)
    mine = _mine(engine)
    texts = ["first", "please refuse-me", "third", "fourth"]
    batch = [_note(n, mine, t) for n, t in enumerate(texts, start=1)]
    if together:
        last, results = _push(engine, who, batch)
    else:
        pushed = [_push(engine, who, [m]) for m in batch]
        last, results = pushed[-1][0], [r for _, rs in pushed for r in rs]
    assert results == [
        (1, "applied", None),
        (2, "rejected", "not_storable"),
        (3, "applied", None),
        (4, "applied", None),
    ]
    assert last == _last(engine, who) == 4
    assert _stored_notes(engine) == {"note-1": "first", "note-3": "third", "note-4": "fourth"}
    # The outcome is stored: a retried push (its answer lost) gets the same answer.
    assert _push(engine, who, batch)[1] == results


def test_a_refused_task_edit_is_rejected_with_the_servers_row(pg_engine: Engine) -> None:
    """A DataError raised on an update (not the notes' path) rolls back that mutation only."""
    who = _seed(pg_engine)
    t = schema.tasks.c
    with pg_engine.begin() as conn:
        task_id = conn.execute(select(t.id).where(t.assignee == "rm001").limit(1)).scalar()
        conn.execute(
            text(
                "CREATE FUNCTION task_check() RETURNS trigger AS $$ BEGIN "
                "IF NEW.title LIKE '%refuse-me%' THEN RAISE EXCEPTION 'no' USING ERRCODE = '22001';"
                " END IF; RETURN NEW; END $$ LANGUAGE plpgsql;"
                "CREATE TRIGGER task_poison BEFORE UPDATE ON tasks FOR EACH ROW "
                "EXECUTE FUNCTION task_check();"
            )
        )
    assert task_id is not None
    mine = _mine(pg_engine)
    request = PushRequest(
        schema_version=SCHEMA_VERSION,
        client_id="c1",
        mutations=[_task_update(1, task_id, "refuse-me"), _note(2, mine, "after it")],
    )
    results: list[MutationResult] = mutations.push(pg_engine, who, request).results
    assert [(r.outcome, r.reason) for r in results] == [
        ("rejected", "not_storable"),
        ("applied", None),
    ]
    assert results[0].current is not None
    assert results[0].current["id"] == task_id
    assert results[0].current["title"] != "refuse-me"  # what the client puts back


@pytest.mark.parametrize(
    "marker",
    ["deadlock-me", "shutdown-me", "drop-me"],
    ids=["deadlock", "server-shutting-down", "connection-lost"],
)
@pytest.mark.parametrize("together", [True, False], ids=["run-of-notes", "one-by-one"])
def test_the_database_failing_fails_the_push_and_nothing_is_recorded(
    pg_engine: Engine, marker: str, together: bool
) -> None:
    who = _seed(pg_engine)
    mine = _mine(pg_engine)
    assert _push(pg_engine, who, [_note(1, mine, "before")])[1] == [(1, "applied", None)]
    batch = [_note(2, mine, "second"), _note(3, mine, f"x {marker}"), _note(4, mine, "fourth")]
    if not together:
        _push(pg_engine, who, batch[:1])
    with pytest.raises(OperationalError):  # the app answers 500; the client retries
        _push(pg_engine, who, batch if together else batch[1:2])
    assert _last(pg_engine, who) == (1 if together else 2)
    assert set(_stored_notes(pg_engine)) == ({"note-1"} if together else {"note-1", "note-2"})
    with pg_engine.begin() as conn:
        conn.execute(text("DROP TRIGGER poison ON interactions"))
    retry = batch if together else batch[1:]
    assert all(r[1] == "applied" for r in _push(pg_engine, who, retry)[1])  # the retry applies
    assert _last(pg_engine, who) == 4


def test_hostile_text_is_stored_normalised(engine: Engine) -> None:
    """U+0000 (PostgreSQL refuses it in text), a lone surrogate and controls in a note,
    its participants and the mutation's name: the note is stored, cleaned."""
    who = _seed(engine)
    mine = _mine(engine)
    note = Mutation(
        mutation_id=1,
        name="interaction.create\x00",
        entity="interaction",
        entity_id="note-1",
        op="create",
        fields={"customer_id": mine, "kind": "visit", "occurred_at": AT.isoformat(),
                "note": "a\x00b\ud800c\x1b[0m\r\nd\u200f\U0001f600客户",
                "participants": ["\x00王\x07"], "subject": "\x85x"},
        client_time=AT,
    )  # fmt: skip
    assert _push(engine, who, [note, _note(2, mine, "later")])[1] == [
        (1, "applied", None),
        (2, "applied", None),
    ]
    i = schema.interactions.c
    with engine.connect() as conn:
        row = conn.execute(select(i.note, i.participants, i.subject).where(i.id == "note-1")).one()
    assert row.note == "ab\ufffdc[0m\nd\u200f\U0001f600客户"
    assert row.participants == ["王"]
    assert row.subject == "x"
