"""Nothing personal and no secret reaches the disk outside the encrypted store.

A whole working session in the real window (`canary_session.py`: first online sign-in,
unlock, sync, search, open a customer, reveal, a visit note with a follow-up, a draft
autosaving, a sync in flight) is killed with SIGKILL half-way, started again, synced,
locked. Then every file in the data directory, the temporary directory, the home
directory (Qt settings, caches) and the logs (the data directory's log files and what
both runs printed) is searched for the customer's personal values, the note's words and
the password, in UTF-8 and in UTF-16LE; and no log holds a 64-hex-digit string (a key,
a hash of one, a token).

The search is shown to find what it looks for: the central CRM's plaintext database
holds the customer's values, and a UTF-16LE copy of a canary is found as one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from sync.server import admin, db, schema
from sync.server.app import create_app
from sync.server.security import hash_password
from tests.integration.conftest import AS_OF, run_gateway

pytestmark = pytest.mark.slow

USER = "rm001"
PASSWORD = "Canary-Pass-9x!Q"
NOTE = "金丝雀笔记CanaryNote7Qz"
NAME = "金丝雀测试员"
PINYIN = "jinsiqueceshiyuan"
HEX64 = re.compile(rb"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
RUN_TIMEOUT_S = 240


def encodings(value: str) -> dict[str, bytes]:
    return {"utf-8": value.encode("utf-8"), "utf-16le": value.encode("utf-16-le")}


def found(roots: list[Path], canaries: dict[str, str]) -> list[str]:
    """Every (file, canary, encoding) where a canary's bytes occur under `roots`."""
    hits = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            data = path.read_bytes()
            for label, value in canaries.items():
                for encoding, needle in encodings(value).items():
                    if needle in data:
                        hits.append(f"{path.relative_to(root.parent)}: {label} ({encoding})")
    return hits


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, Engine, str, dict[str, str]]]:
    """The real gateway on loopback over a seeded central CRM in which one of rm001's
    customers carries canary values: its address, engine, customer id and canaries."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'central' / 'central.db'}")
    (tmp_path / "central").mkdir()
    db.create_schema(engine)
    admin.seed(engine, customers=30, rms=1, seed=5, as_of=AS_OF)
    customers = schema.customers
    with engine.begin() as conn:
        row = conn.execute(
            select(customers.c.id, customers.c.id_number, customers.c.mobile, customers.c.email)
            .where(customers.c.owner_rm == USER, customers.c.email != "")
            .order_by(customers.c.id)
            .limit(1)
        ).one()
        address = "金丝雀省测试市七号路"
        conn.execute(
            update(customers)
            .where(customers.c.id == row.id)
            .values(name=NAME, name_pinyin=PINYIN, name_initials="jsqcsy", address=address)
        )
        # The user's own password, so that it is a canary too (the demo's is "demo-rm001").
        conn.execute(
            update(schema.users)
            .where(schema.users.c.user_id == USER)
            .values(password_hash=hash_password(PASSWORD))
        )
    canaries = {  # each one non-empty (an empty one would be found everywhere)
        "name": NAME,
        "id_number": str(row.id_number),
        "mobile": str(row.mobile),
        "email": str(row.email),
        "address": address,
        "note": NOTE,
        "password": PASSWORD,
    }
    assert all(canaries.values()), canaries
    server, thread, url = run_gateway(create_app(engine))
    try:
        yield url, engine, str(row.id), canaries
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def run_phase(
    phase: str, tmp_path: Path, url: str, cif: str, *, kill_at: str = ""
) -> tuple[int, str]:
    """Run one phase of the session in its own process, its home, temporary directory
    and XDG folders under `tmp_path`; kill it with SIGKILL when it prints `kill_at`."""
    home, tmp, logs = tmp_path / "home", tmp_path / "tmp", tmp_path / "logs"
    for folder in (home, tmp, logs):
        folder.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(tmp / "runtime"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    out_path, err_path = logs / f"{phase}.out", logs / f"{phase}.err"
    args = [sys.executable, "-m", "tests.security.canary_session", phase]
    args += [str(tmp_path / "data"), url, USER, PASSWORD, cif, NOTE]
    with out_path.open("wb") as err_free, err_path.open("wb") as err:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                err_free.write(line)
                if kill_at and line.strip() == kill_at.encode():
                    proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=RUN_TIMEOUT_S)
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return code, out_path.read_text("utf-8") + err_path.read_text("utf-8", errors="replace")


def test_a_killed_and_resumed_session_leaves_nothing_personal_or_secret_on_disk(
    tmp_path: Path, central: tuple[str, Engine, str, dict[str, str]]
) -> None:
    url, engine, cif, canaries = central

    code, printed = run_phase("first", tmp_path, url, cif, kill_at="KILL-ME")
    assert code == -signal.SIGKILL, printed
    for done in ("signed-in", "unlocked", "synced", "browsed", "noted", "drafted", "exported"):
        assert f"STEP {done}" in printed, printed
    code, printed = run_phase("second", tmp_path, url, cif)
    assert code == 0, printed
    for done in ("unlocked", "synced", "locked", "done"):
        assert f"STEP {done}" in printed, printed

    # The session really happened: the visit note reached the central CRM.
    with engine.connect() as conn:
        subjects = conn.execute(
            select(schema.interactions.c.subject).where(schema.interactions.c.customer_id == cif)
        ).scalars()
        assert NOTE in list(subjects)

    # The export really happened (an RM's export holds the name in full), outside the
    # folders scanned below.
    exported = (tmp_path / "exported" / "book.csv").read_bytes()
    assert canaries["name"].encode("utf-8") in exported

    data, tmp, home, logs = (tmp_path / d for d in ("data", "tmp", "home", "logs"))
    assert list(data.rglob("*.db")), "the session left no store to search"
    assert found([data, tmp, home, logs], canaries) == []

    log_files = [p for p in (*logs.rglob("*"), *data.rglob("*.log")) if p.is_file()]
    for path in log_files:
        assert HEX64.findall(path.read_bytes()) == [], path


def test_the_search_finds_each_canary_in_either_encoding(
    tmp_path: Path, central: tuple[str, Engine, str, dict[str, str]]
) -> None:
    _url, _engine, _cif, canaries = central
    # The central CRM's database is plain SQLite: the personal values are there in UTF-8.
    central_hits = found([tmp_path / "central"], canaries)
    for label in ("name", "id_number", "mobile", "email", "address"):
        assert any(f": {label} (utf-8)" in hit for hit in central_hits), (label, central_hits)
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "settings.ini").write_bytes(b"x=" + canaries["note"].encode("utf-16-le"))
    assert found([planted], canaries) == ["planted/settings.ini: note (utf-16le)"]
    assert HEX64.findall(b"key=" + b"ab" * 32 + b"\n") == [b"ab" * 32]
