"""The support log: private files, rotated, and nothing key- or token-shaped in them."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from rm_desk.services import logs

KEY = "9f" * 32
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJybTAwMSJ9.c2lnbmF0dXJl"


@pytest.fixture
def support_log(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = logs.log_to_file(tmp_path / "data")
    assert path is not None
    yield path
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    for handler in handlers:
        handler.filters[:] = [f for f in handler.filters if not isinstance(f, logs.Redact)]
    root.setLevel(level)


def test_keys_tokens_and_jwts_are_blanked_in_messages_and_arguments(support_log: Path) -> None:
    log = logging.getLogger("rm_desk.test")
    log.warning("key %s", KEY)
    log.warning("Authorization: Bearer abc.DEF-123_xyz for %s", "rm001")
    log.error("token %s in %s", JWT, "/sync/v1/push")
    log.warning("upper %s", KEY.upper())
    text = support_log.read_text("utf-8")
    for secret in (KEY, KEY.upper(), "abc.DEF-123_xyz", JWT):
        assert secret not in text
    assert text.count(logs.REDACTED) == 4
    assert "rm001" in text
    assert "/sync/v1/push" in text


def test_a_traceback_is_redacted_too(support_log: Path) -> None:
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        logging.getLogger("rm_desk.test").exception("failed")
    text = support_log.read_text("utf-8")
    assert "ValueError: bad key [redacted]" in text
    assert KEY not in text


def test_shorter_hex_such_as_ids_is_kept(support_log: Path) -> None:
    logging.getLogger("rm_desk.test").warning("device %s", "0190f3a2b4c5d6e7f8091a2b3c4d5e6f")
    assert "0190f3a2b4c5d6e7f8091a2b3c4d5e6f" in support_log.read_text("utf-8")


def test_the_log_and_its_rotations_are_private(support_log: Path) -> None:
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h, logs._PrivateRotatingFile)
    )
    handler.maxBytes = 200
    for i in range(20):
        logging.getLogger("rm_desk.test").warning("line %d %s", i, "x" * 40)
    rotated = sorted(support_log.parent.glob(logs.LOG_NAME + "*"))
    assert len(rotated) == 1 + logs.BACKUPS
    for path in rotated:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(support_log.parent.stat().st_mode) == 0o700


def test_an_unwritable_folder_leaves_the_log_on_the_terminal(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    assert logs.log_to_file(blocker) is None
