"""Bank settlement schemas: sign-in state, instructions, inbox, statements, reconciliation.

Amounts are yuan strings; a person's card number and name only ever leave masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount


class SessionOut(ReplyModel):
    configured: bool
    state: str
    state_label: str
    bdc_date: date | None
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    last_error: str | None
    instructions: dict[str, int]
    notices: dict[str, int]

    @classmethod
    def of(cls, v: Any) -> SessionOut:
        return cls(
            configured=v.configured,
            state=v.state,
            state_label=v.state_label,
            bdc_date=v.bdc_date,
            signed_in_at=v.signed_in_at,
            signed_out_at=v.signed_out_at,
            last_error=v.last_error,
            instructions=dict(v.instructions),
            notices=dict(v.notices),
        )


class EventOut(ReplyModel):
    at: datetime
    action: str
    action_label: str
    seq_no: str | None
    answer: str | None
    code: str | None
    message: str | None
    actor: str


class BatchItemOut(ReplyModel):
    seq: int
    amount: YuanAmount
    account_masked: str
    name_masked: str
    ref_account_no: str
    state: str
    host_serial: str | None
    message: str | None
    voucher_no: str | None


class InstructionOut(ReplyModel):
    e2e_id: str = Field(description="端到端标识（每次发送的 SendSeqNo，重发不变）")
    kind: str
    kind_label: str
    purpose: str
    purpose_label: str
    bus_type: str
    state: str = Field(description="pending | unknown | processing | succeeded | failed | manual")
    state_label: str
    bank_code: str
    centre_account_no: str
    centre_account_name: str
    counterparty_masked: str
    counterparty_name_masked: str
    amount: YuanAmount
    ref_account_no: str
    summary: str
    source: str
    source_ref: str
    business_date: date
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
    finished_at: datetime | None
    events: list[EventOut] = Field(default_factory=list, description="列表中为空；按标识查询时给出")
    items: list[BatchItemOut] = Field(default_factory=list)

    @classmethod
    def of(cls, v: Any) -> InstructionOut:
        return cls(
            e2e_id=v.e2e_id,
            kind=v.kind,
            kind_label=v.kind_label,
            purpose=v.purpose,
            purpose_label=v.purpose_label,
            bus_type=v.bus_type,
            state=v.state,
            state_label=v.state_label,
            bank_code=v.bank_code,
            centre_account_no=v.centre_account_no,
            centre_account_name=v.centre_account_name,
            counterparty_masked=v.counterparty_masked,
            counterparty_name_masked=v.counterparty_name_masked,
            amount=v.amount,
            ref_account_no=v.ref_account_no,
            summary=v.summary,
            source=v.source,
            source_ref=v.source_ref,
            business_date=v.business_date,
            host_serial=v.host_serial,
            rtn_code=v.rtn_code,
            rtn_message=v.rtn_message,
            sends=v.sends,
            queries=v.queries,
            submit_voucher_no=v.submit_voucher_no,
            settle_voucher_no=v.settle_voucher_no,
            reverse_voucher_no=v.reverse_voucher_no,
            created_by=v.created_by,
            created_at=v.created_at,
            finished_at=v.finished_at,
            events=[
                EventOut(
                    at=e.at,
                    action=e.action,
                    action_label=e.action_label,
                    seq_no=e.seq_no,
                    answer=e.answer,
                    code=e.code,
                    message=e.message,
                    actor=e.actor,
                )
                for e in v.events
            ],
            items=[
                BatchItemOut(
                    seq=i.seq,
                    amount=i.amount,
                    account_masked=i.account_masked,
                    name_masked=i.name_masked,
                    ref_account_no=i.ref_account_no,
                    state=i.state,
                    host_serial=i.host_serial,
                    message=i.message,
                    voucher_no=i.voucher_no,
                )
                for i in v.items
            ],
        )


class ResolutionIn(StrictModel):
    outcome: Literal["succeeded", "failed"]
    reason: str = Field(min_length=1, max_length=200, description="核实经过（如与银行电话核实）")
    host_serial: str | None = Field(default=None, max_length=40, description="银行流水号（成功时）")


class TransferIn(StrictModel):
    from_account: str = Field(min_length=6, max_length=30, description="转出专户账号")
    to_account: str = Field(min_length=6, max_length=30, description="转入专户账号")
    amount: YuanAmount
    purpose: Literal["fund_transfer", "loan_funding"] = "fund_transfer"
    memo: str = Field(default="", max_length=60)


class NoticeOut(ReplyModel):
    id: int
    account_no: str
    serial: str
    tx_date: date
    amount: YuanAmount
    direction_label: str
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

    @classmethod
    def of(cls, v: Any) -> NoticeOut:
        return cls(
            id=v.id,
            account_no=v.account_no,
            serial=v.serial,
            tx_date=v.tx_date,
            amount=v.amount,
            direction_label=v.direction_label,
            counterparty_masked=v.counterparty_masked,
            counterparty_name_masked=v.counterparty_name_masked,
            remark=v.remark,
            summary=v.summary,
            source=v.source,
            state=v.state,
            state_label=v.state_label,
            instruction_e2e_id=v.instruction_e2e_id,
            voucher_no=v.voucher_no,
            unit_account_no=v.unit_account_no,
            note=v.note,
            received_at=v.received_at,
            processed_by=v.processed_by,
        )


class AssignmentIn(StrictModel):
    unit_account_no: str = Field(min_length=16, max_length=16, pattern=r"^[0-9]{16}$", description="单位账号")


class ClosureIn(StrictModel):
    note: str = Field(min_length=1, max_length=200, description="处理说明")
    voucher_no: str | None = Field(default=None, max_length=40, description="相关记账凭证号")


class StatementFetchIn(StrictModel):
    account_no: str = Field(min_length=6, max_length=30, description="专户账号")
    date: IsoDate


class ImportOut(ReplyModel):
    file_id: int
    account_no: str
    start: date
    end: date
    source: str
    name: str
    line_count: int
    new_lines: int
    states: dict[str, int]
    already: bool

    @classmethod
    def of(cls, v: Any) -> ImportOut:
        return cls(
            file_id=v.file_id,
            account_no=v.account_no,
            start=v.start,
            end=v.end,
            source=v.source,
            name=v.name,
            line_count=v.line_count,
            new_lines=v.new_lines,
            states=dict(v.states),
            already=v.already,
        )


class StatementFileOut(ReplyModel):
    id: int
    account_no: str
    start: date
    end: date
    source: str
    name: str
    state: str
    line_count: int
    total: YuanAmount
    opening: YuanAmount | None
    closing: YuanAmount | None
    new_lines: int
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, v: Any) -> StatementFileOut:
        return cls(
            id=v.id,
            account_no=v.account_no,
            start=v.start,
            end=v.end,
            source=v.source,
            name=v.name,
            state=v.state,
            line_count=v.line_count,
            total=v.total,
            opening=v.opening,
            closing=v.closing,
            new_lines=v.new_lines,
            created_at=v.created_at,
            created_by=v.created_by,
        )


class ReconItemOut(ReplyModel):
    verdict: str
    verdict_label: str
    serial: str | None
    line_seq: int | None
    statement_amount: YuanAmount | None
    voucher_no: str | None
    ledger_amount: YuanAmount | None
    note: str


class VerdictTotalOut(ReplyModel):
    verdict: str
    label: str
    count: int
    statement_amount: YuanAmount
    ledger_amount: YuanAmount


class ReconciliationOut(ReplyModel):
    id: int
    account_no: str
    business_date: date
    run_no: int
    state: str
    state_label: str
    bank_balance: YuanAmount | None
    book_balance: YuanAmount
    difference: YuanAmount | None
    adjusted_bank_balance: YuanAmount | None
    statement_total: YuanAmount
    ledger_total: YuanAmount
    totals: list[VerdictTotalOut]
    message: str
    created_at: datetime
    created_by: str
    items: list[ReconItemOut] = Field(default_factory=list, description="列表中为空；按编号查询时给出")

    @classmethod
    def of(cls, v: Any) -> ReconciliationOut:
        return cls(
            id=v.id,
            account_no=v.account_no,
            business_date=v.business_date,
            run_no=v.run_no,
            state=v.state,
            state_label=v.state_label,
            bank_balance=v.bank_balance,
            book_balance=v.book_balance,
            difference=v.difference,
            adjusted_bank_balance=v.adjusted_bank_balance,
            statement_total=v.statement_total,
            ledger_total=v.ledger_total,
            totals=[
                VerdictTotalOut(verdict=k, label=label, count=n, statement_amount=s, ledger_amount=g)
                for k, label, n, s, g in v.verdict_rows
            ],
            message=v.message,
            created_at=v.created_at,
            created_by=v.created_by,
            items=[
                ReconItemOut(
                    verdict=i.verdict,
                    verdict_label=i.verdict_label,
                    serial=i.serial,
                    line_seq=i.line_seq,
                    statement_amount=i.statement_amount,
                    voucher_no=i.voucher_no,
                    ledger_amount=i.ledger_amount,
                    note=i.note,
                )
                for i in v.items
            ],
        )


class ReconcileIn(StrictModel):
    date: IsoDate


class DayReportOut(ReplyModel):
    business_date: date
    summary: str
    problems: list[str]
    reconciliations: list[ReconciliationOut]

    @classmethod
    def of(cls, v: Any) -> DayReportOut:
        return cls(
            business_date=v.business_date,
            summary=v.summary(),
            problems=list(v.problems),
            reconciliations=[ReconciliationOut.of(r) for r in v.reconciliations],
        )


class BalanceOut(ReplyModel):
    account_no: str
    bank_balance: YuanAmount
    available: YuanAmount
    book_balance: YuanAmount
    reserved: YuanAmount
    difference: YuanAmount
    status: str

    @classmethod
    def of(cls, v: Any) -> BalanceOut:
        return cls(
            account_no=v.account_no,
            bank_balance=v.bank_balance,
            available=v.available,
            book_balance=v.book_balance,
            reserved=v.reserved,
            difference=v.difference,
            status=v.status,
        )
