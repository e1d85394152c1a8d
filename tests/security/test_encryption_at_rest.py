"""Nothing about customers reaches the disk in plaintext; PRAGMAs hold on every connection."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_store import audit, book, outbox, records
from local_store.engine import check_pragmas, required_pragmas
from local_store.errors import DatabaseUnreadable
from local_store.profiles import ProfileRegistry
from local_store.records import Draft
from local_store.store import LocalStore
from rm_desk.domain.model import HoldingKind, Role
from rm_desk.domain.policy import KeyringMode, Policy
from tests.factories import customer, interaction, task

ASCII_CANARY = "CanaryZq7Xw"
CJK_CANARY = "金丝雀测试"


def _canary(i: int) -> str:
    return f"{ASCII_CANARY}{CJK_CANARY}{i}"


def _write_heavily(store: LocalStore, n: int) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    for start in range(0, n, 250):
        with store.transaction() as conn:
            batch = []
            for i in range(start, start + 250):
                c = _canary(i)
                batch.append(
                    customer(
                        f"6{i:011d}",
                        name=f"王{c}",
                        name_pinyin=c.lower(),
                        name_initials=c,
                        id_number=c,
                        mobile=c,
                        email=c,
                        address=c,
                        owner_rm="rm001",
                        tags=(c,),
                    )
                )
            book.upsert_customers(conn, batch)
            for i in range(start, start + 250):
                c, cif = _canary(i), f"6{i:011d}"
                conn.exec_driver_sql(
                    "INSERT INTO holdings(id, customer_id, kind, product, balance_fen, opened, "
                    "account_no) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (f"H{i}", cif, HoldingKind.CARD.value, c, 100, "2020-01-01", c),
                )
                records.add_interactions(
                    conn,
                    [
                        interaction(
                            f"I{i}",
                            cif,
                            subject=c,
                            note=c * 20,
                            participants=(c,),
                            outcome=c,
                            next_step=c,
                        )
                    ],
                )
                records.put_tasks(conn, [task(f"T{i}", cif, title=c, outcome=c, detail=c)])
                records.save_draft(conn, Draft(f"D{i}", cif, "interaction", {"note": c}, now))
                outbox.enqueue(
                    conn,
                    "interaction.create",
                    "interaction",
                    f"I{i}",
                    "create",
                    {"note": c},
                    base_version=None,
                    client_time=now,
                )
                audit.append(
                    conn,
                    at=now,
                    actor="rm001",
                    action="reveal",
                    entity="customer",
                    entity_id=cif,
                    detail={"reason": c},
                )


def _files_containing_canary(root: Path) -> list[str]:
    needles = [
        ASCII_CANARY.encode("utf-8"),
        CJK_CANARY.encode("utf-8"),
        ASCII_CANARY.encode("utf-16-le"),
        CJK_CANARY.encode("utf-16-le"),
    ]
    found: list[str] = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found.extend(f"{path.name}:{n!r}" for n in needles if n in content)
    return found


def test_canary_never_reaches_disk_in_plaintext(tmp_path: Path) -> None:
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.OFF))
    profile, key = reg.create("rm001", "pw-for-canary", server="https://crm", role=Role.RM)
    store = LocalStore.open(reg.database_path(profile), key)
    _write_heavily(store, 2000)
    names = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert {"store.db", "store.db-wal", "store.db-shm", "profiles.json"} <= names
    # The canary is really there, readable through the key ...
    with store.read() as conn:
        assert book.get_customer(conn, "600000001999").address == _canary(1999)
        assert len(records.timeline(conn, "600000000007")) == 1
    # ... and in no file under the data directory, while open (WAL live) and after lock.
    assert _files_containing_canary(tmp_path) == []
    store.close()
    assert _files_containing_canary(tmp_path) == []


def test_standard_sqlite_cannot_open_the_database(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer()])
    plain = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        plain.close()
    header = store.path.read_bytes()[:16]
    assert header != b"SQLite format 3\x00"


def test_wrong_key_foreign_and_damaged_files_name_the_file(tmp_path: Path, data_key: bytes) -> None:
    db = tmp_path / "store.db"
    LocalStore.open(db, data_key).close()
    with pytest.raises(DatabaseUnreadable, match=r"store\.db"):
        LocalStore.open(db, bytes(32 - 1) + b"\x01")
    foreign = tmp_path / "foreign.db"
    plain = sqlite3.connect(foreign)
    plain.execute("CREATE TABLE t(x)")
    plain.commit()
    plain.close()
    with pytest.raises(DatabaseUnreadable, match=r"foreign\.db"):
        LocalStore.open(foreign, data_key)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(db.read_bytes()[:4096] + b"\x00garbage" * 2000)
    with pytest.raises(DatabaseUnreadable, match=r"damaged\.db"):
        LocalStore.open(damaged, data_key)


def test_key_never_in_error_messages(tmp_path: Path, data_key: bytes) -> None:
    db = tmp_path / "store.db"
    LocalStore.open(db, data_key).close()
    wrong = bytes(range(32))
    with pytest.raises(DatabaseUnreadable) as info:
        LocalStore.open(db, wrong)
    text = (
        str(info.value) + repr(info.value) + str(info.value.__cause__) + str(info.value.__context__)
    )
    assert wrong.hex() not in text
    assert data_key.hex() not in text


def test_required_pragmas_on_every_pooled_connection(store: LocalStore) -> None:
    # Hold several connections at once so the pool must open new ones.
    conns = [store.engine.connect() for _ in range(4)]
    try:
        for conn in conns:
            raw: Any = conn.connection.driver_connection
            check_pragmas(raw, store.path)
            for name, expected in required_pragmas().items():
                value = raw.execute(f"PRAGMA {name}").fetchone()[0]
                assert (str(value).lower() if isinstance(expected, str) else int(value)) == expected
    finally:
        for conn in conns:
            conn.close()


def test_lock_closes_connections_and_wipes_key(store: LocalStore) -> None:
    from local_store.errors import StoreLocked  # noqa: PLC0415

    store.close()
    with pytest.raises(StoreLocked):
        store.engine  # noqa: B018
    assert not any(store._key._key)


def test_closed_database_holds_no_plaintext_cjk(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(conn, [replace(customer(), name=f"李{CJK_CANARY}")])
    store.close()
    for path in store.path.parent.iterdir():
        assert CJK_CANARY.encode() not in path.read_bytes()


def test_sql_errors_do_not_carry_customer_data(store: LocalStore) -> None:
    from sqlalchemy.exc import IntegrityError  # noqa: PLC0415

    with pytest.raises(IntegrityError) as info, store.transaction() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers(id, name, segment, lifecycle, aum_tier, owner_rm, branch, since)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            ("600000000001", CJK_CANARY, "mass", "active", "t0", "rm001", "BR001"),
        )
    assert CJK_CANARY not in str(info.value)
