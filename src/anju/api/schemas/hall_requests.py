"""Hall request (单位网厅申请) schemas: what a unit operator submits, and the request as the hall
and the counter see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.cases import CaseOut
from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount
from anju.services.hall_requests import HallSubmission

RequestType = Literal["open", "wage_base", "seal", "unseal", "remittance", "back_payment", "transfer"]


class HallRequestIn(StrictModel):
    """One request; the fields that count depend on `request_type`:
    open (resident_id, name, wage_base, phone), wage_base (account_no, wage_base), seal (account_no,
    reason), unseal (account_no, wage_base?), remittance (month), back_payment (months, reason),
    transfer (account_no, to_unit_account_no)."""

    request_type: RequestType
    account_no: str = Field(default="", max_length=30, description="本单位职工的个人账号")
    resident_id: str = Field(default="", max_length=18, description="开户：新职工身份证号")
    name: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=20)
    wage_base: YuanAmount | None = Field(default=None, description="缴存基数（元）")
    month: str = Field(default="", max_length=6, description="汇缴：年月 YYYYMM")
    months: list[str] = Field(default_factory=list, max_length=36, description="补缴：年月 YYYYMM 列表")
    reason: str = Field(default="", max_length=200)
    to_unit_account_no: str = Field(default="", max_length=30, description="转移：转入单位账号")

    def submission(self) -> HallSubmission:
        return HallSubmission(
            request_type=self.request_type,
            account_no=self.account_no,
            resident_id=self.resident_id,
            name=self.name,
            phone=self.phone,
            wage_base=self.wage_base,
            month=self.month,
            months=tuple(m[:6] for m in self.months),
            reason=self.reason,
            to_unit_account_no=self.to_unit_account_no,
        )


class HallRequestFieldOut(ReplyModel):
    label: str
    value: str


class HallRequestOut(ReplyModel):
    case_no: str = Field(description="办件编号")
    request_type: str
    type_label: str
    state: str
    state_label: str
    summary: str
    reason: str | None = Field(description="不予办理的原因")
    result: str | None = Field(description="办结结果（如新开的个人账号）")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, v: Any) -> HallRequestOut:
        return cls(
            case_no=v.case_no,
            request_type=v.request_type,
            type_label=v.type_label,
            state=v.state,
            state_label=v.state_label,
            summary=v.summary,
            reason=v.reason,
            result=v.result_ref,
            created_at=v.created_at,
            finished_at=v.finished_at,
        )


class HallRequestPageOut(ReplyModel):
    items: list[HallRequestOut]
    total: int


class HallRequestDetailOut(ReplyModel):
    request: HallRequestOut
    fields: list[HallRequestFieldOut] = Field(description="申请数据（个人信息已脱敏）")
    case: CaseOut

    @classmethod
    def of(cls, d: Any) -> HallRequestDetailOut:
        return cls(
            request=HallRequestOut.of(d.request),
            fields=[HallRequestFieldOut(label=k, value=v) for k, v in d.request.fields],
            case=CaseOut.of(d.case),
        )


class RefuseIn(StrictModel):
    reason: str = Field(min_length=1, max_length=400, description="不予办理的原因（网厅可见）")
