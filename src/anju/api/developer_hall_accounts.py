"""Developer hall accounts at the counter (开发商网厅开通): open, look up, reset and disable."""

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
from anju.services import developer_hall
from anju.services.runner import read, run

router = APIRouter(prefix="/loans/developers", tags=["网厅账户"], responses=ERROR_RESPONSES)

Code = Annotated[str, Path(min_length=1, max_length=20, description="开发商编号")]


@router.get("/{code}/hall-account", response_model=HallAccountOut, summary="开发商网厅账户")
def get_account(
    request: Request, code: Code, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> HallAccountOut:
    view = read(
        container_of(request).uow, lambda uow: developer_hall.developer_account(uow, session.actor, code)
    )
    if view is None:
        raise NotFound("not_found", what=f"开发商 {code} 的网厅账户")
    return HallAccountOut.of(view)


# No Idempotency-Key on the two routes below (as for units): the reply holds a one-time initial
# password, which must never be stored for replay.
@router.post(
    "/{code}/hall-account",
    status_code=201,
    response_model=NewHallAccountOut,
    summary="开通开发商网厅（返回一次性初始密码）",
)
def open_account(
    body: HallAccountIn, request: Request, code: Code, session: Session = requires(P.LOAN_MANAGE)
) -> NewHallAccountOut:
    new = run(
        container_of(request).uow,
        lambda uow: developer_hall.open_developer_account(
            uow, session.actor, code, handler_name=body.handler_name, phone=body.phone
        ),
    )
    return NewHallAccountOut(account=HallAccountOut.of(new.account), initial_password=new.initial_password)


@router.post(
    "/{code}/hall-account/reset",
    response_model=NewHallAccountOut,
    summary="更换联系人或重置密码（返回一次性初始密码）",
)
def reset_account(
    body: HallAccountIn, request: Request, code: Code, session: Session = requires(P.LOAN_MANAGE)
) -> NewHallAccountOut:
    new = run(
        container_of(request).uow,
        lambda uow: developer_hall.reset_developer_account(
            uow, session.actor, code, handler_name=body.handler_name, phone=body.phone
        ),
    )
    return NewHallAccountOut(account=HallAccountOut.of(new.account), initial_password=new.initial_password)


@router.post("/{code}/hall-account/disable", response_model=HallAccountOut, summary="停用开发商网厅")
def disable_account(code: Code, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: HallAccountOut.of(developer_hall.disable_developer_account(uow, cmd.actor, code))
    )
