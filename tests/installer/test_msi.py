"""The Windows MSI (installer/windows/rm-desk.wxs, build_msi.py), built here with wixl
from a stand-in tree and read back with msiinfo: a per-machine package with the upgrade
code, a downgrade refused, the public properties Secure and checked, and the custom
action that writes policy.json, whose command line, formatted as Windows Installer
would, is run through the real `rm-desk policy write`.

Needs wixl and msitools (Debian); skipped without them, except in CI, where .ci/run
installs them and their absence fails."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from rm_desk import cli

ROOT = Path(__file__).resolve().parents[2]
WXS = ROOT / "installer" / "windows" / "rm-desk.wxs"
UPGRADE_CODE = "{6F1E2C0A-5B7D-4E34-9A51-2D8C3F4B7E10}"
PUBLIC = ("SERVER_URL", "CA_BUNDLE", "SPKI_PIN", "AUTOLOCK_MINUTES", "SHARED_TERMINAL", "LANGUAGE")
DEFERRED, NO_IMPERSONATE, EXE_IN_FILE = 0x400, 0x800, 18
ONLY_DETECT = 2


def _build_msi() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_msi", WXS.parent / "build_msi.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [t for t in ("wixl", "wixl-heat", "msiinfo", "msibuild") if not shutil.which(t)]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install wixl msitools)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("msi") / "rm-desk.msi"
    assert _build_msi().main(["--fake", "--out", str(out)]) == 0
    return out


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """A table's rows (msiinfo export: a header, the column types, the table name)."""
    text = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    lines = text.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:]]


def properties(msi: Path) -> dict[str, str]:
    return {r["Property"]: r["Value"] for r in table(msi, "Property")}


def _version() -> str:
    found = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert found is not None
    return found.group(1)


def test_a_per_machine_package_with_the_upgrade_code(msi: Path) -> None:
    props = properties(msi)
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == _version()
    assert props["ALLUSERS"] == "1"  # per-machine
    files = {r["FileName"] for r in table(msi, "File")}
    assert {"rm-desk.exe", "qwindows.dll", "rm_desk_zh_CN.qm"} <= files
    registry = {(r["Key"], r["Name"]) for r in table(msi, "Registry")}
    assert {("Software\\RM Desk", "InstallDir"), ("Software\\RM Desk", "Version")} <= registry


def test_an_install_over_a_newer_version_is_refused(msi: Path) -> None:
    rows = table(msi, "Upgrade")
    newer = [r for r in rows if r["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"]
    assert len(newer) == 1
    assert newer[0]["UpgradeCode"] == UPGRADE_CODE
    assert newer[0]["VersionMin"] == _version()
    assert not newer[0]["VersionMax"]
    assert int(newer[0]["Attributes"]) & ONLY_DETECT
    conditions = {r["Condition"]: r["Description"] for r in table(msi, "LaunchCondition")}
    assert (
        "newer version of RM Desk is already installed" in conditions["NOT WIX_DOWNGRADE_DETECTED"]
    )
    older = [r for r in rows if r["ActionProperty"] == "WIX_UPGRADE_DETECTED"]
    assert older
    assert older[0]["VersionMax"] == _version()
    sequence = {r["Action"]: r for r in table(msi, "InstallExecuteSequence")}
    assert {"FindRelatedProducts", "RemoveExistingProducts", "LaunchConditions"} <= set(sequence)


def test_the_public_properties_are_secure_and_checked(msi: Path) -> None:
    secure = properties(msi)["SecureCustomProperties"].split(";")
    assert set(PUBLIC) <= set(secure)
    assert {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"} <= set(secure)
    checked = " ".join(r["Condition"] for r in table(msi, "LaunchCondition"))
    for name in ("SERVER_URL", "AUTOLOCK_MINUTES", "SHARED_TERMINAL", "LANGUAGE"):
        assert name in checked


def _write_policy(msi: Path) -> dict[str, str]:
    return next(r for r in table(msi, "CustomAction") if r["Action"] == "WritePolicy")


def test_a_deferred_custom_action_writes_the_policy_file(msi: Path) -> None:
    action = _write_policy(msi)
    kind = int(action["Type"])
    assert kind & 0x3F == EXE_IN_FILE
    assert action["Source"] == "RmDeskExe"
    assert kind & DEFERRED
    assert kind & NO_IMPERSONATE
    assert len(action["Target"]) <= 255
    for name in PUBLIC[:-1]:
        assert f'"[{name}]"' in action["Target"]
    sequence = {r["Action"]: r for r in table(msi, "InstallExecuteSequence")}
    assert sequence["WritePolicy"]["Condition"] == "NOT REMOVE"
    assert int(sequence["InstallFiles"]["Sequence"]) < int(sequence["WritePolicy"]["Sequence"])
    assert int(sequence["WritePolicy"]["Sequence"]) < int(sequence["InstallFinalize"]["Sequence"])
    language = next(r for r in table(msi, "CustomAction") if r["Action"] == "SetLanguageArgs")
    assert (language["Source"], language["Target"]) == ("LANG_ARGS", "--lang [LANGUAGE]")
    shortcut = table(msi, "Shortcut")[0]
    assert shortcut["Arguments"] == "[LANG_ARGS]"


def _formatted(target: str, values: dict[str, str]) -> list[str]:
    """The custom action's command line as Windows Installer formats it: [NAME] is the
    property's value, empty when not set."""
    text = re.sub(r"\[([A-Za-z_]+)\]", lambda m: values.get(m.group(1), ""), target)
    return shlex.split(text.replace("\\", "/"))


def test_the_command_line_writes_the_properties_as_policy_keys(
    msi: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _write_policy(msi)["Target"]
    folder = f"{tmp_path.as_posix()}/"
    values = {
        "CommonAppDataFolder": folder,
        "SERVER_URL": "https://crm.bank.example:8443",
        "SPKI_PIN": "q" * 43 + "=",
        "AUTOLOCK_MINUTES": "4",
        "SHARED_TERMINAL": "1",
    }
    assert cli.main(_formatted(target, values)) == 0
    written = tmp_path / "RM Desk" / "policy.json"
    assert json.loads(written.read_text(encoding="utf-8")) == {
        "server_url": "https://crm.bank.example:8443",
        "spki_pin_sha256": "q" * 43 + "=",
        "idle_lock_minutes": 4,
        "shared_terminal": True,
    }
    # An upgrade without properties keeps IT's file as it is.
    assert cli.main(_formatted(target, {"CommonAppDataFolder": folder})) == 0
    assert "kept" in capsys.readouterr().out
    assert json.loads(written.read_text(encoding="utf-8"))["idle_lock_minutes"] == 4
    # A bad value fails the action (and so the install) in one line naming the property.
    bad = {"CommonAppDataFolder": folder, "AUTOLOCK_MINUTES": "10"}
    assert cli.main(_formatted(target, bad)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "rm-desk: error: AUTOLOCK_MINUTES=10: idle_lock_minutes: must be a whole number "
        "from 1 to 5 on a shared terminal"
    ]
    assert json.loads(written.read_text(encoding="utf-8"))["idle_lock_minutes"] == 4
    assert cli.main(_formatted(target, {"CommonAppDataFolder": folder, "SHARED_TERMINAL": "yes"
                                        })) == 0  # fmt: skip
    capsys.readouterr()
    assert cli.main(_formatted(target, {"CommonAppDataFolder": folder, "SHARED_TERMINAL": "maybe"
                                        })) == 1  # fmt: skip
    assert capsys.readouterr().err.startswith("rm-desk: error: SHARED_TERMINAL=maybe: ")
