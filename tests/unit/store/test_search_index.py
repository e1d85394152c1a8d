"""The type-ahead customer search (FTS5) on a real encrypted store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_store import book, search
from local_store.store import LocalStore
from rm_desk.domain.model import ChurnAssessment, ChurnLevel, Customer, Segment
from rm_desk.domain.pinyin import name_keys
from tests.factories import customer

PEOPLE = {
    "600100000001": ("王小明", "13812345678", ("代发工资",)),
    "600100000002": ("单小明", "13900001111", ()),
    "600100000003": ("曾国藩", "13700002222", ()),
    "600100000004": ("解缙", "13600003333", ()),
    "600100000005": ("欧阳修", "13500004444", ("私行客户",)),
    "600100000006": ("John Smith", "+86 186-0000-5555", ("expat",)),
    "600100000007": ("王晓", "13400006666", ()),
    "600200000008": ("李小明", "", ()),
    "600100000009": ("乐磊", "", ()),
}


def make(cif: str, name: str, mobile: str, tags: tuple[str, ...]) -> Customer:
    keys = name_keys(name)
    return customer(
        cif, name, name_pinyin=keys.full, name_initials=keys.initials, mobile=mobile, tags=tags
    )


@pytest.fixture
def people(store: LocalStore) -> LocalStore:
    with store.transaction() as conn:
        book.upsert_customers(conn, [make(cif, *v) for cif, v in PEOPLE.items()])
    return store


def cifs(store: LocalStore, text: str, limit: int = 20) -> list[str]:
    with store.read() as conn:
        return [h.cif for h in search.search(conn, text, limit)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王小明", {"600100000001"}),
        ("小明", {"600100000001", "600100000002", "600200000008"}),  # a name tail
        ("wangxiaoming", {"600100000001"}),
        ("wangx", {"600100000001", "600100000007"}),
        ("xiaoming", {"600100000001", "600100000002", "600200000008"}),  # syllable tail
        ("ming", {"600100000001", "600100000002", "600200000008"}),
        ("wxm", {"600100000001"}),
        ("xm", {"600100000001", "600100000002", "600200000008"}),
        ("shanxiaoming", {"600100000002"}),
        ("danxiaoming", {"600100000002"}),  # the everyday reading of 单
        ("sxm", {"600100000002"}),
        ("dxm", {"600100000002"}),  # the initials of every reading held: dan xiao ming
        ("yuelei", {"600100000009"}),  # 乐 read as a surname
        ("lelei", {"600100000009"}),
        ("yl", {"600100000009"}),
        ("ll", {"600100000009"}),
        ("cgf", {"600100000003"}),  # 曾 read ceng
        ("zengguofan", {"600100000003"}),
        ("zgf", {"600100000003"}),
        ("xiejin", {"600100000004"}),
        ("ouyang", {"600100000005"}),
        ("ouyangxiu", {"600100000005"}),
        ("oyx", {"600100000005"}),
        ("欧阳", {"600100000005"}),
        ("6001000000", {f"60010000000{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)}),  # CIF prefix
        ("600200000008", {"600200000008"}),
        ("5678", {"600100000001"}),  # last four mobile digits
        ("5555", {"600100000006"}),  # separators and +86 do not matter
        ("代发工资", {"600100000001"}),
        ("代发", {"600100000001"}),
        ("私行", {"600100000005"}),
        ("expat", {"600100000006"}),
        ("john", {"600100000006"}),
        ("smith", {"600100000006"}),
        ("js", {"600100000006"}),
        ("johnsmith", {"600100000006"}),
        ("John Smith", {"600100000006"}),
        ("JOHN", {"600100000006"}),
        ("Wang Xiao Ming", {"600100000001"}),
        ("WXM", {"600100000001"}),
        ("ＷＸＭ", {"600100000001"}),  # full-width
        ("ｗａｎｇｘｉａｏｍｉｎｇ", {"600100000001"}),
        ("  wxm  ", {"600100000001"}),
        ("wáng xiǎo míng", {"600100000001"}),  # tone marks
        ("wang'xiao'ming", {"600100000001"}),
        ("王 小 明", {"600100000001"}),
        ("zhangsan", set()),
        ("1234", set()),
    ],
)
def test_finds(people: LocalStore, query: str, expected: set[str]) -> None:
    found = cifs(people, query)
    assert set(found) == expected
    assert len(found) == len(set(found))  # each customer once


def test_hit_carries_book_columns(people: LocalStore) -> None:
    with people.transaction() as conn:
        scored = ChurnAssessment(
            "600100000001", 0.9, ChurnLevel.RED, (), "m1", datetime(2026, 11, 1, tzinfo=UTC)
        )
        book.save_churn(conn, [scored])
        [hit] = search.search(conn, "wxm")
        [english] = search.search(conn, "john")
        [no_mobile] = search.search(conn, "600200000008")
    assert (hit.cif, hit.name, hit.segment, hit.aum_fen, hit.churn_level, hit.mobile_last4) == (
        "600100000001",
        "王小明",
        Segment.AFFLUENT,
        120_000_000,
        ChurnLevel.RED,
        "5678",
    )
    assert english.churn_level is None
    assert english.mobile_last4 == "5555"
    assert no_mobile.mobile_last4 == ""
    with people.read() as conn:
        [row] = book.book_rows(conn, [hit.pk])
    assert row.cif == "600100000001"


def test_exact_token_hits_rank_before_prefix_hits(store: LocalStore) -> None:
    # Inserted so that rowid order would put the prefix-only matches first.
    with store.transaction() as conn:
        book.upsert_customers(
            conn,
            [
                make("600300000001", "王小明明", "", ("vip",)),  # wangxiaomingming: prefix only
                make("600300000002", "王小明华", "", ("vip",)),  # wangxiaominghua: prefix only
                make("600300000003", "王小明", "", ("vip",)),  # exact "wangxiaoming"
            ],
        )
    found = cifs(store, "wangxiaoming")
    assert found[0] == "600300000003"
    assert set(found) == {"600300000001", "600300000002", "600300000003"}
    assert cifs(store, "wangxiaoming", limit=1) == ["600300000003"]


def test_limit_is_respected(store: LocalStore) -> None:
    with store.transaction() as conn:
        book.upsert_customers(
            conn, [make(f"6004{n:08d}", "王小明", "", ("vip",)) for n in range(40)]
        )
    assert len(cifs(store, "wxm")) == 20
    assert len(cifs(store, "wxm", limit=5)) == 5
    assert len(cifs(store, "wxm", limit=100)) == 40
    assert len(cifs(store, "wang", limit=7)) == 7  # prefix-only pass is limited too
    assert cifs(store, "wxm", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "!!!", "'", '"', "***", "—·…", "（）", "-"])
def test_empty_or_punctuation_only_query_finds_nothing(people: LocalStore, query: str) -> None:
    assert cifs(people, query) == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"wxm',
        'wxm"',
        "wxm*",
        "*",
        "w*m",
        "wxm AND john",
        "AND",
        "OR",
        "NOT",
        "wxm OR john",
        "NEAR(wxm john)",
        "NEAR",
        "(wxm",
        "wxm)",
        "()",
        "keys:wxm",
        "keys : wxm",
        ":",
        "wxm-john",
        "-wxm",
        "^wxm",
        "wxm + john",
        "{keys}: wxm",
        '王小明"',
        "\x00wxm",
        "wxm\\",
        "%_",
        "'; DROP TABLE customers; --",
    ],
)
def test_fts_syntax_in_the_query_never_raises(people: LocalStore, query: str) -> None:
    found = cifs(people, query)
    assert isinstance(found, list)
    assert len(found) == len(set(found))


def test_fts_operators_are_plain_text(people: LocalStore) -> None:
    # Everything but letters and digits is dropped, operators included.
    assert cifs(people, "wxm*") == ["600100000001"]
    assert cifs(people, '"wxm"') == ["600100000001"]
    assert cifs(people, "(wxm)") == ["600100000001"]
    assert cifs(people, "keys:wxm") == []  # "keyswxm" is not a token
    assert set(cifs(people, "john-smith")) == {"600100000006"}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=30))
def test_any_text_query_never_raises(people: LocalStore, text: str) -> None:
    with people.read() as conn:
        hits = search.search(conn, text, 10)
    assert len(hits) <= 10
    assert len({h.pk for h in hits}) == len(hits)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from('"*():-^+ ANDORNEAR{}wxm王小'), max_size=20))
def test_any_fts_looking_query_never_raises(people: LocalStore, text: str) -> None:
    with people.read() as conn:
        search.search(conn, text, 10)


def test_rebuild_gives_the_same_results_as_incremental_indexing(people: LocalStore) -> None:
    queries = [
        "小明",
        "wxm",
        "xiaoming",
        "danxiaoming",
        "oyx",
        "6001",
        "5678",
        "代发",
        "js",
        "wang",
        "x",
        "6",
        "私行客户",
    ]
    before = {q: sorted(cifs(people, q, 100)) for q in queries}
    with people.transaction() as conn:
        assert search.rebuild(conn, batch=3) == len(PEOPLE)
    after = {q: sorted(cifs(people, q, 100)) for q in queries}
    assert after == before
    assert before["小明"] == ["600100000001", "600100000002", "600200000008"]


def test_rebuild_drops_entries_of_rows_that_are_gone(people: LocalStore) -> None:
    with people.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM customers WHERE id = '600100000001'")
    assert cifs(people, "wxm") == []  # the join hides the stale entry already
    with people.transaction() as conn:
        assert search.rebuild(conn) == len(PEOPLE) - 1
        rows = conn.exec_driver_sql(
            "SELECT count(*) FROM customer_search WHERE customer_search MATCH 'wxm'"
        ).fetchone()
    assert rows is not None
    assert rows[0] == 0


def test_reindex_after_mobile_and_tag_change(people: LocalStore) -> None:
    cif = "600100000001"
    changed = replace(make(cif, *PEOPLE[cif]), mobile="13811119999", tags=("高净值",))
    with people.transaction() as conn:
        book.upsert_customers(conn, [changed])
    assert cifs(people, "5678") == []
    assert cifs(people, "9999") == [cif]
    assert cifs(people, "高净值") == [cif]
    assert cifs(people, "代发工资") == []
    assert cifs(people, "wxm") == [cif]


def test_index_text_tokens() -> None:
    tokens = search.index_text("王小明", "600100000001", "138-1234-5678", ["代发工资", "VIP客户"])
    assert tokens.split() == [
        "王小明",
        "小明",
        "明",
        "wangxiaoming",
        "xiaoming",
        "ming",
        "wxm",
        "xm",
        "m",
        "600100000001",
        "5678",
        "代发工资",
        "vip客户",
    ]
    assert "danxiaoming" in search.index_text("单小明", "1", "", []).split()
    assert "dxm" in search.index_text("单小明", "1", "", []).split()
    assert "ll" in search.index_text("乐磊", "1", "", []).split()
    assert search.index_text("", "", "123", []) == ""


def test_tags_are_stored_between_bars() -> None:
    assert search.join_tags(["a", " b ", "", "c|d"]) == "|a|b|c/d|"
    assert search.join_tags([]) == ""
    assert search.split_tags("|a|b|c/d|") == ["a", "b", "c/d"]
    assert search.split_tags("") == []


def test_an_index_an_older_build_wrote_is_rebuilt_when_the_store_opens(
    people: LocalStore, tmp_path: Path, data_key: bytes
) -> None:
    """A store indexed before alternate initials existed finds 单小明 by dxm after the
    next unlock, without a sync or an edit of the customer."""
    with people.transaction() as conn:  # what a version-1 build left behind
        pk = conn.exec_driver_sql("SELECT pk FROM customers WHERE id = '600100000002'").scalar_one()
        keys = search.index_text("单小明", "600100000002", "13900001111", [])
        old_keys = [t for t in keys.split() if t != "dxm"]
        conn.exec_driver_sql("DELETE FROM customer_search WHERE rowid = ?", (pk,))
        conn.exec_driver_sql(
            "INSERT INTO customer_search(rowid, keys) VALUES (?, ?)", (pk, " ".join(old_keys))
        )
        conn.exec_driver_sql("DELETE FROM meta WHERE key = 'search_keys_version'")
    assert cifs(people, "dxm") == []
    people.close()
    reopened = LocalStore.open(tmp_path / "store.db", data_key)
    try:
        assert cifs(reopened, "dxm") == ["600100000002"]
        with reopened.read() as conn:
            assert not search.ensure_current(conn)  # once: the version is recorded
    finally:
        reopened.close()
