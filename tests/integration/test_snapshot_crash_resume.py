"""A first sync that dies between snapshot pages and resumes after a restart ends with
the same book as an uninterrupted one: every customer searchable, the activity columns
and churn's snapshot summary computed over everything, every index back.

Two ways to die, both against the real gateway on a loopback port and a real encrypted
store: the stream is cut (the client's handlers run, as when the network drops) and
the app is closed; or the client process is killed outright (SIGKILL, no handler
runs). Either way the app is then restarted: the profile is unlocked again
(`LocalStore.open`), the user writes a note and a task, and the next sync resumes the
snapshot from its stored token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Generator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from local_store import search
from local_store.profiles import ProfileRegistry
from local_store.store import BULK_MARK, UNIQUE_KEYS
from rm_desk.domain.model import Role
from rm_desk.domain.pinyin import name_keys
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services import tasks
from rm_desk.services.session import Session
from sync.client import apply
from sync.client import engine as client_engine
from sync.client.errors import ServerUnreachable
from sync.client.transport import Transport
from sync.server import replication
from tests.integration.conftest import Gateway, note_on
from tests.integration.test_sync_failures import dump, fingerprint, on_server, pending

USER = "rm001"
PAGE_ROWS = 9  # several pages of every entity out of the small bank's book
ROOT = Path(__file__).resolve().parents[2]


class CutAfter(Transport):
    """Drops the snapshot connection right after the `pages`-th page of `entity`."""

    def __init__(self, url: str, entity: str, pages: int) -> None:
        super().__init__(url)
        self.entity, self.pages = entity, pages

    def lines(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        stream = super().lines(path, params)
        assert isinstance(stream, Generator)  # closed below, which closes the response
        seen = 0
        try:
            for line in stream:
                yield line
                if f'"kind":"page","entity":"{self.entity}"'.encode() in line:
                    seen += 1
                    if seen == self.pages:
                        raise ServerUnreachable("the connection was cut")
        finally:
            stream.close()


class Recording(Transport):
    """The ordinary transport, remembering the parameters of every snapshot request."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.snapshots: list[dict[str, Any]] = []

    def lines(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        self.snapshots.append(dict(params))
        return super().lines(path, params)


# Run in a child process: create the profile, start its first sync and kill the process
# (SIGKILL: no exception handler, no `finally`) right after the page of the given entity
# and number has been committed.
_KILLED_FIRST_SYNC = """
import os, signal, sys
from pathlib import Path
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from sync.client import engine

data_dir, user, password, url, entity, pages = sys.argv[1:]
apply_page = engine.SyncEngine._apply_snapshot_page
seen = []

def apply_then_die(self, bulk, page, *, insert_only):
    apply_page(self, bulk, page, insert_only=insert_only)
    if page.entity == entity:
        seen.append(page)
        if len(seen) == int(pages):
            os.kill(os.getpid(), signal.SIGKILL)

engine.SyncEngine._apply_snapshot_page = apply_then_die
reg = ProfileRegistry(Path(data_dir), policy=Policy(keyring=KeyringMode.OFF))
session = sessions.create_profile(reg, user, password, server=url, role=Role.RM)
sync_service.sync_session(session, password)
raise SystemExit("the first sync finished: the kill never happened")
"""


def _registry(path: Path) -> ProfileRegistry:
    return ProfileRegistry(path, policy=Policy(keyring=KeyringMode.OFF))


def _crash_first_sync(
    how: str, entity: str, pages: int, data_dir: Path, url: str, password: str
) -> None:
    """A first sync that stops after `pages` pages of `entity`; the app is gone after."""
    if how == "cut":
        session = sessions.create_profile(
            _registry(data_dir), USER, password, server=url, role=Role.RM
        )
        with pytest.raises(ServerUnreachable):
            sync_service.sync_session(session, password, transport=CutAfter(url, entity, pages))
        session.lock()  # the app is closed
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_FIRST_SYNC, str(data_dir), USER, password, url, entity,
         str(pages)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == -9, done.stderr[-2000:]


def _indexes(session: Session) -> set[str]:
    with session.store.read() as conn:
        return {
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }


def _activity(session: Session) -> list[tuple[Any, ...]]:
    with session.store.read() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT id, last_contact_at, next_task_due, open_tasks FROM customers ORDER BY id"
            )
        ]


def _summary(session: Session) -> tuple[str | None, list[tuple[Any, ...]]]:
    with session.store.read() as conn:
        month = conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = 'snapshot_summary_month'"
        ).scalar_one_or_none()
        rows = [
            tuple(r)
            for r in conn.exec_driver_sql("SELECT * FROM snapshot_summary ORDER BY customer_id")
        ]
    return month, rows


def _stored_rows(session: Session, table: str) -> int:
    with session.store.read() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


