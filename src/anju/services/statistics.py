"""Business statistics (业务统计报表): the monthly statistical tables for collection, withdrawals
and loans, the annual report (年度报告) figures, and ad-hoc tables by branch and period.

Every table reads the general ledger (postings per GL code, business type and branch of the
account) with one grouped query, so the withdrawal and loan tables work from whatever those
slices post: withdrawals debit 201 with business types 11/12/07, loans debit 121 on
disbursement and credit it on repayment (rules.md §7.2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from anju.dates import YearMonth
from anju.domain.accounting import Report, ReportColumn, ReportRow
from anju.domain.codes import ECONOMIC_TYPES
from anju.domain.security import Actor, Permission
from anju.domain.sheets import CellValue
from anju.errors import AnjuError
from anju.money import Money
from anju.services.accounting_ports import BusinessTypeTurnover, UnitTypeTurnover
from anju.services.books import centre_name, check_period, leaf_balances, value_added_income
from anju.services.policy import policy_in_force
from anju.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Measure:
    """One column group of a table: the postings of a code (and business types) on one side."""

    key: str
    header: str
    gl_code: str
    side: str  # D | C
    business_types: tuple[str, ...] = ()  # empty: every type
    exclude_kinds: tuple[str, ...] = ()  # voucher kinds that are not this movement


COLLECTION: tuple[Measure, ...] = (
    Measure("remit", "汇缴", "201", "C", ("01",)),
    Measure("back", "补缴", "201", "C", ("02",)),
    Measure("in", "转入", "201", "C", ("08",)),
    Measure("interest", "结息", "201", "C", ("09",)),
)
WITHDRAWAL: tuple[Measure, ...] = (
    Measure("partial", "部分提取", "201", "D", ("11",)),
    Measure("closing", "销户提取", "201", "D", ("12",)),
    Measure("out", "转出", "201", "D", ("07",)),
)
# Movements between 121 and 122 (逾期转列 and its cure) are not lending or recovery; write-offs
# (核销) are not recovery either.
_NOT_LOAN_FLOW = ("loan_overdue", "loan_write_off")
LOAN: tuple[Measure, ...] = (
    Measure("disbursed", "发放贷款", "121", "D", exclude_kinds=_NOT_LOAN_FLOW),
    Measure("repaid", "回收本金", "121", "C", exclude_kinds=_NOT_LOAN_FLOW),
    Measure("overdue_repaid", "回收逾期本金", "122", "C", exclude_kinds=_NOT_LOAN_FLOW),
    Measure("overdue_in", "转入逾期", "122", "D"),
)
TABLES: dict[str, tuple[str, tuple[Measure, ...], tuple[str, ...]]] = {
    "collection": ("住房公积金归集业务统计表", COLLECTION, ("201",)),
    "withdrawal": ("住房公积金提取业务统计表", WITHDRAWAL, ("201",)),
    "loan": ("个人住房贷款业务统计表", LOAN, ("121", "122")),
}


REVERSAL_KIND = "reversal"


def measure_contribution(measure: Measure, t: BusinessTypeTurnover | UnitTypeTurnover) -> tuple[int, int]:
    """(count, fen) a grouped row adds to a measure. A red-ink reversal mirrors its original on
    the opposite side, so it takes back the count and amount (a payment the bank refused)."""
    if not _matches(measure, t):
        return 0, 0
    same, opposite = (t.debit, t.credit) if measure.side == "D" else (t.credit, t.debit)
    if t.kind == REVERSAL_KIND:
        return (-t.postings if opposite.fen else 0), -opposite.fen
    return (t.postings if same.fen else 0), same.fen


def _matches(measure: Measure, t: BusinessTypeTurnover | UnitTypeTurnover) -> bool:
    return (
        t.gl_code == measure.gl_code
        and (not measure.business_types or (t.business_type or "") in measure.business_types)
        and t.kind not in measure.exclude_kinds
    )


def business_table(
    uow: UnitOfWork, actor: Actor, table: str, start: date, end: date, *, by_branch: bool = True
) -> Report:
    """A statistical table: per branch (or in total), count and amount of each measure in the
    period, with the closing balance of the table's GL codes."""
    actor.require(Permission.REPORTS_VIEW)
    check_period(start, end)
    title, measures, balance_codes = TABLES[table]
    codes = sorted({m.gl_code for m in measures})
    turnover = uow.accounting.business_type_turnover(codes, start, end)
    branches = {b.id: b.name for b in uow.org.list_branches()}
    sums: dict[int | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for t in turnover:
        key = t.branch_id if by_branch else None
        for m in measures:
            count, fen = measure_contribution(m, t)
            entry = sums[key][m.key]
            entry[0] += count
            entry[1] += fen
    rows = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for branch_id in sorted(sums, key=lambda b: (b is None, b or 0)):
        cells: list[CellValue] = [branches.get(branch_id, "中心") if branch_id is not None else "全中心"]
        for m in measures:
            count, fen = sums[branch_id][m.key]
            cells += [count, Money(fen)]
            totals[m.key][0] += count
            totals[m.key][1] += fen
        rows.append(ReportRow(tuple(cells)))
    total_cells: list[CellValue] = ["合计"]
    for m in measures:
        total_cells += [totals[m.key][0], Money(totals[m.key][1])]
    rows.append(ReportRow(tuple(total_cells), "total"))
    balances = leaf_balances(uow, end)
    closing = Money(sum(balances.get(code, Money.ZERO).fen for code in balance_codes))
    columns = [ReportColumn("branch", "管理部", width=16)]
    for m in measures:
        columns += [
            ReportColumn(f"{m.key}_n", f"{m.header}笔数", "int", 10),
            ReportColumn(m.key, f"{m.header}金额", "money", 16),
        ]
    period = f"{start.isoformat()} 至 {end.isoformat()}"
    centre = centre_name(uow)
    return Report(
        code=f"{title}_{start:%Y%m%d}_{end:%Y%m%d}",
        title=title,
        subtitle=f"{centre}    {period}    单位：元、笔",
        columns=tuple(columns),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("统计期间", period), ("期末余额", closing.format_cn())),
        notes="数据取自总账：按科目、业务类型和账户所属管理部汇总。",
    )


