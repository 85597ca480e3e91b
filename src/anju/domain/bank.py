"""Bank settlement (银行结算): instruction states, business types, statement files and the
reconciliation verdicts — pure rules, no I/O (interfaces.md §2, reliability.md I6–I8).

Money enters and leaves the centre only through its special accounts (专户) at the entrusted
banks, by messages of the bank-settlement data application system (BDC). The rules here decide
what an answer of the bank means for an instruction, whether a statement file is whole, and how
each statement line compares with the books. The adapters speak the protocol; the services keep
the outbox, the inbox and the ledger in step.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from anju.errors import Conflict, NotFound, RuleViolation
from anju.ids import UnitAccountNo
from anju.money import Money

# --- errors ------------------------------------------------------------------------------------


class BankRuleViolation(RuleViolation):
    """A settlement request or a clerk's action breaks a rule (bad purpose, amount, account)."""


class BankConflict(Conflict):
    """The instruction, notice or file is not in a state that allows the request."""


class BankNotFound(NotFound):
    """No such instruction, notice, statement or reconciliation."""


class BankLinkError(Conflict):
    """The settlement platform could not be reached or did not answer."""


class BankUnavailable(BankLinkError):
    """Nothing was sent (connection refused, no route): trying again later is safe."""


class BankNoAnswer(BankLinkError):
    """The request may have reached the bank but no valid answer came back: outcome unknown.

    Never resend on this: query the result first (interfaces.md §2.6 rule 2).
    """


class BankMessageRejected(RuleViolation):
    """A message or frame from the counterparty is malformed; it is rejected whole (F6)."""


class BankFileRejected(RuleViolation):
    """A statement or result file is malformed or its totals disagree: rejected whole (I6 e)."""


# --- node numbers and codes (interfaces.md §2.1, §2.3, §2.4) ------------------------------------

BDC_NODE: Final = "D00000"


def centre_node(centre_code: str) -> str:
    """The centre's node: "C" + the first five digits of its area code (C52240 for 522400)."""
    return "C" + centre_code[:5]


def bank_node(bank_code: str) -> str:
    """A bank's node: its 3-digit CNAPS category + "000" (102000 ICBC, 105000 CCB)."""
    return f"{bank_code[:3]}000"


class TxCode:
    SIGN_IN: Final = "BDC001"
    SIGN_OUT: Final = "BDC002"
    PAYMENT: Final = "BDC101"
    RECEIPT: Final = "BDC102"
    BATCH_RECEIPT: Final = "BDC104"
    BATCH_STATUS: Final = "BDC107"
    BATCH_RESULT: Final = "BDC108"
    TRANSFER: Final = "BDC109"
    RESULT_QUERY: Final = "BDC110"
    DETAIL_QUERY: Final = "BDC113"
    BALANCE_QUERY: Final = "BDC123"
    HEARTBEAT: Final = "SYS600"
    ACCOUNT_NOTICE: Final = "SBDC100"


class InstructionKind:
    PAYMENT: Final = "payment"  # 单笔付款 BDC101
    RECEIPT: Final = "receipt"  # 单笔收款 BDC102
    TRANSFER: Final = "transfer"  # 单笔转账 BDC109
    BATCH_RECEIPT: Final = "batch_receipt"  # 批量收款 BDC104
    ALL: Final = (PAYMENT, RECEIPT, TRANSFER, BATCH_RECEIPT)


KIND_LABELS: Final = {
    InstructionKind.PAYMENT: "单笔付款",
    InstructionKind.RECEIPT: "单笔收款",
    InstructionKind.TRANSFER: "单笔转账",
    InstructionKind.BATCH_RECEIPT: "批量收款",
}


@dataclass(frozen=True, slots=True)
class Purpose:
    """What an instruction is for: its kind, the BDC business type (BusType) and a label."""

    code: str
    kind: str
    bus_type: str
    label_zh: str


