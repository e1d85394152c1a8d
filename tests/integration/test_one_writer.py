"""One writer per store (ARCHITECTURE §5): notes saved while a pull applies 1,000
changes, in one process and across two, against the real gateway (SQLite and
PostgreSQL). Nothing fails ("in use by another program"), nothing is lost, and every
note reaches the server exactly once.

In one process the two arrangements of the product are exercised: the window's, where
the pull runs on a network thread and hands every write to the session's database
thread (which also saves the notes), and the command line's, where threads writing to
one store take turns. Across processes the app pulls while a second process saves
notes in a loop and `rm-desk note add` saves one: write transactions begin IMMEDIATE,
so the processes wait for each other instead of failing.

SQLite's write lock is not fair: a process that commits and begins again at once can
keep a waiting writer out past its busy timeout (10 s). People and `rm-desk note add`
do not write back to back; the second process here saves a note every 20 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from local_store import outbox
from local_store.profiles import ProfileRegistry
from local_store.store import NotTheWriter
from rm_desk.domain.model import InteractionKind
from rm_desk.domain.permissions import customer_scopes
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes
from rm_desk.services import sync as sync_service
from rm_desk.services.notes import NoteInput
from rm_desk.services.session import Session
from sync.server import schema
from sync.server.db import ChangeWriter
from tests.integration.conftest import AS_OF, Gateway

CHANGES = 1000
NOW = datetime.combine(AS_OF, time(9), tzinfo=UTC)


def _registry(tmp_path: Path) -> ProfileRegistry:
    return ProfileRegistry(
        tmp_path / "client", policy=Policy(keyring=KeyringMode.OFF), clock=lambda: NOW
    )


def _server_contacts(engine: Engine, user: str, count: int) -> list[str]:
    """`count` service contacts logged at the branch about `user`'s customers: the
    next pull of that RM carries them all. Returns the customer ids."""
    c = schema.customers.c
    with engine.begin() as conn:
        customers = conn.execute(
            select(c.id, c.owner_rm, c.branch).where(c.owner_rm == user).order_by(c.id)
        ).all()
        log = ChangeWriter(conn)
        rows = []
        for i in range(count):
            customer = customers[i % len(customers)]
            contact_id = f"branch-contact-{i:05d}"
            seq = log.log(
                customer_scopes(customer.owner_rm, customer.branch),
                "interaction",
                contact_id,
                "upsert",
            )
            rows.append(
                {
                    "id": contact_id,
                    "customer_id": customer.id,
                    "kind": "service",
                    "occurred_at": NOW - timedelta(minutes=i),
                    "created_by": "teller001",
                    "subject": f"柜面业务 {i}",
                    "note": "",
                    "participants": [],
                    "outcome": "",
                    "next_step": "",
                    "created_at": NOW,
                    "version": 1,
                    "seq": seq,
                }
            )
        conn.execute(insert(schema.interactions), rows)
    return [str(r.id) for r in customers]


def _note(customer_id: str, i: int) -> NoteInput:
    return NoteInput(
        customer_id=customer_id,
        kind=InteractionKind.CALL,
        occurred_at=NOW,
        subject=f"回访 {i}",
        note=f"拉取期间记录的第 {i} 条",
    )


def _local_contacts(session: Session) -> int:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT count(*) FROM interactions WHERE id LIKE 'branch-contact-%'"
        ).fetchone()
    return int(row[0]) if row else 0


def _server_notes(engine: Engine, prefix: str) -> list[str]:
    i = schema.interactions.c
    with engine.connect() as conn:
        return list(
            conn.execute(select(i.note).where(i.note.like(f"{prefix}%")).order_by(i.note))
            .scalars()
            .all()
        )


def _save_notes_during(pull: Future[Any], save: Callable[[int], None], *, at_least: int = 5) -> int:
    """Save notes one after another until the pull has finished (and at least a few)."""
    saved = 0
    while not pull.done() or saved < at_least:
        save(saved)
        saved += 1
        if saved > 2000:  # bounded, whatever happens
            break
    return saved


@pytest.mark.parametrize("arrangement", ["window", "command line"])
def test_notes_saved_while_a_pull_applies_1000_changes_in_one_process(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path, arrangement: str
) -> None:
    reg = _registry(tmp_path)
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url).session
    customers = _server_contacts(gateway.engine, "rm001", CHANGES)

    database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    network = ThreadPoolExecutor(max_workers=1, thread_name_prefix="net")
    try:
        if arrangement == "window":
            db_thread = database.submit(threading.current_thread).result()

            def on_db(job: Callable[[], Any]) -> Any:
                if threading.current_thread() is db_thread:
                    return job()
                return database.submit(job).result()

            session.use_writer(on_db, db_thread)
            # From now on a write anywhere else is a programming error, not a race.
            with pytest.raises(NotTheWriter), session.store.transaction():
                pass

            def save(i: int) -> None:  # as the window does: a job on the database thread
                database.submit(notes.log_interaction, session, _note(customers[i % 7], i)).result()
        else:

            def save(i: int) -> None:
                notes.log_interaction(session, _note(customers[i % 7], i))

        pull = network.submit(sync_service.sync_session, session, bank["rm001"])
        saved = _save_notes_during(pull, save)
        summary = pull.result(timeout=120)
    finally:
        network.shutdown()
    assert summary.pulled >= CHANGES
    assert _local_contacts(session) == CHANGES
    with session.store.read() as conn:
        assert outbox.pending_count(conn) == saved

    # The notes reach the server exactly once.
    pushed = network_sync(session, bank["rm001"])
    assert pushed == saved
    assert len(_server_notes(gateway.engine, "拉取期间记录的第")) == saved
    session.lock()
    database.shutdown()


def network_sync(session: Session, password: str) -> int:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(sync_service.sync_session, session, password).result().pushed


_WRITER_PROCESS = """
import sys
import time
from datetime import datetime
from pathlib import Path
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import InteractionKind
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes, session as sessions
from rm_desk.services.notes import NoteInput

