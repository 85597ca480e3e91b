"""Remittance (汇缴), back-payment (补缴), arrears (欠缴), deferral and ratio reduction: pure rules.

Nothing here touches the database or a clock. The services load rosters, payments and policy and
ask these functions what a roster totals, which confirmed roster a payment pays, how far a unit's
paid-up-to month (缴至年月) may advance, which months a unit owes on a business date, and whether
an application or a notice may go ahead (domain/rules.md §2.3, §2.4).

Conventions chosen here (documented because the national text leaves them open):
* A unit that has never paid owes from the month it opened (its first month); its paid-up-to
  month is "the month before" until the first contiguous month is paid.
* The paid-up-to month only advances across contiguous paid months: a later month paid before an
  earlier one is missed leaves a gap that a back-payment (补缴) must fill first.
* A month is overdue the day after `ContributionPolicy.remittance_due_date` (the grace rule).
* Months covered by an active deferral (缓缴) are not owed while it lasts; when it ends they are
  owed again (补缴缓缴, Regulations Art. 20) and appear in arrears and as back-payment candidates.
* A ratio reduction (降低比例) approved for some months sets the ratios of every roster of those
  months, whenever it is generated (a later back-payment of such a month uses the reduced ratio).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from anju.dates import YearMonth
from anju.domain.contributions import MEMBER_ACTIVE
from anju.domain.policy import RATIO_BOUND_FLOOR, ContributionPolicy
from anju.errors import Conflict, NotFound, RuleViolation
from anju.money import Money, Rate, RoundingRule


class RemittanceRuleViolation(RuleViolation):
    """A remittance, back-payment, arrears or deferral request breaks a collection rule."""


class RemittanceConflict(Conflict):
    """The roster, payment or application is no longer in the state the request expects."""


class RemittanceNotFound(NotFound):
    """No such roster, payment, notice or application (or not visible to the caller)."""


# --- codes -----------------------------------------------------------------------------------


class RosterKind:
    REMITTANCE: Final = "remittance"  # 汇缴
    BACK_PAYMENT: Final = "back_payment"  # 补缴
    ALL: Final = (REMITTANCE, BACK_PAYMENT)


class RosterState:
    DRAFT: Final = "draft"
    CONFIRMED: Final = "confirmed"
    PAID: Final = "paid"
    CANCELLED: Final = "cancelled"
    ALL: Final = (DRAFT, CONFIRMED, PAID, CANCELLED)


class PaymentState:
    MATCHED: Final = "matched"  # paid a roster on arrival
    SUSPENSE: Final = "suspense"  # held in the unit's 21901 suspense sub-account
    PARTLY_ALLOCATED: Final = "partly_allocated"  # some of it allocated or refunded
    ALLOCATED: Final = "allocated"  # used up by allocations to rosters
    REFUNDED: Final = "refunded"  # used up, the last use a refund
    ALL: Final = (MATCHED, SUSPENSE, PARTLY_ALLOCATED, ALLOCATED, REFUNDED)


class DeferralKind:
    DEFERRAL: Final = "deferral"  # 缓缴
    RATIO_REDUCTION: Final = "ratio_reduction"  # 降低比例
    ALL: Final = (DEFERRAL, RATIO_REDUCTION)


class DeferralState:
    ACCEPTED: Final = "accepted"
    APPROVED: Final = "approved"  # approved, its first month not reached yet
    ACTIVE: Final = "active"
    ENDED: Final = "ended"
    REFUSED: Final = "refused"
    ALL: Final = (ACCEPTED, APPROVED, ACTIVE, ENDED, REFUSED)
    # States whose months and ratios count (a ratio reduction keeps applying to its months).
    IN_FORCE: Final = (APPROVED, ACTIVE, ENDED)


class NoticeKind:
    """The enforcement steps of Regulations Art. 38 (rules.md §2.3), in order."""

    REMINDER: Final = "reminder"  # 催缴通知
    ORDER: Final = "order"  # 责令限期缴存通知
    COURT: Final = "court"  # 申请人民法院强制执行
    ALL: Final = (REMINDER, ORDER, COURT)


NOTICE_LABELS: Final = {
    NoticeKind.REMINDER: "催缴通知书",
    NoticeKind.ORDER: "责令限期缴存通知书",
    NoticeKind.COURT: "申请人民法院强制执行",
}

# A roster is for the accounts that count as "in the unit": normal and frozen (a frozen account
# keeps receiving contributions; only money leaving it is stopped) — domain/contributions.py.
ROSTER_MEMBER_STATES: Final = tuple(sorted(MEMBER_ACTIVE))

MAX_REASON: Final = 200
MAX_BACK_PAYMENT_MONTHS: Final = 120  # ten years in one request: beyond that, a data migration
RATIO_SCALE: Final = 10_000  # ratios are stored as Numeric(5,4): whole ten-thousandths


# --- rosters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One member on a roster: the wage base and the two monthly parts (单位/个人月缴存额)."""

    member_account_id: int
    wage_base: Money
    unit_part: Money
    member_part: Money

    @property
    def amount(self) -> Money:
        return self.unit_part + self.member_part