PURPOSES: Final[dict[str, Purpose]] = {
    p.code: p
    for p in (
        Purpose("partial_withdrawal", InstructionKind.PAYMENT, "02", "部分提取"),
        Purpose("closing_withdrawal", InstructionKind.PAYMENT, "03", "销户提取"),
        Purpose("transfer_out", InstructionKind.PAYMENT, "07", "转移转出"),
        Purpose("loan_disbursement", InstructionKind.PAYMENT, "20", "贷款发放"),
        Purpose("refund", InstructionKind.PAYMENT, "20", "退款"),
        Purpose("other_payment", InstructionKind.PAYMENT, "20", "其他付款"),
        Purpose("remittance", InstructionKind.RECEIPT, "01", "汇补缴收款"),
        Purpose("loan_repayment", InstructionKind.RECEIPT, "05", "贷款扣款"),
        Purpose("fund_transfer", InstructionKind.TRANSFER, "18", "资金调拨"),
        Purpose("loan_funding", InstructionKind.TRANSFER, "04", "划拨委贷基金"),
        Purpose("batch_remittance", InstructionKind.BATCH_RECEIPT, "01", "批量托收汇缴"),
        Purpose("batch_loan_repayment", InstructionKind.BATCH_RECEIPT, "05", "批量贷款扣款"),
    )
}


def purpose_of(code: str, kind: str) -> Purpose:
    purpose = PURPOSES.get(code)
    if purpose is None or purpose.kind != kind:
        raise BankRuleViolation("bank_purpose_invalid", value=code[:40])
    return purpose


# --- instruction states (the outbox) -----------------------------------------------------------


class InstructionState:
    PENDING: Final = "pending"  # persisted, not sent (or the bank said it never got it)
    UNKNOWN: Final = "unknown"  # sent, outcome not known: query before anything else
    PROCESSING: Final = "processing"  # a batch the bank accepted and is still working on
    SUCCEEDED: Final = "succeeded"
    FAILED: Final = "failed"
    MANUAL: Final = "manual"  # queries and resends exhausted: a person verifies with the bank
    ALL: Final = (PENDING, UNKNOWN, PROCESSING, SUCCEEDED, FAILED, MANUAL)
    OPEN: Final = (PENDING, UNKNOWN, PROCESSING, MANUAL)
    FINAL: Final = (SUCCEEDED, FAILED)


STATE_LABELS: Final = {
    InstructionState.PENDING: "待发送",
    InstructionState.UNKNOWN: "结果未知（待查询）",
    InstructionState.PROCESSING: "银行处理中",
    InstructionState.SUCCEEDED: "成功",
    InstructionState.FAILED: "失败",
    InstructionState.MANUAL: "待人工核实",
}

# Bounds so that no instruction is retried forever (Jepsen/TigerBeetle lesson, reliability.md I7).
MAX_SENDS: Final = 3
MAX_QUERIES: Final = 12
RETRY_BASE_SECONDS: Final = 30
RETRY_MAX_SECONDS: Final = 3600


class Answer:
    """What the platform said about a request or, for BDC110, about the original request."""

    SUCCESS: Final = "success"  # TxStatus 0 / original status 0
    FAILURE: Final = "failure"  # TxStatus 1 / original status 1: definitive, nothing was done
    PROCESSING: Final = "processing"  # original status 2
    NOT_FOUND: Final = "not_found"  # BDC110: the bank never received the original request
    UNKNOWN: Final = "unknown"  # any other status: treat as unknown and query


def tx_status_answer(tx_status: str) -> str:
    """TxStatus 0 success, 1 failure; anything else is unknown (interfaces.md §2.2)."""
    return {"0": Answer.SUCCESS, "1": Answer.FAILURE}.get(tx_status.strip(), Answer.UNKNOWN)


class Step:
    """What the dispatcher does next with an instruction."""

    SEND: Final = "send"
    QUERY: Final = "query"
    POLL: Final = "poll"  # a processing batch: ask its status, fetch the result
    WAIT: Final = "wait"
    MANUAL: Final = "manual"
    NONE: Final = "none"


