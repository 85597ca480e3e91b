"""Repayment schedules: Examples 2, 5 and 6 of calendar-and-examples.md exactly, and properties."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from anju.domain.loans.combination import CombinationLoan, CommercialPart
from anju.domain.loans.schedule import (
    FirstPeriod,
    PrepaymentOption,
    RepaymentMethod,
    Schedule,
    ScheduleRuleViolation,
    build_schedule,
    change_term,
    due_date,
    equal_instalment_amount,
    months_to_repay,
    prepay_partial,
    reprice,
    reprice_for_rate_change,
    settle_in_full,
)
from anju.domain.policy import parse_policy
from anju.messages import MESSAGES
from anju.money import Money, Rate

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"
EI = RepaymentMethod.EQUAL_INSTALMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
DISBURSED = date(2024, 6, 20)
RATE_2024 = Rate.percent("2.85")
RATE_2025 = Rate.percent("2.60")


def yuan(text: str) -> Money:
    return Money.of(text)


def example_2(method: RepaymentMethod = EI, rate: Rate = RATE_2024) -> Schedule:
    return build_schedule(yuan("300000.00"), rate, 240, method, DISBURSED)


def example_5() -> Schedule:
    return reprice(example_2(), effective=date(2026, 1, 1), new_rate=RATE_2025)


def triples(schedule: Schedule, count: int = 3) -> list[tuple[str, str, str]]:
    return [(str(r.interest), str(r.principal), str(r.closing_balance)) for r in schedule.instalments[:count]]


# --- Example 2: RMB 300,000, 240 months, 2.85 % ----------------------------------------------------


def test_example_2a_equal_instalment() -> None:
    s = example_2()
    assert s.level == yuan("1641.36")
    assert s.total_interest == yuan("93925.19")
    assert s.total_paid == yuan("393925.19")
    assert triples(s) == [
        ("712.50", "928.86", "299071.14"),
        ("710.29", "931.07", "298140.07"),
        ("708.08", "933.28", "297206.79"),
    ]
    row_239, row_240 = s.instalments[-2:]
    assert (row_239.payment, row_239.interest, row_239.principal, row_239.closing_balance) == (
        yuan("1641.36"),
        yuan("7.77"),
        yuan("1633.59"),
        yuan("1636.26"),
    )
    assert (row_240.payment, row_240.interest, row_240.principal, row_240.closing_balance) == (
        yuan("1640.15"),
        yuan("3.89"),
        yuan("1636.26"),
        Money.ZERO,
    )
    assert [r.due_date for r in s.instalments[:3]] == [
        date(2024, 7, 20),
        date(2024, 8, 20),
        date(2024, 9, 20),
    ]
    assert s.maturity_date == date(2044, 6, 20)
    assert s.repayment_day == 20
    assert (s.method.code, s.method.label) == ("01", "等额本息")


def test_example_2a_ledger_total_differs_from_the_simple_calculator() -> None:
    # 1,641.3562 × 240 − 300,000 = 93,925.49 is what a naive calculator shows; statements show 93,925.19.
    assert example_2().total_interest != yuan("93925.49")


def test_example_2b_equal_principal() -> None:
    s = example_2(EP)
    assert s.level == yuan("1250.00")
    assert s.first_payment == yuan("1962.50")
    assert s.total_interest == yuan("85856.40")
    assert s.total_paid == yuan("385856.40")
    assert [str(r.payment) for r in s.instalments[:3]] == ["1962.50", "1959.53", "1956.56"]
    assert [str(r.payment) for r in s.instalments[-2:]] == ["1255.94", "1252.97"]
    assert {r.principal for r in s.instalments} == {yuan("1250.00")}
    assert s.method.code == "02"


def test_example_2c_today_rate() -> None:
    ei = example_2(EI, RATE_2025)
    assert ei.level == yuan("1604.36")
    assert [(str(r.interest), str(r.principal)) for r in ei.instalments[:3]] == [
        ("650.00", "954.36"),
        ("647.93", "956.43"),
        ("645.86", "958.50"),
    ]
    assert ei.last_payment == yuan("1605.69")
    assert ei.total_interest == yuan("85047.73")
    ep = example_2(EP, RATE_2025)
    assert [(str(r.payment), str(r.interest)) for r in ep.instalments[:3]] == [
        ("1900.00", "650.00"),
        ("1897.29", "647.29"),
        ("1894.58", "644.58"),
    ]
    assert ep.last_payment == yuan("1252.71")
    assert ep.total_interest == yuan("78325.20")


def test_example_4_instalment_10_and_month_end_balance() -> None:
    row = example_2().instalment(10)
    assert (row.due_date, row.payment, row.principal, row.interest) == (
        date(2025, 4, 20),
        yuan("1641.36"),
        yuan("948.90"),
        yuan("692.46"),
    )
    assert row.opening_balance == yuan("291560.39")  # AcctBal at 2025-04-30 while #10 is unpaid
    assert example_2().instalment(11).closing_balance == yuan("289660.33")  # AcctBal at 2025-05-31


# --- Example 5: repricing on 1 January -----------------------------------------------------------------


def test_example_5_reprices_from_the_outstanding_principal_and_remaining_instalments() -> None:
    old, new = example_2(), example_5()
    assert old.outstanding_after(date(2025, 12, 20)) == yuan("282938.67")
    assert len(new.due_after(date(2025, 12, 20))) == 222
    assert new.level == yuan("1606.85")
    row = new.instalment(19)
    assert (row.due_date, row.annual_rate) == (date(2026, 1, 20), RATE_2025)
    assert (row.interest, row.principal, row.closing_balance) == (
        yuan("613.03"),
        yuan("993.82"),
        yuan("281944.85"),
    )
    assert new.interest_due_after(date(2025, 12, 20)) == yuan("73781.33")
    assert old.interest_due_after(date(2025, 12, 20)) == yuan("81442.04")
    assert old.interest_due_after(date(2025, 12, 20)) - new.interest_due_after(date(2025, 12, 20)) == yuan(
        "7660.71"
    )
    # Instalments due before 1 January keep the old rate and amounts.
    assert new.instalments[:18] == old.instalments[:18]
    assert new.annual_rate == RATE_2024  # the contract rate stays as signed (JKHTLL)


def test_example_5_from_the_announcement_through_the_policy() -> None:
    policy = parse_policy(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))).loan
    announced = date(2025, 5, 8)
    new_rate = policy.rate_on(announced, first_home=True, term_months=240)
    assert new_rate == RATE_2025
    assert reprice_for_rate_change(example_2(), policy, announced=announced, new_rate=new_rate) == example_5()
    # A loan of one year or less keeps its contract rate.
    short = build_schedule(yuan("50000.00"), RATE_2024, 12, EI, date(2025, 3, 20))
    assert reprice_for_rate_change(short, policy, announced=announced, new_rate=new_rate) is short
    longer = build_schedule(yuan("50000.00"), RATE_2024, 13, EI, date(2025, 3, 20))
    repriced = reprice_for_rate_change(longer, policy, announced=announced, new_rate=new_rate)
    assert [r.annual_rate for r in repriced.instalments if r.due_date >= date(2026, 1, 1)] == [RATE_2025] * 4
    assert {r.annual_rate for r in repriced.instalments if r.due_date < date(2026, 1, 1)} == {RATE_2024}
    assert repriced.contract_term_months == 13


def test_repricing_at_the_old_rate_reproduces_the_schedule() -> None:
    assert equal_instalment_amount(yuan("282938.67"), RATE_2024, 222) == yuan("1641.36")
    old = example_2()
    assert reprice(old, effective=date(2026, 1, 1), new_rate=RATE_2024) == old


def test_repricing_after_maturity_changes_nothing() -> None:
    old = example_2()
    assert reprice(old, effective=date(2045, 1, 1), new_rate=RATE_2025) is old


def test_equal_principal_repricing_keeps_the_principal_part() -> None:
    new = reprice(example_2(EP), effective=date(2026, 1, 1), new_rate=RATE_2025)
    row = new.instalment(19)
    assert row.principal == yuan("1250.00")
    assert row.interest == yuan("601.25")  # (300,000 − 18 × 1,250) × 0.026 / 12
    assert new.total_principal == yuan("300000.00")


# --- Example 6: partial prepayment on 2026-06-20 ---------------------------------------------------------


def test_example_6_state_before_the_prepayment() -> None:
    s = example_5()
    row = s.instalment(24)
    assert (row.payment, row.interest, row.principal) == (yuan("1606.85"), yuan("602.22"), yuan("1004.63"))
    assert s.outstanding_after(date(2026, 6, 20)) == yuan("276943.37")
    assert s.interest_due_after(date(2026, 6, 20)) == yuan("70135.53")


def test_example_6_option_a_keeps_the_term() -> None:
    p = prepay_partial(
        example_5(), on=date(2026, 6, 20), amount=yuan("50000.00"), option=PrepaymentOption.LOWER_INSTALMENT
    )
    assert (p.accrued_interest, p.accrued_days, p.principal) == (Money.ZERO, 0, yuan("50000.00"))
    assert p.balance_after == yuan("226943.37")
    assert p.new_level == yuan("1316.74")
    assert p.instalments_remaining == 216
    assert p.remaining_interest_after == yuan("57473.41")
    assert p.remaining_interest_before == yuan("70135.53")
    assert p.after.maturity_date == example_5().maturity_date
    assert p.after.instalments[:24] == example_5().instalments[:24]


def test_example_6_option_b_keeps_the_instalment() -> None:
    p = prepay_partial(
        example_5(), on=date(2026, 6, 20), amount=yuan("50000.00"), option=PrepaymentOption.SHORTEN_TERM
    )
    assert months_to_repay(yuan("226943.37"), yuan("1606.85"), RATE_2025, EI) == 169
    remaining = p.after.due_after(date(2026, 6, 20))
    assert len(remaining) == p.instalments_remaining == 169
    assert {r.payment for r in remaining[:-1]} == {yuan("1606.85")}
    assert remaining[-1].payment == yuan("1255.03")
    assert p.remaining_interest_after == yuan("44262.46")
    assert p.after.maturity_date == due_date(DISBURSED, 20, 24 + 169)
    assert p.after.total_principal == yuan("300000.00") - p.principal


def test_prepayment_between_due_dates_collects_accrued_interest_first() -> None:
    # 11 days after 2026-06-20: 276,943.37 × 0.026 × 11 / 360 = 220.016… → 220.02
    p = prepay_partial(
        example_5(), on=date(2026, 7, 1), amount=yuan("50220.02"), option=PrepaymentOption.LOWER_INSTALMENT
    )
    assert (p.accrued_days, p.accrued_interest, p.principal) == (11, yuan("220.02"), yuan("50000.00"))
    assert p.balance_after == yuan("226943.37")
    # The next instalment bears interest only from the prepayment: 226,943.37 × 0.026 × 19 / 360.
    row = p.after.instalment(25)
    assert (row.interest_days, row.interest) == (19, yuan("311.42"))
    # A second prepayment in the same period accrues from the first one, not from the due date.
    again = prepay_partial(
        p.after, on=date(2026, 7, 11), amount=yuan("10000.00"), option=PrepaymentOption.SHORTEN_TERM
    )
    assert again.accrued_days == 10
    assert again.accrued_interest == yuan("163.90")  # 226,943.37 × 0.026 × 10 / 360 = 163.903…


def test_full_prepayment_on_and_between_due_dates() -> None:
    on_due = settle_in_full(example_5(), on=date(2026, 6, 20))
    assert (on_due.principal, on_due.accrued_interest, on_due.amount) == (
        yuan("276943.37"),
        Money.ZERO,
        yuan("276943.37"),
    )
    assert on_due.interest_saved == yuan("70135.53")
    later = settle_in_full(example_5(), on=date(2026, 7, 1))
    assert (later.accrued_days, later.accrued_interest, later.amount) == (
        11,
        yuan("220.02"),
        yuan("277163.39"),
    )


@pytest.mark.parametrize(
    ("on", "amount", "code"),
    [
        (date(2026, 6, 20), "0.00", "prepayment_amount_too_small"),
        (date(2026, 7, 1), "220.02", "prepayment_amount_too_small"),
        (date(2026, 6, 20), "276943.37", "prepayment_exceeds_balance"),
        (date(2024, 6, 1), "100.00", "prepayment_before_disbursement"),
        (date(2044, 6, 20), "100.00", "loan_fully_repaid"),
    ],
)
def test_prepayment_refusals(on: date, amount: str, code: str) -> None:
    with pytest.raises(ScheduleRuleViolation) as caught:
        prepay_partial(example_5(), on=on, amount=yuan(amount), option=PrepaymentOption.SHORTEN_TERM)
    assert caught.value.code == code
    assert code in MESSAGES


# --- due dates and the first period ---------------------------------------------------------------------


def test_repayment_day_is_the_disbursement_day_capped_at_28() -> None:
    s = build_schedule(yuan("100000.00"), RATE_2025, 12, EI, date(2024, 1, 31))
    assert s.repayment_day == 28
    assert [r.due_date for r in s.instalments[:2]] == [date(2024, 2, 28), date(2024, 3, 28)]
    with pytest.raises(ScheduleRuleViolation) as caught:
        build_schedule(yuan("100000.00"), RATE_2025, 12, EI, date(2024, 1, 31), repayment_day=29)
    assert caught.value.code == "repayment_day_invalid"


def test_actual_days_first_period_changes_only_the_first_interest() -> None:
    full = build_schedule(yuan("300000.00"), RATE_2024, 240, EI, date(2024, 6, 5), repayment_day=20)
    days = build_schedule(
        yuan("300000.00"),
        RATE_2024,
        240,
        EI,
        date(2024, 6, 5),
        repayment_day=20,
        first_period=FirstPeriod.ACTUAL_DAYS,
    )
    first = days.instalments[0]
    assert first.due_date == date(2024, 7, 20)
    assert (first.interest_days, first.interest) == (45, yuan("1068.75"))  # 300,000 × 0.0285 × 45 / 360
    assert first.principal == full.instalments[0].principal == yuan("928.86")
    assert days.instalments[1:] == full.instalments[1:]


def test_a_zero_rate_loan_repays_principal_only() -> None:
    s = build_schedule(yuan("1000.00"), Rate.percent("0"), 3, EI, DISBURSED)
    assert [str(r.payment) for r in s.instalments] == ["333.33", "333.33", "333.34"]
    assert s.total_interest == Money.ZERO


@pytest.mark.parametrize(
    ("principal", "rate", "term", "code"),
    [
        ("0.00", "2.60", 240, "loan_principal_not_positive"),
        ("-1.00", "2.60", 240, "loan_principal_not_positive"),
        ("1000.00", "2.60", 0, "loan_term_out_of_range"),
        ("1000.00", "2.60", 601, "loan_term_out_of_range"),
        ("1000.00", "-0.01", 12, "loan_rate_out_of_range"),
        ("1000.00", "20.01", 12, "loan_rate_out_of_range"),
    ],
)
def test_bad_terms_are_refused(principal: str, rate: str, term: int, code: str) -> None:
    with pytest.raises(ScheduleRuleViolation) as caught:
        build_schedule(yuan(principal), Rate.percent(rate), term, EI, DISBURSED)
    assert caught.value.code == code
    assert code in MESSAGES


# --- combination loans ------------------------------------------------------------------------------------


def test_combination_loan_adds_both_parts() -> None:
    commercial = CommercialPart(yuan("200000.00"), Rate.percent("3.50"), 240)
    hpf = example_2()
    combined = CombinationLoan(hpf, commercial.schedule(DISBURSED))
    assert commercial.first_payment() == equal_instalment_amount(yuan("200000.00"), Rate.percent("3.50"), 240)
    assert combined.principal == yuan("500000.00")
    assert combined.first_payment == hpf.first_payment + commercial.first_payment()
    assert combined.total_interest == hpf.total_interest + combined.commercial.total_interest
    assert combined.payment_due_on(date(2024, 7, 20)) == combined.first_payment
    ep = CommercialPart(yuan("240000.00"), Rate.percent("3.60"), 240, EP)
    assert ep.first_payment() == yuan("1720.00")  # 1,000.00 principal + 720.00 interest


# --- properties ---------------------------------------------------------------------------------------------

loans = st.builds(
    lambda fen, rate_bp, term, method, day: (
        Money(fen),
        Rate.percent(f"{rate_bp / 1000:.3f}"),
        term,
        method,
        day,
    ),
    st.integers(min_value=1, max_value=300_000_000),
    st.integers(min_value=0, max_value=8_000),
    st.integers(min_value=1, max_value=360),
    st.sampled_from(list(RepaymentMethod)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
)


def check_rows(schedule: Schedule, principal: Money) -> None:
    rows = schedule.instalments
    assert sum(r.principal.fen for r in rows) == principal.fen
    assert rows[-1].closing_balance == Money.ZERO
    for before, row in zip((None, *rows[:-1]), rows, strict=True):
        assert not row.principal.is_negative and not row.interest.is_negative
        assert not row.closing_balance.is_negative
        assert row.closing_balance == row.opening_balance - row.principal
        if before is not None:
            assert row.opening_balance == before.closing_balance
            assert row.due_date > before.due_date


@given(loans)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_schedule_repays_exactly_the_loan(loan: tuple[Money, Rate, int, RepaymentMethod, date]) -> None:
    principal, rate, term, method, day = loan
    s = build_schedule(principal, rate, term, method, day)
    check_rows(s, principal)
    assert len(s.instalments) <= term
    middle = s.instalments[:-1]
    if method is EI:
        assert all(r.payment == s.level for r in middle)
    else:
        assert all(r.principal == s.level for r in middle)
    if principal >= Money.yuan(10_000):
        assert len(s.instalments) == term  # rounding never ends a real loan early


@given(loans, st.integers(min_value=0, max_value=359), st.integers(min_value=0, max_value=8_000))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_repricing_keeps_the_principal_and_the_past(
    loan: tuple[Money, Rate, int, RepaymentMethod, date], paid: int, new_bp: int
) -> None:
    principal, rate, term, method, day = loan
    s = build_schedule(principal, rate, term, method, day)
    assume(paid < len(s.instalments))
    effective = s.instalments[paid].due_date - timedelta(days=1)
    new = reprice(s, effective=effective, new_rate=Rate.percent(f"{new_bp / 1000:.3f}"))
    check_rows(new, principal)
    assert new.instalments[:paid] == s.instalments[:paid]


big_loans = st.builds(
    lambda fen, rate_bp, term, method, day: (
        Money(fen),
        Rate.percent(f"{rate_bp / 1000:.3f}"),
        term,
        method,
        day,
    ),
    st.integers(min_value=1_000_000, max_value=300_000_000),
    st.integers(min_value=0, max_value=8_000),
    st.integers(min_value=2, max_value=360),
    st.sampled_from(list(RepaymentMethod)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
)


@given(big_loans, st.data(), st.integers(min_value=1, max_value=99), st.sampled_from(list(PrepaymentOption)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_prepayment_on_a_due_date_never_increases_interest(
    loan: tuple[Money, Rate, int, RepaymentMethod, date],
    data: st.DataObject,
    percent: int,
    option: PrepaymentOption,
) -> None:
    principal, rate, term, method, day = loan
    s = build_schedule(principal, rate, term, method, day)
    paid = data.draw(st.integers(min_value=0, max_value=len(s.instalments) - 2))
    on = s.instalments[paid].due_date
    balance = s.outstanding_after(on)
    amount = Money(max(balance.fen * percent // 100, 1))
    p = prepay_partial(s, on=on, amount=amount, option=option)
    rows = p.after.instalments
    assert sum(r.principal.fen for r in rows) + p.principal.fen == principal.fen
    assert all(not r.closing_balance.is_negative and not r.principal.is_negative for r in rows)
    assert rows[-1].closing_balance == Money.ZERO
    assert p.after.total_interest <= s.total_interest
    assert p.remaining_interest_after <= p.remaining_interest_before
    if option is PrepaymentOption.LOWER_INSTALMENT:
        assert p.instalments_remaining <= len(s.due_after(on))
        if p.balance_after >= Money.yuan(10_000):
            # Only a tiny balance over many months can be repaid a month early by the rounded level.
            assert p.instalments_remaining == len(s.due_after(on))
        assert p.new_level <= s.level
    else:
        assert p.instalments_remaining <= len(s.due_after(on))
        assert p.new_level == s.level


# --- 展期 / 缩期 (issue 8) ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    months=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(list(RepaymentMethod)),
    paid=st.integers(min_value=0, max_value=24),
)
def test_a_term_change_repays_exactly_the_outstanding_principal(
    months: int, method: RepaymentMethod, paid: int
) -> None:
    start = date(2026, 11, 23)
    schedule = build_schedule(Money.from_yuan("300000.00"), Rate.percent("2.60"), 240, method, start)
    effective = schedule.instalments[paid].due_date
    after = change_term(
        schedule, effective=effective, remaining_months=months, annual_rate=Rate.percent("2.60")
    )
    tail = after.due_after(effective - timedelta(days=1))
    assert len(tail) <= months and tail[0].instalment_no == paid + 1
    assert sum(r.principal.fen for r in tail) == schedule.instalments[paid].opening_balance.fen
    assert sum(r.principal.fen for r in after.instalments) == Money.from_yuan("300000.00").fen


def test_term_shortening_to_ten_years_matches_the_formula() -> None:
    schedule = build_schedule(
        Money.from_yuan("300000.00"),
        Rate.percent("2.60"),
        240,
        RepaymentMethod.EQUAL_INSTALMENT,
        date(2026, 11, 23),
    )
    after = change_term(
        schedule, effective=date(2026, 12, 23), remaining_months=120, annual_rate=Rate.percent("2.60")
    )
    assert after.level == Money.from_yuan("2841.76") and len(after.instalments) == 120
    assert after.instalments[-1].due_date == date(2036, 11, 23)
