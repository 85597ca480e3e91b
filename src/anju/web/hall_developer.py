"""The developer web hall's pages (开发商网厅): login with the unified social credit code, then
the company, its projects with buildings and permits, and the buyers' applications on them.
Hall realm only; the SMS-code step and the password change are the halls' common pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import Response

from anju.domain.hall import DEVELOPER_KIND
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import hall_requires, public
from anju.http.hall_sessions import begin_hall_login
from anju.services import developer_hall
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.web.hall import login_page_reply, render_hall

router = APIRouter(prefix="/hall/developer")
PAGE = 50
ProjectId = Annotated[int, Path(ge=1, le=2**53)]


@router.post("/login", dependencies=[public()])
def developer_login_submit(
    request: Request,
    credit_code: Annotated[str, Form(max_length=18)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        step = begin_hall_login(request, credit_code.strip(), password, kind=DEVELOPER_KIND)
    except AnjuError as exc:
        return login_page_reply(request, error=exc, developer=True, login=credit_code.strip()[:18])
    return login_page_reply(request, challenge=step.challenge, phone_masked=step.phone_masked, developer=True)


@router.get("")
def company_page(request: Request, session: Session = hall_requires(P.HALL_DEVELOPER)) -> Response:
    company = read(container_of(request).uow, lambda uow: developer_hall.company(uow, session.actor))
    return render_hall(request, "developer.html", {"company": company})


@router.get("/projects")
def project_list(request: Request, session: Session = hall_requires(P.HALL_DEVELOPER)) -> Response:
    projects = read(container_of(request).uow, lambda uow: developer_hall.projects(uow, session.actor))
    return render_hall(
        request, "developer_projects.html", {"projects": projects, "labels": developer_hall.STATUS_LABELS}
    )


@router.get("/projects/{project_id}")
def project_detail(
    request: Request,
    project_id: ProjectId,
    session: Session = hall_requires(P.HALL_DEVELOPER, personal_data=True),
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, object]:
        return {
            "project": developer_hall.project(uow, session.actor, project_id),
            "page": developer_hall.applications(uow, session.actor, project_id=project_id, limit=PAGE),
            "labels": developer_hall.STATUS_LABELS,
        }

    return render_hall(request, "developer_project.html", read(container_of(request).uow, body))


@router.get("/applications")
def application_list(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    session: Session = hall_requires(P.HALL_DEVELOPER, personal_data=True),
) -> Response:
    page = read(
        container_of(request).uow,
        lambda uow: developer_hall.applications(uow, session.actor, limit=PAGE, offset=offset),
    )
    return render_hall(
        request, "developer_applications.html", {"page": page, "offset": offset, "limit": PAGE}
    )
