"""The settlement platform's wire format: frames, GBK XML, embedded files (reliability.md F6).

Round trips for what we send, and for what we receive: malformed input of any kind is rejected
whole with BankMessageRejected — never another exception, never a half-read message.
"""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.adapters.bank import codec, files
from anju.adapters.bank.codec import Message, Party
from anju.domain.bank import (
    BankFileRejected,
    BankMessageRejected,
    BankRuleViolation,
    StatementFile,
    StatementLine,
)
from anju.money import Money

CENTRE = Party(node="C41010", tx_unit_no="410100", cust_no="410100", oper_no="ANJU01")

# Printable ASCII and the CJK block GBK covers: what names, remarks and summaries hold.
gbk_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    ),
    max_size=40,
)
names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,15}\Z")


def payment_request() -> Message:
    return codec.request(
        "BDC101",
        "202611230000000001",
        sender=CENTRE,
        receive_node="105000",
        send_date="20261123",
        send_time="101500",
        body={"Amt": "1234.56", "CrAcctName": "张三", "Summary": '部分提取 <&> "引号"'},
    )


def test_a_request_frame_is_an_eight_digit_length_then_gbk_xml() -> None:
    data = codec.encode_frame(payment_request())
    payload = data[8:]
    assert data[:8] == f"{len(payload):08d}".encode()
    assert payload.startswith(b'<?xml version="1.0" encoding="GBK"?><message><head>')
    assert '<field name="CrAcctName">张三</field>'.encode("gbk") in payload
    # Markup characters in values are escaped, and the bytes are GBK, not UTF-8.
    assert "部分提取 &lt;&amp;&gt;".encode("gbk") in payload
    assert "张三".encode() not in payload


def test_head_fields_follow_the_interface_specification() -> None:
    message = codec.decode_frame(codec.encode_frame(payment_request()))
    assert list(message.head) == list(codec.REQUEST_HEAD)
    assert message.head["SendSeqNo"] == "202611230000000001"
    assert message.head["SendNode"] == "C41010"
    assert message.head["ReceiveNode"] == "105000"
    reply = codec.reply(
        message,
        status="0",
        code="0000",
        text="成功",
        node="D00000",
        date_="20261123",
        time_="101501",
        seq_no="D1",
    )
    assert list(reply.head) == list(codec.REPLY_HEAD)
    assert reply.head["ReceiveSeqNo"] == "202611230000000001"
    assert reply.head["ReceiveNode"] == "C41010"


def test_files_travel_as_hex_of_gbk_in_a_field_list() -> None:
    text = "1|账号|流水|\n2|账号|流水|\n"
    message = Message(
        head={"TxCode": "BDC113"}, body={"TotalNum": "2"}, lists={"FILE_LIST": codec.file_list("a.txt", text)}
    )
    back = codec.decode_frame(codec.encode_frame(message))
    assert back.lists["FILE_LIST"][0]["DATA"] == text.encode("gbk").hex().upper()
    assert codec.single_file(back) == ("a.txt", text)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.dictionaries(names, gbk_text, min_size=1, max_size=6),
    body=st.dictionaries(names, gbk_text, max_size=8),
    entries=st.lists(st.dictionaries(names, gbk_text, max_size=4), max_size=4),
)
def test_any_message_of_gbk_text_survives_a_round_trip(
    head: dict[str, str], body: dict[str, str], entries: list[dict[str, str]]
) -> None:
    lists = {"LIST_X": tuple(entries)} if entries and "LIST_X" not in body else {}
    message = Message(head=head, body=body, lists=lists)
    back = codec.decode_frame(codec.encode_frame(message))
    assert dict(back.head) == head
    assert dict(back.body) == body
    assert {k: [dict(e) for e in v] for k, v in back.lists.items()} == {k: list(v) for k, v in lists.items()}


def test_text_gbk_cannot_carry_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(BankRuleViolation) as info:
        codec.encode(Message(head={"TxCode": "BDC101"}, body={"CrAcctName": "王😀"}))
    assert info.value.code == "bank_text_not_gbk"
    with pytest.raises(BankRuleViolation):
        codec.encode(Message(head={"TxCode": "BDC101"}, body={"Remark": "a\x00b"}))


XXE = (
    '<?xml version="1.0" encoding="GBK"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<message><head><field name="TxCode">&x;</field></head></message>'
)
LAUGHS = (
    '<?xml version="1.0" encoding="GBK"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<message><head><field name="TxCode">&b;</field></head></message>'
)
GOOD_HEAD = '<?xml version="1.0" encoding="GBK"?><message><head><field name="TxCode">BDC101</field></head>'


