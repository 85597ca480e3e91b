"""Overdue loans: Example 4 exactly (days past due, penalty, allocation, classification)."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.domain.loans.delinquency import (
    AllocationOrder,
    Classification,
    Component,
    DelinquencyRuleViolation,
    PenaltyTerms,
    RiskTier,
    UnpaidInstalment,
    allocate_payment,
    classify,
    days_past_due,
    lift_override,
    overdue_days,
    overdue_periods,
    override_classification,
    penalty_interest,
    tier_for,
)
from anju.domain.loans.schedule import RepaymentMethod, build_schedule
from anju.domain.policy import LoanPolicy, PenaltyBase, parse_policy
from anju.messages import MESSAGES
from anju.money import Money, Rate

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"
CONTRACT_RATE = Rate.percent("2.85")
DUE = date(2025, 4, 20)


def policy() -> LoanPolicy:
    with REFERENCE.open("rb") as handle:
        return parse_policy(tomllib.load(handle)).loan


def yuan(text: str) -> Money:
    return Money.of(text)


def instalment_10() -> UnpaidInstalment:
    """Example 4: #10 of the Example 2a loan, from the schedule itself."""
    row = build_schedule(
        yuan("300000.00"), CONTRACT_RATE, 240, RepaymentMethod.EQUAL_INSTALMENT, date(2024, 6, 20)
    )
    ten = row.instalment(10)
    return UnpaidInstalment(ten.instalment_no, ten.due_date, ten.principal, ten.interest)


def test_example_4_overdue_days_and_daily_penalty_rate() -> None:
    item = instalment_10()
    assert (item.due_date, item.principal, item.interest) == (DUE, yuan("948.90"), yuan("692.46"))
    paid_on = date(2025, 5, 12)
    assert overdue_days(DUE, paid_on) == 22
    assert days_past_due([item], paid_on) == 22
    assert overdue_periods([item], paid_on) == 1
    assert PenaltyTerms.of(policy()).daily_rate(CONTRACT_RATE) == Decimal("0.00011875")


def test_example_4_penalty_default_and_principal_only() -> None:
    terms = PenaltyTerms.of(policy())
    assert terms.base is PenaltyBase.PRINCIPAL_AND_INTEREST
    item = instalment_10()
    on = date(2025, 5, 12)
    assert penalty_interest(item, on=on, contract_rate=CONTRACT_RATE, terms=terms) == yuan("4.29")
    principal_only = dataclasses.replace(terms, base=PenaltyBase.PRINCIPAL_ONLY)
    assert penalty_interest(item, on=on, contract_rate=CONTRACT_RATE, terms=principal_only) == yuan("2.48")


def test_penalty_from_the_last_accrual_and_within_grace() -> None:
    terms = PenaltyTerms.of(policy())
    item = instalment_10()
    on = date(2025, 5, 12)
    # Accrued daily by a batch: from the day after the last accrual only.
    assert penalty_interest(
        item, on=on, contract_rate=CONTRACT_RATE, terms=terms, since=date(2025, 5, 11)
    ) == (
        yuan("0.19")  # 1,641.36 × 0.00011875 = 0.1949…
    )
    assert penalty_interest(item, on=DUE, contract_rate=CONTRACT_RATE, terms=terms) == Money.ZERO
    graced = dataclasses.replace(terms, grace_days=3)
    assert overdue_days(DUE, DUE + timedelta(days=3), grace_days=3) == 0
    assert (
        penalty_interest(item, on=DUE + timedelta(days=3), contract_rate=CONTRACT_RATE, terms=graced)
        == Money.ZERO
    )
    # Past the grace period the penalty runs from the due date.
    assert overdue_days(DUE, DUE + timedelta(days=4), grace_days=3) == 4
    assert penalty_interest(item, on=DUE + timedelta(days=4), contract_rate=CONTRACT_RATE, terms=graced) == (
        yuan("0.78")  # 1,641.36 × 0.00011875 × 4 = 0.7796…
    )


