"""Bank settlement (银行结算): sign-in, and the outbox of payments, receipts and transfers.

Money enters and leaves the centre only through its special accounts (专户), by instructions to
the bank-settlement platform (interfaces.md §2). The rules this module keeps:

* **Persist before send.** An instruction is written (state `pending`) in the transaction that
  asked for it; before each send the dispatcher commits `unknown` and the send count, and only
  then talks to the bank. A crash anywhere leaves a row that says what may have happened.
* **Query before resend.** An instruction whose answer was lost stays `unknown` and is resolved
  by a BDC110 result query. Only when the bank says it never received it is it resent, with the
  same end-to-end id (SendSeqNo), so the bank sees the same instruction. It is never paid twice.
* **Bounded.** After MAX_SENDS sends or MAX_QUERIES queries the instruction waits for a person
  (`manual`): no endless retry.
* **Accounting** (docs/adr/0010): a payment leaves the payer's account for 21903 payments in
  transit when submitted (Dr payer / Cr 21903), and the bank account when the bank confirms
  (Dr 21903 / Cr 101xx); a definitive failure reverses the submission voucher, so the money goes
  back to where it came from. Receipts are booked by the business that expects them (a unit
  remittance by `remittance.receive_unit_payment`) when the bank confirms.

Network calls never happen inside a database transaction here: the functions that talk to the
bank take the unit-of-work factory and run their own short transactions around each call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Final

from anju.domain.bank import (
    BDC_NODE,
    KIND_LABELS,
    PURPOSES,
    STATE_LABELS,
    Answer,
    BankConflict,
    BankLinkError,
    BankNotFound,
    BankRuleViolation,
    BankUnavailable,
    InstructionKind,
    InstructionState,
    Step,
    next_step,
    purpose_of,
    retry_delay_seconds,
    state_after_query,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import AnjuError, NotFound, RuleViolation, TransientConflict
from anju.ids import mask_bank_card, mask_name
from anju.ledger.chart import AccountKind
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, bank_transfer, payment_settlement, payment_submission
from anju.money import Money
from anju.services.calendar import current_business_date
from anju.services.ports import (
    BankAnswer,
    BankGateway,
    BatchItemRecord,
    BatchOrder,
    BatchOrderItem,
    BatchOutcome,
    CentreBankAccountRecord,
    InstructionRecord,
    SettlementOrder,
    UnitOfWork,
    UnitOfWorkFactory,
)
from anju.services.runner import read, run

SEQUENCE: Final = "bank_send_seq_no"
LEASE_SECONDS: Final = 120  # a dispatcher's claim on an instruction; longer than any bank timeout
NOT_SIGNED_IN: Final = "NOT_SIGNED_IN"  # the platform refused before processing: safe to resend
SUBMIT_SOURCE: Final = "bank_payment"
SETTLE_SOURCE: Final = "bank_settlement"
MAX_LOOP: Final = 4  # steps of one dispatch call: send, query, resend, query
_ACCOUNT_RE = re.compile(r"^[0-9A-Za-z-]{4,32}$")
_BANK_CODE_RE = re.compile(r"^[0-9]{3}([0-9]{9})?$")
_E2E_RE = re.compile(r"(?<![0-9])(20[0-9]{6}[0-9]{10})(?![0-9])")

SESSION_LABELS: Final = {"signed_in": "已签到", "signed_out": "未签到"}


# --- configuration -------------------------------------------------------------------------------

_gateway: BankGateway | None = None


def configure(gateway: BankGateway | None) -> None:
    """Set the gateway the end-of-day step uses (bootstrap calls this; None: no bank configured)."""
    global _gateway  # noqa: PLW0603 - one process talks to one settlement platform
    _gateway = gateway


def default_gateway() -> BankGateway | None:
    return _gateway


def require_gateway(gateway: BankGateway | None) -> BankGateway:
    if gateway is None:
        raise BankConflict("bank_not_configured")
    return gateway


# --- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionView:
    configured: bool
    state: str  # signed_in | signed_out
    state_label: str
    bdc_date: date | None
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    last_error: str | None
    instructions: dict[str, int]  # per state
    notices: dict[str, int]  # per state


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    action: str
    action_label: str
    seq_no: str | None
    answer: str | None
    code: str | None
    message: str | None
    actor: str


@dataclass(frozen=True, slots=True)
class BatchItemView:
    seq: int
    amount: Money
    account_masked: str
    name_masked: str
    ref_account_no: str
    state: str
    host_serial: str | None
    message: str | None
    voucher_no: str | None


@dataclass(frozen=True, slots=True)
class InstructionView:
    e2e_id: str
    kind: str
    kind_label: str
    purpose: str
    purpose_label: str
    bus_type: str
    state: str
    state_label: str
    bank_code: str
    centre_account_no: str
    centre_account_name: str
    counterparty_masked: str  # a person's card is never shown whole
    counterparty_name_masked: str
    counterparty_bank_code: str
    amount: Money
    ref_account_no: str
    summary: str
    source: str
    source_ref: str
    business_date: date
    send_date: date
    host_serial: str | None
    rtn_code: str | None
    rtn_message: str | None
    sends: int
    queries: int
    submit_voucher_no: str | None
    settle_voucher_no: str | None
    reverse_voucher_no: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None
    events: tuple[EventView, ...] = ()
    items: tuple[BatchItemView, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state in InstructionState.OPEN


EVENT_LABELS: Final = {
    "submit": "提交",
    "send": "发送",
    "query": "查询结果（BDC110）",
    "poll": "查询批量结果",
    "answer": "银行应答",
    "no_answer": "未收到应答",
    "unreachable": "无法连接",
    "resolve": "人工处理",
    "manual": "转人工核实",
    "error": "处理出错",
    "notice": "银行入账通知",
}


def _mask_counterparty(record: InstructionRecord) -> tuple[str, str]:
    if record.kind == InstructionKind.TRANSFER:
        return record.counterparty_account_no, record.counterparty_name
    return mask_bank_card(record.counterparty_account_no), mask_name(record.counterparty_name)


def instruction_view(
    record: InstructionRecord,
    *,
    events: Sequence[EventView] = (),
    items: Sequence[BatchItemRecord] = (),
) -> InstructionView:
    account, name = _mask_counterparty(record)
    purpose = PURPOSES.get(record.purpose)
    return InstructionView(
        e2e_id=record.e2e_id,
        kind=record.kind,
        kind_label=KIND_LABELS.get(record.kind, record.kind),
        purpose=record.purpose,
        purpose_label=purpose.label_zh if purpose else record.purpose,
        bus_type=record.bus_type,
        state=record.state,
        state_label=STATE_LABELS.get(record.state, record.state),
        bank_code=record.bank_code,
        centre_account_no=record.centre_account_no,
        centre_account_name=record.centre_account_name,
        counterparty_masked=account,
        counterparty_name_masked=name,
        counterparty_bank_code=record.counterparty_bank_code,
        amount=record.amount,
        ref_account_no=record.ref_account_no,
        summary=record.summary,
        source=record.source,
        source_ref=record.source_ref,
        business_date=record.business_date,
        send_date=record.send_date,
        host_serial=record.host_serial,
        rtn_code=record.rtn_code,
        rtn_message=record.rtn_message,
        sends=record.sends,
        queries=record.queries,
        submit_voucher_no=record.submit_voucher_no,
        settle_voucher_no=record.settle_voucher_no,
        reverse_voucher_no=record.reverse_voucher_no,
        created_by=record.created_by,
        created_at=record.created_at,
        updated_at=record.updated_at,
        finished_at=record.finished_at,
        next_attempt_at=record.next_attempt_at,
        events=tuple(events),
        items=tuple(
            BatchItemView(
                seq=i.seq,
                amount=i.amount,
                account_masked=mask_bank_card(i.account_no),
                name_masked=mask_name(i.account_name),
                ref_account_no=i.ref_account_no,
                state=i.state,
                host_serial=i.host_serial,
                message=i.message,
                voucher_no=i.voucher_no,
            )
            for i in items
        ),
    )


# --- extension points: who books receipts, who hears about outcomes --------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptSettlement:
    """Money the bank confirmed into a centre account for an expected receipt."""

    purpose: str
    ref_account_no: str  # the business detail account: a unit account no for remittances
    amount: Money
    serial: str  # the bank's host serial: the idempotency key of the booking
    centre_account_no: str
    received_on: date
    channel: str


ReceiptHandler = Callable[[UnitOfWork, Actor, ReceiptSettlement], str | None]
OutcomeListener = Callable[[UnitOfWork, InstructionView], None]

_RECEIPT_HANDLERS: dict[str, ReceiptHandler] = {}
_LISTENERS: dict[str, list[OutcomeListener]] = {}


def register_receipt_handler(purpose: str, handler: ReceiptHandler) -> None:
    """Book confirmed receipts of a purpose (loans register "loan_repayment"); returns voucher no."""
    _RECEIPT_HANDLERS[purpose] = handler


def on_instruction_final(purpose: str, listener: OutcomeListener) -> None:
    """Hear, in the same transaction, when an instruction of `purpose` succeeds or fails
    (a withdrawal marks itself paid, or goes back to the counter on failure)."""
    listeners = _LISTENERS.setdefault(purpose, [])
    if listener not in listeners:
        listeners.append(listener)


def remittance_receipt(uow: UnitOfWork, actor: Actor, settlement: ReceiptSettlement) -> str | None:
    """A unit's money: matched to a confirmed roster, or held in the unit's suspense account."""
    from anju.services import remittance  # the collection capability; imported when first used

    receipt = remittance.receive_unit_payment(
        uow,
        actor,
        unit_account_no=settlement.ref_account_no,
        amount=settlement.amount,
        serial_no=settlement.serial,
        received_on=settlement.received_on,
        value_date=settlement.received_on,
        centre_bank_account_no=settlement.centre_account_no,
        channel=settlement.channel,
    )
    voucher_no = getattr(receipt, "voucher_no", None)
    return str(voucher_no) if voucher_no else None


for _purpose in ("remittance", "batch_remittance"):
    register_receipt_handler(_purpose, remittance_receipt)


def book_receipt(uow: UnitOfWork, actor: Actor, settlement: ReceiptSettlement) -> str | None:
    handler = _RECEIPT_HANDLERS.get(settlement.purpose)
    if handler is None:
        raise BankRuleViolation("bank_receipt_unhandled", purpose=settlement.purpose)
    return handler(uow, actor, settlement)


# --- helpers -------------------------------------------------------------------------------------


def new_seq_no(uow: UnitOfWork, day: date) -> str:
    """A SendSeqNo unique for this centre: the business date and a 10-digit sequence."""
    return f"{day:%Y%m%d}{uow.sequences.next_value(SEQUENCE):010d}"


def e2e_ids_in(*texts: str) -> list[str]:
    """End-to-end ids our messages put in the remark, as found again on a statement line."""
    found: list[str] = []
    for text in texts:
        found += _E2E_RE.findall(text or "")
    return found


def centre_account(uow: UnitOfWork, account_no: str) -> CentreBankAccountRecord:
    record = uow.org.centre_bank_account_by_no(account_no.strip())
    if record is None:
        raise BankNotFound("not_found", what=f"专户 {account_no[:30]}")
    if record.status != "active" or not record.ledger_account_no:
        raise BankRuleViolation("bank_account_not_usable", account=record.account_no)
    return record


def _text(value: str, label: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise BankRuleViolation("required_field", field=label)
    if len(text) > maximum:
        raise BankRuleViolation("text_too_long", field=label, max=maximum)
    try:
        text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise BankRuleViolation("bank_text_not_gbk", field=label) from exc
    return text


def _account_no(value: str, label: str) -> str:
    text = value.replace(" ", "")
    if not _ACCOUNT_RE.match(text):
        raise BankRuleViolation("bank_account_no_invalid", field=label)
    return text


def _bank_code(value: str, label: str) -> str:
    text = value.strip()
    if not _BANK_CODE_RE.match(text):
        raise BankRuleViolation("bank_code_invalid", field=label)
    return text


def _positive(amount: Money) -> Money:
    if not isinstance(amount, Money) or not amount.is_positive:
        raise BankRuleViolation("amount_must_be_positive")
    return amount


def _check_charge(uow: UnitOfWork, charge: AccountRef) -> None:
    """The payer must be a liability or asset the payment comes out of, never a bank account
    or the in-transit account itself (that would move money in a circle)."""
    if charge.gl_code is not None:
        code = charge.gl_code
    else:
        assert charge.account_no is not None
        account = uow.ledger.get_account(charge.account_no)
        if account.kind is AccountKind.BANK:
            raise BankRuleViolation("bank_charge_account_invalid", account=charge.account_no)
        code = account.gl_code
    if code.startswith(GL.BANK_DEPOSITS) or code == GL.PAYMENTS_IN_TRANSIT:
        raise BankRuleViolation("bank_charge_account_invalid", account=str(charge))


def _ensure_clearing_account(uow: UnitOfWork) -> None:
    """21903 arrived after the first release: a database initialised before it gets it here."""
    try:
        uow.ledger.single_account(GL.PAYMENTS_IN_TRANSIT)
    except NotFound:
        uow.ledger.seed_chart()


def _replay_or_conflict(existing: InstructionRecord, *, kind: str, amount: Money, counterparty: str) -> None:
    if existing.kind != kind or existing.amount != amount or existing.counterparty_account_no != counterparty:
        raise BankConflict("bank_instruction_source_reused", source_ref=existing.source_ref)


def _insert(uow: UnitOfWork, values: dict[str, object]) -> InstructionRecord:
    record = uow.bank.insert_instruction(values)
    if record is None:  # lost a race for the same (source, source_ref): the retry replays
        raise TransientConflict("transient_conflict")
    return record


def _audit(uow: UnitOfWork, actor: Actor, action: str, record: InstructionRecord, **details: object) -> None:
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"bank.{action}",
            "bank_instruction",
            record.e2e_id,
            details={
                "kind": record.kind,
                "purpose": record.purpose,
                "amount": str(record.amount),
                "state": record.state,
                **{
                    k: v if isinstance(v, str | int | bool) or v is None else str(v)
                    for k, v in details.items()
                },
            },
        )
    )


# --- submission (in the caller's transaction) ------------------------------------------------------


def submit_payment(
    uow: UnitOfWork,
    actor: Actor,
    *,
    purpose: str,
    amount: Money,
    payee_account_no: str,
    payee_name: str,
    payee_bank_code: str,
    source_ref: str,
    debit_account: str,
    charge: AccountRef,
    source: str | None = None,
    payee_bank_name: str = "",
    ref_account_no: str = "",
    business_type: str | None = None,
    memo: str = "",
) -> InstructionView:
    """Queue a single payment (BDC101) from a centre account to a payee, and book it out of the
    payer's account into 21903 payments in transit, in the caller's transaction.

    `charge` is the ledger account the money comes out of: a member's deposit account for a
    withdrawal, the loan account for a disbursement, 21999 pending refunds for a refund.
    `business_type` is the data standard's type for the payer's statement line (e.g. "11").
    Idempotent on (source, source_ref): the same request again returns the same instruction.
    Nothing is sent here: the entry point calls `dispatch` after the transaction commits.
    """
    spec = purpose_of(purpose, InstructionKind.PAYMENT)
    amount = _positive(amount)
    payee_account_no = _account_no(payee_account_no, "收款账号")
    src = _text(source or purpose, "来源", 40)
    ref = _text(source_ref, "业务编号", 128)
    existing = uow.bank.instruction_by_source(src, ref)
    if existing is not None:
        _replay_or_conflict(existing, kind=spec.kind, amount=amount, counterparty=payee_account_no)
        return instruction_view(existing)
    account = centre_account(uow, debit_account)
    _check_charge(uow, charge)
    _ensure_clearing_account(uow)
    day = current_business_date(uow)
    e2e_id = new_seq_no(uow, day)
    assert account.ledger_account_no is not None
    if not uow.bank.reserve(account.account_no, account.ledger_account_no, amount):
        raise BankRuleViolation(
            "bank_insufficient_funds",
            account=account.account_no,
            available=str(
                uow.ledger.balance(account.ledger_account_no) - uow.bank.reserved(account.account_no)
            ),
        )
    summary = _text(memo or spec.label_zh, "摘要", 60)
    voucher = uow.ledger.post(
        payment_submission(
            source=SUBMIT_SOURCE,
            source_ref=e2e_id,
            charge=charge,
            amount=amount,
            business_date=day,
            value_date=day,
            memo=f"{summary}（银行付款 {e2e_id}）",
            business_type=business_type,
        ),
        created_by=actor.username,
        branch_id=account.branch_id,
    )
    record = _insert(
        uow,
        {
            "e2e_id": e2e_id,
            "kind": spec.kind,
            "purpose": spec.code,
            "bus_type": spec.bus_type,
            "state": InstructionState.PENDING,
            "bank_code": account.bank_code,
            "centre_account_no": account.account_no,
            "centre_account_name": account.account_name,
            "counterparty_account_no": payee_account_no,
            "counterparty_name": _text(payee_name, "收款人户名", 60),
            "counterparty_bank_code": _bank_code(payee_bank_code, "收款行行号"),
            "counterparty_bank_name": _text(payee_bank_name, "收款行名称", 60, required=False),
            "amount": amount,
            "ref_account_no": _text(ref_account_no, "业务明细账号", 30, required=False),
            "summary": summary,
            "source": src,
            "source_ref": ref,
            "send_date": day,
            "business_date": day,
            "submit_voucher_no": voucher.voucher_no,
            "branch_id": account.branch_id,
            "created_by": actor.username,
            "now": uow.now_utc(),
        },
    )
    uow.bank.add_event(record.id, action="submit", now=uow.now_utc(), actor=actor.username)
    _audit(uow, actor, "submit_payment", record, voucher_no=voucher.voucher_no)
    return instruction_view(record)


def submit_receipt(
    uow: UnitOfWork,
    actor: Actor,
    *,
    purpose: str,
    amount: Money,
    payer_account_no: str,
    payer_name: str,
    payer_bank_code: str,
    credit_account: str,
    ref_account_no: str,
    source_ref: str,
    agreement_no: str = "",
    source: str | None = None,
    memo: str = "",
) -> InstructionView:
    """Queue a single receipt (BDC102): the bank debits the payer under a multi-party agreement
    and credits the centre account. Booked by the purpose's receipt handler on confirmation
    (a unit remittance goes through `remittance.receive_unit_payment`)."""
    spec = purpose_of(purpose, InstructionKind.RECEIPT)
    amount = _positive(amount)
    payer_account_no = _account_no(payer_account_no, "付款账号")
    src = _text(source or purpose, "来源", 40)
    ref = _text(source_ref, "业务编号", 128)
    existing = uow.bank.instruction_by_source(src, ref)
    if existing is not None:
        _replay_or_conflict(existing, kind=spec.kind, amount=amount, counterparty=payer_account_no)
        return instruction_view(existing)
    if spec.code not in _RECEIPT_HANDLERS:
        raise BankRuleViolation("bank_receipt_unhandled", purpose=spec.code)
    account = centre_account(uow, credit_account)
    day = current_business_date(uow)
    record = _insert(
        uow,
        {
            "e2e_id": new_seq_no(uow, day),
            "kind": spec.kind,
            "purpose": spec.code,
            "bus_type": spec.bus_type,
            "state": InstructionState.PENDING,
            "bank_code": account.bank_code,
            "centre_account_no": account.account_no,
            "centre_account_name": account.account_name,
            "counterparty_account_no": payer_account_no,
            "counterparty_name": _text(payer_name, "付款人户名", 60),
            "counterparty_bank_code": _bank_code(payer_bank_code, "付款行行号"),
            "amount": amount,
            "ref_account_no": _text(ref_account_no, "业务明细账号", 30),
            "agreement_no": _text(agreement_no, "多方协议号", 40, required=False),
            "summary": _text(memo or spec.label_zh, "摘要", 60),
            "source": src,
            "source_ref": ref,
            "send_date": day,
            "business_date": day,
            "branch_id": account.branch_id,
            "created_by": actor.username,
            "now": uow.now_utc(),
        },
    )
    uow.bank.add_event(record.id, action="submit", now=uow.now_utc(), actor=actor.username)
    _audit(uow, actor, "submit_receipt", record)
    return instruction_view(record)


def submit_transfer(
    uow: UnitOfWork,
    actor: Actor,
    *,
    from_account: str,
    to_account: str,
    amount: Money,
    source_ref: str,
    purpose: str = "fund_transfer",
    memo: str = "",
) -> InstructionView:
    """Queue a transfer between two of the centre's own accounts (BDC109, 资金调拨)."""
    actor.require(Permission.BANK_TRANSFER)
    spec = purpose_of(purpose, InstructionKind.TRANSFER)
    amount = _positive(amount)
    ref = _text(source_ref, "业务编号", 128)
    existing = uow.bank.instruction_by_source(spec.code, ref)
    source = centre_account(uow, from_account)
    target = centre_account(uow, to_account)
    if existing is not None:
        _replay_or_conflict(existing, kind=spec.kind, amount=amount, counterparty=target.account_no)
        return instruction_view(existing)
    if source.account_no == target.account_no:
        raise BankRuleViolation("bank_transfer_same_account")
    if {source.gl_code, target.gl_code} & {"102"} and source.gl_code != target.gl_code:
        raise BankRuleViolation("bank_transfer_mixes_funds")  # 增值收益 is kept apart (条例第二十九条)
    day = current_business_date(uow)
    e2e_id = new_seq_no(uow, day)
    assert source.ledger_account_no is not None
    if not uow.bank.reserve(source.account_no, source.ledger_account_no, amount):
        raise BankRuleViolation(
            "bank_insufficient_funds",
            account=source.account_no,
            available=str(
                uow.ledger.balance(source.ledger_account_no) - uow.bank.reserved(source.account_no)
            ),
        )
    record = _insert(
        uow,
        {
            "e2e_id": e2e_id,
            "kind": spec.kind,
            "purpose": spec.code,
            "bus_type": spec.bus_type,
            "state": InstructionState.PENDING,
            "bank_code": source.bank_code,
            "centre_account_no": source.account_no,
            "centre_account_name": source.account_name,
            "counterparty_account_no": target.account_no,
            "counterparty_name": _text(target.account_name, "收款户名", 60),
            "counterparty_bank_code": target.bank_code,
            "counterparty_bank_name": target.bank_name[:60],
            "amount": amount,
            "summary": _text(memo or spec.label_zh, "摘要", 60),
            "source": spec.code,
            "source_ref": ref,
            "send_date": day,
            "business_date": day,
            "branch_id": source.branch_id,
            "created_by": actor.username,
            "now": uow.now_utc(),
        },
    )
    uow.bank.add_event(record.id, action="submit", now=uow.now_utc(), actor=actor.username)
    _audit(uow, actor, "submit_transfer", record, to_account=target.account_no)
    return instruction_view(record)


