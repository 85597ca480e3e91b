"""Staff login and sessions over the API: the same server-side session as the pages.

Login and logout are the two mutating routes without an Idempotency-Key: a stored login reply
would hand a session token to whoever replays the key, and logout is idempotent by nature.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.api.schemas.auth import DoneOut, LoginIn, OperatorSelf, PasswordChangeIn, SessionOut
from anju.api.schemas.common import ERROR_RESPONSES
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import public, requires
from anju.http.responses import StableJSONResponse
from anju.http.sessions import clear_session_cookie, end_session, perform_login, set_session_cookie
from anju.services import auth
from anju.services.ports import UnitOfWork
from anju.services.runner import run

router = APIRouter(prefix="/auth", tags=["登录与会话"], responses=ERROR_RESPONSES)

# Mutating routes exempt from Idempotency-Key, with the reason (checked by tests/architecture).
IDEMPOTENCY_EXEMPT = {
    ("POST", "/api/v1/auth/login"): "a replayed login reply would leak a session; each login is new",
    ("POST", "/api/v1/auth/logout"): "ending a session twice has the same effect as once",
    ("POST", "/api/v1/auth/password"): "the body holds passwords, which must not be kept, even hashed",
    ("POST", "/api/v1/hall/login"): "each password step sends a new SMS code; a replay must not reuse one",
    ("POST", "/api/v1/hall/login/verify"): "a replayed login reply would leak a session; each login is new",
    (
        "POST",
        "/api/v1/hall/person/login",
    ): "each password step sends a new SMS code; a replay must not reuse one",
    ("POST", "/api/v1/hall/person/register"): "each step sends a new SMS code; a replay must not reuse one",
    (
        "POST",
        "/api/v1/hall/developer/login",
    ): "each password step sends a new SMS code; a replay must not reuse one",
    ("POST", "/api/v1/hall/person/register/verify"): "the body holds a password and the reply a session",
    ("POST", "/api/v1/hall/logout"): "ending a session twice has the same effect as once",
    ("POST", "/api/v1/hall/password"): "the body holds passwords, which must not be kept, even hashed",
    ("POST", "/api/v1/units/{unit_account_no}/hall-account"): (
        "the reply holds a one-time initial password, never stored; opening twice is refused (409)"
    ),
    ("POST", "/api/v1/units/{unit_account_no}/hall-account/reset"): (
        "the reply holds a one-time initial password, never stored; each reset issues a new one"
    ),
    ("POST", "/api/v1/loans/developers/{code}/hall-account"): (
        "the reply holds a one-time initial password, never stored; opening twice is refused (409)"
    ),
    ("POST", "/api/v1/loans/developers/{code}/hall-account/reset"): (
        "the reply holds a one-time initial password, never stored; each reset issues a new one"
    ),
}


@router.post("/login", dependencies=[public()], response_model=SessionOut, summary="登录（密码 + 动态口令）")
def login(body: LoginIn, request: Request) -> Response:
    outcome = perform_login(request, body.username, body.password, body.totp)
    reply = SessionOut(
        csrf_token=outcome.csrf_token,
        must_change_password=bool(outcome.must_change_password),
        operator=OperatorSelf.of(outcome.actor),
    )
    response = StableJSONResponse(reply.model_dump(mode="json"))
    set_session_cookie(request, response, outcome.token)
    return response


@router.post("/logout", response_model=DoneOut, summary="退出登录")
async def logout(
    request: Request, session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True)
) -> Response:
    await run_in_threadpool(end_session, request, session.token)
    response = StableJSONResponse(DoneOut().model_dump(mode="json"))
    clear_session_cookie(request, response)
    return response


@router.get("/session", response_model=SessionOut, summary="当前登录信息")
def current(session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True)) -> SessionOut:
    return SessionOut(csrf_token=session.csrf_token, operator=OperatorSelf.of(session.actor))


@router.post("/password", response_model=DoneOut, summary="修改本人密码")
def change_password(
    body: PasswordChangeIn,
    request: Request,
    session: Session = requires(P.AUTHENTICATED, allow_password_change_due=True),
) -> DoneOut:
    def change(uow: UnitOfWork) -> None:
        auth.change_password(uow, session.actor, body.old_password, body.new_password)

    run(container_of(request).uow, change)
    return DoneOut()
