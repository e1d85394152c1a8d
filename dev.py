#!/usr/bin/env python3
"""Set up RM Desk in a local virtual environment, then run the demo or the tests.

    python3 dev.py demo     set up, then start the app in demo mode
    python3 dev.py test     set up, then run lint, types, import rules and every test
    python3 dev.py test --fast          the same without the slow and PostgreSQL tests
    python3 dev.py test --clock-ahead   the tests again, the clock a year ahead (faketime)

Needs only Python 3.11+. The environment lives in .venv and is reinstalled only
when pyproject.toml changes. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".rm-desk-installed"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (this script runs on any python3)
        sys.exit("RM Desk needs Python 3.11 or newer")
    if not _python().exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    _run(_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(_python(), "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(want)


def demo(args: list[str]) -> None:
    _run(BIN / "rm-desk", "--demo", *args)


# `test --clock-ahead` runs the tests again with every process's clock a year ahead
# (libfaketime): the suite must not depend on the wall clock (CI runs it).
CLOCK_AHEAD = "+365d"
# `test --fast` leaves out the tests marked slow or postgres (markers in pyproject.toml;
# tests/conftest.py applies them). CI runs everything.
FAST_LANE = "not slow and not postgres"


def test(args: list[str]) -> None:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    workers = "2" if (os.cpu_count() or 1) >= 2 else "1"
    if args[:1] == ["--clock-ahead"]:
        faketime = shutil.which("faketime")
        if faketime is None:
            sys.exit("--clock-ahead needs libfaketime: apt-get install faketime")
        print(f"tests with the clock at {CLOCK_AHEAD}", flush=True)
        pytest = (_python(), "-m", "pytest", "-n", workers, "--timeout=600", *args[1:])
        _run(faketime, "-f", CLOCK_AHEAD, *pytest, env=env)
        return
    fast = args[:1] == ["--fast"]
    if fast:
        args = ["-m", FAST_LANE, *args[1:]]
    _run(BIN / "ruff", "check", ".", env=env)
    _run(BIN / "ruff", "format", "--check", ".", env=env)
    _run(BIN / "mypy", env=env)
    _run(BIN / "lint-imports", env=env)
    _run(_python(), "-m", "pytest", "-n", workers, "--timeout=600", *args, env=env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup"}:
        sys.exit(__doc__)
    setup()
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "demo":
        demo(rest)
    elif command == "test":
        test(rest)


if __name__ == "__main__":
    main()
