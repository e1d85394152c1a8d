"""Group Policy over the policy file over the defaults; the ADMX/ADML templates and the
policy reference generated from the model, and held to it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rm_desk.domain.policy import Policy, PolicyError
from rm_desk.services import config, group_policy
from rm_desk.services.group_policy import REG_DWORD, REG_SZ, WHERE

NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_registry_values_become_policy_values() -> None:
    values = group_policy.from_registry(
        {
            "shared_terminal": (1, REG_DWORD),
            "lockout_minutes": (60, REG_DWORD),
            "server_url": ("https://crm.bank.example", REG_SZ),
            "keyring": ("require", REG_SZ),
            "masking": ('{"mobile": [3, 2]}', REG_SZ),
        }
    )
    assert values == {
        "shared_terminal": True,
        "lockout_minutes": 60,
        "server_url": "https://crm.bank.example",
        "keyring": "require",
        "masking": {"mobile": [3, 2]},
    }
    policy = Policy.from_mapping(values)
    assert policy.shared_terminal
    assert policy.masking.mobile.keep_tail == 2


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"shared_terminal": ("1", REG_SZ)}, r"\shared_terminal: must be a REG_DWORD"),
        ({"shared_terminal": (2, REG_DWORD)}, r"\shared_terminal: must be 0 or 1"),
        ({"lockout_minutes": ("60", REG_SZ)}, r"\lockout_minutes: must be a REG_DWORD"),
        ({"server_url": (1, REG_DWORD)}, r"\server_url: must be a REG_SZ string"),
        ({"masking": ("{mobile", REG_SZ)}, r"\masking: must hold a JSON object"),
        ({"autolock": (5, REG_DWORD)}, r"\autolock: unknown policy key"),
    ],
)
def test_a_registry_value_of_the_wrong_form_is_named(
    values: dict[str, tuple[object, int]], says: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        group_policy.from_registry(values)
    assert str(raised.value) == WHERE + says


def test_group_policy_wins_over_the_file_which_wins_over_the_defaults(tmp_path: Path) -> None:
    path = _file(tmp_path, {"lockout_minutes": 45, "max_password_attempts": 5})
    effective = config.load_effective_policy(
        path, registry=lambda: {"lockout_minutes": (120, REG_DWORD)}
    )
    assert effective.policy.lockout_minutes == 120
    assert effective.policy.max_password_attempts == 5
    assert effective.policy.sync_interval_seconds == 300
    assert effective.sources["lockout_minutes"] == WHERE
    assert effective.sources["max_password_attempts"] == str(path)
    assert effective.sources["sync_interval_seconds"] == "default"
    shown = effective.lines()
    assert f"lockout_minutes       = 120  ({WHERE})" in shown
    assert any(line.startswith("max_password_attempts = 5  (") for line in shown)


def test_group_policy_too_may_only_be_stricter(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        config.load_effective_policy(
            tmp_path / "none.json", registry=lambda: {"lockout_minutes": (10, REG_DWORD)}
        )
    assert str(raised.value) == (
        f"{WHERE}: lockout_minutes: must be a whole number from 30 to 1440"
    )


def test_a_combination_refused_names_both_sources(tmp_path: Path) -> None:
    path = _file(tmp_path, {"idle_lock_minutes": 12})
    with pytest.raises(PolicyError) as raised:
        config.load_effective_policy(path, registry=lambda: {"shared_terminal": (1, REG_DWORD)})
    assert str(raised.value).startswith(f"the policy file {path} with {WHERE}: idle_lock_minutes")


def test_a_shared_terminal_set_by_group_policy_keeps_the_os_lock_on(tmp_path: Path) -> None:
    path = _file(tmp_path, {"lock_on_os_lock": False})
    with pytest.raises(PolicyError) as raised:
        config.load_effective_policy(path, registry=lambda: {"shared_terminal": (1, REG_DWORD)})
    assert str(raised.value) == (
        f"the policy file {path} with {WHERE}: lock_on_os_lock: must be true on a shared terminal"
    )


def test_without_group_policy_or_file_the_defaults_apply(tmp_path: Path) -> None:
    effective = config.load_effective_policy(tmp_path / "none.json", registry=dict)
    assert effective.policy == Policy()
    assert set(effective.sources.values()) == {"default"}


def _admx() -> ET.Element:
    return ET.fromstring(group_policy.admx())  # noqa: S314  (our own generated text)


def _adml(language: str) -> ET.Element:
    return ET.fromstring(group_policy.adml(language))  # noqa: S314


def test_every_policy_key_is_a_group_policy_with_the_model_s_bounds() -> None:
    policies = {p.get("name", ""): p for p in _admx().iterfind(".//p:policy", NS)}
    assert set(policies) == set(Policy.model_fields)
    for name, policy in policies.items():
        assert policy.get("key") == r"Software\Policies\RM Desk"
        assert policy.get("class") == "Machine"
        decimal = policy.find(".//p:elements/p:decimal", NS)
        if decimal is not None:
            field = Policy.model_fields[name]
            low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
            high = next(m.le for m in field.metadata if hasattr(m, "le"))
            assert (decimal.get("minValue"), decimal.get("maxValue")) == (str(low), str(high))
    pca = policies["lockout_minutes"].find(".//p:decimal", NS)
    assert pca is not None
    assert pca.get("minValue") == "30"  # PCI DSS 8.3.4: never shorter than 30 minutes


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_every_string_and_presentation_the_admx_names_exists(language: str) -> None:
    text = group_policy.admx()
    resources = _adml(language)
    strings = {s.get("id"): s.text or "" for s in resources.iterfind(".//p:string", NS)}
    presentations = {p.get("id") for p in resources.iterfind(".//p:presentation", NS)}
    assert set(re.findall(r"\$\(string\.([^)]+)\)", text)) <= set(strings)
    assert set(re.findall(r"\$\(presentation\.([^)]+)\)", text)) <= presentations
    if language == "zh-CN":
        for name in Policy.model_fields:
            assert CJK.search(strings[name]), name
            assert CJK.search(strings[f"{name}_Explain"]), name


def test_every_key_has_words_for_it() -> None:
    assert set(Policy.model_fields) <= set(group_policy.WORDS)


def test_the_committed_templates_and_reference_are_what_the_model_generates() -> None:
    for path, text in group_policy.generated().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is out of date: python -m rm_desk.services.group_policy --write"
        )


def test_policy_show_on_the_command_line(tmp_path: Path) -> None:
    path = _file(tmp_path, {"max_offline_hours": 24})
    rm_desk = Path(sys.executable).parent / "rm-desk"
    env = {"RM_DESK_POLICY": str(path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    shown = subprocess.run(
        [str(rm_desk), "policy", "show"], capture_output=True, text=True, env=env, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert f"max_offline_hours     = 24  ({path})" in shown.stdout.splitlines()
    assert "lockout_minutes       = 30  (default)" in shown.stdout.splitlines()

    path.write_text('{"lockout_minutes": 5}', encoding="utf-8")
    refused = subprocess.run(
        [str(rm_desk), "policy", "show"], capture_output=True, text=True, env=env, check=False
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        f"rm-desk: error: the policy file {path}: lockout_minutes: must be a whole number "
        "from 30 to 1440\n"
    )
