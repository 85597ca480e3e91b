"""Posting rules: which accounts a business event debits and credits (rules.md §7.2, typical entries).

This is the only module of business code that names account codes: services call these functions
and hand the draft to `uow.ledger.post`. Each function is small and returns a balanced draft; an
event that cannot balance cannot be built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from anju.ledger.balances import Side
from anju.ledger.chart import AccountKind
from anju.ledger.entries import AccountRef, Posting, VoucherDraft
from anju.money import Money


class GL:
    """Account codes by business meaning (the chart itself is in ledger/chart.py)."""

    BANK_DEPOSITS: Final = "101"  # parent: post to the 101xx leaf of the centre bank account
    VALUE_ADDED_INCOME_DEPOSITS: Final = "102"
    INTEREST_RECEIVABLE: Final = "111"
    OTHER_RECEIVABLES: Final = "119"
    ENTRUSTED_LOANS: Final = "121"
    OVERDUE_LOANS: Final = "122"
    NATIONAL_BONDS: Final = "124"
    MEMBER_DEPOSITS: Final = "201"
    INTEREST_PAYABLE: Final = "211"
    LOW_RENT_HOUSING_PAYABLE: Final = "21402"
    UNIT_SUSPENSE: Final = "21901"
    MANAGEMENT_COSTS_PAYABLE: Final = "21902"
    PAYMENTS_IN_TRANSIT: Final = "21903"
    OTHER_PAYABLES: Final = "21999"
    # 待付退款: a unit's suspense money to be paid back, until the bank interface pays it out.
    PENDING_REFUNDS: Final = "21999"
    LOAN_RISK_RESERVE: Final = "301"
    VALUE_ADDED_INCOME: Final = "311"
    PROVISION_RISK_RESERVE: Final = "32101"
    PROVISION_MANAGEMENT_COSTS: Final = "32102"
    PROVISION_LOW_RENT_HOUSING: Final = "32103"
    UNDISTRIBUTED_INCOME: Final = "32104"
    INCOME_DEPOSIT_INTEREST: Final = "40101"
    INCOME_VAI_DEPOSIT_INTEREST: Final = "40102"
    INCOME_LOAN_INTEREST: Final = "40103"
    INCOME_BOND_INTEREST: Final = "40104"
    INCOME_OTHER: Final = "40105"
    EXPENSE_MEMBER_INTEREST: Final = "41101"
    EXPENSE_COLLECTION_FEES: Final = "41102"
    EXPENSE_LOAN_FEES: Final = "41103"
    EXPENSE_OTHER: Final = "41199"


class BusinessType:
    """归集和提取业务类型 (GJHTQYWLX, data-standard.md): printed on personal statements."""

    REMITTANCE: Final = "01"  # 汇缴
    BACK_PAYMENT: Final = "02"  # 补缴
    INTERNAL_TRANSFER: Final = "06"  # 内部转移
    TRANSFER_OUT: Final = "07"  # 外部转出
    TRANSFER_IN: Final = "08"  # 外部转入
    ANNUAL_INTEREST: Final = "09"  # 年终结息
    PARTIAL_WITHDRAWAL: Final = "11"  # 部分提取
    CLOSING_WITHDRAWAL: Final = "12"  # 销户提取
    OTHER: Final = "99"


@dataclass(frozen=True, slots=True)
class SubledgerSpec:
    """Where a new sub-ledger account goes and the lowest balance it may reach."""

    gl_code: str
    kind: AccountKind
    floor: Money | None


MEMBER_ACCOUNT: Final = SubledgerSpec(GL.MEMBER_DEPOSITS, AccountKind.MEMBER_DEPOSIT, Money.ZERO)
UNIT_SUSPENSE_ACCOUNT: Final = SubledgerSpec(GL.UNIT_SUSPENSE, AccountKind.UNIT_SUSPENSE, Money.ZERO)
LOAN_ACCOUNT: Final = SubledgerSpec(GL.ENTRUSTED_LOANS, AccountKind.LOAN, Money.ZERO)

MANUAL_SOURCE: Final = "manual"


def manual_voucher(
    *,
    source_ref: str,
    business_date: date,
    value_date: date,
    memo: str,
    lines: Sequence[tuple[AccountRef, Side, Money]],
) -> VoucherDraft:
    """A voucher keyed in by the finance department (手工凭证)."""
    return VoucherDraft(
        source=MANUAL_SOURCE,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=tuple(Posting(account, side, amount) for account, side, amount in lines),
        kind="manual",
    )


def _member_ref(account: str | AccountRef) -> AccountRef:
    """A number typed by a person is checked (check digit); an AccountRef built by the caller from
    numbers the database holds is taken as it is — a 5,000-member roster skips 5,000 re-checks,
    and the ledger still refuses a number it does not know."""
    return account if isinstance(account, AccountRef) else AccountRef.ledger(account)


def remittance_credit(
    *,
    source: str,
    source_ref: str,
    bank: AccountRef,
    credits: Sequence[tuple[str | AccountRef, Money]],
    business_date: date,
    value_date: date,
    memo: str,
    business_type: str = BusinessType.REMITTANCE,
    kind: str = "remittance",
) -> VoucherDraft:
    """Money received at a centre bank account, credited to members: Dr 101xx / Cr 201 each.

    Also serves back-payments and transfers-in (pass their business type and kind). A credit names
    the member's ledger account by number, or by a ready AccountRef (see `_member_ref`).
    """
    member_lines = tuple(
        Posting(_member_ref(account), Side.CREDIT, amount, business_type) for account, amount in credits
    )
    received = Money(sum(line.amount.fen for line in member_lines))
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(Posting(bank, Side.DEBIT, received), *member_lines),
        kind=kind,
    )


def withdrawal(
    *,
    source: str,
    source_ref: str,
    member_account_no: str,
    bank: AccountRef,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
    business_type: str = BusinessType.PARTIAL_WITHDRAWAL,
    kind: str = "withdrawal",
) -> VoucherDraft:
    """Money paid out of a member's account through a centre bank account: Dr 201 / Cr 101xx.

    Also serves transfers-out (pass their business type and kind).
    """
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(AccountRef.ledger(member_account_no), Side.DEBIT, amount, business_type),
            Posting(bank, Side.CREDIT, amount),
        ),
        kind=kind,
    )


def suspense_receipt(
    *,
    source: str,
    source_ref: str,
    bank: AccountRef,
    suspense_account_no: str,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """Unit money received but not yet allocated (暂收): Dr 101xx / Cr 21901 unit suspense."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(bank, Side.DEBIT, amount),
            Posting(AccountRef.ledger(suspense_account_no), Side.CREDIT, amount),
        ),
        kind="suspense_receipt",
    )


