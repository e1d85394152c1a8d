"""Words of the demo bank in Chinese and English: customer tags, contact-history notes
and follow-up task titles, as an RM or teller would write them.

Everything is a table indexed the same way in both languages, so one random draw
picks the same note whatever the locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rm_desk.domain.model import InteractionKind
from rm_desk.domain.rules import ReasonCode

# Payroll, high net worth, investment-minded, retired, small business owner,
# mortgage, active card user, pension, foreign national: the generator sets them in
# this order.
TAGS: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "代发工资",
        "高净值",
        "理财偏好",
        "退休",
        "小微企业主",
        "房贷客户",
        "信用卡活跃",
        "养老金",
        "外籍",
    ),
    "en": (
        "Payroll",
        "High net worth",
        "Investment-minded",
        "Retired",
        "Small business owner",
        "Mortgage",
        "Active card user",
        "Pension",
        "Foreign national",
    ),
}


@dataclass(frozen=True, slots=True)
class ContactNote:
    subject: str
    note: str
    outcome: str = ""
    next_step: str = ""


def _notes(*rows: tuple[str, ...]) -> tuple[ContactNote, ...]:
    return tuple(ContactNote(*row) for row in rows)


# Ordinary contacts by kind; the same index in both languages is the same note.
NOTES: Final[dict[str, dict[InteractionKind, tuple[ContactNote, ...]]]] = {
    "zh": {
        InteractionKind.VISIT: _notes(
            (
                "上门拜访",
                "上门拜访客户，沟通家庭资产配置和子女教育金规划",
                "客户对教育金规划感兴趣",
                "准备配置方案",
            ),
            (
                "网点面谈",
                "客户来网点办理业务，顺便沟通养老规划和个人养老金账户",
                "已介绍个人养老金政策",
                "",
            ),
            (
                "资产检视",
                "半年度资产检视面谈，客户对基金浮亏有顾虑，解释了分散配置",
                "客户同意继续持有",
                "一个月后复盘",
            ),
            (
                "企业走访",
                "走访客户经营的企业，了解流动资金和经营贷需求",
                "客户有经营贷意向",
                "提交授信预审",
            ),
            ("理财沙龙", "客户参加网点理财沙龙，关注稳健型理财和保险", "已登记意向产品", ""),
            (
                "产品到期面谈",
                "理财产品到期，面谈后续配置，客户倾向中短期产品",
                "已推荐一年期定开",
                "跟进购买",
            ),
        ),
        InteractionKind.CALL: _notes(
            (
                "定期到期提醒",
                "电话回访，客户关注定期存款到期续存利率",
                "客户表示考虑续存",
                "到期前一周再次联系",
            ),
            (
                "理财产品推介",
                "电话介绍稳健型理财产品，客户表示需要和家人商量",
                "待客户回复",
                "三天后跟进",
            ),
            ("生日问候", "致电客户送上生日祝福，客户表示感谢", "", ""),
            ("信用卡分期咨询", "客户来电咨询信用卡账单分期手续费，已解答", "已解答", ""),
            ("房贷利率咨询", "客户咨询存量房贷利率调整，已说明LPR重定价规则", "已解答", ""),
            ("定期回访", "季度电话回访，客户近期无新增需求", "", ""),
            (
                "风险测评提醒",
                "提醒客户风险测评即将到期，需重新测评后才能购买理财",
                "客户同意下周来网点",
                "预约网点面签",
            ),
        ),
        InteractionKind.MESSAGE: _notes(
            ("到期提醒短信", "发送理财产品到期提醒短信", "", ""),
            ("活动邀约", "微信邀约客户参加本周六理财沙龙", "客户已确认参加", ""),
            ("节日问候", "发送节日问候及网点营业时间安排", "", ""),
            ("利率调整通知", "微信告知客户存款挂牌利率调整情况", "", ""),
            ("新品推送", "推送新发行养老理财产品说明书", "", "电话了解客户意向"),
        ),
        InteractionKind.SERVICE: _notes(
            ("密码重置", "客户来网点办理借记卡密码重置", "已办结", ""),
            ("证件更新", "客户身份证换发，已更新客户证件信息", "已办结", "提醒客户经理更新KYC"),
            ("大额取现预约", "客户预约下周大额取现，已登记", "已登记", "通知客户经理关注"),
            ("挂失补卡", "客户借记卡遗失，办理挂失及补卡", "已办结", ""),
            ("转账限额调整", "客户申请提高手机银行转账限额", "已办结", ""),
            ("开立证明", "客户申请开立存款证明用于签证", "已办结", ""),
        ),
        InteractionKind.COMPLAINT: _notes(
            ("排队时间长", "客户投诉网点排队等候时间过长", "已致歉并说明高峰时段", "客户经理回访"),
            (
                "手续费争议",
                "客户对跨行转账手续费有异议",
                "已按规定解释，客户不满意",
                "提交投诉处理",
            ),
            (
                "理财亏损投诉",
                "客户投诉理财产品净值下跌，认为销售时风险提示不充分",
                "已记录，转合规复核",
                "三个工作日内回复",
            ),
            ("服务态度", "客户投诉柜员服务态度不耐烦", "已致歉", "网点负责人回访"),
            ("扣款争议", "客户对信用卡年费扣款有异议", "已提交减免申请", "跟进处理结果"),
        ),
    },
    "en": {
        InteractionKind.VISIT: _notes(
            (
                "Home visit",
                "Home visit: discussed family asset allocation and an education fund",
                "Interested in education planning",
                "Prepare an allocation proposal",
            ),
            (
                "Branch meeting",
                "In-branch: talked about retirement planning and the pension account",
                "Explained the personal pension scheme",
                "",
            ),
            (
                "Portfolio review",
                "Half-year review; customer worried about fund losses, explained diversification",
                "Will keep the funds",
                "Review again in a month",
            ),
            (
                "Business visit",
                "Visited the customer's company about working capital and a business loan",
                "Interested in a business loan",
                "Submit credit pre-screening",
            ),
            (
                "Wealth seminar",
                "At the wealth seminar; interested in low-risk products and insurance",
                "Products of interest noted",
                "",
            ),
            (
                "Maturity meeting",
                "Wealth product matured; discussed reinvestment, customer prefers short terms",
                "Recommended the 1-year product",
                "Follow up on purchase",
            ),
        ),
        InteractionKind.CALL: _notes(
            (
                "Maturity reminder",
                "Follow-up call; customer asked about renewal rates for the maturing term deposit",
                "Considering renewal",
                "Call again a week before maturity",
            ),
            (
                "Wealth product offer",
                "Presented a low-risk wealth product; customer will discuss it with family",
                "Awaiting reply",
                "Follow up in three days",
            ),
            ("Birthday greeting", "Called with birthday wishes; customer was pleased", "", ""),
            (
                "Card instalments",
                "Customer called about fees for credit card bill instalments; answered",
                "Answered",
                "",
            ),
            (
                "Mortgage rate",
                "Customer asked about the mortgage rate reset; explained LPR repricing",
                "Answered",
                "",
            ),
            ("Regular check-in", "Quarterly check-in call; no new needs", "", ""),
            (
                "Risk assessment due",
                "Risk assessment expires; it must be redone before buying wealth products",
                "Will come to the branch next week",
                "Book a branch appointment",
            ),
        ),
        InteractionKind.MESSAGE: _notes(
            ("Maturity SMS", "Sent a wealth product maturity reminder by SMS", "", ""),
            (
                "Event invitation",
                "Invited the customer on WeChat to Saturday's wealth seminar",
                "Confirmed attendance",
                "",
            ),
            ("Holiday greeting", "Sent holiday greetings and branch opening hours", "", ""),
            (
                "Rate change notice",
                "Told the customer on WeChat about the deposit rate change",
                "",
                "",
            ),
            (
                "New product",
                "Sent the prospectus of a new pension wealth product",
                "",
                "Call to gauge interest",
            ),
        ),
        InteractionKind.SERVICE: _notes(
            ("PIN reset", "Customer reset the debit card PIN at the branch", "Done", ""),
            (
                "ID update",
                "Customer renewed the resident ID card; ID details updated",
                "Done",
                "Ask the RM to update KYC",
            ),
            (
                "Cash withdrawal booking",
                "Customer booked a large cash withdrawal for next week",
                "Booked",
                "Alert the RM",
            ),
            ("Lost card", "Debit card lost; reported and replacement issued", "Done", ""),
            ("Transfer limit", "Customer raised the mobile banking transfer limit", "Done", ""),
            (
                "Deposit certificate",
                "Issued a certificate of deposit for a visa application",
                "Done",
                "",
            ),
        ),
        InteractionKind.COMPLAINT: _notes(
            (
                "Long queue",
                "Customer complained about the waiting time at the branch",
                "Apologised, explained peak hours",
                "RM to call back",
            ),
            (
                "Fee dispute",
                "Customer disputes the interbank transfer fee",
                "Explained the tariff, customer not satisfied",
                "Escalate the complaint",
            ),
            (
                "Wealth loss",
                "Wealth product lost value; customer says the risks were not explained at sale",
                "Logged, passed to compliance",
                "Reply within three working days",
            ),
            (
                "Staff attitude",
                "Customer complained the teller was impatient",
                "Apologised",
                "Branch head to call back",
            ),
            (
                "Charge dispute",
                "Customer disputes the credit card annual fee",
                "Fee waiver requested",
                "Follow up on the outcome",
            ),
        ),
    },
}

# What an RM writes down about a customer who is moving money away.
DRIFT_NOTES: Final[dict[str, tuple[ContactNote, ...]]] = {
    "zh": _notes(
        (
            "资金转出关注",
            "客户近期资金转出较多，电话了解原因，客户称他行利率更高",
            "客户有转移资产意向",
            "申请专属利率后回访",
        ),
        (
            "到期未续存",
            "定期存款到期后客户未续存并转出，电话沟通，客户表示在比较其他银行产品",
            "客户犹豫",
            "提供专属方案",
        ),
        (
            "代发变动",
            "客户工资代发停止，了解到客户已更换工作单位",
            "已确认换工作",
            "争取新单位代发",
        ),
        ("挽留面谈", "邀请客户面谈，客户对近期服务和收益不满意", "已记录意见", "申请增值权益"),
    ),
    "en": _notes(
        (
            "Outflows",
            "Large transfers out recently; called the customer, who says another bank pays more",
            "Customer may move assets",
            "Call back with a preferential rate",
        ),
        (
            "Not renewed",
            "Term deposit matured and was transferred out; customer is comparing other banks",
            "Customer undecided",
            "Offer a tailored proposal",
        ),
        (
            "Payroll change",
            "Salary credits stopped; the customer has changed employer",
            "Job change confirmed",
            "Win the new employer's payroll",
        ),
        (
            "Retention meeting",
            "Met the customer, who is unhappy with recent service and returns",
            "Feedback recorded",
            "Request loyalty benefits",
        ),
    ),
}

AMENDMENT_PREFIX: Final[dict[str, str]] = {"zh": "更正：", "en": "Correction: "}

# What a customer must have for a note or task to make sense (index-aligned with the
# tables, the same in both languages): NEEDS_NOTHING, or a product or situation.
NEEDS_NOTHING, NEEDS_TERM, NEEDS_WEALTH, NEEDS_MORTGAGE, NEEDS_CARD = 0, 1, 2, 3, 4
NEEDS_BUSINESS, NEEDS_PAYROLL = 5, 6
NEEDS_COUNT: Final[int] = 7
NOTE_NEEDS: Final[dict[InteractionKind, tuple[int, ...]]] = {
    InteractionKind.VISIT: (0, 0, NEEDS_WEALTH, NEEDS_BUSINESS, 0, NEEDS_WEALTH),
    InteractionKind.CALL: (NEEDS_TERM, 0, 0, NEEDS_CARD, NEEDS_MORTGAGE, 0, 0),
    InteractionKind.MESSAGE: (NEEDS_WEALTH, 0, 0, 0, 0),
    InteractionKind.SERVICE: (0, 0, 0, 0, 0, 0),
    InteractionKind.COMPLAINT: (0, 0, NEEDS_WEALTH, 0, NEEDS_CARD),
}
DRIFT_NOTE_NEEDS: Final[tuple[int, ...]] = (0, NEEDS_TERM, NEEDS_PAYROLL, 0)


@dataclass(frozen=True, slots=True)
class TaskText:
    title: str
    detail: str
    outcome: str  # what a completed task of this kind typically records


def _tasks(*rows: tuple[str, str, str]) -> tuple[TaskText, ...]:
    return tuple(TaskText(*row) for row in rows)


# Tasks that answer a churn reason, keyed by reason code.
CHURN_TASKS: Final[dict[str, dict[ReasonCode, TaskText]]] = {
    "zh": {
        ReasonCode.AUM_CHANGE_3M: TaskText(
            "资产流失挽留",
            "近三个月资产明显下降，了解资金去向并制定挽留方案",
            "已联系客户，资金部分回流",
        ),
        ReasonCode.TERM_MATURING_30D: TaskText(
            "续存提醒", "定期存款即将到期，提前联系客户办理续存", "客户已续存"
        ),
        ReasonCode.COMPLAINTS_90D: TaskText(
            "投诉处理回访", "客户近期有投诉，回访处理结果和满意度", "客户对处理结果表示认可"
        ),
        ReasonCode.SALARY_STOPPED: TaskText(
            "代发工资停发核实", "代发工资已停发，核实客户工作变动情况", "已核实，客户更换单位"
        ),
        ReasonCode.MONTHS_WITHOUT_TXN: TaskText(
            "睡眠客户激活", "客户连续数月无交易，电话联系了解需求", "已联系，客户暂无需求"
        ),
    },
    "en": {
        ReasonCode.AUM_CHANGE_3M: TaskText(
            "Retain outflowing assets",
            "Assets fell sharply over three months; find out where the money went, offer retention",
            "Contacted; part of the funds returned",
        ),
        ReasonCode.TERM_MATURING_30D: TaskText(
            "Renewal reminder",
            "Term deposit about to mature; contact the customer about renewal",
            "Renewed",
        ),
        ReasonCode.COMPLAINTS_90D: TaskText(
            "Complaint follow-up",
            "Customer complained recently; check the resolution and satisfaction",
            "Customer accepted the resolution",
        ),
        ReasonCode.SALARY_STOPPED: TaskText(
            "Check stopped payroll",
            "Salary credits stopped; check whether the customer changed jobs",
            "Confirmed job change",
        ),
        ReasonCode.MONTHS_WITHOUT_TXN: TaskText(
            "Reactivate dormant customer",
            "No transactions for several months; call to understand needs",
            "Contacted; no current needs",
        ),
    },
}

# Tasks an RM plans for themselves or that follow from a customer's dates.
WEALTH_MATURING: Final[dict[str, TaskText]] = {
    "zh": TaskText("理财到期回访", "理财产品即将到期，沟通到期资金安排", "已推荐续购"),
    "en": TaskText(
        "Wealth maturity call",
        "Wealth product matures soon; discuss what to do with the funds",
        "Recommended reinvestment",
    ),
}
BIRTHDAY: Final[dict[str, TaskText]] = {
    "zh": TaskText("生日关怀", "客户生日，致电问候并寄送生日贺卡", "已问候"),
    "en": TaskText(
        "Birthday greeting", "Customer's birthday; call with greetings and send a card", "Greeted"
    ),
}
KYC_UPDATE: Final[dict[str, TaskText]] = {
    "zh": TaskText("KYC 更新", "客户身份信息或风险测评到期，预约客户更新资料", "资料已更新"),
    "en": TaskText(
        "KYC update",
        "ID details or risk assessment expired; book the customer to update them",
        "Details updated",
    ),
}

MANUAL_TASKS: Final[dict[str, tuple[TaskText, ...]]] = {
    "zh": _tasks(
        ("季度资产检视", "与客户预约季度资产检视", "已完成检视"),
        ("理财沙龙邀约", "邀请客户参加本月理财沙龙", "客户已报名"),
        ("信用卡分期推荐", "客户账单金额较大，推荐账单分期", "客户暂不需要"),
        ("养老金账户推荐", "介绍个人养老金账户及税收优惠", "客户已开户"),
        ("基金定投回访", "回访基金定投情况，解释近期波动", "客户继续定投"),
        ("客户资料补全", "补全客户职业和家庭信息", "资料已补全"),
        ("保险需求沟通", "沟通家庭保障缺口，推荐重疾险", "待客户考虑"),
    ),
    "en": _tasks(
        ("Quarterly review", "Book the quarterly portfolio review", "Review done"),
        ("Seminar invitation", "Invite the customer to this month's wealth seminar", "Signed up"),
        ("Card instalments offer", "Large card bill; offer instalments", "Not needed for now"),
        (
            "Pension account offer",
            "Present the personal pension account and its tax relief",
            "Account opened",
        ),
        (
            "Fund plan check-in",
            "Check on the regular fund investment and explain recent volatility",
            "Continues the plan",
        ),
        (
            "Complete profile",
            "Complete the customer's occupation and family details",
            "Profile completed",
        ),
        (
            "Protection needs",
            "Discuss the family's protection gap; suggest critical illness cover",
            "Customer considering",
        ),
    ),
}
MANUAL_TASK_NEEDS: Final[tuple[int, ...]] = (0, 0, NEEDS_CARD, 0, NEEDS_WEALTH, 0, 0)
MANAGER_TASKS: Final[dict[str, tuple[TaskText, ...]]] = {
    "zh": _tasks(
        ("重点客户拜访", "支行长交办：本月内拜访该客户", "已拜访"),
        ("回访质量抽查", "团队长抽查：补充最近一次回访记录", "已补充"),
        ("存款营销攻坚", "季末存款营销，争取客户新增存款", "客户新增定期"),
    ),
    "en": _tasks(
        ("Key customer visit", "From the branch head: visit this customer this month", "Visited"),
        (
            "Call quality check",
            "From the team lead: complete the notes of the last call",
            "Notes completed",
        ),
        ("Deposit campaign", "Quarter-end deposit campaign: win new deposits", "New term deposit"),
    ),
}
NEXT_STEP_TASKS: Final[dict[str, tuple[TaskText, ...]]] = {
    "zh": _tasks(
        ("准备配置方案", "根据面谈内容准备资产配置方案", "方案已发送"),
        ("跟进产品购买", "客户有购买意向，跟进购买进度", "客户已购买"),
        ("再次电话联系", "按约定时间再次电话联系客户", "已联系"),
        ("提交授信预审", "整理客户经营资料提交授信预审", "已提交"),
    ),
    "en": _tasks(
        (
            "Prepare allocation proposal",
            "Prepare the allocation proposal discussed in the meeting",
            "Proposal sent",
        ),
        ("Follow up on purchase", "Customer intends to buy; follow up", "Purchased"),
        ("Call again", "Call the customer again as agreed", "Called"),
        (
            "Submit credit pre-screening",
            "Collect the business documents for credit pre-screening",
            "Submitted",
        ),
    ),
}
NEXT_STEP_TASK_NEEDS: Final[tuple[int, ...]] = (0, 0, 0, NEEDS_BUSINESS)
HANDOFF_TASKS: Final[dict[str, tuple[TaskText, ...]]] = {
    "zh": _tasks(
        ("柜面转介：大额资金", "客户在柜面咨询大额资金安排，请客户经理跟进", "已跟进"),
        ("柜面转介：理财咨询", "客户在柜面询问理财产品，请客户经理联系", "已联系"),
    ),
    "en": _tasks(
        (
            "Counter referral: large funds",
            "Customer asked at the counter about placing a large sum; RM to follow up",
            "Followed up",
        ),
        (
            "Counter referral: wealth",
            "Customer asked at the counter about wealth products; RM to call",
            "Called",
        ),
    ),
}
