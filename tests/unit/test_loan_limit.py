"""The loan limit and eligibility: Example 3 exactly, every figure named with its source."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.domain.loans.combination import CommercialPart
from anju.domain.loans.limit import (
    BALANCE_MULTIPLE,
    CITY_MAX,
    LTV,
    REPAYMENT_CAPACITY,
    ApplicantFacts,
    BirthFacts,
    Contributor,
    EligibilityFacts,
    LimitRequest,
    LoanRuleViolation,
    RuleSource,
    check_amount_within_limit,
    check_eligibility,
    loan_limit,
)
from anju.domain.policy import LoanPolicy, PolicyRuleViolation, parse_policy
from anju.domain.retirement import Gender, RetirementCategory
from anju.messages import MESSAGES
from anju.money import Money, Rate

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"


def reference_data() -> dict[str, Any]:
    with REFERENCE.open("rb") as handle:
        return tomllib.load(handle)


def example_3_policy() -> LoanPolicy:
    """The reference policy with Example 3's illustrative coefficient of 40 %."""
    loan = parse_policy(reference_data()).loan
    return dataclasses.replace(
        loan, repayment_capacity=dataclasses.replace(loan.repayment_capacity, value=Rate.percent("40"))
    )


def yuan(text: str) -> Money:
    return Money.of(text)


def example_3(**changes: Any) -> LimitRequest:
    request = LimitRequest(
        house_price=yuan("1000000.00"),
        first_home=True,
        term_months=360,
        annual_rate=Rate.percent("2.60"),
        borrower=Contributor(balance=yuan("35000.00"), wage_base=yuan("9000.00")),
        co_borrower=Contributor(balance=yuan("13000.00"), wage_base=yuan("6000.00")),
    )
    return dataclasses.replace(request, **changes)


def test_example_3_balance_multiple_binds() -> None:
    policy = example_3_policy()
    decision = loan_limit(policy, example_3())
    amounts = {f.key: str(f.amount) for f in decision.figures}
    assert amounts == {
        CITY_MAX: "800000.00",
        LTV: "800000.00",
        BALANCE_MULTIPLE: "720000.00",
        REPAYMENT_CAPACITY: "1498727.16",
    }
    assert decision.limit == yuan("720000.00")
    assert decision.binding.key == BALANCE_MULTIPLE
    assert [f.key for f in decision.figures if f.binding] == [BALANCE_MULTIPLE]
    assert decision.max_instalment == yuan("6000.00")
    assert decision.instalment_at_limit == yuan("2882.45")
    checks = {c.key: c for c in decision.checks}
    assert checks["instalment_within_capacity"].passed
    assert "2,882.45" in checks["instalment_within_capacity"].detail
    assert checks["down_payment"].passed
    assert "280,000.00" in checks["down_payment"].detail


def test_example_3_every_figure_names_its_rule_and_policy_source() -> None:
    policy = example_3_policy()
    decision = loan_limit(
        policy,
        example_3(rate_source=RuleSource("首套住房五年以上贷款利率", "中国人民银行2025年5月7日通知", "P")),
    )
    figures = {f.key: f for f in decision.figures}
    assert figures[CITY_MAX].rule == "最高贷款额度"
    assert figures[CITY_MAX].sources[0].source == policy.city_max_couple.source
    assert figures[LTV].sources[0].source == policy.ltv_first_home.source
    assert figures[BALANCE_MULTIPLE].sources[0].source == policy.balance_multiple.source
    assert "（35,000.00 + 13,000.00）元 × 15 倍" in figures[BALANCE_MULTIPLE].computation
    capacity = figures[REPAYMENT_CAPACITY]
    assert capacity.sources[0].source == policy.repayment_capacity.source
    assert capacity.sources[1].source == "中国人民银行2025年5月7日通知"
    assert "× 40%" in capacity.computation and "360 期" in capacity.computation
    assert all(f.rule and f.computation and f.sources for f in decision.figures)
    assert decision.rounding.source == policy.limit_rounding_unit.source


def test_example_3_variant_repayment_capacity_binds() -> None:
    decision = loan_limit(example_3_policy(), example_3(other_monthly_debt=yuan("3500.00")))
    assert decision.max_instalment == yuan("2500.00")
    assert decision.figure(REPAYMENT_CAPACITY).amount == yuan("624469.65")
    assert decision.minimum == yuan("624469.65")
    assert decision.limit == yuan("624000.00")
    assert decision.binding.key == REPAYMENT_CAPACITY
    assert "其他月还款 3,500.00 元" in decision.binding.computation


