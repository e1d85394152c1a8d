"""A hypothesis state machine over the sync engine: real clients against the real gateway.

rm001 on two devices, the branch manager mgr001 and rm002 keep encrypted local stores
from real profiles and sync with the real gateway on a loopback port, on SQLite and on
PostgreSQL. Rules log notes, create, edit and delete tasks, edit contact fields (all
offline), sync normally, sync losing the push answer or the pull answer, restart a
client (lock, then unlock with the password) and move customers between the two RMs on
the server. Invariants hold after every step: outbox ids are gapless after the last
acknowledged one, and no interaction ever changes once seen. After everyone syncs twice:
nothing is pending, every note is on the server exactly once or in its author's
returned work, the server holds one processed result per mutation, and every copy of a
customer equals the others' and a freshly provisioned profile's snapshot.

Seeding the bank and provisioning four profiles costs seconds of Argon2, so it is done
once per backend; each example starts from a copy of that world (the server's rows in a
new database, the profiles' directories, stores opened with the key unwrapped once).
The restart rule goes through the password every time.

The tests at the end replay, step by step, what the machine found: a change the server
refuses must not leave its optimistic local effect in the replica, and an answer lost on
the way back must not lose a refusal's correction or a conflict for the user.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, insert, select

from local_store import keys, outbox
from local_store.codec import (
    CUSTOMER_COLUMNS,
    HOLDING_COLUMNS,
    INTERACTION_COLUMNS,
    SNAPSHOT_COLUMNS,
    TASK_COLUMNS,
)
from local_store.profiles import ProfileRegistry
from local_store.store import LocalStore
from rm_desk.demo import generate_bank
from rm_desk.domain.model import FollowUpTask, InteractionKind, TaskStatus
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import conflicts, customers, notes, tasks
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.notes import NoteInput
from rm_desk.services.session import PermissionDenied, Session
from sync.client.engine import SyncSummary
from sync.client.errors import ServerUnreachable
from sync.client.transport import Transport
from sync.server import admin, db, schema
from sync.server.app import create_app
from tests.integration.conftest import AS_OF, run_gateway
from tests.pg import pg_schema_engine

SEED = 11
CUSTOMERS = 12
CLIENTS = ("a1", "a2", "m", "b")
USER_OF = {"a1": "rm001", "a2": "rm001", "m": "mgr001", "b": "rm002"}
OCCURRED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
EVICTED_REASON = "left_book"

SETTINGS = settings(
    max_examples=10,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Columns that come from the server (the local pk and the activity columns the client
# derives for the book are left out).
SYNCED_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "customers": ((*CUSTOMER_COLUMNS, "field_versions", "personal_masked"), "id"),
    "holdings": (HOLDING_COLUMNS, "customer_id"),
    "snapshots": (SNAPSHOT_COLUMNS, "customer_id"),
    "interactions": (INTERACTION_COLUMNS, "customer_id"),
    "tasks": ((*TASK_COLUMNS, "field_versions"), "customer_id"),
}
INTERACTION_CONTENT = tuple(c for c in INTERACTION_COLUMNS if c != "version")

clients = st.sampled_from(CLIENTS)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1, max_size=40)  # fmt: skip
titles = st.text(alphabet="回访续存理财到期生日 abcXYZ", min_size=1, max_size=16).filter(str.strip)
due_dates = st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 6, 30))
task_edits = st.fixed_dictionaries(
    {}, optional={"title": titles, "due": due_dates, "status": st.sampled_from(list(TaskStatus))}
).filter(bool)
contact_edits = st.fixed_dictionaries(
    {},
    optional={
        "email": st.from_regex(r"[a-z]{1,10}@example\.(com|cn)", fullmatch=True),
        "tags": st.lists(
            st.sampled_from(["高净值", "代发工资", "养老金", "VIP", "新客"]),
            max_size=3,
            unique=True,
        ),
    },
).filter(bool)


# --- the world every example starts from ----------------------------------------------


class GatewaySwitch:
    """An ASGI app forwarding to the current example's gateway: one loopback server for
    the module (so profiles keep their server URL), a fresh `create_app` per example."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class ProfileTemplate:
    user: str
    password: str
    directory: Path
    data_key: bytes


