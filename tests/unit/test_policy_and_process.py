"""Machine policy parsing and process hardening."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_store.store import LocalStore
from rm_desk.domain.masking import DEFAULT_MASKING, MaskPattern
from rm_desk.domain.policy import KeyringMode, Policy, PolicyError, schema_text
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
        ({"sync_interval_seconds": 10}, "sync_interval_seconds: must be a whole number from 30"),
        ({"server_url": ""}, "server_url: must be a non-empty string"),
        ({"masking": [3, 4]}, "masking: must be an object"),
        ({"masking": {"phone": [3, 4]}}, "masking: unknown masking kind 'phone'"),
        ({"masking": {"mobile": [3, -4]}}, "masking: mobile: keep_tail must not be negative"),
    ],
)
def test_bad_policy_values_are_refused(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment) as caught:
        Policy.from_mapping(data)
    # One readable line, never pydantic's report.
    assert "\n" not in str(caught.value)
    assert "pydantic" not in str(caught.value)
    assert "Input should" not in str(caught.value)


def test_masking_in_the_policy_is_the_masking_policy() -> None:
    policy = Policy.from_mapping({"masking": {"mobile": [0, 4, "#"]}})
    assert policy.masking.mobile == MaskPattern(0, 4, "#")
    assert policy.masking.card == DEFAULT_MASKING.card
    assert Policy().masking == DEFAULT_MASKING


def test_a_bad_policy_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"lockout_minutes": 0, "keyring": "off"}', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"the policy file {path}: lockout_minutes: must be a whole number from 1 to 1440"
    )


def test_committed_policy_schema_matches_the_model() -> None:
    """docs/policy.schema.json is what IT validates against: regenerate it with
    `python -m rm_desk.domain.policy --schema > docs/policy.schema.json`."""
    committed = (Path(__file__).parents[2] / "docs" / "policy.schema.json").read_text("utf-8")
    assert committed == schema_text()
    schema = json.loads(committed)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(Policy.model_fields)
    assert schema["properties"]["idle_lock_minutes"]["anyOf"][0]["maximum"] == 240


def test_policy_schema_command_prints_the_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rm_desk.domain.policy", "--schema"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout == schema_text()


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
