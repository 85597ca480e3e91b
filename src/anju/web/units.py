"""Counter pages for units (单位): search, registration, detail with members, changes, seal /
resume / cancel. A clerk sees and changes only the units of their own branch."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain import codes
from anju.domain.contributions import UNIT_STATUS_LABELS
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Rate
from anju.services import organisation, units
from anju.services.collection import CollectionRuleViolation
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.services.units import UnitChanges, UnitRegistration
from anju.web.forms import error_of
from anju.web.rendering import render, render_fragment

router = APIRouter(prefix="/units")

PAGE_SIZE: Final = 20
MEMBER_PAGE: Final = 20
UnitNo = Annotated[str, Path(min_length=1, max_length=20)]
Text = Annotated[str, Form(max_length=200)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]

FLASH: Final = {
    "created": "单位已登记开户。",
    "changed": "单位信息已变更。",
    "seal": "单位已封存，其正常状态的个人账户已一并封存。",
    "resume": "单位已启封。",
    "cancel": "单位已销户。",
}
UNIT_FIELDS: Final = (
    "name",
    "credit_code",
    "economic_type",
    "industry",
    "subordination",
    "address",
    "postcode",
    "email",
    "legal_rep_name",
    "handler_name",
    "handler_phone",
    "bank_code",
    "collection_account_no",
    "branch_code",
    "unit_ratio",
    "member_ratio",
    "payday",
    "established_on",
)


def _ratio(text: str, label: str) -> Rate:
    value = text.strip().rstrip("%")
    if not value:
        raise CollectionRuleViolation("required_field", field=label)
    return Rate.percent(value)


def _payday(text: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise CollectionRuleViolation("payday_out_of_range", value=value[:4] or "空", min=1, max=28)
    return int(value)


def _choices(uow: UnitOfWork, session: Session) -> dict[str, Any]:
    accounts = [
        a
        for a in organisation.list_centre_bank_accounts(uow, session.actor)
        if a.purpose == "collection" and a.status == "active"
    ]
    return {
        "banks": organisation.list_banks(uow, session.actor),
        "collection_accounts": accounts,
        "branches": organisation.list_branches(uow, session.actor) if session.actor.all_branches else [],
        "economic_types": codes.ECONOMIC_TYPES,
        "industry_sections": codes.INDUSTRY_SECTIONS,
        "subordinations": codes.SUBORDINATIONS,
    }


# --- list and search -----------------------------------------------------------------------------


@router.get("")
def list_units(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=2)] = "",
    page: Page = 1,
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    result = read(
        container_of(request).uow,
        lambda uow: units.list_units(
            uow, session.actor, text=q, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        ),
    )
    ctx = {
        "units": result.items,
        "total": result.total,
        "q": q,
        "status": status,
        "statuses": UNIT_STATUS_LABELS,
        "page": page,
        "has_next": page * PAGE_SIZE < result.total,
        "can_manage": session.actor.has(P.COLLECTION_MANAGE),
    }
    return render(request, "collection/units.html", ctx)


# --- registration --------------------------------------------------------------------------------


def _form_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str],
    error: Any = None,
    status: int = 200,
    unit: Any = None,
) -> Response:
    ctx = read(container_of(request).uow, lambda uow: _choices(uow, session))
    ctx.update(form=form, error=error, unit=unit)
    template = "collection/unit_edit.html" if unit is not None else "collection/unit_new.html"
    return render(request, template, ctx, status_code=status)


@router.get("/new")
def new_unit(request: Request, session: Session = requires(P.COLLECTION_MANAGE)) -> Response:
    form = dict.fromkeys(UNIT_FIELDS, "")
    form.update(unit_ratio="12", member_ratio="12", payday="10", economic_type="150")
    return _form_page(request, session, form=form)


@router.post("/new")
def register(
    request: Request,
    *,
    name: Text = "",
    credit_code: Text = "",
    economic_type: Text = "",
    industry: Text = "",
    subordination: Text = "",
    address: Text = "",
    postcode: Text = "",
    email: Text = "",
    legal_rep_name: Text = "",
    handler_name: Text = "",
    handler_phone: Text = "",
    bank_code: Text = "",
    collection_account_no: Text = "",
    branch_code: Text = "",
    unit_ratio: Text = "",
    member_ratio: Text = "",
    payday: Text = "",
    established_on: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in UNIT_FIELDS}

    def body(uow: UnitOfWork) -> str:
        reg = UnitRegistration(
            name=name,
            credit_code=credit_code,
            economic_type=economic_type,
            industry=industry,
            address=address,
            handler_name=handler_name,
            handler_phone=handler_phone,
            bank_code=bank_code,
            unit_ratio=_ratio(unit_ratio, "单位缴存比例"),
            member_ratio=_ratio(member_ratio, "个人缴存比例"),
            payday=_payday(payday),
            subordination=subordination or None,
            postcode=postcode or None,
            email=email or None,
            legal_rep_name=legal_rep_name or None,
            collection_account_no=collection_account_no or None,
            branch_code=branch_code or None,
            established_on=parse_date(established_on) if established_on.strip() else None,
        )
        return units.register_unit(uow, session.actor, reg).unit_account_no

    try:
        number = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _form_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/units/{number}?done=created", status_code=303)


# --- detail ----------------------------------------------------------------------------------------


def _detail(
    request: Request,
    session: Session,
    unit_account_no: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "unit": units.get_unit(uow, session.actor, unit_account_no),
            "members": units.unit_members(uow, session.actor, unit_account_no, limit=MEMBER_PAGE),
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(
        flash=flash,
        error=error,
        page=1,
        page_size=MEMBER_PAGE,
        close_reasons=codes.UNIT_CLOSE_REASONS,
        can_manage=session.actor.has(P.COLLECTION_MANAGE),
    )
    return render(request, "collection/unit.html", ctx, status_code=status)


@router.get("/{unit_account_no}")
def unit_detail(
    request: Request,
    unit_account_no: UnitNo,
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    return _detail(request, session, unit_account_no, flash=FLASH.get(done, ""))


@router.get("/{unit_account_no}/members")
def unit_members(
    request: Request,
    unit_account_no: UnitNo,
    page: Page = 1,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    """The member table of a unit, one page (an htmx fragment for the detail page)."""
    members = read(
        container_of(request).uow,
        lambda uow: units.unit_members(
            uow, session.actor, unit_account_no, limit=MEMBER_PAGE, offset=(page - 1) * MEMBER_PAGE
        ),
    )
    ctx = {"members": members, "page": page, "page_size": MEMBER_PAGE}
    return render_fragment(request, "collection/_unit_members.html", ctx)


# --- change ----------------------------------------------------------------------------------------


@router.get("/{unit_account_no}/edit")
def edit_unit(
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.COLLECTION_MANAGE, personal_data=True),
) -> Response:
    unit = read(container_of(request).uow, lambda uow: units.get_unit(uow, session.actor, unit_account_no))
    form = {
        "name": unit.name,
        "economic_type": unit.economic_type,
        "industry": unit.industry,
        "subordination": unit.subordination or "",
        "address": unit.address,
        "postcode": unit.postcode or "",
        "email": unit.email or "",
        "legal_rep_name": unit.legal_rep_name or "",
        "handler_name": unit.handler_name,
        "handler_phone": "",
        "bank_code": unit.bank_code,
        "collection_account_no": unit.collection_account_no,
        "unit_ratio": unit.unit_ratio.as_percent(),
        "member_ratio": unit.member_ratio.as_percent(),
        "payday": str(unit.payday),
        "established_on": unit.established_on.isoformat() if unit.established_on else "",
    }
    return _form_page(request, session, form=form, unit=unit)


@router.post("/{unit_account_no}/edit")
def change_unit(
    request: Request,
    unit_account_no: UnitNo,
    *,
    name: Text = "",
    economic_type: Text = "",
    industry: Text = "",
    subordination: Text = "",
    address: Text = "",
    postcode: Text = "",
    email: Text = "",
    legal_rep_name: Text = "",
    handler_name: Text = "",
    handler_phone: Text = "",
    bank_code: Text = "",
    collection_account_no: Text = "",
    unit_ratio: Text = "",
    member_ratio: Text = "",
    payday: Text = "",
    established_on: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in UNIT_FIELDS}

    def body(uow: UnitOfWork) -> None:
        changes = UnitChanges(
            name=name,
            economic_type=economic_type,
            industry=industry,
            subordination=subordination,
            address=address,
            postcode=postcode,
            email=email,
            legal_rep_name=legal_rep_name,
            handler_name=handler_name,
            handler_phone=handler_phone or None,  # blank: keep the stored (masked) number
            bank_code=bank_code or None,
            collection_account_no=collection_account_no or None,
            unit_ratio=_ratio(unit_ratio, "单位缴存比例"),
            member_ratio=_ratio(member_ratio, "个人缴存比例"),
            payday=_payday(payday),
            established_on=parse_date(established_on) if established_on.strip() else None,
        )
        units.change_unit(uow, session.actor, unit_account_no, changes)

    try:
        run(container_of(request).uow, body)
    except AnjuError as exc:
        unit = read(
            container_of(request).uow, lambda uow: units.get_unit(uow, session.actor, unit_account_no)
        )
        return _form_page(request, session, form=form, unit=unit, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/units/{unit_account_no}?done=changed", status_code=303)


# --- status ----------------------------------------------------------------------------------------


def _status_action(
    request: Request, session: Session, unit_account_no: str, action: str, fn: Any
) -> Response:
    try:
        run(container_of(request).uow, fn)
    except AnjuError as exc:
        return _detail(request, session, unit_account_no, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/units/{unit_account_no}?done={action}", status_code=303)


@router.post("/{unit_account_no}/seal")
def seal(
    request: Request,
    unit_account_no: UnitNo,
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _status_action(
        request,
        session,
        unit_account_no,
        "seal",
        lambda uow: units.seal_unit(uow, session.actor, unit_account_no, reason),
    )


@router.post("/{unit_account_no}/resume")
def resume(
    request: Request,
    unit_account_no: UnitNo,
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _status_action(
        request,
        session,
        unit_account_no,
        "resume",
        lambda uow: units.resume_unit(uow, session.actor, unit_account_no, reason),
    )


@router.post("/{unit_account_no}/cancel")
def cancel(
    request: Request,
    unit_account_no: UnitNo,
    close_reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _status_action(
        request,
        session,
        unit_account_no,
        "cancel",
        lambda uow: units.cancel_unit(uow, session.actor, unit_account_no, close_reason),
    )
