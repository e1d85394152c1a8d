"""Sync use cases: add a profile from the central CRM, sync a session, wipe on revoke.

The window knows sync through this module only (it does not import `sync.client`):
the progress and summary types, the errors it tells apart and the status it shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from local_store import Connection, outbox
from local_store import conflicts as conflict_store
from local_store.profiles import ProfileRegistry
from local_store.syncstate import meta_put
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import Role
from rm_desk.domain.policy import Policy
from rm_desk.services import churn
from rm_desk.services import session as sessions
from rm_desk.services.changes import Changes
from rm_desk.services.session import Session
from sync import protocol
from sync.client.engine import (
    META_DEVICE,
    META_TOKENS,
    Authenticator,
    Progress,
    SyncEngine,
    SyncSummary,
)
from sync.client.errors import (
    BadCredentials,
    DeviceRevoked,
    InsecureServer,
    ServerFailed,
    ServerUnreachable,
    SessionExpired,
    SuspectSnapshot,
    SyncError,
    TlsFailure,
    TooManySignIns,
    VersionNotSupported,
)
from sync.client.transport import Transport, check_server_url
from sync.protocol import RejectReason, ReturnReason, split_reason

__all__ = [
    "LOCAL_DEMO_SERVER",
    "BadCredentials",
    "DeviceRevoked",
    "InsecureServer",
    "Progress",
    "RejectReason",
    "ReturnReason",
    "ServerFailed",
    "ServerUnreachable",
    "SessionExpired",
    "SuspectSnapshot",
    "SyncError",
    "SyncStatus",
    "SyncSummary",
    "TlsFailure",
    "TooManySignIns",
    "VersionNotSupported",
    "add_profile",
    "changes_of",
    "check_server",
    "server_reachable",
    "split_reason",
    "sync_session",
    "sync_status",
    "syncs",
]


LOCAL_DEMO_SERVER = "local-demo"  # a profile holding a generated book, with no server


def syncs(session: Session) -> bool:
    """Whether this profile syncs with a central CRM (a local demo profile does not)."""
    return session.profile.server not in ("", LOCAL_DEMO_SERVER)


def check_server(server: str, policy: Policy) -> None:
    """`InsecureServer` for a plain http:// address of another computer, unless the
    policy allows it (`allow_insecure_http`); loopback addresses are always allowed."""
    check_server_url(server, allow_insecure_http=policy.allow_insecure_http)


def transport_for(server: str, policy: Policy) -> Transport:
    """The connection to `server` under the policy's TLS settings; an address
    `check_server` refuses is refused before anything is sent."""
    check_server(server, policy)
    return Transport(server, ca_bundle=policy.ca_bundle, spki_pin=policy.spki_pin_sha256)


def server_reachable(server: str, policy: Policy) -> bool:
    """Whether the central CRM answers its health check now (TLS policy applies; an
    address the policy refuses is not reachable)."""
    try:
        transport = transport_for(server, policy)
    except InsecureServer:
        return False
    try:
        return transport.reachable()
    finally:
        transport.close()


@dataclass
class Provisioned:
    session: Session
    summary: SyncSummary


def add_profile(
    reg: ProfileRegistry,
    user: str,
    password: str,
    server: str,
    *,
    progress: Callable[[Progress], None] | None = None,
    device_name: str = "",
    writer: tuple[sessions.Writer, threading.Thread] | None = None,
) -> Provisioned:
    """Sign in online once, create the encrypted profile and run the first sync;
    `writer`: the session's database thread, which runs every write from the start."""
    transport = transport_for(server, reg.policy)
    device_id = uuid7()
    body = protocol.LoginRequest(
        schema_version=protocol.SCHEMA_VERSION,
        user=user,
        password=password,
        device_id=device_id,
        device_name=device_name,
    )
    tokens = protocol.TokenResponse.model_validate(
        transport.post("/auth/v1/login", body.model_dump(mode="json"))
    )
    session = sessions.create_profile(
        reg, user, password, server=server, role=Role(tokens.role), display_name=tokens.display_name
    )
    if writer is not None:
        session.use_writer(*writer)

    def first_meta(conn: Connection) -> None:
        meta_put(conn, META_DEVICE, device_id)
        meta_put(conn, META_TOKENS, tokens.model_dump_json())
        session.audit_entry(conn, "sign_in", "device", device_id)

    try:
        session.store.write(first_meta)
        summary = sync_session(session, password, transport=transport, progress=progress, reg=reg)
    except BaseException:
        session.store.on_writer(session.lock)
        reg.remove(user)
        raise
    return Provisioned(session, summary)


def sync_session(
    session: Session,
    password: str | None,
    *,
    reg: ProfileRegistry | None = None,
    transport: Transport | None = None,
    progress: Callable[[Progress], None] | None = None,
    upload_audit: bool = True,
) -> SyncSummary:
    """Push and pull once, then upload the audit log (unless not `upload_audit`). A
    revoked device wipes this profile, then re-raises."""
    transport = transport or transport_for(session.profile.server, session.policy)
    auth = Authenticator(
        session.store,
        transport,
        (lambda: password) if password else None,
        user=session.user,
        clock=session.clock,
    )
    engine = SyncEngine(
        session.store, transport, auth, progress=progress, upload_audit=upload_audit
    )
    try:
        summary = engine.sync()
    except DeviceRevoked:
        session.store.close()
        if reg is not None:
            reg.remove(session.user)
        raise
    except SyncError as exc:
        if session.store.is_open:
            session.store.write(partial(outbox.record_error, error=str(exc)))
        raise
    finally:
        transport.close()
    session.went_online()  # the offline lease starts again
    # Scores follow what arrived: a new model or a first sync rescores the book,
    # pulled changes rescore the customers under them.
    session.store.on_writer(
        partial(
            churn.after_sync,
            session,
            model_changed=summary.churn_model is not None,
            full=summary.snapshot_rows > 0 or summary.reset,
            touched=summary.touched,
        )
    )
    return summary


def changes_of(summary: SyncSummary) -> Changes:
    everything = summary.snapshot_rows > 0 or summary.reset
    rescored = bool(summary.touched) or everything or summary.churn_model is not None
    return Changes(
        customers=frozenset(summary.touched),
        book=bool(summary.touched) or everything or rescored,
        churn=rescored,
        interactions=True,
        tasks=True,
        outbox=True,
        everything=everything,
    )


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar shows: pending work, open conflicts, the last sync."""

    pending: int
    conflicts: int
    returned: int
    last_sync_at: str | None
    last_error: str | None


def sync_status(session: Session) -> SyncStatus:
    with session.store.read() as conn:
        st = outbox.state(conn)
        pending = outbox.pending_count(conn)
        conflicts, returned = conflict_store.counts(conn)
    return SyncStatus(pending, conflicts, returned, st.last_sync_at, st.last_error)
