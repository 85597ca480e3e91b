"""Policy versions (政策参数): list, the version in force on a date, import."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, IsoDate
from anju.api.schemas.policy import PolicyImportIn, PolicyInForceOut, PolicyVersionOut
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import calendar, policy
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/policy", tags=["政策参数"], responses=ERROR_RESPONSES)


@router.get("/versions", response_model=list[PolicyVersionOut], summary="政策版本列表")
def list_versions(request: Request, session: Session = requires(P.POLICY_VIEW)) -> list[PolicyVersionOut]:
    views = read(container_of(request).uow, lambda uow: policy.list_policy_versions(uow, session.actor))
    return [PolicyVersionOut.of(v) for v in views]


@router.get("/in-force", response_model=PolicyInForceOut, summary="某日生效的政策参数")
def in_force(
    request: Request, on: IsoDate | None = None, session: Session = requires(P.POLICY_VIEW)
) -> PolicyInForceOut:
    def body(uow: UnitOfWork) -> PolicyInForceOut:
        day: date = on or calendar.current_business_date(uow)
        shown = policy.show_policy(uow, day, session.actor)
        return PolicyInForceOut(on=day, **shown)

    return read(container_of(request).uow, body)


@router.post("/versions", status_code=201, response_model=PolicyVersionOut, summary="导入新的政策版本")
def import_version(body: PolicyImportIn, cmd: Command = command(P.POLICY_MANAGE)) -> Response:
    def run(uow: UnitOfWork) -> PolicyVersionOut:
        view = policy.import_policy(
            uow,
            cmd.actor,
            body.toml,
            effective_date=body.effective_date,
            document_no=body.document_no,
            approved_by=body.approved_by,
        )
        return PolicyVersionOut.of(view)

    return cmd.execute(run, status_code=201)