@pytest.mark.parametrize("how", ["cut", "kill"])
@pytest.mark.parametrize(
    ("entity", "pages", "writes"),
    [("customer", 2, True), ("snapshot", 3, True), ("customer", 2, False)],
    ids=["customer-pages", "snapshot-pages", "customer-pages-no-writes"],
)
def test_a_first_sync_resumed_after_a_crash_leaves_a_complete_searchable_book(
    server_engine: Engine,
    gateway: Gateway,
    bank: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    entity: str,
    pages: int,
    writes: bool,
) -> None:
    monkeypatch.setattr(replication, "SNAPSHOT_PAGE_ROWS", PAGE_ROWS)
    password = bank[USER]
    data_dir = tmp_path / "crashed"
    _crash_first_sync(how, entity, pages, data_dir, gateway.url, password)

    rebuilds: list[int] = []
    rebuild = search.rebuild

    def counted(conn: Any, batch: int = 5000) -> int:
        rebuilds.append(1)
        return rebuild(conn, batch)

    monkeypatch.setattr(search, "rebuild", counted)

    # The app restarts: the profile is unlocked again, the partial copy is usable.
    reg = _registry(data_dir)
    a = sessions.unlock(reg, USER, password)
    assert client_engine.meta_get(a.store, client_engine.META_SNAPSHOT)  # a token to resume
    assert set(UNIQUE_KEYS) <= _indexes(a)  # local writes can name their conflict targets
    loaded = _stored_rows(a, "customers")
    assert loaded > 0
    if entity == "customer":
        assert loaded == pages * PAGE_ROWS
        assert _stored_rows(a, "snapshots") == 0
    else:
        assert _stored_rows(a, "snapshots") == pages * PAGE_ROWS
    assert rebuilds == []  # opening does not rebuild what the resumed snapshot rebuilds

    written: list[str] = []
    if writes:
        with a.store.read() as conn:
            cif = conn.exec_driver_sql("SELECT id FROM customers ORDER BY id LIMIT 1").scalar_one()
        written.append(note_on(a, cif, "崩溃之后、续传之前写的"))
        written.append(tasks.create_task(a, cif, "续传之前的跟进", date(2026, 12, 1))[0].id)
        assert pending(a) == 2

    statements: list[bool] = []  # insert_only of each resumed page under customers
    write_rows = apply.write_rows

    def recorded(conn: Any, entity: str, *args: Any, **kwargs: Any) -> None:
        if entity != "customer" and kwargs.get("index_search") is False:  # snapshot pages
            statements.append(kwargs["insert_only"])
        write_rows(conn, entity, *args, **kwargs)

    monkeypatch.setattr(apply, "write_rows", recorded)
    transport = Recording(gateway.url)
    summary = sync_service.sync_session(a, password, transport=transport)
    assert [("resume" in p) for p in transport.snapshots] == [True]  # resumed, not restarted
    assert summary.pushed == len(written)
    assert pending(a) == 0
    # The unique keys stay through a snapshot (rows arrive in key order): every
    # resumed page upserts on them, next to the user's rows or not.
    assert statements
    assert set(statements) == {False}
    assert rebuilds == [1]  # the search index is rebuilt once, at the snapshot's end
    with a.store.read() as conn:
        assert (
            conn.exec_driver_sql("SELECT 1 FROM meta WHERE key = ?", (BULK_MARK,)).fetchone()
            is None
        )
    if writes:  # kept locally and reached the gateway
        note_id, task_id = written
        assert on_server(gateway.engine, note_id) == 1
        with a.store.read() as conn:
            assert (
                conn.exec_driver_sql(
                    "SELECT 1 FROM interactions WHERE id = ?", (note_id,)
                ).fetchone()
                is not None
            )
            assert (
                conn.exec_driver_sql("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone()
                is not None
            )

    fresh = sync_service.add_profile(_registry(tmp_path / "fresh"), USER, password, gateway.url)
    f = fresh.session
    try:
        with a.store.read() as conn:
            customers = conn.exec_driver_sql("SELECT id, name FROM customers").fetchall()
            for cif, name in customers:
                for typed in (name, cif, name_keys(name).initials):
                    hits = search.search(conn, typed, limit=len(customers))
                    assert cif in {h.cif for h in hits}, (cif, typed)
            assert conn.exec_driver_sql("SELECT count(*) FROM customer_search").scalar_one() == len(
                customers
            )
        assert _activity(a) == _activity(f)
        assert any(row[1] is not None for row in _activity(a))
        month, rows = _summary(a)
        assert month is not None
        assert len(rows) == len(customers)
        assert (month, rows) == _summary(f)
        assert fingerprint(a) == fingerprint(f)
        if entity == "customer":
            assert len(customers) > loaded  # most of the book arrived after the restart
        assert dump(a) == dump(f)
        assert _indexes(a) == _indexes(f)
        with a.store.read() as conn:  # the planner's statistics, never the search index's
            analysed = {r[0] for r in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
        assert "customers" in analysed
        assert not {t for t in analysed if t.startswith("customer_search")}
    finally:
        f.lock()
        a.lock()
