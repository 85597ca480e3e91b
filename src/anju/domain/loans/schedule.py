"""Repayment schedules (还款计划): equal instalment and equal principal, repricing, prepayment.

The ledger method of rules.md §5.6, exactly: the level instalment M (or the monthly principal
part) is rounded half-up to the fen once; each month's interest is the opening balance times the
monthly rate i = r / 12, rounded to the fen; the last instalment absorbs every rounding residue, so
the principal parts always sum to the loan. A part month (the first period when the centre charges
actual days, or the period a prepayment splits) is charged balance × r × days / 360 instead.

Due dates are the agreed repayment day (约定还款日, capped by policy at the 28th so it falls in
every month) of the months after disbursement: instalment k falls in the k-th month after it.

Schedules are frozen values. Repricing (1 January, rules.md §5.5) and prepayment (§5.7) return a new
schedule whose rows before the event are untouched and whose rows after it are recomputed from the
outstanding principal, so the loan workflow can store the schedule in force and its history.
Nothing here reads a clock or a policy store: the caller passes the dates, rates and bounds.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Final

from anju.dates import YearMonth, days_between
from anju.domain.policy import RATE_SANITY_CEILING, LoanPolicy
from anju.errors import RuleViolation
from anju.money import Money, Rate, round_fen, total

YEAR_DAYS: Final = 360  # part-month interest: days × annual rate / 360 (rules.md §5.6, [E])
MAX_TERM_MONTHS: Final = 600  # a sanity bound; the policy's maximum term is checked by limit.py
DEFAULT_MAX_REPAYMENT_DAY: Final = 28  # policy loan.repayment_day_max; callers pass the policy value
_PRECISION: Final = 50  # digits for powers and logarithms, far beyond the fen


class ScheduleRuleViolation(RuleViolation):
    """A schedule, repricing or prepayment request breaks a loan rule."""


class RepaymentMethod(enum.Enum):
    """还款方式 (code table 贷款还款方式, rules.md §5.6)."""

    EQUAL_INSTALMENT = "equal_instalment"  # 01 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 02 等额本金

    @property
    def code(self) -> str:
        return "01" if self is RepaymentMethod.EQUAL_INSTALMENT else "02"

    @property
    def label(self) -> str:
        return "等额本息" if self is RepaymentMethod.EQUAL_INSTALMENT else "等额本金"


class FirstPeriod(enum.Enum):
    """How the first instalment's interest is charged (rules.md §5.6, configurable)."""

    FULL_MONTH = "full_month"  # one month's interest whatever the days (the common default)
    ACTUAL_DAYS = "actual_days"  # disbursement to first due date: days × r / 360


class PrepaymentOption(enum.Enum):
    """What a partial prepayment changes (rules.md §5.7)."""

    LOWER_INSTALMENT = "lower_instalment"  # A 期限不变，月供减少
    SHORTEN_TERM = "shorten_term"  # B 月供不变，期限缩短

    @property
    def label(self) -> str:
        return "期限不变，月供减少" if self is PrepaymentOption.LOWER_INSTALMENT else "月供不变，期限缩短"


