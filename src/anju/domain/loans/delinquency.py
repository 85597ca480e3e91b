"""Overdue loans (逾期): days past due, penalty interest (罚息), allocation, five-tier classification.

rules.md §5.9 and §5.10, Example 4. Overdue starts the day after an unpaid due date; a loan's days
past due are those of its oldest unpaid instalment. Penalty interest is charged at the contract
rate × the policy multiplier (1.5 by default) / 360 per day, on the overdue principal and interest
(the default) or on the principal only. A partial payment pays penalty, then overdue interest,
then overdue principal, then the current instalment's interest and principal, older instalments
first. The classification follows days past due in both directions; staff may only make it worse,
and must say why.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext
from typing import Final

from anju.domain.policy import (
    TIER_DOUBTFUL,
    TIER_LOSS,
    TIER_NORMAL,
    TIER_SPECIAL_MENTION,
    TIER_SUBSTANDARD,
    ClassificationThresholds,
    LoanPolicy,
    PenaltyBase,
)
from anju.errors import RuleViolation
from anju.money import Money, Rate, round_fen, total

YEAR_DAYS: Final = 360
MAX_REASON_LENGTH: Final = 500


class DelinquencyRuleViolation(RuleViolation):
    """A request about an overdue loan breaks a rule (allocation, classification override)."""


# --- what is owed --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnpaidInstalment:
    """What is still owed of one instalment (逾期登记 YQBJ/YQLX/YQFX for an overdue one)."""

    instalment_no: int
    due_date: date
    principal: Money
    interest: Money
    penalty: Money = Money.ZERO  # penalty interest accrued and not yet paid

    @property
    def owed(self) -> Money:
        return self.principal + self.interest + self.penalty

    @property
    def settled(self) -> bool:
        return self.owed.is_zero


def overdue_days(due_date: date, on: date, *, grace_days: int = 0) -> int:
    """逾期天数 of one instalment on `on`: days since its due date, once past the grace period."""
    days = (on - due_date).days
    return days if days > grace_days else 0


def days_past_due(unpaid: Iterable[UnpaidInstalment], on: date, *, grace_days: int = 0) -> int:
    """The loan's days past due: those of its oldest unpaid instalment (0 when none is overdue)."""
    owing = [item.due_date for item in unpaid if not item.settled]
    return overdue_days(min(owing), on, grace_days=grace_days) if owing else 0


def overdue_periods(unpaid: Iterable[UnpaidInstalment], on: date, *, grace_days: int = 0) -> int:
    """逾期期数: how many instalments are overdue on `on`."""
    return sum(
        1 for item in unpaid if not item.settled and overdue_days(item.due_date, on, grace_days=grace_days)
    )


# --- penalty interest ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PenaltyTerms:
    """How penalty interest is charged: multiplier of the contract rate, base, grace days."""

    multiplier: Decimal
    base: PenaltyBase = PenaltyBase.PRINCIPAL_AND_INTEREST
    grace_days: int = 0

    @classmethod
    def of(cls, policy: LoanPolicy) -> PenaltyTerms:
        return cls(policy.penalty_multiplier.value, policy.penalty_base.value, policy.grace_days.value)

    def daily_rate(self, contract_rate: Rate) -> Decimal:
        """0.0285 × 1.5 / 360 = 0.00011875 (Example 4)."""
        with localcontext() as ctx:
            ctx.prec = 50
            return contract_rate.value * self.multiplier / YEAR_DAYS


def penalty_interest(
    item: UnpaidInstalment,
    *,
    on: date,
    contract_rate: Rate,
    terms: PenaltyTerms,
    since: date | None = None,
) -> Money:
    """Penalty on one overdue instalment from its due date (or `since`, the last accrual) to `on`.

    round(base × contract rate × multiplier / 360 × days): the base is the overdue principal plus
    overdue interest (compound on interest, the default) or the principal only. Nothing is charged
    for an instalment paid within the grace period.
    """
    if not overdue_days(item.due_date, on, grace_days=terms.grace_days):
        return Money.ZERO
    start = max(item.due_date, since) if since is not None else item.due_date
    days = (on - start).days
    if days <= 0:
        return Money.ZERO
    base = item.principal
    if terms.base is PenaltyBase.PRINCIPAL_AND_INTEREST:
        base += item.interest
    with localcontext() as ctx:
        ctx.prec = 50
        return round_fen(Decimal(base.fen) * contract_rate.value * terms.multiplier * days / YEAR_DAYS)


# --- allocating a payment ------------------------------------------------------------------------


class Component(enum.Enum):
    PENALTY = "penalty"
    OVERDUE_INTEREST = "overdue_interest"
    OVERDUE_PRINCIPAL = "overdue_principal"
    CURRENT_INTEREST = "current_interest"
    CURRENT_PRINCIPAL = "current_principal"

    @property
    def label(self) -> str:
        return _COMPONENT_LABELS[self]


_COMPONENT_LABELS: Final = {
    Component.PENALTY: "罚息",
    Component.OVERDUE_INTEREST: "逾期利息",
    Component.OVERDUE_PRINCIPAL: "逾期本金",
    Component.CURRENT_INTEREST: "当期利息",
    Component.CURRENT_PRINCIPAL: "当期本金",
}


class AllocationOrder(enum.Enum):
    """The order of rules.md §5.9 read across instalments, or one instalment at a time."""

    BY_COMPONENT = "by_component"  # every penalty (oldest first), then interest, then principal
    BY_INSTALMENT = "by_instalment"  # the oldest instalment in full (penalty, interest, principal)


