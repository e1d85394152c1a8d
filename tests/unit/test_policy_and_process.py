"""Machine policy parsing and process hardening."""

from __future__ import annotations

import codecs
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
    assert Policy().memory_security is False
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
        ({"masking": {"mobile": [3, 4, "##"]}}, "masking: mobile: the mask character must be one"),
        ({"masking": {"card": [6, 4, "7"]}}, "masking: card: the mask character must be a symbol"),
        (
            {"masking": {"email": [1, 0, " "]}},
            "masking: email: the mask character must be a symbol",
        ),
        (
            {"masking": {"mobile": [3.0, 4]}},
            "masking: mobile: keep_head and keep_tail must be whole",
        ),
        (
            {"masking": {"mobile": [True, 4]}},
            "masking: mobile: keep_head and keep_tail must be whole",
        ),
        ({"masking": {"mobile": [3]}}, r"masking: mobile: a pattern is \[keep_head, keep_tail\]"),
        ({"masking": {"mobile": None}}, r"masking: mobile: a pattern is \[keep_head, keep_tail\]"),
    ],
)
def test_bad_policy_values_are_refused(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment) as caught:
        Policy.from_mapping(data)
    # One readable line, never pydantic's report.
    assert "\n" not in str(caught.value)
    assert "pydantic" not in str(caught.value)
    assert "Input should" not in str(caught.value)


def test_defaults_are_what_a_card_industry_auditor_accepts() -> None:
    """PCI DSS 4.0 8.3.4 (lockout after at most 10 tries, for at least 30 minutes) and
    8.2.8 (idle lock at most 15 minutes); shared terminals lock after 5."""
    policy = Policy()
    assert (policy.max_password_attempts, policy.lockout_minutes) == (6, 30)
    assert policy.effective_idle_lock_minutes == 15
    assert Policy(shared_terminal=True).effective_idle_lock_minutes == 5
    stricter = Policy.from_mapping(
        {"max_password_attempts": 3, "lockout_minutes": 120, "idle_lock_minutes": 2}
    )
    assert (stricter.max_password_attempts, stricter.lockout_minutes) == (3, 120)
    assert stricter.effective_idle_lock_minutes == 2
    at_the_bounds = Policy.from_mapping(
        {"max_password_attempts": 10, "lockout_minutes": 30, "idle_lock_minutes": 15}
    )
    assert at_the_bounds.effective_idle_lock_minutes == 15
    shared = Policy.from_mapping({"shared_terminal": True, "idle_lock_minutes": 5})
    assert shared.effective_idle_lock_minutes == 5
    assert policy.lock_on_os_lock  # the OS's screen lock, suspend and user switch lock too
    assert not Policy.from_mapping({"lock_on_os_lock": False}).lock_on_os_lock


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (
            {"max_password_attempts": 11},
            "max_password_attempts: must be a whole number from 1 to 10",
        ),
        ({"lockout_minutes": 29}, "lockout_minutes: must be a whole number from 30 to 1440"),
        ({"idle_lock_minutes": 16}, "idle_lock_minutes: must be a whole number from 1 to 15"),
        (
            {"shared_terminal": True, "idle_lock_minutes": 6},
            "idle_lock_minutes: must be a whole number from 1 to 5 on a shared terminal",
        ),
        (
            {"shared_terminal": True, "lock_on_os_lock": False},
            "lock_on_os_lock: must be true on a shared terminal",
        ),
        ({"lock_on_os_lock": "no"}, "lock_on_os_lock: must be true or false"),
        # any bad value names the file and the key (the others in the file are fine)
        (
            {"lockout_minutes": 0, "keyring": "off"},
            "lockout_minutes: must be a whole number from 30 to 1440",
        ),
        # a bad masking pattern names the key and what is wrong with its form
        (
            {"masking": {"card": [6, 4, "xy"]}},
            "masking: card: the mask character must be one character",
        ),
    ],
)
def test_a_policy_may_only_make_the_lock_rules_stricter(
    tmp_path: Path, data: dict[str, object], line: str
) -> None:
    """A refused value is told in one line that names the file and the key."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == f"the policy file {path}: {line}"


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (codecs.BOM_UTF8 + b'{"keyring": "off"}', "it is UTF-8 with a byte-order mark"),
        ('{"keyring": "off"}'.encode("utf-16"), "it is UTF-16"),  # with its BOM
        (codecs.BOM_UTF16_BE + '{"keyring": "off"}'.encode("utf-16-be"), "it is UTF-16"),
        ('{"keyring": "off"}'.encode("utf-16-le"), "it is UTF-16 or UTF-32"),  # no BOM
        ('{"keyring": "off"}'.encode("utf-32"), "it is UTF-32"),
        ('{"server_url": "https://crm.ex", "x": "é"}'.encode("latin-1"), "byte 40 is not UTF-8"),
    ],
)
def test_a_policy_file_not_in_utf8_is_refused_in_one_line(
    tmp_path: Path, raw: bytes, found: str
) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(raw)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"the policy file {path} must be saved as UTF-8 without a byte-order mark ({found})"
    )


def test_masking_in_the_policy_is_the_masking_policy() -> None:
    policy = Policy.from_mapping({"masking": {"mobile": [0, 4, "#"]}})
    assert policy.masking.mobile == MaskPattern(0, 4, "#")
    assert policy.masking.card == DEFAULT_MASKING.card
    assert Policy().masking == DEFAULT_MASKING


def test_committed_policy_schema_matches_the_model() -> None:
    """docs/policy.schema.json is what IT validates against: regenerate it with
    `python -m rm_desk.domain.policy --schema > docs/policy.schema.json`."""
    committed = (Path(__file__).parents[2] / "docs" / "policy.schema.json").read_text("utf-8")
    assert committed == schema_text()
    schema = json.loads(committed)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(Policy.model_fields)
    assert schema["properties"]["idle_lock_minutes"]["anyOf"][0]["maximum"] == 15


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
