"""Loan repayments (还款): bank deduction, 冲还贷 from fund accounts, prepayment, settlement, and
the batch work (deduction, classification) — rules.md §5.6–5.10.

Every repayment goes the same way: what is due on the day is read from the stored schedule,
penalty interest is added for overdue instalments, the payment is allocated penalty → overdue
interest → overdue principal → current interest → current principal (domain.loans.delinquency),
one voucher books it (principal off the loan account 121, interest and penalty to 40103), the
instalments record what they received and the loan business detail (贷款业务明细) one line.
A loan whose account reaches zero is settled (结清) and its persons are released.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from anju.domain.loans.delinquency import (
    Allocation,
    Classification,
    Component,
    PenaltyTerms,
    RiskTier,
    UnpaidInstalment,
    allocate_payment,
    classify,
    days_past_due,
    overdue_days,
    penalty_interest,
)
from anju.domain.loans.limit import LoanRuleViolation
from anju.domain.loans.schedule import PrepaymentOption, prepay_partial, reprice, settle_in_full
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ledger.chart import AccountKind
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import (
    GL,
    BusinessType,
    SubledgerSpec,
    loan_overdue_transfer,
    loan_repayment,
    loan_write_off,
)
from anju.money import Money, total
from anju.services import bank, cases, policy
from anju.services.calendar import current_business_date
from anju.services.loan_ports import InstalmentRecord, LoanRecord
from anju.services.loans import (
    LoanState,
    approval_threshold,
    load,
    outstanding_of,
    schedule_rows,
    stored_schedule,
)
from anju.services.ports import UnitOfWork

REPAYMENT_PURPOSE: Final = "loan_repayment"
OVERDUE_ACCOUNT: Final = SubledgerSpec(GL.OVERDUE_LOANS, AccountKind.LOAN, Money.ZERO)  # 逾期贷款分户
BATCH_PURPOSE: Final = "batch_loan_repayment"
DEDUCTION_CHUNK: Final = 20_000


@dataclass(frozen=True, slots=True)
class RepaymentView:
    loan_no: str
    amount: Money
    principal: Money
    interest: Money
    penalty: Money
    unapplied: Money
    voucher_no: str | None
    settled: bool


def penalty_to(r: InstalmentRecord, day: date, terms: PenaltyTerms) -> Money:
    """罚息 accrued on one instalment up to `day` (逾期登记, rules.md §5.9).

    Penalty accrues by periods over which what is owed stays the same: the register keeps the
    total of the closed periods (`penalty_accrued`) and the day the open one began; a payment
    that reduces the instalment's principal or interest closes the period on its day. Each
    period is round(base × rate × multiplier / 360 × days) once, so with no partial payment the
    figure is exactly the one-shot formula of Example 4, and after one it is charged only on
    what was still owed. Collected cash basis: nothing is booked until it is paid.
    """
    item = UnpaidInstalment(r.instalment_no, r.due_date, r.owed_principal, r.owed_interest)
    running = penalty_interest(
        item, on=day, contract_rate=r.annual_rate, terms=terms, since=r.penalty_accrued_to
    )
    return r.penalty_accrued + running


def _unpaid(
    rows: list[InstalmentRecord], day: date, terms: PenaltyTerms
) -> tuple[list[UnpaidInstalment], UnpaidInstalment | None]:
    """(overdue instalments with their penalty still owed, the instalment due today) on `day`."""
    overdue: list[UnpaidInstalment] = []
    current: UnpaidInstalment | None = None
    for r in rows:
        if r.settled_on is not None or r.due_date > day:
            continue
        if r.due_date == day:
            current = UnpaidInstalment(r.instalment_no, r.due_date, r.owed_principal, r.owed_interest)
            continue
        penalty = max(penalty_to(r, day, terms) - r.paid_penalty, Money.ZERO)
        overdue.append(
            UnpaidInstalment(r.instalment_no, r.due_date, r.owed_principal, r.owed_interest, penalty)
        )
    return overdue, current


@dataclass(frozen=True, slots=True)
class OverdueLine:
    """One line of the overdue register (逾期登记, JGJ/T 320 table 6.0.7) on a day."""

    instalment_no: int
    due_date: date
    days: int
    principal: Money  # overdue principal still owed
    interest: Money  # overdue interest still owed
    penalty_accrued: Money  # 罚息 accrued since the due date
    penalty_paid: Money
    paid_principal: Money
    paid_interest: Money

    @property
    def penalty(self) -> Money:
        return max(self.penalty_accrued - self.penalty_paid, Money.ZERO)

    @property
    def owed(self) -> Money:
        return self.principal + self.interest + self.penalty


def overdue_register(
    uow: UnitOfWork, actor: Actor, loan_no: str, day: date | None = None
) -> list[OverdueLine]:
    """The overdue register of a loan on `day` (default: the business date): per overdue
    instalment what is owed, the penalty accrued and paid, and the days past due. Its total is
    exactly what a repayment on that day collects before the current instalment."""
    actor.require(Permission.LOAN_VIEW)
    record = load(uow, loan_no)
    actor.require_branch(record.branch_id)
    on = day or current_business_date(uow)
    terms = PenaltyTerms.of(policy.policy_in_force(uow, on).loan)
    return [
        OverdueLine(
            r.instalment_no,
            r.due_date,
            overdue_days(r.due_date, on, grace_days=terms.grace_days),
            r.owed_principal,
            r.owed_interest,
            penalty_to(r, on, terms),
            r.paid_penalty,
            r.paid_principal,
            r.paid_interest,
        )
        for r in uow.loans.overdue_instalments([record.id], on)
    ]


def owed_on(uow: UnitOfWork, record: LoanRecord, day: date) -> Money:
    """Everything due on `day`: overdue instalments with penalty, and the instalment due today."""
    terms = PenaltyTerms.of(policy.policy_in_force(uow, day).loan)
    overdue, current = _unpaid(uow.loans.instalments(record.id), day, terms)
    return total([i.owed for i in overdue] + ([current.owed] if current else []))


def _per_instalment(allocation: Allocation) -> dict[int, dict[str, Money]]:
    parts: dict[int, dict[str, Money]] = defaultdict(
        lambda: {"principal": Money.ZERO, "interest": Money.ZERO, "penalty": Money.ZERO}
    )
    for line in allocation.lines:
        if line.component is Component.PENALTY:
            key = "penalty"
        elif line.component in (Component.OVERDUE_INTEREST, Component.CURRENT_INTEREST):
            key = "interest"
        else:
            key = "principal"
        parts[line.instalment_no][key] += line.amount
    return parts


def apply_repayment(
    uow: UnitOfWork,
    actor: Actor,
    record: LoanRecord,
    *,
    amount: Money,
    funding: AccountRef,
    source_ref: str,
    day: date,
    txn_type: str,
    memo: str,
    funding_business_type: str | None = None,
) -> RepaymentView:
    """Allocate and book a payment against what is due on `day` (the one repayment path).

    Money beyond what is due is not applied to the loan: it goes to 21999 other payables to be
    refunded (a prepayment is a separate, explicit request). Idempotent on `source_ref`.
    """
    assert record.ledger_account_no is not None
    done = uow.loans.txn_by_ref(record.id, source_ref)
    if done is not None:  # the same money again (a redelivered bank result): booked once
        return RepaymentView(
            record.loan_no,
            done.amount,
            done.principal,
            done.interest,
            done.penalty,
            Money.ZERO,
            done.voucher_no,
            False,
        )
    terms = PenaltyTerms.of(policy.policy_in_force(uow, day).loan)
    rows = uow.loans.instalments(record.id)
    overdue, current = _unpaid(rows, day, terms)
    if not overdue and current is None:
        allocation = Allocation(amount, (), (), None, amount)
    else:
        allocation = allocate_payment(amount, overdue, current)
    principal = allocation.amount_of(Component.OVERDUE_PRINCIPAL) + allocation.amount_of(
        Component.CURRENT_PRINCIPAL
    )
    penalty = allocation.amount_of(Component.PENALTY)
    interest = allocation.amount_of(Component.OVERDUE_INTEREST) + allocation.amount_of(
        Component.CURRENT_INTEREST
    )
    owed = {r.instalment_no: r for r in rows}
    parts = _per_instalment(allocation)
    # Principal of an instalment already moved to 122 (逾期转列) is repaid out of 122 first.
    from_overdue = {n: min(p["principal"], owed[n].overdue) for n, p in parts.items()}
    overdue_principal = total(list(from_overdue.values()))
    draft = loan_repayment(
        source_ref=f"{record.loan_no}:{source_ref}",
        funding=funding,
        loan_account_no=record.ledger_account_no,
        principal=principal,
        interest=interest + penalty,
        business_date=day,
        memo=f"{memo} {record.loan_no}"[:255],
        funding_business_type=funding_business_type,
        unapplied=allocation.unapplied,
        overdue_principal=overdue_principal,
        overdue_account_no=record.overdue_account_no,
    )
    voucher = uow.ledger.post(draft, created_by=actor.username, branch_id=record.branch_id)
    updates = []
    for number, part in parts.items():
        row = owed[number]
        paid_off = part["principal"] == row.owed_principal and part["interest"] == row.owed_interest
        settled_on = day if paid_off else None
        updates.append(
            {"instalment_no": number, **part, "from_overdue": from_overdue[number], "settled_on": settled_on}
        )
    # What an overdue instalment owes changes now: its penalty period closes today.
    closing = [
        (n, penalty_to(owed[n], day, terms), day)
        for n, part in parts.items()
        if overdue_days(owed[n].due_date, day, grace_days=terms.grace_days)
        and (part["principal"].is_positive or part["interest"].is_positive)
    ]
    uow.loans.close_penalty_periods(record.id, closing)
    uow.loans.record_payments(record.id, updates)
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": "04" if overdue else txn_type,
            "business_date": day,
            "amount": amount,
            "principal": principal,
            "interest": interest,
            "penalty": penalty,
            "voucher_no": voucher.voucher_no,
            "source_ref": source_ref,
            "memo": memo[:200],
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    settled = _after_payment(uow, record, day)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.repay",
            "loan",
            record.loan_no,
            details={"amount": str(amount), "voucher_no": voucher.voucher_no},
        )
    )
    return RepaymentView(
        record.loan_no,
        amount,
        principal,
        interest,
        penalty,
        allocation.unapplied,
        voucher.voucher_no,
        settled,
    )


def effective_tier(record: LoanRecord, automatic: RiskTier) -> str:
    """The class in force: the automatic one, or a manual override (人工调整) if that is worse.
    An override holds until it is lifted through the same maker-checker (loan_servicing)."""
    override = RiskTier(record.override_tier) if record.override_tier else None
    return Classification(automatic, override, record.override_reason or "").effective.value


def _after_payment(uow: UnitOfWork, record: LoanRecord, day: date) -> bool:
    """Reclassify on every repayment (rules.md §5.10); settle when the account is at zero."""
    assert record.ledger_account_no is not None
    loan_policy = policy.policy_in_force(uow, day).loan
    rows = uow.loans.instalments(record.id)
    unpaid = [
        UnpaidInstalment(r.instalment_no, r.due_date, r.owed_principal, r.owed_interest)
        for r in rows
        if r.settled_on is None and r.due_date <= day
    ]
    dpd = days_past_due(unpaid, day, grace_days=loan_policy.grace_days.value)
    tier = effective_tier(record, classify(dpd, loan_policy.classification).automatic)
    values: dict[str, object] = {"days_past_due": dpd, "risk_tier": tier}
    settled = outstanding_of(uow, record).is_zero
    if settled:
        values.update(state=LoanState.SETTLED, settled_on=day)
        uow.loans.release_parties(record.id)
    uow.loans.update_loan(record.id, values, uow.now_utc())
    return settled


# --- bank deduction (贷款扣款) ------------------------------------------------------------------


def loan_receipt(uow: UnitOfWork, actor: Actor, settlement: bank.ReceiptSettlement) -> str | None:
    """Book money the bank deducted for a loan (single BDC102 or an item of a BDC104 batch)."""
    record = uow.loans.loan(settlement.ref_account_no, for_update=True)
    if record is None or record.ledger_account_no is None:
        raise LoanRuleViolation("loan_receipt_unknown_loan", loan_no=settlement.ref_account_no)
    account = bank.centre_account(uow, settlement.centre_account_no)
    assert account.ledger_account_no is not None
    view = apply_repayment(
        uow,
        actor,
        record,
        amount=settlement.amount,
        funding=AccountRef.ledger(account.ledger_account_no),
        source_ref=f"bank:{settlement.serial}",
        day=settlement.received_on,
        txn_type="02",
        memo="银行扣款还贷",
    )
    return view.voucher_no


for _purpose in (REPAYMENT_PURPOSE, BATCH_PURPOSE):
    bank.register_receipt_handler(_purpose, loan_receipt)


@dataclass(frozen=True, slots=True)
class DeductionRun:
    day: date
    loans: int
    amount: Money
    instructions: tuple[str, ...]


def submit_deductions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    centre_account_no: str,
    day: date | None = None,
    chunk: int = DEDUCTION_CHUNK,
) -> DeductionRun:
    """每日批量扣款: one BDC104 batch receipt per chunk of loans with principal or interest due
    and unpaid up to the day (set-based: the owed amounts are summed in SQL, keyset by id).
    Idempotent per day and chunk start: running it twice queues nothing new."""
    on = day or current_business_date(uow)
    after, count, amount, e2e = 0, 0, Money.ZERO, []
    while True:
        due = uow.loans.due_loans(on, after_id=after, limit=chunk)
        if not due:
            break
        instruction = bank.submit_batch_receipt(
            uow,
            actor,
            purpose=BATCH_PURPOSE,
            credit_account=centre_account_no,
            items=[
                bank.BatchReceiptItem(
                    amount=d.owed,
                    payer_account_no=d.repayment_account_no,
                    payer_name="借款人",
                    ref_account_no=d.loan_no,
                    summary="贷款扣款",
                )
                for d in due
            ],
            source_ref=f"loan-deduction:{on.isoformat()}:{due[0].loan_id}",
        )
        e2e.append(instruction.e2e_id)
        count += len(due)
        amount += total([d.owed for d in due])
        after = due[-1].loan_id
    return DeductionRun(on, count, amount, tuple(e2e))


# --- 冲还贷: from the borrower's and the spouse's fund accounts --------------------------------


def repay_from_fund(
    uow: UnitOfWork, actor: Actor, loan_no: str, *, day: date | None = None
) -> RepaymentView | None:
    """Pay what is due from the borrower's fund account, then the spouse's, under a signed
    offset agreement (冲还贷). None when nothing is due or the accounts are empty."""
    record = load(uow, loan_no, for_update=True)
    if record.state != LoanState.ACTIVE:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    if not record.offset_agreement:
        raise LoanRuleViolation("loan_offset_agreement_missing", loan_no=record.loan_no)
    on = day or current_business_date(uow)
    result: RepaymentView | None = None
    for account_no in (record.borrower_account_no, record.co_borrower_account_no):
        if account_no is None:
            continue
        owed = owed_on(uow, record, on)
        member = uow.members.account(account_no)
        if not owed.is_positive or member is None:
            break
        pay = min(owed, uow.ledger.balance(member.ledger_account_no))
        if not pay.is_positive:
            continue
        result = apply_repayment(
            uow,
            actor,
            record,
            amount=pay,
            funding=AccountRef.ledger(member.ledger_account_no),
            funding_business_type=BusinessType.PARTIAL_WITHDRAWAL,
            source_ref=f"fund:{on.isoformat()}:{account_no}",
            day=on,
            txn_type="05",
            memo="公积金冲还贷",
        )
    return result


def repay_from_fund_now(uow: UnitOfWork, actor: Actor, loan_no: str) -> RepaymentView:
    """冲还贷 at the counter: what is due today from the fund accounts, or `loan_nothing_due`."""
    actor.require(Permission.LOAN_MANAGE)
    view = repay_from_fund(uow, actor, loan_no)
    if view is None:
        raise LoanRuleViolation("loan_nothing_due", loan_no=loan_no[:20])
    return view


# --- prepayment (提前还款) and settlement (结清) ------------------------------------------------


def _funding(
    uow: UnitOfWork, record: LoanRecord, centre_account_no: str | None
) -> tuple[AccountRef, str | None]:
    """Money paid in at a centre bank account, or else the borrower's own fund account."""
    if centre_account_no:
        account = bank.centre_account(uow, centre_account_no)
        assert account.ledger_account_no is not None
        return AccountRef.ledger(account.ledger_account_no), None
    member = uow.members.account(record.borrower_account_no)
    assert member is not None
    return AccountRef.ledger(member.ledger_account_no), BusinessType.PARTIAL_WITHDRAWAL


