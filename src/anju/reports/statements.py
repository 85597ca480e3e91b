"""Books, financial statements and statistical tables out: any `domain.accounting.Report` as a
PDF (A4, Chinese font, header repeated on every page, footer with the centre and a verification
code) or as an Excel sheet (the shared layout of `domain.sheets`, money as numbers).

One renderer for every report keeps the balance sheet, the value-added income statement, the
general ledger, the bank journal, the statistical tables and the voucher print looking alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from anju.domain.accounting import Report
from anju.domain.sheets import CellValue, SheetColumn, SheetContent, SheetLayout
from anju.money import Money
from anju.reports.pdf import (
    Footer,
    TableColumn,
    build_pdf,
    data_table,
    key_value_block,
    paragraph,
    title_block,
)

_ALIGN: Final = {"money": "RIGHT", "int": "RIGHT", "date": "CENTER"}


def cell_text(value: CellValue) -> str:
    """What a page or PDF prints in a cell: money with separators, dates ISO, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.format_cn()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def report_code(report: Report, sm3: Callable[[bytes], bytes]) -> str:
    """校验码 of a printed report: SM3 over its title, header fields and cells."""
    parts = [report.title, report.subtitle]
    parts += [f"{k}={v}" for k, v in report.meta]
    parts += ["|".join(cell_text(c) for c in row.cells) for row in report.rows]
    digest = sm3("\n".join(parts).encode("utf-8")).hex().upper()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def render_pdf(
    report: Report, *, centre_name: str, operator: str, printed_at: datetime, sm3: Callable[[bytes], bytes]
) -> bytes:
    columns = [
        TableColumn(c.header, max(4, c.width), _ALIGN.get(c.kind, "LEFT"), wrap=c.kind == "text")
        for c in report.columns
    ]
    # A closing total row prints as the table's shaded total line.
    last = report.rows[-1] if report.rows and report.rows[-1].style == "total" else None
    body = report.rows[:-1] if last is not None else report.rows
    story: list[Flowable] = title_block(report.title, report.subtitle)
    if report.meta:
        story.append(key_value_block(list(report.meta)))
        story.append(Spacer(1, 4 * mm))
    rows = [[cell_text(c) for c in row.cells] for row in body]
    total = [cell_text(c) for c in last.cells] if last is not None else None
    story.append(data_table(columns, rows, total_row=total))
    if report.balanced is not None:
        story.append(Spacer(1, 3 * mm))
        story.append(
            paragraph("平衡校验：平衡" if report.balanced else "平衡校验：不平衡，请检查账务", small=True)
        )
    if report.notes:
        story.append(Spacer(1, 3 * mm))
        story.append(paragraph(report.notes, small=True))
    footer = Footer(
        centre_name=centre_name,
        code=report_code(report, sm3),
        printed_at=printed_at.strftime("%Y-%m-%d %H:%M:%S"),
        operator=operator,
    )
    return build_pdf(story, title=report.title, footer=footer)


def report_sheet(report: Report) -> SheetContent:
    """The report as an Excel download (title, header fields, notes, column headers, rows)."""
    meta_columns = tuple(SheetColumn(f"m{i}", label) for i, (label, _) in enumerate(report.meta))
    layout = SheetLayout(
        sheet_name=report.title[:31],
        title=report.title,
        meta=meta_columns,
        columns=tuple(SheetColumn(c.key, c.header, c.kind, c.width) for c in report.columns),
        notes=report.notes or report.subtitle,
    )
    return SheetContent(
        layout=layout,
        meta={f"m{i}": value for i, (_, value) in enumerate(report.meta)},
        rows=report.sheet_rows,
        filename=f"{report.code}.xlsx",
    )
