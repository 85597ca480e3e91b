"""Deposit interest use cases (计息与结息, rules.md §3): rates in force, the annual settlement of a
range of accounts, closing interest (销户结息) paid with the principal, and the month-end accrual
of interest expense (预提利息) for the centre's books.

The arithmetic is domain/interest.py; the products are kept by the posting path on every balance
change, so nothing here replays history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from anju.dates import InterestYear, YearMonth, is_settlement_day
from anju.domain import interest as rules
from anju.domain.interest import InterestRates, InterestRuleViolation, PostingRules
from anju.domain.security import Actor, AuditEvent
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, BusinessType
from anju.ledger.records import PostedVoucher
from anju.money import Money
from anju.services.policy import policy_in_force
from anju.services.ports import SettlementChunkResult, UnitOfWork

SYSTEM_USER = "system:interest"


def rates_on(uow: UnitOfWork, day: date) -> InterestRates:
    """The deposit rates of the policy in force on `day`."""
    return rules.rates_on(policy_in_force(uow, day), day)


def posting_rules_on(uow: UnitOfWork, day: date) -> PostingRules:
    """What `uow.ledger.post(..., interest_rules=...)` needs from the policy in force on `day`."""
    return rules.posting_rules_of(policy_in_force(uow, day))


# --- one account -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterestView:
    """A member deposit account's buckets and the interest accrued since the last settlement."""

    account_no: str
    balance: Money
    current_year: Money  # 当年归集余额 GRZHDNGJYE
    carried: Money  # 上年结转余额 GRZHSNJZYE
    balance_days_current: int  # fen·days, up to (not including) as_of
    balance_days_carried: int
    accrued_interest: Money  # what closing on as_of would pay
    as_of: date
    last_settled_on: date | None


def interest_of(uow: UnitOfWork, account_no: str, as_of: date) -> InterestView:
    """The interest picture of one account on a day (counter enquiry, statements, SMS)."""
    record = uow.interest.account(account_no)
    state = rules.advance(record.state, as_of)
    return InterestView(
        account_no=record.account_no,
        balance=Money(state.balance_fen),
        current_year=Money(state.current_year_fen),
        carried=Money(state.carried_fen),
        balance_days_current=state.balance_days_current,
        balance_days_carried=state.balance_days_carried,
        accrued_interest=rules.closing_interest(record.state, as_of, rates_on(uow, as_of)),
        as_of=as_of,
        last_settled_on=state.settled_on,
    )


def closing_interest(uow: UnitOfWork, account_no: str, closing_date: date) -> Money:
    """Interest from the last settlement to the day before `closing_date` (Example 1c), at the
    rate in force on the closing date: what a closing withdrawal or a transfer out pays with
    the principal."""
    record = uow.interest.account(account_no)
    if record.status != "open":
        raise InterestRuleViolation("ledger_account_closed", account=account_no)
    return rules.closing_interest(record.state, closing_date, rates_on(uow, closing_date))


@dataclass(frozen=True, slots=True)
class ClosingPayout:
    principal: Money  # FSE: the balance paid out of the account
    interest: Money  # FSLXE: interest paid with it
    voucher: PostedVoucher | None  # None: nothing to pay (an empty account without interest)

    @property
    def total(self) -> Money:
        return self.principal + self.interest


def pay_out_closing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    account_no: str,
    bank: AccountRef,
    closing_date: date,
    source: str,
    source_ref: str,
    memo: str,
    business_type: str = BusinessType.CLOSING_WITHDRAWAL,
    kind: str = "closing_withdrawal",
    close_account: bool = True,
) -> ClosingPayout:
    """Pay out a member's whole balance with the interest since the last settlement (销户提取,
    or 外部转出 with business type 07): Dr 201 principal, Dr 41101 interest / Cr 101xx both.

    For the withdrawal and transfer slices, which check the case first. The products restart at
    the closing date (their interest is paid) and the ledger account is closed unless told not
    to. Runs in the caller's transaction; audited.
    """
    interest = closing_interest(uow, account_no, closing_date)
    principal = uow.ledger.balance(account_no)
    posted = None
    if (principal + interest).is_positive:
        draft = posting_rules.closing_payout(
            source=source,
            source_ref=source_ref,
            member_account_no=account_no,
            bank=bank,
            principal=principal,
            interest=interest,
            business_date=closing_date,
            value_date=closing_date,
            memo=memo,
            business_type=business_type,
            kind=kind,
        )
        posted = uow.ledger.post(
            draft,
            created_by=actor.username,
            branch_id=actor.branch_id,
            interest_rules=posting_rules_on(uow, closing_date),
        )
    uow.interest.clear_products(account_no, closing_date)
    if close_account:
        uow.ledger.close_account(account_no, closing_date)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "interest.closing_payout",
            "ledger_account",
            account_no,
            details={
                "voucher_no": posted.voucher_no if posted else None,
                "principal": str(principal),
                "interest": str(interest),
            },
        )
    )
    return ClosingPayout(principal, interest, posted)


