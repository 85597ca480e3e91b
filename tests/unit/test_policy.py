"""The local policy: the reference file, validation, look-ups by date, and the worked example 1a."""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.dates import YearMonth
from anju.domain.policy import (
    STANDARD_REASON_CODES,
    TIER_DOUBTFUL,
    TIER_LOSS,
    TIER_NORMAL,
    TIER_SPECIAL_MENTION,
    TIER_SUBSTANDARD,
    DayCount,
    DebitOrder,
    MonthDay,
    Policy,
    PolicyRuleViolation,
    WithdrawalLimit,
    parse_policy,
    percent_text,
    policy_to_dict,
)
from anju.messages import MESSAGES
from anju.money import Money, Rate, RoundingRule

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"


def reference_data() -> dict[str, Any]:
    with REFERENCE.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return parse_policy(reference_data())


def refused(data: dict[str, Any]) -> PolicyRuleViolation:
    with pytest.raises(PolicyRuleViolation) as info:
        parse_policy(data)
    assert info.value.code == "policy_invalid"
    return info.value


# --- the reference file -----------------------------------------------------------------------


def test_reference_policy_parses_with_the_rules_md_defaults(policy: Policy) -> None:
    c, i, w, loan = policy.contribution, policy.interest, policy.withdrawal, policy.loan
    assert (c.member_ratio_min.value, c.member_ratio_max.value) == (Rate.percent("5"), Rate.percent("12"))
    assert (c.unit_ratio_min.value, c.unit_ratio_max.value) == (Rate.percent("5"), Rate.percent("12"))
    assert c.integer_ratios_only.value is True
    assert c.wage_base_cap_multiple.value == 3
    assert c.monthly_amount_rounding.value is RoundingRule.FEN_HALF_UP
    assert i.day_count.value is DayCount.ACTUAL_360
    assert i.day_count.value.year_days == 360
    assert i.interest_year_start.value == MonthDay(7, 1)
    assert i.pay_interest_on_partial_withdrawal.value is False
    assert i.withdrawal_debit_order.value is DebitOrder.CURRENT_YEAR_FIRST
    assert w.rent_cap_per_person_month.value == Money.of("1500.00")
    assert loan.min_continuous_months.value == 6
    assert loan.max_loans_per_family.value == 2
    assert (loan.max_ltv(first_home=True), loan.max_ltv(first_home=False)) == (
        Rate.percent("80"),
        Rate.percent("75"),
    )
    assert loan.balance_multiple.value == 15
    assert loan.repayment_capacity.value == Rate.percent("50")
    assert loan.max_term_months.value == 360
    assert loan.max_years_beyond_retirement.value == 5
    assert loan.penalty_multiplier.value == Decimal("1.5")
    assert loan.grace_days.value == 0
    assert loan.limit_rounding_unit.value == Money.yuan(1000)
    assert len(loan.rates) == 4


def test_every_parameter_and_row_in_the_reference_names_its_source_and_tag(policy: Policy) -> None:
    seen = 0

    def walk(node: Any, path: str) -> None:
        nonlocal seen
        if isinstance(node, dict):
            if "value" in node or "effective_from" in node or "code" in node or "normal_max_days" in node:
                seen += 1
                assert node.get("source", "").strip(), f"{path} has no source"
                assert node.get("tag", "") and node["tag"][0] in "NPLE", f"{path} has no tag"
            for key, child in node.items():
                if key != "value":
                    walk(child, f"{path}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{path}[{index}]")

    walk(policy_to_dict(policy), "")
    assert seen > 60  # every parameter, rate row, reason and the thresholds


def test_a_parameter_without_its_source_is_refused_and_named() -> None:
    data = reference_data()
    del data["contribution"]["wage_base_floor"]["source"]
    assert refused(data).details["field"] == "contribution.wage_base_floor.source"


def test_a_bad_provenance_tag_is_refused() -> None:
    data = reference_data()
    data["loan"]["grace_days"]["tag"] = "local"
    assert refused(data).details["field"] == "loan.grace_days.tag"


def test_a_float_is_refused_anywhere_even_through_toml() -> None:
    text = REFERENCE.read_text(encoding="utf-8").replace(
        'member_ratio_max = { value = "12"', "member_ratio_max = { value = 12.0"
    )
    assert refused(tomllib.loads(text)).details["field"] == "contribution.member_ratio_max.value"
    data = reference_data()
    data["interest"]["deposit_rates"][1]["current_year"] = 1.5
    assert refused(data).details["field"] == "interest.deposit_rates[1].current_year"


