"""Person names for the demo bank: Chinese surnames by frequency, given-name characters
by gender, English first and last names, and the pinyin search keys of each.

Surname weights follow the published national shares (per ten thousand people, rounded)
of the hundred or so commonest surnames, with a tail of polyphonic surnames (单 shan,
曾 zeng, 解 xie, 仇 qiu, 查 zha) and rare compound ones (欧阳, 司马, 诸葛, 上官) so
that the pinyin search meets them. Given-name characters avoid characters whose
reading depends on the word they sit in, so a name has one obvious reading.
"""

from __future__ import annotations

from typing import Final

from rm_desk.domain.pinyin import name_keys

# (surname, share per ten thousand)
SURNAMES: Final[tuple[tuple[str, int], ...]] = (
    ("王", 710),
    ("李", 700),
    ("张", 670),
    ("刘", 540),
    ("陈", 460),
    ("杨", 310),
    ("黄", 220),
    ("赵", 200),
    ("吴", 190),
    ("周", 190),
    ("徐", 150),
    ("孙", 150),
    ("马", 140),
    ("朱", 130),
    ("胡", 130),
    ("郭", 120),
    ("何", 120),
    ("林", 110),
    ("高", 110),
    ("罗", 90),
    ("郑", 90),
    ("梁", 80),
    ("谢", 70),
    ("宋", 70),
    ("唐", 70),
    ("许", 60),
    ("韩", 60),
    ("冯", 60),
    ("邓", 60),
    ("曹", 60),
    ("彭", 50),
    ("曾", 50),
    ("肖", 50),
    ("田", 50),
    ("董", 50),
    ("袁", 50),
    ("潘", 40),
    ("于", 40),
    ("蒋", 40),
    ("蔡", 40),
    ("余", 40),
    ("杜", 40),
    ("叶", 40),
    ("程", 40),
    ("苏", 30),
    ("魏", 30),
    ("吕", 30),
    ("丁", 30),
    ("任", 30),
    ("沈", 30),
    ("姚", 30),
    ("卢", 30),
    ("姜", 30),
    ("崔", 30),
    ("钟", 30),
    ("谭", 30),
    ("陆", 30),
    ("汪", 30),
    ("范", 30),
    ("金", 30),
    ("石", 30),
    ("廖", 30),
    ("贾", 30),
    ("夏", 20),
    ("韦", 20),
    ("付", 20),
    ("方", 20),
    ("白", 20),
    ("邹", 20),
    ("孟", 20),
    ("熊", 20),
    ("秦", 20),
    ("邱", 20),
    ("江", 20),
    ("尹", 20),
    ("薛", 20),
    ("闫", 20),
    ("段", 20),
    ("雷", 20),
    ("侯", 20),
    ("龙", 20),
    ("史", 20),
    ("陶", 20),
    ("黎", 20),
    ("贺", 20),
    ("顾", 20),
    ("毛", 20),
    ("郝", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 20),
    ("钱", 20),
    ("严", 10),
    ("覃", 10),
    ("武", 10),
    ("戴", 10),
    ("莫", 10),
    ("孔", 10),
    ("向", 10),
    ("汤", 10),
    ("单", 5),
    ("解", 5),
    ("仇", 3),
    ("查", 3),
    ("翟", 5),
    ("欧阳", 3),
    ("上官", 1),
    ("司马", 1),
    ("诸葛", 1),
)

# Characters common in given names, by gender; one- or two-character given names are
# drawn from these.
GIVEN_MALE: Final[str] = (
    "伟强磊军勇杰涛明超斌鹏辉刚健波宇浩凯俊帆鑫亮峰建国华平林文东海龙志晨阳博轩睿哲"
    "子逸宏毅翔飞成振永德新庆瑞泽然彬炜晖昊铭"
)
GIVEN_FEMALE: Final[str] = (
    "芳娜敏静丽艳娟霞秀玲婷雪慧莹琳颖倩洁欣怡萍红梅兰燕琴云晶佳悦涵雨馨思璐媛薇蕾瑶"
    "妍菲嘉晓诗梦雯露彤岚蓉"
)

FIRST_MALE_EN: Final[tuple[str, ...]] = (
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kevin",
    "Brian",
    "George",
    "Edward",
    "Ryan",
    "Jason",
    "Peter",
    "Henry",
    "Samuel",
    "Oliver",
    "Jack",
    "Lucas",
)
FIRST_FEMALE_EN: Final[tuple[str, ...]] = (
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Emily",
    "Emma",
    "Olivia",
    "Sophia",
    "Grace",
    "Chloe",
    "Hannah",
    "Laura",
    "Rachel",
    "Helen",
    "Anna",
    "Amy",
    "Lucy",
    "Alice",
    "Claire",
    "Julia",
    "Megan",
    "Natalie",
    "Victoria",
    "Kate",
)
LAST_EN: Final[tuple[str, ...]] = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Reed",
    "Bailey",
    "Bell",
    "Kelly",
    "Howard",
    "Ward",
    "Cox",
    "Richardson",
    "Wood",
    "Watson",
    "Chen",
    "Wong",
    "Lee",
)


class NameReader:
    """Pinyin search keys ("wangxiaoming", "wxm") of generated names, cached by part.

    A Chinese name's keys are its surname's keys followed by its given name's, which is
    how `rm_desk.domain.pinyin.name_keys` reads it; computing them per part keeps a
    100,000-customer bank from converting 100,000 whole names.
    """

    def __init__(self) -> None:
        self._surnames: dict[str, tuple[str, str]] = {}
        self._given: dict[str, tuple[str, str]] = {}
        self._latin: dict[str, tuple[str, str]] = {}

    def chinese(self, surname: str, given: str) -> tuple[str, str]:
        """(full pinyin, initials) of surname + given name."""
        head = self._surnames.get(surname)
        if head is None:
            # A given character after the surname, so a compound surname reads as one.
            keys = name_keys(surname + "明")
            syllables = keys.syllables[: len(surname)]
            head = ("".join(syllables), "".join(s[0] for s in syllables))
            self._surnames[surname] = head
        tail = self._given.get(given)
        if tail is None:
            # 王 is no polyphone and starts no compound surname: what follows it is read
            # exactly as the given name of any single-character surname.
            syllables = name_keys("王" + given).syllables[1:]
            tail = ("".join(syllables), "".join(s[0] for s in syllables))
            self._given[given] = tail
        return head[0] + tail[0], head[1] + tail[1]

    def latin(self, name: str) -> tuple[str, str]:
        """(full key, initials) of a Latin-script name such as "Emily Chen"."""
        keys = self._latin.get(name)
        if keys is None:
            found = name_keys(name)
            keys = (found.full, found.initials)
            self._latin[name] = keys
        return keys
