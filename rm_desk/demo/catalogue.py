"""The demo bank's products, with rates of a large Chinese retail bank in 2025.

Rates are annual, in basis points. Term and holding periods are in days (a month as
its average length), 0 where a product has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class TermDeposit:
    days: int
    label_zh: str
    label_en: str
    rate_bp: int
    weight: float  # share of term deposits placed for this term


TERM_DEPOSITS: Final[tuple[TermDeposit, ...]] = (
    TermDeposit(91, "3个月", "3-month", 65, 0.10),
    TermDeposit(182, "6个月", "6-month", 85, 0.14),
    TermDeposit(365, "1年", "1-year", 95, 0.34),
    TermDeposit(730, "2年", "2-year", 105, 0.14),
    TermDeposit(1095, "3年", "3-year", 125, 0.22),
    TermDeposit(1826, "5年", "5-year", 130, 0.06),
)

# 大额存单: a certificate of deposit from 200,000 yuan, at a premium over the board rate.
LARGE_CD_FLOOR_FEN: Final[int] = 20_000_000
LARGE_CD_PREMIUM_BP: Final[int] = 25

DEMAND_RATE_BP: Final[int] = 5
DEMAND_NAME: Final[tuple[str, str]] = ("活期储蓄账户", "Demand savings account")


def term_deposit_name(term: TermDeposit, large: bool, locale: str) -> str:
    if locale == "zh":
        return f"{'大额存单' if large else '整存整取定期存款'}({term.label_zh})"
    return f"{'Large-denomination CD' if large else 'Term deposit'}, {term.label_en}"


@dataclass(frozen=True, slots=True)
class Product:
    name_zh: str
    name_en: str
    days: int  # holding period or term; 0 if open-ended
    rate_lo_bp: int  # expected yield or loan rate range; 0, 0 if none
    rate_hi_bp: int

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh" else self.name_en


WEALTH_PRODUCTS: Final[tuple[Product, ...]] = (
    Product("天天利现金管理", "Daily Cash Management", 0, 150, 200),
    Product("稳健增利90天持有期", "Steady Gain 90-day", 90, 200, 260),
    Product("安心享180天持有期", "Peace of Mind 180-day", 182, 230, 290),
    Product("年年盈一年定开", "Annual Yield 1-year", 365, 260, 330),
    Product("固收+增强两年封闭", "Fixed Income Plus 2-year", 730, 280, 360),
    Product("颐享养老理财五年期", "Pension Wealth 5-year", 1826, 320, 400),
)

FUNDS: Final[tuple[Product, ...]] = (
    Product("沪深300指数增强A", "CSI 300 Enhanced Index A", 0, 0, 0),
    Product("稳健债券A", "Steady Bond A", 0, 0, 0),
    Product("货币市场基金", "Money Market Fund", 0, 0, 0),
    Product("科技创新混合", "Tech Innovation Mixed", 0, 0, 0),
    Product("消费升级股票", "Consumer Upgrade Equity", 0, 0, 0),
    Product("中短债债券C", "Short-term Bond C", 0, 0, 0),
    Product("医疗健康混合", "Healthcare Mixed", 0, 0, 0),
    Product("红利低波ETF联接", "Dividend Low-vol ETF Feeder", 0, 0, 0),
)

INSURANCE: Final[tuple[Product, ...]] = (
    Product("鑫享年金保险", "Xinxiang Annuity", 3652, 0, 0),
    Product("福满终身寿险", "Fuman Whole Life", 0, 0, 0),
    Product("康健重大疾病保险", "Kangjian Critical Illness", 0, 0, 0),
    Product("教育金年金保险", "Education Annuity", 5479, 0, 0),
    Product("增额终身寿险", "Increasing Whole Life", 0, 0, 0),
)

# Loans: the term here is drawn between the bounds in the generator.
MORTGAGE: Final[Product] = Product("个人住房按揭贷款", "Home mortgage", 0, 310, 420)
CONSUMER_LOAN: Final[Product] = Product("个人消费贷款", "Personal consumer loan", 0, 300, 600)
BUSINESS_LOAN: Final[Product] = Product("个人经营贷款", "Small business loan", 0, 350, 550)

# Credit cards, from the commonest; daily interest of 0.05% is 18.25% a year.
CARDS: Final[tuple[Product, ...]] = (
    Product("标准信用卡", "Classic credit card", 0, 1825, 1825),
    Product("金卡信用卡", "Gold credit card", 0, 1825, 1825),
    Product("白金信用卡", "Platinum credit card", 0, 1825, 1825),
)

# Issuer identification numbers (first six digits) of the card numbers.
CARD_BINS: Final[tuple[str, ...]] = ("622202", "622848", "621700")