@dataclass(frozen=True, slots=True)
class RosterTotals:
    headcount: int
    unit_total: Money
    member_total: Money

    @property
    def total(self) -> Money:
        return self.unit_total + self.member_total


def roster_totals(lines: Iterable[RosterLine]) -> RosterTotals:
    headcount = unit_fen = member_fen = 0
    for line in lines:
        headcount += 1
        unit_fen += line.unit_part.fen
        member_fen += line.member_part.fen
    return RosterTotals(headcount, Money(unit_fen), Money(member_fen))


@dataclass(frozen=True, slots=True)
class Ratios:
    """The unit and member contribution ratios used for a month's roster."""

    unit: Rate
    member: Rate


def ratio_units(rate: Rate) -> int:
    """A ratio in whole ten-thousandths (0.1200 -> 1200); refuses more than four decimals."""
    scaled = rate.value * RATIO_SCALE
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise RemittanceRuleViolation("ratio_too_precise", ratio=rate.as_percent())
    return int(scaled)


@dataclass(frozen=True, slots=True)
class IntegerRounding:
    """A rounding rule as integer arithmetic: part_fen = (base_fen × units + offset) // divisor × multiplier.

    With `units` the ratio in ten-thousandths this equals `Money.times` for non-negative bases, so a
    roster of thousands of members can be priced in one INSERT ... SELECT on either database.
    """

    offset: int
    divisor: int
    multiplier: int

    def apply(self, base_fen: int, units: int) -> int:
        return (base_fen * units + self.offset) // self.divisor * self.multiplier


