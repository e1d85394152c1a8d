"""Sessions: create a profile, unlock it, lock it, change its password.

A `Session` is one unlocked profile: who is signed in, their role, and the open
encrypted store. Locking closes every connection and zeroes the key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local_store import Connection, audit, codec, keys, outbox
from local_store.errors import StoreDamaged, StoreError
from local_store.profiles import Profile, ProfileRegistry
from local_store.store import LocalStore
from local_store.store import Writer as StoreWriter
from rm_desk.domain import permissions
from rm_desk.domain.errors import ErrorCode, RmDeskError
from rm_desk.domain.masking import MaskingPolicy
from rm_desk.domain.model import Role
from rm_desk.domain.policy import Policy

log = logging.getLogger(__name__)


class OfflineLeaseExpired(RmDeskError):
    """The profile has been offline longer than the policy's `max_offline_hours` (or the
    clock was set back): it unlocks only with an online sign-in."""

    def __init__(self, hours: int, *, detail: str = "") -> None:
        super().__init__(ErrorCode.OFFLINE_LEASE_EXPIRED, detail=detail, hours=hours)


# The window names these through the service layer (it may not import the store).
Registry = ProfileRegistry
ProfileInfo = Profile
Writer = StoreWriter


class PermissionDenied(RmDeskError):
    """The signed-in role may not do this (the role matrix, `rm_desk.domain.permissions`);
    the detail says what was refused."""

    def __init__(
        self, code: ErrorCode = ErrorCode.ROLE_NOT_ALLOWED, /, *, detail: str = "", **values: object
    ) -> None:
        super().__init__(code, detail=detail, **values)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Session:
    profile: Profile
    store: LocalStore
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utc_now
    # Where a successful online contact is recorded (the offline lease), when known.
    registry: ProfileRegistry | None = None

    def went_online(self) -> None:
        """A sign-in or sync with the gateway succeeded: the offline lease starts again."""
        if self.registry is not None:
            self.profile = self.registry.record_online(self.user)

    @property
    def user(self) -> str:
        return self.profile.user

    @property
    def role(self) -> Role:
        return self.profile.role

    @property
    def masks_personal_data(self) -> bool:
        return permissions.sees_masked(self.role)

    def may(self, action: permissions.Action) -> bool:
        """Whether the signed-in role may do this (the role matrix decides)."""
        return permissions.may(self.role, action)

    def require(self, action: permissions.Action, why: str) -> None:
        """`PermissionDenied(why)` unless the signed-in role may do this."""
        if not self.may(action):
            raise PermissionDenied(detail=why)

    def may_log(self, kind: str) -> bool:
        """Whether the signed-in role may log a contact of this kind (tellers: no visits)."""
        return permissions.may_log(self.role, kind)

    def may_change_task(
        self,
        created_by: str,
        assignee: str,
        action: permissions.Action = permissions.Action.EDIT_TASK,
    ) -> bool:
        """Whether the signed-in user may edit, complete or snooze (`EDIT_TASK`) or delete
        (`DELETE_TASK`) a follow-up (`permissions.may_change_task` decides)."""
        return permissions.may_change_task(self.role, action, self.user, created_by, assignee)

    def require_task_change(
        self,
        created_by: str,
        assignee: str,
        action: permissions.Action = permissions.Action.EDIT_TASK,
    ) -> None:
        """`PermissionDenied` (`TASK_NOT_YOURS`) unless `may_change_task`."""
        if not self.may_change_task(created_by, assignee, action):
            raise PermissionDenied(ErrorCode.TASK_NOT_YOURS, detail=str(action))

    @property
    def hands_over_by_default(self) -> bool:
        return permissions.hands_over_by_default(self.role)

    @property
    def masking(self) -> MaskingPolicy:
        return self.policy.masking  # validated with the policy

    def use_writer(self, writer: Writer, thread: threading.Thread) -> None:
        """Every write of this session runs on `thread` (the window's database
        executor) from now on, whichever thread asks for it (ARCHITECTURE §5)."""
        self.store.use_writer(writer, thread)

    def audit_entry(
        self,
        conn: Connection,
        action: str,
        entity: str,
        entity_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One audit-log entry of `action` by the signed-in user, at the session's clock."""
        audit.append(
            conn,
            at=self.clock(),
            actor=self.user,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )

    def audit_edit(
        self,
        conn: Connection,
        entity: str,
        entity_id: str,
        op: str,
        fields: Iterable[str] = (),
        *,
        customer_id: str | None = None,
    ) -> None:
        """One "edit" entry for a change this user made (a mutation queued for the
        gateway): ids and field names only, never the values (personal data)."""
        detail: dict[str, Any] = {"op": op}
        names = sorted(fields)
        if names:
            detail["fields"] = names
        if customer_id is not None and entity != "customer":
            detail["customer"] = customer_id
        self.audit_entry(conn, "edit", entity, entity_id, detail)

    @property
    def is_locked(self) -> bool:
        return not self.store.is_open

    def lock(self, reason: str = "") -> None:
        """Record the lock (with its `reason` code when given: "manual", "idle",
        "suspend", "screen_lock", "session_switch") in the audit log and close the
        store, as the store's one writer (the audit line is a write), from any thread;
        the store is closed (key zeroed) even when the record cannot be written (a full
        disk, a damaged store)."""
        self.store.on_writer(lambda: self._lock(reason))

    def _lock(self, reason: str) -> None:
        detail = {"reason": reason} if reason else None
        try:
            if self.store.is_open:
                with self.store.transaction() as conn:
                    self.audit_entry(conn, "lock", "session", self.profile.profile_id, detail)
        except StoreDamaged:
            log.warning("the lock was not audited: the profile's store is damaged")
        finally:
            self.store.close()


