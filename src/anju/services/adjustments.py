"""Unit-wide contribution changes: the July wage-base adjustment (基数调整) from an uploaded sheet,
and a batch ratio change (缴存比例调整) effective from a month.

Both change the stored base and parts of many member accounts at once, in one transaction and
set-based: all accounts change or none does. Each is a finished counter case (办件), an audit line,
and a `contribution_change` record that keeps every account's amounts before and after.

The wage-base adjustment uses the policy in force on the first day of the contribution year
(1 July in the reference policy): a new cap published for July applies to July's bases even when
the clerk enters them in June.

Ratios live on the unit, not per month: a ratio change takes effect for every roster generated
after it. So it is refused for a month already paid or already on a confirmed roster, and for a
month still to come (it would reprice the months before it); drafts of those months are reported
as stale, to be regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import MEMBER_ACTIVE, MEMBER_TRANSITIONS, check_ratios, unit_transition
from anju.domain.policy import ContributionPolicy
from anju.domain.remittance import RosterState, ratio_units
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.sheets import CellValue, Problems, SheetContent, SheetTable
from anju.domain.wage_base_sheet import WAGE_BASE_LAYOUT, validate_wage_base_sheet
from anju.errors import Conflict, RuleViolation
from anju.money import Money, Rate
from anju.services.cases import record_counter_case, register_case_kind
from anju.services.collection import today
from anju.services.policy import policy_in_force
from anju.services.ports import (
    ContributionChangeLine,
    ContributionChangeRecord,
    NewContributionChange,
    SheetLine,
    SheetMember,
    UnitOfWork,
    UnitRecord,
)
from anju.services.roster_sheets import resident_id_index
from anju.services.units import load_unit

WAGE_BASE_ADJUSTMENT: Final = "wage_base_adjustment"
RATIO_CHANGE: Final = "ratio_change"
KIND_LABELS: Final = {WAGE_BASE_ADJUSTMENT: "基数调整", RATIO_CHANGE: "缴存比例调整"}
ADJUSTABLE: Final = MEMBER_TRANSITIONS["adjust_wage_base"].allowed_from

register_case_kind(WAGE_BASE_ADJUSTMENT, "单位缴存基数调整")
register_case_kind(RATIO_CHANGE, "单位缴存比例调整")


class AdjustmentRuleViolation(RuleViolation):
    """A wage-base adjustment or ratio change breaks a collection rule."""


class AdjustmentConflict(Conflict):
    """The unit's members or rosters changed under the request."""


@dataclass(frozen=True, slots=True)
class AdjustmentResult:
    """What a unit-wide change did, for the page and the API."""

    unit_account_no: str
    unit_name: str
    kind: str
    kind_label: str
    case_no: str
    effective_month: str  # YYYYMM
    contribution_year: int | None
    headcount: int  # accounts given new amounts
    changed: int  # accounts whose amounts actually differ
    at_floor: int
    at_cap: int
    left_out: int  # contributing members not on the sheet (kept their amounts)
    monthly_before: Money  # the unit's monthly total over these accounts, before
    monthly_after: Money
    unit_ratio: Rate
    member_ratio: Rate
    stale_drafts: tuple[str, ...]  # draft rosters (YYYYMM) from the effective month: regenerate them
    paid_up_to: str | None  # the unit's paid-up-to month, when the effective month is not after it


@dataclass(frozen=True, slots=True)
class ChangeView:
    case_no: str
    kind: str
    kind_label: str
    effective_month: str
    contribution_year: int | None
    headcount: int
    new_unit_ratio: Rate | None
    new_member_ratio: Rate | None
    created_by: str
    created_at: datetime


def contribution_year_of(policy: ContributionPolicy, day: date) -> int:
    """The contribution year (缴存年度) a day falls in, named by the calendar year it starts in."""
    start = policy.contribution_year_start.value
    return day.year if start.in_year(day.year) <= day else day.year - 1


