"""Fixtures for the gateway's admin tests: an empty gateway database on SQLite (a
temp file) and on PostgreSQL (a throwaway schema per test, so tests run in parallel)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync.server import db
from tests.pg import pg_schema_engine


@pytest.fixture
def admin_engine_sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    db.create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def admin_engine_pg() -> Iterator[Engine]:
    with pg_schema_engine() as engine:
        db.create_schema(engine)
        yield engine
