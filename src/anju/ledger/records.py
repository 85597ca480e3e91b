"""What the ledger repository hands back: stored accounts, vouchers, statement and check lines.

These are read models (frozen, no behaviour beyond conversions); services turn them into views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from anju.ledger.balances import Side
from anju.ledger.chart import AccountKind
from anju.ledger.entries import AccountRef, Posting, VoucherDraft
from anju.money import Money


@dataclass(frozen=True, slots=True)
class LedgerAccount:
    """A ledger account (明细账户): one member's deposits, one unit's suspense, one GL leaf ..."""

    account_no: str
    gl_code: str
    kind: AccountKind
    owner_type: str | None
    owner_id: int | None
    branch_id: int | None
    floor: Money | None
    balance: Money
    opening_balance: Money
    status: str  # open | closed
    opened_on: date
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class PostedPosting:
    line_no: int
    account_no: str
    gl_code: str
    side: Side
    amount: Money
    business_type: str | None
    value_date: date
    current_year: Money | None = None  # DNGJFSE: part of the amount in current-year collections
    carried: Money | None = None  # SNJZFSE: part in the balance brought forward
    interest: Money | None = None  # FSLXE: interest paid with this line


@dataclass(frozen=True, slots=True)
class PostedVoucher:
    """A stored voucher. `postings` is empty in lists; `replayed` marks an idempotent replay."""

    voucher_no: str
    source: str
    source_ref: str
    kind: str
    business_date: date
    value_date: date
    memo: str
    branch_id: int | None
    created_by: str
    created_at: datetime
    total: Money
    posting_count: int
    reverses: str | None = None  # voucher_no this one reverses
    reversed_by: str | None = None  # voucher_no of its reversal, if reversed
    postings: tuple[PostedPosting, ...] = ()
    replayed: bool = False

    def to_draft(self) -> VoucherDraft:
        """The voucher as a draft on the exact ledger accounts it hit (for its reversal)."""
        return VoucherDraft(
            source=self.source,
            source_ref=self.source_ref,
            business_date=self.business_date,
            value_date=self.value_date,
            memo=self.memo,
            postings=tuple(
                Posting(AccountRef.ledger(p.account_no), p.side, p.amount, p.business_type, p.interest)
                for p in self.postings
            ),
            kind=self.kind,
            reverses=self.reverses,
        )


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting of an account with the balance after it (明细账 / 个人明细)."""

    voucher_no: str
    line_no: int
    business_date: date
    value_date: date
    memo: str
    kind: str
    side: Side
    amount: Money
    balance_after: Money
    business_type: str | None
    current_year: Money | None = None  # DNGJFSE (member deposit accounts)
    carried: Money | None = None  # SNJZFSE
    interest: Money | None = None  # FSLXE


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    """Turnover and balance of one postable GL code (balance signed by its normal side)."""

    gl_code: str
    debit_total: Money
    credit_total: Money
    balance: Money


@dataclass(frozen=True, slots=True)
class LedgerFinding:
    """One broken invariant found by the ledger check: a message code and its details."""

    code: str
    details: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerCheckResult:
    findings: tuple[LedgerFinding, ...]
    voucher_count: int
    posting_count: int
    account_count: int
