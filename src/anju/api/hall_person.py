"""The personal web hall's JSON API (个人网厅), what a WeChat or Alipay mini-program calls:
open the hall online (ID number, name and the phone registered at the centre, proved by an SMS
code), log in with the ID number, password and SMS code, then one's own account only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.api.documents import PDF_RESPONSE
from anju.api.hall import session_reply
from anju.api.schemas.common import ERROR_RESPONSES, IsoDate
from anju.api.schemas.hall import (
    HallChallengeOut,
    HallSessionOut,
    PersonLoginIn,
    PersonRegisterIn,
    PersonRegisterVerifyIn,
)
from anju.api.schemas.members import MemberAccountOut
from anju.domain.hall import HALL_STATEMENT_YEARS, PERSON_KIND
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.guard import hall_requires, public
from anju.http.hall_sessions import begin_hall_login, begin_registration, finish_registration
from anju.services import documents, members
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(prefix="/hall", tags=["个人网厅"], responses=ERROR_RESPONSES)


def _own_account_no(uow: UnitOfWork, session: Session) -> str:
    """The depositor's own account, from the session (never a number from the client)."""
    member_id = session.actor.member_id
    account = uow.members.account_of_person(member_id) if member_id is not None else None
    assert account is not None  # a depositor's session always has an account
    return account.account_no


@router.post(
    "/person/login",
    dependencies=[public()],
    response_model=HallChallengeOut,
    summary="个人登录第一步：证件号码和密码",
)
def person_login(body: PersonLoginIn, request: Request) -> HallChallengeOut:
    step = begin_hall_login(request, body.resident_id, body.password, kind=PERSON_KIND)
    assert step.challenge is not None
    assert step.phone_masked is not None
    return HallChallengeOut(challenge=step.challenge, phone_masked=step.phone_masked)


@router.post(
    "/person/register",
    dependencies=[public()],
    response_model=HallChallengeOut,
    summary="开通个人网厅第一步：证件号码、姓名、预留手机号码",
)
def register(body: PersonRegisterIn, request: Request) -> HallChallengeOut:
    step = begin_registration(request, body.resident_id, body.name, body.phone)
    assert step.challenge is not None
    assert step.phone_masked is not None
    return HallChallengeOut(challenge=step.challenge, phone_masked=step.phone_masked)


@router.post(
    "/person/register/verify",
    dependencies=[public()],
    response_model=HallSessionOut,
    summary="开通个人网厅第二步：短信验证码和登录密码",
)
def register_verify(body: PersonRegisterVerifyIn, request: Request) -> Response:
    outcome = finish_registration(request, body.challenge, body.code, body.password)
    return session_reply(request, outcome)


@router.get("/me", response_model=MemberAccountOut, summary="我的公积金账户（余额、缴至年月、状态）")
def my_account(
    request: Request, session: Session = hall_requires(P.HALL_PERSON, personal_data=True)
) -> MemberAccountOut:
    view = read(
        container_of(request).uow,
        lambda uow: members.get_member_account(uow, session.actor, _own_account_no(uow, session)),
    )
    return MemberAccountOut.of(view)


@router.get("/me/certificate", response_class=Response, responses=PDF_RESPONSE, summary="我的缴存证明（PDF）")
def my_certificate(
    request: Request, session: Session = hall_requires(P.HALL_PERSON, personal_data=True)
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.contribution_certificate(uow, session.actor, _own_account_no(uow, session)),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get(
    "/me/statement", response_class=Response, responses=PDF_RESPONSE, summary="我的个人明细（PDF，最长三年）"
)
def my_statement(
    request: Request,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    session: Session = hall_requires(P.HALL_PERSON, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.account_statement(
            uow,
            session.actor,
            _own_account_no(uow, session),
            start=start,
            end=end,
            max_years=HALL_STATEMENT_YEARS,
        ),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)
