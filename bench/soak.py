#!/usr/bin/env python3
"""Soak: randomized sync runs under network faults and SIGKILLs, with exact accounting.

    python bench/soak.py --runs N [--seed S] [--json OUT] [--db postgresql+psycopg://...]

Each run (reproducible from `(seed, run index)` up to OS scheduling):

* a fresh gateway: the real `rm-desk-central serve` entry point (`sync.server.cli.main`)
  in its own process on a free loopback port, on a copy of a seeded SQLite bank (or a
  fresh PostgreSQL schema seeded for the run);
* 2-4 client profiles on 2 relationship managers (so some share a user and edit the
  same tasks from two devices), each a separate process that creates or unlocks its
  encrypted profile, does random edits (notes, new tasks, task updates) and syncs,
  all through `bench/faultproxy.py` (one listener per client; a quarter of requests
  delayed, dropped, reset after the gateway answered, truncated, or answered 5xx);
* 1-3 planned kills: a client SIGKILLed after the gateway answered its push (the ack
  never arrives), after it answered a pull, in the middle of its first snapshot stream,
  or at a random moment while it edits; the gateway SIGKILLed just after it received a
  push (mid-transaction) and restarted on the same database. A killed client restarts
  (unlocks its profile) and carries on.

Every client journals each note and task it writes, fsynced, *before* the local
commit (`B kind token`) and *after* it (`C kind token id`); the token is in the note's
subject / the task's title. After the run, faults off, every client syncs until a full
round moves nothing, then:

* every committed token is on the server exactly once, under the journaled id;
* a token begun but not committed (killed inside the commit) is either in the local
  store and on the server once, or in neither;
* no server row carries a token nobody journaled;
* every client's customers, contacts and tasks (ids and versions) equal the server's
  rows in its scope; the outbox is empty; no work was returned.

`lost` counts journaled writes missing on the server, `duplicated` extra copies. Any
divergence fails the run; the JSON lists failures with seed, run index and detail.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faultproxy import FAULT_KINDS, Kill, Proxy, Request  # noqa: E402

AS_OF = date(2026, 11, 24)
CUSTOMERS = 24
RMS = 2
BANK_SEED = 5
KILL_KINDS = ("client-push", "client-pull", "client-snapshot", "client-edit", "gateway")
PUSH, PULL, SNAPSHOT = "/sync/v1/push", "/sync/v1/pull", "/sync/v1/snapshot"
RUN_TIMEOUT = 120.0  # a run that has not settled by then fails
MAX_INCARNATIONS = 4
FAULT_RATE = 0.25
_FORK = multiprocessing.get_context("fork")


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.is_alive():
            raise RuntimeError(f"the gateway exited with {proc.exitcode}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("the gateway did not start listening")


def _redirect(log: Path) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def unlock_as_a_user_would(reg: Any, user: str, password: str) -> Any:
    """Unlock with the right password, waiting out a back-off as a person would: an
    unlock a SIGKILL cut during its key derivation stays counted (an attacker must not
    be able to kill attempts uncounted), so the restarted client may meet a back-off of
    a second or two. A lockout (the limit reached) is not waited for: that is a finding."""
    from local_store.errors import ProfileLocked  # noqa: PLC0415
    from rm_desk.services import session as sessions  # noqa: PLC0415

    for _ in range(10):  # bounded: back-offs of 1, 2, 4 ... s until the limit
        try:
            return sessions.unlock(reg, user, password)
        except ProfileLocked as exc:
            if exc.lockout or exc.remaining is None:
                raise
            time.sleep(min(exc.remaining.total_seconds(), 30.0) + 0.05)
    return sessions.unlock(reg, user, password)


class Journal:
    """Append-only, one fsync per line: what a client wrote, before and after commit."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def line(self, *parts: str) -> None:
        os.write(self.fd, (" ".join(parts) + "\n").encode())
        os.fsync(self.fd)