@dataclass(frozen=True, slots=True)
class BatchReceiptItem:
    amount: Money
    payer_account_no: str
    payer_name: str
    ref_account_no: str  # the unit account no (or loan contract no) the money is for
    summary: str = ""


MAX_BATCH_ITEMS: Final = 50_000


def submit_batch_receipt(
    uow: UnitOfWork,
    actor: Actor,
    *,
    purpose: str,
    credit_account: str,
    items: Sequence[BatchReceiptItem],
    source_ref: str,
    source: str | None = None,
    memo: str = "",
) -> InstructionView:
    """Queue a batch receipt (BDC104, 批量托收): each successful item is booked on its own by the
    purpose's receipt handler when the result file (BDC108) comes back."""
    spec = purpose_of(purpose, InstructionKind.BATCH_RECEIPT)
    if not 0 < len(items) <= MAX_BATCH_ITEMS:
        raise BankRuleViolation("bank_batch_size_invalid", max=MAX_BATCH_ITEMS)
    order_items = [
        BatchOrderItem(
            seq=index,
            amount=_positive(item.amount),
            account_no=_account_no(item.payer_account_no, "付款账号"),
            account_name=_text(item.payer_name, "付款人户名", 60),
            ref_account_no=_text(item.ref_account_no, "业务明细账号", 30),
            summary=_text(item.summary or spec.label_zh, "摘要", 60),
        )
        for index, item in enumerate(items, start=1)
    ]
    total = Money(sum(item.amount.fen for item in order_items))
    src = _text(source or purpose, "来源", 40)
    ref = _text(source_ref, "业务编号", 128)
    existing = uow.bank.instruction_by_source(src, ref)
    if existing is not None:
        _replay_or_conflict(
            existing, kind=spec.kind, amount=total, counterparty=existing.counterparty_account_no
        )
        return instruction_view(existing)
    if spec.code not in _RECEIPT_HANDLERS:
        raise BankRuleViolation("bank_receipt_unhandled", purpose=spec.code)
    account = centre_account(uow, credit_account)
    day = current_business_date(uow)
    e2e_id = new_seq_no(uow, day)
    record = _insert(
        uow,
        {
            "e2e_id": e2e_id,
            "kind": spec.kind,
            "purpose": spec.code,
            "bus_type": spec.bus_type,
            "state": InstructionState.PENDING,
            "bank_code": account.bank_code,
            "centre_account_no": account.account_no,
            "centre_account_name": account.account_name,
            "counterparty_account_no": f"BATCH{len(order_items)}",
            "counterparty_name": f"批量 {len(order_items)} 笔",
            "amount": total,
            "summary": _text(memo or spec.label_zh, "摘要", 60),
            "source": src,
            "source_ref": ref,
            "send_date": day,
            "business_date": day,
            "batch_no": e2e_id,
            "branch_id": account.branch_id,
            "created_by": actor.username,
            "now": uow.now_utc(),
        },
    )
    uow.bank.insert_batch_items(record.id, order_items)
    uow.bank.add_event(record.id, action="submit", now=uow.now_utc(), actor=actor.username)
    _audit(uow, actor, "submit_batch_receipt", record, items=len(order_items))
    return instruction_view(record)


