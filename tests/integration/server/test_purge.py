"""The change-log purge: what it drops and keeps, the horizon pull compares cursors
with, `rm-desk-central purge`, and the periodic purge of `serve` (with the gateway's
injected clock, on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update

from sync.server import admin, db, replication, schema
from sync.server.app import create_app
from tests.integration.conftest import run_gateway

CENTRAL = Path(sys.executable).parent / "rm-desk-central"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # the test's clock: never the wall clock


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    fixture = "admin_engine_sqlite" if request.param == "sqlite" else "admin_engine_pg"
    found: Engine = request.getfixturevalue(fixture)
    return found


def log_at(engine: Engine, at: datetime, entity_id: str, op: str = "upsert") -> int:
    """One change-log entry written at `at`; returns its sequence number."""
    with engine.begin() as conn:
        return db.ChangeWriter(conn, at=at).log(["rm:rm001"], "task", entity_id, op)


def purged_upto(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(schema.server_meta.c.value).where(
                    schema.server_meta.c.key == replication.META_PURGED_UPTO
                )
            ).scalar()
            or 0
        )


def log_seqs(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(schema.change_log.c.seq)).scalars())


def add_task(engine: Engine, task_id: str, customer: str, *, deleted: bool, seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(schema.tasks).values(
                id=task_id, customer_id=customer, title="回访", due="2026-03-01", priority=2,
                assignee="rm001", created_by="rm001", source="manual", status="open",
                deleted=deleted, version=2, field_versions={}, seq=seq,
            )
        )  # fmt: skip


def a_customer(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(func.min(schema.customers.c.id))).scalar_one())


def test_purge_drops_what_is_older_than_the_horizon_and_keeps_the_rest(engine: Engine) -> None:
    admin.seed(engine, 10, 2, seed=3, as_of=T0.date())
    customer = a_customer(engine)
    old = [log_at(engine, T0 + timedelta(days=d), f"t-old-{d}") for d in range(3)]
    gone_task = log_at(engine, T0 + timedelta(days=3), "t-gone", "delete")
    add_task(engine, "t-gone", customer, deleted=True, seq=gone_task)
    add_task(engine, "t-live", customer, deleted=False, seq=old[0])
    recent = [log_at(engine, T0 + timedelta(days=d), f"t-new-{d}") for d in (60, 61)]
    late_delete = log_at(engine, T0 + timedelta(days=62), "t-late", "delete")
    add_task(engine, "t-late", customer, deleted=True, seq=late_delete)

    now = T0 + timedelta(days=100)
    result = replication.purge_older_than(engine, timedelta(days=90), now)

    assert result.horizon_seq == gone_task  # the last entry written before day 10
    assert result.log_entries == 4
    assert result.tombstones == 1
    assert result.finished
    assert purged_upto(engine) == gone_task
    assert log_seqs(engine) == [*recent, late_delete]
    with engine.connect() as conn:
        tasks = set(conn.execute(select(schema.tasks.c.id)).scalars())
    assert {"t-live", "t-late"} <= tasks  # a live task stays; so does a recent tombstone
    assert "t-gone" not in tasks
    assert "purged 4 change-log entries and 1 deleted task older than 90 days" in (
        result.line(timedelta(days=90))
    )

    # Nothing new is old enough: nothing happens, and the horizon never moves back.
    again = replication.purge_older_than(engine, timedelta(days=90), now)
    assert (again.log_entries, again.tombstones, again.horizon_seq) == (0, 0, gone_task)
    assert again.line(timedelta(days=90)).startswith("nothing older than 90 days")
    earlier = replication.purge_older_than(engine, timedelta(days=99), now)
    assert earlier.horizon_seq == gone_task
    assert purged_upto(engine) == gone_task


def test_a_stopped_purge_has_committed_its_horizon_and_the_next_run_finishes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replication, "PURGE_BATCH", 2)
    seqs = [log_at(engine, T0, f"t-{i}") for i in range(5)]
    stop = threading.Event()
    stop.set()
    stopped = replication.purge_older_than(engine, timedelta(days=1), T0 + timedelta(days=2), stop)
    assert not stopped.finished
    assert stopped.horizon_seq == seqs[-1]
    assert purged_upto(engine) == seqs[-1]  # pulls from older cursors reset already
    assert log_seqs(engine) == seqs  # nothing deleted yet
    done = replication.purge_through(engine, 0)  # the horizon stays where it was
    assert done.finished
    assert done.log_entries == 5  # in batches of 2
    assert log_seqs(engine) == []


def test_a_purge_horizon_must_be_a_positive_age(engine: Engine) -> None:
    with pytest.raises(ValueError, match="positive"):
        replication.purge_older_than(engine, timedelta(0), T0)


# --- rm-desk-central purge -------------------------------------------------------------


def central(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    return subprocess.run([str(CENTRAL), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str], status: int) -> str:
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rm-desk-central: error: ")
    return lines[0]


def test_cli_purge_prints_one_summary_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    old = [log_at(engine, datetime(2020, 1, 1, tzinfo=UTC), f"t-{i}") for i in range(3)]
    engine.dispose()

    result = central("purge", "--older-than", "30", "--db", url, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"purged 3 change-log entries and 0 deleted tasks older than 30 days "
        f"(horizon at sequence {old[-1]}); clients last synced before it will resynchronise"
    ]
    again = central("--db", url, "purge", "--older-than", "30", home=tmp_path)
    assert again.stdout.splitlines() == [
        f"nothing older than 30 days to purge (horizon at sequence {old[-1]})"
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--older-than", "0"], "0 is less than 1"),
        (["--older-than", "ninety"], "'ninety' is not a whole number"),
        (["--older-than", "99999999"], "is more than 36500 days"),
        ([], "the following arguments are required: --older-than"),
    ],
)
def test_cli_purge_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert fragment in one_line_error(central("purge", *args, "--db", url, home=tmp_path), 2)


def test_cli_purge_on_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    line = one_line_error(central("purge", "--older-than", "30", "--db", url, home=tmp_path), 1)
    assert "cannot reach the database" in line


# --- the periodic purge of serve -------------------------------------------------------


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_the_gateway_purges_periodically_by_its_clock_and_stops_cleanly(engine: Engine) -> None:
    now = [T0]
    first = log_at(engine, T0, "t-first")
    schedule = replication.PurgeSchedule(every=timedelta(milliseconds=20),
                                         older_than=timedelta(days=30))  # fmt: skip
    app = create_app(engine, clock=lambda: now[0], purge=schedule)
    server, thread, _url = run_gateway(app, lifespan="on")
    try:
        time.sleep(0.1)  # several runs of the loop: nothing is 30 days old by its clock
        assert purged_upto(engine) == 0
        assert log_seqs(engine) == [first]
        second = log_at(engine, T0 + timedelta(days=20), "t-second")
        now[0] = T0 + timedelta(days=31)  # the gateway's clock moves on, no one sleeps
        wait_for(lambda: purged_upto(engine) == first, "the first purge")
        wait_for(lambda: log_seqs(engine) == [second], "the entry to go")
        now[0] = T0 + timedelta(days=51)
        wait_for(lambda: log_seqs(engine) == [], "the second purge")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()  # the loop stopped with the server


def test_cli_serve_purges_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    old = log_at(engine, datetime(2020, 1, 1, tzinfo=UTC), "t-old")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    command = [str(CENTRAL), "serve", "--db", url, "--port", "0",
               "--purge-every", "0.0001", "--purge-older-than", "30"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("serving the sync gateway on http://")
            wait_for(lambda: purged_upto(engine) == old, "serve to purge")
        finally:
            process.terminate()
            _out, err = process.communicate(timeout=30)
    engine.dispose()
    # uvicorn shuts down (the lifespan stops the purge loop), then re-raises SIGTERM.
    assert process.returncode in (0, -signal.SIGTERM), err
    assert err == ""  # no traceback, no lifespan error, no failed purge
    assert log_seqs_of(url) == []


def log_seqs_of(url: str) -> list[int]:
    engine = db.make_engine(url)
    try:
        return log_seqs(engine)
    finally:
        engine.dispose()


def test_pull_checks_the_horizon_again_after_reading_the_log(engine: Engine) -> None:
    """A purge that commits its horizon between the pull's state read and its page
    read must not hand out a page with holes: the pull answers reset_required."""
    from sync import protocol  # noqa: PLC0415
    from sync.server.errors import ProtocolError  # noqa: PLC0415
    from sync.server.principal import Principal  # noqa: PLC0415

    seqs = [log_at(engine, T0, f"t-{i}") for i in range(3)]
    caller = Principal(user_id="rm001", role="rm", branch="B1", device_id="d")
    request = protocol.PullRequest(
        schema_version=protocol.SCHEMA_VERSION,
        client_id="c",
        cursor=replication.encode_cursor(seqs[0], 0),
    )
    with engine.begin() as conn:  # the horizon committed, nothing deleted yet
        conn.execute(insert(schema.server_meta).values(
            key=replication.META_PURGED_UPTO, value=str(seqs[1])))  # fmt: skip
    with db.reading(engine) as conn, pytest.raises(ProtocolError) as caught:
        # The state as the pull read it just before the purge: horizon 0.
        replication._pull(conn, caller, request, target=seqs[-1], purged_upto=0, last_mutation=0)
    assert caught.value.code == protocol.ErrorCode.RESET_REQUIRED
    with engine.begin() as conn:
        conn.execute(update(schema.server_meta).values(value="0"))
    with db.reading(engine) as conn:
        page = replication._pull(
            conn, caller, request, target=seqs[-1], purged_upto=0, last_mutation=0
        )
    assert [c["seq"] for c in page["changes"]] == []  # no task rows: nothing visible
    assert page["cursor"] == replication.encode_cursor(seqs[-1], 0)


def test_cli_user_reset_scope_bumps_the_epoch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    admin.add_branch(engine, "B1", "一支行", "上海")
    admin.add_user(engine, "rm001", "rm", "B1", "a-long-password")
    result = central("user", "reset-scope", "rm001", "--db", url, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "scope of rm001 reset (epoch 1): each of their devices resynchronises in full on "
        "its next sync"
    ]
    with engine.connect() as conn:
        epoch = conn.execute(
            select(schema.users.c.scope_epoch).where(schema.users.c.user_id == "rm001")
        ).scalar_one()
    engine.dispose()
    assert epoch == 1
    missing = central("user", "reset-scope", "nobody", "--db", url, home=tmp_path)
    assert "user nobody does not exist" in one_line_error(missing, 1)
