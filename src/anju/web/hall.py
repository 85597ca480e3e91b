"""The unit web hall's pages (单位网厅): login with a password and an SMS code, the unit's own
overview, employees and remittances. Hall realm only (see http/guard.py): its own cookie, its
own error pages, and nothing of the counter's navigation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.domain.hall import HALL_STATEMENT_YEARS, PERSON_KIND
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of, session_of
from anju.http.downloads import pdf_response
from anju.http.errors import error_payload
from anju.http.guard import hall_requires, public
from anju.http.hall_sessions import (
    begin_hall_login,
    begin_registration,
    clear_hall_cookie,
    end_hall_session,
    finish_hall_login,
    finish_registration,
    set_hall_cookie,
)
from anju.services import documents, hall_auth, members, remittance, units
from anju.services.hall_auth import HallLoginOutcome
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.rendering import TEMPLATES, base_context

router = APIRouter(prefix="/hall")
PAGE = 50
NOTICES = {"logged_out": "您已安全退出单位网厅。"}


def render_hall(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    ctx = base_context(request, session_of(request), shell=None)
    ctx.update(context or {})
    return TEMPLATES.TemplateResponse(request, f"hall/{name}", ctx, status_code=status_code)


def _unit_no(uow: UnitOfWork, session: Session) -> str:
    unit_id = session.actor.unit_id
    unit = uow.units.get_by_id(unit_id) if unit_id is not None else None
    assert unit is not None  # a hall session always names its unit
    return unit.unit_account_no


def login_page_reply(request: Request, *, error: AnjuError | None = None, **context: Any) -> Response:
    """The halls' login page (the developer hall's too: web/hall_developer.py)."""
    ctx: dict[str, Any] = {"error": error_payload(error.code, error.details) if error else None, "login": ""}
    ctx.update(context)
    return render_hall(request, "login.html", ctx, status_code=error.http_status if error else 200)


@router.get("/login", dependencies=[public()])
def login_page(request: Request, notice: str = "", as_: Annotated[str, Query(alias="as")] = "") -> Response:
    return login_page_reply(
        request, notice=NOTICES.get(notice, ""), person=as_ == "person", developer=as_ == "developer"
    )


@router.post("/login", dependencies=[public()])
def login_submit(
    request: Request,
    login: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        step = begin_hall_login(request, login.strip(), password)
    except AnjuError as exc:
        return login_page_reply(request, error=exc, login=login.strip()[:40])
    return login_page_reply(request, challenge=step.challenge, phone_masked=step.phone_masked)


@router.post("/login/verify", dependencies=[public()])
def verify_submit(
    request: Request,
    challenge: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=8)] = "",
    phone_masked: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        outcome = finish_hall_login(request, challenge, code.strip())
    except AnjuError as exc:
        # A wrong code may be tried again with the same challenge; a void one starts over.
        again = exc.code == "sms_code_invalid"
        return login_page_reply(
            request, error=exc, challenge=challenge if again else None, phone_masked=phone_masked[:20]
        )
    return _logged_in(request, outcome)


def _logged_in(request: Request, outcome: HallLoginOutcome) -> Response:
    assert outcome.token is not None
    assert outcome.actor is not None
    home = "/hall/me" if outcome.actor.member_id is not None else "/hall"
    if outcome.actor.developer_id is not None:
        home = "/hall/developer"
    target = "/hall/password?required=1" if outcome.must_change_password else home
    response = RedirectResponse(target, status_code=303)
    set_hall_cookie(request, response, outcome.token)
    return response


@router.post("/person/login", dependencies=[public()])
def person_login_submit(
    request: Request,
    resident_id: Annotated[str, Form(max_length=18)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        step = begin_hall_login(request, resident_id.strip(), password, kind=PERSON_KIND)
    except AnjuError as exc:
        return login_page_reply(request, error=exc, person=True)
    return login_page_reply(request, challenge=step.challenge, phone_masked=step.phone_masked, person=True)


def _register_page(request: Request, *, error: AnjuError | None = None, **context: Any) -> Response:
    ctx: dict[str, Any] = {"error": error_payload(error.code, error.details) if error else None}
    ctx.update(context)
    return render_hall(request, "register.html", ctx, status_code=error.http_status if error else 200)


@router.get("/register", dependencies=[public()])
def register_page(request: Request) -> Response:
    return _register_page(request)


@router.post("/register", dependencies=[public()])
def register_submit(
    request: Request,
    resident_id: Annotated[str, Form(max_length=18)] = "",
    name: Annotated[str, Form(max_length=50)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        step = begin_registration(request, resident_id, name, phone)
    except AnjuError as exc:
        return _register_page(request, error=exc)
    return _register_page(request, challenge=step.challenge, phone_masked=step.phone_masked)


@router.post("/register/verify", dependencies=[public()])
def register_verify_submit(
    request: Request,
    challenge: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=8)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    phone_masked: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        outcome = finish_registration(request, challenge, code.strip(), password)
    except AnjuError as exc:
        # A wrong code or a weak password may be tried again with the same challenge.
        again = exc.code in {"sms_code_invalid", "password_too_weak", "password_contains_username"}
        return _register_page(
            request, error=exc, challenge=challenge if again else None, phone_masked=phone_masked[:20]
        )
    return _logged_in(request, outcome)


@router.post("/logout")
def logout_submit(
    request: Request, session: Session = hall_requires(P.HALL_SELF, allow_password_change_due=True)
) -> Response:
    end_hall_session(request, session.token)
    response = RedirectResponse("/hall/login?notice=logged_out", status_code=303)
    clear_hall_cookie(request, response)
    return response


@router.get("/password")
def password_page(
    request: Request,
    required: int = 0,
    done: int = 0,
    session: Session = hall_requires(P.HALL_SELF, allow_password_change_due=True),
) -> Response:
    return render_hall(
        request, "password.html", {"required": bool(required), "done": bool(done), "error": None}
    )


@router.post("/password")
def password_submit(
    request: Request,
    old_password: Annotated[str, Form(max_length=128)] = "",
    new_password: Annotated[str, Form(max_length=128)] = "",
    session: Session = hall_requires(P.HALL_SELF, allow_password_change_due=True),
) -> Response:
    try:
        run(
            container_of(request).uow,
            lambda uow: hall_auth.change_password(uow, session.actor, old_password, new_password),
        )
    except AnjuError as exc:
        error = error_payload(exc.code, exc.details)
        return render_hall(request, "password.html", {"required": False, "error": error}, status_code=422)
    return RedirectResponse("/hall/password?done=1", status_code=303)


@router.get("")
def home(request: Request, session: Session = hall_requires(P.HALL_UNIT)) -> Response:
    unit = read(
        container_of(request).uow, lambda uow: units.get_unit(uow, session.actor, _unit_no(uow, session))
    )
    return render_hall(request, "home.html", {"unit": unit})


@router.get("/members")
def member_list(
    request: Request, offset: int = 0, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> Response:
    start = max(0, min(offset, 10_000_000))
    page = read(
        container_of(request).uow,
        lambda uow: units.unit_members(uow, session.actor, _unit_no(uow, session), limit=PAGE, offset=start),
    )
    return render_hall(request, "members.html", {"page": page, "offset": start, "limit": PAGE})


@router.get("/members/{account_no}")
def member_detail(
    request: Request, account_no: str, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> Response:
    account = read(
        container_of(request).uow, lambda uow: members.get_member_account(uow, session.actor, account_no[:30])
    )
    return render_hall(request, "member.html", {"account": account})


@router.get("/rosters")
def roster_list(
    request: Request, session: Session = hall_requires(P.HALL_UNIT, personal_data=True)
) -> Response:
    rosters = read(
        container_of(request).uow,
        lambda uow: remittance.list_rosters(uow, session.actor, _unit_no(uow, session), limit=36),
    )
    return render_hall(request, "rosters.html", {"rosters": rosters})


# --- the personal hall: one's own account -----------------------------------------------------------


def _own_account_no(uow: UnitOfWork, session: Session) -> str:
    member_id = session.actor.member_id
    account = uow.members.account_of_person(member_id) if member_id is not None else None
    assert account is not None  # a depositor's session always has an account
    return account.account_no


@router.get("/me")
def my_account(
    request: Request, session: Session = hall_requires(P.HALL_PERSON, personal_data=True)
) -> Response:
    account = read(
        container_of(request).uow,
        lambda uow: members.get_member_account(uow, session.actor, _own_account_no(uow, session)),
    )
    return render_hall(request, "me.html", {"account": account})


@router.get("/me/certificate.pdf")
def my_certificate(
    request: Request, session: Session = hall_requires(P.HALL_PERSON, personal_data=True)
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.contribution_certificate(uow, session.actor, _own_account_no(uow, session)),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get("/me/statement.pdf")
def my_statement(
    request: Request, session: Session = hall_requires(P.HALL_PERSON, personal_data=True)
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.account_statement(
            uow, session.actor, _own_account_no(uow, session), max_years=HALL_STATEMENT_YEARS
        ),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)
