"""The OS keyring end to end, and what an insecure keyring backend gets.

1. A real Secret Service: gnome-keyring, unlocked, on a private D-Bus session
   (`dbus-run-session`). A profile created with policy `require` keeps its keyring
   secret there, unlocks with it, does not unlock without it, and the secret is in no
   file of the data directory. CI installs gnome-keyring (.ci/run); there a missing
   gnome-keyring or dbus-run-session fails the test, elsewhere it is skipped.
2. A plaintext keyring backend (keyrings.alt), and keyring's null and fail backends:
   RM Desk never uses them (`keys.secure_system_keyring`), so the profile is wrapped
   by the password alone under `prefer`, refused under `require`, and nothing is
   written to the plaintext backend's file.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from local_store.errors import KeyringUnavailable
from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TOOLS = ("dbus-run-session", "gnome-keyring-daemon")


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install gnome-keyring dbus)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the Secret Service test: {message}")
    pytest.skip(message)


def _files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]


def test_a_profile_keeps_its_keyring_secret_in_the_secret_service(tmp_path: Path) -> None:
    _require_tools()
    home, data = tmp_path / "home", tmp_path / "data"
    runtime = tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY"}
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_RUNTIME_DIR=str(runtime),
        PYTHONPATH=str(ROOT),
        RM_DESK_KEYRING_PW="keyring-login-pw",
    )
    # The daemon unlocks (creating) a login keyring with the password on its stdin;
    # the child runs on the same private session bus and is its only client.
    script = (
        'printf %s "$RM_DESK_KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets'
        ' >/dev/null && exec "$0" -m tests.security.secret_service_child "$1"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script, sys.executable, str(data)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "keyring.backends.SecretService.Keyring"
    assert report["uses_keyring"] is True
    assert report["unlocked"] is True
    assert report["refused_without_secret"] is True
    secret = report["secret"]
    assert isinstance(secret, str)
    raw = base64.b64decode(secret)
    assert len(raw) == 32
    # In the Secret Service, not in any file RM Desk wrote (profiles.json, the store).
    assert (data / "profiles.json").is_file()
    assert _files_containing(data, [secret.encode(), raw]) == []


INSECURE: dict[str, Callable[[], KeyringBackend]] = {
    "plaintext": PlaintextKeyring,
    "null": null.Keyring,
    "fail": fail.Keyring,
}


@pytest.mark.parametrize("name", sorted(INSECURE))
def test_an_insecure_keyring_backend_is_given_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    backend = INSECURE[name]()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)

    prefer = ProfileRegistry(tmp_path / "data", policy=Policy(keyring=KeyringMode.PREFER),
                             clock=lambda: NOW)  # fmt: skip
    profile, key = prefer.create("rm001", PASSWORD, server="https://crm", role=Role.RM)
    assert profile.uses_keyring is False  # wrapped by the password alone
    assert prefer.unlock("rm001", PASSWORD)[1] == key

    require = ProfileRegistry(tmp_path / "other", policy=Policy(keyring=KeyringMode.REQUIRE),
                              clock=lambda: NOW)  # fmt: skip
    with pytest.raises(KeyringUnavailable):
        require.create("rm002", PASSWORD, server="https://crm", role=Role.RM)
    assert require.list() == []

    assert list((tmp_path / "xdg").rglob("*")) == []  # nothing reached a keyring file
    if isinstance(backend, PlaintextKeyring):
        # The control: this backend does write its file when something is stored in it.
        backend.set_password("control", "user", "value")
        assert Path(backend.file_path).is_file()
