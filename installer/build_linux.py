#!/usr/bin/env python3
"""Build RM Desk for Linux: the PyInstaller one-folder bundle, then the .deb.

    python3 installer/build_linux.py                 bundle + .deb (dist/)
    python3 installer/build_linux.py --deb-only      the .deb from an existing bundle

Run it with the project's virtual environment (`python3 dev.py package` does), which
holds PyInstaller (the `dev` extra). Writes dist/rm-desk/ (the bundle) and
dist/rm-desk_<version>_amd64.deb, and prints their sizes and the build times.
installer/README.md says what the package installs and how to remove it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "rm-desk.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build"
PACKAGE = "rm-desk"
PREFIX = "/opt/rm-desk"
POLICY = "/etc/rm-desk/policy.json"
COMMANDS = ("rm-desk", "rm-desk-central")
ICON_SIZES = (48, 128, 256)


def _system_libs() -> ModuleType:
    """rm_desk/system_libs.py by its path: the libraries Qt needs and their packages."""
    spec = importlib.util.spec_from_file_location(
        "rm_desk_system_libs", ROOT / "rm_desk" / "system_libs.py"
    )
    assert spec is not None  # noqa: S101
    assert spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def version() -> str:
    text = (ROOT / "rm_desk" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if found is None:
        raise SystemExit("build_linux: no __version__ in rm_desk/__init__.py")
    return found.group(1)


# Debian 13 renamed some libraries for 64-bit time (t64); its packages provide the old
# names, but a Depends that names both reads right on either release.
T64 = {"libglib2.0-0": "libglib2.0-0t64"}


def depends(glibc: str) -> list[str]:
    """The package's Depends: the C library the bundle was built against, the system
    libraries Qt needs (rm_desk/system_libs.py) and a CJK font."""
    libs = _system_libs()
    names = libs.packages(libs.LIBRARIES)
    wanted = [f"libc6 (>= {glibc})"]
    wanted += [f"{T64[n]} | {n}" if n in T64 else n for n in names]
    wanted.append(f"{libs.CJK_FONT_PACKAGE} | fonts-wqy-microhei")
    return wanted


def control(ver: str, installed_kib: int, glibc: str, arch: str = "amd64") -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {ver}\n"
        f"Architecture: {arch}\n"
        "Maintainer: RM Desk team <rm-desk@localhost>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends(glibc))}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: Offline-first, encrypted workstation for relationship managers\n"
        " RM Desk keeps a relationship manager's book of customers in an encrypted\n"
        " database and synchronises it with the central CRM (rm-desk), and is the\n"
        " central sync gateway's admin command (rm-desk-central).\n"
    )


def conffiles() -> str:
    return f"{POLICY}\n"


POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
fi
exit 0
"""

# An install over a newer version is refused (as the MSI refuses a downgrade): a newer
# build may have migrated the users' profiles to a schema this one cannot open. dpkg
# calls `preinst upgrade OLD NEW`; an administrator who means it sets
# RM_DESK_ALLOW_DOWNGRADE=1.
PREINST = """#!/bin/sh
set -e
if [ "$1" = upgrade ] && [ -n "$2" ] && [ "${RM_DESK_ALLOW_DOWNGRADE:-0}" != 1 ]; then
    if dpkg --compare-versions "$2" gt "$3"; then
        echo "rm-desk: version $2 is installed, newer than $3: refusing to downgrade" \
            "(the users' profiles may need the newer version; set" \
            "RM_DESK_ALLOW_DOWNGRADE=1 to force it)" >&2
        exit 1
    fi
fi
exit 0
"""

# Per-user data (~/.local/share/rm-desk: the encrypted profiles) is never touched, not
# even by purge: it holds unsynced work. Purge removes the policy file (dpkg does, as a
# conffile) and then the folder it leaves.
POSTRM = """#!/bin/sh
set -e
case "$1" in
    remove|purge)
        if command -v update-desktop-database >/dev/null 2>&1; then
            update-desktop-database -q /usr/share/applications || true
        fi
        ;;
esac
if [ "$1" = purge ]; then
    rmdir /etc/rm-desk 2>/dev/null || true
fi
exit 0
"""

DESKTOP = """[Desktop Entry]
Type=Application
Name=RM Desk
Name[zh_CN]=RM Desk 客户经理工作台
GenericName=Relationship manager workstation
GenericName[zh_CN]=客户经理工作台
Comment=Your book of customers, offline and encrypted, synchronised with the central CRM
Comment[zh_CN]=离线加密的客户经理工作台，与中心CRM同步
Exec=rm-desk
Icon=rm-desk
Terminal=false
Categories=Office;Finance;
StartupWMClass=rm-desk
"""

# The machine policy: empty is every default (docs/policy.md lists the keys).
POLICY_TEXT = "{}\n"


