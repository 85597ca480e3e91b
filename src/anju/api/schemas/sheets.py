"""Schemas of the spreadsheet and document endpoints: roster uploads, wage-base adjustments, ratio
changes, document verification. Amounts are yuan strings; ratios are percent strings ("12")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount


class RosterImportOut(ReplyModel):
    unit_account_no: str
    month: str
    kind: str
    state: str
    headcount: int
    unit_total: YuanAmount
    member_total: YuanAmount
    total: YuanAmount
    rows: int = Field(description="导入的数据行数")
    computed_parts: int = Field(description="月缴存额由系统计算的行数")
    left_out: int = Field(description="未列入文件的正常缴存职工人数")
    generated: bool = Field(description="本次导入时新生成了草稿清册")

    @classmethod
    def of(cls, r: Any) -> RosterImportOut:
        v = r.roster
        return cls(
            unit_account_no=v.unit_account_no,
            month=v.month,
            kind=v.kind,
            state=v.state,
            headcount=v.headcount,
            unit_total=v.unit_total,
            member_total=v.member_total,
            total=v.total,
            rows=r.rows,
            computed_parts=r.computed_parts,
            left_out=r.left_out,
            generated=r.generated,
        )


class AdjustmentOut(ReplyModel):
    unit_account_no: str
    kind: str
    kind_label: str
    case_no: str
    effective_month: str
    contribution_year: int | None
    headcount: int
    changed: int
    at_floor: int
    at_cap: int
    left_out: int
    monthly_before: YuanAmount
    monthly_after: YuanAmount
    unit_ratio_percent: str
    member_ratio_percent: str
    stale_drafts: list[str]
    paid_up_to: str | None

    @classmethod
    def of(cls, r: Any) -> AdjustmentOut:
        return cls(
            unit_account_no=r.unit_account_no,
            kind=r.kind,
            kind_label=r.kind_label,
            case_no=r.case_no,
            effective_month=r.effective_month,
            contribution_year=r.contribution_year,
            headcount=r.headcount,
            changed=r.changed,
            at_floor=r.at_floor,
            at_cap=r.at_cap,
            left_out=r.left_out,
            monthly_before=r.monthly_before,
            monthly_after=r.monthly_after,
            unit_ratio_percent=r.unit_ratio.as_percent(),
            member_ratio_percent=r.member_ratio.as_percent(),
            stale_drafts=list(r.stale_drafts),
            paid_up_to=r.paid_up_to,
        )


class RatioChangeIn(StrictModel):
    unit_ratio_percent: str = Field(
        min_length=1, max_length=8, examples=["10"], description="单位缴存比例（%）"
    )
    member_ratio_percent: str = Field(
        min_length=1, max_length=8, examples=["10"], description="个人缴存比例（%）"
    )
    effective_month: str = Field(
        min_length=6, max_length=7, examples=["202611"], description="生效年月 YYYYMM"
    )


class ChangeOut(ReplyModel):
    case_no: str
    kind: str
    kind_label: str
    effective_month: str
    contribution_year: int | None
    headcount: int
    new_unit_ratio_percent: str | None
    new_member_ratio_percent: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: Any) -> ChangeOut:
        return cls(
            case_no=v.case_no,
            kind=v.kind,
            kind_label=v.kind_label,
            effective_month=v.effective_month,
            contribution_year=v.contribution_year,
            headcount=v.headcount,
            new_unit_ratio_percent=v.new_unit_ratio.as_percent() if v.new_unit_ratio else None,
            new_member_ratio_percent=v.new_member_ratio.as_percent() if v.new_member_ratio else None,
            created_by=v.created_by,
            created_at=v.created_at,
        )


class IssuedDocumentOut(ReplyModel):
    verification_code: str
    kind: str
    kind_label: str
    subject_ref: str
    title: str
    business_date: date
    issued_by: str
    issued_at: datetime

    @classmethod
    def of(cls, v: Any) -> IssuedDocumentOut:
        return cls(
            verification_code=v.verification_code,
            kind=v.kind,
            kind_label=v.kind_label,
            subject_ref=v.subject_ref,
            title=v.title,
            business_date=v.business_date,
            issued_by=v.issued_by,
            issued_at=v.issued_at,
        )
