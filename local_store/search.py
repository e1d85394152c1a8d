"""The customer search index (FTS5) behind the type-ahead box.

One contentless FTS5 row per customer (rowid = customers.pk) holds tokens for
everything a user may type: the name and its tails (so 小明 finds 王小明), full
pinyin and its syllable tails (xiaoming), initials (wxm), alternate readings of
polyphonic surnames and their initials (dxm for 单小明 read dan), the CIF number,
the last four digits of the mobile and the tags. A query is one normalised prefix
term; exact token hits rank first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from rm_desk.domain.book import SearchHit
from rm_desk.domain.model import ChurnLevel, Segment
from rm_desk.domain.pinyin import NameKeys, name_keys, normalise_query


def _clean(token: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", token).lower() if ch.isalnum())


def _tails(text: str) -> list[str]:
    return [text[i:] for i in range(1, len(text))]


def index_text(
    name: str, cif: str, mobile: str, tags: Iterable[str], keys: NameKeys | None = None
) -> str:
    """The space-separated tokens indexed for one customer (`keys`: its name's, when the
    caller has them already)."""
    keys = keys or name_keys(name)
    tokens: list[str] = []
    clean_name = _clean(name)
    tokens.append(clean_name)
    if any(ord(ch) > 0x2E7F for ch in clean_name):  # CJK: index every tail of the name
        tokens.extend(_tails(clean_name))
    else:  # Latin names: every word
        tokens.extend(_clean(w) for w in name.split())
    tokens.append(keys.full)
    syllables = list(keys.syllables)
    tokens.extend("".join(syllables[i:]) for i in range(1, len(syllables)))
    tokens.append(keys.initials)
    tokens.extend(_tails(keys.initials))
    tokens.extend(keys.alternates)
    for initials in keys.alternate_initials:
        tokens.append(initials)
        tokens.extend(_tails(initials))
    tokens.append(_clean(cif))
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if len(digits) >= 4:
        tokens.append(digits[-4:])
    tokens.extend(_clean(tag) for tag in tags)
    seen: dict[str, None] = {}
    for token in tokens:
        if token:
            seen.setdefault(token, None)
    return " ".join(seen)


def sort_key(name: str, keys: NameKeys | None = None) -> str:
    """The book's name order: pinyin syllables apart, then the name itself.

    "chen ming" sorts before "cheng gang" (a space before any letter), so 程 never falls
    among the 陈; two names read alike (陈明, 沈明 read chen/shen differ; 陈明 and 沉明
    do not) are kept apart by their characters after the reading."""
    keys = keys or name_keys(name)
    return " ".join(keys.syllables) + "\x1f" + unicodedata.normalize("NFKC", name)


def _index(conn: Connection, rows: Sequence[tuple[int, str, str, str, str]]) -> None:
    """Insert the index entries and write the name order of (pk, name, cif, mobile,
    tags) rows, each name's keys worked out once."""
    entries: list[tuple[int, str]] = []
    orders: list[tuple[str, int]] = []
    for pk, name, cif, mobile, tags in rows:
        keys = name_keys(name)
        entries.append((pk, index_text(name, cif, mobile, split_tags(tags), keys)))
        orders.append((sort_key(name, keys), pk))
    conn.exec_driver_sql("INSERT INTO customer_search(rowid, keys) VALUES (?, ?)", entries)
    conn.exec_driver_sql("UPDATE customers SET name_sort = ? WHERE pk = ?", orders)


def reindex(conn: Connection, rows: Sequence[tuple[int, str, str, str, str]]) -> None:
    """Replace the index entries of (pk, name, cif, mobile, tags '|a|b|') rows, and the
    rows' name order."""
    if not rows:
        return
    conn.exec_driver_sql("DELETE FROM customer_search WHERE rowid = ?", [(row[0],) for row in rows])
    _index(conn, rows)


# The version of the tokens `index_text` writes. A build that indexes more (2: the
# initials of alternate readings) rebuilds an older store's index once, when the store
# opens (`ensure_current`), so customers already on the laptop are found by it too.
KEYS_VERSION = 3  # 3: the book's name order (`name_sort`) is written beside the keys
_KEYS_META = "search_keys_version"


def ensure_current(conn: Connection) -> bool:
    """Rebuild the index if an older build wrote it; True when rebuilt."""
    row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (_KEYS_META,)).fetchone()
    if row is not None and int(row[0]) >= KEYS_VERSION:
        return False
    rebuild(conn)
    return True


def rebuild(conn: Connection, batch: int = 5000) -> int:
    """Rebuild the whole index from the customers table; returns rows indexed."""
    conn.exec_driver_sql(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_KEYS_META, str(KEYS_VERSION)),
    )
    conn.exec_driver_sql("DELETE FROM customer_search")
    total = 0
    result = conn.exec_driver_sql("SELECT pk, name, id, mobile, tags FROM customers ORDER BY pk")
    rows = result.fetchall()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        _index(conn, chunk)
        total += len(chunk)
    return total


def remove(conn: Connection, pks: Sequence[int]) -> None:
    if pks:
        conn.exec_driver_sql("DELETE FROM customer_search WHERE rowid = ?", [(pk,) for pk in pks])


def split_tags(stored: str) -> list[str]:
    return [t for t in stored.split("|") if t]


def join_tags(tags: Iterable[str]) -> str:
    cleaned = [t.replace("|", "/").strip() for t in tags]
    kept = [t for t in cleaned if t]
    return f"|{'|'.join(kept)}|" if kept else ""


_HIT_SQL = """
SELECT c.pk, c.id, c.name, c.segment, c.aum_fen, c.churn_level, c.mobile
FROM customer_search s JOIN customers c ON c.pk = s.rowid
WHERE customer_search MATCH ?
LIMIT ?
"""


def _fts_term(query: str, *, prefix: bool) -> str:
    quoted = '"' + query.replace('"', '""') + '"'
    return f"keys : {quoted}{'*' if prefix else ''}"


def search(conn: Connection, text: str, limit: int = 20) -> list[SearchHit]:
    """Customers matching what the user typed: exact token hits first, then prefixes."""
    query = normalise_query(text)
    query = _clean(query)
    if not query or limit <= 0:
        return []
    hits: list[SearchHit] = []
    seen: set[int] = set()
    for prefix in (False, True):
        rows = conn.exec_driver_sql(
            _HIT_SQL, (_fts_term(query, prefix=prefix), limit + len(seen))
        ).fetchall()
        for pk, cif, name, segment, aum, level, mobile in rows:
            if pk in seen:
                continue
            seen.add(pk)
            hits.append(
                SearchHit(
                    pk=pk,
                    cif=cif,
                    name=name,
                    segment=Segment(segment),
                    aum_fen=aum,
                    churn_level=ChurnLevel(level) if level else None,
                    mobile_last4=mobile[-4:] if mobile else "",
                )
            )
            if len(hits) >= limit:
                return hits
    return hits
