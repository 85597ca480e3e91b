"""Developer web hall schemas (开发商网厅): login, company, projects, buyers' applications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount
from anju.api.schemas.loans import DeveloperOut, ProjectOut
from anju.services.developer_hall import STATUS_LABELS


class DeveloperLoginIn(StrictModel):
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    password: str = Field(min_length=1, max_length=128)


class CompanyOut(DeveloperOut):
    status_label: str = Field(description="合作状态：准入有效 / 暂停合作")
    project_count: int

    @classmethod
    def of_company(cls, v: Any) -> CompanyOut:
        base = DeveloperOut.of(v.developer)
        return cls(**base.model_dump(), status_label=v.status_label, project_count=v.project_count)


class HallProjectOut(ProjectOut):
    """A project with its permits and buildings, its admission status and guarantee terms."""

    status: str
    status_label: str = Field(description="楼盘准入状态：准入有效 / 暂停合作")
    guarantee_terms: str = Field(description="阶段性担保条款（准入时约定）")

    @classmethod
    def of_project(cls, v: Any) -> HallProjectOut:
        base = ProjectOut.of(v)
        p = v.project
        return cls(
            **base.model_dump(),
            status=p.status,
            status_label=STATUS_LABELS.get(p.status, p.status),
            guarantee_terms=p.guarantee_terms,
        )


class HallApplicationOut(ReplyModel):
    loan_no: str
    project_id: int
    project_name: str
    building_name: str | None
    borrower_name: str = Field(description="借款人姓名（脱敏）")
    borrower_id: str = Field(description="借款人证件号码（脱敏）")
    amount: YuanAmount
    term_months: int
    state: str
    state_label: str = Field(description="办理阶段")
    accepted_at: datetime

    @classmethod
    def of(cls, v: Any) -> HallApplicationOut:
        return cls(
            loan_no=v.loan_no,
            project_id=v.project_id,
            project_name=v.project_name,
            building_name=v.building_name,
            borrower_name=v.borrower_name,
            borrower_id=v.borrower_id,
            amount=v.amount,
            term_months=v.term_months,
            state=v.state,
            state_label=v.state_label,
            accepted_at=v.accepted_at,
        )


class HallApplicationsOut(ReplyModel):
    items: list[HallApplicationOut]
    total: int
