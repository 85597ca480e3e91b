"""Accounting (会计核算) in pure code: the report shape every statement and table shares, the
balance sheet and value-added income statement built from GL figures, and the distribution of
value-added income (增值收益分配, rules.md §7.3).

No I/O: services read the figures from the books and hand them here; reports/statements.py
renders a `Report` as PDF or Excel and web/accounting.py as a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

from anju.domain.policy import AccountingPolicy, RiskReserveMethod
from anju.domain.sheets import CellValue
from anju.errors import RuleViolation
from anju.money import Money


class AccountingRuleViolation(RuleViolation):
    """An accounting rule refuses the request (maker-checker, closed period, distribution)."""


# --- the report shape --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportColumn:
    key: str
    header: str
    kind: str = "text"  # text | money | int | date
    width: int = 16  # Excel character widths; relative width in PDF


@dataclass(frozen=True, slots=True)
class ReportRow:
    cells: tuple[CellValue, ...]
    style: str = ""  # "" | section | total: how pages and PDFs emphasise the row


@dataclass(frozen=True, slots=True)
class Report:
    """A titled table with a few header fields: a statement, a book, a statistical table, a voucher."""

    code: str  # file-name stem, e.g. 资产负债表_20261130
    title: str
    subtitle: str
    columns: tuple[ReportColumn, ...]
    rows: tuple[ReportRow, ...]
    meta: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    balanced: bool | None = None  # statements that must balance say whether they do

    @property
    def sheet_rows(self) -> list[tuple[CellValue, ...]]:
        return [row.cells for row in self.rows]


# --- chart groups used by the statements ---------------------------------------------------------

ASSET_LINES: Final = (
    ("101", "住房公积金存款"),
    ("102", "增值收益存款"),
    ("111", "应收利息"),
    ("119", "其他应收款"),
    ("121", "委托贷款"),
    ("122", "逾期贷款"),
    ("124", "国家债券"),
)
LIABILITY_LINES: Final = (
    ("201", "住房公积金"),
    ("211", "应付利息"),
    ("214", "专项应付款"),
    ("219", "其他应付款"),
)
NET_ASSET_LINES: Final = (
    ("301", "贷款风险准备"),
    ("311", "增值收益"),
)
INCOME_PREFIX: Final = "401"
EXPENSE_PREFIX: Final = "411"
DISTRIBUTION_PREFIX: Final = "321"

_MONEY: Final = "money"


def _statement_columns(amount_header: str) -> tuple[ReportColumn, ...]:
    return (
        ReportColumn("code", "科目代码", width=10),
        ReportColumn("item", "项目", width=30),
        ReportColumn("amount", amount_header, _MONEY, width=20),
    )


def rolled_up(balances: Mapping[str, Money], prefix: str) -> Money:
    """Σ of the leaves under a code (balances signed by each leaf's normal side)."""
    return Money(sum(m.fen for code, m in balances.items() if code.startswith(prefix)))


def balance_sheet(balances: Mapping[str, Money], as_of: date, centre: str) -> Report:
    """资产负债表 from leaf balances at the end of `as_of` (each signed by its normal side).

    Income and expense not yet carried into 311 at year end show as 本年收支净额, and the
    distribution accounts (321, debit side) reduce net assets, so assets = liabilities + net assets
    whenever the books balance.
    """
    rows: list[ReportRow] = [ReportRow(("", "资产", None), "section")]
    assets = 0
    for code, label in ASSET_LINES:
        amount = rolled_up(balances, code)
        assets += amount.fen
        rows.append(ReportRow((code, label, amount)))
    rows.append(ReportRow(("", "资产合计", Money(assets)), "total"))
    rows.append(ReportRow(("", "负债", None), "section"))
    liabilities = 0
    for code, label in LIABILITY_LINES:
        amount = rolled_up(balances, code)
        liabilities += amount.fen
        rows.append(ReportRow((code, label, amount)))
    rows.append(ReportRow(("", "负债合计", Money(liabilities)), "total"))
    rows.append(ReportRow(("", "净资产", None), "section"))
    net_assets = 0
    for code, label in NET_ASSET_LINES:
        amount = rolled_up(balances, code)
        net_assets += amount.fen
        rows.append(ReportRow((code, label, amount)))
    current = rolled_up(balances, INCOME_PREFIX).fen - rolled_up(balances, EXPENSE_PREFIX).fen
    distributed = rolled_up(balances, DISTRIBUTION_PREFIX).fen
    rows.append(ReportRow(("", "本年收支净额（未结转）", Money(current))))
    rows.append(ReportRow((DISTRIBUTION_PREFIX, "减：增值收益分配", Money(-distributed))))
    net_assets += current - distributed
    rows.append(ReportRow(("", "净资产合计", Money(net_assets)), "total"))
    rows.append(ReportRow(("", "负债和净资产合计", Money(liabilities + net_assets)), "total"))
    return Report(
        code=f"资产负债表_{as_of:%Y%m%d}",
        title="住房公积金资产负债表",
        subtitle=f"{centre}    截至 {as_of.isoformat()}    单位：元",
        columns=_statement_columns("期末余额"),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("报表日期", as_of.isoformat())),
        balanced=assets == liabilities + net_assets,
    )


