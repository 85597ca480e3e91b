"""Excel (.xlsx) in and out, safely (reliability.md F4).

Out: `write_sheet` streams rows through openpyxl's write-only mode (a 100,000-row export never
holds a workbook in memory) and neutralises formula injection: a text cell that starts with
= + - @ tab or CR is written with a leading apostrophe, so Excel shows it and never runs it.

In: `read_table` refuses anything that is not a real, reasonable .xlsx before openpyxl parses it
— too large, not a zip, a zip bomb (the decompressed bytes are counted while streaming, not taken
from the headers), a DTD or entity declaration (XXE), a macro project, a path-traversal entry —
then streams the rows in read-only mode. Uploads are parsed in memory; nothing is written to the
server's disk under the uploaded file's name (or at all).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from anju.domain.sheets import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    META_ROW,
    CellValue,
    Problems,
    SheetContent,
    SheetLayout,
    SheetProblem,
    SheetRow,
    SheetTable,
    column_letter,
)
from anju.errors import RuleViolation
from anju.money import Money

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC: Final = b"PK\x03\x04"
MIB: Final = 1024 * 1024
INJECTION_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHUNK: Final = 1024 * 1024
_DTD_MARKERS: Final = (b"<!DOCTYPE", b"<!ENTITY")
_REQUIRED_PARTS: Final = ("[Content_Types].xml", "xl/workbook.xml")
MONEY_FORMAT: Final = "#,##0.00"
TEXT_FORMAT: Final = "@"


class ExcelRuleViolation(RuleViolation):
    """An upload that is not an acceptable .xlsx file (type, size, structure)."""


@dataclass(frozen=True, slots=True)
class ExcelLimits:
    """What an upload may be. The entry points pass the deployment's values (settings)."""

    max_bytes: int = 20 * MIB
    max_rows: int = 100_000
    max_uncompressed_bytes: int = 400 * MIB
    max_ratio: int = 150  # decompressed / compressed, per entry: beyond that it is a bomb
    max_entries: int = 200

    @property
    def max_mb(self) -> int:
        return self.max_bytes // MIB


DEFAULT_LIMITS: Final = ExcelLimits()


# --- writing ---------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text cell Excel will show, never evaluate: '=cmd' -> "'=cmd"; control characters dropped."""
    cleaned = _ILLEGAL_XML.sub("", text)
    if cleaned.startswith(INJECTION_PREFIXES):
        return "'" + cleaned
    return cleaned


def _excel_value(value: CellValue) -> Any:
    if isinstance(value, Money):
        return value.to_yuan()
    if isinstance(value, str):
        return neutralise(value)
    return value


