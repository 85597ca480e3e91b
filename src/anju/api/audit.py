"""The security audit log (审计日志): read (itself audited) and verify the HMAC-SM3 chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from anju.api.schemas.audit import AuditEntryOut, ChainVerdictOut
from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import audit
from anju.services.runner import read, run

router = APIRouter(prefix="/audit", tags=["安全审计"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[AuditEntryOut], summary="审计日志（最新在前）")
def list_audit(
    request: Request,
    *,
    limit: Limit = 50,
    offset: Offset = 0,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    session: Session = requires(P.AUDIT_VIEW),
) -> list[AuditEntryOut]:
    # Reading the log writes an audit.view record: a write transaction.
    entries = run(
        container_of(request).uow,
        lambda uow: audit.list_audit(
            uow, session.actor, limit=limit, offset=offset, action=action or None, actor_name=actor or None
        ),
    )
    return [AuditEntryOut.of(e) for e in entries]


@router.get("/verify", response_model=ChainVerdictOut, summary="校验审计日志链")
def verify(request: Request, session: Session = requires(P.AUDIT_VIEW)) -> ChainVerdictOut:
    verdict = read(container_of(request).uow, audit.verify_audit_chain)
    return ChainVerdictOut(
        ok=verdict.ok,
        checked=verdict.checked,
        first_broken_seq=verdict.first_broken_seq,
        reason=verdict.reason,
    )