# --- settling (in a transaction) -----------------------------------------------------------------


def _finish(
    uow: UnitOfWork, actor: Actor, record: InstructionRecord, state: str, **changes: object
) -> InstructionRecord:
    now = uow.now_utc()
    uow.bank.update_instruction(
        record.e2e_id, now, state=state, finished_at=now, lease_until=None, next_attempt_at=None, **changes
    )
    updated = uow.bank.instruction(record.e2e_id)
    assert updated is not None
    view = instruction_view(updated)
    for listener in _LISTENERS.get(updated.purpose, ()):
        listener(uow, view)
    _audit(uow, actor, f"instruction_{state}", updated, host_serial=updated.host_serial)
    return updated


def settle_success(
    uow: UnitOfWork,
    actor: Actor,
    record: InstructionRecord,
    *,
    host_serial: str | None,
    code: str,
    message: str,
) -> InstructionRecord:
    """The bank did it: book the movement out of (or into) the bank account, exactly once."""
    if record.state in InstructionState.FINAL:
        return record
    day = current_business_date(uow)
    serial = host_serial or record.host_serial
    voucher_no: str | None = None
    if record.kind == InstructionKind.PAYMENT:
        account = centre_account(uow, record.centre_account_no)
        assert account.ledger_account_no is not None
        voucher_no = uow.ledger.post(
            payment_settlement(
                source=SETTLE_SOURCE,
                source_ref=record.e2e_id,
                bank=AccountRef.ledger(account.ledger_account_no),
                amount=record.amount,
                business_date=day,
                value_date=day,
                memo=f"{record.summary}（银行已付 {record.e2e_id}）",
            ),
            created_by=actor.username,
            branch_id=account.branch_id,
            replay_ok=True,
        ).voucher_no
        uow.bank.release(record.centre_account_no, record.amount)
    elif record.kind == InstructionKind.TRANSFER:
        source = centre_account(uow, record.centre_account_no)
        target = centre_account(uow, record.counterparty_account_no)
        assert source.ledger_account_no is not None
        assert target.ledger_account_no is not None
        voucher_no = uow.ledger.post(
            bank_transfer(
                source=SETTLE_SOURCE,
                source_ref=record.e2e_id,
                from_bank=AccountRef.ledger(source.ledger_account_no),
                to_bank=AccountRef.ledger(target.ledger_account_no),
                amount=record.amount,
                business_date=day,
                value_date=day,
                memo=f"{record.summary}（资金调拨 {record.e2e_id}）",
            ),
            created_by=actor.username,
            branch_id=source.branch_id,
            replay_ok=True,
        ).voucher_no
        uow.bank.release(record.centre_account_no, record.amount)
    elif record.kind == InstructionKind.RECEIPT:
        voucher_no = book_receipt(
            uow,
            actor,
            ReceiptSettlement(
                purpose=record.purpose,
                ref_account_no=record.ref_account_no,
                amount=record.amount,
                serial=serial or record.e2e_id,
                centre_account_no=record.centre_account_no,
                received_on=day,
                channel="bank",
            ),
        )
    return _finish(
        uow,
        actor,
        record,
        InstructionState.SUCCEEDED,
        host_serial=serial,
        settle_voucher_no=voucher_no,
        rtn_code=code[:20] or None,
        rtn_message=message[:200] or None,
    )


