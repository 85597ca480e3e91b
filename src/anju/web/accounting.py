"""Accounting pages (会计核算): manual vouchers with maker-checker (制单 → 复核 → 记账), error
correction, period close, value-added income, fund management, and every book, statement and
statistical table as a page with Excel and PDF downloads."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.accounting import Report
from anju.domain.security import Actor
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import excel_response, file_response
from anju.http.errors import error_payload
from anju.http.guard import requires
from anju.money import Money
from anju.reports.pdf import PDF_MEDIA_TYPE
from anju.reports.statements import cell_text, render_pdf, report_sheet
from anju.services import accounting, bank, books, funds, ledger, value_added
from anju.services.calendar import current_business_date
from anju.services.ledger import ManualVoucherCommand, ManualVoucherLine
from anju.services.ports import UnitOfWork
from anju.services.report_catalogue import PARAM_LABELS, REPORTS, parse_params
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import CHINA_STANDARD_TIME, render, render_fragment

router = APIRouter(prefix="/accounting")

NumberPath = Annotated[str, Path(min_length=1, max_length=20)]
VoucherNoPath = Annotated[str, Path(min_length=1, max_length=40)]
Lines = Annotated[list[str], Form(max_length=100)]
Text = Annotated[str, Form(max_length=200)]
Param = Annotated[str, Query(max_length=40)]


# --- manual vouchers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineInput:
    """One line of the voucher form as typed (kept when the voucher is refused)."""

    gl_code: str = ""
    side: str = "debit"
    amount: str = ""
    account_no: str = ""

    @property
    def blank(self) -> bool:
        return not (self.gl_code or self.amount or self.account_no)


def typed_lines(
    gl_code: list[str], side: list[str], amount: list[str], account_no: list[str]
) -> list[LineInput]:
    """The voucher form's non-blank lines as typed (columns of repeated fields, any lengths)."""
    count = max(len(gl_code), len(side), len(amount), len(account_no))

    def at(values: list[str], i: int, default: str = "") -> str:
        return values[i].strip()[:40] if i < len(values) else default

    typed = [
        LineInput(at(gl_code, i), at(side, i, "debit"), at(amount, i), at(account_no, i))
        for i in range(count)
    ]
    return [line for line in typed if not line.blank]


def voucher_lines(lines: list[LineInput]) -> tuple[ManualVoucherLine, ...]:
    """The typed lines as the service takes them (an amount that is not yuan raises its error)."""
    return tuple(
        ManualVoucherLine(
            gl_code=line.gl_code,
            side=line.side,
            amount=Money.from_yuan(line.amount),
            account_no=line.account_no or None,
        )
        for line in lines
    )


@router.get("/vouchers")
def vouchers(
    request: Request,
    state: Param = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = requires(P.LEDGER_VIEW),
) -> Response:
    size = 50
    items = read(
        container_of(request).uow,
        lambda uow: accounting.list_manual_vouchers(
            uow, session.actor, state=state or None, limit=size, offset=(page - 1) * size
        ),
    )
    ctx = {
        "vouchers": items,
        "state": state,
        "states": accounting.STATE_LABELS,
        "page": page,
        "has_next": len(items) == size,
        "can_make": session.actor.has(P.LEDGER_POST_MANUAL),
    }
    return render(request, "accounting/vouchers.html", ctx)


def _postable(uow: UnitOfWork, actor: Actor) -> list[Any]:
    return [a for a in ledger.list_chart(uow, actor) if a.postable]


