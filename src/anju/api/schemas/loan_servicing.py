"""Schemas of 贷后管理 (loan servicing): overdue register, reclassification, term change,
litigation and the application signature. Amounts are yuan strings."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount
from anju.services.loan_ports import ClassificationChangeRecord, LitigationRecord
from anju.services.loan_repayments import OverdueLine
from anju.services.loan_servicing import LITIGATION_STATES, TermChangeView


class OverdueLineOut(ReplyModel):
    """逾期登记: one overdue instalment on the business date."""

    instalment_no: int
    due_date: date
    days: int
    principal: YuanAmount
    interest: YuanAmount
    penalty_accrued: YuanAmount
    penalty_paid: YuanAmount
    penalty: YuanAmount
    owed: YuanAmount

    @classmethod
    def of(cls, line: OverdueLine) -> OverdueLineOut:
        return cls(
            instalment_no=line.instalment_no,
            due_date=line.due_date,
            days=line.days,
            principal=line.principal,
            interest=line.interest,
            penalty_accrued=line.penalty_accrued,
            penalty_paid=line.penalty_paid,
            penalty=line.penalty,
            owed=line.owed,
        )


class ReclassificationIn(StrictModel):
    """tier: a worse five-tier code (02 关注 … 05 损失), or null to lift the override."""

    tier: Literal["02", "03", "04", "05"] | None
    reason: str = Field(min_length=1, max_length=500)


class ReclassificationDecisionIn(StrictModel):
    approve: bool
    note: str | None = Field(default=None, max_length=400)


class ReclassificationOut(ReplyModel):
    id: int
    tier: str | None
    reason: str
    state: str
    requested_by: str
    decided_by: str | None

    @classmethod
    def of(cls, r: ClassificationChangeRecord) -> ReclassificationOut:
        return cls(
            id=r.id,
            tier=r.tier,
            reason=r.reason,
            state=r.state,
            requested_by=r.requested_by,
            decided_by=r.decided_by,
        )


class ClassificationOut(ReplyModel):
    loan_no: str
    risk_tier: str
    override_tier: str | None
    days_past_due: int


class TermChangeIn(StrictModel):
    remaining_months: int = Field(ge=1, le=360)
    reason: str = Field(min_length=1, max_length=400)


class TermChangeOut(ReplyModel):
    case_no: str
    case_state: str
    case_state_label: str
    txn_type: str
    remaining_before: int
    remaining_after: int

    @classmethod
    def of(cls, v: TermChangeView) -> TermChangeOut:
        return cls(
            case_no=v.case.case_no,
            case_state=v.case.state,
            case_state_label=v.case.state_label,
            txn_type=v.change.txn_type,
            remaining_before=v.change.remaining_before,
            remaining_after=v.change.remaining_after,
        )


LitigationStatus = Literal["filed", "trial", "judged", "enforcing", "closed", "withdrawn"]
assert set(LitigationStatus.__args__) == set(LITIGATION_STATES)  # type: ignore[attr-defined]


class LitigationIn(StrictModel):
    filed_on: IsoDate
    court: str = Field(min_length=1, max_length=120)
    case_number: str = Field(min_length=1, max_length=60)
    status: LitigationStatus
    claim: YuanAmount
    awarded: YuanAmount | None = None
    recovered: YuanAmount | None = None
    note: str = Field(default="", max_length=400)


class LitigationOut(ReplyModel):
    id: int
    filed_on: date
    court: str
    case_number: str
    status: str
    status_label: str
    claim: YuanAmount
    awarded: YuanAmount | None
    recovered: YuanAmount
    note: str

    @classmethod
    def of(cls, r: LitigationRecord) -> LitigationOut:
        return cls(
            id=r.id,
            filed_on=r.filed_on,
            court=r.court,
            case_number=r.case_number,
            status=r.status,
            status_label=LITIGATION_STATES.get(r.status, r.status),
            claim=r.claim,
            awarded=r.awarded,
            recovered=r.recovered,
            note=r.note,
        )


class SignatureOut(ReplyModel):
    loan_no: str
    signed: bool
    valid: bool
    algorithm: str = "SM2-with-SM3"
    key_id: str | None
    public_key: str | None
    signature: str | None