def settle_failure(
    uow: UnitOfWork, actor: Actor, record: InstructionRecord, *, code: str, message: str
) -> InstructionRecord:
    """The bank refused it for good: put the money back where it came from."""
    if record.state in InstructionState.FINAL:
        return record
    day = current_business_date(uow)
    reverse_no: str | None = None
    if record.kind == InstructionKind.PAYMENT:
        assert record.submit_voucher_no is not None
        reverse_no = uow.ledger.reverse(
            record.submit_voucher_no,
            f"银行付款失败：{message or code}"[:100],
            day,
            actor.username,
        ).voucher_no
    if record.kind in (InstructionKind.PAYMENT, InstructionKind.TRANSFER):
        uow.bank.release(record.centre_account_no, record.amount)
    return _finish(
        uow,
        actor,
        record,
        InstructionState.FAILED,
        reverse_voucher_no=reverse_no,
        rtn_code=code[:20] or None,
        rtn_message=message[:200] or None,
    )


# --- dispatching (talks to the bank between short transactions) -----------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    step: str
    record: InstructionRecord | None = None
    seq_no: str | None = None
    second_seq_no: str | None = None  # BDC108 after BDC107
    today: date | None = None
    items: tuple[BatchItemRecord, ...] = ()


def _plan(uow: UnitOfWork, *, e2e_id: str, actor: Actor, force_query: bool) -> _Plan:
    record = uow.bank.instruction(e2e_id)
    if record is None:
        raise BankNotFound("not_found", what=f"银行指令 {e2e_id[:24]}")
    step = next_step(record.state, sends=record.sends, queries=record.queries, force_query=force_query)
    now = uow.now_utc()
    if step == Step.MANUAL:
        uow.bank.update_instruction(e2e_id, now, state=InstructionState.MANUAL, lease_until=None)
        uow.bank.add_event(record.id, action="manual", now=now, actor=actor.username)
        _audit(uow, actor, "instruction_manual", record)
        return _Plan(Step.MANUAL, record)
    if step == Step.NONE:
        return _Plan(Step.NONE, record)
    claimed = uow.bank.claim_instruction(
        e2e_id, states=(record.state,), now=now, lease_until=now + timedelta(seconds=LEASE_SECONDS)
    )
    if claimed is None:
        return _Plan(Step.WAIT, record)  # another dispatcher holds it
    today = current_business_date(uow)
    if step == Step.SEND:
        uow.bank.update_instruction(
            e2e_id, now, state=InstructionState.UNKNOWN, sends=record.sends + 1, next_attempt_at=None
        )
        uow.bank.add_event(record.id, action="send", now=now, actor=actor.username, seq_no=e2e_id)
        items = tuple(uow.bank.batch_items(record.id)) if record.kind == InstructionKind.BATCH_RECEIPT else ()
        updated = replace(claimed, state=InstructionState.UNKNOWN, sends=record.sends + 1)
        return _Plan(Step.SEND, updated, e2e_id, None, today, items)
    seq_no = new_seq_no(uow, today)
    uow.bank.update_instruction(e2e_id, now, queries=record.queries + 1)
    action = "poll" if step == Step.POLL else "query"
    uow.bank.add_event(record.id, action=action, now=now, actor=actor.username, seq_no=seq_no)
    if step == Step.QUERY and record.state == InstructionState.MANUAL:
        uow.bank.update_instruction(e2e_id, now, state=InstructionState.UNKNOWN)
        claimed = replace(claimed, state=InstructionState.UNKNOWN)
    second = new_seq_no(uow, today) if step == Step.POLL else None
    return _Plan(step, replace(claimed, queries=record.queries + 1), seq_no, second, today)


