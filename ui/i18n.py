"""Interface language: translators, locale, CJK fonts, and the translation build.

English is the source language. Simplified Chinese lives in
`resources/translations/rm_desk_zh_CN.ts` (Qt Linguist format, extracted from the
code by `pyside6-lupdate`) and is compiled to `.qm` for the app. The Chinese texts
themselves are kept, per area of the window, in `zh_CN.*.json` beside it so that
several people can translate at once; `python -m ui.i18n` re-extracts the .ts,
fills it from those files and compiles the .qm. A test fails when any string of
the interface has no translation or the .qm is out of date.

English needs a catalogue too, for plurals only: Qt substitutes `%n` but picks the
singular or plural form from a translation, so without one "%n day(s)" would read
"1 day(s)". `en.plurals.json` holds the two English forms of every `%n` text (context
→ source → [one, other]); the build writes `rm_desk_en.ts` with just those messages
and compiles `rm_desk_en.qm`, installed when the interface is English.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

ROOT = Path(__file__).resolve().parent.parent
# resources/ beside the packages: in the source tree, and in the frozen bundle, where
# installer/rm-desk.spec puts it beside them in sys._MEIPASS (this file's parent's parent).
RESOURCES = Path(os.environ.get("RM_DESK_RESOURCES", ROOT / "resources"))
TRANSLATIONS = RESOURCES / "translations"
TS_FILE = TRANSLATIONS / "rm_desk_zh_CN.ts"
QM_FILE = TRANSLATIONS / "rm_desk_zh_CN.qm"
EN_TS_FILE = TRANSLATIONS / "rm_desk_en.ts"
EN_QM_FILE = TRANSLATIONS / "rm_desk_en.qm"
EN_PLURALS = TRANSLATIONS / "en.plurals.json"
LANGUAGES = ("zh_CN", "en")

# Families tried in order for Chinese text: Noto/Source Han (Linux, installed with the
# app's packages and in CI), YaHei (Windows), PingFang (macOS).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "WenQuanYi Micro Hei")  # fmt: skip

log = logging.getLogger(__name__)
_installed: list[QTranslator] = []
_language = "en"


def current_language() -> str:
    return _language


def system_language() -> str:
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def install(language: str) -> None:
    """Switch the interface language; windows built afterwards use it."""
    global _language  # noqa: PLW0603  (one interface language per process)
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: use zh_CN or en")
    app = QCoreApplication.instance()
    for old in _installed:
        QCoreApplication.removeTranslator(old)
    _installed.clear()
    if language == "zh_CN":
        ours = QTranslator(app)
        if ours.load(str(QM_FILE)):
            qt_own = QTranslator(app)
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt_own.load(QLocale(language), "qtbase", "_", qt_dir):
                QCoreApplication.installTranslator(qt_own)
                _installed.append(qt_own)
            QCoreApplication.installTranslator(ours)
            _installed.append(ours)
        else:
            # A broken installation must still open: English, and a line for IT.
            log.error("the Chinese translation %s is missing; showing English", QM_FILE)
            language = "en"
    if language == "en":
        plurals = QTranslator(app)
        if plurals.load(str(EN_QM_FILE)):
            QCoreApplication.installTranslator(plurals)
            _installed.append(plurals)
        else:  # still usable: "1 day(s)" instead of "1 day"
            log.error("the English plurals %s are missing", EN_QM_FILE)
    QLocale.setDefault(QLocale("zh_CN" if language == "zh_CN" else "en_US"))
    _language = language


def cjk_family() -> str | None:
    """The first installed family able to show Simplified Chinese, if any."""
    available = set(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    for family in CJK_FAMILIES:
        if family in available:
            return family
    return next(iter(sorted(available)), None)


def apply_fonts(app_font: QFont) -> QFont:
    """The application font with a CJK family as fallback for Chinese text."""
    family = cjk_family()
    if family is not None:
        families = [app_font.family(), family] if app_font.family() else [family]
        app_font.setFamilies(families)
    return app_font


# --- the translation build (developer tool) ---------------------------------------------


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found (it comes with PySide6)")
    return found


def glossary() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(TRANSLATIONS.glob("zh_CN.*.json")):
        for context, texts in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(context, {}).update(texts)
    return merged


def extract(ts_path: Path, language: str = "zh_CN") -> None:
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))
    sources.append(str(ROOT / "rm_desk" / "domain" / "errors.py"))  # the errors' sentences
    subprocess.run(  # noqa: S603  (our own tool, fixed arguments)
        [_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-locations", "none",
         "-target-language", language, "-ts", str(ts_path)],
        check=True, capture_output=True,
    )  # fmt: skip


def fill(ts_path: Path) -> list[tuple[str, str]]:
    """Put the glossary's texts into the .ts; return (context, source) left untranslated."""
    texts = glossary()
    tree = ET.parse(ts_path)  # noqa: S314  (our own file)
    missing: list[tuple[str, str]] = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            text = texts.get(name, {}).get(source)
            if text is None:
                missing.append((name, source))
                continue
            translation.attrib.pop("type", None)
            for child in list(translation):
                translation.remove(child)
            if message.get("numerus") == "yes":
                translation.text = None
                form = ET.SubElement(translation, "numerusform")
                form.text = text
            else:
                translation.text = text
    tree.write(ts_path, encoding="utf-8", xml_declaration=True)
    return missing


