"""Policy `memory_security`: SQLCipher's `cipher_memory_security`, off by default (as in
SQLCipher since 4.5.0), on for every connection when the policy turns it on.

The setting is process-wide and sticky in SQLCipher (once on, it stays on), so each
case runs in a fresh interpreter: a profile is created and unlocked through the
session path with the policy, and every pooled connection reports the PRAGMA."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_SCRIPT = """
import json, sys
from pathlib import Path
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session

data_dir, flag = Path(sys.argv[1]), sys.argv[2]
policy = Policy.from_mapping({"keyring": "off"} if flag == "default"
                             else {"keyring": "off", "memory_security": flag == "on"})
reg = session.registry(data_dir, policy)
session.create_profile(reg, "rm1", "correct horse battery", server="https://crm.example",
                       role=Role.RM).lock()
opened = session.unlock(session.registry(data_dir, policy), "rm1", "correct horse battery")
conns = [opened.store.engine.connect() for _ in range(3)]  # three pooled connections
values = [c.connection.driver_connection.execute("PRAGMA cipher_memory_security").fetchone()[0]
          for c in conns]
for c in conns:
    c.close()
opened.lock()
print(json.dumps({"store": opened.store.memory_security, "pragma": [int(v) for v in values]}))
"""


def _pragmas(tmp_path: Path, flag: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "data"), flag],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(("flag", "expected"), [("default", 0), ("off", 0), ("on", 1)])
def test_cipher_memory_security_follows_the_policy_on_every_connection(
    tmp_path: Path, flag: str, expected: int
) -> None:
    found = _pragmas(tmp_path, flag)
    assert found == {"store": expected == 1, "pragma": [expected] * 3}
