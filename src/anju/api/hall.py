"""The unit web hall's JSON API (单位网厅): login with a password and an SMS code, then the
unit's own data only. Every route is in the hall realm: a staff session is not accepted here,
and a hall session is accepted nowhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.api.documents import PDF_RESPONSE
from anju.api.schemas.auth import DoneOut
from anju.api.schemas.common import ERROR_RESPONSES, IsoDate, Limit, Offset
from anju.api.schemas.hall import HallChallengeOut, HallLoginIn, HallPasswordIn, HallSessionOut, HallVerifyIn
from anju.api.schemas.members import MemberAccountOut
from anju.api.schemas.remittance import RosterListOut, RosterOut
from anju.api.schemas.units import UnitMembersOut, UnitOut
from anju.domain.hall import HALL_STATEMENT_YEARS
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.guard import hall_requires, public
from anju.http.hall_sessions import (
    begin_hall_login,
    clear_hall_cookie,
    end_hall_session,
    finish_hall_login,
    set_hall_cookie,
)
from anju.http.responses import StableJSONResponse
from anju.services import documents, hall_auth, members, remittance, units
from anju.services.hall_auth import HallLoginOutcome
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(prefix="/hall", tags=["单位网厅"], responses=ERROR_RESPONSES)

AccountNo = Annotated[str, Path(min_length=1, max_length=30, description="个人账号")]
Status = Annotated[str | None, Query(max_length=2, pattern=r"^[0-9]{2}$")]


def _own_unit_no(uow: UnitOfWork, session: Session) -> str:
    """The unit of the session, never a number from the client."""
    unit_id = session.actor.unit_id
    unit = uow.units.get_by_id(unit_id) if unit_id is not None else None
    assert unit is not None  # a hall session always names its unit
    return unit.unit_account_no


@router.post(
    "/login", dependencies=[public()], response_model=HallChallengeOut, summary="登录第一步：账号和密码"
)
def login(body: HallLoginIn, request: Request) -> HallChallengeOut:
    step = begin_hall_login(request, body.login, body.password)
    assert step.challenge is not None
    assert step.phone_masked is not None
    return HallChallengeOut(challenge=step.challenge, phone_masked=step.phone_masked)


@router.post(
    "/login/verify", dependencies=[public()], response_model=HallSessionOut, summary="登录第二步：短信验证码"
)
def verify(body: HallVerifyIn, request: Request) -> Response:
    return session_reply(request, finish_hall_login(request, body.challenge, body.code))


def session_reply(request: Request, outcome: HallLoginOutcome) -> Response:
    """The session's CSRF token in the body, its token in the hall cookie."""
    assert outcome.actor is not None
    assert outcome.token is not None
    assert outcome.csrf_token is not None
    reply = HallSessionOut(
        csrf_token=outcome.csrf_token,
        must_change_password=outcome.must_change_password,
        display_name=outcome.actor.display_name,
        channel=outcome.actor.channel,
    )
    response = StableJSONResponse(reply.model_dump(mode="json"))
    set_hall_cookie(request, response, outcome.token)
    return response


@router.post("/logout", response_model=DoneOut, summary="退出登录")
async def logout(
    request: Request, session: Session = hall_requires(P.HALL_SELF, allow_password_change_due=True)
) -> Response:
    await run_in_threadpool(end_hall_session, request, session.token)
    response = StableJSONResponse(DoneOut().model_dump(mode="json"))
    clear_hall_cookie(request, response)
    return response


@router.post("/password", response_model=DoneOut, summary="修改登录密码")
def change_password(
    body: HallPasswordIn,
    request: Request,
    session: Session = hall_requires(P.HALL_SELF, allow_password_change_due=True),
) -> DoneOut:
    run(
        container_of(request).uow,
        lambda uow: hall_auth.change_password(uow, session.actor, body.old_password, body.new_password),
    )
    return DoneOut()


@router.get("/unit", response_model=UnitOut, summary="本单位信息")
def own_unit(request: Request, session: Session = hall_requires(P.HALL_UNIT)) -> UnitOut:
    view = read(
        container_of(request).uow, lambda uow: units.get_unit(uow, session.actor, _own_unit_no(uow, session))
    )
    return UnitOut.of(view)


@router.get("/unit/members", response_model=UnitMembersOut, summary="本单位职工（分页）")
def own_members(
    request: Request,
    *,
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = hall_requires(P.HALL_UNIT, personal_data=True),
) -> UnitMembersOut:
    page = read(
        container_of(request).uow,
        lambda uow: units.unit_members(
            uow, session.actor, _own_unit_no(uow, session), status=status, limit=limit, offset=offset
        ),
    )
    return UnitMembersOut.of(page)


@router.get("/unit/members/{account_no}", response_model=MemberAccountOut, summary="本单位职工账户")
def own_member(
    request: Request, account_no: AccountNo, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> MemberAccountOut:
    view = read(
        container_of(request).uow, lambda uow: members.get_member_account(uow, session.actor, account_no)
    )
    return MemberAccountOut.of(view)


@router.get("/unit/rosters", response_model=RosterListOut, summary="本单位汇缴清册")
def own_rosters(
    request: Request,
    *,
    limit: Limit = 24,
    offset: Offset = 0,
    session: Session = hall_requires(P.HALL_UNIT, personal_data=True),
) -> RosterListOut:
    rosters = read(
        container_of(request).uow,
        lambda uow: remittance.list_rosters(
            uow, session.actor, _own_unit_no(uow, session), limit=limit, offset=offset
        ),
    )
    return RosterListOut(items=[RosterOut.of(r) for r in rosters])


# --- documents: the same printed documents as the counter's, for the unit's own people only -------


@router.get(
    "/unit/members/{account_no}/certificate",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="职工缴存证明（PDF）",
)
def member_certificate(
    request: Request, account_no: AccountNo, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow, lambda uow: documents.contribution_certificate(uow, session.actor, account_no)
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get(
    "/unit/members/{account_no}/statement",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="职工个人明细（PDF，最长三年）",
)
def member_statement(
    request: Request,
    account_no: AccountNo,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    session: Session = hall_requires(P.HALL_UNIT, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.account_statement(
            uow, session.actor, account_no, start=start, end=end, max_years=HALL_STATEMENT_YEARS
        ),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get(
    "/unit/receipts/{month}", response_class=Response, responses=PDF_RESPONSE, summary="本单位汇缴回单（PDF）"
)
def unit_receipt(
    request: Request,
    month: Annotated[str, Path(min_length=6, max_length=7, description="年月 YYYYMM")],
    kind: Annotated[str, Query(pattern="^(remittance|back_payment)$")] = "remittance",
    session: Session = hall_requires(P.HALL_UNIT),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.remittance_receipt(uow, session.actor, _own_unit_no(uow, session), month, kind),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)
