"""Logging in and out, shared by the API and the login page.

The login service never raises on bad credentials (so the failure count commits); this module
raises the outcome's error after the transaction, counts failures per IP, and rotates the
session: a new token at every login, and the token the browser held before is ended.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from fastapi import Request
from starlette.responses import Response

from anju.errors import AnjuError, AuthenticationFailed
from anju.http.context import SESSION_COOKIE, client_ip, container_of
from anju.http.ratelimit import SlidingWindowLimiter
from anju.services import auth
from anju.services.ports import UnitOfWork
from anju.services.runner import run

LOGIN_FAILURES_PER_IP = 20
LOGIN_WINDOW = timedelta(minutes=5)


def make_login_limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(LOGIN_FAILURES_PER_IP, LOGIN_WINDOW)


def login_limiter(request: Request) -> SlidingWindowLimiter:
    limiter: SlidingWindowLimiter = request.app.state.login_limiter
    return limiter


def perform_login(request: Request, username: str, password: str, totp: str) -> Any:
    """Log in; returns the service's LoginOutcome (ok) or raises its error. Call from a sync route."""
    container = container_of(request)
    ip = client_ip(request)
    limiter = login_limiter(request)
    limiter.check(ip, container.clock.now_utc())
    outcome = run(container.uow, lambda uow: auth.login(uow, username, password, totp, ip))
    if not outcome.ok:
        limiter.hit(ip, container.clock.now_utc())
        error = outcome.error
        if isinstance(error, AnjuError):
            raise error
        raise AuthenticationFailed("login_failed")
    previous = request.cookies.get(SESSION_COOKIE)
    if previous and previous != outcome.token:
        end_session(request, previous)
    return outcome


def end_session(request: Request, token: str) -> None:
    """End a session server-side; an unknown or expired token is already ended."""
    ip = client_ip(request)

    def body(uow: UnitOfWork) -> None:
        auth.logout(uow, token, ip=ip)

    with suppress(AnjuError):
        run(container_of(request).uow, body)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=container_of(request).settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        secure=container_of(request).settings.cookie_secure,
        samesite="strict",
        path="/",
    )