@dataclass(frozen=True)
class WorldTemplate:
    backend: str
    rows: dict[str, list[dict[str, Any]]]
    profiles: dict[str, ProfileTemplate]
    passwords: dict[str, str]


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0
    checked: int = 0
    aborted: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)


@contextmanager
def backend_engine(backend: str, directory: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = db.make_engine(f"sqlite:///{directory / 'central.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
    else:
        with pg_schema_engine() as engine:
            yield engine


def registry(directory: Path) -> ProfileRegistry:
    return ProfileRegistry(directory, policy=Policy(keyring=KeyringMode.OFF))


def dump_server(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {table.name: [dict(r._mapping) for r in conn.execute(select(table))]
                for table in schema.metadata.sorted_tables}  # fmt: skip


def restore_server(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        for table in schema.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(insert(table), rows[table.name])


@pytest.fixture(scope="module")
def gateway_switch() -> Iterator[tuple[GatewaySwitch, str]]:
    switch = GatewaySwitch()
    server, thread, url = run_gateway(switch)
    yield switch, url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, gateway_switch: tuple[GatewaySwitch, str],
          tmp_path_factory: pytest.TempPathFactory) -> WorldTemplate:  # fmt: skip
    switch, url = gateway_switch
    backend = str(request.param)
    base = tmp_path_factory.mktemp(f"world-{backend}")
    passwords = generate_bank(CUSTOMERS, 2, seed=SEED, as_of=AS_OF).user_passwords()
    with backend_engine(backend, base) as engine:
        db.create_schema(engine)
        admin.seed(engine, customers=CUSTOMERS, rms=2, seed=SEED, as_of=AS_OF)
        switch.app = create_app(engine)
        profiles = {}
        for name in CLIENTS:
            user = USER_OF[name]
            reg = registry(base / name)
            sync_service.add_profile(reg, user, passwords[user], url).session.lock()
            _, key = reg.unlock(user, passwords[user])
            profiles[name] = ProfileTemplate(user, passwords[user], base / name, bytes(key))
            keys.zero(key)
        switch.app = None
        rows = dump_server(engine)
    # Nothing in tables with generated ids, so no sequences need carrying over.
    assert not rows["conflicts"]
    assert not rows["change_requests"]
    return WorldTemplate(backend, rows, profiles, passwords)


# --- transports that lose an answer ---------------------------------------------------


class LosesResponse(Transport):
    """The server handles the request to `lost` ("/sync/v1/push"); the answer never arrives."""

    lost = ""

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = super().post(path, body)
        if path == self.lost:
            what = path.rsplit("/", 1)[-1]
            raise ServerUnreachable(f"connection reset after the {what} was sent")
        return data


class LosesPushResponse(LosesResponse):
    lost = "/sync/v1/push"


class LosesPullResponse(LosesResponse):
    lost = "/sync/v1/pull"


def _pick(data: st.DataObject, choices: list[str], label: str) -> str | None:
    """One of `choices` drawn by hypothesis; None (and nothing drawn) when there is none."""
    return data.draw(st.sampled_from(choices), label=label) if choices else None


# --- the machine -----------------------------------------------------------------------


@dataclass
class Client:
    name: str
    user: str
    password: str
    reg: ProfileRegistry
    session: Session

    def close(self) -> None:
        self.session.store.close()


def _rows(session: Session, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with session.store.read() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql, params).fetchall()]


def replica(session: Session, customer_ids: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """The synced columns of every row about these customers, in a stable order."""
    out = {}
    for table, (columns, owner) in SYNCED_COLUMNS.items():
        rows = _rows(session, f"SELECT {', '.join(columns)} FROM {table}")
        at = columns.index(owner)
        out[table] = sorted((r for r in rows if r[at] in customer_ids), key=repr)
    return out


def assert_same(label: str, left: dict[str, list[tuple[Any, ...]]],
                right: dict[str, list[tuple[Any, ...]]]) -> None:  # fmt: skip
    for table in SYNCED_COLUMNS:
        mine, theirs = set(left[table]), set(right[table])
        if mine != theirs:
            columns = SYNCED_COLUMNS[table][0]
            only_left = sorted(mine - theirs, key=repr)[:3]
            only_right = sorted(theirs - mine, key=repr)[:3]
            pytest.fail(f"{label}: {table} differ ({len(mine - theirs)} rows only left, "
                        f"{len(theirs - mine)} only right)\ncolumns {columns}\n"
                        f"left  {only_left}\nright {only_right}")  # fmt: skip


class World:
    """One example's copy of the provisioned world: a new server database holding the
    template's rows behind the gateway, and the four profiles copied and unlocked."""

    def __init__(self, template: WorldTemplate, switch: GatewaySwitch, url: str,
                 base: Path) -> None:  # fmt: skip
        self.template = template
        self.url = url
        self.resources = ExitStack()
        self.clients: dict[str, Client] = {}
        try:
            self.dir = Path(tempfile.mkdtemp(dir=base))
            self.resources.callback(shutil.rmtree, self.dir, ignore_errors=True)
            self.engine = self.resources.enter_context(backend_engine(template.backend, self.dir))
            restore_server(self.engine, template.rows)
            switch.app = create_app(self.engine)
            for name, profile_template in template.profiles.items():
                shutil.copytree(profile_template.directory, self.dir / name)
                reg = registry(self.dir / name)
                profile = reg.get(profile_template.user)
                store = LocalStore.open(reg.database_path(profile), profile_template.data_key)
                session = Session(profile=profile, store=store, policy=reg.policy)
                client = Client(name, profile.user, profile_template.password, reg, session)
                self.resources.callback(client.close)
                self.clients[name] = client
        except BaseException:
            self.resources.close()
            raise

    def close(self) -> None:
        self.resources.close()

    def session(self, name: str) -> Session:
        return self.clients[name].session

    def customer_ids(self, name: str) -> list[str]:
        return [r[0] for r in _rows(self.session(name), "SELECT id FROM customers ORDER BY id")]

    def task_ids(self, name: str) -> list[str]:
        return [r[0] for r in _rows(self.session(name), "SELECT id FROM tasks ORDER BY id")]

    def pending_ids(self, name: str) -> list[int]:
        sql = "SELECT mutation_id FROM outbox ORDER BY mutation_id"
        return [r[0] for r in _rows(self.session(name), sql)]

    def state(self, name: str) -> outbox.SyncState:
        with self.session(name).store.read() as conn:
            return outbox.state(conn)

    def returned(self, name: str) -> list[tuple[Any, ...]]:
        """(mutation id, entity, entity id, reason) of the client's returned work."""
        sql = "SELECT mutation_id, entity, entity_id, reason FROM returned_work ORDER BY id"
        return _rows(self.session(name), sql)

    def server_last_mutation_id(self, name: str) -> int:
        c = schema.clients.c
        with self.engine.connect() as conn:
            query = select(c.last_mutation_id).where(c.client_id == self.state(name).client_id)
            row = conn.execute(query).first()
        return int(row[0]) if row else 0

    def server_count(self, table: Any, *where: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table).where(*where))
                       .scalar_one())  # fmt: skip

    def transport(self, kind: type[Transport] = Transport) -> Transport:
        return kind(self.url, sleep=lambda _s: None)

    def sync(self, name: str, transport: Transport | None = None) -> SyncSummary:
        client = self.clients[name]
        return sync_service.sync_session(client.session, client.password, reg=client.reg,
                                         transport=transport or self.transport())  # fmt: skip


class SyncWorld(World, RuleBasedStateMachine):
    def __init__(self, template: WorldTemplate, switch: GatewaySwitch, url: str, base: Path,
                 stats: Stats) -> None:  # fmt: skip
        RuleBasedStateMachine.__init__(self)
        World.__init__(self, template, switch, url, base)
        self.stats = stats
        # The model. Notes and tasks each client created (id -> the id of the creating
        # mutation), every mutation by id and by kind, and every interaction's content
        # as first seen.
        self.notes: dict[str, dict[str, int]] = {n: {} for n in CLIENTS}
        self.tasks_created: dict[str, dict[str, int]] = {n: {} for n in CLIENTS}
        self.mutations: dict[str, dict[int, str]] = {n: {} for n in CLIENTS}
        self.kinds: dict[str, Counter[str]] = {n: Counter() for n in CLIENTS}
        self.note_text: dict[str, str] = {}
        self.interactions: dict[str, tuple[Any, ...]] = {}
        stats.examples += 1

    def clients_with_pending(self) -> list[str]:
        return [n for n in CLIENTS if self.pending_ids(n)]

    @contextmanager
    def recording(self, name: str, rule_name: str) -> Iterator[dict[str, int]]:
        """Record the mutations an operation enqueued (none if it raised); the dict
        yielded is filled with their ids by mutation name."""
        self.count_step(rule_name)
        before = self.state(name).last_mutation_id
        enqueued: dict[str, int] = {}
        yield enqueued
        sql = "SELECT mutation_id, name FROM outbox WHERE mutation_id > ? ORDER BY mutation_id"
        for mutation_id, mutation_name in _rows(self.session(name), sql, (before,)):
            self.mutations[name][mutation_id] = mutation_name
            self.kinds[name][mutation_name] += 1
            enqueued[mutation_name] = mutation_id

    def count_step(self, rule_name: str) -> None:
        self.stats.steps += 1
        self.stats.rules[rule_name] += 1

    # --- offline work -------------------------------------------------------------------

    @rule(who=clients, data=st.data(), kind=st.sampled_from(list(InteractionKind)),
          text=texts, next_step=st.booleans())  # fmt: skip
    def log_note(self, who: str, data: st.DataObject, kind: InteractionKind, text: str,
                 next_step: bool) -> None:  # fmt: skip
        cif = _pick(data, self.customer_ids(who), "customer")
        if cif is None:
            return
        note = NoteInput(
            customer_id=cif, kind=kind, occurred_at=OCCURRED, subject="回访", note=text,
            next_step="下次跟进" if next_step else "",
            next_step_due=AS_OF + timedelta(days=3) if next_step else None,
        )  # fmt: skip
        with self.recording(who, "log_note") as enqueued:
            interaction, task, _ = notes.log_interaction(self.session(who), note)
        self.notes[who][interaction.id] = enqueued["interaction.create"]
        self.note_text[interaction.id] = text
        if task is not None:
            self.tasks_created[who][task.id] = enqueued["task.create"]

    @rule(who=clients, data=st.data(), title=titles, due=due_dates)
    def create_task(self, who: str, data: st.DataObject, title: str, due: date) -> None:
        cif = _pick(data, self.customer_ids(who), "customer")
        if cif is None:
            return
        with self.recording(who, "create_task") as enqueued:
            task, _ = tasks.create_task(self.session(who), cif, title, due)
        self.tasks_created[who][task.id] = enqueued["task.create"]

    @rule(who=clients, data=st.data(), changes=task_edits)
    def edit_task(self, who: str, data: st.DataObject, changes: dict[str, Any]) -> None:
        task_id = _pick(data, self.task_ids(who), "task")
        if task_id is None:
            return
        try:
            with self.recording(who, "edit_task"):
                tasks.update_task(self.session(who), task_id, **changes)
        except tasks.InvalidTask:
            pass  # the local state machine refused the status change: nothing enqueued
        except PermissionDenied:
            pass  # the role matrix refused (reassigning someone else's): nothing enqueued

    @rule(who=clients, data=st.data())
    def delete_task(self, who: str, data: st.DataObject) -> None:
        task_id = _pick(data, self.task_ids(who), "task")
        if task_id is None:
            return
        try:
            with self.recording(who, "delete_task"):
                tasks.delete_task(self.session(who), task_id)
        except PermissionDenied:
            pass  # neither created nor holds it, as its copy says: nothing enqueued

    @rule(who=clients, data=st.data(), changes=contact_edits)
    def edit_customer(self, who: str, data: st.DataObject, changes: dict[str, Any]) -> None:
        cif = _pick(data, self.customer_ids(who), "customer")
        if cif is None:
            return
        with self.recording(who, "edit_customer"):
            customers.update_contact(self.session(who), cif, **changes)

    # --- syncing --------------------------------------------------------------------------

    @rule(who=clients)
    def sync_normally(self, who: str) -> None:
        self.count_step("sync_normally")
        self.sync(who)
        assert self.pending_ids(who) == []
        assert self.server_last_mutation_id(who) == self.state(who).last_mutation_id

    @precondition(lambda self: bool(self.clients_with_pending()))
    @rule(data=st.data())
    def sync_losing_push_response(self, data: st.DataObject) -> None:
        self.count_step("sync_losing_push_response")
        who = data.draw(st.sampled_from(self.clients_with_pending()), label="client")
        before = self.pending_ids(who)
        with pytest.raises(ServerUnreachable):
            self.sync(who, self.transport(LosesPushResponse))
        assert self.pending_ids(who) == before  # kept: the client cannot know it landed
        assert self.server_last_mutation_id(who) == before[-1]  # ...but it did

    @rule(who=clients)
    def sync_losing_pull_response(self, who: str) -> None:
        self.count_step("sync_losing_pull_response")
        cursor = self.state(who).cursor
        with pytest.raises(ServerUnreachable):
            self.sync(who, self.transport(LosesPullResponse))
        assert self.pending_ids(who) == []  # the push before it was answered
        assert self.state(who).cursor == cursor  # nothing of the lost page was applied

    @rule(who=clients)
    def restart(self, who: str) -> None:
        self.count_step("restart")
        client = self.clients[who]
        before = (self.state(who), self.pending_ids(who))
        client.session.lock()
        client.session = sessions.unlock(client.reg, client.user, client.password)
        after = (self.state(who), self.pending_ids(who))
        assert after == before

    @rule(data=st.data())
    def reassign_customer(self, data: st.DataObject) -> None:
        self.count_step("reassign_customer")
        c = schema.customers.c
        with self.engine.connect() as conn:
            owners = [tuple(r) for r in conn.execute(select(c.id, c.owner_rm).order_by(c.id))]
        cif, owner = data.draw(st.sampled_from(owners), label="customer")
        result = admin.assign(self.engine, cif, "rm002" if owner == "rm001" else "rm001")
        assert result.changed

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def outbox_ids_follow_the_acknowledged_one(self) -> None:
        for name in CLIENTS:
            state = self.state(name)
            expected = list(range(state.acked_mutation_id + 1, state.last_mutation_id + 1))
            assert self.pending_ids(name) == expected, name

    @invariant()
    def interactions_never_change(self) -> None:
        sql = f"SELECT {', '.join(INTERACTION_CONTENT)} FROM interactions"
        note_at = INTERACTION_CONTENT.index("note")
        for name in CLIENTS:
            for row in _rows(self.session(name), sql):
                seen = self.interactions.setdefault(row[0], row)
                assert row == seen, f"{name} holds interaction {row[0]} changed"
                if row[0] in self.note_text:
                    assert row[note_at] == self.note_text[row[0]]

    # --- the end: everyone syncs twice, then everything must agree -------------------------

    def teardown(self) -> None:
        try:
            in_flight = sys.exc_info()[0]
            if in_flight is None:
                self.settle_and_check()
                self.stats.checked += 1
            else:  # a failing step is the report (or hypothesis stopped the run): do not mask it
                self.stats.aborted[in_flight.__name__] += 1
        finally:
            self.close()

    def settle_and_check(self) -> None:
        for _ in range(2):
            for name in CLIENTS:
                self.sync(name)
        for name in CLIENTS:
            assert self.pending_ids(name) == [], name
        self.check_server_results()
        self.check_convergence()

    def server_conflicts(self, client_id: str) -> list[tuple[Any, ...]]:
        c = schema.conflicts.c
        query = select(c.entity, c.entity_id, c.field, c.mutation_id).where(
            c.client_id == client_id
        )
        with self.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(query))

    def check_server_results(self) -> None:
        mr, i, t = schema.mutation_results.c, schema.interactions.c, schema.tasks.c
        total = 0
        for name in CLIENTS:
            state = self.state(name)
            total += state.last_mutation_id
            assert set(self.mutations[name]) == set(range(1, state.last_mutation_id + 1))
            assert sum(self.kinds[name].values()) == state.last_mutation_id
            assert self.server_last_mutation_id(name) == state.last_mutation_id, name
            with self.engine.connect() as conn:
                results = conn.execute(
                    select(mr.mutation_id, mr.name, mr.outcome, mr.reason)
                    .where(mr.client_id == state.client_id).order_by(mr.mutation_id)
                ).all()  # fmt: skip
                note_counts = {n: conn.execute(select(func.count()).where(i.id == n)).scalar_one()
                               for n in self.notes[name]}  # fmt: skip
                task_counts = {n: conn.execute(select(func.count()).where(t.id == n)).scalar_one()
                               for n in self.tasks_created[name]}  # fmt: skip
            assert [r.mutation_id for r in results] == list(range(1, state.last_mutation_id + 1))
            returned = self.returned(name)
            by_mutation = {r[0]: r[3] for r in returned}
            assert len(by_mutation) == len(returned), f"{name}: work returned twice {returned}"
            for r in results:
                if r.name == "noop":  # evicted before it was pushed: the user has it back
                    assert by_mutation.get(r.mutation_id) == EVICTED_REASON, (name, r)
                else:
                    assert r.name == self.mutations[name][r.mutation_id], (name, r)
                if r.outcome == "rejected":
                    assert by_mutation.get(r.mutation_id) == r.reason, (name, r)
            handed_back = {r.mutation_id for r in results
                           if r.name == "noop" or r.outcome == "rejected"}  # fmt: skip
            assert set(by_mutation) == handed_back, name
            # Every conflict the server recorded for this client is listed for its user.
            sql = "SELECT entity, entity_id, field, mutation_id FROM conflicts"
            shown = sorted(_rows(self.session(name), sql))
            assert shown == self.server_conflicts(state.client_id), f"{name}: conflicts"
            created_here = (("interaction", self.notes[name], note_counts),
                            ("task", self.tasks_created[name], task_counts))  # fmt: skip
            for entity, created, counts in created_here:
                for entity_id, on_server in counts.items():
                    handed = created[entity_id] in by_mutation
                    assert on_server <= 1, f"{entity} {entity_id} duplicated on the server"
                    assert (on_server == 1) != handed, (
                        f"{name}: created {entity} {entity_id} is on the server {on_server} "
                        f"time(s) and {'' if handed else 'not '}in the returned work"
                    )
        with self.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(schema.mutation_results)
                                ).scalar_one() == total  # fmt: skip

    def check_convergence(self) -> None:
        c = schema.customers.c
        with self.engine.connect() as conn:
            owners = dict(conn.execute(select(c.id, c.owner_rm)).all())
        of_rm001 = {cif for cif, owner in owners.items() if owner == "rm001"}
        of_rm002 = {cif for cif, owner in owners.items() if owner == "rm002"}
        a1, a2, m, b = (self.session(n) for n in CLIENTS)
        assert set(self.customer_ids("a1")) == of_rm001
        assert set(self.customer_ids("a2")) == of_rm001
        assert set(self.customer_ids("b")) == of_rm002
        assert set(self.customer_ids("m")) == set(owners)
        reg = registry(self.dir / "fresh")
        password = self.template.passwords["rm001"]
        fresh = sync_service.add_profile(reg, "rm001", password, self.url).session
        self.resources.callback(fresh.store.close)
        assert {r[0] for r in _rows(fresh, "SELECT id FROM customers")} == of_rm001
        reference = replica(fresh, of_rm001)
        assert_same("rm001 device 1 vs a fresh snapshot", replica(a1, of_rm001), reference)
        assert_same("rm001 device 2 vs a fresh snapshot", replica(a2, of_rm001), reference)
        assert_same("manager vs rm001", replica(m, of_rm001), reference)
        assert_same("manager vs rm002", replica(m, of_rm002), replica(b, of_rm002))