def test_money_and_percent_must_be_strings_not_integers() -> None:
    data = reference_data()
    data["withdrawal"]["rent_cap_per_person_month"]["value"] = 1500
    error = refused(data)
    assert error.details["field"] == "withdrawal.rent_cap_per_person_month.value"
    assert "字符串" in error.details["reason"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("member_ratio_max", "15"), ("unit_ratio_min", "0.5"), ("unit_ratio_max", "12.5")],
)
def test_a_ratio_bound_outside_1_to_12_percent_is_refused_with_its_field(name: str, value: str) -> None:
    data = reference_data()
    data["contribution"][name]["value"] = value
    error = refused(data)
    assert error.details["field"] == f"contribution.{name}"
    assert "政策参数不正确：contribution." in error.message


def test_a_ratio_floor_below_5_percent_is_data_not_code() -> None:
    data = reference_data()
    data["contribution"]["unit_ratio_min"]["value"] = "3"  # e.g. a city allowing reductions
    assert parse_policy(data).contribution.unit_ratio_min.value == Rate.percent("3")


def test_a_fractional_bound_is_refused_when_ratios_must_be_whole_percent() -> None:
    data = reference_data()
    data["contribution"]["member_ratio_max"]["value"] = "11.5"
    assert refused(data).details["field"] == "contribution.member_ratio_max"
    data["contribution"]["integer_ratios_only"]["value"] = False
    assert parse_policy(data).contribution.member_ratio_max.value == Rate.percent("11.5")


def test_unknown_and_missing_keys_are_refused() -> None:
    data = reference_data()
    data["loan"]["balance_multipel"] = data["loan"].pop("balance_multiple")
    assert refused(data).details["field"] == "loan.balance_multipel"
    data = reference_data()
    del data["loan"]["balance_multiple"]
    assert refused(data).details["field"] == "loan.balance_multiple"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["loan"]["rates"].reverse(), "loan.rates[1].effective_from"),
        (
            lambda d: d["loan"]["rates"][3].update(second_home_over_5y="2.50"),
            "loan.rates[3].second_home_over_5y",
        ),
        (lambda d: d["loan"]["penalty_multiplier"].update(value="2"), "loan.penalty_multiplier"),
        (lambda d: d["loan"]["classification"].update(substandard_max_days=90), "loan.classification"),
        (lambda d: d["loan"]["city_max_couple"].update(value="100.00"), "loan.city_max_couple"),
        (
            lambda d: d["contribution"]["wage_base_floor"].update(value="30000.00"),
            "contribution.wage_base_floor",
        ),
        (
            lambda d: d["interest"]["interest_year_start"].update(value="01-01"),
            "interest.interest_year_start",
        ),
        (
            lambda d: d["withdrawal"]["reasons"][2].update(closes_account=False),
            "withdrawal.reasons[03].limit_rule",
        ),
        (
            lambda d: d["withdrawal"]["reasons"].append(dict(d["withdrawal"]["reasons"][0])),
            "withdrawal.reasons[01]",
        ),
        (
            lambda d: d["withdrawal"]["reasons"][10].update(standard_code="12"),
            "withdrawal.reasons[L1].standard_code",
        ),
        (lambda d: d["loan"]["rates"][0].update(effective_from="2015-02-30"), "loan.rates[0].effective_from"),
        (lambda d: d.update(schema_version=2), "schema_version"),
    ],
)
def test_inconsistent_policies_are_refused_with_the_field(mutate: Any, field: str) -> None:
    data = reference_data()
    mutate(data)
    assert refused(data).details["field"] == field


# --- round trip -------------------------------------------------------------------------------


def test_round_trip_through_json_keeps_every_value(policy: Policy) -> None:
    stored = json.loads(json.dumps(policy_to_dict(policy), ensure_ascii=False))
    again = parse_policy(stored)
    assert again == policy
    assert policy_to_dict(again) == policy_to_dict(policy)


def test_dumped_rates_read_as_staff_write_them(policy: Policy) -> None:
    dumped = policy_to_dict(policy)
    assert dumped["interest"]["deposit_rates"][1]["current_year"] == "1.50"
    assert dumped["loan"]["rates"][2]["second_home_up_to_5y"] == "2.775"
    assert dumped["contribution"]["member_ratio_max"]["value"] == "12.00"
    assert dumped["withdrawal"]["rent_cap_per_person_month"]["value"] == "1500.00"
    assert percent_text(Rate.percent("3.025")) == "3.025"


# --- look-ups by date -------------------------------------------------------------------------


