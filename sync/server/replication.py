"""Serving a client's scope: incremental pulls from the change log and snapshots.

Pull reads change-log entries of the caller's scopes with `cursor < seq <=
target`, where `target` is the committed value of the sequence counter (every
sequence up to it is committed, see `db.py`), and sends each entity's *current*
row — after checking it is still in the caller's scope, so data never leaks past a
reassignment. Snapshots stream every in-scope row whose `seq <= S` for one counter
value S; combined with a pull from S that is one consistent state (a row changed
after S is absent from the snapshot and present in the pull).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic_core
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from rm_desk.domain import permissions
from sync import wire
from sync.protocol import (
    ErrorCode,
    PullRequest,
    PullResponse,
    SnapshotBegin,
    SnapshotEnd,
)
from sync.server import schema
from sync.server.auth import bearer_hash, credentials_query, principal_from
from sync.server.clients import last_mutation_id
from sync.server.db import current_seq, reading
from sync.server.errors import ProtocolError
from sync.server.principal import Principal

SNAPSHOT_PAGE_ROWS = 5000
META_PURGED_UPTO = "purged_upto"

_TABLES = {
    "customer": schema.customers,
    "holding": schema.holdings,
    "snapshot": schema.snapshots,
    "interaction": schema.interactions,
    "task": schema.tasks,
}


# --- cursors --------------------------------------------------------------------------


def encode_cursor(seq: int, epoch: int) -> str:
    raw = json.dumps({"s": seq, "e": epoch}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_SEQ = 2**63 - 1


def _counter(value: Any) -> int:
    """A sequence number from a token: a real int in BIGINT range, nothing else."""
    if type(value) is not int or not 0 <= value <= MAX_SEQ:
        raise ValueError("not a sequence number")
    return value


def _token_json(token: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def decode_cursor(token: str | None) -> tuple[int, int]:
    if token is None:
        return 0, 0
    try:
        data = _token_json(token)
        return _counter(data["s"]), _counter(data["e"])
    except (ValueError, KeyError, TypeError, OverflowError):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "The sync cursor is not valid.") from None


# --- row serialisation ----------------------------------------------------------------


def _scope_filter(principal: Principal) -> Any:
    c = schema.customers.c
    match permissions.rights(principal.role).visibility:
        case permissions.Visibility.OWN_BOOK:
            return c.owner_rm == principal.user_id
        case permissions.Visibility.BRANCH:
            return c.branch == principal.branch
        case _:
            return c.id.is_(None)  # admin: nothing


def serialise(entity: str, row: Any, principal: Principal) -> dict[str, Any]:
    data: dict[str, Any] = {}
    mapping = row._mapping
    for column in wire.ENTITY_COLUMNS[entity]:
        if column == "personal_masked":
            data[column] = principal.sees_masked
            continue
        value = mapping.get(column)
        if entity in ("interaction", "task") and column in (
            "occurred_at",
            "created_at",
            "completed_at",
        ):
            value = wire.instant(value)
        data[column] = wire.jsonable(value)
    if principal.sees_masked:
        _mask(entity, data)
    return data


def _mask(entity: str, data: dict[str, Any]) -> None:
    """Data minimisation: a teller's copy never holds the unmasked personal fields, nor
    what rebuilds the ID number from its mask (see `masking.minimised_id_number`): the
    birth date goes as its year (the first of January, with `personal_masked`)."""
    from rm_desk.domain.masking import (  # noqa: PLC0415
        MaskKind,
        birth_year_only,
        mask,
        minimised_id_number,
    )

    if entity == "customer":
        data["mobile"] = mask(MaskKind.MOBILE, data["mobile"] or "")
        data["id_number"] = minimised_id_number(data["id_number"] or "")
        data["birth_date"] = birth_year_only(data["birth_date"])
        data["email"] = mask(MaskKind.EMAIL, data["email"] or "")
        data["address"] = mask(MaskKind.ADDRESS, data["address"] or "")
    elif entity == "holding" and data.get("account_no"):
        kind = MaskKind.CARD if data.get("kind") == "card" else MaskKind.ID_NUMBER
        data["account_no"] = mask(kind, data["account_no"])


def _rows_in_scope(
    conn: Connection, entity: str, ids: Sequence[str], principal: Principal
) -> dict[str, Any]:
    """Current rows of `entity` with these ids that the principal may see, by id."""
    table = _TABLES[entity]
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        if entity == "customer":
            query = select(table).where(table.c.id.in_(chunk), _scope_filter(principal))
            for row in conn.execute(query):
                found[row.id] = row
        elif entity == "snapshot":
            pairs = [wire.split_snapshot_key(k) for k in chunk]
            customers = sorted({p[0] for p in pairs})
            query = (
                select(table)
                .join(schema.customers, schema.customers.c.id == table.c.customer_id)
                .where(table.c.customer_id.in_(customers), _scope_filter(principal))
            )
            wanted = set(chunk)
            for row in conn.execute(query):
                key = wire.snapshot_key(row.customer_id, row.month)
                if key in wanted:
                    found[key] = row
        else:
            query = (
                select(table)
                .join(schema.customers, schema.customers.c.id == table.c.customer_id)
                .where(table.c.id.in_(chunk), _scope_filter(principal))
            )
            for row in conn.execute(query):
                found[row.id] = row
    return found


# --- pull -----------------------------------------------------------------------------
#
# A pull is answered from one statement that checks the caller's token (auth's
# credentials query) and reads, in the same round trip, the committed sequence, the
# tombstone horizon and the client's last mutation id. A caught-up client (cursor at
# the target) needs nothing else: no change-log query, no transaction of its own.
# Nothing is cached between requests: a horizon cached in one worker could let an old
# cursor read past a purge made by another process and silently miss changes.


def _purged_upto(conn: Connection) -> int:
    row = conn.execute(
        select(schema.server_meta.c.value).where(schema.server_meta.c.key == META_PURGED_UPTO)
    ).first()
    return int(row[0]) if row else 0


_PULL_STATE = credentials_query(
    select(schema.seq_counter.c.value)
    .where(schema.seq_counter.c.id == 1)
    .scalar_subquery()
    .label("target"),
    select(schema.server_meta.c.value)
    .where(schema.server_meta.c.key == META_PURGED_UPTO)
    .scalar_subquery()
    .label("purged_upto"),
    # Only the caller's own client: same user and device as the token (correlated).
    select(schema.clients.c.last_mutation_id)
    .where(
        schema.clients.c.client_id == bindparam("client_id"),
        schema.clients.c.user_id == schema.tokens.c.user_id,
        schema.clients.c.device_id == schema.tokens.c.device_id,
    )
    .scalar_subquery()
    .label("last_mutation_id"),
    select(schema.churn_models.c.version)
    .where(schema.churn_models.c.active.is_(True))
    .order_by(schema.churn_models.c.published_at.desc())
    .limit(1)
    .scalar_subquery()
    .label("churn_model"),
)
_log = schema.change_log.c
_PAGE = (
    select(_log.seq, _log.entity, _log.entity_id, _log.op)
    .where(
        _log.scope.in_(bindparam("scopes", expanding=True)),
        _log.seq > bindparam("after"),
        _log.seq <= bindparam("target"),
    )
    .order_by(_log.seq)
    .limit(bindparam("limit"))
)
_REMAINING = (
    select(func.count())
    .select_from(schema.change_log)
    .where(
        _log.scope.in_(bindparam("scopes", expanding=True)),
        _log.seq > bindparam("after"),
        _log.seq <= bindparam("target"),
    )
)


def pull_answer(
    engine: Engine,
    authorization: str | None,
    request: PullRequest,
    clock: Callable[[], datetime],
    check_version: Callable[[int], None],
) -> bytes:
    """The JSON body of a `PullResponse` for the bearer of `authorization`.

    Errors come in the order of the other endpoints: authentication first, then the
    schema version, then the cursor."""
    token_hash = bearer_hash(authorization)
    with reading(engine) as conn:
        state: Any = conn.execute(
            _PULL_STATE, {"token_hash": token_hash, "client_id": request.client_id}
        ).first()
        principal = principal_from(state, clock())  # refuses a missing token (None)
        check_version(request.schema_version)
        answer = _pull(
            conn,
            principal,
            request,
            target=int(state.target),
            purged_upto=int(state.purged_upto or 0),
            last_mutation=int(state.last_mutation_id or 0),
            churn_model=state.churn_model,
        )
    # Built here from checked values, so it is serialised without a second validation.
    return pydantic_core.to_json(answer)


def pull(engine: Engine, principal: Principal, request: PullRequest) -> PullResponse:
    """The same answer for an already authenticated caller, as a model."""
    with reading(engine) as conn:
        answer = _pull(
            conn,
            principal,
            request,
            target=current_seq(conn),
            purged_upto=_purged_upto(conn),
            last_mutation=last_mutation_id(conn, request.client_id, principal),
            churn_model=conn.execute(_ACTIVE_MODEL).scalar(),
        )
    return PullResponse.model_validate(answer)


_PAST_HORIZON = (
    "This device was offline longer than the server keeps changes; "
    "a full resynchronisation is needed."
)


def _pull(
    conn: Connection,
    principal: Principal,
    request: PullRequest,
    *,
    target: int,
    purged_upto: int,
    last_mutation: int,
    churn_model: str | None = None,
) -> dict[str, Any]:
    cursor_seq, epoch = decode_cursor(request.cursor)
    if request.cursor is not None and epoch != principal.scope_epoch:
        raise ProtocolError(
            ErrorCode.RESET_REQUIRED, "Your access changed; a full resynchronisation is needed."
        )
    if cursor_seq < purged_upto:  # no cursor: from the start, which is purged too
        raise ProtocolError(ErrorCode.RESET_REQUIRED, _PAST_HORIZON)
    scopes = principal.scopes
    entries: list[Any] = []
    if scopes and cursor_seq < target:
        bounds = {"scopes": list(scopes), "after": cursor_seq, "target": target}
        entries = list(conn.execute(_PAGE, {**bounds, "limit": request.limit}))
        # A purge may have committed its horizon (before deleting anything) since the
        # state was read: checked again after the page, so a page never has holes.
        if cursor_seq < _purged_upto(conn):
            raise ProtocolError(ErrorCode.RESET_REQUIRED, _PAST_HORIZON)
    has_more = len(entries) == request.limit
    new_cursor = int(entries[-1].seq) if has_more else target
    changes = _changes(conn, principal, entries) if entries else []
    remaining = 0
    if has_more:
        bounds = {"scopes": list(scopes), "after": new_cursor, "target": target}
        remaining = int(conn.execute(_REMAINING, bounds).scalar_one())
    answer = {
        "changes": changes,
        "cursor": encode_cursor(new_cursor, principal.scope_epoch),
        "has_more": has_more,
        "target_seq": target,
        "remaining": remaining,
        "last_mutation_id": last_mutation,
        "scope_epoch": principal.scope_epoch,
    }
    # The published churn model travels with the pull to a client that names a
    # different one (a client sends the version it last received, "" for none).
    if churn_model is not None and request.churn_model not in (None, churn_model):
        body = conn.execute(_MODEL_BODY, {"version": churn_model}).scalar()
        if body is not None:
            answer["churn_model"] = {"version": churn_model, "body": body}
    return answer


_ACTIVE_MODEL = (
    select(schema.churn_models.c.version)
    .where(schema.churn_models.c.active.is_(True))
    .order_by(schema.churn_models.c.published_at.desc())
    .limit(1)
)
_MODEL_BODY = select(schema.churn_models.c.body).where(
    schema.churn_models.c.version == bindparam("version")
)


def _changes(conn: Connection, principal: Principal, entries: list[Any]) -> list[dict[str, Any]]:
    """`Change` objects (as dicts) for a page of log entries, in sequence order."""
    # Latest entry per entity wins within the page.
    latest: dict[tuple[str, str], Any] = {}
    for entry in entries:
        latest.pop((entry.entity, entry.entity_id), None)
        latest[(entry.entity, entry.entity_id)] = entry
    wanted: dict[str, list[str]] = {}
    for (entity, entity_id), entry in latest.items():
        if entry.op == "upsert" and entity in _TABLES:
            wanted.setdefault(entity, []).append(entity_id)
    rows = {entity: _rows_in_scope(conn, entity, ids, principal) for entity, ids in wanted.items()}
    changes: list[dict[str, Any]] = []
    for (entity, entity_id), entry in latest.items():
        seq = int(entry.seq)
        if entry.op == "upsert":
            row = rows.get(entity, {}).get(entity_id)
            if row is None:
                continue  # no longer visible: an evict or delete follows in the log
            if entity == "task" and row.deleted:
                changes.append(_change(seq, entity, entity_id, "delete", int(row.version)))
                continue
            data = serialise(entity, row, principal)
            changes.append(_change(seq, entity, entity_id, "upsert", int(row.version), data))
        else:
            changes.append(_change(seq, entity, entity_id, entry.op))
    changes.sort(key=lambda c: c["seq"])
    return changes


def _change(
    seq: int, entity: str, entity_id: str, op: str, version: int = 0,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One `protocol.Change`, as the dict its JSON is made from."""
    return {"seq": seq, "entity": entity, "id": entity_id, "op": op, "version": version,
            "data": data}  # fmt: skip