def _year(uow: UnitOfWork, year: int | None) -> tuple[int, date, ContributionPolicy]:
    """The chosen contribution year (this one or the next), its first day and its policy."""
    now = today(uow)
    current = contribution_year_of(now.policy, now.day)
    chosen = current if year is None else year
    if chosen not in (current, current + 1):
        raise AdjustmentRuleViolation(
            "adjustment_year_invalid", year=chosen, allowed=f"{current}、{current + 1}"
        )
    first_day = now.policy.contribution_year_start.value.in_year(chosen)
    return chosen, first_day, policy_in_force(uow, first_day).contribution


def _rosters_from(uow: UnitOfWork, unit: UnitRecord, month: YearMonth) -> list[tuple[str, str]]:
    """(month, state) of the unit's live rosters for `month` and later."""
    found = []
    offset = 0
    while True:
        page = uow.remittance.rosters_of_unit(unit.id, limit=200, offset=offset)
        found += [
            (r.month, r.state) for r in page if r.month >= str(month) and r.state != RosterState.CANCELLED
        ]
        if len(page) < 200:
            return found
        offset += 200


def _totals(lines: list[SheetLine]) -> Money:
    return Money(sum(line.unit_part.fen + line.member_part.fen for line in lines))


def _old(m: SheetMember) -> SheetLine:
    return SheetLine(m.id, m.wage_base, m.unit_monthly, m.member_monthly)


def _apply(
    uow: UnitOfWork,
    actor: Actor,
    unit: UnitRecord,
    *,
    kind: str,
    changes: list[ContributionChangeLine],
    effective: YearMonth,
    year: int | None,
    summary: str,
    ratios: tuple[Rate, Rate] | None,
    file_sm3: str | None,
) -> str:
    """Store the new amounts (all or none), the case, the change record and the audit line."""
    now = uow.now_utc()
    stored = uow.sheets.set_contributions(unit.id, [c.new for c in changes], now)
    if stored != len(changes):  # an account left the unit meanwhile: roll everything back
        raise AdjustmentConflict("adjustment_members_changed", expected=len(changes), stored=stored)
    case = record_counter_case(
        uow,
        actor,
        kind=kind,
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=summary,
        applicant=unit.name,
        branch_id=unit.branch_id,
    )
    uow.sheets.insert_change(
        NewContributionChange(
            case_no=case.case_no,
            unit_id=unit.id,
            kind=kind,
            effective_month=str(effective),
            contribution_year=year,
            old_unit_ratio=unit.unit_ratio if ratios else None,
            old_member_ratio=unit.member_ratio if ratios else None,
            new_unit_ratio=ratios[0] if ratios else None,
            new_member_ratio=ratios[1] if ratios else None,
            headcount=len(changes),
            file_sm3=file_sm3,
            created_by=actor.username,
        ),
        changes,
        now,
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"collection.{kind}",
            "unit",
            unit.unit_account_no,
            details={
                "case_no": case.case_no,
                "effective_month": str(effective),
                "accounts": len(changes),
                "file_sm3": file_sm3 or "",
            },
        )
    )
    return case.case_no


# --- the July wage-base adjustment -----------------------------------------------------------


def wage_base_template(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, year: int | None = None
) -> SheetContent:
    """The declaration sheet: the unit's contributing members, their current base as a starting
    value for the declared wage, and an empty ID column for the clerk to fill in."""
    actor.require(Permission.COLLECTION_MANAGE)
    chosen, _first, _policy = _year(uow, year)
    unit = load_unit(uow, actor, unit_account_no)
    members = [m for m in uow.sheets.unit_members(unit.id) if m.status in ADJUSTABLE]
    rows: list[list[CellValue]] = [[m.account_no, m.name, "", m.wage_base] for m in members]
    uow.audit.append(
        AuditEvent.by(
            actor,
            "collection.wage_base_template",
            "unit",
            unit.unit_account_no,
            details={"year": chosen, "rows": len(rows)},
        )
    )
    return SheetContent(
        layout=WAGE_BASE_LAYOUT,
        meta={"unit_account_no": unit.unit_account_no, "year": str(chosen), "unit_name": unit.name},
        rows=rows,
        filename=f"缴存基数申报表_{unit.unit_account_no}_{chosen}.xlsx",
    )