def test_deposit_rate_before_and_from_2016_02_21(policy: Policy) -> None:
    before, on = date(2016, 2, 20), date(2016, 2, 21)
    assert policy.deposit_rate_on(before) == Rate.percent("0.35")
    assert policy.deposit_rate_on(before, carried=True) == Rate.percent("1.10")
    assert policy.deposit_rate_on(on) == Rate.percent("1.50")
    assert policy.deposit_rate_on(on, carried=True) == Rate.percent("1.50")
    assert policy.deposit_rate_on(date(2025, 6, 30)) == Rate.percent("1.5")


def test_no_deposit_rate_before_the_first_row_is_a_clear_refusal(policy: Policy) -> None:
    with pytest.raises(PolicyRuleViolation) as info:
        policy.deposit_rate_on(date(2015, 10, 23))
    assert info.value.code == "policy_rate_not_found"
    assert "2015-10-23" in info.value.message


def test_loan_rate_picks_the_date_and_the_tier(policy: Policy) -> None:
    # First home, > 5 years: 2.85 % from 2024-05-18 to 2025-05-07, 2.60 % from 2025-05-08.
    assert policy.loan_rate_on(date(2024, 5, 17), True, 240) == Rate.percent("3.10")
    assert policy.loan_rate_on(date(2024, 5, 18), True, 240) == Rate.percent("2.85")
    assert policy.loan_rate_on(date(2025, 5, 7), True, 240) == Rate.percent("2.85")
    assert policy.loan_rate_on(date(2025, 5, 8), True, 240) == Rate.percent("2.60")
    # The four numbers of 2025-05-08; 60 months is still "≤ 5 years".
    day = date(2025, 6, 1)
    assert policy.loan_rate_on(day, True, 60) == Rate.percent("2.10")
    assert policy.loan_rate_on(day, True, 61) == Rate.percent("2.60")
    assert policy.loan_rate_on(day, False, 60) == Rate.percent("2.525")
    assert policy.loan_rate_on(day, False, 360) == Rate.percent("3.075")
    assert policy.loan_rate_on(date(2023, 1, 1), False, 360) == Rate.percent("3.575")


def test_existing_loans_reprice_on_the_next_first_of_january(policy: Policy) -> None:
    loan = policy.loan
    assert loan.repricing_date_after(date(2024, 5, 18)) == date(2025, 1, 1)
    assert loan.repricing_date_after(date(2025, 5, 8)) == date(2026, 1, 1)
    assert loan.repricing_date_after(date(2025, 1, 1)) == date(2026, 1, 1)
    assert not loan.reprices(12)
    assert loan.reprices(13)


@pytest.mark.parametrize(
    ("dpd", "tier"),
    [
        (0, TIER_NORMAL),
        (1, TIER_SPECIAL_MENTION),
        (90, TIER_SPECIAL_MENTION),
        (91, TIER_SUBSTANDARD),
        (180, TIER_SUBSTANDARD),
        (181, TIER_DOUBTFUL),
        (360, TIER_DOUBTFUL),
        (361, TIER_LOSS),
    ],
)
def test_five_tier_thresholds(policy: Policy, dpd: int, tier: str) -> None:
    assert policy.loan.classification.tier_for(dpd) == tier


def test_age_rule_example_3(policy: Policy) -> None:
    # Borrower A, born 1990-05, retires at 63 (2053-05); a loan may run until 5 years later.
    from anju.domain.policy import statutory_retirement_date

    retirement = statutory_retirement_date(date(1990, 5, 15), "male")
    assert policy.loan.latest_maturity(retirement) == date(2058, 5, 15)
    assert date(2056, 5, 15) <= policy.loan.latest_maturity(retirement)  # 30 years from 2026: allowed


# --- contributions: example 1a ----------------------------------------------------------------


def test_example_1a_wage_base_cap_floor_and_parts(policy: Policy) -> None:
    c = policy.contribution
    assert c.average_monthly_wage.value == Money.of("9000.00")
    assert c.wage_base_cap() == Money.of("27000.00")
    twelve = Rate.percent("12")
    expected = [
        ("8000.00", "8000.00", "960.00"),
        ("30000.00", "27000.00", "3240.00"),
        ("1800.00", "2000.00", "240.00"),
    ]
    for declared, base, part in expected:
        clamped = c.clamp_wage_base(Money.of(declared))
        assert clamped == Money.of(base)
        assert clamped.times(twelve, c.monthly_amount_rounding.value) == Money.of(part)
        assert c.monthly_part(clamped, twelve) == Money.of(part)
    assert c.monthly_part(Money.of("8000.00"), twelve) * 2 == Money.of("1920.00")


