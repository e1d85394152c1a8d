"""The rm-desk command line: one readable line and a non-zero exit on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy

RM_DESK = Path(sys.executable).parent / "rm-desk"


def run(
    *args: str, data_dir: Path, stdin: str = "", policy: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RM_DESK_DATA_DIR": str(data_dir),
        "RM_DESK_POLICY": str(policy or data_dir / "none.json"),
    }
    return subprocess.run(
        [str(RM_DESK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rm-desk: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_version(tmp_path: Path) -> None:
    result = run("--version", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("rm-desk 0.")


def test_profile_list_and_remove(tmp_path: Path) -> None:
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.OFF))
    reg.create("rm007", "pw-123456", server="https://crm.example", role=Role.RM)
    listed = run("profile", "list", data_dir=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.split("\t")[:2] == ["rm007", "rm"]
    removed = run("profile", "remove", "rm007", data_dir=tmp_path)
    assert removed.returncode == 0
    assert run("profile", "list", data_dir=tmp_path).stdout == ""


def test_remove_unknown_profile_is_one_line(tmp_path: Path) -> None:
    assert_one_line_failure(run("profile", "remove", "ghost", data_dir=tmp_path), "ghost")


def test_damaged_profiles_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "profiles.json").write_text("{broken", encoding="utf-8")
    assert_one_line_failure(run("profile", "list", data_dir=tmp_path), "profiles.json")


def test_damaged_policy_is_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"lockout_minutes": "soon"}', encoding="utf-8")
    assert_one_line_failure(
        run("profile", "list", data_dir=tmp_path, policy=policy), "lockout_minutes"
    )


def test_demo_load_needs_a_password_without_terminal(tmp_path: Path) -> None:
    assert_one_line_failure(run("demo", "load", "--user", "d", data_dir=tmp_path), "password")


def test_demo_load_then_wrong_password_then_list(tmp_path: Path) -> None:
    loaded = run(
        "demo",
        "load",
        "--user",
        "demo1",
        "--customers",
        "300",
        "--password-stdin",
        data_dir=tmp_path,
        stdin="s3cret-pass\n",
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 300 customers" in loaded.stdout
    again = run(
        "demo", "load", "--user", "demo1", "--password-stdin", data_dir=tmp_path, stdin="x\n"
    )
    assert_one_line_failure(again, "already exists")
    assert run("profile", "list", data_dir=tmp_path).stdout.startswith("demo1\trm")