def registry(
    data_dir: Path,
    policy: Policy | None = None,
    secret_store: keys.SecretStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ProfileRegistry:
    """The profiles in `data_dir`; `clock` (tests) replaces the wall clock and, with it,
    the monotonic clock that back-offs and lockouts are timed by (local_store.profiles)."""
    return ProfileRegistry(data_dir, policy=policy, secret_store=secret_store, clock=clock)


def create_profile(
    reg: ProfileRegistry,
    user: str,
    password: str,
    *,
    server: str,
    role: Role,
    display_name: str = "",
    clock: Callable[[], datetime] | None = None,
) -> Session:
    """A new profile with an empty encrypted store, unlocked."""
    profile, data_key = reg.create(
        user, password, server=server, role=role, display_name=display_name
    )
    try:
        store = open_store(reg, profile, data_key)
    finally:
        keys.zero(data_key)
    return session_over(reg, profile, store, clock)


def open_store(
    reg: ProfileRegistry,
    profile: Profile,
    data_key: bytes | bytearray,
    *,
    path: Path | None = None,
    on_upgrade: Callable[[int, int], None] | None = None,
    on_check: Callable[[], None] | None = None,
    client_id: str | None = None,
) -> LocalStore:
    """The profile's store (or the one at `path`) opened with the key its password
    unwrapped: that proved the key, so a file it cannot read is damaged."""
    return LocalStore.open(
        path or reg.database_path(profile),
        data_key,
        memory_security=reg.policy.memory_security,
        on_upgrade=on_upgrade,
        on_check=on_check,
        key_verified=True,
        client_id=client_id,
    )


def session_over(
    reg: ProfileRegistry,
    profile: Profile,
    store: LocalStore,
    clock: Callable[[], datetime] | None = None,
) -> Session:
    """A session on an open store of `profile`, on the registry's policy and clock."""
    return Session(
        profile=profile, store=store, policy=reg.policy, clock=clock or reg.clock, registry=reg
    )


def audit_session(session: Session, actor: str, action: str) -> None:
    """One audit entry that `actor` opened `session` (`action`: unlock, repair), after
    one "unlock_failed" entry per wrong password tried since the store last opened.

    A failed unlock opens no store, so it cannot be written then: the profile's lockout
    counter keeps it (`ProfileRegistry`: `unaudited_failures`, in profiles.json) until
    this entry is written, and it is dropped there only once it is committed here. A
    profile never unlocked again (or removed) keeps its failures out of the log; so does
    someone able to edit profiles.json, which already holds the counter itself."""
    failures = session.profile.unaudited_failures
    with session.store.transaction() as conn:
        for failure in failures:
            audit.append(
                conn,
                at=failure.at,
                actor=actor,
                action="unlock_failed",
                entity="session",
                entity_id=session.profile.profile_id,
                detail={"lockout": True} if failure.lockout else None,
            )
        audit.append(
            conn,
            at=session.clock(),
            actor=actor,
            action=action,
            entity="session",
            entity_id=session.profile.profile_id,
        )
    if failures and session.registry is not None:
        try:
            session.registry.forget_audited_failures(session.profile.user, failures)
        except StoreError:  # kept there: the next unlock records them once more
            log.warning("failed unlocks now in the audit log could not be dropped from the profile")


def syncs_online(profile: Profile) -> bool:
    """Whether the profile belongs to a gateway (a local demo profile has none)."""
    return "://" in profile.server


def lease_expired(reg: ProfileRegistry, profile: Profile) -> bool:
    """Past the policy's `max_offline_hours` since the last online contact, or the
    clock was set back (local_store.profiles: `offline_for`)."""
    if not syncs_online(profile):
        return False
    offline = reg.offline_for(profile)
    return offline is None or offline > timedelta(hours=reg.policy.max_offline_hours)


def unlock(
    reg: ProfileRegistry,
    user: str,
    password: str,
    *,
    clock: Callable[[], datetime] | None = None,
    on_upgrade: Callable[[int, int], None] | None = None,
    on_check: Callable[[], None] | None = None,
    sign_in_online: Callable[[Session], object] | None = None,
) -> Session:
    """Open a profile with its password (WrongPassword / ProfileLocked otherwise);
    `on_upgrade(old, new)` is told before the profile's data is upgraded to this
    version's schema, `on_check()` before the store is checked for damage after an
    unclean shutdown (StoreDamaged when it is damaged).

    Past the offline lease (`lease_expired`) the profile opens only if
    `sign_in_online(session)` (a sync with the password) reaches the gateway; without
    it, or when the gateway cannot be reached, OfflineLeaseExpired with nothing open."""
    profile, data_key = reg.unlock(user, password)
    expired = lease_expired(reg, profile)
    try:
        profile = reg.record_seen(user)
    except BaseException:
        keys.zero(data_key)
        raise
    if expired and sign_in_online is None:
        keys.zero(data_key)
        raise OfflineLeaseExpired(reg.policy.max_offline_hours)
    try:
        store = open_store(reg, profile, data_key, on_upgrade=on_upgrade, on_check=on_check)
    finally:
        keys.zero(data_key)
    session = session_over(reg, profile, store, clock)
    if not expired and _store_lease_expired(session):
        if sign_in_online is None:
            store.close()
            raise OfflineLeaseExpired(reg.policy.max_offline_hours)
        expired = True
    if expired and sign_in_online is not None:
        _sign_in_online(session, sign_in_online)
    try:
        audit_session(session, user, "unlock")
    except BaseException:
        store.close()  # not signed in: nothing may stay open with the key
        raise
    return session


def _store_lease_expired(session: Session) -> bool:
    """The lease as the encrypted store tells it: past `max_offline_hours` since the last
    sync it recorded. `profiles.json` is plain JSON the user can edit; the store is not,
    so moving the online time forward there gains nothing. (A clock set back is the
    registry's to notice, `lease_expired`; here a last sync in the future counts as none.)"""
    if not syncs_online(session.profile):
        return False
    with session.store.read() as conn:
        last = codec.s2t(outbox.state(conn).last_sync_at)
    if last is None:
        return False
    return session.clock() - last > timedelta(hours=session.policy.max_offline_hours)


def _sign_in_online(session: Session, sign_in: Callable[[Session], object]) -> None:
    """The online sign-in an expired lease needs; the store is closed unless it worked."""
    from sync.client.errors import ServerFailed, ServerUnreachable, TlsFailure  # noqa: PLC0415

    hours = session.policy.max_offline_hours
    try:
        sign_in(session)
    except (ServerUnreachable, TlsFailure, ServerFailed) as exc:
        session.store.close()
        raise OfflineLeaseExpired(hours, detail=str(exc)) from None
    except BaseException:
        session.store.close()
        raise
    if session.registry is not None and lease_expired(session.registry, session.profile):
        session.store.close()  # the sign-in did not record an online contact
        raise OfflineLeaseExpired(hours)


def check_store(session: Session) -> str:
    """On demand: SQLCipher's HMAC of every page and SQLite's quick_check of the open
    profile; raises `StoreDamaged` (which offers the repair) when either fails, else
    says what was checked."""
    found = session.store.check_integrity()
    if not found.ok:
        raise StoreDamaged(session.store.path, found.summary())
    return f"{found.pages} pages checked: no damage found"