def test_sync_state_machine(world: WorldTemplate, gateway_switch: tuple[GatewaySwitch, str],
                            tmp_path: Path) -> None:  # fmt: skip
    switch, url = gateway_switch
    stats = Stats()
    # Hypothesis calls any factory; its annotation names only a class.
    factory = cast("type[SyncWorld]", lambda: SyncWorld(world, switch, url, tmp_path, stats))
    run_state_machine_as_test(factory, settings=SETTINGS)
    print(f"\n{world.backend}: {stats}")
    assert stats.checked >= SETTINGS.max_examples // 2, stats
    assert stats.checked + sum(stats.aborted.values()) == stats.examples, stats


# --- what the machine found, step by step ----------------------------------------------


@pytest.fixture
def world_copy(
    world: WorldTemplate, gateway_switch: tuple[GatewaySwitch, str], tmp_path: Path
) -> Iterator[World]:
    switch, url = gateway_switch
    copy = World(world, switch, url, tmp_path)
    yield copy
    copy.close()


def test_refused_note_does_not_stay_in_the_timeline(world_copy: World) -> None:
    """rm002 logs a note offline; the customer moves to rm001, the push answer is lost,
    the customer moves back. The server refused the note (customer_not_in_scope) and the
    client hands it back as returned work, so it must not also stay in the timeline as
    if it had been saved: the manager and every other device never see it."""
    w = world_copy
    cif = w.customer_ids("b")[0]
    data = NoteInput(customer_id=cif, kind=InteractionKind.VISIT, occurred_at=OCCURRED,
                     subject="回访", note="服务器拒收的记录")  # fmt: skip
    note = notes.log_interaction(w.session("b"), data)[0]
    admin.assign(w.engine, cif, "rm001")
    with pytest.raises(ServerUnreachable):
        w.sync("b", w.transport(LosesPushResponse))
    admin.assign(w.engine, cif, "rm002")
    w.sync("b")
    assert [r[1:] for r in w.returned("b")] == [("interaction", note.id, "customer_not_in_scope")]
    assert w.server_count(schema.interactions, schema.interactions.c.id == note.id) == 0
    assert cif in w.customer_ids("b")
    shown = _rows(w.session("b"), "SELECT count(*) FROM interactions WHERE id = ?", (note.id,))
    assert shown == [(0,)], "the refused note still shows in the timeline as saved"


