"""Counter pages for cases (办件): the list with filters, and one case with its state history,
the back office's decisions, finishing and the applicant's rating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import Response

from anju.domain.security import Permission as P
from anju.domain.workflow import STATE_LABELS
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import cases
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.web.forms import run_and_redirect
from anju.web.rendering import render

router = APIRouter(prefix="/cases")

PAGE_SIZE: Final = 30
CaseNoPath = Annotated[str, Path(min_length=1, max_length=24)]
Text = Annotated[str, Form(max_length=400)]
FLASH: Final = {"decided": "办件已处理。", "finished": "办件已办结。", "rated": "评价已录入。"}


@router.get("")
def list_cases(
    request: Request,
    *,
    state: Annotated[str, Query(max_length=12)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    result = read(
        container_of(request).uow,
        lambda uow: cases.list_cases(
            uow,
            session.actor,
            state=state,
            kind=kind,
            subject_ref=q,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            channel=channel,
        ),
    )
    ctx = {
        "cases": result.items,
        "total": result.total,
        "state": state,
        "kind": kind,
        "q": q,
        "states": STATE_LABELS,
        "kinds": cases.CASE_KINDS,
        "channel": channel,
        "channels": cases.CHANNELS,
        "page": page,
        "has_next": page * PAGE_SIZE < result.total,
    }
    return render(request, "collection/cases.html", ctx)


def _detail(
    request: Request, session: Session, case_no: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    case = read(container_of(request).uow, lambda uow: cases.get_case(uow, session.actor, case_no))
    actor = session.actor
    # A withdrawal, loan or deferral moves on its own page: show where, not buttons that refuse.
    managed_at = cases.MANAGED_KINDS.get(case.kind)
    ctx = {
        "case": case,
        "flash": flash,
        "error": error,
        "managed_at": managed_at,
        "can_decide": actor.has(P.COLLECTION_APPROVE) and not case.is_final and managed_at is None,
        "can_finish": actor.has(P.COLLECTION_MANAGE) and case.state == "approved" and managed_at is None,
        "can_rate": actor.has(P.COLLECTION_MANAGE) and case.is_final and case.rating is None,
    }
    return render(request, "collection/case.html", ctx, status_code=status)


@router.get("/{case_no}")
def case_detail(
    request: Request,
    case_no: CaseNoPath,
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    return _detail(request, session, case_no, flash=FLASH.get(done, ""))


def _act(
    request: Request, session: Session, case_no: str, done: str, fn: Callable[[UnitOfWork], Any]
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/cases/{case_no}?done={done}",
        lambda error, status: _detail(request, session, case_no, error=error, status=status),
    )


@router.post("/{case_no}/decision")
def decide(
    request: Request,
    case_no: CaseNoPath,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Text = "",
    session: Session = requires(P.COLLECTION_APPROVE),
) -> Response:
    return _act(
        request,
        session,
        case_no,
        "decided",
        lambda uow: cases.advance_generic_case(uow, session.actor, case_no, action, reason or None),
    )


@router.post("/{case_no}/finish")
def finish(
    request: Request, case_no: CaseNoPath, session: Session = requires(P.COLLECTION_MANAGE)
) -> Response:
    return _act(
        request,
        session,
        case_no,
        "finished",
        lambda uow: cases.advance_generic_case(uow, session.actor, case_no, "finish"),
    )


@router.post("/{case_no}/rating")
def rate(
    request: Request,
    case_no: CaseNoPath,
    rating: Annotated[str, Form(max_length=2)] = "",
    comment: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        case = cases.get_case(uow, session.actor, case_no)
        score = int(rating) if rating.strip().isdigit() else 0
        return cases.rate_case(uow, case.case_no, score, comment or None)

    return _act(request, session, case_no, "rated", fn)
