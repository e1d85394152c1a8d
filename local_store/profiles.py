"""Profiles on this machine: `profiles.json` plus one encrypted database per profile.

`profiles.json` holds who the profile belongs to, where it syncs, the KDF
parameters, the wrapped data key and the failed-attempt counter — never customer
data. The counter lives in the file (not in memory) so a lockout survives restarts.
Writes are atomic (temp file, fsync, rename) so a crash never leaves a torn file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local_store import keys
from local_store.errors import (
    KeyringSecretMissing,
    KeyringUnavailable,
    ProfileExists,
    ProfileFileDamaged,
    ProfileLocked,
    ProfileNotFound,
    WrongPassword,
)
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy

PROFILES_FILE = "profiles.json"
FORMAT = 1
BACKOFF_CAP_SECONDS = 30


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
    not_before: datetime | None = None
    locked_until: datetime | None = None

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
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        created = when(data["created_at"])
        assert created is not None  # noqa: S101  (schema guarantees it; KeyError otherwise)
        return cls(
            profile_id=str(data["profile_id"]),
            user=str(data["user"]),
            display_name=str(data["display_name"]),
            server=str(data["server"]),
            role=Role(data["role"]),
            kdf=keys.KdfParams.from_json(data["kdf"]),
            wrapped_key=keys.WrappedKey.from_json(data["wrapped_key"]),
            uses_keyring=bool(data["uses_keyring"]),
            created_at=created,
            failed_attempts=int(data.get("failed_attempts", 0)),
            not_before=when(data.get("not_before")),
            locked_until=when(data.get("locked_until")),
        )


def profile_id_for(user: str, server: str) -> str:
    digest = hashlib.sha256(f"{user}\n{server}".encode()).hexdigest()[:16]
    return f"p{digest}"


class ProfileRegistry:
    """Reads and writes `profiles.json` in a data directory."""

    def __init__(
        self,
        data_dir: Path,
        *,
        policy: Policy | None = None,
        secret_store: keys.SecretStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.data_dir = data_dir
        self.policy = policy or Policy()
        self._secret_store = secret_store
        self.clock = clock  # sessions opened from this registry share it

    # --- file -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.data_dir / PROFILES_FILE

    def _read(self) -> list[Profile]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            doc = json.loads(raw)
            if doc.get("format") != FORMAT:
                raise ProfileFileDamaged(self.path, f"unknown format {doc.get('format')!r}")
            return [Profile.from_json(p) for p in doc["profiles"]]
        except ProfileFileDamaged:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ProfileFileDamaged(self.path, type(exc).__name__) from None

    def _write(self, profiles: list[Profile]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        doc = {"format": FORMAT, "profiles": [p.to_json() for p in profiles]}
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".json", dir=self.data_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(doc, handle, indent=2, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _put(self, profile: Profile) -> None:
        profiles = [p for p in self._read() if p.user != profile.user]
        profiles.append(profile)
        profiles.sort(key=lambda p: p.user)
        self._write(profiles)

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
        self._put(profile)
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

    def check_not_locked(self, profile: Profile) -> None:
        now = self.clock()
        if profile.locked_until is not None and now < profile.locked_until:
            raise ProfileLocked(profile.locked_until, lockout=True)
        if profile.not_before is not None and now < profile.not_before:
            raise ProfileLocked(profile.not_before, lockout=False)

    def unlock(self, user: str, password: str) -> tuple[Profile, bytearray]:
        """The data key for `user`, or WrongPassword / ProfileLocked; counts failures."""
        profile = self.get(user)
        self.check_not_locked(profile)
        kek = keys.derive_kek(password, profile.kdf, self._secret_for(profile))
        try:
            data_key = keys.unwrap_key(profile.wrapped_key, kek, profile.profile_id, profile.kdf)
        except WrongPassword:
            raise self._record_failure(profile) from None
        if profile.failed_attempts or profile.locked_until or profile.not_before:
            profile = replace(profile, failed_attempts=0, not_before=None, locked_until=None)
            self._put(profile)
        return profile, data_key

    def _record_failure(self, profile: Profile) -> Exception:
        now = self.clock()
        lockout_expired = profile.locked_until is not None and now >= profile.locked_until
        failures = 1 if lockout_expired else profile.failed_attempts + 1
        limit = self.policy.max_password_attempts
        if failures >= limit:
            until = now + timedelta(minutes=self.policy.lockout_minutes)
            self._put(
                replace(profile, failed_attempts=failures, locked_until=until, not_before=None)
            )
            return ProfileLocked(until, lockout=True)
        delay = min(2 ** (failures - 1), BACKOFF_CAP_SECONDS)
        self._put(
            replace(
                profile,
                failed_attempts=failures,
                not_before=now + timedelta(seconds=delay),
                locked_until=None,
            )
        )
        return WrongPassword(attempts_left=limit - failures)

    def change_password(self, user: str, old_password: str, new_password: str) -> Profile:
        """Rewrap the same data key under a new password; the database is untouched."""
        profile, data_key = self.unlock(user, old_password)
        try:
            params = keys.KdfParams.fresh(
                memory_kib=max(profile.kdf.memory_kib, keys.MIN_MEMORY_KIB),
                iterations=max(profile.kdf.iterations, keys.MIN_ITERATIONS),
            )
            kek = keys.derive_kek(new_password, params, self._secret_for(profile))
            updated = replace(
                profile,
                kdf=params,
                wrapped_key=keys.wrap_key(data_key, kek, profile.profile_id, params),
            )
            self._put(updated)
            return updated
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
        self._write([p for p in self._read() if p.user != user])
