"""The contact history pages backwards without skipping or repeating a contact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from local_store.profiles import ProfileRegistry
from rm_desk.domain.model import InteractionKind, Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import notes
from rm_desk.services import session as sessions
from rm_desk.services.demo import LOCAL_DEMO_SERVER, load_demo_book

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_pages_cover_the_whole_history_in_order(tmp_path: Path) -> None:
    reg = ProfileRegistry(tmp_path, policy=Policy(keyring=KeyringMode.OFF))
    s = sessions.create_profile(reg, "rm001", "correct horse 42", server=LOCAL_DEMO_SERVER,
                                role=Role.RM, clock=lambda: NOW)  # fmt: skip
    try:
        load_demo_book(s, customers=40, as_of=NOW.date())
        with s.store.read() as conn:
            cif, total = conn.exec_driver_sql(
                "SELECT customer_id, count(*) FROM interactions GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ).one()
        assert total > 7
        whole = notes.timeline(s, cif, limit=1000)
        paged = notes.timeline(s, cif, limit=3)
        while True:
            page = notes.timeline(s, cif, limit=3, after=paged[-1])
            if not page:
                break
            paged += page
        assert [i.id for i in paged] == [i.id for i in whole]
        assert len(paged) == total
        calls = notes.timeline(s, cif, (InteractionKind.CALL,), limit=2)
        more = notes.timeline(s, cif, (InteractionKind.CALL,), limit=1000, after=calls[-1])
        assert {i.kind for i in calls + more} <= {InteractionKind.CALL}
        assert len(calls) + len(more) == sum(i.kind is InteractionKind.CALL for i in whole)
    finally:
        s.lock()
