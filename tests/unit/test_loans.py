"""Pure parts of the loan workflow: continuous contribution months, the repayment voucher, the
age rule's default for a woman whose post category is unknown, the document verification code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from hashlib import sha256
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.documents import IssuedBy
from anju.domain.loans.documents import SettlementCertificate, verification_code
from anju.domain.retirement import Gender, RetirementCategory
from anju.ids import LedgerAccountNo
from anju.ledger.balances import Side
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, loan_repayment
from anju.money import Money
from anju.services.loans import _birth, continuous_months


class _Account:
    def __init__(self, opened_on: date, paid_up_to: str | None) -> None:
        self.opened_on = opened_on
        self.paid_up_to = paid_up_to


def test_continuous_months_from_opening_to_paid_up() -> None:
    assert continuous_months(_Account(date(2026, 5, 15), "202610")) == 6  # type: ignore[arg-type]
    assert continuous_months(_Account(date(2026, 5, 15), None)) == 0  # type: ignore[arg-type]
    assert continuous_months(_Account(date(2026, 11, 1), "202610")) == 0  # type: ignore[arg-type]


@given(
    principal=st.integers(min_value=0, max_value=10**9),
    interest=st.integers(min_value=0, max_value=10**7),
    unapplied=st.integers(min_value=0, max_value=10**7),
)
def test_repayment_voucher_balances_and_splits(principal: int, interest: int, unapplied: int) -> None:
    if principal + interest + unapplied == 0:
        return
    draft = loan_repayment(
        source_ref="DK1:bank:1",
        funding=AccountRef.gl("10101"),
        loan_account_no=LedgerAccountNo.compose("410100", 7).value,
        principal=Money(principal),
        interest=Money(interest),
        business_date=date(2026, 12, 23),
        memo="还款",
        unapplied=Money(unapplied),
    )
    debit = sum(p.amount.fen for p in draft.postings if p.side is Side.DEBIT)
    assert debit == principal + interest + unapplied
    to_income = sum(
        p.amount.fen for p in draft.postings if p.account == AccountRef.gl(GL.INCOME_LOAN_INTEREST)
    )
    assert to_income == interest


def test_a_woman_of_unknown_category_is_taken_at_the_earlier_retirement_age() -> None:
    facts = _birth(date(1990, 1, 1), "2", None)
    assert facts.gender is Gender.FEMALE and facts.category is RetirementCategory.WORKER
    assert _birth(date(1990, 1, 1), "1", None).category is None


def _certificate(**changes: Any) -> SettlementCertificate:
    issued = IssuedBy(
        "安居市住房公积金管理中心", "", "clerk", date(2027, 1, 5), datetime(2027, 1, 5, tzinfo=UTC)
    )
    doc = SettlementCertificate(
        issued=issued,
        loan_no="DK1",
        contract_no="HT1",
        borrower_name_masked="张*",
        borrower_id_masked="4101**********0011",
        house_address="人民路 1 号",
        amount=Money.from_yuan("300000.00"),
        disbursed_on=date(2026, 11, 23),
        settled_on=date(2027, 1, 5),
        mortgage_no="M1",
        principal_repaid=Money.from_yuan("300000.00"),
        interest_paid=Money.from_yuan("700.00"),
    )
    return replace(doc, **changes)


@pytest.mark.parametrize(
    ("field", "value"), [("amount", Money.from_yuan("300000.01")), ("settled_on", date(2027, 1, 6))]
)
def test_any_edit_changes_the_verification_code(field: str, value: object) -> None:
    def sm3(data: bytes) -> bytes:
        return sha256(data).digest()

    code = verification_code(sm3, "loan_settlement_certificate", _certificate())
    assert code == verification_code(sm3, "loan_settlement_certificate", _certificate())
    assert code != verification_code(sm3, "loan_settlement_certificate", _certificate(**{field: value}))
