"""Ports of Accounting (会计核算): vouchers, periods, books, funds, value-added income, reports.

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju.ledger.balances import Side
from anju.money import Money

# Manual-voucher states (手工凭证): 草稿 → 已复核 → 已记账, or 已退回 (the maker may key a new one).
DRAFT = "draft"
REVIEWED = "reviewed"
POSTED = "posted"
REJECTED = "rejected"
MANUAL_STATES = (DRAFT, REVIEWED, POSTED, REJECTED)

# What a manual voucher does when posted: its own lines, or the reversal of a voucher (错账调整).
KIND_MANUAL = "manual"
KIND_CORRECTION = "correction"


@dataclass(frozen=True, slots=True)
class ManualLineRecord:
    line_no: int
    gl_code: str
    account_no: str | None  # a sub-ledger account (201 / 21901 / 121 ...) or None for a GL leaf
    side: Side
    amount: Money


@dataclass(frozen=True, slots=True)
class ManualVoucherRecord:
    """A voucher keyed in by finance, numbered per period (记字 YYYYMM-NNNN)."""

    id: int
    period: str  # YYYYMM of the business date it was made on
    seq: int
    kind: str  # manual | correction
    state: str
    memo: str
    value_date: date | None
    total: Money
    maker: str
    made_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    poster: str | None
    posted_at: datetime | None
    voucher_no: str | None  # the ledger voucher once posted
    reverses: str | None  # correction: the voucher it reverses
    reason: str | None  # correction reason, or why it was sent back
    lines: tuple[ManualLineRecord, ...] = ()

    @property
    def number(self) -> str:
        return f"{self.period}-{self.seq:04d}"


@dataclass(frozen=True, slots=True)
class NewManualVoucher:
    period: str
    kind: str
    memo: str
    value_date: date | None
    total: Money
    maker: str
    made_at: datetime
    reverses: str | None
    reason: str | None
    lines: tuple[ManualLineRecord, ...]


@dataclass(frozen=True, slots=True)
class PeriodRecord:
    """A closed accounting period (月结 / 年结)."""

    period: str  # YYYYMM
    closed_on: date  # its last day: nothing posts on or before it any more
    closed_at: datetime
    closed_by: str
    year_end: bool
    closing_voucher_no: str | None


@dataclass(frozen=True, slots=True)
class CodeTurnover:
    """Debit and credit postings of one GL code in a range of business dates."""

    gl_code: str
    debit: Money
    credit: Money


@dataclass(frozen=True, slots=True)
class MonthTurnover:
    gl_code: str
    period: str  # YYYYMM
    debit: Money
    credit: Money


@dataclass(frozen=True, slots=True)
class BankBook:
    """A centre bank account (专户) with its 101xx ledger account: the bank-deposit journal's head."""

    bank_account_no: str
    account_name: str
    purpose: str
    gl_code: str
    ledger_account_no: str | None
    balance: Money
    status: str
    time_gl_code: str | None = None  # the leaf of its time and notice deposits, once any was placed


@dataclass(frozen=True, slots=True)
class SubledgerBalance:
    account_no: str
    owner_type: str | None
    owner_id: int | None
    branch_id: int | None
    status: str
    balance: Money


@dataclass(frozen=True, slots=True)
class BusinessTypeTurnover:
    """Postings of one GL code per business type (业务类型) in a range: for statistical tables."""

    gl_code: str
    business_type: str | None
    branch_id: int | None
    kind: str  # the voucher's kind (loan_repayment, loan_overdue, reversal ...)
    debit: Money
    credit: Money
    postings: int
    accounts: int


@dataclass(frozen=True, slots=True)
class UnitTypeTurnover:
    """Postings on members' accounts (201) per unit economic type (单位经济类型) and business type."""

    economic_type: str | None  # None: accounts not linked to a unit
    business_type: str | None
    kind: str  # the voucher's kind: a reversal takes back what its original counted
    debit: Money
    credit: Money
    postings: int
    accounts: int

    @property
    def gl_code(self) -> str:
        return "201"