def test_example_4_allocation_of_the_payment() -> None:
    item = dataclasses.replace(instalment_10(), penalty=yuan("4.29"))
    allocation = allocate_payment(yuan("1645.65"), [item])
    assert [(line.component, line.amount) for line in allocation.lines] == [
        (Component.PENALTY, yuan("4.29")),
        (Component.OVERDUE_INTEREST, yuan("692.46")),
        (Component.OVERDUE_PRINCIPAL, yuan("948.90")),
    ]
    assert allocation.unapplied == Money.ZERO
    assert allocation.overdue_after == ()
    assert days_past_due(allocation.overdue_after, date(2025, 5, 12)) == 0
    assert [c.label for c in Component] == ["罚息", "逾期利息", "逾期本金", "当期利息", "当期本金"]


def test_a_short_payment_stops_in_order_and_the_rest_stays_owed() -> None:
    item = dataclasses.replace(instalment_10(), penalty=yuan("4.29"))
    allocation = allocate_payment(yuan("700.00"), [item])
    assert allocation.amount_of(Component.PENALTY) == yuan("4.29")
    assert allocation.amount_of(Component.OVERDUE_INTEREST) == yuan("692.46")
    assert allocation.amount_of(Component.OVERDUE_PRINCIPAL) == yuan("3.25")
    (left,) = allocation.overdue_after
    assert (left.penalty, left.interest, left.principal) == (Money.ZERO, Money.ZERO, yuan("945.65"))


def two_overdue_and_current() -> tuple[list[UnpaidInstalment], UnpaidInstalment]:
    older = UnpaidInstalment(10, date(2025, 4, 20), yuan("948.90"), yuan("692.46"), yuan("10.00"))
    newer = UnpaidInstalment(11, date(2025, 5, 20), yuan("951.15"), yuan("690.21"), yuan("2.00"))
    current = UnpaidInstalment(12, date(2025, 6, 20), yuan("953.41"), yuan("687.95"))
    return [newer, older], current


def test_penalties_first_then_interest_then_principal_older_first_then_current() -> None:
    overdue, current = two_overdue_and_current()
    allocation = allocate_payment(yuan("5000.00"), overdue, current)
    assert [(line.instalment_no, line.component.value) for line in allocation.lines] == [
        (10, "penalty"),
        (11, "penalty"),
        (10, "overdue_interest"),
        (11, "overdue_interest"),
        (10, "overdue_principal"),
        (11, "overdue_principal"),
        (12, "current_interest"),
        (12, "current_principal"),
    ]
    assert allocation.unapplied == yuan("5000.00") - sum((i.owed for i in [*overdue, current]), Money.ZERO)
    assert allocation.current_after is None


def test_by_instalment_order_cures_the_oldest_instalment_first() -> None:
    overdue, current = two_overdue_and_current()
    allocation = allocate_payment(yuan("1700.00"), overdue, current, order=AllocationOrder.BY_INSTALMENT)
    assert [(line.instalment_no, line.component.value) for line in allocation.lines[:4]] == [
        (10, "penalty"),
        (10, "overdue_interest"),
        (10, "overdue_principal"),
        (11, "penalty"),
    ]
    assert [item.instalment_no for item in allocation.overdue_after] == [11]


def test_a_payment_must_be_positive() -> None:
    with pytest.raises(DelinquencyRuleViolation) as caught:
        allocate_payment(Money.ZERO, [instalment_10()])
    assert caught.value.code == "amount_must_be_positive"


@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**5)), min_size=0, max_size=6
    ),
    st.integers(1, 10**7),
    st.sampled_from(list(AllocationOrder)),
)
@settings(max_examples=200, deadline=None)
def test_allocation_never_loses_or_invents_a_fen(
    parts: list[tuple[int, int, int]], paid: int, order: AllocationOrder
) -> None:
    overdue = [
        UnpaidInstalment(n + 1, date(2025, 1, 20) + timedelta(days=31 * n), Money(p), Money(i), Money(f))
        for n, (p, i, f) in enumerate(parts)
    ]
    allocation = allocate_payment(Money(paid), overdue, order=order)
    applied = sum(line.amount.fen for line in allocation.lines)
    assert applied + allocation.unapplied.fen == paid
    owed_before = sum(item.owed.fen for item in overdue)
    owed_after = sum(item.owed.fen for item in allocation.overdue_after)
    assert owed_before - owed_after == applied
    assert all(line.amount.is_positive for line in allocation.lines)
    assert allocation.unapplied.is_zero or owed_after == 0
    # No penalty is left owing while interest or principal was paid.
    if (
        any(line.component is not Component.PENALTY for line in allocation.lines)
        and order is AllocationOrder.BY_COMPONENT
    ):
        assert all(item.penalty.is_zero for item in allocation.overdue_after)


