"""Printed documents from real data, on SQLite and PostgreSQL: the PDF's text is read back and
checked — the Chinese title, amounts to the fen, the masked ID present and the full ID absent."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from bench.bulk_members import BulkMember, bulk_members
from pypdf import PdfReader

from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.errors import PermissionDenied, RuleViolation
from anju.ids import mask_name, mask_resident_id
from anju.money import Money
from anju.reports import pdf
from anju.services import documents
from anju.services import remittance as rm
from anju.services.runner import read, run
from tests.integration.collection_helpers import DAY, Centre, register, seed

MONTH = "202611"


@dataclass(frozen=True)
class Paid:
    centre: Centre
    clerk: Actor
    unit_no: str
    unit_name: str
    members: list[BulkMember]
    roster: rm.RosterView
    serial: str

    @property
    def c(self) -> Container:
        return self.centre.container


_units = iter(range(700, 10_000))


def paid_unit(container: Container) -> Paid:
    centre = seed(container)
    clerk = centre.clerk("02")
    unit = register(centre, clerk, next(_units))
    people = bulk_members(container, unit.unit_account_no, 3)
    roster = run(container.uow, lambda uow: rm.generate_roster(uow, clerk, unit.unit_account_no, MONTH))
    run(container.uow, lambda uow: rm.confirm_roster(uow, clerk, roster.id))
    serial = "ICBC20261123000123"
    run(
        container.uow,
        lambda uow: rm.receive_unit_payment(
            uow,
            clerk,
            unit_account_no=unit.unit_account_no,
            amount=roster.total,
            serial_no=serial,
            received_on=DAY,
            value_date=DAY,
        ),
    )
    paid = read(container.uow, lambda uow: rm.get_roster(uow, clerk, roster.id))
    return Paid(centre, clerk, unit.unit_account_no, unit.name, people, paid, serial)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def printed(p: Paid, fn: Any) -> tuple[documents.PrintedDocument, str]:
    doc = run(p.c.uow, fn)
    return doc, text_of(pdf.render(doc.content, p.c.crypto))


def test_the_remittance_receipt_states_the_unit_month_and_amounts(container: Container) -> None:
    p = paid_unit(container)
    doc, text = printed(p, lambda uow: documents.remittance_receipt(uow, p.clerk, p.unit_no, MONTH))
    assert "住房公积金汇缴回单" in text
    assert p.unit_no in text and p.unit_name in text and "2026年11月" in text
    assert f"{p.roster.total.format_cn()} 元" in text and f"{p.roster.unit_total.format_cn()} 元" in text
    assert "3 人" in text
    assert p.roster.paid_voucher_no in text and p.serial in text
    assert doc.verification_code in text
    assert doc.filename == f"汇缴回单_{p.unit_no}_{MONTH}.pdf"
    found = read(
        p.c.uow, lambda uow: documents.verify_document(uow, p.clerk, doc.verification_code.replace("-", ""))
    )
    assert found is not None and found.kind == "remittance_receipt" and found.issued_by == p.clerk.username


def test_a_receipt_waits_for_the_money(container: Container) -> None:
    p = paid_unit(container)
    run(p.c.uow, lambda uow: rm.generate_roster(uow, p.clerk, p.unit_no, "202612"))
    with pytest.raises(RuleViolation) as caught:
        run(p.c.uow, lambda uow: documents.remittance_receipt(uow, p.clerk, p.unit_no, "202612"))
    assert caught.value.code == "receipt_not_paid"
    assert "入账后才能打印回单" in caught.value.message


def test_the_certificate_masks_the_person_and_shows_the_balance_to_the_fen(container: Container) -> None:
    p = paid_unit(container)
    m = p.members[1]
    _doc, text = printed(p, lambda uow: documents.contribution_certificate(uow, p.clerk, m.account_no))
    assert "住房公积金缴存证明" in text
    assert mask_resident_id(m.resident_id) in text
    assert m.resident_id not in text and m.resident_id[6:14] not in text  # not even the birth date
    assert mask_name(m.name) in text and m.name not in text
    balance = m.unit_part + m.member_part  # one month paid
    assert f"{balance.format_cn()} 元" in text
    assert f"{m.wage_base.format_cn()} 元" in text and "2026年11月" in text  # paid up to
    assert "单位 12% / 个人 12%" in text
    audit = read(p.c.uow, lambda uow: uow.audit.list_entries(limit=20, offset=0, action=None))
    assert any(
        e.action == "documents.print_contribution_certificate" and e.object_id == m.account_no for e in audit
    )


def test_the_statement_lists_postings_with_business_type_and_running_balance(container: Container) -> None:
    p = paid_unit(container)
    m = p.members[0]
    doc, text = printed(p, lambda uow: documents.account_statement(uow, p.clerk, m.account_no))
    amount = m.unit_part + m.member_part
    assert "住房公积金个人明细" in text
    assert "汇缴" in text and amount.format_cn() in text
    assert mask_resident_id(m.resident_id) in text and m.resident_id not in text
    content = doc.content
    assert isinstance(content, documents.AccountStatement)
    assert [(e.business_type, e.credit, e.debit, e.balance) for e in content.entries] == [
        ("01", amount, Money.ZERO, amount)
    ]
    assert (content.opening_balance, content.closing_balance) == (Money.ZERO, amount)


def test_a_statement_period_before_any_posting_carries_the_balance_only(container: Container) -> None:
    p = paid_unit(container)
    m = p.members[0]
    doc = run(
        p.c.uow,
        lambda uow: documents.account_statement(
            uow, p.clerk, m.account_no, start=date(2026, 11, 24), end=date(2026, 12, 31)
        ),
    )
    content = doc.content
    assert isinstance(content, documents.AccountStatement)
    assert content.entries == ()
    assert content.opening_balance == content.closing_balance == m.unit_part + m.member_part
    with pytest.raises(RuleViolation) as caught:
        run(
            p.c.uow,
            lambda uow: documents.account_statement(
                uow, p.clerk, m.account_no, start=date(2026, 12, 1), end=date(2026, 11, 1)
            ),
        )
    assert caught.value.code == "statement_period_invalid"


def test_documents_stay_within_the_branch_scope(container: Container) -> None:
    p = paid_unit(container)
    stranger = p.centre.clerk("03")
    with pytest.raises(PermissionDenied):
        run(p.c.uow, lambda uow: documents.contribution_certificate(uow, stranger, p.members[0].account_no))
    with pytest.raises(PermissionDenied):
        run(p.c.uow, lambda uow: documents.remittance_receipt(uow, stranger, p.unit_no, MONTH))