def suspense_allocation(
    *,
    source: str,
    source_ref: str,
    suspense_account_no: str,
    credits: Sequence[tuple[str | AccountRef, Money]],
    business_date: date,
    value_date: date,
    memo: str,
    business_type: str = BusinessType.REMITTANCE,
) -> VoucherDraft:
    """Allocate a unit's suspense money to its members: Dr 21901 unit suspense / Cr 201 each."""
    member_lines = tuple(
        Posting(_member_ref(account), Side.CREDIT, amount, business_type) for account, amount in credits
    )
    allocated = Money(sum(line.amount.fen for line in member_lines))
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(Posting(AccountRef.ledger(suspense_account_no), Side.DEBIT, allocated), *member_lines),
        kind="suspense_allocation",
    )


def member_transfer(
    *,
    source: str,
    source_ref: str,
    from_account_no: str,
    to_account_no: str,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """Move money between two member accounts in the centre (内部转移, merge): Dr 201 / Cr 201."""
    business_type = BusinessType.INTERNAL_TRANSFER
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(AccountRef.ledger(from_account_no), Side.DEBIT, amount, business_type),
            Posting(AccountRef.ledger(to_account_no), Side.CREDIT, amount, business_type),
        ),
        kind="member_transfer",
    )


def member_merge(
    *,
    source_ref: str,
    duplicate_account_no: str,
    surviving_account_no: str,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """合并: a duplicate account's whole balance moves to the person's surviving account.

    Dr 201 duplicate / Cr 201 surviving. Merge is a local business type, exported as 99 (other).
    """
    business_type = BusinessType.OTHER
    return VoucherDraft(
        source="member_merge",
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(AccountRef.ledger(duplicate_account_no), Side.DEBIT, amount, business_type),
            Posting(AccountRef.ledger(surviving_account_no), Side.CREDIT, amount, business_type),
        ),
        kind="member_merge",
    )


def suspense_refund(
    *,
    source_ref: str,
    suspense_account_no: str,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """Refund a unit's suspense money (多缴退款): Dr 21901 unit suspense / Cr 21999 pending refunds.

    The money stays in the fund's bank account until the bank interface pays the unit; that payment
    then books Dr 21999 / Cr 101xx. Keeping the two steps apart means a refund the bank has not yet
    paid is still visible on the balance sheet, never lost between systems.
    """
    return VoucherDraft(
        source="suspense_refund",
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(AccountRef.ledger(suspense_account_no), Side.DEBIT, amount),
            Posting(AccountRef.gl(GL.PENDING_REFUNDS), Side.CREDIT, amount),
        ),
        kind="suspense_refund",
    )


# --- bank settlement: payments through the settlement platform (docs/adr/0010) -------------------


