"""Cases (办件): list, detail with history, back-office decisions, finishing, rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.cases import CaseOut, CasePageOut, DecisionIn, RatingIn
from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.units import ReasonIn
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import cases
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/cases", tags=["办件"], responses=ERROR_RESPONSES)

CaseNoPath = Annotated[str, Path(min_length=1, max_length=24, description="办件编号")]


@router.get("", response_model=CasePageOut, summary="办件列表（本管理部，最新在前）")
def list_cases(
    request: Request,
    *,
    state: Annotated[str | None, Query(max_length=12)] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(max_length=40, description="办件编号或业务对象（单位账号、个人账号）")
    ] = None,
    channel: Annotated[
        str | None, Query(max_length=20, description="渠道，如 unit_hall（单位网厅）、counter（柜面）")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> CasePageOut:
    page = read(
        container_of(request).uow,
        lambda uow: cases.list_cases(
            uow,
            session.actor,
            state=state,
            kind=kind,
            subject_ref=q,
            limit=limit,
            offset=offset,
            channel=channel,
        ),
    )
    return CasePageOut(items=[CaseOut.of(v) for v in page.items], total=page.total)


@router.get("/{case_no}", response_model=CaseOut, summary="办件详情及流转记录")
def get_case(
    request: Request, case_no: CaseNoPath, session: Session = requires(P.COLLECTION_VIEW, personal_data=True)
) -> CaseOut:
    return CaseOut.of(
        read(container_of(request).uow, lambda uow: cases.get_case(uow, session.actor, case_no))
    )


@router.post("/{case_no}/decision", response_model=CaseOut, summary="审核、审批、复核审批、退回或拒绝")
def decide(case_no: CaseNoPath, body: DecisionIn, cmd: Command = command(P.COLLECTION_APPROVE)) -> Response:
    return cmd.execute(
        lambda uow: CaseOut.of(cases.advance_generic_case(uow, cmd.actor, case_no, body.action, body.reason))
    )


@router.post("/{case_no}/finish", response_model=CaseOut, summary="办结（已审批的办件）")
def finish(case_no: CaseNoPath, body: ReasonIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: CaseOut.of(
            cases.advance_generic_case(uow, cmd.actor, case_no, "finish", body.reason or None)
        )
    )


@router.post("/{case_no}/rating", response_model=CaseOut, summary="录入申请人的好差评")
def rate(case_no: CaseNoPath, body: RatingIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> CaseOut:
        view = cases.get_case(uow, cmd.actor, case_no)  # branch scope before the applicant's rating
        return CaseOut.of(cases.rate_case(uow, view.case_no, body.rating, body.comment))

    return cmd.execute(run_)
