"""Withdrawal rules (domain/withdrawals.py): every reason of the reference policy is approved with
complete evidence and refused, naming the rule in Chinese with its source, when one condition
fails."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.policy import WithdrawalLimit, parse_policy
from anju.domain.withdrawals import (
    UNIT_CERTIFICATE,
    AccountFacts,
    Decision,
    Evidence,
    PastWithdrawal,
    available_balance,
    evaluate,
    required_materials,
)
from anju.money import Money

ROOT = Path(__file__).resolve().parents[2]
POLICY = parse_policy(tomllib.loads((ROOT / "policies" / "reference.toml").read_text(encoding="utf-8")))
W = POLICY.withdrawal
DAY = date(2026, 11, 23)
REASONS = [r.code for r in W.reasons]
BALANCE = Money.of("50000.00")


def facts(reason_code: str, **kw: object) -> AccountFacts:
    rule = W.reason(reason_code)
    values: dict[str, object] = {
        "status": "02" if rule.min_sealed_months else "01",
        "balance": BALANCE,
        "continuous_months": 36,
        "sealed_since": date(2026, 1, 1) if rule.min_sealed_months else None,
    }
    values.update(kw)
    return AccountFacts(**values)  # type: ignore[arg-type]


def evidence(reason_code: str, **kw: object) -> Evidence:
    rule = W.reason(reason_code)
    values: dict[str, object] = {
        "materials": frozenset(required_materials(W, rule)),
        "event_date": date(2026, 6, 1),
        "cost": Money.of("30000.00"),
        "amount_repaid": Money.of("24000.00"),
        "monthly_rent": Money.of("2500.00"),
        "rent_months": 1,
        "property_ref": "豫(2026)安居市不动产权第0001号",
        "owns_home_in_city": False,
    }
    values.update(kw)
    return Evidence(**values)  # type: ignore[arg-type]


def decide(
    reason_code: str,
    *,
    history: tuple[PastWithdrawal, ...] = (),
    requested: Money | None = None,
    f: AccountFacts | None = None,
    e: Evidence | None = None,
) -> Decision:
    return evaluate(
        W,
        reason_code,
        f or facts(reason_code),
        e or evidence(reason_code),
        history,
        requested=requested,
        as_of=DAY,
    )


def refused_codes(d: Decision) -> set[str]:
    return {o.code for o in d.refusals}


@pytest.mark.parametrize("code", REASONS)
def test_every_reason_is_approved_with_complete_evidence(code: str) -> None:
    rule = W.reason(code)
    requested = (
        None
        if rule.closes_account or rule.limit_rule is not WithdrawalLimit.APPROVED
        else Money.of("1000.00")
    )
    d = decide(code, requested=requested)
    assert d.approved, d.summary_zh()
    assert d.closes_account is rule.closes_account
    assert d.standard_code == rule.standard_code
    assert d.amount.is_positive
    # Every outcome says which rule and where it comes from.
    assert all(o.source and o.detail_zh for o in d.outcomes)
    if rule.closes_account:
        assert d.amount == BALANCE  # the whole balance; interest is added when paid
    else:
        assert d.amount <= available_balance(W, facts(code))


@pytest.mark.parametrize("code", REASONS)
def test_every_reason_is_refused_on_a_frozen_account_naming_the_rule(code: str) -> None:
    d = decide(code, f=facts(code, status="06"), requested=Money.of("100.00"))
    assert not d.approved
    assert "account_not_frozen" in refused_codes(d)
    assert "冻结" in d.summary_zh()


@pytest.mark.parametrize("code", REASONS)
def test_every_reason_is_refused_without_its_materials(code: str) -> None:
    rule = W.reason(code)
    d = decide(code, e=evidence(code, materials=frozenset(rule.materials[1:])), requested=Money.of("100.00"))
    assert refused_codes(d) == {"materials_complete"}
    assert rule.materials[0] in d.summary_zh()
    assert UNIT_CERTIFICATE in d.summary_zh()


@pytest.mark.parametrize("code", REASONS)
def test_every_reason_is_refused_for_a_blacklisted_person_or_overdue_loan(code: str) -> None:
    d = decide(
        code, f=facts(code, blacklist_reason="骗提", has_overdue_loan=True), requested=Money.of("1.00")
    )
    assert {"not_blacklisted", "no_overdue_loan"} <= refused_codes(d)
    assert "黑名单" in d.summary_zh() and "逾期" in d.summary_zh()


def test_recent_fraud_blocks_for_the_policy_years() -> None:
    assert "no_recent_fraud" in refused_codes(decide("01", f=facts("01", fraud_found_on=date(2024, 1, 1))))
    assert decide("01", f=facts("01", fraud_found_on=date(2023, 11, 23))).approved  # 3 years passed


@pytest.mark.parametrize("code", [r.code for r in W.reasons if r.limit_rule is WithdrawalLimit.COST_BORNE])
def test_cost_borne_reasons_pay_at_most_the_cost(code: str) -> None:
    assert decide(code).amount == Money.of("30000.00")
    d = decide(code, requested=Money.of("30000.01"))
    assert refused_codes(d) == {"amount_limit"}
    assert "超过该事项限额 30,000.00 元" in d.summary_zh()
    assert "limit_evidence" in refused_codes(decide(code, e=evidence(code, cost=None)))


@pytest.mark.parametrize("code", [r.code for r in W.reasons if r.window_months])
def test_windowed_reasons_are_refused_after_the_window(code: str) -> None:
    late = add_years_ago = date(2020, 1, 1)
    d = decide(code, e=evidence(code, event_date=late))
    assert refused_codes(d) == {"event_window"}
    assert str(add_years_ago) in d.summary_zh()


@pytest.mark.parametrize("code", [r.code for r in W.reasons if r.once_per_property])
def test_a_property_is_used_once(code: str) -> None:
    e = evidence(code)
    past = (PastWithdrawal(code, date(2026, 7, 1), Money.of("100.00"), e.property_ref),)
    assert "once_per_property" in refused_codes(decide(code, history=past))
    other = (PastWithdrawal(code, date(2026, 7, 1), Money.of("100.00"), "另一套房"),)
    assert "once_per_property" not in refused_codes(decide(code, history=other))


@pytest.mark.parametrize("code", [r.code for r in W.reasons if r.min_interval_months])
def test_interval_between_withdrawals_of_the_same_reason(code: str) -> None:
    rule = W.reason(code)
    recent = (PastWithdrawal(code, date(2026, 11, 1), Money.of("100.00")),)
    d = decide(code, history=recent, requested=Money.of("100.00"))
    assert "min_interval" in refused_codes(d)
    assert f"不满 {rule.min_interval_months} 个月" in d.summary_zh()
    long_ago = (PastWithdrawal(code, date(2024, 1, 1), Money.of("100.00")),)
    assert decide(code, history=long_ago, requested=Money.of("100.00")).approved


def test_loan_repayment_once_a_year_up_to_the_amount_repaid() -> None:
    for code in ("06", "L1"):
        assert decide(code).amount == Money.of("24000.00")
        assert "amount_limit" in refused_codes(decide(code, requested=Money.of("24000.01")))
        twice = (PastWithdrawal(code, date(2026, 1, 10), Money.of("1.00")),)
        assert {"min_interval", "max_times_per_year"} <= refused_codes(decide(code, history=twice))


def test_rent_is_capped_per_month_and_needs_no_home_and_three_months() -> None:
    # Market rent 2,500 a month, cap 1,500: three months pay 4,500.
    assert decide("07", e=evidence("07", rent_months=3)).amount == Money.of("4500.00")
    # Public rental housing pays the actual rent.
    assert decide("L2", e=evidence("L2", rent_months=3)).amount == Money.of("7500.00")
    d = decide("07", e=evidence("07", owns_home_in_city=True), f=facts("07", continuous_months=2))
    assert {"no_home_in_city", "min_contribution_months"} <= refused_codes(d)
    assert "本市有自有住房" in d.summary_zh() and "不满 3 个月" in d.summary_zh()


def test_leaving_with_non_local_registration_needs_six_sealed_months() -> None:
    assert decide("L7").approved
    d = decide("L7", f=facts("L7", sealed_since=date(2026, 9, 1)))
    assert refused_codes(d) == {"min_sealed_months"}
    assert "min_sealed_months" in refused_codes(decide("L7", f=facts("L7", status="01", sealed_since=None)))


def test_closing_waits_for_open_withdrawals() -> None:
    d = decide("03", f=facts("03", pending=Money.of("100.00")))
    assert refused_codes(d) == {"no_open_withdrawal"}


def test_a_partial_withdrawal_keeps_the_minimum_balance_and_counts_open_ones() -> None:
    keep = W.min_remaining_balance.value
    d = decide("99", requested=BALANCE - keep)
    assert d.approved
    d = decide("99", requested=BALANCE - keep + Money(1))
    assert refused_codes(d) == {"balance_available"}
    d = decide("99", requested=Money.of("30000.00"), f=facts("99", pending=Money.of("25000.00")))
    assert refused_codes(d) == {"balance_available"}
    assert "在办提取 25,000.00 元" in d.summary_zh()


def test_closed_account_cannot_withdraw() -> None:
    d = decide("01", f=facts("01", status="05"))
    assert "account_status" in refused_codes(d)
    assert "提取销户" in d.summary_zh()


@given(
    balance=st.integers(0, 10**9),
    pending=st.integers(0, 10**9),
    requested=st.integers(1, 10**9),
)
def test_an_approved_partial_withdrawal_never_overdraws(balance: int, pending: int, requested: int) -> None:
    f = AccountFacts(status="01", balance=Money(balance), pending=Money(pending), continuous_months=12)
    d = evaluate(W, "99", f, evidence("99"), requested=Money(requested), as_of=DAY)
    if d.approved:
        assert d.amount.fen + pending + W.min_remaining_balance.value.fen <= balance


def test_worked_example_1b_partial_purchase_withdrawal() -> None:
    """calendar-and-examples.md Example 1b: a purchase withdrawal of 20,000.00 on 2025-03-15 from a
    balance of 67,280.00 is a partial withdrawal (reason 01, type 11) and leaves 47,280.00."""
    f = AccountFacts(status="01", balance=Money.of("67280.00"), continuous_months=120)
    e = evidence("01", event_date=date(2025, 1, 20), cost=Money.of("600000.00"))
    d = evaluate(W, "01", f, e, requested=Money.of("20000.00"), as_of=date(2025, 3, 15))
    assert d.approved and not d.closes_account
    assert (d.standard_code, d.amount) == ("01", Money.of("20000.00"))
    assert f.balance - d.amount == Money.of("47280.00")


def test_worked_example_1c_retirement_closes_with_the_whole_balance() -> None:
    """Example 1c: on retirement (reason 03) the whole 57,730.90 is withdrawn and the account closed;
    the 190.92 of interest is added by the closing payout (services.interest.pay_out_closing)."""
    f = AccountFacts(status="01", balance=Money.of("57730.90"), continuous_months=300)
    d = evaluate(W, "03", f, evidence("03"), as_of=date(2025, 9, 20))
    assert d.approved and d.closes_account
    assert (d.standard_code, d.amount) == ("03", Money.of("57730.90"))


def test_closing_waits_for_a_payment_still_at_the_bank() -> None:
    d = decide("03", f=facts("03", in_payment=Money.of("100.00")))
    assert refused_codes(d) == {"no_open_withdrawal"}
    assert "付款中" in d.summary_zh()
