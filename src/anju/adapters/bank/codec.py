"""The settlement platform's wire format: GBK-encoded XML messages in length-prefixed frames.

A frame is eight ASCII digits giving the byte length of the message that follows, then the
message: ``<?xml version="1.0" encoding="GBK"?><message><head>…</head><body>…</body></message>``
with ``<field name="…">`` values and ``<field-list name="…">`` repeating groups whose entries are
``<field-list name="0">``, ``"1"``, … (interfaces.md §2.2). The official documents fix the exact
prefix width; eight digits is this implementation's choice (docs/adr/0010).

Parsing is strict and whole: the bytes must decode as GBK, carry the GBK declaration, and form
exactly this shape. No DOCTYPE, entity declaration, processing instruction, comment or CDATA is
accepted (XXE and entity expansion cannot happen), and any deviation rejects the whole message
with `BankMessageRejected`; nothing half-read ever reaches the services (reliability.md F6).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NoReturn
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from anju.domain.bank import BankMessageRejected, BankRuleViolation

FRAME_DIGITS: Final = 8
MAX_FRAME: Final = 16 * 1024 * 1024
MAX_ELEMENTS: Final = 200_000
ENCODING: Final = "gbk"
DECLARATION: Final = '<?xml version="1.0" encoding="GBK"?>'

_DECL_RE = re.compile(r'^<\?xml\s+version\s*=\s*(["\'])1\.0\1\s+encoding\s*=\s*(["\'])GBK\2\s*\?>', re.I)
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_ENTRY_RE = re.compile(r"^(0|[1-9][0-9]{0,5})$")
# XML 1.0 forbids these; we also refuse them in values we send.
_BAD_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

REQUEST_HEAD: Final = (
    "SendDate",
    "SendTime",
    "SendSeqNo",
    "TxUnitNo",
    "SendNode",
    "TxCode",
    "ReceiveNode",
    "CustNo",
    "OperNo",
)
REQUEST_REQUIRED: Final = ("SendSeqNo", "ReceiveNode", "OperNo", "TxCode")
REPLY_HEAD: Final = (
    "TxStatus",
    "RtnCode",
    "RtnMessage",
    "ReceiveDate",
    "ReceiveTime",
    "ReceiveSeqNo",
    "ReceiveNode",
    "TxCode",
    "BDCDate",
    "BDCTime",
    "BDCSeqNo",
    "SendNode",
)
REPLY_REQUIRED: Final = ("TxStatus", "TxCode")

Fields = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Message:
    """One message: head fields, body fields, and body repeating groups (name -> entries)."""

    head: Fields
    body: Fields = field(default_factory=dict)
    lists: Mapping[str, tuple[Fields, ...]] = field(default_factory=dict)

    @property
    def tx_code(self) -> str:
        return self.head.get("TxCode", "")

    def get(self, name: str, default: str = "") -> str:
        return self.body.get(name, default)


def _reject(reason: str) -> NoReturn:
    raise BankMessageRejected("bank_message_invalid", reason=reason)


# --- encoding ------------------------------------------------------------------------------------


def _value(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"field {name} must be str")
    if _BAD_CHARS_RE.search(value):
        raise BankRuleViolation("bank_text_invalid", field=name)
    try:
        value.encode(ENCODING)
    except UnicodeEncodeError as exc:
        raise BankRuleViolation("bank_text_not_gbk", field=name) from exc
    return escape(value)


def _name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"bad field name {name!r}")
    return quoteattr(name)


def _fields(fields: Fields) -> str:
    return "".join(f"<field name={_name(k)}>{_value(k, v)}</field>" for k, v in fields.items())


def encode(message: Message) -> bytes:
    """The message as GBK XML bytes (unframed)."""
    parts = [DECLARATION, "<message><head>", _fields(message.head), "</head><body>", _fields(message.body)]
    for list_name, entries in message.lists.items():
        parts.append(f"<field-list name={_name(list_name)}>")
        for index, entry in enumerate(entries):
            parts.append(f'<field-list name="{index}">{_fields(entry)}</field-list>')
        parts.append("</field-list>")
    parts.append("</body></message>")
    data = "".join(parts).encode(ENCODING)
    if len(data) > MAX_FRAME:
        raise BankRuleViolation("bank_message_too_large", size=len(data))
    return data


def frame(payload: bytes) -> bytes:
    if not 0 < len(payload) <= MAX_FRAME:
        raise ValueError("frame payload size out of range")
    return f"{len(payload):0{FRAME_DIGITS}d}".encode("ascii") + payload


def encode_frame(message: Message) -> bytes:
    return frame(encode(message))


# --- decoding ------------------------------------------------------------------------------------


def frame_length(prefix: bytes) -> int:
    """The payload length a prefix announces; rejects anything but eight digits in range."""
    if len(prefix) != FRAME_DIGITS or not prefix.isdigit():
        _reject("报文长度前缀不是八位数字")
    length = int(prefix)
    if not 0 < length <= MAX_FRAME:
        _reject("报文长度超出范围")
    return length


def read_frame(recv_exactly: Callable[[int], bytes]) -> bytes:
    """Read one frame through `recv_exactly(n)` (which returns fewer bytes only at end of stream).

    Raises EOFError when the stream ends cleanly before a frame starts, and BankMessageRejected
    for a bad prefix or a frame cut short (the partial frame is discarded whole).
    """
    prefix = recv_exactly(FRAME_DIGITS)
    if not prefix:
        raise EOFError("connection closed")
    if len(prefix) < FRAME_DIGITS:
        _reject("报文长度前缀不完整")
    length = frame_length(prefix)
    payload = recv_exactly(length)
    if len(payload) != length:
        _reject("报文不完整")
    return payload


def unframe(data: bytes) -> bytes:
    """The payload of exactly one complete frame held in memory (no trailing bytes)."""
    if len(data) < FRAME_DIGITS:
        _reject("报文长度前缀不完整")
    length = frame_length(data[:FRAME_DIGITS])
    if len(data) != FRAME_DIGITS + length:
        _reject("报文长度与前缀不符")
    return data[FRAME_DIGITS:]


def decode_frame(data: bytes) -> Message:
    return decode(unframe(data))


class _Builder:
    """Expat callbacks checking the one allowed shape while building the message."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.head: dict[str, str] = {}
        self.body: dict[str, str] = {}
        self.lists: dict[str, list[dict[str, str]]] = {}
        self.seen: set[str] = set()
        self.target: dict[str, str] | None = None
        self.list_name: str | None = None
        self.field_name: str | None = None
        self.text: list[str] = []
        self.elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            _reject("元素过多")
        top = self.stack[-1] if self.stack else None
        if top is None:
            self._container(tag, attrs, expected="message")
        elif top == "message":
            if tag not in ("head", "body") or tag in self.seen:
                _reject(f"报文结构错误：<{tag[:20]}>")
            self._container(tag, attrs, expected=tag)
            self.target = self.head if tag == "head" else self.body
        elif top in ("head", "body", "entry") and tag == "field":
            self._field(attrs)
        elif top == "body" and tag == "field-list":
            name = self._named(attrs)
            if name in self.lists or name in self.body:
                _reject(f"重复的字段 {name}")
            self.lists[name] = []
            self.list_name = name
            self.stack.append("list")
        elif top == "list" and tag == "field-list":
            assert self.list_name is not None
            entries = self.lists[self.list_name]
            name = attrs.get("name", "")
            if len(attrs) != 1 or not _ENTRY_RE.match(name) or int(name) != len(entries):
                _reject("重复组序号错误")
            entries.append({})
            self.target = entries[-1]
            self.stack.append("entry")
        else:
            _reject(f"报文结构错误：<{tag[:20]}>")

    def _container(self, tag: str, attrs: dict[str, str], *, expected: str) -> None:
        if tag != expected or attrs:
            _reject(f"报文结构错误：<{tag[:20]}>")
        self.seen.add(tag)
        self.stack.append(tag)

    @staticmethod
    def _named(attrs: dict[str, str]) -> str:
        name = attrs.get("name", "")
        if len(attrs) != 1 or not _NAME_RE.match(name):
            _reject("字段名不合法")
        return name

    def _field(self, attrs: dict[str, str]) -> None:
        name = self._named(attrs)
        assert self.target is not None
        if name in self.target or (self.target is self.body and name in self.lists):
            _reject(f"重复的字段 {name}")
        self.field_name = name
        self.text = []
        self.stack.append("field")

    def end(self, tag: str) -> None:
        top = self.stack.pop()
        if top == "field":
            assert self.target is not None
            assert self.field_name is not None
            self.target[self.field_name] = "".join(self.text)
            self.field_name = None
        elif top == "entry":
            self.target = self.body
        elif top == "list":
            self.list_name = None
        elif top in ("head", "body"):
            self.target = None

    def chars(self, data: str) -> None:
        if self.stack and self.stack[-1] == "field":
            self.text.append(data)
        elif data.strip():
            _reject("字段之外出现文本")


