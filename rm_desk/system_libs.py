"""The system libraries Qt needs on Linux, and the one line that names the missing ones.

PySide6's wheels carry Qt itself but not the X11/OpenGL/font libraries of the system.
Without one of them Qt stops with a raw message about its "xcb" platform plugin; this
module is asked first (by `rm-desk` before it opens a window, by `dev.py demo` before
it starts the app, by installer/build_linux.py for the .deb's Depends) and names the
missing sonames and the Debian packages that bring them, in one line.

Plain standard library: dev.py loads this file by its path, before the virtual
environment exists. The table is checked against `ldd` of PySide6's libqxcb.so by
tests/unit/test_system_libs.py.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Library:
    soname: str
    package: str  # the Debian package (bookworm's name; trixie's t64 packages provide it)
    xcb_only: bool  # needed only by the X11 platform plugin (not offscreen or Wayland)


# What QtGui, QtDBus and the xcb platform plugin (libqxcb.so, libQt6XcbQpa.so.6) link
# directly, less the C/C++ runtime every Debian has.
LIBRARIES: tuple[Library, ...] = (
    Library("libGL.so.1", "libgl1", xcb_only=False),
    Library("libEGL.so.1", "libegl1", xcb_only=False),
    Library("libfontconfig.so.1", "libfontconfig1", xcb_only=False),
    Library("libfreetype.so.6", "libfreetype6", xcb_only=False),
    Library("libglib-2.0.so.0", "libglib2.0-0", xcb_only=False),
    Library("libdbus-1.so.3", "libdbus-1-3", xcb_only=False),
    Library("libxkbcommon.so.0", "libxkbcommon0", xcb_only=False),
    Library("libX11.so.6", "libx11-6", xcb_only=False),
    Library("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", xcb_only=True),
    Library("libX11-xcb.so.1", "libx11-xcb1", xcb_only=True),
    Library("libxcb.so.1", "libxcb1", xcb_only=True),
    Library("libxcb-cursor.so.0", "libxcb-cursor0", xcb_only=True),
    Library("libxcb-icccm.so.4", "libxcb-icccm4", xcb_only=True),
    Library("libxcb-image.so.0", "libxcb-image0", xcb_only=True),
    Library("libxcb-keysyms.so.1", "libxcb-keysyms1", xcb_only=True),
    Library("libxcb-randr.so.0", "libxcb-randr0", xcb_only=True),
    Library("libxcb-render.so.0", "libxcb-render0", xcb_only=True),
    Library("libxcb-render-util.so.0", "libxcb-render-util0", xcb_only=True),
    Library("libxcb-shape.so.0", "libxcb-shape0", xcb_only=True),
    Library("libxcb-shm.so.0", "libxcb-shm0", xcb_only=True),
    Library("libxcb-sync.so.1", "libxcb-sync1", xcb_only=True),
    Library("libxcb-util.so.1", "libxcb-util1", xcb_only=True),
    Library("libxcb-xfixes.so.0", "libxcb-xfixes0", xcb_only=True),
    Library("libxcb-xkb.so.1", "libxcb-xkb1", xcb_only=True),
)

# Simplified Chinese needs a CJK font (ui/i18n.py CJK_FAMILIES); without one the Chinese
# interface shows boxes, it does not stop.
CJK_FONT_PACKAGE = "fonts-noto-cjk"

Lookup = Callable[[str], bool]


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will start its X11 platform: QT_QPA_PLATFORM unset, or naming xcb."""
    platform = env.get("QT_QPA_PLATFORM", "").strip()
    return sys.platform.startswith("linux") and (not platform or platform.startswith("xcb"))


@functools.cache
def _ldconfig_names() -> frozenset[str]:
    tool = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if Path(p).exists()), None
    )
    if tool is None:
        return frozenset()
    try:
        out = subprocess.run(  # noqa: S603  (a fixed system tool, no input)
            [tool, "-p"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.split()[0] for line in out.splitlines()[1:] if line.strip())


def _bundle_dirs() -> list[Path]:
    """The frozen app's own folder (PyInstaller), where a library may come along."""
    base = getattr(sys, "_MEIPASS", None)
    return [Path(base)] if base else []


def library_found(soname: str) -> bool:
    """Whether the dynamic linker can find `soname`: in its cache, beside the frozen
    app, or else by loading it (LD_LIBRARY_PATH and the like)."""
    if soname in _ldconfig_names() or any((d / soname).exists() for d in _bundle_dirs()):
        return True
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing(*, xcb: bool, lookup: Lookup | None = None) -> list[Library]:
    """The libraries Qt needs (with those of the X11 plugin when `xcb`) not found."""
    find = lookup or library_found
    return [lib for lib in LIBRARIES if (xcb or not lib.xcb_only) and not find(lib.soname)]


def packages(libraries: Iterable[Library]) -> list[str]:
    return list(dict.fromkeys(lib.package for lib in libraries))


def apt_command(names: Iterable[str]) -> str:
    return "apt-get install -y --no-install-recommends " + " ".join(names)


def problem_line(libraries: list[Library], *, root: bool) -> str:
    """One line: what is missing and the one command that brings it."""
    sonames = ", ".join(lib.soname for lib in libraries)
    sudo = "" if root else "sudo "
    return (
        f"Qt cannot start: system libraries missing ({sonames}); "
        f"install them with: {sudo}{apt_command(packages(libraries))}"
    )


def check(env: Mapping[str, str] | None = None, lookup: Lookup | None = None) -> str | None:
    """None when Qt can start here, else the one line to print (Linux only)."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return None
    absent = missing(xcb=uses_xcb(env), lookup=lookup)
    if absent:
        return problem_line(absent, root=_is_root())
    if uses_xcb(env) and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "Qt cannot start: no display (DISPLAY is not set); run it in a desktop session, "
            "or with QT_QPA_PLATFORM=offscreen for --screenshots"
        )
    return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
