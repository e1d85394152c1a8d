"""Damaged pages are reported as damage: never as read-only, a full disk or a wrong
password; an unclean shutdown makes the next open check every page."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_store import book, outbox, records
from local_store.errors import DatabaseUnreadable, EnvironmentProblem, StoreDamaged
from local_store.salvage import salvage
from local_store.store import LocalStore, in_use_mark
from tests import damage
from tests.factories import customer, interaction

WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path, data_key: bytes) -> Path:
    """store.db: customers, 200 contacts and 30 queued changes; closed cleanly."""
    path = tmp_path / "store.db"
    with LocalStore.open(path, data_key) as store, store.transaction() as conn:
        book.upsert_customers(conn, [customer()])
        records.add_interactions(conn, [interaction(f"i{n:04d}") for n in range(200)])
        for n in range(30):
            outbox.enqueue(
                conn, "interaction.create", "interaction", f"n{n}", "create",
                {"note": "拜访记录" * 20}, base_version=None, client_time=WHEN,
            )  # fmt: skip
        records.save_draft(conn, records.Draft("d1", None, "interaction", {"note": "草稿"}, WHEN))
    return path


def test_damaged_page_is_damage_not_read_only(path: Path, data_key: bytes) -> None:
    page = damage.root_page(path, data_key, "interactions")
    damage.flip(path, page)
    store = LocalStore.open(path, data_key, key_verified=True)  # page 1 and the schema read
    try:
        with pytest.raises(StoreDamaged, match="damaged") as read, store.read() as conn:
            records.timeline(conn, "600000000001")
        assert "repair" in str(read.value).lower()
        # SQLCipher answers writes with "attempt to write a readonly database" after it
        # met a bad page: still damage, with the failing page named.
        with pytest.raises(StoreDamaged, match="page") as write, store.transaction() as conn:
            records.add_interactions(conn, [interaction("i9999")])
        assert not isinstance(write.value, EnvironmentProblem)
        assert "read-only" not in str(write.value)
        assert f"page(s) fail their check: {page}" in write.value.detail
        assert store.check_integrity().hmac_failures == [page]
    finally:
        store.close()
    # The damage was seen: the in-use mark stays, so the next open checks first.
    assert in_use_mark(path).exists()
    with pytest.raises(StoreDamaged):
        LocalStore.open(path, data_key, key_verified=True)


def test_damaged_first_page_is_damage_and_a_wrong_key_is_not(path: Path, data_key: bytes) -> None:
    wrong = secrets.token_bytes(32)
    with pytest.raises(DatabaseUnreadable) as unverified:
        LocalStore.open(path, wrong)
    assert not isinstance(unverified.value, StoreDamaged)
    damage.flip(path, 1)
    with pytest.raises(StoreDamaged, match="1 of"):
        LocalStore.open(path, data_key)  # even unverified: the other pages decrypt
    with pytest.raises(StoreDamaged):
        LocalStore.open(path, data_key, key_verified=True)


def test_unclean_shutdown_checks_every_page_on_open(path: Path, data_key: bytes) -> None:
    damage.flip(path, damage.root_page(path, data_key, "interactions"))
    # Closed cleanly: open does not read that page, so the damage shows later.
    clean = LocalStore.open(path, data_key, key_verified=True)
    assert not clean.checked_after_unclean_close
    clean.close()
    assert not in_use_mark(path).exists()
    # A session that ended without closing (crash, power loss) leaves its mark.
    in_use_mark(path).write_text("4242\n")
    with pytest.raises(StoreDamaged, match=r"1 of \d+ page\(s\) fail"):
        LocalStore.open(path, data_key, key_verified=True)


def test_unclean_shutdown_of_a_sound_store_opens_after_the_check(
    path: Path, data_key: bytes
) -> None:
    in_use_mark(path).write_text("4242\n")
    store = LocalStore.open(path, data_key, key_verified=True)
    try:
        assert store.checked_after_unclean_close
        assert store.check_integrity().ok
        assert in_use_mark(path).exists()  # open again while it is in use
    finally:
        store.close()
    assert not in_use_mark(path).exists()


def test_salvage_reads_around_a_damaged_outbox_page(path: Path, data_key: bytes) -> None:
    page, lost = damage.outbox_leaf(path, data_key, range(1, 31))
    damage.flip(path, page)
    before = path.read_bytes()
    found = salvage(path, data_key)
    assert found.unreadable_mutations == lost
    assert [m.mutation_id for m in found.mutations] == [i for i in range(1, 31) if i not in lost]
    assert found.mutations[0].fields == {"note": "拜访记录" * 20}
    assert [d.id for d in found.drafts] == ["d1"]
    assert not found.outbox_extent_unknown
    assert not found.drafts_incomplete
    assert found.client_id is not None
    assert found.last_mutation_id == 30
    assert path.read_bytes() == before  # read-only


def test_a_page_torn_in_the_file_but_whole_in_the_log_is_not_damage(
    path: Path, tmp_path: Path, data_key: bytes
) -> None:
    """A power cut during a checkpoint can tear a page of the file while the
    write-ahead log still holds it whole: the check after the unclean shutdown copies
    the log in first, as SQLite's recovery would, and finds nothing wrong."""
    page = damage.root_page(path, data_key, "sync_state")
    live = damage.connect(path, data_key)
    try:
        live.execute("PRAGMA wal_autocheckpoint = 0")
        live.execute("UPDATE sync_state SET last_error = 'before the power cut'")
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for suffix in ("", "-wal"):  # the files as the power cut left them
            (crashed / f"store.db{suffix}").write_bytes(
                path.with_name(path.name + suffix).read_bytes()
            )
    finally:
        live.close()
    image = crashed / "store.db"
    damage.flip(image, page)
    in_use_mark(image).write_text("4242\n")
    store = LocalStore.open(image, data_key, key_verified=True)
    try:
        assert store.checked_after_unclean_close
        with store.read() as conn:
            assert outbox.state(conn).last_error == "before the power cut"
    finally:
        store.close()
