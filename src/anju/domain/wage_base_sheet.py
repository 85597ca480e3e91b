"""The wage-base declaration sheet (缴存基数申报表): the annual adjustment (基数调整) of a whole unit.

Each July the unit declares every member's average monthly wage of the previous year; the new
base is that wage held between the policy's floor and cap (rules.md §2.1: base = clamp(declared,
floor, cap)), and the parts follow from the unit's ratios. Clamping is the rule, not an error:
the result says how many bases the floor or the cap set. A wage that is blank, malformed or not
positive is an error, and so is a row that does not name a member of the unit by account number
and ID number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from anju.domain.contributions import ContributionParts, ContributionRuleViolation, contribution_parts
from anju.domain.policy import ContributionPolicy
from anju.domain.sheets import (
    MemberOnFile,
    Problems,
    SheetColumn,
    SheetLayout,
    SheetTable,
    check_has_rows,
    check_meta,
    identify_members,
    money_cell,
)
from anju.money import Rate

WAGE_BASE_LAYOUT: Final = SheetLayout(
    sheet_name="缴存基数申报",
    title="住房公积金缴存基数调整申报表",
    meta=(
        SheetColumn("unit_account_no", "单位账号"),
        SheetColumn("year", "缴存年度"),
        SheetColumn("unit_name", "单位名称", required=False),
    ),
    columns=(
        SheetColumn("account_no", "个人账号", width=22),
        SheetColumn("name", "姓名", width=12, required=False),
        SheetColumn("resident_id", "身份证号码", width=22),
        SheetColumn("declared", "上年度月平均工资（元）", kind="money", width=22),
    ),
    notes=(
        "填写说明：第2行的单位账号和缴存年度不要修改；每名职工一行，身份证号码须完整填写；"
        "上年度月平均工资按统计口径的工资总额计算。新缴存基数为申报工资，低于下限的按下限、"
        "高于上限的按上限确定；月缴存额按单位现行缴存比例计算。"
        "整个文件全部正确才会调整，有任何一行错误都不会调整。"
    ),
)


@dataclass(frozen=True, slots=True)
class WageBaseLine:
    member_account_id: int
    parts: ContributionParts
    row: int


def validate_wage_base_sheet(
    table: SheetTable,
    problems: Problems,
    *,
    unit_account_no: str,
    year: int,
    members: Mapping[str, MemberOnFile],
    blind_index: Callable[[str], str],
    allowed_statuses: frozenset[str] | tuple[str, ...],
    policy: ContributionPolicy,
    unit_ratio: Rate,
    member_ratio: Rate,
) -> list[WageBaseLine]:
    """Check every row; each valid row's new base and parts (problems are collected, not raised)."""
    check_meta(table, problems, "unit_account_no", unit_account_no, "sheet_meta_mismatch")
    check_meta(table, problems, "year", str(year), "sheet_meta_mismatch")
    check_has_rows(table, problems)
    lines: list[WageBaseLine] = []
    matched = identify_members(
        table, problems, members, blind_index, allowed_statuses=allowed_statuses, action="调整缴存基数"
    )
    for row, member in matched:
        declared = money_cell(table, row, "declared", problems)
        if declared is None:
            continue
        try:
            parts = contribution_parts(policy, declared, unit_ratio=unit_ratio, member_ratio=member_ratio)
        except ContributionRuleViolation:
            problems.at(row, "declared", "sheet_amount_not_positive", value=declared.format_cn())
            continue
        lines.append(WageBaseLine(member.id, parts, row.number))
    bad = problems.rows_with_problems()
    return [line for line in lines if line.row not in bad]
