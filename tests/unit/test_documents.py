"""PDF documents (reports.pdf) read back as text, amounts in Chinese capitals, verification codes,
and the download filename header."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from anju.domain.documents import (
    AccountStatement,
    ContributionCertificate,
    IssuedBy,
    RemittanceReceipt,
    StatementEntry,
    amount_in_words,
    business_type_name,
    verification_code,
)
from anju.http.downloads import clean_filename, content_disposition
from anju.money import Money
from anju.reports import pdf

CST = timezone(timedelta(hours=8))
ISSUED = IssuedBy(
    "安居市住房公积金管理中心",
    "城东管理部",
    "clerk01",
    date(2026, 11, 23),
    datetime(2026, 11, 23, 10, 5, 9, tzinfo=CST),
)


class Sm3:
    def sm3(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes

        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()


CRYPTO = Sm3()


def pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


RECEIPT = RemittanceReceipt(
    issued=ISSUED,
    unit_account_no="104101000000018",
    unit_name="安居软件有限公司",
    month="202611",
    kind="remittance",
    headcount=3,
    unit_total=Money.of("617.28"),
    member_total=Money.of("617.28"),
    total=Money.of("1234.56"),
    voucher_no="4041010000000000123",
    serial_no="ICBC20261123000123",
    paid_on=date(2026, 11, 23),
    collection_account="中国工商银行 1702020109000012345",
)


def test_the_receipt_pdf_carries_title_amounts_and_code() -> None:
    data = pdf.render(RECEIPT, CRYPTO)
    assert data.startswith(b"%PDF-")
    [text] = pages(data)
    assert "住房公积金汇缴回单" in text
    assert "1,234.56 元" in text and "617.28 元" in text
    assert "壹仟贰佰叁拾肆元伍角陆分" in text
    assert "2026年11月" in text and "3 人" in text
    assert "ICBC20261123000123" in text and "4041010000000000123" in text
    code = verification_code(CRYPTO.sm3, "remittance_receipt", RECEIPT)
    assert f"校验码：{code}" in text
    assert "第 1 页 共 1 页" in text and "打印时间：2026-11-23 10:05:09" in text
    assert "安居市住房公积金管理中心" in text


def test_the_same_content_renders_to_the_same_bytes() -> None:
    assert pdf.render(RECEIPT, CRYPTO) == pdf.render(RECEIPT, CRYPTO)


def test_the_verification_code_changes_with_any_field() -> None:
    code = verification_code(CRYPTO.sm3, "remittance_receipt", RECEIPT)
    assert re.fullmatch(r"([0-9A-F]{4}-){7}[0-9A-F]{4}", code)
    other = replace(RECEIPT, total=Money.of("1234.57"))
    assert verification_code(CRYPTO.sm3, "remittance_receipt", other) != code
    assert verification_code(CRYPTO.sm3, "contribution_certificate", RECEIPT) != code


def test_the_certificate_prints_only_what_it_is_given_masked() -> None:
    cert = ContributionCertificate(
        issued=ISSUED,
        name_masked="张*",
        resident_id_masked="4101**********1234",
        account_no="204101000000000018",
        unit_account_no="104101000000018",
        unit_name="安居软件有限公司",
        status_label="正常",
        wage_base=Money.of("8500.50"),
        unit_monthly=Money.of("1020.06"),
        member_monthly=Money.of("1020.06"),
        unit_ratio_percent="12",
        member_ratio_percent="12",
        paid_up_to="202611",
        balance=Money.of("24481.44"),
        opened_on=date(2025, 12, 1),
    )
    [text] = pages(pdf.render(cert, CRYPTO))
    assert "住房公积金缴存证明" in text
    assert "张*" in text and "4101**********1234" in text
    assert "24,481.44 元" in text and "2,040.12 元" in text and "8,500.50 元" in text
    assert "2026年11月" in text and "单位 12% / 个人 12%" in text


def test_a_long_statement_repeats_its_header_and_numbers_its_pages() -> None:
    entries = []
    balance = Money.ZERO
    for i in range(150):
        amount = Money.of("2040.12")
        balance += amount
        entries.append(
            StatementEntry(
                booked_on=date(2014, 1, 1) + timedelta(days=30 * i),
                business_type="01",
                business_type_name="汇缴",
                memo=f"第{i + 1}期汇缴",
                debit=Money.ZERO,
                credit=amount,
                balance=balance,
                voucher_no=f"40410100{i:011d}",
            )
        )
    entries.append(
        StatementEntry(
            date(2026, 10, 1),
            "11",
            "部分提取",
            "租房提取",
            Money.of("5000.00"),
            Money.ZERO,
            balance - Money.of("5000.00"),
            "4041010000099999999",
        )
    )
    statement = AccountStatement(
        issued=ISSUED,
        name_masked="欧***",
        resident_id_masked="4101**********1234",
        account_no="204101000000000018",
        unit_name="安居软件有限公司",
        start=date(2014, 1, 1),
        end=date(2026, 11, 23),
        opening_balance=Money.ZERO,
        closing_balance=balance - Money.of("5000.00"),
        entries=tuple(entries),
    )
    texts = pages(pdf.render(statement, CRYPTO))
    total = len(texts)
    assert total >= 3
    for n, text in enumerate(texts, start=1):
        assert "记账日期" in text and "贷方发生额" in text  # the header on every page
        assert f"第 {n} 页 共 {total} 页" in text
    assert "住房公积金个人明细" in texts[0]
    last = texts[-1]
    assert "部分提取" in last and "5,000.00" in last
    assert "306,018.00" in last  # credits: 150 × 2,040.12
    assert (balance - Money.of("5000.00")).format_cn() in last


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (1000, "壹拾元整"),
        (123456, "壹仟贰佰叁拾肆元伍角陆分"),
        (123405, "壹仟贰佰叁拾肆元零伍分"),
        (101000, "壹仟零壹拾元整"),
        (10000000, "壹拾万元整"),
        (10000100, "壹拾万零壹元整"),
        (10010000, "壹拾万零壹佰元整"),
        (1000010000000, "壹佰亿零壹拾万元整"),
        (-1050, "负壹拾元伍角整"),
    ],
)
def test_amounts_in_chinese_capitals(fen: int, words: str) -> None:
    assert amount_in_words(Money(fen)) == words


@given(st.integers(min_value=1, max_value=10**15))
def test_capitals_never_repeat_a_zero_or_end_on_one(fen: int) -> None:
    words = amount_in_words(Money(fen))
    assert "零零" not in words and not words.startswith("零")
    assert words.endswith(("整", "分"))


def test_business_type_names_follow_the_data_standard() -> None:
    assert business_type_name("01") == "汇缴"
    assert business_type_name("09") == "年终结息"
    assert business_type_name("12") == "销户提取"
    assert business_type_name("99", "错缴更正") == "错缴更正"
    assert business_type_name(None, "手工调整") == "手工调整"


def test_download_names_are_safe_and_rfc5987_encoded() -> None:
    header = content_disposition("汇缴清册_104101000000018_202611.xlsx")
    assert header.startswith("attachment; filename=\"104101000000018_202611.xlsx\"; filename*=UTF-8''")
    assert "%E6%B1%87%E7%BC%B4%E6%B8%85%E5%86%8C_104101000000018_202611.xlsx" in header
    assert clean_filename("../../etc/passwd") == "etc_passwd"
    assert "\r" not in content_disposition('a"\r\nSet-Cookie: x=1.pdf')
    assert clean_filename("..") == "download"
