"""The import rules of ARCHITECTURE §1, checked with import-linter.

The contracts live in pyproject.toml; this test runs them on the real code, and
runs the same contracts on a tiny throwaway project that breaks each rule, to
prove the contracts would catch a violation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def _contracts() -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(config["tool"]["importlinter"])


def test_contracts_cover_every_rule() -> None:
    names = [c["name"] for c in _contracts()["contracts"]]
    assert len(names) >= 5
    sources = {tuple(c["source_modules"]) for c in _contracts()["contracts"]}
    assert ("rm_desk.domain",) in sources
    assert ("local_store", "sync") in sources
    assert ("sync.server",) in sources
    assert ("ui",) in sources


def test_real_code_keeps_the_import_rules() -> None:
    result = subprocess.run(
        [str(LINT), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


VIOLATIONS = {
    "rm_desk/domain/bad.py": "import local_store.x\n",
    "local_store/bad.py": "import PySide6\n",
    "sync/server/bad.py": "import local_store.x\n",
    "ui/bad.py": "import sqlalchemy\n",
}


@pytest.mark.parametrize(("path", "source"), VIOLATIONS.items())
def test_contracts_catch_a_violation(tmp_path: Path, path: str, source: str) -> None:
    for package in (
        "rm_desk",
        "rm_desk/domain",
        "rm_desk/services",
        "rm_desk/demo",
        "local_store",
        "sync",
        "sync/server",
        "sync/client",
        "ui",
    ):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "rm_desk" / "cli.py").write_text("")
    (tmp_path / "local_store" / "x.py").write_text("")
    (tmp_path / path).write_text(source)
    lines = [
        "[importlinter]",
        "root_packages =",
        *[f"    {p}" for p in _contracts()["root_packages"]],
        "include_external_packages = True",
        "",
    ]
    for i, contract in enumerate(_contracts()["contracts"]):
        lines.append(f"[importlinter:contract:{i}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =")
                lines.extend(f"    {v}" for v in value)
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    (tmp_path / ".importlinter").write_text("\n".join(lines))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