def next_step(state: str, *, sends: int, queries: int, force_query: bool = False) -> str:
    """The dispatcher's next move. A pending instruction is sent (with its original end-to-end
    id), an unknown one is queried, never resent blindly; past the bounds a person decides."""
    if state == InstructionState.PENDING:
        return Step.SEND if sends < MAX_SENDS else Step.MANUAL
    if state == InstructionState.UNKNOWN:
        return Step.QUERY if queries < MAX_QUERIES else Step.MANUAL
    if state == InstructionState.PROCESSING:
        return Step.POLL if queries < MAX_QUERIES else Step.MANUAL
    if state == InstructionState.MANUAL and force_query:
        return Step.QUERY
    return Step.NONE


def state_after_query(answer: str, *, sends: int) -> str:
    """The state an instruction moves to on a BDC110 answer about its original request."""
    if answer == Answer.SUCCESS:
        return InstructionState.SUCCEEDED
    if answer == Answer.FAILURE:
        return InstructionState.FAILED
    if answer == Answer.NOT_FOUND:
        # The bank never got it: resending the same end-to-end id is safe, within the bound.
        return InstructionState.PENDING if sends < MAX_SENDS else InstructionState.MANUAL
    return InstructionState.UNKNOWN


def retry_delay_seconds(attempts: int) -> int:
    """Exponential back-off between automatic queries: 30 s, 60 s, 120 s ... at most an hour."""
    return int(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, min(attempts, 20))))


# --- statement files (SBDC100 / BDC113 layout, interfaces.md §2.5) -----------------------------

