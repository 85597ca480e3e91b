"""Counter pages for remittance (汇缴): a unit's rosters (generate, adjust, confirm), payment entry,
suspense (allocate, refund), back-payment, arrears with notices, deferral and ratio reduction.

Every form posts to the service and either redirects (303) to the result or shows the same page
again with the Chinese message; a counter payment carries a one-time receipt number, so a double
submission posts once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import YearMonth, parse_date
from anju.domain.remittance import NOTICE_LABELS, RemittanceRuleViolation
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money, Rate
from anju.services import arrears, deferrals, remittance, units
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of, run_and_redirect
from anju.web.rendering import render

router = APIRouter(prefix="/remittance")

LINES_PAGE: Final = 50
ARREARS_PAGE: Final = 50
UnitNo = Annotated[str, Path(min_length=1, max_length=20)]
RosterId = Annotated[int, Path(ge=1, le=10**12)]
MemberNo = Annotated[str, Path(min_length=1, max_length=20)]
Text = Annotated[str, Form(max_length=200)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]

FLASH: Final = {
    "generated": "清册已生成（草稿），请核对后确认。",
    "back_payment": "补缴清册已生成（草稿），请逐月核对后确认。",
    "changed": "清册已调整。",
    "confirmed": "清册已确认，等待单位缴款。",
    "cancelled": "清册已作废。",
    "allocated": "已用暂收款支付清册，职工个人账户已入账。",
    "refunded": "退款已记账，等待银行付款。",
    "applied": "申请已受理，等待审核。",
    "reviewed": "已审核，等待审批。",
    "approved": "已审批。",
    "refused": "已作出不予批准的决定。",
}


def _go(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _yuan(text: str, label: str) -> Money:
    value = text.strip().replace(",", "")
    if not value:
        raise RemittanceRuleViolation("required_field", field=label)
    return Money.from_yuan(value)


def _day(text: str, label: str) -> date:
    if not text.strip():
        raise RemittanceRuleViolation("required_field", field=label)
    return parse_date(text)


# --- landing -------------------------------------------------------------------------------------


@router.get("")
def index(
    request: Request,
    unit: Annotated[str, Query(max_length=20)] = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    if unit.strip():
        return _go(f"/remittance/units/{unit.strip()}")
    return render(request, "remittance/index.html", {"can_manage": session.actor.has(P.COLLECTION_MANAGE)})


# --- a unit's remittance page --------------------------------------------------------------------


def _unit_page(
    request: Request,
    session: Session,
    unit_account_no: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        actor = session.actor
        day = current_business_date(uow)
        return {
            "unit": units.get_unit(uow, actor, unit_account_no),
            "rosters": remittance.list_rosters(uow, actor, unit_account_no, limit=24),
            "arrears": arrears.unit_arrears(uow, actor, unit_account_no),
            "candidates": arrears.back_payment_candidates(uow, actor, unit_account_no),
            "notices": arrears.list_notices(uow, actor, unit_account_no),
            "deferrals": deferrals.list_deferrals(uow, actor, unit_account_no=unit_account_no, limit=10),
            "current_month": str(YearMonth.of(day)),
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(
        flash=flash,
        error=error,
        can_manage=session.actor.has(P.COLLECTION_MANAGE),
        notice_labels=NOTICE_LABELS,
        ym=YearMonth.parse,
    )
    return render(request, "remittance/unit.html", ctx, status_code=status)


@router.get("/units/{unit_account_no}")
def unit_page(
    request: Request, unit_account_no: UnitNo, done: str = "", session: Session = requires(P.COLLECTION_VIEW)
) -> Response:
    return _unit_page(request, session, unit_account_no, flash=FLASH.get(done, ""))


def _unit_action(
    request: Request, session: Session, unit_account_no: str, fn: Callable[[UnitOfWork], str]
) -> Response:
    try:
        target = run(container_of(request).uow, fn)
    except AnjuError as exc:
        return _unit_page(request, session, unit_account_no, error=error_of(exc), status=exc.http_status)
    return _go(target)


@router.post("/units/{unit_account_no}/rosters")
def generate(
    request: Request,
    unit_account_no: UnitNo,
    month: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> str:
        view = remittance.generate_roster(uow, session.actor, unit_account_no, month)
        return f"/remittance/rosters/{view.id}?done=generated"

    return _unit_action(request, session, unit_account_no, body)


@router.post("/units/{unit_account_no}/back-payments")
def back_payment(
    request: Request,
    unit_account_no: UnitNo,
    *,
    months: Annotated[list[str], Form(max_length=120)] = [],  # noqa: B006 - FastAPI copies defaults
    extra_months: Text = "",
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    chosen = [m.strip() for m in months if m.strip()]
    chosen += [m.strip() for m in extra_months.replace("，", ",").split(",") if m.strip()]

    def body(uow: UnitOfWork) -> str:
        views = remittance.generate_back_payment(uow, session.actor, unit_account_no, chosen, reason)
        if len(views) == 1:
            return f"/remittance/rosters/{views[0].id}?done=back_payment"
        return f"/remittance/units/{unit_account_no}?done=back_payment"

    return _unit_action(request, session, unit_account_no, body)


@router.post("/units/{unit_account_no}/notices")
def issue_notice(
    request: Request,
    unit_account_no: UnitNo,
    *,
    kind: Annotated[str, Form(max_length=12)] = "reminder",
    deadline: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> str:
        when = parse_date(deadline) if deadline.strip() else None
        view = arrears.issue_notice(uow, session.actor, unit_account_no, kind, deadline=when)
        return f"/remittance/notices/{view.notice_no}"

    return _unit_action(request, session, unit_account_no, body)


# --- a roster --------------------------------------------------------------------------------------


def _roster_page(
    request: Request,
    session: Session,
    roster_id: int,
    *,
    page: int = 1,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        actor = session.actor
        return {
            "roster": remittance.get_roster(uow, actor, roster_id),
            "lines": remittance.roster_lines(
                uow, actor, roster_id, limit=LINES_PAGE, offset=(page - 1) * LINES_PAGE
            ),
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(
        flash=flash,
        error=error,
        page=page,
        has_next=len(ctx["lines"]) == LINES_PAGE,
        can_manage=session.actor.has(P.COLLECTION_MANAGE),
    )
    return render(request, "remittance/roster.html", ctx, status_code=status)


@router.get("/rosters/{roster_id}")
def roster_page(
    request: Request,
    roster_id: RosterId,
    page: Page = 1,
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    return _roster_page(request, session, roster_id, page=page, flash=FLASH.get(done, ""))


def _roster_action(
    request: Request, session: Session, roster_id: int, fn: Callable[[UnitOfWork], object], done: str
) -> Response:
    try:
        run(container_of(request).uow, fn)
    except AnjuError as exc:
        return _roster_page(request, session, roster_id, error=error_of(exc), status=exc.http_status)
    return _go(f"/remittance/rosters/{roster_id}?done={done}")


@router.post("/rosters/{roster_id}/members")
def add_member(
    request: Request,
    roster_id: RosterId,
    *,
    member_account_no: Text = "",
    wage_base: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> object:
        base = _yuan(wage_base, "缴存基数") if wage_base.strip() else None
        return remittance.add_roster_member(uow, session.actor, roster_id, member_account_no, base)

    return _roster_action(request, session, roster_id, body, "changed")


@router.post("/rosters/{roster_id}/members/{member_account_no}/wage-base")
def change_base(
    request: Request,
    roster_id: RosterId,
    member_account_no: MemberNo,
    wage_base: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> object:
        return remittance.change_roster_base(
            uow, session.actor, roster_id, member_account_no, _yuan(wage_base, "缴存基数")
        )

    return _roster_action(request, session, roster_id, body, "changed")


@router.post("/rosters/{roster_id}/members/{member_account_no}/remove")
def remove_member(
    request: Request,
    roster_id: RosterId,
    member_account_no: MemberNo,
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> object:
        return remittance.remove_roster_member(uow, session.actor, roster_id, member_account_no)

    return _roster_action(request, session, roster_id, body, "changed")


@router.post("/rosters/{roster_id}/confirm")
def confirm(
    request: Request, roster_id: RosterId, session: Session = requires(P.COLLECTION_MANAGE)
) -> Response:
    return _roster_action(
        request,
        session,
        roster_id,
        lambda uow: remittance.confirm_roster(uow, session.actor, roster_id),
        "confirmed",
    )


@router.post("/rosters/{roster_id}/cancel")
def cancel(
    request: Request, roster_id: RosterId, session: Session = requires(P.COLLECTION_MANAGE)
) -> Response:
    return _roster_action(
        request,
        session,
        roster_id,
        lambda uow: remittance.cancel_roster(uow, session.actor, roster_id),
        "cancelled",
    )


# --- payment at the counter ----------------------------------------------------------------------

PAYMENT_FIELDS: Final = ("unit_account_no", "amount", "serial_no", "received_on", "value_date")


def _payment_form(
    request: Request, session: Session, form: dict[str, str], *, error: Any = None, status: int = 200
) -> Response:
    return render(request, "remittance/payment_new.html", {"form": form, "error": error}, status_code=status)


@router.get("/payments/new")
def new_payment(
    request: Request,
    unit: Annotated[str, Query(max_length=20)] = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    container = container_of(request)
    day = read(container.uow, current_business_date).isoformat()
    # A one-time receipt number: submitting the same form twice posts once (receipts are idempotent).
    serial = f"GM{day.replace('-', '')}{container.crypto.random_token(16)[:10].upper()}"
    form = {
        "unit_account_no": unit.strip(),
        "amount": "",
        "serial_no": serial,
        "received_on": day,
        "value_date": day,
    }
    return _payment_form(request, session, form)


@router.post("/payments/new")
def post_payment(
    request: Request,
    *,
    unit_account_no: Text = "",
    amount: Text = "",
    serial_no: Text = "",
    received_on: Text = "",
    value_date: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in PAYMENT_FIELDS}

    def body(uow: UnitOfWork) -> str:
        received = _day(received_on, "到账日期")
        receipt = remittance.receive_unit_payment(
            uow,
            session.actor,
            unit_account_no=unit_account_no.strip(),
            amount=_yuan(amount, "金额"),
            serial_no=serial_no,
            received_on=received,
            value_date=parse_date(value_date) if value_date.strip() else received,
            channel="counter",
        )
        return receipt.serial_no

    try:
        serial = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _payment_form(request, session, form, error=error_of(exc), status=exc.http_status)
    return _go(f"/remittance/payments/{serial}")


@router.get("/payments/{serial_no}")
def payment_receipt(
    request: Request,
    serial_no: Annotated[str, Path(min_length=1, max_length=40)],
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    receipt = read(
        container_of(request).uow, lambda uow: remittance.get_payment(uow, session.actor, serial_no)
    )
    return render(request, "remittance/payment.html", {"receipt": receipt})


# --- suspense --------------------------------------------------------------------------------------


def _suspense_page(
    request: Request,
    session: Session,
    unit_account_no: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    view = read(
        container_of(request).uow,
        lambda uow: remittance.suspense_of_unit(uow, session.actor, unit_account_no),
    )
    ctx = {"s": view, "flash": flash, "error": error, "can_manage": session.actor.has(P.COLLECTION_MANAGE)}
    return render(request, "remittance/suspense.html", ctx, status_code=status)


@router.get("/units/{unit_account_no}/suspense")
def suspense(
    request: Request, unit_account_no: UnitNo, done: str = "", session: Session = requires(P.COLLECTION_VIEW)
) -> Response:
    return _suspense_page(request, session, unit_account_no, flash=FLASH.get(done, ""))


def _suspense_action(
    request: Request, session: Session, unit_account_no: str, fn: Callable[[UnitOfWork], object], done: str
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/remittance/units/{unit_account_no}/suspense?done={done}",
        lambda error, status: _suspense_page(request, session, unit_account_no, error=error, status=status),
    )


@router.post("/units/{unit_account_no}/suspense/allocate")
def allocate(
    request: Request,
    unit_account_no: UnitNo,
    roster_id: Annotated[int, Form(ge=1, le=10**12)],
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> object:
        return remittance.allocate_suspense(uow, session.actor, unit_account_no, roster_id)

    return _suspense_action(request, session, unit_account_no, body, "allocated")


@router.post("/units/{unit_account_no}/suspense/refund")
def refund(
    request: Request,
    unit_account_no: UnitNo,
    *,
    amount: Text = "",
    reason: Text = "",
    payee_name: Text = "",
    payee_account_no: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def body(uow: UnitOfWork) -> object:
        return remittance.refund_suspense(
            uow,
            session.actor,
            unit_account_no,
            amount=_yuan(amount, "退款金额"),
            reason=reason,
            payee_name=payee_name,
            payee_account_no=payee_account_no,
        )

    return _suspense_action(request, session, unit_account_no, body, "refunded")


# --- arrears and notices ---------------------------------------------------------------------------


@router.get("/arrears")
def arrears_list(
    request: Request, page: Page = 1, session: Session = requires(P.COLLECTION_VIEW)
) -> Response:
    result = read(
        container_of(request).uow,
        lambda uow: arrears.list_arrears(
            uow, session.actor, limit=ARREARS_PAGE, offset=(page - 1) * ARREARS_PAGE
        ),
    )
    ctx = {
        "page_data": result,
        "page": page,
        "has_next": page * ARREARS_PAGE < result.total,
        "can_manage": session.actor.has(P.COLLECTION_MANAGE),
        "notice_labels": NOTICE_LABELS,
    }
    return render(request, "remittance/arrears.html", ctx)


@router.get("/notices/{notice_no}")
def notice(
    request: Request,
    notice_no: Annotated[str, Path(min_length=1, max_length=24)],
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    """The notice as a page to print (催缴文书); the documents module adds the PDF."""
    view = read(container_of(request).uow, lambda uow: arrears.get_notice(uow, session.actor, notice_no))
    return render(request, "remittance/notice.html", {"n": view})


# --- deferral and ratio reduction ------------------------------------------------------------------

DEFERRAL_FIELDS: Final = (
    "unit_account_no",
    "kind",
    "start_month",
    "end_month",
    "approving_body",
    "document_no",
    "unit_ratio",
    "member_ratio",
)


def _deferrals_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    error: Any = None,
    status: int = 200,
    state: str = "",
) -> Response:
    items = read(
        container_of(request).uow,
        lambda uow: deferrals.list_deferrals(uow, session.actor, state=state or None, limit=100),
    )
    ctx = {
        "items": items,
        "form": form or dict.fromkeys(DEFERRAL_FIELDS, "") | {"kind": "deferral"},
        "error": error,
        "state": state,
        "states": deferrals.STATE_LABELS,
        "can_manage": session.actor.has(P.COLLECTION_MANAGE),
    }
    return render(request, "remittance/deferrals.html", ctx, status_code=status)


@router.get("/deferrals")
def deferral_list(
    request: Request,
    state: Annotated[str, Query(max_length=12)] = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    return _deferrals_page(request, session, state=state)


def _percent(text: str) -> Rate | None:
    value = text.strip().rstrip("%")
    return Rate.percent(value) if value else None


@router.post("/deferrals")
def apply(
    request: Request,
    *,
    unit_account_no: Text = "",
    kind: Text = "deferral",
    start_month: Text = "",
    end_month: Text = "",
    approving_body: Text = "",
    document_no: Text = "",
    unit_ratio: Text = "",
    member_ratio: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in DEFERRAL_FIELDS}

    def body(uow: UnitOfWork) -> int:
        view = deferrals.apply_deferral(
            uow,
            session.actor,
            unit_account_no=unit_account_no.strip(),
            kind=kind,
            start_month=start_month,
            end_month=end_month,
            approving_body=approving_body,
            document_no=document_no,
            unit_ratio=_percent(unit_ratio) if kind == "ratio_reduction" else None,
            member_ratio=_percent(member_ratio) if kind == "ratio_reduction" else None,
        )
        return view.id

    try:
        deferral_id = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _deferrals_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return _go(f"/remittance/deferrals/{deferral_id}?done=applied")


def _deferral_page(
    request: Request,
    session: Session,
    deferral_id: int,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    view = read(
        container_of(request).uow, lambda uow: deferrals.get_deferral(uow, session.actor, deferral_id)
    )
    ctx = {"d": view, "flash": flash, "error": error, "can_decide": session.actor.has(P.COLLECTION_APPROVE)}
    return render(request, "remittance/deferral.html", ctx, status_code=status)


@router.get("/deferrals/{deferral_id}")
def deferral_page(
    request: Request,
    deferral_id: Annotated[int, Path(ge=1, le=10**12)],
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    return _deferral_page(request, session, deferral_id, flash=FLASH.get(done, ""))


def _decide(
    request: Request, session: Session, deferral_id: int, fn: Callable[[UnitOfWork], object], done: str
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/remittance/deferrals/{deferral_id}?done={done}",
        lambda error, status: _deferral_page(request, session, deferral_id, error=error, status=status),
    )


@router.post("/deferrals/{deferral_id}/review")
def review(
    request: Request,
    deferral_id: Annotated[int, Path(ge=1, le=10**12)],
    session: Session = requires(P.COLLECTION_APPROVE),
) -> Response:
    return _decide(
        request,
        session,
        deferral_id,
        lambda uow: deferrals.review_deferral(uow, session.actor, deferral_id),
        "reviewed",
    )


@router.post("/deferrals/{deferral_id}/approve")
def approve(
    request: Request,
    deferral_id: Annotated[int, Path(ge=1, le=10**12)],
    session: Session = requires(P.COLLECTION_APPROVE),
) -> Response:
    return _decide(
        request,
        session,
        deferral_id,
        lambda uow: deferrals.approve_deferral(uow, session.actor, deferral_id),
        "approved",
    )


@router.post("/deferrals/{deferral_id}/refuse")
def refuse(
    request: Request,
    deferral_id: Annotated[int, Path(ge=1, le=10**12)],
    reason: Text = "",
    session: Session = requires(P.COLLECTION_APPROVE),
) -> Response:
    return _decide(
        request,
        session,
        deferral_id,
        lambda uow: deferrals.refuse_deferral(uow, session.actor, deferral_id, reason),
        "refused",
    )