def test_single_contributor_second_home_uses_the_single_cap_and_second_home_ltv() -> None:
    policy = example_3_policy()
    decision = loan_limit(
        policy,
        example_3(first_home=False, co_borrower=None, house_price=yuan("700000.00")),
    )
    assert decision.figure(CITY_MAX).amount == policy.city_max_single.value == yuan("600000.00")
    assert decision.figure(LTV).amount == yuan("525000.00")  # 75 %
    assert decision.figure(LTV).sources[0].source == policy.ltv_second_home.source
    assert decision.figure(BALANCE_MULTIPLE).amount == yuan("525000.00")  # 35,000 × 15
    assert [f.key for f in decision.figures if f.binding] == [LTV, BALANCE_MULTIPLE]
    assert decision.binding.key == LTV


def test_a_second_home_cap_applies_when_the_policy_sets_one() -> None:
    data = reference_data()
    data["loan"]["city_max_second_home_couple"] = {
        "value": "500000.00",
        "source": "二套住房最高额度",
        "tag": "L",
    }
    policy = parse_policy(data).loan
    assert loan_limit(policy, example_3(first_home=False)).figure(CITY_MAX).amount == yuan("500000.00")
    assert loan_limit(policy, example_3(first_home=True)).figure(CITY_MAX).amount == yuan("800000.00")
    assert policy.city_max(couple=False, first_home=False) == yuan("600000.00")  # no single cap set


def test_uplifts_stack_up_to_the_ceiling() -> None:
    policy = example_3_policy()
    one = loan_limit(policy, example_3(uplifts=("multi_child",))).figure(CITY_MAX)
    assert one.amount == yuan("960000.00")
    assert "多子女家庭上浮 20%" in one.computation
    assert [s.label for s in one.sources][1:] == ["额度上浮：多子女家庭", "额度上浮叠加上限"]
    every = loan_limit(policy, example_3(uplifts=("multi_child", "talent", "green_building"))).figure(
        CITY_MAX
    )
    assert every.amount == yuan("1200000.00")  # 20 + 30 + 10 = 60 %, capped at 50 %
    assert "叠加上限 50%" in every.computation
    with pytest.raises(PolicyRuleViolation) as caught:
        loan_limit(policy, example_3(uplifts=("nobody",)))
    assert caught.value.code == "loan_uplift_unknown"


def test_combination_loan_counts_the_commercial_part_in_ltv_and_debt_service() -> None:
    commercial = CommercialPart(yuan("300000.00"), Rate.percent("3.50"), 360)
    decision = loan_limit(example_3_policy(), example_3(commercial=commercial))
    assert decision.figure(LTV).amount == yuan("500000.00")  # 800,000 − 300,000
    assert "商业贷款 300,000.00 元" in decision.figure(LTV).computation
    assert decision.max_instalment == yuan("6000.00") - commercial.first_payment()
    assert decision.limit == yuan("500000.00")
    down = {c.key: c for c in decision.checks}["down_payment"]
    assert down.passed and "首付款 200,000.00 元" in down.detail


def test_no_capacity_means_no_loan() -> None:
    decision = loan_limit(example_3_policy(), example_3(other_monthly_debt=yuan("7000.00")))
    assert decision.max_instalment == Money.ZERO
    assert decision.limit == Money.ZERO
    assert decision.binding.key == REPAYMENT_CAPACITY


def test_bad_inputs_are_refused() -> None:
    policy = example_3_policy()
    with pytest.raises(LoanRuleViolation) as caught:
        loan_limit(policy, example_3(house_price=Money.ZERO))
    assert caught.value.code == "house_price_not_positive"
    with pytest.raises(LoanRuleViolation) as caught:
        loan_limit(policy, example_3(other_monthly_debt=yuan("-1.00")))
    assert caught.value.code == "loan_amount_negative"
    assert {"house_price_not_positive", "loan_amount_negative", "loan_not_eligible"} <= set(MESSAGES)


@given(
    price=st.integers(min_value=1, max_value=10**10),
    balances=st.tuples(st.integers(0, 10**8), st.integers(0, 10**8)),
    wages=st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)),
    debt=st.integers(0, 10**7),
    term=st.integers(1, 360),
    first_home=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_the_limit_is_the_floored_minimum_and_never_above_any_figure(
    price: int, balances: tuple[int, int], wages: tuple[int, int], debt: int, term: int, first_home: bool
) -> None:
    policy = example_3_policy()
    decision = loan_limit(
        policy,
        LimitRequest(
            house_price=Money(price),
            first_home=first_home,
            term_months=term,
            annual_rate=Rate.percent("2.60"),
            borrower=Contributor(Money(balances[0]), Money(wages[0])),
            co_borrower=Contributor(Money(balances[1]), Money(wages[1])),
            other_monthly_debt=Money(debt),
        ),
    )
    assert all(decision.limit <= f.amount for f in decision.figures)
    assert decision.limit.fen % policy.limit_rounding_unit.value.fen == 0
    assert decision.minimum - decision.limit < policy.limit_rounding_unit.value
    assert decision.binding.amount == decision.minimum
    assert decision.instalment_at_limit <= decision.max_instalment or decision.limit.is_zero


