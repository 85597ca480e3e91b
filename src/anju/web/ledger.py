"""The books (会计核算), read-only: chart of accounts, vouchers, trial balance. Manual vouchers and
corrections (错账调整) go through /accounting (制单 → 复核 → 记账, ADR 0011)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money
from anju.services import ledger
from anju.services.runner import read
from anju.web.forms import error_of
from anju.web.rendering import render

router = APIRouter(prefix="/ledger")

PAGE_SIZE = 50
VoucherNoPath = Annotated[str, Path(min_length=1, max_length=40)]


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


@router.get("/vouchers/{voucher_no}")
def voucher(
    request: Request, voucher_no: VoucherNoPath, session: Session = requires(P.LEDGER_VIEW)
) -> Response:
    view = read(container_of(request).uow, lambda uow: ledger.get_voucher(uow, session.actor, voucher_no))
    ctx = {
        "voucher": view,
        "debit_total": Money(sum(p.amount.fen for p in view.postings if p.side == "debit")),
        "credit_total": Money(sum(p.amount.fen for p in view.postings if p.side == "credit")),
        # 错账调整 goes to review (/accounting/corrections); a reversal is never reversed again.
        "can_reverse": session.actor.has(P.LEDGER_REVERSE) and not view.reversed_by and not view.reverses,
    }
    return render(request, "ledger/voucher.html", ctx)


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
