"""PDF receipts, certificates and statements with Chinese text (reportlab).

Font: reportlab's built-in CID font STSong-Light (UnicodeCIDFont) needs no font file and is
always there; PDF readers supply the glyphs (Adobe's Asian font packs, poppler-data). If a
TrueType CJK font is installed (WenQuanYi, AR PL, Droid Sans Fallback) it is embedded instead, so
the file renders anywhere. Debian's fonts-noto-cjk cannot be used: its outlines are CFF
(PostScript), which reportlab does not embed.

The toolkit — title, key/value blocks, tables whose header repeats on every page, a footer on
every page with the centre's name, "第 n 页 共 N 页", the verification code and the print time —
takes content from `anju.domain.documents`, which arrives with personal data already masked.
Output is deterministic for the same content (reportlab's invariant mode), so a reprint of the
same document is byte-identical.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Protocol

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anju.dates import YearMonth
from anju.domain.documents import (
    DOCUMENT_TITLES,
    AccountStatement,
    ContributionCertificate,
    Document,
    IssuedBy,
    RemittanceReceipt,
    UnitStatement,
    amount_in_words,
    verification_code,
)
from anju.money import Money

PDF_MEDIA_TYPE: Final = "application/pdf"
CID_FONT: Final = "STSong-Light"
TTF_FONT: Final = "AnjuCJK"
# (path, sub-font index): TrueType-outline CJK fonts Debian packages ship.
TRUETYPE_CANDIDATES: Final = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
MARGIN: Final = 18 * mm
FOOTER_SPACE: Final = 16 * mm
GRID: Final = colors.HexColor("#7F7F7F")
SHADE: Final = colors.HexColor("#EDF2F7")
ZEBRA: Final = colors.HexColor("#F7F9FB")
HAIRLINE: Final = 1 / 2  # points


class Digest(Protocol):
    """What the renderer needs from the crypto provider: SM3."""

    def sm3(self, data: bytes) -> bytes: ...


# --- fonts -------------------------------------------------------------------------------------

_font_lock = threading.Lock()
_registered: dict[str, str] = {}  # "name" -> the registered font's name, once chosen


def chinese_font(candidates: Sequence[tuple[str, int]] = TRUETYPE_CANDIDATES) -> str:
    """Register (once) and name the Chinese font: an embeddable TrueType one if found, else STSong."""
    with _font_lock:
        if "name" in _registered:
            return _registered["name"]
        name = CID_FONT
        for path, index in candidates:
            if not Path(path).is_file():
                continue
            try:
                pdfmetrics.registerFont(TTFont(TTF_FONT, path, subfontIndex=index))
            except (TTFError, OSError):
                continue
            name = TTF_FONT
            break
        if name == CID_FONT:
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        _registered["name"] = name
        return name


@dataclass(frozen=True, slots=True)
class Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle


def styles() -> Styles:
    font = chinese_font()

    def style(name: str, size: int, leading: int, align: int = TA_LEFT, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=leading, alignment=align, wordWrap="CJK", **extra
        )

    return Styles(
        font=font,
        title=style("title", 18, 26, TA_CENTER, spaceAfter=4),
        subtitle=style("subtitle", 9, 13, TA_CENTER, textColor=colors.HexColor("#555555")),
        body=style("body", 11, 19),
        small=style("small", 8, 11, textColor=colors.HexColor("#444444")),
        cell=style("cell", 9, 12),
    )


# --- page furniture ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Footer:
    centre_name: str
    code: str  # verification code (校验码)
    printed_at: str  # "2026-11-23 10:00:00"
    operator: str


def _numbered_canvas(footer: Footer, font: str) -> type[canvas.Canvas]:
    """A canvas that holds every page until the end, so each footer can say "共 N 页"."""

    class NumberedCanvas(canvas.Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width = self._pagesize[0]
            self.saveState()
            self.setStrokeColor(GRID)
            self.setLineWidth(HAIRLINE)
            self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
            self.setFont(font, 8)
            self.drawString(MARGIN, 10 * mm, footer.centre_name)
            self.drawRightString(width - MARGIN, 10 * mm, f"第 {self._pageNumber} 页 共 {total} 页")
            self.drawString(
                MARGIN,
                6 * mm,
                f"校验码：{footer.code}    打印时间：{footer.printed_at}    经办：{footer.operator}",
            )
            self.restoreState()

    return NumberedCanvas


def build_pdf(story: Sequence[Flowable], *, title: str, footer: Footer) -> bytes:
    """Lay the flowables out on A4 pages with the footer; the PDF's bytes."""
    font = chinese_font()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_SPACE // 2,
        title=title,
        author=footer.centre_name,
        subject=title,
        creator="安居 Anju",
        invariant=True,
    )
    doc.build(list(story), canvasmaker=_numbered_canvas(footer, font))
    return out.getvalue()


