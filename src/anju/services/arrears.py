"""Arrears (欠缴) and their enforcement (催缴 → 责令限期缴存 → 申请人民法院强制执行, rules.md §2.3).

A unit is in arrears when a month it owes is past its due date (the policy's remittance rule and
grace). One set-based query finds the units whose paid-up-to month is behind their due month; the
pure rules then list exactly the months each owes — paid months after a gap are not owed, months
under an active deferral are not owed while it lasts — with an estimate at today's monthly amount.
Notices are numbered records with their dates, printable as an HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import UNIT_STATUS_LABELS, UnitStatus
from anju.domain.policy import ContributionPolicy
from anju.domain.remittance import (
    NOTICE_LABELS,
    ROSTER_MEMBER_STATES,
    MonthRange,
    NoticeRecord,
    RemittanceNotFound,
    check_notice_step,
    estimated_arrears,
    last_due_month,
    owed_months,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.money import Money
from anju.services.cases import record_counter_case, register_case_kind
from anju.services.collection import today
from anju.services.ports import ArrearsCandidate, ArrearsNoticeRecord, UnitOfWork
from anju.services.units import load_unit

P = Permission
ARREARS_UNIT_STATES: Final = (UnitStatus.NORMAL, UnitStatus.OPENING, UnitStatus.DEFERRED)
PAYDAYS: Final = range(1, 29)
MAX_PAGE: Final = 500

register_case_kind("arrears_notice", "催缴")

# What each notice tells the unit, and the rule it rests on (printed on the notice).
NOTICE_BASIS: Final = {
    "reminder": "《住房公积金管理条例》第十九条：单位应当于每月发放职工工资之日起5日内"
    "将单位缴存的和为职工代缴的住房公积金汇缴到住房公积金专户内。",
    "order": "《住房公积金管理条例》第三十八条：单位逾期不缴或者少缴住房公积金的，"
    "由住房公积金管理中心责令限期缴存。",
    "court": "《住房公积金管理条例》第三十八条：单位逾期仍不缴存的，可以申请人民法院强制执行。",
}


@dataclass(frozen=True, slots=True)
class NoticeView:
    notice_no: str
    unit_account_no: str
    unit_name: str
    kind: str
    kind_label: str
    issued_on: date
    deadline: date | None
    first_month: str
    last_month: str
    months_owed: int
    amount: Money
    previous_notice_no: str | None
    case_no: str | None
    created_by: str
    created_at: datetime
    basis: str

    @property
    def period_label(self) -> str:
        first, last = YearMonth.parse(self.first_month), YearMonth.parse(self.last_month)
        return first.label() if first == last else f"{first.label()}至{last.label()}"


@dataclass(frozen=True, slots=True)
class ArrearsRow:
    unit_account_no: str
    unit_name: str
    branch_id: int
    status: str
    status_label: str
    paid_up_to: str | None
    months: tuple[str, ...]  # YYYYMM, oldest first
    headcount: int
    monthly_amount: Money
    estimated_amount: Money
    latest_notice: NoticeView | None

    @property
    def months_owed(self) -> int:
        return len(self.months)

    @property
    def months_label(self) -> str:
        return "、".join(YearMonth.parse(m).label() for m in self.months)


@dataclass(frozen=True, slots=True)
class ArrearsPage:
    as_of: date
    items: list[ArrearsRow]
    total: int
    estimated_total: Money


def _notice_view(r: ArrearsNoticeRecord) -> NoticeView:
    return NoticeView(
        notice_no=r.notice_no,
        unit_account_no=r.unit_account_no,
        unit_name=r.unit_name,
        kind=r.kind,
        kind_label=NOTICE_LABELS.get(r.kind, r.kind),
        issued_on=r.issued_on,
        deadline=r.deadline,
        first_month=r.first_month,
        last_month=r.last_month,
        months_owed=r.months_owed,
        amount=r.amount,
        previous_notice_no=r.previous_notice_no,
        case_no=r.case_no,
        created_by=r.created_by,
        created_at=r.created_at,
        basis=NOTICE_BASIS.get(r.kind, ""),
    )


def _due_months(policy: ContributionPolicy, day: date) -> dict[int, str]:
    return {payday: str(last_due_month(policy, day, payday)) for payday in PAYDAYS}


def _rows(uow: UnitOfWork, candidates: list[ArrearsCandidate], due: dict[int, str]) -> list[ArrearsRow]:
    ids = [c.unit_id for c in candidates]
    paid = uow.remittance.paid_months_of_units(ids)
    deferred = uow.remittance.active_deferrals_of_units(ids)
    notices = uow.remittance.notices_of_units(ids)
    rows = []
    for c in candidates:
        if c.headcount == 0:
            continue  # nobody contributes through this unit today: nothing to chase
        months = owed_months(
            first_month=YearMonth.of(c.opened_on),
            paid_up_to=YearMonth.parse(c.paid_up_to) if c.paid_up_to else None,
            paid_months=[YearMonth.parse(m) for m in paid.get(c.unit_id, ())],
            deferred=[
                MonthRange(YearMonth.parse(a), YearMonth.parse(b)) for a, b in deferred.get(c.unit_id, ())
            ],
            through=YearMonth.parse(due[c.payday]),
        )
        if not months:
            continue
        mine = notices.get(c.unit_id, [])
        rows.append(
            ArrearsRow(
                unit_account_no=c.unit_account_no,
                unit_name=c.name,
                branch_id=c.branch_id,
                status=c.status,
                status_label=UNIT_STATUS_LABELS.get(c.status, c.status),
                paid_up_to=c.paid_up_to,
                months=tuple(str(m) for m in months),
                headcount=c.headcount,
                monthly_amount=c.monthly_total,
                estimated_amount=estimated_arrears(len(months), c.monthly_total),
                latest_notice=_notice_view(mine[-1]) if mine else None,
            )
        )
    return rows


def list_arrears(uow: UnitOfWork, actor: Actor, *, limit: int = 100, offset: int = 0) -> ArrearsPage:
    """Units in arrears on the business date (of the actor's branch), with months and estimates."""
    actor.require(P.COLLECTION_VIEW)
    now = today(uow)
    due = _due_months(now.policy, now.day)
    candidates = uow.remittance.arrears_candidates(
        due,
        ARREARS_UNIT_STATES,
        ROSTER_MEMBER_STATES,
        branch_id=None if actor.all_branches else actor.branch_id,
    )
    rows = _rows(uow, candidates, due)
    window = rows[max(0, offset) : max(0, offset) + max(1, min(limit, MAX_PAGE))]
    return ArrearsPage(
        as_of=now.day,
        items=window,
        total=len(rows),
        estimated_total=Money(sum(r.estimated_amount.fen for r in rows)),
    )


def unit_arrears(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> ArrearsRow | None:
    """The unit's arrears today, or None when it owes nothing overdue."""
    actor.require(P.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    now = today(uow)
    due = _due_months(now.policy, now.day)
    candidates = uow.remittance.arrears_candidates(
        due, ARREARS_UNIT_STATES, ROSTER_MEMBER_STATES, unit_id=unit.id
    )
    rows = _rows(uow, candidates, due)
    return rows[0] if rows else None


def back_payment_candidates(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> list[str]:
    """Past months the unit owes (including deferred months once their deferral ended)."""
    row = unit_arrears(uow, actor, unit_account_no)
    current = YearMonth.of(today(uow).day)
    return [m for m in (row.months if row else ()) if YearMonth.parse(m) < current]


def issue_notice(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, kind: str, *, deadline: date | None = None
) -> NoticeView:
    """Record the next enforcement step for a unit in arrears, numbered and dated.

    Reminder first; then an order to pay by a deadline; after the deadline, the court application.
    """
    actor.require(P.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    row = unit_arrears(uow, actor, unit.unit_account_no)
    day = today(uow).day
    earlier = uow.remittance.notices_of_units([unit.id]).get(unit.id, [])
    check_notice_step(
        kind,
        [NoticeRecord(n.kind, n.issued_on, n.deadline) for n in earlier],
        today=day,
        deadline=deadline,
        in_arrears=row is not None,
    )
    assert row is not None
    label = NOTICE_LABELS[kind]
    case = record_counter_case(
        uow,
        actor,
        kind="arrears_notice",
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=f"{unit.name} {label}：欠缴 {row.months_owed} 个月，约 {row.estimated_amount.format_cn()} 元",
        amount=row.estimated_amount,
        applicant=unit.name,
        branch_id=unit.branch_id,
    )
    seq = uow.sequences.next_value(f"arrears_notice:{day.year}")
    notice_no = f"CJ{day.year}{seq:06d}"
    uow.remittance.insert_notice(
        notice_no=notice_no,
        unit_id=unit.id,
        kind=kind,
        issued_on=day,
        deadline=deadline if kind == "order" else None,
        first_month=row.months[0],
        last_month=row.months[-1],
        months_owed=row.months_owed,
        amount=row.estimated_amount,
        previous_id=earlier[-1].id if earlier else None,
        case_no=case.case_no,
        created_by=actor.username,
        now=uow.now_utc(),
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "remittance.notice_issue",
            "arrears_notice",
            notice_no,
            details={"unit": unit.unit_account_no, "kind": kind, "months": row.months_owed},
        )
    )
    return get_notice(uow, actor, notice_no)


def get_notice(uow: UnitOfWork, actor: Actor, notice_no: str) -> NoticeView:
    actor.require(P.COLLECTION_VIEW)
    record = uow.remittance.notice(notice_no.strip())
    if record is None:
        raise RemittanceNotFound("not_found", what=f"催缴文书 {notice_no.strip()[:30]}")
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None
    actor.require_branch(unit.branch_id)
    return _notice_view(record)


def list_notices(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> list[NoticeView]:
    """A unit's notices, oldest first."""
    actor.require(P.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    return [_notice_view(r) for r in uow.remittance.notices_of_units([unit.id]).get(unit.id, [])]