def english_plurals() -> dict[str, dict[str, list[str]]]:
    texts: dict[str, dict[str, list[str]]] = json.loads(EN_PLURALS.read_text(encoding="utf-8"))
    return texts


def fill_english(ts_path: Path) -> list[tuple[str, str]]:
    """Keep only the `%n` messages in the English .ts and give each its singular and
    plural form; return (context, source) of those `en.plurals.json` lacks."""
    forms = english_plurals()
    tree = ET.parse(ts_path)  # noqa: S314  (our own file)
    root = tree.getroot()
    missing: list[tuple[str, str]] = []
    for context in list(root.iter("context")):
        name = context.findtext("name") or ""
        for message in list(context.iter("message")):
            source = message.findtext("source") or ""
            if message.get("numerus") != "yes":
                context.remove(message)
                continue
            pair = forms.get(name, {}).get(source)
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            if pair is None or len(pair) != 2:
                missing.append((name, source))
                continue
            translation.attrib.pop("type", None)
            translation.text = None
            for child in list(translation):
                translation.remove(child)
            for text in pair:
                ET.SubElement(translation, "numerusform").text = text
        if context.find("message") is None:
            root.remove(context)
    ET.indent(tree, space="    ")
    tree.write(ts_path, encoding="utf-8", xml_declaration=True)
    return missing


def compile_qm(ts_path: Path, qm_path: Path) -> None:
    subprocess.run([_tool("pyside6-lrelease"), str(ts_path), "-qm", str(qm_path)],  # noqa: S603
                   check=True, capture_output=True)  # fmt: skip


def build(ts_path: Path = TS_FILE, qm_path: Path = QM_FILE) -> list[tuple[str, str]]:
    extract(ts_path)
    missing = fill(ts_path)
    compile_qm(ts_path, qm_path)
    return missing


def build_english(ts_path: Path = EN_TS_FILE, qm_path: Path = EN_QM_FILE) -> list[tuple[str, str]]:
    extract(ts_path, "en")
    missing = fill_english(ts_path)
    compile_qm(ts_path, qm_path)
    return missing


if __name__ == "__main__":
    left = build()
    for context, source in left:
        print(f"untranslated: [{context}] {source}")
    print(f"{TS_FILE.name}: {len(left)} untranslated")
    no_forms = build_english()
    for context, source in no_forms:
        print(f"no English plural forms: [{context}] {source}")
    print(f"{EN_TS_FILE.name}: {len(no_forms)} without plural forms")
    sys.exit(1 if left or no_forms else 0)
