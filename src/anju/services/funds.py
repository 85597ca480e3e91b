"""Fund management (资金管理): deposit interest earned and bank fees on the centre's bank
accounts, booked from the bank's advice (its serial number is the idempotency key, so a
re-keyed advice posts once). Transfers between the centre's accounts (资金调拨) go through the
bank port: `anju.services.bank.submit_transfer`; balances per account: `books.bank_balances_report`.
"""

from __future__ import annotations

from anju.domain.accounting import AccountingRuleViolation
from anju.domain.bank import InstructionState
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import (
    GL,
    bank_fee,
    bank_interest_income,
    time_deposit_placement,
    time_deposit_withdrawal,
)
from anju.money import Money
from anju.services import bank
from anju.services.accounting_ports import PendingRefund, TimeDepositRecord
from anju.services.bank import InstructionView
from anju.services.calendar import current_business_date
from anju.services.ledger import VoucherView, get_voucher
from anju.services.ports import UnitOfWork


def _bank_code(uow: UnitOfWork, bank_account_no: str) -> tuple[str, bool]:
    for book in uow.accounting.bank_books():
        if book.bank_account_no == bank_account_no.strip() and book.status == "active":
            return book.gl_code, book.purpose == "value_added_income"
    raise AccountingRuleViolation("bank_book_not_found", account_no=bank_account_no[:30])


def _serial(serial_no: str) -> str:
    text = serial_no.strip()
    if not text:
        raise AccountingRuleViolation("required_field", field="银行流水号")
    if len(text) > 60:
        raise AccountingRuleViolation("text_too_long", field="银行流水号", max=60)
    return text


def record_deposit_interest(
    uow: UnitOfWork, actor: Actor, *, bank_account_no: str, amount: Money, serial_no: str
) -> VoucherView:
    """存款利息收入: Dr the account's 101xx (or 102) / Cr 40101 (or 40102)."""
    actor.require(Permission.ACCOUNTING_FUNDS)
    code, vai = _bank_code(uow, bank_account_no)
    serial = _serial(serial_no)
    draft = bank_interest_income(
        source_ref=f"interest:{bank_account_no.strip()}:{serial}",
        bank=AccountRef.gl(code),
        amount=amount,
        business_date=current_business_date(uow),
        memo=f"专户存款利息收入 {bank_account_no.strip()} 流水号 {serial}"[:255],
        vai_deposit=vai,
    )
    posted = uow.ledger.post(draft, created_by=actor.username, branch_id=actor.branch_id)
    uow.audit.append(
        AuditEvent.by(
            actor, "funds.deposit_interest", "voucher", posted.voucher_no, details={"amount": str(amount)}
        )
    )
    return get_voucher(uow, actor, posted.voucher_no)


def record_bank_fee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    bank_account_no: str,
    amount: Money,
    serial_no: str,
    loan_fee: bool = False,
) -> VoucherView:
    """银行手续费: Dr 41102 (collection) or 41103 (entrusted loans) / Cr the account's 101xx."""
    actor.require(Permission.ACCOUNTING_FUNDS)
    code, _ = _bank_code(uow, bank_account_no)
    serial = _serial(serial_no)
    draft = bank_fee(
        source_ref=f"fee:{bank_account_no.strip()}:{serial}",
        bank=AccountRef.gl(code),
        amount=amount,
        business_date=current_business_date(uow),
        memo=f"银行手续费 {bank_account_no.strip()} 流水号 {serial}"[:255],
        loan_fee=loan_fee,
    )
    posted = uow.ledger.post(draft, created_by=actor.username, branch_id=actor.branch_id)
    uow.audit.append(
        AuditEvent.by(actor, "funds.bank_fee", "voucher", posted.voucher_no, details={"amount": str(amount)})
    )
    return get_voucher(uow, actor, posted.voucher_no)


# --- suspense refunds (多缴退款) paid through the bank port ------------------------------------

REFUND_PURPOSE = "refund"
REFUND_SOURCE = "suspense_refund"


def pending_refunds(uow: UnitOfWork, actor: Actor) -> list[PendingRefund]:
    """Refunds collection has booked (Dr 21901 / Cr 21999) that the bank has not paid yet."""
    actor.require(Permission.LEDGER_VIEW)
    return uow.accounting.pending_refunds()


def pay_refund(
    uow: UnitOfWork, actor: Actor, case_no: str, *, from_account: str, payee_bank_code: str
) -> InstructionView:
    """Hand a booked refund to the bank (BDC101): Dr 21999 / Cr 21903 now, Dr 21903 / Cr 101xx
    when the bank confirms (ADR 0010). Keyed by the refund's case number, so asking twice
    returns the same instruction and the refund is paid once; after a refusal by the bank it
    can be asked again (a new key, case#2)."""
    actor.require(Permission.ACCOUNTING_FUNDS)
    refund = uow.accounting.pending_refund(case_no.strip())
    if refund is None:
        raise AccountingRuleViolation("refund_not_pending", case_no=case_no[:30])
    view = bank.submit_payment(
        uow,
        actor,
        purpose=REFUND_PURPOSE,
        amount=refund.amount,
        payee_account_no=refund.payee_account_no,
        payee_name=refund.payee_name,
        payee_bank_code=payee_bank_code,
        source_ref=_refund_ref(uow, refund.case_no),
        source=REFUND_SOURCE,
        debit_account=from_account,
        charge=AccountRef.gl(GL.PENDING_REFUNDS),
        ref_account_no=refund.unit_account_no,
        memo=f"{refund.unit_name} 多缴退款",
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "funds.pay_refund",
            "case",
            refund.case_no,
            details={"e2e_id": view.e2e_id, "amount": str(refund.amount)},
        )
    )
    return view


