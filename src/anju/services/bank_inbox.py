"""Money the banks report (the inbox): account-change notices (SBDC100), daily statements
(BDC113) and statement files a clerk imports (reliability.md I6).

Every movement is claimed once, by (centre account, bank serial), in the same transaction as
whatever it books, so a notice delivered twice, a statement overlapping an earlier one, or an
import killed half-way and run again books each movement exactly once. What a movement means:

* one of our own instructions (its end-to-end id in the remark, or its host serial): the outbox
  books it; if the outbox did not know the outcome yet, the movement is the proof of success;
* money in with a unit account number in the remark: a unit remittance, matched to a confirmed
  roster or credited to the unit's suspense account (`remittance.receive_unit_payment`);
* anything else waits for a person: unidentified money in (a clerk assigns the unit) or money
  out we did not instruct (finance checks it). Nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Final

from anju.domain.bank import (
    NOTICE_LABELS,
    BankConflict,
    BankFileRejected,
    BankNotFound,
    BankRuleViolation,
    InstructionKind,
    InstructionState,
    NoticeState,
    StatementFile,
    StatementLine,
    find_unit_account_no,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import Conflict, NotFound, RuleViolation
from anju.ids import UnitAccountNo, mask_bank_card, mask_name
from anju.money import Money
from anju.services import bank
from anju.services.bank import ReceiptSettlement, book_receipt, centre_account, e2e_ids_in, settle_success
from anju.services.calendar import current_business_date
from anju.services.ports import (
    BankGateway,
    CentreBankAccountRecord,
    InstructionRecord,
    NoticeRecord,
    StatementFileRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from anju.services.runner import run

DEFAULT_CHUNK: Final = 200
AUTOMATIC: Final = Actor.system("bank_inbox")
REMITTANCE: Final = "remittance"


# --- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    account_no: str
    serial: str
    tx_date: date
    amount: Money
    direction_label: str  # 收入 | 支出
    counterparty_masked: str
    counterparty_name_masked: str
    remark: str
    summary: str
    source: str
    state: str
    state_label: str
    instruction_e2e_id: str | None
    voucher_no: str | None
    unit_account_no: str | None
    note: str | None
    received_at: datetime
    processed_by: str | None

    @property
    def is_open(self) -> bool:
        return self.state in NoticeState.OPEN


def notice_view(record: NoticeRecord) -> NoticeView:
    return NoticeView(
        id=record.id,
        account_no=record.account_no,
        serial=record.serial,
        tx_date=record.tx_date,
        amount=record.amount,
        direction_label="收入" if record.amount.is_positive else "支出",
        counterparty_masked=mask_bank_card(record.counterparty_account),
        counterparty_name_masked=mask_name(record.counterparty_name),
        remark=record.remark,
        summary=record.summary,
        source=record.source,
        state=record.state,
        state_label=NOTICE_LABELS.get(record.state, record.state),
        instruction_e2e_id=record.instruction_e2e_id,
        voucher_no=record.voucher_no,
        unit_account_no=record.unit_account_no,
        note=record.note,
        received_at=record.received_at,
        processed_by=record.processed_by,
    )


@dataclass(frozen=True, slots=True)
class ImportView:
    """What importing a file did. `already`: the same file had been imported; nothing new."""

    file_id: int
    account_no: str
    start: date
    end: date
    source: str
    name: str
    line_count: int
    new_lines: int
    states: dict[str, int]  # new inbox rows of this file by state
    already: bool = False


@dataclass(frozen=True, slots=True)
class StatementFileView:
    id: int
    account_no: str
    start: date
    end: date
    source: str
    name: str
    state: str
    line_count: int
    total: Money
    opening: Money | None
    closing: Money | None
    new_lines: int
    created_at: datetime
    created_by: str


def _file_view(r: StatementFileRecord) -> StatementFileView:
    return StatementFileView(
        r.id,
        r.account_no,
        r.start,
        r.end,
        r.source,
        r.name,
        r.state,
        r.line_count,
        r.total,
        r.opening,
        r.closing,
        r.new_lines,
        r.created_at,
        r.created_by,
    )


# --- one movement --------------------------------------------------------------------------------


def _own_instruction(uow: UnitOfWork, line: StatementLine) -> InstructionRecord | None:
    for e2e_id in e2e_ids_in(line.remark, line.summary):
        record = uow.bank.lock_instruction(e2e_id)
        if record is not None:
            return record
    found = uow.bank.instruction_by_host_serial(line.serial)
    return None if found is None else uow.bank.lock_instruction(found.e2e_id)


def _expected_sign(record: InstructionRecord, account_no: str) -> int:
    if record.kind == InstructionKind.TRANSFER:
        return 1 if account_no == record.counterparty_account_no else -1
    return -1 if record.kind == InstructionKind.PAYMENT else 1


def _own_movement(
    uow: UnitOfWork, actor: Actor, record: InstructionRecord, line: StatementLine
) -> tuple[str, dict[str, object]]:
    changes: dict[str, object] = {"instruction_e2e_id": record.e2e_id}
    if record.kind == InstructionKind.BATCH_RECEIPT or record.state == InstructionState.SUCCEEDED:
        if record.state == InstructionState.SUCCEEDED and record.host_serial is None:
            uow.bank.update_instruction(record.e2e_id, uow.now_utc(), host_serial=line.serial)
        return NoticeState.OWN, changes
    sign = 1 if line.amount.is_positive else -1
    consistent = sign == _expected_sign(record, line.account_no) and abs(line.amount) == record.amount
    if record.state == InstructionState.FAILED or not consistent:
        changes["note"] = "银行显示此笔已发生，与本中心指令状态或金额不符，请核实"
        return NoticeState.EXCEPTION, changes
    if record.state == InstructionState.PENDING:
        # The bank shows a movement we believe it never received: stop any resend, ask a person.
        uow.bank.update_instruction(record.e2e_id, uow.now_utc(), state=InstructionState.MANUAL)
        changes["note"] = "银行显示此笔已发生，但指令记为未发送；已停止重发，请人工核实"
        return NoticeState.EXCEPTION, changes
    settle_success(uow, actor, record, host_serial=line.serial, code="", message="银行账户变动确认")
    uow.bank.add_event(
        record.id,
        action="notice",
        now=uow.now_utc(),
        actor=actor.username,
        answer="success",
        code=line.serial,
    )
    return NoticeState.OWN, changes


def _remittance(
    uow: UnitOfWork, actor: Actor, account: CentreBankAccountRecord, line: StatementLine, unit: str
) -> tuple[str, dict[str, object]]:
    settlement = ReceiptSettlement(
        purpose=REMITTANCE,
        ref_account_no=unit,
        amount=line.amount,
        serial=line.serial,
        centre_account_no=account.account_no,
        received_on=line.tx_date,
        channel="bank",
    )
    try:
        with uow.savepoint():
            voucher_no = book_receipt(uow, actor, settlement)
    except (RuleViolation, NotFound, Conflict) as exc:
        return NoticeState.UNIDENTIFIED, {"unit_account_no": unit, "note": exc.message[:200]}
    return NoticeState.POSTED, {"unit_account_no": unit, "voucher_no": voucher_no}


def _classify(
    uow: UnitOfWork, actor: Actor, account: CentreBankAccountRecord, line: StatementLine
) -> tuple[str, dict[str, object]]:
    own = _own_instruction(uow, line)
    if own is not None:
        return _own_movement(uow, actor, own, line)
    if not line.is_credit:
        return NoticeState.UNEXPLAINED, {"note": "非本中心指令的支出，请核实（手续费、扣划等）"}
    unit = find_unit_account_no(line.remark, line.summary)
    if unit is None:
        return NoticeState.UNIDENTIFIED, {"note": "附言中没有有效的单位账号"}
    return _remittance(uow, actor, account, line, unit)


def take_line(
    uow: UnitOfWork,
    actor: Actor,
    line: StatementLine,
    *,
    account: CentreBankAccountRecord,
    source: str,
    file_id: int | None,
) -> NoticeRecord | None:
    """Claim one movement and book what it means; None when it was already in the inbox."""
    now = uow.now_utc()
    notice = uow.bank.insert_notice(
        {
            "account_no": account.account_no,
            "serial": line.serial,
            "bank_code": account.bank_code,
            "tx_date": line.tx_date,
            "amount": line.amount,
            "counterparty_account": line.counterparty_account,
            "counterparty_name": line.counterparty_name[:120],
            "remark": line.remark[:200],
            "summary": line.summary[:200],
            "source": source,
            "state": NoticeState.UNIDENTIFIED,
            "file_id": file_id,
            "received_at": now,
        }
    )
    if notice is None:
        return None
    # What a movement means is decided by rule, not by the person who fetched the file: the
    # booking runs as the bank channel (an automatic step), the inbox row names who imported it.
    state, changes = _classify(uow, AUTOMATIC, account, line)
    uow.bank.update_notice(notice.id, state=state, processed_at=now, processed_by=actor.username, **changes)
    return uow.bank.notice(notice.id)


# --- files ---------------------------------------------------------------------------------------

_SOURCE_ORIGIN: Final = {"bdc113": "notice", "sbdc100": "notice", "upload": "upload"}


def _chunks(lines: Sequence[StatementLine], size: int) -> Iterator[Sequence[StatementLine]]:
    for start in range(0, len(lines), max(1, size)):
        yield lines[start : start + size]


def _claim(
    uow: UnitOfWork, *, actor: Actor, file: StatementFile, source: str, duplicate_ok: bool
) -> tuple[StatementFileRecord, CentreBankAccountRecord, bool]:
    """(file row, account, already imported). A new file stores its lines as received."""
    account = centre_account(uow, file.account_no)
    record, created = uow.bank.claim_file(
        {
            "account_no": account.account_no,
            "start_date": file.start,
            "end_date": file.end,
            "digest": file.digest,
            "source": source,
            "name": file.name[:120],
            "state": "importing",
            "line_count": len(file.lines),
            "total_fen": file.declared_total.fen,
            "opening_fen": file.opening_balance.fen if file.opening_balance is not None else None,
            "closing_fen": file.closing_balance.fen if file.closing_balance is not None else None,
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    if created:
        uow.bank.insert_statement_lines(record.id, file.lines)
    elif record.state == "imported":
        if duplicate_ok:
            return record, account, True
        raise BankConflict("bank_file_already_imported", name=record.name or record.digest[:12])
    uow.audit.append(
        AuditEvent.by(
            actor,
            "bank.import_statement",
            "bank_statement_file",
            str(record.id),
            details={
                "account_no": account.account_no,
                "source": source,
                "lines": len(file.lines),
                "resumed": not created,
            },
        )
    )
    return record, account, False


def _take_chunk(
    uow: UnitOfWork,
    *,
    actor: Actor,
    lines: Sequence[StatementLine],
    account_no: str,
    source: str,
    file_id: int,
) -> int:
    account = centre_account(uow, account_no)
    taken = 0
    for line in lines:
        if take_line(uow, actor, line, account=account, source=source, file_id=file_id) is not None:
            taken += 1
    return taken


def _finish(uow: UnitOfWork, *, file_id: int, already: bool) -> ImportView:
    if not already:
        uow.bank.finish_file(file_id, now=uow.now_utc())
    record = uow.bank.statement_file(file_id)
    assert record is not None
    return ImportView(
        file_id=record.id,
        account_no=record.account_no,
        start=record.start,
        end=record.end,
        source=record.source,
        name=record.name,
        line_count=record.line_count,
        new_lines=0 if already else record.new_lines,
        states={} if already else uow.bank.notice_counts_for_file(record.id),
        already=already,
    )


def _check_actor(actor: Actor) -> None:
    actor.require(Permission.BANK_OPERATE)


def import_statement_in(
    uow: UnitOfWork, actor: Actor, file: StatementFile, *, source: str, duplicate_ok: bool = False
) -> ImportView:
    """Import a whole file in the caller's transaction (notices, the end-of-day pull)."""
    _check_actor(actor)
    file.check()
    record, account, already = _claim(uow, actor=actor, file=file, source=source, duplicate_ok=duplicate_ok)
    if not already:
        _take_chunk(
            uow,
            actor=actor,
            lines=file.lines,
            account_no=account.account_no,
            source=_SOURCE_ORIGIN[source],
            file_id=record.id,
        )
    return _finish(uow, file_id=record.id, already=already)


