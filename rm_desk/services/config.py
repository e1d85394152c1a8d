"""Where data lives and which machine policy applies.

`--data-dir` or `RM_DESK_DATA_DIR` override the per-user platform data directory;
the machine policy is read from `RM_DESK_POLICY` or `policy.json` in the platform's
site configuration directory. A damaged policy is an error, never silently ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from rm_desk.domain.policy import Policy, PolicyError

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
    return Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / "policy.json"


def load_policy(path: Path | None = None) -> Policy:
    """The machine policy; defaults when no file exists; PolicyError when it is bad."""
    target = path or policy_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Policy()
    except OSError as exc:
        raise PolicyError(f"the policy file {target} cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"the policy file {target} is not valid JSON (line {exc.lineno})"
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(f"the policy file {target} must hold a JSON object")
    try:
        return Policy.from_mapping(data)
    except PolicyError as exc:
        raise PolicyError(f"the policy file {target}: {exc}") from None