def content_width() -> Any:
    return A4[0] - 2 * MARGIN


# --- building blocks ---------------------------------------------------------------------------


def title_block(text: str, subtitle: str = "") -> list[Flowable]:
    s = styles()
    blocks: list[Flowable] = [Paragraph(_escape(text), s.title)]
    if subtitle:
        blocks.append(Paragraph(_escape(subtitle), s.subtitle))
    blocks.append(Spacer(1, 5 * mm))
    return blocks


def paragraph(text: str, *, small: bool = False) -> Paragraph:
    s = styles()
    return Paragraph(_escape(text), s.small if small else s.body)


def key_value_block(pairs: Sequence[tuple[str, str]], *, columns: int = 2) -> Table:
    """Labels and values in a ruled grid, `columns` pairs per line (labels shaded)."""
    s = styles()
    rows: list[list[Any]] = []
    for start in range(0, len(pairs), columns):
        line: list[Any] = []
        for label, value in pairs[start : start + columns]:
            line += [Paragraph(_escape(label), s.cell), Paragraph(_escape(value), s.cell)]
        line += ["", ""] * (columns - len(pairs[start : start + columns]))
        rows.append(line)
    width = content_width()
    pair_w = width / columns
    label_w = pair_w * 2 / 5
    value_w = pair_w - label_w
    table = Table(rows, colWidths=[label_w, value_w] * columns)
    style = [
        ("GRID", (0, 0), (-1, -1), HAIRLINE, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    style += [("BACKGROUND", (2 * i, 0), (2 * i, -1), SHADE) for i in range(columns)]
    table.setStyle(TableStyle(style))
    return table


@dataclass(frozen=True, slots=True)
class TableColumn:
    header: str
    weight: int  # relative width
    align: str = "LEFT"  # LEFT | RIGHT | CENTER
    wrap: bool = False  # long text (a memo): wraps inside the cell


def data_table(
    columns: Sequence[TableColumn], rows: Sequence[Sequence[str]], *, total_row: Sequence[str] | None = None
) -> Table:
    """A table whose header row repeats on every page (a statement runs to many pages)."""
    s = styles()
    width = content_width()
    weights = sum(c.weight for c in columns)
    widths = [width * c.weight / weights for c in columns]
    body: list[list[Any]] = [[c.header for c in columns]]
    for row in rows:
        body.append(
            [Paragraph(_escape(v), s.cell) if c.wrap else v for v, c in zip(row, columns, strict=True)]
        )
    if total_row is not None:
        body.append(list(total_row))
    table = Table(body, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), s.font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), HAIRLINE, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, c in enumerate(columns):
        if c.align != "LEFT":
            style.append(("ALIGN", (i, 1), (i, -1), c.align))
    for r in range(2, len(body), 2):
        style.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
    if total_row is not None:
        style.append(("BACKGROUND", (0, len(body) - 1), (-1, len(body) - 1), SHADE))
    table.setStyle(TableStyle(style))
    return table


def _escape(text: str) -> str:
    """Paragraph text is mini-markup: a name with "<" or "&" must print as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def yuan(amount: Money) -> str:
    return f"{amount.format_cn()} 元"


def month_label(month: str) -> str:
    return YearMonth.parse(month).label() if month else "—"


def _footer(issued: IssuedBy, code: str) -> Footer:
    return Footer(
        centre_name=issued.centre_name,
        code=code,
        printed_at=issued.printed_at.strftime("%Y-%m-%d %H:%M:%S"),
        operator=issued.operator,
    )


def _issued_line(issued: IssuedBy) -> str:
    branch = f"（{issued.branch_name}）" if issued.branch_name else ""
    return f"{issued.centre_name}{branch}    会计日期：{issued.business_date.isoformat()}"


def _opening(kind: str, doc: Document, crypto: Digest) -> tuple[str, str, list[Flowable]]:
    """A document's verification code, its title and the title block every document opens with."""
    title = DOCUMENT_TITLES[kind]
    return verification_code(crypto.sm3, kind, doc), title, title_block(title, _issued_line(doc.issued))


# --- the documents -----------------------------------------------------------------------------


def render_receipt(doc: RemittanceReceipt, crypto: Digest) -> bytes:
    """汇缴回单."""
    code, title, story = _opening("remittance_receipt", doc, crypto)
    story.append(
        key_value_block(
            [
                ("单位账号", doc.unit_account_no),
                ("单位名称", doc.unit_name),
                ("缴存年月", month_label(doc.month)),
                ("业务类型", doc.kind_label),
                ("缴存人数", f"{doc.headcount} 人"),
                ("入账日期", doc.paid_on.isoformat() if doc.paid_on else "—"),
                ("单位缴存额合计", yuan(doc.unit_total)),
                ("个人缴存额合计", yuan(doc.member_total)),
                ("缴存金额合计（小写）", yuan(doc.total)),
                ("缴存金额合计（大写）", amount_in_words(doc.total)),
                ("记账凭证号", doc.voucher_no),
                ("银行流水号", doc.serial_no or "—（暂收款分配）"),
                ("归集专户", doc.collection_account or "—"),
                ("回单校验码", code),
            ]
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(
        paragraph("上述款项已按汇缴清册记入职工个人账户。本回单可凭校验码向本中心核验。", small=True)
    )
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


def render_certificate(doc: ContributionCertificate, crypto: Digest) -> bytes:
    """缴存证明."""
    code, title, story = _opening("contribution_certificate", doc, crypto)
    story.append(
        paragraph(
            f"兹证明 {doc.name_masked}（证件号码 {doc.resident_id_masked}）在本中心开立住房公积金"
            f"个人账户，截至 {doc.issued.business_date.isoformat()} 账户信息如下："
        )
    )
    story.append(Spacer(1, 3 * mm))
    story.append(
        key_value_block(
            [
                ("个人账号", doc.account_no),
                ("账户状态", doc.status_label),
                ("所在单位", doc.unit_name or "—"),
                ("单位账号", doc.unit_account_no or "—"),
                ("开户日期", doc.opened_on.isoformat()),
                ("缴至年月", month_label(doc.paid_up_to)),
                ("缴存基数", yuan(doc.wage_base)),
                ("缴存比例", f"单位 {doc.unit_ratio_percent}% / 个人 {doc.member_ratio_percent}%"),
                ("单位月缴存额", yuan(doc.unit_monthly)),
                ("个人月缴存额", yuan(doc.member_monthly)),
                ("月缴存额合计", yuan(doc.monthly_total)),
                ("账户余额", yuan(doc.balance)),
            ]
        )
    )
    story.append(Spacer(1, 5 * mm))
    story.append(paragraph("特此证明。"))
    story.append(Spacer(1, 10 * mm))
    story.append(paragraph(f"{doc.issued.centre_name}（业务专用章）"))
    story.append(Spacer(1, 4 * mm))
    story.append(
        paragraph(
            "本证明仅证明上述账户信息，个人信息已按规定脱敏。收件单位可凭页脚校验码向本中心核验真伪。",
            small=True,
        )
    )
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


STATEMENT_COLUMNS: Final = (
    TableColumn("记账日期", 12, "CENTER"),
    TableColumn("业务类型", 10, "CENTER"),
    TableColumn("摘要", 22, wrap=True),
    TableColumn("借方发生额", 13, "RIGHT"),
    TableColumn("贷方发生额", 13, "RIGHT"),
    TableColumn("余额", 14, "RIGHT"),
    TableColumn("业务流水号", 20, "CENTER"),
)


def render_statement(doc: AccountStatement, crypto: Digest) -> bytes:
    """个人明细: every posting in the period, debit / credit / balance, header repeated per page."""
    code, title, story = _opening("account_statement", doc, crypto)
    story.append(
        key_value_block(
            [
                ("姓名", doc.name_masked),
                ("证件号码", doc.resident_id_masked),
                ("个人账号", doc.account_no),
                ("所在单位", doc.unit_name or "—"),
                ("查询期间", f"{doc.start.isoformat()} 至 {doc.end.isoformat()}"),
                ("笔数", f"{len(doc.entries)} 笔"),
                ("期初余额", yuan(doc.opening_balance)),
                ("期末余额", yuan(doc.closing_balance)),
            ]
        )
    )
    story.append(Spacer(1, 5 * mm))
    rows = [
        (
            e.booked_on.isoformat(),
            e.business_type_name,
            e.memo,
            e.debit.format_cn() if e.debit.fen else "",
            e.credit.format_cn() if e.credit.fen else "",
            e.balance.format_cn(),
            e.voucher_no,
        )
        for e in doc.entries
    ]
    total = ("合计", "", "", doc.debit_total.format_cn(), doc.credit_total.format_cn(), "", "")
    story.append(data_table(STATEMENT_COLUMNS, rows, total_row=total))
    if not doc.entries:
        story.append(Spacer(1, 3 * mm))
        story.append(paragraph("查询期间内没有发生额。", small=True))
    story.append(Spacer(1, 4 * mm))
    story.append(paragraph("借方为支出（提取、转出），贷方为存入（汇缴、补缴、结息、转入）。", small=True))
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


UNIT_STATEMENT_COLUMNS: Final = (
    TableColumn("缴存年月", 16, "CENTER"),
    TableColumn("类型", 12, "CENTER"),
    TableColumn("状态", 14, "CENTER"),
    TableColumn("人数", 10, "RIGHT"),
    TableColumn("金额", 20, "RIGHT"),
    TableColumn("入账日期", 18, "CENTER"),
    TableColumn("记账凭证号", 24, "CENTER"),
)


def render_unit_statement(doc: UnitStatement, crypto: Digest) -> bytes:
    """单位缴存明细: every roster of the period, month by month, with the total paid in."""
    code, title, story = _opening("unit_statement", doc, crypto)
    story.append(
        key_value_block(
            [
                ("单位账号", doc.unit_account_no),
                ("单位名称", doc.unit_name),
                ("查询期间", f"{month_label(doc.start_month)} 至 {month_label(doc.end_month)}"),
                ("清册份数", f"{len(doc.lines)} 份"),
                ("已入账金额合计", yuan(doc.paid_total)),
                ("校验码", code),
            ]
        )
    )
    story.append(Spacer(1, 5 * mm))
    rows = [
        (
            month_label(line.month),
            line.kind_label,
            line.state_label,
            str(line.headcount),
            line.total.format_cn(),
            line.paid_on.isoformat() if line.paid_on else "",
            line.voucher_no,
        )
        for line in doc.lines
    ]
    story.append(data_table(UNIT_STATEMENT_COLUMNS, rows))
    if not doc.lines:
        story.append(Spacer(1, 3 * mm))
        story.append(paragraph("查询期间内没有汇缴或补缴清册。", small=True))
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


RENDERERS: Final[dict[type, Callable[[Any, Digest], bytes]]] = {
    RemittanceReceipt: render_receipt,
    ContributionCertificate: render_certificate,
    AccountStatement: render_statement,
    UnitStatement: render_unit_statement,
}


def render(doc: Document, crypto: Digest) -> bytes:
    """The PDF of any document content."""
    return RENDERERS[type(doc)](doc, crypto)