def import_statement(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    file: StatementFile,
    *,
    source: str = "upload",
    chunk_size: int = DEFAULT_CHUNK,
    duplicate_ok: bool = False,
) -> ImportView:
    """Import a statement file in chunks, each chunk one transaction (large files, the CLI).

    The whole file is checked first (lines, count, sum, balances) and refused whole if anything
    is wrong. A file imported before is refused (`bank_file_already_imported`); one whose import
    was interrupted resumes, and the inbox makes every line book exactly once.
    """
    _check_actor(actor)
    file.check()
    record, account, already = run(
        uow_factory, partial(_claim, actor=actor, file=file, source=source, duplicate_ok=duplicate_ok)
    )
    if not already:
        for chunk in _chunks(file.lines, chunk_size):
            run(
                uow_factory,
                partial(
                    _take_chunk,
                    actor=actor,
                    lines=chunk,
                    account_no=account.account_no,
                    source=_SOURCE_ORIGIN[source],
                    file_id=record.id,
                ),
            )
    return run(uow_factory, partial(_finish, file_id=record.id, already=already))


def receive_notice(uow_factory: UnitOfWorkFactory, file: StatementFile) -> ImportView:
    """An account-change notice (SBDC100) pushed by the platform: booked in one transaction,
    so the acknowledgement the listener sends after it means "booked". Redelivery is harmless."""
    actor = Actor.system("bank_notice")
    return run(
        uow_factory, lambda uow: import_statement_in(uow, actor, file, source="sbdc100", duplicate_ok=True)
    )


