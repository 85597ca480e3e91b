"""Case (办件) schemas: the case, its state history, decisions and the rating."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount


class CaseEventOut(ReplyModel):
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    to_state_label: str
    actor: str
    reason: str | None
    occurred_at: datetime


class CaseOut(ReplyModel):
    case_no: str
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    state: str
    state_label: str
    subject_type: str
    subject_ref: str
    applicant: str | None
    maker: str
    checker: str | None
    approver: str | None
    second_approver: str | None
    amount: YuanAmount | None
    summary: str
    reason: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None
    history: list[CaseEventOut] = Field(default_factory=list, description="列表中为空；按办件编号查询时给出")

    @classmethod
    def of(cls, v: Any) -> CaseOut:
        return cls(
            case_no=v.case_no,
            kind=v.kind,
            kind_label=v.kind_label,
            channel=v.channel,
            channel_label=v.channel_label,
            state=v.state,
            state_label=v.state_label,
            subject_type=v.subject_type,
            subject_ref=v.subject_ref,
            applicant=v.applicant,
            maker=v.maker,
            checker=v.checker,
            approver=v.approver,
            second_approver=v.second_approver,
            amount=v.amount,
            summary=v.summary,
            reason=v.reason,
            created_at=v.created_at,
            updated_at=v.updated_at,
            finished_at=v.finished_at,
            rating=v.rating,
            rating_comment=v.rating_comment,
            rated_at=v.rated_at,
            history=[
                CaseEventOut(
                    action=e.action,
                    action_label=e.action_label,
                    from_state=e.from_state,
                    to_state=e.to_state,
                    to_state_label=e.to_state_label,
                    actor=e.actor,
                    reason=e.reason,
                    occurred_at=e.occurred_at,
                )
                for e in v.history
            ],
        )


class CasePageOut(ReplyModel):
    items: list[CaseOut]
    total: int


class DecisionIn(StrictModel):
    action: Literal["review", "approve", "second_approve", "return", "refuse"]
    reason: str | None = Field(default=None, max_length=400, description="退回、拒绝时必填")


class RatingIn(StrictModel):
    rating: int = Field(ge=1, le=5, description="好差评：1 非常不满意 … 5 非常满意")
    comment: str | None = Field(default=None, max_length=400, description="1、2 分时必填")
