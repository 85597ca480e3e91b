"""Deposit interest by the daily-product method (domain/interest.py): the worked examples of
calendar-and-examples.md (1b, 1c) exactly, and the running products against the day-by-day
definition for random histories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.domain.interest import (
    InterestRates,
    InterestRuleViolation,
    InterestState,
    PostingRules,
    Split,
    advance,
    apply_lines,
    apply_movement,
    closing_interest,
    daily_balance_days,
    interest_on,
    settle,
)
from anju.domain.policy import DebitOrder
from anju.money import Money, Rate

RATES = InterestRates(Rate.percent("1.50"), Rate.percent("1.50"))
YEAR_START = date(2024, 7, 1)
SETTLEMENT = date(2025, 6, 30)
CREDIT = Money.of("1920.00").fen
CREDIT_DAYS = [
    date(y, m, 10) for y, m in [(2024, 7), (2024, 8), (2024, 9), (2024, 10), (2024, 11), (2024, 12)]
] + [date(2025, m, 10) for m in range(1, 7)]
WITHDRAWAL_DAY = date(2025, 3, 15)


def move(state: InterestState, fen: int, day: date, **kwargs: object) -> tuple[InterestState, Split]:
    return apply_movement(state, fen, day, business_date=day, **kwargs)  # type: ignore[arg-type]


def example_1b() -> tuple[InterestState, Split]:
    """50,000.00 brought forward on 1 July 2024, 12 remittances, a 20,000.00 withdrawal."""
    state = InterestState(0, Money.of("50000.00").fen, 0, 0, YEAR_START, date(2024, 6, 30))
    split = Split(0, 0)
    for day in sorted([*CREDIT_DAYS, WITHDRAWAL_DAY]):
        if day == WITHDRAWAL_DAY:
            state, split = move(state, -Money.of("20000.00").fen, day)
        else:
            state, _ = move(state, CREDIT, day)
    return state, split


def test_example_1b_balance_days_interest_and_carry_forward() -> None:
    state, withdrawal = example_1b()
    assert (withdrawal.current_year_fen, withdrawal.carried_fen) == (1_728_000, 272_000)  # 17,280 / 2,720
    assert (state.current_year_fen, state.carried_fen) == (576_000, 4_728_000)  # 5,760 / 47,280
    outcome = settle(state, SETTLEMENT, RATES)
    product = outcome.balance_days_current + outcome.balance_days_carried
    assert product == 2_042_152_000  # jishu 20,421,520.00 yuan·days
    assert outcome.interest == Money.of("850.90")
    assert outcome.after == InterestState(0, Money.of("53890.90").fen, 0, 0, date(2025, 7, 1), SETTLEMENT)


def test_example_1b_cross_checks_with_the_day_by_day_definition_and_the_flow_decomposition() -> None:
    movements = [(d, CREDIT) for d in CREDIT_DAYS] + [(WITHDRAWAL_DAY, -2_000_000)]
    assert daily_balance_days(5_000_000, movements, YEAR_START, SETTLEMENT) == 2_042_152_000
    remaining = [356, 325, 294, 264, 233, 203, 172, 141, 113, 82, 52, 21]
    flows = 5_000_000 * 365 + sum(CREDIT * days for days in remaining) - 2_000_000 * 108
    assert flows == 2_042_152_000


def test_example_1c_closing_interest_is_paid_to_the_day_before_closing() -> None:
    state, _ = example_1b()
    state = settle(state, SETTLEMENT, RATES).after
    for day in (date(2025, 7, 10), date(2025, 8, 10)):
        state, _ = move(state, CREDIT, day)
    assert state.balance_fen == Money.of("57730.90").fen
    interest = closing_interest(state, date(2025, 9, 20), RATES)
    assert interest == Money.of("190.92")
    assert Money(state.balance_fen) + interest == Money.of("57921.82")


def test_rounding_happens_once_on_the_total_not_per_bucket() -> None:
    # Each bucket alone rounds down (0.4 fen each); together they round up.
    rates = InterestRates(Rate.of("0.036"), Rate.of("0.036"))
    assert interest_on(4_000, 0, rates) == Money(0)
    assert interest_on(4_000, 4_000, rates) == Money(1)


def test_different_rates_per_bucket_stay_possible() -> None:
    rates = InterestRates(Rate.percent("0.35"), Rate.percent("1.10"))
    assert interest_on(36_000_000, 0, rates) == Money(350)
    assert interest_on(0, 36_000_000, rates) == Money(1_100)
    assert rates.as_integers() == (35, 110, 360 * 10_000)


def test_a_debit_can_draw_on_the_balance_brought_forward_first() -> None:
    state = InterestState(300, 1_000, 0, 0, YEAR_START)
    rules = PostingRules(debit_order=DebitOrder.CARRIED_FIRST)
    after, split = move(state, -1_200, YEAR_START, rules=rules)
    assert split == Split(200, 1_000)
    assert (after.current_year_fen, after.carried_fen) == (100, 0)
    _, split = move(state, -1_200, YEAR_START)
    assert split == Split(300, 900)


def test_credits_in_a_voucher_are_applied_before_its_debits() -> None:
    state = InterestState.opened(YEAR_START)
    after, splits = apply_lines(state, [(1, -500), (2, 500)], YEAR_START, business_date=YEAR_START)
    assert (after.current_year_fen, after.carried_fen) == (0, 0)
    assert splits == {2: Split(500, 0), 1: Split(500, 0)}


def test_a_back_valued_credit_corrects_the_products_within_the_window() -> None:
    state, _ = move(InterestState.opened(YEAR_START), 10_000, YEAR_START)
    business_day = date(2024, 8, 1)
    after, _ = apply_movement(state, 5_000, date(2024, 7, 11), business_date=business_day)
    # The credit counts from 11 July: 5,000 × (1 Aug − 11 Jul = 21) once accrued to 1 Aug.
    assert closing_interest(after, business_day, RATES) == interest_on(10_000 * 31 + 5_000 * 21, 0, RATES)
    accrued = advance(state, date(2024, 7, 25))
    with pytest.raises(InterestRuleViolation) as refused:  # 31 days before the business date
        apply_movement(accrued, 5_000, date(2024, 7, 1), business_date=business_day)
    assert refused.value.code == "value_date_outside_window"
    inside, _ = apply_movement(accrued, 5_000, date(2024, 7, 2), business_date=business_day)
    assert inside.balance_days_current == 10_000 * 24 + 5_000 * 23
    reversal, _ = apply_movement(accrued, -1, date(2024, 7, 1), business_date=business_day, reversal=True)
    assert reversal.balance_days_current == 10_000 * 24 - 24  # a reversal keeps its original's value date


def test_a_new_year_waits_for_the_settlement_of_the_old_one() -> None:
    state, _ = move(InterestState.opened(YEAR_START), 10_000, YEAR_START)
    with pytest.raises(InterestRuleViolation) as refused:
        move(state, 100, date(2025, 7, 1))
    assert refused.value.code == "interest_settlement_pending"
    assert refused.value.details["year"] == "2024—2025年度"
    settled = settle(state, SETTLEMENT, RATES).after
    after, _ = move(settled, 100, date(2025, 7, 1))
    assert (after.current_year_fen, after.balance_days_current) == (100, 0)


def test_an_empty_account_crosses_a_year_end_and_counts_as_settled() -> None:
    state = InterestState.opened(date(2024, 6, 1))
    after, _ = move(state, 100, date(2024, 7, 5))
    assert after.settled_on == date(2024, 6, 30)
    assert after == InterestState(100, 0, 0, 0, date(2024, 7, 5), date(2024, 6, 30))


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(st.integers(0, 364), st.integers(1, 5_000_000), st.booleans()),
        max_size=25,
    ),
    st.integers(0, 10_000_000),
)
def test_running_products_equal_the_day_by_day_sum(events: list[tuple[int, int, bool]], opening: int) -> None:
    state = InterestState(0, opening, 0, 0, YEAR_START, YEAR_START - timedelta(days=1))
    applied: list[tuple[date, int]] = []
    balance = opening
    for offset, amount, credit in sorted(events):
        day = YEAR_START + timedelta(days=offset)
        delta = amount if credit else -min(amount, balance)
        if delta == 0:
            continue
        state, split = move(state, delta, day)
        assert split.current_year_fen + split.carried_fen == abs(delta)
        balance += delta
        applied.append((day, delta))
        assert state.balance_fen == balance and min(state.current_year_fen, state.carried_fen) >= 0
    outcome = settle(state, SETTLEMENT, RATES)
    expected = daily_balance_days(opening, applied, YEAR_START, SETTLEMENT)
    assert outcome.balance_days_current + outcome.balance_days_carried == expected
    assert outcome.interest == interest_on(expected, 0, RATES)


@settings(max_examples=300)
@given(
    st.integers(0, 10**15),
    st.integers(0, 10**15),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("0.2"), places=6),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("0.2"), places=6),
)
def test_the_integer_form_used_in_sql_rounds_exactly_like_the_decimal_one(
    current: int, carried: int, rate_current: Decimal, rate_carried: Decimal
) -> None:
    rates = InterestRates(Rate(rate_current), Rate(rate_carried))
    a, b, d = rates.as_integers()
    numerator = current * a + carried * b
    assert Money((2 * numerator + d) // (2 * d)) == interest_on(current, carried, rates)
