"""The client sync engine: push the outbox, pull the scope, snapshot when needed.

One `sync()` is: push every pending mutation (batches, strictly increasing ids,
exactly once thanks to the server's per-client `last_mutation_id`), then pull
pages until caught up, each page applied with its cursor in one local
transaction. With no cursor the first sync streams a snapshot instead; each
snapshot page is stored with its resume token, so a dropped connection resumes
where it stopped. `reset_required` replaces the cache by a new snapshot and keeps
the outbox. `device_revoked` is passed up: the caller wipes the profile. Last, the
audit entries the gateway has not acknowledged are uploaded (`upload_audit`).

The engine writes no table itself: every write goes through the store's one writer
(`store.write` / `store.on_writer`) to the repositories. The cursor, meta values and
the scope epoch: `local_store/syncstate.py`; conflicts and returned work:
`local_store/conflicts.py`; the outbox: `local_store/outbox.py`; rows of a page:
`sync/client/apply.py`.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from local_store import audit as audit_log
from local_store import book, conflicts, outbox, syncstate
from local_store import churn as churn_store
from local_store import team as team_store
from local_store.bulk import collector_paused
from local_store.store import LocalStore, analyze
from sync import protocol
from sync.client import apply
from sync.client.errors import (
    AuditGap,
    EndpointMissing,
    NotServed,
    ProtocolViolation,
    ResetRequired,
    ServerFailed,
    ServerUnreachable,
    SessionExpired,
    SuspectSnapshot,
)
from sync.client.transport import Transport

M = TypeVar("M", bound=protocol.Response)

META_TOKENS = "sync_tokens"
META_DEVICE = "device_id"
META_SNAPSHOT = "snapshot_progress"


@dataclass
class SyncSummary:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    returned: int = 0
    snapshot_rows: int = 0
    reset: bool = False
    touched: set[str] = field(default_factory=set)
    churn_model: str | None = None  # a published churn model became active
    churn_model_refused: str | None = None  # why a received model was not used
    audited: int = 0  # audit entries the gateway stored
    assigned: list[str] = field(default_factory=list)  # follow-ups newly given to the user
    directory: int | None = None  # colleagues in the staff directory received (None: none)

    def line(self) -> str:
        text = (
            f"pulled {self.pulled}, pushed {self.pushed}, conflicts {self.conflicts}, "
            f"returned {self.returned}"
        )
        if self.snapshot_rows:
            text += f", snapshot {self.snapshot_rows} rows"
        if self.reset:
            text += " (full resynchronisation)"
        if self.churn_model:
            text += f", churn model {self.churn_model}"
        if self.churn_model_refused:
            text += f", churn model refused ({self.churn_model_refused})"
        if self.assigned:
            n = len(self.assigned)
            text += f", {n} new follow-up{'' if n == 1 else 's'} assigned to you"
        return text


@dataclass(frozen=True)
class Progress:
    phase: str  # push | pull | snapshot
    done: int
    remaining: int


def _now() -> datetime:
    return datetime.now(UTC)


def meta_get(store: LocalStore, key: str) -> str | None:
    """A meta value, read in its own read transaction."""
    with store.read() as conn:
        return syncstate.meta_get(conn, key)


class Authenticator:
    """Holds tokens (kept in the encrypted store) and renews them when they expire."""

    def __init__(
        self,
        store: LocalStore,
        transport: Transport,
        password: Callable[[], str | None] | None = None,
        user: str = "",
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.transport = transport
        self.password = password
        self.user = user
        self.clock = clock  # the session's clock: token expiry is judged on it

    def device_id(self) -> str:
        value = meta_get(self.store, META_DEVICE)
        if value is None:
            from rm_desk.domain.ids import uuid7  # noqa: PLC0415

            value = uuid7()
            self.store.write(lambda conn: syncstate.meta_put(conn, META_DEVICE, value))
        return value

    def _save(self, tokens: protocol.TokenResponse, *, signed_in: bool = False) -> None:
        """Keep `tokens`; `signed_in`: they come from a sign-in with the password, which
        goes into the audit log in the same transaction."""

        def save(conn: Any) -> None:
            syncstate.meta_put(conn, META_TOKENS, tokens.model_dump_json())
            if signed_in:
                audit_log.append(conn, at=_now(), actor=tokens.user, action="sign_in",
                                 entity="device", entity_id=tokens.device_id)  # fmt: skip

        self.store.write(save)
        self.transport.token = tokens.access_token

    def login(self, password: str, device_name: str = "") -> protocol.TokenResponse:
        body = protocol.LoginRequest(
            schema_version=protocol.SCHEMA_VERSION,
            user=self.user,
            password=password,
            device_id=self.device_id(),
            device_name=device_name,
        )
        data = self.transport.post("/auth/v1/login", body.model_dump(mode="json"))
        tokens = _parse(protocol.TokenResponse, data)
        self._save(tokens, signed_in=True)
        return tokens

    def ensure(self) -> None:
        """A valid access token in the transport, refreshing or signing in as needed."""
        tokens = self._stored()
        if tokens is not None and tokens.access_expires_at > self.clock():
            self.transport.token = tokens.access_token
            return
        if tokens is not None and tokens.refresh_expires_at <= self.clock():
            tokens = None
        self._renew_or_relogin(tokens)

    def renew(self, refresh_token: str) -> None:
        body = protocol.RefreshRequest(
            schema_version=protocol.SCHEMA_VERSION,
            refresh_token=refresh_token,
            device_id=self.device_id(),
        )
        self._save(
            _parse(
                protocol.TokenResponse,
                self.transport.post("/auth/v1/refresh", body.model_dump(mode="json")),
            )
        )

    def relogin(self) -> None:
        password = self.password() if self.password else None
        if not password:
            raise SessionExpired()
        self.login(password)

    def on_unauthorized(self) -> None:
        self._renew_or_relogin(self._stored())

    def _stored(self) -> protocol.TokenResponse | None:
        stored = meta_get(self.store, META_TOKENS)
        return None if stored is None else protocol.TokenResponse.model_validate_json(stored)

    def _renew_or_relogin(self, tokens: protocol.TokenResponse | None) -> None:
        """Renew with the refresh token of `tokens` if any, signing in again if that fails."""
        if tokens is not None:
            try:
                self.renew(tokens.refresh_token)
                return
            except SessionExpired:
                pass
        self.relogin()


def _fields(link: Any) -> dict[str, Any]:
    """An audit entry's fields by name, as the wire model takes them."""
    return {name: getattr(link, name) for name in protocol.AuditEvent.model_fields}