def prepay(
    uow: UnitOfWork,
    actor: Actor,
    loan_no: str,
    *,
    amount: Money | None,
    option: PrepaymentOption = PrepaymentOption.LOWER_INSTALMENT,
    centre_account_no: str | None = None,
    request_ref: str,
) -> RepaymentView:
    """部分 / 全部提前还款 (rules.md §5.7). `amount` None settles in full. Instalments already due
    must be paid first. The new schedule replaces the stored rows after the day."""
    actor.require(Permission.LOAN_MANAGE)
    if amount is not None and not amount.is_positive:
        raise LoanRuleViolation("amount_must_be_positive")
    record = load(uow, loan_no, for_update=True)
    if record.state != LoanState.ACTIVE:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    assert record.ledger_account_no is not None
    day = current_business_date(uow)
    rows = uow.loans.instalments(record.id)
    if any(r.settled_on is None and r.due_date <= day for r in rows):
        raise LoanRuleViolation("loan_prepayment_arrears", loan_no=record.loan_no)
    schedule = stored_schedule(record, rows)
    funding, business_type = _funding(uow, record, centre_account_no)
    if amount is None:
        full = settle_in_full(schedule, on=day)
        principal, interest, paid = full.principal, full.accrued_interest, full.amount
        first_open = next(r.instalment_no for r in rows if r.due_date > day)
        new_rows: list[dict[str, object]] = []
        level = record.level
    else:
        part = prepay_partial(schedule, on=day, amount=amount, option=option)
        principal, interest, paid = part.principal, part.accrued_interest, part.amount
        tail = part.after.due_after(day)
        first_open = tail[0].instalment_no
        new_rows = schedule_rows(tail)
        level = part.after.level
    voucher = uow.ledger.post(
        loan_repayment(
            source_ref=f"{record.loan_no}:prepay:{request_ref}",
            funding=funding,
            loan_account_no=record.ledger_account_no,
            principal=principal,
            interest=interest,
            business_date=day,
            memo=f"{'全部' if amount is None else '部分'}提前还款 {record.loan_no}",
            funding_business_type=business_type,
        ),
        created_by=actor.username,
        branch_id=record.branch_id,
    )
    uow.loans.replace_instalments(record.id, first_open, new_rows)
    uow.loans.update_loan(record.id, {"level": level}, uow.now_utc())
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": "06" if amount is None else "03",
            "business_date": day,
            "amount": paid,
            "principal": principal,
            "interest": interest,
            "penalty_fen": 0,
            "voucher_no": voucher.voucher_no,
            "source_ref": f"prepay:{request_ref}",
            "memo": "全部提前还款（结清）" if amount is None else f"部分提前还款，{option.label}",
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    settled = _after_payment(uow, record, day)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.prepay",
            "loan",
            record.loan_no,
            details={"amount": str(paid), "full": amount is None},
        )
    )
    return RepaymentView(
        record.loan_no, paid, principal, interest, Money.ZERO, Money.ZERO, voucher.voucher_no, settled
    )


