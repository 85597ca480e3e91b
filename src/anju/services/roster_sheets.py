"""Roster spreadsheets (汇缴清册 Excel): the template to fill in, the upload, the export.

An upload is validated in full — every row, every column — before anything is written; a file
with one bad row among fifty thousand applies nothing and reports that row, its column and what
is wrong, in Chinese. A valid file replaces the lines of the month's draft roster in one
set-based statement (the draft is generated first if the month has none), and the roster's
totals are recomputed from the lines, all in the caller's transaction.

ID numbers travel one way only: the clerk types them in full, they are checked and matched
through the blind index, and no download ever contains one unmasked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from anju.dates import YearMonth
from anju.domain.remittance import ROSTER_MEMBER_STATES, RemittanceNotFound, RosterKind, RosterState
from anju.domain.roster_sheet import ROSTER_LAYOUT, RosterPricing, RosterSheetLine, validate_roster_sheet
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.sheets import CellValue, Problems, SheetContent, SheetTable
from anju.errors import Conflict
from anju.ids import mask_resident_id
from anju.money import Rate
from anju.services import remittance
from anju.services.collection import today
from anju.services.ports import RosterRecord, SheetLine, SheetMember, UnitOfWork, UnitRecord
from anju.services.remittance import RosterView
from anju.services.units import load_unit

RESIDENT_ID_KIND: Final = "resident_id"  # the blind-index purpose of resident IDs (crypto fields)


class RosterSheetConflict(Conflict):
    """The month's roster is no longer a draft: an upload cannot replace its lines."""


@dataclass(frozen=True, slots=True)
class RosterImportResult:
    roster: RosterView
    rows: int  # data rows in the file
    computed_parts: int  # rows whose parts were blank and computed
    left_out: int  # contributing members of the unit not on the file
    generated: bool  # the draft was generated for this upload


def resident_id_index(uow: UnitOfWork) -> Callable[[str], str]:
    """The blind index of a canonical resident ID, to compare with the stored one."""
    crypto = uow.crypto
    return lambda value: crypto.blind_index(RESIDENT_ID_KIND, value)


def _members(uow: UnitOfWork, unit: UnitRecord) -> dict[str, SheetMember]:
    return {m.account_no: m for m in uow.sheets.unit_members(unit.id)}


def _roster_of(uow: UnitOfWork, unit: UnitRecord, month: YearMonth, kind: str) -> RosterRecord | None:
    for r in uow.remittance.rosters_of_month(unit.id, str(month)):
        if r.kind == kind and r.state != RosterState.CANCELLED:
            return r
    return None


def _audit(
    uow: UnitOfWork, actor: Actor, action: str, unit: UnitRecord, month: str, **details: str | int
) -> None:
    # Counts and numbers only: never a name or an ID number in the audit details (G5).
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"remittance.{action}",
            "unit",
            unit.unit_account_no,
            details={"month": month, **details},
        )
    )


# --- template and export --------------------------------------------------------------------


def roster_template(uow: UnitOfWork, actor: Actor, unit_account_no: str, month: str) -> SheetContent:
    """The month's template: every contributing member with account number, name and current
    base; the ID column is empty (the clerk types it), the parts may stay empty."""
    actor.require(Permission.COLLECTION_MANAGE)
    ym = YearMonth.parse(month)
    unit = load_unit(uow, actor, unit_account_no)
    members = [m for m in uow.sheets.unit_members(unit.id) if m.status in ROSTER_MEMBER_STATES]
    rows: list[list[CellValue]] = [[m.account_no, m.name, "", m.wage_base, None, None] for m in members]
    _audit(uow, actor, "roster_template", unit, str(ym), rows=len(rows))
    return SheetContent(
        layout=ROSTER_LAYOUT,
        meta={"unit_account_no": unit.unit_account_no, "month": str(ym), "unit_name": unit.name},
        rows=rows,
        filename=f"汇缴清册模板_{unit.unit_account_no}_{ym}.xlsx",
    )


