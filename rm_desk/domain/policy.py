"""The machine policy IT deploys (server, TLS, lock times, lockout, masking, keyring).

A pydantic model of the policy JSON file, validated, with defaults a bank would pick.
Unknown keys are rejected so a typo in a deployed file is noticed; a bad value gives
one "key: problem" line (`PolicyError`), never a validation dump. The file's JSON
Schema, for IT, is generated from the model and committed as docs/policy.schema.json:

    python -m rm_desk.domain.policy --schema > docs/policy.schema.json
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo

from rm_desk.domain.masking import DEFAULT_MASKING, InvalidMaskingPolicy, MaskingPolicy
from rm_desk.domain.masking import masking_error as _masking_error


class KeyringMode(enum.StrEnum):
    REQUIRE = "require"  # refuse to create profiles without a secure OS keyring
    PREFER = "prefer"  # use one when present
    OFF = "off"  # password only


class PolicyError(ValueError):
    """A policy value is missing, of the wrong type or out of range."""


# The bounds a card-industry auditor accepts (PCI DSS 4.0 8.3.4 and 8.2.8); a policy
# may only be stricter, a value outside them is refused.
MAX_PASSWORD_ATTEMPTS: Final = 10
MIN_LOCKOUT_MINUTES: Final = 30
MAX_IDLE_LOCK_MINUTES: Final = 15
SHARED_IDLE_LOCK_MINUTES: Final = 5


def _whole(default: int | None, low: int, high: int, description: str) -> Any:
    return Field(default=default, ge=low, le=high, strict=True, description=description)


_Text = Annotated[str, StringConstraints(min_length=1, strict=True)]


class Policy(BaseModel):
    """The machine policy (policy.json). Every key is optional."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="RM Desk machine policy",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    server_url: _Text | None = Field(
        default=None, description="The central CRM gateway's address (https://…)."
    )
    ca_bundle: _Text | None = Field(
        default=None,
        description="A PEM file of the CAs that may sign the gateway's certificate "
        "(default: the system's CAs).",
    )
    spki_pin_sha256: _Text | None = Field(
        default=None,
        description="Base64 SHA-256 of the gateway's SubjectPublicKeyInfo; checked on "
        "every new connection.",
    )
    allow_insecure_http: StrictBool = Field(
        default=False,
        description="Allow a plain http:// gateway address that is not this computer "
        "(passwords and customer data would cross the network unencrypted).",
    )
    shared_terminal: StrictBool = Field(
        default=False, description="A terminal several people use: locks sooner."
    )
    idle_lock_minutes: int | None = _whole(
        None,
        1,
        MAX_IDLE_LOCK_MINUTES,
        "Minutes without input before the window locks (default and most: "
        f"{SHARED_IDLE_LOCK_MINUTES} on shared terminals, {MAX_IDLE_LOCK_MINUTES} elsewhere; "
        "PCI DSS 8.2.8).",
    )
    max_password_attempts: int = _whole(
        6,
        1,
        MAX_PASSWORD_ATTEMPTS,
        "Wrong passwords in a row before the profile is locked out (PCI DSS 8.3.4: "
        f"at most {MAX_PASSWORD_ATTEMPTS}).",
    )
    lockout_minutes: int = _whole(
        MIN_LOCKOUT_MINUTES,
        MIN_LOCKOUT_MINUTES,
        24 * 60,
        f"Minutes a lockout lasts (PCI DSS 8.3.4: at least {MIN_LOCKOUT_MINUTES}).",
    )
    keyring: KeyringMode = Field(
        default=KeyringMode.PREFER,
        description="require: refuse profiles without a secure OS credential store; "
        "prefer: use one when present; off: password only.",
    )
    masking: MaskingPolicy = Field(
        default=DEFAULT_MASKING,
        description="How personal data is masked for the roles that see it masked: "
        "per kind, [keep_head, keep_tail] or [keep_head, keep_tail, mask_char].",
    )
    sync_interval_seconds: int = _whole(300, 30, 86_400, "Seconds between background syncs.")
    max_offline_hours: int = _whole(
        72,
        1,
        24 * 365,
        "Hours a profile may be unlocked without online contact with the gateway (the "
        "last sign-in or sync); past them unlocking needs an online sign-in.",
    )
    lock_on_os_lock: StrictBool = Field(
        default=True,
        description="Lock the window when the operating system's screen locks, the "
        "computer suspends or the user switches (always on a shared terminal).",
    )
    memory_security: StrictBool = Field(
        default=False,
        description="SQLCipher's cipher_memory_security, off by default as in SQLCipher "
        "since 4.5.0: true wipes SQLite's freed memory (process-wide; costs speed).",
    )

    @model_validator(mode="after")
    def _shared_terminals_lock_sooner(self) -> Policy:
        if (
            self.shared_terminal
            and self.idle_lock_minutes is not None
            and self.idle_lock_minutes > SHARED_IDLE_LOCK_MINUTES
        ):
            raise ValueError(
                f"idle_lock_minutes: must be a whole number from 1 to {SHARED_IDLE_LOCK_MINUTES} "
                "on a shared terminal"
            )
        if self.shared_terminal and not self.lock_on_os_lock:
            raise ValueError("lock_on_os_lock: must be true on a shared terminal")
        return self

    @property
    def effective_idle_lock_minutes(self) -> int:
        if self.idle_lock_minutes is not None:
            return self.idle_lock_minutes
        return SHARED_IDLE_LOCK_MINUTES if self.shared_terminal else MAX_IDLE_LOCK_MINUTES

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        """The policy a mapping (the parsed file) describes; PolicyError when it is bad."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise PolicyError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    """One readable line for a failed validation: the key and its problem."""
    problems = error.errors()
    unknown = [
        str(p["loc"][0]) for p in problems if p["type"] == "extra_forbidden" and len(p["loc"]) == 1
    ]
    if unknown:
        return f"unknown policy key(s): {', '.join(sorted(unknown))}"
    first = problems[0]
    cause = first.get("ctx", {}).get("error")
    if not first["loc"] and first["type"] == "value_error" and cause is not None:
        return str(cause)  # a rule across keys: its message names the key
    key = str(first["loc"][0]) if first["loc"] else "policy"
    if key == "masking" and len(first["loc"]) > 1:
        masking: InvalidMaskingPolicy = _masking_error(error, depth=1)
        return f"masking: {masking.message}"
    return f"{key}: must be {_EXPECTED.get(key, first['msg'])}"


def _expected(name: str, field: FieldInfo) -> str:
    """What a field takes, in words, from its type and constraints."""
    if name == "masking":
        return "an object"
    bounds = {type(m).__name__: m for m in field.metadata}
    if "Ge" in bounds and "Le" in bounds:
        return f"a whole number from {bounds['Ge'].ge} to {bounds['Le'].le}"
    annotation = str(field.annotation)
    if "bool" in annotation:
        return "true or false"
    if field.annotation is KeyringMode:
        return "one of " + ", ".join(m.value for m in KeyringMode)
    return "a non-empty string"


_EXPECTED: Final[dict[str, str]] = {
    name: _expected(name, field) for name, field in Policy.model_fields.items()
}


def json_schema() -> dict[str, Any]:
    """The policy file's JSON Schema, as committed in docs/policy.schema.json."""
    return Policy.model_json_schema(mode="validation")


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - IT's command, tested through schema_text
    if sys.argv[1:] != ["--schema"]:
        sys.exit("usage: python -m rm_desk.domain.policy --schema > docs/policy.schema.json")
    sys.stdout.write(schema_text())
