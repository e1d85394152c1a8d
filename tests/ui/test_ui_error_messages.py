"""Errors in the window: every code has words, and the Chinese interface shows no English.

The core raises a code with values; `ui/messages.py` translates the code's sentence.
These tests walk the whole `ErrorCode` enum, so a new code without a sentence or a
translation fails here, and so does English prose slipping into a Chinese message
("请检查表单：A task needs a title." was the bug).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from local_store.errors import DiskFull, ProfileLocked, StoreDamaged, WrongPassword
from rm_desk.domain.errors import SENTENCES, ErrorCode, RmDeskError
from rm_desk.domain.model import TaskStatus
from rm_desk.services import tasks as task_service
from rm_desk.services.errors import InvalidEdit, InvalidTask
from rm_desk.services.session import Session
from sync.client.errors import ServerFailed
from ui import words
from ui.messages import describe, sentence

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Names kept in Latin script in the Chinese interface: the product and "central CRM", "IT".
KEPT_NAMES = re.compile(r"RM Desk|CRM|IT")
LATIN = re.compile(r"[A-Za-z]+")


def sample_values(code: ErrorCode) -> dict[str, Any]:
    """Each placeholder of the code's sentence filled with a number (data, not words)."""
    return dict.fromkeys(PLACEHOLDER.findall(SENTENCES[code]), 7)


def latin_words(text: str) -> list[str]:
    return LATIN.findall(KEPT_NAMES.sub("", text))


def test_every_code_has_an_english_sentence() -> None:
    assert set(SENTENCES) == set(ErrorCode)
    for code in ErrorCode:
        text = SENTENCES[code]
        assert text[:1].isupper() or text.startswith("{"), code
        assert text.endswith("."), code


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_every_code_reads_in_chinese_without_english(code: ErrorCode, chinese: None) -> None:
    template = QCoreApplication.translate("Errors", SENTENCES[code])
    assert template != SENTENCES[code], f"{code} has no Chinese sentence"
    # The values reach the Chinese sentence too: none is dropped in translation.
    assert sorted(PLACEHOLDER.findall(template)) == sorted(PLACEHOLDER.findall(SENTENCES[code]))
    shown = describe(RmDeskError(code, **sample_values(code)))
    assert shown.startswith(sentence(code, sample_values(code)))
    assert latin_words(shown) == [], f"{code}: {shown}"


def test_a_task_without_title_is_explained_in_chinese(
    make_session: Callable[..., Session], chinese: None
) -> None:
    """The reported bug, through the service that raises it."""
    session = make_session(customers=0)
    with pytest.raises(InvalidTask) as raised:
        task_service.create_task(session, "c-1", "   ", date(2026, 12, 1))
    assert raised.value.code == ErrorCode.TASK_TITLE_REQUIRED
    shown = describe(raised.value)
    assert shown == "请检查填写内容：任务需要标题。"
    assert latin_words(shown) == []


def test_values_are_shown_in_the_interface_language(chinese: None) -> None:
    assert "再错 2 次" in describe(WrongPassword(attempts_left=2))
    assert "状态码 503" in describe(ServerFailed(503))
    refused = describe(
        InvalidTask(
            ErrorCode.TASK_TRANSITION_NOT_ALLOWED,
            status=TaskStatus.DONE,
            new_status=TaskStatus.OPEN,
        )
    )
    assert words.task_status(TaskStatus.DONE) in refused
    assert latin_words(refused) == []


def test_english_sentences_and_the_window_hint(qapp: object) -> None:
    assert describe(InvalidTask(ErrorCode.TASK_TITLE_REQUIRED)) == (
        "Please check the form: A task needs a title."
    )
    path = Path("/data/rm001.db")
    damaged = describe(StoreDamaged(path, "1 of 9 page(s) fail their check: 3"))
    assert str(path) in damaged
    assert "Choose Repair on the sign-in screen" in damaged
    assert "page(s)" not in damaged  # the technical detail is for the log, not the window
    assert describe(DiskFull(path)).startswith(f"The disk holding {path} is full")
    until = datetime(2026, 11, 24, 9, 45, tzinfo=UTC)
    locked = describe(ProfileLocked(until, lockout=True))
    assert locked.startswith("Too many wrong passwords: this profile is locked until ")
    assert "{until}" not in locked


def test_field_names_in_a_message_are_words(chinese: None) -> None:
    shown = describe(InvalidEdit(ErrorCode.EDIT_FIELDS_NOT_EDITABLE, fields="email, name"))
    assert words.field_name("email") in shown
    assert words.field_name("name") in shown
    assert latin_words(shown) == [], shown
