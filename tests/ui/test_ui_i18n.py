"""Translations: complete, compiled, and switching the language changes the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QFontDatabase
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Segment
from ui import i18n, words
from ui.context import AppContext
from ui.views.book import BookPage


def test_every_interface_string_has_a_chinese_translation(tmp_path: Path) -> None:
    ts = tmp_path / "check.ts"
    i18n.extract(ts)
    missing = i18n.fill(ts)
    assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:5]}"


def test_the_committed_catalogue_is_up_to_date(tmp_path: Path) -> None:
    """The shipped .qm holds exactly what a fresh build from the code produces."""
    ts, qm = tmp_path / "fresh.ts", tmp_path / "fresh.qm"
    i18n.build(ts, qm)
    assert i18n.QM_FILE.read_bytes() == qm.read_bytes(), "run: python -m ui.i18n"


def test_every_plural_has_its_english_forms_and_the_catalogue_is_up_to_date(
    tmp_path: Path,
) -> None:
    """Each `%n` text has a singular and a plural in English; the shipped English .qm
    is what a fresh build produces."""
    ts, qm = tmp_path / "en.ts", tmp_path / "en.qm"
    missing = i18n.build_english(ts, qm)
    assert missing == [], f"{len(missing)} without English forms, e.g. {missing[:5]}"
    assert i18n.EN_QM_FILE.read_bytes() == qm.read_bytes(), "run: python -m ui.i18n"
    # No English form still says "(s)" or "(ies)"; the plural form differs where it should.
    for context, texts in i18n.english_plurals().items():
        for source, (one, other) in texts.items():
            assert "(s)" not in one + other, (context, source)
            assert "(ies)" not in one + other, (context, source)
            assert "%n" in one, (context, source)
            assert "%n" in other, (context, source)


def test_english_and_chinese_plurals_and_durations(qapp: object) -> None:
    i18n.install("en")
    assert words.duration(1) == "1 second"
    assert words.duration(30) == "30 seconds"
    assert words.duration(60) == "1 minute"
    assert words.duration(61) == "2 minutes"
    assert words.duration(900) == "15 minutes"
    assert words.duration(3600) == "1 hour"
    assert words.duration(5400) == "1 hour 30 minutes"
    assert words.duration(7200) == "2 hours"
    translate = QCoreApplication.translate
    assert translate("BookPage", "%n customer(s)", "", 1) == "1 customer"
    assert translate("BookPage", "%n customer(s)", "", 2) == "2 customers"
    assert translate("BookPage", "%n customer(s)", "", 0) == "0 customers"
    assert translate("Words", "No RM contact for %n day(s)", "", 1) == "No RM contact for 1 day"
    assert translate("Words", "%n maturity(ies) not renewed in 90 days (%1)", "", 3) == (
        "3 maturities not renewed in 90 days (%1)"
    )
    i18n.install("zh_CN")
    try:
        assert words.duration(900) == "15 分钟"
        assert words.duration(5400) == "1 小时 30 分钟"
        assert translate("BookPage", "%n customer(s)", "", 1) == "1 位客户"
    finally:
        i18n.install("en")


def test_switching_to_chinese_translates_pages_and_words(
    qtbot: QtBot, ctx: AppContext, chinese: None
) -> None:
    page = BookPage(ctx)
    qtbot.addWidget(page)
    assert page.title() == "我的客户"
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "姓名"
    assert words.segment(Segment.PRIVATE) == "私人银行客户"
    assert QLocale().language() == QLocale.Language.Chinese
    assert i18n.current_language() == "zh_CN"


def test_back_to_english(qtbot: QtBot, ctx: AppContext) -> None:
    i18n.install("zh_CN")
    i18n.install("en")
    page = BookPage(ctx)
    qtbot.addWidget(page)
    assert page.title() == "My book"


def test_a_cjk_font_is_installed_and_renders_chinese(qapp: object) -> None:
    family = i18n.cjk_family()
    assert family is not None, "install a CJK font (fonts-noto-cjk)"
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)


def test_a_missing_catalogue_falls_back_to_english_and_says_so(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(i18n, "QM_FILE", tmp_path / "missing.qm")
    i18n.install("zh_CN")
    assert i18n.current_language() == "en"
    assert "missing" in caplog.text
    i18n.install("en")


def test_a_refused_suspect_snapshot_is_explained_in_chinese(chinese: None) -> None:
    from sync.client.errors import SuspectSnapshot  # noqa: PLC0415
    from ui.messages import describe  # noqa: PLC0415

    text = describe(SuspectSnapshot(replica=12, incoming=1))
    assert text.startswith("中心CRM上您的客户名单只有 1 位客户，而本机有 12 位")
    assert "您的更改已保留" in text
