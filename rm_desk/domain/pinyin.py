"""Pinyin search keys for customer names, and the matching normalisation of queries.

The book's type-ahead search compares what a user types ("wangxiaoming", "wxm") with
keys computed once per customer, so `name_keys` runs for every customer of a bulk load
(100,000 of them) and `normalise_query` on every keystroke. Both fold text the same
way: NFKC (full-width to half-width), lower case, ü written v, apostrophes dropped.

Surnames are read as surnames (单 shan, not dan) from a table; the given name is read
by pypinyin's phrase-aware conversion.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The keys a name is found by. All lower-case ASCII (plus digits), ü written v."""

    full: str  # "wangxiaoming"
    initials: str  # "wxm"
    syllables: tuple[str, ...]  # ("wang", "xiao", "ming")
    alternates: tuple[str, ...] = ()  # other plausible full readings, e.g. "danxiaoming"
    # The initials of each alternate reading ("dxm"), so a name is found by the
    # initials of every reading the index holds, not only the first.
    alternate_initials: tuple[str, ...] = ()


EMPTY_KEYS: Final[NameKeys] = NameKeys(full="", initials="", syllables=())

# Compound (two-character) surnames and their readings.
COMPOUND_SURNAMES: Final[Mapping[str, tuple[str, str]]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "长孙": ("zhang", "sun"),
    "宇文": ("yu", "wen"),
    "司徒": ("si", "tu"),
    "夏侯": ("xia", "hou"),
    "令狐": ("ling", "hu"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "公冶": ("gong", "ye"),
    "端木": ("duan", "mu"),
    "轩辕": ("xuan", "yuan"),
}

# Single surnames whose surname reading differs from the reading pypinyin gives the
# character on its own (checked against pypinyin 0.55). Surnames pypinyin already reads
# right (沈 shen, 贾 jia, 柏 bai, 纪 ji, 华 hua, 任 ren, 过 guo, 宁 ning, 燕 yan, 石 shi,
# 车 che, 晟 cheng, 逄 pang, 朝 chao) are left to it.
SURNAME_READINGS: Final[Mapping[str, str]] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "繁": "po",
    "员": "yun",
    "召": "shao",
    "折": "she",
    "种": "chong",
    "秘": "bi",
    "覃": "qin",
    "翟": "zhai",
    "隗": "wei",
    "黑": "he",
    "尉": "yu",
    "薄": "bo",
    "都": "du",
    "句": "gou",
    "阚": "kan",
    "粘": "nian",
}

# At most this many alternates per name: each is another key the search must hold.
_MAX_ALTERNATES: Final[int] = 3

_HAN: Final[str] = "\u3007\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
# A token is a run of Han characters, possibly with spaces inside, or a run of Latin
# letters and digits (one word of a Latin-script name).
_TOKEN: Final[re.Pattern[str]] = re.compile(f"[{_HAN}](?:[{_HAN}\\s]*[{_HAN}])?|[a-z0-9]+")
_WHITESPACE: Final[re.Pattern[str]] = re.compile(r"\s+")


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # Latin letters with diacritics, including pinyin tone marks (wáng -> wang); any
    # form of ü becomes v, which is how pinyin users type it.
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        if char.lower() in "üǖǘǚǜ":
            table[code] = "v" if char.islower() else "V"
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if bare != char and bare.isascii() and bare.isalpha():
            table[code] = bare
    for apostrophe in "'`´‘’ʼ＇":
        table[ord(apostrophe)] = None
    # Middle dots separate the parts of transliterated names (阿依古丽·买买提).
    for dot in "·•・‧":
        table[ord(dot)] = " "
    return table


_FOLD_TABLE: Final[dict[int, str | None]] = _build_fold_table()


