"""Build rm-desk.msi with wixl (Debian's msitools) from a staged tree.

    python installer/windows/build_msi.py [--dist DIR] [--out FILE] [--fake]

The staged tree is the PyInstaller one-folder bundle (`dist/rm-desk`, with
`rm-desk.exe`) when present; `--fake` (or no bundle) stages a small stand-in tree, which
is enough to check the package's tables (tests/installer/test_msi.py). The real build on
Windows uses WiX 3's heat, candle and light (installer/windows/README.md).

wixl understands a subset of WiX 3; what it lacks is added after it, as WiX's own
compiler would write it, with msibuild:
- `Secure="yes"` properties: appended to SecureCustomProperties;
- `<Condition Message=...>` launch conditions: rows of the LaunchCondition table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WXS = HERE / "rm-desk.wxs"
NS = {"wix": "http://schemas.microsoft.com/wix/2006/wi"}
MAIN_EXE = "rm-desk.exe"  # in rm-desk.wxs itself (the custom action runs it)


class BuildError(Exception):
    pass


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "(\d+\.\d+\.\d+)"', text, re.MULTILINE)
    if found is None:
        raise BuildError('no version = "X.Y.Z" in pyproject.toml')
    return found.group(1)


def fake_tree(where: Path) -> Path:
    """A stand-in for the PyInstaller bundle: the executable and a few nested files."""
    tree = where / "rm-desk"
    for name, text in {
        MAIN_EXE: "stand-in for the frozen RM Desk\n",
        "_internal/base_library.zip": "stdlib\n",
        "_internal/PySide6/plugins/platforms/qwindows.dll": "qt platform\n",
        "_internal/resources/translations/rm_desk_zh_CN.qm": "translations\n",
    }.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tree


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BuildError(f"{name} is not installed (Debian: apt-get install wixl msitools)")
    return found


def _run(command: list[str], stdin: str | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False,  # noqa: S603
                          cwd=cwd)  # fmt: skip
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BuildError(
            f"{Path(command[0]).name} failed: {detail[-1] if detail else done.returncode}"
        )
    return done.stdout


def secure_properties(wxs: Path = WXS) -> list[str]:
    root = ET.parse(wxs).getroot()  # noqa: S314  (our own source file)
    return [
        p.get("Id", "") for p in root.iterfind(".//wix:Property", NS) if p.get("Secure") == "yes"
    ]


def launch_conditions(wxs: Path = WXS) -> list[tuple[str, str]]:
    root = ET.parse(wxs).getroot()  # noqa: S314  (our own source file)
    return [
        ((c.text or "").strip(), c.get("Message", ""))
        for c in root.iterfind("./wix:Product/wix:Condition", NS)
    ]


def _sql(text: str) -> str:
    if "'" in text:  # libmsi's SQL has no escape for it
        raise BuildError(f"no apostrophe in a table value, please: {text}")
    return f"'{text}'"


def build(dist: Path, out: Path, work: Path) -> Path:
    if not (dist / MAIN_EXE).is_file():
        raise BuildError(f"{dist} has no {MAIN_EXE}: build the bundle first or pass --fake")
    # wixl takes sources relative to where it runs: from the tree's parent.
    base, name = dist.parent, dist.name
    files = sorted(p for p in dist.rglob("*") if p.is_file() and p != dist / MAIN_EXE)
    listing = "".join(f"{p.relative_to(base).as_posix()}\n" for p in files)
    fragment = _run([_tool("wixl-heat"), "-p", f"{name}/", "--directory-ref",
                     "INSTALLDIR", "--component-group", "AppFiles", "--var", "var.SourceDir",
                     "--win64"], stdin=listing)  # fmt: skip
    files_wxs = work / "files.wxs"
    files_wxs.write_text(fragment, encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    _run([_tool("wixl"), "-a", "x64", "-D", f"Version={version()}", "-D", f"SourceDir={name}",
          "-D", "Win64=yes", "-D", "Toolset=wixl", "-o", str(out), str(WXS),
          str(files_wxs)], cwd=base)  # fmt: skip
    secure = _run([_tool("msiinfo"), "export", str(out), "Property"])
    current = next((line.split("\t", 1)[1] for line in secure.splitlines()
                    if line.startswith("SecureCustomProperties\t")), "")  # fmt: skip
    names = [n for n in current.split(";") if n] + secure_properties()
    # Our own source's texts (no apostrophe: `_sql`), not untrusted input.
    queries = [f"UPDATE `Property` SET `Value` = {_sql(';'.join(dict.fromkeys(names)))} "  # noqa: S608
               "WHERE `Property` = 'SecureCustomProperties'"]  # fmt: skip
    queries += [
        f"INSERT INTO `LaunchCondition` (`Condition`, `Description`) VALUES ({_sql(c)}, {_sql(m)})"  # noqa: S608
        for c, m in launch_conditions()
    ]
    for query in queries:
        _run([_tool("msibuild"), str(out), "-q", query])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build rm-desk.msi with wixl.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "rm-desk")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "rm-desk.msi")
    parser.add_argument("--fake", action="store_true",
                        help="stage a small stand-in tree instead of the bundle")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rm-desk-msi-") as temp:
        work = Path(temp)
        dist = fake_tree(work) if args.fake or not (args.dist / MAIN_EXE).exists() else args.dist
        try:
            built = build(dist.resolve(), args.out.resolve(), work)
        except BuildError as exc:
            print(f"build_msi: error: {exc}", file=sys.stderr)
            return 1
    staged = "a stand-in tree" if dist != args.dist else str(args.dist)
    print(f"built {built} ({built.stat().st_size:,} bytes) from {staged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
