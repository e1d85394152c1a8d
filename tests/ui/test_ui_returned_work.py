"""Why work came back, in words: every rejection reason of the gateway (and every reason
this computer returns work itself) reads in English and in Chinese, a code of a newer
gateway reads as a generic sentence and the code, and the Sync page shows a mutation the
real gateway refused in Chinese words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from local_store import outbox
from rm_desk.services import conflicts as conflict_service
from rm_desk.services import sync as sync_service
from sync.protocol import RejectReason, ReturnReason, reject_reason, split_reason
from tests.ui.conftest import central_gateway, registry
from ui import i18n, words
from ui.context import AppContext
from ui.messages import returned_reason
from ui.taskman import TaskManager
from ui.views import sync_page
from ui.views.sync_page import SyncPage

# Names kept in Latin script in the Chinese interface: the product and "central CRM", "IT".
KEPT_NAMES = re.compile(r"RM Desk|CRM|IT")
LATIN = re.compile(r"[A-Za-z]+")
REASONS: list[RejectReason | ReturnReason] = [*RejectReason, *ReturnReason]


def latin_words(text: str) -> list[str]:
    return LATIN.findall(KEPT_NAMES.sub("", text))


def generic(text: str) -> str:
    return returned_reason("no_such_reason_yet").replace("no_such_reason_yet", text)


@pytest.mark.parametrize("code", REASONS, ids=str)
@pytest.mark.parametrize("detail", ["", "mobile", "fields.unknown_field"])
def test_every_reason_has_words_in_both_languages(
    code: RejectReason | ReturnReason, detail: str, qapp: object
) -> None:
    text = f"{code}:{detail}" if detail else str(code)
    english = returned_reason(text)
    assert english != generic(text), f"{text} has no English words"
    assert english[:1].isupper(), english
    assert english.endswith("."), english
    assert str(code) not in english
    i18n.install("zh_CN")
    try:
        chinese = returned_reason(text)
    finally:
        i18n.install("en")
    assert chinese != english, f"{text} has no Chinese words"
    assert latin_words(chinese) == [], f"{text}: {chinese}"


def test_a_field_is_named_in_words(chinese: None) -> None:
    shown = returned_reason(reject_reason(RejectReason.REGULATED_FIELD, "id_number"))
    assert shown == "证件号码是受监管字段，只能通过变更申请修改。"
    assert words.field_name("id_number") in returned_reason("read_only_field:id_number")
    # A field this version does not know is not named (it would be a raw name).
    assert returned_reason("read_only_field:nickname") == returned_reason("read_only_field")


def test_an_unknown_reason_is_a_generic_sentence_with_its_code(chinese: None) -> None:
    shown = returned_reason("quota_exceeded:notes")
    assert shown == "中心CRM未接受此更改（quota_exceeded:notes）。"
    assert latin_words(shown.replace("quota_exceeded:notes", "")) == []


def test_stored_reasons_of_earlier_versions_still_read(chinese: None) -> None:
    assert split_reason("rejected: regulated_field:mobile") == (
        RejectReason.REGULATED_FIELD,
        "mobile",
    )
    assert returned_reason("no longer in your book") == returned_reason(ReturnReason.LEFT_BOOK)
    assert split_reason("regulated_field:mobile") == (RejectReason.REGULATED_FIELD, "mobile")
    assert split_reason("task_deleted") == (RejectReason.TASK_DELETED, "")
    assert split_reason("later_code:x") == ("later_code", "x")


@pytest.fixture
def gateway_url(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with central_gateway(tmp_path, customers=20) as gateway:
        yield gateway


def test_the_sync_page_says_in_chinese_why_the_gateway_returned_a_change(
    qtbot: QtBot, tmp_path: Path, gateway_url: tuple[str, dict[str, str]], chinese: None
) -> None:
    url, passwords = gateway_url
    reg = registry(tmp_path)
    session = sync_service.add_profile(reg, "rm001", passwords["rm001"], url).session
    with session.store.transaction() as conn:
        cif = str(conn.exec_driver_sql("SELECT id FROM customers LIMIT 1").scalar_one())
        # What an older or altered client could send: a regulated field as a plain edit.
        outbox.enqueue(
            conn,
            "customer.update",
            "customer",
            cif,
            "update",
            {"id_number": "110101199003070000"},
            base_version=1,
            client_time=datetime(2026, 11, 24, 2, tzinfo=UTC),
        )
    assert sync_service.sync_session(session, passwords["rm001"]).rejected == 1
    [returned] = conflict_service.returned_work(session)
    assert returned.reason == "regulated_field:id_number"  # the code travels, not prose

    tasks = TaskManager()
    try:
        page = SyncPage(AppContext(session, tasks))
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            page.reload()
        model = page.returned
        assert model.rowCount() == 1
        cells = {
            key: str(model.data(model.index(0, column))) for column, key in enumerate(model.columns)
        }
        assert cells["why"] == "证件号码是受监管字段，只能通过变更申请修改。"
        assert cells["what"] == "客户资料 · 证件号码"
        for key in ("record", "what", "why"):
            assert latin_words(cells[key].replace(cif, "")) == [], (key, cells[key])
        exported = conflict_service.export_returned_text(
            session, sync_page._heading, words.field_name
        )
        assert "证件号码是受监管字段" in exported
        moments = re.compile(r"^\[[0-9T:+\-]+\] ", re.MULTILINE)  # when it came back
        assert latin_words(moments.sub("", exported).replace(cif, "")) == [], exported
    finally:
        tasks.shutdown(wait=True)
        session.lock()
