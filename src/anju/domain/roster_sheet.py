"""The roster sheet (汇缴清册 Excel): its layout and the validation of every row of an upload.

The unit's clerk downloads a template (its members with account number, name and current base),
types each member's ID number in full, adjusts bases where needed, and uploads it. Parts are
optional: a blank part is computed (base × the roster's ratio, rounded by the local rule); a
given part must equal that computation, so a spreadsheet formula that rounds differently is
caught instead of silently billed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from anju.domain.policy import ContributionPolicy
from anju.domain.sheets import (
    ROUNDING_LABELS,
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
from anju.money import Money, Rate

ROSTER_LAYOUT: Final = SheetLayout(
    sheet_name="汇缴清册",
    title="住房公积金汇缴清册",
    meta=(
        SheetColumn("unit_account_no", "单位账号"),
        SheetColumn("month", "汇缴年月"),
        SheetColumn("unit_name", "单位名称", required=False),
    ),
    columns=(
        SheetColumn("account_no", "个人账号", width=22),
        SheetColumn("name", "姓名", width=12, required=False),
        SheetColumn("resident_id", "身份证号码", width=22),
        SheetColumn("wage_base", "缴存基数（元）", kind="money", width=16),
        SheetColumn("unit_part", "单位月缴存额（元）", kind="money", width=18, required=False),
        SheetColumn("member_part", "个人月缴存额（元）", kind="money", width=18, required=False),
    ),
    notes=(
        "填写说明：第2行的单位账号和汇缴年月不要修改；每名职工一行，身份证号码须完整填写（18位，"
        "末位可为X），系统核对身份证号码与个人账号是否一致；缴存基数须在政策规定的上下限之间；"
        "单位和个人月缴存额可不填，由系统按缴存比例计算，填写的须与计算结果一致。"
        "整个文件全部正确才会导入，有任何一行错误都不会导入。"
    ),
)


@dataclass(frozen=True, slots=True)
class RosterPricing:
    """What a roster's parts are computed with: the policy and the roster's ratios for its month."""

    policy: ContributionPolicy
    unit_ratio: Rate
    member_ratio: Rate


@dataclass(frozen=True, slots=True)
class RosterSheetLine:
    member_account_id: int
    wage_base: Money
    unit_part: Money
    member_part: Money
    computed: bool  # at least one part was blank and computed
    row: int


def validate_roster_sheet(
    table: SheetTable,
    problems: Problems,
    *,
    unit_account_no: str,
    month: str,
    members: Mapping[str, MemberOnFile],
    blind_index: Callable[[str], str],
    allowed_statuses: frozenset[str] | tuple[str, ...],
    pricing: RosterPricing,
) -> list[RosterSheetLine]:
    """Check every row; the lines of a fully valid sheet (problems are collected, not raised)."""
    check_meta(table, problems, "unit_account_no", unit_account_no, "sheet_meta_mismatch")
    check_meta(table, problems, "month", month, "sheet_meta_mismatch")
    check_has_rows(table, problems)
    policy = pricing.policy
    floor, cap = policy.wage_base_floor.value, policy.wage_base_cap()
    rounding = ROUNDING_LABELS[policy.monthly_amount_rounding.value]
    lines: list[RosterSheetLine] = []
    matched = identify_members(
        table, problems, members, blind_index, allowed_statuses=allowed_statuses, action="汇缴"
    )
    for row, member in matched:
        before = len(problems)
        base = money_cell(table, row, "wage_base", problems)
        if base is None:
            continue
        if not floor <= base <= cap:
            bound = policy.wage_base_floor if base < floor else policy.wage_base_cap_multiple
            problems.at(
                row,
                "wage_base",
                "sheet_wage_base_out_of_bounds",
                value=base.format_cn(),
                min=floor.format_cn(),
                max=cap.format_cn(),
                source=bound.source,
            )
            continue
        parts: list[Money] = []
        computed = False
        for key, ratio in (("unit_part", pricing.unit_ratio), ("member_part", pricing.member_ratio)):
            expected = policy.monthly_part(base, ratio)
            given = money_cell(table, row, key, problems) if table.cell(row, key) else None
            if given is None:
                computed = True
                parts.append(expected)
            elif given != expected:
                problems.at(
                    row,
                    key,
                    "sheet_part_mismatch",
                    expected=expected.format_cn(),
                    given=given.format_cn(),
                    ratio=ratio.as_percent(),
                    rounding=rounding,
                )
            else:
                parts.append(given)
        if len(problems) == before:
            lines.append(RosterSheetLine(member.id, base, parts[0], parts[1], computed, row.number))
    bad = problems.rows_with_problems()
    return [line for line in lines if line.row not in bad]