@dataclass(frozen=True, slots=True)
class ValueAddedIncome:
    """增值收益 of a period: income and expense per leaf, and what was distributed."""

    start: date
    end: date
    income: tuple[tuple[str, str, Money], ...]  # code, name, credit - debit
    expense: tuple[tuple[str, str, Money], ...]  # code, name, debit - credit
    distribution: tuple[tuple[str, str, Money], ...]  # 321xx, debit - credit

    @property
    def income_total(self) -> Money:
        return Money(sum(m.fen for _, _, m in self.income))

    @property
    def expense_total(self) -> Money:
        return Money(sum(m.fen for _, _, m in self.expense))

    @property
    def value_added_income(self) -> Money:
        return self.income_total - self.expense_total

    @property
    def distributed(self) -> Money:
        return Money(sum(m.fen for _, _, m in self.distribution))


def value_added_income_of(
    start: date, end: date, nets: Mapping[str, tuple[Money, Money]], names: Mapping[str, str]
) -> ValueAddedIncome:
    """From (debit, credit) turnover per leaf code over the period (closing entries excluded)."""

    def pick(prefix: str, credit_side: bool) -> tuple[tuple[str, str, Money], ...]:
        return tuple(
            (code, names.get(code, code), (credit - debit) if credit_side else (debit - credit))
            for code, (debit, credit) in sorted(nets.items())
            if code.startswith(prefix) and code != prefix
        )

    return ValueAddedIncome(
        start=start,
        end=end,
        income=pick(INCOME_PREFIX, credit_side=True),
        expense=pick(EXPENSE_PREFIX, credit_side=False),
        distribution=pick(DISTRIBUTION_PREFIX, credit_side=False),
    )


def value_added_income_statement(vai: ValueAddedIncome, centre: str) -> Report:
    """增值收益表 and its distribution (增值收益分配表) for one period."""
    rows: list[ReportRow] = [ReportRow(("401", "一、业务收入", vai.income_total), "section")]
    rows += [ReportRow((code, f"    {name}", amount)) for code, name, amount in vai.income]
    rows.append(ReportRow(("411", "二、业务支出", vai.expense_total), "section"))
    rows += [ReportRow((code, f"    {name}", amount)) for code, name, amount in vai.expense]
    rows.append(ReportRow(("", "三、增值收益（一减二）", vai.value_added_income), "total"))
    rows.append(ReportRow(("321", "四、增值收益分配", vai.distributed), "section"))
    rows += [ReportRow((code, f"    {name}", amount)) for code, name, amount in vai.distribution]
    rows.append(
        ReportRow(("", "五、待分配增值收益（三减四）", vai.value_added_income - vai.distributed), "total")
    )
    period = f"{vai.start.isoformat()} 至 {vai.end.isoformat()}"
    return Report(
        code=f"增值收益表_{vai.start:%Y%m%d}_{vai.end:%Y%m%d}",
        title="住房公积金增值收益及分配表",
        subtitle=f"{centre}    {period}    单位：元",
        columns=_statement_columns("本期金额"),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("会计期间", period)),
    )