data_dir, password, first, second, at, stop = sys.argv[1:7]
now = datetime.fromisoformat(at)
reg = ProfileRegistry(Path(data_dir), policy=Policy(keyring=KeyringMode.OFF), clock=lambda: now)
session = sessions.unlock(reg, "rm001", password)
print("ready", flush=True)
saved = 0
while not Path(stop).exists() and saved < 4000:
    time.sleep(0.02)  # a fast writer, not a back-to-back one (see the module's docstring)
    notes.log_interaction(session, NoteInput(
        customer_id=(first, second)[saved % 2], kind=InteractionKind.VISIT, occurred_at=now,
        subject="second process", note=f"另一进程的第 {saved} 条"))
    saved += 1
session.lock()
print(f"saved {saved}", flush=True)
"""


# `rm-desk` itself, its clock (the boundary tests may replace) on the test's: the profile
# was made at NOW, and the offline lease and the lockout compare every process's clock.
_CLI_ON_THE_TEST_CLOCK = """
import sys
from datetime import datetime

from rm_desk import cli
from rm_desk.services import session

now = datetime.fromisoformat(sys.argv[1])
real = session.registry
session.registry = lambda data_dir, policy=None, secret_store=None, clock=None: real(
    data_dir, policy, secret_store, clock=lambda: now
)
sys.exit(cli.main(sys.argv[2:]))
"""


def test_notes_saved_by_other_processes_while_the_app_pulls_1000_changes(
    gateway: Gateway, bank: dict[str, str], tmp_path: Path
) -> None:
    reg = _registry(tmp_path)
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], gateway.url).session
    customers = _server_contacts(gateway.engine, "rm001", CHANGES)
    policy = tmp_path / "policy.json"
    policy.write_text('{"keyring": "off"}', encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "RM_DESK_DATA_DIR": str(reg.data_dir),
        "RM_DESK_POLICY": str(policy),
    }
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER_PROCESS, str(reg.data_dir), bank["rm001"],
         customers[0], customers[1], NOW.isoformat(), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        with ThreadPoolExecutor(max_workers=1) as network:
            pull = network.submit(sync_service.sync_session, session, bank["rm001"])
            # `rm-desk note add` saves a note while the pull runs and the other
            # process keeps saving until the pull has finished.
            cli = subprocess.run(
                [sys.executable, "-c", _CLI_ON_THE_TEST_CLOCK, NOW.isoformat(), "note", "add",
                 "--user", "rm001", "--customer", customers[2], "--kind", "call",
                 "--text", "命令行在拉取期间记录", "--password-stdin"],
                input=bank["rm001"] + "\n", capture_output=True, text=True, env=env,
                timeout=180, check=False,
            )  # fmt: skip
            summary = pull.result(timeout=180)
        stop.touch()
        out, err = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate(timeout=30)  # reaped, its pipes closed
    assert writer.returncode == 0, err
    assert cli.returncode == 0, cli.stderr
    saved = int(out.split()[-1])
    assert saved > 0
    assert summary.pulled >= CHANGES
    assert _local_contacts(session) == CHANGES

    pushed = network_sync(session, bank["rm001"])
    assert pushed == saved + 1
    assert len(_server_notes(gateway.engine, "另一进程的第")) == saved
    assert _server_notes(gateway.engine, "命令行在拉取期间记录") == ["命令行在拉取期间记录"]
    session.lock()