def _parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolViolation(f"{model.__name__}: {exc.error_count()} problem(s)") from None


# A replacement snapshot (a reset) that would remove more than this share of a
# non-empty replica's customers, with no change of scope recorded by the server, is
# suspect (vdirsyncer's rule against a sync that wipes most of one side): a server
# restored from the wrong backup or an emptied table must not wipe a book, and the
# unsynced work with it, from every computer. Judged on the snapshot's first line by
# counts (the customers it will send against those here), before anything is touched;
# a move of most of a book is recorded by the server (`scope_changed`) and goes through.
SUSPECT_SHARE = 0.5


def snapshot_is_suspect(replica: int, incoming: int, *, scope_changed: bool) -> bool:
    """Whether replacing `replica` customers by `incoming` ones is not to be trusted."""
    return not scope_changed and replica > 0 and replica - incoming > replica * SUSPECT_SHARE


BULK_CACHE_KIB = 256 * 1024  # page cache while a snapshot loads (as the demo bulk load)
_READ_AHEAD = 4  # decoded pages waiting for the writer: bounds memory to a few pages


@dataclass(frozen=True)
class _DecodedPage:
    entity: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    resume: str


def _decode_snapshot_line(raw: bytes) -> tuple[str, object] | None:
    """One NDJSON line -> ("begin"|"page"|"end", checked content); None for a blank
    line or a kind this version does not know.

    Pages are checked by hand rather than by the pydantic model (the model would
    walk every value once more): the shape, then `apply.rows_from_columns` checks and
    converts every value by the same rules as the delta path."""
    if not raw:
        return None
    try:
        line = json.loads(raw)
        kind = line.get("kind")
    except (ValueError, AttributeError):
        raise ProtocolViolation("a snapshot line is not JSON") from None
    if kind == "begin":
        return kind, _parse(protocol.SnapshotBegin, line)
    if kind == "end":
        return kind, _parse(protocol.SnapshotEnd, line)
    if kind != "page":
        return None  # a line kind this version does not know: ignored, as before
    entity, columns, rows, resume = (line.get(k) for k in ("entity", "columns", "rows", "resume"))
    if not isinstance(entity, str) or not isinstance(resume, str) or not isinstance(rows, list):
        raise ProtocolViolation("SnapshotPage: malformed page")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ProtocolViolation("SnapshotPage: malformed columns")
    if entity not in apply.LOCAL_COLUMNS:
        raise ProtocolViolation(f"unknown entity {entity!r} in the snapshot")
    if len(set(columns)) != len(columns):
        raise ProtocolViolation("duplicate columns in a snapshot page")
    local_columns, local_rows = apply.rows_from_columns(entity, columns, rows)
    return kind, _DecodedPage(entity, local_columns, local_rows, resume)


