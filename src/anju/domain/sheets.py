"""Spreadsheets staff exchange with the centre (rosters, wage-base declarations): layouts, rows, problems.

Pure: no file format here. `anju.reports.excel` turns an .xlsx upload into a `SheetTable` (every
cell as text, the row number Excel shows) and a `SheetContent` into an .xlsx download; the
services validate tables against the business rules. Every upload is validated in full before
anything is applied: the problems of all rows come back together, each with its row number,
column letter and header and a Chinese message, and a file with one bad row applies nothing.

Layout of every sheet (fixed, so parsing needs no guessing):
    row 1  the title                       住房公积金汇缴清册
    row 2  label / value pairs             单位账号 | 1041… | 汇缴年月 | 202407 | …
    row 3  instructions for the clerk
    row 4  the column headers              个人账号 | 姓名 | 身份证号码 | …
    row 5… one data row per member
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar

from anju.domain.contributions import MEMBER_STATUS_LABELS
from anju.errors import RuleViolation
from anju.ids import IdentifierError, MemberAccountNo, ResidentId
from anju.messages import message_for
from anju.money import Money, MoneyInputError, RoundingRule

TITLE_ROW: Final = 1
META_ROW: Final = 2
NOTES_ROW: Final = 3
HEADER_ROW: Final = 4
FIRST_DATA_ROW: Final = 5
MAX_REPORTED_PROBLEMS: Final = 500  # the rest are counted, not listed (a reply stays small)

# What a writer accepts in a cell. Money is written as a yuan number, never as text.
CellValue = str | int | Decimal | Money | date | None


class SheetRuleViolation(RuleViolation):
    """A sheet-level refusal that is not about one row (wrong unit, no data rows ...)."""


@dataclass(frozen=True, slots=True)
class SheetColumn:
    """One column (or one label/value pair of row 2): its key in code and its printed header."""

    key: str
    header: str
    kind: str = "text"  # text | money | int | date: the cell format of downloads
    width: int = 16  # in Excel character widths
    required: bool = True


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A sheet the centre hands out and takes back: title, row-2 fields, instructions, columns."""

    sheet_name: str  # the worksheet's tab (≤ 31 characters)
    title: str
    meta: tuple[SheetColumn, ...]
    columns: tuple[SheetColumn, ...]
    notes: str = ""

    def index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def column(self, key: str) -> SheetColumn:
        return self.columns[self.index(key)]

    def letter(self, key: str) -> str:
        return column_letter(self.index(key))

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row as typed: the text of each layout column ("" when blank)."""

    number: int  # the row number Excel shows (5 is the first data row)
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SheetTable:
    """A parsed upload: the row-2 values by key, and the non-blank data rows in file order."""

    layout: SheetLayout
    meta: Mapping[str, str]
    rows: tuple[SheetRow, ...]

    def cell(self, row: SheetRow, key: str) -> str:
        return row.cells[self.layout.index(key)]


@dataclass(frozen=True, slots=True)
class SheetContent:
    """A sheet to download: layout, row-2 values and data rows (a generator for large exports)."""

    layout: SheetLayout
    meta: Mapping[str, str]
    rows: Iterable[Sequence[CellValue]]
    filename: str  # the suggested download name (may be Chinese; never used on the server's disk)


# --- problems ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """One thing wrong in an upload: where (row, column) and what (a message code and its details)."""

    row: int  # 0: the file as a whole
    column: str  # "C", or "" for the whole row or file
    header: str  # "身份证号码", or ""
    code: str
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return message_for(self.code, dict(self.details))

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "code": self.code,
            "message": self.message,
        }


class SheetInvalid(RuleViolation):
    """An upload with at least one problem: nothing was applied. Carries every problem found."""

    def __init__(self, problems: Sequence[SheetProblem], *, rows: int) -> None:
        ordered = sorted(problems, key=lambda p: (p.row, p.column))
        self.problems: tuple[SheetProblem, ...] = tuple(ordered)
        super().__init__(
            "sheet_invalid",
            count=len(ordered),
            rows=rows,
            problem_rows=len({p.row for p in ordered}),
            problems=[p.as_dict() for p in ordered[:MAX_REPORTED_PROBLEMS]],
        )


class Problems:
    """Collects the problems of one upload, in the layout's terms."""

    def __init__(self, layout: SheetLayout) -> None:
        self.layout = layout
        self.items: list[SheetProblem] = []

    def at(self, row: SheetRow | int, key: str | None, code: str, **details: object) -> None:
        number = row.number if isinstance(row, SheetRow) else row
        column, header = ("", "")
        if key is not None:
            column, header = self.layout.letter(key), self.layout.column(key).header
        texts = {k: str(v) for k, v in details.items()}
        texts.setdefault("header", header)
        self.items.append(SheetProblem(number, column, header, code, texts))

    def file(self, code: str, **details: object) -> None:
        self.items.append(SheetProblem(0, "", "", code, {k: str(v) for k, v in details.items()}))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[SheetProblem]:
        return iter(self.items)

    def rows_with_problems(self) -> set[int]:
        return {p.row for p in self.items}

    def raise_if_any(self, *, rows: int) -> None:
        if self.items:
            raise SheetInvalid(self.items, rows=rows)


# --- cells -------------------------------------------------------------------------------------