# --- batch work (batch/loan_jobs.py) -------------------------------------------------------------


def default_loan_bank_account(uow: UnitOfWork) -> str:
    """The centre's first active loan account (贷款专户): where deductions are credited."""
    for account in uow.org.list_centre_bank_accounts():
        if account.purpose == "loan" and account.status == "active" and account.ledger_account_no:
            return account.account_no
    raise LoanRuleViolation("loan_bank_account_missing")


def submit_deduction_chunk(
    uow: UnitOfWork, actor: Actor, *, day: date, first_id: int, last_id: int, centre_account_no: str
) -> int:
    """One BDC104 batch for the loans with ids in [first_id, last_id] that owe money on `day`."""
    due = uow.loans.due_loans(day, after_id=first_id - 1, limit=bank.MAX_BATCH_ITEMS, until_id=last_id)
    if not due:
        return 0
    bank.submit_batch_receipt(
        uow,
        actor,
        purpose=BATCH_PURPOSE,
        credit_account=centre_account_no,
        items=[
            bank.BatchReceiptItem(d.owed, d.repayment_account_no, "借款人", d.loan_no, "贷款扣款")
            for d in due
        ],
        source_ref=f"loan-deduction:{day.isoformat()}:{first_id}",
    )
    return len(due)


def transfer_overdue(uow: UnitOfWork, actor: Actor, loan_ids: list[int], day: date) -> int:
    """逾期转列: the unpaid principal of instalments overdue past the grace days moves from the
    loan account (121) to the loan's overdue account (122, opened the first time), one voucher
    per loan and day; the instalments remember how much of their principal sits in 122."""
    grace = policy.policy_in_force(uow, day).loan.grace_days.value
    due = uow.loans.overdue_due(loan_ids, day - timedelta(days=grace))
    by_loan: dict[int, list[tuple[int, Money]]] = defaultdict(list)
    for loan_id, number, amount in due:
        by_loan[loan_id].append((number, amount))
    if not by_loan:
        return 0
    ids = sorted(loan_ids)
    numbers = dict(zip(ids, uow.loans.loan_nos(ids), strict=True))
    for loan_id, rows in by_loan.items():
        record = load(uow, numbers[loan_id], for_update=True)
        assert record.ledger_account_no is not None
        account_no = record.overdue_account_no or uow.ledger.open_account(
            OVERDUE_ACCOUNT.gl_code,
            OVERDUE_ACCOUNT.kind,
            owner_type="loan",
            owner_id=record.id,
            branch_id=record.branch_id,
            floor=OVERDUE_ACCOUNT.floor,
            opened_on=day,
        )
        if record.overdue_account_no is None:
            uow.loans.update_loan(record.id, {"overdue_account_no": account_no}, uow.now_utc())
        uow.ledger.post(
            loan_overdue_transfer(
                source_ref=f"{record.loan_no}:{day.isoformat()}",
                loan_account_no=record.ledger_account_no,
                overdue_account_no=account_no,
                amount=total([amount for _no, amount in rows]),
                business_date=day,
            ),
            created_by=actor.username,
            branch_id=record.branch_id,
        )
        uow.loans.add_overdue(loan_id, rows)
    return len(by_loan)