def order_of(record: InstructionRecord) -> SettlementOrder:
    if record.kind == InstructionKind.RECEIPT:
        debit, debit_name = record.counterparty_account_no, record.counterparty_name
        credit, credit_name = record.centre_account_no, record.centre_account_name
    else:
        debit, debit_name = record.centre_account_no, record.centre_account_name
        credit, credit_name = record.counterparty_account_no, record.counterparty_name
    return SettlementOrder(
        kind=record.kind,
        e2e_id=record.e2e_id,
        send_date=record.send_date,
        bank_code=record.bank_code,
        bus_type=record.bus_type,
        amount=record.amount,
        debit_account_no=debit,
        debit_account_name=debit_name,
        credit_account_no=credit,
        credit_account_name=credit_name,
        counterparty_bank_code=record.counterparty_bank_code,
        counterparty_bank_name=record.counterparty_bank_name,
        ref_account_no=record.ref_account_no,
        agreement_no=record.agreement_no,
        summary=record.summary,
        remark=record.e2e_id,
    )


def _perform(gateway: BankGateway, plan: _Plan) -> BankAnswer | BatchOutcome:
    record = plan.record
    assert record is not None
    assert plan.seq_no is not None
    assert plan.today is not None
    if plan.step == Step.SEND:
        if record.kind == InstructionKind.BATCH_RECEIPT:
            return gateway.send_batch(
                BatchOrder(
                    e2e_id=record.e2e_id,
                    send_date=record.send_date,
                    bank_code=record.bank_code,
                    bus_type=record.bus_type,
                    batch_no=record.batch_no or record.e2e_id,
                    credit_account_no=record.centre_account_no,
                    credit_account_name=record.centre_account_name,
                    items=tuple(
                        BatchOrderItem(
                            i.seq, i.amount, i.account_no, i.account_name, i.ref_account_no, i.summary
                        )
                        for i in plan.items
                    ),
                )
            )
        return gateway.send(order_of(record))
    if plan.step == Step.POLL:
        return gateway.batch_result(
            bank_code=record.bank_code,
            batch_no=record.batch_no or record.e2e_id,
            original_date=record.send_date,
            seq_no=plan.seq_no,
            download_seq_no=plan.second_seq_no or plan.seq_no,
            send_date=plan.today,
        )
    return gateway.query(
        bank_code=record.bank_code,
        original_date=record.send_date,
        original_seq_no=record.e2e_id,
        seq_no=plan.seq_no,
        send_date=plan.today,
    )