@pytest.mark.parametrize(
    "text",
    [
        XXE,
        LAUGHS,
        '<?xml version="1.0" encoding="GBK"?><?pi x?><message><head/></message>',
        GOOD_HEAD + "<!-- c --></message>",
        GOOD_HEAD + "<body><field name='A'><![CDATA[x]]></field></body></message>",
        '<?xml version="1.0" encoding="UTF-8"?><message><head/></message>',  # not GBK
        "<message><head/></message>",  # no declaration
        GOOD_HEAD,  # unclosed
        GOOD_HEAD + "<body><field name='A'>1</field><field name='A'>2</field></body></message>",  # twice
        GOOD_HEAD + "<body><x>1</x></body></message>",  # unknown element
        GOOD_HEAD + "<body><field name='A' b='1'>1</field></body></message>",  # extra attribute
        GOOD_HEAD + "<body><field name='1A'>1</field></body></message>",  # bad name
        GOOD_HEAD + "<body><field name='A'><field name='B'>1</field></field></body></message>",  # nested
        GOOD_HEAD + "stray text</message>",
        GOOD_HEAD
        + "<body><field-list name='L'><field-list name='1'/></field-list></body></message>",  # not 0
        GOOD_HEAD + "<head/></message>",  # a second head
        '<?xml version="1.0" encoding="GBK"?><message><body/></message>',  # no head
        '<?xml version="1.0" encoding="GBK"?><other><head/></other>',
        GOOD_HEAD + "<body><field name='A'>&unknown;</field></body></message>",
    ],
)
def test_malformed_or_dangerous_messages_are_rejected_whole(text: str) -> None:
    with pytest.raises(BankMessageRejected) as info:
        codec.decode(text.encode("gbk"))
    assert info.value.code == "bank_message_invalid"


def test_bytes_that_are_not_gbk_are_rejected() -> None:
    bad = GOOD_HEAD.encode("gbk") + b"<body><field name='A'>\x81\x20</field></body></message>"
    with pytest.raises(BankMessageRejected):
        codec.decode(bad)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"0000",  # short prefix
        b"abcdefgh<message/>",  # not digits
        b"00000000",  # zero length
        b"99999999" + b"x",  # beyond the limit
        b"00000100<message>",  # cut short
        codec.encode_frame(Message(head={"TxCode": "X"})) + b"junk",  # trailing bytes
    ],
)
def test_bad_frames_are_rejected(data: bytes) -> None:
    with pytest.raises(BankMessageRejected):
        codec.decode_frame(data)


def test_read_frame_tells_a_clean_end_from_a_cut_frame() -> None:
    def reader(data: bytes):  # type: ignore[no-untyped-def]
        buffer = bytearray(data)

        def recv(n: int) -> bytes:
            chunk = bytes(buffer[:n])
            del buffer[:n]
            return chunk

        return recv

    with pytest.raises(EOFError):
        codec.read_frame(reader(b""))
    frame = codec.encode_frame(payment_request())
    assert codec.read_frame(reader(frame)) == frame[8:]
    with pytest.raises(BankMessageRejected):
        codec.read_frame(reader(frame[:-3]))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.booleans())
def test_random_bytes_never_crash_the_decoder(data: bytes, framed: bool) -> None:
    # Framed with a correct prefix, the bytes reach the GBK and XML layers, not just the prefix.
    raw = f"{len(data):08d}".encode() + data if framed else data
    with contextlib.suppress(BankMessageRejected):
        codec.decode_frame(raw)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=10_000), value=st.integers(min_value=0, max_value=255))
def test_a_corrupted_valid_frame_is_either_still_valid_or_rejected_whole(position: int, value: int) -> None:
    frame = bytearray(codec.encode_frame(payment_request()))
    frame[position % len(frame)] = value
    try:
        message = codec.decode_frame(bytes(frame))
    except BankMessageRejected:
        return
    # Whatever survives is a complete message of the one allowed shape.
    assert isinstance(message.head, dict) and message.head
    assert all(isinstance(v, str) for v in message.body.values())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_in_the_xml_never_crashes_the_decoder(text: str) -> None:
    try:
        data = ('<?xml version="1.0" encoding="GBK"?>' + text).encode("gbk", errors="ignore")
        codec.decode(data)
    except BankMessageRejected:
        pass


# --- statement and batch files ----------------------------------------------------------------------


def line(seq: int, serial: str, fen: int, remark: str = "单位 1041010000000011 汇缴") -> StatementLine:
    return StatementLine(
        seq=seq,
        account_no="105410120150100000001",
        serial=serial,
        tx_code="BDC101",
        counterparty_account="6222020000000001",
        counterparty_name="安居科技有限公司",
        amount=Money(fen),
        tx_date=date(2026, 11, 23),
        tx_time="101500",
        remark=remark,
        balance=Money(500000),
        summary="汇缴",
    )


def statement(lines: list[StatementLine], **overrides: object) -> StatementFile:
    total = Money(sum(x.amount.fen for x in lines))
    values: dict[str, object] = {
        "account_no": "105410120150100000001",
        "start": date(2026, 11, 23),
        "end": date(2026, 11, 23),
        "lines": tuple(lines),
        "declared_count": len(lines),
        "declared_total": total,
        "opening_balance": Money(100000),
        "closing_balance": Money(100000) + total,
        "name": "s.txt",
    }
    values.update(overrides)
    return StatementFile(**values)  # type: ignore[arg-type]


