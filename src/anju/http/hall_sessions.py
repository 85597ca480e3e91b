"""Hall logins (网厅登录) over HTTP, shared by the hall API and the hall pages.

Like http/sessions.py for staff: the login services never raise on bad credentials (the failure
count must commit), so this module raises the outcome's error after the transaction, counts
failures per IP, delivers the queued SMS after the commit, and rotates the hall cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from fastapi import Request
from starlette.responses import Response

from anju.domain.hall import UNIT_KIND
from anju.errors import AnjuError, AuthenticationFailed
from anju.http.context import HALL_COOKIE, client_ip, container_of
from anju.http.sessions import login_limiter
from anju.services import hall_auth, sms
from anju.services.hall_auth import HallLoginOutcome, LoginStep
from anju.services.ports import UnitOfWork
from anju.services.runner import run


def _raise(error: AnjuError | None) -> None:
    raise error if error is not None else AuthenticationFailed("hall_login_failed")


def begin_hall_login(request: Request, login: str, password: str, *, kind: str = UNIT_KIND) -> LoginStep:
    """Step 1 (password): returns the challenge; the code goes out by SMS after the commit."""
    ip = client_ip(request)
    return _code_step(request, lambda uow: hall_auth.begin_login(uow, kind, login, password, ip))


def begin_registration(request: Request, resident_id: str, name: str, phone: str) -> LoginStep:
    """个人网厅注册 step 1: identity and registered phone checked; the code goes out by SMS."""
    ip = client_ip(request)
    return _code_step(request, lambda uow: hall_auth.begin_registration(uow, resident_id, name, phone, ip))


def _code_step(request: Request, body: Callable[[UnitOfWork], LoginStep]) -> LoginStep:
    container = container_of(request)
    ip = client_ip(request)
    limiter = login_limiter(request)
    limiter.check(ip, container.clock.now_utc())
    step = run(container.uow, body)
    if not step.ok:
        limiter.hit(ip, container.clock.now_utc())
        _raise(step.error)
    deliver_sms(request)
    return step


def deliver_sms(request: Request) -> None:
    """Hand queued messages to the SMS platform (a failure leaves them marked, never lost)."""
    container = container_of(request)
    with suppress(AnjuError):
        run(container.uow, lambda uow: sms.deliver_queued(uow, container.sms))


def finish_hall_login(request: Request, challenge: str, code: str) -> HallLoginOutcome:
    """Step 2 (SMS code): a new hall session; the token the browser held before is ended."""
    ip = client_ip(request)
    return _session_step(request, lambda uow: hall_auth.finish_login(uow, challenge, code, ip))


def finish_registration(request: Request, challenge: str, code: str, password: str) -> HallLoginOutcome:
    """个人网厅注册 step 2: the code and the chosen password; the person is logged in."""
    ip = client_ip(request)
    return _session_step(
        request, lambda uow: hall_auth.finish_registration(uow, challenge, code, password, ip)
    )


def _session_step(request: Request, body: Callable[[UnitOfWork], HallLoginOutcome]) -> HallLoginOutcome:
    container = container_of(request)
    ip = client_ip(request)
    limiter = login_limiter(request)
    limiter.check(ip, container.clock.now_utc())
    outcome = run(container.uow, body)
    if not outcome.ok:
        limiter.hit(ip, container.clock.now_utc())
        _raise(outcome.error)
    previous = request.cookies.get(HALL_COOKIE)
    if previous and previous != outcome.token:
        end_hall_session(request, previous)
    return outcome


def end_hall_session(request: Request, token: str) -> None:
    ip = client_ip(request)
    with suppress(AnjuError):
        run(container_of(request).uow, lambda uow: hall_auth.logout(uow, token, ip))


def set_hall_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        HALL_COOKIE,
        token,
        httponly=True,
        secure=container_of(request).settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def clear_hall_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        HALL_COOKIE,
        path="/",
        httponly=True,
        secure=container_of(request).settings.cookie_secure,
        samesite="strict",
    )
