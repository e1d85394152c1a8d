"""Profiles on this machine: `profiles.json` plus one encrypted database per profile.

`profiles.json` holds who the profile belongs to, where it syncs, the KDF
parameters, the wrapped data key and the failed-attempt counter — never customer
data. The counter lives in the file (not in memory) so a lockout survives restarts.
Writes are atomic (temp file, fsync, rename) so a crash never leaves a torn file.

Counting wrong passwords
------------------------
Every read-modify-write of the file holds an exclusive lock on `profiles.lock`
(`local_store.files.exclusive_lock`), so processes and threads never overwrite each
other's counts. An unlock attempt is *charged before the password is tried*: under the
lock the registry refuses a profile that is backing off or locked out, otherwise adds
one to the counter and writes the back-off (or, for a count already at the limit, the
lockout) that a failure would bring; only then, outside the lock, does Argon2id run.
Success resets the counter (under the lock again); a failure re-arms the back-off from
the moment of failure, or starts the lockout at the limit. So attempts made in
parallel are all counted, a second attempt started while one is in flight meets the
back-off without its password being tried, and killing the process during the KDF
does not undo the count. If the charge cannot be written (disk full) the attempt is
refused with `DiskFull` and its password is never tried: filling the disk cannot skip
the counter. A success whose reset cannot be written is refused the same way (the
charge stands; after space is freed the next unlock clears it).

Each wrong password is also kept, with its time, in `unaudited_failures` (at most
`MAX_UNAUDITED_FAILURES`): a failed unlock opens no store, so the next unlock that
opens it writes them into the profile's audit log (`rm_desk.services.session`,
`audit_session`) and only then drops them here (`forget_audited_failures`). A success
does not clear them. Whoever can edit this file can delete them, as they can the
counter; the gateway's sign-in throttle is the record that file cannot touch.

Clock changes
-------------
A back-off or lockout is stored three ways: its wall-clock end (`not_before` /
`locked_until`), its length (`block_seconds`), and its end on the machine's
monotonic clock together with the boot it was set in (`block_monotonic`,
`block_boot`; Linux's `CLOCK_BOOTTIME`, which counts suspend, and
`/proc/sys/kernel/random/boot_id`). Within the same boot the monotonic clock alone
decides, so setting the wall clock forward or back changes nothing. After a reboot
(or where no boot id is available: Windows, macOS) the wall clock decides, but the
time left is never more than the block's length: a clock set back cannot stretch a
15-minute lockout beyond 15 minutes. Someone who can both reboot and set the clock
forward can end a lockout early; that needs administrator rights, which also allow
editing this file — what protects the key then is the Argon2id cost (README,
"Security model").
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictStr,
    ValidationError,
)

from local_store import files, keys
from local_store.errors import (
    DiskFull,
    KeyringSecretMissing,
    KeyringUnavailable,
    ProfileExists,
    ProfileFileDamaged,
    ProfileLocked,
    ProfileNotFound,
    StoreError,
    WrongPassword,
)
from rm_desk.domain import validation
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy

PROFILES_FILE = "profiles.json"
LOCK_FILE = "profiles.lock"
FORMAT = 1
BACKOFF_CAP_SECONDS = 30
BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
INJECTED_BOOT = "injected-clock"


def backoff_seconds(failures: int) -> int:
    """The wait after the `failures`-th wrong password in a row (1, 2, 4 … 30 s)."""
    return int(min(2 ** max(failures - 1, 0), BACKOFF_CAP_SECONDS))


def utc_now() -> datetime:
    return datetime.now(UTC)


def system_monotonic() -> float:
    """Seconds on a clock that setting the date cannot move, shared by every process of
    this boot: CLOCK_BOOTTIME on Linux (it also counts suspend), else time.monotonic."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    return time.monotonic()


@functools.cache
def system_boot_id() -> str | None:
    """An id of this boot (Linux), so a monotonic reading is only compared with
    readings of the same boot; None where the system offers none."""
    try:
        return BOOT_ID_FILE.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Block:
    """A back-off or lockout in force: how long is left and when that is by the wall clock."""

    lockout: bool
    remaining: timedelta
    until: datetime

    def error(self) -> ProfileLocked:
        return ProfileLocked(self.until, lockout=self.lockout, remaining=self.remaining)


