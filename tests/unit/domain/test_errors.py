"""The error codes: each has English words, is raised somewhere, and renders its values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from local_store.errors import ProfileLocked, StoreDamaged
from rm_desk.cli import error_line
from rm_desk.domain.errors import SENTENCES, ErrorCode, InvalidInput, RmDeskError
from rm_desk.services.errors import InvalidNote, InvalidTask

ROOT = Path(__file__).resolve().parents[3]


def test_every_code_has_words_and_is_raised_somewhere() -> None:
    assert set(SENTENCES) == set(ErrorCode)
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for package in ("local_store", "rm_desk", "sync")
        for p in (ROOT / package).rglob("*.py")
        if p != ROOT / "rm_desk" / "domain" / "errors.py"
    )
    unused = [c.name for c in ErrorCode if f"ErrorCode.{c.name}" not in source]
    assert unused == []


def test_a_form_error_is_still_a_value_error_with_its_code() -> None:
    error = InvalidTask(ErrorCode.TASK_TITLE_REQUIRED)
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInput)
    assert not isinstance(error, InvalidNote)
    assert str(error) == "A task needs a title."
    assert error.values == {}


def test_values_fill_the_english_sentence_and_detail_goes_last() -> None:
    until = datetime(2026, 11, 24, 9, 45, tzinfo=UTC)
    locked = ProfileLocked(until, lockout=True)
    assert locked.code == ErrorCode.PROFILE_LOCKED_OUT
    assert locked.values == {"until": until}
    shown = until.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert str(locked) == f"Too many wrong passwords: this profile is locked until {shown}."
    error = RmDeskError(ErrorCode.NOTE_TOO_LONG, limit=20000, detail="for the log")
    assert str(error) == "A note can hold at most 20000 characters. (for the log)"


def test_the_command_line_line_comes_from_the_code() -> None:
    line = error_line(StoreDamaged(Path("/data/rm007.db"), "2 of 9 page(s) fail"))
    assert line == (
        "This profile's data on this computer (/data/rm007.db) is damaged. Repair it: "
        "unsynced notes and drafts that can still be read are kept, the rest is downloaded "
        "again from the central CRM (this needs the bank's network). "
        "Run 'rm-desk profile repair --user NAME'. (2 of 9 page(s) fail)"
    )