def adjust_wage_bases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str,
    table: SheetTable,
    year: int | None = None,
    file_sm3: str | None = None,
) -> AdjustmentResult:
    """基数调整 for a whole unit from the declaration sheet: every row valid, or nothing changes."""
    actor.require(Permission.COLLECTION_MANAGE)
    chosen, first_day, policy = _year(uow, year)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "change")
    members = {m.account_no: m for m in uow.sheets.unit_members(unit.id)}
    problems = Problems(WAGE_BASE_LAYOUT)
    lines = validate_wage_base_sheet(
        table,
        problems,
        unit_account_no=unit.unit_account_no,
        year=chosen,
        members=members,
        blind_index=resident_id_index(uow),
        allowed_statuses=ADJUSTABLE,
        policy=policy,
        unit_ratio=unit.unit_ratio,
        member_ratio=unit.member_ratio,
    )
    problems.raise_if_any(rows=len(table.rows))
    by_id = {m.id: m for m in members.values()}
    changes = [
        ContributionChangeLine(
            member_account_id=line.member_account_id,
            declared=line.parts.declared,
            bound=line.parts.bound,
            old=_old(by_id[line.member_account_id]),
            new=SheetLine(
                line.member_account_id, line.parts.wage_base, line.parts.unit_part, line.parts.member_part
            ),
        )
        for line in lines
    ]
    effective = YearMonth.of(first_day)
    before, after = _totals([c.old for c in changes]), _totals([c.new for c in changes])
    at_floor = sum(1 for line in lines if line.parts.bound == "floor")
    at_cap = sum(1 for line in lines if line.parts.bound == "cap")
    summary = (
        f"{chosen}缴存年度基数调整：{len(changes)} 人，自{effective.label()}起月缴存额合计 "
        f"{before.format_cn()} → {after.format_cn()} 元（按下限 {at_floor} 人，按上限 {at_cap} 人）"
    )
    case_no = _apply(
        uow,
        actor,
        unit,
        kind=WAGE_BASE_ADJUSTMENT,
        changes=changes,
        effective=effective,
        year=chosen,
        summary=summary,
        ratios=None,
        file_sm3=file_sm3,
    )
    return _result(
        uow,
        unit,
        kind=WAGE_BASE_ADJUSTMENT,
        case_no=case_no,
        effective=effective,
        year=chosen,
        changes=changes,
        members=members,
        at_floor=at_floor,
        at_cap=at_cap,
        ratios=(unit.unit_ratio, unit.member_ratio),
    )


def _result(
    uow: UnitOfWork,
    unit: UnitRecord,
    *,
    kind: str,
    case_no: str,
    effective: YearMonth,
    year: int | None,
    changes: list[ContributionChangeLine],
    members: dict[str, SheetMember],
    at_floor: int,
    at_cap: int,
    ratios: tuple[Rate, Rate],
) -> AdjustmentResult:
    active = sum(1 for m in members.values() if m.status in MEMBER_ACTIVE)
    drafts = tuple(
        sorted(m for m, state in _rosters_from(uow, unit, effective) if state == RosterState.DRAFT)
    )
    paid = unit.paid_up_to if unit.paid_up_to is not None and unit.paid_up_to >= str(effective) else None
    return AdjustmentResult(
        unit_account_no=unit.unit_account_no,
        unit_name=unit.name,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        case_no=case_no,
        effective_month=str(effective),
        contribution_year=year,
        headcount=len(changes),
        changed=sum(1 for c in changes if c.old != c.new),
        at_floor=at_floor,
        at_cap=at_cap,
        left_out=max(0, active - len(changes)),
        monthly_before=_totals([c.old for c in changes]),
        monthly_after=_totals([c.new for c in changes]),
        unit_ratio=ratios[0],
        member_ratio=ratios[1],
        stale_drafts=drafts,
        paid_up_to=paid,
    )


