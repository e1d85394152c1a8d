"""Where data lives and which machine policy applies.

`--data-dir` or `RM_DESK_DATA_DIR` override the per-user platform data directory;
the machine policy is read from `RM_DESK_POLICY` or `policy.json` in the platform's
site configuration directory. A damaged policy is an error, never silently ignored.
"""

from __future__ import annotations

import codecs
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


def load_policy(path: Path | None = None) -> Policy:
    """The machine policy; defaults when no file exists; PolicyError when it is bad."""
    target = path or policy_path()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return Policy()
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
        return Policy.from_mapping(data)
    except PolicyError as exc:
        raise PolicyError(f"the policy file {target}: {exc}") from None
