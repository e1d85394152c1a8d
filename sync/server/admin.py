"""What an administrator does to the central gateway's database.

Seed the demo bank, add branches and users, move a customer to another RM, revoke a
device and export customers and contact history. Each operation is one transaction
over SQLAlchemy Core and runs the same on PostgreSQL and SQLite; a refusal is an
`AdminError` whose text is one readable sentence for the command line.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, Row, Select, insert, select, update
from sqlalchemy.exc import IntegrityError

from rm_desk.domain import permissions
from rm_desk.domain.model import Role
from sync.server import bulk, db, schema
from sync.server.security import hash_password

if TYPE_CHECKING:
    from rm_desk.demo import DemoBank
    from rm_desk.demo.frame import Locale

ROLES: Final = tuple(role.value for role in Role)
MIN_PASSWORD_LENGTH: Final = 8
MAX_PASSWORD_LENGTH: Final = 1024  # what the login request accepts
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}")
_BRANCH_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,31}")

CUSTOMER_EXPORT_FIELDS: Final = (
    "cif", "name", "branch", "owner", "segment", "aum_fen", "lifecycle", "version",
)  # fmt: skip
INTERACTION_EXPORT_FIELDS: Final = (
    "id", "customer", "kind", "occurred_at", "created_by", "subject", "text", "supersedes_id",
)  # fmt: skip

# Hashing hundreds of demo passwords with Argon2id takes seconds of CPU: above this
# many, a separate process hashes them while this one loads the customers.
_HASH_IN_BACKGROUND_FROM = 32


class AdminError(Exception):
    """An administrative request the gateway refuses; str() is one readable sentence."""


@dataclass(frozen=True, slots=True)
class SeedProgress:
    customers_done: int
    customers_total: int
    rows: int  # customer-side rows written so far


@dataclass(frozen=True, slots=True)
class SeedResult:
    branches: int  # created (existing branches are kept as they are)
    users: int  # created (existing users keep their passwords)
    customers: int
    holdings: int
    snapshots: int
    interactions: int
    tasks: int
    seconds: float

    @property
    def rows(self) -> int:
        """Customer-side rows: customers, holdings, snapshots, interactions, tasks."""
        return self.customers + self.holdings + self.snapshots + self.interactions + self.tasks


@dataclass(frozen=True, slots=True)
class AssignResult:
    customer_id: str
    previous_owner: str
    owner: str
    branch: str
    changed: bool
    version: int  # the customer's version after the move
    seq: int  # change-log sequence of the move (0 when nothing changed)
    changes: int  # change-log entries written
    message: str


# --- seeding --------------------------------------------------------------------------


def seed(
    engine: Engine,
    customers: int,
    rms: int,
    seed: int = 7,
    as_of: date | None = None,
    progress: Callable[[SeedProgress], None] | None = None,
    *,
    locale: Locale = "zh",
) -> SeedResult:
    """Load a generated demo bank: its branches, every employee as a user (password
    "demo-<user id>") and its customers with everything under them, at version 1 and
    seq 0, in one transaction. Refuses a database that already has customers.

    On PostgreSQL the replicated tables stay locked until the load commits (they are
    empty, so no reader misses anything) and are analysed afterwards.
    """
    from rm_desk.demo import generate_bank  # noqa: PLC0415  (numpy: only seeding needs it)

    started = time.perf_counter()
    if locale not in ("zh", "en"):
        raise AdminError(f"unknown locale {locale!r}: use zh or en")
    try:
        bank = generate_bank(customers, rms, seed=seed, as_of=as_of or db.now().date(),
                             locale=locale)  # fmt: skip
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    with engine.connect() as conn:
        _refuse_if_seeded(conn)
    passwords = bank.user_passwords()
    hashes = _PasswordHashes(passwords)
    try:
        with engine.begin() as conn:
            _refuse_if_seeded(conn)
            counts = _load_bank(conn, bank, progress)
            branches = _add_missing_branches(conn, bank)
            users = _add_missing_users(conn, bank, hashes)
    finally:
        hashes.close()
    if engine.dialect.name == "postgresql":
        tables = (schema.branches, schema.users, *(t.table for t in bulk.TARGETS))
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in tables)}")
    return SeedResult(branches=branches, users=users, **counts,
                      seconds=time.perf_counter() - started)  # fmt: skip


def _load_bank(
    conn: Connection, bank: DemoBank, progress: Callable[[SeedProgress], None] | None
) -> dict[str, int]:
    counts = {target.attribute: 0 for target in bulk.TARGETS}
    try:
        loader = bulk.loader_for(conn)
    except ValueError as exc:  # a table lacks a column the loader fills
        raise AdminError(f"cannot seed: {exc}") from None
    try:
        loader.prepare()
        for chunk in bank.chunks():
            for name, count in loader.load(chunk).items():
                counts[name] += count
            if progress is not None:
                progress(SeedProgress(counts["customers"], bank.customer_count,
                                      sum(counts.values())))  # fmt: skip
        loader.finish()
    except ValueError as exc:  # a table that should be empty is not
        raise AdminError(f"cannot seed: {exc}") from None
    finally:
        loader.close()
    return counts


def _add_missing_branches(conn: Connection, bank: DemoBank) -> int:
    known = set(conn.execute(select(schema.branches.c.code)).scalars())
    new = [{"code": b.code, "name": b.name, "city": b.city}
           for b in bank.branches if b.code not in known]  # fmt: skip
    if new:
        conn.execute(insert(schema.branches), new)
    return len(new)


def _add_missing_users(conn: Connection, bank: DemoBank, hashes: _PasswordHashes) -> int:
    """Every employee not already a user, with the demo password."""
    known = set(conn.execute(select(schema.users.c.user_id)).scalars())
    passwords = bank.user_passwords()
    hashed = hashes.result()
    new = [
        {"user_id": e.user_id, "name": e.name, "role": e.role.value, "branch": e.branch,
         "manager_id": e.manager_id, "password_hash": hashed[passwords[e.user_id]],
         "disabled": False, "scope_epoch": 0}
        for e in bank.employees if e.user_id not in known
    ]  # fmt: skip
    if new:
        conn.execute(insert(schema.users), new)
    return len(new)


def _refuse_if_seeded(conn: Connection) -> None:
    if conn.execute(select(schema.customers.c.id).limit(1)).first() is not None:
        raise AdminError("the database already has customers; seed only an empty database")


def _hash_each(passwords: list[str]) -> list[str]:
    return [hash_password(p) for p in passwords]


class _PasswordHashes:
    """Argon2id hashes of the distinct passwords. Each takes ~50 ms holding the GIL, so
    when there are many, a forked process hashes them while this one loads customers.
    Forking is safe only in a single-threaded process (the command line); elsewhere,
    and on platforms without a cheap fork, they are hashed in line."""

    def __init__(self, passwords: Mapping[str, str]) -> None:
        self._distinct = sorted(set(passwords.values()))
        self._pool: Pool | None = None
        self._pending: AsyncResult[list[str]] | None = None
        if (
            len(self._distinct) >= _HASH_IN_BACKGROUND_FROM
            and sys.platform == "linux"
            and not getattr(sys, "frozen", False)
            and threading.active_count() == 1
        ):
            self._pool = get_context("fork").Pool(1)
            self._pending = self._pool.apply_async(_hash_each, (self._distinct,))

    @property
    def in_background(self) -> bool:
        return self._pending is not None

    def result(self) -> dict[str, str]:
        hashed = self._pending.get() if self._pending is not None else _hash_each(self._distinct)
        return dict(zip(self._distinct, hashed, strict=True))

    def close(self) -> None:
        """Stop the hashing process, finished or not (a failed seed must not wait)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