# --- batch ratio change ----------------------------------------------------------------------


def change_ratios(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str,
    unit_ratio: Rate,
    member_ratio: Rate,
    effective_month: str,
) -> AdjustmentResult:
    """New unit and member ratios from a month; every contributing member's parts recomputed."""
    actor.require(Permission.COLLECTION_MANAGE)
    now = today(uow)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "change")
    for ratio in (unit_ratio, member_ratio):
        ratio_units(ratio)  # stored as Numeric(5,4): at most four decimals
    check_ratios(now.policy, unit_ratio=unit_ratio, member_ratio=member_ratio)
    if unit_ratio == unit.unit_ratio and member_ratio == unit.member_ratio:
        raise AdjustmentRuleViolation("ratio_change_unchanged")
    effective = YearMonth.parse(effective_month)
    current = YearMonth.of(now.day)
    if effective > current:
        raise AdjustmentRuleViolation(
            "ratio_change_month_future", month=effective.label(), current=current.label()
        )
    if unit.paid_up_to is not None and str(effective) <= unit.paid_up_to:
        raise AdjustmentRuleViolation(
            "ratio_change_month_paid",
            month=effective.label(),
            paid_up_to=YearMonth.parse(unit.paid_up_to).label(),
        )
    settled = sorted(m for m, state in _rosters_from(uow, unit, effective) if state != RosterState.DRAFT)
    if settled:
        raise AdjustmentConflict("ratio_change_roster_exists", month=YearMonth.parse(settled[0]).label())
    policy = now.policy
    members = {m.account_no: m for m in uow.sheets.unit_members(unit.id)}
    changes = [
        ContributionChangeLine(
            member_account_id=m.id,
            declared=None,
            bound=None,
            old=_old(m),
            new=SheetLine(
                m.id,
                m.wage_base,
                policy.monthly_part(m.wage_base, unit_ratio),
                policy.monthly_part(m.wage_base, member_ratio),
            ),
        )
        for m in members.values()
        if m.status in MEMBER_ACTIVE
    ]
    uow.units.update(unit.id, {"unit_ratio": unit_ratio, "member_ratio": member_ratio}, uow.now_utc())
    before, after = _totals([c.old for c in changes]), _totals([c.new for c in changes])
    summary = (
        f"缴存比例调整：单位 {unit.unit_ratio.as_percent()}% → {unit_ratio.as_percent()}%，个人 "
        f"{unit.member_ratio.as_percent()}% → {member_ratio.as_percent()}%，自{effective.label()}起，"
        f"{len(changes)} 人月缴存额合计 {before.format_cn()} → {after.format_cn()} 元"
    )
    case_no = _apply(
        uow,
        actor,
        unit,
        kind=RATIO_CHANGE,
        changes=changes,
        effective=effective,
        year=None,
        summary=summary,
        ratios=(unit_ratio, member_ratio),
        file_sm3=None,
    )
    return _result(
        uow,
        unit,
        kind=RATIO_CHANGE,
        case_no=case_no,
        effective=effective,
        year=None,
        changes=changes,
        members=members,
        at_floor=0,
        at_cap=0,
        ratios=(unit_ratio, member_ratio),
    )


def list_changes(uow: UnitOfWork, actor: Actor, unit_account_no: str, *, limit: int = 20) -> list[ChangeView]:
    """The unit's wage-base adjustments and ratio changes, newest first."""
    actor.require(Permission.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    return [_change_view(r) for r in uow.sheets.changes_of_unit(unit.id, limit=max(1, min(limit, 100)))]


def _change_view(r: ContributionChangeRecord) -> ChangeView:
    return ChangeView(
        case_no=r.case_no,
        kind=r.kind,
        kind_label=KIND_LABELS.get(r.kind, r.kind),
        effective_month=r.effective_month,
        contribution_year=r.contribution_year,
        headcount=r.headcount,
        new_unit_ratio=r.new_unit_ratio,
        new_member_ratio=r.new_member_ratio,
        created_by=r.created_by,
        created_at=r.created_at,
    )