STATEMENT_FIELDS: Final = 23
CNY: Final = "156"


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement on a centre bank account as the bank reports it. `amount` is signed:
    positive money into the account (credit by the bank), negative money out."""

    seq: int
    account_no: str
    serial: str  # the bank host serial number (流水号): unique per movement
    tx_code: str
    counterparty_account: str
    counterparty_name: str
    amount: Money
    tx_date: date
    tx_time: str  # HHMMSS
    available: Money | None = None
    branch: str = ""
    remark: str = ""
    currency: str = CNY
    cash_flag: str = "0"
    balance: Money | None = None
    overdraft: Money | None = None
    voucher_type: str = ""
    voucher_no: str = ""
    counterparty_bank: str = ""
    summary: str = ""
    reversal_flag: str = "0"
    entry_no: str = ""
    book_no: str = ""

    @property
    def is_credit(self) -> bool:
        return self.amount.fen > 0


@dataclass(frozen=True, slots=True)
class StatementFile:
    """A statement of one account for a day range, with the totals it declares (its trailer)."""

    account_no: str
    start: date
    end: date
    lines: tuple[StatementLine, ...]
    declared_count: int
    declared_total: Money  # Σ signed amounts
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    name: str = ""

    def check(self) -> None:
        """Refuse the whole file if it is not internally consistent (I6 e, F6)."""
        if self.start > self.end:
            raise BankFileRejected("bank_file_invalid", reason="起止日期颠倒")
        if len(self.lines) != self.declared_count:
            raise BankFileRejected(
                "bank_file_invalid", reason=f"笔数不符：声明 {self.declared_count}，实有 {len(self.lines)}"
            )
        total = Money(sum(line.amount.fen for line in self.lines))
        if total != self.declared_total:
            raise BankFileRejected(
                "bank_file_invalid", reason=f"金额合计不符：声明 {self.declared_total}，实有 {total}"
            )
        if (
            self.opening_balance is not None
            and self.closing_balance is not None
            and self.opening_balance + total != self.closing_balance
        ):
            raise BankFileRejected("bank_file_invalid", reason="期初余额加发生额不等于期末余额")
        for line in self.lines:
            if line.account_no != self.account_no:
                raise BankFileRejected("bank_file_invalid", reason=f"第 {line.seq} 行账号与文件不符")
            if not self.start <= line.tx_date <= self.end:
                raise BankFileRejected("bank_file_invalid", reason=f"第 {line.seq} 行日期超出文件范围")
            if not line.serial:
                raise BankFileRejected("bank_file_invalid", reason=f"第 {line.seq} 行缺少银行流水号")
            if line.currency != CNY:
                raise BankFileRejected("bank_file_invalid", reason=f"第 {line.seq} 行币种不是人民币")

    @property
    def digest(self) -> str:
        """A fingerprint of the content (not of its transport): the same file twice is refused."""
        h = hashlib.sha256()
        h.update(f"{self.account_no}|{self.start}|{self.end}|{self.declared_count}|".encode())
        h.update(
            f"{self.declared_total.fen}|{_fen(self.opening_balance)}|{_fen(self.closing_balance)}\n".encode()
        )
        for line in self.lines:
            h.update(
                "|".join(
                    (
                        str(line.seq),
                        line.serial,
                        line.tx_code,
                        line.counterparty_account,
                        line.counterparty_name,
                        str(line.amount.fen),
                        line.tx_date.isoformat(),
                        line.tx_time,
                        line.remark,
                        line.summary,
                    )
                ).encode("utf-8")
                + b"\n"
            )
        return h.hexdigest()


def _fen(value: Money | None) -> str:
    return "" if value is None else str(value.fen)


# --- inbound movements (the inbox) --------------------------------------------------------------


class NoticeState:
    POSTED: Final = "posted"  # booked (a unit remittance, matched or to suspense)
    OWN: Final = "own"  # the movement of one of our own instructions: booked by the outbox
    UNIDENTIFIED: Final = "unidentified"  # money in, payer unit not known: a clerk assigns it
    UNEXPLAINED: Final = "unexplained"  # money out we did not instruct (fees ...): finance checks
    HANDLED: Final = "handled"  # a person dealt with it (manual voucher, returned ...)
    EXCEPTION: Final = "exception"  # contradicts what we know (a failed instruction debited ...)
    ALL: Final = (POSTED, OWN, UNIDENTIFIED, UNEXPLAINED, HANDLED, EXCEPTION)
    OPEN: Final = (UNIDENTIFIED, UNEXPLAINED, EXCEPTION)


NOTICE_LABELS: Final = {
    NoticeState.POSTED: "已入账",
    NoticeState.OWN: "本中心指令",
    NoticeState.UNIDENTIFIED: "来款单位不明（待认领）",
    NoticeState.UNEXPLAINED: "未知支出（待核实）",
    NoticeState.HANDLED: "已人工处理",
    NoticeState.EXCEPTION: "异常（与指令状态矛盾）",
}

_UNIT_ACCOUNT_RE = re.compile(r"(?<![0-9])10[0-9]{14}(?![0-9])")


def find_unit_account_no(*texts: str) -> str | None:
    """The first well-formed unit account number (单位账号, check digit valid) in the texts.

    Units write their account number in the remittance remark (附言); the bank passes it on.
    """
    for text in texts:
        for match in _UNIT_ACCOUNT_RE.finditer(text or ""):
            if UnitAccountNo.is_well_formed(match.group(0)):
                return match.group(0)
    return None


# --- daily reconciliation (对账, reliability.md I8) ---------------------------------------------


class Verdict:
    MATCHED: Final = "matched"  # on the statement and in the books, same amount
    MISSING: Final = "missing"  # in the books, not on the statement
    DUPLICATE: Final = "duplicate"  # a serial the statement shows more than once
    AMOUNT_MISMATCH: Final = "amount_mismatch"  # same movement, different amounts
    UNKNOWN: Final = "unknown"  # on the statement, not in the books
    ALL: Final = (MATCHED, MISSING, DUPLICATE, AMOUNT_MISMATCH, UNKNOWN)


VERDICT_LABELS: Final = {
    Verdict.MATCHED: "相符",
    Verdict.MISSING: "银行对账单无此笔（本中心已记账）",
    Verdict.DUPLICATE: "对账单重复记录",
    Verdict.AMOUNT_MISMATCH: "金额不符",
    Verdict.UNKNOWN: "本中心未记账（对账单有此笔）",
}


@dataclass(frozen=True, slots=True)
class LedgerMovement:
    """A posting on the bank's 101xx ledger account: + into the account (debit), − out."""

    voucher_no: str
    amount: Money
    serials: frozenset[str] = frozenset()  # bank serials this voucher is known to settle
    source_ref: str = ""
    memo: str = ""