def fetch_statement(
    uow_factory: UnitOfWorkFactory, actor: Actor, gateway: BankGateway | None, account_no: str, day: date
) -> ImportView:
    """BDC113: pull a day's statement of one account and import it (the backstop for notices)."""
    _check_actor(actor)
    link = bank.require_gateway(gateway)

    def prepare(uow: UnitOfWork) -> tuple[CentreBankAccountRecord, str, date]:
        account = centre_account(uow, account_no)
        today = current_business_date(uow)
        return account, bank.new_seq_no(uow, today), today

    bank.ensure_signed_in(uow_factory, link, actor)
    account, seq_no, today = run(uow_factory, prepare)
    file = link.statement(
        bank_code=account.bank_code,
        account_no=account.account_no,
        start=day,
        end=day,
        seq_no=seq_no,
        send_date=today,
    )
    if file.account_no != account.account_no or file.start != day or file.end != day:
        raise BankFileRejected("bank_file_invalid", reason="对账单账号或日期与请求不符")
    return import_statement(uow_factory, actor, file, source="bdc113", duplicate_ok=True)


def fetch_statement_in(
    uow: UnitOfWork, actor: Actor, gateway: BankGateway, account: CentreBankAccountRecord, day: date
) -> ImportView:
    """The same inside one transaction (the end-of-day step owns its transaction)."""
    file = gateway.statement(
        bank_code=account.bank_code,
        account_no=account.account_no,
        start=day,
        end=day,
        seq_no=bank.new_seq_no(uow, current_business_date(uow)),
        send_date=current_business_date(uow),
    )
    if file.account_no != account.account_no or file.start != day or file.end != day:
        raise BankFileRejected("bank_file_invalid", reason="对账单账号或日期与请求不符")
    return import_statement_in(uow, actor, file, source="bdc113", duplicate_ok=True)


