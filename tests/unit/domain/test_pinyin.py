"""Pinyin keys of customer names and normalisation of search queries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rm_desk.domain.pinyin import EMPTY_KEYS, NameKeys, name_keys, normalise_query


def test_plain_name() -> None:
    assert name_keys("王小明") == NameKeys(
        full="wangxiaoming", initials="wxm", syllables=("wang", "xiao", "ming"), alternates=()
    )


def test_polyphonic_surname_uses_the_surname_reading_and_keeps_the_common_one() -> None:
    keys = name_keys("单小明")
    assert keys.full == "shanxiaoming"
    assert keys.initials == "sxm"
    assert keys.syllables == ("shan", "xiao", "ming")
    # Someone who reads 单 as dan still finds the customer.
    assert "danxiaoming" in keys.alternates


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("曾国藩", "zengguofan", "zgf"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("区永", "ouyong", "oy"),
        ("朴槿惠", "piaojinhui", "pjh"),
        ("查良镛", "zhaliangyong", "zly"),
    ],
)
def test_famous_polyphonic_surnames(name: str, full: str, initials: str) -> None:
    keys = name_keys(name)
    assert (keys.full, keys.initials) == (full, initials)


SURNAME_READINGS = {
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
    "朝": "chao",
    "沈": "shen",
    "贾": "jia",
    "柏": "bai",
    "薄": "bo",
    "纪": "ji",
    "华": "hua",
    "任": "ren",
    "过": "guo",
    "宁": "ning",
    "燕": "yan",
    "石": "shi",
    "车": "che",
    "都": "du",
    "句": "gou",
    "晟": "cheng",
    "逄": "pang",
}


@pytest.mark.parametrize(("surname", "reading"), SURNAME_READINGS.items())
def test_every_listed_surname_reads_as_a_surname(surname: str, reading: str) -> None:
    keys = name_keys(surname + "明")
    assert keys.syllables == (reading, "ming")
    assert keys.initials == reading[0] + "m"


COMPOUND_READINGS = {
    "欧阳": "ouyang",
    "司马": "sima",
    "诸葛": "zhuge",
    "上官": "shangguan",
    "东方": "dongfang",
    "皇甫": "huangfu",
    "尉迟": "yuchi",
    "公孙": "gongsun",
    "慕容": "murong",
    "长孙": "zhangsun",
    "宇文": "yuwen",
    "司徒": "situ",
    "夏侯": "xiahou",
    "令狐": "linghu",
    "万俟": "moqi",
    "单于": "chanyu",
    "澹台": "tantai",
    "公冶": "gongye",
    "端木": "duanmu",
    "轩辕": "xuanyuan",
}


@pytest.mark.parametrize(("surname", "reading"), COMPOUND_READINGS.items())
def test_every_compound_surname(surname: str, reading: str) -> None:
    keys = name_keys(surname + "明")
    assert keys.full == reading + "ming"
    assert len(keys.syllables) == 3


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("欧阳修", "ouyangxiu", "oyx"),
        ("诸葛亮", "zhugeliang", "zgl"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
        ("万俟卨", "moqixie", "mqx"),
    ],
)
def test_famous_compound_surnames(name: str, full: str, initials: str) -> None:
    keys = name_keys(name)
    assert (keys.full, keys.initials) == (full, initials)


def test_compound_surname_alternates_include_everyday_readings() -> None:
    assert "weichigong" in name_keys("尉迟恭").alternates
    # 单于明 may also be surname 单 with given name 于明.
    assert "shanyuming" in name_keys("单于明").alternates
    assert name_keys("欧阳修").alternates == ()


def test_two_characters_that_spell_a_compound_surname_are_surname_and_given_name() -> None:
    assert name_keys("单于").full == "shanyu"
    assert name_keys("司马").full == "sima"


@pytest.mark.parametrize(
    ("name", "full"),
    [
        # 重 alone reads zhong; in 重阳 (the Double Ninth) it is chong.
        ("张重阳", "zhangchongyang"),
        ("李长安", "lichangan"),
        # 朝 alone reads chao; in 朝阳/朝晖 (morning sun) it is zhao.
        ("王朝晖", "wangzhaohui"),
        # The surname reading is not applied inside the given name.
        ("王单", "wangdan"),
    ],
)
def test_given_name_uses_phrase_aware_readings(name: str, full: str) -> None:
    assert name_keys(name).full == full


@pytest.mark.parametrize(
    ("name", "full", "initials", "syllables"),
    [
        ("John Smith", "johnsmith", "js", ("john", "smith")),
        ("Li Na", "lina", "ln", ("li", "na")),
        ("  JOHN   smith ", "johnsmith", "js", ("john", "smith")),
        ("Mary-Jane O'Brien", "maryjaneobrien", "mjo", ("mary", "jane", "obrien")),
        ("José Müller", "josemvller", "jm", ("jose", "mvller")),
    ],
)
def test_latin_script_names(
    name: str, full: str, initials: str, syllables: tuple[str, ...]
) -> None:
    keys = name_keys(name)
    assert (keys.full, keys.initials, keys.syllables) == (full, initials, syllables)
    assert keys.alternates == ()


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("王Lisa", "wanglisa", "wl"),
        ("Wang 小明", "wangxiaoming", "wxm"),
        ("王 小明", "wangxiaoming", "wxm"),
        ("阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"),
    ],
)
def test_mixed_and_spaced_names(name: str, full: str, initials: str) -> None:
    keys = name_keys(name)
    assert (keys.full, keys.initials) == (full, initials)


@pytest.mark.parametrize(
    "name", ["ＷＡＮＧ　Ｘｉａｏｍｉｎｇ", "Wang Xiaoming", "王小明", "王　小明"]
)
def test_full_width_and_spacing_give_the_same_key(name: str) -> None:
    assert name_keys(name).full == "wangxiaoming"


def test_u_umlaut_is_written_v() -> None:
    assert name_keys("吕布").full == "lvbu"
    assert name_keys("女娲").initials == "nw"
    assert name_keys("Lü Bu").full == "lvbu"


@pytest.mark.parametrize("name", ["", "   ", "·", "!!", "\u3000"])
def test_empty_names_give_empty_keys(name: str) -> None:
    assert name_keys(name) == EMPTY_KEYS
    assert NameKeys(full="", initials="", syllables=(), alternates=()) == EMPTY_KEYS


@pytest.mark.parametrize(
    ("query", "normalised"),
    [
        ("Wang Xiao Ming", "wangxiaoming"),
        ("ＷＸＭ", "wxm"),
        ("wang　xm", "wangxm"),
        ("Xi'an", "xian"),
        ("xi’an", "xian"),
        ("lü", "lv"),
        ("LÜ", "lv"),
        ("lu:", "lv"),
        ("lv", "lv"),
        ("wáng xiǎo míng", "wangxiaoming"),
        ("王 小明", "王小明"),
        ("１３８ ５６７８", "1385678"),
        ("", ""),
    ],
)
def test_normalise_query(query: str, normalised: str) -> None:
    assert normalise_query(query) == normalised


def test_a_typed_query_matches_the_keys() -> None:
    keys = name_keys("吕小明")
    assert normalise_query("Lü Xiao Ming") == keys.full
    assert normalise_query("LXM") == keys.initials


# Deadline off: the first call loads pypinyin's dictionaries.
@settings(deadline=None)
@given(st.text(max_size=12))
def test_any_text_gives_consistent_ascii_keys(name: str) -> None:
    keys = name_keys(name)
    assert keys.full == "".join(keys.syllables)
    assert keys.initials == "".join(syllable[0] for syllable in keys.syllables)
    for key in (keys.full, *keys.alternates):
        assert key.isascii()
        assert key == key.lower()
        assert normalise_query(key) == key
    assert all(syllable.isalnum() for syllable in keys.syllables)
    assert len(keys.alternates) <= 3
    assert keys.full not in keys.alternates