def _later(uow: UnitOfWork, record: InstructionRecord) -> datetime:
    return uow.now_utc() + timedelta(seconds=retry_delay_seconds(record.queries))


def _apply(  # noqa: PLR0911 - one return per answer the platform can give
    uow: UnitOfWork, *, plan: _Plan, result: BankAnswer | BatchOutcome, actor: Actor
) -> str:
    """Record what the bank said and move the instruction on; returns its new state."""
    assert plan.record is not None
    record = uow.bank.lock_instruction(plan.record.e2e_id)
    assert record is not None
    now = uow.now_utc()
    code = result.code if isinstance(result, BankAnswer) else ""
    uow.bank.add_event(
        record.id,
        action="answer",
        now=now,
        actor=actor.username,
        answer=result.answer,
        code=code,
        message=result.message,
    )
    if record.state in InstructionState.FINAL:  # settled meanwhile (a notice, a person)
        uow.bank.update_instruction(record.e2e_id, now, lease_until=None)
        return record.state
    if isinstance(result, BatchOutcome):
        return _apply_batch(uow, actor, record, result)
    if result.answer == Answer.SUCCESS:
        if record.kind == InstructionKind.BATCH_RECEIPT:
            uow.bank.update_instruction(
                record.e2e_id, now, state=InstructionState.PROCESSING, lease_until=None, next_attempt_at=now
            )
            return InstructionState.PROCESSING
        return settle_success(
            uow, actor, record, host_serial=result.host_serial, code=result.code, message=result.message
        ).state
    if result.answer == Answer.FAILURE:
        if result.code == NOT_SIGNED_IN:
            # Refused before processing (our session had lapsed): sign in and send it again.
            uow.bank.save_session(
                BDC_NODE,
                state="signed_out",
                session_key_enc=None,
                bdc_date=None,
                now=now,
                actor=actor.username,
                error=result.message[:200] or "会话已失效",
            )
            state = InstructionState.PENDING if plan.step == Step.SEND else InstructionState.UNKNOWN
            uow.bank.update_instruction(record.e2e_id, now, state=state, lease_until=None)
            return state
        return settle_failure(uow, actor, record, code=result.code, message=result.message).state
    if plan.step == Step.SEND:
        # An answer that is neither 0 nor 1: outcome unknown, ask for it.
        uow.bank.update_instruction(record.e2e_id, now, state=InstructionState.UNKNOWN, lease_until=None)
        return InstructionState.UNKNOWN
    state = state_after_query(result.answer, sends=record.sends)
    if record.kind == InstructionKind.BATCH_RECEIPT and result.answer == Answer.PROCESSING:
        state = InstructionState.PROCESSING
    uow.bank.update_instruction(
        record.e2e_id,
        now,
        state=state,
        lease_until=None,
        next_attempt_at=None if state == InstructionState.PENDING else _later(uow, record),
    )
    if state == InstructionState.MANUAL:
        _audit(uow, actor, "instruction_manual", record)
    return state


def _apply_batch(uow: UnitOfWork, actor: Actor, record: InstructionRecord, result: BatchOutcome) -> str:
    now = uow.now_utc()
    if result.answer in (Answer.PROCESSING, Answer.UNKNOWN):
        uow.bank.update_instruction(record.e2e_id, now, lease_until=None, next_attempt_at=_later(uow, record))
        return record.state
    if result.answer == Answer.FAILURE:
        return settle_failure(uow, actor, record, code="", message=result.message).state
    day = current_business_date(uow)
    items = {i.seq: i for i in uow.bank.batch_items(record.id)}
    for outcome in result.items:
        item = items.get(outcome.seq)
        if item is None or item.state != "pending" or item.amount != outcome.amount:
            continue
        voucher_no = None
        if outcome.succeeded:
            voucher_no = book_receipt(
                uow,
                actor,
                ReceiptSettlement(
                    purpose=record.purpose,
                    ref_account_no=item.ref_account_no,
                    amount=item.amount,
                    serial=outcome.host_serial or f"{record.e2e_id}-{item.seq}",
                    centre_account_no=record.centre_account_no,
                    received_on=day,
                    channel="bank",
                ),
            )
        uow.bank.settle_batch_item(
            record.id,
            outcome.seq,
            state="succeeded" if outcome.succeeded else "failed",
            host_serial=outcome.host_serial or None,
            code=outcome.code,
            message=outcome.message,
            voucher_no=voucher_no,
        )
    ok = sum(1 for o in result.items if o.succeeded)
    return _finish(
        uow,
        actor,
        record,
        InstructionState.SUCCEEDED,
        rtn_code="0000",
        rtn_message=f"成功 {ok} 笔，失败 {len(result.items) - ok} 笔",
    ).state


def _record_link_error(uow: UnitOfWork, *, plan: _Plan, actor: Actor, exc: BankLinkError, sent: bool) -> str:
    assert plan.record is not None
    record = uow.bank.lock_instruction(plan.record.e2e_id)
    assert record is not None
    now = uow.now_utc()
    action = "no_answer" if sent else "unreachable"
    uow.bank.add_event(record.id, action=action, now=now, actor=actor.username, message=exc.message)
    if record.state in InstructionState.FINAL:
        return record.state
    if not sent and plan.step == Step.SEND:
        # Nothing left this machine: the send does not count, the instruction waits to be sent.
        uow.bank.update_instruction(
            record.e2e_id,
            now,
            state=InstructionState.PENDING,
            sends=max(0, record.sends - 1),
            lease_until=None,
            next_attempt_at=_later(uow, record),
        )
        return InstructionState.PENDING
    uow.bank.update_instruction(record.e2e_id, now, lease_until=None, next_attempt_at=_later(uow, record))
    return record.state


