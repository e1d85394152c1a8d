"""Repair without the server touches nothing; the gap in rescued ids is reasoned out."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_store import outbox
from local_store.profiles import ProfileRegistry
from local_store.salvage import Salvaged
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import repair
from rm_desk.services import session as sessions
from tests import damage

WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens


def mutation(mutation_id: int) -> outbox.Mutation:
    return outbox.Mutation(
        mutation_id, "interaction.create", "interaction", f"i{mutation_id}", "create", None,
        {"note": str(mutation_id)}, WHEN,
    )  # fmt: skip


def rescued(ids: list[int], unreadable: list[int]) -> Salvaged:
    return Salvaged(
        client_id="c", mutations=[mutation(i) for i in ids], unreadable_mutations=unreadable
    )


def test_gap_before_the_server_s_last_id_loses_nothing() -> None:
    # 6 and 7 unreadable, but the server applied up to 7: they are there already.
    plan = repair.plan_requeue(rescued([4, 5, 8, 9, 10], [6, 7]), server_last=7)
    assert [m.mutation_id for m in plan.to_send] == [8, 9, 10]
    assert plan.already_on_server == 2
    assert plan.lost == []
    assert not plan.renumbered


def test_gap_after_the_server_s_last_id_is_lost_and_closed_by_renumbering() -> None:
    plan = repair.plan_requeue(rescued([4, 5, 8, 9, 10], [6, 7]), server_last=3)
    assert [m.mutation_id for m in plan.to_send] == [4, 5, 8, 9, 10]
    assert plan.lost == [6, 7]
    assert plan.renumbered  # restored as 4..8: the server refuses a batch with a gap


def test_id_ranges() -> None:
    assert repair.id_ranges([9, 3, 4, 5, 12, 13]) == "3-5, 9, 12-13"
    assert repair.id_ranges([]) == ""


def damaged_profile(tmp_path: Path) -> tuple[ProfileRegistry, Path]:
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.OFF))
    session = sessions.create_profile(reg, "rm007", "pw-123456", server=UNREACHABLE, role=Role.RM)
    with session.store.transaction() as conn:
        outbox.enqueue(
            conn, "interaction.create", "interaction", "i1", "create", {"note": "离线"},
            base_version=None, client_time=WHEN,
        )  # fmt: skip
    session.lock()
    profile, key = reg.unlock("rm007", "pw-123456")
    path = reg.database_path(profile)
    damage.flip(path, damage.root_page(path, key, "interactions"))
    return reg, path


def test_repair_without_the_server_leaves_the_damaged_store_as_it_was(tmp_path: Path) -> None:
    reg, path = damaged_profile(tmp_path)
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    with pytest.raises(repair.RepairNeedsServer, match="cannot be reached"):
        repair.repair_profile(reg, "rm007", "pw-123456")
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RM_DESK_DATA_DIR": str(data_dir),
        "RM_DESK_POLICY": str(data_dir / "none.json"),
    }
    return subprocess.run(
        [sys.executable, "-m", "rm_desk.cli", *args, "--password-stdin"],
        input="pw-123456\n", capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rm-desk: error: ")
    return lines[0]


def test_command_line_check_reports_damage_and_offers_repair(tmp_path: Path) -> None:
    _reg, path = damaged_profile(tmp_path)
    line = one_line_failure(cli("profile", "check", "--user", "rm007", data_dir=tmp_path))
    assert "is damaged." in line
    assert "rm-desk profile repair --user" in line
    assert "(1 of" in line  # which pages fail, for IT
    assert "read-only" not in line
    line = one_line_failure(cli("profile", "repair", "--user", "rm007", data_dir=tmp_path))
    assert "Repair needs the central CRM, which cannot be reached now" in line
    assert path.exists()
    assert not list(path.parent.glob("*.damaged-*"))


def test_command_line_check_of_a_sound_profile(tmp_path: Path) -> None:
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.OFF))
    sessions.create_profile(reg, "rm007", "pw-123456", server=UNREACHABLE, role=Role.RM).lock()
    result = cli("profile", "check", "--user", "rm007", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    assert result.stdout.startswith("profile rm007: ")
    assert result.stdout.strip().endswith("pages checked: no damage found")


def test_repair_refuses_while_another_process_has_the_profile_open(tmp_path: Path) -> None:
    from local_store.errors import StoreInUse  # noqa: PLC0415
    from local_store.store import in_use_mark  # noqa: PLC0415

    reg, path = damaged_profile(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        in_use_mark(path).write_text(f"{other.pid}\n")
        before = path.read_bytes()
        with pytest.raises(StoreInUse, match=f"process {other.pid}"):
            repair.repair_profile(reg, "rm007", "pw-123456")
        assert path.read_bytes() == before
    finally:
        other.kill()
        other.wait()
    # The process is gone: the mark is a crash's, and the repair goes on (to the
    # server check, unreachable here).
    with pytest.raises(repair.RepairNeedsServer):
        repair.repair_profile(reg, "rm007", "pw-123456")
