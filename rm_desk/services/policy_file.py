"""Writing the machine policy file from an installer (`rm-desk policy write`).

The Windows MSI runs `rm-desk policy write --from-msi ...` (installer/windows/rm-desk.wxs)
with its public properties: each one given (non-empty) sets its key, a key not given
keeps the file's value (an upgrade or repair keeps what IT configured). The result is
checked with the policy model before anything is written, so a bad value fails the
install with the model's one line, naming the MSI property; the file is replaced
atomically (a temporary file in the same directory, then a rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from rm_desk.domain.policy import Policy, PolicyError

# The MSI's public properties and the policy keys they set.
MSI_PROPERTIES: Mapping[str, str] = {
    "server_url": "SERVER_URL",
    "ca_bundle": "CA_BUNDLE",
    "spki_pin_sha256": "SPKI_PIN",
    "idle_lock_minutes": "AUTOLOCK_MINUTES",
    "shared_terminal": "SHARED_TERMINAL",
}
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


def _value(key: str, text: str) -> object:
    """An installer's text as the key's JSON type (left as text when it is not one, so
    the model's message says what it expected)."""
    text = text.strip()
    if key == "idle_lock_minutes" and text.isdigit():
        return int(text)
    if key == "shared_terminal" and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return text


def write_values(path: Path, given: Mapping[str, str], *, names: Mapping[str, str]) -> bool:
    """Set the `given` keys (empty texts ignored) in the policy file at `path`; returns
    whether the file changed. `names` says how an error names a key (MSI property)."""
    existing: dict[str, object] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PolicyError(f"the policy file {path} cannot be read ({exc})") from None
        if not isinstance(loaded, dict):
            raise PolicyError(f"the policy file {path} is not a JSON object")
        existing = loaded
    data = dict(existing)
    for key, text in given.items():
        if text.strip():
            data[key] = _value(key, text)
    try:
        Policy.from_mapping(data)
    except PolicyError as error:
        message = str(error)
        for key, name in names.items():
            if message.startswith(f"{key}:"):
                raise PolicyError(f"{name}={given.get(key, '')!s}: {message}") from None
        raise
    if data == existing and path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".policy-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True