class _SnapshotReader:
    """Reads and decodes the snapshot stream on its own thread into a bounded queue,
    so the server streams (and this process decodes) while pages are written. An
    error on either side stops both: the reader's is raised to the writer, and a
    writer that stops early makes the reader close the connection."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=_READ_AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshot-reader", daemon=True)

    def __enter__(self) -> _SnapshotReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _put(self, item: tuple[str, object]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for raw in self._lines:
                decoded = _decode_snapshot_line(raw)
                if decoded is not None and not self._put(decoded):
                    return
                if decoded is not None and decoded[0] == "end":
                    break
            self._put(("eof", None))
        except BaseException as exc:  # handed to the writer thread, raised there
            self._put(("error", exc))
        finally:
            close = getattr(self._lines, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[tuple[str, object]]:
        while True:
            kind, item = self._queue.get()
            if kind == "error":
                raise cast(BaseException, item)
            if kind == "eof":
                return
            yield kind, item


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        transport: Transport,
        auth: Authenticator,
        *,
        progress: Callable[[Progress], None] | None = None,
        push_batch: int = 200,
        pull_limit: int = protocol.DEFAULT_PULL_LIMIT,
        clock: Callable[[], datetime] | None = None,
        audit_page: int = protocol.MAX_AUDIT_PAGE,
        upload_audit: bool = True,
    ) -> None:
        self.store = store
        self.transport = transport
        self.auth = auth
        self.clock = clock or auth.clock  # cursors and push outcomes are stamped on it
        self.progress = progress or (lambda _p: None)
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.audit_page = audit_page
        self.uploads_audit = upload_audit

    def _client_id(self) -> str:
        with self.store.read() as conn:
            return outbox.state(conn).client_id

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.transport.post(path, body)
        except SessionExpired:
            self.auth.on_unauthorized()
            return self.transport.post(path, body)

    # --- push -------------------------------------------------------------------------

    def push(self, summary: SyncSummary) -> None:
        client_id = self._client_id()
        while True:
            with self.store.read() as conn:
                pending = outbox.pending(conn, self.push_batch)
                total = outbox.pending_count(conn)
            if not pending:
                return
            self.progress(Progress("push", summary.pushed, total))
            request = protocol.PushRequest(
                schema_version=protocol.SCHEMA_VERSION,
                client_id=client_id,
                mutations=[
                    protocol.Mutation(
                        mutation_id=m.mutation_id,
                        name=m.name,
                        entity=cast(protocol.Entity, m.entity),
                        entity_id=m.entity_id,
                        op=cast(protocol.MutationOp, m.op),
                        base_version=m.base_version,
                        fields=m.fields,
                        client_time=m.client_time,
                    )
                    for m in pending
                ],
            )
            response = _parse(
                protocol.PushResponse, self._call("/sync/v1/push", request.model_dump(mode="json"))
            )
            acked = self.store.write(partial(self._record_push, response=response, summary=summary))
            summary.pushed += len([r for r in response.results if r.outcome != "skipped"])
            if acked == 0:
                raise ProtocolViolation("the server acknowledged none of the pushed changes")

    def _record_push(self, conn: Any, response: protocol.PushResponse, summary: SyncSummary) -> int:
        """The outcomes of one pushed batch, in one transaction (on the writer)."""
        now = self.clock()
        for result in response.results:
            if result.outcome == "conflict":
                summary.conflicts += len(result.conflicts) or 1
                self._record_conflicts(conn, result, now)
            elif result.outcome == "rejected":
                summary.rejected += 1
                apply.return_rejected(
                    conn, result.mutation_id, result.reason or "", now, result.current
                )
                summary.returned += 1
        return outbox.acknowledge(conn, response.last_mutation_id)

    def _record_conflicts(self, conn: Any, result: protocol.MutationResult, now: datetime) -> None:
        queued = outbox.queued_mutation(conn, result.mutation_id)
        if queued is None:
            return
        for conflict in result.conflicts:
            conflicts.record_conflict(
                conn,
                queued.entity,
                queued.entity_id,
                conflict.field,
                conflict.mine,
                conflict.theirs,
                mutation_id=result.mutation_id,
                at=now,
            )

    # --- pull -------------------------------------------------------------------------

    def pull(self, summary: SyncSummary) -> None:
        client_id = self._client_id()
        while True:
            with self.store.read() as conn:
                cursor = syncstate.load_cursor(conn)
                model_version = churn_store.latest_received(conn) or ""
            request = protocol.PullRequest(
                schema_version=protocol.SCHEMA_VERSION,
                client_id=client_id,
                cursor=cursor,
                limit=self.pull_limit,
                churn_model=model_version,
            )
            page = _parse(
                protocol.PullResponse, self._call("/sync/v1/pull", request.model_dump(mode="json"))
            )
            self.store.write(partial(self._apply_pull_page, page=page, summary=summary))
            summary.pulled += len(page.changes)
            self.progress(Progress("pull", summary.pulled, page.remaining))
            if not page.has_more:
                return

    def _apply_pull_page(
        self, conn: Any, page: protocol.PullResponse, summary: SyncSummary
    ) -> None:
        """A pulled page and its cursor in one transaction (on the writer)."""
        before = conflicts.returned_count(conn)
        summary.touched |= apply.apply_changes(
            conn, page.changes, self.clock(), me=self.auth.user, assigned=summary.assigned
        )
        summary.returned += conflicts.returned_count(conn) - before
        syncstate.save_pull_cursor(conn, page.cursor, page.scope_epoch, self.clock())
        outbox.acknowledge(conn, page.last_mutation_id)
        if page.churn_model is not None:
            refused = churn_store.receive_model(
                conn, page.churn_model.version, page.churn_model.body,
                self.clock().isoformat(timespec="microseconds"),
            )  # fmt: skip
            if refused is None:
                summary.churn_model = page.churn_model.version
            else:
                summary.churn_model_refused = refused

    # --- staff directory ----------------------------------------------------------------

    def directory(self, summary: SyncSummary) -> None:
        """After a caught-up round: tell the gateway (it records this device's last sync)
        and store the staff directory it answers with. An older gateway without the
        endpoint leaves the directory as it was."""
        request = protocol.DirectoryRequest(schema_version=protocol.SCHEMA_VERSION)
        try:
            data = self._call("/sync/v1/directory", request.model_dump(mode="json"))
            answer = _parse(protocol.DirectoryResponse, data)
        except (EndpointMissing, ServerUnreachable, ServerFailed, ProtocolViolation):
            # The book is in sync already; names and sync times wait for the next round.
            return
        staff = [
            team_store.StaffRow(m.user_id, m.name, m.role, m.last_synced_at) for m in answer.staff
        ]
        self.store.write(lambda conn: team_store.replace_staff(conn, staff))
        summary.directory = len(staff)

    # --- snapshot ---------------------------------------------------------------------

    def snapshot(self, summary: SyncSummary, *, replace: bool = False) -> None:
        """First sync (or reset): stream the scope and bulk-load it, resumably.

        The secondary indexes are dropped; the unique keys stay, because the server
        streams every entity in the order of its key, so each row lands at the end of
        its key's index (cheaper than sorting millions of entries into a rebuilt
        index at the end, which is what a rebuild costs with memory security on).
        The other indexes, the search index, the activity columns and churn's
        snapshot summary are rebuilt once at the end. Each page commits with its
        resume token; a restart in between resumes, and the resumed snapshot ends with
        that same single rebuild."""
        client_id = self._client_id()
        resume = meta_get(self.store, META_SNAPSHOT)
        params: dict[str, Any] = {"schema_version": protocol.SCHEMA_VERSION, "client_id": client_id}
        on_begin: Callable[[protocol.SnapshotBegin], None] | None = None
        if resume is None and replace:
            # The replica is replaced only once the stream's first line shows the new
            # copy is believable (`_replace_replica`); until then nothing is touched.
            with self.store.read() as conn:
                replica = book.customer_count(conn)
                since = syncstate.load_cursor(conn)
            if since is not None:
                params["since"] = since
            on_begin = partial(self._replace_replica, replica=replica)
        elif resume is None:
            self.store.write(self._start_snapshot)
        if resume:
            params["resume"] = resume
        with self.store.read() as conn:
            insert_only = self.store.unique_keys_dropped(conn)
        try:
            with collector_paused(), self.store.bulk_connection(cache_kib=BULK_CACHE_KIB) as bulk:
                self._stream_snapshot(
                    bulk, params, summary, insert_only=insert_only, on_begin=on_begin
                )
        except BaseException:
            if insert_only:  # the user keeps working on the partial copy until it resumes
                self.store.write(self.store.restore_unique_keys)
            raise

    def _start_snapshot(self, conn: Any) -> None:
        self.store.drop_secondary_indexes(conn, unique=False, resumable=True)
        syncstate.meta_put(conn, META_SNAPSHOT, "")

    def _replace_replica(self, begin: protocol.SnapshotBegin, replica: int) -> None:
        """Empty the replica for a replacement snapshot, unless the snapshot is suspect:
        refused (SuspectSnapshot), the replica and the outbox stay as they are."""
        incoming = int(begin.counts.get("customer", 0))
        if snapshot_is_suspect(replica, incoming, scope_changed=begin.scope_changed):
            raise SuspectSnapshot(replica, incoming)
        self.store.write(self._clear_and_start)

    def _clear_and_start(self, conn: Any) -> None:
        self._clear_replica(conn)
        self._start_snapshot(conn)

    def _stream_snapshot(
        self,
        bulk: Any,
        params: dict[str, Any],
        summary: SyncSummary,
        *,
        insert_only: bool,
        on_begin: Callable[[protocol.SnapshotBegin], None] | None,
    ) -> None:
        """Network and decoding on a reader thread, a few pages ahead (bounded queue);
        each page is written by the store's one writer (the session's database thread
        in the window) on the bulk connection, while the reader fetches the next."""
        total: int | None = None
        done = 0
        with _SnapshotReader(self.transport.lines("/sync/v1/snapshot", params)) as reader:
            for kind, item in reader:
                if kind == "begin":
                    begin = cast(protocol.SnapshotBegin, item)
                    if on_begin is not None:
                        on_begin(begin)
                    total = sum(begin.counts.values())
                elif total is None:  # nothing is written before the first line is judged
                    raise ProtocolViolation("the snapshot does not start with its first line")
                elif kind == "page":
                    page = cast(_DecodedPage, item)
                    self.store.on_writer(
                        partial(self._apply_snapshot_page, bulk, page, insert_only=insert_only)
                    )
                    done += len(page.rows)
                    summary.snapshot_rows += len(page.rows)
                    self.progress(Progress("snapshot", done, max(0, total - done)))
                else:
                    self._finish_snapshot(cast(protocol.SnapshotEnd, item), summary)
                    return
        raise ProtocolViolation("the snapshot ended early")

    def _finish_snapshot(self, end: protocol.SnapshotEnd, summary: SyncSummary) -> None:
        self.store.write(lambda conn: self._end_snapshot(conn, end, summary))

    def _end_snapshot(self, conn: Any, end: protocol.SnapshotEnd, summary: SyncSummary) -> None:
        # `derived`: also when no mark is left (a store whose mark an older version
        # cleared on reopen), the resumed pages bypassed search, activity and summary.
        self.store.restore_secondary_indexes(conn, derived=True)
        syncstate.save_snapshot_cursor(conn, end.cursor, self.clock())
        syncstate.meta_put(conn, META_SNAPSHOT, None)
        outbox.acknowledge(conn, end.last_mutation_id)
        summary.returned += self._return_orphaned_work(conn)
        analyze(conn)

    def _apply_snapshot_page(self, bulk: Any, page: _DecodedPage, *, insert_only: bool) -> None:
        with bulk.begin():
            if page.entity != "customer":
                idx = page.columns.index("customer_id")
                parents = sorted({r[idx] for r in page.rows})
                if len(book.pks_for(bulk, parents)) != len(parents):
                    raise ProtocolViolation(f"{page.entity} rows refer to customers not sent")
            apply.write_rows(
                bulk,
                page.entity,
                page.columns,
                page.rows,
                index_search=False,
                insert_only=insert_only,
            )
            syncstate.meta_put(bulk, META_SNAPSHOT, page.resume)

    def _clear_replica(self, conn: Any) -> None:
        book.clear_book(conn)

    def _return_orphaned_work(self, conn: Any) -> int:
        """After a reset: pending work about customers no longer here goes to the user."""
        about: set[str] = set()
        for queued in outbox.queued(conn):
            fields = json.loads(queued.fields)
            customer = (
                queued.entity_id if queued.entity == "customer" else fields.get("customer_id")
            )
            if isinstance(customer, str):
                about.add(customer)
        wanted = about - set(book.pks_for(conn, sorted(about)))
        return apply.return_work(
            conn, wanted, protocol.ReturnReason.LEFT_BOOK_AT_RESYNC, self.clock()
        )

    # --- audit upload -----------------------------------------------------------------

    def upload_audit(self, summary: SyncSummary) -> None:
        """Send the audit entries the gateway has not acknowledged, a page at a time
        (sync/protocol.py, `AuditRequest`). A refusal (`AuditChainBroken`, `Forbidden`)
        is raised with every entry kept here; an older gateway without the endpoint is
        left alone (the entries wait for one that has it)."""
        device_id = self.auth.device_id()
        rewound = False
        while True:
            with self.store.read() as conn:
                after = audit_log.uploaded_seq(conn)
                links = audit_log.links_after(conn, after, self.audit_page)
            if not links:
                return
            try:
                request = protocol.AuditRequest(
                    schema_version=protocol.SCHEMA_VERSION,
                    device_id=device_id,
                    events=[protocol.AuditEvent(**_fields(link)) for link in links],
                )
            except ValidationError as exc:
                raise ProtocolViolation(
                    f"audit entries after {after} cannot be sent ({exc.error_count()} problem(s))"
                ) from None
            try:
                data = self._call("/sync/v1/audit", request.model_dump(mode="json"))
            except NotServed:
                return
            except AuditGap as gap:
                # The gateway holds less than this computer thought: send from there, once.
                if rewound or gap.last >= after:
                    raise ProtocolViolation(f"the gateway's audit chain ends at {gap.last}"
                                            ) from None  # fmt: skip
                rewound = True
                self.store.write(partial(audit_log.mark_uploaded, seq=gap.last))
                continue
            answer = _parse(protocol.AuditResponse, data)
            if answer.last_seq < links[-1].seq:
                raise ProtocolViolation("the gateway did not acknowledge the audit entries sent")
            self.store.write(partial(audit_log.mark_uploaded, seq=links[-1].seq))
            summary.audited += answer.stored

    # --- the whole round ----------------------------------------------------------------

    def sync(self) -> SyncSummary:
        summary = SyncSummary()
        self.auth.ensure()
        with self.store.read() as conn:
            cursor = syncstate.load_cursor(conn)
        if cursor is None or meta_get(self.store, META_SNAPSHOT) is not None:
            self.snapshot(summary)
        self.push(summary)
        try:
            self.pull(summary)
        except ResetRequired:
            summary.reset = True
            self.snapshot(summary, replace=True)
            self.push(summary)
            self.pull(summary)
        self.directory(summary)
        # Last: a refused audit page must not keep the book from syncing; it still
        # fails the round, so the refusal is seen.
        if self.uploads_audit:
            self.upload_audit(summary)
        return summary