# --- the annual settlement ---------------------------------------------------------------------


def settlement_memo(settlement_day: date) -> str:
    return f"年度结息（{InterestYear.containing(settlement_day).label()}）"


def check_settlement_day(day: date) -> None:
    """The settlement runs on 30 June only (rules.md §3.2)."""
    if not is_settlement_day(day):
        raise InterestRuleViolation("interest_not_settlement_day", date=day.isoformat())


def settle_accounts(
    uow: UnitOfWork,
    *,
    first_id: int,
    last_id: int,
    settlement_day: date,
    rates: InterestRates,
    created_by: str = SYSTEM_USER,
) -> SettlementChunkResult:
    """Settle the due accounts with ids in [first_id, last_id] (one batch chunk, one voucher)."""
    check_settlement_day(settlement_day)
    return uow.interest.settle_range(
        first_id,
        last_id,
        settlement_day=settlement_day,
        rates=rates,
        source_ref=f"{settlement_day.year}:{first_id}-{last_id}",
        memo=settlement_memo(settlement_day),
        created_by=created_by,
    )


# --- accrued interest (预提利息) ---------------------------------------------------------------


def _accrual_balance(uow: UnitOfWork) -> Money:
    return uow.ledger.single_account(GL.INTEREST_PAYABLE).balance


def accrue_interest(uow: UnitOfWork, day: date) -> str:
    """Month end (an end-of-day step): bring 211 interest payable to the interest accrued so far
    this interest year on every open member account (Dr 41101 / Cr 211, or back when it fell).
    The settlement releases it (`release_accrual`). Other days: nothing."""
    if day != YearMonth.of(day).last_day():
        return "非月末，无需计提"
    current, carried = uow.interest.balance_days_total(day + timedelta(days=1))
    target = Money.ZERO
    if current or carried:
        target = rules.interest_on(current, carried, rates_on(uow, day))
    difference = target - _accrual_balance(uow)
    if difference.is_zero:
        return f"应付利息余额 {target.format_cn()} 元，无需调整"
    memo = f"预提住房公积金利息（{YearMonth.of(day).label()}）"
    ref = day.isoformat()
    if difference.is_positive:
        draft = posting_rules.interest_accrual(
            source_ref=ref, amount=difference, business_date=day, memo=memo
        )
    else:
        draft = posting_rules.interest_accrual_release(
            source=posting_rules.INTEREST_ACCRUAL_SOURCE,
            source_ref=ref,
            amount=-difference,
            business_date=day,
            memo=memo,
        )
    uow.ledger.post(draft, created_by=SYSTEM_USER, branch_id=None, replay_ok=True)
    return f"计提利息 {difference.format_cn()} 元，应付利息余额 {target.format_cn()} 元"


def release_accrual(uow: UnitOfWork, settlement_day: date) -> Money:
    """At settlement the members are paid from 41101 directly: release what 211 holds (冲回预提)."""
    accrued = _accrual_balance(uow)
    if not accrued.is_positive:
        return Money.ZERO
    draft = posting_rules.interest_accrual_release(
        source=posting_rules.INTEREST_ACCRUAL_RELEASE_SOURCE,
        source_ref=str(settlement_day.year),
        amount=accrued,
        business_date=settlement_day,
        memo=f"冲回预提利息（{InterestYear.containing(settlement_day).label()}结息）",
    )
    uow.ledger.post(draft, created_by=SYSTEM_USER, branch_id=None, replay_ok=True)
    return accrued
