"""The audit log page (审计日志) for the audit administrator: filters, paging, chain check.

Reading the log is itself audited, so the page reads through a write transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import audit
from anju.services.runner import read, run
from anju.web.rendering import is_htmx, render, render_fragment

router = APIRouter()

PAGE_SIZE = 50
Filter = Annotated[str, Query(max_length=64)]


@router.get("/audit")
def audit_page(
    request: Request,
    action: Filter = "",
    actor: Filter = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = requires(P.AUDIT_VIEW),
) -> Response:
    entries = run(
        container_of(request).uow,
        lambda uow: audit.list_audit(
            uow,
            session.actor,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            action=action.strip() or None,
            actor_name=actor.strip() or None,
        ),
    )
    ctx = {
        "entries": entries,
        "action": action,
        "actor_filter": actor,
        "page": page,
        "has_next": len(entries) == PAGE_SIZE,
        "audit_path": "/audit",
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "audit-results":
        return render_fragment(request, "audit/_results.html", ctx)
    return render(request, "audit/index.html", ctx)


@router.get("/audit/mine")
def own_audit_page(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = requires(P.AUTHENTICATED),
) -> Response:
    """我的操作记录: every operator sees the audit trail of their own operations."""
    entries = read(
        container_of(request).uow,
        lambda uow: audit.list_own_audit(uow, session.actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
    )
    ctx = {
        "entries": entries,
        "action": "",
        "actor_filter": "",
        "page": page,
        "has_next": len(entries) == PAGE_SIZE,
        "audit_path": "/audit/mine",
    }
    return render(request, "audit/mine.html", ctx)


@router.get("/audit/verify")
def verify_chain(request: Request, session: Session = requires(P.AUDIT_VIEW)) -> Response:
    verdict = read(container_of(request).uow, audit.verify_audit_chain)
    return render_fragment(request, "audit/_verdict.html", {"verdict": verdict})
