"""The rm-desk command line: one readable line and a non-zero exit on failure."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

from local_store import audit
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from tests.conftest import PASSWORD, MakeSession

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


def export_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("export", *args, "--password-stdin", data_dir=data_dir, stdin=PASSWORD + "\n")


def test_rm_desk_export_command(make_session: MakeSession, tmp_path: Path) -> None:
    rm = make_session("rm001", customers=30)
    teller = make_session("t01", role=Role.TELLER, customers=30)
    with rm.store.read() as conn:
        mobiles = {r[0] for r in conn.exec_driver_sql("SELECT mobile FROM customers")}
    rm.lock()
    teller.lock()
    data = tmp_path / "data"

    full = export_cli(data, "--user", "rm001", "--list", "book", "--format", "csv",
                      "--out", str(tmp_path / "rm.csv"))  # fmt: skip
    assert full.returncode == 0, full.stderr
    assert "30 rows, personal fields in full" in full.stdout
    text = (tmp_path / "rm.csv").read_text(encoding="utf-8-sig")
    assert all(m in text for m in mobiles)

    masked = export_cli(data, "--user", "t01", "--list", "book", "--format", "xlsx",
                        "--out", str(tmp_path / "t.xlsx"))  # fmt: skip
    assert masked.returncode == 0, masked.stderr
    assert "personal fields masked" in masked.stdout
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "****" in sheet
    assert not any(m in sheet for m in mobiles)

    nowhere = export_cli(data, "--user", "rm001", "--list", "book", "--format", "csv",
                         "--out", str(tmp_path / "missing" / "x.csv"))  # fmt: skip
    assert_one_line_failure(nowhere, "cannot be written")
    refused = export_cli(data, "--user", "rm001", "--list", "team", "--format", "csv",
                         "--out", str(tmp_path / "team.csv"))  # fmt: skip
    assert_one_line_failure(refused, "team")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "rm.csv", "t.xlsx"]

    for user, rows in (("rm001", 30), ("t01", 30)):
        reg = ProfileRegistry(data, policy=Policy(keyring=KeyringMode.OFF))
        opened = sessions.unlock(reg, user, PASSWORD)
        try:
            with opened.store.read() as conn:
                found = [e for e in audit.entries(conn, limit=10_000) if e.action == "export"]
        finally:
            opened.lock()
        assert [(e.entity_id, e.detail["rows"]) for e in found] == [("book", rows)]


def test_profile_add_against_an_unreachable_gateway_is_one_plain_line(tmp_path: Path) -> None:
    """No urllib3 retry warnings, no connection-pool repr, and no "changes are kept"
    (nothing exists yet): what failed, in words, and that no profile was made."""
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(
        "profile", "add", "--user", "rm001", "--server", f"http://127.0.0.1:{port}",
        "--password-stdin", data_dir=tmp_path, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert_one_line_failure(result, "no profile was created")
    assert f"127.0.0.1:{port} refused the connection" in result.stderr
    for internal in ("urllib3", "Pool", "NewConnectionError", "Errno", "kept"):
        assert internal not in result.stderr + result.stdout
    assert run("profile", "list", data_dir=tmp_path).stdout == ""
