"""Policy version schemas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel


class PolicyVersionOut(ReplyModel):
    effective_date: date
    title: str
    document_no: str
    approved_by: str
    imported_by: str
    created_at: datetime
    content_sm3: str
    supersedes_effective_date: date | None
    status: str | None = Field(description="in_force 现行有效 | scheduled 待生效 | superseded 已被替代")
    status_label: str

    @classmethod
    def of(cls, view: Any) -> PolicyVersionOut:
        return cls(
            effective_date=view.effective_date,
            title=view.title,
            document_no=view.document_no,
            approved_by=view.approved_by,
            imported_by=view.imported_by,
            created_at=view.created_at,
            content_sm3=view.content_sm3,
            supersedes_effective_date=view.supersedes_effective_date,
            status=view.status,
            status_label=view.status_label,
        )


class PolicyInForceOut(ReplyModel):
    on: date
    effective_date: date
    document_no: str
    approved_by: str
    imported_by: str
    created_at: str
    content_sm3: str
    policy: dict[str, Any] = Field(description="全部参数：每项含 value、source（依据）、tag（来源类别）")


class PolicyImportIn(StrictModel):
    toml: str = Field(min_length=1, max_length=200_000, description="政策参数 TOML 文本")
    effective_date: IsoDate
    document_no: str = Field(min_length=1, max_length=100, description="批准文号")
    approved_by: str = Field(min_length=1, max_length=100, description="批准人或批准机构")