@dataclass(frozen=True, slots=True)
class AllocationLine:
    instalment_no: int
    component: Component
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a payment went; what is still owed; what was left over (unapplied)."""

    paid: Money
    lines: tuple[AllocationLine, ...]
    overdue_after: tuple[UnpaidInstalment, ...]  # the overdue instalments still owing
    current_after: UnpaidInstalment | None  # the current instalment, if any is still owed
    unapplied: Money  # more than everything due: to suspense, or a prepayment if asked for

    def amount_of(self, component: Component, instalment_no: int | None = None) -> Money:
        return total(
            [
                line.amount
                for line in self.lines
                if line.component is component and instalment_no in (None, line.instalment_no)
            ]
        )


def allocate_payment(
    amount: Money,
    overdue: Sequence[UnpaidInstalment],
    current: UnpaidInstalment | None = None,
    *,
    order: AllocationOrder = AllocationOrder.BY_COMPONENT,
) -> Allocation:
    """Apply a payment: penalty → overdue interest → overdue principal → current interest →
    current principal, the older instalment first (rules.md §5.9, Example 4)."""
    if not amount.is_positive:
        raise DelinquencyRuleViolation("amount_must_be_positive")
    items = sorted(overdue, key=lambda item: (item.due_date, item.instalment_no))
    owed = {item.instalment_no: item for item in items}
    steps: list[tuple[int, Component]] = []
    if order is AllocationOrder.BY_COMPONENT:
        for component in (Component.PENALTY, Component.OVERDUE_INTEREST, Component.OVERDUE_PRINCIPAL):
            steps += [(item.instalment_no, component) for item in items]
    else:
        for item in items:
            steps += [
                (item.instalment_no, c)
                for c in (Component.PENALTY, Component.OVERDUE_INTEREST, Component.OVERDUE_PRINCIPAL)
            ]
    now = current
    left = amount
    lines: list[AllocationLine] = []
    for number, component in steps:
        item = owed[number]
        part = min(left, _part(item, component))
        if part.is_positive:
            lines.append(AllocationLine(number, component, part))
            owed[number] = _reduce(item, component, part)
            left -= part
    if now is not None:
        for component in (Component.CURRENT_INTEREST, Component.CURRENT_PRINCIPAL):
            part = min(left, _part(now, component))
            if part.is_positive:
                lines.append(AllocationLine(now.instalment_no, component, part))
                now = _reduce(now, component, part)
                left -= part
    return Allocation(
        paid=amount,
        lines=tuple(lines),
        overdue_after=tuple(item for item in owed.values() if not item.settled),
        current_after=now if now is not None and not now.settled else None,
        unapplied=left,
    )


def _part(item: UnpaidInstalment, component: Component) -> Money:
    if component is Component.PENALTY:
        return item.penalty
    if component in (Component.OVERDUE_INTEREST, Component.CURRENT_INTEREST):
        return item.interest
    return item.principal


def _reduce(item: UnpaidInstalment, component: Component, part: Money) -> UnpaidInstalment:
    if component is Component.PENALTY:
        return replace(item, penalty=item.penalty - part)
    if component in (Component.OVERDUE_INTEREST, Component.CURRENT_INTEREST):
        return replace(item, interest=item.interest - part)
    return replace(item, principal=item.principal - part)


# --- five-tier classification --------------------------------------------------------------------


class RiskTier(enum.Enum):
    """贷款风险等级 (DKFXDJ): the codes of the data standard."""

    NORMAL = TIER_NORMAL
    SPECIAL_MENTION = TIER_SPECIAL_MENTION
    SUBSTANDARD = TIER_SUBSTANDARD
    DOUBTFUL = TIER_DOUBTFUL
    LOSS = TIER_LOSS

    @property
    def rank(self) -> int:
        return int(self.value)

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]


_TIER_LABELS: Final = {
    RiskTier.NORMAL: "正常",
    RiskTier.SPECIAL_MENTION: "关注",
    RiskTier.SUBSTANDARD: "次级",
    RiskTier.DOUBTFUL: "可疑",
    RiskTier.LOSS: "损失",
}


def tier_for(days: int, thresholds: ClassificationThresholds) -> RiskTier:
    """The automatic tier for days past due, from the policy's thresholds."""
    return RiskTier(thresholds.tier_for(days))


@dataclass(frozen=True, slots=True)
class Classification:
    """The automatic tier, and a manual override that can only be worse, with its reason."""

    automatic: RiskTier
    override: RiskTier | None = None
    override_reason: str = ""

    @property
    def effective(self) -> RiskTier:
        if self.override is not None and self.override.rank > self.automatic.rank:
            return self.override
        return self.automatic


def classify(
    days: int, thresholds: ClassificationThresholds, previous: Classification | None = None
) -> Classification:
    """Reclassify by days past due, up or down; a manual override stays until it is lifted."""
    automatic = tier_for(days, thresholds)
    if previous is None or previous.override is None:
        return Classification(automatic)
    return Classification(automatic, previous.override, previous.override_reason)


def override_classification(current: Classification, target: RiskTier, reason: str) -> Classification:
    """A manual reclassification: only to a worse tier than the one in effect, with a reason."""
    text = reason.strip()
    if not text:
        raise DelinquencyRuleViolation("classification_reason_required")
    if len(text) > MAX_REASON_LENGTH:
        raise DelinquencyRuleViolation("text_too_long", field="调整理由", max=MAX_REASON_LENGTH)
    if target.rank <= current.effective.rank:
        raise DelinquencyRuleViolation(
            "classification_override_not_worse", current=current.effective.label, target=target.label
        )
    return Classification(current.automatic, target, text)


def lift_override(current: Classification) -> Classification:
    """End a manual override: the automatic tier applies again."""
    return Classification(current.automatic)
