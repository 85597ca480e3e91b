"""A settlement-platform simulator (`anju bank-sim`): the BDC and the banks behind it.

It runs as its own process on 127.0.0.1, keeps its own accounts in its own SQLite file and
speaks the same protocol as the real platform, through the same codec: byte for byte the frames
the client sends and expects. Tests and demos steer it through a small JSON control endpoint on
a second port (127.0.0.1 only):

  GET  /health  /state  /log  /requests  /accounts/<no>
  POST /accounts          {"account_no", "name", "bank_code", "balance", "centre"}
  POST /faults            {"tx_code", "mode", "count", "delay_ms"}   DELETE /faults
  DELETE /sessions        forget every session (what a platform restart does)
        modes: delay, drop_ack, drop_request, fail, garbage, unknown_status, duplicate (notices)
  POST /statement-faults  {"account_no", "date", "kind", "serial", "delta", "amount", "remark"}
        kinds: drop, duplicate, amount, extra, bad_trailer           DELETE /statement-faults
  POST /remit             {"account_no", "amount", "remark", "payer_account", "payer_name", "date"}
  POST /debit             {"account_no", "amount", "remark", "counterparty", "date"}
  POST /settings          {"duplicate_policy": "replay" | "pay_again", "notify": "tcp://host:port"}
  POST /push              deliver pending account-change notices now
  POST /reset             forget everything

A payment is executed once per (node, SendSeqNo): a resend gets the stored answer, unless the
test sets duplicate_policy "pay_again" to play a naive bank that would pay twice — which is how
the tests prove the centre never resends blindly.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import socketserver
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from anju.adapters.bank import codec, files
from anju.adapters.bank.client import parse_bank_url, recv_exactly
from anju.adapters.bank.codec import Message
from anju.adapters.bank.files import BatchResultLine, fmt_date, parse_date8
from anju.domain.bank import (
    BDC_NODE,
    BankFileRejected,
    BankMessageRejected,
    StatementFile,
    StatementLine,
    TxCode,
)
from anju.errors import RuleViolation
from anju.money import Money
from anju.services.ports import Clock

logger = logging.getLogger("anju.bank.simulator")
CHINA: Final = timezone(timedelta(hours=8))
EXTERNAL_OPENING_FEN: Final = 10**12  # outside accounts start rich: payers can always pay
PUSH_MAX_ATTEMPTS: Final = 30
PUSH_PERIOD_SECONDS: Final = 2
POLL_MS: Final = 100  # how fast the servers notice a shutdown
FAULT_MODES: Final = (
    "delay",
    "drop_ack",
    "drop_request",
    "fail",
    "garbage",
    "unknown_status",
    "duplicate",
)
STATEMENT_FAULTS: Final = ("drop", "duplicate", "amount", "extra", "bad_trailer")
SESSION_FREE: Final = (TxCode.SIGN_IN, TxCode.HEARTBEAT)
BUSINESS: Final = (TxCode.PAYMENT, TxCode.RECEIPT, TxCode.TRANSFER, TxCode.BATCH_RECEIPT)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
  account_no TEXT PRIMARY KEY, name TEXT NOT NULL, bank_code TEXT NOT NULL,
  balance_fen INTEGER NOT NULL, opening_fen INTEGER NOT NULL, centre INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txn (
  id INTEGER PRIMARY KEY, account_no TEXT NOT NULL, serial TEXT NOT NULL, tx_code TEXT NOT NULL,
  day TEXT NOT NULL, time TEXT NOT NULL, amount_fen INTEGER NOT NULL, balance_fen INTEGER NOT NULL,
  counterparty_account TEXT NOT NULL, counterparty_name TEXT NOT NULL, remark TEXT NOT NULL,
  summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request (
  send_node TEXT NOT NULL, seq_no TEXT NOT NULL, tx_code TEXT NOT NULL, send_date TEXT NOT NULL,
  status TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, host_serial TEXT NOT NULL,
  times INTEGER NOT NULL, PRIMARY KEY (send_node, seq_no));
CREATE TABLE IF NOT EXISTS batch (batch_no TEXT PRIMARY KEY, day TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fault (
  id INTEGER PRIMARY KEY, tx_code TEXT NOT NULL, mode TEXT NOT NULL, remaining INTEGER NOT NULL,
  delay_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stmt_fault (
  id INTEGER PRIMARY KEY, account_no TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
  serial TEXT NOT NULL, delta_fen INTEGER NOT NULL, amount_fen INTEGER NOT NULL, remark TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS push (
  id INTEGER PRIMARY KEY, account_no TEXT NOT NULL, txn_ids TEXT NOT NULL, attempts INTEGER NOT NULL,
  delivered INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY, direction TEXT NOT NULL, tx_code TEXT NOT NULL, seq_no TEXT NOT NULL,
  org_seq_no TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS session (node TEXT PRIMARY KEY, hand_key TEXT NOT NULL);
"""


