"""Roster uploads, the July wage-base adjustment and the batch ratio change, on SQLite and
PostgreSQL: all rows or none, row-level Chinese errors, IDs never exported unmasked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from bench.bulk_members import BulkMember, bulk_members
from openpyxl import load_workbook
from sqlalchemy import func, select

from anju.adapters.db.tables.adjustments import contribution_change, contribution_change_line
from anju.adapters.db.tables.remittance import roster_line
from anju.bootstrap import Container
from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Actor
from anju.domain.sheets import CellValue, SheetContent, SheetInvalid
from anju.domain.wage_base_sheet import WAGE_BASE_LAYOUT
from anju.errors import Conflict, PermissionDenied, RuleViolation
from anju.ids import mask_resident_id
from anju.money import Money, Rate
from anju.reports import excel
from anju.services import adjustments, roster_sheets
from anju.services import remittance as rm
from anju.services.members import get_member_account
from anju.services.runner import read, run
from tests.integration.collection_helpers import Centre, register, seed

MONTH = "202611"


@dataclass(frozen=True)
class Unit:
    centre: Centre
    clerk: Actor
    unit_no: str
    members: list[BulkMember]

    @property
    def c(self) -> Container:
        return self.centre.container


_units = iter(range(500, 10_000))


def make_unit(container: Container, count: int) -> Unit:
    centre = seed(container)
    clerk = centre.clerk("02")
    view = register(centre, clerk, next(_units))
    people = bulk_members(container, view.unit_account_no, count)
    return Unit(centre, clerk, view.unit_account_no, people)


def roster_file(u: Unit, rows: Sequence[Sequence[CellValue]], month: str = MONTH) -> bytes:
    content = SheetContent(ROSTER_LAYOUT, {"unit_account_no": u.unit_no, "month": month}, rows, "x.xlsx")
    return excel.write_sheet(content)


def full_rows(u: Unit) -> list[list[CellValue]]:
    return [[m.account_no, m.name, m.resident_id, m.wage_base, None, None] for m in u.members]


def upload_roster(u: Unit, data: bytes, month: str = MONTH) -> roster_sheets.RosterImportResult:
    table = excel.read_table(data, ROSTER_LAYOUT)
    return run(
        u.c.uow,
        lambda uow: roster_sheets.import_roster(
            uow, u.clerk, unit_account_no=u.unit_no, month=month, table=table
        ),
    )


def count(c: Container, table: Any) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def lines_of(c: Container) -> dict[int, tuple[int, int, int]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            select(
                roster_line.c.member_account_id,
                roster_line.c.wage_base_fen,
                roster_line.c.unit_part_fen,
                roster_line.c.member_part_fen,
            )
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


# --- roster upload -----------------------------------------------------------------------------


def test_the_downloaded_template_filled_in_and_uploaded_becomes_the_draft_roster(
    container: Container,
) -> None:
    u = make_unit(container, 5)
    content = run(u.c.uow, lambda uow: roster_sheets.roster_template(uow, u.clerk, u.unit_no, MONTH))
    wb = load_workbook(io.BytesIO(excel.write_sheet(content)))
    ws = wb.active
    assert ws["B2"].value == u.unit_no and ws["D2"].value == MONTH
    ids = {m.account_no: m.resident_id for m in u.members}
    for row in range(5, 10):
        assert ws.cell(row, 3).value is None  # the ID column is for the clerk to type in
        ws.cell(row, 3).value = ids[ws.cell(row, 1).value]
    ws.cell(5, 4).value = 9000  # a raise for the first member, typed as a number
    out = io.BytesIO()
    wb.save(out)

    result = upload_roster(u, out.getvalue())

    assert result.generated and result.rows == 5 and result.computed_parts == 5 and result.left_out == 0
    roster = result.roster
    assert (roster.state, roster.month, roster.headcount) == ("draft", MONTH, 5)
    # 9000 × 12 % = 1080 each part; the others keep their stored parts
    expected = Money.of("1080.00") + sum((m.unit_part for m in u.members[1:]), Money.ZERO)
    assert roster.unit_total == expected
    assert roster.total == roster.unit_total + roster.member_total


def test_an_upload_replaces_the_lines_of_an_existing_draft(container: Container) -> None:
    u = make_unit(container, 4)
    run(u.c.uow, lambda uow: rm.generate_roster(uow, u.clerk, u.unit_no, MONTH))
    rows = full_rows(u)[:3]  # one member left off this month
    rows[0][4] = u.members[0].unit_part  # a part given must equal the computation
    result = upload_roster(u, roster_file(u, rows))
    assert not result.generated and result.rows == 3 and result.left_out == 1 and result.computed_parts == 3
    assert len(lines_of(u.c)) == 3
    assert result.roster.headcount == 3


def test_one_bad_row_among_a_thousand_applies_nothing_and_names_that_row(container: Container) -> None:
    u = make_unit(container, 1000)
    run(u.c.uow, lambda uow: rm.generate_roster(uow, u.clerk, u.unit_no, MONTH))
    before = lines_of(u.c)
    rows = full_rows(u)
    for row in rows:
        row[3] = Money.of("9500.00")  # everybody gets a raise ...
    bad = 637
    rows[bad][2] = rows[bad][2][:17] + ("0" if rows[bad][2][17] != "0" else "1")  # ... one ID mistyped
    with pytest.raises(SheetInvalid) as caught:
        upload_roster(u, roster_file(u, rows))
    problems = caught.value.problems
    assert [(p.row, p.column, p.code) for p in problems] == [(5 + bad, "C", "sheet_resident_id_invalid")]
    assert "身份证号码不正确" in problems[0].message and "校验码" in problems[0].message
    assert caught.value.details["count"] == 1
    assert lines_of(u.c) == before  # the draft is untouched: no line has the new base


def test_every_kind_of_row_problem_is_reported_at_once(container: Container) -> None:
    u = make_unit(container, 6)
    other = make_other_unit_member(u)
    m = u.members
    rows = [
        [m[0].account_no, m[0].name, m[0].resident_id, m[0].wage_base, None, None],  # fine
        [m[0].account_no, m[0].name, m[0].resident_id, m[0].wage_base, None, None],  # duplicate account
        [m[1].account_no, m[1].name, m[2].resident_id, m[1].wage_base, None, None],  # someone else's ID
        [other, "某人", m[3].resident_id, m[3].wage_base, None, None],  # not in this unit
        [m[4].account_no, "李四", m[4].resident_id, Money.of("1999.99"), None, None],  # name, below floor
        [m[5].account_no, m[5].name, m[5].resident_id, m[5].wage_base, Money.of("1.00"), "abc"],  # parts
    ]
    with pytest.raises(SheetInvalid) as caught:
        upload_roster(u, roster_file(u, rows))
    found = {(p.row, p.column, p.code) for p in caught.value.problems}
    assert found == {
        (6, "A", "sheet_duplicate_account"),
        (6, "C", "sheet_duplicate_resident_id"),
        (7, "C", "sheet_resident_id_mismatch"),
        (8, "A", "sheet_member_not_in_unit"),
        (9, "B", "sheet_name_mismatch"),
        (9, "D", "sheet_wage_base_out_of_bounds"),
        (10, "E", "sheet_part_mismatch"),
        (10, "F", "sheet_amount_invalid"),
    }
    messages = {p.code: p.message for p in caught.value.problems}
    assert "应为" in messages["sheet_part_mismatch"] and "四舍五入到分" in messages["sheet_part_mismatch"]
    assert "2,000.00" in messages["sheet_wage_base_out_of_bounds"]
    assert count(u.c, roster_line) == 0  # not even the draft generated for the upload survives


def make_other_unit_member(u: Unit) -> str:
    view = register(u.centre, u.clerk, next(_units))
    return bulk_members(u.c, view.unit_account_no, 1, first_k=900_000)[0].account_no


def test_a_file_for_another_unit_or_month_is_refused(container: Container) -> None:
    u = make_unit(container, 2)
    with pytest.raises(SheetInvalid) as caught:
        upload_roster(u, roster_file(u, full_rows(u), month="202610"))
    assert [p.code for p in caught.value.problems] == ["sheet_meta_mismatch"]
    assert "汇缴年月" in caught.value.problems[0].message


def test_a_confirmed_roster_cannot_be_replaced_by_an_upload(container: Container) -> None:
    u = make_unit(container, 2)
    roster = run(u.c.uow, lambda uow: rm.generate_roster(uow, u.clerk, u.unit_no, MONTH))
    run(u.c.uow, lambda uow: rm.confirm_roster(uow, u.clerk, roster.id))
    with pytest.raises(Conflict) as caught:
        upload_roster(u, roster_file(u, full_rows(u)))
    assert caught.value.code == "roster_not_draft"


def test_the_export_masks_every_id_number(container: Container) -> None:
    u = make_unit(container, 3)
    upload_roster(u, roster_file(u, full_rows(u)))
    content = run(u.c.uow, lambda uow: roster_sheets.export_roster(uow, u.clerk, u.unit_no, MONTH))
    data = excel.write_sheet(content)
    table = excel.read_table(data, ROSTER_LAYOUT)
    assert [table.cell(r, "resident_id") for r in table.rows] == [
        mask_resident_id(m.resident_id) for m in u.members
    ]
    assert [table.cell(r, "account_no") for r in table.rows] == [m.account_no for m in u.members]
    texts = _all_text(data)
    assert not any(m.resident_id in texts for m in u.members)
    assert any(a.action == "remittance.roster_export" for a in _audit(u))


def test_a_clerk_of_another_branch_cannot_upload_or_export(container: Container) -> None:
    u = make_unit(container, 1)
    stranger = u.centre.clerk("03")
    table = excel.read_table(roster_file(u, full_rows(u)), ROSTER_LAYOUT)
    with pytest.raises(PermissionDenied):
        run(
            u.c.uow,
            lambda uow: roster_sheets.import_roster(
                uow, stranger, unit_account_no=u.unit_no, month=MONTH, table=table
            ),
        )
    with pytest.raises(PermissionDenied):
        run(u.c.uow, lambda uow: roster_sheets.export_roster(uow, stranger, u.unit_no, MONTH))


# --- wage-base adjustment ---------------------------------------------------------------------


def wage_file(u: Unit, rows: Sequence[Sequence[CellValue]], year: int = 2026) -> bytes:
    meta = {"unit_account_no": u.unit_no, "year": str(year)}
    return excel.write_sheet(SheetContent(WAGE_BASE_LAYOUT, meta, rows, "x.xlsx"))


def adjust(u: Unit, data: bytes, year: int | None = None) -> adjustments.AdjustmentResult:
    table = excel.read_table(data, WAGE_BASE_LAYOUT)
    return run(
        u.c.uow,
        lambda uow: adjustments.adjust_wage_bases(
            uow, u.clerk, unit_account_no=u.unit_no, table=table, year=year
        ),
    )


def account(u: Unit, n: int) -> Any:
    return read(u.c.uow, lambda uow: get_member_account(uow, u.clerk, u.members[n].account_no))


def test_the_july_adjustment_clamps_to_the_policy_and_applies_to_every_row(container: Container) -> None:
    u = make_unit(container, 4)
    rows: list[list[CellValue]] = [
        [u.members[0].account_no, "", u.members[0].resident_id, Money.of("10000.00")],
        [u.members[1].account_no, "", u.members[1].resident_id, Money.of("1500.00")],  # below the floor
        [u.members[2].account_no, "", u.members[2].resident_id, Money.of("50000.00")],  # above the cap
    ]
    result = adjust(u, wage_file(u, rows))
    assert (result.headcount, result.at_floor, result.at_cap, result.left_out) == (3, 1, 1, 1)
    assert result.effective_month == "202607" and result.contribution_year == 2026
    assert result.case_no
    bases = [account(u, i).wage_base for i in range(4)]
    # floor 2,000.00 and cap 3 × 9,000.00 (reference policy, example 1a); the fourth is untouched
    assert bases == [Money.of("10000.00"), Money.of("2000.00"), Money.of("27000.00"), u.members[3].wage_base]
    first = account(u, 0)
    assert (first.unit_monthly, first.member_monthly) == (Money.of("1200.00"), Money.of("1200.00"))
    assert count(u.c, contribution_change) == 1 and count(u.c, contribution_change_line) == 3
    history = read(u.c.uow, lambda uow: adjustments.list_changes(uow, u.clerk, u.unit_no))
    assert [(h.kind, h.headcount, h.case_no) for h in history] == [
        ("wage_base_adjustment", 3, result.case_no)
    ]


def test_a_wage_sheet_with_one_bad_row_changes_nobody(container: Container) -> None:
    u = make_unit(container, 3)
    rows: list[list[CellValue]] = [
        [m.account_no, m.name, m.resident_id, Money.of("11000.00")] for m in u.members
    ]
    rows[2][3] = "0"  # not a wage
    with pytest.raises(SheetInvalid) as caught:
        adjust(u, wage_file(u, rows))
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [
        (7, "D", "sheet_amount_not_positive")
    ]
    assert [account(u, i).wage_base for i in range(3)] == [m.wage_base for m in u.members]
    assert count(u.c, contribution_change) == 0


def test_only_this_or_next_contribution_year_may_be_adjusted(container: Container) -> None:
    u = make_unit(container, 1)
    rows: list[list[CellValue]] = [
        [u.members[0].account_no, "", u.members[0].resident_id, Money.of("9000.00")]
    ]
    with pytest.raises(RuleViolation) as caught:
        adjust(u, wage_file(u, rows, year=2024), year=2024)
    assert caught.value.code == "adjustment_year_invalid"
    result = adjust(u, wage_file(u, rows, year=2027), year=2027)
    assert result.effective_month == "202707"


# --- batch ratio change -----------------------------------------------------------------------


def change(u: Unit, unit_pct: str, member_pct: str, month: str = MONTH) -> adjustments.AdjustmentResult:
    return run(
        u.c.uow,
        lambda uow: adjustments.change_ratios(
            uow,
            u.clerk,
            unit_account_no=u.unit_no,
            unit_ratio=Rate.percent(unit_pct),
            member_ratio=Rate.percent(member_pct),
            effective_month=month,
        ),
    )


def test_a_ratio_change_reprices_every_contributing_member(container: Container) -> None:
    u = make_unit(container, 300)
    result = change(u, "10", "8")
    assert result.headcount == 300 and result.changed == 300
    for i in (0, 1, 2):
        a = account(u, i)
        assert a.unit_monthly == u.members[i].wage_base.times(Rate.percent("10"))
        assert a.member_monthly == u.members[i].wage_base.times(Rate.percent("8"))
    assert result.monthly_after < result.monthly_before
    roster = run(u.c.uow, lambda uow: rm.generate_roster(uow, u.clerk, u.unit_no, MONTH))
    assert roster.total == result.monthly_after  # the next roster bills the new parts


def test_a_ratio_change_is_refused_outside_policy_or_for_a_settled_month(container: Container) -> None:
    u = make_unit(container, 2)
    with pytest.raises(RuleViolation) as caught:
        change(u, "13", "12")
    assert caught.value.code == "contribution_ratio_outside_national"
    with pytest.raises(RuleViolation) as caught:
        change(u, "12", "12")
    assert caught.value.code == "ratio_change_unchanged"
    with pytest.raises(RuleViolation) as caught:
        change(u, "10", "10", month="202612")
    assert caught.value.code == "ratio_change_month_future"
    roster = run(u.c.uow, lambda uow: rm.generate_roster(uow, u.clerk, u.unit_no, MONTH))
    run(u.c.uow, lambda uow: rm.confirm_roster(uow, u.clerk, roster.id))
    with pytest.raises(Conflict) as caught:
        change(u, "10", "10")
    assert caught.value.code == "ratio_change_roster_exists"
    assert account(u, 0).unit_monthly == u.members[0].unit_part  # nothing changed


# --- helpers ------------------------------------------------------------------------------------


def _all_text(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _audit(u: Unit) -> list[Any]:
    return list(read(u.c.uow, lambda uow: uow.audit.list_entries(limit=200, offset=0)))
