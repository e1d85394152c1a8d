r"""Where data lives and which machine policy applies.

`--data-dir` or `RM_DESK_DATA_DIR` override the per-user platform data directory.
The machine policy: Group Policy (Windows, `group_policy.py`) over the policy file
(`RM_DESK_POLICY`, else `/etc/rm-desk/policy.json` on Linux — the .deb's conffile —,
`%ProgramData%\RM Desk\policy.json` on Windows — where the MSI writes it —, the
platform's site configuration directory elsewhere) over the defaults. A damaged policy
is an error naming its source, never silently ignored.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from rm_desk.domain.policy import Policy, PolicyError
from rm_desk.services import group_policy

APP_NAME = "rm-desk"
APP_AUTHOR = "RMDesk"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("RM_DESK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def policy_path() -> Path:
    env = os.environ.get("RM_DESK_POLICY")
    if env:
        return Path(env).expanduser()
    if group_policy.PLATFORM == "win32":  # pragma: no cover - the MSI writes it here
        program_data = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / "RM Desk" / "policy.json"
    if group_policy.PLATFORM.startswith("linux"):
        return Path("/etc/rm-desk/policy.json")
    return Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / "policy.json"


# Byte-order marks an editor may put first, longest first (UTF-32LE starts like UTF-16LE).
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _utf8_text(target: Path, raw: bytes) -> str:
    """The file's text; PolicyError when it is not plain UTF-8 (a byte-order mark, UTF-16
    as Windows tools often write, or bytes of another encoding): refused, never guessed."""
    expected = "must be saved as UTF-8 without a byte-order mark"
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise PolicyError(f"the policy file {target} {expected} (it is {name})")
    if b"\x00" in raw:  # JSON text never holds NUL: UTF-16 or UTF-32 without a mark
        raise PolicyError(f"the policy file {target} {expected} (it is UTF-16 or UTF-32)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"the policy file {target} {expected} (byte {exc.start + 1} is not UTF-8)"
        ) from None


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    """The policy in force and, per key, where its value came from."""

    policy: Policy
    sources: dict[str, str]  # key: "default" | the file's path | group_policy.WHERE

    def lines(self) -> list[str]:
        """`key = value  (source)` per key, for `rm-desk policy show`."""
        values = self.policy.model_dump(mode="json")
        width = max(len(k) for k in values)
        return [
            f"{key:<{width}} = {json.dumps(value, ensure_ascii=False)}  ({self.sources[key]})"
            for key, value in values.items()
        ]


def load_effective_policy(
    path: Path | None = None,
    registry: Callable[[], Mapping[str, tuple[object, int]]] = group_policy.read_registry,
) -> EffectivePolicy:
    """Group Policy over the policy file over the defaults; PolicyError naming the source
    when either is bad (each is checked alone first, so the error says which)."""
    target = path or policy_path()
    from_file = _read_file(target)
    try:
        from_gpo = group_policy.from_registry(registry())
        Policy.from_mapping(from_gpo)
    except PolicyError as exc:
        raise PolicyError(
            str(exc) if "Group Policy" in str(exc) else f"{group_policy.WHERE}: {exc}"
        ) from None
    try:
        policy = Policy.from_mapping({**from_file, **from_gpo})
    except PolicyError as exc:
        raise PolicyError(f"the policy file {target} with {group_policy.WHERE}: {exc}") from None
    sources = {
        key: group_policy.WHERE
        if key in from_gpo
        else str(target)
        if key in from_file
        else "default"
        for key in Policy.model_fields
    }
    return EffectivePolicy(policy, sources)


def load_policy(path: Path | None = None) -> Policy:
    """The machine policy in force (`load_effective_policy`); PolicyError when bad."""
    return load_effective_policy(path).policy


def _read_file(target: Path) -> dict[str, object]:
    """The policy file's keys, checked alone; empty when there is no file."""
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise PolicyError(f"the policy file {target} cannot be read: {exc.strerror}") from None
    text = _utf8_text(target, raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"the policy file {target} is not valid JSON (line {exc.lineno})"
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(f"the policy file {target} must hold a JSON object")
    try:
        Policy.from_mapping(data)
    except PolicyError as exc:
        raise PolicyError(f"the policy file {target}: {exc}") from None
    return data
