"""Applying pushed mutations, exactly once, with the per-entity conflict rules.

A pushed batch runs in one transaction, each mutation in its own savepoint; the
transaction also advances the client's `last_mutation_id` and stores every
outcome, so a retried push (the response was lost) is answered from the stored
outcomes and never applied twice. The payloads are validated with the wire models
both ends share (`sync.protocol`); the merge and conflict rules are pure functions in
`sync.merge`, and this module reads the rows they need and writes their answer. Rules:

* interactions are append-only: creating an id that exists is a no-op success;
* customer fields an RM may edit (mobile, email, tags) merge per field against
  per-field versions; a same-field race is a conflict, recorded and returned;
  regulated fields accept only `request_change`; everything else is read-only;
* tasks merge per field; `status` follows a state machine; a deleted task rejects
  later edits;
* churn events (acknowledge / dismiss) are appended.

A permanent rejection is still "processed", so one bad mutation never blocks the
queue behind it. That holds for what the database refuses too: a mutation whose data
the database will not store (see `not_storable`) is rolled back to its savepoint and
answered `rejected` with reason `not_storable`, and the batch goes on; a failure of
the database itself (connection lost, deadlock, disk full, a bug in our SQL) fails the
push with a 5xx, which the client retries, because retrying may well succeed.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from rm_desk.domain import permissions, rules
from sync import merge
from sync.protocol import (
    ChurnEventFields,
    CustomerChangeRequest,
    CustomerUpdate,
    ErrorCode,
    FieldConflict,
    InteractionFields,
    Mutation,
    MutationResult,
    PushRequest,
    PushResponse,
    RejectReason,
    TaskFields,
    TaskUpdate,
    reject_reason,
    split_reason,
)
from sync.protocol import (
    Outcome as Outcome_,
)
from sync.server import clients, replication, schema
from sync.server.db import ChangeWriter, current_seq
from sync.server.errors import ProtocolError
from sync.server.principal import Principal

log = logging.getLogger("rm_desk.gateway")


class Rejected(Exception):
    """A mutation that can never apply: a stable code and the field it is about, if
    any; `reason` is its wire form ("regulated_field:mobile")."""

    def __init__(self, code: RejectReason, detail: str = "") -> None:
        self.reason = reject_reason(code, detail)
        super().__init__(self.reason)
        self.code = code


def not_storable(exc: Exception) -> bool:
    """Whether the database (or its driver) refused *this mutation's data*, so that
    trying it again can never succeed: the mutation is rejected, not retried.

    * `IntegrityError` and `DataError`: on PostgreSQL SQLSTATE classes 23 (a constraint)
      and 22 (a value: U+0000 in text, a number out of range, invalid JSON); on SQLite
      its constraint and "too big" errors;
    * a `StatementError` that is not a DBAPI error: a value SQLAlchemy or the driver
      could not bind before anything reached the database.

    Everything else is the database failing, not the data, and fails the push with a
    5xx the client retries: `OperationalError` (connection lost, server shutting down,
    deadlock or serialisation failure, database locked, disk full), `InternalError`,
    `ProgrammingError` (a bug in our SQL, which retrying after the fix will apply), and
    any error on a connection SQLAlchemy has marked invalidated."""
    if isinstance(exc, DBAPIError):
        return not exc.connection_invalidated and isinstance(exc, IntegrityError | DataError)
    return isinstance(exc, StatementError)


@dataclass
class Outcome:
    outcome: str
    reason: str | None = None
    version: int | None = None
    conflicts: list[FieldConflict] = field(default_factory=list)
    current: dict[str, Any] | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class MutationApplier:
    def __init__(
        self,
        conn: Connection,
        principal: Principal,
        client_id: str,
        mutation: Mutation,
        now: datetime | None = None,
    ) -> None:
        self.conn = conn
        self.principal = principal
        self.client_id = client_id
        self.m = mutation
        self.now: datetime = now or _now()  # the gateway's clock, once per push
        self.writer = ChangeWriter(conn, at=self.now)

    # --- helpers --------------------------------------------------------------------

    def _customer(self, customer_id: str) -> Any:
        row = self.conn.execute(
            select(schema.customers).where(schema.customers.c.id == customer_id)
        ).first()
        if row is None or not self.principal.sees_customer(row.owner_rm, row.branch):
            raise Rejected(RejectReason.CUSTOMER_NOT_IN_SCOPE)
        return row

    def _log(self, customer: Any, entity: str, entity_id: str, op: str = "upsert") -> int:
        return self.writer.log(
            permissions.customer_scopes(customer.owner_rm, customer.branch), entity, entity_id, op
        )

    def _conflict(
        self, entity: str, entity_id: str, name: str, mine: Any, theirs: Any
    ) -> FieldConflict:
        self.conn.execute(
            insert(schema.conflicts).values(
                entity=entity,
                entity_id=entity_id,
                field=name,
                mine=_jsonable(mine),
                theirs=_jsonable(theirs),
                client_id=self.client_id,
                mutation_id=self.m.mutation_id,
                user_id=self.principal.user_id,
                detected_at=self.now,
            )
        )
        return FieldConflict(field=name, mine=_jsonable(mine), theirs=_jsonable(theirs))

    # --- dispatch ---------------------------------------------------------------------

    def apply(self) -> Outcome:
        if permissions.rights(self.principal.role).visibility is permissions.Visibility.NONE:
            raise Rejected(RejectReason.ADMIN_HAS_NO_CUSTOMER_DATA)
        handlers: dict[tuple[str, str], Callable[[], Outcome]] = {
            ("noop", "noop"): lambda: Outcome("skipped", "returned_to_user"),
            ("interaction", "create"): self._create_interaction,
            ("task", "create"): self._create_task,
            ("task", "update"): self._update_task,
            ("task", "delete"): self._delete_task,
            ("customer", "update"): self._update_customer,
            ("customer", "request_change"): self._request_change,
            ("churn_event", "event"): self._churn_event,
        }
        handler = handlers.get((self.m.entity, self.m.op))
        if handler is None:
            raise Rejected(RejectReason.UNSUPPORTED_MUTATION)
        try:
            return handler()
        except ValidationError as exc:
            raise _invalid(exc) from None

    def _create_interaction(self) -> Outcome:
        outcome = _create_interactions(self.conn, self.principal, [self.m], self.now)[0]
        if outcome.outcome == "rejected":
            code, detail = split_reason(outcome.reason or "")
            raise Rejected(RejectReason(code), detail)
        return outcome

    def _assignee_ok(self, customer: Any, assignee: str) -> bool:
        p = self.principal
        if assignee == p.user_id:
            return True
        if permissions.may(p.role, permissions.Action.ASSIGN_TASK):
            row = self.conn.execute(
                select(schema.users.c.branch, schema.users.c.disabled).where(
                    schema.users.c.user_id == assignee
                )
            ).first()
            return row is not None and row.branch == p.branch and not row.disabled
        # RMs and tellers hand a follow-up to the customer's RM.
        return bool(assignee == customer.owner_rm)

    def _create_task(self) -> Outcome:
        data = TaskFields.model_validate(self.m.fields)
        existing = self.conn.execute(
            select(schema.tasks.c.version).where(schema.tasks.c.id == self.m.entity_id)
        ).first()
        duplicate = merge.create(None if existing is None else int(existing[0]))
        if duplicate is not None:
            return Outcome("applied", duplicate.reason, duplicate.version)
        customer = self._customer(data.customer_id)
        if not self._assignee_ok(customer, data.assignee):
            raise Rejected(RejectReason.ASSIGNEE_NOT_ALLOWED)
        seq = self._log(customer, "task", self.m.entity_id)
        self.conn.execute(
            insert(schema.tasks).values(
                id=self.m.entity_id,
                customer_id=data.customer_id,
                title=data.title,
                due=data.due.isoformat(),
                priority=data.priority,
                assignee=data.assignee,
                created_by=self.principal.user_id,
                source=data.source.value,
                status=data.status.value,
                outcome=data.outcome,
                detail=data.detail,
                reason_code=data.reason_code,
                created_at=data.created_at or self.now,
                completed_at=self.now if data.status == "done" else None,
                deleted=False,
                version=1,
                field_versions={},
                seq=seq,
            )
        )
        return Outcome("applied", version=1)

    def _task_row(self) -> Any:
        row = self.conn.execute(
            select(schema.tasks).where(schema.tasks.c.id == self.m.entity_id)
        ).first()
        if row is None:
            raise Rejected(RejectReason.TASK_NOT_FOUND)
        return row

    def _require_task_change(self, task: Any, action: permissions.Action) -> None:
        """The rule book's `may_change_task`, against the gateway's copy of the task (who
        holds and who created it now); refused for good with `not_allowed`."""
        p = self.principal
        if not permissions.may_change_task(
            p.role, action, p.user_id, task.created_by, task.assignee
        ):
            raise Rejected(RejectReason.NOT_ALLOWED)

    def _update_task(self) -> Outcome:
        # JSON values, as the row stores them: dates as ISO text, statuses as their code.
        changes = TaskUpdate.model_validate(self.m.fields).model_dump(
            mode="json", exclude_unset=True
        )
        task = self._task_row()
        customer = self._customer(task.customer_id)
        refusal = merge.edit_task(bool(task.deleted))
        if refusal is not None:
            raise Rejected(refusal)
        self._require_task_change(task, permissions.Action.EDIT_TASK)
        reassigned = "assignee" in changes and changes["assignee"] != task.assignee
        if reassigned and not self._assignee_ok(customer, changes["assignee"]):
            raise Rejected(RejectReason.ASSIGNEE_NOT_ALLOWED)
        return self._merge(schema.tasks, task, customer, "task", changes, status_machine=True)

    def _delete_task(self) -> Outcome:
        task = self._task_row()
        customer = self._customer(task.customer_id)
        duplicate = merge.delete_task(bool(task.deleted), int(task.version))
        if duplicate is not None:
            return Outcome("applied", duplicate.reason, duplicate.version)
        self._require_task_change(task, permissions.Action.DELETE_TASK)
        seq = self._log(customer, "task", task.id, "delete")
        version = int(task.version) + 1
        self.conn.execute(
            update(schema.tasks)
            .where(schema.tasks.c.id == task.id)
            .values(deleted=True, version=version, seq=seq)
        )
        return Outcome("applied", version=version)

    def _update_customer(self) -> Outcome:
        customer = self._customer(self.m.entity_id)
        if not permissions.may(self.principal.role, permissions.Action.EDIT_CONTACT):
            raise Rejected(RejectReason.ROLE_MAY_NOT_EDIT_CUSTOMER)
        for name in self.m.fields:
            if name in rules.CUSTOMER_REGULATED:
                raise Rejected(RejectReason.REGULATED_FIELD, name)
            if name not in rules.CUSTOMER_EDITABLE:
                raise Rejected(RejectReason.READ_ONLY_FIELD, name)
        try:
            update_ = CustomerUpdate.model_validate(self.m.fields)
        except ValidationError as exc:
            raise _invalid(exc, order=list(self.m.fields)) from None
        valid = update_.model_dump(exclude_unset=True)
        changes = {name: valid[name] for name in self.m.fields}  # merged in the pushed order
        return self._merge(schema.customers, customer, customer, "customer", changes)

    def _merge(
        self,
        table: Any,
        row: Any,
        customer: Any,
        entity: str,
        changes: dict[str, Any],
        *,
        status_machine: bool = False,
    ) -> Outcome:
        result = merge.merge(
            row._mapping,
            int(row.version),
            row.field_versions,
            changes,
            base_version=self.m.base_version,
            client_id=self.client_id,
            status_machine=status_machine,
        )
        conflicts = [
            self._conflict(entity, row.id, c.field, c.mine, c.theirs) for c in result.conflicts
        ]
        if result.applied:
            extra: dict[str, Any] = {"completed_at": self.now} if result.completed else {}
            seq = self._log(customer, entity, row.id)
            self.conn.execute(
                update(table)
                .where(table.c.id == row.id)
                .values(
                    **result.applied,
                    **extra,
                    version=result.version,
                    field_versions=result.field_versions,
                    seq=seq,
                )
            )
        return Outcome(result.outcome, result.reason, result.version, conflicts)

    def _request_change(self) -> Outcome:
        customer = self._customer(self.m.entity_id)
        if not permissions.may(self.principal.role, permissions.Action.REQUEST_CHANGE):
            raise Rejected(RejectReason.ROLE_MAY_NOT_REQUEST_CHANGE)
        if not self.m.fields:
            raise Rejected(RejectReason.INVALID_FIELDS, "empty")
        for name in self.m.fields:
            if name not in rules.CUSTOMER_REGULATED:
                raise Rejected(RejectReason.NOT_A_REGULATED_FIELD, name)
        CustomerChangeRequest.model_validate(self.m.fields)
        for name, value in self.m.fields.items():
            self.conn.execute(
                insert(schema.change_requests).values(
                    customer_id=customer.id,
                    field=name,
                    value=_jsonable(value),
                    requested_by=self.principal.user_id,
                    client_id=self.client_id,
                    mutation_id=self.m.mutation_id,
                    requested_at=self.now,
                    status="pending",
                )
            )
        return Outcome("applied", "pending_review", int(customer.version))

    def _churn_event(self) -> Outcome:
        data = ChurnEventFields.model_validate(self.m.fields)
        self._customer(data.customer_id)
        exists = self.conn.execute(
            select(schema.churn_events.c.id).where(schema.churn_events.c.id == self.m.entity_id)
        ).first()
        if exists is None:
            self.conn.execute(
                insert(schema.churn_events).values(
                    id=self.m.entity_id,
                    customer_id=data.customer_id,
                    action=data.action,
                    reason_code=data.reason_code,
                    note=data.note,
                    user_id=self.principal.user_id,
                    at=self.m.client_time,
                    score=data.score,
                )
            )
        return Outcome("applied")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _is_note(mutation: Mutation) -> bool:
    return (mutation.entity, mutation.op) == ("interaction", "create")


def _invalid(exc: ValidationError, order: Sequence[str] = ()) -> Rejected:
    """`invalid_fields:` and where the first error is: in the model's field order, or
    with `order` (the pushed field names) the first pushed field in error."""
    errors = exc.errors()
    first = errors[0]
    if order:
        rank = {name: i for i, name in enumerate(order)}
        first = min(errors, key=lambda e: rank.get(str(e["loc"][0]) if e["loc"] else "", len(rank)))
    where = ".".join(str(p) for p in first.get("loc", ()))
    return Rejected(RejectReason.INVALID_FIELDS, where)


def _create_interactions(
    conn: Connection, principal: Principal, mutations: Sequence[Mutation], now: datetime
) -> list[Outcome]:
    """Interaction creates (visit notes, calls ...), one or a run of them, in a handful
    of statements whatever their number: the ids already stored, the customers and
    the amended originals are read once, sequence numbers reserved at once and the
    rows inserted in one statement each. Interactions are append-only: an id already
    stored (or earlier in the run) is a duplicate, applied with its version."""
    c, i = schema.customers.c, schema.interactions.c
    parsed: list[InteractionFields | Rejected] = []
    for m in mutations:
        try:
            parsed.append(InteractionFields.model_validate(m.fields))
        except ValidationError as exc:
            parsed.append(_invalid(exc))
    fields = [p for p in parsed if not isinstance(p, Rejected)]
    stored = {
        r[0]: int(r[1])
        for r in conn.execute(
            select(i.id, i.version).where(i.id.in_({m.entity_id for m in mutations}))
        )
    }
    customers = {
        r.id: r
        for r in conn.execute(
            select(c.id, c.owner_rm, c.branch).where(c.id.in_({f.customer_id for f in fields}))
        )
    }
    originals = {
        r[0]: r[1]
        for r in conn.execute(
            select(i.id, i.customer_id).where(
                i.id.in_({f.supersedes_id for f in fields if f.supersedes_id is not None})
            )
        )
    }
    outcomes: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    entries: list[tuple[str, str, str, str]] = []
    last_entry: list[int] = []  # per row: the index of its last change-log entry
    for m, data in zip(mutations, parsed, strict=True):
        try:
            if permissions.rights(principal.role).visibility is permissions.Visibility.NONE:
                raise Rejected(RejectReason.ADMIN_HAS_NO_CUSTOMER_DATA)
            if isinstance(data, Rejected):
                raise data
            duplicate = merge.create(stored.get(m.entity_id))
            if duplicate is not None:
                outcomes.append(Outcome("applied", duplicate.reason, duplicate.version))
                continue
            customer = customers.get(data.customer_id)
            if customer is None or not principal.sees_customer(customer.owner_rm, customer.branch):
                raise Rejected(RejectReason.CUSTOMER_NOT_IN_SCOPE)
            if not permissions.may_log(principal.role, data.kind.value):
                raise Rejected(RejectReason.ROLE_MAY_NOT_LOG_KIND)
            if data.supersedes_id is not None and (
                originals.get(data.supersedes_id) != data.customer_id
            ):
                raise Rejected(RejectReason.AMENDED_INTERACTION_UNKNOWN)
        except Rejected as exc:
            outcomes.append(Outcome("rejected", exc.reason))
            continue
        entries += [
            (scope, "interaction", m.entity_id, "upsert")
            for scope in permissions.customer_scopes(customer.owner_rm, customer.branch)
        ]
        last_entry.append(len(entries) - 1)
        rows.append(
            {
                "id": m.entity_id,
                "customer_id": data.customer_id,
                "kind": data.kind.value,
                "occurred_at": data.occurred_at,
                "created_by": principal.user_id,
                "subject": data.subject,
                "note": data.note,
                "participants": data.participants,
                "outcome": data.outcome,
                "next_step": data.next_step,
                "supersedes_id": data.supersedes_id,
                "created_at": data.created_at or now,
                "version": 1,
            }
        )
        stored[m.entity_id] = 1  # a second copy later in the run is a duplicate
        originals[m.entity_id] = data.customer_id  # amendable later in the run
        outcomes.append(Outcome("applied", version=1))
    if rows:
        first = ChangeWriter(conn, at=now).log_many(entries) - len(entries) + 1
        for row, index in zip(rows, last_entry, strict=True):
            row["seq"] = first + index
        conn.execute(insert(schema.interactions), rows)
    return outcomes


def push(
    engine: Engine,
    principal: Principal,
    request: PushRequest,
    clock: Callable[[], datetime] = _now,
) -> PushResponse:
    """Apply a batch of mutations in one transaction, each in its own savepoint.

    The outcomes, the conflicts they record and the client's `last_mutation_id` commit
    together with the changes, so a batch is applied entirely or not at all and a
    retried push (its answer was lost) is answered from the stored outcomes. One
    commit per batch instead of one per mutation: on PostgreSQL each commit waits
    for its WAL flush (bench/sync_bench.py, delta push of 1,000 changes)."""
    ids = [m.mutation_id for m in request.mutations]
    if any(b != a + 1 for a, b in itertools.pairwise(ids)):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "Mutation ids in a batch must be consecutive.")
    results: list[MutationResult] = []
    now = clock()
    with engine.begin() as conn:  # registers a new client id; checks the owner
        last = int(
            clients.client_row(conn, principal, request.client_id, lock=False).last_mutation_id
        )
    if ids and ids[0] > last + 1:
        raise ProtocolError(
            ErrorCode.MUTATION_GAP,
            f"Mutations {last + 1}..{ids[0] - 1} are missing.",
            last_mutation_id=last,
        )
    with engine.begin() as conn:
        client = clients.client_row(conn, principal, request.client_id, lock=True)
        last = int(client.last_mutation_id)
        if ids and ids[0] > last + 1:  # pragma: no cover - another push raced ahead
            raise ProtocolError(
                ErrorCode.MUTATION_GAP, "Mutation sequence gap.", last_mutation_id=last
            )
        processed: list[dict[str, Any]] = []
        batched: dict[int, Outcome] = {}
        for mutation in request.mutations:
            if mutation.mutation_id <= last:
                results.append(_stored_result(conn, principal, request.client_id, mutation))
                continue
            if mutation.mutation_id not in batched and _is_note(mutation):
                run = list(
                    itertools.takewhile(
                        _is_note,
                        (m for m in request.mutations if m.mutation_id >= mutation.mutation_id),
                    )
                )
                batched.update(_notes_together(conn, principal, request.client_id, run, now))
            if mutation.mutation_id in batched:
                outcome = batched.pop(mutation.mutation_id)
            else:
                outcome = _apply_one(conn, principal, request.client_id, mutation, now)
            processed.append(
                {
                    "client_id": request.client_id,
                    "mutation_id": mutation.mutation_id,
                    "name": mutation.name,
                    "outcome": outcome.outcome,
                    "reason": outcome.reason,
                    "version": outcome.version,
                    "processed_at": now,
                }
            )
            last = mutation.mutation_id
            results.append(
                MutationResult(
                    mutation_id=mutation.mutation_id,
                    outcome=cast(Outcome_, outcome.outcome),
                    reason=outcome.reason,
                    version=outcome.version,
                    conflicts=outcome.conflicts,
                    current=outcome.current,
                )
            )
        if processed:
            conn.execute(insert(schema.mutation_results), processed)
            conn.execute(
                update(schema.clients)
                .where(schema.clients.c.client_id == request.client_id)
                .values(last_mutation_id=last)
            )
        return PushResponse(
            last_mutation_id=last, results=results, write_checkpoint=current_seq(conn)
        )


def _apply_one(
    conn: Connection, principal: Principal, client_id: str, mutation: Mutation, now: datetime
) -> Outcome:
    savepoint = conn.begin_nested()
    try:
        outcome = MutationApplier(conn, principal, client_id, mutation, now).apply()
        savepoint.commit()
    except Rejected as exc:
        savepoint.rollback()
        outcome = Outcome("rejected", exc.reason)
        outcome.current = _current_row(conn, principal, mutation)
    except StatementError as exc:
        if not not_storable(exc):
            raise  # the database failed, not this mutation: the push fails and is retried
        savepoint.rollback()  # only this mutation's work; the batch goes on
        _log_not_storable(client_id, mutation, exc)
        outcome = Outcome("rejected", RejectReason.NOT_STORABLE)
        outcome.current = _current_row(conn, principal, mutation)
    return outcome


def _log_not_storable(client_id: str, mutation: Mutation, exc: StatementError) -> None:
    """What operations need to find the cause; never the values (customer data)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    log.warning(
        "mutation %s (%s) of client %s not storable: %s (SQLSTATE %s)",
        mutation.mutation_id,
        mutation.name,
        client_id,
        type(orig or exc).__name__,
        getattr(orig, "sqlstate", None) or "-",
    )


