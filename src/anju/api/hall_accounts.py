"""Hall accounts at the counter (网厅开通): open, look up, reset and disable a unit's account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.hall import HallAccountIn, HallAccountOut, NewHallAccountOut
from anju.domain.security import Permission as P
from anju.errors import NotFound
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import hall_auth
from anju.services.runner import read, run

router = APIRouter(prefix="/units", tags=["网厅账户"], responses=ERROR_RESPONSES)

UnitNo = Annotated[str, Path(min_length=1, max_length=20, description="单位账号")]


@router.get("/{unit_account_no}/hall-account", response_model=HallAccountOut, summary="单位网厅账户")
def get_account(
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> HallAccountOut:
    view = read(
        container_of(request).uow, lambda uow: hall_auth.unit_account(uow, session.actor, unit_account_no)
    )
    if view is None:
        raise NotFound("not_found", what=f"单位 {unit_account_no} 的网厅账户")
    return HallAccountOut.of(view)


# No Idempotency-Key on the two routes below: their reply holds a one-time initial password,
# which must never be stored for replay. Opening twice is refused (409); a reset is meant to
# issue a new password each time.
@router.post(
    "/{unit_account_no}/hall-account",
    status_code=201,
    response_model=NewHallAccountOut,
    summary="开通单位网厅（返回一次性初始密码）",
)
def open_account(
    body: HallAccountIn,
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.HALL_ACCOUNTS_MANAGE),
) -> NewHallAccountOut:
    new = run(
        container_of(request).uow,
        lambda uow: hall_auth.open_unit_account(
            uow, session.actor, unit_account_no, handler_name=body.handler_name, phone=body.phone
        ),
    )
    return NewHallAccountOut(account=HallAccountOut.of(new.account), initial_password=new.initial_password)


@router.post(
    "/{unit_account_no}/hall-account/reset",
    response_model=NewHallAccountOut,
    summary="更换经办人或重置密码（返回一次性初始密码）",
)
def reset_account(
    body: HallAccountIn,
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.HALL_ACCOUNTS_MANAGE),
) -> NewHallAccountOut:
    new = run(
        container_of(request).uow,
        lambda uow: hall_auth.reset_unit_account(
            uow, session.actor, unit_account_no, handler_name=body.handler_name, phone=body.phone
        ),
    )
    return NewHallAccountOut(account=HallAccountOut.of(new.account), initial_password=new.initial_password)


@router.post("/{unit_account_no}/hall-account/disable", response_model=HallAccountOut, summary="停用单位网厅")
def disable_account(unit_account_no: UnitNo, cmd: Command = command(P.HALL_ACCOUNTS_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: HallAccountOut.of(hall_auth.disable_unit_account(uow, cmd.actor, unit_account_no))
    )