def integer_rounding(rule: RoundingRule) -> IntegerRounding:
    if rule is RoundingRule.FEN_HALF_UP:
        return IntegerRounding(RATIO_SCALE // 2, RATIO_SCALE, 1)
    per_yuan = RATIO_SCALE * 100
    if rule is RoundingRule.YUAN_HALF_UP:
        return IntegerRounding(per_yuan // 2, per_yuan, 100)
    if rule is RoundingRule.YUAN_UP:
        return IntegerRounding(per_yuan - 1, per_yuan, 100)
    raise ValueError(rule)  # pragma: no cover - the enum is closed


# --- months ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthRange:
    """Months from `start` to `end`, both included."""

    start: YearMonth
    end: YearMonth

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise RemittanceRuleViolation("month_range_invalid", start=str(self.start), end=str(self.end))

    def __contains__(self, month: object) -> bool:
        return isinstance(month, YearMonth) and self.start <= month <= self.end

    def months(self) -> list[YearMonth]:
        return list(self.start.range_to(self.end))

    @property
    def count(self) -> int:
        return self.start.months_until(self.end) + 1

    def overlaps(self, other: MonthRange) -> bool:
        return self.start <= other.end and other.start <= self.end


def last_due_month(policy: ContributionPolicy, as_of: date, payday: int | None = None) -> YearMonth:
    """The latest month whose remittance was due before `as_of` (a unit owing it is in arrears)."""
    month = YearMonth.of(as_of)
    # Due dates grow with the month; a grace of a year at most steps back a dozen times.
    while policy.remittance_due_date(month, payday) >= as_of:
        month = month.add(-1)
    return month


def advance_paid_up_to(
    paid_up_to: YearMonth | None, first_month: YearMonth, paid_months: Iterable[YearMonth]
) -> YearMonth | None:
    """The paid-up-to month after payments: it moves only across contiguous paid months."""
    paid = set(paid_months)
    current = paid_up_to if paid_up_to is not None else first_month.add(-1)
    while current.add(1) in paid:
        current = current.add(1)
    if paid_up_to is None and current < first_month:
        return None
    return current


def owed_months(
    *,
    first_month: YearMonth,
    paid_up_to: YearMonth | None,
    paid_months: Iterable[YearMonth],
    deferred: Iterable[MonthRange],
    through: YearMonth,
) -> list[YearMonth]:
    """Months from the first unpaid one to `through` that are neither paid nor under an active deferral."""
    start = paid_up_to.add(1) if paid_up_to is not None else first_month
    start = max(start, first_month)
    paid = set(paid_months)
    ranges = list(deferred)
    return [
        m
        for m in (start.range_to(through) if start <= through else [])
        if m not in paid and not _in_any(m, ranges)
    ]


def _in_any(month: YearMonth, ranges: Sequence[MonthRange]) -> bool:
    return any(month in r for r in ranges)


def estimated_arrears(months: int, monthly_total: Money) -> Money:
    """An estimate for the arrears list: months owed × today's monthly amount of active members."""
    return monthly_total * months


def check_back_payment_months(
    months: Sequence[YearMonth], *, current_month: YearMonth, first_month: YearMonth, reason: str
) -> str:
    """Refuse a back-payment request that is not for past months, or has no reason; the reason."""
    why = reason.strip()
    if not why:
        raise RemittanceRuleViolation("back_payment_reason_required")
    if len(why) > MAX_REASON:
        raise RemittanceRuleViolation("text_too_long", field="补缴原因", max=MAX_REASON)
    if not months:
        raise RemittanceRuleViolation("back_payment_months_required")
    if len(months) > MAX_BACK_PAYMENT_MONTHS:
        raise RemittanceRuleViolation("back_payment_too_many_months", max=MAX_BACK_PAYMENT_MONTHS)
    for month in months:
        if month >= current_month:
            raise RemittanceRuleViolation("back_payment_month_not_past", month=month.label())
        if month < first_month:
            raise RemittanceRuleViolation(
                "back_payment_before_opening", month=month.label(), opened=first_month.label()
            )
    return why


# --- matching a payment ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterCandidate:
    """A confirmed roster a payment might pay."""

    roster_id: int
    month: YearMonth
    kind: str
    total: Money


def match_roster(amount: Money, candidates: Iterable[RosterCandidate]) -> RosterCandidate | None:
    """The confirmed roster this payment pays: the same amount, the oldest month first.

    Anything else (short, over, no roster) is not guessed at: it goes to the unit's suspense
    account and staff allocate it to a roster or refund it.
    """
    same = [c for c in candidates if c.total == amount and amount.fen > 0]
    if not same:
        return None
    return min(same, key=lambda c: (c.month, RosterKind.ALL.index(c.kind), c.roster_id))


# --- deferral and ratio reduction ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeferralApplication:
    """What a unit applies for (rules.md §2.4): months, approving body and document, ratios."""

    kind: str
    months: MonthRange
    approving_body: str
    document_no: str
    unit_ratio: Rate | None = None
    member_ratio: Rate | None = None


def check_deferral_application(app: DeferralApplication, current: Ratios) -> None:
    """Refuse an incomplete application or a "reduction" that reduces nothing."""
    if app.kind not in DeferralKind.ALL:
        raise RemittanceRuleViolation("deferral_kind_invalid", kind=app.kind[:20])
    if not app.approving_body.strip():
        raise RemittanceRuleViolation("required_field", field="批准机构")
    if not app.document_no.strip():
        raise RemittanceRuleViolation("required_field", field="批准文号")
    if len(app.approving_body) > 120:
        raise RemittanceRuleViolation("text_too_long", field="批准机构", max=120)
    if len(app.document_no) > 80:
        raise RemittanceRuleViolation("text_too_long", field="批准文号", max=80)
    if app.kind == DeferralKind.DEFERRAL:
        if app.unit_ratio is not None or app.member_ratio is not None:
            raise RemittanceRuleViolation("deferral_has_no_ratio")
        return
    if app.unit_ratio is None or app.member_ratio is None:
        raise RemittanceRuleViolation("reduced_ratio_required")
    for ratio, now, party in (
        (app.unit_ratio, current.unit, "单位"),
        (app.member_ratio, current.member, "个人"),
    ):
        ratio_units(ratio)
        if ratio < RATIO_BOUND_FLOOR or ratio > now:
            raise RemittanceRuleViolation(
                "reduced_ratio_out_of_range",
                party=party,
                ratio=ratio.as_percent(),
                min=RATIO_BOUND_FLOOR.as_percent(),
                max=now.as_percent(),
            )
    if app.unit_ratio == current.unit and app.member_ratio == current.member:
        raise RemittanceRuleViolation("reduced_ratio_not_lower")


def deferral_state_on(state: str, months: MonthRange, current_month: YearMonth) -> str:
    """Where an approved application stands in `current_month`: approved, active or ended."""
    if state not in (DeferralState.APPROVED, DeferralState.ACTIVE):
        return state
    if current_month > months.end:
        return DeferralState.ENDED
    if current_month >= months.start:
        return DeferralState.ACTIVE
    return DeferralState.APPROVED


def ratios_for_month(
    month: YearMonth, unit_ratios: Ratios, reductions: Iterable[tuple[MonthRange, Ratios]]
) -> tuple[Ratios, bool]:
    """The ratios of a month's roster and whether a ratio reduction set them."""
    for months, ratios in reductions:
        if month in months:
            return ratios, True
    return unit_ratios, False


# --- arrears notices -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: str
    issued_on: date
    deadline: date | None


def check_notice_step(
    kind: str, earlier: Sequence[NoticeRecord], *, today: date, deadline: date | None, in_arrears: bool
) -> None:
    """The enforcement ladder of rules.md §2.3: reminder → order to pay by a deadline → court.

    An order needs an earlier reminder and a deadline after today; a court application needs an
    order whose deadline has passed. Every step needs the unit to be in arrears today.
    """
    if kind not in NoticeKind.ALL:
        raise RemittanceRuleViolation("notice_kind_invalid", kind=kind[:20])
    if not in_arrears:
        raise RemittanceRuleViolation("unit_not_in_arrears")
    if kind == NoticeKind.REMINDER:
        return
    if kind == NoticeKind.ORDER:
        if not any(n.kind == NoticeKind.REMINDER for n in earlier):
            raise RemittanceRuleViolation("notice_needs_reminder")
        if deadline is None or deadline <= today:
            raise RemittanceRuleViolation("notice_deadline_invalid", today=today.isoformat())
        return
    orders = [n for n in earlier if n.kind == NoticeKind.ORDER and n.deadline is not None]
    if not orders:
        raise RemittanceRuleViolation("notice_needs_order")
    latest = max(orders, key=lambda n: (n.issued_on, n.deadline or n.issued_on))
    if latest.deadline is not None and latest.deadline >= today:
        raise RemittanceRuleViolation("notice_order_not_expired", deadline=latest.deadline.isoformat())


def percent_label(value: Decimal | Rate) -> str:
    """ "12" for 0.12: ratios as staff read them."""
    rate = value if isinstance(value, Rate) else Rate(value)
    return rate.as_percent()