def _record_error(uow: UnitOfWork, *, e2e_id: str, actor: Actor, exc: AnjuError) -> None:
    record = uow.bank.instruction(e2e_id)
    if record is None:
        return
    now = uow.now_utc()
    uow.bank.add_event(
        record.id, action="error", now=now, actor=actor.username, code=exc.code, message=exc.message
    )
    uow.bank.update_instruction(e2e_id, now, lease_until=None, next_attempt_at=_later(uow, record))


def dispatch(
    uow_factory: UnitOfWorkFactory,
    gateway: BankGateway | None,
    e2e_id: str,
    *,
    actor: Actor | None = None,
    force_query: bool = False,
) -> InstructionView:
    """Move one instruction on as far as the bank allows now: send it if pending; if the answer
    is lost, query (BDC110) and resend only if the bank never got it; stop when the outcome is
    known or the bank cannot say yet. `force_query` lets a person ask again about a `manual` one.
    """
    who = actor or Actor.system("bank")
    if actor is not None:
        actor.require(Permission.BANK_OPERATE)
    bank = require_gateway(gateway)
    for attempt in range(MAX_LOOP):
        force = force_query and attempt == 0
        current = read(uow_factory, lambda uow: uow.bank.instruction(e2e_id))
        if current is None:
            raise BankNotFound("not_found", what=f"银行指令 {e2e_id[:24]}")
        if next_step(current.state, sends=current.sends, queries=current.queries, force_query=force) in (
            Step.NONE,
        ):
            break
        try:
            ensure_signed_in(uow_factory, bank, who)
        except (BankLinkError, BankConflict):
            break  # recorded on the session; the instruction stays as it is, safely
        plan = run(uow_factory, partial(_plan, e2e_id=e2e_id, actor=who, force_query=force))
        if plan.step not in (Step.SEND, Step.QUERY, Step.POLL):
            break
        try:
            result = _perform(bank, plan)
        except BankLinkError as exc:
            sent = not isinstance(exc, BankUnavailable)
            state = run(uow_factory, partial(_record_link_error, plan=plan, actor=who, exc=exc, sent=sent))
            if sent and plan.step == Step.SEND and state == InstructionState.UNKNOWN:
                continue  # the answer was lost: ask at once what became of it
            break
        try:
            state = run(uow_factory, partial(_apply, plan=plan, result=result, actor=who))
        except AnjuError as exc:
            run(uow_factory, partial(_record_error, e2e_id=e2e_id, actor=who, exc=exc))
            if not isinstance(exc, RuleViolation | NotFound | BankConflict):
                raise
            break
        if state == InstructionState.PENDING or (
            state == InstructionState.UNKNOWN and plan.step == Step.SEND
        ):
            continue  # never received (resend, same id) or an unclear answer (query first)
        if state == InstructionState.PROCESSING and plan.step != Step.POLL:
            continue
        break
    return read(uow_factory, lambda uow: get_instruction(uow, None, e2e_id))


@dataclass(frozen=True, slots=True)
class DriveReport:
    looked_at: int
    states: dict[str, int]
    errors: tuple[str, ...]


def drive_instructions(
    uow_factory: UnitOfWorkFactory,
    gateway: BankGateway | None,
    *,
    limit: int = 100,
    actor: Actor | None = None,
) -> DriveReport:
    """Dispatch every open instruction whose next automatic step is due (a worker, the CLI)."""
    if actor is not None:
        actor.require(Permission.BANK_OPERATE)
    bank = require_gateway(gateway)
    due = read(uow_factory, lambda uow: uow.bank.due_instructions(uow.now_utc(), limit))
    states: dict[str, int] = {}
    errors: list[str] = []
    for e2e_id in due:
        try:
            view = dispatch(uow_factory, bank, e2e_id, actor=actor)
        except AnjuError as exc:
            errors.append(f"{e2e_id}：{exc.message}")
            continue
        states[view.state] = states.get(view.state, 0) + 1
    return DriveReport(len(due), states, tuple(errors))


def resolve_instruction(
    uow: UnitOfWork,
    actor: Actor,
    e2e_id: str,
    *,
    outcome: str,
    reason: str,
    host_serial: str | None = None,
) -> InstructionView:
    """Settle an instruction by hand after checking with the bank (its statement, a phone call):
    `outcome` succeeded or failed. Only an instruction whose outcome the system does not know
    (unknown, manual) may be settled so; a pending one may only be cancelled (failed)."""
    actor.require(Permission.BANK_RESOLVE)
    reason = _text(reason, "处理原因", 200)
    record = uow.bank.lock_instruction(e2e_id)
    if record is None:
        raise BankNotFound("not_found", what=f"银行指令 {e2e_id[:24]}")
    now = uow.now_utc()
    if record.lease_until is not None and record.lease_until > now:
        raise BankConflict("bank_instruction_busy", e2e_id=e2e_id)
    allowed = {
        "succeeded": (InstructionState.UNKNOWN, InstructionState.MANUAL),
        "failed": (InstructionState.UNKNOWN, InstructionState.MANUAL, InstructionState.PENDING),
    }
    if outcome not in allowed:
        raise BankRuleViolation("bank_outcome_invalid", value=outcome[:20])
    if record.state not in allowed[outcome] or record.kind == InstructionKind.BATCH_RECEIPT:
        raise BankConflict("bank_instruction_state", state=STATE_LABELS.get(record.state, record.state))
    uow.bank.add_event(
        record.id, action="resolve", now=now, actor=actor.username, answer=outcome, message=reason
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "bank.resolve_instruction",
            "bank_instruction",
            e2e_id,
            reason=reason,
            details={"outcome": outcome},
        )
    )
    if outcome == "succeeded":
        settle_success(
            uow, actor, record, host_serial=(host_serial or "").strip()[:40] or None, code="", message=reason
        )
    else:
        settle_failure(uow, actor, record, code="MANUAL", message=reason)
    return get_instruction(uow, actor, e2e_id)


# --- sign-in -------------------------------------------------------------------------------------


def session_state(uow: UnitOfWork, actor: Actor | None, *, configured: bool) -> SessionView:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    record = uow.bank.session(BDC_NODE)
    state = record.state if record else "signed_out"
    return SessionView(
        configured=configured,
        state=state,
        state_label=SESSION_LABELS.get(state, state),
        bdc_date=record.bdc_date if record else None,
        signed_in_at=record.signed_in_at if record else None,
        signed_out_at=record.signed_out_at if record else None,
        last_error=record.last_error if record else None,
        instructions=uow.bank.count_instructions(),
        notices=uow.bank.count_notices(),
    )


def _seq(uow: UnitOfWork) -> tuple[str, date]:
    day = current_business_date(uow)
    return new_seq_no(uow, day), day


def _link_failed(uow: UnitOfWork, *, actor: Actor, action: str, reason: str) -> None:
    uow.bank.record_session_error(BDC_NODE, reason, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(actor, action, "bank_session", BDC_NODE, result="failure", reason=reason[:200])
    )


