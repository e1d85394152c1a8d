"""The book service: the 360 profile and search masked by role, reveals audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_store import audit, book, records
from local_store.errors import NotFound
from local_store.profiles import Profile, ProfileRegistry
from local_store.store import LocalStore
from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.errors import ErrorCode, InvalidInput
from rm_desk.domain.model import ChurnLevel, Role
from rm_desk.domain.permissions import RevealReason
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import book as book_service
from rm_desk.services.book import PermissionDenied
from rm_desk.services.session import Session
from tests.factories import customer, interaction

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
CIF = "600000000001"
CARD_NO = "6222020200112233445"


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> dict[Role, tuple[Profile, bytes]]:
    """One real profile per role (Argon2id is slow, so made once for the module)."""
    registry = ProfileRegistry(
        tmp_path_factory.mktemp("profiles"),
        secret_store=None,
        policy=Policy(keyring=KeyringMode.OFF),
    )
    made: dict[Role, tuple[Profile, bytes]] = {}
    for user, role in [("rm001", Role.RM), ("teller01", Role.TELLER), ("mgr01", Role.MANAGER)]:
        profile, key = registry.create(
            user, "correct horse battery", server="https://crm.test", role=role
        )
        made[role] = (profile, bytes(key))
    return made


@pytest.fixture
def book_store(store: LocalStore) -> LocalStore:
    with store.transaction() as conn:
        book.upsert_customers(
            conn,
            [
                customer(CIF, "王小明"),
                customer("600000000002", "李大伟", mobile="13900001234", tags=("代发工资", "新客")),
            ],
        )
        conn.exec_driver_sql(
            "INSERT INTO holdings(id, customer_id, kind, product, balance_fen, opened, account_no) "
            "VALUES ('h1', ?, 'card', '白金卡', 0, '2020-01-01', ?), "
            "('h2', ?, 'term_deposit', '三年定期', 100, '2020-01-01', '')",
            (CIF, CARD_NO, CIF),
        )
        records.add_interactions(conn, [interaction("i1", CIF)])
    return store


def session_for(
    profiles: dict[Role, tuple[Profile, bytes]], role: Role, store: LocalStore
) -> Session:
    return Session(profile=profiles[role][0], store=store, clock=lambda: NOW)


@pytest.fixture
def rm(profiles: dict[Role, tuple[Profile, bytes]], book_store: LocalStore) -> Session:
    return session_for(profiles, Role.RM, book_store)


@pytest.fixture
def teller(profiles: dict[Role, tuple[Profile, bytes]], book_store: LocalStore) -> Session:
    return session_for(profiles, Role.TELLER, book_store)


def audit_log(store: LocalStore) -> list[audit.AuditEntry]:
    with store.read() as conn:
        assert audit.verify(conn) is None
        return audit.entries(conn)


def test_rm_sees_the_profile_unmasked_and_the_view_is_audited(rm: Session) -> None:
    p = book_service.customer_profile(rm, CIF)
    assert p.customer.mobile == "13812345678"
    assert p.customer.id_number == "110101198003070014"
    assert p.customer.email == "wxm@example.com"
    assert p.customer.address == "上海市浦东新区世纪大道100号"
    assert [h.account_no for h in p.holdings] == [CARD_NO, ""]
    assert p.personal_masked is False
    assert [i.id for i in p.interactions] == ["i1"]
    [entry] = audit_log(rm.store)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id, entry.at) == (
        "rm001",
        "view",
        "customer",
        CIF,
        "2026-11-24T09:30:00+00:00",
    )


def test_teller_sees_the_profile_masked(teller: Session) -> None:
    p = book_service.customer_profile(teller, CIF)
    assert p.customer.mobile == "138****5678"
    assert p.customer.id_number == "110" + "*" * 11 + "0014"
    assert p.customer.email == "w**@example.com"
    assert p.customer.address == "上海市浦东新" + "*" * 9
    assert [h.account_no for h in p.holdings] == ["622202" + "*" * 9 + "3445", ""]
    assert p.personal_masked is True
    assert p.customer.name == "王小明"  # the name stays readable for service
    assert "13812345678" not in repr(p)
    assert "110101198003070014" not in repr(p)
    [entry] = audit_log(teller.store)
    assert (entry.actor, entry.action, entry.entity_id) == ("teller01", "view", CIF)


def test_a_customer_flagged_personal_masked_is_masked_even_for_an_rm(rm: Session) -> None:
    with rm.store.transaction() as conn:
        conn.exec_driver_sql("UPDATE customers SET personal_masked = 1 WHERE id = ?", (CIF,))
    p = book_service.customer_profile(rm, CIF)
    assert p.customer.mobile == "138****5678"
    assert p.personal_masked is True


def test_masking_follows_the_machine_policy(
    profiles: dict[Role, tuple[Profile, bytes]], book_store: LocalStore
) -> None:
    session = Session(
        profile=profiles[Role.TELLER][0],
        store=book_store,
        clock=lambda: NOW,
        policy=Policy(masking={"mobile": [0, 2, "#"]}),
    )
    assert book_service.customer_profile(session, CIF).customer.mobile == "#########78"


def test_profile_of_an_unknown_customer_raises_and_audits_nothing(rm: Session) -> None:
    with pytest.raises(NotFound):
        book_service.customer_profile(rm, "600000009999")
    assert audit_log(rm.store) == []


def test_search_hits_carry_phone_digits_only_for_unmasked_roles(
    rm: Session, teller: Session
) -> None:
    rm_hits = book_service.search_customers(rm, "王小明")
    teller_hits = book_service.search_customers(teller, "王小明")
    assert [(h.cif, h.mobile_last4) for h in rm_hits] == [(CIF, "5678")]
    assert [(h.cif, h.mobile_last4) for h in teller_hits] == [(CIF, "")]
    for hit in book_service.search_customers(teller, "6000"):
        assert not any(ch.isdigit() for ch in hit.mobile_last4)
        assert "5678" not in repr(hit)
        assert "1234" not in repr(hit)


def test_rm_reveal_returns_the_value_and_audits_the_reason_code(rm: Session) -> None:
    R = RevealReason
    assert book_service.reveal(rm, CIF, "mobile", reason=R.CUSTOMER_REQUEST) == "13812345678"
    assert book_service.reveal(rm, CIF, "id_number", reason="compliance_check") == (
        "110101198003070014"
    )
    assert book_service.reveal(rm, CIF, "card", reason=R.CORRECTION) == CARD_NO
    entries = audit_log(rm.store)
    # The field and the code, exactly: nothing typed by the user.
    assert [(e.action, e.actor, e.entity_id, e.detail) for e in entries] == [
        ("reveal", "rm001", CIF, {"field": "mobile", "reason": "customer_request"}),
        ("reveal", "rm001", CIF, {"field": "id_number", "reason": "compliance_check"}),
        ("reveal", "rm001", CIF, {"field": "card", "reason": "correction"}),
    ]


def test_manager_may_reveal(
    profiles: dict[Role, tuple[Profile, bytes]], book_store: LocalStore
) -> None:
    manager = session_for(profiles, Role.MANAGER, book_store)
    reason = RevealReason.SERVICE_REQUEST
    assert book_service.reveal(manager, CIF, "email", reason=reason) == "wxm@example.com"
    assert [e.action for e in audit_log(book_store)] == ["reveal"]


def test_teller_reveal_is_denied_and_audited(teller: Session) -> None:
    with pytest.raises(PermissionDenied):
        book_service.reveal(teller, CIF, "mobile", reason=RevealReason.CUSTOMER_REQUEST)
    [entry] = audit_log(teller.store)
    assert (entry.action, entry.actor, entry.entity_id, entry.detail) == (
        "reveal_denied",
        "teller01",
        CIF,
        {"field": "mobile"},
    )


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "\n\t", "客户张三来电 13812345678", "Customer_Request", " other", "identity check"],
)
def test_reveal_refuses_a_reason_not_in_the_list(rm: Session, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        book_service.reveal(rm, CIF, "mobile", reason=reason)
    assert refused.value.code is ErrorCode.REVEAL_REASON_REQUIRED
    assert reason.strip() == "" or reason not in str(refused.value)  # not even in the log line
    assert audit_log(rm.store) == []


def test_reveal_of_a_field_that_is_not_personal(rm: Session) -> None:
    with pytest.raises(ValueError, match="aum_fen"):
        book_service.reveal(rm, CIF, "aum_fen", reason=RevealReason.OTHER)
    with pytest.raises(ValueError, match="segment"):
        book_service.reveal(rm, CIF, "segment", reason=RevealReason.OTHER)
    assert audit_log(rm.store) == []


def test_reveal_of_an_unknown_customer_raises_and_audits_nothing(rm: Session) -> None:
    with pytest.raises(NotFound):
        book_service.reveal(rm, "600000009999", "mobile", reason=RevealReason.OTHER)
    assert audit_log(rm.store) == []


def test_book_queries_tags_and_saved_filters(rm: Session) -> None:
    pks = book_service.book_ids(rm, BookFilter(tags=frozenset({"新客"})))
    assert [r.cif for r in book_service.book_rows(rm, pks)] == ["600000000002"]
    by_name = book_service.book_ids(rm, sort=BookSort(BookColumn.NAME, descending=True))
    assert [r.name for r in book_service.book_rows(rm, by_name)] == ["王小明", "李大伟"]
    assert book_service.tags(rm) == [("代发工资", 2), ("新客", 1), ("理财偏好", 1)]

    red = BookFilter(churn_levels=frozenset({ChurnLevel.RED}), not_contacted_days=30)
    book_service.save_filter(rm, "  红色预警 ", red)
    [(_, name, loaded)] = book_service.saved_filters(rm)
    assert (name, loaded) == ("红色预警", red)
    with pytest.raises(ValueError, match="name"):
        book_service.save_filter(rm, "  ", red)


def test_session_on_the_profiles_own_database(tmp_path: Path) -> None:
    registry = ProfileRegistry(tmp_path, secret_store=None, policy=Policy(keyring=KeyringMode.OFF))
    profile, key = registry.create(
        "teller02", "another long password", server="https://crm.test", role=Role.TELLER
    )
    path = registry.database_path(profile)
    with LocalStore.open(path, key) as store:
        with store.transaction() as conn:
            book.upsert_customers(conn, [customer(CIF)])
        session = Session(profile=profile, store=store, clock=lambda: NOW)
        assert session.masks_personal_data
        assert book_service.customer_profile(session, CIF).customer.mobile == "138****5678"
    assert path.is_file()
    with LocalStore.open(path, key) as again:
        assert [e.action for e in audit_log(again)] == ["view"]