def _notes_together(
    conn: Connection,
    principal: Principal,
    client_id: str,
    run: Sequence[Mutation],
    now: datetime,
) -> dict[int, Outcome]:
    """Outcomes of a run of interaction creates applied together; should the database
    refuse the run's data (it was checked before), one by one as any other mutation, so
    only the note it cannot store is rejected. A failure of the database itself fails
    the push (see `not_storable`)."""
    if len(run) < 2:
        return {}
    savepoint = conn.begin_nested()
    try:
        outcomes = _create_interactions(conn, principal, run, now)
        savepoint.commit()
    except StatementError as exc:
        if not not_storable(exc):
            raise
        savepoint.rollback()
        return {m.mutation_id: _apply_one(conn, principal, client_id, m, now) for m in run}
    return {m.mutation_id: o for m, o in zip(run, outcomes, strict=True)}


def _current_row(
    conn: Connection, principal: Principal, mutation: Mutation
) -> dict[str, Any] | None:
    """The server's row behind a refused change, if the caller may still see it."""
    if mutation.entity not in ("task", "customer"):
        return None
    rows = replication._rows_in_scope(conn, mutation.entity, [mutation.entity_id], principal)
    row = rows.get(mutation.entity_id)
    if row is None or (mutation.entity == "task" and row.deleted):
        return None
    return replication.serialise(mutation.entity, row, principal)


def _stored_result(
    conn: Connection, principal: Principal, client_id: str, mutation: Mutation
) -> MutationResult:
    """The answer to a mutation processed before (its first answer was lost): the same
    outcome, the conflicts it recorded, and for a refusal the server's current row."""
    mutation_id = mutation.mutation_id
    row = conn.execute(
        select(schema.mutation_results).where(
            schema.mutation_results.c.client_id == client_id,
            schema.mutation_results.c.mutation_id == mutation_id,
        )
    ).first()
    if row is None:
        return MutationResult(
            mutation_id=mutation_id, outcome="skipped", reason="already_processed"
        )
    c = schema.conflicts.c
    conflicts = [
        FieldConflict(field=r.field, mine=r.mine, theirs=r.theirs)
        for r in conn.execute(
            select(c.field, c.mine, c.theirs)
            .where(c.client_id == client_id, c.mutation_id == mutation_id)
            .order_by(c.id)
        )
    ]
    current = _current_row(conn, principal, mutation) if row.outcome == "rejected" else None
    return MutationResult(
        mutation_id=mutation_id,
        outcome=row.outcome,
        reason=row.reason,
        version=row.version,
        conflicts=conflicts,
        current=current,
    )
