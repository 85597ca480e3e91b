"""Deposit interest by the daily-product method (积数法, rules.md §3): pure arithmetic.

Each member deposit account keeps, beside its balance, the two buckets of the data standard —
current-year collections (当年归集, GRZHDNGJYE) and balance brought forward (上年结转, GRZHSNJZYE),
always summing to the balance — and one running daily product (积数, in fen·days) per bucket.
`accrued_through` is the first day *not yet* in the products: the products hold the end-of-day
balance of every day before it. So the 30 June settlement is one pass over the accounts, never a
replay of their history (DESIGN.md §4).

A movement of `delta` with value date (起息日) v:
* v ≥ accrued_through: first add balance × (v − accrued_through) days, then apply the delta and
  move accrued_through to v. The delta then counts from day v itself: a credit earns from its own
  day, a debit stops earning on its own day (算头不算尾).
* v < accrued_through (back-valued, 倒起息): the days between were accrued at the old balance, so
  the products are corrected by delta × (accrued_through − v). Allowed only within the policy's
  window of days before the business date. A back-valued movement into a year already settled is
  corrected in the current year's products (paid at the next settlement, at that year's rate).

Interest = round_half_up((product_current × rate_current + product_carried × rate_carried) / 360),
rounded once per account on the exact sum (rules.md §3.3: never per flow or per bucket).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, NamedTuple

from anju.dates import InterestYear
from anju.domain.policy import DebitOrder, Policy
from anju.errors import RuleViolation
from anju.money import Money, Rate, round_fen


class InterestRuleViolation(RuleViolation):
    """A movement or a settlement breaks an interest rule (window, settlement order)."""


@dataclass(frozen=True, slots=True)
class PostingRules:
    """What the posting path needs from the interest policy in force."""

    debit_order: DebitOrder = DebitOrder.CURRENT_YEAR_FIRST  # 提取先支取当年归集 (rules.md §3.3)
    back_value_days: int = 30  # 倒起息: the most days a value date may precede the business date


DEFAULT_POSTING_RULES: Final = PostingRules()


def posting_rules_of(policy: Policy) -> PostingRules:
    """The posting rules of a policy version (pass them to `uow.ledger.post`)."""
    return PostingRules(
        debit_order=policy.interest.withdrawal_debit_order.value,
        back_value_days=policy.interest.max_back_value_days.value,
    )


class InterestState(NamedTuple):
    """The interest-bearing part of a member deposit account (amounts in fen, products fen·days).

    A NamedTuple rather than a frozen dataclass: the posting path builds one per member line and
    a tuple is several times cheaper to construct.
    """

    current_year_fen: int  # 当年归集余额
    carried_fen: int  # 上年结转余额
    balance_days_current: int  # 当年归集积数
    balance_days_carried: int  # 上年结转积数
    accrued_through: date  # first day not yet in the products
    settled_on: date | None = None  # the 30 June of the last annual settlement (or its equivalent)

    @property
    def balance_fen(self) -> int:
        return self.current_year_fen + self.carried_fen

    @property
    def is_empty(self) -> bool:
        """No money and nothing accrued: nothing to settle, whatever the dates."""
        return self.balance_fen == 0 and self.balance_days_current == 0 and self.balance_days_carried == 0

    @classmethod
    def opened(cls, day: date) -> InterestState:
        return cls(0, 0, 0, 0, day)


class Split(NamedTuple):
    """How one movement divides between the buckets (DNGJFSE / SNJZFSE): unsigned parts."""

    current_year_fen: int
    carried_fen: int


def split_debit(state: InterestState, amount_fen: int, order: DebitOrder) -> Split:
    """Which bucket a debit draws on (rules.md §3.3, [E] (?)): one bucket first, then the other.

    More than both hold (only inside a voucher whose credits come later) is drawn from the
    second bucket, which the balance floor then refuses or a later credit restores.
    """
    first = state.current_year_fen if order is DebitOrder.CURRENT_YEAR_FIRST else state.carried_fen
    from_first = min(max(first, 0), amount_fen)
    rest = amount_fen - from_first
    if order is DebitOrder.CURRENT_YEAR_FIRST:
        return Split(from_first, rest)
    return Split(rest, from_first)


def advance(state: InterestState, to_day: date) -> InterestState:
    """Add the end-of-day balances of the days from accrued_through up to (not including) to_day."""
    days = (to_day - state.accrued_through).days
    if days <= 0:
        return state
    # The constructor, not dataclasses.replace: this runs once per line of every member posting.
    return InterestState(
        state.current_year_fen,
        state.carried_fen,
        state.balance_days_current + state.current_year_fen * days,
        state.balance_days_carried + state.carried_fen * days,
        to_day,
        state.settled_on,
    )


def apply_movement(
    state: InterestState,
    delta_fen: int,
    value_date: date,
    *,
    business_date: date,
    rules: PostingRules = DEFAULT_POSTING_RULES,
    reversal: bool = False,
    account: str = "",
) -> tuple[InterestState, Split]:
    """The account's interest state after a balance change of `delta_fen` valued `value_date`.

    Credits go to current-year collections; debits draw on the buckets in the policy's order.
    Raises InterestRuleViolation when the value date lies before the window (reversals keep the
    original's value date and are exempt) or when the movement would carry an unsettled year's
    balance into the next interest year.
    """
    if value_date < state.accrued_through:
        if not reversal and (business_date - value_date).days > rules.back_value_days:
            raise InterestRuleViolation(
                "value_date_outside_window",
                account=account,
                value_date=value_date.isoformat(),
                days=rules.back_value_days,
            )
        base = state
        days_back = (state.accrued_through - value_date).days
    else:
        base = advance(_cross_year(state, value_date, account), value_date)
        days_back = 0
    if delta_fen >= 0:
        split = Split(delta_fen, 0)
        sign = 1
    else:
        split = split_debit(base, -delta_fen, rules.debit_order)
        sign = -1
    current = sign * split.current_year_fen
    carried = sign * split.carried_fen
    after = InterestState(
        base.current_year_fen + current,
        base.carried_fen + carried,
        base.balance_days_current + current * days_back,
        base.balance_days_carried + carried * days_back,
        base.accrued_through,
        base.settled_on,
    )
    return after, split


def _cross_year(state: InterestState, value_date: date, account: str) -> InterestState:
    """Refuse to accrue into a new interest year while an earlier one is unsettled.

    An account with nothing accrued in the old year has nothing to settle: it is marked settled
    for the years it skips, so the annual job leaves it alone and its new collections stay in the
    new year's bucket.
    """
    year_start = _year_start(value_date)
    if state.accrued_through > year_start:
        return state  # the products already belong to value_date's year
    year_end = year_start - timedelta(days=1)
    if state.settled_on is not None and state.settled_on >= year_end:
        return state
    carried_over = state.balance_days_current or state.balance_days_carried
    if not carried_over and (state.balance_fen == 0 or state.accrued_through == year_start):
        # Nothing of the old year to pay (money valued on 1 July itself is the new year's).
        return state._replace(settled_on=year_end)
    raise InterestRuleViolation(
        "interest_settlement_pending",
        account=account,
        year=InterestYear.containing(year_end).label(),
        value_date=value_date.isoformat(),
    )


def _year_start(day: date) -> date:
    """1 July of the interest year containing `day` (dates.InterestYear, without the object)."""
    return date(day.year if day.month >= 7 else day.year - 1, 7, 1)


# --- rates and rounding ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterestRates:
    """The annual rates of the two buckets and the day-count basis (360: PBoC actual/360)."""

    current_year: Rate
    carried: Rate
    year_days: int = 360

    def as_integers(self) -> tuple[int, int, int]:
        """(numerator current, numerator carried, denominator) with
        interest_fen = (pc·a + pk·b) / denominator exactly: for set-based SQL in integers."""
        scale = max(_decimals(self.current_year.value), _decimals(self.carried.value))
        factor = Decimal(10) ** scale
        a = int(self.current_year.value * factor)
        b = int(self.carried.value * factor)
        return a, b, int(factor) * self.year_days


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def rates_on(policy: Policy, day: date) -> InterestRates:
    """The deposit rates in force on `day` (the settlement or closing day: like a demand deposit,
    the rate of that day applies to the whole period)."""
    return InterestRates(
        current_year=policy.deposit_rate_on(day),
        carried=policy.deposit_rate_on(day, carried=True),
        year_days=policy.interest.day_count.value.year_days,
    )


def interest_on(balance_days_current: int, balance_days_carried: int, rates: InterestRates) -> Money:
    """Interest on the two products, rounded once (ROUND_HALF_UP to the fen). Never negative:
    a product driven below zero by back-valued corrections pays nothing and charges nothing."""
    exact = (
        Decimal(balance_days_current) * rates.current_year.value
        + Decimal(balance_days_carried) * rates.carried.value
    ) / rates.year_days
    amount = round_fen(exact)
    return amount if amount.fen > 0 else Money.ZERO


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of settling one account (结息): the interest and the state carried forward."""

    balance_days_current: int
    balance_days_carried: int
    interest: Money
    after: InterestState


def settle(state: InterestState, settlement_day: date, rates: InterestRates) -> Settlement:
    """Annual settlement on `settlement_day` (30 June): accrue to 1 July, pay the interest, then
    carry forward (结转): carried = carried + current-year + interest, current-year = 0, products 0.
    The interest is credited as of 30 June and earns from 1 July."""
    next_start = settlement_day + timedelta(days=1)
    accrued = advance(state, next_start)
    interest = interest_on(accrued.balance_days_current, accrued.balance_days_carried, rates)
    after = InterestState(
        current_year_fen=0,
        carried_fen=accrued.balance_fen + interest.fen,
        balance_days_current=0,
        balance_days_carried=0,
        accrued_through=max(next_start, accrued.accrued_through),
        settled_on=settlement_day,
    )
    return Settlement(accrued.balance_days_current, accrued.balance_days_carried, interest, after)


def closing_interest(state: InterestState, closing_date: date, rates: InterestRates) -> Money:
    """Interest from the last settlement to the day before closing (销户结息, Example 1c): paid out
    with the principal on a closing withdrawal or a transfer out."""
    accrued = advance(state, closing_date)
    return interest_on(accrued.balance_days_current, accrued.balance_days_carried, rates)


# --- the independent reference: day by day ----------------------------------------------------


def daily_balance_days(
    opening_fen: int, movements: Iterable[tuple[date, int]], start: date, end: date
) -> int:
    """Σ end-of-day balance over each calendar day from `start` to `end` (both included), the
    definition of rules.md §3.3, walked one day at a time. For tests: it shares no code with the
    running products above. Movements are (value date, signed amount in fen)."""
    by_day: dict[date, int] = {}
    opening = opening_fen
    for day, amount in movements:
        if day < start:
            opening += amount
        else:
            by_day[day] = by_day.get(day, 0) + amount
    total = 0
    balance = opening
    day = start
    while day <= end:
        balance += by_day.get(day, 0)
        total += balance
        day += timedelta(days=1)
    return total


def apply_lines(
    state: InterestState,
    deltas: list[tuple[int, int]],
    value_date: date,
    *,
    business_date: date,
    rules: PostingRules = DEFAULT_POSTING_RULES,
    reversal: bool = False,
    account: str = "",
) -> tuple[InterestState, dict[int, Split]]:
    """Apply one voucher's lines on one account ((line_no, signed delta) pairs): credits first,
    then debits in line order, so a voucher that pays in and out of the same account never
    draws on money it is about to receive. Returns the state and each line's split."""
    ordered = sorted(deltas, key=lambda item: (item[1] < 0, item[0])) if len(deltas) > 1 else deltas
    splits: dict[int, Split] = {}
    for line_no, delta in ordered:
        state, splits[line_no] = apply_movement(
            state,
            delta,
            value_date,
            business_date=business_date,
            rules=rules,
            reversal=reversal,
            account=account,
        )
    return state, splits