def export_roster(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, month: str, kind: str = RosterKind.REMITTANCE
) -> SheetContent:
    """A roster as Excel: the same columns as the template, ID numbers masked (4101**********1234)."""
    actor.require(Permission.COLLECTION_VIEW)
    ym = YearMonth.parse(month)
    unit = load_unit(uow, actor, unit_account_no)
    record = _roster_of(uow, unit, ym, kind)
    if record is None:
        raise RemittanceNotFound("not_found", what=f"{ym.label()}{remittance.KIND_LABELS.get(kind, '清册')}")
    lines = uow.sheets.roster_export_rows(record.id)
    rows: list[list[CellValue]] = [
        [r.account_no, r.name, mask_resident_id(r.resident_id), r.wage_base, r.unit_part, r.member_part]
        for r in lines
    ]
    _audit(uow, actor, "roster_export", unit, str(ym), kind=kind, rows=len(rows))
    label = "补缴清册" if kind == RosterKind.BACK_PAYMENT else "汇缴清册"
    return SheetContent(
        layout=ROSTER_LAYOUT,
        meta={"unit_account_no": unit.unit_account_no, "month": str(ym), "unit_name": unit.name},
        rows=rows,
        filename=f"{label}_{unit.unit_account_no}_{ym}.xlsx",
    )


# --- upload ---------------------------------------------------------------------------------


def _validated(
    uow: UnitOfWork,
    unit: UnitRecord,
    ym: YearMonth,
    table: SheetTable,
    *,
    members: dict[str, SheetMember],
    ratios: tuple[Rate, Rate],
) -> list[RosterSheetLine]:
    """Every row checked; SheetInvalid with every problem (row, column, Chinese text) otherwise."""
    problems = Problems(ROSTER_LAYOUT)
    lines = validate_roster_sheet(
        table,
        problems,
        unit_account_no=unit.unit_account_no,
        month=str(ym),
        members=members,
        blind_index=resident_id_index(uow),
        allowed_statuses=ROSTER_MEMBER_STATES,
        pricing=RosterPricing(today(uow).policy, *ratios),
    )
    problems.raise_if_any(rows=len(table.rows))
    return lines


def check_roster(
    uow: UnitOfWork, actor: Actor, *, unit_account_no: str, month: str, table: SheetTable
) -> int:
    """Validate an uploaded roster as `import_roster` does, writing nothing (a unit's hall checks
    its upload when it submits it; the counter imports it on approval). The number of rows."""
    actor.require(Permission.COLLECTION_VIEW)
    ym = YearMonth.parse(month)
    unit = load_unit(uow, actor, unit_account_no)
    record = _roster_of(uow, unit, ym, RosterKind.REMITTANCE)
    if record is not None and record.state != RosterState.DRAFT:
        state = remittance.STATE_LABELS.get(record.state, record.state)
        raise RosterSheetConflict("roster_not_draft", state=state)
    ratios = (record.unit_ratio, record.member_ratio) if record else (unit.unit_ratio, unit.member_ratio)
    return len(_validated(uow, unit, ym, table, members=_members(uow, unit), ratios=ratios))


def import_roster(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str,
    month: str,
    table: SheetTable,
    file_sm3: str | None = None,
) -> RosterImportResult:
    """Validate every row of an uploaded roster and, only if all are right, make it the month's
    draft roster (raises SheetInvalid with every problem otherwise; nothing is applied)."""
    actor.require(Permission.COLLECTION_MANAGE)
    ym = YearMonth.parse(month)
    # The unit row lock serialises uploads, generation and confirmation for this unit.
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    record = _roster_of(uow, unit, ym, RosterKind.REMITTANCE)
    generated = False
    if record is None:
        view = remittance.generate_roster(uow, actor, unit.unit_account_no, ym)
        record = uow.remittance.roster(view.id, for_update=True)
        generated = True
    if record is None or record.state != RosterState.DRAFT:
        state = remittance.STATE_LABELS.get(record.state, record.state) if record else ""
        raise RosterSheetConflict("roster_not_draft", state=state)
    members = _members(uow, unit)
    lines = _validated(uow, unit, ym, table, members=members, ratios=(record.unit_ratio, record.member_ratio))
    uow.sheets.replace_roster_lines(
        record.id,
        [
            SheetLine(line.member_account_id, line.wage_base, line.unit_part, line.member_part)
            for line in lines
        ],
    )
    uow.remittance.refresh_totals(record.id)
    view = remittance.get_roster(uow, actor, record.id)
    active = sum(1 for m in members.values() if m.status in ROSTER_MEMBER_STATES)
    _audit(
        uow,
        actor,
        "roster_import",
        unit,
        str(ym),
        rows=len(lines),
        total=str(view.total),
        file_sm3=file_sm3 or "",
    )
    return RosterImportResult(
        roster=view,
        rows=len(lines),
        computed_parts=sum(1 for line in lines if line.computed),
        left_out=max(0, active - len(lines)),
        generated=generated,
    )
