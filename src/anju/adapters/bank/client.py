"""The settlement-platform gateway over TCP: one short connection per request, with timeouts.

What the caller learns is exactly what it may rely on (interfaces.md §2.6 rule 2):
* `BankUnavailable` — the connection could not be opened: nothing was sent.
* `BankNoAnswer` — the request was (or may have been) sent, but no well-formed answer to *this*
  request came back in time (timeout, cut connection, malformed frame, an answer to another
  serial number). The outcome is unknown; the service queries before anything else.
* otherwise the answer, with TxStatus mapped: 0 success, 1 failure, anything else unknown.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from datetime import date, timedelta, timezone
from typing import Final
from urllib.parse import urlsplit

from anju.adapters.bank import codec, files
from anju.adapters.bank.codec import Message, Party
from anju.adapters.bank.files import BatchLine, fmt_date
from anju.domain.bank import (
    BDC_NODE,
    Answer,
    BankConflict,
    BankFileRejected,
    BankMessageRejected,
    BankNoAnswer,
    BankUnavailable,
    InstructionKind,
    StatementFile,
    TxCode,
    bank_node,
    tx_status_answer,
)
from anju.money import Money
from anju.services.ports import (
    BalanceAnswer,
    BankAnswer,
    BatchItemOutcome,
    BatchOrder,
    BatchOutcome,
    Clock,
    SettlementOrder,
)

CHINA: Final = timezone(timedelta(hours=8))
ORG_NOT_FOUND: Final = "ORG_NOT_FOUND"  # BDC110: the original request never reached the bank
DEFAULT_TIMEOUT: Final = 10  # seconds (whole seconds: no float anywhere near money code)


def parse_bank_url(url: str) -> tuple[str, int]:
    """`tcp://host:port` -> (host, port)."""
    parts = urlsplit(url.strip())
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        raise ValueError(f"bank URL must look like tcp://host:port, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.username:
        raise ValueError("bank URL takes no path, query or credentials")
    return parts.hostname, parts.port


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    """Up to `count` bytes; fewer only when the peer closed the connection."""
    chunks: list[bytes] = []
    remaining = count
    while remaining > 0:
        chunk = sock.recv(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _amount(value: str, what: str) -> Money:
    try:
        return Money.from_yuan(value.strip().lstrip("+"))
    except Exception as exc:  # a garbled amount in an answer: the answer is unusable
        raise BankNoAnswer("bank_no_answer", reason=f"应答中{what}格式错误") from exc


def _date8(value: str) -> date | None:
    text = value.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


class TcpBankGateway:
    """BankGateway speaking the platform's messages to `host:port`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        party: Party,
        clock: Clock,
        timeout: int = DEFAULT_TIMEOUT,
        connect_timeout: int = 3,
        connect: Callable[[tuple[str, int], int], socket.socket] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.party = party
        self._clock = clock
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._connect = connect or (lambda address, t: socket.create_connection(address, timeout=t))

    # --- the exchange ---------------------------------------------------------------------------

    def _request(
        self,
        tx_code: str,
        seq_no: str,
        *,
        send_date: date,
        receive_node: str,
        body: Mapping[str, str],
        lists: Mapping[str, tuple[Mapping[str, str], ...]] | None = None,
    ) -> Message:
        now = self._clock.now_utc().astimezone(CHINA)
        return codec.request(
            tx_code,
            seq_no,
            sender=self.party,
            receive_node=receive_node,
            send_date=fmt_date(send_date),
            send_time=now.strftime("%H%M%S"),
            body=body,
            lists=lists,
        )

    def exchange(self, request: Message) -> Message:
        """Send one request and read its answer (see the module doc for what errors mean)."""
        data = codec.encode_frame(request)
        try:
            sock = self._connect((self.host, self.port), self._connect_timeout)
        except OSError as exc:
            raise BankUnavailable("bank_unavailable", reason=type(exc).__name__) from exc
        with sock:
            sock.settimeout(self._timeout)
            try:
                sock.sendall(data)
                payload = codec.read_frame(lambda n: recv_exactly(sock, n))
            except (OSError, EOFError) as exc:
                raise BankNoAnswer("bank_no_answer", reason=type(exc).__name__) from exc
            except BankMessageRejected as exc:
                raise BankNoAnswer("bank_no_answer", reason=str(exc.details.get("reason", ""))) from exc
        try:
            reply = codec.decode(payload)
            codec.require_head(reply, codec.REPLY_REQUIRED)
        except BankMessageRejected as exc:
            raise BankNoAnswer("bank_no_answer", reason=str(exc.details.get("reason", ""))) from exc
        if reply.tx_code != request.tx_code or reply.head.get("ReceiveSeqNo") != request.head["SendSeqNo"]:
            raise BankNoAnswer("bank_no_answer", reason="应答与请求的交易码或流水号不符")
        return reply

    @staticmethod
    def _answer(reply: Message, *, answer: str | None = None, host_serial: str | None = None) -> BankAnswer:
        return BankAnswer(
            answer=answer or tx_status_answer(reply.head.get("TxStatus", "")),
            code=reply.head.get("RtnCode", ""),
            message=reply.head.get("RtnMessage", ""),
            host_serial=host_serial if host_serial is not None else (reply.get("CapHostSeqNo") or None),
            bdc_seq_no=reply.head.get("BDCSeqNo", ""),
            bdc_date=_date8(reply.head.get("BDCDate", "")),
            fields=dict(reply.body),
        )

    @staticmethod
    def _ok(reply: Message) -> None:
        """For queries that return data: anything but success is a refusal, not data."""
        if tx_status_answer(reply.head.get("TxStatus", "")) != Answer.SUCCESS:
            raise BankConflict(
                "bank_request_refused",
                code=reply.head.get("RtnCode", ""),
                reason=reply.head.get("RtnMessage", ""),
            )

    # --- session ----------------------------------------------------------------------------------

    def sign_in(self, *, seq_no: str, send_date: date) -> BankAnswer:
        return self._answer(
            self.exchange(
                self._request(TxCode.SIGN_IN, seq_no, send_date=send_date, receive_node=BDC_NODE, body={})
            )
        )

    def sign_out(self, *, seq_no: str, send_date: date) -> BankAnswer:
        return self._answer(
            self.exchange(
                self._request(TxCode.SIGN_OUT, seq_no, send_date=send_date, receive_node=BDC_NODE, body={})
            )
        )

    def heartbeat(self, *, seq_no: str, send_date: date) -> BankAnswer:
        return self._answer(
            self.exchange(
                self._request(TxCode.HEARTBEAT, seq_no, send_date=send_date, receive_node=BDC_NODE, body={})
            )
        )

    # --- instructions -----------------------------------------------------------------------------

    def send(self, order: SettlementOrder) -> BankAnswer:
        same_bank = order.counterparty_bank_code[:3] == order.bank_code
        amount = str(order.amount)
        if order.kind == InstructionKind.PAYMENT:
            tx_code = TxCode.PAYMENT
            body = {
                "SettleType": "1" if same_bank else "2",
                "BusType": order.bus_type,
                "DeAcctNo": order.debit_account_no,
                "DeAcctName": order.debit_account_name,
                "DeAcctClass": "2",
                "CapAmt": amount,
                "CrAcctNo": order.credit_account_no,
                "CrAcctName": order.credit_account_name,
                "CrAcctClass": "1",
                "CrBankClass": "0" if same_bank else "1",
                "CrBankName": order.counterparty_bank_name,
                "CrChgNo": order.counterparty_bank_code,
                "Amt": amount,
                "RefAcctNo": order.ref_account_no,
                "RefSeqNo1": order.e2e_id,
                "RefSeqNo2": "",
                "Summary": order.summary,
                "Remark": order.remark,
            }
        elif order.kind == InstructionKind.RECEIPT:
            tx_code = TxCode.RECEIPT
            body = {
                "SettleType": "1" if same_bank else "2",
                "BusType": order.bus_type,
                "DeAcctNo": order.debit_account_no,
                "DeAcctName": order.debit_account_name,
                "DeAcctClass": "2",
                "DeChgNo": order.counterparty_bank_code,
                "CrAcctNo": order.credit_account_no,
                "CrAcctName": order.credit_account_name,
                "CrAcctClass": "2",
                "ConAgrNo": order.agreement_no,
                "Amt": amount,
                "RefAcctNo": order.ref_account_no,
                "RefSeqNo": order.e2e_id,
                "Summary": order.summary,
                "Remark": order.remark,
            }
        elif order.kind == InstructionKind.TRANSFER:
            tx_code = TxCode.TRANSFER
            body = {
                "BusType": order.bus_type,
                "DeAcctNo": order.debit_account_no,
                "DeAcctName": order.debit_account_name,
                "CrAcctNo": order.credit_account_no,
                "CrAcctName": order.credit_account_name,
                "CrBankClass": "0" if same_bank else "1",
                "CrChgNo": order.counterparty_bank_code,
                "Amt": amount,
                "RefSeqNo1": order.e2e_id,
                "Summary": order.summary,
                "Remark": order.remark,
            }
        else:  # pragma: no cover - the service never sends another kind here
            raise ValueError(order.kind)
        request = self._request(
            tx_code,
            order.e2e_id,
            send_date=order.send_date,
            receive_node=bank_node(order.bank_code),
            body=body,
        )
        return self._answer(self.exchange(request))

    def send_batch(self, order: BatchOrder) -> BankAnswer:
        total = Money(sum(item.amount.fen for item in order.items))
        text = files.format_batch_file(
            [
                BatchLine(
                    i.seq, i.amount, i.account_no, i.account_name, i.summary, i.ref_account_no, order.e2e_id
                )
                for i in order.items
            ]
        )
        body = {
            "FileType": "1",
            "BusType": order.bus_type,
            "BatchPrjNo": order.batch_no,
            "CrAcctNo": order.credit_account_no,
            "CrAcctName": order.credit_account_name,
            "BatchCapAmt": str(total),
            "BatchIntAmt": "0.00",
            "BatchTotalNum": str(len(order.items)),
            "BatchTotalAmt": str(total),
            "Remark": order.e2e_id,
        }
        lists = {"FILE_LIST": codec.file_list(f"{order.batch_no}.txt", text)}
        request = self._request(
            TxCode.BATCH_RECEIPT,
            order.e2e_id,
            send_date=order.send_date,
            receive_node=bank_node(order.bank_code),
            body=body,
            lists=lists,
        )
        return self._answer(self.exchange(request))

    def query(
        self, *, bank_code: str, original_date: date, original_seq_no: str, seq_no: str, send_date: date
    ) -> BankAnswer:
        body = {"OrgSendDate": fmt_date(original_date), "OrgSendSeqNo": original_seq_no}
        reply = self.exchange(
            self._request(
                TxCode.RESULT_QUERY, seq_no, send_date=send_date, receive_node=bank_node(bank_code), body=body
            )
        )
        status = tx_status_answer(reply.head.get("TxStatus", ""))
        if status == Answer.FAILURE:
            # The query failed; that says nothing about the original, unless the bank says it
            # never received it.
            found = Answer.NOT_FOUND if reply.head.get("RtnCode") == ORG_NOT_FOUND else Answer.UNKNOWN
            return self._answer(reply, answer=found)
        if status != Answer.SUCCESS:
            return self._answer(reply, answer=Answer.UNKNOWN)
        original = {"0": Answer.SUCCESS, "1": Answer.FAILURE, "2": Answer.PROCESSING}.get(
            reply.get("OrgTxStatus").strip(), Answer.UNKNOWN
        )
        return BankAnswer(
            answer=original,
            code=reply.get("OrgRtnCode"),
            message=reply.get("OrgRtnMessage"),
            host_serial=reply.get("CapHostSeqNo") or None,
            bdc_seq_no=reply.head.get("BDCSeqNo", ""),
            bdc_date=_date8(reply.head.get("BDCDate", "")),
            fields=dict(reply.body),
        )

    def batch_result(
        self,
        *,
        bank_code: str,
        batch_no: str,
        original_date: date,
        seq_no: str,
        download_seq_no: str,
        send_date: date,
    ) -> BatchOutcome:
        node = bank_node(bank_code)
        body = {"BatchPrjNo": batch_no, "OrgSendDate": fmt_date(original_date)}
        status = self.exchange(
            self._request(TxCode.BATCH_STATUS, seq_no, send_date=send_date, receive_node=node, body=body)
        )
        answer = tx_status_answer(status.head.get("TxStatus", ""))
        if answer != Answer.SUCCESS:
            return BatchOutcome(Answer.UNKNOWN, message=status.head.get("RtnMessage", ""))
        batch_status = status.get("BatchStatus").strip()
        if batch_status == "2":
            return BatchOutcome(Answer.PROCESSING)
        if batch_status == "1":
            return BatchOutcome(Answer.FAILURE, message=status.get("BatchMessage") or "批量业务失败")
        if batch_status != "0":
            return BatchOutcome(Answer.UNKNOWN)
        result = self.exchange(
            self._request(
                TxCode.BATCH_RESULT, download_seq_no, send_date=send_date, receive_node=node, body=body
            )
        )
        if tx_status_answer(result.head.get("TxStatus", "")) != Answer.SUCCESS:
            return BatchOutcome(Answer.UNKNOWN, message=result.head.get("RtnMessage", ""))
        try:
            _name, text = codec.single_file(result)
            parsed = files.parse_batch_result(text)
        except (BankMessageRejected, BankFileRejected) as exc:
            raise BankNoAnswer("bank_no_answer", reason=str(exc.details.get("reason", ""))) from exc
        return BatchOutcome(
            Answer.SUCCESS,
            tuple(
                BatchItemOutcome(
                    line.seq, line.amount, line.succeeded, line.host_serial, line.code, line.message
                )
                for line in parsed.lines
            ),
        )

    # --- account queries --------------------------------------------------------------------------

    def balance(self, *, bank_code: str, account_no: str, seq_no: str, send_date: date) -> BalanceAnswer:
        reply = self.exchange(
            self._request(
                TxCode.BALANCE_QUERY,
                seq_no,
                send_date=send_date,
                receive_node=bank_node(bank_code),
                body={"AcctNo": account_no},
            )
        )
        self._ok(reply)
        return BalanceAnswer(
            account_no=reply.get("AcctNo") or account_no,
            balance=_amount(reply.get("Balance"), "余额"),
            available=_amount(reply.get("AvailBal") or reply.get("Balance"), "可用余额"),
            overdraft=_amount(reply.get("OverBal") or "0.00", "透支余额"),
            status=reply.get("AcctStatus"),
        )

    def statement(
        self, *, bank_code: str, account_no: str, start: date, end: date, seq_no: str, send_date: date
    ) -> StatementFile:
        body = {"AcctNo": account_no, "BeginDate": fmt_date(start), "EndDate": fmt_date(end)}
        reply = self.exchange(
            self._request(
                TxCode.DETAIL_QUERY, seq_no, send_date=send_date, receive_node=bank_node(bank_code), body=body
            )
        )
        self._ok(reply)
        try:
            name, text = codec.single_file(reply)
        except BankMessageRejected as exc:
            raise BankFileRejected("bank_file_invalid", reason=str(exc.details.get("reason", ""))) from exc
        return files.statement_from(reply.body, name, text)
