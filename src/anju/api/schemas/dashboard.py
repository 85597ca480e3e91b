"""Dashboard (驾驶舱) schemas: amounts as yuan strings, months oldest first."""

from __future__ import annotations

from datetime import date
from typing import Any

from anju.api.schemas.common import ReplyModel, YuanAmount


class MonthOut(ReplyModel):
    month: str
    contributions: YuanAmount
    withdrawals: YuanAmount
    interest: YuanAmount
    loans_disbursed: YuanAmount
    loans_repaid: YuanAmount
    deposits_balance: YuanAmount
    loans_balance: YuanAmount


class BranchOut(ReplyModel):
    code: str
    name: str
    deposits: YuanAmount
    loans: YuanAmount
    overdue: YuanAmount
    overdue_rate_percent: str | None
    members: int


class DashboardOut(ReplyModel):
    as_of: date
    scope: str
    deposits: YuanAmount
    loans: YuanAmount
    overdue: YuanAmount
    overdue_rate_percent: str | None
    members: int
    months: list[MonthOut]
    branches: list[BranchOut]

    @classmethod
    def of(cls, v: Any) -> DashboardOut:
        return cls(
            as_of=v.as_of,
            scope=v.scope_label,
            deposits=v.deposits,
            loans=v.loans,
            overdue=v.overdue,
            overdue_rate_percent=v.overdue_rate,
            members=v.members,
            months=[
                MonthOut(
                    month=m.month,
                    contributions=m.contributions,
                    withdrawals=m.withdrawals,
                    interest=m.interest,
                    loans_disbursed=m.loans_disbursed,
                    loans_repaid=m.loans_repaid,
                    deposits_balance=m.deposits_balance,
                    loans_balance=m.loans_balance,
                )
                for m in v.months
            ],
            branches=[
                BranchOut(
                    code=b.code,
                    name=b.name,
                    deposits=b.deposits,
                    loans=b.loans,
                    overdue=b.overdue,
                    overdue_rate_percent=b.overdue_rate,
                    members=b.members,
                )
                for b in v.branches
            ],
        )
