"""Remittance schemas: rosters, payments, suspense, arrears and notices, deferrals.

Amounts are yuan strings (YuanAmount); ratios are percent strings ("12" is 12 %); months are
"YYYYMM" strings, as the data standard writes them (汇补缴年月).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount

Month = Field(pattern=r"^[12][0-9]{3}(0[1-9]|1[0-2])$", description="年月 YYYYMM，如 202611")
PercentText = Field(pattern=r"^[0-9]{1,2}(\.[0-9]{1,2})?$", description="百分数，如 5 表示 5%")


class RosterOut(ReplyModel):
    id: int
    unit_account_no: str
    unit_name: str
    month: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    reason: str | None
    unit_ratio_percent: str
    member_ratio_percent: str
    headcount: int
    unit_total: YuanAmount
    member_total: YuanAmount
    total: YuanAmount
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    paid_voucher_no: str | None
    paid_on: date | None
    case_no: str | None

    @classmethod
    def of(cls, v: Any) -> RosterOut:
        return cls(
            id=v.id,
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            month=v.month,
            kind=v.kind,
            kind_label=v.kind_label,
            state=v.state,
            state_label=v.state_label,
            reason=v.reason,
            unit_ratio_percent=v.unit_ratio.as_percent(),
            member_ratio_percent=v.member_ratio.as_percent(),
            headcount=v.headcount,
            unit_total=v.unit_total,
            member_total=v.member_total,
            total=v.total,
            created_by=v.created_by,
            created_at=v.created_at,
            confirmed_by=v.confirmed_by,
            confirmed_at=v.confirmed_at,
            paid_voucher_no=v.paid_voucher_no,
            paid_on=v.paid_on,
            case_no=v.case_no,
        )


class RosterListOut(ReplyModel):
    items: list[RosterOut]


class RosterLineOut(ReplyModel):
    member_account_no: str
    member_name: str = Field(description="姓名（脱敏）")
    wage_base: YuanAmount
    unit_part: YuanAmount
    member_part: YuanAmount
    amount: YuanAmount

    @classmethod
    def of(cls, v: Any) -> RosterLineOut:
        return cls(
            member_account_no=v.member_account_no,
            member_name=v.member_name,
            wage_base=v.wage_base,
            unit_part=v.unit_part,
            member_part=v.member_part,
            amount=v.amount,
        )


class RosterIn(StrictModel):
    month: str = Month


class BackPaymentIn(StrictModel):
    months: list[str] = Field(min_length=1, max_length=120, description="补缴年月（YYYYMM）")
    reason: str = Field(min_length=1, max_length=200, description="补缴原因")


class RosterMemberIn(StrictModel):
    member_account_no: str = Field(min_length=1, max_length=20, description="个人账号")
    wage_base: YuanAmount | None = Field(default=None, description="缴存基数，不填按账户现行基数")


class WageBaseIn(StrictModel):
    wage_base: YuanAmount


class PaymentIn(StrictModel):
    unit_account_no: str = Field(min_length=1, max_length=20)
    amount: YuanAmount
    serial_no: str = Field(min_length=1, max_length=40, description="银行流水号或柜面收据号")
    received_on: IsoDate
    value_date: IsoDate | None = Field(default=None, description="起息日，默认到账日")
    centre_bank_account_no: str | None = Field(
        default=None, max_length=30, description="收款专户，默认单位归集专户"
    )


class PaymentOut(ReplyModel):
    serial_no: str
    unit_account_no: str
    amount: YuanAmount
    state: str
    state_label: str
    roster_id: int | None
    roster_month: str | None
    voucher_no: str | None
    centre_bank_account_no: str
    received_on: date
    value_date: date
    channel: str
    remaining: YuanAmount
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: Any) -> PaymentOut:
        return cls(
            serial_no=v.serial_no,
            unit_account_no=v.unit_account_no,
            amount=v.amount,
            state=v.state,
            state_label=v.state_label,
            roster_id=v.roster_id,
            roster_month=v.roster_month,
            voucher_no=v.voucher_no,
            centre_bank_account_no=v.centre_bank_account_no,
            received_on=v.received_on,
            value_date=v.value_date,
            channel=v.channel,
            remaining=v.remaining,
            created_by=v.created_by,
            created_at=v.created_at,
        )


class RefundIn(StrictModel):
    amount: YuanAmount
    reason: str = Field(min_length=1, max_length=200)
    payee_name: str = Field(min_length=1, max_length=200, description="收款单位名称")
    payee_account_no: str = Field(min_length=1, max_length=40, description="收款账号")


class RefundOut(ReplyModel):
    unit_account_no: str
    amount: YuanAmount
    reason: str
    payee_name: str
    payee_account_no: str
    voucher_no: str
    state: str
    state_label: str
    case_no: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: Any) -> RefundOut:
        return cls(
            unit_account_no=v.unit_account_no,
            amount=v.amount,
            reason=v.reason,
            payee_name=v.payee_name,
            payee_account_no=v.payee_account_no,
            voucher_no=v.voucher_no,
            state=v.state,
            state_label=v.state_label,
            case_no=v.case_no,
            created_by=v.created_by,
            created_at=v.created_at,
        )


class AllocationIn(StrictModel):
    roster_id: int = Field(ge=1)


class SuspenseOut(ReplyModel):
    unit_account_no: str
    unit_name: str
    suspense_account_no: str
    balance: YuanAmount
    open_payments: list[PaymentOut]
    recent_payments: list[PaymentOut]
    confirmed_rosters: list[RosterOut]
    refunds: list[RefundOut]

    @classmethod
    def of(cls, v: Any) -> SuspenseOut:
        return cls(
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            suspense_account_no=v.suspense_account_no,
            balance=v.balance,
            open_payments=[PaymentOut.of(p) for p in v.open_payments],
            recent_payments=[PaymentOut.of(p) for p in v.recent_payments],
            confirmed_rosters=[RosterOut.of(r) for r in v.confirmed_rosters],
            refunds=[RefundOut.of(r) for r in v.refunds],
        )


class NoticeIn(StrictModel):
    kind: Literal["reminder", "order", "court"] = Field(
        description="reminder 催缴通知；order 责令限期缴存；court 申请人民法院强制执行"
    )
    deadline: IsoDate | None = Field(default=None, description="限期缴存截止日（order 必填）")


class NoticeOut(ReplyModel):
    notice_no: str
    unit_account_no: str
    unit_name: str
    kind: str
    kind_label: str
    issued_on: date
    deadline: date | None
    first_month: str
    last_month: str
    months_owed: int
    amount: YuanAmount = Field(description="估算欠缴金额")
    previous_notice_no: str | None
    case_no: str | None
    created_by: str
    created_at: datetime
    basis: str

    @classmethod
    def of(cls, v: Any) -> NoticeOut:
        return cls(
            notice_no=v.notice_no,
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            kind=v.kind,
            kind_label=v.kind_label,
            issued_on=v.issued_on,
            deadline=v.deadline,
            first_month=v.first_month,
            last_month=v.last_month,
            months_owed=v.months_owed,
            amount=v.amount,
            previous_notice_no=v.previous_notice_no,
            case_no=v.case_no,
            created_by=v.created_by,
            created_at=v.created_at,
            basis=v.basis,
        )


class ArrearsOut(ReplyModel):
    unit_account_no: str
    unit_name: str
    status: str
    status_label: str
    paid_up_to: str | None
    months: list[str]
    months_owed: int
    headcount: int
    monthly_amount: YuanAmount
    estimated_amount: YuanAmount
    latest_notice: NoticeOut | None

    @classmethod
    def of(cls, v: Any) -> ArrearsOut:
        return cls(
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            status=v.status,
            status_label=v.status_label,
            paid_up_to=v.paid_up_to,
            months=list(v.months),
            months_owed=v.months_owed,
            headcount=v.headcount,
            monthly_amount=v.monthly_amount,
            estimated_amount=v.estimated_amount,
            latest_notice=NoticeOut.of(v.latest_notice) if v.latest_notice else None,
        )


class ArrearsPageOut(ReplyModel):
    as_of: date
    items: list[ArrearsOut]
    total: int
    estimated_total: YuanAmount


class DeferralIn(StrictModel):
    unit_account_no: str = Field(min_length=1, max_length=20)
    kind: Literal["deferral", "ratio_reduction"] = Field(
        description="deferral 缓缴；ratio_reduction 降低比例"
    )
    start_month: str = Month
    end_month: str = Month
    approving_body: str = Field(min_length=1, max_length=120, description="批准机构")
    document_no: str = Field(min_length=1, max_length=80, description="批准文号")
    unit_ratio_percent: str | None = PercentText
    member_ratio_percent: str | None = PercentText


class ReasonIn(StrictModel):
    reason: str = Field(min_length=1, max_length=400)


class DeferralOut(ReplyModel):
    id: int
    unit_account_no: str
    unit_name: str
    kind: str
    kind_label: str
    start_month: str
    end_month: str
    unit_ratio_percent: str | None
    member_ratio_percent: str | None
    approving_body: str
    document_no: str
    state: str
    state_label: str
    case_no: str
    case_state: str
    created_by: str
    created_at: datetime
    ended_on: date | None

    @classmethod
    def of(cls, v: Any) -> DeferralOut:
        return cls(
            id=v.id,
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            kind=v.kind,
            kind_label=v.kind_label,
            start_month=v.start_month,
            end_month=v.end_month,
            unit_ratio_percent=v.unit_ratio.as_percent() if v.unit_ratio else None,
            member_ratio_percent=v.member_ratio.as_percent() if v.member_ratio else None,
            approving_body=v.approving_body,
            document_no=v.document_no,
            state=v.state,
            state_label=v.state_label,
            case_no=v.case_no,
            case_state=v.case_state,
            created_by=v.created_by,
            created_at=v.created_at,
            ended_on=v.ended_on,
        )