def _handed_back_by_the_manager(w: World) -> FollowUpTask:
    """A follow-up the manager gave rm001 (device a1 synced it) and then reassigned to
    himself; a1 has not synced since, so its copy still says rm001 holds it."""
    cif = w.customer_ids("a1")[0]
    task, _ = tasks.create_task(
        w.session("m"), cif, "经理布置的跟进", AS_OF + timedelta(days=7), assignee="rm001"
    )
    w.sync("m")
    w.sync("a1")
    assert task.id in w.task_ids("a1")
    tasks.update_task(w.session("m"), task.id, assignee="mgr001")
    w.sync("m")
    return task


def test_refused_task_delete_leaves_the_task_in_place(world_copy: World) -> None:
    """The manager gives rm001 a follow-up, then takes it back (reassigns it to himself);
    rm001's device, not synced since, still holds it and deletes it, which its copy
    allows. The server refuses (not_allowed: rm001 neither created it nor holds it any
    more) and keeps the task, so the device must show it again rather than lose it."""
    w = world_copy
    task = _handed_back_by_the_manager(w)
    tasks.delete_task(w.session("a1"), task.id)
    assert w.sync("a1").rejected == 1
    assert [r[3] for r in w.returned("a1")] == ["not_allowed"]
    t = schema.tasks.c
    assert w.server_count(schema.tasks, t.id == task.id, t.deleted.is_(False)) == 1
    w.sync("a1")
    w.sync("a2")
    assert task.id in w.task_ids("a2")
    assert task.id in w.task_ids("a1"), "the device lost a task the server still has"


