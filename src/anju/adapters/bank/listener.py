"""The centre's listener for what the platform pushes: account-change notices (SBDC100).

Each notice is decoded whole, handed to the service (which books it in one transaction), and
only then acknowledged with TxStatus 0. A notice that could not be booked is answered with
TxStatus 1, so the platform delivers it again later; the inbox makes redelivery harmless.
A malformed message is refused whole and nothing of it is booked (reliability.md F6).
"""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any, Final

from anju.adapters.bank import codec, files
from anju.adapters.bank.client import recv_exactly
from anju.adapters.bank.codec import Message
from anju.domain.bank import BDC_NODE, BankMessageRejected, StatementFile, TxCode
from anju.errors import AnjuError
from anju.services.ports import Clock

logger = logging.getLogger("anju.bank.listener")
CHINA: Final = timezone(timedelta(hours=8))
IDLE_SECONDS: Final = 30

NoticeHandler = Callable[[StatementFile], object]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class NoticeListener:
    """A TCP server on host:port (port 0: any free port) answering SBDC100 notices."""

    def __init__(self, host: str, port: int, handler: NoticeHandler, *, node: str, clock: Clock) -> None:
        self._handler = handler
        self._node = node
        self._clock = clock
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                listener.serve_connection(self.request)

        self._server = _Server((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"tcp://{host}:{port}"

    def start(self) -> NoticeListener:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="bank-notice-listener", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_connection(self, sock: Any) -> None:
        sock.settimeout(IDLE_SECONDS)
        while True:
            try:
                payload = codec.read_frame(lambda n: recv_exactly(sock, n))
            except (EOFError, OSError):
                return
            except BankMessageRejected:
                self._send(sock, self._refusal(None, "FORMAT_ERROR", "报文格式错误"))
                return
            reply = self.answer(payload)
            if not self._send(sock, reply):
                return

    def _send(self, sock: Any, message: Message) -> bool:
        try:
            sock.sendall(codec.encode_frame(message))
        except OSError:
            return False
        return True

    def _refusal(self, to: Message | None, code: str, text: str) -> Message:
        return self._reply(to or Message(head={"TxCode": TxCode.ACCOUNT_NOTICE}), "1", code, text)

    def _reply(self, to: Message, status: str, code: str, text: str) -> Message:
        now = self._clock.now_utc().astimezone(CHINA)
        return codec.reply(
            to,
            status=status,
            code=code,
            text=text,
            node=self._node,
            date_=now.strftime("%Y%m%d"),
            time_=now.strftime("%H%M%S"),
            seq_no=to.head.get("BDCSeqNo", ""),
        )

    def answer(self, payload: bytes) -> Message:
        """Decode, book and acknowledge one notice (also used directly by tests)."""
        try:
            message = codec.decode(payload)
            codec.require_head(message, ("TxCode", "BDCSeqNo", "SendNode"))
        except BankMessageRejected as exc:
            return self._refusal(None, "FORMAT_ERROR", str(exc.details.get("reason", "报文格式错误")))
        if message.tx_code != TxCode.ACCOUNT_NOTICE or message.head.get("SendNode") != BDC_NODE:
            return self._refusal(message, "UNSUPPORTED", "不支持的交易")
        try:
            name, text = codec.single_file(message)
            statement = files.statement_from(message.body, name, text)
            self._handler(statement)
        except AnjuError as exc:
            logger.warning("notice %s refused: %s", message.head.get("BDCSeqNo"), exc.code)
            return self._refusal(message, exc.code[:20], exc.message[:100])
        except Exception:  # never let one notice kill the listener; the platform will resend
            logger.exception("notice %s could not be booked", message.head.get("BDCSeqNo"))
            return self._refusal(message, "SYSTEM_ERROR", "系统错误，请稍后重发")
        return self._reply(message, "0", "0000", "成功")
