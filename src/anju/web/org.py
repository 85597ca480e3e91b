"""Organisation pages (组织机构): branches (管理部), entrusted banks (受托银行), special accounts (专户)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import organisation
from anju.services.organisation import PURPOSE_LABELS
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import render

router = APIRouter(prefix="/org")

Text = Annotated[str, Form(max_length=255)]


def _branches_page(
    request: Request, session: Session, *, form: dict[str, Any], error: Any, status: int
) -> Response:
    branches = read(container_of(request).uow, lambda uow: organisation.list_branches(uow, session.actor))
    ctx = {"branches": branches, "form": form, "error": error, "can_manage": session.actor.has(P.ORG_MANAGE)}
    return render(request, "org/branches.html", ctx, status_code=status)


@router.get("/branches")
def branches(request: Request, created: str = "", session: Session = requires(P.ORG_VIEW)) -> Response:
    return _branches_page(request, session, form={"created": created[:20]}, error=None, status=200)


@router.post("/branches")
def create_branch(
    request: Request,
    *,
    code: Text = "",
    name: Text = "",
    address: Text = "",
    phone: Text = "",
    session: Session = requires(P.ORG_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> None:
        organisation.create_branch(uow, session.actor, code, name, address=address, phone=phone)

    try:
        run(container_of(request).uow, body)
    except AnjuError as exc:
        form = {"code": code, "name": name, "address": address, "phone": phone}
        return _branches_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/org/branches?created={code.strip()}", status_code=303)


def _banks_page(
    request: Request, session: Session, *, form: dict[str, Any], error: Any, status: int
) -> Response:
    banks = read(container_of(request).uow, lambda uow: organisation.list_banks(uow, session.actor))
    ctx = {"banks": banks, "form": form, "error": error, "can_manage": session.actor.has(P.ORG_MANAGE)}
    return render(request, "org/banks.html", ctx, status_code=status)


@router.get("/banks")
def banks(request: Request, created: str = "", session: Session = requires(P.ORG_VIEW)) -> Response:
    return _banks_page(request, session, form={"created": created[:20]}, error=None, status=200)


@router.post("/banks")
def create_bank(
    request: Request,
    code: Text = "",
    name: Text = "",
    node_no: Text = "",
    session: Session = requires(P.ORG_MANAGE),
) -> Response:
    try:
        run(
            container_of(request).uow,
            lambda uow: organisation.create_bank(uow, session.actor, code, name, node_no),
        )
    except AnjuError as exc:
        form = {"code": code, "name": name, "node_no": node_no}
        return _banks_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/org/banks?created={code.strip()}", status_code=303)


def _accounts_page(
    request: Request, session: Session, *, form: dict[str, Any], error: Any, status: int
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "accounts": organisation.list_centre_bank_accounts(uow, session.actor),
            "banks": organisation.list_banks(uow, session.actor),
            "branches": organisation.list_branches(uow, session.actor),
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(form=form, error=error, purposes=PURPOSE_LABELS, can_manage=session.actor.has(P.ORG_MANAGE))
    return render(request, "org/bank_accounts.html", ctx, status_code=status)


@router.get("/bank-accounts")
def bank_accounts(request: Request, created: str = "", session: Session = requires(P.ORG_VIEW)) -> Response:
    return _accounts_page(request, session, form={"created": created[:30]}, error=None, status=200)


@router.post("/bank-accounts")
def open_bank_account(
    request: Request,
    *,
    bank_code: Text = "",
    account_no: Text = "",
    account_name: Text = "",
    purpose: Text = "",
    branch_code: Text = "",
    opened_on: Text = "",
    session: Session = requires(P.ORG_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> str:
        view = organisation.open_centre_bank_account(
            uow,
            session.actor,
            bank_code,
            account_no,
            account_name,
            purpose=purpose,
            branch_code=branch_code or None,
            opened_on=parse_date(opened_on) if opened_on.strip() else None,
        )
        return view.account_no

    try:
        number = run(container_of(request).uow, body)
    except AnjuError as exc:
        form = {
            "bank_code": bank_code,
            "account_no": account_no,
            "account_name": account_name,
            "purpose": purpose,
            "branch_code": branch_code,
            "opened_on": opened_on,
        }
        return _accounts_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/org/bank-accounts?created={number}", status_code=303)
