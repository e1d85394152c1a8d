"""Translations: complete, compiled, and switching the language changes the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
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