def _refund_ref(uow: UnitOfWork, case_no: str) -> str:
    """The instruction key: the case number, or case#2, #3 ... after instructions the bank
    refused (a failure's reversal put the money back in 21999, so the refund is paid again)."""
    ref, attempt = case_no, 1
    while True:
        existing = uow.bank.instruction_by_source(REFUND_SOURCE, ref)
        if existing is None or existing.state != InstructionState.FAILED:
            return ref
        attempt += 1
        ref = f"{case_no}#{attempt}"


def _refund_outcome(uow: UnitOfWork, view: InstructionView) -> None:
    """The bank paid a refund: mark it paid (a failure reversed the submission: still pending)."""
    if view.source == REFUND_SOURCE and view.state == InstructionState.SUCCEEDED:
        case_no = view.source_ref.partition("#")[0]
        uow.accounting.mark_refund_paid(case_no, view.settle_voucher_no or "")


bank.on_instruction_final(REFUND_PURPOSE, _refund_outcome)


# --- time and notice deposits (定期、通知存款) ----------------------------------------------------

DEPOSIT_KINDS = {"time": "定期存款", "notice": "通知存款"}


def _time_leaf(uow: UnitOfWork, bank_account_no: str) -> str:
    """The 101xx leaf holding the deposits placed from a centre account (opened the first time)."""
    code = uow.accounting.time_deposit_leaf(bank_account_no)
    if code is not None:
        return code
    record = uow.org.centre_bank_account_by_no(bank_account_no)
    if record is None:
        raise AccountingRuleViolation("bank_book_not_found", account_no=bank_account_no[:30])
    leaf = uow.ledger.add_bank_deposit_account(
        label=f"{record.account_name}（定期及通知存款）",
        owner_id=record.id,
        branch_id=record.branch_id,
        opened_on=current_business_date(uow),
        floor=Money.ZERO,
    )
    uow.accounting.add_time_deposit_leaf(bank_account_no, leaf.gl_code)
    return leaf.gl_code


def place_time_deposit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    bank_account_no: str,
    deposit_no: str,
    kind: str,
    amount: Money,
    rate: str,
    term_months: int | None = None,
) -> TimeDepositRecord:
    """存入: from the bank's advice (its certificate number is the key), move money from the
    current account's book into its time-deposit leaf."""
    actor.require(Permission.ACCOUNTING_FUNDS)
    if kind not in DEPOSIT_KINDS:
        raise AccountingRuleViolation("required_field", field="存款种类")
    number = _serial(deposit_no)
    current, _ = _bank_code(uow, bank_account_no)
    leaf = _time_leaf(uow, bank_account_no.strip())
    day = current_business_date(uow)
    posted = uow.ledger.post(
        time_deposit_placement(
            source_ref=f"td:{number}",
            current=AccountRef.gl(current),
            time=AccountRef.gl(leaf),
            amount=amount,
            business_date=day,
            memo=f"{DEPOSIT_KINDS[kind]}存入 {number}",
        ),
        created_by=actor.username,
        branch_id=actor.branch_id,
    )
    record = TimeDepositRecord(
        deposit_no=number,
        bank_account_no=bank_account_no.strip(),
        kind=kind,
        principal=amount,
        rate=rate.strip()[:12] or "0",
        term_months=term_months,
        placed_on=day,
        placed_voucher_no=posted.voucher_no,
        state="placed",
    )
    uow.accounting.add_time_deposit(record)
    uow.audit.append(
        AuditEvent.by(
            actor, "funds.place_time_deposit", "time_deposit", number, details={"amount": str(amount)}
        )
    )
    return record


def draw_time_deposit(
    uow: UnitOfWork, actor: Actor, *, deposit_no: str, interest: Money
) -> TimeDepositRecord:
    """支取: the principal back to the current account, the bank's interest to 40101."""
    actor.require(Permission.ACCOUNTING_FUNDS)
    record = uow.accounting.get_time_deposit(deposit_no.strip())
    if record is None or record.state != "placed":
        raise AccountingRuleViolation("time_deposit_not_placed", deposit_no=deposit_no[:40])
    if interest.fen < 0:
        raise AccountingRuleViolation("amount_must_be_positive")
    current, vai = _bank_code(uow, record.bank_account_no)
    leaf = _time_leaf(uow, record.bank_account_no)
    day = current_business_date(uow)
    posted = uow.ledger.post(
        time_deposit_withdrawal(
            source_ref=f"td-draw:{record.deposit_no}",
            current=AccountRef.gl(current),
            time=AccountRef.gl(leaf),
            principal=record.principal,
            interest=interest,
            business_date=day,
            memo=f"{DEPOSIT_KINDS.get(record.kind, '')}支取 {record.deposit_no}",
            vai_deposit=vai,
        ),
        created_by=actor.username,
        branch_id=actor.branch_id,
    )
    if not uow.accounting.mark_time_deposit_drawn(
        record.deposit_no, drawn_on=day, interest=interest, voucher_no=posted.voucher_no
    ):
        raise AccountingRuleViolation("time_deposit_not_placed", deposit_no=record.deposit_no)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "funds.draw_time_deposit",
            "time_deposit",
            record.deposit_no,
            details={"interest": str(interest)},
        )
    )
    drawn = uow.accounting.get_time_deposit(record.deposit_no)
    assert drawn is not None
    return drawn


def list_time_deposits(uow: UnitOfWork, actor: Actor, *, state: str | None = None) -> list[TimeDepositRecord]:
    actor.require(Permission.REPORTS_VIEW)
    return uow.accounting.list_time_deposits(state=state)