def payment_submission(
    *,
    source: str,
    source_ref: str,
    charge: AccountRef,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
    business_type: str | None = None,
    kind: str = "payment_submission",
) -> VoucherDraft:
    """A payment handed to a bank: it leaves the payer's account (a member's deposits, a loan,
    a unit's suspense money ...) for 21903 payments in transit: Dr payer / Cr 21903."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(charge, Side.DEBIT, amount, business_type),
            Posting(AccountRef.gl(GL.PAYMENTS_IN_TRANSIT), Side.CREDIT, amount),
        ),
        kind=kind,
    )


def payment_settlement(
    *,
    source: str,
    source_ref: str,
    bank: AccountRef,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """The bank confirmed the payment: the money leaves the bank account: Dr 21903 / Cr 101xx."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(
            Posting(AccountRef.gl(GL.PAYMENTS_IN_TRANSIT), Side.DEBIT, amount),
            Posting(bank, Side.CREDIT, amount),
        ),
        kind="payment_settlement",
    )


def bank_transfer(
    *,
    source: str,
    source_ref: str,
    from_bank: AccountRef,
    to_bank: AccountRef,
    amount: Money,
    business_date: date,
    value_date: date,
    memo: str,
) -> VoucherDraft:
    """Money moved between two of the centre's own bank accounts (资金调拨): Dr 101xx to / Cr from."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=(Posting(to_bank, Side.DEBIT, amount), Posting(from_bank, Side.CREDIT, amount)),
        kind="bank_transfer",
    )


# --- deposit interest (domain/interest.py) -------------------------------------------------------

ANNUAL_INTEREST_SOURCE: Final = "annual_interest"
ANNUAL_INTEREST_KIND: Final = "annual_interest"
INTEREST_ACCRUAL_SOURCE: Final = "interest_accrual"
INTEREST_ACCRUAL_RELEASE_SOURCE: Final = "interest_accrual_release"


def annual_interest(
    *,
    source_ref: str,
    credits: Sequence[tuple[str, Money]],
    settlement_day: date,
    memo: str,
) -> VoucherDraft:
    """年度结息: Dr 41101 interest paid to members / Cr 201 each member (type 09, FSLXE = amount).

    Credited as of 30 June (value date), earning from 1 July. The PostgreSQL settlement builds the
    same voucher set-based in SQL; this draft is the definition it follows.
    """
    member_lines = tuple(
        Posting(AccountRef.ledger(account_no), Side.CREDIT, amount, BusinessType.ANNUAL_INTEREST, amount)
        for account_no, amount in credits
    )
    total = Money(sum(line.amount.fen for line in member_lines))
    return VoucherDraft(
        source=ANNUAL_INTEREST_SOURCE,
        source_ref=source_ref,
        business_date=settlement_day,
        value_date=settlement_day,
        memo=memo,
        postings=(Posting(AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST), Side.DEBIT, total), *member_lines),
        kind=ANNUAL_INTEREST_KIND,
    )


def closing_payout(
    *,
    source: str,
    source_ref: str,
    member_account_no: str,
    bank: AccountRef,
    principal: Money,
    interest: Money,
    business_date: date,
    value_date: date,
    memo: str,
    business_type: str = BusinessType.CLOSING_WITHDRAWAL,
    kind: str = "closing_withdrawal",
) -> VoucherDraft:
    """销户提取 / 外部转出 with the interest since the last settlement paid out with the principal:
    Dr 201 member (principal, FSLXE = interest), Dr 41101 interest / Cr 101xx principal + interest.

    The interest never passes through the member's account: the detail row shows FSE = principal
    and FSLXE = interest, as the data standard's closing row does (Example 1c).
    """
    lines = []
    if principal.is_positive:  # an account emptied earlier still has its interest to pay
        lines.append(
            Posting(AccountRef.ledger(member_account_no), Side.DEBIT, principal, business_type, interest)
        )
    if interest.is_positive:
        lines.append(Posting(AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST), Side.DEBIT, interest))
    lines.append(Posting(bank, Side.CREDIT, principal + interest))
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        postings=tuple(lines),
        kind=kind,
    )


def interest_accrual(*, source_ref: str, amount: Money, business_date: date, memo: str) -> VoucherDraft:
    """预提利息 (month end): Dr 41101 interest expense / Cr 211 interest payable."""
    return VoucherDraft(
        source=INTEREST_ACCRUAL_SOURCE,
        source_ref=source_ref,
        business_date=business_date,
        value_date=business_date,
        memo=memo,
        postings=(
            Posting(AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST), Side.DEBIT, amount),
            Posting(AccountRef.gl(GL.INTEREST_PAYABLE), Side.CREDIT, amount),
        ),
        kind="interest_accrual",
    )


def interest_accrual_release(
    *, source: str, source_ref: str, amount: Money, business_date: date, memo: str
) -> VoucherDraft:
    """Release accrued interest (冲回预提): Dr 211 interest payable / Cr 41101 interest expense —
    at settlement, when the interest is paid to the members, or when the accrual falls."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=business_date,
        memo=memo,
        postings=(
            Posting(AccountRef.gl(GL.INTEREST_PAYABLE), Side.DEBIT, amount),
            Posting(AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST), Side.CREDIT, amount),
        ),
        kind="interest_accrual",
    )