def sign_in(uow_factory: UnitOfWorkFactory, actor: Actor, gateway: BankGateway | None) -> SessionView:
    """BDC001: open the session with the settlement platform; the session key is kept sealed."""
    actor.require(Permission.BANK_OPERATE)
    bank = require_gateway(gateway)
    seq_no, day = run(uow_factory, _seq)
    try:
        answer = bank.sign_in(seq_no=seq_no, send_date=day)
    except BankLinkError as exc:
        run(uow_factory, partial(_link_failed, actor=actor, action="bank.sign_in", reason=exc.message))
        raise
    if answer.answer != Answer.SUCCESS:
        reason = f"{answer.code} {answer.message}".strip()
        run(uow_factory, partial(_link_failed, actor=actor, action="bank.sign_in", reason=reason))
        raise BankConflict("bank_sign_in_refused", reason=reason[:100])

    def record(uow: UnitOfWork) -> SessionView:
        _record_sign_in(uow, actor, answer)
        return session_state(uow, None, configured=True)

    return run(uow_factory, record)


def _record_sign_in(uow: UnitOfWork, actor: Actor, answer: BankAnswer) -> None:
    key = answer.fields.get("HandKey", "")
    uow.bank.save_session(
        BDC_NODE,
        state="signed_in",
        session_key_enc=uow.crypto.encrypt(key, context="bank_session_key") if key else None,
        bdc_date=answer.bdc_date,
        now=uow.now_utc(),
        actor=actor.username,
        error=None,
    )
    uow.audit.append(AuditEvent.by(actor, "bank.sign_in", "bank_session", BDC_NODE))


def ensure_signed_in_in(uow: UnitOfWork, gateway: BankGateway, actor: Actor) -> None:
    """Sign in inside the caller's transaction if needed (the end-of-day step owns one)."""
    record = uow.bank.session(BDC_NODE)
    if record is not None and record.state == "signed_in":
        return
    seq_no, day = _seq(uow)
    answer = gateway.sign_in(seq_no=seq_no, send_date=day)
    if answer.answer != Answer.SUCCESS:
        raise BankConflict("bank_sign_in_refused", reason=f"{answer.code} {answer.message}".strip()[:100])
    _record_sign_in(uow, actor, answer)


def sign_out(uow_factory: UnitOfWorkFactory, actor: Actor, gateway: BankGateway | None) -> SessionView:
    """BDC002: close the session (end of day). The local state is signed out whatever the answer."""
    actor.require(Permission.BANK_OPERATE)
    bank = require_gateway(gateway)
    seq_no, day = run(uow_factory, _seq)
    error: str | None = None
    try:
        answer = bank.sign_out(seq_no=seq_no, send_date=day)
        if answer.answer != Answer.SUCCESS:
            error = f"{answer.code} {answer.message}".strip()[:200]
    except BankLinkError as exc:
        error = exc.message[:200]

    def record(uow: UnitOfWork) -> SessionView:
        uow.bank.save_session(
            BDC_NODE,
            state="signed_out",
            session_key_enc=None,
            bdc_date=None,
            now=uow.now_utc(),
            actor=actor.username,
            error=error,
        )
        uow.audit.append(
            AuditEvent.by(
                actor,
                "bank.sign_out",
                "bank_session",
                BDC_NODE,
                result="success" if error is None else "failure",
            )
        )
        return session_state(uow, None, configured=True)

    return run(uow_factory, record)


def ensure_signed_in(uow_factory: UnitOfWorkFactory, gateway: BankGateway, actor: Actor) -> None:
    """Sign in first if the session is not open (the platform refuses business messages before)."""
    record = read(uow_factory, lambda uow: uow.bank.session(BDC_NODE))
    if record is not None and record.state == "signed_in":
        return
    sign_in(uow_factory, Actor.system("bank") if not actor.has(Permission.BANK_OPERATE) else actor, gateway)


# --- queries -------------------------------------------------------------------------------------


def get_instruction(uow: UnitOfWork, actor: Actor | None, e2e_id: str) -> InstructionView:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    record = uow.bank.instruction(e2e_id.strip())
    if record is None:
        raise BankNotFound("not_found", what=f"银行指令 {e2e_id[:24]}")
    events = [
        EventView(
            at=e.at,
            action=e.action,
            action_label=EVENT_LABELS.get(e.action, e.action),
            seq_no=e.seq_no,
            answer=e.answer,
            code=e.code,
            message=e.message,
            actor=e.actor,
        )
        for e in uow.bank.events(record.id)
    ]
    items = uow.bank.batch_items(record.id) if record.kind == InstructionKind.BATCH_RECEIPT else []
    return instruction_view(record, events=events, items=items)


def list_instructions(
    uow: UnitOfWork, actor: Actor | None, *, state: str | None = None, limit: int = 50, offset: int = 0
) -> list[InstructionView]:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    if state == "open":
        states: tuple[str, ...] | None = InstructionState.OPEN
    elif state:
        if state not in InstructionState.ALL:
            raise BankRuleViolation("bank_state_invalid", value=state[:20])
        states = (state,)
    else:
        states = None
    return [
        instruction_view(r) for r in uow.bank.list_instructions(states=states, limit=limit, offset=offset)
    ]


def find_instruction(uow: UnitOfWork, source: str, source_ref: str) -> InstructionView | None:
    """The instruction a business submitted (for a withdrawal page showing its payment)."""
    record = uow.bank.instruction_by_source(source, source_ref)
    return None if record is None else instruction_view(record)


@dataclass(frozen=True, slots=True)
class BalanceView:
    account_no: str
    bank_balance: Money
    available: Money
    book_balance: Money
    reserved: Money
    status: str

    @property
    def difference(self) -> Money:
        return self.bank_balance - self.book_balance


def query_balance(
    uow_factory: UnitOfWorkFactory, actor: Actor, gateway: BankGateway | None, account_no: str
) -> BalanceView:
    """BDC123: the bank's real-time balance beside the book balance of the same account."""
    actor.require(Permission.BANK_VIEW)
    bank = require_gateway(gateway)

    def prepare(uow: UnitOfWork) -> tuple[CentreBankAccountRecord, str, date]:
        account = centre_account(uow, account_no)
        seq_no, day = _seq(uow)
        return account, seq_no, day

    ensure_signed_in(uow_factory, bank, actor)
    account, seq_no, day = run(uow_factory, prepare)
    answer = bank.balance(
        bank_code=account.bank_code, account_no=account.account_no, seq_no=seq_no, send_date=day
    )

    def book(uow: UnitOfWork) -> tuple[Money, Money]:
        assert account.ledger_account_no is not None
        return uow.ledger.balance(account.ledger_account_no), uow.bank.reserved(account.account_no)

    balance, reserved = read(uow_factory, book)
    return BalanceView(account.account_no, answer.balance, answer.available, balance, reserved, answer.status)
