"""The books (会计核算): chart of accounts, vouchers, the manual-voucher form, trial balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money
from anju.services import ledger
from anju.services.ledger import ManualVoucherCommand, ManualVoucherLine
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import render, render_fragment

router = APIRouter(prefix="/ledger")

PAGE_SIZE = 50
EMPTY_LINES = 2
VoucherNoPath = Annotated[str, Path(min_length=1, max_length=40)]
Lines = Annotated[list[str], Form(max_length=100)]


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


@router.get("/chart")
def chart(request: Request, session: Session = requires(P.LEDGER_VIEW)) -> Response:
    accounts = read(container_of(request).uow, lambda uow: ledger.list_chart(uow, session.actor))
    return render(request, "ledger/chart.html", {"accounts": accounts})


@router.get("/vouchers")
def vouchers(
    request: Request,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    session: Session = requires(P.LEDGER_VIEW),
) -> Response:
    items = read(
        container_of(request).uow,
        lambda uow: ledger.list_vouchers(uow, session.actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
    )
    ctx = {
        "vouchers": items,
        "page": page,
        "has_next": len(items) == PAGE_SIZE,
        "can_post": session.actor.has(P.LEDGER_POST_MANUAL),
    }
    return render(request, "ledger/vouchers.html", ctx)


def _postable(uow: UnitOfWork, session: Session) -> list[Any]:
    return [a for a in ledger.list_chart(uow, session.actor) if a.postable]


def _form_page(
    request: Request,
    session: Session,
    *,
    lines: list[LineInput],
    memo: str = "",
    value_date: str = "",
    form_ref: str,
    error: Any = None,
    status: int = 200,
) -> Response:
    accounts = read(container_of(request).uow, lambda uow: _postable(uow, session))
    ctx = {
        "accounts": accounts,
        "lines": lines,
        "memo": memo,
        "value_date": value_date,
        "form_ref": form_ref,
        "error": error,
    }
    return render(request, "ledger/voucher_new.html", ctx, status_code=status)


@router.get("/vouchers/new")
def new_voucher(request: Request, session: Session = requires(P.LEDGER_POST_MANUAL)) -> Response:
    # A one-time reference: submitting the same form twice posts once (the ledger replays it).
    form_ref = container_of(request).crypto.random_token(16)
    lines = [LineInput(side="debit"), LineInput(side="credit")]
    return _form_page(request, session, lines=lines, form_ref=form_ref)


@router.get("/vouchers/new/line")
def new_voucher_line(request: Request, session: Session = requires(P.LEDGER_POST_MANUAL)) -> Response:
    accounts = read(container_of(request).uow, lambda uow: _postable(uow, session))
    return render_fragment(request, "ledger/_voucher_line.html", {"accounts": accounts, "line": LineInput()})


@router.post("/vouchers/new")
def post_voucher(
    request: Request,
    *,
    memo: Annotated[str, Form(max_length=200)] = "",
    value_date: Annotated[str, Form(max_length=20)] = "",
    form_ref: Annotated[str, Form(max_length=64)] = "",
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
            idempotency_ref=form_ref or None,
            value_date=parse_date(value_date) if value_date.strip() else None,
        )
        return ledger.post_manual_voucher(uow, session.actor, command).voucher_no

    try:
        voucher_no = run(container_of(request).uow, body)
    except AnjuError as exc:
        kept = lines + [LineInput(side="credit")] * max(0, EMPTY_LINES - len(lines))
        return _form_page(
            request,
            session,
            lines=kept,
            memo=memo,
            value_date=value_date,
            form_ref=form_ref,
            error=error_of(exc),
            status=exc.http_status,
        )
    return RedirectResponse(f"/ledger/vouchers/{voucher_no}?posted=1", status_code=303)


def _voucher_page(
    request: Request,
    session: Session,
    voucher_no: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    view = read(container_of(request).uow, lambda uow: ledger.get_voucher(uow, session.actor, voucher_no))
    debit = Money(sum(p.amount.fen for p in view.postings if p.side == "debit"))
    credit = Money(sum(p.amount.fen for p in view.postings if p.side == "credit"))
    ctx = {
        "voucher": view,
        "debit_total": debit,
        "credit_total": credit,
        "flash": flash,
        "error": error,
        "can_reverse": session.actor.has(P.LEDGER_REVERSE) and not view.reversed_by and not view.reverses,
    }
    return render(request, "ledger/voucher.html", ctx, status_code=status)


@router.get("/vouchers/{voucher_no}")
def voucher(
    request: Request,
    voucher_no: VoucherNoPath,
    posted: int = 0,
    reversed: int = 0,
    session: Session = requires(P.LEDGER_VIEW),
) -> Response:
    flash = "凭证已记账。" if posted else ("冲销凭证已记账。" if reversed else "")
    return _voucher_page(request, session, voucher_no, flash=flash)


@router.post("/vouchers/{voucher_no}/reverse")
def reverse(
    request: Request,
    voucher_no: VoucherNoPath,
    reason: Annotated[str, Form(max_length=200)] = "",
    session: Session = requires(P.LEDGER_REVERSE),
) -> Response:
    try:
        reversal = run(
            container_of(request).uow,
            lambda uow: ledger.reverse_voucher(uow, session.actor, voucher_no, reason),
        )
    except AnjuError as exc:
        return _voucher_page(request, session, voucher_no, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/ledger/vouchers/{reversal.voucher_no}?reversed=1", status_code=303)


@router.get("/trial-balance")
def trial_balance(request: Request, as_of: str = "", session: Session = requires(P.LEDGER_VIEW)) -> Response:
    error = None
    day = None
    if as_of.strip():
        try:
            day = parse_date(as_of)
        except AnjuError as exc:
            error = error_of(exc)
    view = read(container_of(request).uow, lambda uow: ledger.trial_balance(uow, session.actor, day))
    balanced = view.debit_total == view.credit_total and view.debit_balances == view.credit_balances
    ctx = {"tb": view, "as_of": day.isoformat() if day else "", "error": error, "balanced": balanced}
    return render(request, "ledger/trial_balance.html", ctx)