def _fold(text: str) -> str:
    """NFKC, lower case, ü as v, Latin diacritics and apostrophes removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.lower().translate(_FOLD_TABLE)
    if "u:" in text:  # the other way pinyin input is typed: lu:
        text = text.replace("u:", "v")
    return text


def normalise_query(text: str) -> str:
    """A search query folded like the name keys, with spaces and apostrophes removed."""
    return _WHITESPACE.sub("", _fold(text))


def name_keys(name: str) -> NameKeys:
    """The pinyin keys of a customer name: Chinese, Latin-script or a mix of both."""
    tokens: list[str] = _TOKEN.findall(_fold(name))
    if not tokens:
        return EMPTY_KEYS
    first = tokens[0]
    heads: tuple[tuple[str, ...], ...] = ()  # alternate readings of the leading token
    if first.isascii():
        syllables = [first]
    else:
        leading, heads = _leading_han_run(_squeeze(first))
        syllables = list(leading)
    for token in tokens[1:]:
        if token.isascii():
            syllables.append(token)
        else:
            syllables.extend(_given_syllables(_squeeze(token)))
    initials = _initials(syllables)
    alternates: tuple[str, ...] = ()
    alternate_initials: tuple[str, ...] = ()
    if heads:
        tail = syllables[len(leading) :]
        alternates = tuple("".join((*head, *tail)) for head in heads)
        others = dict.fromkeys(_initials((*head, *tail)) for head in heads)
        alternate_initials = tuple(i for i in others if i != initials)
    return NameKeys(
        full="".join(syllables),
        initials=initials,
        syllables=tuple(syllables),
        alternates=alternates,
        alternate_initials=alternate_initials,
    )


def _initials(syllables: Sequence[str]) -> str:
    return "".join([syllable[0] for syllable in syllables])


def _squeeze(han_run: str) -> str:
    # Spaces inside a run of Han characters are typing noise ("王 小明").
    return "".join(han_run.split())


@functools.lru_cache(maxsize=65_536)
def _leading_han_run(run: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Syllables of a Han run that starts with a surname, and its alternate readings.

    A compound surname needs a given name after it: 司马 alone is more likely surname
    司 with given name 马 than a bare surname. The alternates are what a user who does
    not know the surname reading would type: the everyday reading of its characters
    (dan for 单), and for 单于 and the like, a single surname followed by a given name.
    """
    if len(run) > 2 and run[:2] in COMPOUND_SURNAMES:
        length = 2
        surname: tuple[str, ...] = COMPOUND_SURNAMES[run[:2]]
    else:
        length = 1
        reading = SURNAME_READINGS.get(run[0]) or _char_reading(run[0])
        surname = (reading,) if reading else ()
    given = _given_syllables(run[length:])
    syllables = surname + given
    # Each candidate is the syllables of the whole run under another reading.
    candidates = [tuple(_char_reading(char) for char in run[:length]) + given]
    if length == 2:
        rest = _given_syllables(run[1:])
        candidates.append((SURNAME_READINGS.get(run[0]) or _char_reading(run[0]), *rest))
        candidates.append((_char_reading(run[0]), *rest))
    own = "".join(syllables)
    heads: list[tuple[str, ...]] = []
    seen = {own}
    for candidate in candidates:
        words = tuple(word for word in candidate if word)
        key = "".join(words)
        if key and key not in seen:
            seen.add(key)
            heads.append(words)
    return syllables, tuple(heads[:_MAX_ALTERNATES])


@functools.cache
def _char_reading(char: str) -> str:
    """The everyday reading of one character ("" if pypinyin has none)."""
    return "".join(_pinyin(char))


@functools.lru_cache(maxsize=65_536)
def _given_syllables(run: str) -> tuple[str, ...]:
    """Phrase-aware readings of a run of Han characters (a given name)."""
    # Given names repeat a great deal across a book (伟, 芳, 秀英), hence the cache.
    return tuple(_pinyin(run)) if run else ()


def _pinyin(text: str) -> list[str]:
    # Imported here rather than at the top: pypinyin loads its dictionaries on import
    # (about 0.2 s), and masking uses this module's surname tables without needing them.
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415

    # errors="ignore" drops characters pypinyin has no reading for rather than leaving
    # Han characters in an ASCII key.
    readings: list[str] = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    return [reading for reading in readings if reading.isascii() and reading.isalpha()]