def read_journal(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [ln.split(" ") for ln in path.read_text().splitlines() if ln.strip()]


# --------------------------------------------------------------------------- the bank


def seed_bank(db_url: str) -> dict[str, str]:
    """Seed the small bank; returns the demo passwords by user id."""
    from rm_desk.demo import generate_bank  # noqa: PLC0415
    from sync.server import admin, db  # noqa: PLC0415

    engine = db.make_engine(db_url)
    try:
        db.create_schema(engine)
        admin.seed(engine, customers=CUSTOMERS, rms=RMS, seed=BANK_SEED, as_of=AS_OF)
    finally:
        engine.dispose()
    return generate_bank(CUSTOMERS, RMS, seed=BANK_SEED, as_of=AS_OF).user_passwords()


def pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def pg_admin(base: str, sql: str) -> None:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- gateway


def _gateway_main(db_url: str, port: int, log: str) -> None:
    _redirect(Path(log))
    from sync.server import cli  # noqa: PLC0415

    os._exit(cli.main(["--db", db_url, "serve", "--port", str(port)]))


class Gateway:
    """`rm-desk-central serve` in a forked process on a fixed loopback port."""

    def __init__(self, db_url: str, port: int, log: Path) -> None:
        self.db_url, self.port, self.log = db_url, port, log
        self.proc: Any = None
        self.starts = 0

    def start(self) -> None:
        """Start it and wait for its port. A planned gateway kill may land on a gateway
        still coming up (a client's request reaches it between its port opening and
        this wait seeing it): then it is started again, as the first restart would."""
        for attempt in range(3):
            self.proc = _FORK.Process(
                target=_gateway_main, args=(self.db_url, self.port, str(self.log)), daemon=True
            )
            self.proc.start()
            self.starts += 1
            try:
                _wait_port(self.port, self.proc)
                return
            except RuntimeError:
                if self.proc.exitcode != -signal.SIGKILL or attempt == 2:
                    raise

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def kill(self) -> None:
        if self.proc is not None and self.proc.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.is_alive():
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.join(5)
        if self.proc.is_alive():
            self.kill()
        self.proc.join(5)


# --------------------------------------------------------------------------- a client


@dataclass
class ClientSpec:
    tag: str
    user: str
    password: str
    data_dir: str
    url: str
    journal: str
    log: str
    seed: str
    steps: int


def _transport(url: str) -> Any:
    from sync.client.transport import Transport  # noqa: PLC0415

    # Short backoff: the proxy's faults are frequent and the run must stay cheap.
    return Transport(url, retries=3, backoff_base=0.02, backoff_cap=0.2, read_timeout=20.0)


def _client_main(spec: ClientSpec, incarnation: int) -> None:
    _redirect(Path(spec.log))
    code = 0
    try:
        _client(spec, incarnation)
    except BaseException:
        traceback.print_exc()
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _client(spec: ClientSpec, incarnation: int) -> None:  # noqa: PLR0915
    from local_store.errors import ProfileNotFound  # noqa: PLC0415
    from local_store.profiles import ProfileRegistry  # noqa: PLC0415
    from rm_desk.domain.model import InteractionKind, Role  # noqa: PLC0415
    from rm_desk.domain.policy import KeyringMode, Policy  # noqa: PLC0415
    from rm_desk.services import notes, tasks  # noqa: PLC0415
    from rm_desk.services import session as sessions  # noqa: PLC0415
    from rm_desk.services import sync as sync_service  # noqa: PLC0415

    rng = random.Random(f"{spec.seed}:{incarnation}")
    journal = Journal(Path(spec.journal))
    reg = ProfileRegistry(Path(spec.data_dir), policy=Policy(keyring=KeyringMode.OFF))
    try:
        reg.get(spec.user)
        session = unlock_as_a_user_would(reg, spec.user, spec.password)
    except ProfileNotFound:
        session = sessions.create_profile(
            reg, spec.user, spec.password, server=spec.url, role=Role.RM
        )
    journal.line("E", "start", str(incarnation))

    def sync() -> bool:
        try:
            sync_service.sync_session(session, spec.password, transport=_transport(spec.url))
        except Exception as exc:
            journal.line("X", type(exc).__module__ + "." + type(exc).__name__)
            return False
        return True

    for _ in range(40):  # the first sync (or its resumption) must finish before edits
        if sync():
            break
    else:
        raise RuntimeError("the first sync never finished")
    journal.line("E", "ready")

    def customers() -> list[str]:
        with session.store.read() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers ORDER BY id")]

    def open_tasks() -> list[tuple[str, str]]:
        with session.store.read() as conn:
            return [
                (r[0], r[1])
                for r in conn.exec_driver_sql(
                    "SELECT id, status FROM tasks WHERE title LIKE 'soak %' "
                    "AND status IN ('open', 'in_progress') ORDER BY id"
                )
            ]

    cifs = customers()
    for serial in range(1, spec.steps + 1):
        op = rng.choices(["note", "task", "update", "sync"], [4, 2, 3, 3])[0]
        token = f"{spec.tag}i{incarnation}n{serial}"
        if op == "note" and cifs:
            journal.line("B", "note", token)
            interaction, _, _ = notes.log_interaction(
                session,
                notes.NoteInput(
                    customer_id=rng.choice(cifs),
                    kind=rng.choice([InteractionKind.CALL, InteractionKind.VISIT]),
                    occurred_at=datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600)),
                    subject=f"soak {token}",
                    note=f"soak {token} " + "记录" * rng.randint(1, 20),
                ),
            )
            journal.line("C", "note", token, interaction.id)
        elif op == "task" and cifs:
            journal.line("B", "task", token)
            task, _ = tasks.create_task(
                session,
                rng.choice(cifs),
                f"soak {token} v0",
                date(2026, 12, 1) + timedelta(days=rng.randint(0, 30)),
            )
            journal.line("C", "task", token, task.id)
        elif op == "update":
            candidates = open_tasks()
            if candidates:
                task_id, status = rng.choice(candidates)
                change: dict[str, Any] = rng.choice(
                    [
                        {"priority": rng.choice([1, 2, 3])},
                        {"detail": f"detail {token}"},
                        {"due": date(2026, 12, 1) + timedelta(days=rng.randint(0, 60))},
                        {"status": "in_progress" if status == "open" else "open"},
                        {"status": "done", "outcome": f"done {token}"},
                    ]
                )
                with contextlib.suppress(tasks.InvalidTask):  # e.g. a task done meanwhile
                    tasks.update_task(session, task_id, **change)
        else:
            sync()
    sync()
    journal.line("E", "done")
    session.lock()


