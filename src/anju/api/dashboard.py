"""The management dashboard's figures (驾驶舱) as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.dashboard import DashboardOut
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import dashboard
from anju.services.runner import read

router = APIRouter(prefix="/dashboard", tags=["驾驶舱"], responses=ERROR_RESPONSES)


@router.get("", response_model=DashboardOut, summary="缴存、提取、贷款、余额与逾期率（按月、按管理部）")
def overview(
    request: Request,
    *,
    months: Annotated[int, Query(ge=1, le=dashboard.MAX_MONTHS)] = 12,
    branch: Annotated[
        str | None, Query(max_length=10, pattern=r"^[0-9]{1,10}$", description="管理部编码")
    ] = None,
    session: Session = requires(P.DASHBOARD_VIEW),
) -> DashboardOut:
    view = read(
        container_of(request).uow,
        lambda uow: dashboard.overview(uow, session.actor, months=months, branch_code=branch),
    )
    return DashboardOut.of(view)
