"""Accounting (会计核算) JSON API: manual vouchers with maker-checker, error correction, period
close, value-added income distribution, bank advices, and every book, statement and table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.accounting import (
    BankAdviceIn,
    CorrectionIn,
    DistributionIn,
    DistributionOut,
    ManualVoucherOut,
    PendingRefundOut,
    PeriodOut,
    PeriodsOut,
    ReasonIn,
    RefundPaymentIn,
    ReportOut,
    TimeDepositDrawIn,
    TimeDepositIn,
    TimeDepositOut,
)
from anju.api.schemas.bank import InstructionOut
from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.ledger import ManualVoucherIn, VoucherOut
from anju.domain.security import Permission as P
from anju.errors import NotFound
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import accounting, funds, value_added
from anju.services.calendar import current_business_date
from anju.services.ledger import ManualVoucherCommand, ManualVoucherLine
from anju.services.ports import UnitOfWork
from anju.services.report_catalogue import REPORTS, parse_params
from anju.services.runner import read

router = APIRouter(prefix="/accounting", tags=["会计核算"], responses=ERROR_RESPONSES)

NumberPath = Annotated[str, Path(min_length=1, max_length=20, description="手工凭证号，如 202611-0001")]
PeriodPath = Annotated[str, Path(min_length=6, max_length=7, description="会计期间 YYYYMM")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]


@router.get("/vouchers", response_model=list[ManualVoucherOut], summary="手工凭证列表")
def vouchers(
    request: Request,
    state: Annotated[str, Query(max_length=10)] = "",
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.LEDGER_VIEW),
) -> list[ManualVoucherOut]:
    views = read(
        container_of(request).uow,
        lambda uow: accounting.list_manual_vouchers(
            uow, session.actor, state=state or None, limit=limit, offset=offset
        ),
    )
    return [ManualVoucherOut.of(v) for v in views]


@router.post("/vouchers", status_code=201, response_model=ManualVoucherOut, summary="手工凭证制单（待复核）")
def make_voucher(body: ManualVoucherIn, cmd: Command = command(P.LEDGER_POST_MANUAL)) -> Response:
    command_ = ManualVoucherCommand(
        lines=tuple(
            ManualVoucherLine(gl_code=li.gl_code, side=li.side, amount=li.amount, account_no=li.account_no)
            for li in body.lines
        ),
        memo=body.memo,
        value_date=body.value_date,
    )

    def run_(uow: UnitOfWork) -> ManualVoucherOut:
        return ManualVoucherOut.of(accounting.make_manual_voucher(uow, cmd.actor, command_))

    return cmd.execute(run_, status_code=201)


@router.get("/vouchers/{number}", response_model=ManualVoucherOut, summary="手工凭证详情")
def voucher(
    request: Request, number: NumberPath, session: Session = requires(P.LEDGER_VIEW)
) -> ManualVoucherOut:
    view = read(
        container_of(request).uow, lambda uow: accounting.get_manual_voucher(uow, session.actor, number)
    )
    return ManualVoucherOut.of(view)


@router.post("/vouchers/{number}/review", response_model=ManualVoucherOut, summary="复核（制单人以外）")
def review(number: NumberPath, cmd: Command = command(P.ACCOUNTING_REVIEW)) -> Response:
    return cmd.execute(
        lambda uow: ManualVoucherOut.of(accounting.review_manual_voucher(uow, cmd.actor, number)),
        status_code=200,
    )


@router.post("/vouchers/{number}/reject", response_model=ManualVoucherOut, summary="退回")
def reject(number: NumberPath, body: ReasonIn, cmd: Command = command(P.ACCOUNTING_REVIEW)) -> Response:
    return cmd.execute(
        lambda uow: ManualVoucherOut.of(
            accounting.reject_manual_voucher(uow, cmd.actor, number, body.reason)
        ),
        status_code=200,
    )


@router.post("/vouchers/{number}/post", response_model=ManualVoucherOut, summary="记账（已复核的凭证）")
def post(number: NumberPath, cmd: Command = command(P.LEDGER_POST_MANUAL)) -> Response:
    return cmd.execute(
        lambda uow: ManualVoucherOut.of(accounting.post_manual_voucher(uow, cmd.actor, number)),
        status_code=200,
    )


@router.post(
    "/corrections", status_code=201, response_model=ManualVoucherOut, summary="错账调整（冲销，待复核）"
)
def correction(body: CorrectionIn, cmd: Command = command(P.LEDGER_REVERSE)) -> Response:
    return cmd.execute(
        lambda uow: ManualVoucherOut.of(
            accounting.make_correction(uow, cmd.actor, body.voucher_no, body.reason)
        ),
        status_code=201,
    )


@router.get("/periods", response_model=PeriodsOut, summary="会计期间与结账")
def periods(request: Request, session: Session = requires(P.LEDGER_VIEW)) -> PeriodsOut:
    view = read(container_of(request).uow, lambda uow: accounting.list_periods(uow, session.actor))
    return PeriodsOut(
        business_date=view.business_date,
        closed_through=view.closed_through,
        next_to_close=view.next_to_close,
        periods=[PeriodOut.model_validate(p, from_attributes=True) for p in view.periods],
    )


@router.post("/periods/{period}/close", response_model=PeriodOut, summary="结账（12 月为年结）")
def close(period: PeriodPath, cmd: Command = command(P.ACCOUNTING_CLOSE)) -> Response:
    return cmd.execute(
        lambda uow: PeriodOut.model_validate(
            accounting.close_period(uow, cmd.actor, period), from_attributes=True
        ),
        status_code=200,
    )


@router.post(
    "/value-added/{year}/distribution",
    status_code=201,
    response_model=DistributionOut,
    summary="增值收益分配",
)
def distribute(year: YearPath, body: DistributionIn, cmd: Command = command(P.ACCOUNTING_CLOSE)) -> Response:
    def run_(uow: UnitOfWork) -> DistributionOut:
        view = value_added.distribute(uow, cmd.actor, year, body.management_budget)
        return DistributionOut(
            year=view.year,
            value_added_income=view.plan.value_added_income,
            year_end_loan_balance=view.year_end_loan_balance,
            risk_reserve=view.plan.risk_reserve,
            management_costs=view.plan.management_costs,
            low_rent_housing=view.plan.low_rent_housing,
            basis=view.plan.basis,
            voucher_no=view.voucher_no,
        )

    return cmd.execute(run_, status_code=201)


@router.post("/funds/interest", status_code=201, response_model=VoucherOut, summary="专户存款利息收入")
def deposit_interest(body: BankAdviceIn, cmd: Command = command(P.ACCOUNTING_FUNDS)) -> Response:
    return cmd.execute(
        lambda uow: VoucherOut.of(
            funds.record_deposit_interest(
                uow,
                cmd.actor,
                bank_account_no=body.bank_account_no,
                amount=body.amount,
                serial_no=body.serial_no,
            )
        ),
        status_code=201,
    )


@router.post("/funds/fees", status_code=201, response_model=VoucherOut, summary="银行手续费")
def bank_fee(body: BankAdviceIn, cmd: Command = command(P.ACCOUNTING_FUNDS)) -> Response:
    return cmd.execute(
        lambda uow: VoucherOut.of(
            funds.record_bank_fee(
                uow,
                cmd.actor,
                bank_account_no=body.bank_account_no,
                amount=body.amount,
                serial_no=body.serial_no,
                loan_fee=body.loan_fee,
            )
        ),
        status_code=201,
    )


@router.get("/funds/time-deposits", response_model=list[TimeDepositOut], summary="定期及通知存款")
def time_deposits(request: Request, session: Session = requires(P.REPORTS_VIEW)) -> list[TimeDepositOut]:
    views = read(container_of(request).uow, lambda uow: funds.list_time_deposits(uow, session.actor))
    return [TimeDepositOut.model_validate(v, from_attributes=True) for v in views]


@router.post(
    "/funds/time-deposits", status_code=201, response_model=TimeDepositOut, summary="定期/通知存款存入"
)
def place_time_deposit(body: TimeDepositIn, cmd: Command = command(P.ACCOUNTING_FUNDS)) -> Response:
    return cmd.execute(
        lambda uow: TimeDepositOut.model_validate(
            funds.place_time_deposit(
                uow,
                cmd.actor,
                bank_account_no=body.bank_account_no,
                deposit_no=body.deposit_no,
                kind=body.kind,
                amount=body.amount,
                rate=body.rate,
                term_months=body.term_months,
            ),
            from_attributes=True,
        ),
        status_code=201,
    )


@router.post(
    "/funds/time-deposits/{deposit_no}/withdrawal", response_model=TimeDepositOut, summary="定期/通知存款支取"
)
def draw_time_deposit(
    deposit_no: Annotated[str, Path(min_length=1, max_length=40)],
    body: TimeDepositDrawIn,
    cmd: Command = command(P.ACCOUNTING_FUNDS),
) -> Response:
    return cmd.execute(
        lambda uow: TimeDepositOut.model_validate(
            funds.draw_time_deposit(uow, cmd.actor, deposit_no=deposit_no, interest=body.interest),
            from_attributes=True,
        ),
        status_code=200,
    )


@router.get("/funds/refunds", response_model=list[PendingRefundOut], summary="待付多缴退款")
def refunds(request: Request, session: Session = requires(P.LEDGER_VIEW)) -> list[PendingRefundOut]:
    views = read(container_of(request).uow, lambda uow: funds.pending_refunds(uow, session.actor))
    return [PendingRefundOut.model_validate(v, from_attributes=True) for v in views]


@router.post(
    "/funds/refunds/{case_no}/payment",
    status_code=201,
    response_model=InstructionOut,
    summary="多缴退款付款（生成银行指令；发送见 /bank/instructions/{e2e_id}/dispatch）",
)
def pay_refund(
    case_no: Annotated[str, Path(min_length=1, max_length=30)],
    body: RefundPaymentIn,
    cmd: Command = command(P.ACCOUNTING_FUNDS),
) -> Response:
    return cmd.execute(
        lambda uow: InstructionOut.of(
            funds.pay_refund(
                uow, cmd.actor, case_no, from_account=body.from_account, payee_bank_code=body.payee_bank_code
            )
        ),
        status_code=201,
    )


@router.get("/reports/{name}", response_model=ReportOut, summary="账簿、财务报表与统计报表")
def report(
    request: Request, name: Annotated[str, Path(max_length=40)], session: Session = requires(P.REPORTS_VIEW)
) -> ReportOut:
    """Parameters by report: as_of, start, end (YYYY-MM-DD), year, month (YYYYMM), code, account,
    page, table (collection / withdrawal / loan); defaults come from the business date."""
    spec = REPORTS.get(name)
    if spec is None:
        raise NotFound("unknown_report", name=name)

    def body(uow: UnitOfWork) -> ReportOut:
        typed, _ = parse_params(spec, request.query_params, current_business_date(uow))
        return ReportOut.of(spec.build(uow, session.actor, typed))

    return read(container_of(request).uow, body)