@dataclass(frozen=True, slots=True)
class ReconItem:
    verdict: str
    serial: str | None = None
    line_seq: int | None = None
    statement_amount: Money | None = None
    voucher_no: str | None = None
    ledger_amount: Money | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReconOutcome:
    items: tuple[ReconItem, ...]
    statement_total: Money
    ledger_total: Money
    counts: dict[str, int] = field(default_factory=dict)
    statement_sums: dict[str, Money] = field(default_factory=dict)  # by verdict, statement side
    ledger_sums: dict[str, Money] = field(default_factory=dict)  # by verdict, ledger side

    @property
    def balanced(self) -> bool:
        return all(item.verdict == Verdict.MATCHED for item in self.items)


def reconcile_lines(lines: Sequence[StatementLine], movements: Sequence[LedgerMovement]) -> ReconOutcome:
    """Compare a day's statement with the day's postings on the bank's ledger account.

    Pairing, strongest first: a movement linked to the line's serial (the inbox or outbox
    recorded which voucher settled it), a voucher whose source_ref is the serial, then one
    unlinked movement of exactly the same signed amount. A serial the statement repeats is a
    duplicate after its first line. Nothing is adjusted: the result is a report.
    """
    by_serial: dict[str, int] = {}
    for index, movement in enumerate(movements):
        for serial in (*movement.serials, movement.source_ref):
            if serial:
                by_serial.setdefault(serial, index)
    used: set[int] = set()
    seen: set[str] = set()
    items: list[ReconItem] = []
    pending: list[StatementLine] = []
    for line in lines:
        if line.serial in seen:
            items.append(_line_item(Verdict.DUPLICATE, line, note="同一流水号再次出现"))
            continue
        seen.add(line.serial)
        linked = by_serial.get(line.serial)
        if linked is None or linked in used:
            pending.append(line)
            continue
        used.add(linked)
        items.append(_paired(line, movements[linked], note=""))
    unlinked = [i for i, m in enumerate(movements) if i not in used and not m.serials]
    for line in pending:
        found = next((i for i in unlinked if i not in used and movements[i].amount == line.amount), None)
        if found is None:
            items.append(_line_item(Verdict.UNKNOWN, line, note="账上无对应凭证"))
            continue
        used.add(found)
        items.append(_paired(line, movements[found], note="按金额匹配"))
    for index, movement in enumerate(movements):
        if index not in used:
            items.append(
                ReconItem(
                    Verdict.MISSING,
                    serial=next(iter(sorted(movement.serials)), None),
                    voucher_no=movement.voucher_no,
                    ledger_amount=movement.amount,
                    note=movement.memo[:100],
                )
            )
    return _outcome(items, lines, movements)


def _line_item(verdict: str, line: StatementLine, *, note: str) -> ReconItem:
    return ReconItem(verdict, serial=line.serial, line_seq=line.seq, statement_amount=line.amount, note=note)


def _paired(line: StatementLine, movement: LedgerMovement, *, note: str) -> ReconItem:
    verdict = Verdict.MATCHED if movement.amount == line.amount else Verdict.AMOUNT_MISMATCH
    return ReconItem(
        verdict,
        serial=line.serial,
        line_seq=line.seq,
        statement_amount=line.amount,
        voucher_no=movement.voucher_no,
        ledger_amount=movement.amount,
        note=note,
    )


def _outcome(
    items: list[ReconItem], lines: Sequence[StatementLine], movements: Sequence[LedgerMovement]
) -> ReconOutcome:
    counts = dict.fromkeys(Verdict.ALL, 0)
    statement_sums = dict.fromkeys(Verdict.ALL, Money.ZERO)
    ledger_sums = dict.fromkeys(Verdict.ALL, Money.ZERO)
    for item in items:
        counts[item.verdict] += 1
        if item.statement_amount is not None:
            statement_sums[item.verdict] += item.statement_amount
        if item.ledger_amount is not None:
            ledger_sums[item.verdict] += item.ledger_amount
    return ReconOutcome(
        items=tuple(items),
        statement_total=_sum(line.amount for line in lines),
        ledger_total=_sum(m.amount for m in movements),
        counts=counts,
        statement_sums=statement_sums,
        ledger_sums=ledger_sums,
    )


def _sum(amounts: Iterable[Money]) -> Money:
    return Money(sum(a.fen for a in amounts))
