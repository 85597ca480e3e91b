"""Loan calculator schemas: a schedule or a limit from yuan strings, every figure with its source."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount
from anju.domain.loans.limit import CheckLine, LimitFigure, RuleSource
from anju.domain.loans.schedule import Instalment
from anju.domain.policy import percent_text
from anju.money import Money
from anju.services.loan_calculator import LimitQuote, RateChoice, ScheduleQuote

TermMonths = Annotated[int, Field(ge=1, le=360, description="贷款期限（月），1–360")]
UpliftCode = Annotated[str, Field(min_length=1, max_length=40)]


class ScheduleQuoteIn(StrictModel):
    principal: YuanAmount = Field(description="贷款金额（元）")
    annual_rate: str = Field(
        default="policy",
        min_length=1,
        max_length=16,
        description=(
            '年利率，百分数字符串（如 "2.85" 表示 2.85%）；"policy" 表示按当前政策利率（按首套/二套与期限）'
        ),
        examples=["policy", "2.85"],
    )
    term_months: TermMonths
    method: Literal["equal_instalment", "equal_principal"] = Field(
        default="equal_instalment",
        description="还款方式：equal_instalment 等额本息，equal_principal 等额本金",
    )
    first_home: bool = Field(default=True, description="是否首套住房（用于确定政策利率）")
    disbursement_date: IsoDate | None = Field(default=None, description="放款日期，默认当前会计日期")


class ContributorIn(StrictModel):
    balance: YuanAmount = Field(description="住房公积金账户余额（元）")
    wage_base: YuanAmount = Field(description="月缴存基数（元）")


class LimitQuoteIn(StrictModel):
    house_price: YuanAmount = Field(description="房屋总价（元）")
    first_home: bool = Field(default=True, description="是否首套住房")
    borrower: ContributorIn
    co_borrower: ContributorIn | None = Field(default=None, description="共同借款人（缴存住房公积金的配偶）")
    other_monthly_debt: YuanAmount = Field(default=Money.ZERO, description="其他债务月还款额（元）")
    term_months: TermMonths
    uplifts: list[UpliftCode] = Field(
        default_factory=list, max_length=10, description="适用的额度上浮项目代码"
    )


class RuleSourceOut(ReplyModel):
    label: str
    source: str
    tag: str

    @classmethod
    def of(cls, s: RuleSource) -> RuleSourceOut:
        return cls(label=s.label, source=s.source, tag=s.tag)


class RateOut(ReplyModel):
    annual_rate: str = Field(description='年利率，百分数字符串（"2.60" 表示 2.60%）')
    from_policy: bool
    source: RuleSourceOut | None
    effective_from: date | None

    @classmethod
    def of(cls, c: RateChoice) -> RateOut:
        return cls(
            annual_rate=c.percent,
            from_policy=c.from_policy,
            source=RuleSourceOut.of(c.source) if c.source else None,
            effective_from=c.effective_from,
        )


class InstalmentOut(ReplyModel):
    instalment_no: int
    due_date: date
    payment: YuanAmount
    principal: YuanAmount
    interest: YuanAmount
    balance: YuanAmount = Field(description="本期还款后剩余本金")
    annual_rate: str

    @classmethod
    def of(cls, r: Instalment) -> InstalmentOut:
        return cls(
            instalment_no=r.instalment_no,
            due_date=r.due_date,
            payment=r.payment,
            principal=r.principal,
            interest=r.interest,
            balance=r.closing_balance,
            annual_rate=percent_text(r.annual_rate),
        )


class ScheduleSummaryOut(ReplyModel):
    principal: YuanAmount
    instalment: YuanAmount = Field(description="月供：等额本息为每月还款额，等额本金为首月还款额")
    first_payment: YuanAmount
    last_payment: YuanAmount
    total_interest: YuanAmount
    total_paid: YuanAmount
    term_months: int
    maturity_date: date


class ScheduleQuoteOut(ReplyModel):
    business_date: date
    method: str
    method_label: str
    disbursement_date: date
    repayment_day: int
    rate: RateOut
    summary: ScheduleSummaryOut
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, q: ScheduleQuote) -> ScheduleQuoteOut:
        s = q.schedule
        return cls(
            business_date=q.business_date,
            method=s.method.value,
            method_label=s.method.label,
            disbursement_date=s.disbursement_date,
            repayment_day=s.repayment_day,
            rate=RateOut.of(q.rate),
            summary=ScheduleSummaryOut(
                principal=s.principal,
                instalment=s.first_payment,
                first_payment=s.first_payment,
                last_payment=s.last_payment,
                total_interest=s.total_interest,
                total_paid=s.total_paid,
                term_months=s.term_months,
                maturity_date=s.maturity_date,
            ),
            instalments=[InstalmentOut.of(r) for r in s.instalments],
        )


class LimitFigureOut(ReplyModel):
    key: str
    rule: str
    computation: str
    amount: YuanAmount
    binding: bool
    sources: list[RuleSourceOut]

    @classmethod
    def of(cls, f: LimitFigure) -> LimitFigureOut:
        return cls(
            key=f.key,
            rule=f.rule,
            computation=f.computation,
            amount=f.amount,
            binding=f.binding,
            sources=[RuleSourceOut.of(s) for s in f.sources],
        )


class CheckOut(ReplyModel):
    key: str
    rule: str
    passed: bool
    detail: str
    source: str
    tag: str

    @classmethod
    def of(cls, c: CheckLine) -> CheckOut:
        return cls(key=c.key, rule=c.rule, passed=c.passed, detail=c.detail, source=c.source, tag=c.tag)


class LimitQuoteOut(ReplyModel):
    business_date: date
    limit: YuanAmount = Field(description="可贷额度（取整后）")
    binding: str = Field(description="起决定作用的约束（figures 中的 key）")
    binding_rule: str
    minimum: YuanAmount = Field(description="各项约束的最小值（取整前）")
    rounding_unit: YuanAmount
    rounding: RuleSourceOut
    max_instalment: YuanAmount = Field(description="月还款能力")
    instalment_at_limit: YuanAmount = Field(description="按可贷额度等额本息的月还款额")
    term_months: int
    rate: RateOut
    figures: list[LimitFigureOut]
    checks: list[CheckOut]

    @classmethod
    def of(cls, q: LimitQuote) -> LimitQuoteOut:
        d = q.decision
        return cls(
            business_date=q.business_date,
            limit=d.limit,
            binding=d.binding.key,
            binding_rule=d.binding.rule,
            minimum=d.minimum,
            rounding_unit=d.rounding_unit,
            rounding=RuleSourceOut.of(d.rounding),
            max_instalment=d.max_instalment,
            instalment_at_limit=d.instalment_at_limit,
            term_months=d.term_months,
            rate=RateOut.of(q.rate),
            figures=[LimitFigureOut.of(f) for f in d.figures],
            checks=[CheckOut.of(c) for c in d.checks],
        )
