"""The .deb for real: build it (or take RM_DESK_DEB), `dpkg -i`, run the installed
`rm-desk --version`, `rm-desk-central --version`, a profile in the user's own data
folder and the demo screenshots offscreen, then `dpkg -r` (program gone, user data and
the policy conffile kept) and `dpkg --purge` (the policy gone, user data still kept).

Needs root and dpkg: in CI (CI=true, root) it must run; elsewhere it skips without
them. Slow (tests/slow.txt): the bundle takes minutes to build. The build, dpkg and
the installed program run at the machine's own clock: the suite runs with libfaketime
preloaded (the clock a year ahead), which would stamp the bundle and the package's
files a year in the future and is not what this test is about.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "rm-desk"
IN_CI = os.environ.get("CI") == "true"
BUILD_TIMEOUT_S = 1500


def _cannot() -> str | None:
    if not sys.platform.startswith("linux") or shutil.which("dpkg") is None:
        return "needs Debian's dpkg"
    if os.geteuid() != 0:
        return "dpkg -i needs root"
    return None


def _run(*cmd: str | Path, env: dict[str, str] | None = None, timeout: float = 300,
         stdin: str = "") -> subprocess.CompletedProcess[str]:  # fmt: skip
    real_clock = {k: v for k, v in (os.environ if env is None else env).items()
                  if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}  # fmt: skip
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=real_clock,
        timeout=timeout, input=stdin, check=False,
    )  # fmt: skip


def _installed() -> bool:
    status = _run("dpkg-query", "-W", "-f=${Status}", PACKAGE)
    return status.returncode == 0 and "installed" in status.stdout.split()


@pytest.fixture(scope="module")
def deb() -> Path:
    reason = _cannot()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI must install the .deb: {reason}")
        pytest.skip(reason)
    given = os.environ.get("RM_DESK_DEB")
    if given:
        return Path(given)
    built = _run(sys.executable, ROOT / "installer" / "build_linux.py", timeout=BUILD_TIMEOUT_S)
    assert built.returncode == 0, built.stderr[-3000:]
    print(built.stdout[-1000:])  # the sizes and build times (pytest -s shows them)
    found = sorted((ROOT / "dist").glob(f"{PACKAGE}_*_amd64.deb"))
    assert found, built.stdout
    return found[-1]


@pytest.fixture
def installed(deb: Path) -> Iterator[None]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if _installed() and IN_CI:  # left by an interrupted run on this CI machine
        _run("dpkg", "--purge", PACKAGE, env=env)
    assert not _installed(), "rm-desk is installed already: dpkg --purge rm-desk first"
    first = _run("dpkg", "-i", deb, env=env)
    try:
        if first.returncode != 0:
            # Dependencies not on this machine yet: apt-get brings them, as documented.
            assert "dependency problems" in first.stderr, first.stderr
            fixed = _run("apt-get", "-f", "install", "-y", "--no-install-recommends", env=env,
                         timeout=900)  # fmt: skip
            assert fixed.returncode == 0, fixed.stdout[-2000:] + fixed.stderr[-2000:]
        assert _installed()
        yield
    finally:
        if _installed() or Path("/opt/rm-desk").exists():
            _run("dpkg", "--purge", PACKAGE, env=env)


def _user_env(home: Path) -> dict[str, str]:
    """A desktop user's environment: no test overrides of the data dir or policy."""
    drop = {"RM_DESK_DATA_DIR", "RM_DESK_POLICY", "RM_DESK_RESOURCES", "XDG_DATA_HOME",
            "PYTHONPATH", "VIRTUAL_ENV"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}


@pytest.mark.timeout(BUILD_TIMEOUT_S + 900)
@pytest.mark.usefixtures("installed")
def test_install_run_remove_purge(tmp_path: Path) -> None:
    from ui.screenshots import VIEWS  # noqa: PLC0415

    home = tmp_path / "home"
    home.mkdir()
    env = _user_env(home)
    rm_desk, central = Path("/usr/bin/rm-desk"), Path("/usr/bin/rm-desk-central")
    assert rm_desk.resolve() == Path("/opt/rm-desk/rm-desk")

    version = _run(rm_desk, "--version", env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("rm-desk 0.")
    central_version = _run(central, "--version", env=env)
    assert central_version.returncode == 0, central_version.stderr
    assert central_version.stdout.startswith("rm-desk-central ")
    policy = _run(rm_desk, "policy", "show", env=env)  # the installed conffile, read
    assert policy.returncode == 0, policy.stderr
    # The gateway's migrations ship in the bundle: a new database is brought to head.
    central_db = f"sqlite:///{tmp_path / 'central.db'}"
    upgraded = _run(central, "--db", central_db, "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    current = _run(central, "--db", central_db, "db", "current", env=env)
    assert current.returncode == 0, current.stderr
    assert "0001" in current.stdout, current.stdout

    # A profile in the user's own data folder (~/.local/share/rm-desk).
    loaded = _run(rm_desk, "demo", "load", "--user", "rmdeb", "--customers", "20",
                  "--password-stdin", env=env, stdin="deb test password 1\n")  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    data = home / ".local" / "share" / "rm-desk"
    assert any(data.rglob("*")), "no user data written"

    shots = tmp_path / "shots"
    start = time.monotonic()
    drawn = _run(rm_desk, "--demo", "--demo-customers", "300", "--screenshots", shots,
                 env=env, timeout=900)  # fmt: skip
    assert drawn.returncode == 0, drawn.stdout[-2000:] + drawn.stderr[-2000:]
    for lang in ("en", "zh_CN"):
        for view in VIEWS:
            picture = shots / lang / f"{view}.png"
            assert picture.stat().st_size > 1000, picture
    print(f"installed screenshots: {time.monotonic() - start:.1f} s")

    removed = _run("dpkg", "-r", PACKAGE)
    assert removed.returncode == 0, removed.stderr
    assert not Path("/opt/rm-desk").exists()
    assert not rm_desk.exists()
    assert not central.exists()
    assert not Path("/usr/share/applications/rm-desk.desktop").exists()
    assert Path("/etc/rm-desk/policy.json").exists()  # a conffile stays until purge
    assert any(data.rglob("*")), "removing the program took the user's data"

    purged = _run("dpkg", "--purge", PACKAGE)
    assert purged.returncode == 0, purged.stderr
    assert not Path("/etc/rm-desk").exists()
    assert any(data.rglob("*")), "purge took the user's data"
