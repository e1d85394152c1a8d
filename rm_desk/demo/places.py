"""Where the demo bank's branches are and where its customers live.

Every sub-branch sits in a real city district, with that district's GB/T 2260 code:
the code a customer born there carries in the first six digits of the resident ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class District:
    code: str  # GB/T 2260 six-digit code
    city_zh: str
    city_en: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class BranchSite:
    district: District
    name_zh: str  # the place the sub-branch is named after: 陆家嘴
    name_en: str  # Lujiazui


def _d(code: str, city: str, district: str) -> District:
    city_zh, city_en = city.split("|")
    name_zh, name_en = district.split("|")
    return District(code, city_zh, city_en, name_zh, name_en)


_SH = "上海|Shanghai"
_BJ = "北京|Beijing"
_SZ = "深圳|Shenzhen"
_HZ = "杭州|Hangzhou"
_GZ = "广州|Guangzhou"
_CD = "成都|Chengdu"
_NJ = "南京|Nanjing"
_WH = "武汉|Wuhan"

_PUDONG = _d("310115", _SH, "浦东新区|Pudong")
_HUANGPU = _d("310101", _SH, "黄浦区|Huangpu")
_XUHUI = _d("310104", _SH, "徐汇区|Xuhui")
_CHANGNING = _d("310105", _SH, "长宁区|Changning")
_JINGAN = _d("310106", _SH, "静安区|Jing'an")
_YANGPU = _d("310110", _SH, "杨浦区|Yangpu")
_MINHANG = _d("310112", _SH, "闵行区|Minhang")
_CHAOYANG = _d("110105", _BJ, "朝阳区|Chaoyang")
_HAIDIAN = _d("110108", _BJ, "海淀区|Haidian")
_XICHENG = _d("110102", _BJ, "西城区|Xicheng")
_DONGCHENG = _d("110101", _BJ, "东城区|Dongcheng")
_FENGTAI = _d("110106", _BJ, "丰台区|Fengtai")
_FUTIAN = _d("440304", _SZ, "福田区|Futian")
_NANSHAN = _d("440305", _SZ, "南山区|Nanshan")
_LUOHU = _d("440303", _SZ, "罗湖区|Luohu")
_BAOAN = _d("440306", _SZ, "宝安区|Bao'an")
_XIHU = _d("330106", _HZ, "西湖区|Xihu")
_SHANGCHENG = _d("330102", _HZ, "上城区|Shangcheng")
_BINJIANG = _d("330108", _HZ, "滨江区|Binjiang")
_TIANHE = _d("440106", _GZ, "天河区|Tianhe")
_YUEXIU = _d("440104", _GZ, "越秀区|Yuexiu")
_HAIZHU = _d("440105", _GZ, "海珠区|Haizhu")
_JINJIANG = _d("510104", _CD, "锦江区|Jinjiang")
_WUHOU = _d("510107", _CD, "武侯区|Wuhou")
_GULOU = _d("320106", _NJ, "鼓楼区|Gulou")
_QINHUAI = _d("320104", _NJ, "秦淮区|Qinhuai")
_JIANGHAN = _d("420103", _WH, "江汉区|Jianghan")
_HONGSHAN = _d("420111", _WH, "洪山区|Hongshan")


def _sites(district: District, *names: str) -> list[BranchSite]:
    return [BranchSite(district, *name.split("|")) for name in names]


# Per city, in the order a growing bank would open them; branches are dealt out over
# the cities in turn so even a small demo bank spans several cities.
_CITY_SITES: Final[tuple[tuple[BranchSite, ...], ...]] = (
    tuple(
        _sites(_PUDONG, "陆家嘴|Lujiazui", "张江|Zhangjiang")
        + _sites(_HUANGPU, "外滩|The Bund")
        + _sites(_XUHUI, "徐家汇|Xujiahui")
        + _sites(_JINGAN, "静安寺|Jing'an Temple")
        + _sites(_CHANGNING, "虹桥|Hongqiao")
        + _sites(_PUDONG, "世纪大道|Century Avenue", "金桥|Jinqiao")
        + _sites(_YANGPU, "五角场|Wujiaochang")
        + _sites(_MINHANG, "七宝|Qibao", "莘庄|Xinzhuang")
        + _sites(_HUANGPU, "南京东路|East Nanjing Road")
        + _sites(_XUHUI, "漕河泾|Caohejing")
        + _sites(_CHANGNING, "古北|Gubei")
    ),
    tuple(
        _sites(_CHAOYANG, "国贸|Guomao")
        + _sites(_XICHENG, "金融街|Financial Street")
        + _sites(_HAIDIAN, "中关村|Zhongguancun")
        + _sites(_CHAOYANG, "望京|Wangjing")
        + _sites(_DONGCHENG, "王府井|Wangfujing")
        + _sites(_CHAOYANG, "亚运村|Yayuncun")
        + _sites(_HAIDIAN, "五道口|Wudaokou")
        + _sites(_FENGTAI, "方庄|Fangzhuang")
        + _sites(_XICHENG, "西单|Xidan")
        + _sites(_CHAOYANG, "双井|Shuangjing")
        + _sites(_HAIDIAN, "上地|Shangdi")
    ),
    tuple(
        _sites(_FUTIAN, "福田中心区|Futian Central")
        + _sites(_NANSHAN, "科技园|Science Park")
        + _sites(_LUOHU, "东门|Dongmen")
        + _sites(_FUTIAN, "车公庙|Chegongmiao")
        + _sites(_NANSHAN, "蛇口|Shekou")
        + _sites(_BAOAN, "宝安中心区|Bao'an Central")
        + _sites(_FUTIAN, "香蜜湖|Xiangmihu")
        + _sites(_NANSHAN, "后海|Houhai")
    ),
    tuple(
        _sites(_XIHU, "文三路|Wensan Road")
        + _sites(_SHANGCHENG, "钱江新城|Qianjiang New Town")
        + _sites(_BINJIANG, "滨江|Binjiang")
        + _sites(_XIHU, "黄龙|Huanglong")
        + _sites(_SHANGCHENG, "湖滨|Hubin")
    ),
    tuple(
        _sites(_TIANHE, "珠江新城|Zhujiang New Town")
        + _sites(_YUEXIU, "北京路|Beijing Road")
        + _sites(_TIANHE, "天河北|Tianhe North")
        + _sites(_HAIZHU, "江南西|Jiangnanxi")
        + _sites(_TIANHE, "体育西|Tiyu West")
    ),
    tuple(
        _sites(_JINJIANG, "春熙路|Chunxi Road")
        + _sites(_WUHOU, "高升桥|Gaoshengqiao")
        + _sites(_WUHOU, "天府大道|Tianfu Avenue")
    ),
    tuple(_sites(_QINHUAI, "新街口|Xinjiekou") + _sites(_GULOU, "鼓楼|Gulou")),
    tuple(_sites(_JIANGHAN, "江汉路|Jianghan Road") + _sites(_HONGSHAN, "光谷|Optics Valley")),
)


def _deal() -> tuple[BranchSite, ...]:
    dealt: list[BranchSite] = []
    depth = max(len(sites) for sites in _CITY_SITES)
    for row in range(depth):
        dealt.extend(sites[row] for sites in _CITY_SITES if row < len(sites))
    return tuple(dealt)


BRANCH_SITES: Final[tuple[BranchSite, ...]] = _deal()

# Places of first registration of customers who moved to the branch's city: resident
# ID numbers keep the code of where they were first issued.
ORIGIN_CODES: Final[tuple[str, ...]] = (
    "420102",
    "430102",
    "410105",
    "510107",
    "320102",
    "370102",
    "340104",
    "360102",
    "350102",
    "130102",
    "210102",
    "230102",
    "500103",
    "610103",
    "450103",
    "330203",
    "320583",
    "441900",
)

_ORDINALS_ZH: Final[str] = "二三四五六七八九十"


def branch_names(site: BranchSite, round_: int) -> tuple[str, str]:
    """(Chinese, English) name of the `round_`-th branch opened at a site (0 = first)."""
    city_zh, city_en = site.district.city_zh, site.district.city_en
    if round_ == 0:
        return f"{city_zh}{site.name_zh}支行", f"{site.name_en} Sub-branch, {city_en}"
    ordinal = _ORDINALS_ZH[round_ - 1] if round_ <= len(_ORDINALS_ZH) else str(round_ + 1)
    return (
        f"{city_zh}{site.name_zh}第{ordinal}支行",
        f"{site.name_en} No.{round_ + 1} Sub-branch, {city_en}",
    )


# Residential compounds for addresses: names that exist in many cities.
COMPOUNDS: Final[tuple[tuple[str, str], ...]] = (
    ("阳光花园", "Sunshine Garden"),
    ("翠湖苑", "Jade Lake Court"),
    ("锦绣华庭", "Splendid Residence"),
    ("金色家园", "Golden Home"),
    ("滨江公寓", "Riverside Apartments"),
    ("世纪花城", "Century Flower City"),
    ("城市花园", "City Garden"),
    ("御景华府", "Royal View Mansion"),
    ("碧水湾", "Bishui Bay"),
    ("香樟苑", "Camphor Court"),
    ("紫荆花园", "Bauhinia Garden"),
    ("绿地新都会", "Greenland Metropolis"),
    ("华润城", "China Resources City"),
    ("万科城", "Vanke City"),
    ("幸福里", "Xingfu Li"),
    ("东方明珠苑", "Oriental Pearl Court"),
)