def parse_money_cell(text: str) -> Money:
    """A yuan amount as typed or as Excel stored it: "8500", "8,500.50"; at most two decimals."""
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned:
        raise MoneyInputError("invalid_amount", value=text[:40])
    return Money.from_yuan(cleaned)


def check_meta(table: SheetTable, problems: Problems, key: str, expected: str, code: str) -> None:
    """A row-2 value (unit account no, month) must be the one the clerk chose on the page."""
    given = table.meta.get(key, "").strip()
    if given != expected:
        label = next((c.header for c in table.layout.meta if c.key == key), key)
        problems.file(code, field=label, given=given or "（空）", expected=expected)


def check_has_rows(table: SheetTable, problems: Problems) -> None:
    if not table.rows:
        problems.file("sheet_no_rows")


ROUNDING_LABELS: Final[Mapping[RoundingRule, str]] = {
    RoundingRule.FEN_HALF_UP: "四舍五入到分",
    RoundingRule.YUAN_HALF_UP: "四舍五入到元",
    RoundingRule.YUAN_UP: "进位到元",
}


def money_cell(table: SheetTable, row: SheetRow, key: str, problems: Problems) -> Money | None:
    """The amount in a cell, or None (and a problem) when it is blank where required or malformed."""
    text = table.cell(row, key)
    if not text:
        if table.layout.column(key).required:
            problems.at(row, key, "sheet_cell_required")
        return None
    try:
        return parse_money_cell(text)
    except MoneyInputError:
        problems.at(row, key, "sheet_amount_invalid", value=text[:30])
        return None


# --- which member a row is about ----------------------------------------------------------------


class MemberOnFile(Protocol):
    """A member account of the unit, as the services load it (no decrypted ID: its blind index)."""

    @property
    def id(self) -> int: ...

    @property
    def account_no(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def resident_id_idx(self) -> str: ...


M = TypeVar("M", bound=MemberOnFile)


def _same_name(typed: str, stored: str) -> bool:
    return typed.replace("\u3000", "").replace(" ", "") == stored.replace(" ", "")


def identify_members(
    table: SheetTable,
    problems: Problems,
    members: Mapping[str, M],
    blind_index: Callable[[str], str],
    *,
    allowed_statuses: frozenset[str] | tuple[str, ...],
    action: str,
) -> list[tuple[SheetRow, M]]:
    """Match every row to a member of the unit by account number AND resident ID.

    The clerk types the full ID number; it is checked (GB 11643 check digit), reduced to its
    blind index and compared with the account's, so a row naming one person's account with
    another person's ID is caught, and no ID is ever decrypted to compare. Each account and each
    ID may appear once. Returns the rows whose member is settled by both (their other columns
    are still to be checked; a wrong name is reported but does not unsettle the member).
    """
    found: list[tuple[SheetRow, M]] = []
    first_account: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for row in table.rows:
        number = table.cell(row, "account_no")
        member = _account(row, number, members, problems, first_account, allowed_statuses, action)
        name = table.cell(row, "name")
        if member is not None and name and not _same_name(name, member.name):
            problems.at(row, "name", "sheet_name_mismatch", given=name[:30], account_no=number)
        index = _resident_id_index(row, table.cell(row, "resident_id"), blind_index, problems, first_id)
        if member is None or index is None:
            continue
        if index != member.resident_id_idx:
            problems.at(row, "resident_id", "sheet_resident_id_mismatch", account_no=number)
        else:
            found.append((row, member))
    return found


def _account(  # noqa: PLR0917 - a private step of identify_members
    row: SheetRow,
    number: str,
    members: Mapping[str, M],
    problems: Problems,
    first_row: dict[str, int],
    allowed_statuses: frozenset[str] | tuple[str, ...],
    action: str,
) -> M | None:
    """The member a row's account number names, if it is well formed, unique and in the unit."""
    if not number:
        problems.at(row, "account_no", "sheet_cell_required")
        return None
    if not MemberAccountNo.is_well_formed(number):
        problems.at(row, "account_no", "sheet_account_no_invalid", value=number[:30])
        return None
    if first_row.setdefault(number, row.number) != row.number:
        problems.at(row, "account_no", "sheet_duplicate_account", value=number, first_row=first_row[number])
        return None
    member = members.get(number)
    if member is None:
        problems.at(row, "account_no", "sheet_member_not_in_unit", value=number)
        return None
    if member.status not in allowed_statuses:
        label = MEMBER_STATUS_LABELS.get(member.status, member.status)
        problems.at(row, "account_no", "sheet_member_status", value=number, status=label, action=action)
        return None
    return member


def _resident_id_index(
    row: SheetRow,
    typed: str,
    blind_index: Callable[[str], str],
    problems: Problems,
    first_row: dict[str, int],
) -> str | None:
    """The blind index of a row's ID number, if it is valid and not on an earlier row."""
    if not typed:
        problems.at(row, "resident_id", "sheet_cell_required")
        return None
    try:
        resident_id = ResidentId(typed)
    except IdentifierError as exc:
        problems.at(row, "resident_id", "sheet_resident_id_invalid", reason=exc.details.get("reason", ""))
        return None
    index = blind_index(resident_id.reveal())
    if first_row.setdefault(index, row.number) != row.number:
        problems.at(row, "resident_id", "sheet_duplicate_resident_id", first_row=first_row[index])
        return None
    return index
