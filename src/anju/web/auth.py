"""The login page (password + 动态口令), logout, and changing one's own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.errors import error_payload
from anju.http.guard import optional_session, public, requires
from anju.http.sessions import clear_session_cookie, end_session, perform_login, set_session_cookie
from anju.services import auth
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from anju.web.rendering import TEMPLATES, base_context, render, safe_next

router = APIRouter()

NOTICES = {
    "logged_out": "您已安全退出。",
}


def _login_page(
    request: Request, *, next_path: str, username: str = "", error: AnjuError | None = None, notice: str = ""
) -> Response:
    ctx = base_context(request, None, shell=None)
    ctx.update(
        next=next_path,
        username=username,
        error=error_payload(error.code, error.details) if error else None,
        notice=notice,
    )
    return TEMPLATES.TemplateResponse(
        request, "login.html", ctx, status_code=error.http_status if error else 200
    )


@router.get("/login", dependencies=[public()])
async def login_page(request: Request, next: str = "/", notice: str = "") -> Response:
    if await optional_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next), notice=NOTICES.get(notice, ""))


@router.post("/login", dependencies=[public()])
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    totp: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    target = safe_next(next)
    try:
        outcome = perform_login(request, username.strip(), password, totp.strip())
    except AnjuError as exc:
        return _login_page(request, next_path=target, username=username.strip()[:64], error=exc)
    destination = "/account/password?required=1" if outcome.must_change_password else target
    response = RedirectResponse(destination, status_code=303)
    set_session_cookie(request, response, outcome.token)
    return response


@router.get("/logout")
def logout_page(
    request: Request, session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True)
) -> Response:
    return render(request, "logout.html")


@router.post("/logout")
def logout_submit(
    request: Request, session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True)
) -> Response:
    end_session(request, session.token)
    response = RedirectResponse("/login?notice=logged_out", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/account/password")
def password_page(
    request: Request,
    required: int = 0,
    done: int = 0,
    session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True),
) -> Response:
    return render(
        request, "account_password.html", {"required": bool(required), "done": bool(done), "error": None}
    )


@router.post("/account/password")
def password_submit(
    request: Request,
    old_password: Annotated[str, Form(max_length=128)] = "",
    new_password: Annotated[str, Form(max_length=128)] = "",
    confirm_password: Annotated[str, Form(max_length=128)] = "",
    session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True),
) -> Response:
    if new_password != confirm_password:
        error = error_payload("password_mismatch")
        return render(request, "account_password.html", {"required": False, "error": error}, status_code=422)

    def change(uow: UnitOfWork) -> None:
        auth.change_password(uow, session.actor, old_password, new_password)

    try:
        run(container_of(request).uow, change)
    except AnjuError as exc:
        payload = error_payload(exc.code, exc.details)
        return render(
            request, "account_password.html", {"required": False, "error": payload}, status_code=422
        )
    # The service ends the operator's other sessions; this one carries on.
    return RedirectResponse("/account/password?done=1", status_code=303)