def _when(value: object) -> datetime | None:
    """An ISO 8601 time as written by `Profile.to_json` (null or "" for none)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date and time") from None


def _required_when(value: object) -> datetime:
    when = _when(value)
    if when is None:
        raise ValueError("must be an ISO 8601 date and time")
    return when


_When = Annotated[datetime | None, PlainValidator(_when)]


def _base64(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be base64 text")
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ValueError("must be base64 text") from None
    return value


_Base64 = Annotated[str, PlainValidator(_base64)]


class WrappedKeyEntry(BaseModel):
    nonce: _Base64
    ciphertext: _Base64


class FailedUnlockEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: Annotated[datetime, PlainValidator(_required_when)]
    lockout: StrictBool = False


class ProfileEntry(BaseModel):
    """One entry of profiles.json, as `Profile.to_json` writes it (unknown keys are
    ignored, so a file written by a newer version still loads)."""

    model_config = ConfigDict(frozen=True)

    profile_id: StrictStr
    user: StrictStr
    display_name: StrictStr
    server: StrictStr
    role: Role
    kdf: dict[str, Any]  # read by keys.KdfParams.from_json, which knows what is weak
    wrapped_key: WrappedKeyEntry
    uses_keyring: StrictBool
    created_at: Annotated[datetime, PlainValidator(_required_when)]
    failed_attempts: int = Field(default=0, ge=0, strict=True)
    not_before: _When = None
    locked_until: _When = None
    block_seconds: float | None = None
    block_boot: StrictStr | None = None
    block_monotonic: float | None = None
    online_at: _When = None
    online_boot: StrictStr | None = None
    online_monotonic: float | None = None
    seen_at: _When = None
    unaudited_failures: list[FailedUnlockEntry] = Field(default_factory=list)


class ProfilesFile(BaseModel):
    """profiles.json: its format number and the profiles."""

    format: Literal[1]
    profiles: list[dict[str, Any]]


# Wrong passwords not yet in the audit log, at most this many (the latest are kept).
MAX_UNAUDITED_FAILURES = 200


@dataclass(frozen=True, slots=True)
class FailedUnlock:
    """A wrong password tried on this profile, waiting for the audit log: a failed
    unlock opens no store, so it is kept here and written into the profile's audit
    chain by the next unlock that opens the store (`rm_desk.services.session`)."""

    at: datetime
    lockout: bool = False  # this failure started a lockout


@dataclass(frozen=True, slots=True)
class Profile:
    profile_id: str
    user: str
    display_name: str
    server: str
    role: Role
    kdf: keys.KdfParams
    wrapped_key: keys.WrappedKey
    uses_keyring: bool
    created_at: datetime
    failed_attempts: int = 0
    not_before: datetime | None = None  # wall-clock end of a back-off
    locked_until: datetime | None = None  # wall-clock end of a lockout
    block_seconds: float | None = None  # length of that back-off or lockout
    block_boot: str | None = None  # the boot it was set in
    block_monotonic: float | None = None  # its end on that boot's monotonic clock
    # The offline lease (`offline_hours`): the last online contact with the gateway, on
    # the wall clock and on the monotonic clock of the boot it happened in, and the
    # latest wall-clock time an unlock saw (a clock set back below it is noticed).
    online_at: datetime | None = None
    online_boot: str | None = None
    online_monotonic: float | None = None
    seen_at: datetime | None = None
    unaudited_failures: tuple[FailedUnlock, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "profile_id": self.profile_id,
            "user": self.user,
            "display_name": self.display_name,
            "server": self.server,
            "role": self.role.value,
            "kdf": self.kdf.to_json(),
            "wrapped_key": self.wrapped_key.to_json(),
            "uses_keyring": self.uses_keyring,
            "created_at": self.created_at.isoformat(),
            "failed_attempts": self.failed_attempts,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "block_seconds": self.block_seconds,
            "block_boot": self.block_boot,
            "block_monotonic": self.block_monotonic,
            "online_at": self.online_at.isoformat() if self.online_at else None,
            "online_boot": self.online_boot,
            "online_monotonic": self.online_monotonic,
            "seen_at": self.seen_at.isoformat() if self.seen_at else None,
            "unaudited_failures": [
                {"at": f.at.isoformat(), "lockout": f.lockout} for f in self.unaudited_failures
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        """A profile from its entry in profiles.json; ValidationError when malformed,
        WeakKdfParameters when its KDF parameters cannot be read (weak ones are read:
        such a profile is listed, and refused on unlock)."""
        entry = ProfileEntry.model_validate(data)
        return cls(
            profile_id=entry.profile_id,
            user=entry.user,
            display_name=entry.display_name,
            server=entry.server,
            role=entry.role,
            kdf=keys.KdfParams.from_json(entry.kdf),
            wrapped_key=keys.WrappedKey.from_json(entry.wrapped_key.model_dump()),
            uses_keyring=entry.uses_keyring,
            created_at=entry.created_at,
            failed_attempts=entry.failed_attempts,
            not_before=entry.not_before,
            locked_until=entry.locked_until,
            block_seconds=entry.block_seconds,
            block_boot=entry.block_boot or None,
            block_monotonic=entry.block_monotonic,
            online_at=entry.online_at,
            online_boot=entry.online_boot or None,
            online_monotonic=entry.online_monotonic,
            seen_at=entry.seen_at,
            unaudited_failures=tuple(
                FailedUnlock(f.at, f.lockout) for f in entry.unaudited_failures
            ),
        )

    def cleared(self) -> Profile:
        """No failures counted, no back-off or lockout."""
        return replace(
            self,
            failed_attempts=0,
            not_before=None,
            locked_until=None,
            block_seconds=None,
            block_boot=None,
            block_monotonic=None,
        )

    @property
    def has_failures(self) -> bool:
        return bool(self.failed_attempts or self.not_before or self.locked_until)


def profile_id_for(user: str, server: str) -> str:
    digest = hashlib.sha256(f"{user}\n{server}".encode()).hexdigest()[:16]
    return f"p{digest}"


class ProfileRegistry:
    """Reads and writes `profiles.json` in a data directory.

    `clock` is the wall clock (UTC). `monotonic` and `boot_id` are the clock that
    setting the date cannot move and the boot it belongs to (see the module's
    docstring). A test that injects only `clock` gets a monotonic clock that follows
    it (one pseudo-boot), so advancing the injected clock ends a back-off; a test of
    clock changes injects all three."""

    def __init__(
        self,
        data_dir: Path,
        *,
        policy: Policy | None = None,
        secret_store: keys.SecretStore | None = None,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] | None = None,
        boot_id: Callable[[], str | None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.policy = policy or Policy()
        self._secret_store = secret_store
        wall = clock or utc_now
        self.clock = wall  # sessions opened from this registry share it
        if monotonic is None:
            if clock is None:
                monotonic, boot_id = system_monotonic, boot_id or system_boot_id
            else:
                monotonic = lambda: wall().timestamp()  # noqa: E731
                boot_id = boot_id or (lambda: INJECTED_BOOT)
        self._monotonic = monotonic
        self._boot_id = boot_id or system_boot_id

    # --- file -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.data_dir / PROFILES_FILE

    @property
    def lock_path(self) -> Path:
        return self.data_dir / LOCK_FILE

    def _read(self) -> list[Profile]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            doc = json.loads(raw)
        except ValueError:
            raise ProfileFileDamaged(self.path, "not valid JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else None
            raise ProfileFileDamaged(self.path, f"unknown format {found!r}")
        try:
            entries = ProfilesFile.model_validate(doc).profiles
        except ValidationError as exc:
            raise ProfileFileDamaged(self.path, validation.one_line(exc)) from None
        profiles = []
        for i, entry in enumerate(entries):
            try:
                profiles.append(Profile.from_json(entry))
            except ValidationError as exc:
                problem = validation.one_line(exc)
                raise ProfileFileDamaged(self.path, f"profiles.{i}.{problem}") from None
        return profiles

    def _write(self, profiles: list[Profile]) -> None:
        """Replace the file (0600, atomically); call with the lock held."""
        doc = {"format": FORMAT, "profiles": [p.to_json() for p in profiles]}
        files.atomic_write_text(self.path, json.dumps(doc, indent=2, ensure_ascii=False))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the registry's cross-process lock (the data directory is made 0700)."""
        with files.full_disk_raises(self.data_dir):
            files.private_dir(self.data_dir)
        with files.exclusive_lock(self.lock_path):
            yield

    def _put(self, profile: Profile) -> None:
        with self._locked():
            profiles = [p for p in self._read() if p.user != profile.user]
            profiles.append(profile)
            profiles.sort(key=lambda p: p.user)
            self._write(profiles)

    def _update(self, user: str, change: Callable[[Profile], Profile]) -> Profile:
        """Read, change and write one profile under the lock; returns the new record."""
        with self._locked():
            profiles = self._read()
            for i, profile in enumerate(profiles):
                if profile.user == user:
                    profiles[i] = change(profile)
                    self._write(profiles)
                    return profiles[i]
        raise ProfileNotFound(user)

    # --- queries ----------------------------------------------------------------------

    def list(self) -> list[Profile]:
        return self._read()

    def get(self, user: str) -> Profile:
        for profile in self._read():
            if profile.user == user:
                return profile
        raise ProfileNotFound(user)

    def profile_dir(self, profile: Profile) -> Path:
        return self.data_dir / "profiles" / profile.profile_id

    def database_path(self, profile: Profile) -> Path:
        return self.profile_dir(profile) / "store.db"

    # --- lifecycle --------------------------------------------------------------------

    def _keyring_for_new_profile(self) -> keys.SecretStore | None:
        mode = self.policy.keyring
        if mode is KeyringMode.OFF:
            return None
        store = (
            self._secret_store if self._secret_store is not None else keys.secure_system_keyring()
        )
        if store is None and mode is KeyringMode.REQUIRE:
            raise KeyringUnavailable(
                "policy requires a secure credential store and none is available"
            )
        return store

    def create(
        self, user: str, password: str, *, server: str, role: Role, display_name: str = ""
    ) -> tuple[Profile, bytearray]:
        """A new profile with a fresh random data key; returns the profile and that key."""
        if any(p.user == user for p in self._read()):
            raise ProfileExists(user)
        profile_id = profile_id_for(user, server)
        store = self._keyring_for_new_profile()
        secret = keys.store_keyring_secret(store, profile_id) if store is not None else None
        params = keys.KdfParams.fresh()
        data_key = keys.new_data_key()
        kek = keys.derive_kek(password, params, secret)
        profile = Profile(
            profile_id=profile_id,
            user=user,
            display_name=display_name or user,
            server=server,
            role=role,
            kdf=params,
            wrapped_key=keys.wrap_key(data_key, kek, profile_id, params),
            uses_keyring=secret is not None,
            created_at=self.clock(),
        )
        with self._locked():
            profiles = self._read()
            if any(p.user == user for p in profiles):
                raise ProfileExists(user)
            self._write(sorted([*profiles, profile], key=lambda p: p.user))
        self.make_private(profile)
        return profile, data_key

    def _secret_for(self, profile: Profile) -> bytes | None:
        if not profile.uses_keyring:
            return None
        store = (
            self._secret_store if self._secret_store is not None else keys.secure_system_keyring()
        )
        if store is None:
            raise KeyringUnavailable("no secure credential store is available")
        secret = keys.load_keyring_secret(store, profile.profile_id)
        if secret is None:
            raise KeyringSecretMissing()
        return secret

    def make_private(self, profile: Profile) -> None:
        """Create the profile's directory 0700 and tighten what exists around it: the
        data directory, `profiles/`, `profiles.json`, the lock file (0700 / 0600). The
        database files are the engine's (`local_store.engine.open_engine`)."""
        files.private_dir(self.profile_dir(profile))
        for path in (self.data_dir, self.data_dir / "profiles", self.path, self.lock_path):
            files.make_private(path)

    def forget_audited_failures(self, user: str, recorded: tuple[FailedUnlock, ...]) -> None:
        """The failed unlocks `recorded` are in the audit log now: drop them here."""
        if recorded:
            self._update(
                user,
                lambda p: replace(
                    p, unaudited_failures=tuple(
                        f for f in p.unaudited_failures if f not in recorded
                    ),
                ),
            )  # fmt: skip

    # --- offline lease -----------------------------------------------------------------

    def record_online(self, user: str) -> Profile:
        """Note a successful online contact with the gateway (a sign-in or a sync)."""
        now = self.clock()
        return self._update(
            user,
            lambda p: replace(
                p,
                online_at=now,
                online_boot=self._boot_id(),
                online_monotonic=self._monotonic(),
                seen_at=max(now, p.seen_at) if p.seen_at else now,
            ),
        )

    def record_seen(self, user: str) -> Profile:
        """Note the wall-clock time of an unlock (never moving the mark back)."""
        now = self.clock()
        return self._update(
            user, lambda p: replace(p, seen_at=max(now, p.seen_at) if p.seen_at else now)
        )

    def offline_for(self, profile: Profile) -> timedelta | None:
        """How long `profile` has been without online contact, or None when this machine's
        clock was set back (earlier than a time already recorded): the caller treats
        that as past any lease. Without a recorded contact the profile's creation (an
        online sign-in) starts the lease. Within the boot of the contact the monotonic
        clock counts too (the longer of the two), so setting the date back gains
        nothing; across a reboot the wall clock counts, bounded below by `seen_at`."""
        now = self.clock()
        start = profile.online_at or profile.created_at
        latest = max(start, profile.seen_at) if profile.seen_at else start
        if now < latest:
            return None
        elapsed = now - start
        if (
            profile.online_monotonic is not None
            and profile.online_boot is not None
            and profile.online_boot == self._boot_id()
        ):
            on_monotonic = timedelta(seconds=self._monotonic() - profile.online_monotonic)
            if on_monotonic < timedelta(0):
                return None
            elapsed = max(elapsed, on_monotonic)
        return elapsed

    # --- back-off and lockout -----------------------------------------------------------

    def blocked(self, profile: Profile) -> Block | None:
        """The back-off or lockout in force for `profile`, or None (module docstring)."""
        lockout = profile.locked_until is not None
        deadline = profile.locked_until or profile.not_before
        if deadline is None:
            return None
        length = profile.block_seconds
        if length is None:  # written by an older version: the policy's lengths bound it
            length = self.policy.lockout_minutes * 60.0 if lockout else BACKOFF_CAP_SECONDS
        now = self.clock()
        boot = self._boot_id()
        if profile.block_monotonic is not None and boot is not None and profile.block_boot == boot:
            left = profile.block_monotonic - self._monotonic()
        else:
            left = (deadline - now).total_seconds()
        left = min(left, length)
        if left <= 0:
            return None
        remaining = timedelta(seconds=left)
        return Block(lockout=lockout, remaining=remaining, until=now + remaining)

    def check_not_locked(self, profile: Profile) -> None:
        block = self.blocked(profile)
        if block is not None:
            raise block.error()

    def _blocking(self, profile: Profile, seconds: float, *, lockout: bool) -> Profile:
        """`profile` with a back-off (or lockout) of `seconds` starting now."""
        end = self.clock() + timedelta(seconds=seconds)
        return replace(
            profile,
            not_before=None if lockout else end,
            locked_until=end if lockout else None,
            block_seconds=float(seconds),
            block_boot=self._boot_id(),
            block_monotonic=self._monotonic() + seconds,
        )

    def _charge(self, user: str) -> Profile:
        """Count an attempt before its password is tried (module docstring): refuse a
        profile that is backing off or locked out, else add one to the counter and
        write the back-off a failure would bring. DiskFull when it cannot be written."""
        limit = self.policy.max_password_attempts
        refused: ProfileLocked | None = None

        def charge(profile: Profile) -> Profile:
            nonlocal refused
            block = self.blocked(profile)
            if block is not None:
                refused = block.error()
                return profile
            failures = 0 if profile.locked_until is not None else profile.failed_attempts
            if failures >= limit:
                # The limit was reached but the lockout was never written (that failure
                # could not be recorded): lock out now, without trying this password.
                seconds = self.policy.lockout_minutes * 60
                locked = self._blocking(profile, seconds, lockout=True)
                refused = Block(
                    lockout=True,
                    remaining=timedelta(seconds=seconds),
                    until=locked.locked_until or self.clock(),
                ).error()
                return locked
            charged = replace(profile, failed_attempts=failures + 1)
            return self._blocking(charged, backoff_seconds(failures + 1), lockout=False)

        with self._locked():
            profiles = self._read()
            for i, profile in enumerate(profiles):
                if profile.user == user:
                    updated = charge(profile)
                    if updated is not profile:
                        profiles[i] = updated
                        self._write(profiles)
                    if refused is not None:
                        raise refused
                    return updated
        raise ProfileNotFound(user)

    def _record_failure(self, user: str) -> StoreError:
        """The answer to a wrong password whose attempt was charged: re-arm the back-off
        from now, or lock out at the limit. The count already holds if this write fails."""
        limit = self.policy.max_password_attempts
        lockout_seconds = self.policy.lockout_minutes * 60

        def fail(profile: Profile) -> Profile:
            # A success in the meantime reset the counter; this failure still counts.
            failures = max(profile.failed_attempts, 1)
            failure = FailedUnlock(self.clock(), lockout=failures >= limit)
            counted = replace(
                profile,
                failed_attempts=failures,
                unaudited_failures=(*profile.unaudited_failures, failure)[-MAX_UNAUDITED_FAILURES:],
            )
            if failures >= limit:
                return self._blocking(counted, lockout_seconds, lockout=True)
            return self._blocking(counted, backoff_seconds(failures), lockout=False)

        try:
            profile = self._update(user, fail)
        except DiskFull:
            profile = self.get(user)  # the charge stands: it counted this attempt
        block = self.blocked(profile)
        if profile.locked_until is not None and block is not None:
            return block.error()
        return WrongPassword(attempts_left=max(limit - profile.failed_attempts, 0))

    def unlock(self, user: str, password: str) -> tuple[Profile, bytearray]:
        """The data key for `user`, or WrongPassword / ProfileLocked / DiskFull.

        The attempt is counted before the password is tried (module docstring)."""
        profile = self.get(user)
        # What refuses without judging the password refuses before it is counted.
        profile.kdf.check()
        secret = self._secret_for(profile)
        profile = self._charge(user)
        kek = keys.derive_kek(password, profile.kdf, secret)
        try:
            data_key = keys.unwrap_key(profile.wrapped_key, kek, profile.profile_id, profile.kdf)
        except WrongPassword:
            raise self._record_failure(user) from None
        try:
            profile = self._update(user, Profile.cleared)
            self.make_private(profile)
        except BaseException:
            keys.zero(data_key)
            raise
        return profile, data_key

    def change_password(self, user: str, old_password: str, new_password: str) -> Profile:
        """Rewrap the same data key under a new password; the database is untouched."""
        profile, data_key = self.unlock(user, old_password)
        try:
            params = keys.KdfParams.fresh(
                memory_kib=max(profile.kdf.memory_kib, keys.MIN_MEMORY_KIB),
                iterations=max(profile.kdf.iterations, keys.MIN_ITERATIONS),
            )
            kek = keys.derive_kek(new_password, params, self._secret_for(profile))
            wrapped = keys.wrap_key(data_key, kek, profile.profile_id, params)
            return self._update(user, lambda p: replace(p, kdf=params, wrapped_key=wrapped))
        finally:
            keys.zero(data_key)

    def remove(self, user: str) -> None:
        """Forget the profile, delete its database files and its keyring secret."""
        profile = self.get(user)
        shutil.rmtree(self.profile_dir(profile), ignore_errors=True)
        if profile.uses_keyring:
            store = (
                self._secret_store
                if self._secret_store is not None
                else keys.secure_system_keyring()
            )
            if store is not None:
                keys.delete_keyring_secret(store, profile.profile_id)
        with self._locked():
            self._write([p for p in self._read() if p.user != user])
