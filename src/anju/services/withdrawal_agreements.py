"""Recurring withdrawals by agreement (约定提取): rent every month or year, loan repayment every
year. An agreement is checked by the rules when it is made and approved by someone other than
its maker; the `withdrawal_agreements` batch job then creates each due period as a withdrawal
(services.withdrawals), approved under the agreement and handed to the bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from anju.dates import add_months
from anju.domain import withdrawals as rules
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.withdrawals import WithdrawalRuleViolation
from anju.domain.workflow import SeparationOfDutiesViolation
from anju.ids import mask_bank_card
from anju.money import Money
from anju.services import withdrawals as w
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork
from anju.services.withdrawal_ports import AgreementRecord, WithdrawalState

AGREEMENT_REASONS: Final = frozenset({"06", "07", "L1", "L2"})  # loan repayment, rent
AGREEMENT_STATES: Final = {"pending": "待审批", "active": "执行中", "ended": "已终止"}
AGREEMENT_NOTE: Final = "按已审批的约定提取协议自动审批"


@dataclass(frozen=True, slots=True)
class AgreementView:
    agreement_no: str
    member_account_no: str
    reason_code: str
    period_months: int
    period_label: str
    amount: Money
    next_due: date
    end_date: date | None
    state: str
    state_label: str
    payee_card_masked: str
    created_by: str


def _agreement_view(r: AgreementRecord) -> AgreementView:
    return AgreementView(
        agreement_no=r.agreement_no,
        member_account_no=r.member_account_no,
        reason_code=r.reason_code,
        period_months=r.period_months,
        period_label="按月" if r.period_months == 1 else "按年",
        amount=r.amount,
        next_due=r.next_due,
        end_date=r.end_date,
        state=r.state,
        state_label=AGREEMENT_STATES.get(r.state, r.state),
        payee_card_masked=mask_bank_card(r.payee_card),
        created_by=r.created_by,
    )


def _period_request(r: AgreementRecord) -> w.WithdrawalRequest:
    ev = w.evidence_of(r.evidence_json)
    return w.WithdrawalRequest(
        account_no=r.member_account_no,
        reason_code=r.reason_code,
        amount=r.amount,
        payee_card=r.payee_card,
        payee_bank_code=r.payee_bank_code,
        payee_name=r.payee_name,
        materials=ev.materials,
        monthly_rent=ev.monthly_rent,
        rent_months=r.period_months,
        amount_repaid=r.amount if r.reason_code in ("06", "L1") else ev.amount_repaid,
        owns_home_in_city=ev.owns_home_in_city,
        channel="batch",
    )


def create_agreement(
    uow: UnitOfWork,
    actor: Actor,
    req: w.WithdrawalRequest,
    *,
    period_months: int,
    first_due: date,
    end_date: date | None = None,
) -> AgreementView:
    """约定提取: rent or loan repayment withdrawn every month or year on `first_due` onwards.

    `req.amount` is the amount per period. The first period is checked by the rules now; the
    agreement then waits for an approver (`approve_agreement`), after which the batch job
    creates, approves and pays each period's withdrawal."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    if req.reason_code not in AGREEMENT_REASONS:
        raise WithdrawalRuleViolation("withdrawal_agreement_invalid", reason=req.reason_code[:2])
    if period_months not in (1, 12):
        raise WithdrawalRuleViolation("withdrawal_agreement_period_invalid", period=period_months)
    if req.amount is None or not req.amount.is_positive:
        raise WithdrawalRuleViolation("amount_must_be_positive")
    day = current_business_date(uow)
    account = w.load_account(uow, actor, req.account_no, for_update=True)
    card, bank_code, payee = w.payee_of(account, req)
    now = uow.now_utc()
    record = uow.withdrawals.insert_agreement(
        {
            "agreement_no": uow.withdrawals.next_agreement_no(),
            "member_account_no": account.account_no,
            "member_id": account.member_id,
            "branch_id": account.branch_id,
            "reason_code": req.reason_code,
            "period_months": period_months,
            "amount": req.amount,
            "next_due": max(first_due, day),
            "end_date": end_date,
            "state": "pending",
            "evidence_json": w.evidence_json(req.evidence()),
            "payee_name": payee,
            "payee_card": card,
            "payee_bank_code": bank_code,
            "created_by": actor.username,
            "created_at": now,
            "updated_at": now,
        }
    )
    decision = rules.evaluate(
        w.policy_of(uow, day),
        record.reason_code,
        w.facts_of(uow, account),
        _period_request(record).evidence(),
        w.history_of(uow, account.member_id),
        requested=record.amount,
        as_of=day,
    )
    if not decision.approved:
        raise w.refusal(decision)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "withdrawal.agreement_create",
            "withdrawal_agreement",
            record.agreement_no,
            details={
                "account": account.account_no,
                "reason": record.reason_code,
                "amount": str(record.amount),
            },
        )
    )
    return _agreement_view(record)


