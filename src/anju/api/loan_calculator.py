"""The public loan calculator (贷款计算器): no login, read-only, rate-limited per IP.

Both routes are POST because their inputs (balances, wages, debts) stay out of URLs and access
logs, and both are `public_query()`: they change nothing, so they take neither an
Idempotency-Key nor a CSRF token (http/guard.py explains the declaration).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.loan_calculator import LimitQuoteIn, LimitQuoteOut, ScheduleQuoteIn, ScheduleQuoteOut
from anju.domain.loans.limit import Contributor
from anju.domain.loans.schedule import RepaymentMethod
from anju.http.context import container_of
from anju.http.guard import public_query
from anju.services import loan_calculator
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/loan-calculator", tags=["贷款计算器"], responses=ERROR_RESPONSES)


@router.post(
    "/schedule",
    dependencies=[public_query()],
    response_model=ScheduleQuoteOut,
    summary="还款计划试算（无需登录）",
)
def schedule(body: ScheduleQuoteIn, request: Request) -> ScheduleQuoteOut:
    rate = loan_calculator.parse_annual_rate(body.annual_rate)

    def query(uow: UnitOfWork) -> loan_calculator.ScheduleQuote:
        return loan_calculator.quote_schedule(
            uow,
            principal=body.principal,
            annual_rate=rate,
            term_months=body.term_months,
            method=RepaymentMethod(body.method),
            first_home=body.first_home,
            disbursement_date=body.disbursement_date,
        )

    return ScheduleQuoteOut.of(read(container_of(request).uow, query))


@router.post(
    "/limit",
    dependencies=[public_query()],
    response_model=LimitQuoteOut,
    summary="可贷额度试算（无需登录）",
)
def limit(body: LimitQuoteIn, request: Request) -> LimitQuoteOut:
    co = body.co_borrower

    def query(uow: UnitOfWork) -> loan_calculator.LimitQuote:
        return loan_calculator.quote_limit(
            uow,
            house_price=body.house_price,
            first_home=body.first_home,
            borrower=Contributor(body.borrower.balance, body.borrower.wage_base),
            co_borrower=Contributor(co.balance, co.wage_base) if co is not None else None,
            other_monthly_debt=body.other_monthly_debt,
            term_months=body.term_months,
            uplifts=tuple(body.uplifts),
        )

    return LimitQuoteOut.of(read(container_of(request).uow, query))