# --- branches and users --------------------------------------------------------------


def add_branch(engine: Engine, code: str, name: str, city: str) -> None:
    if not _BRANCH_CODE.fullmatch(code):
        raise AdminError(f"branch code {code!r} is not valid: use up to 32 letters, digits, "
                         "'-' or '_'")  # fmt: skip
    if not name.strip():
        raise AdminError("a branch needs a name")
    try:
        with engine.begin() as conn:
            if _branch_exists(conn, code):
                raise AdminError(f"branch {code} already exists")
            conn.execute(insert(schema.branches).values(code=code, name=name.strip(),
                                                        city=city.strip()))  # fmt: skip
    except IntegrityError:
        raise AdminError(f"branch {code} already exists") from None


def add_user(
    engine: Engine, user_id: str, role: str, branch: str, password: str, name: str = ""
) -> None:
    if not _USER_ID.fullmatch(user_id):
        raise AdminError(f"user id {user_id!r} is not valid: use up to 64 letters, digits, "
                         "'.', '@', '-' or '_'")  # fmt: skip
    if role not in ROLES:
        raise AdminError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AdminError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    with engine.connect() as conn:
        _check_new_user(conn, user_id, branch)
    password_hash = hash_password(password)  # slow: outside the transaction
    try:
        with engine.begin() as conn:
            _check_new_user(conn, user_id, branch)
            conn.execute(insert(schema.users).values(
                user_id=user_id, name=name.strip() or user_id, role=role, branch=branch,
                manager_id=None, password_hash=password_hash, disabled=False, scope_epoch=0,
            ))  # fmt: skip
    except IntegrityError:
        raise AdminError(f"user {user_id} already exists") from None