def _tree_kib(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir())
    return (total + 1023) // 1024


def _glibc() -> str:
    found = os.confstr("CS_GNU_LIBC_VERSION") or "glibc 2.36"
    return found.split()[-1]


def bundle(python: str) -> float:
    """PyInstaller's one-folder bundle in dist/rm-desk/; the seconds it took."""
    start = time.monotonic()
    subprocess.run(  # noqa: S603
        [python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(WORK / "pyinstaller"), str(SPEC)],
        check=True, cwd=ROOT,
    )  # fmt: skip
    return time.monotonic() - start


def _vendored(path: Path) -> bool:
    """A library a wheel carries beside its modules, or a module whose search path
    auditwheel rewrote to find them."""
    return any(p.endswith(".libs") for p in path.parts) or b"$ORIGIN/../" in path.read_bytes()


def strip_debug(app: Path) -> int:
    """Drop the debugging sections that some libraries carry (SQLCipher's module,
    libpython, cryptography's: about 40 MB); only from files that have them, code
    untouched. Never a library that a wheel vendored (`*.libs/`, rewritten by
    auditwheel's patchelf): strip breaks those ("ELF load command address/offset not
    page-aligned"). The bytes saved (0 without binutils' strip)."""
    strip = shutil.which("strip")
    if strip is None:
        return 0
    saved = 0
    for path in sorted(app.rglob("*.so*")):
        if path.is_symlink() or not path.is_file() or _vendored(path):
            continue
        if b".debug_info" not in path.read_bytes():
            continue
        before = path.stat().st_size
        subprocess.run([strip, "--strip-debug", str(path)], check=True)  # noqa: S603
        saved += before - path.stat().st_size
    return saved


def stage(app: Path, root: Path) -> None:
    """The package's file tree under `root` (DEBIAN/ included)."""
    if root.exists():
        shutil.rmtree(root)
    opt = root / PREFIX.lstrip("/")
    shutil.copytree(app, opt, symlinks=True)
    (opt / "rm-desk-central").symlink_to("rm-desk")  # one program, two names
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for name in COMMANDS:
        (bin_dir / name).symlink_to(f"{PREFIX}/{name}")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "rm-desk.desktop").write_text(DESKTOP, encoding="utf-8")
    icons = ROOT / "resources" / "icons"
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copyfile(icons / f"rm-desk-{size}.png", target / "rm-desk.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(icons / "rm-desk.svg", hicolor / "scalable" / "apps" / "rm-desk.svg")
    policy = root / POLICY.lstrip("/")
    policy.parent.mkdir(parents=True)
    policy.write_text(POLICY_TEXT, encoding="utf-8")
    doc = root / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    shutil.copyfile(ROOT / "installer" / "README.md", doc / "README.md")
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control(version(), _tree_kib(root), _glibc()), encoding="utf-8")
    (debian / "conffiles").write_text(conffiles(), encoding="utf-8")
    for name, text in (("preinst", PREINST), ("postinst", POSTINST), ("postrm", POSTRM)):
        script = debian / name
        script.write_text(text, encoding="utf-8")
        script.chmod(0o755)
    for path in root.rglob("*"):  # what dpkg installs: root's, readable by all
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def deb(app: Path) -> tuple[Path, float]:
    """dist/rm-desk_<version>_amd64.deb from the bundle `app`; its path and seconds."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("build_linux: dpkg-deb is needed (Debian's dpkg package)")
    start = time.monotonic()
    root = WORK / "deb" / PACKAGE
    stage(app, root)
    out = DIST / f"{PACKAGE}_{version()}_amd64.deb"
    # zstd (dpkg 1.21.18+, Debian 12): 107 MiB in 16 s here, where xz -6 had not
    # finished in 8 minutes on the shared 2-core machine.
    subprocess.run(  # noqa: S603
        ["dpkg-deb", "--root-owner-group", "-Zzstd", "--build", str(root), str(out)],  # noqa: S607
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out, time.monotonic() - start


def _mib(path: Path) -> float:
    if path.is_dir():
        return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir()) / 2**20
    return path.stat().st_size / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb-only", action="store_true", help="reuse dist/rm-desk/")
    parser.add_argument("--python", default=sys.executable, help="the Python with PyInstaller")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("build_linux: builds on Linux only")
    app = DIST / PACKAGE
    if not args.deb_only:
        seconds = bundle(args.python)
        saved = strip_debug(app)
        print(f"debugging sections stripped: {saved / 2**20:.0f} MiB", flush=True)
        print(f"bundle {app}: {_mib(app):.0f} MiB in {seconds:.0f} s", flush=True)
    if not (app / "rm-desk").exists():
        raise SystemExit(f"build_linux: no bundle in {app}: build it first (without --deb-only)")
    out, seconds = deb(app)
    print(f"package {out}: {_mib(out):.0f} MiB in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
