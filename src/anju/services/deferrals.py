"""Deferral (缓缴) and ratio reduction (降低缴存比例), Regulations Art. 20 (rules.md §2.4).

A unit in genuine difficulty applies with the approval of its employees' congress and of the
HPF Management Committee (approving body, document number). The centre's maker accepts the
application as a case, a checker reviews it and an approver approves it (three different people,
domain/workflow.py). An approved deferral becomes active in its first month — the unit's status
turns 03 and its months are not in arrears — and ends after its last month (an end-of-day step),
when the deferred months are owed again. A ratio reduction prices the rosters of its months at the
approved ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import UNIT_STATUS_LABELS, UnitStatus
from anju.domain.remittance import (
    DeferralApplication,
    DeferralKind,
    DeferralState,
    MonthRange,
    Ratios,
    RemittanceConflict,
    RemittanceNotFound,
    RemittanceRuleViolation,
    check_deferral_application,
    deferral_state_on,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.money import Rate
from anju.services.cases import advance_case, get_case, open_case, register_case_kind
from anju.services.collection import today
from anju.services.end_of_day import EodStep, register_eod_step
from anju.services.ports import DeferralRecord, UnitOfWork
from anju.services.units import load_unit

P = Permission
KIND_LABELS: Final = {DeferralKind.DEFERRAL: "缓缴", DeferralKind.RATIO_REDUCTION: "降低缴存比例"}
STATE_LABELS: Final = {
    DeferralState.ACCEPTED: "审批中",
    DeferralState.APPROVED: "已批准（未开始）",
    DeferralState.ACTIVE: "执行中",
    DeferralState.ENDED: "已到期",
    DeferralState.REFUSED: "不予批准",
}
PENDING_OR_IN_FORCE: Final = (DeferralState.ACCEPTED, DeferralState.APPROVED, DeferralState.ACTIVE)
EOD_STEP: Final = "remittance_deferrals"

register_case_kind(DeferralKind.DEFERRAL, "缓缴申请", managed_at="缓缴与降低比例（/remittance/deferrals）")
register_case_kind(
    DeferralKind.RATIO_REDUCTION, "降低缴存比例申请", managed_at="缓缴与降低比例（/remittance/deferrals）"
)


@dataclass(frozen=True, slots=True)
class DeferralView:
    id: int
    unit_account_no: str
    unit_name: str
    kind: str
    kind_label: str
    start_month: str
    end_month: str
    period_label: str
    unit_ratio: Rate | None
    member_ratio: Rate | None
    approving_body: str
    document_no: str
    state: str
    state_label: str
    case_no: str
    case_state: str
    case_state_label: str
    created_by: str
    created_at: datetime
    ended_on: date | None

    @property
    def awaiting_review(self) -> bool:
        return self.state == DeferralState.ACCEPTED and self.case_state == "accepted"

    @property
    def awaiting_approval(self) -> bool:
        return self.state == DeferralState.ACCEPTED and self.case_state == "reviewed"


def _view(uow: UnitOfWork, actor: Actor, d: DeferralRecord) -> DeferralView:
    case = get_case(uow, actor, d.case_no, permission=None)
    start, end = YearMonth.parse(d.start_month), YearMonth.parse(d.end_month)
    return DeferralView(
        id=d.id,
        unit_account_no=d.unit_account_no,
        unit_name=d.unit_name,
        kind=d.kind,
        kind_label=KIND_LABELS.get(d.kind, d.kind),
        start_month=d.start_month,
        end_month=d.end_month,
        period_label=f"{start.label()}至{end.label()}",
        unit_ratio=d.approved_unit_ratio,
        member_ratio=d.approved_member_ratio,
        approving_body=d.approving_body,
        document_no=d.document_no,
        state=d.state,
        state_label=STATE_LABELS.get(d.state, d.state),
        case_no=d.case_no,
        case_state=case.state,
        case_state_label=case.state_label,
        created_by=d.created_by,
        created_at=d.created_at,
        ended_on=d.ended_on,
    )


def _load(uow: UnitOfWork, actor: Actor, deferral_id: int) -> DeferralRecord:
    record = uow.remittance.deferral(deferral_id, for_update=True)
    if record is None:
        raise RemittanceNotFound("not_found", what=f"缓缴/降低比例申请 {deferral_id}")
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None
    actor.require_branch(unit.branch_id)
    return record


def apply_deferral(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str,
    kind: str,
    start_month: str,
    end_month: str,
    approving_body: str,
    document_no: str,
    unit_ratio: Rate | None = None,
    member_ratio: Rate | None = None,
    channel: str = "counter",
) -> DeferralView:
    """受理 an application; it waits for review and approval (maker ≠ checker ≠ approver)."""
    actor.require(P.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    if unit.status not in (UnitStatus.NORMAL, UnitStatus.DEFERRED):  # a deferred unit may plan ahead
        raise RemittanceRuleViolation(
            "deferral_unit_not_normal",
            unit=unit.unit_account_no,
            status=UNIT_STATUS_LABELS.get(unit.status, unit.status),
        )
    months = MonthRange(YearMonth.parse(start_month), YearMonth.parse(end_month))
    app = DeferralApplication(
        kind=kind,
        months=months,
        approving_body=approving_body.strip(),
        document_no=document_no.strip(),
        unit_ratio=unit_ratio,
        member_ratio=member_ratio,
    )
    check_deferral_application(app, Ratios(unit.unit_ratio, unit.member_ratio))
    if unit.paid_up_to is not None and months.start <= YearMonth.parse(unit.paid_up_to):
        raise RemittanceRuleViolation(
            "roster_month_already_paid", unit=unit.unit_account_no, month=months.start.label()
        )
    for other in uow.remittance.deferrals(unit_id=unit.id, states=PENDING_OR_IN_FORCE, limit=500, offset=0):
        span = MonthRange(YearMonth.parse(other.start_month), YearMonth.parse(other.end_month))
        if span.overlaps(months):
            raise RemittanceConflict(
                "deferral_overlaps",
                start=span.start.label(),
                end=span.end.label(),
                kind=KIND_LABELS[other.kind],
                state=STATE_LABELS[other.state],
            )
    ratio_text = (
        f"，单位 {unit_ratio.as_percent()}%、个人 {member_ratio.as_percent()}%"
        if unit_ratio is not None and member_ratio is not None
        else ""
    )
    case = open_case(
        uow,
        actor,
        kind=kind,
        channel=channel,
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=f"{unit.name} 申请{KIND_LABELS[kind]} {months.start.label()}至{months.end.label()}"
        f"{ratio_text}（{app.approving_body} {app.document_no}）",
        applicant=unit.name,
        branch_id=unit.branch_id,
    )
    deferral_id = uow.remittance.insert_deferral(
        unit_id=unit.id,
        kind=kind,
        start_month=str(months.start),
        end_month=str(months.end),
        unit_ratio=unit_ratio,
        member_ratio=member_ratio,
        approving_body=app.approving_body,
        document_no=app.document_no,
        case_no=case.case_no,
        created_by=actor.username,
        now=uow.now_utc(),
    )
    _audit(
        uow, actor, "deferral_apply", deferral_id, unit=unit.unit_account_no, kind=kind, case_no=case.case_no
    )
    return get_deferral(uow, actor, deferral_id)


def review_deferral(uow: UnitOfWork, actor: Actor, deferral_id: int) -> DeferralView:
    """审核: a checker (not the maker) confirms the materials."""
    record = _pending(uow, actor, deferral_id)
    advance_case(uow, actor, record.case_no, "review")
    _audit(uow, actor, "deferral_review", deferral_id, case_no=record.case_no)
    return get_deferral(uow, actor, deferral_id)


def approve_deferral(uow: UnitOfWork, actor: Actor, deferral_id: int) -> DeferralView:
    """审批: an approver (neither maker nor checker) approves; in force from its first month."""
    record = _pending(uow, actor, deferral_id)
    advance_case(uow, actor, record.case_no, "approve")
    advance_case(uow, actor, record.case_no, "finish", finish_permission=P.COLLECTION_APPROVE)
    uow.remittance.set_deferral_state(deferral_id, (DeferralState.ACCEPTED,), DeferralState.APPROVED)
    _audit(uow, actor, "deferral_approve", deferral_id, case_no=record.case_no)
    now = today(uow)
    approved = uow.remittance.deferral(deferral_id)
    assert approved is not None
    _move(uow, approved, YearMonth.of(now.day), now.day)
    return get_deferral(uow, actor, deferral_id)


def refuse_deferral(uow: UnitOfWork, actor: Actor, deferral_id: int, reason: str) -> DeferralView:
    """不予批准, with the reason (the case keeps it)."""
    record = _pending(uow, actor, deferral_id)
    advance_case(uow, actor, record.case_no, "refuse", reason)
    uow.remittance.set_deferral_state(deferral_id, (DeferralState.ACCEPTED,), DeferralState.REFUSED)
    _audit(uow, actor, "deferral_refuse", deferral_id, case_no=record.case_no)
    return get_deferral(uow, actor, deferral_id)


def _pending(uow: UnitOfWork, actor: Actor, deferral_id: int) -> DeferralRecord:
    actor.require(P.COLLECTION_APPROVE)
    record = _load(uow, actor, deferral_id)
    if record.state != DeferralState.ACCEPTED:
        raise RemittanceConflict("deferral_not_pending", state=STATE_LABELS.get(record.state, record.state))
    return record


def get_deferral(uow: UnitOfWork, actor: Actor, deferral_id: int) -> DeferralView:
    actor.require(P.COLLECTION_VIEW)
    record = uow.remittance.deferral(deferral_id)
    if record is None:
        raise RemittanceNotFound("not_found", what=f"缓缴/降低比例申请 {deferral_id}")
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None
    actor.require_branch(unit.branch_id)
    return _view(uow, actor, record)


def list_deferrals(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[DeferralView]:
    """Applications newest first, of one unit or of every unit the actor may see."""
    actor.require(P.COLLECTION_VIEW)
    unit_id = load_unit(uow, actor, unit_account_no).id if unit_account_no else None
    states = (state,) if state in DeferralState.ALL else None
    records = uow.remittance.deferrals(
        unit_id=unit_id, states=states, limit=max(1, min(limit, 200)), offset=max(0, offset)
    )
    views = []
    for record in records:
        unit = uow.units.get_by_id(record.unit_id)
        if unit is not None and actor.can_access_branch(unit.branch_id):
            views.append(_view(uow, actor, record))
    return views


# --- moving through time ---------------------------------------------------------------------


def _move(uow: UnitOfWork, record: DeferralRecord, current_month: YearMonth, day: date) -> str | None:
    """Start or end an approved application as `current_month` requires; the new state, if any."""
    months = MonthRange(YearMonth.parse(record.start_month), YearMonth.parse(record.end_month))
    target = deferral_state_on(record.state, months, current_month)
    if target == record.state:
        return None
    if target == DeferralState.ACTIVE:
        uow.remittance.set_deferral_state(record.id, (DeferralState.APPROVED,), DeferralState.ACTIVE)
        if record.kind == DeferralKind.DEFERRAL:
            _set_unit_status(uow, record.unit_id, UnitStatus.NORMAL, UnitStatus.DEFERRED)
        return target
    uow.remittance.set_deferral_state(
        record.id, (DeferralState.APPROVED, DeferralState.ACTIVE), DeferralState.ENDED, ended_on=day
    )
    if record.kind == DeferralKind.DEFERRAL:
        still = [
            d
            for d in uow.remittance.deferrals(
                unit_id=record.unit_id, states=(DeferralState.ACTIVE,), limit=10, offset=0
            )
            if d.kind == DeferralKind.DEFERRAL and d.id != record.id
        ]
        if not still:
            _set_unit_status(uow, record.unit_id, UnitStatus.DEFERRED, UnitStatus.NORMAL)
    return target


def _set_unit_status(uow: UnitOfWork, unit_id: int, from_status: str, to_status: str) -> None:
    unit = uow.units.get_by_id(unit_id)
    # A unit closed or sealed meanwhile keeps that status; only 01 <-> 03 moves here.
    if unit is not None and unit.status == from_status:
        uow.units.update(unit_id, {"status": to_status}, uow.now_utc())


def end_of_day(uow: UnitOfWork, day: date) -> str:
    """日终: start the approved applications whose first month begins tomorrow, end the expired."""
    tomorrow = YearMonth.of(day + timedelta(days=1))
    started = ended = 0
    system = Actor.system(EOD_STEP)
    for record in uow.remittance.deferrals_to_move(str(tomorrow)):
        moved = _move(uow, record, tomorrow, day)
        if moved == DeferralState.ACTIVE:
            started += 1
        elif moved == DeferralState.ENDED:
            ended += 1
        if moved is not None:
            _audit(uow, system, f"deferral_{moved}", record.id, unit=record.unit_account_no, kind=record.kind)
    return f"缓缴/降低比例：开始 {started} 件，到期 {ended} 件"


register_eod_step(EodStep(EOD_STEP, "缓缴与降低比例到期处理", end_of_day))


def _audit(uow: UnitOfWork, actor: Actor, action: str, deferral_id: int, **details: str | int | None) -> None:
    uow.audit.append(
        AuditEvent.by(actor, f"remittance.{action}", "deferral", str(deferral_id), details=dict(details))
    )
