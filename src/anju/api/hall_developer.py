"""The developer web hall's JSON API (开发商网厅): login with the unified social credit code, the
password and an SMS code (the second step is the halls' common /hall/login/verify), then the
developer's own company, projects and the buyers' applications on them only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.developer_hall import (
    CompanyOut,
    DeveloperLoginIn,
    HallApplicationOut,
    HallApplicationsOut,
    HallProjectOut,
)
from anju.api.schemas.hall import HallChallengeOut
from anju.domain.hall import DEVELOPER_KIND
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import hall_requires, public
from anju.http.hall_sessions import begin_hall_login
from anju.services import developer_hall
from anju.services.runner import read

router = APIRouter(prefix="/hall/developer", tags=["开发商网厅"], responses=ERROR_RESPONSES)

ProjectId = Annotated[int, Path(ge=1, le=2**53, description="楼盘编号")]


@router.post(
    "/login",
    dependencies=[public()],
    response_model=HallChallengeOut,
    summary="开发商登录第一步：统一社会信用代码和密码",
)
def developer_login(body: DeveloperLoginIn, request: Request) -> HallChallengeOut:
    step = begin_hall_login(request, body.credit_code, body.password, kind=DEVELOPER_KIND)
    assert step.challenge is not None
    assert step.phone_masked is not None
    return HallChallengeOut(challenge=step.challenge, phone_masked=step.phone_masked)


@router.get("", response_model=CompanyOut, summary="本企业信息与合作协议（担保条款）")
def own_company(request: Request, session: Session = hall_requires(P.HALL_DEVELOPER)) -> CompanyOut:
    view = read(container_of(request).uow, lambda uow: developer_hall.company(uow, session.actor))
    return CompanyOut.of_company(view)


@router.get("/projects", response_model=list[HallProjectOut], summary="本企业楼盘、楼栋与许可证")
def own_projects(
    request: Request, session: Session = hall_requires(P.HALL_DEVELOPER)
) -> list[HallProjectOut]:
    views = read(container_of(request).uow, lambda uow: developer_hall.projects(uow, session.actor))
    return [HallProjectOut.of_project(v) for v in views]


@router.get("/projects/{project_id}", response_model=HallProjectOut, summary="本企业楼盘")
def own_project(
    request: Request, project_id: ProjectId, session: Session = hall_requires(P.HALL_DEVELOPER)
) -> HallProjectOut:
    view = read(container_of(request).uow, lambda uow: developer_hall.project(uow, session.actor, project_id))
    return HallProjectOut.of_project(view)


@router.get(
    "/applications",
    response_model=HallApplicationsOut,
    summary="购房人贷款申请（姓名、证件号码脱敏；金额、期限、办理阶段）",
)
def own_applications(
    request: Request,
    *,
    project_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = hall_requires(P.HALL_DEVELOPER, personal_data=True),
) -> HallApplicationsOut:
    page = read(
        container_of(request).uow,
        lambda uow: developer_hall.applications(
            uow, session.actor, project_id=project_id, limit=min(limit, 100), offset=offset
        ),
    )
    return HallApplicationsOut(items=[HallApplicationOut.of(v) for v in page.items], total=page.total)
