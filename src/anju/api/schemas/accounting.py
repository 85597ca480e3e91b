"""Accounting schemas: manual vouchers (maker-checker), corrections, periods, reports, funds.
Amounts are yuan strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount
from anju.money import Money


class ManualLineOut(ReplyModel):
    line_no: int
    gl_code: str
    gl_name_zh: str
    account_no: str | None
    side: str
    amount: YuanAmount


class ManualVoucherOut(ReplyModel):
    number: str = Field(description="凭证号（期间-序号），如 202611-0001")
    kind: str
    state: str
    state_zh: str
    memo: str
    value_date: date | None
    total: YuanAmount
    maker: str
    made_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    poster: str | None
    posted_at: datetime | None
    voucher_no: str | None
    reverses: str | None
    reason: str | None
    lines: list[ManualLineOut] = Field(default_factory=list)

    @classmethod
    def of(cls, v: Any) -> ManualVoucherOut:
        return cls(
            number=v.number,
            kind=v.kind,
            state=v.state,
            state_zh=v.state_zh,
            memo=v.memo,
            value_date=v.value_date,
            total=v.total,
            maker=v.maker,
            made_at=v.made_at,
            reviewer=v.reviewer,
            reviewed_at=v.reviewed_at,
            poster=v.poster,
            posted_at=v.posted_at,
            voucher_no=v.voucher_no,
            reverses=v.reverses,
            reason=v.reason,
            lines=[
                ManualLineOut(
                    line_no=li.line_no,
                    gl_code=li.gl_code,
                    gl_name_zh=li.gl_name_zh,
                    account_no=li.account_no,
                    side=li.side,
                    amount=li.amount,
                )
                for li in v.lines
            ],
        )


class ReasonIn(StrictModel):
    reason: str = Field(min_length=1, max_length=200)


class CorrectionIn(StrictModel):
    voucher_no: str = Field(min_length=1, max_length=40, description="要冲销的记账凭证号")
    reason: str = Field(min_length=1, max_length=200, description="错账调整原因")


class PeriodOut(ReplyModel):
    period: str
    closed_on: date
    closed_at: datetime
    closed_by: str
    year_end: bool
    closing_voucher_no: str | None


class PeriodsOut(ReplyModel):
    business_date: date
    closed_through: date | None
    next_to_close: str | None
    periods: list[PeriodOut]


class DistributionIn(StrictModel):
    management_budget: YuanAmount = Field(description="经批准的管理费用预算（元）")


class DistributionOut(ReplyModel):
    year: int
    value_added_income: YuanAmount
    year_end_loan_balance: YuanAmount
    risk_reserve: YuanAmount
    management_costs: YuanAmount
    low_rent_housing: YuanAmount
    basis: str
    voucher_no: str | None


class BankAdviceIn(StrictModel):
    bank_account_no: str = Field(min_length=1, max_length=40, description="专户账号")
    amount: YuanAmount
    serial_no: str = Field(min_length=1, max_length=60, description="银行流水号")
    loan_fee: bool = Field(default=False, description="手续费时：委托贷款手续费（否则为归集手续费）")


class ReportColumnOut(ReplyModel):
    key: str
    header: str
    kind: str


class ReportOut(ReplyModel):
    title: str
    subtitle: str
    meta: list[tuple[str, str]]
    columns: list[ReportColumnOut]
    rows: list[list[str | int | None]] = Field(description="金额为以元为单位的字符串")
    styles: list[str]
    balanced: bool | None
    notes: str

    @classmethod
    def of(cls, r: Any) -> ReportOut:
        def cell(value: object) -> str | int | None:
            if value is None or isinstance(value, int):
                return value
            if isinstance(value, Money):
                return str(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return f"{value:f}"
            return str(value)

        return cls(
            title=r.title,
            subtitle=r.subtitle,
            meta=list(r.meta),
            columns=[ReportColumnOut(key=c.key, header=c.header, kind=c.kind) for c in r.columns],
            rows=[[cell(v) for v in row.cells] for row in r.rows],
            styles=[row.style for row in r.rows],
            balanced=r.balanced,
            notes=r.notes,
        )


class PendingRefundOut(ReplyModel):
    case_no: str
    unit_account_no: str
    unit_name: str
    amount: YuanAmount
    payee_name: str
    payee_account_no: str
    created_at: datetime


class RefundPaymentIn(StrictModel):
    from_account: str = Field(min_length=1, max_length=40, description="付款专户账号")
    payee_bank_code: str = Field(min_length=1, max_length=12, description="收款行代码")


class TimeDepositIn(StrictModel):
    bank_account_no: str = Field(min_length=1, max_length=40, description="从哪个专户存入")
    deposit_no: str = Field(min_length=1, max_length=40, description="银行存单号")
    kind: Literal["time", "notice"] = Field(description="time 定期 / notice 通知")
    amount: YuanAmount
    rate: str = Field(default="", max_length=12, description="年利率（%），如 1.45")
    term_months: int | None = Field(default=None, ge=1, le=120)


class TimeDepositDrawIn(StrictModel):
    interest: YuanAmount = Field(description="银行支付的利息（元）")


class TimeDepositOut(ReplyModel):
    deposit_no: str
    bank_account_no: str
    kind: str
    principal: YuanAmount
    rate: str
    term_months: int | None
    placed_on: date
    placed_voucher_no: str
    state: str
    drawn_on: date | None
    interest: YuanAmount | None
    drawn_voucher_no: str | None