def _refuse(*_args: object) -> NoReturn:
    _reject("不允许 DTD、实体声明或处理指令")


def decode(data: bytes) -> Message:
    """Parse one message; any deviation from the shape rejects it whole (BankMessageRejected)."""
    if not isinstance(data, bytes | bytearray) or not 0 < len(data) <= MAX_FRAME:
        _reject("报文长度超出范围")
    try:
        text = bytes(data).decode(ENCODING)
    except UnicodeDecodeError:
        _reject("报文不是有效的 GBK 编码")
    declaration = _DECL_RE.match(text)
    if declaration is None:
        _reject("缺少 GBK 编码的 XML 声明")
    rest = text[declaration.end() :]
    if "<!" in rest or "<?" in rest:
        _reject("不允许 DTD、实体声明、注释或处理指令")
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.ProcessingInstructionHandler = _refuse
    parser.StartCdataSectionHandler = _refuse
    parser.CommentHandler = _refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.chars
    try:
        parser.Parse(rest, True)
    except expat.ExpatError:
        _reject("XML 格式错误")
    except RecursionError:  # pragma: no cover - the shape check stops nesting long before
        _reject("XML 嵌套过深")
    if "head" not in builder.seen:
        _reject("缺少报文头")
    return Message(
        head=builder.head,
        body=builder.body,
        lists={name: tuple(entries) for name, entries in builder.lists.items()},
    )


