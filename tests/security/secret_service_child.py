"""Run by test_keyring_secret_service.py inside `dbus-run-session` with gnome-keyring's
Secret Service unlocked: create a profile with the real OS keyring (policy `require`,
no secret store injected), unlock it, read the secret back through the `keyring`
library itself, then show that without that secret the profile does not open.

    python -m tests.security.secret_service_child DATA_DIR

Prints one JSON object on stdout for the test to check.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import keyring

from local_store import keys
from local_store.errors import KeyringSecretMissing
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions

PASSWORD = "correct horse 42"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def main(data_dir: Path) -> dict[str, object]:
    backend = keys.secure_system_keyring()
    reg = sessions.registry(data_dir, Policy(keyring=KeyringMode.REQUIRE), clock=lambda: NOW)
    created = sessions.create_profile(
        reg, "rm001", PASSWORD, server="https://crm.example", role=Role.RM, clock=lambda: NOW
    )
    created.lock()
    profile = reg.get("rm001")
    stored = keyring.get_keyring().get_password(keys.KEYRING_SERVICE, profile.profile_id)
    unlocked = sessions.unlock(reg, "rm001", PASSWORD, clock=lambda: NOW)
    opened = unlocked.store.is_open
    unlocked.lock()
    keyring.get_keyring().delete_password(keys.KEYRING_SERVICE, profile.profile_id)
    try:
        sessions.unlock(reg, "rm001", PASSWORD, clock=lambda: NOW).lock()
        refused_without_secret = False
    except KeyringSecretMissing:
        refused_without_secret = True
    return {
        "backend": f"{type(backend).__module__}.{type(backend).__name__}",
        "uses_keyring": profile.uses_keyring,
        "secret": stored,
        "unlocked": opened,
        "refused_without_secret": refused_without_secret,
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