# --- classification ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "dpd", "tier"),
    [
        (date(2025, 4, 30), 10, RiskTier.SPECIAL_MENTION),
        (date(2025, 7, 19), 90, RiskTier.SPECIAL_MENTION),
        (date(2025, 7, 20), 91, RiskTier.SUBSTANDARD),
        (date(2025, 10, 17), 180, RiskTier.SUBSTANDARD),
        (date(2025, 10, 18), 181, RiskTier.DOUBTFUL),
        (date(2026, 4, 15), 360, RiskTier.DOUBTFUL),
        (date(2026, 4, 16), 361, RiskTier.LOSS),
    ],
)
def test_example_4_classification_if_never_paid(on: date, dpd: int, tier: RiskTier) -> None:
    thresholds = policy().classification
    assert days_past_due([instalment_10()], on) == dpd
    assert tier_for(dpd, thresholds) is tier
    assert classify(dpd, thresholds).effective is tier


def test_2023_banking_thresholds_are_data() -> None:
    banking = dataclasses.replace(policy().classification, substandard_max_days=270)
    assert tier_for(days_past_due([instalment_10()], date(2026, 1, 16)), banking) is RiskTier.DOUBTFUL
    assert tier_for(days_past_due([instalment_10()], date(2026, 1, 16)), policy().classification) is (
        RiskTier.DOUBTFUL
    )
    assert tier_for(days_past_due([instalment_10()], date(2025, 12, 1)), banking) is RiskTier.SUBSTANDARD


def test_classification_moves_both_ways_automatically() -> None:
    thresholds = policy().classification
    worse = classify(120, thresholds)
    assert worse.effective is RiskTier.SUBSTANDARD
    cured = classify(0, thresholds, previous=worse)
    assert cured.effective is RiskTier.NORMAL
    assert (RiskTier.NORMAL.label, RiskTier.LOSS.label, RiskTier.LOSS.value) == ("正常", "损失", "05")


def test_manual_override_only_worse_with_a_reason_and_it_sticks_until_lifted() -> None:
    thresholds = policy().classification
    current = classify(10, thresholds)  # special mention
    with pytest.raises(DelinquencyRuleViolation) as caught:
        override_classification(current, RiskTier.NORMAL, "借款人已还清")
    assert caught.value.code == "classification_override_not_worse"
    assert "当前为关注" in caught.value.message
    with pytest.raises(DelinquencyRuleViolation) as caught:
        override_classification(current, RiskTier.SPECIAL_MENTION, "同级")
    assert caught.value.code == "classification_override_not_worse"
    with pytest.raises(DelinquencyRuleViolation) as caught:
        override_classification(current, RiskTier.DOUBTFUL, "   ")
    assert caught.value.code == "classification_reason_required"
    overridden = override_classification(current, RiskTier.DOUBTFUL, "借款人失业，抵押物已被其他法院查封")
    assert overridden.effective is RiskTier.DOUBTFUL
    # The borrower pays: the automatic tier improves, the override stays in force.
    paid = classify(0, thresholds, previous=overridden)
    assert (paid.automatic, paid.effective, paid.override_reason) == (
        RiskTier.NORMAL,
        RiskTier.DOUBTFUL,
        "借款人失业，抵押物已被其他法院查封",
    )
    # Worse by days than the override: the days win.
    assert classify(400, thresholds, previous=overridden).effective is RiskTier.LOSS
    assert lift_override(paid) == Classification(RiskTier.NORMAL)
    assert {"classification_override_not_worse", "classification_reason_required"} <= set(MESSAGES)
