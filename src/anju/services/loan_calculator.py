"""The public loan calculator (公积金贷款计算器): schedules and limits on the policy in force.

Queries only: nothing is written, nothing is audited (no personal record is touched), and the
entry points call these through `runner.read`. The policy and the rates are those in force on
the business date, so the calculator always agrees with what the counter would compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anju.domain.loans.limit import Contributor, LimitDecision, LimitRequest, RuleSource, loan_limit
from anju.domain.loans.schedule import (
    RepaymentMethod,
    Schedule,
    ScheduleRuleViolation,
    build_schedule,
    check_rate,
)
from anju.domain.policy import LimitUplift, LoanPolicy, LoanRateRow, percent_text
from anju.money import Money, MoneyInputError, Rate
from anju.services import calendar, policy
from anju.services.ports import UnitOfWork

POLICY_RATE = "policy"  # the word a caller sends to use the rate in force instead of its own


@dataclass(frozen=True, slots=True)
class RateChoice:
    """The annual rate used, and where it comes from when it is the policy's."""

    rate: Rate
    source: RuleSource | None  # None: the caller gave the rate
    effective_from: date | None

    @property
    def from_policy(self) -> bool:
        return self.source is not None

    @property
    def percent(self) -> str:
        return percent_text(self.rate)


@dataclass(frozen=True, slots=True)
class ScheduleQuote:
    business_date: date
    rate: RateChoice
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class LimitQuote:
    business_date: date
    rate: RateChoice
    decision: LimitDecision


@dataclass(frozen=True, slots=True)
class RateLine:
    label: str
    up_to_5y: str
    over_5y: str


@dataclass(frozen=True, slots=True)
class CalculatorTerms:
    """What the calculator page shows before any input: the rates and options in force."""

    business_date: date
    rates_from: date
    rates_source: str
    rates: tuple[RateLine, RateLine]
    max_term_months: int
    uplifts: tuple[LimitUplift, ...]


def parse_annual_rate(text: str) -> Rate | None:
    """A caller's rate: a percent string ("2.85") or "policy" (None: use the rate in force)."""
    if text == POLICY_RATE:
        return None
    if text != text.strip() or not text:
        raise MoneyInputError("invalid_rate", value=text[:20])
    rate = Rate.percent(text)
    check_rate(rate)
    return rate


def calculator_terms(uow: UnitOfWork) -> CalculatorTerms:
    day = calendar.current_business_date(uow)
    loan = policy.policy_in_force(uow, day).loan
    row = loan.rate_row_on(day)
    return CalculatorTerms(
        business_date=day,
        rates_from=row.effective_from,
        rates_source=row.source,
        rates=(
            RateLine("首套住房", percent_text(row.first_home_up_to_5y), percent_text(row.first_home_over_5y)),
            RateLine(
                "第二套住房", percent_text(row.second_home_up_to_5y), percent_text(row.second_home_over_5y)
            ),
        ),
        max_term_months=loan.max_term_months.value,
        uplifts=loan.limit_uplifts,
    )


def quote_schedule(
    uow: UnitOfWork,
    *,
    principal: Money,
    annual_rate: Rate | None,
    term_months: int,
    method: RepaymentMethod,
    first_home: bool = True,
    disbursement_date: date | None = None,
) -> ScheduleQuote:
    """The full schedule; `annual_rate` None takes the rate in force for the home and the term."""
    day = calendar.current_business_date(uow)
    loan = policy.policy_in_force(uow, day).loan
    _check_term(loan, term_months)
    choice = (
        _policy_rate(loan, day, first_home=first_home, term_months=term_months)
        if annual_rate is None
        else RateChoice(annual_rate, None, None)
    )
    schedule = build_schedule(
        principal,
        choice.rate,
        term_months,
        method,
        disbursement_date or day,
        max_repayment_day=loan.repayment_day_max.value,
    )
    return ScheduleQuote(business_date=day, rate=choice, schedule=schedule)


def quote_limit(
    uow: UnitOfWork,
    *,
    house_price: Money,
    first_home: bool,
    borrower: Contributor,
    co_borrower: Contributor | None,
    other_monthly_debt: Money,
    term_months: int,
    uplifts: tuple[str, ...] = (),
) -> LimitQuote:
    """The limit at the rate in force for the home and the term, every figure with its source."""
    day = calendar.current_business_date(uow)
    loan = policy.policy_in_force(uow, day).loan
    _check_term(loan, term_months)
    choice = _policy_rate(loan, day, first_home=first_home, term_months=term_months)
    decision = loan_limit(
        loan,
        LimitRequest(
            house_price=house_price,
            first_home=first_home,
            term_months=term_months,
            annual_rate=choice.rate,
            borrower=borrower,
            co_borrower=co_borrower,
            other_monthly_debt=other_monthly_debt,
            uplifts=uplifts,
            rate_source=choice.source,
        ),
    )
    return LimitQuote(business_date=day, rate=choice, decision=decision)


def _check_term(loan: LoanPolicy, term_months: int) -> None:
    most = loan.max_term_months.value
    if not 1 <= term_months <= most:
        raise ScheduleRuleViolation("loan_term_out_of_range", term=str(term_months), max=most)


def _policy_rate(loan: LoanPolicy, day: date, *, first_home: bool, term_months: int) -> RateChoice:
    row: LoanRateRow = loan.rate_row_on(day)
    rate = loan.rate_on(day, first_home=first_home, term_months=term_months)
    home = "首套住房" if first_home else "第二套住房"
    years = loan.rate_tier_boundary_months.value // 12
    tier = (
        f"{years}年以上"
        if term_months > loan.rate_tier_boundary_months.value
        else f"{years}年以下（含{years}年）"
    )
    label = f"{home}{tier}个人住房公积金贷款利率（{row.effective_from.isoformat()} 起执行）"
    return RateChoice(rate, RuleSource(label, row.source, row.tag), row.effective_from)
