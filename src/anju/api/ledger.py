"""The books (会计核算), read-only: chart, vouchers, trial balance, ledger check. Manual vouchers and
corrections (错账调整) are made, reviewed (复核) and posted under /api/v1/accounting (ADR 0011)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from anju.api.schemas.common import ERROR_RESPONSES, IsoDate, Limit, Offset
from anju.api.schemas.ledger import GlAccountOut, LedgerCheckOut, TrialBalanceOut, VoucherOut
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import ledger
from anju.services.runner import read, run

router = APIRouter(prefix="/ledger", tags=["会计核算"], responses=ERROR_RESPONSES)

VoucherNoPath = Annotated[str, Path(min_length=1, max_length=40, description="凭证号")]


@router.get("/chart", response_model=list[GlAccountOut], summary="会计科目表")
def chart(request: Request, session: Session = requires(P.LEDGER_VIEW)) -> list[GlAccountOut]:
    views = read(container_of(request).uow, lambda uow: ledger.list_chart(uow, session.actor))
    return [GlAccountOut.of(v) for v in views]


@router.get("/vouchers", response_model=list[VoucherOut], summary="凭证列表（最新在前）")
def vouchers(
    request: Request, limit: Limit = 50, offset: Offset = 0, session: Session = requires(P.LEDGER_VIEW)
) -> list[VoucherOut]:
    views = read(
        container_of(request).uow,
        lambda uow: ledger.list_vouchers(uow, session.actor, limit=limit, offset=offset),
    )
    return [VoucherOut.of(v) for v in views]


@router.get("/vouchers/{voucher_no}", response_model=VoucherOut, summary="凭证详情")
def voucher(
    request: Request, voucher_no: VoucherNoPath, session: Session = requires(P.LEDGER_VIEW)
) -> VoucherOut:
    view = read(container_of(request).uow, lambda uow: ledger.get_voucher(uow, session.actor, voucher_no))
    return VoucherOut.of(view)


@router.get("/trial-balance", response_model=TrialBalanceOut, summary="试算平衡表")
def trial_balance(
    request: Request, as_of: IsoDate | None = None, session: Session = requires(P.LEDGER_VIEW)
) -> TrialBalanceOut:
    view = read(container_of(request).uow, lambda uow: ledger.trial_balance(uow, session.actor, as_of))
    return TrialBalanceOut.of(view)


@router.get("/check", response_model=LedgerCheckOut, summary="账务核对（借贷平衡、余额、审计链）")
def check(request: Request, session: Session = requires(P.LEDGER_CHECK)) -> LedgerCheckOut:
    report = run(container_of(request).uow, lambda uow: ledger.run_ledger_check(uow, session.actor))
    return LedgerCheckOut(
        ok=report.ok,
        problems=report.problems,
        voucher_count=report.voucher_count,
        posting_count=report.posting_count,
        account_count=report.account_count,
        audit_rows_checked=report.audit_rows_checked,
    )
