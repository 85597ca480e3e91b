"""Contribution rules: wage base and parts (worked example 1a), ratio checks naming their source,
account status transitions, merge rules and the code tables."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain import codes
from anju.domain.contributions import (
    MEMBER_TRANSITIONS,
    ContributionRuleViolation,
    MemberStatus,
    MergeParty,
    UnitStatus,
    check_merge,
    check_payday,
    check_ratios,
    contribution_parts,
    member_transition,
    unfreeze_target,
    unit_transition,
)
from anju.domain.policy import ContributionPolicy, PolicyRuleViolation, Sourced, parse_policy
from anju.errors import RuleViolation
from anju.messages import MESSAGES, message_for
from anju.money import Money, Rate, RoundingRule

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"
TWELVE = Rate.percent("12")


@pytest.fixture(scope="module")
def policy() -> ContributionPolicy:
    return parse_policy(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))).contribution


# --- Example 1a (calendar-and-examples.md): cap 27,000.00, floor 2,000.00, 12 % + 12 %, fen ----------


@pytest.mark.parametrize(
    ("declared", "base", "bound", "part", "total"),
    [
        ("8000.00", "8000.00", None, "960.00", "1920.00"),
        ("30000.00", "27000.00", "cap", "3240.00", "6480.00"),
        ("1800.00", "2000.00", "floor", "240.00", "480.00"),
    ],
)
def test_example_1a(
    policy: ContributionPolicy, declared: str, base: str, bound: str | None, part: str, total: str
) -> None:
    parts = contribution_parts(policy, Money.from_yuan(declared), unit_ratio=TWELVE, member_ratio=TWELVE)
    assert parts.wage_base == Money.from_yuan(base)
    assert parts.bound == bound
    assert parts.clamped is (bound is not None)
    assert parts.member_part == Money.from_yuan(part)
    assert parts.unit_part == Money.from_yuan(part)
    assert parts.total == Money.from_yuan(total)
    assert parts.declared == Money.from_yuan(declared)


def test_parts_follow_the_policy_rounding_rule(policy: ContributionPolicy) -> None:
    whole_yuan = dataclasses.replace(
        policy, monthly_amount_rounding=Sourced(RoundingRule.YUAN_HALF_UP, "地方规定", "L")
    )
    rate = Rate.percent("7")
    # 5,123.45 × 7 % = 358.6415: fen half-up 358.64, whole yuan half-up 359.00.
    assert contribution_parts(
        policy, Money.from_yuan("5123.45"), unit_ratio=rate, member_ratio=rate
    ).unit_part == (Money.from_yuan("358.64"))
    assert contribution_parts(
        whole_yuan, Money.from_yuan("5123.45"), unit_ratio=rate, member_ratio=rate
    ).unit_part == Money.from_yuan("359.00")


def test_a_wage_of_zero_or_less_is_refused(policy: ContributionPolicy) -> None:
    for wage in ("0", "-1.00"):
        with pytest.raises(ContributionRuleViolation) as err:
            contribution_parts(policy, Money.from_yuan(wage), unit_ratio=TWELVE, member_ratio=TWELVE)
        assert err.value.code == "wage_base_not_positive"


@given(
    declared=st.integers(min_value=1, max_value=10_000_000_00),
    unit_pct=st.integers(min_value=5, max_value=12),
    member_pct=st.integers(min_value=5, max_value=12),
)
def test_base_is_always_within_floor_and_cap(declared: int, unit_pct: int, member_pct: int) -> None:
    policy = parse_policy(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))).contribution
    parts = contribution_parts(
        policy,
        Money(declared),
        unit_ratio=Rate.percent(str(unit_pct)),
        member_ratio=Rate.percent(str(member_pct)),
    )
    assert policy.wage_base_floor.value <= parts.wage_base <= policy.wage_base_cap()
    assert parts.total == parts.unit_part + parts.member_part
    low, high = policy.monthly_amount_bounds()
    assert low <= parts.total <= high
    assert (parts.wage_base == parts.declared) is (parts.bound is None)


# --- ratios ------------------------------------------------------------------------------------


def test_ratios_within_5_to_12_percent_pass(policy: ContributionPolicy) -> None:
    check_ratios(policy, unit_ratio=Rate.percent("5"), member_ratio=Rate.percent("12"))


@pytest.mark.parametrize(
    ("unit", "member", "code", "source_fragment"),
    [
        ("4", "12", "contribution_ratio_below_national", "第十八条"),
        ("12", "3", "contribution_ratio_below_national", "第十八条"),
        ("13", "12", "contribution_ratio_outside_national", "建金管〔2005〕5号"),
        ("0", "12", "contribution_ratio_outside_national", "建金管〔2005〕5号"),
        ("7.5", "12", "contribution_ratio_not_integer", "整数"),
    ],
)
def test_ratios_outside_the_rules_are_refused_naming_the_source(
    policy: ContributionPolicy, unit: str, member: str, code: str, source_fragment: str
) -> None:
    with pytest.raises(RuleViolation) as err:
        check_ratios(policy, unit_ratio=Rate.percent(unit), member_ratio=Rate.percent(member))
    assert err.value.code == code
    assert source_fragment in err.value.details["source"]
    assert source_fragment in err.value.message
    assert "依据" in err.value.message


def test_local_bounds_narrower_than_the_national_ones_apply(policy: ContributionPolicy) -> None:
    local = dataclasses.replace(
        policy, unit_ratio_min=Sourced(Rate.percent("8"), "某市管委会〔2025〕1号：单位缴存比例不低于8%", "L")
    )
    with pytest.raises(PolicyRuleViolation) as err:
        check_ratios(local, unit_ratio=Rate.percent("6"), member_ratio=Rate.percent("6"))
    assert err.value.code == "contribution_ratio_out_of_bounds"
    assert "某市管委会〔2025〕1号" in err.value.message
    check_ratios(local, unit_ratio=Rate.percent("8"), member_ratio=Rate.percent("6"))


def test_an_approved_reduction_may_go_below_5_percent_but_not_above_12(policy: ContributionPolicy) -> None:
    check_ratios(
        policy, unit_ratio=Rate.percent("3"), member_ratio=Rate.percent("3"), reduction_approved=True
    )
    with pytest.raises(ContributionRuleViolation):
        check_ratios(
            policy, unit_ratio=Rate.percent("13"), member_ratio=Rate.percent("3"), reduction_approved=True
        )


def test_payday_is_a_day_every_month_has() -> None:
    check_payday(1)
    check_payday(28)
    for bad in (0, 29, 31):
        with pytest.raises(ContributionRuleViolation) as err:
            check_payday(bad)
        assert err.value.code == "payday_out_of_range"


# --- status transitions ------------------------------------------------------------------------


def test_member_account_lifecycle() -> None:
    assert member_transition(MemberStatus.NORMAL, "seal") == MemberStatus.SEALED
    assert member_transition(MemberStatus.SEALED, "unseal") == MemberStatus.NORMAL
    assert member_transition(MemberStatus.NORMAL, "transfer") == MemberStatus.NORMAL
    assert member_transition(MemberStatus.SEALED, "freeze") == MemberStatus.FROZEN
    assert member_transition(MemberStatus.NORMAL, "merge_from") == MemberStatus.CLOSED_MERGED
    assert unfreeze_target(MemberStatus.SEALED) == MemberStatus.SEALED
    assert unfreeze_target(MemberStatus.NORMAL) == MemberStatus.NORMAL


@pytest.mark.parametrize(
    "action", ["seal", "transfer", "withdraw", "merge_from", "merge_into", "transfer_out"]
)
def test_a_frozen_account_cannot_move(action: str) -> None:
    with pytest.raises(ContributionRuleViolation) as err:
        member_transition(MemberStatus.FROZEN, action)
    assert err.value.code == "member_account_frozen"
    assert "解冻" in err.value.message


def test_a_frozen_account_still_takes_contributions_and_corrections() -> None:
    assert member_transition(MemberStatus.FROZEN, "contribute") == MemberStatus.FROZEN
    assert member_transition(MemberStatus.FROZEN, "change") == MemberStatus.FROZEN


@pytest.mark.parametrize("status", ["03", "04", "05"])
def test_a_closed_account_accepts_nothing_but_reopening(status: str) -> None:
    for action in MEMBER_TRANSITIONS:
        if action == "reopen" and status != "03":  # closed by withdrawal or transfer out: reopened
            assert member_transition(status, action) == MemberStatus.NORMAL
            continue
        with pytest.raises(ContributionRuleViolation) as err:
            member_transition(status, action)
        assert err.value.code == "member_account_status_forbids"


def test_sealed_account_cannot_be_transferred_or_sealed_again() -> None:
    for action in ("transfer", "seal", "unfreeze"):
        with pytest.raises(ContributionRuleViolation):
            member_transition(MemberStatus.SEALED, action)


def test_unit_lifecycle() -> None:
    assert unit_transition(UnitStatus.NORMAL, "seal") == UnitStatus.SEALED
    assert unit_transition(UnitStatus.SEALED, "resume") == UnitStatus.NORMAL
    assert unit_transition(UnitStatus.SEALED, "cancel") == UnitStatus.CLOSED
    assert unit_transition(UnitStatus.DEFERRED, "add_member") == UnitStatus.DEFERRED
    for action in ("add_member", "seal", "change", "cancel", "resume"):
        with pytest.raises(ContributionRuleViolation) as err:
            unit_transition(UnitStatus.CLOSED, action)
        assert err.value.code == "unit_status_forbids"
    with pytest.raises(ContributionRuleViolation):
        unit_transition(UnitStatus.SEALED, "add_member")


# --- merge -------------------------------------------------------------------------------------


def _party(no: str, status: str = "01", name: str = "李四", born: str = "1985-03-02") -> MergeParty:
    return MergeParty(no, status, name, born)


def test_merge_of_two_accounts_of_one_person_is_allowed() -> None:
    check_merge(_party("A", "02"), _party("B", "01"))


@pytest.mark.parametrize(
    ("duplicate", "surviving", "code"),
    [
        (_party("A"), _party("A"), "merge_same_account"),
        (_party("A", "06"), _party("B"), "member_account_frozen"),
        (_party("A"), _party("B", "06"), "member_account_frozen"),
        (_party("A", "03"), _party("B"), "member_account_status_forbids"),
        (_party("A"), _party("B", "05"), "member_account_status_forbids"),
        (_party("A", name="李斯"), _party("B"), "merge_not_same_person"),
        (_party("A", born="1985-03-03"), _party("B"), "merge_not_same_person"),
    ],
)
def test_merge_refusals(duplicate: MergeParty, surviving: MergeParty, code: str) -> None:
    with pytest.raises(ContributionRuleViolation) as err:
        check_merge(duplicate, surviving)
    assert err.value.code == code


# --- code tables and messages ------------------------------------------------------------------


def test_industry_codes_are_checked_against_gb_t_4754() -> None:
    for good in ("I", "65", "651", "6510", "I65", "C13", "T97"):
        assert codes.check_industry(good) == good
    for bad in ("Z", "00", "98", "I13", "X65", "65101", ""):
        with pytest.raises(codes.CodeRuleViolation):
            codes.check_industry(bad)
    assert codes.industry_label("6510") == "信息传输、软件和信息技术服务业"


def test_economic_type_and_subordination_codes() -> None:
    assert codes.check_economic_type("150") == "150"
    assert codes.check_economic_type("300") == "300"
    with pytest.raises(codes.CodeRuleViolation) as err:
        codes.check_economic_type("180")
    assert "GB/T 12402" in err.value.message
    assert codes.check_subordination("62") == "62"
    with pytest.raises(codes.CodeRuleViolation):
        codes.check_subordination("30")


def test_every_code_raised_here_has_a_message() -> None:
    raised = {
        "wage_base_not_positive",
        "contribution_ratio_outside_national",
        "contribution_ratio_below_national",
        "payday_out_of_range",
        "member_account_status_forbids",
        "member_account_frozen",
        "unit_status_forbids",
        "merge_same_account",
        "merge_not_same_person",
        "code_not_in_table",
    }
    assert raised <= set(MESSAGES)
    assert "{" not in message_for("member_account_frozen", {"action": "封存", "status": "冻结"})
