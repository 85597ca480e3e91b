"""贷后管理 of housing loans: manual five-tier reclassification (maker-checker), term extension
and shortening (展期/缩期, a case each), overdue reminders by SMS and litigation records (诉讼).

Manual reclassification rule (rules.md §5.10): a clerk requests a worse tier with a reason, or
the lifting of an override; a second person with the approval permission decides. An approved
override holds until it is lifted the same way: the monthly batch and every repayment keep
reclassifying the automatic tier by days past due, and the tier in force is the worse of the
two, so neither can silently undo the override (set_classification / effective_tier).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from anju.domain.loans.delinquency import (
    Classification,
    DelinquencyRuleViolation,
    RiskTier,
    override_classification,
)
from anju.domain.loans.limit import LoanRuleViolation
from anju.domain.loans.schedule import change_term
from anju.domain.security import Actor, AuditEvent, Permission
from anju.money import Money
from anju.services import cases, policy, sms
from anju.services.calendar import current_business_date
from anju.services.loan_ports import (
    ClassificationChangeRecord,
    LitigationRecord,
    LoanRecord,
    TermChangeRecord,
)
from anju.services.loan_repayments import effective_tier, record_schedule_change
from anju.services.loans import (
    LoanNotFound,
    LoanState,
    LoanView,
    approval_threshold,
    get_loan,
    load,
    outstanding_of,
    schedule_rows,
    stored_schedule,
)
from anju.services.ports import UnitOfWork

TERM_CHANGE_KIND: Final = "loan_term_change"
cases.register_case_kind(TERM_CHANGE_KIND, "贷款展期/缩期", managed_at="贷款业务（/loans）")
TERM_EXTENSION: Final = "07"  # 展期
TERM_REDUCTION: Final = "08"  # 缩期
REMINDER_DAYS_BEFORE: Final = 3  # SMS reminder three days before the due date (rules.md §5.9)
REMINDER_PURPOSE: Final = "loan_reminder"
LITIGATION_STATES: Final = {
    "filed": "已起诉",
    "trial": "审理中",
    "judged": "已判决",
    "enforcing": "执行中",
    "closed": "已结案",
    "withdrawn": "已撤诉",
}


def _active(uow: UnitOfWork, loan_no: str) -> LoanRecord:
    record = load(uow, loan_no, for_update=True)
    if record.state != LoanState.ACTIVE:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    return record


def _reason(text: str, label: str = "理由", maximum: int = 400) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise LoanRuleViolation("required_field", field=label)
    if len(value) > maximum:
        raise LoanRuleViolation("text_too_long", field=label, max=maximum)
    return value


# --- manual reclassification (人工调整五级分类) -------------------------------------------------


def _classification(uow: UnitOfWork, record: LoanRecord) -> Classification:
    thresholds = policy.policy_in_force(uow, current_business_date(uow)).loan.classification
    automatic = RiskTier(thresholds.tier_for(record.days_past_due))
    override = RiskTier(record.override_tier) if record.override_tier else None
    return Classification(automatic, override, record.override_reason or "")


def request_reclassification(
    uow: UnitOfWork, actor: Actor, loan_no: str, *, tier: str | None, reason: str
) -> ClassificationChangeRecord:
    """提出人工调整: a worse tier than the one in force (with a reason), or `tier` None to lift
    the override in force. One request at a time; a second person decides."""
    actor.require(Permission.LOAN_MANAGE)
    record = _active(uow, loan_no)
    text = _reason(reason, "调整理由", 500)
    if any(c.state == "pending" for c in uow.loans.classification_changes(record.id)):
        raise LoanRuleViolation("loan_reclassification_pending", loan_no=record.loan_no)
    if tier is None:
        if record.override_tier is None:
            raise LoanRuleViolation("loan_override_absent", loan_no=record.loan_no)
    else:
        try:
            target = RiskTier(tier)
        except ValueError:
            raise DelinquencyRuleViolation("loan_risk_tier_unknown", tier=tier[:4]) from None
        override_classification(_classification(uow, record), target, text)  # only worse, with reason
    change_id = uow.loans.insert_classification_change(
        {
            "loan_id": record.id,
            "tier": tier,
            "reason": text,
            "state": "pending",
            "requested_by": actor.username,
            "requested_at": uow.now_utc(),
        }
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.reclassify_request",
            "loan",
            record.loan_no,
            details={"tier": tier or "lift", "reason": text, "change_id": change_id},
        )
    )
    return uow.loans.classification_changes(record.id)[0]


def decide_reclassification(
    uow: UnitOfWork, actor: Actor, loan_no: str, *, approve: bool, note: str = ""
) -> LoanRecord:
    """审批人工调整 by someone other than the requester; approval sets (or lifts) the override
    and the tier in force at once."""
    actor.require(Permission.LOAN_APPROVE)
    record = _active(uow, loan_no)
    pending = next((c for c in uow.loans.classification_changes(record.id) if c.state == "pending"), None)
    if pending is None:
        raise LoanRuleViolation("loan_reclassification_none", loan_no=record.loan_no)
    if pending.requested_by == actor.username:
        raise LoanRuleViolation("loan_reclassification_same_person")
    now = uow.now_utc()
    uow.loans.decide_classification_change(
        pending.id,
        {
            "state": "approved" if approve else "refused",
            "decided_by": actor.username,
            "decided_at": now,
            "decision_note": (note or "").strip()[:400] or None,
        },
    )
    if approve:
        after = replace(record, override_tier=pending.tier, override_reason=pending.reason)
        values = {
            "override_tier": pending.tier,
            "override_reason": pending.reason if pending.tier else None,
            "risk_tier": effective_tier(after, _classification(uow, record).automatic),
        }
        uow.loans.update_loan(record.id, values, now)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.reclassify_approve" if approve else "loan.reclassify_refuse",
            "loan",
            record.loan_no,
            details={"tier": pending.tier or "lift", "requested_by": pending.requested_by},
        )
    )
    return load(uow, record.loan_no)


def classification_changes(uow: UnitOfWork, actor: Actor, loan_no: str) -> list[ClassificationChangeRecord]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.classification_changes(load(uow, loan_no).id)


# --- 展期 / 缩期 ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermChangeView:
    change: TermChangeRecord
    case: cases.CaseView


def _pending_term_change(uow: UnitOfWork, record: LoanRecord) -> TermChangeRecord | None:
    return next((c for c in uow.loans.term_changes(record.id) if c.state == "pending"), None)


def request_term_change(
    uow: UnitOfWork, actor: Actor, loan_no: str, *, remaining_months: int, reason: str
) -> TermChangeView:
    """提出展期 / 缩期: the new number of remaining instalments, as a case the reviewers and
    approvers decide (maker ≠ checker ≠ approver). Instalments due must be paid first."""
    actor.require(Permission.LOAN_MANAGE)
    record = _active(uow, loan_no)
    text = _reason(reason)
    day = current_business_date(uow)
    rows = uow.loans.instalments(record.id)
    if any(r.settled_on is None and r.due_date <= day for r in rows):
        raise LoanRuleViolation("loan_term_change_arrears", loan_no=record.loan_no)
    if _pending_term_change(uow, record) is not None:
        raise LoanRuleViolation("loan_term_change_pending", loan_no=record.loan_no)
    ahead = [r for r in rows if r.due_date > day]
    if not ahead:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state="已无未到期的还款")
    elapsed = ahead[0].instalment_no - 1
    maximum = policy.policy_in_force(uow, day).loan.max_term_months.value
    if remaining_months < 1 or remaining_months == len(ahead) or elapsed + remaining_months > maximum:
        raise LoanRuleViolation(
            "loan_term_change_invalid", months=remaining_months, current=len(ahead), max=maximum
        )
    kind = TERM_EXTENSION if remaining_months > len(ahead) else TERM_REDUCTION
    label = "展期" if kind == TERM_EXTENSION else "缩期"
    case = cases.open_case(
        uow,
        actor,
        kind=TERM_CHANGE_KIND,
        channel="counter",
        subject_type="loan",
        subject_ref=record.loan_no,
        summary=f"贷款{label}：剩余 {len(ahead)} 期改为 {remaining_months} 期；{text}"[:400],
        amount=outstanding_of(uow, record),
        branch_id=record.branch_id,
    )
    uow.loans.insert_term_change(
        {
            "loan_id": record.id,
            "case_no": case.case_no,
            "txn_type": kind,
            "remaining_before": len(ahead),
            "remaining_after": remaining_months,
            "reason": text,
            "state": "pending",
            "requested_by": actor.username,
            "requested_at": uow.now_utc(),
        }
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.term_change_request",
            "loan",
            record.loan_no,
            details={"type": kind, "from": len(ahead), "to": remaining_months, "case_no": case.case_no},
        )
    )
    change = _pending_term_change(uow, record)
    assert change is not None
    return TermChangeView(change, case)


def decide_term_change(
    uow: UnitOfWork, actor: Actor, loan_no: str, action: str, reason: str | None = None
) -> TermChangeView:
    """审核 / 审批 / 退回 / 拒绝 a term change; returned or refused cancels the request."""
    record = load(uow, loan_no, for_update=True)
    change = _pending_term_change(uow, record)
    if change is None:
        raise LoanRuleViolation("loan_term_change_none", loan_no=record.loan_no)
    case = cases.advance_case(
        uow,
        actor,
        change.case_no,
        action,
        reason,
        second_approval_threshold=approval_threshold(uow),
        decision_permission=Permission.LOAN_APPROVE,
        finish_permission=Permission.LOAN_MANAGE,
    )
    if case.state in ("returned", "refused"):
        uow.loans.set_term_change_state(change.id, "cancelled", None)
    uow.audit.append(
        AuditEvent.by(
            actor, f"loan.term_change_{action}", "loan", record.loan_no, details={"case": case.case_no}
        )
    )
    return TermChangeView(change, case)


def execute_term_change(uow: UnitOfWork, actor: Actor, loan_no: str) -> LoanView:
    """办理展期 / 缩期 once approved: the schedule from the next instalment is rebuilt from the
    outstanding principal over the new remaining term (rules.md §5.5–5.6); the case is finished;
    the loan detail records type 07 or 08. The rate keeps the tier of the original contract
    term unless the policy re-tiers on term changes (`loan.retier_on_term_change`)."""
    record = _active(uow, loan_no)
    change = _pending_term_change(uow, record)
    if change is None:
        raise LoanRuleViolation("loan_term_change_none", loan_no=record.loan_no)
    cases.advance_case(  # refuses unless approved (and second-approved where needed)
        uow,
        actor,
        change.case_no,
        "finish",
        second_approval_threshold=approval_threshold(uow),
        decision_permission=Permission.LOAN_APPROVE,
        finish_permission=Permission.LOAN_MANAGE,
    )
    day = current_business_date(uow)
    rows = uow.loans.instalments(record.id)
    if any(r.settled_on is None and r.due_date <= day for r in rows):
        raise LoanRuleViolation("loan_term_change_arrears", loan_no=record.loan_no)
    schedule = stored_schedule(record, rows)
    ahead = [r for r in rows if r.due_date > day]
    new_term = ahead[0].instalment_no - 1 + change.remaining_after
    loan_policy = policy.policy_in_force(uow, day).loan
    rate = ahead[0].annual_rate
    retier = loan_policy.retier_on_term_change
    if retier is not None and retier.value:
        rate = loan_policy.rate_on(day, first_home=record.first_home, term_months=new_term)
    after = change_term(
        schedule, effective=ahead[0].due_date, remaining_months=change.remaining_after, annual_rate=rate
    )
    uow.loans.replace_instalments(record.id, ahead[0].instalment_no, schedule_rows(after.due_after(day)))
    # `term_months` stays the contract term of the signed application (K5; the rate tier reads
    # it); the term in force is the stored schedule, and the change is in the loan detail.
    uow.loans.update_loan(record.id, {"level": after.level, "annual_rate": rate}, uow.now_utc())
    label = "展期" if change.txn_type == TERM_EXTENSION else "缩期"
    record_schedule_change(
        uow,
        actor,
        record,
        txn_type=change.txn_type,
        day=day,
        source_ref=f"term:{change.case_no}",
        memo=f"{label}：剩余 {change.remaining_before} 期改为 {change.remaining_after} 期"
        f"（共 {new_term} 期），月还款额 {after.level.format_cn()} 元",
    )
    uow.loans.set_term_change_state(change.id, "executed", day)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.term_change",
            "loan",
            record.loan_no,
            details={"type": change.txn_type, "term": new_term, "level": str(after.level)},
        )
    )
    return get_loan(uow, actor, record.loan_no)


def term_changes(uow: UnitOfWork, actor: Actor, loan_no: str) -> list[TermChangeRecord]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.term_changes(load(uow, loan_no).id)


# --- reminders (催收短信) ------------------------------------------------------------------------


def send_reminders(uow: UnitOfWork, loan_ids: list[int], day: date) -> int:
    """SMS reminders for these loans on `day`: an instalment due in REMINDER_DAYS_BEFORE days,
    and every overdue instalment, at most one message per instalment and day (the unique row in
    `loan_reminder` decides, so a rerun sends nothing twice). Queued in the SMS outbox in this
    transaction; the SMS port delivers after commit. Borrowers without a phone are skipped."""
    sent = 0
    for due in uow.loans.reminders_due(loan_ids, day, before_days=REMINDER_DAYS_BEFORE):
        member = uow.members.account(due.borrower_account_no)
        phone = member.person.phone if member is not None else None
        if not phone:
            continue
        overdue = due.due_date < day
        if not uow.loans.record_reminder(
            {
                "loan_id": due.loan_id,
                "instalment_no": due.instalment_no,
                "reminder_date": day,
                "kind": "overdue" if overdue else "before_due",
                "created_at": uow.now_utc(),
            }
        ):
            continue
        when = f"{due.due_date:%Y年%m月%d日}"
        owed = due.owed.format_cn()
        if overdue:
            days = (day - due.due_date).days
            text = (
                f"【住房公积金】您的贷款 {due.loan_no} 第 {due.instalment_no} 期（{when}到期）"
                f"已逾期 {days} 天，未还本息 {owed} 元，逾期将按合同计收罚息，请尽快归还。"
            )
        else:
            text = (
                f"【住房公积金】您的贷款 {due.loan_no} 第 {due.instalment_no} 期应还 {owed} 元，"
                f"将于 {when}扣款，请在还款账户中备足资金。"
            )
        sms.queue(uow, phone, text, REMINDER_PURPOSE)
        sent += 1
    return sent


def reminders(uow: UnitOfWork, actor: Actor, loan_no: str) -> list[tuple[int, date, str]]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.reminders(load(uow, loan_no).id)


# --- litigation (诉讼记录) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LitigationInput:
    filed_on: date
    court: str
    case_number: str
    status: str
    claim: Money
    awarded: Money | None = None
    recovered: Money = Money.ZERO
    note: str = ""


def _litigation_values(req: LitigationInput) -> dict[str, object]:
    if req.status not in LITIGATION_STATES:
        raise LoanRuleViolation("loan_litigation_status_invalid", status=req.status[:20])
    for amount in (req.claim, req.awarded or Money.ZERO, req.recovered):
        if amount.is_negative:
            raise LoanRuleViolation("loan_amount_negative", value=str(amount))
    return {
        "filed_on": req.filed_on,
        "court": _reason(req.court, "受理法院", 120),
        "case_number": _reason(req.case_number, "案号", 60),
        "status": req.status,
        "claim_fen": req.claim.fen,
        "awarded_fen": None if req.awarded is None else req.awarded.fen,
        "recovered_fen": req.recovered.fen,
        "note": " ".join(req.note.split())[:400],
    }


def record_litigation(uow: UnitOfWork, actor: Actor, loan_no: str, req: LitigationInput) -> LitigationRecord:
    """登记诉讼: a lawsuit about the loan (also after a write-off: 账销案存)."""
    actor.require(Permission.LOAN_MANAGE)
    record = load(uow, loan_no, for_update=True)
    if record.disbursed_on is None:
        raise LoanRuleViolation("loan_state_invalid", loan_no=record.loan_no, state=record.state)
    now = uow.now_utc()
    values = _litigation_values(req)
    new_id = uow.loans.insert_litigation(
        {"loan_id": record.id, **values, "created_by": actor.username, "created_at": now, "updated_at": now}
    )
    if new_id is None:
        raise LoanRuleViolation(
            "loan_litigation_exists", loan_no=record.loan_no, case_number=req.case_number[:60]
        )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.litigation_record",
            "loan",
            record.loan_no,
            details={"case_number": str(values["case_number"])},
        )
    )
    return next(x for x in uow.loans.litigations(record.id) if x.id == new_id)


def update_litigation(
    uow: UnitOfWork, actor: Actor, loan_no: str, litigation_id: int, req: LitigationInput
) -> LitigationRecord:
    """The lawsuit moves on: status, judgment and what enforcement recovered."""
    actor.require(Permission.LOAN_MANAGE)
    record = load(uow, loan_no, for_update=True)
    values = _litigation_values(req)
    if not uow.loans.update_litigation(litigation_id, record.id, {**values, "updated_at": uow.now_utc()}):
        raise LoanNotFound("not_found", what=f"诉讼记录 {litigation_id}")
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.litigation_update",
            "loan",
            record.loan_no,
            details={"id": litigation_id, "status": req.status},
        )
    )
    return next(x for x in uow.loans.litigations(record.id) if x.id == litigation_id)


def litigations(uow: UnitOfWork, actor: Actor, loan_no: str) -> list[LitigationRecord]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.litigations(load(uow, loan_no).id)
