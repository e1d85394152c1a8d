"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from local_store.profiles import Profile, ProfileRegistry
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy


@pytest.fixture(scope="module")
def rm_profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    """A real RM profile, made once per test module (Argon2id is slow)."""
    registry = ProfileRegistry(
        tmp_path_factory.mktemp("profiles"),
        secret_store=None,
        policy=Policy(keyring=KeyringMode.OFF),
    )
    profile, _key = registry.create(
        "rm001", "correct horse battery", server="https://crm.test", role=Role.RM
    )
    return profile
