"""PostgreSQL for tests: a throwaway schema per test on the local server.

In CI (CI=true) an unreachable server fails the test; elsewhere it skips, so a
developer without PostgreSQL can still run everything else.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

PG_URL = os.environ.get("RM_DESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Node ids of the tests marked `postgres` (filled by tests/conftest.py at collection).
MARKED: set[str] = set()


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def _check_marked() -> None:
    """A test that reaches PostgreSQL must carry the `postgres` marker (tests/conftest.py
    adds it for a "postgres" parameter), or `dev.py test --fast` would run it."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    if MARKED and current and current not in MARKED:
        pytest.fail(
            f"{current} uses PostgreSQL but is not marked `postgres`: mark it, parametrise it"
            ' with "postgres" or add its fixture to PG_FIXTURES in tests/conftest.py'
        )


@contextmanager
def pg_schema_engine(pool_size: int = 5) -> Iterator[Engine]:
    _check_marked()
    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        unavailable(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
    engine = create_engine(
        PG_URL,
        connect_args={"options": f"-csearch_path={name}"},
        pool_size=pool_size,
        max_overflow=10,
        hide_parameters=True,
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
