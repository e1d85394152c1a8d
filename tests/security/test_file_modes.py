"""POSIX modes under the data directory: directories 0700, files 0600, whatever the umask,
and loose modes on an existing profile are tightened when it opens."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_store import book
from rm_desk import cli
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import conflicts
from rm_desk.services import session as sessions
from rm_desk.services.demo import LOCAL_DEMO_SERVER
from tests.factories import customer

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="POSIX modes; on Windows the per-user folder's ACL applies"
)

PASSWORD = "correct horse 42"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask: modes must come from the code, not from the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    modes = {".": stat.S_IMODE(root.lstat().st_mode)}
    for folder, dirs, names in os.walk(root):
        for name in (*dirs, *names):
            path = Path(folder) / name
            modes[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return modes


def _assert_private(root: Path) -> dict[str, int]:
    modes = _modes(root)
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (root / name).is_dir() else 0o600)
    }
    assert loose == {}, loose
    return modes


def _registry(data: Path) -> sessions.Registry:
    return sessions.registry(data, Policy(keyring=KeyringMode.OFF))


def test_every_file_under_the_data_directory_is_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    reg = _registry(data)
    session = sessions.create_profile(
        reg, "rm001", PASSWORD, server=LOCAL_DEMO_SERVER, role=Role.RM
    )
    with session.store.transaction() as conn:
        book.upsert_customers(conn, [customer()])
    while_open = _assert_private(data)
    names = {Path(name).name for name in while_open}
    assert {"profiles.json", "profiles.lock", "store.db", "store.db-wal", "store.db-shm"} <= names
    export = tmp_path / "returned-work.txt"
    conflicts.export_returned(session, export)
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    session.lock()
    again = sessions.unlock(reg, "rm001", PASSWORD)
    _assert_private(data)
    again.lock()
    _assert_private(data)


def test_loose_modes_are_tightened_when_the_profile_opens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    reg = _registry(data)
    session = sessions.create_profile(
        reg, "rm001", PASSWORD, server=LOCAL_DEMO_SERVER, role=Role.RM
    )
    session.lock()
    for name in _modes(data):
        path = data / name
        os.chmod(path, 0o777 if path.is_dir() else 0o666)
    opened = sessions.unlock(reg, "rm001", PASSWORD)
    try:
        _assert_private(data)
    finally:
        opened.lock()


def test_an_export_over_a_readable_file_becomes_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    session = sessions.create_profile(
        _registry(data), "rm001", PASSWORD, server=LOCAL_DEMO_SERVER, role=Role.RM
    )
    export = tmp_path / "returned-work.txt"
    export.write_text("old")
    os.chmod(export, 0o644)
    try:
        conflicts.export_returned(session, export)
    finally:
        session.lock()
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    assert export.read_text(encoding="utf-8") == ""  # replaced, nothing returned


def test_the_crash_log_is_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    args = argparse.Namespace(data_dir=str(data))
    where = cli._log_crash(args, RuntimeError("boom"))
    assert where == str(data / "logs" / "rm-desk.log")
    _assert_private(data)
    os.chmod(where, 0o644)
    cli._log_crash(args, RuntimeError("again"))
    _assert_private(data)
    assert Path(where).read_text(encoding="utf-8").count("RuntimeError") == 2
