"""Counter pages for withdrawals (提取): the list, the application form with a rule-by-rule
pre-check, one withdrawal with its decision, workflow and payment, the PDF receipt, and the
customer-management page (reason configuration, blacklist)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import file_response
from anju.http.guard import requires
from anju.money import Money
from anju.reports.pdf import PDF_MEDIA_TYPE
from anju.reports.withdrawals import render_withdrawal_receipt
from anju.services import data_sharing
from anju.services import withdrawal_agreements as agreements
from anju.services import withdrawals as svc
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.services.withdrawal_ports import REGISTRY_LABELS
from anju.web.forms import error_of, run_and_redirect
from anju.web.rendering import render, render_fragment

router = APIRouter(prefix="/withdrawals")

PAGE_SIZE: Final = 30
NoPath = Annotated[str, Path(min_length=1, max_length=24)]
Text = Annotated[str, Form(max_length=400)]
FLASH: Final = {
    "accepted": "提取申请已受理，等待审核。",
    "decided": "已处理。",
    "paying": "已提交银行付款。",
    "blacklisted": "已列入黑名单。",
    "unlisted": "已移出黑名单。",
    "consented": "授权已登记。",
    "agreed": "约定提取协议已签订，等待审批。",
    "agreement_approved": "约定提取协议已审批，到期由批处理自动提取。",
    "agreement_ended": "约定提取协议已终止。",
}
FORM_FIELDS: Final = (
    "account_no",
    "reason_code",
    "amount",
    "event_date",
    "cost",
    "amount_repaid",
    "monthly_rent",
    "rent_months",
    "property_ref",
    "owns_home_in_city",
    "payee_bank_code",
    "payee_name",
    "token",
    "use_data_sharing",
)


def _money(text: str) -> Money | None:
    text = text.strip()
    return Money.from_yuan(text) if text else None


def _request(form: dict[str, str], materials: list[str], payee_card: str) -> svc.WithdrawalRequest:
    home = form.get("owns_home_in_city", "")
    months = form.get("rent_months", "").strip()
    return svc.WithdrawalRequest(
        account_no=form["account_no"],
        reason_code=form["reason_code"],
        amount=_money(form["amount"]),
        payee_card=payee_card.strip() or None,
        payee_bank_code=form["payee_bank_code"].strip() or None,
        payee_name=form["payee_name"].strip() or None,
        materials=frozenset(m[:100] for m in materials[:30]),
        event_date=parse_date(form["event_date"]) if form["event_date"].strip() else None,
        cost=_money(form["cost"]),
        amount_repaid=_money(form["amount_repaid"]),
        monthly_rent=_money(form["monthly_rent"]),
        rent_months=int(months) if months.isdigit() and 0 < int(months) <= 12 else 1,
        property_ref=form["property_ref"] or None,
        owns_home_in_city={"yes": True, "no": False}.get(home),
    )


def _reasons(request: Request, session: Session) -> list[svc.ReasonView]:
    return read(container_of(request).uow, lambda uow: svc.reasons(uow, session.actor))


def _form_page(
    request: Request,
    session: Session,
    form: dict[str, str],
    materials: list[str],
    *,
    decision: Any = None,
    error: Any = None,
    status: int = 200,
) -> Response:
    reasons = _reasons(request, session)
    chosen = next((r for r in reasons if r.code == form.get("reason_code")), reasons[0] if reasons else None)
    ctx = {
        "form": form,
        "reasons": reasons,
        "chosen": chosen,
        "checked": set(materials),
        "decision": decision,
        "error": error,
    }
    return render(request, "withdrawals/new.html", ctx, status_code=status)


@router.get("")
def list_withdrawals(
    request: Request,
    *,
    state: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=24)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> Response:
    result = read(
        container_of(request).uow,
        lambda uow: svc.list_withdrawals(
            uow, session.actor, state=state, account_no=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        ),
    )
    ctx = {
        "items": result.items,
        "total": result.total,
        "state": state,
        "q": q,
        "states": svc.STATE_LABELS,
        "page": page,
        "has_next": page * PAGE_SIZE < result.total,
        "can_manage": session.actor.has(P.WITHDRAWAL_MANAGE),
    }
    return render(request, "withdrawals/list.html", ctx)


@router.get("/new")
def new_withdrawal(
    request: Request,
    account: Annotated[str, Query(max_length=20)] = "",
    reason: Annotated[str, Query(max_length=2)] = "",
    session: Session = requires(P.WITHDRAWAL_MANAGE, personal_data=True),
) -> Response:
    form = dict.fromkeys(FORM_FIELDS, "")
    form.update(account_no=account, reason_code=reason, token=uuid.uuid4().hex, rent_months="1")
    return _form_page(request, session, form, [])


@router.get("/materials")
def materials_fragment(
    request: Request,
    reason_code: Annotated[str, Query(max_length=2)] = "",
    session: Session = requires(P.WITHDRAWAL_VIEW),
) -> Response:
    """The required materials and limits of the reason chosen (htmx fragment of the form)."""
    reasons = _reasons(request, session)
    chosen = next((r for r in reasons if r.code == reason_code), None)
    return render_fragment(request, "withdrawals/_materials.html", {"chosen": chosen, "checked": set()})


@router.post("/new")
def submit(
    request: Request,
    *,
    account_no: Text = "",
    reason_code: Text = "",
    amount: Text = "",
    event_date: Text = "",
    cost: Text = "",
    amount_repaid: Text = "",
    monthly_rent: Text = "",
    rent_months: Text = "",
    property_ref: Text = "",
    owns_home_in_city: Text = "",
    payee_card: Text = "",
    payee_bank_code: Text = "",
    payee_name: Text = "",
    token: Text = "",
    intent: Annotated[str, Form(max_length=10)] = "check",
    use_data_sharing: Annotated[str, Form(max_length=3)] = "",
    materials: Annotated[list[str] | None, Form()] = None,
    session: Session = requires(P.WITHDRAWAL_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in FORM_FIELDS}
    chosen = list(materials or [])
    uow_factory = container_of(request).uow
    try:
        req = _request(form, chosen, payee_card)
        if intent != "submit":
            decision = read(uow_factory, lambda uow: svc.check_withdrawal(uow, session.actor, req))
            return _form_page(request, session, form, chosen, decision=decision)
        key = token or uuid.uuid4().hex
        if use_data_sharing:
            # Look up first, in a transaction of its own: the log must survive a refusal.
            results = run(
                uow_factory,
                lambda uow: svc.look_up_for(uow, session.actor, req, source_ref=key, source="web"),
            )
            view = run(
                uow_factory,
                lambda uow: svc.submit_with_data_sharing(
                    uow, session.actor, req, source="web", source_ref=key, results=results
                ),
            )
        else:
            view = run(
                uow_factory,
                lambda uow: svc.submit_withdrawal(uow, session.actor, req, source="web", source_ref=key),
            )
    except AnjuError as exc:
        return _form_page(request, session, form, chosen, error=error_of(exc), status=exc.http_status)
    done = "paying" if view.state == "paying" else "accepted"
    return RedirectResponse(f"/withdrawals/{view.withdrawal_no}?done={done}", status_code=303)


# --- customer management (before /{withdrawal_no}) ------------------------------------------------


@router.get("/admin")
def admin(request: Request, done: str = "", session: Session = requires(P.WITHDRAWAL_VIEW)) -> Response:
    return _admin_page(request, session, flash=FLASH.get(done, ""))


def _admin_page(
    request: Request, session: Session, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    uow = container_of(request).uow
    ctx = {
        "reasons": _reasons(request, session),
        "blacklist": read(uow, lambda u: svc.list_blacklist(u, session.actor)),
        "can_admin": session.actor.has(P.WITHDRAWAL_ADMIN),
        "flash": flash,
        "error": error,
    }
    return render(request, "withdrawals/admin.html", ctx, status_code=status)


@router.post("/admin/blacklist")
def blacklist_add(
    request: Request,
    account_no: Text = "",
    reason: Text = "",
    fraud_found_on: Text = "",
    session: Session = requires(P.WITHDRAWAL_ADMIN),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        found: date | None = parse_date(fraud_found_on) if fraud_found_on.strip() else None
        return svc.add_to_blacklist(uow, session.actor, account_no, reason, found)

    return run_and_redirect(
        request,
        fn,
        "/withdrawals/admin?done=blacklisted",
        lambda error, status: _admin_page(request, session, error=error, status=status),
    )


@router.post("/admin/blacklist/remove")
def blacklist_remove(
    request: Request,
    account_no: Text = "",
    reason: Text = "",
    session: Session = requires(P.WITHDRAWAL_ADMIN),
) -> Response:
    try:
        run(
            container_of(request).uow,
            lambda uow: svc.remove_from_blacklist(uow, session.actor, account_no, reason),
        )
    except AnjuError as exc:
        return _admin_page(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse("/withdrawals/admin?done=unlisted", status_code=303)


# --- a person's authorisations, look-ups and agreements (before /{withdrawal_no}) -----------------


def _person_page(
    request: Request, session: Session, account: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    uow_factory = container_of(request).uow
    ctx: dict[str, Any] = {"account": account, "flash": flash, "error": error, "registries": REGISTRY_LABELS}
    ctx.update(consents=[], lookups=[], agreements=[])
    if account:
        try:
            ctx["consents"] = read(
                uow_factory, lambda uow: data_sharing.consents(uow, session.actor, account)
            )
            ctx["lookups"] = read(
                uow_factory, lambda uow: data_sharing.lookup_log(uow, session.actor, account)
            )
            ctx["agreements"] = read(
                uow_factory, lambda uow: agreements.agreements_of(uow, session.actor, account)
            )
        except AnjuError as exc:
            ctx["error"] = ctx["error"] or error_of(exc)
    ctx["can_manage"] = session.actor.has(P.WITHDRAWAL_MANAGE)
    ctx["can_approve"] = session.actor.has(P.WITHDRAWAL_APPROVE)
    return render(request, "withdrawals/person.html", ctx, status_code=status)


@router.get("/person")
def person(
    request: Request,
    account: Annotated[str, Query(max_length=20)] = "",
    done: str = "",
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> Response:
    return _person_page(request, session, account.strip(), flash=FLASH.get(done, ""))


def _person_act(
    request: Request, session: Session, account: str, done: str, fn: Callable[[UnitOfWork], Any]
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/withdrawals/person?account={account}&done={done}",
        lambda error, status: _person_page(request, session, account, error=error, status=status),
    )


@router.post("/person/consents")
def add_consent(
    request: Request,
    *,
    account_no: Text = "",
    expires_on: Text = "",
    document_ref: Text = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    session: Session = requires(P.WITHDRAWAL_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        return data_sharing.record_consent(
            uow,
            session.actor,
            account_no,
            scopes=frozenset(scopes or ()),
            expires_on=parse_date(expires_on),
            document_ref=document_ref,
        )

    return _person_act(request, session, account_no.strip(), "consented", fn)


@router.post("/person/agreements")
def add_agreement(
    request: Request,
    *,
    account_no: Text = "",
    reason_code: Text = "",
    amount: Text = "",
    monthly_rent: Text = "",
    period_months: Text = "1",
    first_due: Text = "",
    end_date: Text = "",
    payee_card: Text = "",
    payee_bank_code: Text = "",
    materials_complete: Annotated[str, Form(max_length=3)] = "",
    session: Session = requires(P.WITHDRAWAL_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        # The clerk confirms the reason's materials were collected (one box, not one per document).
        required = next((r.materials for r in svc.reasons(uow, session.actor) if r.code == reason_code), ())
        req = svc.WithdrawalRequest(
            account_no=account_no,
            reason_code=reason_code,
            amount=_money(amount),
            monthly_rent=_money(monthly_rent),
            payee_card=payee_card.strip() or None,
            payee_bank_code=payee_bank_code.strip() or None,
            materials=frozenset(required) if materials_complete else frozenset(),
            owns_home_in_city=False if reason_code in ("07", "L2") else None,
        )
        return agreements.create_agreement(
            uow,
            session.actor,
            req,
            period_months=int(period_months) if period_months.strip().isdigit() else 0,
            first_due=parse_date(first_due),
            end_date=parse_date(end_date) if end_date.strip() else None,
        )

    return _person_act(request, session, account_no.strip(), "agreed", fn)


@router.post("/agreements/{agreement_no}/approval")
def approve_agreement(
    request: Request,
    agreement_no: NoPath,
    account_no: Text = "",
    session: Session = requires(P.WITHDRAWAL_APPROVE),
) -> Response:
    return _person_act(
        request,
        session,
        account_no.strip(),
        "agreement_approved",
        lambda uow: agreements.approve_agreement(uow, session.actor, agreement_no),
    )


@router.post("/agreements/{agreement_no}/end")
def end_agreement(
    request: Request,
    agreement_no: NoPath,
    account_no: Text = "",
    reason: Text = "",
    session: Session = requires(P.WITHDRAWAL_MANAGE),
) -> Response:
    return _person_act(
        request,
        session,
        account_no.strip(),
        "agreement_ended",
        lambda uow: agreements.end_agreement(uow, session.actor, agreement_no, reason or "柜面终止"),
    )


# --- one withdrawal ---------------------------------------------------------------------------------


def _detail(
    request: Request, session: Session, no: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    view = read(container_of(request).uow, lambda uow: svc.get_withdrawal(uow, session.actor, no))
    actor = session.actor
    ctx = {
        "w": view,
        "flash": flash,
        "error": error,
        "can_decide": actor.has(P.WITHDRAWAL_APPROVE) and view.state in ("accepted", "reviewed", "approved"),
        "can_pay_again": actor.has(P.WITHDRAWAL_MANAGE) and view.state == "payment_failed",
        "has_receipt": view.state in ("paying", "paid"),
    }
    return render(request, "withdrawals/detail.html", ctx, status_code=status)


@router.get("/{withdrawal_no}")
def detail(
    request: Request,
    withdrawal_no: NoPath,
    done: str = "",
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> Response:
    return _detail(request, session, withdrawal_no, flash=FLASH.get(done, ""))


def _act(request: Request, session: Session, no: str, done: str, fn: Callable[[UnitOfWork], Any]) -> Response:
    try:
        view = run(container_of(request).uow, fn)
    except AnjuError as exc:
        return _detail(request, session, no, error=error_of(exc), status=exc.http_status)
    if getattr(view, "state", "") == "paying":
        done = "paying"
    return RedirectResponse(f"/withdrawals/{no}?done={done}", status_code=303)


@router.post("/{withdrawal_no}/decision")
def decide(
    request: Request,
    withdrawal_no: NoPath,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Text = "",
    session: Session = requires(P.WITHDRAWAL_APPROVE),
) -> Response:
    return _act(
        request,
        session,
        withdrawal_no,
        "decided",
        lambda uow: svc.decide_withdrawal(uow, session.actor, withdrawal_no, action, reason or None),
    )


@router.post("/{withdrawal_no}/payment")
def pay_again(
    request: Request,
    withdrawal_no: NoPath,
    payee_card: Text = "",
    payee_bank_code: Text = "",
    session: Session = requires(P.WITHDRAWAL_MANAGE),
) -> Response:
    return _act(
        request,
        session,
        withdrawal_no,
        "paying",
        lambda uow: svc.pay_again(
            uow,
            session.actor,
            withdrawal_no,
            payee_card=payee_card or None,
            payee_bank_code=payee_bank_code or None,
        ),
    )


@router.get("/{withdrawal_no}/receipt")
def receipt(
    request: Request,
    withdrawal_no: NoPath,
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(container.uow, lambda uow: svc.print_receipt(uow, session.actor, withdrawal_no))
    body = render_withdrawal_receipt(printed.content, container.crypto)
    return file_response(body, media_type=PDF_MEDIA_TYPE, filename=printed.filename)
