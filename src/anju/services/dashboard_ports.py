"""Ports of the management dashboard (驾驶舱): set-based figures read from the books."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from anju.money import Money


@dataclass(frozen=True, slots=True)
class MonthlyFlows:
    """One month's movements (by business date), in fen, signed on each account's normal side."""

    month: str  # YYYY-MM
    contributions: Money  # 缴存额: credits to member deposits by remittance and back-payment
    withdrawals: Money  # 提取额: debits to member deposits by partial and closing withdrawals
    interest: Money  # 结息: credits to member deposits by the annual settlement
    deposits_net: Money  # every movement of member deposits (credit − debit)
    loans_disbursed: Money  # 贷款发放额: debits to loans (entrusted and overdue) ...
    loans_repaid: Money  # 贷款回收额: ... and credits to them
    loans_net: Money  # debit − credit on loans


@dataclass(frozen=True, slots=True)
class BranchFigures:
    branch_id: int | None
    deposits: Money  # 缴存余额
    loans: Money  # 贷款余额 (entrusted + overdue)
    overdue: Money  # 逾期贷款余额
    members: int  # open member deposit accounts


class DashboardRepository(Protocol):
    """Implemented by adapters/db/repositories/dashboard.py."""

    def monthly_flows(self, start: date, end: date, branch_id: int | None) -> list[MonthlyFlows]:
        """Months with any movement between start and end (inclusive), oldest first."""
        ...

    def by_branch(self) -> list[BranchFigures]:
        """Current balances per branch (管理部) from the sub-ledgers."""
        ...
