"""The books and financial statements (账簿与报表), each returned as a `domain.accounting.Report`
so that the page, the Excel download and the PDF show the same figures.

Every figure comes from set-based queries over postings (turnover per code, per month, per
business type) or from the trial balance at a date; nothing here loops over accounts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from anju.dates import YearMonth
from anju.domain.accounting import (
    AccountingRuleViolation,
    Report,
    ReportColumn,
    ReportRow,
    ValueAddedIncome,
    balance_sheet,
    value_added_income_of,
    value_added_income_statement,
)
from anju.domain.security import Actor, Permission
from anju.ledger.balances import Side, side_of_balance
from anju.ledger.chart import GlAccount
from anju.ledger.posting_rules import YEAR_END_CLOSE_KIND
from anju.money import Money
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork

SUBLEDGER_PAGE = 200
MAX_PERIOD_DAYS = 366 * 5


def _chart(uow: UnitOfWork) -> dict[str, GlAccount]:
    return {account.code: account for account in uow.ledger.list_chart()}


def centre_name(uow: UnitOfWork) -> str:
    centre = uow.org.get_centre()
    return centre.name if centre else "住房公积金管理中心"


def check_period(start: date, end: date) -> None:
    if start > end:
        raise AccountingRuleViolation("report_period_invalid", start=start.isoformat(), end=end.isoformat())
    if (end - start).days > MAX_PERIOD_DAYS:
        raise AccountingRuleViolation("statement_period_too_long", years=5)


def leaf_balances(uow: UnitOfWork, as_of: date | None) -> dict[str, Money]:
    """Balance of every postable code at the end of `as_of` (now when None), signed by its side."""
    return {line.gl_code: line.balance for line in uow.ledger.trial_balance(as_of)}


def _balance_text(normal: Side, balance: Money) -> tuple[str, Money]:
    if balance.is_zero:
        return "平", Money.ZERO
    side, amount = side_of_balance(normal, balance)
    return side.label_zh, amount


# --- financial statements --------------------------------------------------------------------


def balance_sheet_report(uow: UnitOfWork, actor: Actor, as_of: date | None = None) -> Report:
    """资产负债表 at the end of a day (default: the business date)."""
    actor.require(Permission.REPORTS_VIEW)
    day = as_of or current_business_date(uow)
    return balance_sheet(leaf_balances(uow, day), day, centre_name(uow))


def value_added_income(uow: UnitOfWork, start: date, end: date) -> ValueAddedIncome:
    """增值收益 of [start, end] from turnover, the year-end carry-forward left out (it empties
    the income and expense accounts; the statement shows what was earned and spent)."""
    check_period(start, end)
    chart = _chart(uow)
    nets = {
        t.gl_code: (t.debit, t.credit)
        for t in uow.accounting.turnover(start, end, exclude_kind=YEAR_END_CLOSE_KIND)
    }
    return value_added_income_of(start, end, nets, {code: a.name_zh for code, a in chart.items()})


def value_added_income_report(uow: UnitOfWork, actor: Actor, start: date, end: date) -> Report:
    """增值收益及分配表 for a month, a year or any period."""
    actor.require(Permission.REPORTS_VIEW)
    return value_added_income_statement(value_added_income(uow, start, end), centre_name(uow))


FUND_TYPES = (
    ("01", "汇缴"),
    ("02", "补缴"),
    ("08", "外部转入"),
    ("09", "年终结息"),
    ("06", "内部转移"),
    ("11", "部分提取"),
    ("12", "销户提取"),
    ("07", "外部转出"),
    ("99", "其他"),
)


def fund_movements_report(uow: UnitOfWork, actor: Actor, start: date, end: date) -> Report:
    """住房公积金变动表: the members' fund (201) from opening to closing, by business type."""
    actor.require(Permission.REPORTS_VIEW)
    check_period(start, end)
    opening = leaf_balances(uow, start - timedelta(days=1)).get("201", Money.ZERO)
    closing = leaf_balances(uow, end).get("201", Money.ZERO)
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in uow.accounting.business_type_turnover(["201"], start, end):
        key = t.business_type if t.business_type in dict(FUND_TYPES) else "99"
        entry = by_type[key]
        entry[0] += t.credit.fen
        entry[1] += t.debit.fen
        entry[2] += t.postings
    rows = [ReportRow(("期初余额", None, None, None, opening), "section")]
    increase = decrease = 0
    for code, label in FUND_TYPES:
        credit, debit, count = by_type.get(code, [0, 0, 0])
        if credit or debit:
            rows.append(ReportRow((label, Money(credit), Money(debit), count, None)))
            increase += credit
            decrease += debit
    rows.append(ReportRow(("本期合计", Money(increase), Money(decrease), None, None), "section"))
    rows.append(ReportRow(("期末余额", None, None, None, closing), "total"))
    period = f"{start.isoformat()} 至 {end.isoformat()}"
    centre = centre_name(uow)
    return Report(
        code=f"住房公积金变动表_{start:%Y%m%d}_{end:%Y%m%d}",
        title="住房公积金变动表",
        subtitle=f"{centre}    {period}    单位：元",
        columns=(
            ReportColumn("item", "项目", width=20),
            ReportColumn("increase", "本期增加", "money", 18),
            ReportColumn("decrease", "本期减少", "money", 18),
            ReportColumn("count", "笔数", "int", 8),
            ReportColumn("balance", "余额", "money", 18),
        ),
        rows=tuple(rows),
        meta=(("编制单位", centre), ("会计期间", period)),
        balanced=opening.fen + increase - decrease == closing.fen,
    )


