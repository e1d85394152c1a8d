"""The .deb's metadata (installer/build_linux.py): Depends names every system library
Qt needs and a CJK font, the policy file is a conffile, the file tree is as documented."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rm_desk import system_libs

ROOT = Path(__file__).resolve().parents[2]


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "rm_desk_build_linux", ROOT / "installer" / "build_linux.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build()


def fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith(" "):
            key, _, value = line.partition(": ")
            out[key] = value
    return out


def test_control_depends_on_the_qt_libraries_and_a_cjk_font() -> None:
    text = build.control("1.2.3", 123456, "2.36")
    assert text.endswith("\n")
    control = fields(text)
    assert control["Package"] == "rm-desk"
    assert control["Version"] == "1.2.3"
    assert control["Architecture"] == "amd64"
    assert control["Installed-Size"] == "123456"
    depends = [d.strip() for d in control["Depends"].split(",")]
    assert depends[0] == "libc6 (>= 2.36)"
    alternatives = {alt.strip() for d in depends for alt in d.split("|")}
    for lib in system_libs.LIBRARIES:
        assert lib.package in alternatives, lib
    assert "libxcb-icccm4" in depends
    assert "libxcb-keysyms1" in depends
    assert "libglib2.0-0t64 | libglib2.0-0" in depends  # Debian 12 and 13
    assert "fonts-noto-cjk | fonts-wqy-microhei" in depends
    assert len(depends) == len(set(depends))
    assert control["Description"]


def test_the_policy_file_is_the_only_conffile() -> None:
    assert build.conffiles() == "/etc/rm-desk/policy.json\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux package")
def test_the_staged_tree(tmp_path: Path) -> None:
    app = tmp_path / "bundle"
    (app / "_internal").mkdir(parents=True)
    (app / "rm-desk").write_text("#!/bin/sh\n", encoding="utf-8")
    (app / "rm-desk").chmod(0o700)
    root = tmp_path / "root"
    build.stage(app, root)
    assert (root / "opt/rm-desk/rm-desk").stat().st_mode & 0o777 == 0o755
    assert (root / "opt/rm-desk/rm-desk-central").readlink() == Path("rm-desk")
    assert (root / "usr/bin/rm-desk").readlink() == Path("/opt/rm-desk/rm-desk")
    assert (root / "usr/bin/rm-desk-central").readlink() == Path("/opt/rm-desk/rm-desk-central")
    desktop = (root / "usr/share/applications/rm-desk.desktop").read_text(encoding="utf-8")
    assert "Exec=rm-desk\n" in desktop
    assert "Icon=rm-desk\n" in desktop
    assert "StartupWMClass=rm-desk\n" in desktop  # = the app name (ui/app.py APP_ID)
    for size in (48, 128, 256):
        icon = root / f"usr/share/icons/hicolor/{size}x{size}/apps/rm-desk.png"
        assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (root / "usr/share/icons/hicolor/scalable/apps/rm-desk.svg").exists()
    assert (root / "etc/rm-desk/policy.json").read_text(encoding="utf-8") == "{}\n"
    debian = root / "DEBIAN"
    assert (debian / "conffiles").read_text(encoding="utf-8") == "/etc/rm-desk/policy.json\n"
    for script in ("preinst", "postinst", "postrm"):
        assert (debian / script).stat().st_mode & 0o777 == 0o755
        assert (debian / script).read_text(encoding="utf-8").startswith("#!/bin/sh\nset -e\n")
    # Purge never reaches into the users' homes: their profiles hold unsynced work.
    assert "/home" not in (debian / "postrm").read_text(encoding="utf-8")
    assert ".local" not in (debian / "postrm").read_text(encoding="utf-8")
    control = fields((debian / "control").read_text(encoding="utf-8"))
    assert int(control["Installed-Size"]) >= 1


@pytest.mark.parametrize(
    ("args", "env", "refused"),
    [
        (("upgrade", "0.2.0", "0.1.0"), {}, True),  # over a newer version
        (("upgrade", "0.1.0~rc1", "0.1.0"), {}, False),
        (("upgrade", "0.1.0", "0.1.0"), {}, False),  # a reinstall
        (("install",), {}, False),
        (("upgrade", "0.2.0", "0.1.0"), {"RM_DESK_ALLOW_DOWNGRADE": "1"}, False),
    ],
)
def test_the_package_refuses_to_install_over_a_newer_version(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], refused: bool
) -> None:
    if shutil.which("dpkg") is None:
        pytest.skip("dpkg --compare-versions needs dpkg (Debian)")
    script = tmp_path / "preinst"
    script.write_text(build.PREINST, encoding="utf-8")
    ran = subprocess.run(
        ["/bin/sh", str(script), *args], capture_output=True, text=True, check=False,
        env={"PATH": os.environ["PATH"], **env}, timeout=30,
    )  # fmt: skip
    assert (ran.returncode != 0) is refused, ran.stderr
    if refused:
        assert "refusing to downgrade" in ran.stderr
        assert len(ran.stderr.strip().splitlines()) == 1
