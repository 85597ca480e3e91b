"""Loan documents: the loan contract (借款合同) and the settlement certificate (结清证明).

Content only, masked where it names a person; reports/loan_pdf.py renders it. The verification
code (校验码) is computed exactly as for the other printed documents: the first 128 bits of the
SM3 of the canonical JSON of the content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from anju.domain.documents import IssuedBy
from anju.money import Money

CONTRACT: Final = "loan_contract"
SETTLEMENT_CERTIFICATE: Final = "loan_settlement_certificate"
TITLES: Final = {CONTRACT: "个人住房公积金借款合同", SETTLEMENT_CERTIFICATE: "住房公积金贷款结清证明"}


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    instalment_no: int
    due_date: date
    payment: Money
    principal: Money
    interest: Money
    closing_balance: Money


@dataclass(frozen=True, slots=True)
class LoanContract:
    issued: IssuedBy
    contract_no: str
    loan_no: str
    borrower_name_masked: str
    borrower_id_masked: str
    co_borrower_name_masked: str
    house_address: str
    house_price: Money
    amount: Money
    term_months: int
    method_label: str
    annual_rate_percent: str
    rate_source: str
    signed_on: date
    seller_name: str
    guarantee: str
    first_lines: tuple[ScheduleLine, ...]  # the first year at the contract rate, for illustration
    total_interest: Money


@dataclass(frozen=True, slots=True)
class SettlementCertificate:
    issued: IssuedBy
    loan_no: str
    contract_no: str
    borrower_name_masked: str
    borrower_id_masked: str
    house_address: str
    amount: Money
    disbursed_on: date
    settled_on: date
    mortgage_no: str
    principal_repaid: Money
    interest_paid: Money


LoanDocument = LoanContract | SettlementCertificate


def _plain(value: Any) -> Any:
    if isinstance(value, Money | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def canonical_bytes(kind: str, document: LoanDocument) -> bytes:
    body = {"kind": kind, "content": _plain(document)}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def verification_code(sm3: Callable[[bytes], bytes], kind: str, document: LoanDocument) -> str:
    digest = sm3(canonical_bytes(kind, document)).hex().upper()[:32]
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))


def kind_of(document: LoanDocument) -> str:
    return CONTRACT if isinstance(document, LoanContract) else SETTLEMENT_CERTIFICATE
