"""The gateway's schema migrations (sync/server/migrate.py, sync/server/migrations/).

Upgrading an empty database gives exactly the code's tables (Alembic's
`compare_metadata` finds no difference) and the same triggers and counter row as
`create_schema`, on SQLite and PostgreSQL; `serve` refuses a database that is empty,
made before migrations or at an older revision, in one line naming `db upgrade`, and
starts with `--upgrade-db`; a pre-migration database is adopted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text

from sync.server import cli, db, migrate, schema
from tests.pg import pg_schema_engine

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgres"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
        yield engine
        engine.dispose()
        return
    with pg_schema_engine() as engine:
        yield engine


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid::regclass::text = ANY(%(tables)s)",
                {"tables": list(schema.APPEND_ONLY)},
            )
        else:
            rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {r[0] for r in rows}


def _counter(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(schema.seq_counter.c.value)).scalars())


def test_upgrade_from_nothing_is_the_code_s_schema(empty: Engine) -> None:
    assert migrate.status(empty).empty
    assert migrate.upgrade(empty) == (None, migrate.head())
    with empty.connect() as conn:
        assert migrate.drift(conn) == []
        assert migrate.current(conn) == migrate.head()
    expected = {f"{t}_append_only" for t in schema.APPEND_ONLY} | {
        f"{t}_no_truncate" for t in schema.APPEND_ONLY
    }
    if empty.dialect.name == "sqlite":
        expected = {f"{t}_no_{op}" for t in schema.APPEND_ONLY for op in ("update", "delete")}
    assert _triggers(empty) == expected
    assert _counter(empty) == [0]
    # The triggers work: an audit row cannot be changed.
    with empty.begin() as conn:
        conn.execute(schema.audit_flags.insert().values(
            at=datetime(2026, 1, 1, tzinfo=UTC), device_id="d", user_id="u", kind="k",
            seq=1, detail=""))  # fmt: skip
    with pytest.raises(Exception, match="append-only"), empty.begin() as conn:
        conn.execute(text("DELETE FROM audit_flags"))


def test_create_schema_shortcut_equals_the_migrations(empty: Engine, tmp_path: Path) -> None:
    db.create_schema(empty)
    with empty.connect() as conn:
        assert migrate.drift(conn) == []
        assert migrate.current(conn) == migrate.head()
        tables = set(inspect(conn).get_table_names())
    assert tables == set(schema.metadata.tables) | {migrate.VERSION_TABLE}
    created = _triggers(empty)
    assert len(created) == 2 * len(schema.APPEND_ONLY)
    assert _counter(empty) == [0]
    db.create_schema(empty)  # again: nothing changes
    assert _counter(empty) == [0]
    assert _triggers(empty) == created


def test_a_database_made_before_migrations_is_adopted(empty: Engine) -> None:
    # What create_schema made before Alembic: the tables, without audit_flags (a
    # release older than the audit upload), no alembic_version.
    old = [t for t in schema.metadata.sorted_tables if t.name != "audit_flags"]
    schema.metadata.create_all(empty, tables=old)
    with empty.begin() as conn:
        conn.execute(schema.seq_counter.insert().values(id=1, value=41))
    state = migrate.status(empty)
    assert (state.revision, state.empty) == (None, False)
    assert "made before migrations" in migrate.refusal(state)
    assert migrate.upgrade(empty) == (None, migrate.head())
    with empty.connect() as conn:
        assert migrate.drift(conn) == []
    assert _counter(empty) == [41]  # data kept
    assert len(_triggers(empty)) == 2 * len(schema.APPEND_ONLY)


def test_a_pre_migration_database_that_differs_is_refused_by_name(empty: Engine) -> None:
    schema.metadata.create_all(empty)
    with empty.begin() as conn:
        conn.execute(text("ALTER TABLE branches ADD COLUMN region VARCHAR(20)"))
    with pytest.raises(migrate.SchemaError, match=r"differs from revision 0001 .*branches\.region"):
        migrate.upgrade(empty)
    with empty.connect() as conn:
        assert migrate.current(conn) is None  # nothing stamped


# --- the command line -------------------------------------------------------------------


def _central(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data")}  # fmt: skip
    env.pop(cli.DB_ENV, None)
    return subprocess.run(
        [sys.executable, "-c", "from sync.server.cli import entry; entry()", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_serve_refuses_an_empty_database_and_db_upgrade_makes_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    line = _one_line(_central(tmp_path, "serve", "--db", url, "--port", "0"))
    assert line == (
        "rm-desk-central: error: the database is empty (this gateway needs "
        f"{migrate.head()}): run `rm-desk-central db upgrade` with the same --db"
    )
    current = _central(tmp_path, "db", "current", "--db", url)
    assert current.stdout.startswith("the database is empty")
    upgraded = _central(tmp_path, "--db", url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == f"the database schema was at nothing, now at {migrate.head()}\n"
    again = _central(tmp_path, "db", "upgrade", "--db", url)
    assert again.stdout == f"the database schema is at {migrate.head()} already\n"
    wrong = _central(tmp_path, "db", "upgrade", "--db", url, "--to", "9999")
    assert _one_line(wrong).endswith(
        f"no revision 9999 (this gateway knows up to {migrate.head()})"
    )


def test_serve_refuses_a_database_at_a_revision_it_does_not_know(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    line = _one_line(_central(tmp_path, "serve", "--db", url, "--port", "0"))
    assert "at 0099, which this gateway does not know" in line
    assert line.endswith("upgrade the gateway, not the database")


@pytest.fixture
def newer_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The migrations of a next release: 0002 adds a column (in a copy of the scripts)."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0002_region.py").write_text(
        '"""A test revision."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "0002"\ndown_revision = "0001"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade() -> None:\n"
        '    with op.batch_alter_table("branches") as batch:\n'
        '        batch.add_column(sa.Column("region", sa.String(20)))\n\n\n'
        "def downgrade() -> None:\n"
        '    with op.batch_alter_table("branches") as batch:\n'
        '        batch.drop_column("region")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    migrate._scripts.cache_clear()
    yield scripts
    migrate._scripts.cache_clear()


