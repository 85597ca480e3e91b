"""Accounting reports over the synthetic city (会计报表): the heaviest set-based queries.

* reports_balance_sheet_past: 资产负债表 at a past date — turnover of every posting up to that
  day (the trial balance as of a date), against a bare SQL GROUP BY over the same postings;
* reports_annual: 年度报告 figures — turnover per business type and branch of 201/121 for a
  year, twelve month-ends of 201, value-added income;
* reports_subledger_past: 明细账余额表 of 201 as of a past date, first page (the per-account
  sum of postings up to the day);
* reports_collection_monthly: 归集业务月度统计表 by branch;
* reports_by_unit_type: collection by unit economic type for the year so far (postings joined
  through the member's account to its unit), against the bare GROUP BY;
* reports_fund_movements_year / reports_value_added_year: the two statements over the year so far.

Figures, not tests: `python -m bench --size small --only reports_annual` etc.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import text

from anju.domain.security import Actor, Role
from anju.services import books, statistics
from anju.services.calendar import current_business_date
from anju.services.runner import read
from bench.harness import BenchContext, Measurement, benchmark

FINANCE = Actor(username="benchfinance", roles=frozenset({Role.FINANCE}), operator_id=9301, all_branches=True)

_FLOOR = text(
    "SELECT p.gl_code, SUM(CASE WHEN p.side = 'D' THEN p.amount_fen ELSE 0 END), "
    "SUM(CASE WHEN p.side = 'C' THEN p.amount_fen ELSE 0 END) "
    "FROM posting p JOIN voucher v ON v.id = p.voucher_id WHERE v.business_date <= :day GROUP BY p.gl_code"
)


def _postings(ctx: BenchContext) -> int:
    with ctx.container.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM posting")).scalar_one())


def _day(ctx: BenchContext) -> date:
    """About a month before the city's business date: a past day with history on both sides."""
    today: date = read(ctx.container.uow, current_business_date)
    return today - timedelta(days=35)


@benchmark("reports_balance_sheet_past", "资产负债表（过去某日）：按日期汇总全部分录，对比裸 SQL 分组")
def balance_sheet_past(ctx: BenchContext) -> Measurement:
    day = _day(ctx)
    with ctx.container.engine.connect() as conn:
        start = time.perf_counter()
        conn.execute(_FLOOR, {"day": day}).all()
        floor = time.perf_counter() - start
    start = time.perf_counter()
    report = read(ctx.container.uow, lambda uow: books.balance_sheet_report(uow, FINANCE, day))
    seconds = time.perf_counter() - start
    return Measurement(seconds, _postings(ctx), floor, extra={"balanced": report.balanced})


@benchmark("reports_annual", "年度报告主要指标：全年按业务类型、管理部汇总，月末余额与增值收益")
def annual(ctx: BenchContext) -> Measurement:
    year = _day(ctx).year
    start = time.perf_counter()
    read(ctx.container.uow, lambda uow: statistics.annual_report(uow, FINANCE, year))
    return Measurement(time.perf_counter() - start, _postings(ctx))


@benchmark("reports_subledger_past", "明细账余额表（201，过去某日，首页 200 户）")
def subledger_past(ctx: BenchContext) -> Measurement:
    day = _day(ctx)
    start = time.perf_counter()
    report = read(ctx.container.uow, lambda uow: books.sub_ledger_report(uow, FINANCE, "201", day))
    return Measurement(time.perf_counter() - start, len(report.rows))


@benchmark("reports_collection_monthly", "归集业务月度统计表（按管理部）")
def collection_monthly(ctx: BenchContext) -> Measurement:
    day = _day(ctx)
    month = f"{day.year}{day.month:02d}"
    start = time.perf_counter()
    report = read(ctx.container.uow, lambda uow: statistics.monthly_table(uow, FINANCE, "collection", month))
    return Measurement(time.perf_counter() - start, len(report.rows))


def _year(ctx: BenchContext) -> tuple[date, date]:
    day = _day(ctx)
    return date(day.year, 1, 1), day


_UNIT_TYPE_FLOOR = text(
    "SELECT u.economic_type, p.business_type, v.kind, "
    "SUM(CASE WHEN p.side = 'D' THEN p.amount_fen ELSE 0 END), "
    "SUM(CASE WHEN p.side = 'C' THEN p.amount_fen ELSE 0 END), COUNT(*) "
    "FROM posting p JOIN voucher v ON v.id = p.voucher_id "
    "JOIN ledger_account la ON la.id = p.ledger_account_id "
    "LEFT JOIN member_account m ON m.ledger_account_no = la.account_no "
    "LEFT JOIN unit u ON u.id = m.unit_id "
    "WHERE v.business_date BETWEEN :start AND :end AND p.gl_code = '201' "
    "GROUP BY u.economic_type, p.business_type, v.kind"
)


@benchmark(
    "reports_by_unit_type", "按单位经济类型统计（本年至今，归集）：分录经个人账户关联单位分组，对比裸 SQL"
)
def by_unit_type(ctx: BenchContext) -> Measurement:
    start_day, end_day = _year(ctx)
    with ctx.container.engine.connect() as conn:
        start = time.perf_counter()
        conn.execute(_UNIT_TYPE_FLOOR, {"start": start_day, "end": end_day}).all()
        floor = time.perf_counter() - start
    start = time.perf_counter()
    report = read(
        ctx.container.uow, lambda uow: statistics.by_unit_type(uow, FINANCE, "collection", start_day, end_day)
    )
    return Measurement(time.perf_counter() - start, _postings(ctx), floor, extra={"rows": len(report.rows)})


@benchmark("reports_fund_movements_year", "住房公积金变动表（本年至今）：期初、期末余额与按业务类型的发生额")
def fund_movements_year(ctx: BenchContext) -> Measurement:
    start_day, end_day = _year(ctx)
    start = time.perf_counter()
    report = read(
        ctx.container.uow, lambda uow: books.fund_movements_report(uow, FINANCE, start_day, end_day)
    )
    return Measurement(time.perf_counter() - start, _postings(ctx), extra={"balanced": report.balanced})


@benchmark("reports_value_added_year", "增值收益及分配表（本年至今）：收入、支出科目发生额（不含年结凭证）")
def value_added_year(ctx: BenchContext) -> Measurement:
    start_day, end_day = _year(ctx)
    start = time.perf_counter()
    read(ctx.container.uow, lambda uow: books.value_added_income_report(uow, FINANCE, start_day, end_day))
    return Measurement(time.perf_counter() - start, _postings(ctx))
