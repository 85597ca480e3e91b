"""Printed documents: remittance receipt (汇缴回单), contribution certificate (缴存证明) and personal
account statement (个人明细).

Each function assembles the document's content from the books and the collection records,
masks the person's name and ID number, computes the verification code (SM3 of the content),
keeps the code (so the centre can later confirm it issued the paper) and writes an audit line:
printing personal data is a view of personal data (reliability.md G1). Run them in a write
transaction. The entry point renders the content with `anju.reports.pdf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import MEMBER_STATUS_LABELS
from anju.domain.documents import (
    DOCUMENT_TITLES,
    AccountStatement,
    ContributionCertificate,
    Document,
    IssuedBy,
    RemittanceReceipt,
    StatementEntry,
    UnitStatement,
    UnitStatementLine,
    business_type_name,
    canonical_bytes,
    verification_code,
)
from anju.domain.remittance import RemittanceNotFound, RosterKind, RosterState
from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import RuleViolation
from anju.ids import mask_name, mask_resident_id
from anju.ledger.balances import Side
from anju.money import Money
from anju.services import members, remittance
from anju.services.calendar import current_business_date
from anju.services.ports import IssuedDocumentRecord, UnitOfWork
from anju.services.units import load_unit

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8))
MAX_STATEMENT_YEARS: Final = 30
KIND_LABELS: Final = {
    "remittance_receipt": "汇缴回单",
    "contribution_certificate": "缴存证明",
    "account_statement": "个人明细",
    "unit_statement": "单位缴存明细",
}


class DocumentRuleViolation(RuleViolation):
    """A document cannot be printed (nothing to certify yet, a bad period)."""


@dataclass(frozen=True, slots=True)
class PrintedDocument:
    """A document's content (masked), its verification code and a suggested file name."""

    content: Document
    kind: str
    verification_code: str
    filename: str


@dataclass(frozen=True, slots=True)
class IssuedDocumentView:
    verification_code: str
    kind: str
    kind_label: str
    subject_ref: str
    title: str
    business_date: date
    issued_by: str
    issued_at: datetime


def _issued(uow: UnitOfWork, actor: Actor) -> IssuedBy:
    centre = uow.org.get_centre()
    branch = uow.org.branch_by_id(actor.branch_id) if actor.branch_id is not None else None
    printed_at = uow.now_utc().astimezone(CHINA_STANDARD_TIME).replace(microsecond=0)
    return IssuedBy(
        centre_name=centre.name if centre else "住房公积金管理中心",
        branch_name=branch.name if branch else "",
        operator=actor.username,
        business_date=current_business_date(uow),
        printed_at=printed_at,
    )


def _issue(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    content: Document,
    *,
    subject_type: str,
    subject_ref: str,
    title: str,
    filename: str,
    branch_id: int | None,
) -> PrintedDocument:
    digest = uow.crypto.sm3(canonical_bytes(kind, content)).hex()
    code = verification_code(uow.crypto.sm3, kind, content)
    uow.documents.record_issued(
        IssuedDocumentRecord(
            verification_code=code,
            digest=digest,
            kind=kind,
            subject_ref=subject_ref,
            title=title,
            business_date=content.issued.business_date,
            branch_id=branch_id,
            issued_by=actor.username,
            issued_at=uow.now_utc(),
        )
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"documents.print_{kind}",
            subject_type,
            subject_ref,
            details={"verification_code": code},
        )
    )
    return PrintedDocument(content=content, kind=kind, verification_code=code, filename=filename)


# --- 汇缴回单 --------------------------------------------------------------------------------


