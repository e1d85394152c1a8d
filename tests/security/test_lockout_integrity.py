"""Wrong passwords are counted whatever the attacker does: parallel attempts (threads and
processes), a process killed during the KDF, a full disk, a wall clock set forward or
back. The clocks are injected; processes share one through a manager."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local_store import keys
from local_store.errors import DatabaseUnreadable, DiskFull, ProfileLocked, WrongPassword
from local_store.profiles import Block, ProfileRegistry
from local_store.store import LocalStore
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RIGHT = "correct horse"
WRONG = "wrong password"
LIMIT = 6  # the policy's default; this test does not depend on it
ATTEMPTS = 12


def _block_of(reg: ProfileRegistry) -> Block:
    """The back-off or lockout in force for rm001; there must be one."""
    block = reg.blocked(reg.get("rm001"))
    assert block is not None
    return block


def _refused(reg: ProfileRegistry) -> ProfileLocked:
    """The right password is refused while a back-off or lockout holds."""
    with pytest.raises(ProfileLocked) as refused:
        reg.unlock("rm001", RIGHT)
    return refused.value


def _opens(reg: ProfileRegistry) -> None:
    """The right password opens rm001's profile."""
    _profile, key = reg.unlock("rm001", RIGHT)
    keys.zero(key)


def _policy() -> Policy:
    return Policy(keyring=KeyringMode.OFF, max_password_attempts=LIMIT, lockout_minutes=30)


def _registry(data_dir: Path, clock: Callable[[], datetime], **kw: Any) -> ProfileRegistry:
    return ProfileRegistry(data_dir, policy=_policy(), clock=clock, **kw)


def _on_disk(data_dir: Path) -> dict[str, Any]:
    doc = json.loads((data_dir / "profiles.json").read_text(encoding="utf-8"))
    profile: dict[str, Any] = doc["profiles"][0]
    return profile


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    reg = _registry(directory, lambda: T0)
    _profile, key = reg.create("rm001", RIGHT, server="https://crm", role=Role.RM)
    keys.zero(key)
    return directory


# --- parallel attempts -------------------------------------------------------------------


def _attempt(
    reg: ProfileRegistry, advance: Callable[[datetime], None], password: str = WRONG
) -> str:
    """One wrong password, retried while a back-off refuses it (time is moved past the
    back-off, as a patient attacker would wait); returns how it ended."""
    for _ in range(100):
        try:
            reg.unlock("rm001", password)
        except WrongPassword:
            return "tried"
        except ProfileLocked as exc:
            if exc.lockout:
                return "lockout"
            advance(exc.until)
            continue
        return "unlocked"
    return "gave up"


def _process_attempt(data_dir: str, shared: Any, guard: Any, barrier: Any, runs: Any) -> str:
    """In a fresh process: the shared clock is T0 plus `shared.value` seconds; `runs`
    counts the passwords actually tried (the real KDF, watched)."""

    def clock() -> datetime:
        return T0 + timedelta(seconds=float(shared.value))

    def advance(until: datetime) -> None:
        with guard:
            shared.value = max(float(shared.value), (until - T0).total_seconds())

    real = keys.derive_kek

    def watched(password: str, params: keys.KdfParams, keyring_secret: bytes | None) -> bytes:
        with guard:
            runs.value += 1
        return real(password, params, keyring_secret)

    keys.derive_kek = watched
    reg = _registry(Path(data_dir), clock)
    barrier.wait(timeout=120)
    return _attempt(reg, advance)


def _check_twelve_wrong_attempts(outcomes: list[str], tried: int, data_dir: Path) -> None:
    # Every password that was tried was counted, and the count reached the limit: the
    # profile locked out after exactly LIMIT tries; the other attempts were refused
    # without their password being tried.
    assert set(outcomes) <= {"tried", "lockout"}, outcomes
    stored = _on_disk(data_dir)
    assert tried == stored["failed_attempts"] == LIMIT, (tried, stored["failed_attempts"])
    assert stored["locked_until"] is not None
    assert outcomes.count("lockout") >= ATTEMPTS - LIMIT + 1