def approve_agreement(uow: UnitOfWork, actor: Actor, agreement_no: str) -> AgreementView:
    """审批 an agreement: by someone other than the clerk who made it."""
    actor.require(Permission.WITHDRAWAL_APPROVE)
    record = uow.withdrawals.agreement(agreement_no.strip(), for_update=True)
    if record is None:
        raise w.WithdrawalNotFound("not_found", what=f"约定提取协议 {agreement_no.strip()[:24]}")
    actor.require_branch(record.branch_id)
    if record.state != "pending":
        raise WithdrawalRuleViolation(
            "withdrawal_state_forbids", state=AGREEMENT_STATES.get(record.state, record.state)
        )
    if actor.username == record.created_by:
        raise SeparationOfDutiesViolation("case_same_person", role="受理人")
    uow.withdrawals.update_agreement(record.id, {"state": "active"}, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(actor, "withdrawal.agreement_approve", "withdrawal_agreement", record.agreement_no)
    )
    found = uow.withdrawals.agreement(record.agreement_no)
    assert found is not None
    return _agreement_view(found)


def end_agreement(uow: UnitOfWork, actor: Actor, agreement_no: str, reason: str) -> AgreementView:
    """终止: no further periods are withdrawn."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    record = uow.withdrawals.agreement(agreement_no.strip(), for_update=True)
    if record is None:
        raise w.WithdrawalNotFound("not_found", what=f"约定提取协议 {agreement_no.strip()[:24]}")
    actor.require_branch(record.branch_id)
    if record.state == "ended":
        raise WithdrawalRuleViolation("withdrawal_agreement_ended", agreement_no=record.agreement_no)
    uow.withdrawals.update_agreement(record.id, {"state": "ended"}, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            "withdrawal.agreement_end",
            "withdrawal_agreement",
            record.agreement_no,
            reason=reason[:200] or None,
        )
    )
    found = uow.withdrawals.agreement(record.agreement_no)
    assert found is not None
    return _agreement_view(found)


def agreements_of(uow: UnitOfWork, actor: Actor, account_no: str) -> list[AgreementView]:
    actor.require(Permission.WITHDRAWAL_VIEW)
    account = w.load_account(uow, actor, account_no, for_update=False)
    return [_agreement_view(r) for r in uow.withdrawals.agreements_of(account.member_id)]


def due_agreement_ids(uow: UnitOfWork, day: date, after: int | None, limit: int) -> list[int]:
    return [r.id for r in uow.withdrawals.due_agreements(day, after_id=after or 0, limit=limit)]


def run_agreement_period(
    uow: UnitOfWork, actor: Actor, agreement_id: int, day: date
) -> w.WithdrawalView | None:
    """One due period of one agreement (batch job): the withdrawal, approved under the agreement
    and handed to the bank, and the next due date. Idempotent per (agreement, due date)."""
    record = next(iter(uow.withdrawals.due_agreements(day, after_id=agreement_id - 1, limit=1)), None)
    if record is None or record.id != agreement_id:
        return None
    if record.end_date is not None and record.next_due > record.end_date:
        uow.withdrawals.update_agreement(record.id, {"state": "ended"}, uow.now_utc())
        return None
    view = w.submit_withdrawal(
        uow,
        actor,
        _period_request(record),
        source="agreement",
        source_ref=f"{record.agreement_no}:{record.next_due.isoformat()}",
        agreement_id=record.id,
    )
    if view.state == WithdrawalState.ACCEPTED:
        w.decide_withdrawal(uow, w.AUTO_REVIEWER, view.withdrawal_no, "review", AGREEMENT_NOTE)
        view = w.decide_withdrawal(uow, w.AUTO_APPROVER, view.withdrawal_no, "approve", AGREEMENT_NOTE)
    following = add_months(record.next_due, record.period_months)
    changes: dict[str, Any] = {"next_due": following}
    if record.end_date is not None and following > record.end_date:
        changes["state"] = "ended"
    uow.withdrawals.update_agreement(record.id, changes, uow.now_utc())
    return view