def classify_loans(uow: UnitOfWork, loan_ids: list[int], day: date) -> None:
    """五级分类 by days past due of the oldest unpaid instalment, set-based per chunk (up and down)."""
    loan_policy = policy.policy_in_force(uow, day).loan
    grace = loan_policy.grace_days.value
    oldest = uow.loans.oldest_unpaid(loan_ids, day)
    rows = []
    for loan_id in loan_ids:
        due = oldest.get(loan_id)
        days = 0 if due is None else (day - due).days
        dpd = days if days > grace else 0
        rows.append((loan_id, dpd, classify(dpd, loan_policy.classification).effective.value))
    uow.loans.set_classification(rows, uow.now_utc())


def record_schedule_change(
    uow: UnitOfWork, actor: Actor, record: LoanRecord, *, txn_type: str, day: date, source_ref: str, memo: str
) -> None:
    """A loan detail line (贷款业务明细) for a change of the schedule that moves no money:
    repricing (10), term extension (07) or shortening (08)."""
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": txn_type,
            "business_date": day,
            "amount": Money.ZERO,
            "principal": Money.ZERO,
            "interest": Money.ZERO,
            "penalty": Money.ZERO,
            "voucher_no": None,
            "source_ref": source_ref,
            "memo": memo[:200],
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )


def reprice_loan(uow: UnitOfWork, actor: Actor, loan_no: str, day: date) -> bool:
    """1 January repricing (rules.md §5.5): a loan longer than the policy minimum takes the rate
    in force on `day` from its first instalment due on or after it; True if the rate changed."""
    record = load(uow, loan_no, for_update=True)
    loan_policy = policy.policy_in_force(uow, day).loan
    if record.state != LoanState.ACTIVE or not loan_policy.reprices(record.term_months):
        return False
    rows = uow.loans.instalments(record.id)
    ahead = [r for r in rows if r.due_date >= day and r.settled_on is None]
    if not ahead:
        return False
    new_rate = loan_policy.rate_on(day, first_home=record.first_home, term_months=record.term_months)
    if ahead[0].annual_rate == new_rate:
        return False
    after = reprice(stored_schedule(record, rows), effective=day, new_rate=new_rate)
    uow.loans.replace_instalments(
        record.id, ahead[0].instalment_no, schedule_rows(after.due_after(day - _ONE_DAY))
    )
    uow.loans.update_loan(record.id, {"annual_rate": new_rate, "level": after.level}, uow.now_utc())
    record_schedule_change(
        uow,
        actor,
        record,
        txn_type="10",
        day=day,
        source_ref=f"reprice:{day.isoformat()}",
        memo=f"利率调整为 {new_rate.as_percent()}%，自 {day.isoformat()} 起",
    )
    uow.audit.append(
        AuditEvent.by(actor, "loan.reprice", "loan", record.loan_no, details={"rate": new_rate.as_percent()})
    )
    return True


