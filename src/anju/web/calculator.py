"""The public loan calculator page (公积金贷款计算器): mobile-first, no login, htmx.

The forms post to the two routes below; with htmx they swap in the result, without JavaScript
the whole page comes back with it. Both are `public_query()` routes (read-only, no CSRF token,
rate-limited per IP) and compute through the same service as POST /api/v1/loan-calculator/*.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from anju.dates import parse_date
from anju.domain.loans.limit import Contributor
from anju.domain.loans.schedule import RepaymentMethod
from anju.errors import AnjuError, RuleViolation
from anju.http.context import container_of
from anju.http.errors import error_payload
from anju.http.guard import public, public_query
from anju.money import Money
from anju.services import loan_calculator
from anju.services.loan_calculator import CalculatorTerms
from anju.services.runner import read
from anju.web.rendering import is_htmx, render, render_fragment

router = APIRouter()

Text = Annotated[str, Form(max_length=40)]
Choices = Annotated[list[str], Form(max_length=10)]
_YEARS_RE = re.compile(r"^[0-9]{1,3}$")

DEFAULT_SCHEDULE = {
    "principal": "300000.00",
    "annual_rate": "",
    "term_years": "20",
    "method": "equal_instalment",
    "home": "first",
    "disbursement_date": "",
}
DEFAULT_LIMIT = {
    "house_price": "1000000.00",
    "home": "first",
    "term_years": "30",
    "balance": "",
    "wage_base": "",
    "co_balance": "",
    "co_wage_base": "",
    "other_monthly_debt": "0.00",
    "uplifts": [],
}


class CalculatorInputError(RuleViolation):
    """A field of the calculator form is missing or malformed."""


class _Fields:
    """Parse form fields, collecting one Chinese message per bad field instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def fail(self, label: str, exc: AnjuError) -> None:
        self.errors.append({"field": label, "code": exc.code, "message": exc.message})

    def money(self, text: str, label: str, *, required: bool = True) -> Money:
        if not text.strip():
            if required:
                self.fail(label, CalculatorInputError("required_field", field=label))
            return Money.ZERO
        try:
            return Money.from_yuan(text)
        except AnjuError as exc:
            self.fail(label, exc)
            return Money.ZERO

    def months(self, years_text: str, label: str) -> int:
        text = years_text.strip()
        if not _YEARS_RE.match(text):
            self.fail(label, CalculatorInputError("calculator_years_invalid", field=label))
            return 0
        return int(text) * 12


def _terms(request: Request) -> CalculatorTerms:
    return read(container_of(request).uow, loan_calculator.calculator_terms)


def _page(request: Request, status_code: int = 200, **results: Any) -> Response:
    ctx: dict[str, Any] = {
        "terms": _terms(request),
        "schedule_form": DEFAULT_SCHEDULE,
        "limit_form": DEFAULT_LIMIT,
        "schedule_result": None,
        "limit_result": None,
    }
    ctx.update(results)
    return render(request, "calculator/index.html", ctx, status_code=status_code)


def _reply(request: Request, which: str, form: dict[str, Any], result: dict[str, Any]) -> Response:
    """The result fragment for htmx, or the whole page with the form as typed and the result."""
    status = 422 if result.get("errors") else 200
    if is_htmx(request):
        return render_fragment(request, f"calculator/_{which}.html", {"result": result}, status_code=status)
    return _page(request, status, **{f"{which}_form": form, f"{which}_result": result})


@router.get("/calculator", dependencies=[public()])
def calculator_page(request: Request) -> Response:
    return _page(request)


@router.post("/calculator/schedule", dependencies=[public_query()])
def schedule_submit(
    request: Request,
    *,
    principal: Text = "",
    annual_rate: Text = "",
    term_years: Text = "",
    method: Text = "equal_instalment",
    home: Text = "first",
    disbursement_date: Text = "",
) -> Response:
    form = {
        "principal": principal,
        "annual_rate": annual_rate,
        "term_years": term_years,
        "method": method,
        "home": home,
        "disbursement_date": disbursement_date,
    }
    fields = _Fields()
    amount = fields.money(principal, "贷款金额")
    months = fields.months(term_years, "贷款期限")
    rate = None
    if annual_rate.strip():
        try:
            rate = loan_calculator.parse_annual_rate(annual_rate.strip())
        except AnjuError as exc:
            fields.fail("年利率", exc)
    start = None
    if disbursement_date.strip():
        try:
            start = parse_date(disbursement_date)
        except AnjuError as exc:
            fields.fail("放款日期", exc)
    chosen = (
        RepaymentMethod.EQUAL_PRINCIPAL if method == "equal_principal" else RepaymentMethod.EQUAL_INSTALMENT
    )
    result: dict[str, Any] = {"errors": fields.errors}
    if not fields.errors:
        try:
            result["quote"] = read(
                container_of(request).uow,
                lambda uow: loan_calculator.quote_schedule(
                    uow,
                    principal=amount,
                    annual_rate=rate,
                    term_months=months,
                    method=chosen,
                    first_home=home != "second",
                    disbursement_date=start,
                ),
            )
        except RuleViolation as exc:
            result["errors"] = [error_payload(exc.code, exc.details)]
    return _reply(request, "schedule", form, result)


@router.post("/calculator/limit", dependencies=[public_query()])
def limit_submit(
    request: Request,
    *,
    house_price: Text = "",
    home: Text = "first",
    term_years: Text = "",
    balance: Text = "",
    wage_base: Text = "",
    co_balance: Text = "",
    co_wage_base: Text = "",
    other_monthly_debt: Text = "",
    uplifts: Choices | None = None,
) -> Response:
    chosen = [code for code in (uplifts or []) if code]
    form = {
        "house_price": house_price,
        "home": home,
        "term_years": term_years,
        "balance": balance,
        "wage_base": wage_base,
        "co_balance": co_balance,
        "co_wage_base": co_wage_base,
        "other_monthly_debt": other_monthly_debt,
        "uplifts": chosen,
    }
    fields = _Fields()
    price = fields.money(house_price, "房屋总价")
    months = fields.months(term_years, "贷款期限")
    borrower = Contributor(fields.money(balance, "借款人账户余额"), fields.money(wage_base, "借款人缴存基数"))
    co_borrower = None
    if co_balance.strip() or co_wage_base.strip():
        co_borrower = Contributor(
            fields.money(co_balance, "共同借款人账户余额"), fields.money(co_wage_base, "共同借款人缴存基数")
        )
    debt = fields.money(other_monthly_debt, "其他月还款", required=False)
    result: dict[str, Any] = {"errors": fields.errors}
    if not fields.errors:
        try:
            result["quote"] = read(
                container_of(request).uow,
                lambda uow: loan_calculator.quote_limit(
                    uow,
                    house_price=price,
                    first_home=home != "second",
                    borrower=borrower,
                    co_borrower=co_borrower,
                    other_monthly_debt=debt,
                    term_months=months,
                    uplifts=tuple(chosen),
                ),
            )
        except RuleViolation as exc:
            result["errors"] = [error_payload(exc.code, exc.details)]
    return _reply(request, "limit", form, result)