# --- heads ---------------------------------------------------------------------------------------


def require_head(message: Message, names: Sequence[str]) -> None:
    missing = [name for name in names if not message.head.get(name, "").strip()]
    if missing:
        _reject(f"报文头缺少 {', '.join(missing)}")


@dataclass(frozen=True, slots=True)
class Party:
    """How this side appears in message heads (configured when the centre connects)."""

    node: str
    tx_unit_no: str = ""
    cust_no: str = ""
    oper_no: str = ""


def request(
    tx_code: str,
    seq_no: str,
    *,
    sender: Party,
    receive_node: str,
    send_date: str,
    send_time: str,
    body: Fields | None = None,
    lists: Mapping[str, tuple[Fields, ...]] | None = None,
) -> Message:
    """A centre-initiated request (公积金中心发起交易输入报文头)."""
    head = {
        "SendDate": send_date,
        "SendTime": send_time,
        "SendSeqNo": seq_no,
        "TxUnitNo": sender.tx_unit_no,
        "SendNode": sender.node,
        "TxCode": tx_code,
        "ReceiveNode": receive_node,
        "CustNo": sender.cust_no,
        "OperNo": sender.oper_no,
    }
    return Message(head=head, body=dict(body or {}), lists=dict(lists or {}))


def reply(
    to: Message,
    *,
    status: str,
    code: str,
    text: str,
    node: str,
    date_: str,
    time_: str,
    seq_no: str,
    body: Fields | None = None,
    lists: Mapping[str, tuple[Fields, ...]] | None = None,
) -> Message:
    """A reply head (also the head of BDC-initiated requests), answering `to`."""
    their_seq = to.head.get("SendSeqNo") or to.head.get("BDCSeqNo", "")
    head = {
        "TxStatus": status,
        "RtnCode": code,
        "RtnMessage": text,
        "ReceiveDate": to.head.get("SendDate") or to.head.get("BDCDate", ""),
        "ReceiveTime": to.head.get("SendTime") or to.head.get("BDCTime", ""),
        "ReceiveSeqNo": their_seq,
        "ReceiveNode": to.head.get("SendNode", ""),
        "TxCode": to.tx_code,
        "BDCDate": date_,
        "BDCTime": time_,
        "BDCSeqNo": seq_no,
        "SendNode": node,
    }
    return Message(head=head, body=dict(body or {}), lists=dict(lists or {}))


def notice(
    tx_code: str,
    seq_no: str,
    *,
    node: str,
    receive_node: str,
    date_: str,
    time_: str,
    body: Fields | None = None,
    lists: Mapping[str, tuple[Fields, ...]] | None = None,
) -> Message:
    """A BDC-initiated request (SBDC100): it carries the reply-style head."""
    head = {
        "TxStatus": "0",
        "RtnCode": "0000",
        "RtnMessage": "",
        "ReceiveDate": "",
        "ReceiveTime": "",
        "ReceiveSeqNo": "",
        "ReceiveNode": receive_node,
        "TxCode": tx_code,
        "BDCDate": date_,
        "BDCTime": time_,
        "BDCSeqNo": seq_no,
        "SendNode": node,
    }
    return Message(head=head, body=dict(body or {}), lists=dict(lists or {}))


# --- files inside messages -----------------------------------------------------------------------

_HEX_RE = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")


def file_to_hex(text: str) -> str:
    """A text file as the hex string the DATA field carries (GBK bytes, upper-case hex)."""
    try:
        return text.encode(ENCODING).hex().upper()
    except UnicodeEncodeError as exc:
        raise BankRuleViolation("bank_text_not_gbk", field="DATA") from exc


def hex_to_file(data: str) -> str:
    if not _HEX_RE.match(data):
        _reject("文件内容不是有效的十六进制串")
    try:
        return bytes.fromhex(data).decode(ENCODING)
    except UnicodeDecodeError:
        _reject("文件内容不是有效的 GBK 编码")


def file_list(name: str, text: str) -> tuple[Fields, ...]:
    return ({"NAME": name, "DATA": file_to_hex(text)},)


def single_file(message: Message, list_name: str = "FILE_LIST") -> tuple[str, str]:
    """(name, text) of the one file a message carries; rejects none or several."""
    entries = message.lists.get(list_name, ())
    if len(entries) != 1:
        _reject(f"{list_name} 应恰有一个文件")
    entry = entries[0]
    if set(entry) != {"NAME", "DATA"}:
        _reject("文件条目应只有 NAME 和 DATA")
    return entry["NAME"], hex_to_file(entry["DATA"])