_ONE_DAY: Final = timedelta(days=1)


# --- write-off (核销, rules.md §5.11) ------------------------------------------------------------

WRITE_OFF_KIND: Final = "loan_write_off"
cases.register_case_kind(WRITE_OFF_KIND, "贷款核销", managed_at="贷款业务（/loans）")


def write_off_case(uow: UnitOfWork, loan_no: str) -> cases.CaseView | None:
    """The loan's latest write-off case (核销办件), if any: shown on the loan page."""
    case_no = _write_off_case(uow, loan_no)
    return None if case_no is None else cases.get_case(uow, Actor.system("loans"), case_no, permission=None)


def _write_off_case(uow: UnitOfWork, loan_no: str) -> str | None:
    found = uow.cases.search(
        branch_id=None, state=None, kind=WRITE_OFF_KIND, subject_ref=loan_no, limit=1, offset=0
    )
    return found[0].case_no if found else None


def request_write_off(uow: UnitOfWork, actor: Actor, loan_no: str, reason: str) -> cases.CaseView:
    """提出核销: only a loss-tier (损失) loan; a case the approvers decide (maker ≠ checker ≠
    approver, a second approver above the policy threshold), carried out by `write_off`."""
    actor.require(Permission.LOAN_MANAGE)
    if not reason.strip():
        raise LoanRuleViolation("required_field", field="核销原因")
    record = load(uow, loan_no, for_update=True)
    if record.state != LoanState.ACTIVE or record.ledger_account_no is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    if record.risk_tier != RiskTier.LOSS.value:
        raise LoanRuleViolation(
            "loan_write_off_not_allowed", loan_no=record.loan_no, tier=RiskTier(record.risk_tier).label
        )
    existing = _write_off_case(uow, record.loan_no)
    if existing is not None:
        case = cases.get_case(uow, actor, existing, permission=None)
        if case.state not in ("returned", "refused"):
            return case
    return cases.open_case(
        uow,
        actor,
        kind=WRITE_OFF_KIND,
        channel="counter",
        subject_type="loan",
        subject_ref=record.loan_no,
        summary=f"贷款核销：{reason.strip()[:300]}",
        amount=outstanding_of(uow, record),
        branch_id=record.branch_id,
    )


