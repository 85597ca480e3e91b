"""Remittance rules without a database: roster totals and parts, the paid-up-to month, arrears
months against the due date and grace, deferrals, payment matching and the notice ladder."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.dates import YearMonth
from anju.domain.policy import ContributionPolicy, RemittanceDue, Sourced, parse_policy
from anju.domain.remittance import (
    DeferralApplication,
    DeferralKind,
    DeferralState,
    MonthRange,
    NoticeKind,
    NoticeRecord,
    Ratios,
    RemittanceRuleViolation,
    RosterCandidate,
    RosterKind,
    RosterLine,
    advance_paid_up_to,
    check_back_payment_months,
    check_deferral_application,
    check_notice_step,
    deferral_state_on,
    integer_rounding,
    last_due_month,
    match_roster,
    owed_months,
    ratio_units,
    ratios_for_month,
    roster_totals,
)
from anju.money import Money, Rate, RoundingRule

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"


def ym(text: str) -> YearMonth:
    return YearMonth.parse(text)


@pytest.fixture(scope="module")
def contribution() -> ContributionPolicy:
    with REFERENCE.open("rb") as fh:
        return parse_policy(tomllib.load(fh)).contribution


TWELVE = Ratios(Rate.percent("12"), Rate.percent("12"))


# --- parts and totals (calendar-and-examples.md, example 1a) ---------------------------------


def test_roster_totals_add_up_both_parts() -> None:
    lines = [
        RosterLine(1, Money.of("8000.00"), Money.of("960.00"), Money.of("960.00")),
        RosterLine(2, Money.of("2000.00"), Money.of("240.00"), Money.of("100.00")),
    ]
    totals = roster_totals(lines)
    assert totals.headcount == 2
    assert totals.unit_total == Money.of("1200.00")
    assert totals.member_total == Money.of("1060.00")
    assert totals.total == Money.of("2260.00")
    assert roster_totals([]).total == Money.ZERO


@given(
    base=st.integers(min_value=1, max_value=10**9),
    units=st.integers(min_value=0, max_value=1200),
    rule=st.sampled_from(list(RoundingRule)),
)
def test_integer_rounding_equals_the_one_rounding_function(base: int, units: int, rule: RoundingRule) -> None:
    """The SQL form of a part (INSERT ... SELECT for reduced ratios) is exactly Money.times."""
    rate = Rate(Decimal(units) / 10_000)
    assert integer_rounding(rule).apply(base, units) == Money(base).times(rate, rule).fen


def test_a_ratio_with_more_than_four_decimals_is_refused() -> None:
    assert ratio_units(Rate.percent("7.5")) == 750
    with pytest.raises(RemittanceRuleViolation):
        ratio_units(Rate.of("0.123456"))


# --- due month and arrears -------------------------------------------------------------------


def test_end_of_month_rule_makes_last_month_the_latest_due(contribution: ContributionPolicy) -> None:
    # Default: due by the end of the month it is for, no grace (reference policy).
    assert last_due_month(contribution, date(2026, 11, 23)) == ym("202610")
    assert last_due_month(contribution, date(2026, 11, 1)) == ym("202610")
    assert last_due_month(contribution, date(2026, 10, 31)) == ym("202609")


def test_grace_days_push_the_due_date(contribution: ContributionPolicy) -> None:
    graced = replace(contribution, arrears_grace_days=Sourced(10, "test", "L"))
    assert last_due_month(graced, date(2026, 11, 10)) == ym("202609")
    assert last_due_month(graced, date(2026, 11, 11)) == ym("202610")


def test_days_after_payday_rule_uses_the_units_payday(contribution: ContributionPolicy) -> None:
    art19 = replace(contribution, remittance_due=Sourced(RemittanceDue.DAYS_AFTER_PAYDAY, "Art. 19", "N"))
    # Payday the 10th, 5 days: November is due by 15 November, in arrears from the 16th.
    assert last_due_month(art19, date(2026, 11, 15), payday=10) == ym("202610")
    assert last_due_month(art19, date(2026, 11, 16), payday=10) == ym("202611")


def test_paid_up_to_advances_only_across_contiguous_months() -> None:
    first = ym("202601")
    assert advance_paid_up_to(None, first, []) is None
    assert advance_paid_up_to(None, first, [ym("202601")]) == ym("202601")
    # March paid before February: stays at January until February is back-paid.
    assert advance_paid_up_to(ym("202601"), first, [ym("202603")]) == ym("202601")
    assert advance_paid_up_to(ym("202601"), first, [ym("202603"), ym("202602")]) == ym("202603")
    assert advance_paid_up_to(None, first, [ym("202602")]) is None


def test_owed_months_skip_paid_and_actively_deferred_months() -> None:
    owed = owed_months(
        first_month=ym("202601"),
        paid_up_to=ym("202603"),
        paid_months=[ym("202605")],
        deferred=[MonthRange(ym("202607"), ym("202608"))],
        through=ym("202610"),
    )
    assert owed == [ym("202604"), ym("202606"), ym("202609"), ym("202610")]


def test_a_unit_that_never_paid_owes_from_its_first_month() -> None:
    owed = owed_months(
        first_month=ym("202609"), paid_up_to=None, paid_months=[], deferred=[], through=ym("202610")
    )
    assert owed == [ym("202609"), ym("202610")]
    assert (
        owed_months(
            first_month=ym("202611"), paid_up_to=None, paid_months=[], deferred=[], through=ym("202610")
        )
        == []
    )


def test_months_of_an_ended_deferral_are_owed_again() -> None:
    months = MonthRange(ym("202607"), ym("202608"))
    assert deferral_state_on(DeferralState.ACTIVE, months, ym("202609")) == DeferralState.ENDED
    # The service passes only active deferrals: once ended, the months come back as owed.
    owed = owed_months(
        first_month=ym("202601"),
        paid_up_to=ym("202606"),
        paid_months=[ym("202609")],
        deferred=[],
        through=ym("202609"),
    )
    assert owed == [ym("202607"), ym("202608")]


@given(
    paid=st.sets(st.integers(min_value=0, max_value=23)),
    start=st.integers(min_value=0, max_value=23),
)
def test_paid_up_to_never_skips_an_unpaid_month(paid: set[int], start: int) -> None:
    first = ym("202501")
    months = {first.add(i) for i in paid}
    result = advance_paid_up_to(None, first, months)
    if result is not None:
        assert all(m in months for m in first.range_to(result))
    # And nothing owed lies at or before the paid-up-to month.
    owed = owed_months(
        first_month=first, paid_up_to=result, paid_months=months, deferred=[], through=first.add(23)
    )
    assert not owed or result is None or owed[0] > result
    assert set(owed).isdisjoint(months)


def test_deferral_states_follow_the_business_month() -> None:
    months = MonthRange(ym("202612"), ym("202702"))
    assert deferral_state_on(DeferralState.APPROVED, months, ym("202611")) == DeferralState.APPROVED
    assert deferral_state_on(DeferralState.APPROVED, months, ym("202612")) == DeferralState.ACTIVE
    assert deferral_state_on(DeferralState.ACTIVE, months, ym("202703")) == DeferralState.ENDED
    assert deferral_state_on(DeferralState.REFUSED, months, ym("202701")) == DeferralState.REFUSED


def test_a_month_range_refuses_an_end_before_its_start() -> None:
    with pytest.raises(RemittanceRuleViolation) as err:
        MonthRange(ym("202605"), ym("202604"))
    assert err.value.code == "month_range_invalid"
    assert MonthRange(ym("202511"), ym("202602")).count == 4


# --- back-payment ----------------------------------------------------------------------------


def test_back_payment_needs_a_reason_and_past_months() -> None:
    months = [ym("202608"), ym("202609")]
    assert (
        check_back_payment_months(
            months, current_month=ym("202611"), first_month=ym("202601"), reason=" 漏缴 "
        )
        == "漏缴"
    )
    with pytest.raises(RemittanceRuleViolation) as err:
        check_back_payment_months(months, current_month=ym("202611"), first_month=ym("202601"), reason="  ")
    assert err.value.code == "back_payment_reason_required"
    with pytest.raises(RemittanceRuleViolation) as err:
        check_back_payment_months(
            [ym("202611")], current_month=ym("202611"), first_month=ym("202601"), reason="漏缴"
        )
    assert err.value.code == "back_payment_month_not_past"
    with pytest.raises(RemittanceRuleViolation) as err:
        check_back_payment_months(
            [ym("202512")], current_month=ym("202611"), first_month=ym("202601"), reason="漏缴"
        )
    assert err.value.code == "back_payment_before_opening"


# --- matching --------------------------------------------------------------------------------


def test_a_payment_pays_the_oldest_confirmed_roster_of_the_same_amount() -> None:
    candidates = [
        RosterCandidate(3, ym("202610"), RosterKind.REMITTANCE, Money(100_00)),
        RosterCandidate(2, ym("202609"), RosterKind.BACK_PAYMENT, Money(100_00)),
        RosterCandidate(1, ym("202608"), RosterKind.BACK_PAYMENT, Money(90_00)),
    ]
    assert match_roster(Money(100_00), candidates) == candidates[1]
    assert match_roster(Money(90_00), candidates) == candidates[2]
    assert match_roster(Money(99_99), candidates) is None  # short: to suspense
    assert match_roster(Money(190_00), candidates) is None  # over: to suspense
    assert match_roster(Money(0), [RosterCandidate(4, ym("202610"), RosterKind.REMITTANCE, Money(0))]) is None


# --- deferral and ratio reduction ------------------------------------------------------------


def _app(
    kind: str, unit: str | None = None, member: str | None = None, body: str = "管委会"
) -> DeferralApplication:
    return DeferralApplication(
        kind=kind,
        months=MonthRange(ym("202612"), ym("202705")),
        approving_body=body,
        document_no="安公积金管委〔2026〕3号",
        unit_ratio=Rate.percent(unit) if unit else None,
        member_ratio=Rate.percent(member) if member else None,
    )


def test_a_deferral_needs_its_approval_and_no_ratios() -> None:
    check_deferral_application(_app(DeferralKind.DEFERRAL), TWELVE)
    with pytest.raises(RemittanceRuleViolation) as err:
        check_deferral_application(_app(DeferralKind.DEFERRAL, body=" "), TWELVE)
    assert err.value.code == "required_field"
    with pytest.raises(RemittanceRuleViolation) as err:
        check_deferral_application(_app(DeferralKind.DEFERRAL, "5", "5"), TWELVE)
    assert err.value.code == "deferral_has_no_ratio"


def test_a_ratio_reduction_may_go_below_five_percent_but_must_reduce() -> None:
    check_deferral_application(_app(DeferralKind.RATIO_REDUCTION, "3", "3"), TWELVE)
    for unit, member, code in (
        ("12", "12", "reduced_ratio_not_lower"),
        ("13", "5", "reduced_ratio_out_of_range"),
        ("0.5", "5", "reduced_ratio_out_of_range"),
    ):
        with pytest.raises(RemittanceRuleViolation) as err:
            check_deferral_application(_app(DeferralKind.RATIO_REDUCTION, unit, member), TWELVE)
        assert err.value.code == code
    with pytest.raises(RemittanceRuleViolation) as err:
        check_deferral_application(_app(DeferralKind.RATIO_REDUCTION), TWELVE)
    assert err.value.code == "reduced_ratio_required"


def test_a_ratio_reduction_sets_the_ratios_of_its_months_only() -> None:
    reduced = Ratios(Rate.percent("5"), Rate.percent("5"))
    reductions = [(MonthRange(ym("202612"), ym("202702")), reduced)]
    assert ratios_for_month(ym("202701"), TWELVE, reductions) == (reduced, True)
    assert ratios_for_month(ym("202703"), TWELVE, reductions) == (TWELVE, False)


# --- the enforcement ladder ------------------------------------------------------------------


def test_notices_go_reminder_then_order_then_court() -> None:
    today = date(2026, 11, 23)
    check_notice_step(NoticeKind.REMINDER, [], today=today, deadline=None, in_arrears=True)
    with pytest.raises(RemittanceRuleViolation) as err:
        check_notice_step(NoticeKind.ORDER, [], today=today, deadline=date(2026, 12, 23), in_arrears=True)
    assert err.value.code == "notice_needs_reminder"
    reminder = NoticeRecord(NoticeKind.REMINDER, date(2026, 10, 1), None)
    with pytest.raises(RemittanceRuleViolation) as err:
        check_notice_step(NoticeKind.ORDER, [reminder], today=today, deadline=today, in_arrears=True)
    assert err.value.code == "notice_deadline_invalid"
    check_notice_step(NoticeKind.ORDER, [reminder], today=today, deadline=date(2026, 12, 23), in_arrears=True)
    with pytest.raises(RemittanceRuleViolation) as err:
        check_notice_step(NoticeKind.COURT, [reminder], today=today, deadline=None, in_arrears=True)
    assert err.value.code == "notice_needs_order"
    order = NoticeRecord(NoticeKind.ORDER, date(2026, 11, 1), date(2026, 11, 23))
    with pytest.raises(RemittanceRuleViolation) as err:
        check_notice_step(NoticeKind.COURT, [reminder, order], today=today, deadline=None, in_arrears=True)
    assert err.value.code == "notice_order_not_expired"
    check_notice_step(
        NoticeKind.COURT, [reminder, order], today=date(2026, 11, 24), deadline=None, in_arrears=True
    )
    with pytest.raises(RemittanceRuleViolation) as err:
        check_notice_step(NoticeKind.REMINDER, [], today=today, deadline=None, in_arrears=False)
    assert err.value.code == "unit_not_in_arrears"
