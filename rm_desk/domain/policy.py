"""The machine policy IT deploys (server, TLS, lock times, lockout, masking, keyring).

Parsed from a plain mapping (the policy JSON file), validated, with defaults a bank
would pick. Unknown keys are rejected so a typo in a deployed file is noticed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


class KeyringMode(enum.StrEnum):
    REQUIRE = "require"  # refuse to create profiles without a secure OS keyring
    PREFER = "prefer"  # use one when present
    OFF = "off"  # password only


class PolicyError(ValueError):
    """A policy value is missing, of the wrong type or out of range."""


@dataclass(frozen=True, slots=True)
class Policy:
    server_url: str | None = None
    ca_bundle: str | None = None
    spki_pin_sha256: str | None = None
    shared_terminal: bool = False
    idle_lock_minutes: int | None = None  # None: 5 on shared terminals, 15 elsewhere
    max_password_attempts: int = 5
    lockout_minutes: int = 15
    keyring: KeyringMode = KeyringMode.PREFER
    masking: Mapping[str, Any] = field(default_factory=dict)
    sync_interval_seconds: int = 300
    memory_security: bool = True  # SQLCipher's cipher_memory_security (costly, see README)

    @property
    def effective_idle_lock_minutes(self) -> int:
        if self.idle_lock_minutes is not None:
            return self.idle_lock_minutes
        return 5 if self.shared_terminal else 15

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PolicyError(f"unknown policy key(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key in ("server_url", "ca_bundle", "spki_pin_sha256"):
            if key in data and data[key] is not None:
                if not isinstance(data[key], str) or not data[key]:
                    raise PolicyError(f"{key} must be a non-empty string")
                values[key] = data[key]
        for flag in ("shared_terminal", "memory_security"):
            if flag in data:
                if not isinstance(data[flag], bool):
                    raise PolicyError(f"{flag} must be true or false")
                values[flag] = data[flag]
        for key, low, high in (
            ("idle_lock_minutes", 1, 240),
            ("max_password_attempts", 1, 100),
            ("lockout_minutes", 1, 24 * 60),
            ("sync_interval_seconds", 30, 86_400),
        ):
            if key in data and data[key] is not None:
                value = data[key]
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int)
                    or not low <= value <= high
                ):
                    raise PolicyError(f"{key} must be a whole number from {low} to {high}")
                values[key] = value
        if "keyring" in data:
            try:
                values["keyring"] = KeyringMode(data["keyring"])
            except ValueError:
                raise PolicyError("keyring must be one of require, prefer, off") from None
        if "masking" in data:
            if not isinstance(data["masking"], Mapping):
                raise PolicyError("masking must be an object")
            values["masking"] = dict(data["masking"])
        return cls(**values)