# --- eligibility ----------------------------------------------------------------------------------


def eligibility(**changes: Any) -> EligibilityFacts:
    facts = EligibilityFacts(
        application_date=date(2026, 3, 1),
        term_months=360,
        house_price=yuan("1000000.00"),
        loan_amount=yuan("720000.00"),
        first_home=True,
        borrower=ApplicantFacts(continuous_months=30),
        borrower_birth=BirthFacts(date(1990, 5, 15), Gender.MALE),
        co_borrower=ApplicantFacts(continuous_months=12),
    )
    return dataclasses.replace(facts, **changes)


def test_example_3_borrower_is_eligible_and_each_line_names_its_source() -> None:
    policy = example_3_policy()
    result = check_eligibility(policy, eligibility())
    assert result.passed
    result.require()
    keys = [line.key for line in result.lines]
    assert keys == [
        "continuous_contribution",
        "continuous_contribution",
        "no_unsettled_loan",
        "family_loan_count",
        "term",
        "age_at_maturity",
        "down_payment",
    ]
    age = {line.key: line for line in result.lines}["age_at_maturity"]
    assert "法定退休年龄 63岁（2053-05-15）" in age.detail
    assert "2058-05-15" in age.detail and "2056-03-01" in age.detail
    assert age.source.startswith(policy.max_years_beyond_retirement.source)
    assert all(line.source and line.tag for line in result.lines)


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"borrower": ApplicantFacts(continuous_months=5)}, "continuous_contribution"),
        (
            {"co_borrower": ApplicantFacts(continuous_months=12, contribution_normal=False)},
            "continuous_contribution",
        ),
        ({"has_unsettled_loan": True}, "no_unsettled_loan"),
        ({"family_loans_used": 2}, "family_loan_count"),
        ({"term_months": 361}, "term"),
        ({"borrower_birth": BirthFacts(date(1980, 5, 15), Gender.MALE)}, "age_at_maturity"),
        (
            {"borrower_birth": BirthFacts(date(1985, 5, 15), Gender.FEMALE, RetirementCategory.WORKER)},
            "age_at_maturity",
        ),
        ({"loan_amount": yuan("800000.01")}, "down_payment"),
        ({"commercial": CommercialPart(yuan("100000.00"), Rate.percent("3.50"), 360)}, "down_payment"),
    ],
)
def test_each_failed_rule_is_reported_and_refused(changes: dict[str, Any], failing: str) -> None:
    result = check_eligibility(example_3_policy(), eligibility(**changes))
    assert not result.passed
    assert [line.key for line in result.failures] == [failing]
    with pytest.raises(LoanRuleViolation) as caught:
        result.require()
    assert caught.value.code == "loan_not_eligible"
    assert caught.value.details["source"] == result.failures[0].source
    assert "不符合贷款条件" in caught.value.message


def test_age_rule_boundary_is_retirement_plus_five_years() -> None:
    # Born 1990-05-15, retires 2053-05-15; a loan may mature on 2058-05-15 but not a month later.
    policy = example_3_policy()
    on_the_day = eligibility(application_date=date(2028, 5, 15), term_months=360)
    assert check_eligibility(policy, on_the_day).passed
    too_late = eligibility(application_date=date(2028, 6, 15), term_months=360)
    assert [line.key for line in check_eligibility(policy, too_late).failures] == ["age_at_maturity"]


def test_without_the_unsettled_loan_rule_the_line_is_absent() -> None:
    policy = dataclasses.replace(example_3_policy(), no_unsettled_loan=None)
    keys = [line.key for line in check_eligibility(policy, eligibility(has_unsettled_loan=True)).lines]
    assert "no_unsettled_loan" not in keys


def test_amount_within_limit_cites_the_binding_rule() -> None:
    policy = example_3_policy()
    decision = loan_limit(policy, example_3())
    ok = check_amount_within_limit(decision, yuan("720000.00"))
    too_much = check_amount_within_limit(decision, yuan("720000.01"))
    assert ok.passed and not too_much.passed
    assert "由账户余额倍数决定" in too_much.detail
    assert too_much.source == policy.balance_multiple.source
