"""Remittance (汇缴) and back-payment (补缴): rosters, money received for units, suspense.

A roster lists a unit's contributing members for one month with their base and parts; it is
generated set-based from the member accounts, adjusted while a draft, then confirmed. Money for a
unit (`receive_unit_payment`, from the counter or the bank interface) pays the oldest confirmed
roster of exactly its amount, crediting every member in one voucher; anything else waits in the
unit's suspense sub-account (21901) until staff allocate it to a roster or refund it. Each command
runs in the caller's transaction: the roster, the payment record, the voucher, the paid-up-to
months and the audit line commit together or not at all (reliability.md L6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import UnitStatus, contribution_parts, unit_transition
from anju.domain.remittance import (
    ROSTER_MEMBER_STATES,
    DeferralKind,
    DeferralState,
    MonthRange,
    PaymentState,
    Ratios,
    RemittanceConflict,
    RemittanceNotFound,
    RemittanceRuleViolation,
    RosterCandidate,
    RosterKind,
    RosterState,
    advance_paid_up_to,
    check_back_payment_months,
    integer_rounding,
    match_roster,
    ratio_units,
    ratios_for_month,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import InvariantViolation, TransientConflict
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import BusinessType
from anju.money import Money, Rate
from anju.services.cases import record_counter_case, register_case_kind
from anju.services.collection import Today, required, today
from anju.services.ports import (
    CentreBankAccountRecord,
    NewRoster,
    NewUnitPayment,
    ReducedParts,
    RosterLineRecord,
    RosterRecord,
    SuspenseRefundRecord,
    UnitOfWork,
    UnitPaymentRecord,
    UnitRecord,
)
from anju.services.units import load_unit

P = Permission
MAX_SERIAL: Final = 40
MAX_PAYEE: Final = 200
MAX_PAYEE_ACCOUNT: Final = 40
MAX_LINES_PAGE: Final = 500
PAYMENT_SOURCE: Final = "unit_payment"
ALLOCATION_SOURCE: Final = "suspense_allocation"
CHANNELS: Final = ("counter", "bank", "unit_hall", "batch")

KIND_LABELS: Final = {RosterKind.REMITTANCE: "汇缴清册", RosterKind.BACK_PAYMENT: "补缴清册"}
STATE_LABELS: Final = {
    RosterState.DRAFT: "草稿",
    RosterState.CONFIRMED: "已确认",
    RosterState.PAID: "已入账",
    RosterState.CANCELLED: "已作废",
}
PAYMENT_STATE_LABELS: Final = {
    PaymentState.MATCHED: "已匹配入账",
    PaymentState.SUSPENSE: "暂收待分配",
    PaymentState.PARTLY_ALLOCATED: "部分分配",
    PaymentState.ALLOCATED: "已分配",
    PaymentState.REFUNDED: "已退款",
}
_BUSINESS_TYPES: Final = {
    RosterKind.REMITTANCE: BusinessType.REMITTANCE,
    RosterKind.BACK_PAYMENT: BusinessType.BACK_PAYMENT,
}
_CASE_KINDS: Final = {RosterKind.REMITTANCE: "remittance", RosterKind.BACK_PAYMENT: "back_payment"}

register_case_kind("remittance", "单位汇缴")
register_case_kind("back_payment", "单位补缴")
register_case_kind("unit_payment", "单位缴存款入账")
register_case_kind("suspense_refund", "暂收款退款")


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterView:
    id: int
    unit_account_no: str
    unit_name: str
    month: str  # YYYYMM
    month_label: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    reason: str | None
    unit_ratio: Rate
    member_ratio: Rate
    headcount: int
    unit_total: Money
    member_total: Money
    total: Money
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    paid_voucher_no: str | None
    paid_on: date | None
    case_no: str | None

    @property
    def is_draft(self) -> bool:
        return self.state == RosterState.DRAFT


@dataclass(frozen=True, slots=True)
class RosterLineView:
    member_account_no: str
    member_name: str  # masked
    wage_base: Money
    unit_part: Money
    member_part: Money

    @property
    def amount(self) -> Money:
        return self.unit_part + self.member_part


@dataclass(frozen=True, slots=True)
class PaymentReceipt:
    """What became of money received for a unit (the bank interface and the counter read this)."""

    serial_no: str
    unit_account_no: str
    amount: Money
    state: str  # matched | suspense | partly_allocated | allocated | refunded
    state_label: str
    roster_id: int | None
    roster_month: str | None
    voucher_no: str | None
    centre_bank_account_no: str
    received_on: date
    value_date: date
    channel: str
    remaining: Money
    created_by: str
    created_at: datetime
    replayed: bool = False

    @property
    def matched(self) -> bool:
        return self.state == PaymentState.MATCHED


@dataclass(frozen=True, slots=True)
class RefundView:
    unit_account_no: str
    amount: Money
    reason: str
    payee_name: str
    payee_account_no: str
    voucher_no: str
    state: str  # pending | paid
    state_label: str
    case_no: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SuspenseView:
    unit_account_no: str
    unit_name: str
    unit_status: str
    suspense_account_no: str
    balance: Money
    open_payments: tuple[PaymentReceipt, ...]
    recent_payments: tuple[PaymentReceipt, ...]
    confirmed_rosters: tuple[RosterView, ...]
    refunds: tuple[RefundView, ...]


def _roster_view(r: RosterRecord) -> RosterView:
    month = YearMonth.parse(r.month)
    return RosterView(
        id=r.id,
        unit_account_no=r.unit_account_no,
        unit_name=r.unit_name,
        month=r.month,
        month_label=month.label(),
        kind=r.kind,
        kind_label=KIND_LABELS.get(r.kind, r.kind),
        state=r.state,
        state_label=STATE_LABELS.get(r.state, r.state),
        reason=r.reason,
        unit_ratio=r.unit_ratio,
        member_ratio=r.member_ratio,
        headcount=r.headcount,
        unit_total=r.unit_total,
        member_total=r.member_total,
        total=r.total,
        created_by=r.created_by,
        created_at=r.created_at,
        confirmed_by=r.confirmed_by,
        confirmed_at=r.confirmed_at,
        paid_voucher_no=r.paid_voucher_no,
        paid_on=r.paid_on,
        case_no=r.case_no,
    )


def _line_view(line: RosterLineRecord) -> RosterLineView:
    from anju.ids import mask_name

    return RosterLineView(
        member_account_no=line.member_account_no,
        member_name=mask_name(line.member_name),
        wage_base=line.wage_base,
        unit_part=line.unit_part,
        member_part=line.member_part,
    )


def _receipt(p: UnitPaymentRecord, *, replayed: bool = False) -> PaymentReceipt:
    return PaymentReceipt(
        serial_no=p.serial_no,
        unit_account_no=p.unit_account_no,
        amount=p.amount,
        state=p.state,
        state_label=PAYMENT_STATE_LABELS.get(p.state, p.state),
        roster_id=p.roster_id,
        roster_month=p.roster_month,
        voucher_no=p.voucher_no,
        centre_bank_account_no=p.centre_bank_account_no,
        received_on=p.received_on,
        value_date=p.value_date,
        channel=p.channel,
        remaining=p.remaining,
        created_by=p.created_by,
        created_at=p.created_at,
        replayed=replayed,
    )


def _refund_view(unit_account_no: str, r: SuspenseRefundRecord) -> RefundView:
    return RefundView(
        unit_account_no=unit_account_no,
        amount=r.amount,
        reason=r.reason,
        payee_name=r.payee_name,
        payee_account_no=r.payee_account_no,
        voucher_no=r.voucher_no,
        state=r.state,
        state_label="待银行支付" if r.state == "pending" else "已支付",
        case_no=r.case_no,
        created_by=r.created_by,
        created_at=r.created_at,
    )


# --- shared look-ups -------------------------------------------------------------------------


def _roster(uow: UnitOfWork, actor: Actor, roster_id: int, *, for_update: bool = False) -> RosterRecord:
    record = uow.remittance.roster(roster_id, for_update=for_update)
    if record is None:
        raise RemittanceNotFound("not_found", what=f"清册 {roster_id}")
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None  # the roster's foreign key
    actor.require_branch(unit.branch_id)
    return record


def _month(value: str | YearMonth) -> YearMonth:
    return value if isinstance(value, YearMonth) else YearMonth.parse(value)


def _ratio_reductions(uow: UnitOfWork, unit_id: int) -> list[tuple[MonthRange, Ratios]]:
    found = []
    for d in uow.remittance.deferrals(unit_id=unit_id, states=DeferralState.IN_FORCE, limit=500, offset=0):
        if (
            d.kind != DeferralKind.RATIO_REDUCTION
            or d.approved_unit_ratio is None
            or d.approved_member_ratio is None
        ):
            continue
        months = MonthRange(YearMonth.parse(d.start_month), YearMonth.parse(d.end_month))
        found.append((months, Ratios(d.approved_unit_ratio, d.approved_member_ratio)))
    return found


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    **details: str | int | bool | None,
) -> None:
    uow.audit.append(
        AuditEvent.by(actor, f"remittance.{action}", object_type, object_id, details=dict(details))
    )


# --- rosters ---------------------------------------------------------------------------------


def generate_roster(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, month: str | YearMonth
) -> RosterView:
    """汇缴清册: the unit's contributing members for `month` with their stored base and parts.

    Refused for a month already paid, a closed or sealed unit, or a month that has a roster.
    A ratio reduction approved for the month prices every line at the reduced ratios instead.
    """
    actor.require(P.COLLECTION_MANAGE)
    ym = _month(month)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "remit")
    _refuse_paid_month(uow, unit, ym, RosterKind.REMITTANCE)
    roster_id = _create_roster(uow, actor, unit, ym, kind=RosterKind.REMITTANCE, reason=None, now=today(uow))
    record = _roster(uow, actor, roster_id)
    _audit(
        uow,
        actor,
        "roster_generate",
        "roster",
        str(roster_id),
        unit=unit.unit_account_no,
        month=str(ym),
        kind=RosterKind.REMITTANCE,
        headcount=record.headcount,
        total=str(record.total),
    )
    return _roster_view(record)


def generate_back_payment(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, months: Sequence[str | YearMonth], reason: str
) -> list[RosterView]:
    """补缴清册: one draft roster per missed month, with the reason (required).

    For a month whose remittance was paid, the back-payment lists only the members not paid for
    that month (someone left off the roster), so nobody is credited twice.
    """
    actor.require(P.COLLECTION_MANAGE)
    wanted = sorted({_month(m) for m in months})
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "remit")
    now = today(uow)
    why = check_back_payment_months(
        wanted, current_month=YearMonth.of(now.day), first_month=YearMonth.of(unit.opened_on), reason=reason
    )
    for ym in wanted:
        _refuse_paid_month(uow, unit, ym, RosterKind.BACK_PAYMENT)
    views = []
    for ym in wanted:
        roster_id = _create_roster(uow, actor, unit, ym, kind=RosterKind.BACK_PAYMENT, reason=why, now=now)
        views.append(_roster_view(_roster(uow, actor, roster_id)))
    _audit(
        uow,
        actor,
        "back_payment_generate",
        "unit",
        unit.unit_account_no,
        months=",".join(str(m) for m in wanted),
        rosters=len(views),
        reason=why[:100],
    )
    return views


def _refuse_paid_month(uow: UnitOfWork, unit: UnitRecord, ym: YearMonth, kind: str) -> None:
    rosters = uow.remittance.rosters_of_month(unit.id, str(ym))
    live = [r for r in rosters if r.state != RosterState.CANCELLED]
    paid_remittance = any(r.state == RosterState.PAID and r.kind == RosterKind.REMITTANCE for r in live)
    for r in live:
        if r.kind == kind:
            if r.state == RosterState.PAID:
                raise RemittanceRuleViolation(
                    "roster_month_already_paid", unit=unit.unit_account_no, month=ym.label()
                )
            raise RemittanceConflict(
                "roster_exists",
                unit=unit.unit_account_no,
                month=ym.label(),
                kind=KIND_LABELS[kind],
                state=STATE_LABELS[r.state],
            )
        if r.state != RosterState.PAID:
            raise RemittanceConflict(
                "roster_other_kind_exists",
                unit=unit.unit_account_no,
                month=ym.label(),
                kind=KIND_LABELS[r.kind],
            )
    already = unit.paid_up_to is not None and ym <= YearMonth.parse(unit.paid_up_to)
    if kind == RosterKind.REMITTANCE and (already or any(r.state == RosterState.PAID for r in live)):
        raise RemittanceRuleViolation(
            "roster_month_already_paid", unit=unit.unit_account_no, month=ym.label()
        )
    if kind == RosterKind.BACK_PAYMENT and already and not paid_remittance:
        # Paid before Anju kept rosters (migrated): who was paid is unknown, so refuse, not guess.
        raise RemittanceRuleViolation(
            "roster_month_already_paid", unit=unit.unit_account_no, month=ym.label()
        )


def _create_roster(
    uow: UnitOfWork,
    actor: Actor,
    unit: UnitRecord,
    ym: YearMonth,
    *,
    kind: str,
    reason: str | None,
    now: Today,
) -> int:
    ratios, reduced = ratios_for_month(
        ym, Ratios(unit.unit_ratio, unit.member_ratio), _ratio_reductions(uow, unit.id)
    )
    new = NewRoster(
        unit_id=unit.id,
        month=str(ym),
        kind=kind,
        reason=reason,
        unit_ratio=ratios.unit,
        member_ratio=ratios.member,
        created_by=actor.username,
        case_no=None,
    )
    stamp = uow.now_utc()
    existing = next((r for r in uow.remittance.rosters_of_month(unit.id, str(ym)) if r.kind == kind), None)
    if existing is None:
        roster_id = uow.remittance.insert_roster(new, stamp)
        if roster_id is None:  # created by a concurrent request meanwhile
            raise TransientConflict("transient_conflict")
    else:  # a cancelled roster of this month: the unique key keeps one row, so it is reused
        if not uow.remittance.reset_roster(existing.id, new, stamp):
            raise TransientConflict("transient_conflict")
        roster_id = existing.id
    pricing = None
    if reduced:
        rounding = integer_rounding(now.policy.monthly_amount_rounding.value)
        pricing = ReducedParts(
            unit_units=ratio_units(ratios.unit),
            member_units=ratio_units(ratios.member),
            offset=rounding.offset,
            divisor=rounding.divisor,
            multiplier=rounding.multiplier,
        )
    exclude_paid = kind == RosterKind.BACK_PAYMENT
    count = uow.remittance.fill_roster(
        roster_id, unit.id, ROSTER_MEMBER_STATES, pricing, exclude_paid=exclude_paid
    )
    if count == 0:
        raise RemittanceRuleViolation("roster_empty", unit=unit.unit_account_no)
    uow.remittance.refresh_totals(roster_id)
    return roster_id


def get_roster(uow: UnitOfWork, actor: Actor, roster_id: int) -> RosterView:
    actor.require(P.COLLECTION_VIEW)
    return _roster_view(_roster(uow, actor, roster_id))


def roster_lines(
    uow: UnitOfWork, actor: Actor, roster_id: int, *, limit: int = 200, offset: int = 0
) -> list[RosterLineView]:
    """The members on a roster (names masked), in the order they were added."""
    actor.require(P.COLLECTION_VIEW)
    _roster(uow, actor, roster_id)
    lines = uow.remittance.roster_lines(
        roster_id, limit=max(1, min(limit, MAX_LINES_PAGE)), offset=max(0, offset)
    )
    return [_line_view(line) for line in lines]


def list_rosters(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, *, limit: int = 50, offset: int = 0
) -> list[RosterView]:
    """A unit's rosters, newest month first."""
    actor.require(P.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    rosters = uow.remittance.rosters_of_unit(unit.id, limit=max(1, min(limit, 200)), offset=max(0, offset))
    return [_roster_view(r) for r in rosters]


def _draft(uow: UnitOfWork, actor: Actor, roster_id: int) -> tuple[RosterRecord, UnitRecord]:
    actor.require(P.COLLECTION_MANAGE)
    record = _roster(uow, actor, roster_id, for_update=True)
    if record.state != RosterState.DRAFT:
        raise RemittanceConflict("roster_not_draft", state=STATE_LABELS.get(record.state, record.state))
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None  # the roster's foreign key
    return record, unit


def add_roster_member(
    uow: UnitOfWork, actor: Actor, roster_id: int, member_account_no: str, wage_base: Money | None = None
) -> RosterView:
    """Put a member of the unit on a draft roster, at their stored base (or the base given)."""
    record, unit = _draft(uow, actor, roster_id)
    account = uow.remittance.member_account(member_account_no.strip())
    if account is None or account.unit_id != unit.id or account.status not in ROSTER_MEMBER_STATES:
        raise RemittanceRuleViolation("roster_member_not_eligible", account=member_account_no.strip()[:30])
    if record.kind == RosterKind.BACK_PAYMENT and uow.remittance.member_paid_for_month(
        unit.id, record.month, account.id
    ):
        raise RemittanceRuleViolation(
            "roster_month_already_paid",
            unit=unit.unit_account_no,
            month=YearMonth.parse(record.month).label(),
        )
    same_ratios = record.unit_ratio == unit.unit_ratio and record.member_ratio == unit.member_ratio
    if wage_base is None and same_ratios and account.wage_base.is_positive:
        base, unit_part, member_part = account.wage_base, account.unit_monthly, account.member_monthly
    else:
        base, unit_part, member_part = _parts(uow, record, wage_base or account.wage_base)
    if not uow.remittance.add_line(roster_id, account.id, base, unit_part, member_part):
        raise RemittanceConflict("roster_line_exists", account=account.account_no)
    return _after_change(uow, actor, roster_id, "roster_add_member", account.account_no)


def remove_roster_member(uow: UnitOfWork, actor: Actor, roster_id: int, member_account_no: str) -> RosterView:
    """Take a member off a draft roster (left the unit, paid elsewhere)."""
    _draft(uow, actor, roster_id)
    account = uow.remittance.member_account(member_account_no.strip())
    if account is None or not uow.remittance.remove_line(roster_id, account.id):
        raise RemittanceNotFound("roster_line_not_found", account=member_account_no.strip()[:30])
    return _after_change(uow, actor, roster_id, "roster_remove_member", account.account_no)


def change_roster_base(
    uow: UnitOfWork, actor: Actor, roster_id: int, member_account_no: str, wage_base: Money
) -> RosterView:
    """Change one member's base on a draft roster; the parts are recomputed by the policy rounding."""
    record, _unit = _draft(uow, actor, roster_id)
    account = uow.remittance.member_account(member_account_no.strip())
    if account is None or uow.remittance.roster_line(roster_id, account.id) is None:
        raise RemittanceNotFound("roster_line_not_found", account=member_account_no.strip()[:30])
    base, unit_part, member_part = _parts(uow, record, wage_base)
    uow.remittance.update_line(roster_id, account.id, base, unit_part, member_part)
    return _after_change(uow, actor, roster_id, "roster_change_base", account.account_no)


def _parts(uow: UnitOfWork, record: RosterRecord, declared: Money) -> tuple[Money, Money, Money]:
    parts = contribution_parts(
        today(uow).policy, declared, unit_ratio=record.unit_ratio, member_ratio=record.member_ratio
    )
    return parts.wage_base, parts.unit_part, parts.member_part


def _after_change(uow: UnitOfWork, actor: Actor, roster_id: int, action: str, account_no: str) -> RosterView:
    uow.remittance.refresh_totals(roster_id)
    record = _roster(uow, actor, roster_id)
    _audit(uow, actor, action, "roster", str(roster_id), member_account=account_no, total=str(record.total))
    return _roster_view(record)


def confirm_roster(uow: UnitOfWork, actor: Actor, roster_id: int) -> RosterView:
    """Confirm a draft (the unit's submission, recorded as a finished counter case).

    A conditional update decides: of two concurrent confirmations exactly one wins, the other is
    told the roster has already been dealt with.
    """
    actor.require(P.COLLECTION_MANAGE)
    record = _roster(uow, actor, roster_id)
    if record.state != RosterState.DRAFT:
        raise RemittanceConflict("roster_state_changed", state=STATE_LABELS.get(record.state, record.state))
    stamp = uow.now_utc()
    values = {"confirmed_by": actor.username, "confirmed_at": stamp}
    if not uow.remittance.set_roster_state(
        roster_id, RosterState.DRAFT, RosterState.CONFIRMED, values, stamp
    ):
        raise _state_changed(uow, roster_id)
    record = _roster(uow, actor, roster_id)
    if record.headcount == 0 or not record.total.is_positive:
        raise RemittanceRuleViolation("roster_empty", unit=record.unit_account_no)
    month = YearMonth.parse(record.month)
    case = record_counter_case(
        uow,
        actor,
        kind=_CASE_KINDS[record.kind],
        subject_type="unit",
        subject_ref=record.unit_account_no,
        summary=f"{record.unit_name} {month.label()}{KIND_LABELS[record.kind]}，{record.headcount} 人，"
        f"{record.total.format_cn()} 元" + (f"；补缴原因：{record.reason}" if record.reason else ""),
        amount=record.total,
        applicant=record.unit_name,
    )
    uow.remittance.set_roster_state(
        roster_id, RosterState.CONFIRMED, RosterState.CONFIRMED, {"case_no": case.case_no}, stamp
    )
    _audit(
        uow,
        actor,
        "roster_confirm",
        "roster",
        str(roster_id),
        unit=record.unit_account_no,
        month=record.month,
        total=str(record.total),
        case_no=case.case_no,
    )
    return _roster_view(_roster(uow, actor, roster_id))


def cancel_roster(uow: UnitOfWork, actor: Actor, roster_id: int) -> RosterView:
    """作废 a roster not yet paid (a draft, or a confirmed one the unit will not pay as it is)."""
    actor.require(P.COLLECTION_MANAGE)
    record = _roster(uow, actor, roster_id)
    if record.state not in (RosterState.DRAFT, RosterState.CONFIRMED):
        raise RemittanceConflict("roster_not_draft", state=STATE_LABELS.get(record.state, record.state))
    stamp = uow.now_utc()
    if not uow.remittance.set_roster_state(roster_id, record.state, RosterState.CANCELLED, {}, stamp):
        raise _state_changed(uow, roster_id)
    _audit(
        uow, actor, "roster_cancel", "roster", str(roster_id), unit=record.unit_account_no, month=record.month
    )
    return _roster_view(_roster(uow, actor, roster_id))


def _state_changed(uow: UnitOfWork, roster_id: int) -> RemittanceConflict:
    current = uow.remittance.roster(roster_id)
    state = current.state if current is not None else "?"
    return RemittanceConflict("roster_state_changed", state=STATE_LABELS.get(state, state))


# --- money received --------------------------------------------------------------------------


def receive_unit_payment(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_account_no: str,
    amount: Money,
    serial_no: str,
    received_on: date,
    value_date: date,
    centre_bank_account_no: str | None = None,
    channel: str = "counter",
) -> PaymentReceipt:
    """Money received for a unit (单位来款), from the counter or a bank remittance notice.

    Idempotent on `serial_no`: a replay returns the first receipt (replayed=True) and posts
    nothing; the same serial with another unit or amount is refused. The money pays the oldest
    confirmed roster of exactly its amount — one voucher, Dr the bank's 101xx / Cr each member's
    201 account with business type 01 (汇缴) or 02 (补缴) — and the unit's and members' paid-up-to
    months advance. Otherwise it is booked Dr 101xx / Cr the unit's 21901 suspense account.
    A closed (销户) unit's money is refused and nothing changes.
    """
    actor.require(P.COLLECTION_MANAGE)
    serial = required(serial_no, "流水号", MAX_SERIAL)
    if not amount.is_positive:
        raise RemittanceRuleViolation("amount_must_be_positive")
    if channel not in CHANNELS:
        raise RemittanceRuleViolation("field_not_in_choices", expected="、".join(CHANNELS))
    earlier = uow.remittance.payment_by_serial(serial)
    if earlier is not None:
        return _replay(earlier, unit_account_no, amount)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    if unit.status == UnitStatus.CLOSED:
        raise RemittanceRuleViolation("unit_closed_payment_refused", unit=unit.unit_account_no)
    bank = _collection_account(uow, unit, centre_bank_account_no)
    now = today(uow)
    payment_id = uow.remittance.insert_payment(
        NewUnitPayment(
            unit_id=unit.id,
            amount=amount,
            serial_no=serial,
            centre_bank_account_id=bank.id,
            received_on=received_on,
            value_date=value_date,
            state=PaymentState.SUSPENSE,
            remaining=amount,
            channel=channel,
            created_by=actor.username,
        ),
        uow.now_utc(),
    )
    if payment_id is None:  # the same serial committed by a concurrent request meanwhile
        raced = uow.remittance.payment_by_serial(serial)
        if raced is None:
            raise TransientConflict("transient_conflict")
        return _replay(raced, unit_account_no, amount)
    candidates = [
        RosterCandidate(r.id, YearMonth.parse(r.month), r.kind, r.total)
        for r in uow.remittance.confirmed_rosters(unit.id)
    ]
    match = match_roster(amount, candidates)
    bank_ref = AccountRef.gl(bank.gl_code)
    if match is not None:
        voucher_no = _pay_roster(
            uow,
            actor,
            unit,
            match.roster_id,
            day=now.day,
            value_date=value_date,
            source=PAYMENT_SOURCE,
            source_ref=serial,
            bank=bank_ref,
        )
        uow.remittance.update_payment(
            payment_id,
            {
                "state": PaymentState.MATCHED,
                "roster_id": match.roster_id,
                "voucher_no": voucher_no,
                "remaining_fen": 0,
            },
        )
    else:
        draft = posting_rules.suspense_receipt(
            source=PAYMENT_SOURCE,
            source_ref=serial,
            bank=bank_ref,
            suspense_account_no=unit.suspense_account_no,
            amount=amount,
            business_date=now.day,
            value_date=value_date,
            memo=_memo(f"{unit.name} 来款暂收"),
        )
        posted = uow.ledger.post(draft, created_by=actor.username, branch_id=unit.branch_id)
        uow.remittance.update_payment(payment_id, {"voucher_no": posted.voucher_no})
    stored = uow.remittance.payment_by_serial(serial)
    assert stored is not None
    if channel == "counter":
        record_counter_case(
            uow,
            actor,
            kind="unit_payment",
            subject_type="unit",
            subject_ref=unit.unit_account_no,
            summary=f"{unit.name} 缴存款 {amount.format_cn()} 元（流水号 {serial}）"
            + ("，已按清册入账" if match is not None else "，暂收待分配"),
            amount=amount,
            applicant=unit.name,
            branch_id=unit.branch_id,
        )
    _audit(
        uow,
        actor,
        "payment_receive",
        "unit_payment",
        serial,
        unit=unit.unit_account_no,
        amount=str(amount),
        state=stored.state,
        voucher_no=stored.voucher_no,
        channel=channel,
    )
    return _receipt(stored)


def get_payment(uow: UnitOfWork, actor: Actor, serial_no: str) -> PaymentReceipt:
    """What became of the money with this serial number (a receipt reprint, a bank query)."""
    actor.require(P.COLLECTION_VIEW)
    record = uow.remittance.payment_by_serial(serial_no.strip())
    if record is None:
        raise RemittanceNotFound("not_found", what=f"来款 {serial_no.strip()[:40]}")
    unit = uow.units.get_by_id(record.unit_id)
    assert unit is not None
    actor.require_branch(unit.branch_id)
    return _receipt(record)


def _replay(earlier: UnitPaymentRecord, unit_account_no: str, amount: Money) -> PaymentReceipt:
    if earlier.unit_account_no != unit_account_no.strip() or earlier.amount != amount:
        raise RemittanceConflict("payment_serial_reused", serial_no=earlier.serial_no)
    return _receipt(earlier, replayed=True)


def _collection_account(uow: UnitOfWork, unit: UnitRecord, account_no: str | None) -> CentreBankAccountRecord:
    number = (account_no or "").strip() or unit.collection_account_no
    account = uow.org.centre_bank_account_by_no(number)
    if (
        account is None
        or account.status != "active"
        or account.purpose != "collection"
        or account.ledger_account_no is None
    ):
        raise RemittanceRuleViolation("centre_bank_account_unusable", account_no=number[:40])
    return account


def _memo(text: str) -> str:
    return text[:120]


def _pay_roster(
    uow: UnitOfWork,
    actor: Actor,
    unit: UnitRecord,
    roster_id: int,
    *,
    day: date,
    value_date: date,
    source: str,
    source_ref: str,
    bank: AccountRef | None = None,
) -> str:
    """Mark a confirmed roster paid and credit its members in one voucher; returns the voucher no.

    The roster is claimed first (conditional update), so a concurrent payment or allocation of the
    same roster loses here and rolls back before posting anything.
    """
    stamp = uow.now_utc()
    if not uow.remittance.set_roster_state(
        roster_id, RosterState.CONFIRMED, RosterState.PAID, {"paid_on": day}, stamp
    ):
        raise TransientConflict("transient_conflict")  # the retry finds the roster paid
    record = uow.remittance.roster(roster_id)
    assert record is not None
    # Numbers read from the database: passed as references, not re-validated one by one.
    credits = [(AccountRef(account_no=no), amount) for no, amount in uow.remittance.roster_credits(roster_id)]
    credited = Money(sum(amount.fen for _, amount in credits))
    if credited != record.total:
        raise InvariantViolation(
            "roster_total_mismatch", roster=roster_id, total=str(record.total), lines=str(credited)
        )
    month = YearMonth.parse(record.month)
    memo = _memo(f"{unit.name} {month.label()}{'汇缴' if record.kind == RosterKind.REMITTANCE else '补缴'}")
    business_type = _BUSINESS_TYPES[record.kind]
    if bank is not None:
        draft = posting_rules.remittance_credit(
            source=source,
            source_ref=source_ref,
            bank=bank,
            credits=credits,
            business_date=day,
            value_date=value_date,
            memo=memo,
            business_type=business_type,
            kind=record.kind,
        )
    else:
        draft = posting_rules.suspense_allocation(
            source=source,
            source_ref=source_ref,
            suspense_account_no=unit.suspense_account_no,
            credits=credits,
            business_date=day,
            value_date=value_date,
            memo=memo,
            business_type=business_type,
        )
    posted = uow.ledger.post(draft, created_by=actor.username, branch_id=unit.branch_id)
    uow.remittance.set_roster_state(
        roster_id, RosterState.PAID, RosterState.PAID, {"paid_voucher_no": posted.voucher_no}, stamp
    )
    _advance_paid_up_to(uow, unit, month)
    return posted.voucher_no


def _advance_paid_up_to(uow: UnitOfWork, unit: UnitRecord, month: YearMonth) -> None:
    """Move the unit's and its members' paid-up-to months across contiguous paid months."""
    current = YearMonth.parse(unit.paid_up_to) if unit.paid_up_to else None
    paid = {YearMonth.parse(m) for m in uow.remittance.paid_months(unit.id, unit.paid_up_to)}
    moved = advance_paid_up_to(current, YearMonth.of(unit.opened_on), paid)
    if moved is not None and moved != current:
        uow.units.update(unit.id, {"paid_up_to": str(moved)}, uow.now_utc())
    later = {YearMonth.parse(m) for m in uow.remittance.paid_months(unit.id, str(month))}
    step = month
    while True:
        uow.remittance.advance_member_paid_up_to(
            unit.id, str(step), str(step.add(-1)), allow_unset=step == month
        )
        step = step.add(1)
        if step not in later:
            break


# --- suspense --------------------------------------------------------------------------------


def suspense_of_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> SuspenseView:
    """The unit's suspense balance, the payments still in it, rosters it could pay, refunds."""
    actor.require(P.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    return SuspenseView(
        unit_account_no=unit.unit_account_no,
        unit_name=unit.name,
        unit_status=unit.status,
        suspense_account_no=unit.suspense_account_no,
        balance=uow.ledger.balance(unit.suspense_account_no),
        open_payments=tuple(_receipt(p) for p in uow.remittance.open_suspense_payments(unit.id)),
        recent_payments=tuple(_receipt(p) for p in uow.remittance.payments_of_unit(unit.id, limit=20)),
        confirmed_rosters=tuple(_roster_view(r) for r in uow.remittance.confirmed_rosters(unit.id)),
        refunds=tuple(_refund_view(unit.unit_account_no, r) for r in uow.remittance.refunds_of_unit(unit.id)),
    )


def allocate_suspense(uow: UnitOfWork, actor: Actor, unit_account_no: str, roster_id: int) -> RosterView:
    """Pay a confirmed roster from the unit's suspense money: Dr 21901 unit / Cr 201 each member."""
    actor.require(P.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    record = _roster(uow, actor, roster_id)
    if record.unit_id != unit.id:
        raise RemittanceRuleViolation("roster_unit_mismatch", unit=unit.unit_account_no)
    if record.state != RosterState.CONFIRMED:
        raise RemittanceConflict("roster_not_confirmed", state=STATE_LABELS.get(record.state, record.state))
    balance = uow.ledger.balance(unit.suspense_account_no)
    if balance < record.total:
        raise RemittanceRuleViolation("suspense_insufficient", balance=str(balance), amount=str(record.total))
    day = today(uow).day
    voucher_no = _pay_roster(
        uow,
        actor,
        unit,
        roster_id,
        day=day,
        value_date=day,
        source=ALLOCATION_SOURCE,
        source_ref=f"roster:{roster_id}",
    )
    _consume_suspense(uow, unit.id, record.total, PaymentState.ALLOCATED)
    _audit(
        uow,
        actor,
        "suspense_allocate",
        "roster",
        str(roster_id),
        unit=unit.unit_account_no,
        amount=str(record.total),
        voucher_no=voucher_no,
    )
    return _roster_view(_roster(uow, actor, roster_id))


def refund_suspense(
    uow: UnitOfWork,
    actor: Actor,
    unit_account_no: str,
    *,
    amount: Money,
    reason: str,
    payee_name: str,
    payee_account_no: str,
) -> RefundView:
    """多缴退款: book a refund of suspense money, Dr 21901 unit / Cr 21999 pending refunds.

    The bank interface pays the unit later (Dr 21999 / Cr 101xx). A unit can only be closed once
    its suspense account is empty, so this is also how leftover money is cleared before closing.
    """
    actor.require(P.COLLECTION_MANAGE)
    why = required(reason, "退款原因", 200)
    payee = required(payee_name, "收款单位名称", MAX_PAYEE)
    payee_account = required(payee_account_no, "收款账号", MAX_PAYEE_ACCOUNT)
    if not amount.is_positive:
        raise RemittanceRuleViolation("amount_must_be_positive")
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    balance = uow.ledger.balance(unit.suspense_account_no)
    if amount > balance:
        raise RemittanceRuleViolation("refund_exceeds_suspense", amount=str(amount), balance=str(balance))
    case = record_counter_case(
        uow,
        actor,
        kind="suspense_refund",
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=f"{unit.name} 暂收款退款 {amount.format_cn()} 元：{why}",
        amount=amount,
        applicant=unit.name,
        branch_id=unit.branch_id,
    )
    day = today(uow).day
    draft = posting_rules.suspense_refund(
        source_ref=case.case_no,
        suspense_account_no=unit.suspense_account_no,
        amount=amount,
        business_date=day,
        value_date=day,
        memo=_memo(f"{unit.name} 暂收款退款"),
    )
    posted = uow.ledger.post(draft, created_by=actor.username, branch_id=unit.branch_id)
    _consume_suspense(uow, unit.id, amount, PaymentState.REFUNDED)
    refund = uow.remittance.insert_refund(
        unit_id=unit.id,
        amount=amount,
        reason=why,
        payee_name=payee,
        payee_account_no=payee_account,
        voucher_no=posted.voucher_no,
        case_no=case.case_no,
        created_by=actor.username,
        now=uow.now_utc(),
    )
    _audit(
        uow,
        actor,
        "suspense_refund",
        "unit",
        unit.unit_account_no,
        amount=str(amount),
        voucher_no=posted.voucher_no,
        case_no=case.case_no,
    )
    return _refund_view(unit.unit_account_no, refund)


def _consume_suspense(uow: UnitOfWork, unit_id: int, amount: Money, used_up_state: str) -> None:
    """Take `amount` off the unit's payments still in suspense, oldest first."""
    left = amount.fen
    for payment in uow.remittance.open_suspense_payments(unit_id):
        if left <= 0:
            break
        take = min(left, payment.remaining.fen)
        remaining = payment.remaining.fen - take
        state = used_up_state if remaining == 0 else PaymentState.PARTLY_ALLOCATED
        uow.remittance.update_payment(payment.id, {"remaining_fen": remaining, "state": state})
        left -= take
