"""Accounting in pure code: the distribution of value-added income (order, caps, no fen lost),
the year-end carry-forward voucher, the balance sheet's equation, and the voucher print."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.accounting import (
    AccountingRuleViolation,
    VoucherLinePrint,
    balance_sheet,
    plan_distribution,
    value_added_income_of,
    voucher_report,
)
from anju.domain.policy import AccountingPolicy, RiskReserveMethod, Sourced, parse_policy
from anju.ledger.balances import Side
from anju.ledger.posting_rules import year_end_close
from anju.messages import MESSAGES
from anju.money import Money, Rate

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.toml"
POLICY: AccountingPolicy = parse_policy(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))).accounting


def with_method(method: RiskReserveMethod) -> AccountingPolicy:
    return dataclasses.replace(POLICY, risk_reserve_method=Sourced(method, "test", "T"))


def test_the_reserve_takes_the_greater_of_both_bases_then_management_then_low_rent() -> None:
    # 60 % of 1,000,000.00 = 600,000.00; 1 % of 80,000,000.00 loans = 800,000.00: the greater wins.
    plan = plan_distribution(
        Money.from_yuan("1000000.00"),
        year_end_loan_balance=Money.from_yuan("80000000.00"),
        management_budget=Money.from_yuan("150000.00"),
        policy=POLICY,
    )
    assert plan.risk_reserve == Money.from_yuan("800000.00")
    assert plan.management_costs == Money.from_yuan("150000.00")
    assert plan.low_rent_housing == Money.from_yuan("50000.00")


def test_a_reserve_larger_than_the_income_takes_all_of_it_and_nothing_is_left() -> None:
    plan = plan_distribution(
        Money.from_yuan("1000.00"),
        year_end_loan_balance=Money.from_yuan("1000000.00"),
        management_budget=Money.from_yuan("500.00"),
        policy=with_method(RiskReserveMethod.LOAN_BALANCE_SHARE),
    )
    assert (plan.risk_reserve, plan.management_costs, plan.low_rent_housing) == (
        Money.from_yuan("1000.00"),
        Money.ZERO,
        Money.ZERO,
    )
    assert plan.notes


def test_no_income_means_nothing_to_distribute() -> None:
    with pytest.raises(AccountingRuleViolation) as refused:
        plan_distribution(
            Money(-1), year_end_loan_balance=Money.ZERO, management_budget=Money.ZERO, policy=POLICY
        )
    assert refused.value.code in MESSAGES


@given(
    income=st.integers(min_value=1, max_value=10**13),
    loans=st.integers(min_value=0, max_value=10**14),
    budget=st.integers(min_value=0, max_value=10**13),
    share=st.integers(min_value=0, max_value=100),
    method=st.sampled_from(list(RiskReserveMethod)),
)
def test_the_three_parts_always_add_up_to_the_income_exactly(
    income: int, loans: int, budget: int, share: int, method: RiskReserveMethod
) -> None:
    policy = dataclasses.replace(
        with_method(method), risk_reserve_vai_share=Sourced(Rate.percent(str(share)), "test", "T")
    )
    plan = plan_distribution(
        Money(income), year_end_loan_balance=Money(loans), management_budget=Money(budget), policy=policy
    )
    parts = (plan.risk_reserve, plan.management_costs, plan.low_rent_housing)
    assert all(p.fen >= 0 for p in parts)
    assert plan.total == Money(income)
    assert plan.management_costs.fen <= budget


def test_the_year_end_voucher_empties_income_expense_and_distribution_into_311() -> None:
    draft = year_end_close(
        year=2026,
        balances=[
            ("40101", Side.CREDIT, Money(50_000)),
            ("40103", Side.CREDIT, Money(30_000)),
            ("41101", Side.DEBIT, Money(20_000)),
            ("32101", Side.DEBIT, Money(36_000)),
            ("201", Side.CREDIT, Money(999_999)),  # not closed
        ],
        business_date=date(2026, 12, 31),
    )
    assert draft is not None
    lines = {(str(p.account), p.side, p.amount.fen) for p in draft.postings}
    assert ("40101", Side.DEBIT, 50_000) in lines and ("41101", Side.CREDIT, 20_000) in lines
    assert ("311", Side.CREDIT, 24_000) in lines  # 80,000 - 20,000 - 36,000
    assert all(not str(p.account).startswith("201") for p in draft.postings)
    assert (
        year_end_close(
            year=2026, balances=[("40101", Side.CREDIT, Money.ZERO)], business_date=date(2026, 12, 31)
        )
        is None
    )


def test_the_balance_sheet_balances_when_the_books_do() -> None:
    # Bank 1,000 = members 900 + income 150 - expense 50 (not yet carried forward).
    balances = {
        "10101": Money(1_000),
        "201": Money(900),
        "40101": Money(150),
        "41102": Money(50),
    }
    report = balance_sheet(balances, date(2026, 11, 30), "安居市住房公积金管理中心")
    assert report.balanced
    totals = {row.cells[1]: row.cells[2] for row in report.rows if row.style == "total"}
    assert totals["资产合计"] == Money(1_000) and totals["负债和净资产合计"] == Money(1_000)
    assert not balance_sheet({"10101": Money(1)}, date(2026, 11, 30), "x").balanced


def test_the_value_added_income_is_income_less_expense() -> None:
    vai = value_added_income_of(
        date(2026, 1, 1),
        date(2026, 12, 31),
        {"40101": (Money(0), Money(700)), "40103": (Money(10), Money(310)), "41101": (Money(400), Money(0))},
        {"40101": "存款利息收入"},
    )
    assert vai.income_total == Money(1_000) and vai.expense_total == Money(400)
    assert vai.value_added_income == Money(600)


def test_a_printed_voucher_shows_its_totals_and_signatures() -> None:
    report = voucher_report(
        voucher_no="4101002026000001",
        number="202611-0001",
        business_date=date(2026, 11, 23),
        memo="利息",
        lines=[
            VoucherLinePrint("10101", "存款", "", Money(100), None),
            VoucherLinePrint("40101", "利息收入", "", None, Money(100)),
        ],
        signatures=[("制单", "finance1"), ("复核", "finance2")],
        centre="中心",
    )
    assert report.balanced and report.rows[-1].cells[3:] == (Money(100), Money(100))
    assert ("复核", "finance2") in report.meta


def test_loan_statistics_leave_out_overdue_moves_and_net_reversals() -> None:
    from anju.services.accounting_ports import BusinessTypeTurnover
    from anju.services.statistics import LOAN, measure_contribution

    def row(code: str, kind: str, debit: int, credit: int, n: int = 1) -> BusinessTypeTurnover:
        return BusinessTypeTurnover(code, None, 1, kind, Money(debit), Money(credit), n, n)

    disbursed, repaid, _, overdue_in = LOAN
    assert measure_contribution(disbursed, row("121", "payment_submission", 500_000, 0)) == (1, 500_000)
    assert measure_contribution(disbursed, row("121", "reversal", 0, 500_000)) == (
        -1,
        -500_000,
    )  # bank refused
    assert measure_contribution(repaid, row("121", "loan_overdue", 0, 3_000)) == (
        0,
        0,
    )  # 121 -> 122 is no recovery
    assert measure_contribution(repaid, row("121", "loan_repayment", 0, 2_000, 2)) == (2, 2_000)
    assert measure_contribution(overdue_in, row("122", "loan_overdue", 3_000, 0)) == (1, 3_000)
    assert measure_contribution(repaid, row("201", "loan_repayment", 0, 2_000)) == (0, 0)