class SimError(Exception):
    """A refusal the simulated bank answers with TxStatus 1 (nothing was done)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Fault:
    mode: str
    delay_ms: int


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "0" | "1"
    code: str
    message: str
    host_serial: str = ""
    body: dict[str, str] | None = None
    lists: dict[str, tuple[Mapping[str, str], ...]] | None = None


class SimStore:
    """The simulator's own books (its SQLite file), one lock for everything."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        with self.lock:
            self._db.executescript(_SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return list(self._db.execute(sql, params).fetchall())

    def setting(self, key: str, default: str = "") -> str:
        found = self.rows("SELECT value FROM setting WHERE key = ?", (key,))
        return str(found[0]["value"]) if found else default

    def set_setting(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (key, value))

    def reset(self) -> None:
        with self.tx() as db:
            for table in (
                "account",
                "txn",
                "request",
                "batch",
                "fault",
                "stmt_fault",
                "push",
                "log",
                "session",
            ):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            db.execute("DELETE FROM setting WHERE key NOT IN ('notify')")


class BankSimulator:
    """The platform: a TCP server for the protocol, an HTTP server for control, a pusher."""

    def __init__(
        self,
        store: SimStore,
        *,
        clock: Clock,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int = 0,
        notify: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        if notify:
            store.set_setting("notify", notify)
        with store.tx() as db:
            db.execute("DELETE FROM session")  # a restarted platform forgets every session
        sim = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sim.serve_connection(self.request)

        class Tcp(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._tcp = Tcp((host, port), Handler)
        self._http = ThreadingHTTPServer((host, control_port), _control_handler(self))
        self._http.daemon_threads = True
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._push_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._tcp.server_address[1])

    @property
    def control_port(self) -> int:
        return int(self._http.server_address[1])

    def start(self) -> BankSimulator:
        for name, target in (
            ("bank-sim-tcp", lambda: self._tcp.serve_forever(poll_interval=POLL_MS / 1000)),
            ("bank-sim-control", lambda: self._http.serve_forever(poll_interval=POLL_MS / 1000)),
            ("bank-sim-pusher", self._pusher),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._tcp.shutdown()
        self._http.shutdown()
        self._tcp.server_close()
        self._http.server_close()

    # --- time -----------------------------------------------------------------------------------

    def today(self) -> date:
        text = self.store.setting("today")
        return parse_date8(text) if text else self.clock.now_utc().astimezone(CHINA).date()

    def _see_date(self, send_date: str) -> None:
        try:
            day = parse_date8(send_date)
        except BankFileRejected:
            return
        if not self.store.setting("today") or day > self.today():
            self.store.set_setting("today", fmt_date(day))

    def _time(self) -> str:
        return self.clock.now_utc().astimezone(CHINA).strftime("%H%M%S")

    # --- the protocol server --------------------------------------------------------------------

    def serve_connection(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        while True:
            try:
                payload = codec.read_frame(lambda n: recv_exactly(sock, n))
            except (EOFError, OSError):
                return
            except BankMessageRejected:
                self._log("in", "?", "", "", "rejected: bad frame")
                self._send(sock, self._reply(Message(head={}), Outcome("1", "FORMAT_ERROR", "报文格式错误")))
                return
            if not self._serve_one(sock, payload):
                return

    def _serve_one(self, sock: socket.socket, payload: bytes) -> bool:
        try:
            message = codec.decode(payload)
            codec.require_head(message, codec.REQUEST_REQUIRED)
        except BankMessageRejected as exc:
            self._log("in", "?", "", "", f"rejected: {exc.details.get('reason', '')}")
            return self._send(
                sock, self._reply(Message(head={}), Outcome("1", "FORMAT_ERROR", "报文格式错误"))
            )
        tx_code, seq_no = message.tx_code, message.head["SendSeqNo"]
        self._see_date(message.head.get("SendDate", ""))
        fault = self._take_fault(tx_code)
        self._log("in", tx_code, seq_no, message.get("OrgSendSeqNo"), f"fault={fault.mode}" if fault else "")
        if fault and fault.mode == "drop_request":
            return False  # the bank never got it: no processing, no answer
        if fault and fault.mode == "fail":
            outcome = Outcome("1", "SIM_FAIL", "模拟银行处理失败")
        else:
            outcome = self.process(message)
        reply = self._reply(message, outcome)
        if fault and fault.mode == "delay":
            time.sleep(fault.delay_ms / 1000)
        if fault and fault.mode == "drop_ack":
            self._log("out", tx_code, seq_no, "", "ack dropped")
            return False
        if fault and fault.mode == "unknown_status":
            reply = Message(head={**reply.head, "TxStatus": "9"}, body=reply.body, lists=reply.lists)
        self._log("out", tx_code, seq_no, "", f"{reply.head.get('TxStatus')} {reply.head.get('RtnCode')}")
        if fault and fault.mode == "garbage":
            with suppress(OSError):
                sock.sendall(b"00000020<message><head>garbage")
            return False
        return self._send(sock, reply)

    def _send(self, sock: socket.socket, message: Message) -> bool:
        try:
            sock.sendall(codec.encode_frame(message))
        except OSError:
            return False
        return True

    def _reply(self, to: Message, outcome: Outcome) -> Message:
        now = self.clock.now_utc().astimezone(CHINA)
        return codec.reply(
            to if to.head else Message(head={"TxCode": ""}),
            status=outcome.status,
            code=outcome.code,
            text=outcome.message,
            node=BDC_NODE,
            date_=now.strftime("%Y%m%d"),
            time_=now.strftime("%H%M%S"),
            seq_no=f"D{secrets.randbelow(10**15):015d}",
            body=outcome.body,
            lists=outcome.lists,
        )

    # --- processing -----------------------------------------------------------------------------

    def process(self, message: Message) -> Outcome:
        tx_code = message.tx_code
        node = message.head.get("SendNode", "")
        handlers: dict[str, Callable[[Message], Outcome]] = {
            TxCode.SIGN_IN: self._sign_in,
            TxCode.SIGN_OUT: self._sign_out,
            TxCode.HEARTBEAT: lambda m: Outcome("0", "0000", "成功"),
            TxCode.RESULT_QUERY: self._result_query,
            TxCode.BATCH_STATUS: self._batch_status,
            TxCode.BATCH_RESULT: self._batch_result,
            TxCode.DETAIL_QUERY: self._statement,
            TxCode.BALANCE_QUERY: self._balance,
        }
        if tx_code not in SESSION_FREE and not self.store.rows(
            "SELECT 1 FROM session WHERE node = ?", (node,)
        ):
            return Outcome("1", "NOT_SIGNED_IN", "未签到")
        try:
            if tx_code in BUSINESS:
                return self._business(message)
            handler = handlers.get(tx_code)
            if handler is None:
                return Outcome("1", "UNSUPPORTED", "不支持的交易")
            return handler(message)
        except SimError as exc:
            return Outcome("1", exc.code, exc.message)

    def _sign_in(self, message: Message) -> Outcome:
        key = secrets.token_hex(16).upper()
        with self.store.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO session (node, hand_key) VALUES (?, ?)",
                (message.head["SendNode"], key),
            )
        return Outcome("0", "0000", "签到成功", body={"HandKey": key})

    def _sign_out(self, message: Message) -> Outcome:
        with self.store.tx() as db:
            db.execute("DELETE FROM session WHERE node = ?", (message.head["SendNode"],))
        return Outcome("0", "0000", "签退成功")

    def _business(self, message: Message) -> Outcome:
        """Execute a payment, receipt, transfer or batch once per (node, SendSeqNo)."""
        node, seq_no = message.head["SendNode"], message.head["SendSeqNo"]
        pushes: list[tuple[str, list[int]]] = []
        with self.store.tx() as db:
            earlier = db.execute(
                "SELECT * FROM request WHERE send_node = ? AND seq_no = ?", (node, seq_no)
            ).fetchone()
            if earlier is not None and self.store.setting("duplicate_policy", "replay") != "pay_again":
                db.execute(
                    "UPDATE request SET times = times + 1 WHERE send_node = ? AND seq_no = ?", (node, seq_no)
                )
                return Outcome(
                    earlier["status"],
                    earlier["code"],
                    earlier["message"],
                    earlier["host_serial"],
                    body={"HostStatus": earlier["status"], "CapHostSeqNo": earlier["host_serial"]},
                )
            try:
                outcome = self._execute(db, message, pushes)
            except SimError as exc:
                outcome = Outcome("1", exc.code, exc.message)
                pushes.clear()
            db.execute(
                "INSERT INTO request (send_node, seq_no, tx_code, send_date, status, code, message,"
                " host_serial, times) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (send_node, seq_no) DO UPDATE SET times = times + 1,"
                " status = excluded.status, host_serial = excluded.host_serial",
                (
                    node,
                    seq_no,
                    message.tx_code,
                    message.head.get("SendDate", ""),
                    outcome.status,
                    outcome.code,
                    outcome.message,
                    outcome.host_serial,
                ),
            )
        for account_no, txn_ids in pushes:
            self._enqueue(account_no, txn_ids)
        return outcome

    def _execute(
        self, db: sqlite3.Connection, message: Message, pushes: list[tuple[str, list[int]]]
    ) -> Outcome:
        m = message
        day = self.today()
        if m.tx_code == TxCode.BATCH_RECEIPT:
            return self._batch(db, m, day, pushes)
        amount = _fen(m.get("Amt"))
        if amount <= 0:
            raise SimError("AMOUNT_ERROR", "金额错误")
        debit, credit = m.get("DeAcctNo"), m.get("CrAcctNo")
        if not debit or not credit:
            raise SimError("ACCOUNT_ERROR", "账号为空")
        bank_code = m.head.get("ReceiveNode", "000")[:3]
        centre_debit = m.tx_code in (TxCode.PAYMENT, TxCode.TRANSFER)
        centre_credit = m.tx_code in (TxCode.RECEIPT, TxCode.TRANSFER)
        self._ensure(db, debit, m.get("DeAcctName"), bank_code, centre=centre_debit)
        self._ensure(
            db,
            credit,
            m.get("CrAcctName"),
            m.get("CrChgNo", bank_code)[:3] or bank_code,
            centre=centre_credit,
        )
        serial = self._serial(db, bank_code, day)
        remark = m.get("Remark") or m.get("RefSeqNo1") or m.get("RefSeqNo")
        summary = m.get("Summary")
        debit_txn = self._move(
            db,
            debit,
            -amount,
            serial=serial,
            tx_code=m.tx_code,
            day=day,
            counterparty=credit,
            counterparty_name=m.get("CrAcctName"),
            remark=remark,
            summary=summary,
        )
        credit_txn = self._move(
            db,
            credit,
            amount,
            serial=serial,
            tx_code=m.tx_code,
            day=day,
            counterparty=debit,
            counterparty_name=m.get("DeAcctName"),
            remark=remark,
            summary=summary,
        )
        for account_no, txn in ((debit, debit_txn), (credit, credit_txn)):
            if self._is_centre(db, account_no):
                pushes.append((account_no, [txn]))
        return Outcome("0", "0000", "交易成功", serial, body={"HostStatus": "0", "CapHostSeqNo": serial})

    def _batch(
        self, db: sqlite3.Connection, m: Message, day: date, pushes: list[tuple[str, list[int]]]
    ) -> Outcome:
        try:
            _name, text = codec.single_file(m)
            lines = files.parse_batch_file(text)
        except (BankMessageRejected, BankFileRejected) as exc:
            raise SimError("FILE_ERROR", str(exc.details.get("reason", "文件错误"))[:60]) from exc
        total = sum(line.amount.fen for line in lines)
        if str(len(lines)) != m.get("BatchTotalNum").strip() or total != _fen(m.get("BatchTotalAmt")):
            raise SimError("FILE_MISMATCH", "批量文件笔数或金额与报文不符")
        bank_code = m.head.get("ReceiveNode", "000")[:3]
        centre = m.get("CrAcctNo")
        self._ensure(db, centre, m.get("CrAcctName"), bank_code, centre=True)
        results: list[dict[str, Any]] = []
        credited: list[int] = []
        for line in lines:
            self._ensure(db, line.account_no, line.account_name, bank_code, centre=False)
            balance = db.execute(
                "SELECT balance_fen FROM account WHERE account_no = ?", (line.account_no,)
            ).fetchone()["balance_fen"]
            if balance < line.amount.fen:
                results.append(
                    {
                        "seq": line.seq,
                        "fen": line.amount.fen,
                        "acct": line.account_no,
                        "name": line.account_name,
                        "code": "E001",
                        "msg": "余额不足",
                        "serial": "",
                    }
                )
                continue
            serial = self._serial(db, bank_code, day)
            remark = m.get("Remark") or m.get("BatchPrjNo")
            self._move(
                db,
                line.account_no,
                -line.amount.fen,
                serial=serial,
                tx_code=m.tx_code,
                day=day,
                counterparty=centre,
                counterparty_name="",
                remark=remark,
                summary=line.summary,
            )
            credited.append(
                self._move(
                    db,
                    centre,
                    line.amount.fen,
                    serial=serial,
                    tx_code=m.tx_code,
                    day=day,
                    counterparty=line.account_no,
                    counterparty_name=line.account_name,
                    remark=remark,
                    summary=line.summary,
                )
            )
            results.append(
                {
                    "seq": line.seq,
                    "fen": line.amount.fen,
                    "acct": line.account_no,
                    "name": line.account_name,
                    "code": files.SUCCESS_CODE,
                    "msg": "成功",
                    "serial": serial,
                }
            )
        db.execute(
            "INSERT OR REPLACE INTO batch (batch_no, day, result) VALUES (?, ?, ?)",
            (m.get("BatchPrjNo"), fmt_date(day), json.dumps(results)),
        )
        if credited:
            pushes.append((centre, credited))
        return Outcome("0", "0000", "批量业务已受理", body={"BatchPrjNo": m.get("BatchPrjNo")})

    def _ensure(
        self, db: sqlite3.Connection, account_no: str, name: str, bank_code: str, *, centre: bool
    ) -> None:
        found = db.execute("SELECT centre FROM account WHERE account_no = ?", (account_no,)).fetchone()
        if found is None:
            if bank_code in ("", "000") and account_no[:3].isdigit():
                bank_code = account_no[:3]  # the demo's account numbers start with the bank code
            opening = 0 if centre else EXTERNAL_OPENING_FEN
            db.execute(
                "INSERT INTO account (account_no, name, bank_code, balance_fen, opening_fen, centre)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (account_no, name or account_no, bank_code or "000", opening, opening, int(centre)),
            )
        elif centre and not found["centre"]:
            db.execute("UPDATE account SET centre = 1 WHERE account_no = ?", (account_no,))

    @staticmethod
    def _is_centre(db: sqlite3.Connection, account_no: str) -> bool:
        row = db.execute("SELECT centre FROM account WHERE account_no = ?", (account_no,)).fetchone()
        return bool(row and row["centre"])

    def _serial(self, db: sqlite3.Connection, bank_code: str, day: date) -> str:
        row = db.execute("SELECT value FROM setting WHERE key = 'serial'").fetchone()
        number = int(row["value"]) + 1 if row else 1
        db.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('serial', ?)", (str(number),))
        return f"{bank_code}{fmt_date(day)}{number:08d}"

    def _move(
        self,
        db: sqlite3.Connection,
        account_no: str,
        amount_fen: int,
        *,
        serial: str,
        tx_code: str,
        day: date,
        counterparty: str,
        counterparty_name: str,
        remark: str,
        summary: str,
    ) -> int:
        row = db.execute("SELECT balance_fen FROM account WHERE account_no = ?", (account_no,)).fetchone()
        balance = int(row["balance_fen"]) + amount_fen
        if balance < 0:
            raise SimError("INSUFFICIENT", "账户余额不足")
        db.execute("UPDATE account SET balance_fen = ? WHERE account_no = ?", (balance, account_no))
        cursor = db.execute(
            "INSERT INTO txn (account_no, serial, tx_code, day, time, amount_fen, balance_fen,"
            " counterparty_account, counterparty_name, remark, summary)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account_no,
                serial,
                tx_code,
                fmt_date(day),
                self._time(),
                amount_fen,
                balance,
                counterparty,
                files.clean(counterparty_name)[:60],
                files.clean(remark)[:100],
                files.clean(summary)[:60],
            ),
        )
        return int(cursor.lastrowid or 0)

    def _result_query(self, m: Message) -> Outcome:
        rows = self.store.rows(
            "SELECT * FROM request WHERE send_node = ? AND seq_no = ?",
            (m.head["SendNode"], m.get("OrgSendSeqNo")),
        )
        if not rows:
            return Outcome("1", "ORG_NOT_FOUND", "原交易不存在")
        r = rows[0]
        body = {
            "OrgSendDate": r["send_date"],
            "OrgSendSeqNo": r["seq_no"],
            "OrgTxStatus": r["status"],
            "OrgRtnCode": r["code"],
            "OrgRtnMessage": r["message"],
            "CapHostSeqNo": r["host_serial"],
        }
        return Outcome("0", "0000", "查询成功", body=body)

    def _batch_status(self, m: Message) -> Outcome:
        rows = self.store.rows("SELECT batch_no FROM batch WHERE batch_no = ?", (m.get("BatchPrjNo"),))
        if not rows:
            return Outcome("1", "BATCH_NOT_FOUND", "批次不存在")
        return Outcome("0", "0000", "查询成功", body={"BatchPrjNo": m.get("BatchPrjNo"), "BatchStatus": "0"})

    def _batch_result(self, m: Message) -> Outcome:
        rows = self.store.rows("SELECT * FROM batch WHERE batch_no = ?", (m.get("BatchPrjNo"),))
        if not rows:
            return Outcome("1", "BATCH_NOT_FOUND", "批次不存在")
        day = parse_date8(rows[0]["day"])
        lines = [
            BatchResultLine(
                r["seq"],
                Money(r["fen"]),
                r["acct"],
                r["name"],
                r["code"],
                r["msg"],
                fmt_date(day),
                r["serial"],
            )
            for r in json.loads(rows[0]["result"])
        ]
        text = files.format_batch_result(
            day=day, institution=BDC_NODE, batch_no=rows[0]["batch_no"], lines=lines
        )
        return Outcome(
            "0",
            "0000",
            "下载成功",
            body={"BatchPrjNo": rows[0]["batch_no"]},
            lists={"FILE_LIST": codec.file_list(f"{rows[0]['batch_no']}_result.txt", text)},
        )

    def _centre_account(self, account_no: str) -> list[sqlite3.Row]:
        """The centre's account; one the bank has not seen move yet is opened empty (the banks
        behind the platform keep every special account; the simulator learns them as asked)."""
        if not account_no.strip():
            raise SimError("ACCOUNT_NOT_FOUND", "账户不存在")
        with self.store.tx() as db:
            self._ensure(db, account_no, account_no, "000", centre=True)
        return self.store.rows("SELECT * FROM account WHERE account_no = ?", (account_no,))

    def _balance(self, m: Message) -> Outcome:
        rows = self._centre_account(m.get("AcctNo"))
        balance = str(Money(int(rows[0]["balance_fen"])))
        return Outcome(
            "0",
            "0000",
            "查询成功",
            body={
                "AcctNo": m.get("AcctNo"),
                "Balance": balance,
                "AvailBal": balance,
                "OverBal": "0.00",
                "AcctStatus": "0",
            },
        )

    def _statement(self, m: Message) -> Outcome:
        try:
            start, end = parse_date8(m.get("BeginDate")), parse_date8(m.get("EndDate"))
        except BankFileRejected as exc:
            raise SimError("DATE_ERROR", "日期格式错误") from exc
        statement, bad_trailer = self.statement_of(m.get("AcctNo"), start, end)
        body = files.envelope_fields(statement)
        if bad_trailer:
            body["TotalNum"] = str(statement.declared_count + 1)
        text = files.format_statement(statement.lines)
        return Outcome(
            "0", "0000", "查询成功", body=body, lists={"FILE_LIST": codec.file_list(statement.name, text)}
        )

    def statement_of(self, account_no: str, start: date, end: date) -> tuple[StatementFile, bool]:
        """The account's lines in the range, with any injected discrepancies applied."""
        accounts = self._centre_account(account_no)
        opening_fen = int(accounts[0]["opening_fen"])
        before = self.store.rows(
            "SELECT COALESCE(SUM(amount_fen), 0) AS s FROM txn WHERE account_no = ? AND day < ?",
            (account_no, fmt_date(start)),
        )
        opening = opening_fen + int(before[0]["s"])
        rows = self.store.rows(
            "SELECT * FROM txn WHERE account_no = ? AND day >= ? AND day <= ? ORDER BY id",
            (account_no, fmt_date(start), fmt_date(end)),
        )
        lines = [_line(r) for r in rows]
        faults = self.store.rows(
            "SELECT * FROM stmt_fault WHERE account_no = ? AND day >= ? AND day <= ? ORDER BY id",
            (account_no, fmt_date(start), fmt_date(end)),
        )
        bad_trailer = False
        for f in faults:
            kind, serial = f["kind"], f["serial"]
            if kind == "drop":
                lines = [x for x in lines if x.serial != serial]
            elif kind == "duplicate":
                lines = [y for x in lines for y in ((x, x) if x.serial == serial else (x,))]
            elif kind == "amount":
                lines = [
                    _with_amount(x, x.amount.fen + int(f["delta_fen"])) if x.serial == serial else x
                    for x in lines
                ]
            elif kind == "extra":
                lines.append(
                    StatementLine(
                        seq=0,
                        account_no=account_no,
                        serial=serial or f"SIMX{f['id']:012d}",
                        tx_code="SIM",
                        counterparty_account="6222000000000000",
                        counterparty_name="模拟对方",
                        amount=Money(int(f["amount_fen"])),
                        tx_date=parse_date8(f["day"]),
                        tx_time="120000",
                        remark=f["remark"],
                        summary="模拟差错",
                    )
                )
            elif kind == "bad_trailer":
                bad_trailer = True
        numbered = [_renumber(x, i) for i, x in enumerate(lines, start=1)]
        total = Money(sum(x.amount.fen for x in numbered))
        statement = StatementFile(
            account_no=account_no,
            start=start,
            end=end,
            lines=tuple(numbered),
            declared_count=len(numbered),
            declared_total=total,
            opening_balance=Money(opening),
            closing_balance=Money(opening) + total,
            name=f"{account_no}_{fmt_date(start)}_{fmt_date(end)}.txt",
        )
        return statement, bad_trailer

    # --- faults and the log ---------------------------------------------------------------------

    def _take_fault(self, tx_code: str) -> Fault | None:
        with self.store.tx() as db:
            row = db.execute(
                "SELECT * FROM fault WHERE tx_code = ? AND remaining > 0 AND mode <> 'duplicate'"
                " ORDER BY id LIMIT 1",
                (tx_code,),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE fault SET remaining = remaining - 1 WHERE id = ?", (row["id"],))
            return Fault(row["mode"], int(row["delay_ms"]))

    def _take_duplicate(self) -> bool:
        with self.store.tx() as db:
            row = db.execute(
                "SELECT id FROM fault WHERE tx_code = ? AND mode = 'duplicate' AND remaining > 0 LIMIT 1",
                (TxCode.ACCOUNT_NOTICE,),
            ).fetchone()
            if row is None:
                return False
            db.execute("UPDATE fault SET remaining = remaining - 1 WHERE id = ?", (row["id"],))
            return True

    def _log(self, direction: str, tx_code: str, seq_no: str, org_seq_no: str, outcome: str) -> None:
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO log (direction, tx_code, seq_no, org_seq_no, outcome) VALUES (?, ?, ?, ?, ?)",
                (direction, tx_code, seq_no, org_seq_no, outcome[:200]),
            )

    # --- account-change notices (SBDC100) -------------------------------------------------------

    def _enqueue(self, account_no: str, txn_ids: list[int]) -> int:
        with self.store.tx() as db:
            cursor = db.execute(
                "INSERT INTO push (account_no, txn_ids, attempts, delivered) VALUES (?, ?, 0, 0)",
                (account_no, json.dumps(txn_ids)),
            )
        self._wake.set()
        return int(cursor.lastrowid or 0)

    def notice_message(self, account_no: str, txn_ids: list[int]) -> Message:
        marks = ",".join("?" for _ in txn_ids)
        rows = self.store.rows(f"SELECT * FROM txn WHERE id IN ({marks}) ORDER BY id", tuple(txn_ids))  # noqa: S608
        lines = [_renumber(_line(r), i) for i, r in enumerate(rows, start=1)]
        days = [x.tx_date for x in lines] or [self.today()]
        total = Money(sum(x.amount.fen for x in lines))
        closing = Money(int(rows[-1]["balance_fen"])) if rows else None
        opening = closing - total if closing is not None else None
        statement = StatementFile(
            account_no=account_no,
            start=min(days),
            end=max(days),
            lines=tuple(lines),
            declared_count=len(lines),
            declared_total=total,
            opening_balance=opening,
            closing_balance=closing,
            name=f"{account_no}_notice_{txn_ids[0] if txn_ids else 0}.txt",
        )
        now = self.clock.now_utc().astimezone(CHINA)
        return codec.notice(
            TxCode.ACCOUNT_NOTICE,
            f"N{secrets.randbelow(10**15):015d}",
            node=BDC_NODE,
            receive_node="",
            date_=now.strftime("%Y%m%d"),
            time_=now.strftime("%H%M%S"),
            body=files.envelope_fields(statement),
            lists={"FILE_LIST": codec.file_list(statement.name, files.format_statement(statement.lines))},
        )

    def deliver(self, push_id: int) -> bool:
        """Push one notice to the centre; True once it answered TxStatus 0."""
        with self._push_lock:
            rows = self.store.rows("SELECT * FROM push WHERE id = ?", (push_id,))
            if not rows or rows[0]["delivered"]:
                return bool(rows and rows[0]["delivered"])
            target = self.store.setting("notify")
            with self.store.tx() as db:
                db.execute("UPDATE push SET attempts = attempts + 1 WHERE id = ?", (push_id,))
            if not target:
                return False
            message = self.notice_message(rows[0]["account_no"], json.loads(rows[0]["txn_ids"]))
            times = 2 if self._take_duplicate() else 1
            ok = False
            for _ in range(times):
                ok = self._push(target, message) or ok
            if ok:
                with self.store.tx() as db:
                    db.execute("UPDATE push SET delivered = 1 WHERE id = ?", (push_id,))
            return ok

    def _push(self, target: str, message: Message) -> bool:
        try:
            host, port = parse_bank_url(target)
            with socket.create_connection((host, port), timeout=5) as sock:
                sock.settimeout(15)
                sock.sendall(codec.encode_frame(message))
                reply = codec.decode(codec.read_frame(lambda n: recv_exactly(sock, n)))
        except (OSError, EOFError, ValueError, BankMessageRejected) as exc:
            self._log(
                "push", TxCode.ACCOUNT_NOTICE, message.head["BDCSeqNo"], "", f"failed: {type(exc).__name__}"
            )
            return False
        ok = reply.head.get("TxStatus") == "0"
        self._log("push", TxCode.ACCOUNT_NOTICE, message.head["BDCSeqNo"], "", "ack" if ok else "refused")
        return ok

    def deliver_pending(self) -> int:
        delivered = 0
        for row in self.store.rows(
            "SELECT id FROM push WHERE delivered = 0 AND attempts < ? ORDER BY id", (PUSH_MAX_ATTEMPTS,)
        ):
            delivered += int(self.deliver(int(row["id"])))
        return delivered

    def _pusher(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=PUSH_PERIOD_SECONDS)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.deliver_pending()
            except Exception:  # keep pushing whatever one notice did
                logger.exception("pushing notices failed")

    # --- control actions -------------------------------------------------------------------------

    def external_movement(
        self, account_no: str, amount_fen: int, *, counterparty: str, name: str, remark: str, day: date | None
    ) -> tuple[str, int]:
        """Money in (a unit's remittance) or out (a fee) on a centre account, not instructed by
        the centre; returns (serial, push id)."""
        when = day or self.today()
        with self.store.tx() as db:
            self._ensure(db, account_no, account_no, "000", centre=True)
            bank_code = db.execute(
                "SELECT bank_code FROM account WHERE account_no = ?", (account_no,)
            ).fetchone()["bank_code"]
            serial = self._serial(db, bank_code, when)
            txn = self._move(
                db,
                account_no,
                amount_fen,
                serial=serial,
                tx_code="SIM",
                day=when,
                counterparty=counterparty,
                counterparty_name=name,
                remark=remark,
                summary="来账",
            )
        return serial, self._enqueue(account_no, [txn])


def _fen(text: str) -> int:
    try:
        return Money.from_yuan(text.strip()).fen
    except (RuleViolation, AttributeError) as exc:
        raise SimError("AMOUNT_ERROR", "金额格式错误") from exc


def _line(r: sqlite3.Row) -> StatementLine:
    return StatementLine(
        seq=0,
        account_no=r["account_no"],
        serial=r["serial"],
        tx_code=r["tx_code"],
        counterparty_account=r["counterparty_account"],
        counterparty_name=r["counterparty_name"],
        amount=Money(int(r["amount_fen"])),
        tx_date=parse_date8(r["day"]),
        tx_time=r["time"],
        available=Money(int(r["balance_fen"])),
        remark=r["remark"],
        balance=Money(int(r["balance_fen"])),
        summary=r["summary"],
    )


def _renumber(line: StatementLine, seq: int) -> StatementLine:
    return StatementLine(**{**{f: getattr(line, f) for f in line.__slots__}, "seq": seq})


def _with_amount(line: StatementLine, fen: int) -> StatementLine:
    return StatementLine(**{**{f: getattr(line, f) for f in line.__slots__}, "amount": Money(fen)})


# --- the control endpoint -------------------------------------------------------------------------


def _control_handler(sim: BankSimulator) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        server_version = "anju-bank-sim"

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("control: " + format, *args)

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0:
                return {}
            raw = json.loads(self.rfile.read(min(length, 1_000_000)).decode("utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("body must be an object")
            return raw

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def _route(self, method: str) -> None:
            path = urlsplit(self.path).path.rstrip("/") or "/"
            try:
                result = control(sim, method, path, self._body() if method == "POST" else {})
            except (ValueError, KeyError, TypeError, SimError, RuleViolation) as exc:
                self._json(400, {"error": str(exc)})
                return
            if result is None:
                self._json(404, {"error": "not found"})
                return
            self._json(200, result)

    return Control


def _money_text(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("amounts are yuan strings")
    text = value.strip()
    negative = text.startswith("-")
    fen = Money.from_yuan(text.lstrip("-")).fen
    return -fen if negative else fen


def _day(value: Any, sim: BankSimulator) -> date:
    return date.fromisoformat(value) if value else sim.today()


def control(sim: BankSimulator, method: str, path: str, body: dict[str, Any]) -> Any:
    """One control request -> a JSON-able answer (None: unknown path)."""
    if method == "GET":
        return _control_get(sim, path)
    if method == "DELETE":
        table = {"/faults": "fault", "/statement-faults": "stmt_fault", "/sessions": "session"}.get(path)
        if table is None:
            return None
        with sim.store.tx() as db:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        return {"ok": True}
    handler = _POSTS.get(path)
    return None if handler is None else handler(sim, body)


def _control_get(sim: BankSimulator, path: str) -> Any:  # noqa: PLR0911 - one answer per path
    store = sim.store
    if path == "/health":
        return {"ok": True, "port": sim.port, "today": sim.today().isoformat()}
    if path == "/state":
        return {
            "accounts": [dict(r) for r in store.rows("SELECT * FROM account ORDER BY account_no")],
            "faults": [dict(r) for r in store.rows("SELECT * FROM fault WHERE remaining > 0")],
            "pending_pushes": len(store.rows("SELECT id FROM push WHERE delivered = 0")),
            "today": sim.today().isoformat(),
            "duplicate_policy": store.setting("duplicate_policy", "replay"),
        }
    if path == "/log":
        return [dict(r) for r in store.rows("SELECT * FROM log ORDER BY id")]
    if path == "/requests":
        return [dict(r) for r in store.rows("SELECT * FROM request ORDER BY rowid")]
    if path.startswith("/accounts/"):
        number = path.removeprefix("/accounts/")
        account = store.rows("SELECT * FROM account WHERE account_no = ?", (number,))
        if not account:
            return None
        txns = store.rows("SELECT * FROM txn WHERE account_no = ? ORDER BY id", (number,))
        balance = str(Money(int(account[0]["balance_fen"])))
        return {**dict(account[0]), "balance": balance, "txns": [dict(t) for t in txns]}
    return None


def _post_account(sim: BankSimulator, body: dict[str, Any]) -> Any:
    number = str(body["account_no"])
    fen = _money_text(body.get("balance", "0.00"))
    centre = bool(body.get("centre", False))
    with sim.store.tx() as db:
        db.execute(
            "INSERT INTO account (account_no, name, bank_code, balance_fen, opening_fen, centre)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_no) DO UPDATE SET name = excluded.name,"
            " bank_code = excluded.bank_code, balance_fen = excluded.balance_fen,"
            " opening_fen = excluded.opening_fen, centre = excluded.centre",
            (number, str(body.get("name", number)), str(body.get("bank_code", "000")), fen, fen, int(centre)),
        )
    return {"ok": True}


def _post_fault(sim: BankSimulator, body: dict[str, Any]) -> Any:
    mode = str(body["mode"])
    if mode not in FAULT_MODES:
        raise ValueError(f"mode must be one of {FAULT_MODES}")
    with sim.store.tx() as db:
        db.execute(
            "INSERT INTO fault (tx_code, mode, remaining, delay_ms) VALUES (?, ?, ?, ?)",
            (str(body["tx_code"]), mode, int(body.get("count", 1)), int(body.get("delay_ms", 0))),
        )
    return {"ok": True}


def _post_statement_fault(sim: BankSimulator, body: dict[str, Any]) -> Any:
    kind = str(body["kind"])
    if kind not in STATEMENT_FAULTS:
        raise ValueError(f"kind must be one of {STATEMENT_FAULTS}")
    with sim.store.tx() as db:
        db.execute(
            "INSERT INTO stmt_fault (account_no, day, kind, serial, delta_fen, amount_fen, remark)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(body["account_no"]),
                fmt_date(_day(body.get("date"), sim)),
                kind,
                str(body.get("serial", "")),
                _money_text(body.get("delta", "0.00")),
                _money_text(body.get("amount", "0.00")),
                str(body.get("remark", "")),
            ),
        )
    return {"ok": True}


def _post_movement(sim: BankSimulator, body: dict[str, Any], *, sign: int) -> Any:
    fen = _money_text(body["amount"])
    if fen <= 0:
        raise ValueError("amount must be positive")
    serial, push_id = sim.external_movement(
        str(body["account_no"]),
        sign * fen,
        counterparty=str(body.get("payer_account") or body.get("counterparty") or "6222000000000001"),
        name=str(body.get("payer_name") or body.get("counterparty_name") or "模拟单位"),
        remark=str(body.get("remark", "")),
        day=date.fromisoformat(body["date"]) if body.get("date") else None,
    )
    delivered = sim.deliver(push_id) if body.get("deliver", True) else False
    return {"serial": serial, "delivered": delivered}


def _post_settings(sim: BankSimulator, body: dict[str, Any]) -> Any:
    store = sim.store
    if "duplicate_policy" in body:
        if body["duplicate_policy"] not in ("replay", "pay_again"):
            raise ValueError("duplicate_policy must be replay or pay_again")
        store.set_setting("duplicate_policy", str(body["duplicate_policy"]))
    if "notify" in body:
        if body["notify"]:  # "" turns notices off (they wait, undelivered, until it is set again)
            parse_bank_url(str(body["notify"]))
        store.set_setting("notify", str(body["notify"]))
    if "today" in body:
        store.set_setting("today", fmt_date(date.fromisoformat(str(body["today"]))))
    return {"ok": True}


def _post_reset(sim: BankSimulator, body: dict[str, Any]) -> Any:
    sim.store.reset()
    return {"ok": True}


_POSTS: Final[dict[str, Callable[[BankSimulator, dict[str, Any]], Any]]] = {
    "/accounts": _post_account,
    "/faults": _post_fault,
    "/statement-faults": _post_statement_fault,
    "/remit": lambda sim, body: _post_movement(sim, body, sign=1),
    "/debit": lambda sim, body: _post_movement(sim, body, sign=-1),
    "/settings": _post_settings,
    "/push": lambda sim, body: {"delivered": sim.deliver_pending()},
    "/reset": _post_reset,
}


def run_simulator(
    *,
    clock: Clock,
    port: int,
    control_port: int,
    db_path: Path,
    notify: str | None,
    ready: Callable[[BankSimulator], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve until `stop` is set (the CLI sets it on SIGINT/SIGTERM)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    sim = BankSimulator(
        SimStore(str(db_path)), clock=clock, port=port, control_port=control_port, notify=notify
    ).start()
    try:
        if ready is not None:
            ready(sim)
        (stop or threading.Event()).wait()
    finally:
        sim.stop()