def test_serve_refuses_an_older_schema_then_upgrades_when_asked(
    tmp_path: Path, newer_code: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    assert migrate.upgrade(engine, "0001") == (None, "0001")
    assert cli.main(["--db", url, "serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "rm-desk-central: error: the database schema is at 0001, this gateway needs 0002: "
        "run `rm-desk-central db upgrade` with the same --db\n"
    )
    # The other commands refuse too (they would run against missing columns).
    assert cli.main(["--db", url, "purge", "--older-than", "30"]) == 1
    assert "at 0001, this gateway needs 0002" in capsys.readouterr().err
    assert cli.main(["--db", url, "db", "current"]) == 0
    assert capsys.readouterr().out == "the database schema is at 0001, this gateway needs 0002\n"
    assert cli.main(["--db", url, "db", "upgrade"]) == 0
    assert capsys.readouterr().out == "the database schema was at 0001, now at 0002\n"
    with engine.connect() as conn:
        assert "region" in {c["name"] for c in inspect(conn).get_columns("branches")}
    engine.dispose()


def test_serve_upgrade_db_migrates_then_serves(
    tmp_path: Path, newer_code: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = db.make_engine(url)
    migrate.upgrade(engine, "0001")
    served: list[str] = []

    def serve(_args: object, engine: Engine) -> int:
        served.append(migrate.status(engine).line())
        return 0

    monkeypatch.setattr(cli, "_serve", serve)
    assert cli.main(["--db", url, "serve", "--upgrade-db"]) == 0
    assert capsys.readouterr().err == (
        "rm-desk-central: the database schema was at 0001, now at 0002\n"
    )
    assert served == ["the database schema is at 0002 (head)"]
    engine.dispose()