# --- a person deals with what the system could not -----------------------------------------------


def _open_notice(uow: UnitOfWork, notice_id: int) -> NoticeRecord:
    record = uow.bank.notice(notice_id)
    if record is None:
        raise BankNotFound("not_found", what=f"银行来账 {notice_id}")
    if record.state not in NoticeState.OPEN:
        raise BankConflict("bank_notice_state", state=NOTICE_LABELS.get(record.state, record.state))
    return record


def assign_notice(uow: UnitOfWork, actor: Actor, notice_id: int, unit_account_no: str) -> NoticeView:
    """A clerk names the unit an unidentified credit came from; it is then booked as that unit's
    remittance (matched to a confirmed roster, or held in the unit's suspense account)."""
    actor.require(Permission.BANK_ALLOCATE)
    record = _open_notice(uow, notice_id)
    if record.state != NoticeState.UNIDENTIFIED or not record.amount.is_positive:
        raise BankConflict("bank_notice_state", state=NOTICE_LABELS.get(record.state, record.state))
    unit = UnitAccountNo.parse(unit_account_no).value
    voucher_no = book_receipt(
        uow,
        actor,
        ReceiptSettlement(
            purpose=REMITTANCE,
            ref_account_no=unit,
            amount=record.amount,
            serial=record.serial,
            centre_account_no=record.account_no,
            received_on=record.tx_date,
            channel="bank",
        ),
    )
    uow.bank.update_notice(
        record.id,
        state=NoticeState.POSTED,
        unit_account_no=unit,
        voucher_no=voucher_no,
        note="人工认领",
        processed_at=uow.now_utc(),
        processed_by=actor.username,
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "bank.assign_notice",
            "bank_notice",
            f"{record.account_no}/{record.serial}",
            details={"unit_account_no": unit, "amount": str(record.amount), "voucher_no": voucher_no},
        )
    )
    return notice_view(_notice(uow, record.id))