def decide_write_off(
    uow: UnitOfWork, actor: Actor, loan_no: str, action: str, reason: str | None = None
) -> cases.CaseView:
    case_no = _write_off_case(uow, loan_no.strip())
    if case_no is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=loan_no[:20], state="未提出核销")
    return cases.advance_case(
        uow,
        actor,
        case_no,
        action,
        reason,
        second_approval_threshold=approval_threshold(uow),
        decision_permission=Permission.LOAN_APPROVE,
        finish_permission=Permission.LOAN_APPROVE,
    )


def write_off(uow: UnitOfWork, actor: Actor, loan_no: str) -> RepaymentView:
    """核销 once approved: the balance is charged to the loan risk reserve (Dr 301 / Cr 121); the
    claim stays on file (账销案存) and the persons' loan is closed."""
    record = load(uow, loan_no, for_update=True)
    if record.state != LoanState.ACTIVE or record.ledger_account_no is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    case_no = _write_off_case(uow, record.loan_no)
    if case_no is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state="未提出核销")
    decide_write_off(uow, actor, record.loan_no, "finish")  # refuses unless approved (and second-approved)
    day = current_business_date(uow)
    current = uow.ledger.balance(record.ledger_account_no)
    overdue = uow.ledger.balance(record.overdue_account_no) if record.overdue_account_no else Money.ZERO
    balance = current + overdue
    voucher = uow.ledger.post(
        loan_write_off(
            source_ref=record.loan_no,
            loan_account_no=record.ledger_account_no,
            amount=current,
            business_date=day,
            memo=f"贷款核销 {record.loan_no}（办件 {case_no}）",
            overdue_account_no=record.overdue_account_no,
            overdue_amount=overdue,
        ),
        created_by=actor.username,
        branch_id=record.branch_id,
    )
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": "09",
            "business_date": day,
            "amount": balance,
            "principal": balance,
            "interest": Money.ZERO,
            "penalty": Money.ZERO,
            "voucher_no": voucher.voucher_no,
            "source_ref": f"write-off:{case_no}",
            "memo": "核销（账销案存）",
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    uow.loans.update_loan(record.id, {"state": LoanState.WRITTEN_OFF}, uow.now_utc())
    uow.loans.release_parties(record.id)
    uow.audit.append(
        AuditEvent.by(actor, "loan.write_off", "loan", record.loan_no, details={"amount": str(balance)})
    )
    return RepaymentView(
        record.loan_no, balance, balance, Money.ZERO, Money.ZERO, Money.ZERO, voucher.voucher_no, False
    )
