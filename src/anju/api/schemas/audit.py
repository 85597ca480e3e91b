"""Audit log schemas (for the audit administrator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anju.api.schemas.common import ReplyModel


class AuditEntryOut(ReplyModel):
    seq: int
    occurred_at: datetime
    actor: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    result: str
    reason: str | None
    details: dict[str, str | int | bool | None]

    @classmethod
    def of(cls, v: Any) -> AuditEntryOut:
        return cls(
            seq=v.seq,
            occurred_at=v.occurred_at,
            actor=v.actor,
            ip=v.ip,
            action=v.action,
            object_type=v.object_type,
            object_id=v.object_id,
            result=v.result,
            reason=v.reason,
            details=dict(v.details),
        )


class ChainVerdictOut(ReplyModel):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
