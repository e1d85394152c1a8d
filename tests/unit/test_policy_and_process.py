"""Machine policy parsing and process hardening."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_store.store import LocalStore
from rm_desk.domain.policy import KeyringMode, Policy, PolicyError
from rm_desk.services.config import load_policy


def test_policy_defaults_and_values() -> None:
    policy = Policy.from_mapping(
        {
            "shared_terminal": True,
            "keyring": "require",
            "memory_security": False,
            "masking": {"mobile": [3, 4]},
        }
    )
    assert policy.effective_idle_lock_minutes == 5
    assert policy.keyring is KeyringMode.REQUIRE
    assert policy.memory_security is False
    assert Policy().memory_security is True
    assert Policy().effective_idle_lock_minutes == 15


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"memory_security": "yes"}, "memory_security"),
        ({"idle_lock_minutes": 0}, "idle_lock_minutes"),
        ({"keyring": "sometimes"}, "keyring"),
        ({"server": "typo"}, "unknown policy key"),
        ({"lockout_minutes": True}, "lockout_minutes"),
    ],
)
def test_bad_policy_values_are_refused(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment):
        Policy.from_mapping(data)


def test_policy_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy\.json"):
        load_policy(path)
    assert load_policy(tmp_path / "absent.json") == Policy()


def test_store_without_memory_security_still_checks_the_other_pragmas(
    tmp_path: Path, data_key: bytes
) -> None:
    store = LocalStore.open(tmp_path / "s.db", data_key, memory_security=False)
    with store, store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        assert raw.execute("PRAGMA temp_store").fetchone()[0] == 2
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_cli_process_disables_core_dumps() -> None:
    code = (
        "import resource; from rm_desk.cli import harden_process; harden_process(); "
        "print(resource.getrlimit(resource.RLIMIT_CORE))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(0, 0)"
