"""Shared fixtures: real encrypted stores in temp dirs, an in-memory OS keyring.

The OS credential store is the one boundary faked here (a unit test must not write
into the developer's real keyring); everything else is the real thing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_store.store import LocalStore


class MemoryKeyring:
    """A secure-looking keyring backend held in a dict (module is not insecure)."""

    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def data_key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def store(tmp_path: Path, data_key: bytes) -> Iterator[LocalStore]:
    opened = LocalStore.open(tmp_path / "store.db", data_key)
    yield opened
    opened.close()


@pytest.fixture
def fixed_now() -> datetime:
    return datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the real per-user data dir and machine policy."""
    base = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("RM_DESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("RM_DESK_POLICY", str(base / "no-policy.json"))
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("QT_QPA_PLATFORM", "offscreen"))