def test_statement_lines_round_trip_in_the_23_field_layout() -> None:
    lines = [line(1, "105A1", 120000), line(2, "105A2", -3000, remark="手续费|含分隔符")]
    text = files.format_statement(lines)
    first = text.splitlines()[0]
    assert first.count("|") == 23 and first.endswith("|")
    parsed = files.parse_statement(text)
    assert [(x.serial, x.amount) for x in parsed] == [("105A1", Money(120000)), ("105A2", Money(-3000))]
    assert parsed[1].remark == "手续费 含分隔符"  # a separator inside a value cannot break the line


def test_a_statement_is_built_only_when_its_trailer_agrees() -> None:
    good = statement([line(1, "S1", 100), line(2, "S2", 200)])
    body = files.envelope_fields(good)
    rebuilt = files.statement_from(body, "s.txt", files.format_statement(good.lines))
    assert rebuilt.digest == good.digest
    for field, value in (("TotalNum", "3"), ("TotalAmt", "3.01"), ("CloseBal", "1.00")):
        with pytest.raises(BankFileRejected):
            files.statement_from({**body, field: value}, "s.txt", files.format_statement(good.lines))


@pytest.mark.parametrize(
    "bad",
    [
        "1|a|b|c|d|e|1.00|20261123|101500|\n",  # too few fields
        "x" + files.format_statement_line(line(1, "S1", 100))[1:],  # bad sequence
        files.format_statement_line(line(1, "S1", 100)).replace("20261123", "20261332"),  # no such date
        files.format_statement_line(line(1, "S1", 100)).replace("|1.00|", "|1.0.0|"),  # bad amount
        files.format_statement_line(line(1, "S1", 100)).replace("|1.00|", "|0.00|"),  # zero
    ],
)
def test_one_bad_line_rejects_the_whole_file(bad: str) -> None:
    text = files.format_statement_line(line(1, "S0", 100)) + "\n" + bad
    with pytest.raises(BankFileRejected):
        files.parse_statement(text)


def test_statement_check_refuses_lines_of_another_account_or_day() -> None:
    other = StatementLine(
        **{**{f: getattr(line(1, "S1", 100), f) for f in StatementLine.__slots__}, "account_no": "999"}
    )
    with pytest.raises(BankFileRejected):
        statement([other]).check()
    late = StatementLine(
        **{
            **{f: getattr(line(1, "S1", 100), f) for f in StatementLine.__slots__},
            "tx_date": date(2026, 11, 24),
        }
    )
    with pytest.raises(BankFileRejected):
        statement([late]).check()


def test_the_statement_document_a_clerk_imports_round_trips() -> None:
    original = statement([line(1, "S1", 100), line(2, "S2", -50)])
    text = files.format_statement_document(original)
    assert files.parse_statement_document(text, "s.txt").digest == original.digest
    with pytest.raises(BankFileRejected):
        files.parse_statement_document("no header\n" + files.format_statement(original.lines))


def test_batch_files_round_trip_and_result_totals_must_agree() -> None:
    lines = [
        files.BatchLine(1, Money(10000), "6222000011112222", "甲公司", "汇缴", "1041010000000011"),
        files.BatchLine(2, Money(25050), "6222000011113333", "乙公司", "汇缴", "1041010000000029"),
    ]
    text = files.format_batch_file(lines)
    assert text.splitlines()[0].endswith("@|$")
    assert files.parse_batch_file(text) == lines
    results = [
        files.BatchResultLine(
            1, Money(10000), "6222000011112222", "甲公司", "0000", "成功", "20261123", "H1"
        ),
        files.BatchResultLine(
            2, Money(25050), "6222000011113333", "乙公司", "E001", "余额不足", "20261123", ""
        ),
    ]
    result_text = files.format_batch_result(
        day=date(2026, 11, 23), institution="D00000", batch_no="B1", lines=results
    )
    parsed = files.parse_batch_result(result_text)
    assert (parsed.ok_count, parsed.ok_amount, [x.succeeded for x in parsed.lines]) == (
        1,
        Money(10000),
        [True, False],
    )
    tampered = result_text.replace("|1|100.00|", "|1|999.00|", 1)
    with pytest.raises(BankFileRejected):
        files.parse_batch_result(tampered)


pipe_text = st.text(alphabet=st.sampled_from(list("0123456789|.-+$@ \n抬头ABC")), max_size=300)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(pipe_text)
def test_random_file_text_is_parsed_whole_or_rejected_whole(text: str) -> None:
    for parse in (files.parse_statement, files.parse_batch_file, files.parse_batch_result):
        try:
            parse(text)
        except BankFileRejected:
            continue


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=10_000), char=st.sampled_from(list("|9x.-\n ")))
def test_a_corrupted_statement_is_rejected_or_still_adds_up(position: int, char: str) -> None:
    good = statement([line(1, "S1", 100), line(2, "S2", -250), line(3, "S3", 999)])
    text = files.format_statement(good.lines)
    index = position % len(text)
    corrupted = text[:index] + char + text[index + 1 :]
    try:
        parsed = files.statement_from(files.envelope_fields(good), "s.txt", corrupted)
    except BankFileRejected:
        return
    # Whatever is accepted still agrees with the declared trailer: no partial or altered file.
    assert sum(x.amount.fen for x in parsed.lines) == good.declared_total.fen
    assert len(parsed.lines) == good.declared_count
