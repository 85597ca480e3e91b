"""The counter's page for a developer's hall account (开发商网厅开通、重置、停用)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import Response

from anju.domain.security import Permission as P
from anju.http.context import Session
from anju.http.guard import requires
from anju.services import developer_hall
from anju.services.ports import UnitOfWork
from anju.web.hall_accounts import account_page, disable_then, open_or_reset

router = APIRouter(prefix="/loans/developers")
Code = Annotated[str, Path(min_length=1, max_length=20)]


def _page(request: Request, session: Session, code: str, **outcome: Any) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "developer": developer_hall.developer(uow, session.actor, code),
            "account": developer_hall.developer_account(uow, session.actor, code),
        }

    return account_page(
        request, "loans/developer_hall_account.html", body, session.actor.has(P.LOAN_MANAGE), **outcome
    )


@router.get("/{code}/hall-account")
def hall_account_page(
    request: Request, code: Code, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> Response:
    return _page(request, session, code)


@router.post("/{code}/hall-account")
def hall_account_submit(
    request: Request,
    code: Code,
    handler_name: Annotated[str, Form(max_length=50)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    """Open the account, or (when it exists) hand it to a new contact with a new password."""
    actor = session.actor
    return open_or_reset(
        request,
        exists=lambda uow: developer_hall.developer_account(uow, actor, code) is not None,
        open_=lambda uow: developer_hall.open_developer_account(
            uow, actor, code, handler_name=handler_name, phone=phone
        ),
        reset=lambda uow: developer_hall.reset_developer_account(
            uow, actor, code, handler_name=handler_name, phone=phone
        ),
        page=lambda **kw: _page(request, session, code, **kw),
    )


@router.post("/{code}/hall-account/disable")
def hall_account_disable(
    request: Request, code: Code, session: Session = requires(P.LOAN_MANAGE)
) -> Response:
    return disable_then(
        request,
        lambda uow: developer_hall.disable_developer_account(uow, session.actor, code),
        lambda **kw: _page(request, session, code, **kw),
        f"/loans/developers/{code}/hall-account",
    )
