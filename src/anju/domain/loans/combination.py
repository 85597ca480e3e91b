"""Combination loans (组合贷款, rules.md §5.8): an HPF loan and a bank's commercial loan for one home.

There are two contracts, two accounts and two rates. The HPF part follows every HPF rule; the
commercial part is priced by the bank (LPR based) and the centre only records it, because the
combined loan-to-value and the combined debt service must respect the HPF limits (limit.py uses
`CommercialPart` for both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from anju.domain.loans.schedule import (
    DEFAULT_MAX_REPAYMENT_DAY,
    RepaymentMethod,
    Schedule,
    ScheduleRuleViolation,
    build_schedule,
    check_rate,
    level_for,
    monthly_interest,
)
from anju.money import Money, Rate, total

LOAN_TYPE_HPF: Final = "0"  # 贷款类型 as one implementation codes it (rules.md §5.8, local codes)
LOAN_TYPE_COMBINATION: Final = "1"


@dataclass(frozen=True, slots=True)
class CommercialPart:
    """The commercial part of a combination loan, as the bank reports it."""

    amount: Money
    annual_rate: Rate
    term_months: int
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALMENT

    def __post_init__(self) -> None:
        if not self.amount.is_positive:
            raise ScheduleRuleViolation("loan_principal_not_positive", principal=str(self.amount))
        check_rate(self.annual_rate)

    def first_payment(self) -> Money:
        """The first monthly payment (full month): what the debt-service check counts."""
        level = level_for(self.method, self.amount, self.annual_rate, self.term_months)
        if self.method is RepaymentMethod.EQUAL_INSTALMENT:
            return level
        return level + monthly_interest(self.amount, self.annual_rate)

    def schedule(
        self,
        disbursement_date: date,
        *,
        repayment_day: int | None = None,
        max_repayment_day: int = DEFAULT_MAX_REPAYMENT_DAY,
    ) -> Schedule:
        return build_schedule(
            self.amount,
            self.annual_rate,
            self.term_months,
            self.method,
            disbursement_date,
            repayment_day=repayment_day,
            max_repayment_day=max_repayment_day,
        )


@dataclass(frozen=True, slots=True)
class CombinationLoan:
    """Both parts side by side: what the borrower pays in total each month and over the life."""

    hpf: Schedule
    commercial: Schedule

    @property
    def principal(self) -> Money:
        return self.hpf.principal + self.commercial.principal

    @property
    def first_payment(self) -> Money:
        return self.hpf.first_payment + self.commercial.first_payment

    @property
    def total_interest(self) -> Money:
        return self.hpf.total_interest + self.commercial.total_interest

    @property
    def total_paid(self) -> Money:
        return self.hpf.total_paid + self.commercial.total_paid

    def payment_due_on(self, day: date) -> Money:
        """What falls due on `day` across both parts (they share the agreed repayment day)."""
        rows = [r for s in (self.hpf, self.commercial) for r in s.instalments if r.due_date == day]
        return total([r.payment for r in rows])