def test_twelve_wrong_passwords_from_parallel_processes_all_count(data_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        shared = manager.Value("d", 0.0)
        guard = manager.Lock()
        barrier = manager.Barrier(ATTEMPTS)
        runs = manager.Value("i", 0)
        with ProcessPoolExecutor(max_workers=ATTEMPTS, mp_context=ctx) as pool:
            futures = [
                pool.submit(_process_attempt, str(data_dir), shared, guard, barrier, runs)
                for _ in range(ATTEMPTS)
            ]
            outcomes = [f.result(timeout=300) for f in futures]
        tried = int(runs.value)
    _check_twelve_wrong_attempts(outcomes, tried, data_dir)


class SharedClock:
    def __init__(self) -> None:
        self.now = T0
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self.now

    def advance_to(self, until: datetime) -> None:
        with self._lock:
            self.now = max(self.now, until)


def test_twelve_wrong_passwords_from_parallel_threads_all_count(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    barrier = threading.Barrier(ATTEMPTS)
    runs: list[int] = []
    real = keys.derive_kek

    def watched(*args: Any) -> bytes:
        runs.append(1)
        return real(*args)

    def attempt() -> str:
        barrier.wait(timeout=60)
        return _attempt(reg, clock.advance_to)

    monkeypatch.setattr(keys, "derive_kek", watched)
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        outcomes = list(pool.map(lambda _i: attempt(), range(ATTEMPTS)))
    _check_twelve_wrong_attempts(outcomes, len(runs), data_dir)


def test_attempts_in_flight_together_each_count_or_are_refused_untried(data_dir: Path) -> None:
    """All at the same instant: one password is tried (and counted); the others meet
    its back-off without being tried. No attempt is tried uncounted."""
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    tried: list[int] = []
    real = keys.derive_kek
    barrier = threading.Barrier(ATTEMPTS)

    def counting(*args: Any) -> bytes:
        tried.append(1)
        return real(*args)

    def attempt() -> str:
        barrier.wait(timeout=60)
        try:
            reg.unlock("rm001", WRONG)
        except WrongPassword:
            return "tried"
        except ProfileLocked:
            return "refused"
        return "unlocked"

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "derive_kek", counting)
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            outcomes = list(pool.map(lambda _i: attempt(), range(ATTEMPTS)))
    assert len(tried) == outcomes.count("tried") == _on_disk(data_dir)["failed_attempts"] >= 1
    assert outcomes.count("refused") == ATTEMPTS - len(tried)


# --- counted before the KDF ------------------------------------------------------------


def test_the_attempt_is_counted_on_disk_before_the_kdf_runs(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = keys.derive_kek

    def watching(*args: Any) -> bytes:
        seen.append(_on_disk(data_dir)["failed_attempts"])
        return real(*args)

    monkeypatch.setattr(keys, "derive_kek", watching)
    reg = _registry(data_dir, lambda: T0)
    with pytest.raises(WrongPassword):
        reg.unlock("rm001", WRONG)
    assert seen == [1]  # on disk while the password was being tried
    assert _on_disk(data_dir)["failed_attempts"] == 1


def _die_during_kdf(data_dir: str) -> None:
    """In a fresh process: start an unlock and be killed (SIGKILL) inside the KDF."""

    def killed(password: str, params: keys.KdfParams, keyring_secret: bytes | None) -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    keys.derive_kek = killed
    _registry(Path(data_dir), lambda: T0).unlock("rm001", WRONG)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_killing_the_process_during_the_kdf_does_not_undo_the_count(data_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_die_during_kdf, args=(str(data_dir),))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL
    assert _on_disk(data_dir)["failed_attempts"] == 1
    with pytest.raises(ProfileLocked):  # and its back-off holds
        _registry(data_dir, lambda: T0).unlock("rm001", RIGHT)


def test_a_failure_that_cannot_be_recorded_still_counts_to_the_lockout(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit reached by charges whose failures were never written (the process
    died, or the disk filled after the charge): the next attempt locks out untried."""
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    monkeypatch.setattr(reg, "_record_failure", lambda _user: WrongPassword())
    for _ in range(LIMIT):
        with pytest.raises(WrongPassword):
            reg.unlock("rm001", WRONG)
        block = _block_of(reg)
        clock.advance_to(block.until)
    monkeypatch.undo()
    refused = _refused(reg)
    assert refused.lockout


# --- disk full at the file-write boundary ------------------------------------------------


def _enospc(*_args: Any, **_kw: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@contextmanager
def _full_after_the_charge(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The charge fits (fsync of the file and of its directory); every fsync after it
    finds the disk full."""
    real_fsync = os.fsync
    calls: list[int] = []

    def full_after_charge(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 2:
            _enospc()
        real_fsync(fd)

    with monkeypatch.context() as full:
        full.setattr(os, "fsync", full_after_charge)
        yield


def test_disk_full_refuses_unlock_without_trying_the_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fsync answering ENOSPC (ext4 with delayed allocation, NFS) is where a full disk
    meets the counter's write. Counting cannot be skipped by filling the disk."""
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    before = (data_dir / "profiles.json").read_bytes()
    tried: list[int] = []
    real = keys.derive_kek

    def counting(*args: Any) -> bytes:
        tried.append(1)
        return real(*args)

    monkeypatch.setattr(keys, "derive_kek", counting)
    with monkeypatch.context() as full:
        full.setattr(os, "fsync", _enospc)
        for password in (WRONG, WRONG, WRONG, RIGHT):
            with pytest.raises(DiskFull, match="is full") as info:
                reg.unlock("rm001", password)
            assert not isinstance(info.value, WrongPassword | DatabaseUnreadable)
    assert tried == []  # no password was tried
    assert (data_dir / "profiles.json").read_bytes() == before  # untouched, whole
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "profiles",
        "profiles.json",
        "profiles.lock",
    ]
    # Space again: the right password opens, and counting resumes where it was.
    _opens(reg)
    with pytest.raises(WrongPassword) as wrong:
        reg.unlock("rm001", WRONG)
    assert wrong.value.attempts_left == LIMIT - 1


def test_right_password_whose_reset_cannot_be_written_is_refused_and_recovers(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    with _full_after_the_charge(monkeypatch), pytest.raises(DiskFull):  # the reset does not fit
        reg.unlock("rm001", RIGHT)
    assert _on_disk(data_dir)["failed_attempts"] == 1  # the charge stands
    block = _block_of(reg)
    clock.advance_to(block.until)
    profile, key = reg.unlock("rm001", RIGHT)
    keys.zero(key)
    assert profile.failed_attempts == 0
    assert _on_disk(data_dir)["failed_attempts"] == 0


def test_a_wrong_password_whose_failure_cannot_be_written_still_counted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    with _full_after_the_charge(monkeypatch), pytest.raises(WrongPassword) as wrong:
        reg.unlock("rm001", WRONG)
    assert wrong.value.attempts_left == LIMIT - 1
    assert _on_disk(data_dir)["failed_attempts"] == 1


# --- clock changes -------------------------------------------------------------------------


class MachineClock:
    """A wall clock that can be set, a monotonic clock that only runs, and a boot id."""

    def __init__(self) -> None:
        self.wall = T0
        self.mono = 1000.0
        self.boot = "boot-1"

    def run(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    def set_wall(self, delta: timedelta) -> None:
        self.wall += delta

    def reboot(self) -> None:
        self.boot = f"boot-{int(self.boot[5:]) + 1}"
        self.mono = 5.0


@pytest.fixture
def machine() -> MachineClock:
    return MachineClock()


def _machine_registry(data_dir: Path, machine: MachineClock) -> ProfileRegistry:
    return _registry(
        data_dir,
        lambda: machine.wall,
        monotonic=lambda: machine.mono,
        boot_id=lambda: machine.boot,
    )


def _lock_out(reg: ProfileRegistry, machine: MachineClock) -> None:
    for _ in range(LIMIT):
        block = reg.blocked(reg.get("rm001"))
        if block is not None:
            machine.run(block.remaining.total_seconds())
        with pytest.raises((WrongPassword, ProfileLocked)):
            reg.unlock("rm001", WRONG)
    block = _block_of(reg)
    assert block.lockout
    assert block.remaining == timedelta(minutes=30)


@pytest.mark.parametrize("jump", [timedelta(days=1), timedelta(minutes=31), -timedelta(days=1)])
def test_setting_the_clock_does_not_shorten_or_stretch_a_lockout(
    data_dir: Path, machine: MachineClock, jump: timedelta
) -> None:
    reg = _machine_registry(data_dir, machine)
    _lock_out(reg, machine)
    machine.run(60)
    machine.set_wall(jump)
    restarted = _machine_registry(data_dir, machine)  # a new process reads the file
    block = _block_of(restarted)
    assert block.remaining == timedelta(minutes=29)  # exactly as if the clock were untouched
    refused = _refused(restarted)
    assert refused.lockout
    assert refused.remaining == timedelta(minutes=29)
    machine.run(29 * 60)
    _opens(restarted)


def test_setting_the_clock_forward_does_not_end_a_back_off(
    data_dir: Path, machine: MachineClock
) -> None:
    reg = _machine_registry(data_dir, machine)
    with pytest.raises(WrongPassword):
        reg.unlock("rm001", WRONG)
    machine.set_wall(timedelta(hours=1))
    refused = _refused(reg)
    assert not refused.lockout
    machine.run(1)
    _opens(reg)


def test_after_a_reboot_the_wall_clock_decides_within_the_lockout_length(
    data_dir: Path, machine: MachineClock
) -> None:
    reg = _machine_registry(data_dir, machine)
    _lock_out(reg, machine)
    machine.run(5 * 60)
    machine.reboot()
    block = _block_of(reg)
    assert block.remaining == timedelta(minutes=25)  # the wall clock, untouched
    machine.set_wall(-timedelta(days=30))  # set back: bounded by the lockout's length
    block = _block_of(reg)
    assert block.remaining == timedelta(minutes=30)


def test_a_lockout_written_by_the_previous_version_is_bounded_by_the_policy(
    data_dir: Path, machine: MachineClock
) -> None:
    doc = json.loads((data_dir / "profiles.json").read_text(encoding="utf-8"))
    doc["profiles"][0].update(
        failed_attempts=LIMIT, locked_until=(T0 + timedelta(days=365)).isoformat()
    )
    (data_dir / "profiles.json").write_text(json.dumps(doc), encoding="utf-8")
    reg = _machine_registry(data_dir, machine)
    block = _block_of(reg)
    assert block.remaining == timedelta(minutes=30)


# --- real full disk (a small tmpfs; needs the right to mount) ---------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    import subprocess  # noqa: PLC0415

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root); ENOSPC is injected above")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _write_until_it_fails(handle: Any) -> int | None:
    try:
        while True:
            handle.write(b"\0" * 4096)
    except OSError as exc:
        return exc.errno


def _fill(disk: Path, leave: int = 0) -> Path:
    filler = disk / "filler"
    with filler.open("ab", buffering=0) as handle:
        assert _write_until_it_fails(handle) == errno.ENOSPC
    if leave:
        os.truncate(filler, filler.stat().st_size - leave)
    return filler


def test_really_full_disk_is_never_damage_or_a_wrong_key(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    clock = SharedClock()
    reg = _registry(data_dir, clock)
    profile, key = reg.create("rm001", RIGHT, server="https://crm", role=Role.RM)
    LocalStore.open(reg.database_path(profile), key).close()
    filler = _fill(small_disk)
    # Completely full: nothing is tried, nothing is counted, nothing is called damaged.
    for password in (WRONG, RIGHT, WRONG):
        with pytest.raises(DiskFull):
            reg.unlock("rm001", password)
    assert _on_disk(data_dir)["failed_attempts"] == 0
    # The database itself, with the right key, on the full disk: full, not damaged.
    with pytest.raises(DiskFull):
        LocalStore.open(reg.database_path(profile), key)
    # Room for the counter but not for the database's write-ahead log and index.
    filler.unlink()
    _fill(small_disk, leave=8192)
    from rm_desk.services import session as sessions  # noqa: PLC0415

    with pytest.raises(DiskFull):
        sessions.unlock(reg, "rm001", RIGHT)
    assert _on_disk(data_dir)["failed_attempts"] == 0  # the right password reset it
    # Space again: the same password opens the same data.
    (small_disk / "filler").unlink()
    opened = sessions.unlock(reg, "rm001", RIGHT)
    opened.lock()
    keys.zero(key)
