"""Cases (办件): every business request, whatever its channel, with its workflow and rating.

The rules (states, who may act) are pure in anju.domain.workflow; this module stores the case,
its state history and the audit trail. Capabilities call `open_case` when they accept a request
and `advance_case` as it moves; counter business that needs no review uses `record_counter_case`
(accepted and finished by the clerk in one go, with the applicant present).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.workflow import (
    ACTION_LABELS,
    DECISION_ACTIONS,
    FINAL_STATES,
    STATE_LABELS,
    CaseFacts,
    CaseState,
    WorkflowRuleViolation,
    check_rating,
    decide,
)
from anju.errors import Conflict, NotFound
from anju.money import Money
from anju.services.ports import CaseEventRecord, CaseRecord, UnitOfWork

# 渠道 (glossary.md): where a request came in.
CHANNELS: Final = {
    "counter": "柜面",
    "unit_hall": "单位网厅",
    "personal_hall": "个人网厅",
    "developer_hall": "开发商网厅",
    "app": "手机APP",
    "wechat": "微信",
    "alipay": "支付宝",
    "hotline": "12329热线",
    "sms": "12329短信",
    "batch": "批量",
}

# Labels of the kinds this slice opens; other capabilities add theirs with `register_case_kind`.
CASE_KINDS: dict[str, str] = {
    "unit_register": "单位缴存登记",
    "unit_change": "单位信息变更",
    "unit_seal": "单位封存",
    "unit_resume": "单位启封",
    "unit_cancel": "单位销户",
    "member_open": "个人账户设立",
    "member_change": "个人信息变更",
    "member_wage_base": "缴存基数调整",
    "member_seal": "个人账户封存",
    "member_unseal": "个人账户启封",
    "member_transfer": "市内转移",
    "member_freeze": "个人账户冻结",
    "member_unfreeze": "个人账户解冻",
    "member_merge": "个人账户合并",
}

MAX_SUMMARY: Final = 400
MAX_APPLICANT: Final = 120


class CaseNotFound(NotFound):
    """No such case, or not one the actor may see."""


class CaseConflict(Conflict):
    """The case was rated already."""


# Kinds whose record has a state of its own (a withdrawal, a loan, a deferral): they move only
# through their owner's service, which keeps both in step; the generic case page refuses them.
MANAGED_KINDS: dict[str, str] = {}


def register_case_kind(kind: str, label: str, *, managed_at: str | None = None) -> None:
    """Name a kind of case for lists and pages (withdrawals, loans ... call this at import).
    `managed_at`: the page where such cases are handled (the generic actions refuse them)."""
    CASE_KINDS.setdefault(kind, label)
    if managed_at is not None:
        MANAGED_KINDS[kind] = managed_at


def advance_generic_case(
    uow: UnitOfWork, actor: Actor, case_no: str, action: str, reason: str | None = None
) -> CaseView:
    """The generic case page's and API's action: only for kinds no capability manages itself."""
    record = uow.cases.get(case_no.strip())
    if record is not None and record.kind in MANAGED_KINDS:
        raise CaseConflict(
            "case_managed_elsewhere",
            kind=CASE_KINDS.get(record.kind, record.kind),
            page=MANAGED_KINDS[record.kind],
        )
    return advance_case(uow, actor, case_no, action, reason)


@dataclass(frozen=True, slots=True)
class CaseEventView:
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    to_state_label: str
    actor: str
    reason: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class CaseView:
    case_no: str
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    state: str
    state_label: str
    subject_type: str
    subject_ref: str
    branch_id: int | None
    applicant: str | None
    maker: str
    checker: str | None
    approver: str | None
    second_approver: str | None
    amount: Money | None
    summary: str
    reason: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None
    history: tuple[CaseEventView, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass(frozen=True, slots=True)
class CasePage:
    items: list[CaseView]
    total: int


def _event_view(e: CaseEventRecord) -> CaseEventView:
    return CaseEventView(
        action=e.action,
        action_label=ACTION_LABELS.get(e.action, e.action),
        from_state=e.from_state,
        to_state=e.to_state,
        to_state_label=STATE_LABELS.get(e.to_state, e.to_state),
        actor=e.actor,
        reason=e.reason,
        occurred_at=e.occurred_at,
    )


def _view(r: CaseRecord, events: list[CaseEventRecord] | None = None) -> CaseView:
    return CaseView(
        case_no=r.case_no,
        kind=r.kind,
        kind_label=CASE_KINDS.get(r.kind, r.kind),
        channel=r.channel,
        channel_label=CHANNELS.get(r.channel, r.channel),
        state=r.state,
        state_label=STATE_LABELS.get(r.state, r.state),
        subject_type=r.subject_type,
        subject_ref=r.subject_ref,
        branch_id=r.branch_id,
        applicant=r.applicant,
        maker=r.maker,
        checker=r.checker,
        approver=r.approver,
        second_approver=r.second_approver,
        amount=r.amount,
        summary=r.summary,
        reason=r.reason,
        created_at=r.created_at,
        updated_at=r.updated_at,
        finished_at=r.finished_at,
        rating=r.rating,
        rating_comment=r.rating_comment,
        rated_at=r.rated_at,
        history=tuple(_event_view(e) for e in events or ()),
    )


# --- commands ----------------------------------------------------------------------------------


def _insert(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    channel: str,
    subject_type: str,
    subject_ref: str,
    summary: str,
    amount: Money | None,
    applicant: str | None,
    branch_id: int | None,
    finished: bool,
) -> CaseView:
    if channel not in CHANNELS:
        raise WorkflowRuleViolation("case_channel_unknown", channel=channel[:20])
    text = summary.strip()
    if not text:
        raise WorkflowRuleViolation("required_field", field="办件摘要")
    now = uow.now_utc()
    record = uow.cases.insert(
        case_no=uow.cases.next_case_no(),
        kind=kind,
        channel=channel,
        subject_type=subject_type,
        subject_ref=subject_ref,
        branch_id=branch_id if branch_id is not None else actor.branch_id,
        applicant=(applicant or "").strip()[:MAX_APPLICANT] or None,
        maker=actor.username,
        amount=amount,
        summary=text[:MAX_SUMMARY],
        now=now,
        finished=finished,
    )
    events = [CaseEventRecord("accept", None, CaseState.ACCEPTED, actor.username, None, now)]
    if finished:
        events.append(
            CaseEventRecord("finish", CaseState.ACCEPTED, CaseState.DONE, actor.username, None, now)
        )
    for e in events:
        uow.cases.add_event(
            record.id,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            actor=e.actor,
            reason=None,
            now=now,
        )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "case.record" if finished else "case.open",
            "case",
            record.case_no,
            details={
                "kind": kind,
                "channel": channel,
                "subject": f"{subject_type}:{subject_ref}",
                "state": record.state,
            },
        )
    )
    return _view(record, events)


def open_case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    channel: str,
    subject_type: str,
    subject_ref: str,
    summary: str,
    amount: Money | None = None,
    applicant: str | None = None,
    branch_id: int | None = None,
) -> CaseView:
    """受理: a new case in state accepted, made by `actor`. `branch_id` defaults to the actor's.

    `applicant` is shown on lists: pass a masked name for a person, never an ID number.
    """
    return _insert(
        uow,
        actor,
        kind=kind,
        channel=channel,
        subject_type=subject_type,
        subject_ref=subject_ref,
        summary=summary,
        amount=amount,
        applicant=applicant,
        branch_id=branch_id,
        finished=False,
    )


def advance_case(
    uow: UnitOfWork,
    actor: Actor,
    case_no: str,
    action: str,
    reason: str | None = None,
    *,
    second_approval_threshold: Money | None = None,
    review_required: bool = True,
    checked_suffices: bool = False,
    decision_permission: str = Permission.COLLECTION_APPROVE,
    finish_permission: str = Permission.COLLECTION_MANAGE,
) -> CaseView:
    """Move a case: review | approve | second_approve | finish | return | refuse.

    Maker ≠ checker ≠ approver (≠ second approver): enforced from the stored case, so no caller
    can skip it. `second_approval_threshold` is the policy amount above which a second approver
    is needed; `review_required=False` lets the maker finish an accepted case directly (counter
    business with no review). The permissions default to collection's; other capabilities pass
    their own.
    """
    actor.require(decision_permission if action in DECISION_ACTIONS else finish_permission)
    record = uow.cases.get(case_no.strip(), for_update=True)
    if record is None:
        raise CaseNotFound("not_found", what=f"办件 {case_no[:30]}")
    actor.require_branch(record.branch_id)
    facts = CaseFacts(
        state=record.state,
        maker=record.maker,
        checker=record.checker,
        approver=record.approver,
        second_approver=record.second_approver,
        amount=record.amount,
    )
    step = decide(
        facts,
        action,
        actor.username,
        reason=reason,
        second_approval_threshold=second_approval_threshold,
        review_required=review_required,
        checked_suffices=checked_suffices,
    )
    now = uow.now_utc()
    values: dict[str, object] = {"state": step.to_state}
    if step.role is not None:
        values[step.role] = actor.username
    if step.reason is not None and action in ("return", "refuse"):
        values["reason"] = step.reason
    if step.to_state in FINAL_STATES:
        values["finished_at"] = now
    uow.cases.update(record.id, values, now)
    uow.cases.add_event(
        record.id,
        action=action,
        from_state=step.from_state,
        to_state=step.to_state,
        actor=actor.username,
        reason=step.reason,
        now=now,
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"case.{action}",
            "case",
            record.case_no,
            reason=step.reason[:200] if step.reason else None,
            details={"kind": record.kind, "from": step.from_state, "to": step.to_state},
        )
    )
    return get_case(uow, actor, record.case_no, permission=None)


def record_counter_case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    subject_type: str,
    subject_ref: str,
    summary: str,
    amount: Money | None = None,
    applicant: str | None = None,
    branch_id: int | None = None,
) -> CaseView:
    """A counter case accepted and finished at once by the clerk, with the applicant present and
    no review needed: the workflow's own rule (domain.workflow.decide, finish without review by
    the maker) is checked, then the case is written as done with both steps in its history and
    one audit line, because every counter command records one."""
    decide(CaseFacts(CaseState.ACCEPTED, actor.username), "finish", actor.username, review_required=False)
    return _insert(
        uow,
        actor,
        kind=kind,
        channel="counter",
        subject_type=subject_type,
        subject_ref=subject_ref,
        summary=summary,
        amount=amount,
        applicant=applicant,
        branch_id=branch_id,
        finished=True,
    )


def rate_case(uow: UnitOfWork, case_no: str, rating: int, comment: str | None = None) -> CaseView:
    """好差评: the applicant rates a finished case once (from a hall, a pad at the counter, SMS).

    No staff actor: the rating belongs to the applicant, and the channel that collects it has
    already identified them.
    """
    text = check_rating(rating, comment)
    record = uow.cases.get(case_no.strip(), for_update=True)
    if record is None:
        raise CaseNotFound("not_found", what=f"办件 {case_no[:30]}")
    if record.state not in (CaseState.DONE, CaseState.REFUSED, CaseState.RETURNED):
        raise WorkflowRuleViolation("case_not_finished")
    if record.rating is not None:
        raise CaseConflict("case_already_rated")
    now = uow.now_utc()
    uow.cases.update(record.id, {"rating": rating, "rating_comment": text, "rated_at": now}, now)
    uow.audit.append(
        AuditEvent(
            action="case.rate",
            object_type="case",
            object_id=record.case_no,
            actor="applicant",
            details={"rating": rating},
        )
    )
    updated = uow.cases.get(record.case_no)
    assert updated is not None
    return _view(updated, uow.cases.events(updated.id))


# --- queries -----------------------------------------------------------------------------------


def get_case(
    uow: UnitOfWork, actor: Actor, case_no: str, *, permission: str | None = Permission.COLLECTION_VIEW
) -> CaseView:
    """A case with its state history; only within the actor's branch scope."""
    if permission is not None:
        actor.require(permission)
    record = uow.cases.get(case_no.strip())
    if record is None:
        raise CaseNotFound("not_found", what=f"办件 {case_no[:30]}")
    actor.require_branch(record.branch_id)
    return _view(record, uow.cases.events(record.id))


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    kind: str | None = None,
    subject_ref: str | None = None,
    limit: int = 50,
    offset: int = 0,
    channel: str | None = None,
) -> CasePage:
    """Cases newest first, of the actor's branch (every branch for centre-wide staff).

    `subject_ref` matches a case number or the subject (a unit or member account number);
    `channel` (渠道, a key of CHANNELS) e.g. "unit_hall" for what units submitted in their hall.
    """
    actor.require(Permission.COLLECTION_VIEW)
    actor.require_staff_search()  # the case list spans units: a hall account follows its own requests
    scope = None if actor.all_branches else actor.branch_id
    ref = (subject_ref or "").strip() or None
    via = channel or None
    items = uow.cases.search(
        branch_id=scope,
        state=state or None,
        kind=kind or None,
        subject_ref=ref,
        limit=limit,
        offset=offset,
        channel=via,
    )
    total = uow.cases.count(
        branch_id=scope, state=state or None, kind=kind or None, subject_ref=ref, channel=via
    )
    return CasePage(items=[_view(r) for r in items], total=total)