def reset_scope(engine: Engine, user_id: str) -> int:
    """Bump a user's scope epoch: every device of the user resynchronises in full on its
    next sync, and accepts a much smaller book than it holds (the server now records a
    change of scope). For a change the change log cannot express, e.g. data corrected
    in the database by hand. Returns the new epoch."""
    u = schema.users.c
    with engine.begin() as conn:
        _require_user(conn, user_id)
        epoch = conn.execute(
            update(schema.users).where(u.user_id == user_id)
            .values(scope_epoch=u.scope_epoch + 1).returning(u.scope_epoch)
        ).scalar_one()  # fmt: skip
    return int(epoch)


def _check_new_user(conn: Connection, user_id: str, branch: str) -> None:
    u = schema.users
    if conn.execute(select(u.c.user_id).where(u.c.user_id == user_id)).first() is not None:
        raise AdminError(f"user {user_id} already exists")
    if not _branch_exists(conn, branch):
        raise AdminError(f"branch {branch} does not exist; add the branch first")


def _branch_exists(conn: Connection, code: str) -> bool:
    found = conn.execute(select(schema.branches.c.code).where(schema.branches.c.code == code))
    return found.first() is not None


def _require_user(conn: Connection, user_id: str) -> Any:
    row = conn.execute(
        select(schema.users.c.user_id, schema.users.c.role, schema.users.c.branch,
               schema.users.c.disabled).where(schema.users.c.user_id == user_id)
    ).first()  # fmt: skip
    if row is None:
        raise AdminError(f"user {user_id} does not exist")
    return row


# --- moving a customer ---------------------------------------------------------------


def assign(engine: Engine, customer_id: str, to_user: str) -> AssignResult:
    """Move a customer (and everything under it) to another RM, in one transaction.

    Scopes that no longer see the customer get an `evict`; every scope that sees it
    now gets an `upsert` for the customer and each of its rows, so the new owner's
    client receives the whole subtree by delta pull. Every row of the subtree then
    carries the move's sequence number, which keeps snapshots consistent.
    """
    c = schema.customers
    with engine.begin() as conn:
        current = conn.execute(
            select(c.c.owner_rm, c.c.branch, c.c.version).where(c.c.id == customer_id)
            .with_for_update()
        ).first()  # fmt: skip
        if current is None:
            raise AdminError(f"customer {customer_id} does not exist")
        target = _require_user(conn, to_user)
        # Only a role whose copy is its own book can own customers (the matrix).
        if permissions.rights(target.role).visibility is not permissions.Visibility.OWN_BOOK:
            raise AdminError(f"user {to_user} is a {target.role}, not a relationship manager")
        if target.disabled:
            raise AdminError(f"user {to_user} is disabled")
        if current.owner_rm == to_user:
            return AssignResult(
                customer_id=customer_id, previous_owner=to_user, owner=to_user,
                branch=current.branch, changed=False, version=int(current.version), seq=0,
                changes=0, message=f"customer {customer_id} already belongs to {to_user}; "
                "nothing changed",
            )  # fmt: skip
        old_scopes = permissions.customer_scopes(current.owner_rm, current.branch)
        new_scopes = permissions.customer_scopes(to_user, target.branch)
        subtree = _subtree(conn, customer_id)
        entries = [(scope, "customer", customer_id, "evict")
                   for scope in old_scopes if scope not in new_scopes]  # fmt: skip
        for scope in new_scopes:
            entries.extend((scope, entity, entity_id, op) for entity, entity_id, op in subtree)
        writer = db.ChangeWriter(conn)
        seq = writer.log_many(entries)
        version = int(current.version) + 1
        conn.execute(
            update(c).where(c.c.id == customer_id)
            .values(owner_rm=to_user, branch=target.branch, version=version, seq=seq)
        )  # fmt: skip
        for table in (schema.holdings, schema.snapshots, schema.interactions, schema.tasks):
            conn.execute(update(table).where(table.c.customer_id == customer_id).values(seq=seq))
    return AssignResult(
        customer_id=customer_id, previous_owner=current.owner_rm, owner=to_user,
        branch=target.branch, changed=True, version=version, seq=seq, changes=len(entries),
        message=f"customer {customer_id} moved from {current.owner_rm} to {to_user} "
        f"(branch {target.branch})",
    )  # fmt: skip


