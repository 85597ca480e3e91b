"""The loan contract (借款合同) and the settlement certificate (结清证明) as printable content.

Like services/documents.py: the content is masked, its verification code is kept (the centre can
later confirm it issued the paper) and printing is audited. The entry point renders the content
with anju.reports.loan_pdf.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Final

from anju.domain.documents import IssuedBy
from anju.domain.loans.documents import (
    TITLES,
    LoanContract,
    LoanDocument,
    ScheduleLine,
    SettlementCertificate,
    canonical_bytes,
    kind_of,
    verification_code,
)
from anju.domain.loans.limit import LoanRuleViolation
from anju.domain.loans.schedule import RepaymentMethod, build_schedule
from anju.domain.policy import percent_text
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ids import mask_name, mask_resident_id
from anju.money import Money, total
from anju.services.calendar import current_business_date
from anju.services.loans import LoanState, load
from anju.services.ports import IssuedDocumentRecord, UnitOfWork

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class PrintedLoanDocument:
    content: LoanDocument
    kind: str
    verification_code: str
    filename: str


def _issued(uow: UnitOfWork, actor: Actor) -> IssuedBy:
    centre = uow.org.get_centre()
    branch = uow.org.branch_by_id(actor.branch_id) if actor.branch_id is not None else None
    return IssuedBy(
        centre_name=centre.name if centre else "住房公积金管理中心",
        branch_name=branch.name if branch else "",
        operator=actor.username,
        business_date=current_business_date(uow),
        printed_at=uow.now_utc().astimezone(CHINA_STANDARD_TIME).replace(microsecond=0),
    )


def _issue(
    uow: UnitOfWork,
    actor: Actor,
    content: LoanDocument,
    *,
    loan_no: str,
    filename: str,
    branch_id: int | None,
) -> PrintedLoanDocument:
    kind = kind_of(content)
    code = verification_code(uow.crypto.sm3, kind, content)
    uow.documents.record_issued(
        IssuedDocumentRecord(
            verification_code=code,
            digest=uow.crypto.sm3(canonical_bytes(kind, content)).hex(),
            kind=kind,
            subject_ref=loan_no,
            title=TITLES[kind],
            business_date=content.issued.business_date,
            branch_id=branch_id,
            issued_by=actor.username,
            issued_at=uow.now_utc(),
        )
    )
    uow.audit.append(
        AuditEvent.by(actor, f"documents.print_{kind}", "loan", loan_no, details={"verification_code": code})
    )
    return PrintedLoanDocument(content, kind, code, filename)


def _person(uow: UnitOfWork, account_no: str | None) -> tuple[str, str]:
    if account_no is None:
        return "", ""
    account = uow.members.account(account_no)
    if account is None:
        return "", ""
    return mask_name(account.person.name), mask_resident_id(account.person.resident_id)


def loan_contract(uow: UnitOfWork, actor: Actor, loan_no: str) -> PrintedLoanDocument:
    """借款合同 of a signed loan, with the first year of the schedule at the contract rate."""
    actor.require(Permission.LOAN_VIEW)
    record = load(uow, loan_no)
    actor.require_branch(record.branch_id)
    if record.contract_no is None or record.contract_signed_on is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    name, resident_id = _person(uow, record.borrower_account_no)
    co_name, _ = _person(uow, record.co_borrower_account_no)
    method = RepaymentMethod(record.method)
    schedule = build_schedule(
        record.amount, record.annual_rate, record.term_months, method, record.contract_signed_on
    )
    lines = tuple(
        ScheduleLine(r.instalment_no, r.due_date, r.payment, r.principal, r.interest, r.closing_balance)
        for r in schedule.instalments[:12]
    )
    content = LoanContract(
        issued=_issued(uow, actor),
        contract_no=record.contract_no,
        loan_no=record.loan_no,
        borrower_name_masked=name,
        borrower_id_masked=resident_id,
        co_borrower_name_masked=co_name,
        house_address=record.house_address,
        house_price=record.house_price,
        amount=record.amount,
        term_months=record.term_months,
        method_label=method.label,
        annual_rate_percent=percent_text(record.annual_rate),
        rate_source=str(record.decision.get("rate_source", {}).get("source", "")),
        signed_on=record.contract_signed_on,
        seller_name=mask_name(record.seller_name),
        guarantee="抵押（所购住房）",
        first_lines=lines,
        total_interest=schedule.total_interest,
    )
    return _issue(
        uow,
        actor,
        content,
        loan_no=record.loan_no,
        filename=f"借款合同_{record.contract_no}.pdf",
        branch_id=record.branch_id,
    )


def settlement_certificate(uow: UnitOfWork, actor: Actor, loan_no: str) -> PrintedLoanDocument:
    """结清证明: only for a settled loan; what was repaid, from the loan business detail."""
    actor.require(Permission.LOAN_VIEW)
    record = load(uow, loan_no)
    actor.require_branch(record.branch_id)
    if record.state != LoanState.SETTLED or record.settled_on is None or record.disbursed_on is None:
        raise LoanRuleViolation("loan_not_settled", loan_no=record.loan_no)
    name, resident_id = _person(uow, record.borrower_account_no)
    repayments = [t for t in uow.loans.txns(record.id) if t.txn_type not in ("00", "01", "10")]
    content = SettlementCertificate(
        issued=_issued(uow, actor),
        loan_no=record.loan_no,
        contract_no=record.contract_no or "",
        borrower_name_masked=name,
        borrower_id_masked=resident_id,
        house_address=record.house_address,
        amount=record.amount,
        disbursed_on=record.disbursed_on,
        settled_on=record.settled_on,
        mortgage_no=record.mortgage_no or "—",
        principal_repaid=total([t.principal for t in repayments]),
        interest_paid=total([t.interest + t.penalty for t in repayments]) if repayments else Money.ZERO,
    )
    return _issue(
        uow,
        actor,
        content,
        loan_no=record.loan_no,
        filename=f"结清证明_{record.loan_no}.pdf",
        branch_id=record.branch_id,
    )
