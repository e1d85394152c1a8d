"""Repair a damaged profile: rescue unsynced work, rebuild from the server, resend.

The steps, in an order that never loses what could be read and never sends a change
twice:

1. No other running RM Desk may have the store open (its in-use mark names the
   process): renaming a file another process writes to would lose its writes.
   The central CRM must answer, before anything is touched: the repair rebuilds the
   store from it. Unreachable -> `RepairNeedsServer`, the damaged store as it was.
2. The password is checked (the profile's key unwrap; failures count as at sign-in).
3. Salvage, read-only, from the damaged file (`local_store.salvage`): every readable
   outbox row with its mutation id, every readable draft, the sync client id and the
   device id; the ids that could not be read are listed.
4. A new store is built beside it (`store.repairing.db`) with the same data key and
   the damaged store's client id, and its first sync (a snapshot) runs. The snapshot
   tells the server's `last_mutation_id` for that client id: L.
5. The rescued changes are queued again. Those with ids <= L are already applied on
   the server (it applies a client's ids strictly in order, one batch at a time, so
   every id <= L was applied and none > L was): they are dropped, and so are the
   unreadable ids <= L, which are not lost. The rest are numbered on from L+1 in
   their original order, under the same client id. The server never saw any id > L
   from this client, so the new numbers cannot collide with anything it applied; and
   renumbering is what closes the gap an unreadable row leaves (the server refuses a
   batch that skips an id). Unreadable ids > L never reached the server: those
   changes are lost and listed. (A new client id would also work; keeping the old one
   keeps the server's record of this device's changes in one sequence.)
   The audit log's chain, as far as it reads and holds together from its start, is
   copied into the new store as it was (seq numbers, hashes, how much the gateway
   acknowledged), so the gateway accepts what follows; entries past the damage are
   lost (if the gateway already held some of them, its next upload is refused and
   the report's send error says so: IT sees it in `rm-desk-central audit verify`).
6. Drafts go into the new store; it is closed; the damaged store is renamed to
   `store.damaged-<UTC time>.db` (0600, with its WAL: kept for support, never read by
   RM Desk again) and the new one takes its place. Only then is anything pushed: a
   failure before this point leaves the damaged store in place and deletes the new
   one, and a repair run again starts over with nothing sent under new numbers.
7. The repaired store is opened and synced (push, pull). Should that push fail (the
   network dropped), the rescued changes wait in the healthy store's outbox for the
   next sync, like any offline change.

When the damaged store's client id cannot be read, the new store gets a new one and
every rescued change is sent under it; a change that had been sent but not yet
acknowledged could then arrive twice (the report says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from local_store import audit, keys, outbox, records, salvage
from local_store.errors import StoreInUse
from local_store.profiles import Profile, ProfileRegistry
from local_store.syncstate import meta_put
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.ids import uuid7
from rm_desk.services import sync as sync_service
from rm_desk.services.session import Session, audit_session, open_store, session_over
from sync.client.engine import META_DEVICE, Progress, SyncSummary
from sync.client.errors import SyncError


class RepairNeedsServer(SyncError):
    retryable = True

    def __init__(self) -> None:
        super().__init__(ErrorCode.REPAIR_NEEDS_SERVER)


@dataclass(frozen=True, slots=True)
class Requeue:
    """Which rescued changes are sent again, and which are gone."""

    to_send: list[outbox.Mutation]
    already_on_server: int
    lost: list[int]  # unreadable ids the server never received
    renumbered: bool


def plan_requeue(rescued: salvage.Salvaged, server_last: int) -> Requeue:
    """Step 5 of the module docstring: `server_last` is the server's last id for the
    client id the rescued changes carry."""
    ordered = sorted(rescued.mutations, key=lambda m: m.mutation_id)
    to_send = [m for m in ordered if m.mutation_id > server_last]
    renumbered = any(m.mutation_id != server_last + n for n, m in enumerate(to_send, start=1))
    return Requeue(
        to_send=to_send,
        already_on_server=len(ordered) - len(to_send),
        lost=[i for i in rescued.unreadable_mutations if i > server_last],
        renumbered=renumbered,
    )


def id_ranges(ids: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(ids):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)


@dataclass
class RepairReport:
    kept_as: Path  # the damaged store, renamed
    rescued: int  # readable unsynced changes
    already_on_server: int
    queued: int  # sent again (or waiting in the outbox when `send_error`)
    sent: int
    lost: list[int]  # mutation ids that could not be read and never reached the server
    extent_unknown: bool  # the damaged outbox's end could not be read
    client_id_lost: bool
    drafts_restored: int
    drafts_incomplete: bool
    first_sync: SyncSummary
    nothing_readable: bool = False  # not even the first page: no change or draft rescued
    send_error: str | None = None

    def unreadable(self) -> list[str]:
        """What could not be read, in words (empty: everything was rescued)."""
        if self.nothing_readable:
            return ["the whole file (not even its first page): any unsynced change or draft in it"]
        out: list[str] = []
        if self.lost:
            out.append(f"unsynced changes {id_ranges(self.lost)}")
        if self.extent_unknown:
            out.append("possibly changes after the last readable one")
        if self.drafts_incomplete:
            out.append("some drafts")
        return out

    def line(self) -> str:
        text = (
            f"rescued {self.rescued} unsynced change(s) ({self.already_on_server} already on "
            f"the server, {self.sent} sent now), restored {self.drafts_restored} draft(s), "
            f"downloaded {self.first_sync.snapshot_rows} rows"
        )
        if self.send_error:
            text += f"; {self.queued - self.sent} change(s) wait for the next sync"
        unreadable = self.unreadable()
        text += "; could not be read: " + ("; ".join(unreadable) if unreadable else "nothing")
        if self.client_id_lost and self.rescued:
            text += " (sync identity unreadable: sent under a new one)"
        return text + f"; damaged file kept as {self.kept_as.name}"


@dataclass
class Repaired:
    session: Session
    report: RepairReport


def _stamp(reg: ProfileRegistry) -> str:
    return reg.clock().strftime("%Y%m%dT%H%M%SZ")


@dataclass
class _Built:
    path: Path
    rescued: salvage.Salvaged
    plan: Requeue
    first_sync: SyncSummary


def _build(
    reg: ProfileRegistry,
    profile: Profile,
    password: str,
    data_key: bytearray,
    progress: Callable[[Progress], None] | None,
) -> _Built:
    """Steps 3-5: salvage, a new store beside the damaged one, its first sync, the
    rescued changes and drafts queued in it; closed cleanly. On any failure the new
    store is deleted and the damaged one is as it was."""
    tell = progress or (lambda _p: None)
    path = reg.database_path(profile)
    memory_security = reg.policy.memory_security
    tell(Progress("salvage", 0, 1))
    if path.exists():
        rescued = salvage.salvage(path, data_key, memory_security=memory_security)
    else:
        rescued = salvage.Salvaged(nothing_readable=True, outbox_extent_unknown=True)
    tell(Progress("salvage", 1, 0))
    built = salvage.repair_path(path)
    salvage.remove_store_files(built)  # a repair that stopped half-way
    store = open_store(reg, profile, data_key, path=built, client_id=rescued.client_id)
    session = session_over(reg, profile, store)
    try:
        with store.transaction() as conn:
            meta_put(conn, META_DEVICE, rescued.device_id or uuid7())
            audit.restore(conn, rescued.audit, rescued.audit_uploaded)
        # The audit chain goes up with the repaired store's first sync (step 7), after
        # the "repair" entry; a refusal there is the report's, not the repair's.
        first = sync_service.sync_session(
            session, password, reg=reg, progress=progress, upload_audit=False
        )
        with store.read() as conn:
            server_last = outbox.state(conn).acked_mutation_id
        plan = plan_requeue(rescued, server_last)
        with store.transaction() as conn:
            outbox.restore(conn, plan.to_send, after=server_last)
            for draft in rescued.drafts:
                records.save_draft(conn, draft)
        store.close()
    except BaseException:
        store.close()
        salvage.remove_store_files(built)
        raise
    return _Built(built, rescued, plan, first)


def repair_profile(
    reg: ProfileRegistry,
    user: str,
    password: str,
    *,
    progress: Callable[[Progress], None] | None = None,
) -> Repaired:
    """Repair `user`'s profile (module docstring); returns it unlocked with a report."""
    profile = reg.get(user)
    other = salvage.open_elsewhere(reg.database_path(profile))
    if other is not None:
        raise StoreInUse(reg.database_path(profile), other)
    if not sync_service.server_reachable(profile.server, reg.policy):
        raise RepairNeedsServer()
    profile, data_key = reg.unlock(user, password)
    try:
        built = _build(reg, profile, password, data_key, progress)
        path = reg.database_path(profile)
        kept = salvage.set_aside(path, _stamp(reg))
        salvage.install(built.path, path)
        store = open_store(reg, profile, data_key, path=path)
    finally:
        keys.zero(data_key)
    session = session_over(reg, profile, store)
    audit_session(session, user, "repair")
    rescued, plan = built.rescued, built.plan
    report = RepairReport(
        kept_as=kept,
        rescued=len(rescued.mutations),
        already_on_server=plan.already_on_server,
        queued=len(plan.to_send),
        sent=0,
        lost=plan.lost,
        extent_unknown=rescued.outbox_extent_unknown,
        client_id_lost=rescued.client_id is None,
        drafts_restored=len(rescued.drafts),
        drafts_incomplete=rescued.drafts_incomplete,
        first_sync=built.first_sync,
        nothing_readable=rescued.nothing_readable,
    )
    try:
        summary = sync_service.sync_session(session, password, reg=reg, progress=progress)
        report.sent = summary.pushed
    except SyncError as exc:
        if not session.store.is_open:  # revoked: the profile is gone
            raise
        report.send_error = str(exc)
    return Repaired(session, report)