# --- distribution of value-added income (rules.md §7.3) -----------------------------------------


@dataclass(frozen=True, slots=True)
class DistributionPlan:
    """增值收益分配, in the legal order: risk reserve, management costs, then low-rent housing."""

    value_added_income: Money
    risk_reserve: Money
    management_costs: Money
    low_rent_housing: Money
    basis: str = ""  # how the risk reserve was sized, for the page and the voucher memo
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Money:
        return self.risk_reserve + self.management_costs + self.low_rent_housing


def plan_distribution(
    value_added_income: Money,
    *,
    year_end_loan_balance: Money,
    management_budget: Money,
    policy: AccountingPolicy,
) -> DistributionPlan:
    """Split a positive value-added income: the reserve first (sized by the policy's method and
    never more than the income), then the approved management budget (never more than what is
    left), and the remainder to the low-rent housing supplement. Nothing is lost or created: the
    three parts add up to the income exactly."""
    if value_added_income.fen <= 0:
        raise AccountingRuleViolation("value_added_income_not_positive", amount=str(value_added_income))
    if management_budget.fen < 0:
        raise AccountingRuleViolation("amount_must_be_positive")
    by_income = value_added_income.times(policy.risk_reserve_vai_share.value)
    by_loans = Money(max(0, year_end_loan_balance.fen)).times(policy.risk_reserve_loan_balance_share.value)
    method = policy.risk_reserve_method.value
    if method is RiskReserveMethod.VAI_SHARE:
        wanted, basis = by_income, f"增值收益的 {_pct(policy.risk_reserve_vai_share.value.value)}"
    elif method is RiskReserveMethod.LOAN_BALANCE_SHARE:
        wanted, basis = by_loans, f"年末贷款余额的 {_pct(policy.risk_reserve_loan_balance_share.value.value)}"
    else:
        wanted = max(by_income, by_loans, key=lambda m: m.fen)
        basis = "按增值收益比例与年末贷款余额比例孰高"
    notes: list[str] = []
    reserve = Money(min(wanted.fen, value_added_income.fen))
    if reserve != wanted:
        notes.append("应提风险准备金超过增值收益，按增值收益全额提取")
    left = value_added_income - reserve
    management = Money(min(management_budget.fen, left.fen))
    if management != management_budget:
        notes.append("管理费用预算超过可分配余额，按余额提取")
    return DistributionPlan(
        value_added_income=value_added_income,
        risk_reserve=reserve,
        management_costs=management,
        low_rent_housing=left - management,
        basis=basis,
        notes=tuple(notes),
    )


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


# --- voucher print -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoucherLinePrint:
    gl_code: str
    gl_name: str
    account_no: str
    debit: Money | None
    credit: Money | None


def voucher_report(
    *,
    voucher_no: str,
    number: str,
    business_date: date,
    memo: str,
    lines: Sequence[VoucherLinePrint],
    signatures: Sequence[tuple[str, str]],
    centre: str,
) -> Report:
    """记账凭证 as printed: number, date, memo, lines, totals, and who made/reviewed/posted it."""
    debit = Money(sum(li.debit.fen for li in lines if li.debit is not None))
    credit = Money(sum(li.credit.fen for li in lines if li.credit is not None))
    rows = [ReportRow((li.gl_code, li.gl_name, li.account_no, li.debit, li.credit)) for li in lines]
    rows.append(ReportRow(("合计", "", "", debit, credit), "total"))
    meta = (
        ("凭证号", number or voucher_no),
        ("记账凭证号", voucher_no or "（未记账）"),
        ("日期", business_date.isoformat()),
        ("摘要", memo),
        *signatures,
    )
    return Report(
        code=f"记账凭证_{voucher_no or number}",
        title="记账凭证",
        subtitle=centre,
        columns=(
            ReportColumn("gl_code", "科目代码", width=10),
            ReportColumn("gl_name", "科目名称", width=24),
            ReportColumn("account_no", "明细账号", width=20),
            ReportColumn("debit", "借方金额", _MONEY, width=16),
            ReportColumn("credit", "贷方金额", _MONEY, width=16),
        ),
        rows=tuple(rows),
        meta=meta,
        balanced=debit == credit,
    )
