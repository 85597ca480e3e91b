"""Vouchers (记账凭证) and postings (分录), balanced by construction.

A `VoucherDraft` cannot exist unless its debits equal its credits, it has at least two postings
and every amount is positive: the constructor refuses anything else. The repository turns a draft
into stored, immutable rows; a mistake is corrected by `reversal_of` (红字冲销), never by editing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anju.errors import Conflict, NotFound, RuleViolation
from anju.ids import LedgerAccountNo
from anju.ledger.balances import Side, debit_credit_totals
from anju.money import Money

MAX_SOURCE = 40
MAX_SOURCE_REF = 128
MAX_MEMO = 255
MAX_KIND = 30
MAX_BUSINESS_TYPE = 4

REVERSAL_SOURCE = "reversal"
REVERSAL_KIND = "reversal"


class LedgerRuleViolation(RuleViolation):
    """A posting request breaks a ledger rule (unbalanced, floor broken, wrong account)."""


class LedgerConflict(Conflict):
    """The ledger already holds what the request would create (a source_ref, a reversal)."""


class LedgerNotFound(NotFound):
    """No such voucher or ledger account."""


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Where a posting lands: a GL leaf by code, or a sub-ledger account by its number."""

    gl_code: str | None = None
    account_no: str | None = None

    def __post_init__(self) -> None:
        if (self.gl_code is None) == (self.account_no is None):
            raise ValueError("AccountRef needs exactly one of gl_code and account_no")

    @classmethod
    def gl(cls, code: str) -> AccountRef:
        return cls(gl_code=code)

    @classmethod
    def ledger(cls, account_no: LedgerAccountNo | str) -> AccountRef:
        number = account_no if isinstance(account_no, LedgerAccountNo) else LedgerAccountNo(account_no)
        return cls(account_no=number.value)

    def __str__(self) -> str:
        return self.gl_code if self.gl_code is not None else f"#{self.account_no}"


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a voucher. `business_type` is the data standard's 业务类型 (personal statements)."""

    account: AccountRef
    side: Side
    amount: Money
    business_type: str | None = None
    interest: Money | None = None  # 发生利息额 FSLXE: interest paid out with this line

    def __post_init__(self) -> None:
        if not isinstance(self.side, Side):
            raise TypeError("Posting.side must be a Side")
        if not isinstance(self.amount, Money):
            raise TypeError("Posting.amount must be Money")
        if self.amount.fen <= 0:
            raise LedgerRuleViolation("posting_amount_not_positive", amount=str(self.amount))
        if self.business_type is not None:
            _check_text("business_type", self.business_type, MAX_BUSINESS_TYPE)
        if self.interest is not None and (not isinstance(self.interest, Money) or self.interest.fen < 0):
            raise LedgerRuleViolation("posting_amount_not_positive", amount=str(self.interest))


@dataclass(frozen=True, slots=True)
class VoucherDraft:
    """A voucher ready to post. `source`/`source_ref` is its idempotency key (unique in the books)."""

    source: str
    source_ref: str
    business_date: date
    value_date: date
    memo: str
    postings: tuple[Posting, ...]
    kind: str
    reverses: str | None = None  # voucher_no of the voucher this one reverses

    def __post_init__(self) -> None:
        given: object = self.postings  # a list from a caller is frozen into a tuple
        if not isinstance(given, tuple):
            object.__setattr__(self, "postings", tuple(self.postings))
        _check_text("source", self.source, MAX_SOURCE)
        _check_text("source_ref", self.source_ref, MAX_SOURCE_REF)
        _check_text("kind", self.kind, MAX_KIND)
        if len(self.memo) > MAX_MEMO:
            raise LedgerRuleViolation("text_too_long", field="摘要", max=MAX_MEMO)
        if len(self.postings) < 2:
            raise LedgerRuleViolation("voucher_too_few_postings", count=len(self.postings))
        debit, credit = debit_credit_totals((p.side, p.amount) for p in self.postings)
        if debit != credit:
            raise LedgerRuleViolation("voucher_unbalanced", debit=str(debit), credit=str(credit))

    @property
    def total(self) -> Money:
        """Σ debit (= Σ credit): the voucher's amount."""
        return Money(sum(p.amount.fen for p in self.postings if p.side is Side.DEBIT))

    @property
    def is_reversal(self) -> bool:
        return self.reverses is not None or self.kind == REVERSAL_KIND


def reversal_of(
    original: VoucherDraft,
    *,
    original_no: str,
    business_date: date | None = None,
    reason: str = "",
) -> VoucherDraft:
    """The red-ink reversal (红字冲销) of a posted voucher: same lines, sides swapped.

    It keeps the original's value date, so interest products computed from value dates are
    corrected from the day the mistaken entry took effect. Its idempotency key is the original's
    voucher number: a voucher can be reversed once, and a reversal cannot itself be reversed
    (post a new voucher instead).
    """
    if original.is_reversal:
        raise LedgerRuleViolation("voucher_is_reversal", voucher_no=original_no)
    memo = f"冲销凭证 {original_no}" + (f"：{reason.strip()}" if reason.strip() else "")
    return VoucherDraft(
        source=REVERSAL_SOURCE,
        source_ref=original_no,
        business_date=business_date or original.business_date,
        value_date=original.value_date,
        memo=memo[:MAX_MEMO],
        postings=tuple(
            Posting(p.account, p.side.opposite, p.amount, p.business_type, p.interest)
            for p in original.postings
        ),
        kind=REVERSAL_KIND,
        reverses=original_no,
    )


def _check_text(field: str, value: str, maximum: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LedgerRuleViolation("required_field", field=field)
    if len(value) > maximum:
        raise LedgerRuleViolation("text_too_long", field=field, max=maximum)
