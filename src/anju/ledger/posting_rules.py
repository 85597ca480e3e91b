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


def _two_legs(
    *,
    source: str,
    source_ref: str,
    debit: AccountRef,
    credit: AccountRef,
    amount: Money,
    business_date: date,
    memo: str,
    kind: str,
    value_date: date | None = None,
    business_type: str | None = None,
) -> VoucherDraft:
    """The common voucher of one debit and one credit of the same amount (business type, if
    any, on the debit leg: the payer's statement line)."""
    return VoucherDraft(
        source=source,
        source_ref=source_ref,
        business_date=business_date,
        value_date=value_date or business_date,
        memo=memo,
        postings=(Posting(debit, Side.DEBIT, amount, business_type), Posting(credit, Side.CREDIT, amount)),
        kind=kind,
    )


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
    return _two_legs(
        source=source,
        source_ref=source_ref,
        debit=charge,
        credit=AccountRef.gl(GL.PAYMENTS_IN_TRANSIT),
        amount=amount,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
        kind=kind,
        business_type=business_type,
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
    return _two_legs(
        source=source,
        source_ref=source_ref,
        debit=AccountRef.gl(GL.PAYMENTS_IN_TRANSIT),
        credit=bank,
        amount=amount,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
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
    return _two_legs(
        source=source,
        source_ref=source_ref,
        debit=to_bank,
        credit=from_bank,
        amount=amount,
        business_date=business_date,
        value_date=value_date,
        memo=memo,
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
    return _two_legs(
        source=INTEREST_ACCRUAL_SOURCE,
        source_ref=source_ref,
        debit=AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST),
        credit=AccountRef.gl(GL.INTEREST_PAYABLE),
        amount=amount,
        business_date=business_date,
        memo=memo,
        kind="interest_accrual",
    )


def interest_accrual_release(
    *, source: str, source_ref: str, amount: Money, business_date: date, memo: str
) -> VoucherDraft:
    """Release accrued interest (冲回预提): Dr 211 interest payable / Cr 41101 interest expense —
    at settlement, when the interest is paid to the members, or when the accrual falls."""
    return _two_legs(
        source=source,
        source_ref=source_ref,
        debit=AccountRef.gl(GL.INTEREST_PAYABLE),
        credit=AccountRef.gl(GL.EXPENSE_MEMBER_INTEREST),
        amount=amount,
        business_date=business_date,
        memo=memo,
        kind="interest_accrual",
    )


# --- housing loans (个人住房贷款, services/loans.py) ----------------------------------------------

LOAN_REPAYMENT_SOURCE: Final = "loan_repayment"


def loan_repayment(
    *,
    source_ref: str,
    funding: AccountRef,
    loan_account_no: str,
    principal: Money,
    interest: Money,
    business_date: date,
    memo: str,
    funding_business_type: str | None = None,
    unapplied: Money = Money.ZERO,
    overdue_principal: Money = Money.ZERO,
    overdue_account_no: str | None = None,
    kind: str = "loan_repayment",
) -> VoucherDraft:
    """A repayment: Dr the money's source (the loan bank account 101xx for a bank deduction, a
    member's 201 account for 冲还贷) / Cr the loan account (121) for principal and Cr 40103 for
    interest and penalty interest (罚息 is interest income on the entrusted loan, cash basis).
    Money received beyond what was due (`unapplied`) waits in 21999 to be refunded. Of
    `principal`, `overdue_principal` had been moved to the overdue loan account (122) and leaves it."""
    lines: list[Posting] = []
    if overdue_principal.is_positive:
        if overdue_account_no is None or overdue_principal > principal:
            raise ValueError("overdue principal needs the overdue account and is part of the principal")
        lines.append(Posting(AccountRef.ledger(overdue_account_no), Side.CREDIT, overdue_principal))
    if (principal - overdue_principal).is_positive:
        lines.append(Posting(AccountRef.ledger(loan_account_no), Side.CREDIT, principal - overdue_principal))
    if interest.is_positive:
        lines.append(Posting(AccountRef.gl(GL.INCOME_LOAN_INTEREST), Side.CREDIT, interest))
    if unapplied.is_positive:
        lines.append(Posting(AccountRef.gl(GL.OTHER_PAYABLES), Side.CREDIT, unapplied))
    received = principal + interest + unapplied
    return VoucherDraft(
        source=LOAN_REPAYMENT_SOURCE,
        source_ref=source_ref,
        business_date=business_date,
        value_date=business_date,
        memo=memo,
        postings=(Posting(funding, Side.DEBIT, received, funding_business_type), *lines),
        kind=kind,
    )


def loan_overdue_transfer(
    *, source_ref: str, loan_account_no: str, overdue_account_no: str, amount: Money, business_date: date
) -> VoucherDraft:
    """逾期转列: unpaid principal of overdue instalments moves from 121 to 122: Dr 122 / Cr 121."""
    return _two_legs(
        source="loan_overdue",
        source_ref=source_ref,
        debit=AccountRef.ledger(overdue_account_no),
        credit=AccountRef.ledger(loan_account_no),
        amount=amount,
        business_date=business_date,
        memo="逾期贷款本金转列",
        kind="loan_overdue",
    )


def loan_write_off(
    *,
    source_ref: str,
    loan_account_no: str,
    amount: Money,
    business_date: date,
    memo: str,
    overdue_account_no: str | None = None,
    overdue_amount: Money = Money.ZERO,
) -> VoucherDraft:
    """核销 (rules.md §5.11): the loan is charged against the loan risk reserve: Dr 301 / Cr 121
    (and Cr 122 for the overdue principal)."""
    lines = [Posting(AccountRef.ledger(loan_account_no), Side.CREDIT, amount)] if amount.is_positive else []
    if overdue_amount.is_positive and overdue_account_no is not None:
        lines.append(Posting(AccountRef.ledger(overdue_account_no), Side.CREDIT, overdue_amount))
    return VoucherDraft(
        source="loan_write_off",
        source_ref=source_ref,
        business_date=business_date,
        value_date=business_date,
        memo=memo,
        postings=(Posting(AccountRef.gl(GL.LOAN_RISK_RESERVE), Side.DEBIT, amount + overdue_amount), *lines),
        kind="loan_write_off",
    )


# --- accounting: year-end close, value-added income distribution, funds (accounting slice) --------

YEAR_END_CLOSE_SOURCE: Final = "year_end_close"
YEAR_END_CLOSE_KIND: Final = "year_end_close"
VAI_DISTRIBUTION_SOURCE: Final = "vai_distribution"
FUNDS_SOURCE: Final = "funds"
# Income, expense and distribution leaves are emptied into 311 at year end (rules.md §7.2).
YEAR_END_CLOSED_PREFIXES: Final = ("401", "411", "321")


def year_end_close(
    *, year: int, balances: Sequence[tuple[str, Side, Money]], business_date: date
) -> VoucherDraft | None:
    """结转: empty every income (401xx), expense (411xx) and distribution (321xx) leaf into 311.

    `balances` are (code, normal side, balance signed by that side). None when nothing is left
    to carry (a year without income or expense).
    """
    postings: list[Posting] = []
    net_credit = 0  # what 311 must receive (credit) to balance the closing lines
    for code, normal, balance in balances:
        if not code.startswith(YEAR_END_CLOSED_PREFIXES) or balance.fen == 0:
            continue
        side = normal.opposite if balance.fen > 0 else normal
        postings.append(Posting(AccountRef.gl(code), side, Money(abs(balance.fen))))
        net_credit += abs(balance.fen) if side is Side.DEBIT else -abs(balance.fen)
    if net_credit:
        side = Side.CREDIT if net_credit > 0 else Side.DEBIT
        postings.append(Posting(AccountRef.gl(GL.VALUE_ADDED_INCOME), side, Money(abs(net_credit))))
    if len(postings) < 2:
        return None
    return VoucherDraft(
        source=YEAR_END_CLOSE_SOURCE,
        source_ref=str(year),
        business_date=business_date,
        value_date=business_date,
        memo=f"{year}年度业务收支及增值收益分配结转增值收益",
        postings=tuple(postings),
        kind=YEAR_END_CLOSE_KIND,
    )


def value_added_distribution(
    *,
    year: int,
    risk_reserve: Money,
    management_costs: Money,
    low_rent_housing: Money,
    business_date: date,
) -> VoucherDraft:
    """增值收益分配: Dr 32101 / Cr 301, Dr 32102 / Cr 21902, Dr 32103 / Cr 21402 (parts > 0)."""
    pairs = (
        (GL.PROVISION_RISK_RESERVE, GL.LOAN_RISK_RESERVE, risk_reserve),
        (GL.PROVISION_MANAGEMENT_COSTS, GL.MANAGEMENT_COSTS_PAYABLE, management_costs),
        (GL.PROVISION_LOW_RENT_HOUSING, GL.LOW_RENT_HOUSING_PAYABLE, low_rent_housing),
    )
    postings: list[Posting] = []
    for debit, credit, amount in pairs:
        if amount.fen > 0:
            postings.append(Posting(AccountRef.gl(debit), Side.DEBIT, amount))
            postings.append(Posting(AccountRef.gl(credit), Side.CREDIT, amount))
    return VoucherDraft(
        source=VAI_DISTRIBUTION_SOURCE,
        source_ref=str(year),
        business_date=business_date,
        value_date=business_date,
        memo=f"{year}年度增值收益分配",
        postings=tuple(postings),
        kind="vai_distribution",
    )


def bank_interest_income(
    *,
    source_ref: str,
    bank: AccountRef,
    amount: Money,
    business_date: date,
    memo: str,
    vai_deposit: bool = False,
) -> VoucherDraft:
    """存款利息收入: Dr 101xx (or 102) / Cr 40101 (or 40102 for value-added-income deposits)."""
    income = GL.INCOME_VAI_DEPOSIT_INTEREST if vai_deposit else GL.INCOME_DEPOSIT_INTEREST
    return _two_legs(
        source=FUNDS_SOURCE,
        source_ref=source_ref,
        debit=bank,
        credit=AccountRef.gl(income),
        amount=amount,
        business_date=business_date,
        memo=memo,
        kind="bank_interest",
    )


def bank_fee(
    *,
    source_ref: str,
    bank: AccountRef,
    amount: Money,
    business_date: date,
    memo: str,
    loan_fee: bool = False,
) -> VoucherDraft:
    """银行手续费: Dr 41102 collection fees (or 41103 entrusted-loan fees) / Cr 101xx."""
    expense = GL.EXPENSE_LOAN_FEES if loan_fee else GL.EXPENSE_COLLECTION_FEES
    return _two_legs(
        source=FUNDS_SOURCE,
        source_ref=source_ref,
        debit=AccountRef.gl(expense),
        credit=bank,
        amount=amount,
        business_date=business_date,
        memo=memo,
        kind="bank_fee",
    )


def time_deposit_placement(
    *, source_ref: str, current: AccountRef, time: AccountRef, amount: Money, business_date: date, memo: str
) -> VoucherDraft:
    """定期/通知存款存入: Dr the time-deposit leaf / Cr the current account's 101xx."""
    return _two_legs(
        source=FUNDS_SOURCE,
        source_ref=source_ref,
        debit=time,
        credit=current,
        amount=amount,
        business_date=business_date,
        memo=memo,
        kind="time_deposit",
    )


def time_deposit_withdrawal(
    *,
    source_ref: str,
    current: AccountRef,
    time: AccountRef,
    principal: Money,
    interest: Money,
    business_date: date,
    memo: str,
    vai_deposit: bool = False,
) -> VoucherDraft:
    """定期/通知存款支取: Dr current (principal + interest) / Cr time leaf, Cr 40101 interest
    (40102 for deposits of value-added income)."""
    postings = [
        Posting(current, Side.DEBIT, principal + interest),
        Posting(time, Side.CREDIT, principal),
    ]
    if interest.fen > 0:
        income = GL.INCOME_VAI_DEPOSIT_INTEREST if vai_deposit else GL.INCOME_DEPOSIT_INTEREST
        postings.append(Posting(AccountRef.gl(income), Side.CREDIT, interest))
    return VoucherDraft(
        source=FUNDS_SOURCE,
        source_ref=source_ref,
        business_date=business_date,
        value_date=business_date,
        memo=memo,
        postings=tuple(postings),
        kind="time_deposit",
    )