def test_monthly_amount_bounds_for_table_4_0_4(policy: Policy) -> None:
    low, high = policy.contribution.monthly_amount_bounds()
    assert low == Money.of("200.00")  # 2,000 × 5 % × 2
    assert high == Money.of("6480.00")  # 27,000 × 12 % × 2


def test_a_ratio_outside_the_bounds_is_refused_naming_the_rule(policy: Policy) -> None:
    c = policy.contribution
    c.check_ratio(Rate.percent("12"), party="unit")
    with pytest.raises(PolicyRuleViolation) as info:
        c.check_ratio(Rate.percent("13"), party="unit")
    assert info.value.code == "contribution_ratio_out_of_bounds"
    assert "建金管〔2005〕5号" in info.value.message
    with pytest.raises(PolicyRuleViolation) as info:
        c.check_ratio(Rate.percent("4"), party="member")
    assert "第十八条" in info.value.message
    with pytest.raises(PolicyRuleViolation) as info:
        c.check_ratio(Rate.percent("7.5"), party="member")
    assert info.value.code == "contribution_ratio_not_integer"


def test_remittance_is_due_by_the_end_of_its_month(policy: Policy) -> None:
    assert policy.contribution.remittance_due_date(YearMonth(2024, 7)) == date(2024, 7, 31)
    assert policy.contribution.remittance_due_date(YearMonth(2024, 2), payday=10) == date(2024, 2, 29)


@given(
    average=st.integers(min_value=100_00, max_value=50_000_00),
    multiple=st.integers(min_value=1, max_value=5),
    declared=st.integers(min_value=0, max_value=1_000_000_00),
)
def test_the_wage_base_always_lies_between_floor_and_cap(average: int, multiple: int, declared: int) -> None:
    data = reference_data()
    data["contribution"]["average_monthly_wage"]["value"] = str(Money(average))
    data["contribution"]["wage_base_cap_multiple"]["value"] = multiple
    data["contribution"]["wage_base_floor"]["value"] = str(Money(min(2000_00, average)))
    c = parse_policy(data).contribution
    base = c.clamp_wage_base(Money(declared))
    assert c.wage_base_floor.value <= base <= c.wage_base_cap()
    if c.wage_base_floor.value <= Money(declared) <= c.wage_base_cap():
        assert base == Money(declared)


@given(day=st.dates(min_value=date(2015, 10, 24), max_value=date(2040, 12, 31)))
def test_the_rate_in_force_is_the_latest_row_on_or_before_the_day(day: date) -> None:
    policy = parse_policy(reference_data())
    row = policy.interest.deposit_rates_on(day)
    assert row.effective_from <= day
    assert all(
        r.effective_from <= row.effective_from or r.effective_from > day
        for r in policy.interest.deposit_rates
    )
    assert policy.interest.deposit_rates_on(row.effective_from) == row
    if row.effective_from > date(2015, 10, 24):
        assert policy.interest.deposit_rates_on(row.effective_from - timedelta(days=1)) != row


# --- withdrawal reasons -----------------------------------------------------------------------


def test_withdrawal_reasons_cover_the_standard_codes_and_local_extensions(policy: Policy) -> None:
    w = policy.withdrawal
    codes = {r.code for r in w.reasons}
    assert codes >= STANDARD_REASON_CODES
    assert {r.code for r in w.reasons if r.closes_account} == {"03", "04", "05", "08", "L7"}
    rent = w.reason("07")
    assert rent.limit_rule is WithdrawalLimit.RENT_CAP
    assert rent.min_interval_months == 1
    assert rent.min_contribution_months == 3
    assert w.reason("L1").standard_code == "06"
    assert w.reason("06").lookback_months == 12
    assert all(r.materials and r.source for r in w.reasons)
    assert w.reason("03").name == "离休、退休"
    with pytest.raises(PolicyRuleViolation) as info:
        w.reason("42")
    assert info.value.code == "withdrawal_reason_unknown"


def test_every_code_this_module_raises_has_a_chinese_message() -> None:
    for code in (
        "policy_invalid",
        "policy_rate_not_found",
        "withdrawal_reason_unknown",
        "contribution_ratio_out_of_bounds",
        "contribution_ratio_not_integer",
        "policy_not_in_force",
        "policy_toml_invalid",
        "policy_effective_date_past",
        "policy_version_exists",
        "policy_content_tampered",
    ):
        assert code in MESSAGES


def test_parsing_does_not_mutate_its_input() -> None:
    data = reference_data()
    before = copy.deepcopy(data)
    parse_policy(data)
    assert data == before
