#!/usr/bin/env python3
"""Set up RM Desk in a local virtual environment, then run the demo or the tests.

    python3 dev.py demo     set up, then start the app in demo mode
    python3 dev.py test     set up, then run lint, types, import rules, the dependency
                            audit (pip-audit) and every test, with the clock a year
                            ahead (libfaketime; today's clock if it is missing)
    python3 dev.py test --fast          the same without the slow and PostgreSQL tests
    python3 dev.py test --real-clock    the same at today's clock
    python3 dev.py test --both-clocks   the tests at today's clock, then a year ahead
    python3 dev.py test --clock-ahead   the tests alone, clock ahead (no lint)
    python3 dev.py package  set up, then build the Linux bundle and .deb into dist/
                            (installer/build_linux.py; installer/README.md)

Needs only Python 3.11+. The environment lives in .venv and is reinstalled only
when pyproject.toml changes. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path
from typing import Any

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


def _system_libs() -> Any:
    """rm_desk/system_libs.py, loaded by its path (plain standard library)."""
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location(
        "rm_desk_system_libs", ROOT / "rm_desk" / "system_libs.py"
    )
    assert spec is not None  # noqa: S101
    assert spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _cjk_font_present() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run(  # noqa: S603
        [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    ).stdout
    return bool(out.strip())


def system_packages(
    env: dict[str, str], *, lookup: Any = None, cjk_font: bool | None = None
) -> list[str]:
    """The Debian packages the demo lacks: Qt's system libraries (with the X11 plugin's
    unless QT_QPA_PLATFORM names another platform) and a CJK font."""
    libs = _system_libs()
    wanted = libs.packages(libs.missing(xcb=libs.uses_xcb(env), lookup=lookup))
    if not (_cjk_font_present() if cjk_font is None else cjk_font):
        wanted.append(libs.CJK_FONT_PACKAGE)
    return list(wanted)


def ensure_system_packages(
    env: dict[str, str],
    *,
    lookup: Any = None,
    cjk_font: bool | None = None,
    root: bool | None = None,
    run: Any = None,
) -> None:
    """Install what the demo lacks with apt-get when root; otherwise stop with the one
    apt-get command to run."""
    wanted = system_packages(env, lookup=lookup, cjk_font=cjk_font)
    if not wanted or not sys.platform.startswith("linux"):
        return
    libs = _system_libs()
    command = libs.apt_command(wanted)
    is_root = (os.geteuid() == 0) if root is None else root
    if not is_root or shutil.which("apt-get") is None:
        sys.exit(f"RM Desk needs system packages that are missing; run: sudo {command}")
    run = run or _run
    print(f"installing the system packages Qt needs: {' '.join(wanted)}", flush=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=apt_env)
    run(*command.split(), env=apt_env)


def demo(args: list[str]) -> None:
    env = dict(os.environ)
    if any(a == "--screenshots" or a.startswith("--screenshots=") for a in args):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")  # the app draws offscreen then
    ensure_system_packages(env)
    _run(BIN / "rm-desk", "--demo", *args)


# The tests run with every process's clock a year ahead (libfaketime): the suite must
# not depend on the wall clock, and a test that compares the clock with the demo bank or
# a fixture frozen in time fails here (issue #11). One pass, clock ahead, is what CI
# runs; `test --real-clock` runs today's clock instead, `test --both-clocks` both.
CLOCK_AHEAD = "+365d"
# `test --fast` leaves out the tests marked slow or postgres (markers in pyproject.toml;
# tests/conftest.py applies them). CI runs everything.
FAST_LANE = "not slow and not postgres"

# The dependency audit: pip-audit checks every package installed in .venv against the
# vulnerability data PyPI publishes (network to PyPI needed). A finding fails the tests
# unless it is written down in this file, with its reason and a review date.
AUDIT_EXCEPTIONS = ROOT / "pip-audit-exceptions.toml"
AUDIT_TIMEOUT_S = 120


class AuditError(Exception):
    """The exceptions file is not as its header describes (one line for the user)."""


def audit_exceptions(text: str) -> dict[str, dict[str, Any]]:
    """The written-down exceptions by vulnerability id; each needs `id`, `package`,
    a non-empty `reason` and a `review_by` date."""
    try:
        entries = tomllib.loads(text).get("exception", [])
    except tomllib.TOMLDecodeError as exc:
        raise AuditError(f"{AUDIT_EXCEPTIONS.name}: {exc}") from None
    found: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(entries, 1):
        where = f"{AUDIT_EXCEPTIONS.name}, exception {number}"
        for key in ("id", "package", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise AuditError(f"{where}: `{key}` must be written down")
        if not isinstance(entry.get("review_by"), datetime.date):
            raise AuditError(f"{where}: `review_by` must be a date (YYYY-MM-DD)")
        found[entry["id"]] = entry
    return found


def audit_verdict(
    report: dict[str, Any], exceptions: dict[str, dict[str, Any]], today: datetime.date
) -> tuple[bool, list[str]]:
    """Whether pip-audit's JSON `report` passes given the `exceptions`, and the lines to
    print: each vulnerability not written down fails; packages PyPI could not tell
    about, exceptions past their review date and exceptions no longer needed are said."""
    lines: list[str] = []
    ok = True
    seen: set[str] = set()
    unaudited: list[str] = []
    audited = 0
    for dep in report.get("dependencies", []):
        name, version = dep.get("name", "?"), dep.get("version", "?")
        reason = dep.get("skip_reason")
        if reason is not None:
            if "editable" not in reason:  # our own package is not on PyPI
                unaudited.append(name)
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            ids = {vuln.get("id", "?"), *vuln.get("aliases", [])}
            written = sorted(ids & exceptions.keys())
            seen.update(written)
            if written:
                continue
            ok = False
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            lines.append(
                f"pip-audit: {name} {version} has {vuln.get('id', '?')} (fixed in: {fixes}); "
                f"upgrade it, or write it down in {AUDIT_EXCEPTIONS.name} with the reason"
            )
    for vid, entry in sorted(exceptions.items()):
        if vid not in seen:
            lines.append(f"pip-audit: exception {vid} ({entry['package']}) no longer needed")
        elif entry["review_by"] < today:
            lines.append(
                f"pip-audit: exception {vid} ({entry['package']}) was due for review on "
                f"{entry['review_by']}"
            )
    if unaudited and not audited:
        lines.append(
            f"pip-audit: PyPI answered but knew none of the {len(unaudited)} installed "
            "versions: nothing was audited (a PyPI mirror without the per-version JSON API?)"
        )
    elif unaudited:
        names = sorted(unaudited)
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        lines.append(
            f"pip-audit: {len(names)} package(s) unknown to PyPI, not audited: "
            f"{', '.join(names[:8])}{more}"
        )
    return ok, lines


def audit_dependencies(env: dict[str, str]) -> None:
    """Run pip-audit on .venv; fail on a vulnerability not written down. Without PyPI
    (no network) say so and go on, except in CI, where the audit must run."""
    ci = env.get("CI") == "true"
    try:
        exceptions = audit_exceptions(AUDIT_EXCEPTIONS.read_text(encoding="utf-8"))
    except (AuditError, OSError) as exc:
        sys.exit(f"pip-audit: {exc}")
    cmd = [str(BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off",
           "--format", "json", "--timeout", "20"]  # fmt: skip
    # Not --ignore-vuln: pip-audit would drop those findings from its report, and an
    # exception no longer needed could not be told (audit_verdict applies them).
    print("+", " ".join(cmd), flush=True)
    try:
        result = subprocess.run(  # noqa: S603  (our own venv's tool, fixed arguments)
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=AUDIT_TIMEOUT_S,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        result = None
    try:
        report = json.loads(result.stdout if result is not None else "")
    except json.JSONDecodeError:
        # No report: pip-audit stopped (its last line says why: no network, as a rule).
        problem = (
            (result.stderr.strip().splitlines() or ["no report"])[-1][:300]
            if result is not None
            else f"no answer in {AUDIT_TIMEOUT_S} s"
        )
        if ci:
            sys.exit(f"pip-audit could not run (CI needs PyPI): {problem}")
        print(f"pip-audit skipped, PyPI not reachable: {problem}", flush=True)
        return
    ok, lines = audit_verdict(report, exceptions, datetime.date.today())
    for line in lines:
        print(line, flush=True)
    if not ok:
        sys.exit(1)


def _clock_ahead(env: dict[str, str], required: bool) -> list[str]:
    """The command prefix that runs pytest with the clock a year ahead, or [] when
    libfaketime is missing and not required (CI requires it)."""
    faketime = shutil.which("faketime")
    if faketime is None:
        if required or env.get("CI") == "true":
            sys.exit("the tests run with the clock a year ahead: apt-get install faketime")
        print("faketime missing: the tests run at today's clock (apt-get install faketime "
              "for the clock-ahead check CI makes)", flush=True)  # fmt: skip
        return []
    print(f"tests with the clock at {CLOCK_AHEAD} (libfaketime)", flush=True)
    return [faketime, "-f", CLOCK_AHEAD]


def test(args: list[str]) -> None:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    workers = "2" if (os.cpu_count() or 1) >= 2 else "1"
    pytest = [str(_python()), "-m", "pytest", "-n", workers, "--timeout=600"]
    if args[:1] == ["--clock-ahead"]:  # the tests alone, clock ahead, no lint
        _run(*_clock_ahead(env, required=True), *pytest, *args[1:], env=env)
        return
    clock = "ahead"
    if args[:1] == ["--real-clock"]:
        clock, args = "real", args[1:]
    elif args[:1] == ["--both-clocks"]:
        clock, args = "both", args[1:]
    if args[:1] == ["--fast"]:
        args = ["-m", FAST_LANE, *args[1:]]
    _run(BIN / "ruff", "check", ".", env=env)
    _run(BIN / "ruff", "format", "--check", ".", env=env)
    _run(BIN / "mypy", env=env)
    _run(BIN / "lint-imports", env=env)
    audit_dependencies(env)
    if clock in {"real", "both"}:
        _run(*pytest, *args, env=env)
    if clock in {"ahead", "both"}:
        _run(*_clock_ahead(env, required=clock == "both"), *pytest, *args, env=env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup", "package"}:
        sys.exit(__doc__)
    setup()
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "demo":
        demo(rest)
    elif command == "test":
        test(rest)
    elif command == "package":
        _run(_python(), ROOT / "installer" / "build_linux.py", *rest)


if __name__ == "__main__":
    main()
