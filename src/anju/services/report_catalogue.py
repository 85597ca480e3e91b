"""The catalogue of books, statements and statistical tables (账簿与报表): each report's name in
URLs, its label, its parameters and the service that builds it. The web pages and the JSON API
share it, so a report added here appears in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from anju.dates import YearMonth, parse_date
from anju.domain.accounting import Report
from anju.domain.security import Actor
from anju.services import books, statistics
from anju.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class ReportSpec:
    label: str
    group: str
    params: tuple[str, ...]  # as_of | start | end | year | month | code | account | page
    build: Callable[[UnitOfWork, Actor, dict[str, Any]], Report]
    default_code: str = "101"


REPORTS: dict[str, ReportSpec] = {
    "balance-sheet": ReportSpec(
        "资产负债表", "财务报表", ("as_of",), lambda u, a, p: books.balance_sheet_report(u, a, p["as_of"])
    ),
    "value-added-income": ReportSpec(
        "增值收益及分配表",
        "财务报表",
        ("start", "end"),
        lambda u, a, p: books.value_added_income_report(u, a, p["start"], p["end"]),
    ),
    "fund-movements": ReportSpec(
        "住房公积金变动表",
        "财务报表",
        ("start", "end"),
        lambda u, a, p: books.fund_movements_report(u, a, p["start"], p["end"]),
    ),
    "general-ledger": ReportSpec(
        "总分类账",
        "账簿",
        ("code", "year"),
        lambda u, a, p: books.general_ledger_report(u, a, p["code"], p["year"]),
    ),
    "sub-ledger": ReportSpec(
        "明细分类账余额表",
        "账簿",
        ("code", "as_of", "page"),
        lambda u, a, p: books.sub_ledger_report(u, a, p["code"], p["as_of"], p["page"]),
        default_code="201",
    ),
    "bank-balances": ReportSpec(
        "银行专户余额表", "账簿", ("as_of",), lambda u, a, p: books.bank_balances_report(u, a, p["as_of"])
    ),
    "bank-journal": ReportSpec(
        "银行存款日记账",
        "账簿",
        ("account", "start", "end"),
        lambda u, a, p: books.bank_journal_report(u, a, p["account"], p["start"], p["end"]),
    ),
    "collection-monthly": ReportSpec(
        "归集业务月度统计表",
        "业务统计",
        ("month",),
        lambda u, a, p: statistics.monthly_table(u, a, "collection", p["month"]),
    ),
    "withdrawal-monthly": ReportSpec(
        "提取业务月度统计表",
        "业务统计",
        ("month",),
        lambda u, a, p: statistics.monthly_table(u, a, "withdrawal", p["month"]),
    ),
    "loan-monthly": ReportSpec(
        "贷款业务月度统计表",
        "业务统计",
        ("month",),
        lambda u, a, p: statistics.monthly_table(u, a, "loan", p["month"]),
    ),
    "business-by-branch": ReportSpec(
        "分管理部业务统计（任意期间）",
        "业务统计",
        ("table", "start", "end"),
        lambda u, a, p: statistics.business_table(u, a, p["table"], p["start"], p["end"]),
    ),
    "business-by-unit-type": ReportSpec(
        "按单位经济类型统计（任意期间）",
        "业务统计",
        ("table", "start", "end"),
        lambda u, a, p: statistics.by_unit_type(u, a, p["table"], p["start"], p["end"]),
    ),
    "annual-report": ReportSpec(
        "年度报告主要指标", "业务统计", ("year",), lambda u, a, p: statistics.annual_report(u, a, p["year"])
    ),
}

PARAM_LABELS = {
    "as_of": ("截至日期", "date"),
    "start": ("开始日期", "date"),
    "end": ("结束日期", "date"),
    "year": ("年度", "number"),
    "month": ("年月（YYYYMM）", "text"),
    "code": ("科目代码", "text"),
    "account": ("专户账号", "text"),
    "page": ("页码", "number"),
    "table": ("统计表（collection / withdrawal / loan）", "text"),
}


def parse_params(
    spec: ReportSpec, query: Mapping[str, str], today: date
) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed parameters with defaults from the business date, and the raw texts for the form."""
    raw = {name: (query.get(name) or "").strip()[:40] for name in spec.params}
    month = YearMonth.of(today)
    typed: dict[str, Any] = {
        "as_of": parse_date(raw["as_of"]) if raw.get("as_of") else today,
        "start": parse_date(raw["start"]) if raw.get("start") else month.first_day(),
        "end": parse_date(raw["end"]) if raw.get("end") else today,
        "year": int(raw["year"]) if raw.get("year", "").isdigit() else today.year,
        "month": raw.get("month") or str(month.add(-1)),
        "code": raw.get("code") or spec.default_code,
        "account": raw.get("account", ""),
        "page": int(raw["page"]) if raw.get("page", "").isdigit() else 1,
        "table": raw.get("table") if raw.get("table") in statistics.TABLES else "collection",
    }
    shown = {name: raw[name] or str(typed[name]) for name in spec.params}
    return typed, shown