_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_META_LABEL_FONT = Font(bold=True)
_NOTE_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def write_sheet(content: SheetContent) -> bytes:
    """The sheet as .xlsx bytes: title, row-2 fields, notes, headers, then the rows (streamed)."""
    layout = content.layout
    wb = Workbook(write_only=True)
    ws: Any = wb.create_sheet(title=layout.sheet_name[:31])
    for i, column in enumerate(layout.columns):
        dimension = ws.column_dimensions[column_letter(i)]
        dimension.width = column.width
        # A column style, not a style per cell: what the clerk types into an empty text cell (an
        # 18-digit ID number) stays text, and 50,000 rows write at plain-value speed.
        if column.kind == "text":
            dimension.number_format = TEXT_FORMAT
        elif column.kind == "money":
            dimension.number_format = MONEY_FORMAT
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"

    def cell(value: CellValue, *, number_format: str | None = None, font: Font | None = None) -> Any:
        c = WriteOnlyCell(ws, value=_excel_value(value))
        if number_format is not None:
            c.number_format = number_format
        if font is not None:
            c.font = font
        return c

    ws.append([cell(layout.title, font=_TITLE_FONT)])
    meta_cells: list[Any] = []
    for column in layout.meta:
        meta_cells.append(cell(column.header, font=_META_LABEL_FONT))
        meta_cells.append(cell(content.meta.get(column.key, ""), number_format=TEXT_FORMAT))
    ws.append(meta_cells)
    note = cell(layout.notes)
    note.alignment = _NOTE_ALIGNMENT
    ws.append([note])
    header_cells = []
    for column in layout.columns:
        c = cell(column.header, font=_HEADER_FONT)
        c.fill = _HEADER_FILL
        header_cells.append(c)
    ws.append(header_cells)
    for row in content.rows:
        ws.append([_excel_value(value) for value in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------


def check_upload(data: bytes, limits: ExcelLimits = DEFAULT_LIMITS) -> None:
    """Refuse what is not a genuine, reasonably sized .xlsx, before any XML parser sees it."""
    if len(data) > limits.max_bytes:
        raise ExcelRuleViolation("upload_too_large", max_mb=limits.max_mb)
    if not data.startswith(ZIP_MAGIC):
        raise ExcelRuleViolation("excel_not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_entries:
                raise ExcelRuleViolation("excel_not_xlsx")
            names = {e.filename for e in entries}
            if any(part not in names for part in _REQUIRED_PARTS):
                raise ExcelRuleViolation("excel_not_xlsx")
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise ExcelRuleViolation("excel_macro_refused")
            total = 0
            for entry in entries:
                if entry.filename.startswith(("/", "\\")) or ".." in entry.filename.split("/"):
                    raise ExcelRuleViolation("excel_not_xlsx")
                total += _scan_entry(archive, entry, limits, total)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        # NotImplementedError: an unsupported compression; RuntimeError: an encrypted entry.
        raise ExcelRuleViolation("excel_not_xlsx") from exc


def _scan_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: ExcelLimits, so_far: int) -> int:
    """Decompress one entry in chunks: count real bytes (bomb) and look for DTDs (XXE)."""
    size = 0
    tail = b""
    allowed = max(entry.compress_size, 1) * limits.max_ratio + _CHUNK
    with archive.open(entry) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if so_far + size > limits.max_uncompressed_bytes or size > allowed:
                raise ExcelRuleViolation("excel_too_expanded")
            if entry.filename.endswith((".xml", ".rels")):
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    raise ExcelRuleViolation("excel_not_xlsx")
                tail = chunk[-16:]
    return size


def cell_text(value: object) -> str:
    """A cell's value as the text a clerk typed. Numbers stored as floats lose binary noise only."""
    if value is None:
        return ""
    if isinstance(value, float):  # Excel stores every number as a binary double
        return _number_text(Decimal(repr(value)))
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


def _number_text(exact: Decimal) -> str:
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.quantize(Decimal("0.000001")).normalize(), "f")


def _row_texts(values: Sequence[object], width: int) -> tuple[str, ...]:
    texts = [cell_text(v) for v in values[:width]]
    texts += [""] * (width - len(texts))
    return tuple(texts)


def read_table(data: bytes, layout: SheetLayout, limits: ExcelLimits = DEFAULT_LIMITS) -> SheetTable:
    """Parse an upload made from `layout`'s template into a `SheetTable` (every cell as text).

    Refuses (RuleViolation) a bad file, a sheet whose headers are not the template's, or more
    data rows than the limit. Blank rows are skipped; row numbers are the ones Excel shows.
    """
    check_upload(data, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ExcelRuleViolation("excel_not_xlsx") from exc
    try:
        names = wb.sheetnames
        ws = wb[layout.sheet_name] if layout.sheet_name in names else wb[names[0]]
        return _read_sheet(ws, layout, limits)
    except RuleViolation:
        raise
    except Exception as exc:
        raise ExcelRuleViolation("excel_not_xlsx") from exc
    finally:
        wb.close()


def _read_sheet(ws: Any, layout: SheetLayout, limits: ExcelLimits) -> SheetTable:
    width = len(layout.columns)
    meta_width = 2 * len(layout.meta)
    declared = ws.max_row  # from the sheet's <dimension>, when the writer set one
    if isinstance(declared, int) and declared - HEADER_ROW > limits.max_rows + 1000:
        raise ExcelRuleViolation("excel_too_many_rows", max_rows=limits.max_rows)
    meta: dict[str, str] = {}
    rows: list[SheetRow] = []
    header_seen = False
    by_label = {c.header: c.key for c in layout.meta}
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number == META_ROW:
            texts = _row_texts(values, meta_width)
            for i in range(0, meta_width, 2):
                key = by_label.get(texts[i])
                if key is not None:
                    meta[key] = texts[i + 1]
        elif number == HEADER_ROW:
            _check_headers(_row_texts(values, width), layout)
            header_seen = True
        elif number >= FIRST_DATA_ROW:
            texts = _row_texts(values, width)
            if not any(texts):
                continue
            if len(rows) >= limits.max_rows:
                raise ExcelRuleViolation("excel_too_many_rows", max_rows=limits.max_rows)
            rows.append(SheetRow(number, texts))
    if not header_seen:
        _check_headers(("",) * width, layout)
    return SheetTable(layout=layout, meta=meta, rows=tuple(rows))


def _check_headers(texts: tuple[str, ...], layout: SheetLayout) -> None:
    """The header row must be the template's, column by column: a shifted column is refused."""
    problems = Problems(layout)
    for i, (given, column) in enumerate(zip(texts, layout.columns, strict=True)):
        if given != column.header:
            problems.items.append(
                SheetProblem(
                    HEADER_ROW,
                    column_letter(i),
                    column.header,
                    "sheet_header_mismatch",
                    {"expected": column.header, "given": given or "（空）"},
                )
            )
    problems.raise_if_any(rows=0)