# --- books -----------------------------------------------------------------------------------


def general_ledger_report(uow: UnitOfWork, actor: Actor, gl_code: str, year: int) -> Report:
    """总账: one account (any level, children rolled up) month by month for a year."""
    actor.require(Permission.REPORTS_VIEW)
    chart = _chart(uow)
    account = chart.get(gl_code.strip())
    if account is None:
        raise AccountingRuleViolation("unknown_gl_account", code=gl_code[:20])
    leaves = [c for c, a in chart.items() if a.postable and c.startswith(account.code)]
    first = date(year, 1, 1)
    opening = sum(m.fen for c, m in leaf_balances(uow, first - timedelta(days=1)).items() if c in leaves)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in uow.accounting.monthly_turnover(leaves, first, date(year, 12, 31)):
        months[t.period][0] += t.debit.fen
        months[t.period][1] += t.credit.fen
    normal = account.normal_side
    side, amount = _balance_text(normal, Money(opening))
    rows = [ReportRow((f"{year}-01-01", "上年结转", None, None, side, amount), "section")]
    running = opening
    total_d = total_c = 0
    for month in YearMonth(year, 1).range_to(YearMonth(year, 12)):
        debit, credit = months.get(str(month), [0, 0])
        if not (debit or credit):
            continue
        running += (debit - credit) if normal is Side.DEBIT else (credit - debit)
        total_d += debit
        total_c += credit
        side, amount = _balance_text(normal, Money(running))
        rows.append(
            ReportRow(
                (
                    month.last_day().isoformat(),
                    f"{month.label()}合计",
                    Money(debit),
                    Money(credit),
                    side,
                    amount,
                )
            )
        )
    side, amount = _balance_text(normal, Money(running))
    rows.append(
        ReportRow((f"{year}-12-31", "本年累计", Money(total_d), Money(total_c), side, amount), "total")
    )
    centre = centre_name(uow)
    return Report(
        code=f"总账_{account.code}_{year}",
        title="总分类账",
        subtitle=f"{centre}    科目：{account.code} {account.name_zh}    {year}年度    单位：元",
        columns=(
            ReportColumn("date", "日期", "date", 12),
            ReportColumn("memo", "摘要", width=20),
            ReportColumn("debit", "借方", "money", 16),
            ReportColumn("credit", "贷方", "money", 16),
            ReportColumn("side", "方向", width=6),
            ReportColumn("balance", "余额", "money", 16),
        ),
        rows=tuple(rows),
        meta=(("科目", f"{account.code} {account.name_zh}"), ("年度", str(year))),
    )


def sub_ledger_report(
    uow: UnitOfWork, actor: Actor, gl_code: str, as_of: date | None = None, page: int = 1
) -> Report:
    """明细账余额表: the accounts under one postable code and their balances (a page at a time)."""
    actor.require(Permission.REPORTS_VIEW)
    chart = _chart(uow)
    account = chart.get(gl_code.strip())
    if account is None or not account.postable:
        raise AccountingRuleViolation("unknown_gl_account", code=gl_code[:20])
    offset = (max(1, page) - 1) * SUBLEDGER_PAGE
    items = uow.accounting.subledger_balances(account.code, as_of, limit=SUBLEDGER_PAGE, offset=offset)
    rows = []
    for item in items:
        side, amount = _balance_text(account.normal_side, item.balance)
        status = "正常" if item.status == "open" else "已销户"
        rows.append(ReportRow((item.account_no, item.owner_type or "", status, side, amount)))
    total = sum(i.balance.fen for i in items)
    side, amount = _balance_text(account.normal_side, Money(total))
    rows.append(ReportRow(("本页合计", "", f"{len(items)} 户", side, amount), "total"))
    day = as_of.isoformat() if as_of else "当前"
    return Report(
        code=f"明细账_{account.code}_{as_of:%Y%m%d}" if as_of else f"明细账_{account.code}",
        title="明细分类账余额表",
        subtitle=f"科目：{account.code} {account.name_zh}    截至：{day}    第 {max(1, page)} 页",
        columns=(
            ReportColumn("account_no", "明细账号", width=20),
            ReportColumn("owner", "账户类别", width=14),
            ReportColumn("status", "状态", width=8),
            ReportColumn("side", "方向", width=6),
            ReportColumn("balance", "余额", "money", 18),
        ),
        rows=tuple(rows),
        meta=(("科目", f"{account.code} {account.name_zh}"), ("截至", day)),
    )


