"""SQLite failures are classified by their result code, never by the message text."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from local_store.engine import SQLITE_FULL, primary_code, translate_error
from local_store.errors import DatabaseUnreadable, DiskFull, EnvironmentProblem
from rm_desk.domain.errors import ErrorCode

SQLITE_IOERR_WRITE = 778  # an extended code: SQLITE_IOERR (10) | (3 << 8)


def raised(conn: sqlcipher.Connection, sql: str) -> sqlcipher.Error:
    with pytest.raises(sqlcipher.Error) as caught:
        conn.execute(sql)
    return caught.value


def test_a_foreign_file_is_unreadable_by_its_code(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    path.write_bytes(b"this is not a database, only text " * 200)
    conn = sqlcipher.connect(str(path))
    try:
        exc = raised(conn, "SELECT count(*) FROM sqlite_master")
    finally:
        conn.close()
    assert primary_code(exc) == 26  # SQLITE_NOTADB
    translated = translate_error(path, exc, keying=True)
    assert isinstance(translated, DatabaseUnreadable)
    assert translated.code == ErrorCode.DATABASE_UNREADABLE


def test_a_busy_database_is_an_environment_problem(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlcipher.connect(str(path), isolation_level=None)
    other = sqlcipher.connect(str(path), isolation_level=None, timeout=0)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        exc = raised(other, "INSERT INTO t VALUES (1)")
    finally:
        holder.close()
        other.close()
    translated = translate_error(path, exc)
    assert isinstance(translated, EnvironmentProblem)
    assert translated.code == ErrorCode.DATABASE_BUSY


def test_the_code_decides_not_the_words(tmp_path: Path) -> None:
    """A message saying one thing and a code saying another: the code wins; a message
    with no code is not classified at all (it is a bug, re-raised)."""
    misleading = sqlcipher.OperationalError("database is locked")
    misleading.sqlite_errorcode = SQLITE_FULL
    assert isinstance(translate_error(tmp_path / "x.db", misleading), DiskFull)

    io = sqlcipher.OperationalError("database or disk is full")
    io.sqlite_errorcode = SQLITE_IOERR_WRITE
    translated = translate_error(tmp_path / "x.db", io)
    assert translated is not None
    assert translated.code in (ErrorCode.DISK_IO_ERROR, ErrorCode.DISK_FULL)

    words_only = sqlcipher.OperationalError("database or disk is full")
    assert translate_error(tmp_path / "x.db", words_only) is None
