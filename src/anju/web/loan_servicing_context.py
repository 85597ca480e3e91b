"""What the loan page shows of 贷后管理 and which servicing forms the signed-in person may use:
冲还贷, bad-debt write-off, the overdue register, manual reclassification, term changes,
litigation and reminders (the forms post to web/loan_servicing.py)."""

from __future__ import annotations

from typing import Any

from anju.domain.loans.delinquency import RiskTier
from anju.domain.security import Actor
from anju.domain.security import Permission as P
from anju.services import cases, loan_servicing
from anju.services.loan_repayments import overdue_register, write_off_case
from anju.services.loans import LoanView
from anju.services.ports import UnitOfWork

_OPEN = ("accepted", "reviewed", "approved")
TIER_LABELS = {t.value: t.label for t in RiskTier}


def servicing_context(uow: UnitOfWork, actor: Actor, view: LoanView) -> dict[str, Any]:
    r = view.record
    active = r.state == "active"
    manage, approve = actor.has(P.LOAN_MANAGE), actor.has(P.LOAN_APPROVE)
    write_off = write_off_case(uow, r.loan_no)
    open_write_off = write_off is not None and write_off.state in _OPEN
    reclass = uow.loans.classification_changes(r.id) if r.disbursed_on else []
    pending_reclass = next((c for c in reclass if c.state == "pending"), None)
    terms = uow.loans.term_changes(r.id) if r.disbursed_on else []
    pending_term = next((c for c in terms if c.state == "pending"), None)
    term_case = (
        cases.get_case(uow, Actor.system("loans"), pending_term.case_no, permission=None)
        if pending_term
        else None
    )
    return {
        "tier_labels": TIER_LABELS,
        "can_fund_repay": manage and active and r.offset_agreement,
        "write_off_case": write_off,
        "can_request_write_off": manage
        and active
        and r.risk_tier == RiskTier.LOSS.value
        and not open_write_off,
        "can_decide_write_off": approve and active and open_write_off,
        "overdue_lines": overdue_register(uow, actor, r.loan_no) if active else [],
        "reclassifications": reclass[:10],
        "can_reclassify": manage and active and pending_reclass is None,
        "pending_reclass": pending_reclass,
        "can_decide_reclass": approve
        and active
        and pending_reclass is not None
        and pending_reclass.requested_by != actor.username,
        "term_changes": terms[:10],
        "term_case": term_case,
        "can_request_term": manage and active and pending_term is None,
        "can_decide_term": approve and active and term_case is not None and term_case.state in _OPEN,
        "can_execute_term": manage and active and term_case is not None and term_case.state == "approved",
        "litigations": uow.loans.litigations(r.id) if r.disbursed_on else [],
        "litigation_states": loan_servicing.LITIGATION_STATES,
        "can_litigate": manage and r.disbursed_on is not None,
        "reminders": uow.loans.reminders(r.id)[:20] if r.disbursed_on else [],
    }
