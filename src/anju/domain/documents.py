"""What the centre's printed documents say: receipts, certificates, statements (pure content).

The services assemble these from the books and the collection tables; `anju.reports.pdf` lays
them out. Each document carries a verification code (校验码): the SM3 of its canonical content,
printed in the footer and written to the audit log when it is printed, so a bank or a court that
receives a paper copy can ask the centre whether the centre issued exactly that content.

Personal data is masked here already (name and ID number), never in the renderer: a document
object never holds a full ID number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from anju.money import Money

# 归集和提取业务类型 GJHTQYWLX (data-standard.md, tables 5.0.3 / 5.0.5). Only 01, 02, 07, 08, 09,
# 11 and 12 move money; the rest appear in unit details (5.0.3) and histories.
BUSINESS_TYPE_NAMES: Final[Mapping[str, str]] = {
    "01": "汇缴",
    "02": "补缴",
    "03": "开户",
    "04": "启封",
    "05": "封存",
    "06": "内部转移",
    "07": "外部转出",
    "08": "外部转入",
    "09": "年终结息",
    "10": "基数调整",
    "11": "部分提取",
    "12": "销户提取",
    "13": "缓缴",
    "14": "冻结",
    "15": "解冻",
    "99": "其他",
}

DOCUMENT_TITLES: Final[Mapping[str, str]] = {
    "remittance_receipt": "住房公积金汇缴回单",
    "contribution_certificate": "住房公积金缴存证明",
    "account_statement": "住房公积金个人明细",
    "unit_statement": "住房公积金单位缴存明细",
}


def business_type_name(code: str | None, memo: str = "") -> str:
    """The Chinese name of a business type code; a local or missing code falls back to the memo."""
    if code and code in BUSINESS_TYPE_NAMES and code != "99":
        return BUSINESS_TYPE_NAMES[code]
    return memo or BUSINESS_TYPE_NAMES["99"]


@dataclass(frozen=True, slots=True)
class IssuedBy:
    """Who issues a printed document, and when (the footer of every page)."""

    centre_name: str
    branch_name: str
    operator: str  # the operator's username (never a person's data)
    business_date: date  # 会计日期
    printed_at: datetime  # wall-clock, China Standard Time, for the footer


@dataclass(frozen=True, slots=True)
class RemittanceReceipt:
    """汇缴回单: a unit's month paid, with the voucher and the bank's serial number."""

    issued: IssuedBy
    unit_account_no: str
    unit_name: str
    month: str  # YYYYMM
    kind: str  # remittance | back_payment
    headcount: int
    unit_total: Money
    member_total: Money
    total: Money
    voucher_no: str
    serial_no: str  # the bank's 流水号 or the counter receipt number; "" if allocated from suspense
    paid_on: date | None
    collection_account: str  # the centre's account the money arrived in (bank name and number)

    @property
    def kind_label(self) -> str:
        return "补缴" if self.kind == "back_payment" else "汇缴"


@dataclass(frozen=True, slots=True)
class ContributionCertificate:
    """缴存证明: a member's account as of the business date, for a bank, an employer or a court."""

    issued: IssuedBy
    name_masked: str
    resident_id_masked: str
    account_no: str
    unit_account_no: str
    unit_name: str
    status_label: str
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money
    unit_ratio_percent: str
    member_ratio_percent: str
    paid_up_to: str  # YYYYMM, or "" when nothing was paid yet
    balance: Money
    opened_on: date

    @property
    def monthly_total(self) -> Money:
        return self.unit_monthly + self.member_monthly


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One posting of the member's account, as printed (个人明细 line, table 5.0.5)."""

    booked_on: date  # 记账日期 JZRQ
    business_type: str  # GJHTQYWLX code
    business_type_name: str
    memo: str
    debit: Money  # money out of the account (withdrawal, transfer out)
    credit: Money  # money in (remittance, interest)
    balance: Money  # after this posting
    voucher_no: str  # 业务流水号 YWLSH


@dataclass(frozen=True, slots=True)
class AccountStatement:
    """个人明细: the postings of a member's account between two dates, with the running balance."""

    issued: IssuedBy
    name_masked: str
    resident_id_masked: str
    account_no: str
    unit_name: str
    start: date
    end: date
    opening_balance: Money
    closing_balance: Money
    entries: tuple[StatementEntry, ...]

    @property
    def debit_total(self) -> Money:
        return Money(sum(e.debit.fen for e in self.entries))

    @property
    def credit_total(self) -> Money:
        return Money(sum(e.credit.fen for e in self.entries))


@dataclass(frozen=True, slots=True)
class UnitStatementLine:
    """One roster of the unit (汇缴 or 补缴) as printed on its statement."""

    month: str  # YYYYMM
    kind_label: str
    state_label: str
    headcount: int
    total: Money
    paid_on: date | None
    voucher_no: str  # "" until paid


@dataclass(frozen=True, slots=True)
class UnitStatement:
    """单位缴存明细: a unit's rosters month by month over a period (the unit hall: three years)."""

    issued: IssuedBy
    unit_account_no: str
    unit_name: str
    start_month: str  # YYYYMM
    end_month: str
    lines: tuple[UnitStatementLine, ...]

    @property
    def paid_total(self) -> Money:
        return Money(sum(line.total.fen for line in self.lines if line.paid_on is not None))


Document = RemittanceReceipt | ContributionCertificate | AccountStatement | UnitStatement


def _plain(value: Any) -> Any:
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def canonical_bytes(kind: str, document: Document) -> bytes:
    """The document's content as canonical JSON (sorted keys, no whitespace), the hash input."""
    body = {"kind": kind, "content": _plain(document)}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def verification_code(sm3: Callable[[bytes], bytes], kind: str, document: Document) -> str:
    """校验码: the first 128 bits of SM3(canonical content), as 8 groups of 4 upper-case hex digits."""
    digest = sm3(canonical_bytes(kind, document)).hex().upper()[:32]
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))


# --- 大写金额: amounts in Chinese capital numerals, as receipts print them ----------------------

_DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS: Final = ((3, "仟"), (2, "佰"), (1, "拾"), (0, ""))
_BIG_UNITS: Final = ("", "万", "亿", "万亿")


def _group_words(n: int) -> str:
    """0 < n < 10,000 in capitals, with one 零 for each run of inner zeros (1010 -> 壹仟零壹拾)."""
    words = ""
    zero = False
    for power, unit in _GROUP_UNITS:
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + unit
    return words


def _integer_words(n: int) -> str:
    groups = []
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    words = ""
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            continue
        if words and (group < 1000 or groups[index + 1] == 0):
            words += "零"
        words += _group_words(group) + _BIG_UNITS[index]
    return words


def amount_in_words(amount: Money) -> str:
    """1234.05 -> 壹仟贰佰叁拾肆元零伍分; 10.50 -> 壹拾元伍角整 (支付结算办法 rules for 大写金额)."""
    fen = abs(amount.fen)
    sign = "负" if amount.fen < 0 else ""
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if fen == 0:
        return "零元整"
    words = _integer_words(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan and fen_digit:
        words += "零"
    words += _DIGITS[fen_digit] + "分" if fen_digit else "整"
    return sign + words