def test_refused_task_delete_with_lost_answer_leaves_the_task_in_place(world_copy: World) -> None:
    """As above, but the answer to the push is lost: the retry is answered from the
    stored outcome, and the task must still come back."""
    w = world_copy
    task = _handed_back_by_the_manager(w)
    tasks.delete_task(w.session("a1"), task.id)
    with pytest.raises(ServerUnreachable):
        w.sync("a1", w.transport(LosesPushResponse))
    assert w.sync("a1").rejected == 1
    assert [r[3] for r in w.returned("a1")] == ["not_allowed"]
    t = schema.tasks.c
    assert w.server_count(schema.tasks, t.id == task.id, t.deleted.is_(False)) == 1
    w.sync("a1")
    assert task.id in w.task_ids("a1"), "the device lost a task the server still has"


def test_conflict_with_lost_answer_still_reaches_the_user(world_copy: World) -> None:
    """Both rm001 devices change one customer's email offline; the second push meets a
    conflict on the server and its answer is lost. The retry is answered from the stored
    outcome, and the conflict must still be listed for the user to resolve."""
    w = world_copy
    cif = w.customer_ids("a1")[0]
    customers.update_contact(w.session("a1"), cif, email="first@example.com")
    customers.update_contact(w.session("a2"), cif, email="second@example.com")
    w.sync("a1")
    with pytest.raises(ServerUnreachable):
        w.sync("a2", w.transport(LosesPushResponse))
    assert w.sync("a2").conflicts == 1
    c = schema.conflicts.c
    assert w.server_count(schema.conflicts, c.client_id == w.state("a2").client_id) == 1
    shown = [(x.entity, x.entity_id, x.field) for x in conflicts.open_conflicts(w.session("a2"))]
    assert shown == [("customer", cif, "email")], "the conflict never reached the user"
