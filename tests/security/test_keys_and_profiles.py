"""Key wrapping, profiles, wrong passwords, lockout and password change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local_store import keys
from local_store.errors import (
    KeyringSecretMissing,
    KeyringUnavailable,
    ProfileExists,
    ProfileFileDamaged,
    ProfileLocked,
    ProfileNotFound,
    WeakKdfParameters,
    WrongPassword,
)
from local_store.profiles import ProfileRegistry
from local_store.store import LocalStore
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from tests.conftest import MemoryKeyring
from tests.factories import customer


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_registry(
    tmp_path: Path, clock: Clock, keyring: MemoryKeyring | None = None, **policy: object
) -> ProfileRegistry:
    mode = KeyringMode.PREFER if keyring is not None else KeyringMode.OFF
    pol = Policy(keyring=mode, **policy)
    return ProfileRegistry(tmp_path, policy=pol, secret_store=keyring, clock=clock)


def test_wrap_unwrap_round_trip_and_binding() -> None:
    params = keys.KdfParams.fresh()
    data_key = keys.new_data_key()
    kek = keys.derive_kek("pw", params, None)
    wrapped = keys.wrap_key(data_key, kek, "p1", params)
    assert keys.unwrap_key(wrapped, kek, "p1", params) == data_key
    # The wrapped key is bound to its profile id and its KDF parameters (AAD).
    with pytest.raises(WrongPassword):
        keys.unwrap_key(wrapped, kek, "p2", params)
    other = keys.KdfParams(salt=params.salt, memory_kib=params.memory_kib + 1024)
    with pytest.raises(WrongPassword):
        keys.unwrap_key(wrapped, kek, "p1", other)


def test_keyring_secret_changes_the_kek() -> None:
    params = keys.KdfParams.fresh()
    assert keys.derive_kek("pw", params, None) != keys.derive_kek("pw", params, b"s" * 32)
    assert keys.derive_kek("pw", params, b"s" * 32) == keys.derive_kek("pw", params, b"s" * 32)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memory_kib", 32 * 1024),
        ("iterations", 2),
        ("lanes", 0),
        ("algorithm", "pbkdf2"),
        ("salt", b"short"),
    ],
)
def test_lowered_kdf_parameters_are_refused(field: str, value: object) -> None:
    params = keys.KdfParams.fresh()
    weak = keys.KdfParams(**{**{"salt": params.salt}, field: value})  # type: ignore[arg-type]
    with pytest.raises(WeakKdfParameters):
        keys.derive_kek("pw", weak, None)


def test_profile_file_with_lowered_kdf_is_refused_on_unlock(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    reg.create("rm001", "correct horse", server="https://crm", role=Role.RM)
    doc = json.loads(reg.path.read_text())
    doc["profiles"][0]["kdf"]["memory_kib"] = 8 * 1024
    reg.path.write_text(json.dumps(doc))
    assert [p.user for p in reg.list()] == ["rm001"]  # still listed
    with pytest.raises(WeakKdfParameters, match="weaker than allowed"):
        reg.unlock("rm001", "correct horse")


def test_create_unlock_and_wrong_password(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    profile, key = reg.create("rm001", "correct horse", server="https://crm", role=Role.RM)
    store = LocalStore.open(reg.database_path(profile), key)
    store.close()
    _, again = reg.unlock("rm001", "correct horse")
    assert again == key
    with pytest.raises(WrongPassword, match="not correct") as info:
        reg.unlock("rm001", "wrong")
    assert info.value.attempts_left == 5  # the default allows 6
    # Nothing changed but the counter: the right password still works after the back-off.
    clock.advance(seconds=2)
    assert reg.unlock("rm001", "correct horse")[1] == key
    assert reg.get("rm001").failed_attempts == 0


def test_profiles_json_holds_no_secrets_or_customer_data(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    profile, key = reg.create("rm001", "correct horse", server="https://crm", role=Role.RM)
    text = reg.path.read_text()
    assert "correct horse" not in text
    assert key.hex() not in text
    assert set(json.loads(text)["profiles"][0]) == {
        "profile_id",
        "user",
        "display_name",
        "server",
        "role",
        "kdf",
        "wrapped_key",
        "uses_keyring",
        "created_at",
        "failed_attempts",
        "not_before",
        "locked_until",
        "block_seconds",
        "block_boot",
        "block_monotonic",
        "online_at",
        "online_boot",
        "online_monotonic",
        "seen_at",
        "unaudited_failures",  # times of wrong passwords awaiting the audit log
    }
    assert profile.kdf.memory_kib >= 64 * 1024
    assert profile.kdf.iterations >= 3


def test_backoff_then_lockout_survives_restart(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock, max_password_attempts=3, lockout_minutes=30)
    reg.create("rm001", "right", server="https://crm", role=Role.RM)
    with pytest.raises(WrongPassword):
        reg.unlock("rm001", "bad1")
    # Immediately again: refused by the back-off, without even trying the password.
    with pytest.raises(ProfileLocked) as backoff:
        reg.unlock("rm001", "right")
    assert backoff.value.lockout is False
    clock.advance(seconds=1)
    with pytest.raises(WrongPassword):
        reg.unlock("rm001", "bad2")
    clock.advance(seconds=2)
    with pytest.raises(ProfileLocked) as locked:
        reg.unlock("rm001", "bad3")
    assert locked.value.lockout is True
    assert locked.value.until == clock.now + timedelta(minutes=30)
    # A new registry (a restart) reads the lockout from disk: the right password fails.
    restarted = make_registry(tmp_path, clock, max_password_attempts=3, lockout_minutes=30)
    with pytest.raises(ProfileLocked, match="locked until"):
        restarted.unlock("rm001", "right")
    clock.advance(minutes=30)
    assert restarted.unlock("rm001", "right")[0].failed_attempts == 0


def test_change_password_rewraps_without_reencrypting(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    profile, key = reg.create("rm001", "old-pass", server="https://crm", role=Role.RM)
    db = reg.database_path(profile)
    with LocalStore.open(db, key) as store, store.transaction() as conn:
        from local_store import book  # noqa: PLC0415

        book.upsert_customers(conn, [customer()])
    before = db.read_bytes()
    reg.change_password("rm001", "old-pass", "new-pass")
    assert db.read_bytes() == before  # the database file was not touched
    with pytest.raises(WrongPassword):
        reg.unlock("rm001", "old-pass")
    clock.advance(seconds=5)
    _, new_key = reg.unlock("rm001", "new-pass")
    assert new_key == key
    with LocalStore.open(db, new_key) as store, store.read() as conn:
        from local_store import book  # noqa: PLC0415

        assert book.get_customer(conn, "600000000001").name == "王小明"


def test_change_password_with_wrong_old_password_changes_nothing(
    tmp_path: Path, clock: Clock
) -> None:
    reg = make_registry(tmp_path, clock)
    reg.create("rm001", "old-pass", server="https://crm", role=Role.RM)
    wrapped = reg.get("rm001").wrapped_key
    with pytest.raises(WrongPassword):
        reg.change_password("rm001", "nope", "new-pass")
    assert reg.get("rm001").wrapped_key == wrapped


def test_keyring_secret_is_required_to_unlock(tmp_path: Path, clock: Clock) -> None:
    ring = MemoryKeyring()
    reg = make_registry(tmp_path, clock, keyring=ring)
    profile, key = reg.create("rm001", "pw-123456", server="https://crm", role=Role.RM)
    assert profile.uses_keyring
    assert len(ring.items) == 1
    assert reg.unlock("rm001", "pw-123456")[1] == key
    ring.items.clear()
    with pytest.raises(KeyringSecretMissing):
        reg.unlock("rm001", "pw-123456")


def test_policy_requiring_keyring_refuses_without_one(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keys, "secure_system_keyring", lambda: None)
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.REQUIRE), clock=clock)
    with pytest.raises(KeyringUnavailable):
        reg.create("rm001", "pw", server="https://crm", role=Role.RM)
    assert reg.list() == []


def test_insecure_keyring_backends_are_never_used() -> None:
    from keyring.backends import fail, null  # noqa: PLC0415

    assert not keys.is_secure_backend(fail.Keyring())
    assert not keys.is_secure_backend(null.Keyring())

    class PlaintextKeyring:  # what keyrings.alt's plaintext backend looks like
        priority = 1

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    assert not keys.is_secure_backend(PlaintextKeyring())

    class Zero:
        priority = 0

    assert not keys.is_secure_backend(Zero())
    assert keys.is_secure_backend(MemoryKeyring())


def test_system_keyring_discovery_skips_insecure(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring  # noqa: PLC0415
    from keyring.backends import fail  # noqa: PLC0415

    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    assert keys.secure_system_keyring() is None

    class Chain:
        backends = [fail.Keyring(), MemoryKeyring()]

    monkeypatch.setattr(keyring, "get_keyring", Chain)
    assert isinstance(keys.secure_system_keyring(), MemoryKeyring)


def test_duplicate_missing_and_damaged_profiles(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    reg.create("rm001", "pw", server="https://crm", role=Role.RM)
    with pytest.raises(ProfileExists):
        reg.create("rm001", "pw", server="https://crm", role=Role.RM)
    with pytest.raises(ProfileNotFound):
        reg.unlock("nobody", "pw")
    reg.path.write_text("{not json")
    with pytest.raises(ProfileFileDamaged, match=r"profiles\.json"):
        reg.list()


def test_remove_deletes_database_and_keyring_secret(tmp_path: Path, clock: Clock) -> None:
    ring = MemoryKeyring()
    reg = make_registry(tmp_path, clock, keyring=ring)
    profile, key = reg.create("rm001", "pw-123456", server="https://crm", role=Role.RM)
    LocalStore.open(reg.database_path(profile), key).close()
    assert reg.database_path(profile).exists()
    reg.remove("rm001")
    assert not reg.profile_dir(profile).exists()
    assert ring.items == {}
    assert reg.list() == []


# profiles.json as this version and the ones before it write it (format 1): it loads.
WRITTEN_BEFORE: dict[str, Any] = {
    "format": 1,
    "profiles": [
        {
            "profile_id": "p0123456789abcdef",
            "user": "rm001",
            "display_name": "王经理",
            "server": "https://crm",
            "role": "rm",
            "kdf": {
                "salt": "AAECAwQFBgcICQoLDA0ODw==",
                "memory_kib": 65536,
                "iterations": 3,
                "lanes": 4,
                "algorithm": "argon2id",
            },
            "wrapped_key": {"nonce": "AAECAwQFBgcICQoL", "ciphertext": "AAECAwQFBgcICQoLDA0ODw=="},
            "uses_keyring": False,
            "created_at": "2026-11-24T09:00:00+00:00",
            "failed_attempts": 2,
            "not_before": "2026-11-24T09:00:02+00:00",
            "locked_until": None,
            "block_seconds": 2.0,
            "block_boot": "injected-clock",
            "block_monotonic": 1795942802.0,
        }
    ],
}


def test_a_profiles_file_written_before_still_loads(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    reg.path.write_text(json.dumps(WRITTEN_BEFORE), encoding="utf-8")
    [profile] = reg.list()
    assert (profile.user, profile.display_name, profile.role) == ("rm001", "王经理", Role.RM)
    assert profile.kdf.salt == bytes(range(16))
    assert profile.failed_attempts == 2
    assert profile.not_before == datetime(2026, 11, 24, 9, 0, 2, tzinfo=UTC)
    assert profile.locked_until is None
    # Written again with the offline lease's fields, empty: its lease runs from created_at.
    lease: dict[str, object] = {
        "online_at": None, "online_boot": None, "online_monotonic": None, "seen_at": None,
        "unaudited_failures": [],  # and no failed unlocks waiting for the audit log
    }  # fmt: skip
    assert profile.to_json() == {**WRITTEN_BEFORE["profiles"][0], **lease}
    # Older still: no block fields at all.
    older = json.loads(json.dumps(WRITTEN_BEFORE))
    for key in ("not_before", "locked_until", "block_seconds", "block_boot", "block_monotonic"):
        del older["profiles"][0][key]
    reg.path.write_text(json.dumps(older), encoding="utf-8")
    assert reg.list()[0].block_seconds is None


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"role": "boss"}, "profiles.0.role: must be one of rm, teller, manager or admin"),
        ({"user": None}, "profiles.0.user: must be text"),
        ({"created_at": "yesterday"}, "profiles.0.created_at: must be an ISO 8601 date and time"),
        ({"uses_keyring": "no"}, "profiles.0.uses_keyring: must be true or false"),
        ({"failed_attempts": -1}, "profiles.0.failed_attempts: must be at least 0"),
        ({"wrapped_key": {"nonce": "!!", "ciphertext": ""}}, "wrapped_key.nonce: must be base64"),
    ],
)
def test_a_damaged_profile_entry_names_its_key(
    tmp_path: Path, clock: Clock, change: dict[str, object], detail: str
) -> None:
    reg = make_registry(tmp_path, clock)
    doc = json.loads(json.dumps(WRITTEN_BEFORE))
    doc["profiles"][0].update(change)
    reg.path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProfileFileDamaged) as caught:
        reg.list()
    assert detail in str(caught.value)
    assert "profiles.json" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_key_is_named(tmp_path: Path, clock: Clock) -> None:
    reg = make_registry(tmp_path, clock)
    doc = json.loads(json.dumps(WRITTEN_BEFORE))
    del doc["profiles"][0]["server"]
    reg.path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProfileFileDamaged, match=r"profiles\.0\.server: is missing"):
        reg.list()