# --- snapshot -------------------------------------------------------------------------

_SNAPSHOT_ORDER = ("customer", "holding", "snapshot", "interaction", "task")


def _resume_token(snapshot_seq: int, entity: str, last_key: list[Any]) -> str:
    raw = json.dumps({"s": snapshot_seq, "n": entity, "k": last_key}, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_resume(token: str) -> tuple[int, str, list[Any]]:
    invalid = ProtocolError(ErrorCode.BAD_REQUEST, "The snapshot resume token is not valid.")
    try:
        data = _token_json(token)
        seq, entity, key = _counter(data["s"]), data["n"], data["k"]
    except (ValueError, KeyError, TypeError, OverflowError):
        raise invalid from None
    if entity not in _SNAPSHOT_ORDER or not isinstance(key, list):
        raise invalid
    if key and (len(key) != (2 if entity == "snapshot" else 1)
                or not all(isinstance(part, str) for part in key)):  # fmt: skip
        raise invalid
    return seq, entity, key


def _key_columns(entity: str) -> list[Any]:
    table = _TABLES[entity]
    if entity == "snapshot":
        return [table.c.customer_id, table.c.month]
    return [table.c.id]


def scope_changed_since(conn: Connection, principal: Principal, since: str) -> bool:
    """Whether the caller's scope changed after the cursor `since`: another scope epoch
    (an access change), or a customer moved out of one of the caller's scopes."""
    since_seq, epoch = decode_cursor(since)
    if epoch != principal.scope_epoch:
        return True
    scopes = list(principal.scopes)
    if not scopes:
        return False
    c = schema.scope_changes.c
    moved = conn.execute(select(func.max(c.seq)).where(c.scope.in_(scopes))).scalar()
    return moved is not None and int(moved) > since_seq


def snapshot_lines(
    engine: Engine,
    principal: Principal,
    client_id: str,
    resume: str | None = None,
    since: str | None = None,
) -> Iterator[str]:
    """NDJSON lines: begin, pages of rows (each with a resume token), end. `since`, the
    cursor of a replica about to be replaced, asks whether its scope changed since."""
    if since is not None:
        with reading(engine) as conn:
            scope_changed = scope_changed_since(conn, principal, since)
    else:
        scope_changed = False
    if resume is not None:
        snapshot_seq, start_entity, start_key = _decode_resume(resume)
    else:
        with engine.begin() as conn:
            snapshot_seq = current_seq(conn)
        start_entity, start_key = _SNAPSHOT_ORDER[0], []
    with engine.begin() as conn:
        counts = {}
        for entity in _SNAPSHOT_ORDER:
            table = _TABLES[entity]
            query = select(func.count()).select_from(table)
            if entity != "customer":
                query = query.join(schema.customers, schema.customers.c.id == table.c.customer_id)
            counts[entity] = int(
                conn.execute(
                    query.where(_scope_filter(principal), table.c.seq <= snapshot_seq)
                ).scalar_one()
            )
    yield (
        SnapshotBegin(
            snapshot_seq=snapshot_seq,
            counts=counts,
            scope_epoch=principal.scope_epoch,
            scope_changed=scope_changed,
        ).model_dump_json()
        + "\n"
    )
    started = False
    for entity in _SNAPSHOT_ORDER:
        if not started and entity != start_entity:
            continue
        key = start_key if not started else []
        started = True
        yield from _entity_pages(engine, principal, entity, snapshot_seq, key)
    with engine.begin() as conn:
        last = last_mutation_id(conn, client_id, principal)
    yield (
        SnapshotEnd(
            cursor=encode_cursor(snapshot_seq, principal.scope_epoch), last_mutation_id=last
        ).model_dump_json()
        + "\n"
    )


def _converters(entity: str, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) for the columns whose database values are not already
    what the wire carries: instants become UTC ISO text, days ISO dates (as
    `serialise` does); every other value is sent as the driver returns it."""
    table = _TABLES[entity]
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, DateTime):
            out.append((i, wire.instant))
        elif isinstance(kind, Date):
            out.append((i, wire.day))
    return out


def _entity_pages(
    engine: Engine, principal: Principal, entity: str, snapshot_seq: int, after: list[Any]
) -> Iterator[str]:
    table = _TABLES[entity]
    columns = [c for c in wire.ENTITY_COLUMNS[entity] if c != "personal_masked"]
    wire_columns = [*columns, "personal_masked"] if entity == "customer" else columns
    keys = _key_columns(entity)
    selected = [table.c[c] for c in columns]
    if entity == "task":
        selected.append(table.c.deleted)
    convert = _converters(entity, columns)
    while True:
        query = select(*selected)
        if entity != "customer":
            query = query.join(schema.customers, schema.customers.c.id == table.c.customer_id)
        query = query.where(_scope_filter(principal), table.c.seq <= snapshot_seq)
        if after:
            if len(keys) == 1:
                query = query.where(keys[0] > after[0])
            else:
                # A row-value comparison is an index range on the (customer_id, month)
                # key; the equivalent OR made PostgreSQL filter the whole index from
                # its start on every page (424 ms a page at 100k customers, 10 ms now).
                query = query.where(
                    tuple_(*keys) > tuple_(*after), schema.customers.c.id >= after[0]
                )
        query = query.order_by(*keys).limit(SNAPSHOT_PAGE_ROWS)
        with engine.begin() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        out: list[list[Any]] = []
        if principal.sees_masked:  # a teller: masked through the one serialiser
            for row in rows:
                if entity == "task" and row.deleted:
                    continue
                data = serialise(entity, row, principal)
                out.append([data[c] for c in wire_columns])
        else:
            # The hot path of a first sync (millions of rows): values by position, only
            # the dates and instants converted, the same wire values as `serialise`.
            width = len(columns)
            for row in rows:
                if entity == "task" and row[width]:
                    continue
                values = list(row[:width])
                for i, fn in convert:
                    values[i] = fn(values[i])
                if entity == "customer":
                    values.append(False)
                out.append(values)
        last = rows[-1]
        after = [last.customer_id, last.month] if entity == "snapshot" else [last.id]
        # Built from checked values: serialised without validating the page again.
        page = {
            "kind": "page",
            "entity": entity,
            "columns": wire_columns,
            "rows": out,
            "resume": _resume_token(snapshot_seq, entity, after),
        }
        yield pydantic_core.to_json(page).decode() + "\n"
        if len(rows) < SNAPSHOT_PAGE_ROWS:
            return


# --- housekeeping: the tombstone horizon ------------------------------------------------
#
# The change log would grow without bound; `purge_older_than` (run by `rm-desk-central
# purge` and periodically by `serve`) drops what no client can still need. The horizon
# `purged_upto` is raised, and committed, before a single entry is deleted, and every
# pull that read the log checks it again afterwards (`_pull`): a client whose cursor is
# older than the horizon gets `reset_required` (a replacement snapshot that keeps its
# outbox), never a page with holes in it.

PURGE_BATCH = 10_000  # entries deleted per transaction: writers wait at most one batch
DEFAULT_PURGE_EVERY = timedelta(hours=24)  # `serve --purge-every`
# `serve --purge-older-than`: longer than the longest offline period the bank allows.
DEFAULT_PURGE_OLDER_THAN = timedelta(days=90)


@dataclass(frozen=True)
class PurgeSchedule:
    """How often `serve` purges, and what age of change it drops."""

    every: timedelta = DEFAULT_PURGE_EVERY
    older_than: timedelta = DEFAULT_PURGE_OLDER_THAN


@dataclass(frozen=True)
class PurgeResult:
    horizon_seq: int  # every change up to this sequence is gone
    log_entries: int  # change-log entries deleted
    tombstones: int  # deleted tasks whose deletion every client has had (or will reset past)
    finished: bool = True  # False: stopped at shutdown; the next run deletes the rest

    def line(self, older_than: timedelta) -> str:
        days = older_than.days
        age = f"{days} day{'' if days == 1 else 's'}"
        if self.log_entries == 0 and self.tombstones == 0:
            return f"nothing older than {age} to purge (horizon at sequence {self.horizon_seq})"
        return (
            f"purged {self.log_entries:,} change-log entr{'y' if self.log_entries == 1 else 'ies'}"
            f" and {self.tombstones:,} deleted task{'' if self.tombstones == 1 else 's'} older "
            f"than {age} (horizon at sequence {self.horizon_seq}); clients last synced "
            "before it will resynchronise"
        )


def purge_older_than(
    engine: Engine,
    older_than: timedelta,
    now: datetime,
    stop: threading.Event | None = None,
) -> PurgeResult:
    """Drop change-log entries (and task tombstones) older than `older_than` at `now`.

    The horizon is the last sequence whose entry was written before `now - older_than`;
    it must be longer than the longest offline period the bank allows (the default of
    `serve` is 90 days), since a client whose cursor is older resynchronises by
    snapshot. Kept: every entry after the horizon (what any cursor at or past it still
    needs), the sequence counter, every live row, and tasks deleted after the horizon
    (a late edit of one is refused as `task_deleted`; after the horizon it is refused
    as `task_not_found`)."""
    if older_than <= timedelta(0):
        raise ValueError("the purge horizon must be a positive age")
    cutoff = now.astimezone(UTC) - older_than
    log = schema.change_log.c
    with reading(engine) as conn:
        found = conn.execute(select(func.max(log.seq)).where(log.created_at < cutoff)).scalar()
    return purge_through(engine, int(found or 0), stop)


def purge_through(
    engine: Engine, horizon_seq: int, stop: threading.Event | None = None
) -> PurgeResult:
    """Drop change-log entries with `seq <= horizon_seq` and the tombstones of tasks
    deleted by then. The horizon only moves forward; entries a stopped run left below
    it go with the next run."""
    meta = schema.server_meta.c
    with engine.begin() as conn:
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            dialect_insert(schema.server_meta)
            .values(key=META_PURGED_UPTO, value="0")
            .on_conflict_do_nothing(index_elements=[meta.key])
        )
        current = conn.execute(
            select(meta.value).where(meta.key == META_PURGED_UPTO).with_for_update()
        ).scalar_one()
        horizon = max(int(current), horizon_seq)
        conn.execute(
            update(schema.server_meta)
            .where(meta.key == META_PURGED_UPTO)
            .values(value=str(horizon))
        )
    log = schema.change_log.c
    batch = select(log.seq).where(log.seq <= horizon).order_by(log.seq).limit(PURGE_BATCH)
    entries, gone = 0, PURGE_BATCH
    while gone == PURGE_BATCH:
        if stop is not None and stop.is_set():
            return PurgeResult(horizon, entries, 0, finished=False)
        with engine.begin() as conn:
            gone = int(conn.execute(delete(schema.change_log).where(log.seq.in_(batch))).rowcount)
        entries += gone
    t = schema.tasks.c
    with engine.begin() as conn:
        tombstones = int(
            conn.execute(delete(schema.tasks).where(t.deleted.is_(True), t.seq <= horizon))
            .rowcount or 0
        )  # fmt: skip
    return PurgeResult(horizon, entries, tombstones)
