"""File layouts carried inside settlement messages (interfaces.md §2.5).

* Statement / account-change file (BDC113, SBDC100): 23 `|`-separated fields per line, the
  line ending in `|`; amounts signed, in yuan with two decimals; dates YYYYMMDD.
* Batch receipt file (BDC104): fields separated, and the line ended, by `@|$`.
* Batch result file (BDC108): a `$`-led summary line, then `|`-separated detail lines.

Parsing is all-or-nothing: one bad line rejects the file (`BankFileRejected`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, NoReturn

from anju.domain.bank import STATEMENT_FIELDS, BankFileRejected, StatementFile, StatementLine
from anju.errors import RuleViolation
from anju.money import Money

BATCH_SEP: Final = "@|$"
MAX_LINES: Final = 200_000
SUCCESS_CODE: Final = "0000"


def _bad(reason: str) -> NoReturn:
    raise BankFileRejected("bank_file_invalid", reason=reason)


def clean(text: str) -> str:
    """A value safe inside a `|` or `@|$` separated line (separators and line breaks removed)."""
    return " ".join(text.replace("|", " ").replace("@", " ").replace("$", " ").split())


def fmt_amount(amount: Money | None) -> str:
    return "" if amount is None else str(amount)


def parse_amount(text: str, *, what: str, line_no: int, optional: bool = False) -> Money | None:
    value = text.strip()
    if not value:
        if optional:
            return None
        _bad(f"第 {line_no} 行{what}为空")
    if value.startswith("+"):
        value = value[1:]
    try:
        return Money.from_yuan(value)
    except RuleViolation:
        _bad(f"第 {line_no} 行{what}格式错误")


def fmt_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_date8(text: str, *, line_no: int = 0, what: str = "日期") -> date:
    value = text.strip()
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        _bad(f"第 {line_no} 行{what}格式错误" if line_no else f"{what}格式错误")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        _bad(f"第 {line_no} 行{what}不存在" if line_no else f"{what}不存在")


def _lines(text: str) -> list[str]:
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) > MAX_LINES:
        _bad("行数过多")
    return lines


# --- statement lines -------------------------------------------------------------------------------


def format_statement_line(line: StatementLine) -> str:
    fields = (
        str(line.seq),
        line.account_no,
        line.serial,
        line.tx_code,
        line.counterparty_account,
        line.counterparty_name,
        fmt_amount(line.amount),
        fmt_date(line.tx_date),
        line.tx_time,
        fmt_amount(line.available),
        line.branch,
        line.remark,
        line.currency,
        line.cash_flag,
        fmt_amount(line.balance),
        fmt_amount(line.overdraft),
        line.voucher_type,
        line.voucher_no,
        line.counterparty_bank,
        line.summary,
        line.reversal_flag,
        line.entry_no,
        line.book_no,
    )
    return "|".join(clean(f) for f in fields) + "|"


def format_statement(lines: Sequence[StatementLine]) -> str:
    return "".join(format_statement_line(line) + "\n" for line in lines)


def parse_statement_line(text: str, line_no: int) -> StatementLine:
    parts = text.split("|")
    if len(parts) != STATEMENT_FIELDS + 1 or parts[-1].strip():
        _bad(f"第 {line_no} 行应有 {STATEMENT_FIELDS} 个字段并以“|”结尾")
    f = [p.strip() for p in parts[:STATEMENT_FIELDS]]
    if not f[0].isascii() or not f[0].isdigit() or len(f[0]) > 9:
        _bad(f"第 {line_no} 行序号错误")
    if len(f[8]) != 6 or not f[8].isascii() or not f[8].isdigit():
        _bad(f"第 {line_no} 行时间格式错误")
    amount = parse_amount(f[6], what="发生额", line_no=line_no)
    assert amount is not None
    if amount.is_zero:
        _bad(f"第 {line_no} 行发生额为零")
    if len(f[2]) > 40 or len(f[1]) > 40:
        _bad(f"第 {line_no} 行流水号或账号过长")
    return StatementLine(
        seq=int(f[0]),
        account_no=f[1],
        serial=f[2],
        tx_code=f[3][:20],
        counterparty_account=f[4][:40],
        counterparty_name=f[5][:120],
        amount=amount,
        tx_date=parse_date8(f[7], line_no=line_no),
        tx_time=f[8],
        available=parse_amount(f[9], what="可用余额", line_no=line_no, optional=True),
        branch=f[10][:40],
        remark=f[11][:200],
        currency=f[12],
        cash_flag=f[13][:2],
        balance=parse_amount(f[14], what="余额", line_no=line_no, optional=True),
        overdraft=parse_amount(f[15], what="透支余额", line_no=line_no, optional=True),
        voucher_type=f[16][:10],
        voucher_no=f[17][:40],
        counterparty_bank=f[18][:20],
        summary=f[19][:200],
        reversal_flag=f[20][:2],
        entry_no=f[21][:20],
        book_no=f[22][:20],
    )


def parse_statement(text: str) -> list[StatementLine]:
    return [parse_statement_line(line, i) for i, line in enumerate(_lines(text), start=1)]


def envelope_fields(file: StatementFile) -> dict[str, str]:
    """The body fields around a statement file: its trailer (count, total, balances)."""
    return {
        "AcctNo": file.account_no,
        "BeginDate": fmt_date(file.start),
        "EndDate": fmt_date(file.end),
        "TotalNum": str(file.declared_count),
        "TotalAmt": str(file.declared_total),
        "OpenBal": fmt_amount(file.opening_balance),
        "CloseBal": fmt_amount(file.closing_balance),
    }


def statement_from(body: Mapping[str, str], name: str, text: str) -> StatementFile:
    """Build and check a statement file from its envelope fields and file text (whole or nothing)."""
    count_text = body.get("TotalNum", "").strip()
    if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 9:
        _bad("笔数格式错误")
    total = parse_amount(body.get("TotalAmt", ""), what="合计金额", line_no=0)
    assert total is not None
    file = StatementFile(
        account_no=body.get("AcctNo", "").strip(),
        start=parse_date8(body.get("BeginDate", ""), what="起始日期"),
        end=parse_date8(body.get("EndDate", ""), what="截止日期"),
        lines=tuple(parse_statement(text)),
        declared_count=int(count_text),
        declared_total=total,
        opening_balance=parse_amount(body.get("OpenBal", ""), what="期初余额", line_no=0, optional=True),
        closing_balance=parse_amount(body.get("CloseBal", ""), what="期末余额", line_no=0, optional=True),
        name=name[:120],
    )
    if not file.account_no:
        _bad("缺少账号")
    file.check()
    return file


# --- a statement file on disk (a clerk imports what the bank handed over) ---------------------------

DISK_HEADER: Final = "#ANJU-STATEMENT"


def format_statement_document(file: StatementFile) -> str:
    """A statement as one text file: a header line with the envelope, then the lines."""
    env = envelope_fields(file)
    header = DISK_HEADER + "|" + "|".join(f"{k}={v}" for k, v in env.items()) + "|"
    return header + "\n" + format_statement(file.lines)


def parse_statement_document(text: str, name: str = "") -> StatementFile:
    lines = text.replace("\r\n", "\n").split("\n", 1)
    header = lines[0].strip()
    if not header.startswith(DISK_HEADER + "|"):
        _bad("文件首行应为对账单信息行")
    fields: dict[str, str] = {}
    for part in header[len(DISK_HEADER) + 1 :].split("|"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or key in fields:
            _bad("对账单信息行格式错误")
        fields[key] = value
    return statement_from(fields, name, lines[1] if len(lines) > 1 else "")


# --- batch receipt file (BDC104) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchLine:
    seq: int
    amount: Money
    account_no: str  # payer account
    account_name: str
    summary: str
    ref_account_no: str  # the business detail account (unit account no ...)
    ref_seq_1: str = ""
    ref_seq_2: str = ""


def format_batch_file(lines: Sequence[BatchLine]) -> str:
    out = []
    for line in lines:
        fields = (
            str(line.seq),
            str(line.amount),
            line.account_no,
            line.account_name,
            line.summary,
            line.ref_account_no,
            line.ref_seq_1,
            line.ref_seq_2,
            str(line.amount),
            "0.00",
        )
        out.append(BATCH_SEP.join(clean(f) for f in fields) + BATCH_SEP + "\n")
    return "".join(out)


def parse_batch_file(text: str) -> list[BatchLine]:
    result = []
    for line_no, raw in enumerate(_lines(text), start=1):
        parts = raw.split(BATCH_SEP)
        if len(parts) != 11 or parts[-1].strip():
            _bad(f"第 {line_no} 行应有 10 个字段并以“@|$”结尾")
        f = [p.strip() for p in parts[:10]]
        if not f[0].isdigit() or int(f[0]) != line_no:
            _bad(f"第 {line_no} 行序号错误")
        amount = parse_amount(f[1], what="金额", line_no=line_no)
        assert amount is not None
        if not amount.is_positive:
            _bad(f"第 {line_no} 行金额必须大于零")
        result.append(BatchLine(line_no, amount, f[2], f[3], f[4], f[5], f[6], f[7]))
    return result


# --- batch result file (BDC108) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchResultLine:
    seq: int
    amount: Money
    account_no: str
    account_name: str
    code: str
    message: str
    host_date: str
    host_serial: str

    @property
    def succeeded(self) -> bool:
        return self.code == SUCCESS_CODE


@dataclass(frozen=True, slots=True)
class BatchResultFile:
    batch_no: str
    total_count: int
    total_amount: Money
    ok_count: int
    ok_amount: Money
    lines: tuple[BatchResultLine, ...]


def format_batch_result(
    *, day: date, institution: str, batch_no: str, lines: Sequence[BatchResultLine]
) -> str:
    ok = [line for line in lines if line.succeeded]
    bad = [line for line in lines if not line.succeeded]

    def total(items: Sequence[BatchResultLine]) -> str:
        return str(Money(sum(i.amount.fen for i in items)))

    summary = "|".join(
        (
            "$" + fmt_date(day),
            clean(institution),
            clean(batch_no),
            "2",
            "1",
            "156",
            "0",
            str(len(lines)),
            total(lines),
            str(len(ok)),
            total(ok),
            str(len(bad)),
            total(bad),
            "批量收款结果",
        )
    )
    out = [summary + "|\n"]
    for line in lines:
        fields = (
            str(line.seq),
            "156",
            "0",
            str(line.amount),
            line.account_no,
            line.account_name,
            "",
            "",
            "",
            "",
            line.code,
            line.message,
            line.host_date,
            line.host_serial,
            "",
            "",
        )
        out.append("|".join(clean(f) for f in fields) + "|\n")
    return "".join(out)


def parse_batch_result(text: str) -> BatchResultFile:
    rows = _lines(text)
    if not rows or not rows[0].startswith("$"):
        _bad("结果文件缺少汇总行")
    head = rows[0][1:].split("|")
    if len(head) != 15 or head[-1].strip():
        _bad("结果文件汇总行格式错误")
    lines: list[BatchResultLine] = []
    for line_no, raw in enumerate(rows[1:], start=1):
        parts = raw.split("|")
        if len(parts) != 17 or parts[-1].strip():
            _bad(f"结果文件第 {line_no} 行格式错误")
        f = [p.strip() for p in parts[:16]]
        if not f[0].isdigit():
            _bad(f"结果文件第 {line_no} 行序号错误")
        amount = parse_amount(f[3], what="金额", line_no=line_no)
        assert amount is not None
        lines.append(BatchResultLine(int(f[0]), amount, f[4], f[5], f[10], f[11], f[12], f[13]))
    counts = [head[7], head[9]]
    if not all(c.strip().isdigit() for c in counts):
        _bad("结果文件汇总笔数错误")
    total = parse_amount(head[8], what="合计金额", line_no=0)
    ok_amount = parse_amount(head[10], what="成功金额", line_no=0)
    assert total is not None
    assert ok_amount is not None
    result = BatchResultFile(head[2].strip(), int(head[7]), total, int(head[9]), ok_amount, tuple(lines))
    if result.total_count != len(lines) or result.total_amount != Money(sum(i.amount.fen for i in lines)):
        _bad("结果文件汇总与明细不符")
    ok = [i for i in lines if i.succeeded]
    if result.ok_count != len(ok) or result.ok_amount != Money(sum(i.amount.fen for i in ok)):
        _bad("结果文件成功笔数或金额与明细不符")
    return result