def remittance_receipt(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, month: str, kind: str = RosterKind.REMITTANCE
) -> PrintedDocument:
    """The receipt of a paid roster: the unit, the month, headcount, amounts, voucher, bank serial."""
    actor.require(Permission.COLLECTION_VIEW)
    ym = YearMonth.parse(month)
    unit = load_unit(uow, actor, unit_account_no)
    roster = next(
        (r for r in uow.remittance.rosters_of_month(unit.id, str(ym)) if r.kind == kind),
        None,
    )
    if roster is None:
        raise RemittanceNotFound("not_found", what=f"{ym.label()}{remittance.KIND_LABELS.get(kind, '清册')}")
    if roster.state != RosterState.PAID or roster.paid_voucher_no is None:
        raise DocumentRuleViolation(
            "receipt_not_paid",
            month=ym.label(),
            state=remittance.STATE_LABELS.get(roster.state, roster.state),
        )
    payment = next(
        (p for p in uow.remittance.payments_of_unit(unit.id, limit=1000) if p.roster_id == roster.id),
        None,
    )
    account_no = payment.centre_bank_account_no if payment else unit.collection_account_no
    content = RemittanceReceipt(
        issued=_issued(uow, actor),
        unit_account_no=unit.unit_account_no,
        unit_name=unit.name,
        month=str(ym),
        kind=kind,
        headcount=roster.headcount,
        unit_total=roster.unit_total,
        member_total=roster.member_total,
        total=roster.total,
        voucher_no=roster.paid_voucher_no,
        serial_no=payment.serial_no if payment else "",
        paid_on=roster.paid_on,
        collection_account=f"{unit.bank_name} {account_no}",
    )
    label = "补缴回单" if kind == RosterKind.BACK_PAYMENT else "汇缴回单"
    return _issue(
        uow,
        actor,
        "remittance_receipt",
        content,
        subject_type="unit",
        subject_ref=f"{unit.unit_account_no}/{ym}",
        title=f"{unit.name} {ym.label()}{label} {roster.total.format_cn()} 元",
        filename=f"{label}_{unit.unit_account_no}_{ym}.pdf",
        branch_id=unit.branch_id,
    )


# --- 单位缴存明细 ------------------------------------------------------------------------------