def bank_balances_report(uow: UnitOfWork, actor: Actor, as_of: date | None = None) -> Report:
    """专户余额表: the book balance of every centre bank account at the end of a day."""
    actor.require(Permission.REPORTS_VIEW)
    day = as_of or current_business_date(uow)
    balances = leaf_balances(uow, day)
    rows = []
    total = 0
    for book in uow.accounting.bank_books():
        amount = balances.get(book.gl_code, Money.ZERO)
        total += amount.fen
        rows.append(ReportRow((book.gl_code, book.account_name, book.bank_account_no, book.status, amount)))
        if book.time_gl_code:
            held = balances.get(book.time_gl_code, Money.ZERO)
            total += held.fen
            rows.append(
                ReportRow((book.time_gl_code, "    其中：定期及通知存款", book.bank_account_no, "", held))
            )
    rows.append(ReportRow(("", "合计", "", "", Money(total)), "total"))
    return Report(
        code=f"专户余额表_{day:%Y%m%d}",
        title="银行专户余额表",
        subtitle=f"{centre_name(uow)}    {day.isoformat()} 日终    单位：元",
        columns=(
            ReportColumn("gl_code", "科目", width=8),
            ReportColumn("name", "专户名称", width=26),
            ReportColumn("account_no", "专户账号", width=22),
            ReportColumn("status", "状态", width=8),
            ReportColumn("balance", "账面余额", "money", 18),
        ),
        rows=tuple(rows),
        meta=(("日期", day.isoformat()),),
    )


def bank_journal_report(
    uow: UnitOfWork, actor: Actor, bank_account_no: str, start: date, end: date
) -> Report:
    """银行存款日记账: every movement of one centre bank account with its running balance."""
    actor.require(Permission.REPORTS_VIEW)
    check_period(start, end)
    book = next(
        (b for b in uow.accounting.bank_books() if b.bank_account_no == bank_account_no.strip()), None
    )
    if book is None or book.ledger_account_no is None:
        raise AccountingRuleViolation("bank_book_not_found", account_no=bank_account_no[:30])
    opening = leaf_balances(uow, start - timedelta(days=1)).get(book.gl_code, Money.ZERO)
    rows = [ReportRow((start.isoformat(), "", "期初余额", None, None, opening), "section")]
    debit = credit = 0
    for line in uow.ledger.statement(book.ledger_account_no, start=start, end=end):
        is_debit = line.side is Side.DEBIT
        debit += line.amount.fen if is_debit else 0
        credit += 0 if is_debit else line.amount.fen
        rows.append(
            ReportRow(
                (
                    line.business_date,
                    line.voucher_no,
                    line.memo,
                    line.amount if is_debit else None,
                    None if is_debit else line.amount,
                    line.balance_after,
                )
            )
        )
    closing = Money(opening.fen + debit - credit)
    rows.append(
        ReportRow((end.isoformat(), "", "本期合计 / 期末余额", Money(debit), Money(credit), closing), "total")
    )
    return Report(
        code=f"银行存款日记账_{book.bank_account_no}_{start:%Y%m%d}_{end:%Y%m%d}",
        title="银行存款日记账",
        subtitle=f"{book.account_name}（{book.bank_account_no}）    {start.isoformat()} 至 {end.isoformat()}",
        columns=(
            ReportColumn("date", "日期", "date", 12),
            ReportColumn("voucher_no", "凭证号", width=20),
            ReportColumn("memo", "摘要", width=28),
            ReportColumn("debit", "收入（借方）", "money", 16),
            ReportColumn("credit", "支出（贷方）", "money", 16),
            ReportColumn("balance", "余额", "money", 16),
        ),
        rows=tuple(rows),
        meta=(("专户", book.account_name), ("账号", book.bank_account_no), ("科目", book.gl_code)),
    )
