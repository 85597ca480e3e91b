"""The dashboard's figures (services.dashboard_ports): one grouped scan per question.

Movements come from postings joined to their voucher's business date; balances come from the
sub-ledger accounts. Every figure is a SUM in the database, never a Python loop over rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.engine import Connection

from anju.adapters.db.tables.ledger import ledger_account, posting, voucher
from anju.adapters.db.unit_of_work import Deps, register
from anju.ledger.posting_rules import GL, BusinessType
from anju.money import Money
from anju.services.dashboard_ports import BranchFigures, MonthlyFlows

_DEPOSITS = GL.MEMBER_DEPOSITS
_LOANS = (GL.ENTRUSTED_LOANS, GL.OVERDUE_LOANS)


def _sum_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, posting.c.amount_fen), else_=0)), 0)


class SqlDashboardRepository:
    def __init__(self, conn: Connection, _deps: Deps) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"

    def _month(self) -> Any:
        day = voucher.c.business_date
        return func.to_char(day, "YYYY-MM") if self._pg else func.strftime("%Y-%m", day)

    def monthly_flows(self, start: date, end: date, branch_id: int | None) -> list[MonthlyFlows]:
        month = self._month().label("month")
        deposit = posting.c.gl_code == _DEPOSITS
        loan = posting.c.gl_code.in_(_LOANS)
        credit = posting.c.side == "C"
        debit = posting.c.side == "D"
        kind = posting.c.business_type
        stmt = (
            select(
                month,
                _sum_if(
                    and_(deposit, credit, kind.in_((BusinessType.REMITTANCE, BusinessType.BACK_PAYMENT)))
                ),
                _sum_if(
                    and_(
                        deposit,
                        debit,
                        kind.in_((BusinessType.PARTIAL_WITHDRAWAL, BusinessType.CLOSING_WITHDRAWAL)),
                    )
                ),
                _sum_if(and_(deposit, credit, kind == BusinessType.ANNUAL_INTEREST)),
                _sum_if(and_(deposit, credit)) - _sum_if(and_(deposit, debit)),
                _sum_if(and_(loan, debit)),
                _sum_if(and_(loan, credit)),
            )
            .select_from(posting.join(voucher, voucher.c.id == posting.c.voucher_id))
            .where(
                voucher.c.business_date >= start,
                voucher.c.business_date <= end,
                posting.c.gl_code.in_((_DEPOSITS, *_LOANS)),
            )
            .group_by(month)
            .order_by(month)
        )
        if branch_id is not None:
            stmt = stmt.join(ledger_account, ledger_account.c.id == posting.c.ledger_account_id).where(
                ledger_account.c.branch_id == branch_id
            )
        flows = []
        for m, contributions, withdrawals, interest, deposits_net, disbursed, repaid in self._conn.execute(
            stmt
        ):
            flows.append(
                MonthlyFlows(
                    month=str(m),
                    contributions=Money(int(contributions)),
                    withdrawals=Money(int(withdrawals)),
                    interest=Money(int(interest)),
                    deposits_net=Money(int(deposits_net)),
                    loans_disbursed=Money(int(disbursed)),
                    loans_repaid=Money(int(repaid)),
                    loans_net=Money(int(disbursed) - int(repaid)),
                )
            )
        return flows

    def by_branch(self) -> list[BranchFigures]:
        la = ledger_account
        balance = la.c.balance_fen

        def total(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, balance), else_=0)), 0)

        stmt = (
            select(
                la.c.branch_id,
                total(la.c.gl_code == _DEPOSITS),
                total(la.c.gl_code.in_(_LOANS)),
                total(la.c.gl_code == GL.OVERDUE_LOANS),
                func.coalesce(
                    func.sum(cast(and_(la.c.gl_code == _DEPOSITS, la.c.status == "open"), Integer)), 0
                ),
            )
            .where(la.c.gl_code.in_((_DEPOSITS, *_LOANS)))
            .group_by(la.c.branch_id)
            .order_by(la.c.branch_id)
        )
        return [
            BranchFigures(
                branch_id=None if b is None else int(b),
                deposits=Money(int(d)),
                loans=Money(int(loans)),
                overdue=Money(int(o)),
                members=int(n),
            )
            for b, d, loans, o, n in self._conn.execute(stmt)
        ]


register("dashboard", SqlDashboardRepository)