def unit_statement(uow: UnitOfWork, actor: Actor, unit_account_no: str, *, years: int) -> PrintedDocument:
    """The unit's rosters (汇缴 and 补缴, any state but cancelled) of the last `years` years up to
    the business date's month, oldest first; the unit hall prints three years (older: counter)."""
    actor.require(Permission.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    end = YearMonth.of(current_business_date(uow))
    start = end.add(1 - 12 * years)
    rosters = uow.remittance.rosters_of_unit(unit.id, limit=years * 12 * len(RosterKind.ALL) + 12, offset=0)
    lines = tuple(
        UnitStatementLine(
            month=r.month,
            kind_label=remittance.KIND_LABELS.get(r.kind, r.kind),
            state_label=remittance.STATE_LABELS.get(r.state, r.state),
            headcount=r.headcount,
            total=r.total,
            paid_on=r.paid_on,
            voucher_no=r.paid_voucher_no or "",
        )
        for r in sorted(rosters, key=lambda r: (r.month, r.kind))
        if str(start) <= r.month <= str(end) and r.state != RosterState.CANCELLED
    )
    content = UnitStatement(
        issued=_issued(uow, actor),
        unit_account_no=unit.unit_account_no,
        unit_name=unit.name,
        start_month=str(start),
        end_month=str(end),
        lines=lines,
    )
    return _issue(
        uow,
        actor,
        "unit_statement",
        content,
        subject_type="unit",
        subject_ref=f"{unit.unit_account_no}/{start}-{end}",
        title=f"{unit.name} 单位缴存明细 {start.label()}至{end.label()}",
        filename=f"单位缴存明细_{unit.unit_account_no}_{start}-{end}.pdf",
        branch_id=unit.branch_id,
    )


# --- 缴存证明 --------------------------------------------------------------------------------


def contribution_certificate(uow: UnitOfWork, actor: Actor, account_no: str) -> PrintedDocument:
    """The certificate of a member's account as of the business date (name and ID masked)."""
    actor.require(Permission.COLLECTION_VIEW)
    account = members.load_account(uow, actor, account_no)
    unit = uow.units.get_by_id(account.unit_id) if account.unit_id is not None else None
    person = account.person
    content = ContributionCertificate(
        issued=_issued(uow, actor),
        name_masked=mask_name(person.name),
        resident_id_masked=mask_resident_id(person.resident_id),
        account_no=account.account_no,
        unit_account_no=unit.unit_account_no if unit else "",
        unit_name=unit.name if unit else "",
        status_label=MEMBER_STATUS_LABELS.get(account.status, account.status),
        wage_base=account.wage_base,
        unit_monthly=account.unit_monthly,
        member_monthly=account.member_monthly,
        unit_ratio_percent=unit.unit_ratio.as_percent() if unit else "—",
        member_ratio_percent=unit.member_ratio.as_percent() if unit else "—",
        paid_up_to=account.paid_up_to or "",
        balance=uow.ledger.balance(account.ledger_account_no),
        opened_on=account.opened_on,
    )
    return _issue(
        uow,
        actor,
        "contribution_certificate",
        content,
        subject_type="member_account",
        subject_ref=account.account_no,
        title=f"个人账户 {account.account_no} 缴存证明",
        filename=f"缴存证明_{account.account_no}.pdf",
        branch_id=account.branch_id,
    )


# --- 个人明细 --------------------------------------------------------------------------------


def account_statement(
    uow: UnitOfWork,
    actor: Actor,
    account_no: str,
    *,
    start: date | None = None,
    end: date | None = None,
    max_years: int = MAX_STATEMENT_YEARS,
) -> PrintedDocument:
    """The postings of a member's account between two dates (default: since opening, or the last
    `max_years` years, to today), each with its business type (GJHTQYWLX), debit or credit, and
    the balance after it. The online halls pass a shorter `max_years` (three years)."""
    actor.require(Permission.COLLECTION_VIEW)
    account = members.load_account(uow, actor, account_no)
    last = end or current_business_date(uow)
    earliest = last - timedelta(days=max_years * 365)
    first = start or max(account.opened_on, earliest)
    if first > last:
        raise DocumentRuleViolation("statement_period_invalid", start=first.isoformat(), end=last.isoformat())
    if first < earliest:
        raise DocumentRuleViolation("statement_period_too_long", years=max_years)
    lines = uow.ledger.statement(account.ledger_account_no, end=last)
    before = [line for line in lines if line.business_date < first]
    within = [line for line in lines if line.business_date >= first]
    opening = (
        before[-1].balance_after
        if before
        else uow.ledger.get_account(account.ledger_account_no).opening_balance
    )
    entries = tuple(
        StatementEntry(
            booked_on=line.business_date,
            business_type=line.business_type or "99",
            business_type_name=business_type_name(line.business_type, line.memo),
            memo=line.memo,
            debit=line.amount if line.side is Side.DEBIT else Money.ZERO,
            credit=line.amount if line.side is Side.CREDIT else Money.ZERO,
            balance=line.balance_after,
            voucher_no=line.voucher_no,
        )
        for line in within
    )
    unit = uow.units.get_by_id(account.unit_id) if account.unit_id is not None else None
    content = AccountStatement(
        issued=_issued(uow, actor),
        name_masked=mask_name(account.person.name),
        resident_id_masked=mask_resident_id(account.person.resident_id),
        account_no=account.account_no,
        unit_name=unit.name if unit else "",
        start=first,
        end=last,
        opening_balance=opening,
        closing_balance=within[-1].balance_after if within else opening,
        entries=entries,
    )
    return _issue(
        uow,
        actor,
        "account_statement",
        content,
        subject_type="member_account",
        subject_ref=account.account_no,
        title=f"个人账户 {account.account_no} 明细 {first.isoformat()} 至 {last.isoformat()}",
        filename=f"个人明细_{account.account_no}_{first:%Y%m%d}-{last:%Y%m%d}.pdf",
        branch_id=account.branch_id,
    )


# --- verification ----------------------------------------------------------------------------


def verify_document(uow: UnitOfWork, actor: Actor, code: str) -> IssuedDocumentView | None:
    """Did the centre print a document with this verification code? What, when, by whom."""
    actor.require(Permission.COLLECTION_VIEW)
    normalised = code.strip().upper().replace(" ", "")
    if len(normalised) == 32 and "-" not in normalised:
        normalised = "-".join(normalised[i : i + 4] for i in range(0, 32, 4))
    record = uow.documents.issued(normalised[:39])
    if record is None:
        return None
    return IssuedDocumentView(
        verification_code=record.verification_code,
        kind=record.kind,
        kind_label=KIND_LABELS.get(record.kind, record.kind),
        subject_ref=record.subject_ref,
        title=record.title,
        business_date=record.business_date,
        issued_by=record.issued_by,
        issued_at=record.issued_at,
    )


__all__ = [
    "DOCUMENT_TITLES",
    "IssuedDocumentView",
    "PrintedDocument",
    "account_statement",
    "contribution_certificate",
    "remittance_receipt",
    "verify_document",
]