@dataclass(frozen=True, slots=True)
class Instalment:
    """One row of the schedule (期次). `interest_days` is set only for a part month."""

    instalment_no: int
    due_date: date
    annual_rate: Rate
    opening_balance: Money
    principal: Money
    interest: Money
    closing_balance: Money
    interest_days: int | None = None

    @property
    def payment(self) -> Money:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class Schedule:
    """A loan's repayment schedule as in force.

    `level` is what the method keeps level: the monthly instalment M (月供) for equal instalment,
    the monthly principal part for equal principal. `annual_rate` and `contract_term_months` are
    the contract's as signed; each row carries the rate it was computed at (repricing changes the
    rows, not the contract), and a shortened term shows in the rows, not in the contract term.
    """

    method: RepaymentMethod
    principal: Money
    annual_rate: Rate
    disbursement_date: date
    repayment_day: int
    first_period: FirstPeriod
    contract_term_months: int
    level: Money
    instalments: tuple[Instalment, ...] = field(repr=False)

    @property
    def term_months(self) -> int:
        return len(self.instalments)

    @property
    def first_payment(self) -> Money:
        return self.instalments[0].payment

    @property
    def last_payment(self) -> Money:
        return self.instalments[-1].payment

    @property
    def maturity_date(self) -> date:
        return self.instalments[-1].due_date

    @property
    def total_interest(self) -> Money:
        return total([row.interest for row in self.instalments])

    @property
    def total_principal(self) -> Money:
        return total([row.principal for row in self.instalments])

    @property
    def total_paid(self) -> Money:
        return self.total_principal + self.total_interest

    def instalment(self, instalment_no: int) -> Instalment:
        for row in self.instalments:
            if row.instalment_no == instalment_no:
                return row
        raise ScheduleRuleViolation("instalment_not_found", instalment_no=instalment_no)

    def due_on_or_before(self, day: date) -> tuple[Instalment, ...]:
        return tuple(row for row in self.instalments if row.due_date <= day)

    def due_after(self, day: date) -> tuple[Instalment, ...]:
        return tuple(row for row in self.instalments if row.due_date > day)

    def outstanding_after(self, day: date) -> Money:
        """Principal still owed once every instalment due on or before `day` is paid.

        The opening balance of the next instalment, so a prepayment already recorded between two
        due dates counts.
        """
        later = self.due_after(day)
        return later[0].opening_balance if later else Money.ZERO

    def interest_due_after(self, day: date) -> Money:
        """The interest of the instalments due after `day` (剩余利息)."""
        return total([row.interest for row in self.due_after(day)])


# --- the formulas --------------------------------------------------------------------------------


def monthly_rate(annual_rate: Rate) -> Decimal:
    """i = r / 12 (as an exact-enough Decimal for powers and logarithms, not for money)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return annual_rate.value / 12


def monthly_interest(balance: Money, annual_rate: Rate) -> Money:
    """round(balance × r / 12): multiplied before dividing, so a true half fen rounds up."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_fen(Decimal(balance.fen) * annual_rate.value / 12)


def day_interest(balance: Money, annual_rate: Rate, days: int, *, year_days: int = YEAR_DAYS) -> Money:
    """round(balance × r × days / 360): part months and interest accrued between due dates."""
    if days < 0:
        raise ValueError("days cannot be negative")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_fen(Decimal(balance.fen) * annual_rate.value * days / year_days)


