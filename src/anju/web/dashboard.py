"""The management dashboard page (驾驶舱): figure cards, ECharts charts and the branch table."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import dashboard, organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.web.rendering import render

router = APIRouter()
CHART_KEYS = ("contributions", "withdrawals", "loans_disbursed", "deposits_balance", "loans_balance")


def _chart_month(point: dashboard.MonthPoint) -> dict[str, str]:
    return {"month": point.month} | {key: str(getattr(point, key)) for key in CHART_KEYS}


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    months: Annotated[int, Query(ge=1, le=dashboard.MAX_MONTHS)] = 12,
    branch: Annotated[str, Query(max_length=10)] = "",
    session: Session = requires(P.DASHBOARD_VIEW),
) -> Response:
    def body(uow: UnitOfWork) -> tuple[dashboard.DashboardView, list[organisation.BranchView]]:
        view = dashboard.overview(uow, session.actor, months=months, branch_code=branch or None)
        return view, organisation.list_branches(uow, None)

    view, branches = read(container_of(request).uow, body)
    # The charts' figures, embedded as JSON (no inline script: CSP); amounts as yuan strings.
    data = json.dumps({"months": [_chart_month(m) for m in view.months]}, ensure_ascii=False)
    return render(
        request,
        "dashboard/index.html",
        {
            "view": view,
            "data": data,
            "months": months,
            "branch": branch,
            "branches": branches if session.actor.all_branches else [],
        },
    )