@dataclass(frozen=True, slots=True)
class Contributors:
    """Units and members whose contributions (汇缴、补缴) were credited in a period, counted once
    each; a reversed payment and its reversal count for nobody."""

    units: int
    members: int


@dataclass(frozen=True, slots=True)
class WithdrawalsByReason:
    """Withdrawals paid in a period for one reason (提取原因): count and principal."""

    reason_code: str
    count: int
    amount: Money


@dataclass(frozen=True, slots=True)
class PendingRefund:
    """A suspense refund (多缴退款) booked by collection and waiting for the bank to pay it."""

    case_no: str
    unit_account_no: str
    unit_name: str
    amount: Money
    payee_name: str
    payee_account_no: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TimeDepositRecord:
    """定期/通知存款: placed from a centre account into its time-deposit leaf, drawn back with interest."""

    deposit_no: str
    bank_account_no: str
    kind: str  # time | notice
    principal: Money
    rate: str
    term_months: int | None
    placed_on: date
    placed_voucher_no: str
    state: str  # placed | drawn
    drawn_on: date | None = None
    interest: Money | None = None
    drawn_voucher_no: str | None = None


class AccountingRepository(Protocol):
    """Implemented by adapters/db/repositories/accounting.py."""

    # periods
    def closed_through(self) -> date | None: ...
    def close_period(self, record: PeriodRecord) -> None: ...
    def list_periods(self) -> list[PeriodRecord]: ...

    # manual vouchers
    def add_manual_voucher(self, new: NewManualVoucher) -> ManualVoucherRecord: ...
    def get_manual_voucher(self, period: str, seq: int) -> ManualVoucherRecord: ...
    def list_manual_vouchers(
        self, *, state: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[ManualVoucherRecord]: ...
    def count_pending(self, period: str) -> int: ...
    def move_manual_voucher(
        self,
        voucher_id: int,
        *,
        from_state: str,
        to_state: str,
        by: str,
        at: datetime,
        voucher_no: str | None = None,
        reason: str | None = None,
    ) -> bool: ...

    # books
    def turnover(
        self, start: date | None, end: date, *, exclude_kind: str | None = None
    ) -> list[CodeTurnover]: ...
    def monthly_turnover(self, gl_codes: list[str], start: date, end: date) -> list[MonthTurnover]: ...
    def bank_books(self) -> list[BankBook]: ...
    def subledger_balances(
        self, gl_code: str, as_of: date | None, *, limit: int, offset: int
    ) -> list[SubledgerBalance]: ...
    def business_type_turnover(
        self, gl_codes: list[str], start: date, end: date
    ) -> list[BusinessTypeTurnover]: ...

    def member_turnover_by_unit_type(self, start: date, end: date) -> list[UnitTypeTurnover]: ...

    def contributors(self, start: date, end: date) -> Contributors: ...

    def withdrawals_by_reason(self, start: date, end: date) -> list[WithdrawalsByReason]: ...

    # time and notice deposits
    def time_deposit_leaf(self, bank_account_no: str) -> str | None: ...
    def add_time_deposit_leaf(self, bank_account_no: str, gl_code: str) -> None: ...
    def add_time_deposit(self, record: TimeDepositRecord) -> None: ...
    def get_time_deposit(self, deposit_no: str) -> TimeDepositRecord | None: ...
    def list_time_deposits(
        self, *, state: str | None = None, limit: int = 200
    ) -> list[TimeDepositRecord]: ...
    def mark_time_deposit_drawn(
        self, deposit_no: str, *, drawn_on: date, interest: Money, voucher_no: str
    ) -> bool: ...

    # suspense refunds paid through the bank port
    def pending_refunds(self, *, limit: int = 100) -> list[PendingRefund]: ...
    def pending_refund(self, case_no: str) -> PendingRefund | None: ...
    def mark_refund_paid(self, case_no: str, voucher_no: str) -> bool: ...