def equal_instalment_amount(principal: Money, annual_rate: Rate, months: int) -> Money:
    """M = P · i · (1+i)^n / ((1+i)^n − 1), rounded half-up to the fen (P / n at a zero rate)."""
    _check_months(months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if annual_rate.value == 0:
            return round_fen(Decimal(principal.fen) / months)
        i = annual_rate.value / 12
        growth = (1 + i) ** months
        return round_fen(Decimal(principal.fen) * i * growth / (growth - 1))


def equal_principal_amount(principal: Money, months: int) -> Money:
    """The monthly principal part P / n, rounded half-up (the last instalment takes the rest)."""
    _check_months(months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_fen(Decimal(principal.fen) / months)


def level_for(method: RepaymentMethod, principal: Money, annual_rate: Rate, months: int) -> Money:
    if method is RepaymentMethod.EQUAL_INSTALMENT:
        return equal_instalment_amount(principal, annual_rate, months)
    return equal_principal_amount(principal, months)


def present_value(instalment: Money, annual_rate: Rate, months: int) -> Money:
    """PV of `months` instalments: M × (1 − (1+i)^−n) / i, rounded half-up (repayment capacity)."""
    _check_months(months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if annual_rate.value == 0:
            return round_fen(Decimal(instalment.fen) * months)
        i = annual_rate.value / 12
        return round_fen(Decimal(instalment.fen) * (1 - (1 + i) ** -months) / i)


def months_to_repay(balance: Money, level: Money, annual_rate: Rate, method: RepaymentMethod) -> int:
    """Instalments needed at a kept level (option B): n' = ceil(−ln(1 − B·i/M) / ln(1+i)).

    Computed with Decimal logarithms, never floats. For equal principal: ceil(B / principal part).
    """
    if not balance.is_positive:
        return 0
    if not level.is_positive:
        raise ScheduleRuleViolation("instalment_does_not_cover_interest", instalment=str(level))
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if method is RepaymentMethod.EQUAL_PRINCIPAL or annual_rate.value == 0:
            exact = Decimal(balance.fen) / Decimal(level.fen)
        else:
            i = annual_rate.value / 12
            remaining = 1 - Decimal(balance.fen) * i / Decimal(level.fen)
            if remaining <= 0:
                raise ScheduleRuleViolation("instalment_does_not_cover_interest", instalment=str(level))
            exact = -remaining.ln() / (1 + i).ln()
        return int(exact.to_integral_value(rounding=ROUND_CEILING))


# --- due dates -----------------------------------------------------------------------------------


def default_repayment_day(disbursement_date: date, max_day: int = DEFAULT_MAX_REPAYMENT_DAY) -> int:
    """The agreed repayment day: the disbursement day of month, capped (rules.md §5.6)."""
    return min(disbursement_date.day, max_day)


def due_date(disbursement_date: date, repayment_day: int, instalment_no: int) -> date:
    """Instalment k falls on the repayment day of the k-th month after disbursement."""
    return YearMonth.of(disbursement_date).add(instalment_no).day(repayment_day)


# --- building and changing schedules -------------------------------------------------------------


def build_schedule(
    principal: Money,
    annual_rate: Rate,
    term_months: int,
    method: RepaymentMethod,
    disbursement_date: date,
    *,
    repayment_day: int | None = None,
    max_repayment_day: int = DEFAULT_MAX_REPAYMENT_DAY,
    first_period: FirstPeriod = FirstPeriod.FULL_MONTH,
) -> Schedule:
    """The schedule of a new loan (rules.md §5.6)."""
    if not principal.is_positive:
        raise ScheduleRuleViolation("loan_principal_not_positive", principal=str(principal))
    check_rate(annual_rate)
    _check_months(term_months)
    day = (
        default_repayment_day(disbursement_date, max_repayment_day)
        if repayment_day is None
        else repayment_day
    )
    if not 1 <= day <= max_repayment_day:
        raise ScheduleRuleViolation("repayment_day_invalid", day=day, max=max_repayment_day)
    slots = [(k, due_date(disbursement_date, day, k)) for k in range(1, term_months + 1)]
    first_days = (
        days_between(disbursement_date, slots[0][1]) if first_period is FirstPeriod.ACTUAL_DAYS else None
    )
    level = level_for(method, principal, annual_rate, term_months)
    rows = _rows(method, principal, level, annual_rate, slots, first_interest_days=first_days)
    return Schedule(
        method=method,
        principal=principal,
        annual_rate=annual_rate,
        disbursement_date=disbursement_date,
        repayment_day=day,
        first_period=first_period,
        contract_term_months=term_months,
        level=level,
        instalments=rows,
    )


def reprice(schedule: Schedule, *, effective: date, new_rate: Rate) -> Schedule:
    """Apply a new rate to every instalment due on or after `effective` (rules.md §5.5, Example 5).

    The instalment is recomputed from the outstanding principal and the remaining number of
    instalments; the first affected instalment bears the new rate for its whole period (the
    default convention). Equal principal keeps its principal part; only the interest changes.
    """
    check_rate(new_rate)
    head = tuple(row for row in schedule.instalments if row.due_date < effective)
    tail = schedule.instalments[len(head) :]
    if not tail:
        return schedule
    opening = tail[0].opening_balance
    level = (
        equal_instalment_amount(opening, new_rate, len(tail))
        if schedule.method is RepaymentMethod.EQUAL_INSTALMENT
        else schedule.level
    )
    slots = [(row.instalment_no, row.due_date) for row in tail]
    rows = _rows(schedule.method, opening, level, new_rate, slots, first_interest_days=tail[0].interest_days)
    return replace(schedule, level=level, instalments=head + rows)


def change_term(schedule: Schedule, *, effective: date, remaining_months: int, annual_rate: Rate) -> Schedule:
    """展期 / 缩期 (rules.md §5.5–5.6, loan detail types 07/08): from the first instalment due on
    or after `effective`, the outstanding principal is repaid over `remaining_months` instalments
    at `annual_rate`, on the same repayment day; the level is recomputed by the method's formula.
    Instalments due before `effective` are kept as they are."""
    check_rate(annual_rate)
    _check_months(remaining_months)
    head = tuple(row for row in schedule.instalments if row.due_date < effective)
    tail = schedule.instalments[len(head) :]
    if not tail:
        raise ScheduleRuleViolation("loan_fully_repaid")
    opening = tail[0].opening_balance
    first = tail[0].instalment_no
    slots = [
        (n, due_date(schedule.disbursement_date, schedule.repayment_day, n))
        for n in range(first, first + remaining_months)
    ]
    level = level_for(schedule.method, opening, annual_rate, remaining_months)
    rows = _rows(
        schedule.method, opening, level, annual_rate, slots, first_interest_days=tail[0].interest_days
    )
    return replace(
        schedule,
        annual_rate=annual_rate,
        contract_term_months=first - 1 + remaining_months,
        level=level,
        instalments=head + rows,
    )


def reprice_for_rate_change(
    schedule: Schedule, policy: LoanPolicy, *, announced: date, new_rate: Rate
) -> Schedule:
    """An existing loan after a rate change announced on `announced` (rules.md §5.5).

    A loan whose contract term exceeds the policy's minimum (1 year) takes the new rate on the
    policy's repricing date after the announcement (the next 1 January); a shorter one keeps its
    contract rate.
    """
    if not policy.reprices(schedule.contract_term_months):
        return schedule
    return reprice(schedule, effective=policy.repricing_date_after(announced), new_rate=new_rate)


@dataclass(frozen=True, slots=True)
class PartialPrepayment:
    """The outcome of a partial prepayment (部分提前还款): what is collected and the new schedule."""

    on: date
    amount: Money  # all the borrower pays now, beyond the instalments already due
    accrued_interest: Money  # interest since the last due date, collected first
    accrued_days: int
    principal: Money  # the part applied to principal (TQGHBJ)
    balance_before: Money
    balance_after: Money
    option: PrepaymentOption
    before: Schedule = field(repr=False)
    after: Schedule = field(repr=False)

    @property
    def remaining_interest_before(self) -> Money:
        return self.before.interest_due_after(self.on)

    @property
    def remaining_interest_after(self) -> Money:
        return self.after.interest_due_after(self.on)

    @property
    def instalments_remaining(self) -> int:
        return len(self.after.due_after(self.on))

    @property
    def new_level(self) -> Money:
        return self.after.level


@dataclass(frozen=True, slots=True)
class FullPrepayment:
    """Settling the loan early (结清): the outstanding principal plus interest accrued to the day."""

    on: date
    principal: Money
    accrued_interest: Money
    accrued_days: int
    interest_saved: Money  # the scheduled interest no longer due

    @property
    def amount(self) -> Money:
        return self.principal + self.accrued_interest


def prepay_partial(
    schedule: Schedule, *, on: date, amount: Money, option: PrepaymentOption, year_days: int = YEAR_DAYS
) -> PartialPrepayment:
    """A partial prepayment on `on` (rules.md §5.7, Example 6).

    The caller has collected every instalment due on or before `on`, and any overdue amount and
    penalty. Of `amount`, the interest accrued since the last due date (days × r / 360 on the
    outstanding principal) is taken first and the rest reduces the principal. The next instalment
    then bears interest only for the days from `on` to its due date, so no day is charged twice.
    Option A keeps the due dates and lowers the instalment; option B keeps the instalment and
    drops the last due dates.
    """
    head, tail, balance, start = _position(schedule, on)
    rate = tail[0].annual_rate
    days = days_between(start, on)
    accrued = day_interest(balance, rate, days, year_days=year_days)
    if amount <= accrued:
        raise ScheduleRuleViolation("prepayment_amount_too_small", amount=str(amount), interest=str(accrued))
    principal = amount - accrued
    if principal >= balance:
        raise ScheduleRuleViolation(
            "prepayment_exceeds_balance", principal=str(principal), balance=str(balance)
        )
    remaining = balance - principal
    first_days = tail[0].interest_days if days == 0 else days_between(on, tail[0].due_date)
    slots = [(row.instalment_no, row.due_date) for row in tail]
    if option is PrepaymentOption.LOWER_INSTALMENT:
        level = level_for(schedule.method, remaining, rate, len(slots))
    else:
        level = schedule.level
        slots = slots[: min(len(slots), months_to_repay(remaining, level, rate, schedule.method))]
    rows = _rows(schedule.method, remaining, level, rate, slots, first_interest_days=first_days)
    return PartialPrepayment(
        on=on,
        amount=amount,
        accrued_interest=accrued,
        accrued_days=days,
        principal=principal,
        balance_before=balance,
        balance_after=remaining,
        option=option,
        before=schedule,
        after=replace(schedule, level=level, instalments=head + rows),
    )


def settle_in_full(schedule: Schedule, *, on: date, year_days: int = YEAR_DAYS) -> FullPrepayment:
    """全部提前还款: the outstanding principal plus interest accrued since the last due date."""
    _head, tail, balance, start = _position(schedule, on)
    days = days_between(start, on)
    accrued = day_interest(balance, tail[0].annual_rate, days, year_days=year_days)
    return FullPrepayment(
        on=on,
        principal=balance,
        accrued_interest=accrued,
        accrued_days=days,
        interest_saved=total([row.interest for row in tail]) - accrued,
    )


# --- internals -----------------------------------------------------------------------------------


def check_rate(annual_rate: Rate) -> None:
    if not Decimal(0) <= annual_rate.value <= RATE_SANITY_CEILING.value:
        raise ScheduleRuleViolation(
            "loan_rate_out_of_range", rate=annual_rate.as_percent(), max=RATE_SANITY_CEILING.as_percent()
        )


def _check_months(months: int) -> None:
    if type(months) is not int or not 1 <= months <= MAX_TERM_MONTHS:
        raise ScheduleRuleViolation("loan_term_out_of_range", term=str(months), max=MAX_TERM_MONTHS)


def _position(
    schedule: Schedule, on: date
) -> tuple[tuple[Instalment, ...], tuple[Instalment, ...], Money, date]:
    """(rows due on or before `on`, rows after, principal outstanding, the day interest runs from)."""
    if on < schedule.disbursement_date:
        raise ScheduleRuleViolation("prepayment_before_disbursement", on=on.isoformat())
    head = schedule.due_on_or_before(on)
    tail = schedule.instalments[len(head) :]
    if not tail:
        raise ScheduleRuleViolation("loan_fully_repaid")
    balance = tail[0].opening_balance  # after any prepayment already made in this period
    if tail[0].interest_days is not None:
        # A part month (the first period, or the rest of a period split by an earlier prepayment):
        # its interest runs from the day the part began.
        start = tail[0].due_date - timedelta(days=tail[0].interest_days)
    else:
        start = head[-1].due_date if head else schedule.disbursement_date
    return head, tail, balance, start


def _rows(
    method: RepaymentMethod,
    opening: Money,
    level: Money,
    annual_rate: Rate,
    slots: Sequence[tuple[int, date]],
    *,
    first_interest_days: int | None = None,
) -> tuple[Instalment, ...]:
    """The rows from `opening` over the given (number, due date) slots.

    A part month changes only that row's interest: its principal part is what a full month gives,
    so the principal plan does not depend on the day count. Rows stop early if rounding has
    already repaid the balance (tiny loans); the last row takes the whole remaining balance.
    """
    rows: list[Instalment] = []
    balance = opening
    last = len(slots) - 1
    for index, (number, due) in enumerate(slots):
        if not balance.is_positive:
            break
        regular = monthly_interest(balance, annual_rate)
        days = first_interest_days if index == 0 else None
        interest = regular if days is None else day_interest(balance, annual_rate, days)
        if index == last:
            principal = balance
        elif method is RepaymentMethod.EQUAL_INSTALMENT:
            principal = level - regular
        else:
            principal = level
        principal = max(Money.ZERO, min(principal, balance))
        closing = balance - principal
        rows.append(Instalment(number, due, annual_rate, balance, principal, interest, closing, days))
        balance = closing
    return tuple(rows)