def monthly_table(uow: UnitOfWork, actor: Actor, table: str, month: str) -> Report:
    """全国住房公积金月度统计表 (collection / withdrawal / loan) for one month, by branch."""
    ym = YearMonth.parse(month)
    return business_table(uow, actor, table, ym.first_day(), ym.last_day())


def _percent(part: int, whole: int) -> str:
    if whole <= 0:
        return "—"
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


def _average_month_end_fund(uow: UnitOfWork, year: int) -> Decimal:
    """The year's average of the twelve month-end balances of 201: the opening balance and one
    grouped query of monthly turnover."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    running = leaf_balances(uow, date(year - 1, 12, 31)).get("201", Money.ZERO).fen
    by_month = {
        t.period: t.credit.fen - t.debit.fen for t in uow.accounting.monthly_turnover(["201"], start, end)
    }
    month_ends = []
    for ym in YearMonth(year, 1).range_to(YearMonth(year, 12)):
        running += by_month.get(str(ym), 0)
        month_ends.append(running)
    return Decimal(sum(month_ends)) / len(month_ends)


def _reason_name(uow: UnitOfWork, day: date, code: str) -> str:
    try:
        return policy_in_force(uow, day).withdrawal.reason(code).name
    except AnjuError:
        return f"提取原因 {code}"


def annual_report(uow: UnitOfWork, actor: Actor, year: int) -> Report:
    """年度报告 (住房公积金年度报告) figures, in the order of the content the domain reference
    lists (interfaces.md §5, rules.md §7.3): contributions (units, members, amounts), withdrawals
    by purpose, loans (count, amount, balance, overdue rate), finance (income, expense,
    value-added income and its distribution, risk reserve) and asset risk. Every figure comes
    from the books and the business tables; none is kept by hand. The national template's exact
    table layout is not in the domain reference: these are its figures, in its order."""
    actor.require(Permission.REPORTS_VIEW)
    start, end = date(year, 1, 1), date(year, 12, 31)
    turnover = uow.accounting.business_type_turnover(["201", "121", "122"], start, end)

    def total(measures: Sequence[Measure]) -> tuple[int, Money]:
        count = fen = 0
        for t in turnover:
            for m in measures:
                n, amount = measure_contribution(m, t)
                count += n
                fen += amount
        return count, Money(fen)

    collected = total(COLLECTION[:3])
    withdrawn = total(WITHDRAWAL)
    disbursed = total(LOAN[:1])
    repaid = total(LOAN[1:3])
    payers = uow.accounting.contributors(start, end)
    closing = leaf_balances(uow, end)
    fund = closing.get("201", Money.ZERO)
    overdue = closing.get("122", Money.ZERO)
    loans = Money(closing.get("121", Money.ZERO).fen + overdue.fen)
    reserve = closing.get("301", Money.ZERO)
    average = _average_month_end_fund(uow, year)
    vai = value_added_income(uow, start, end)
    rate = _percent(vai.value_added_income.fen, int(average)) if average > 0 else "—"

    def section(title: str) -> ReportRow:
        return ReportRow((title, None, None), "section")

    rows = [
        section("一、缴存"),
        ReportRow(("缴存单位（个）", payers.units, None)),
        ReportRow(("缴存职工（人）", payers.members, None)),
        ReportRow(("缴存额（汇缴、补缴、转入）", collected[0], collected[1])),
        ReportRow(("年末缴存余额", None, fund)),
        section("二、提取"),
        ReportRow(("提取额", withdrawn[0], withdrawn[1])),
        *(
            ReportRow((f"    其中：{_reason_name(uow, end, w.reason_code)}", w.count, w.amount))
            for w in uow.accounting.withdrawals_by_reason(start, end)
        ),
        ReportRow(("提取额占当年缴存额比率", None, _percent(withdrawn[1].fen, collected[1].fen))),
        section("三、贷款"),
        ReportRow(("发放个人住房贷款", disbursed[0], disbursed[1])),
        ReportRow(("回收个人住房贷款本金", repaid[0], repaid[1])),
        ReportRow(("年末个人住房贷款余额", None, loans)),
        ReportRow(("个人住房贷款率（贷款余额 ÷ 缴存余额）", None, _percent(loans.fen, fund.fen))),
        section("四、财务"),
        ReportRow(("业务收入", None, vai.income_total)),
        ReportRow(("业务支出", None, vai.expense_total)),
        ReportRow(("增值收益", None, vai.value_added_income)),
        ReportRow(("增值收益率（增值收益 ÷ 月均缴存余额）", None, rate)),
        *(ReportRow((f"    {name}", None, amount)) for _code, name, amount in vai.distribution),
        ReportRow(("年末贷款风险准备金余额", None, reserve)),
        section("五、资产风险"),
        ReportRow(("年末逾期贷款余额", None, overdue)),
        ReportRow(("个人住房贷款逾期率（逾期余额 ÷ 贷款余额）", None, _percent(overdue.fen, loans.fen))),
        ReportRow(("风险准备金与贷款余额之比", None, _percent(reserve.fen, loans.fen))),
    ]
    centre = centre_name(uow)
    return Report(
        code=f"年度报告_{year}",
        title=f"{year}年住房公积金年度报告主要指标",
        subtitle=f"{centre}    单位：元、笔、个、人",
        columns=(
            ReportColumn("item", "指标", width=36),
            ReportColumn("count", "笔数 / 个数", "int", 12),
            ReportColumn("amount", "金额 / 比率", "money", 20),
        ),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("年度", str(year))),
        notes=(
            "数据取自总账与业务台账。增值收益率 = 增值收益 ÷ 月末缴存余额的年平均数；"
            "缴存单位、职工按当年有汇缴或补缴入账（不含已冲销）的单位与个人账户计数。"
        ),
    )


def by_unit_type(uow: UnitOfWork, actor: Actor, table: str, start: date, end: date) -> Report:
    """Ad-hoc statistics by unit economic type (单位经济类型): the collection or withdrawal
    measures of a period, one row per type, from the members' postings."""
    actor.require(Permission.REPORTS_VIEW)
    check_period(start, end)
    name = table if table in ("collection", "withdrawal") else "collection"
    title, measures, _ = TABLES[name]
    sums: dict[str | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for t in uow.accounting.member_turnover_by_unit_type(start, end):
        for m in measures:
            count, fen = measure_contribution(m, t)  # a reversal takes back its original
            entry = sums[t.economic_type][m.key]
            entry[0] += count
            entry[1] += fen
    rows = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for economic_type in sorted(sums, key=lambda k: (k is None, k or "")):
        label = ECONOMIC_TYPES.get(economic_type, economic_type) if economic_type else "未关联单位"
        cells: list[CellValue] = [label]
        for m in measures:
            count, fen = sums[economic_type][m.key]
            cells += [count, Money(fen)]
            totals[m.key][0] += count
            totals[m.key][1] += fen
        rows.append(ReportRow(tuple(cells)))
    total_cells: list[CellValue] = ["合计"]
    for m in measures:
        total_cells += [totals[m.key][0], Money(totals[m.key][1])]
    rows.append(ReportRow(tuple(total_cells), "total"))
    columns = [ReportColumn("type", "单位经济类型", width=20)]
    for m in measures:
        columns += [
            ReportColumn(f"{m.key}_n", f"{m.header}笔数", "int", 10),
            ReportColumn(m.key, f"{m.header}金额", "money", 16),
        ]
    period = f"{start.isoformat()} 至 {end.isoformat()}"
    centre = centre_name(uow)
    return Report(
        code=f"{title}_按单位经济类型_{start:%Y%m%d}_{end:%Y%m%d}",
        title=f"{title}（按单位经济类型）",
        subtitle=f"{centre}    {period}    单位：元、笔",
        columns=tuple(columns),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("统计期间", period)),
    )