def _form(
    request: Request,
    session: Session,
    *,
    lines: list[LineInput],
    memo: str = "",
    value_date: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    accounts = read(container_of(request).uow, lambda uow: _postable(uow, session.actor))
    ctx = {"accounts": accounts, "lines": lines, "memo": memo, "value_date": value_date, "error": error}
    return render(request, "accounting/voucher_new.html", ctx, status_code=status)


@router.get("/vouchers/new")
def new_voucher(request: Request, session: Session = requires(P.LEDGER_POST_MANUAL)) -> Response:
    return _form(request, session, lines=[LineInput(side="debit"), LineInput(side="credit")])


@router.get("/vouchers/new/line")
def new_voucher_line(request: Request, session: Session = requires(P.LEDGER_POST_MANUAL)) -> Response:
    accounts = read(container_of(request).uow, lambda uow: _postable(uow, session.actor))
    return render_fragment(request, "ledger/_voucher_line.html", {"accounts": accounts, "line": LineInput()})


@router.post("/vouchers/new")
def make_voucher(
    request: Request,
    *,
    memo: Text = "",
    value_date: Annotated[str, Form(max_length=20)] = "",
    gl_code: Lines = [],  # noqa: B006 - FastAPI copies defaults
    side: Lines = [],  # noqa: B006
    amount: Lines = [],  # noqa: B006
    account_no: Lines = [],  # noqa: B006
    session: Session = requires(P.LEDGER_POST_MANUAL),
) -> Response:
    lines = typed_lines(gl_code, side, amount, account_no)

    def body(uow: UnitOfWork) -> str:
        command = ManualVoucherCommand(
            lines=voucher_lines(lines),
            memo=memo,
            value_date=parse_date(value_date) if value_date.strip() else None,
        )
        return accounting.make_manual_voucher(uow, session.actor, command).number

    try:
        number = run(container_of(request).uow, body)
    except AnjuError as exc:
        kept = lines + [LineInput(side="credit")] * max(0, 2 - len(lines))
        return _form(
            request,
            session,
            lines=kept,
            memo=memo,
            value_date=value_date,
            error=error_of(exc),
            status=exc.http_status,
        )
    return RedirectResponse(f"/accounting/vouchers/{number}?done=made", status_code=303)


_FLASH = {
    "made": "凭证已保存，等待复核。",
    "reviewed": "凭证已复核，可以记账。",
    "rejected": "凭证已退回。",
    "posted": "凭证已记账。",
}


def _voucher_page(
    request: Request, session: Session, number: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    view = read(
        container_of(request).uow, lambda uow: accounting.get_manual_voucher(uow, session.actor, number)
    )
    actor = session.actor
    ctx = {
        "v": view,
        "flash": flash,
        "error": error,
        "debit_total": Money(sum(li.amount.fen for li in view.lines if li.side == "debit")),
        "credit_total": Money(sum(li.amount.fen for li in view.lines if li.side == "credit")),
        "can_review": actor.has(P.ACCOUNTING_REVIEW)
        and view.state == "draft"
        and view.maker != actor.username,
        "can_reject": actor.has(P.ACCOUNTING_REVIEW)
        and view.state in ("draft", "reviewed")
        and view.maker != actor.username,
        "can_post": actor.has(P.LEDGER_POST_MANUAL) and view.state == "reviewed",
    }
    return render(request, "accounting/voucher.html", ctx, status_code=status)


@router.get("/vouchers/{number}")
def voucher(
    request: Request, number: NumberPath, done: Param = "", session: Session = requires(P.LEDGER_VIEW)
) -> Response:
    return _voucher_page(request, session, number, flash=_FLASH.get(done, ""))


def _act(
    request: Request, session: Session, number: str, done: str, action: Callable[[UnitOfWork], object]
) -> Response:
    try:
        run(container_of(request).uow, action)
    except AnjuError as exc:
        return _voucher_page(request, session, number, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/vouchers/{number}?done={done}", status_code=303)


@router.post("/vouchers/{number}/review")
def review(
    request: Request, number: NumberPath, session: Session = requires(P.ACCOUNTING_REVIEW)
) -> Response:
    return _act(
        request,
        session,
        number,
        "reviewed",
        lambda uow: accounting.review_manual_voucher(uow, session.actor, number),
    )


@router.post("/vouchers/{number}/reject")
def reject(
    request: Request, number: NumberPath, reason: Text = "", session: Session = requires(P.ACCOUNTING_REVIEW)
) -> Response:
    return _act(
        request,
        session,
        number,
        "rejected",
        lambda uow: accounting.reject_manual_voucher(uow, session.actor, number, reason),
    )


@router.post("/vouchers/{number}/post")
def post(request: Request, number: NumberPath, session: Session = requires(P.LEDGER_POST_MANUAL)) -> Response:
    return _act(
        request,
        session,
        number,
        "posted",
        lambda uow: accounting.post_manual_voucher(uow, session.actor, number),
    )


@router.get("/vouchers/{number}/pdf")
def manual_voucher_pdf(
    request: Request, number: NumberPath, session: Session = requires(P.LEDGER_VIEW)
) -> Response:
    return _pdf(request, session, lambda uow: accounting.manual_voucher_print(uow, session.actor, number))


@router.get("/print/{voucher_no}")
def voucher_pdf(
    request: Request, voucher_no: VoucherNoPath, session: Session = requires(P.LEDGER_VIEW)
) -> Response:
    """Any posted voucher (记账凭证) as PDF."""
    return _pdf(request, session, lambda uow: accounting.voucher_print(uow, session.actor, voucher_no))


@router.post("/corrections")
def correction(
    request: Request,
    voucher_no: Annotated[str, Form(max_length=40)] = "",
    reason: Text = "",
    session: Session = requires(P.LEDGER_REVERSE),
) -> Response:
    """错账调整: ask for the reviewed reversal of a voucher (from the voucher page)."""
    try:
        view = run(
            container_of(request).uow,
            lambda uow: accounting.make_correction(uow, session.actor, voucher_no, reason),
        )
    except AnjuError as exc:
        return render(
            request,
            "accounting/message.html",
            {"error": error_of(exc), "back": "/ledger/vouchers"},
            status_code=exc.http_status,
        )
    return RedirectResponse(f"/accounting/vouchers/{view.number}?done=made", status_code=303)


# --- periods -------------------------------------------------------------------------------------


def _periods_page(
    request: Request, session: Session, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    view = read(container_of(request).uow, lambda uow: accounting.list_periods(uow, session.actor))
    ctx = {"view": view, "flash": flash, "error": error, "can_close": session.actor.has(P.ACCOUNTING_CLOSE)}
    return render(request, "accounting/periods.html", ctx, status_code=status)


@router.get("/periods")
def periods(request: Request, closed: Param = "", session: Session = requires(P.LEDGER_VIEW)) -> Response:
    return _periods_page(request, session, flash=f"{closed} 已结账。" if closed else "")


@router.post("/periods/close")
def close(
    request: Request,
    period: Annotated[str, Form(max_length=10)] = "",
    session: Session = requires(P.ACCOUNTING_CLOSE),
) -> Response:
    try:
        view = run(container_of(request).uow, lambda uow: accounting.close_period(uow, session.actor, period))
    except AnjuError as exc:
        return _periods_page(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/periods?closed={view.period}", status_code=303)


# --- value-added income --------------------------------------------------------------------------


def _value_added_page(
    request: Request,
    session: Session,
    year: int,
    budget: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    uow_factory = container_of(request).uow
    months = read(uow_factory, lambda uow: value_added.monthly(uow, session.actor, year))
    plan = None
    plan_error = error
    if budget.strip() and error is None:
        try:
            amount = Money.from_yuan(budget.strip())
            plan = read(uow_factory, lambda uow: value_added.plan(uow, session.actor, year, amount))
        except AnjuError as exc:
            plan_error = error_of(exc)
    ctx = {
        "year": year,
        "months": months,
        "total": Money(sum(m.value_added_income.fen for m in months)),
        "budget": budget,
        "plan": plan,
        "error": plan_error,
        "flash": flash,
        "can_distribute": session.actor.has(P.ACCOUNTING_CLOSE),
    }
    return render(request, "accounting/value_added.html", ctx, status_code=status)


@router.get("/value-added")
def value_added_page(
    request: Request,
    year: Annotated[int, Query(ge=2000, le=2100)] | None = None,
    budget: Param = "",
    posted: Param = "",
    session: Session = requires(P.REPORTS_VIEW),
) -> Response:
    chosen = year or read(container_of(request).uow, current_business_date).year
    flash = f"增值收益分配凭证 {posted} 已记账。" if posted else ""
    return _value_added_page(request, session, chosen, budget, flash=flash)


@router.post("/value-added/distribute")
def distribute(
    request: Request,
    year: Annotated[int, Form(ge=2000, le=2100)],
    budget: Annotated[str, Form(max_length=20)] = "",
    session: Session = requires(P.ACCOUNTING_CLOSE),
) -> Response:
    try:
        amount = Money.from_yuan(budget.strip() or "0")
        view = run(
            container_of(request).uow, lambda uow: value_added.distribute(uow, session.actor, year, amount)
        )
    except AnjuError as exc:
        return _value_added_page(request, session, year, budget, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/value-added?year={year}&posted={view.voucher_no}", status_code=303)


# --- funds ---------------------------------------------------------------------------------------


def _funds_page(
    request: Request, session: Session, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    def body(uow: UnitOfWork) -> tuple[Report, list[Any], list[Any]]:
        return (
            books.bank_balances_report(uow, session.actor),
            funds.pending_refunds(uow, session.actor),
            funds.list_time_deposits(uow, session.actor, state="placed"),
        )

    report, refunds, deposits = read(container_of(request).uow, body)
    ctx = {
        "report": report,
        "refunds": refunds,
        "deposits": deposits,
        "deposit_kinds": funds.DEPOSIT_KINDS,
        "cell": cell_text,
        "flash": flash,
        "error": error,
        "can_book": session.actor.has(P.ACCOUNTING_FUNDS),
    }
    return render(request, "accounting/funds.html", ctx, status_code=status)


@router.get("/funds")
def funds_page(request: Request, posted: Param = "", session: Session = requires(P.REPORTS_VIEW)) -> Response:
    return _funds_page(request, session, flash=f"凭证 {posted} 已记账。" if posted else "")


@router.post("/funds/advice")
def fund_advice(
    request: Request,
    *,
    kind: Annotated[str, Form(max_length=20)] = "",
    bank_account_no: Annotated[str, Form(max_length=40)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    serial_no: Annotated[str, Form(max_length=60)] = "",
    session: Session = requires(P.ACCOUNTING_FUNDS),
) -> Response:
    """Book a bank advice: deposit interest (interest), collection fee (fee), loan fee (loan_fee)."""

    def body(uow: UnitOfWork) -> str:
        money = Money.from_yuan(amount.strip())
        if kind == "interest":
            view = funds.record_deposit_interest(
                uow, session.actor, bank_account_no=bank_account_no, amount=money, serial_no=serial_no
            )
        else:
            view = funds.record_bank_fee(
                uow,
                session.actor,
                bank_account_no=bank_account_no,
                amount=money,
                serial_no=serial_no,
                loan_fee=kind == "loan_fee",
            )
        return view.voucher_no

    try:
        voucher_no = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _funds_page(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/funds?posted={voucher_no}", status_code=303)


@router.post("/funds/time-deposits")
def place_time_deposit(
    request: Request,
    *,
    bank_account_no: Annotated[str, Form(max_length=40)] = "",
    deposit_no: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=10)] = "time",
    amount: Annotated[str, Form(max_length=20)] = "",
    rate: Annotated[str, Form(max_length=12)] = "",
    term_months: Annotated[str, Form(max_length=4)] = "",
    session: Session = requires(P.ACCOUNTING_FUNDS),
) -> Response:
    """定期/通知存款存入 (from the bank's certificate)."""

    def body(uow: UnitOfWork) -> str:
        record = funds.place_time_deposit(
            uow,
            session.actor,
            bank_account_no=bank_account_no,
            deposit_no=deposit_no,
            kind=kind,
            amount=Money.from_yuan(amount.strip()),
            rate=rate,
            term_months=int(term_months) if term_months.strip().isdigit() else None,
        )
        return record.placed_voucher_no

    try:
        voucher_no = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _funds_page(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/funds?posted={voucher_no}", status_code=303)


@router.post("/funds/time-deposits/{deposit_no}/draw")
def draw_time_deposit(
    request: Request,
    deposit_no: Annotated[str, Path(min_length=1, max_length=40)],
    interest: Annotated[str, Form(max_length=20)] = "",
    session: Session = requires(P.ACCOUNTING_FUNDS),
) -> Response:
    """定期/通知存款支取, with the interest the bank paid."""

    def body(uow: UnitOfWork) -> str:
        record = funds.draw_time_deposit(
            uow, session.actor, deposit_no=deposit_no, interest=Money.from_yuan(interest.strip() or "0")
        )
        return record.drawn_voucher_no or ""

    try:
        voucher_no = run(container_of(request).uow, body)
    except AnjuError as exc:
        return _funds_page(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/accounting/funds?posted={voucher_no}", status_code=303)


@router.post("/funds/refunds/{case_no}/pay")
def pay_refund(
    request: Request,
    case_no: Annotated[str, Path(min_length=1, max_length=30)],
    *,
    from_account: Annotated[str, Form(max_length=40)] = "",
    payee_bank_code: Annotated[str, Form(max_length=12)] = "",
    session: Session = requires(P.ACCOUNTING_FUNDS),
) -> Response:
    """多缴退款: hand a booked refund to the bank, then send it (the outbox keeps it either way)."""
    container = container_of(request)
    try:
        view = run(
            container.uow,
            lambda uow: funds.pay_refund(
                uow, session.actor, case_no, from_account=from_account, payee_bank_code=payee_bank_code
            ),
        )
    except AnjuError as exc:
        return _funds_page(request, session, error=error_of(exc), status=exc.http_status)
    if container.bank is not None:
        with contextlib.suppress(AnjuError):
            bank.dispatch(container.uow, container.bank, view.e2e_id)
    return RedirectResponse(f"/bank/instructions/{view.e2e_id}", status_code=303)


# --- reports: one page, Excel and PDF for every book, statement and table -------------------------


@router.get("/reports")
def reports_index(request: Request, session: Session = requires(P.REPORTS_VIEW)) -> Response:
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, spec in REPORTS.items():
        groups.setdefault(spec.group, []).append((name, spec.label))
    return render(request, "accounting/reports.html", {"groups": groups})


@router.get("/reports/{name}")
def report(
    request: Request,
    name: Annotated[str, Path(max_length=40)],
    format: Param = "html",
    session: Session = requires(P.REPORTS_VIEW),
) -> Response:
    spec = REPORTS.get(name)
    if spec is None:
        return render(
            request,
            "accounting/message.html",
            {"error": error_payload("unknown_report", {"name": name}), "back": "/accounting/reports"},
            status_code=404,
        )
    container = container_of(request)

    def body(uow: UnitOfWork) -> tuple[Report | None, dict[str, str], Any, str, Any]:
        today = current_business_date(uow)
        try:
            typed, shown = parse_params(spec, request.query_params, today)
            built: Report | None = spec.build(uow, session.actor, typed)
            problem = None
        except AnjuError as exc:
            built, shown, problem = (
                None,
                {n: (request.query_params.get(n) or "")[:40] for n in spec.params},
                error_of(exc),
            )
        return built, shown, problem, books.centre_name(uow), uow.now_utc()

    built, shown, problem, centre, now = read(container.uow, body)
    if built is not None and format == "xlsx":
        return excel_response(report_sheet(built))
    if built is not None and format == "pdf":
        printed = now.astimezone(CHINA_STANDARD_TIME)
        pdf = render_pdf(
            built,
            centre_name=centre,
            operator=session.actor.username,
            printed_at=printed,
            sm3=container.crypto.sm3,
        )
        return file_response(pdf, media_type=PDF_MEDIA_TYPE, filename=f"{built.code}.pdf")
    ctx = {
        "name": name,
        "spec": spec,
        "report": built,
        "shown": shown,
        "labels": PARAM_LABELS,
        "error": problem,
        "cell": cell_text,
        "query": request.url.query,
    }
    return render(
        request,
        "accounting/report.html",
        ctx,
        status_code=422 if problem else 200,
    )


def _pdf(request: Request, session: Session, build: Callable[[UnitOfWork], Report]) -> Response:
    container = container_of(request)
    built, centre, now = read(container.uow, lambda uow: (build(uow), books.centre_name(uow), uow.now_utc()))
    pdf = render_pdf(
        built,
        centre_name=centre,
        operator=session.actor.username,
        printed_at=now.astimezone(CHINA_STANDARD_TIME),
        sm3=container.crypto.sm3,
    )
    return file_response(pdf, media_type=PDF_MEDIA_TYPE, filename=f"{built.code}.pdf")
