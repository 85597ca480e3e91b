"""Excel in and out (reports.excel) and sheet validation (domain.sheets, domain.roster_sheet):
formula injection, files that are not what they claim, limits, row-level Chinese problems."""

from __future__ import annotations

import io
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from anju.domain.policy import parse_policy
from anju.domain.roster_sheet import ROSTER_LAYOUT, RosterPricing, validate_roster_sheet
from anju.domain.sheets import CellValue, Problems, SheetContent, SheetInvalid, SheetRow, SheetTable
from anju.errors import RuleViolation
from anju.ids import MemberAccountNo, make_resident_id
from anju.money import Money, Rate
from anju.reports import excel
from anju.reports.excel import ExcelLimits, cell_text, neutralise, read_table, write_sheet

ROOT = Path(__file__).resolve().parents[2]
UNIT = "104101000000018"
MONTH = "202611"


def sheet(rows: Sequence[Sequence[CellValue]], meta: dict[str, str] | None = None) -> bytes:
    return write_sheet(
        SheetContent(ROSTER_LAYOUT, meta or {"unit_account_no": UNIT, "month": MONTH}, rows, "x.xlsx")
    )


# --- writing: formula injection ---------------------------------------------------------------

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")']


def test_text_that_looks_like_a_formula_is_written_as_quoted_text() -> None:
    data = sheet([[p, p, p, Money.of("1.00"), None, None] for p in PAYLOADS])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml  # no formula element anywhere
    ws = load_workbook(io.BytesIO(data)).active
    cells = [ws.cell(row, 2) for row in range(5, 5 + len(PAYLOADS))]
    assert all(c.data_type == "s" for c in cells)
    # (XML reads a CR back as LF: still text, still quoted)
    assert [c.value for c in cells] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]


def test_ordinary_text_and_amounts_are_written_as_they_are() -> None:
    data = sheet([["204101000000000018", "张三", "", Money.of("-12.50"), Money.of("960.00"), None]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A5"].value == "204101000000000018" and ws["B5"].value == "张三"
    assert ws["D5"].value == -12.5 and ws["D5"].data_type == "n"  # a number, never quoted


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_a_neutralised_cell_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(excel.INJECTION_PREFIXES)
    visible = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)
    assert out in (visible, "'" + visible)  # only control characters dropped, one quote added


# --- reading ---------------------------------------------------------------------------------


def test_a_written_sheet_reads_back_cell_for_cell() -> None:
    rows: list[list[CellValue]] = [
        ["204101000000000018", "张三", "41010219900101001X", Money.of("8500.50"), Money.of("1020.06"), None],
        ["204101000000000026", "欧阳娜娜", "", Money.of("9000"), None, Money.of("1080.00")],
    ]
    data = sheet(rows, {"unit_account_no": UNIT, "month": MONTH, "unit_name": "安居单位"})
    table = read_table(data, ROSTER_LAYOUT)
    assert dict(table.meta) == {"unit_account_no": UNIT, "month": MONTH, "unit_name": "安居单位"}
    assert [r.number for r in table.rows] == [5, 6]
    assert table.rows[0].cells == (
        "204101000000000018",
        "张三",
        "41010219900101001X",
        "8500.5",
        "1020.06",
        "",
    )
    assert table.rows[1].cells == ("204101000000000026", "欧阳娜娜", "", "9000", "", "1080")


def test_blank_rows_are_skipped_and_numbers_keep_the_row_excel_shows() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = ROSTER_LAYOUT.sheet_name
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = "单位账号", UNIT, "汇缴年月", MONTH
    for i, header in enumerate(ROSTER_LAYOUT.headers, start=1):
        ws.cell(4, i).value = header
    ws["A5"] = "1"
    ws["A9"] = "2"  # rows 6-8 empty
    ws["D9"] = 0.1 + 0.2  # binary noise from a formula
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), ROSTER_LAYOUT)
    assert [(r.number, r.cells[0], r.cells[3]) for r in table.rows] == [(5, "1", ""), (9, "2", "0.3")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (8500.5, "8500.5"),
        (8500.0, "8500"),
        (1020.06, "1020.06"),
        (None, ""),
        ("  张三 ", "张三"),
        (True, "TRUE"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_headers_that_are_not_the_templates_are_refused_column_by_column() -> None:
    data = sheet([])
    wb = load_workbook(io.BytesIO(data))
    wb.active["C4"] = "证件号码"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(SheetInvalid) as caught:
        read_table(out.getvalue(), ROSTER_LAYOUT)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.code) == (4, "C", "sheet_header_mismatch")
    assert problem.message == "表头应为“身份证号码”，文件中为“证件号码”，请使用系统下载的模板"


# --- files that must be refused ---------------------------------------------------------------


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return out.getvalue()


BASE_PARTS = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"unit,month\n1041,202611\n", "excel_not_xlsx"),  # a CSV renamed .xlsx
        (b"%PDF-1.7\n...", "excel_not_xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "excel_not_xlsx"),  # .xls / encrypted OLE
        (_zip({"word/document.xml": b"<w/>"}), "excel_not_xlsx"),  # a zip, but not a workbook
        (_zip({**BASE_PARTS, "xl/worksheets/sheet1.xml": b"<x/>"}), "excel_not_xlsx"),  # openpyxl refuses
        (_zip({**BASE_PARTS, "xl/vbaProject.bin": b"\0"}), "excel_macro_refused"),
        (_zip({**BASE_PARTS, "../../etc/passwd": b"x"}), "excel_not_xlsx"),
        (
            _zip(
                {
                    **BASE_PARTS,
                    "xl/sharedStrings.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s/>',
                }
            ),
            "excel_not_xlsx",
        ),
    ],
    ids=["csv", "pdf", "ole", "docx", "broken", "macro", "traversal", "xxe"],
)
def test_what_is_not_a_plain_workbook_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        read_table(data, ROSTER_LAYOUT)
    assert caught.value.code == code
    assert caught.value.message  # a Chinese message exists for the code


