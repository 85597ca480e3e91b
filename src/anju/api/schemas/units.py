"""Unit (单位) schemas. Ratios travel as percent strings ("12" is 12 %), amounts as yuan strings;
the handler's phone only ever leaves masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount
from anju.money import Rate

PERCENT_PATTERN = r"^(0|[1-9][0-9]?)(\.[0-9]{1,2})?$"
Percent = Annotated[
    str,
    Field(pattern=PERCENT_PATTERN, examples=["12"], description='百分数字符串，如 "12" 表示 12%'),
]
UnitAccountNoField = Annotated[str, Field(min_length=1, max_length=20, description="单位账号")]


def percent(value: str) -> Rate:
    return Rate.percent(value)


def percent_text(rate: Rate) -> str:
    return rate.as_percent()


class UnitRegisterIn(StrictModel):
    name: str = Field(min_length=1, max_length=200, description="单位名称")
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    economic_type: str = Field(min_length=3, max_length=3, description="单位经济类型 GB/T 12402，如 150")
    industry: str = Field(min_length=1, max_length=4, description="所属行业 GB/T 4754，如 I65 或 6510")
    address: str = Field(min_length=1, max_length=200)
    handler_name: str = Field(min_length=1, max_length=60, description="经办人姓名")
    handler_phone: str = Field(min_length=11, max_length=11, description="经办人手机号码")
    bank_code: str = Field(min_length=3, max_length=3, description="受托银行代码")
    unit_ratio_percent: Percent
    member_ratio_percent: Percent
    payday: int = Field(ge=1, le=31, description="发薪日（1–28）")
    subordination: str | None = Field(default=None, max_length=2, description="隶属关系 GB/T 12404")
    postcode: str | None = Field(default=None, max_length=6)
    email: str | None = Field(default=None, max_length=120)
    legal_rep_name: str | None = Field(default=None, max_length=60)
    collection_account_no: str | None = Field(
        default=None, max_length=30, description="归集专户，默认该行的归集户"
    )
    branch_code: str | None = Field(default=None, max_length=20, description="管理部，默认操作员所在管理部")
    established_on: IsoDate | None = None


class UnitChangeIn(StrictModel):
    """Only the fields sent change; "" clears an optional text field."""

    name: str | None = Field(default=None, max_length=200)
    economic_type: str | None = Field(default=None, max_length=3)
    industry: str | None = Field(default=None, max_length=4)
    subordination: str | None = Field(default=None, max_length=2)
    address: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=6)
    email: str | None = Field(default=None, max_length=120)
    legal_rep_name: str | None = Field(default=None, max_length=60)
    handler_name: str | None = Field(default=None, max_length=60)
    handler_phone: str | None = Field(default=None, max_length=11)
    bank_code: str | None = Field(default=None, max_length=3)
    collection_account_no: str | None = Field(default=None, max_length=30)
    unit_ratio_percent: Percent | None = None
    member_ratio_percent: Percent | None = None
    payday: int | None = Field(default=None, ge=1, le=31)
    established_on: IsoDate | None = None


class ReasonIn(StrictModel):
    reason: str = Field(default="", max_length=200)


class UnitCancelIn(StrictModel):
    close_reason: str = Field(
        min_length=2, max_length=2, description="销户原因代码：01 注销 02 破产 03 合并分立 04 撤销 99 其他"
    )


class UnitOut(ReplyModel):
    unit_account_no: str
    name: str
    credit_code: str
    economic_type: str
    economic_type_label: str
    industry: str
    industry_label: str
    subordination: str | None
    address: str
    postcode: str | None
    email: str | None
    legal_rep_name: str | None
    handler_name: str
    handler_phone_masked: str | None
    bank_code: str
    bank_name: str
    collection_account_no: str
    branch_code: str
    branch_name: str
    unit_ratio_percent: str
    member_ratio_percent: str
    payday: int
    status: str
    status_label: str
    established_on: date | None
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    paid_up_to: str | None
    suspense_account_no: str
    suspense_balance: YuanAmount | None
    member_counts: dict[str, int]
    active_members: int
    sealed_members: int
    created_at: datetime
    updated_at: datetime
    case_no: str | None

    @classmethod
    def of(cls, v: Any) -> UnitOut:
        return cls(
            unit_account_no=v.unit_account_no,
            name=v.name,
            credit_code=v.credit_code,
            economic_type=v.economic_type,
            economic_type_label=v.economic_type_label,
            industry=v.industry,
            industry_label=v.industry_label,
            subordination=v.subordination,
            address=v.address,
            postcode=v.postcode,
            email=v.email,
            legal_rep_name=v.legal_rep_name,
            handler_name=v.handler_name,
            handler_phone_masked=v.handler_phone_masked,
            bank_code=v.bank_code,
            bank_name=v.bank_name,
            collection_account_no=v.collection_account_no,
            branch_code=v.branch_code,
            branch_name=v.branch_name,
            unit_ratio_percent=percent_text(v.unit_ratio),
            member_ratio_percent=percent_text(v.member_ratio),
            payday=v.payday,
            status=v.status,
            status_label=v.status_label,
            established_on=v.established_on,
            opened_on=v.opened_on,
            closed_on=v.closed_on,
            close_reason=v.close_reason,
            paid_up_to=v.paid_up_to,
            suspense_account_no=v.suspense_account_no,
            suspense_balance=v.suspense_balance,
            member_counts=v.member_counts,
            active_members=v.active_members,
            sealed_members=v.sealed_members,
            created_at=v.created_at,
            updated_at=v.updated_at,
            case_no=v.case_no,
        )


class UnitPageOut(ReplyModel):
    items: list[UnitOut]
    total: int


class UnitMemberOut(ReplyModel):
    account_no: str
    name: str
    status: str
    status_label: str
    wage_base: YuanAmount
    unit_monthly: YuanAmount
    member_monthly: YuanAmount
    paid_up_to: str | None
    opened_on: date


class UnitMembersOut(ReplyModel):
    unit_account_no: str
    items: list[UnitMemberOut]
    total: int

    @classmethod
    def of(cls, v: Any) -> UnitMembersOut:
        return cls(
            unit_account_no=v.unit_account_no,
            total=v.total,
            items=[
                UnitMemberOut(
                    account_no=r.account_no,
                    name=r.name,
                    status=r.status,
                    status_label=r.status_label,
                    wage_base=r.wage_base,
                    unit_monthly=r.unit_monthly,
                    member_monthly=r.member_monthly,
                    paid_up_to=r.paid_up_to,
                    opened_on=r.opened_on,
                )
                for r in v.items
            ],
        )


class PartsOut(ReplyModel):
    """What a declared wage gives in a unit: the clamped base and the two monthly parts."""

    declared: YuanAmount
    wage_base: YuanAmount
    bound: str | None = Field(description="floor（按下限）| cap（按上限）| null")
    unit_part: YuanAmount
    member_part: YuanAmount
    total: YuanAmount

    @classmethod
    def of(cls, p: Any) -> PartsOut:
        return cls(
            declared=p.declared,
            wage_base=p.wage_base,
            bound=p.bound,
            unit_part=p.unit_part,
            member_part=p.member_part,
            total=p.total,
        )
