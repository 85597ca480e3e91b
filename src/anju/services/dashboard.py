"""The management dashboard (驾驶舱): contributions, withdrawals, loans, balances and the overdue
rate, by month and by branch, read from the books as they stand (live, no copy to refresh).

Month-end balances are today's balances walked back through each later month's net movement,
so the two always agree with the trial balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from anju.domain.security import Actor, Permission
from anju.errors import NotFound
from anju.money import Money
from anju.services import calendar
from anju.services.dashboard_ports import BranchFigures
from anju.services.ports import UnitOfWork

MAX_MONTHS = 36


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: str  # YYYY-MM
    contributions: Money
    withdrawals: Money
    interest: Money
    loans_disbursed: Money
    loans_repaid: Money
    deposits_balance: Money  # at the month's end (or today, for the current month)
    loans_balance: Money


@dataclass(frozen=True, slots=True)
class BranchRow:
    code: str
    name: str
    deposits: Money
    loans: Money
    overdue: Money
    overdue_rate: str | None  # percent with two decimals; None without loans
    members: int


@dataclass(frozen=True, slots=True)
class DashboardView:
    as_of: date
    scope_label: str
    months: tuple[MonthPoint, ...]
    deposits: Money
    loans: Money
    overdue: Money
    overdue_rate: str | None
    members: int
    branches: tuple[BranchRow, ...]

    @property
    def contributions_total(self) -> Money:
        return Money(sum(m.contributions.fen for m in self.months))

    @property
    def withdrawals_total(self) -> Money:
        return Money(sum(m.withdrawals.fen for m in self.months))

    @property
    def loans_disbursed_total(self) -> Money:
        return Money(sum(m.loans_disbursed.fen for m in self.months))


def overdue_rate(overdue: Money, loans: Money) -> str | None:
    """逾期率 = overdue balance ÷ loan balance, as a percent rounded half up to 0.01."""
    if loans.fen <= 0:
        return None
    rate = Decimal(overdue.fen) * 100 / Decimal(loans.fen)
    return str(rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_labels(first: date, count: int) -> list[str]:
    return [f"{d.year:04d}-{d.month:02d}" for d in (_month_start(first, -i) for i in range(count))]


def overview(
    uow: UnitOfWork, actor: Actor, *, months: int = 12, branch_code: str | None = None
) -> DashboardView:
    """The last `months` months (1–36) for the centre, or one branch (staff of a branch see theirs)."""
    actor.require(Permission.DASHBOARD_VIEW)
    months = max(1, min(months, MAX_MONTHS))
    branches = {b.id: b for b in uow.org.list_branches()}
    branch_id: int | None = None
    if branch_code:
        found = next((b for b in branches.values() if b.code == branch_code.strip()), None)
        if found is None:
            raise NotFound("not_found", what=f"管理部 {branch_code.strip()[:20]}")
        branch_id = found.id
    if not actor.all_branches:
        branch_id = actor.branch_id
    actor.require_branch(branch_id)

    today = calendar.current_business_date(uow)
    first = _month_start(today, months - 1)
    flows = {f.month: f for f in uow.dashboard.monthly_flows(first, today, branch_id)}
    figures = [f for f in uow.dashboard.by_branch() if branch_id is None or f.branch_id == branch_id]
    deposits = Money(sum(f.deposits.fen for f in figures))
    loans = Money(sum(f.loans.fen for f in figures))
    overdue = Money(sum(f.overdue.fen for f in figures))

    # Walk back from today's balances: the end of a month is today minus what moved after it.
    points: list[MonthPoint] = []
    dep, loan = deposits.fen, loans.fen
    for label in reversed(_month_labels(first, months)):
        flow = flows.get(label)
        points.append(
            MonthPoint(
                month=label,
                contributions=flow.contributions if flow else Money.ZERO,
                withdrawals=flow.withdrawals if flow else Money.ZERO,
                interest=flow.interest if flow else Money.ZERO,
                loans_disbursed=flow.loans_disbursed if flow else Money.ZERO,
                loans_repaid=flow.loans_repaid if flow else Money.ZERO,
                deposits_balance=Money(dep),
                loans_balance=Money(loan),
            )
        )
        if flow:
            dep -= flow.deposits_net.fen
            loan -= flow.loans_net.fen
    points.reverse()

    def row(f: BranchFigures) -> BranchRow:
        branch = branches.get(f.branch_id) if f.branch_id is not None else None
        return BranchRow(
            code=branch.code if branch else "—",
            name=branch.name if branch else "中心本级",
            deposits=f.deposits,
            loans=f.loans,
            overdue=f.overdue,
            overdue_rate=overdue_rate(f.overdue, f.loans),
            members=f.members,
        )

    scope = branches[branch_id].name if branch_id is not None and branch_id in branches else "全中心"
    return DashboardView(
        as_of=today,
        scope_label=scope,
        months=tuple(points),
        deposits=deposits,
        loans=loans,
        overdue=overdue,
        overdue_rate=overdue_rate(overdue, loans),
        members=sum(f.members for f in figures),
        branches=tuple(row(f) for f in figures),
    )
