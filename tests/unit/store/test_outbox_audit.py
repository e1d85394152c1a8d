"""The durable outbox of mutations and the hash-chained audit log."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from local_store import audit, book, outbox
from local_store.store import LocalStore
from tests.factories import customer

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def enqueue(store: LocalStore, n: int, entity_id: str = "i1") -> list[int]:
    with store.transaction() as conn:
        return [
            outbox.enqueue(
                conn,
                "interaction.create",
                "interaction",
                f"{entity_id}-{k}",
                "create",
                {"note": f"第{k}条", "k": k},
                base_version=None,
                client_time=NOW + timedelta(seconds=k),
            )
            for k in range(n)
        ]


def test_mutation_ids_grow_by_exactly_one(store: LocalStore) -> None:
    first = enqueue(store, 3)
    second = enqueue(store, 2, "i2")
    assert first == [1, 2, 3]
    assert second == [4, 5]
    with store.read() as conn:
        assert outbox.state(conn).last_mutation_id == 5
        assert outbox.pending_count(conn) == 5


def test_outbox_and_counter_survive_close_and_reopen(tmp_path: Path, data_key: bytes) -> None:
    path = tmp_path / "profile.db"
    store = LocalStore.open(path, data_key)
    try:
        assert enqueue(store, 2) == [1, 2]
        with store.read() as conn:
            client_id = outbox.state(conn).client_id
    finally:
        store.close()

    reopened = LocalStore.open(path, data_key)
    try:
        with reopened.read() as conn:
            pending = outbox.pending(conn)
            state = outbox.state(conn)
        assert [m.mutation_id for m in pending] == [1, 2]
        assert state.client_id == client_id  # the client keeps its identity
        assert state.last_mutation_id == 2
        assert enqueue(reopened, 1, "i9") == [3]
    finally:
        reopened.close()


def test_pending_in_order_with_limit_and_content(store: LocalStore) -> None:
    enqueue(store, 5)
    with store.read() as conn:
        first_two = outbox.pending(conn, limit=2)
        everything = outbox.pending(conn)
    assert [m.mutation_id for m in first_two] == [1, 2]
    assert [m.mutation_id for m in everything] == [1, 2, 3, 4, 5]
    m = everything[3]
    assert (m.name, m.entity, m.entity_id, m.op, m.base_version) == (
        "interaction.create",
        "interaction",
        "i1-3",
        "create",
        None,
    )
    assert m.fields == {"note": "第3条", "k": 3}
    assert m.client_time == NOW + timedelta(seconds=3)


def test_acknowledge_drops_up_to_and_records_the_ack(store: LocalStore) -> None:
    enqueue(store, 5)
    with store.transaction() as conn:
        assert outbox.acknowledge(conn, 3) == 3
    with store.read() as conn:
        assert [m.mutation_id for m in outbox.pending(conn)] == [4, 5]
        assert outbox.state(conn).acked_mutation_id == 3
    with store.transaction() as conn:
        assert outbox.acknowledge(conn, 2) == 0  # an old ack never moves the mark back
    with store.read() as conn:
        assert outbox.state(conn).acked_mutation_id == 3
        assert outbox.pending_count(conn) == 2
    with store.transaction() as conn:
        assert outbox.acknowledge(conn, 5) == 2
    with store.read() as conn:
        assert outbox.pending(conn) == []
        assert outbox.state(conn).acked_mutation_id == 5
    assert enqueue(store, 1) == [6]  # ids are never reused after an ack


def test_a_rolled_back_change_leaves_neither_change_nor_mutation(store: LocalStore) -> None:
    enqueue(store, 1)

    class Boom(Exception):
        pass

    handed_out: list[int] = []

    def change_then_fail() -> None:
        with store.transaction() as conn:
            book.upsert_customers(conn, [customer("600000000001")])
            handed_out.append(
                outbox.enqueue(
                    conn,
                    "customer.create",
                    "customer",
                    "600000000001",
                    "create",
                    {"name": "王小明"},
                    base_version=None,
                    client_time=NOW,
                )
            )
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert handed_out == [2]

    with store.read() as conn:
        assert book.customer_count(conn) == 0
        assert [m.mutation_id for m in outbox.pending(conn)] == [1]
        assert outbox.state(conn).last_mutation_id == 1
    assert enqueue(store, 1, "again") == [2]  # the rolled-back id is handed out again


# --- audit ----------------------------------------------------------------------------


def write_audit(store: LocalStore, n: int) -> list[audit.AuditEntry]:
    with store.transaction() as conn:
        return [
            audit.append(
                conn,
                at=NOW + timedelta(minutes=k),
                actor="rm001",
                action="view",
                entity="customer",
                entity_id=f"60000000000{k}",
                detail={"k": k, "原因": "客户来电"},
            )
            for k in range(1, n + 1)
        ]


def test_audit_entries_are_chained(store: LocalStore) -> None:
    written = write_audit(store, 5)
    with store.read() as conn:
        assert audit.verify(conn) is None
        read_back = audit.entries(conn)
        after_two = audit.entries(conn, after=2, limit=2)
    assert read_back == written
    assert [e.seq for e in written] == [1, 2, 3, 4, 5]
    assert written[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(written))
    assert len({e.hash for e in written}) == 5
    assert [e.seq for e in after_two] == [3, 4]
    assert read_back[2].detail == {"k": 3, "原因": "客户来电"}
    assert read_back[2].at == "2026-11-24T09:33:00+00:00"


def test_empty_audit_log_verifies(store: LocalStore) -> None:
    with store.read() as conn:
        assert audit.verify(conn) is None
        assert audit.entries(conn) == []


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET detail = '{\"k\": 99}' WHERE seq = 3",
        "UPDATE audit_log SET actor = 'intruder' WHERE seq = 3",
        "UPDATE audit_log SET action = 'print' WHERE seq = 3",
        "UPDATE audit_log SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 3",
        "UPDATE audit_log SET hash = '" + "f" * 64 + "' WHERE seq = 3",
        "UPDATE audit_log SET prev_hash = '" + "0" * 64 + "' WHERE seq = 3",
    ],
)
def test_verify_names_the_tampered_entry(store: LocalStore, tamper: str) -> None:
    write_audit(store, 5)
    with store.transaction() as conn:
        conn.exec_driver_sql(tamper)
    with store.read() as conn:
        assert audit.verify(conn) == 3


def test_verify_after_deleting_a_middle_entry(store: LocalStore) -> None:
    write_audit(store, 5)
    with store.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 3")
    with store.read() as conn:
        assert audit.verify(conn) == 4  # the entry that no longer links to its predecessor


def test_verify_after_deleting_the_first_entry(store: LocalStore) -> None:
    write_audit(store, 5)
    with store.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 1")
    with store.read() as conn:
        assert audit.verify(conn) == 2


def test_appending_after_a_reopen_continues_the_chain(tmp_path: Path, data_key: bytes) -> None:
    path = tmp_path / "profile.db"
    with LocalStore.open(path, data_key) as store:
        write_audit(store, 2)
    with LocalStore.open(path, data_key) as store:
        with store.transaction() as conn:
            entry = audit.append(
                conn,
                at=NOW,
                actor="teller01",
                action="reveal_denied",
                entity="customer",
                entity_id="600000000001",
            )
        with store.read() as conn:
            assert audit.verify(conn) is None
            assert entry.seq == 3
            assert entry.detail == {}
            assert entry.prev_hash == audit.entries(conn)[1].hash
