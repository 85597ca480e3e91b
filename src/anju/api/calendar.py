"""The business date (会计日期): owned by the system, moved only by end of day."""

from __future__ import annotations

from fastapi import APIRouter, Request

from anju.api.schemas.calendar import BusinessDateOut
from anju.api.schemas.common import ERROR_RESPONSES
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import calendar
from anju.services.runner import read

router = APIRouter(prefix="/calendar", tags=["会计日期"], responses=ERROR_RESPONSES)


@router.get("/business-date", response_model=BusinessDateOut, summary="当前会计日期")
def business_date(request: Request, session: Session = requires(P.AUTHENTICATED)) -> BusinessDateOut:
    return BusinessDateOut(business_date=read(container_of(request).uow, calendar.current_business_date))
