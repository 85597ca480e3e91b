"""Unit web hall requests over the API (单位网厅申请): the unit operator submits and follows its
requests (hall realm, /hall/requests); the counter checks and approves or refuses them (staff
realm, /hall-requests). The counter's list is the case list: /cases?kind=hall_request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.api.documents import PDF_RESPONSE
from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.hall_requests import (
    HallRequestDetailOut,
    HallRequestIn,
    HallRequestOut,
    HallRequestPageOut,
    RefuseIn,
)
from anju.api.sheets import UPLOAD_BODY, Month
from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.guard import hall_requires, requires
from anju.http.hall_requests import limit as rate_limit
from anju.http.idempotency import Command, command, hall_command
from anju.http.uploads import UploadCommand, excel_limits, hall_upload_command
from anju.reports import excel
from anju.services import hall_requests
from anju.services.runner import read, run

router = APIRouter(tags=["单位网厅申请"], responses=ERROR_RESPONSES)

CaseNoPath = Annotated[str, Path(min_length=1, max_length=24, description="办件编号")]


@router.post("/hall/requests", response_model=HallRequestOut, status_code=201, summary="网厅：提交业务申请")
def submit(body: HallRequestIn, request: Request, cmd: Command = hall_command(P.HALL_UNIT)) -> Response:
    rate_limit(request, cmd.session, body.request_type)
    submission = body.submission()
    return cmd.execute(
        lambda uow: HallRequestOut.of(hall_requests.submit_request(uow, cmd.actor, submission)),
        status_code=201,
    )


@router.post(
    "/hall/requests/roster/{month}",
    response_model=HallRequestOut,
    status_code=201,
    summary="网厅：上传汇缴清册（Excel，全部行正确才受理）",
    openapi_extra=UPLOAD_BODY,
)
async def submit_roster(
    request: Request, month: Month, up: UploadCommand = hall_upload_command(P.HALL_UNIT)
) -> Response:
    limits = excel_limits(request)
    crypto = container_of(request).crypto

    def work() -> Response:
        table = excel.read_table(up.upload.data, ROSTER_LAYOUT, limits)
        digest = crypto.sm3(up.upload.data).hex()
        return up.command.execute(
            lambda uow: HallRequestOut.of(
                hall_requests.submit_roster(uow, up.command.actor, month, table, digest)
            ),
            status_code=201,
        )

    return await run_in_threadpool(work)


@router.get(
    "/hall/unit/statement",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="网厅：本单位近三年缴存明细（PDF）",
)
def unit_statement(request: Request, session: Session = hall_requires(P.HALL_UNIT)) -> Response:
    container = container_of(request)
    printed = run(container.uow, lambda uow: hall_requests.own_unit_statement(uow, session.actor))
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get("/hall/requests", response_model=HallRequestPageOut, summary="网厅：本单位的申请及办理状态")
def own_requests(
    request: Request,
    *,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = hall_requires(P.HALL_UNIT, personal_data=True),
) -> HallRequestPageOut:
    items, total = read(
        container_of(request).uow,
        lambda uow: hall_requests.own_requests(uow, session.actor, limit=limit, offset=offset),
    )
    return HallRequestPageOut(items=[HallRequestOut.of(v) for v in items], total=total)


@router.get("/hall/requests/{case_no}", response_model=HallRequestOut, summary="网厅：一项申请的办理状态")
def own_request(
    request: Request, case_no: CaseNoPath, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> HallRequestOut:
    return HallRequestOut.of(
        read(container_of(request).uow, lambda uow: hall_requests.own_request(uow, session.actor, case_no))
    )


@router.get("/hall-requests/{case_no}", response_model=HallRequestDetailOut, summary="柜面：网厅申请详情")
def counter_detail(
    request: Request,
    case_no: CaseNoPath,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> HallRequestDetailOut:
    return HallRequestDetailOut.of(
        read(container_of(request).uow, lambda uow: hall_requests.get_request(uow, session.actor, case_no))
    )


@router.post(
    "/hall-requests/{case_no}/approve", response_model=HallRequestOut, summary="柜面：审核通过并办理网厅申请"
)
def approve(case_no: CaseNoPath, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(lambda uow: HallRequestOut.of(hall_requests.approve_request(uow, cmd.actor, case_no)))


@router.post(
    "/hall-requests/{case_no}/refuse", response_model=HallRequestOut, summary="柜面：网厅申请不予办理"
)
def refuse(case_no: CaseNoPath, body: RefuseIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: HallRequestOut.of(hall_requests.refuse_request(uow, cmd.actor, case_no, body.reason))
    )
