"""The counter's page for a unit's hall account (单位网厅开通、重置、停用)."""

from __future__ import annotations

from collections.abc import Callable
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


def _page(request: Request, session: Session, unit_account_no: str, **outcome: Any) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "unit": units.get_unit(uow, session.actor, unit_account_no),
            "account": hall_auth.unit_account(uow, session.actor, unit_account_no),
        }

    return account_page(
        request, "collection/hall_account.html", body, session.actor.has(P.HALL_ACCOUNTS_MANAGE), **outcome
    )


def account_page(
    request: Request,
    template: str,
    body: Callable[[UnitOfWork], dict[str, Any]],
    can_manage: bool,
    *,
    new: NewHallAccount | None = None,
    reset: bool = False,
    error: AnjuError | None = None,
) -> Response:
    """The counter's page of a hall account (any kind): what `body` reads, and the outcome of
    the last command — the one-time password of an opening or reset, or the refusal."""
    ctx = read(container_of(request).uow, body)
    ctx.update(
        new=new,
        reset=reset,
        error=error_payload(error.code, error.details) if error else None,
        can_manage=can_manage,
    )
    return render(request, template, ctx, status_code=error.http_status if error else 200)


@router.get("/{unit_account_no}/hall-account")
def hall_account_page(
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
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
    actor = session.actor
    return open_or_reset(
        request,
        exists=lambda uow: hall_auth.unit_account(uow, actor, unit_account_no) is not None,
        open_=lambda uow: hall_auth.open_unit_account(
            uow, actor, unit_account_no, handler_name=handler_name, phone=phone
        ),
        reset=lambda uow: hall_auth.reset_unit_account(
            uow, actor, unit_account_no, handler_name=handler_name, phone=phone
        ),
        page=lambda **kw: _page(request, session, unit_account_no, **kw),
    )


def open_or_reset(
    request: Request,
    *,
    exists: Callable[[UnitOfWork], bool],
    open_: Callable[[UnitOfWork], NewHallAccount],
    reset: Callable[[UnitOfWork], NewHallAccount],
    page: Callable[..., Response],
) -> Response:
    """The counter's one form for any hall account: open it, or reset it when it exists; the
    page again with the one-time password (rendered in this reply only, never in a URL)."""

    def body(uow: UnitOfWork) -> tuple[NewHallAccount, bool]:
        return (reset(uow), True) if exists(uow) else (open_(uow), False)

    try:
        new, was_reset = run(container_of(request).uow, body)
    except AnjuError as exc:
        return page(error=exc)
    return page(new=new, reset=was_reset)


def disable_then(
    request: Request, disable: Callable[[UnitOfWork], object], page: Callable[..., Response], back: str
) -> Response:
    """停用 from the counter's page: back to the page, or the page with the refusal."""
    try:
        run(container_of(request).uow, disable)
    except AnjuError as exc:
        return page(error=exc)
    return RedirectResponse(back, status_code=303)


@router.post("/{unit_account_no}/hall-account/disable")
def hall_account_disable(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.HALL_ACCOUNTS_MANAGE)
) -> Response:
    return disable_then(
        request,
        lambda uow: hall_auth.disable_unit_account(uow, session.actor, unit_account_no),
        lambda **kw: _page(request, session, unit_account_no, **kw),
        f"/units/{unit_account_no}/hall-account",
    )