def test_a_zip_bomb_is_refused_by_counting_what_it_inflates_to() -> None:
    bomb = _zip({**BASE_PARTS, "xl/worksheets/sheet1.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024  # 40 MB of zeros packs into a few dozen KB
    with pytest.raises(RuleViolation) as caught:
        read_table(bomb, ROSTER_LAYOUT)
    assert caught.value.code == "excel_too_expanded"


def test_an_oversized_file_is_refused_before_it_is_opened() -> None:
    data = sheet([["x", "", "", Money.of("1.00"), None, None]] * 50)
    with pytest.raises(RuleViolation) as caught:
        read_table(data, ROSTER_LAYOUT, ExcelLimits(max_bytes=len(data) - 1))
    assert caught.value.code == "upload_too_large"


def test_too_many_data_rows_are_refused() -> None:
    data = sheet([[str(i), "", "", Money.of("1.00"), None, None] for i in range(11)])
    assert len(read_table(data, ROSTER_LAYOUT, ExcelLimits(max_rows=11)).rows) == 11
    with pytest.raises(RuleViolation) as caught:
        read_table(data, ROSTER_LAYOUT, ExcelLimits(max_rows=10))
    assert caught.value.code == "excel_too_many_rows"


# --- roster validation (pure) -----------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    account_no: str
    name: str
    status: str
    resident_id_idx: str


def idx(value: str) -> str:
    return "idx:" + value


def people(n: int) -> list[tuple[Member, str]]:
    out = []
    for i in range(n):
        rid = make_resident_id(f"410102{19700101 + (i // 900) * 10000}{i % 900:03d}").reveal()
        no = MemberAccountNo.compose("410100", i + 1).value
        out.append((Member(i + 1, no, f"职工{i}", "01", idx(rid)), rid))
    return out


POLICY = parse_policy(tomllib.loads((ROOT / "policies" / "reference.toml").read_text("utf-8"))).contribution
PRICING = RosterPricing(POLICY, Rate.percent("12"), Rate.percent("12"))


def table_of(rows: list[list[str]]) -> SheetTable:
    return SheetTable(
        ROSTER_LAYOUT,
        {"unit_account_no": UNIT, "month": MONTH},
        tuple(SheetRow(5 + i, tuple(r)) for i, r in enumerate(rows)),
    )


def validate(rows: list[list[str]], members: list[Member]) -> tuple[list[object], Problems]:
    problems = Problems(ROSTER_LAYOUT)
    lines = validate_roster_sheet(
        table_of(rows),
        problems,
        unit_account_no=UNIT,
        month=MONTH,
        members={m.account_no: m for m in members},
        blind_index=idx,
        allowed_statuses=("01", "06"),
        pricing=PRICING,
    )
    return list(lines), problems


def test_a_thousand_good_rows_and_one_bad_yield_exactly_that_problem() -> None:
    ps = people(1001)
    rows = [[m.account_no, m.name, rid, "8500.50", "", ""] for m, rid in ps]
    rows[500][3] = "8500.505"  # three decimals
    lines, problems = validate(rows, [m for m, _ in ps])
    assert [(p.row, p.column, p.code) for p in problems] == [(505, "D", "sheet_amount_invalid")]
    assert problems.items[0].message == "缴存基数（元）“8500.505”不是正确的金额（以元为单位，最多两位小数）"
    assert len(lines) == 1000
    with pytest.raises(SheetInvalid) as caught:
        problems.raise_if_any(rows=len(rows))
    assert caught.value.message == "文件有 1 处错误（涉及 1 行），全部未处理，请修改后重新上传"


def test_parts_are_computed_when_blank_and_checked_when_given() -> None:
    ps = people(3)
    rows = [
        [ps[0][0].account_no, "", ps[0][1], "8500.50", "", ""],
        [ps[1][0].account_no, "", ps[1][1], "8500.50", "1020.06", "1020.06"],
        [ps[2][0].account_no, "", ps[2][1], "8500.50", "1020.07", ""],
    ]
    lines, problems = validate(rows, [m for m, _ in ps])
    # 8500.50 × 12 % = 1020.06 exactly (half-up to the fen)
    assert [(p.row, p.column, p.code, p.details["expected"]) for p in problems] == [
        (7, "E", "sheet_part_mismatch", "1,020.06")
    ]
    assert [line.unit_part for line in lines] == [Money.of("1020.06")] * 2  # type: ignore[attr-defined]


def test_a_sealed_member_and_a_stranger_are_named() -> None:
    ps = people(2)
    sealed = Member(ps[1][0].id, ps[1][0].account_no, ps[1][0].name, "02", ps[1][0].resident_id_idx)
    stranger = MemberAccountNo.compose("410100", 99).value
    rows = [
        [sealed.account_no, "", ps[1][1], "5000", "", ""],
        [stranger, "", ps[0][1], "5000", "", ""],
        ["2041", "", ps[0][1], "5000", "", ""],
    ]
    _lines, problems = validate(rows, [ps[0][0], sealed])
    assert [(p.row, p.code) for p in problems] == [
        (5, "sheet_member_status"),
        (6, "sheet_member_not_in_unit"),
        (7, "sheet_account_no_invalid"),
        (7, "sheet_duplicate_resident_id"),
    ]
    assert problems.items[0].message == f"个人账号 {sealed.account_no} 的账户状态为“封存”，不能汇缴"


def test_an_empty_sheet_is_refused() -> None:
    _lines, problems = validate([], [])
    assert [p.code for p in problems] == ["sheet_no_rows"]


def test_a_problem_carries_its_row_column_header_and_message() -> None:
    problems = Problems(ROSTER_LAYOUT)
    problems.at(SheetRow(12, ()), "resident_id", "sheet_cell_required")
    [p] = problems.items
    assert p.as_dict() == {
        "row": 12,
        "column": "C",
        "header": "身份证号码",
        "code": "sheet_cell_required",
        "message": "身份证号码不能为空",
    }


def test_decimal_amounts_are_written_exactly() -> None:
    data = sheet([["a", "", "", Money.of("0.10"), Money.of("99999999.99"), None]])
    table = read_table(data, ROSTER_LAYOUT)
    assert table.rows[0].cells[3:5] == ("0.1", "99999999.99")
    assert Money.from_yuan(Decimal(table.rows[0].cells[4])) == Money.of("99999999.99")
