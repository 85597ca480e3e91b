"""Value-added income (增值收益, rules.md §7.3): computed for any month or year from the books,
and distributed at the year end by one voucher in the legal order — loan risk reserve, centre
management costs, then the low-rent housing supplement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anju.dates import YearMonth
from anju.domain.accounting import (
    AccountingRuleViolation,
    DistributionPlan,
    ValueAddedIncome,
    plan_distribution,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ledger.posting_rules import VAI_DISTRIBUTION_SOURCE, value_added_distribution
from anju.money import Money
from anju.services.books import leaf_balances, value_added_income
from anju.services.calendar import current_business_date
from anju.services.policy import policy_in_force
from anju.services.ports import UnitOfWork

LOAN_CODES = ("121", "122")


@dataclass(frozen=True, slots=True)
class MonthlyValueAdded:
    period: str
    label: str
    income: Money
    expense: Money
    value_added_income: Money


@dataclass(frozen=True, slots=True)
class DistributionView:
    year: int
    plan: DistributionPlan
    year_end_loan_balance: Money
    voucher_no: str | None  # None: a preview, nothing posted


def monthly(uow: UnitOfWork, actor: Actor, year: int) -> list[MonthlyValueAdded]:
    """增值收益 month by month for a year (months up to the business date)."""
    actor.require(Permission.REPORTS_VIEW)
    today = current_business_date(uow)
    out = []
    for month in YearMonth(year, 1).range_to(YearMonth(year, 12)):
        if month.first_day() > today:
            break
        vai = value_added_income(uow, month.first_day(), month.last_day())
        out.append(
            MonthlyValueAdded(
                str(month), month.label(), vai.income_total, vai.expense_total, vai.value_added_income
            )
        )
    return out


def year_income(uow: UnitOfWork, year: int) -> ValueAddedIncome:
    return value_added_income(uow, date(year, 1, 1), date(year, 12, 31))


def plan(uow: UnitOfWork, actor: Actor, year: int, management_budget: Money) -> DistributionView:
    """The distribution a year's income would get (a preview; posts nothing)."""
    actor.require(Permission.REPORTS_VIEW)
    return _plan(uow, year, management_budget)


def _plan(uow: UnitOfWork, year: int, management_budget: Money) -> DistributionView:
    year_end = date(year, 12, 31)
    balances = leaf_balances(uow, year_end)
    loans = Money(sum(balances.get(code, Money.ZERO).fen for code in LOAN_CODES))
    policy = policy_in_force(uow, year_end).accounting
    vai = year_income(uow, year)
    income = vai.value_added_income - vai.distributed  # what is left to distribute
    result = plan_distribution(
        income, year_end_loan_balance=loans, management_budget=management_budget, policy=policy
    )
    return DistributionView(year=year, plan=result, year_end_loan_balance=loans, voucher_no=None)


def distribute(uow: UnitOfWork, actor: Actor, year: int, management_budget: Money) -> DistributionView:
    """增值收益分配: post the year's distribution, dated 31 December (before December is closed).

    The figures are the year's income less anything already distributed, so a second call finds
    nothing left (and the voucher's key, the year, would refuse a duplicate anyway).
    """
    actor.require(Permission.ACCOUNTING_CLOSE)
    year_end = date(year, 12, 31)
    if current_business_date(uow) <= year_end:
        raise AccountingRuleViolation("vai_distribution_too_early", year=year)
    view = _plan(uow, year, management_budget)
    draft = value_added_distribution(
        year=year,
        risk_reserve=view.plan.risk_reserve,
        management_costs=view.plan.management_costs,
        low_rent_housing=view.plan.low_rent_housing,
        business_date=year_end,
    )
    posted = uow.ledger.post(draft, created_by=actor.username, branch_id=actor.branch_id)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "accounting.distribute_value_added_income",
            VAI_DISTRIBUTION_SOURCE,
            str(year),
            details={
                "voucher_no": posted.voucher_no,
                "risk_reserve": str(view.plan.risk_reserve),
                "management_costs": str(view.plan.management_costs),
                "low_rent_housing": str(view.plan.low_rent_housing),
            },
        )
    )
    return DistributionView(
        year=year,
        plan=view.plan,
        year_end_loan_balance=view.year_end_loan_balance,
        voucher_no=posted.voucher_no,
    )
