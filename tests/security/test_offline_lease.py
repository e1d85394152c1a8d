"""The offline lease (policy `max_offline_hours`, default 72): past it since the last
online contact with the gateway, a profile unlocks only with an online sign-in.

Timed with a fake machine (wall clock, the boot's monotonic clock, the boot id), as the
lockout is: a clock set back, before or after a reboot, never extends the lease."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from local_store import syncstate
from local_store.profiles import ProfileRegistry
from rm_desk.demo_gateway import EmbeddedGateway
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services.demo import demo_password
from rm_desk.services.session import OfflineLeaseExpired, Session
from sync.client.errors import ServerUnreachable
from sync.server import admin
from tests.integration.conftest import rm_desk_cli

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse 42"


@dataclass
class Machine:
    wall: datetime = T0
    mono: float = 1_000.0
    boot: str = "boot-1"
    boots: int = field(default=1)

    def run(self, hours: float) -> None:
        """Real time passes: both clocks move."""
        self.wall += timedelta(hours=hours)
        self.mono += hours * 3600

    def set_wall(self, delta: timedelta) -> None:
        """Someone sets the date: only the wall clock moves."""
        self.wall += delta

    def reboot(self) -> None:
        self.boots += 1
        self.boot, self.mono = f"boot-{self.boots}", 5.0


@pytest.fixture
def machine() -> Machine:
    return Machine()


def _registry(data_dir: Path, machine: Machine, **policy: object) -> ProfileRegistry:
    return ProfileRegistry(
        data_dir,
        policy=Policy.model_validate({"keyring": KeyringMode.OFF, **policy}),
        clock=lambda: machine.wall,
        monotonic=lambda: machine.mono,
        boot_id=lambda: machine.boot,
    )


@pytest.fixture
def reg(tmp_path: Path, machine: Machine) -> ProfileRegistry:
    registry = _registry(tmp_path / "data", machine)
    sessions.create_profile(
        registry, "rm001", PASSWORD, server="https://crm.example", role=Role.RM
    ).lock()  # created online: the lease starts here
    return registry


def _unlocks(reg: ProfileRegistry) -> bool:
    refused: OfflineLeaseExpired | None = None
    try:
        sessions.unlock(reg, "rm001", PASSWORD).lock()
    except OfflineLeaseExpired as exc:
        refused = exc
    if refused is None:
        return True
    assert refused.code is ErrorCode.OFFLINE_LEASE_EXPIRED
    assert "72 hours" in str(refused)
    return False


def test_the_lease_runs_out_after_72_hours_offline(reg: ProfileRegistry, machine: Machine) -> None:
    assert Policy().max_offline_hours == 72
    machine.run(71)
    assert _unlocks(reg)
    machine.run(1.5)
    assert not _unlocks(reg)
    # Refused after the password was checked: it counts as a right password, no lockout.
    assert reg.get("rm001").failed_attempts == 0


def test_an_online_contact_starts_the_lease_again(reg: ProfileRegistry, machine: Machine) -> None:
    machine.run(70)
    reg.record_online("rm001")
    machine.run(70)
    assert _unlocks(reg)
    machine.run(3)
    assert not _unlocks(reg)


def test_a_stricter_policy_shortens_the_lease(tmp_path: Path, machine: Machine) -> None:
    reg = _registry(tmp_path / "data", machine, max_offline_hours=8)
    sessions.create_profile(reg, "rm001", PASSWORD, server="https://crm", role=Role.RM).lock()
    machine.run(8.5)
    with pytest.raises(OfflineLeaseExpired, match="more than 8 hours"):
        sessions.unlock(reg, "rm001", PASSWORD)


@pytest.mark.parametrize("back", [timedelta(hours=60), timedelta(days=400)])
def test_setting_the_clock_back_does_not_extend_the_lease(
    reg: ProfileRegistry, machine: Machine, back: timedelta
) -> None:
    machine.run(40)
    assert _unlocks(reg)
    machine.run(40)  # 80 hours offline, on both clocks
    machine.set_wall(-back)  # the date set back to within the lease, or before it began
    assert not _unlocks(reg)
    # A restart reads the same file and judges the same way.
    assert not _unlocks(_registry(reg.data_dir, machine))


def test_a_clock_set_back_after_a_reboot_is_noticed(reg: ProfileRegistry, machine: Machine) -> None:
    machine.run(50)
    assert _unlocks(reg)  # the latest time seen: T0 + 50 h
    machine.run(30)
    machine.reboot()  # the monotonic reading of the contact means nothing now
    machine.set_wall(-timedelta(hours=40))  # the wall clock says T0 + 40 h
    assert not _unlocks(reg)


def test_within_one_boot_the_monotonic_clock_counts(reg: ProfileRegistry, machine: Machine) -> None:
    reg.record_online("rm001")
    machine.run(80)
    machine.set_wall(-timedelta(hours=20))  # not before anything recorded: only 60 h by date
    assert not _unlocks(reg)


def test_setting_the_clock_forward_only_ends_the_lease_sooner(
    reg: ProfileRegistry, machine: Machine
) -> None:
    machine.run(1)
    machine.set_wall(timedelta(days=5))
    assert not _unlocks(reg)


def test_an_online_sign_in_opens_a_profile_past_its_lease(
    reg: ProfileRegistry, machine: Machine
) -> None:
    machine.run(100)
    signed_in: list[Session] = []

    def sign_in(session: Session) -> None:  # what a successful sync records
        signed_in.append(session)
        session.went_online()

    opened = sessions.unlock(reg, "rm001", PASSWORD, sign_in_online=sign_in)
    try:
        assert signed_in == [opened]
        assert not opened.is_locked
    finally:
        opened.lock()
    assert reg.get("rm001").online_at == machine.wall
    machine.run(1)
    assert _unlocks(reg)  # the lease started again


def test_past_the_lease_an_unreachable_gateway_leaves_the_profile_locked(
    reg: ProfileRegistry, machine: Machine
) -> None:
    machine.run(100)
    seen: list[Session] = []

    def offline(session: Session) -> None:
        seen.append(session)
        raise ServerUnreachable(detail="no route to host")

    with pytest.raises(OfflineLeaseExpired):
        sessions.unlock(reg, "rm001", PASSWORD, sign_in_online=offline)
    assert seen
    assert seen[0].is_locked  # the store was closed, its key zeroed

    def no_contact(session: Session) -> None:  # returned without reaching the gateway
        seen.append(session)

    with pytest.raises(OfflineLeaseExpired):
        sessions.unlock(reg, "rm001", PASSWORD, sign_in_online=no_contact)
    assert seen[-1].is_locked


def _last_synced(reg: ProfileRegistry, at: datetime) -> None:
    """A sync finished at `at`, as the store records it."""
    session = sessions.unlock(reg, "rm001", PASSWORD)
    with session.store.transaction() as conn:
        syncstate.save_snapshot_cursor(conn, "c1", at)
    session.lock()


def test_editing_the_profile_file_does_not_extend_the_lease(
    reg: ProfileRegistry, machine: Machine
) -> None:
    _last_synced(reg, machine.wall)
    machine.run(100)
    # The plain profile file edited to say "online an hour ago", on a fresh start.
    doc = json.loads((reg.data_dir / "profiles.json").read_text(encoding="utf-8"))
    recent = (machine.wall - timedelta(hours=1)).isoformat()
    doc["profiles"][0].update(online_at=recent, seen_at=recent, online_monotonic=None)
    (reg.data_dir / "profiles.json").write_text(json.dumps(doc), encoding="utf-8")
    edited = _registry(reg.data_dir, machine)
    assert not sessions.lease_expired(edited, edited.get("rm001"))  # the file alone is fooled
    assert not _unlocks(edited)  # the encrypted store's last sync is not

    def sign_in(session: Session) -> None:  # what a successful sync records
        with session.store.transaction() as conn:
            syncstate.save_snapshot_cursor(conn, "c2", machine.wall)
        session.went_online()

    sessions.unlock(edited, "rm001", PASSWORD, sign_in_online=sign_in).lock()
    assert _unlocks(edited)


def test_within_the_lease_the_store_s_last_sync_agrees(
    reg: ProfileRegistry, machine: Machine
) -> None:
    _last_synced(reg, machine.wall)
    machine.run(71)
    assert _unlocks(reg)


def test_a_local_demo_profile_has_no_lease(tmp_path: Path, machine: Machine) -> None:
    reg = _registry(tmp_path / "data", machine)
    sessions.create_profile(reg, "demo", PASSWORD, server="local-demo", role=Role.RM).lock()
    machine.run(24 * 30)
    sessions.unlock(reg, "demo", PASSWORD).lock()


# --- the command line against a real gateway -------------------------------------------


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[str]:
    embedded = EmbeddedGateway(tmp_path / "central.db")
    admin.seed(embedded.engine, customers=30, rms=1, seed=5, as_of=date(2026, 11, 1))
    yield embedded.start()
    embedded.stop()


def test_command_line_past_the_lease_offline_refused_sync_signs_in(
    tmp_path: Path, gateway: str
) -> None:
    run = rm_desk_cli(tmp_path, demo_password("rm001"))
    added = run("profile", "add", "--user", "rm001", "--server", gateway)
    assert added.returncode == 0, added.stderr
    assert run("profile", "check", "--user", "rm001").returncode == 0
    # The last online contact long ago (as after a long trip without the bank's network).
    profiles = tmp_path / "cli" / "profiles.json"
    doc = json.loads(profiles.read_text(encoding="utf-8"))
    long_ago = "2020-01-01T00:00:00+00:00"
    doc["profiles"][0].update(created_at=long_ago, online_at=long_ago, seen_at=long_ago)
    profiles.write_text(json.dumps(doc), encoding="utf-8")

    refused = run("profile", "check", "--user", "rm001")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith(
        "rm-desk: error: This profile has not been online for more than 72 hours"
    )
    synced = run("sync", "--user", "rm001")  # online: signs in and starts the lease again
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.strip().startswith("pulled ")
    assert json.loads(profiles.read_text(encoding="utf-8"))["profiles"][0]["online_at"] != long_ago
    again = run("profile", "check", "--user", "rm001")
    assert again.returncode == 0, again.stderr
