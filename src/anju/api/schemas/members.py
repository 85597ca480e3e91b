"""Member account (个人账户) schemas. Resident ID, phone and bank card leave masked unless the
caller asked through /reveal (permission, reason, audit)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount
from anju.api.schemas.units import PartsOut


class MemberOpenIn(StrictModel):
    unit_account_no: str = Field(min_length=1, max_length=20)
    resident_id: str = Field(min_length=18, max_length=18, description="居民身份证号码")
    name: str = Field(min_length=1, max_length=60)
    wage_base: YuanAmount = Field(description="申报的上年度月平均工资；按政策上下限确定缴存基数")
    phone: str | None = Field(default=None, max_length=11)
    address: str | None = Field(default=None, max_length=200)
    marital_status: str | None = Field(default=None, max_length=2, description="婚姻状况 GB/T 2261.2")
    bank_card: str | None = Field(default=None, max_length=23)
    bank_code: str | None = Field(default=None, max_length=3)


class MemberChangeIn(StrictModel):
    name: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=11)
    address: str | None = Field(default=None, max_length=200)
    marital_status: str | None = Field(default=None, max_length=2)
    bank_card: str | None = Field(default=None, max_length=23)
    bank_code: str | None = Field(default=None, max_length=3)


class WageBaseIn(StrictModel):
    wage_base: YuanAmount


class UnsealIn(StrictModel):
    unit_account_no: str = Field(min_length=1, max_length=20)
    wage_base: YuanAmount | None = None


class TransferIn(StrictModel):
    to_unit_account_no: str = Field(min_length=1, max_length=20)
    wage_base: YuanAmount | None = None


class FreezeIn(StrictModel):
    document_no: str = Field(min_length=1, max_length=100, description="法律文书号")
    reason: str = Field(default="", max_length=200)


class MergeIn(StrictModel):
    duplicate_account_no: str = Field(min_length=1, max_length=20, description="被合并（重复）账户")
    surviving_account_no: str = Field(min_length=1, max_length=20, description="保留账户")
    reason: str = Field(min_length=1, max_length=200)


class RevealIn(StrictModel):
    reason: str = Field(min_length=1, max_length=200, description="查看完整个人信息的原因（记入审计日志）")


class LookupIn(StrictModel):
    resident_id: str = Field(min_length=18, max_length=18)


class EmploymentOut(ReplyModel):
    unit_account_no: str
    unit_name: str
    started_on: date
    ended_on: date | None
    start_event: str
    end_event: str | None


class MemberAccountOut(ReplyModel):
    account_no: str
    name: str
    resident_id: str = Field(description="脱敏，除非 unmasked 为 true")
    gender: str
    gender_label: str
    birth_date: date
    phone: str | None
    address: str | None
    marital_status: str | None
    unit_account_no: str | None
    unit_name: str | None
    status: str
    status_label: str
    status_before_freeze: str | None
    freeze_document: str | None
    wage_base: YuanAmount
    unit_monthly: YuanAmount
    member_monthly: YuanAmount
    monthly_total: YuanAmount
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    paid_up_to: str | None
    bank_card: str | None
    bank_code: str | None
    ledger_account_no: str
    balance: YuanAmount
    unmasked: bool
    employments: list[EmploymentOut]
    updated_at: datetime
    case_no: str | None

    @classmethod
    def of(cls, v: Any) -> MemberAccountOut:
        return cls(
            account_no=v.account_no,
            name=v.name,
            resident_id=v.resident_id,
            gender=v.gender,
            gender_label=v.gender_label,
            birth_date=v.birth_date,
            phone=v.phone,
            address=v.address,
            marital_status=v.marital_status,
            unit_account_no=v.unit_account_no,
            unit_name=v.unit_name,
            status=v.status,
            status_label=v.status_label,
            status_before_freeze=v.status_before_freeze,
            freeze_document=v.freeze_document,
            wage_base=v.wage_base,
            unit_monthly=v.unit_monthly,
            member_monthly=v.member_monthly,
            monthly_total=v.monthly_total,
            opened_on=v.opened_on,
            closed_on=v.closed_on,
            close_reason=v.close_reason,
            paid_up_to=v.paid_up_to,
            bank_card=v.bank_card,
            bank_code=v.bank_code,
            ledger_account_no=v.ledger_account_no,
            balance=v.balance,
            unmasked=v.unmasked,
            employments=[
                EmploymentOut(
                    unit_account_no=e.unit_account_no,
                    unit_name=e.unit_name,
                    started_on=e.started_on,
                    ended_on=e.ended_on,
                    start_event=e.start_event,
                    end_event=e.end_event,
                )
                for e in v.employments
            ],
            updated_at=v.updated_at,
            case_no=v.case_no,
        )


class LookupOut(ReplyModel):
    account: MemberAccountOut | None = Field(description="null：此证件号码没有个人账户")


class OpenedOut(ReplyModel):
    account: MemberAccountOut
    parts: PartsOut
    reused: bool = Field(description="true：此人已有（封存的）账户，已启封转入本单位，没有开立第二个账户")
    case_no: str


class MergeOut(ReplyModel):
    surviving: MemberAccountOut
    duplicate_account_no: str
    moved: YuanAmount
    voucher_no: str | None
    case_no: str


class MemberRowOut(ReplyModel):
    account_no: str
    name: str
    resident_id_masked: str
    unit_account_no: str | None
    unit_name: str | None
    status: str
    status_label: str
    wage_base: YuanAmount
    paid_up_to: str | None

    @classmethod
    def of(cls, r: Any) -> MemberRowOut:
        return cls(
            account_no=r.account_no,
            name=r.name,
            resident_id_masked=r.resident_id_masked,
            unit_account_no=r.unit_account_no,
            unit_name=r.unit_name,
            status=r.status,
            status_label=r.status_label,
            wage_base=r.wage_base,
            paid_up_to=r.paid_up_to,
        )