# --------------------------------------------------------------------------- one run


@dataclass
class ClientState:
    spec: ClientSpec
    proc: Any = None
    incarnation: int = 0
    finished: bool = False
    ready_seen: int = 0  # "ready" lines seen in the journal


@dataclass
class PlannedKill:
    kind: str
    client: str  # the listener tag (for the gateway: the client whose push triggers it)
    nth: int  # which request of that kind from that client (1-based)
    after: float = 0.0  # client-edit: seconds after the client became ready
    done: bool = False


@dataclass
class RunResult:
    index: int
    seed: int
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    notes: int = 0
    tasks: int = 0
    requests: int = 0
    client_errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    interrupted: int = 0  # writes whose local commit a kill cut (begun, not committed)
    failures: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)


class Run:
    def __init__(
        self,
        seed: int,
        index: int,
        base: Path,
        template: Path | None,
        passwords: dict[str, str],
        pg_base: str | None,
        *,
        cover: bool = False,
    ) -> None:
        self.seed, self.index = seed, index
        self.cover = cover
        self.rng = random.Random(f"soak:{seed}:{index}")
        self.dir = Path(tempfile.mkdtemp(prefix=f"run{index}-", dir=base))
        self.template = template
        self.passwords = passwords
        self.pg_base = pg_base
        self.pg_schema: str | None = None
        self.result = RunResult(index=index, seed=seed)
        self.lock = threading.RLock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.clients: dict[str, ClientState] = {}
        self.plan: list[PlannedKill] = []
        self.proxy: Proxy | None = None
        self.gateway: Gateway | None = None
        self.db_url = ""
        self.phases: dict[str, float] = {}

    # -- setup ----------------------------------------------------------------------

    def _database(self) -> str:
        if self.pg_base is None:
            assert self.template is not None
            target = self.dir / "central.db"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        self.pg_schema = f"soak_{secrets.token_hex(5)}"
        pg_admin(self.pg_base, f'CREATE SCHEMA "{self.pg_schema}"')
        url = pg_schema_url(self.pg_base, self.pg_schema)
        self.passwords = seed_bank(url)
        return url

    def _plan(self, tags: list[str]) -> None:
        """1-3 random kills; with `cover`, one of every kind (the CI set)."""
        rng = self.rng
        kinds = (
            list(KILL_KINDS)
            if self.cover
            else [rng.choice(KILL_KINDS) for _ in range(rng.choice([1, 2, 2, 3]))]
        )
        for kind in kinds:
            tag = rng.choice(tags)
            if kind == "client-snapshot" and any(
                p.kind == kind and p.client == tag for p in self.plan
            ):
                continue
            self.plan.append(
                PlannedKill(kind, tag, nth=rng.randint(1, 2), after=rng.uniform(0.0, 1.5))
            )

    def setup(self) -> None:
        self.db_url = self._database()
        port = free_port()
        self.gateway = Gateway(self.db_url, port, self.dir / "gateway.log")
        self.gateway.start()
        self.proxy = Proxy(port, fault_rate=FAULT_RATE, lifetime=RUN_TIMEOUT * 3).start()
        self.proxy.hook = self._hook
        rms = sorted(u for u in self.passwords if u.startswith("rm"))
        n = self.rng.randint(2, 4)
        for i in range(n):
            tag = f"c{i}"
            user = rms[i % len(rms)]
            listen_port = self.proxy.listen(tag, f"{self.seed}:{self.index}:{tag}")
            spec = ClientSpec(
                tag=tag,
                user=user,
                password=self.passwords[user],
                data_dir=str(self.dir / tag),
                url=f"http://127.0.0.1:{listen_port}",
                journal=str(self.dir / f"{tag}.journal"),
                log=str(self.dir / f"{tag}.log"),
                seed=f"{self.seed}:{self.index}:{tag}",
                steps=self.rng.randint(4, 9),
            )
            self.clients[tag] = ClientState(spec)
        self._plan(list(self.clients))

    # -- kills ----------------------------------------------------------------------

    def _kill_client(self, tag: str, kind: str) -> None:
        state = self.clients[tag]
        if state.proc is not None and state.proc.pid and state.proc.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(state.proc.pid, signal.SIGKILL)
            with self.lock:
                self.result.kills[kind] += 1

    def _kill_gateway(self) -> None:
        assert self.gateway is not None
        self.gateway.kill()
        with self.lock:
            self.result.kills["gateway"] += 1

    def _hook(self, req: Request) -> Kill | None:
        """On the proxy's thread: turn the planned request into a kill."""
        with self.lock:
            self.counts[(req.listener, req.path)] += 1
            seen = self.counts[(req.listener, req.path)]
            for plan in self.plan:
                if plan.done or plan.client != req.listener:
                    continue
                if plan.kind == "client-push" and req.path == PUSH and seen >= plan.nth:
                    plan.done = True
                    return Kill("answered", lambda: self._kill_client(req.listener, "client-push"))
                if plan.kind == "client-pull" and req.path == PULL and seen >= plan.nth:
                    plan.done = True
                    return Kill("answered", lambda: self._kill_client(req.listener, "client-pull"))
                if plan.kind == "client-snapshot" and req.path == SNAPSHOT:
                    plan.done = True
                    return Kill(
                        "streaming",
                        lambda: self._kill_client(req.listener, "client-snapshot"),
                        fraction=self.rng.uniform(0.2, 0.9),
                        delay=self.rng.uniform(0.0, 0.15),
                    )
                if plan.kind == "gateway" and req.path == PUSH and seen >= plan.nth:
                    plan.done = True
                    return Kill("sent", self._kill_gateway, delay=self.rng.uniform(0.0, 0.02))
        return None

    # -- the run --------------------------------------------------------------------

    def _start_client(self, state: ClientState) -> None:
        state.incarnation += 1
        state.proc = _FORK.Process(
            target=_client_main, args=(state.spec, state.incarnation), daemon=True
        )
        state.proc.start()

    def _edit_kills(self, now: float, ready_at: dict[str, float]) -> None:
        for plan in self.plan:
            if plan.kind != "client-edit" or plan.done or plan.client not in ready_at:
                continue
            if now - ready_at[plan.client] >= plan.after:
                plan.done = True
                self._kill_client(plan.client, "client-edit")

    def drive(self) -> None:
        assert self.gateway is not None
        for state in self.clients.values():
            self._start_client(state)
        deadline = time.monotonic() + RUN_TIMEOUT
        ready_at: dict[str, float] = {}
        while not all(s.finished for s in self.clients.values()):
            if time.monotonic() > deadline:
                raise RuntimeError("the run did not settle in time")
            if not self.gateway.alive():
                self.gateway.proc.join()
                self.gateway.start()
            for tag, state in self.clients.items():
                if state.finished:
                    continue
                if tag not in ready_at and any(
                    ln[:2] == ["E", "ready"] for ln in read_journal(Path(state.spec.journal))
                ):
                    ready_at[tag] = time.monotonic()
                if state.proc.is_alive():
                    continue
                state.proc.join()
                code = state.proc.exitcode
                if code == -signal.SIGKILL and state.incarnation < MAX_INCARNATIONS:
                    self._start_client(state)
                    ready_at.pop(tag, None)
                elif code in (0, -signal.SIGKILL):
                    state.finished = True
                else:
                    state.finished = True
                    self.result.failures.append(
                        f"client {tag} exited with {code}: {_tail(Path(state.spec.log))}"
                    )
            with self.lock:
                self._edit_kills(time.monotonic(), ready_at)
            time.sleep(0.02)

    def quiesce(self) -> dict[str, Any]:
        """Faults off; every client syncs until a whole round moves nothing."""
        from local_store.profiles import ProfileRegistry  # noqa: PLC0415
        from rm_desk.domain.policy import KeyringMode, Policy  # noqa: PLC0415
        from rm_desk.services import sync as sync_service  # noqa: PLC0415

        assert self.proxy is not None
        assert self.gateway is not None
        self.proxy.faults_on = False
        self.proxy.hook = None
        if not self.gateway.alive():
            self.gateway.proc.join()
            self.gateway.start()
        opened: dict[str, Any] = {}
        for tag, state in self.clients.items():
            reg = ProfileRegistry(Path(state.spec.data_dir), policy=Policy(keyring=KeyringMode.OFF))
            opened[tag] = unlock_as_a_user_would(reg, state.spec.user, state.spec.password)
        for _ in range(8):
            moved = 0
            for tag, session in opened.items():
                spec = self.clients[tag].spec
                summary = sync_service.sync_session(
                    session, spec.password, transport=_transport(spec.url)
                )
                moved += summary.pushed + summary.pulled + summary.snapshot_rows
            if moved == 0:
                break
        else:
            self.result.failures.append("the clients did not go quiet after 8 sync rounds")
        return opened

    # -- accounting -----------------------------------------------------------------

    def check(self, opened: dict[str, Any]) -> None:  # noqa: PLR0912, PLR0915
        from sqlalchemy import text  # noqa: PLC0415

        from sync.server import db  # noqa: PLC0415

        res = self.result
        fail = res.failures.append
        engine = db.make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                notes = conn.execute(
                    text("SELECT id, subject FROM interactions WHERE subject LIKE 'soak %'")
                ).all()
                tasks = conn.execute(
                    text("SELECT id, title FROM tasks WHERE title LIKE 'soak %'")
                ).all()
                scope = {}
                for user in {s.spec.user for s in self.clients.values()}:
                    scope[user] = {
                        "customers": set(
                            map(tuple, conn.execute(
                                text("SELECT id, version FROM customers WHERE owner_rm = :u"),
                                {"u": user},
                            ).all())
                        ),
                        "interactions": set(
                            map(tuple, conn.execute(
                                text(
                                    "SELECT i.id, i.version FROM interactions i JOIN customers c "
                                    "ON c.id = i.customer_id WHERE c.owner_rm = :u"
                                ),
                                {"u": user},
                            ).all())
                        ),
                        "tasks": set(
                            map(tuple, conn.execute(
                                text(
                                    "SELECT t.id, t.version FROM tasks t JOIN customers c "
                                    "ON c.id = t.customer_id WHERE c.owner_rm = :u "
                                    "AND NOT t.deleted"
                                ),
                                {"u": user},
                            ).all())
                        ),
                    }  # fmt: skip
        finally:
            engine.dispose()

        on_server: dict[str, Counter[str]] = {"note": Counter(), "task": Counter()}
        ids_on_server: dict[str, set[str]] = {"note": set(), "task": set()}
        for kind, rows in (("note", notes), ("task", tasks)):
            for row_id, label in rows:
                on_server[kind][label.split(" ")[1]] += 1
                ids_on_server[kind].add(row_id)
        journaled: set[str] = set()
        for tag, state in self.clients.items():
            lines = read_journal(Path(state.spec.journal))
            begun = {(ln[1], ln[2]) for ln in lines if ln[0] == "B"}
            committed = {(ln[1], ln[2]): ln[3] for ln in lines if ln[0] == "C"}
            for ln in lines:
                if ln[0] == "X":
                    res.client_errors[ln[1]] += 1
            session = opened[tag]
            with session.store.read() as conn:
                local = {
                    "note": Counter(
                        r[0].split(" ")[1]
                        for r in conn.exec_driver_sql(
                            "SELECT subject FROM interactions WHERE subject LIKE 'soak %'"
                        )
                    ),
                    "task": Counter(
                        r[0].split(" ")[1]
                        for r in conn.exec_driver_sql(
                            "SELECT title FROM tasks WHERE title LIKE 'soak %'"
                        )
                    ),
                }
                book = {
                    "customers": set(
                        map(tuple, conn.exec_driver_sql("SELECT id, version FROM customers"))
                    ),
                    "interactions": set(
                        map(tuple, conn.exec_driver_sql("SELECT id, version FROM interactions"))
                    ),
                    "tasks": set(map(tuple, conn.exec_driver_sql("SELECT id, version FROM tasks"))),
                }
                outbox = conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar_one()
                returned = conn.exec_driver_sql("SELECT count(*) FROM returned_work").scalar_one()
                res.conflicts += conn.exec_driver_sql("SELECT count(*) FROM conflicts").scalar_one()
            for (kind, token), row_id in committed.items():
                journaled.add(token)
                if kind == "note":
                    res.notes += 1
                else:
                    res.tasks += 1
                n = on_server[kind][token]
                if n == 0:
                    res.lost += 1
                    fail(f"{tag}: committed {kind} {token} ({row_id}) is not on the server")
                elif n > 1:
                    res.duplicated += n - 1
                    fail(f"{tag}: committed {kind} {token} is on the server {n} times")
                elif row_id not in ids_on_server[kind]:
                    fail(f"{tag}: committed {kind} {token} is on the server under another id")
            for kind, token in begun - set(committed):
                journaled.add(token)
                res.interrupted += 1
                n, here = on_server[kind][token], local[kind][token]
                if n > 1:
                    res.duplicated += n - 1
                    fail(f"{tag}: interrupted {kind} {token} is on the server {n} times")
                elif here and not n:
                    res.lost += 1
                    fail(f"{tag}: interrupted {kind} {token} is kept locally, not on the server")
                elif n and not here:
                    fail(f"{tag}: interrupted {kind} {token} reached the server, not kept locally")
            want = scope[state.spec.user]
            for table in ("customers", "interactions", "tasks"):
                if book[table] != want[table]:
                    extra = sorted(book[table] - want[table])[:5]
                    missing = sorted(want[table] - book[table])[:5]
                    fail(
                        f"{tag}: {table} differ from the server's scope "
                        f"(only local {extra}, only on the server {missing})"
                    )
            if outbox:
                fail(f"{tag}: {outbox} mutations still in the outbox")
            if returned:
                fail(f"{tag}: {returned} writes returned")
        for kind in ("note", "task"):
            strangers = set(on_server[kind]) - journaled
            if strangers:
                res.duplicated += sum(on_server[kind][t] for t in strangers)
                fail(f"server holds {kind}s nobody journaled: {sorted(strangers)[:5]}")

    # -- teardown -------------------------------------------------------------------

    def close(self, opened: dict[str, Any]) -> None:
        for session in opened.values():
            with contextlib.suppress(Exception):
                session.lock()
        for state in self.clients.values():
            if state.proc is not None and state.proc.is_alive():
                os.kill(state.proc.pid, signal.SIGKILL)
                state.proc.join(5)
        if self.proxy is not None:
            self.proxy.stop()
            self.result.faults.update(self.proxy.snapshot_counts())
            self.result.requests = self.proxy.requests
        if self.gateway is not None:
            self.gateway.stop()
        if self.pg_schema is not None and self.pg_base is not None:
            with contextlib.suppress(Exception):
                pg_admin(self.pg_base, f'DROP SCHEMA "{self.pg_schema}" CASCADE')

    def execute(self, keep: bool = False) -> RunResult:
        start = time.monotonic()
        opened: dict[str, Any] = {}
        try:
            self.setup()
            self.phases["setup"] = time.monotonic() - start
            self.drive()
            self.phases["drive"] = time.monotonic() - start
            opened = self.quiesce()
            self.phases["quiesce"] = time.monotonic() - start
            self.check(opened)
        except Exception as exc:
            self.result.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.close(opened)
            self.result.seconds = round(time.monotonic() - start, 2)
            self.result.phases = {k: round(v, 1) for k, v in self.phases.items()}
            if not keep and not self.result.failures:
                shutil.rmtree(self.dir, ignore_errors=True)
        if self.result.failures:
            self.result.failures.insert(0, f"run dir {self.dir}")
        return self.result