def _subtree(conn: Connection, customer_id: str) -> list[tuple[str, str, str]]:
    """(entity, entity_id, op) for the customer and every row under it, parents first."""
    h, s, i, t = schema.holdings, schema.snapshots, schema.interactions, schema.tasks
    holdings = conn.execute(
        select(h.c.id).where(h.c.customer_id == customer_id).order_by(h.c.id)
    ).scalars()
    months = conn.execute(
        select(s.c.month).where(s.c.customer_id == customer_id).order_by(s.c.month)
    ).scalars()
    interactions = conn.execute(
        select(i.c.id).where(i.c.customer_id == customer_id).order_by(i.c.occurred_at, i.c.id)
    ).scalars()
    tasks = conn.execute(
        select(t.c.id, t.c.deleted).where(t.c.customer_id == customer_id).order_by(t.c.id)
    ).all()
    return [
        ("customer", customer_id, "upsert"),
        *(("holding", holding_id, "upsert") for holding_id in holdings),
        *(("snapshot", f"{customer_id}|{month}", "upsert") for month in months),
        *(("interaction", interaction_id, "upsert") for interaction_id in interactions),
        *(("task", task_id, "delete" if deleted else "upsert") for task_id, deleted in tasks),
    ]


# --- devices ---------------------------------------------------------------------------


def revoke_device(engine: Engine, user_id: str, device_id: str | None = None) -> int:
    """Revoke one device of a user (or all of them) and every token issued to it; the
    client wipes its cache on next contact. Returns how many devices were revoked
    (a device revoked before is not counted again)."""
    d, tk = schema.devices, schema.tokens
    with engine.begin() as conn:
        _require_user(conn, user_id)
        devices_query = select(d.c.device_id).where(d.c.user_id == user_id)
        tokens_update = update(tk).where(tk.c.user_id == user_id, tk.c.revoked.is_(False))
        if device_id is not None:
            devices_query = devices_query.where(d.c.device_id == device_id)
            tokens_update = tokens_update.where(tk.c.device_id == device_id)
            if conn.execute(devices_query).first() is None:
                raise AdminError(f"user {user_id} has no device {device_id}")
        revoked = conn.execute(
            update(d).where(d.c.device_id.in_(devices_query.where(d.c.revoked_at.is_(None))))
            .values(revoked_at=db.now())
        ).rowcount  # fmt: skip
        conn.execute(tokens_update.values(revoked=True))
    return int(revoked)


# --- exports ---------------------------------------------------------------------------


def iter_customers(engine: Engine, owner: str | None = None) -> Iterator[dict[str, Any]]:
    """Customers as export records, ordered by CIF, streamed from the database.
    An unknown owner is refused here, before anything is streamed."""
    c = schema.customers
    query = select(c.c.id, c.c.name, c.c.branch, c.c.owner_rm, c.c.segment, c.c.aum_fen,
                   c.c.lifecycle, c.c.version).order_by(c.c.id)  # fmt: skip
    if owner is not None:
        with engine.connect() as conn:
            _require_user(conn, owner)
        query = query.where(c.c.owner_rm == owner)
    return _stream(engine, query, _customer_record)


def _customer_record(row: Row[Any]) -> dict[str, Any]:
    return {"cif": row.id, "name": row.name, "branch": row.branch, "owner": row.owner_rm,
            "segment": row.segment, "aum_fen": int(row.aum_fen), "lifecycle": row.lifecycle,
            "version": int(row.version)}  # fmt: skip


def iter_interactions(engine: Engine, customer: str | None = None) -> Iterator[dict[str, Any]]:
    """Contact history as export records, ordered by when it happened, then id.
    An unknown customer is refused here, before anything is streamed."""
    i = schema.interactions
    query = select(
        i.c.id, i.c.customer_id, i.c.kind, i.c.occurred_at, i.c.created_by, i.c.subject,
        i.c.note, i.c.supersedes_id,
    ).order_by(i.c.occurred_at, i.c.id)  # fmt: skip
    if customer is not None:
        with engine.connect() as conn:
            found = conn.execute(select(schema.customers.c.id)
                                 .where(schema.customers.c.id == customer)).first()  # fmt: skip
        if found is None:
            raise AdminError(f"customer {customer} does not exist")
        query = query.where(i.c.customer_id == customer)
    return _stream(engine, query, _interaction_record)


def _interaction_record(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id, "customer": row.customer_id, "kind": row.kind,
        "occurred_at": _instant(row.occurred_at), "created_by": row.created_by,
        "subject": row.subject, "text": row.note, "supersedes_id": row.supersedes_id,
    }  # fmt: skip


def _stream(
    engine: Engine, query: Select[Any], record: Callable[[Row[Any]], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=2000).execute(query):
            yield record(row)


def export_customers(engine: Engine, owner: str | None = None) -> list[dict[str, Any]]:
    return list(iter_customers(engine, owner))


def export_interactions(engine: Engine, customer: str | None = None) -> list[dict[str, Any]]:
    return list(iter_interactions(engine, customer))


def _instant(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything the gateway stores is UTC.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()
