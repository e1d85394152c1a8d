"""The system libraries Qt needs (rm_desk/system_libs.py): a missing one is one line
naming it and the apt-get command, from `rm-desk` and from `dev.py demo`, never Qt's
own abort; and the table covers what PySide6's X11 plugin links."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rm_desk import cli, system_libs

ROOT = Path(__file__).resolve().parents[2]
RM_DESK = Path(sys.executable).parent / "rm-desk"
GONE = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def without(*gone: str) -> system_libs.Lookup:
    return lambda soname: soname not in gone


def test_the_missing_libraries_are_named_with_their_packages_in_one_line() -> None:
    absent = system_libs.missing(xcb=True, lookup=without(*GONE))
    assert {lib.soname for lib in absent} == GONE
    line = system_libs.problem_line(absent, root=False)
    assert "\n" not in line
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert line.endswith(
        "sudo apt-get install -y --no-install-recommends libxcb-icccm4 libxcb-keysyms1"
    )
    assert "sudo" not in system_libs.problem_line(absent, root=True)


def test_offscreen_needs_no_x11_libraries() -> None:
    assert system_libs.missing(xcb=False, lookup=without(*GONE)) == []
    egl = system_libs.missing(xcb=False, lookup=without("libEGL.so.1"))
    assert [lib.soname for lib in egl] == ["libEGL.so.1"]
    assert not system_libs.uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert system_libs.uses_xcb({}) == sys.platform.startswith("linux")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's X11 plugin")
def test_check_says_what_is_missing_then_a_missing_display() -> None:
    everything = without()
    line = system_libs.check({}, lookup=without("libxcb-cursor.so.0"))
    assert line is not None
    assert "libxcb-cursor0" in line
    assert system_libs.check({"DISPLAY": ":0"}, lookup=everything) is None
    no_display = system_libs.check({}, lookup=everything)
    assert no_display is not None
    assert "no display" in no_display
    assert system_libs.check({"QT_QPA_PLATFORM": "offscreen"}, lookup=everything) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's X11 plugin")
def test_rm_desk_stops_in_one_line_before_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(system_libs, "library_found", without(*GONE))
    assert cli.main(["--demo"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("rm-desk: error: Qt cannot start: system libraries missing")
    assert "libxcb-icccm4 libxcb-keysyms1" in err[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's X11 plugin")
def test_the_real_command_without_a_display_is_one_line(tmp_path: Path) -> None:
    """End to end: on the X11 platform with no display (and here maybe without the X11
    libraries, as on CI), `rm-desk --demo` says so in one line, without Qt's abort."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env |= {"QT_QPA_PLATFORM": "xcb", "RM_DESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(RM_DESK), "--demo"], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rm-desk: error: Qt cannot start: ")
    assert "starting the demo bank" not in result.stdout  # stopped before any work


# Linked by PySide6's libraries but brought by a package of the table (or the C
# runtime, zlib and zstd, which every Debian has).
BROUGHT_ALONG = re.compile(
    r"^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|libz|"
    r"libzstd|libXau|libXdmcp|libbsd|libmd|libpcre2-8|libexpat|libpng16|libbrotli\w*|"
    r"libsystemd|libcap|libgcrypt|liblzma|liblz4|libgpg-error|libGLdispatch|libGLX|"
    r"libgthread-2\.0|libffi|libuuid)[.-]"
)


@pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is Linux's")
def test_the_table_covers_what_the_x11_plugin_links() -> None:
    import PySide6  # noqa: PLC0415

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    # Without LD_PRELOAD: a preloaded library (libfaketime in the clock-ahead pass) is
    # listed by ldd but is not something the plugin links.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    out = subprocess.run(
        ["ldd", str(plugin)], capture_output=True, text=True, check=True, timeout=60, env=env
    ).stdout
    table = {lib.soname for lib in system_libs.LIBRARIES}
    linked = set()
    for line in out.splitlines():
        name, _, where = line.strip().partition(" => ")
        if str(qt) in where or not name:
            continue  # Qt's own libraries come in the wheel
        linked.add(Path(name.split()[0]).name)
    assert "libxcb-icccm.so.4" in linked
    uncovered = sorted(n for n in linked - table if not BROUGHT_ALONG.match(n))
    assert uncovered == [], f"add these to rm_desk/system_libs.py LIBRARIES: {uncovered}"


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rm_desk_dev_script_libs", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = _dev()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="apt-get is Debian's")
def test_dev_demo_installs_the_missing_packages_as_root() -> None:
    ran: list[tuple[str, ...]] = []

    def run(*cmd: str, env: dict[str, Any] | None = None) -> None:
        assert env is not None
        assert env["DEBIAN_FRONTEND"] == "noninteractive"
        ran.append(cmd)

    if shutil.which("apt-get") is None:
        pytest.skip("no apt-get on this Linux")
    dev.ensure_system_packages({}, lookup=without(*GONE), cjk_font=False, root=True, run=run)
    assert ran == [
        ("apt-get", "update", "-qq"),
        ("apt-get", "install", "-y", "--no-install-recommends",
         "libxcb-icccm4", "libxcb-keysyms1", "fonts-noto-cjk"),
    ]  # fmt: skip


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="apt-get is Debian's")
def test_dev_demo_names_the_command_when_not_root() -> None:
    def run(*cmd: str, env: dict[str, Any] | None = None) -> None:
        raise AssertionError(f"ran {cmd}")

    with pytest.raises(SystemExit) as stopped:
        dev.ensure_system_packages({}, lookup=without(*GONE), cjk_font=True, root=False, run=run)
    message = str(stopped.value.code)
    assert "\n" not in message
    assert message.endswith(
        "sudo apt-get install -y --no-install-recommends libxcb-icccm4 libxcb-keysyms1"
    )
    # Everything there: nothing to say, nothing run.
    dev.ensure_system_packages({}, lookup=without(), cjk_font=True, root=False, run=run)