def close_notice(
    uow: UnitOfWork, actor: Actor, notice_id: int, *, note: str, voucher_no: str | None = None
) -> NoticeView:
    """Finance records how an open item was dealt with (a manual voucher for a bank fee, money
    returned to the payer ...). The ledger is not touched here."""
    actor.require(Permission.BANK_RESOLVE)
    record = _open_notice(uow, notice_id)
    text = " ".join(note.split())
    if not text:
        raise BankRuleViolation("required_field", field="处理说明")
    if len(text) > 200:
        raise BankRuleViolation("text_too_long", field="处理说明", max=200)
    if voucher_no:
        uow.ledger.get_voucher(voucher_no.strip())  # must exist
    uow.bank.update_notice(
        record.id,
        state=NoticeState.HANDLED,
        note=text,
        voucher_no=voucher_no.strip() if voucher_no else record.voucher_no,
        processed_at=uow.now_utc(),
        processed_by=actor.username,
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "bank.close_notice",
            "bank_notice",
            f"{record.account_no}/{record.serial}",
            reason=text,
            details={"voucher_no": voucher_no},
        )
    )
    return notice_view(_notice(uow, record.id))


def _notice(uow: UnitOfWork, notice_id: int) -> NoticeRecord:
    record = uow.bank.notice(notice_id)
    if record is None:
        raise BankNotFound("not_found", what=f"银行来账 {notice_id}")
    return record


# --- queries -------------------------------------------------------------------------------------


def list_notices(
    uow: UnitOfWork, actor: Actor | None, *, state: str | None = None, limit: int = 50, offset: int = 0
) -> list[NoticeView]:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    if state == "open":
        states: tuple[str, ...] | None = NoticeState.OPEN
    elif state:
        if state not in NoticeState.ALL:
            raise BankRuleViolation("bank_state_invalid", value=state[:20])
        states = (state,)
    else:
        states = None
    return [notice_view(r) for r in uow.bank.list_notices(states=states, limit=limit, offset=offset)]


def get_notice(uow: UnitOfWork, actor: Actor | None, notice_id: int) -> NoticeView:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    return notice_view(_notice(uow, notice_id))


def list_statement_files(
    uow: UnitOfWork, actor: Actor | None, *, limit: int = 50, offset: int = 0
) -> list[StatementFileView]:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    return [_file_view(r) for r in uow.bank.list_files(limit=limit, offset=offset)]
