"""The counter's page for a unit's hall account (单位网厅开通、重置、停用)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.errors import error_payload
from anju.http.guard import requires
from anju.services import hall_auth, units
from anju.services.hall_auth import NewHallAccount
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.rendering import render

router = APIRouter(prefix="/units")
UnitNo = Annotated[str, Path(min_length=1, max_length=20)]


def _page(
    request: Request,
    session: Session,
    unit_account_no: str,
    *,
    new: NewHallAccount | None = None,
    reset: bool = False,
    error: AnjuError | None = None,
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "unit": units.get_unit(uow, session.actor, unit_account_no),
            "account": hall_auth.unit_account(uow, session.actor, unit_account_no),
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(
        new=new,
        reset=reset,
        error=error_payload(error.code, error.details) if error else None,
        can_manage=session.actor.has(P.HALL_ACCOUNTS_MANAGE),
    )
    return render(
        request, "collection/hall_account.html", ctx, status_code=error.http_status if error else 200
    )


@router.get("/{unit_account_no}/hall-account")
def hall_account_page(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.COLLECTION_VIEW)
) -> Response:
    return _page(request, session, unit_account_no)


@router.post("/{unit_account_no}/hall-account")
def hall_account_submit(
    request: Request,
    unit_account_no: UnitNo,
    handler_name: Annotated[str, Form(max_length=50)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    session: Session = requires(P.HALL_ACCOUNTS_MANAGE),
) -> Response:
    """Open the account, or (when it exists) hand it to a new operator with a new password."""

    def body(uow: UnitOfWork) -> tuple[NewHallAccount, bool]:
        if hall_auth.unit_account(uow, session.actor, unit_account_no) is None:
            return hall_auth.open_unit_account(
                uow, session.actor, unit_account_no, handler_name=handler_name, phone=phone
            ), False
        return hall_auth.reset_unit_account(
            uow, session.actor, unit_account_no, handler_name=handler_name, phone=phone
        ), True

    try:
        new, reset = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _page(request, session, unit_account_no, error=exc)
    # The one-time password is rendered in this reply only (never in a URL, never stored).
    return _page(request, session, unit_account_no, new=new, reset=reset)


@router.post("/{unit_account_no}/hall-account/disable")
def hall_account_disable(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.HALL_ACCOUNTS_MANAGE)
) -> Response:
    try:
        run(
            container_of(request).uow,
            lambda uow: hall_auth.disable_unit_account(uow, session.actor, unit_account_no),
        )
    except AnjuError as exc:
        return _page(request, session, unit_account_no, error=exc)
    return RedirectResponse(f"/units/{unit_account_no}/hall-account", status_code=303)