# --------------------------------------------------------------------------- driver


def prepare(base: Path, pg_base: str | None) -> tuple[Path | None, dict[str, str]]:
    """A seeded SQLite bank to copy into each run (seeding hashes passwords: slow).

    Also imports the client and gateway stacks once, here, so that every forked
    gateway and client starts with them loaded (a second of CPU saved per process).
    """
    import uvicorn  # noqa: F401, PLC0415

    import local_store.profiles  # noqa: F401, PLC0415
    import rm_desk.services.notes  # noqa: PLC0415
    import rm_desk.services.sync  # noqa: PLC0415
    import rm_desk.services.tasks  # noqa: F401, PLC0415
    import sync.client.transport  # noqa: PLC0415
    import sync.server.app  # noqa: PLC0415
    import sync.server.cli  # noqa: F401, PLC0415

    if pg_base is not None:
        return None, {}
    template = base / "template.db"
    passwords = seed_bank(f"sqlite:///{template}")
    return template, passwords


def soak(
    runs: int,
    seed: int,
    *,
    pg_base: str | None = None,
    base: Path | None = None,
    start_index: int = 0,
    keep: bool = False,
    progress: bool = False,
    json_out: Path | None = None,
    cover: bool = False,
) -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # fork with a thread
    own = base is None
    base = base or Path(tempfile.mkdtemp(prefix="rm-desk-soak-"))
    began = time.monotonic()
    template, passwords = prepare(base, pg_base)
    faults: Counter[str] = Counter()
    kills: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    totals = Counter[str]()
    per_run: list[float] = []

    def report() -> dict[str, Any]:
        ordered = sorted(per_run) or [0.0]
        return {
            "runs": len(per_run),
            "runs_planned": runs,
            "seed": seed,
            "first_run": start_index,
            "database": "postgresql" if pg_base else "sqlite",
            "faults": {k: faults.get(k, 0) for k in FAULT_KINDS},
            "passed_requests": faults.get("pass", 0),
            "requests": totals["requests"],
            "kills": {k: kills.get(k, 0) for k in KILL_KINDS},
            "lost": totals["lost"],
            "duplicated": totals["duplicated"],
            "notes_written": totals["notes"],
            "tasks_written": totals["tasks"],
            "conflicts_recorded": totals["conflicts"],
            "writes_cut_by_a_kill": totals["interrupted"],
            "client_sync_errors": dict(errors.most_common()),
            "failures": failures,
            "failed_runs": len(failures),
            "seconds": round(time.monotonic() - began, 1),
            "run_seconds_p50": ordered[len(ordered) // 2],
            "run_seconds_max": ordered[-1],
        }

    try:
        for index in range(start_index, start_index + runs):
            result = Run(seed, index, base, template, passwords, pg_base, cover=cover).execute(keep)
            faults.update(result.faults)
            kills.update(result.kills)
            errors.update(result.client_errors)
            totals.update(
                lost=result.lost,
                duplicated=result.duplicated,
                notes=result.notes,
                tasks=result.tasks,
                requests=result.requests,
                conflicts=result.conflicts,
                interrupted=result.interrupted,
            )
            per_run.append(result.seconds)
            if result.failures:
                failures.append({"seed": seed, "run": index, "detail": result.failures})
            if json_out is not None:  # after every run: a cut-short soak still reports
                json_out.write_text(json.dumps(report(), indent=2, ensure_ascii=False) + "\n")
            if progress:
                print(
                    f"run {index}: {result.seconds:.1f}s faults={dict(result.faults)} "
                    f"kills={dict(result.kills)} lost={result.lost} dup={result.duplicated} "
                    f"phases={result.phases}"
                    + (f" FAILED {result.failures[1:][:3]}" if result.failures else ""),
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if own and not failures and not keep:
            shutil.rmtree(base, ignore_errors=True)
    return report()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--first-run",
        type=int,
        default=0,
        help="index of the first run (replay: --first-run I --runs 1)",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="OUT")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="PostgreSQL URL (a fresh schema per run); default SQLite")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep every run's directory")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.db is not None and not args.db.startswith("postgresql"):
        parser.error("--db takes a postgresql:// URL (SQLite is the default)")
    report = soak(
        args.runs,
        args.seed,
        pg_base=args.db,
        start_index=args.first_run,
        keep=args.keep,
        progress=not args.quiet,
        json_out=args.json,
    )
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.json is not None:
        args.json.write_text(text + "\n")
    print(text)
    return 1 if report["failures"] or report["lost"] or report["duplicated"] else 0


if __name__ == "__main__":
    sys.exit(main())
