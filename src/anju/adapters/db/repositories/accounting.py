"""The accounting repository: period lock, manual vouchers, and the set-based queries behind the
books and reports (turnover per code, per month, per business type; bank books; sub-ledgers).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import SqlSequenceRepository, insert_if_absent
from anju.adapters.db.repositories.ledger import read_closed_through
from anju.adapters.db.tables.accounting import (
    accounting_period,
    manual_voucher,
    manual_voucher_line,
    period_lock,
    time_deposit,
    time_deposit_book,
)
from anju.adapters.db.tables.collection import member_account, unit
from anju.adapters.db.tables.ledger import gl_account, ledger_account, posting, voucher
from anju.adapters.db.tables.org import centre_bank_account
from anju.adapters.db.tables.remittance import suspense_refund
from anju.adapters.db.tables.withdrawals import withdrawal
from anju.adapters.db.unit_of_work import Deps, register
from anju.errors import NotFound
from anju.ledger.balances import Side
from anju.money import Money
from anju.services.accounting_ports import (
    BankBook,
    BusinessTypeTurnover,
    CodeTurnover,
    Contributors,
    ManualLineRecord,
    ManualVoucherRecord,
    MonthTurnover,
    NewManualVoucher,
    PendingRefund,
    PeriodRecord,
    SubledgerBalance,
    TimeDepositRecord,
    UnitTypeTurnover,
    WithdrawalsByReason,
)


def _member_postings() -> Any:
    """Postings with their voucher and account, and the member account the posting is on (if any)."""
    return (
        posting.join(voucher, voucher.c.id == posting.c.voucher_id)
        .join(ledger_account, ledger_account.c.id == posting.c.ledger_account_id)
        .outerjoin(member_account, member_account.c.ledger_account_no == ledger_account.c.account_no)
    )


def _fund_postings_in(start: date, end: date) -> tuple[Any, ...]:
    """The members' fund (201) postings of vouchers dated in [start, end]."""
    return (voucher.c.business_date >= start, voucher.c.business_date <= end, posting.c.gl_code == "201")


# Who moved a manual voucher into a state, and when (a rejection is the reviewer's act).
_STATE_COLUMNS = {
    "reviewed": ("reviewer", "reviewed_at"),
    "rejected": ("reviewer", "reviewed_at"),
    "posted": ("poster", "posted_at"),
}


class AccountingNotFound(NotFound):
    """No such manual voucher."""


def _month_key(column: Any, pg: bool) -> Any:
    """YYYYMM text of a date column, on both databases."""
    if pg:
        return func.to_char(column, "YYYYMM")
    return func.strftime("%Y%m", column)


class SqlAccountingRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._pg = conn.dialect.name == "postgresql"
        self._sequences = SqlSequenceRepository(conn)

    # --- periods ---------------------------------------------------------------------------------

    def closed_through(self) -> date | None:
        return read_closed_through(self._conn)

    def close_period(self, record: PeriodRecord) -> None:
        self._conn.execute(
            insert(accounting_period).values(
                period=record.period,
                closed_on=record.closed_on,
                closed_at=record.closed_at,
                closed_by=record.closed_by,
                year_end=record.year_end,
                closing_voucher_no=record.closing_voucher_no,
            )
        )
        # The lock only moves forward (a conditional update; the row is created once).
        moved = self._conn.execute(
            update(period_lock)
            .where(period_lock.c.id == 1, period_lock.c.closed_through < record.closed_on)
            .values(closed_through=record.closed_on)
        ).rowcount
        if not moved:
            insert_if_absent(self._conn, period_lock, {"id": 1, "closed_through": record.closed_on})

    def list_periods(self) -> list[PeriodRecord]:
        rows = self._conn.execute(select(accounting_period).order_by(accounting_period.c.period.desc()))
        return [
            PeriodRecord(
                period=r.period,
                closed_on=r.closed_on,
                closed_at=r.closed_at,
                closed_by=r.closed_by,
                year_end=bool(r.year_end),
                closing_voucher_no=r.closing_voucher_no,
            )
            for r in rows
        ]

    # --- manual vouchers -------------------------------------------------------------------------

    def add_manual_voucher(self, new: NewManualVoucher) -> ManualVoucherRecord:
        seq = self._sequences.next_value(f"manual_voucher:{new.period}")
        voucher_id = self._conn.execute(
            insert(manual_voucher)
            .values(
                period=new.period,
                seq=seq,
                kind=new.kind,
                state="draft",
                memo=new.memo,
                value_date=new.value_date,
                total_fen=new.total.fen,
                maker=new.maker,
                made_at=new.made_at,
                reverses=new.reverses,
                reason=new.reason,
            )
            .returning(manual_voucher.c.id)
        ).scalar_one()
        if new.lines:
            self._conn.execute(
                insert(manual_voucher_line),
                [
                    {
                        "manual_voucher_id": voucher_id,
                        "line_no": line.line_no,
                        "gl_code": line.gl_code,
                        "account_no": line.account_no,
                        "side": line.side.value,
                        "amount_fen": line.amount.fen,
                    }
                    for line in new.lines
                ],
            )
        return self.get_manual_voucher(new.period, seq)

    def get_manual_voucher(self, period: str, seq: int) -> ManualVoucherRecord:
        row = self._conn.execute(
            select(manual_voucher).where(manual_voucher.c.period == period, manual_voucher.c.seq == seq)
        ).first()
        if row is None:
            raise AccountingNotFound("manual_voucher_not_found", number=f"{period}-{seq:04d}")
        lines = self._conn.execute(
            select(manual_voucher_line)
            .where(manual_voucher_line.c.manual_voucher_id == row.id)
            .order_by(manual_voucher_line.c.line_no)
        ).all()
        return _manual(
            row,
            tuple(
                ManualLineRecord(
                    line_no=int(li.line_no),
                    gl_code=li.gl_code,
                    account_no=li.account_no,
                    side=Side(li.side),
                    amount=Money(int(li.amount_fen)),
                )
                for li in lines
            ),
        )

    def list_manual_vouchers(
        self, *, state: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[ManualVoucherRecord]:
        query = select(manual_voucher)
        if state is not None:
            query = query.where(manual_voucher.c.state == state)
        query = (
            query.order_by(manual_voucher.c.id.desc()).limit(max(0, min(limit, 500))).offset(max(0, offset))
        )
        return [_manual(row, ()) for row in self._conn.execute(query)]

    def count_pending(self, period: str) -> int:
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(manual_voucher)
                .where(manual_voucher.c.period <= period, manual_voucher.c.state.in_(("draft", "reviewed")))
            ).scalar_one()
        )

    def move_manual_voucher(
        self,
        voucher_id: int,
        *,
        from_state: str,
        to_state: str,
        by: str,
        at: datetime,
        voucher_no: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """Conditional state change: False when another clerk moved it first."""
        who, when = _STATE_COLUMNS[to_state]
        values: dict[str, Any] = {"state": to_state, who: by, when: at}
        if reason is not None:
            values["reason"] = reason
        if voucher_no is not None:
            values["voucher_no"] = voucher_no
        result = self._conn.execute(
            update(manual_voucher)
            .where(manual_voucher.c.id == voucher_id, manual_voucher.c.state == from_state)
            .values(**values)
        )
        return bool(result.rowcount)

    # --- books -----------------------------------------------------------------------------------

    def turnover(
        self, start: date | None, end: date, *, exclude_kind: str | None = None
    ) -> list[CodeTurnover]:
        """Σ debit and Σ credit per postable code over business dates [start, end]."""
        conditions = [voucher.c.business_date <= end]
        if exclude_kind is not None:
            conditions.append(voucher.c.kind != exclude_kind)
        if start is not None:
            conditions.append(voucher.c.business_date >= start)
        query = (
            select(
                posting.c.gl_code,
                func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)).label("debit"),
                func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)).label("credit"),
            )
            .join(voucher, voucher.c.id == posting.c.voucher_id)
            .where(and_(*conditions))
            .group_by(posting.c.gl_code)
            .order_by(posting.c.gl_code)
        )
        return [
            CodeTurnover(r.gl_code, Money(int(r.debit or 0)), Money(int(r.credit or 0)))
            for r in self._conn.execute(query)
        ]

    def monthly_turnover(self, gl_codes: list[str], start: date, end: date) -> list[MonthTurnover]:
        month = _month_key(voucher.c.business_date, self._pg).label("period")
        query = (
            select(
                posting.c.gl_code,
                month,
                func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)).label("debit"),
                func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)).label("credit"),
            )
            .join(voucher, voucher.c.id == posting.c.voucher_id)
            .where(
                voucher.c.business_date >= start,
                voucher.c.business_date <= end,
                posting.c.gl_code.in_(gl_codes),
            )
            .group_by(posting.c.gl_code, month)
            .order_by(posting.c.gl_code, month)
        )
        return [
            MonthTurnover(r.gl_code, str(r.period), Money(int(r.debit or 0)), Money(int(r.credit or 0)))
            for r in self._conn.execute(query)
        ]

    def bank_books(self) -> list[BankBook]:
        query = (
            select(
                centre_bank_account.c.account_no,
                centre_bank_account.c.account_name,
                centre_bank_account.c.purpose,
                centre_bank_account.c.gl_code,
                centre_bank_account.c.ledger_account_no,
                centre_bank_account.c.status,
                func.coalesce(ledger_account.c.balance_fen, 0).label("balance"),
                time_deposit_book.c.gl_code.label("time_gl_code"),
            )
            .outerjoin(ledger_account, ledger_account.c.account_no == centre_bank_account.c.ledger_account_no)
            .outerjoin(
                time_deposit_book, time_deposit_book.c.bank_account_no == centre_bank_account.c.account_no
            )
            .order_by(centre_bank_account.c.gl_code, centre_bank_account.c.account_no)
        )
        return [
            BankBook(
                bank_account_no=r.account_no,
                account_name=r.account_name,
                purpose=r.purpose,
                gl_code=r.gl_code,
                ledger_account_no=r.ledger_account_no,
                balance=Money(int(r.balance)),
                status=r.status,
                time_gl_code=r.time_gl_code,
            )
            for r in self._conn.execute(query)
        ]

    def subledger_balances(
        self, gl_code: str, as_of: date | None, *, limit: int, offset: int
    ) -> list[SubledgerBalance]:
        """Balances of the accounts under one code (now, or at the end of `as_of`)."""
        la = ledger_account
        if as_of is None:
            balance: Any = la.c.balance_fen
            query = select(la, balance.label("bal"))
        else:
            normal = select(gl_account.c.normal_side).where(gl_account.c.code == gl_code).scalar_subquery()
            signed = case((posting.c.side == normal, posting.c.amount_fen), else_=-posting.c.amount_fen)
            moved = (
                select(posting.c.ledger_account_id, func.sum(signed).label("net"))
                .join(voucher, voucher.c.id == posting.c.voucher_id)
                .where(posting.c.gl_code == gl_code, voucher.c.business_date <= as_of)
                .group_by(posting.c.ledger_account_id)
                .subquery()
            )
            balance = la.c.opening_balance_fen + func.coalesce(moved.c.net, 0)
            query = select(la, balance.label("bal")).outerjoin(moved, moved.c.ledger_account_id == la.c.id)
        query = (
            query.where(la.c.gl_code == gl_code)
            .order_by(la.c.account_no)
            .limit(max(0, min(limit, 1000)))
            .offset(max(0, offset))
        )
        return [
            SubledgerBalance(
                account_no=r.account_no,
                owner_type=r.owner_type,
                owner_id=r.owner_id,
                branch_id=r.branch_id,
                status=r.status,
                balance=Money(int(r.bal)),
            )
            for r in self._conn.execute(query)
        ]

    def business_type_turnover(
        self, gl_codes: list[str], start: date, end: date
    ) -> list[BusinessTypeTurnover]:
        """Per code, business type, branch of the account and voucher kind: sums and counts."""
        la = ledger_account
        query = (
            select(
                posting.c.gl_code,
                posting.c.business_type,
                la.c.branch_id,
                voucher.c.kind,
                func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)).label("debit"),
                func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)).label("credit"),
                func.count().label("postings"),
                func.count(posting.c.ledger_account_id.distinct()).label("accounts"),
            )
            .join(voucher, voucher.c.id == posting.c.voucher_id)
            .join(la, la.c.id == posting.c.ledger_account_id)
            .where(
                voucher.c.business_date >= start,
                voucher.c.business_date <= end,
                posting.c.gl_code.in_(gl_codes),
            )
            .group_by(posting.c.gl_code, posting.c.business_type, la.c.branch_id, voucher.c.kind)
            .order_by(posting.c.gl_code, posting.c.business_type, la.c.branch_id, voucher.c.kind)
        )
        return [
            BusinessTypeTurnover(
                gl_code=r.gl_code,
                business_type=r.business_type,
                branch_id=r.branch_id,
                kind=r.kind,
                debit=Money(int(r.debit or 0)),
                credit=Money(int(r.credit or 0)),
                postings=int(r.postings),
                accounts=int(r.accounts),
            )
            for r in self._conn.execute(query)
        ]

    def member_turnover_by_unit_type(self, start: date, end: date) -> list[UnitTypeTurnover]:
        """201 postings grouped by the member's unit's economic type and the business type."""
        query = (
            select(
                unit.c.economic_type,
                posting.c.business_type,
                voucher.c.kind,
                func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)).label("debit"),
                func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)).label("credit"),
                func.count().label("postings"),
                func.count(posting.c.ledger_account_id.distinct()).label("accounts"),
            )
            .select_from(_member_postings().outerjoin(unit, unit.c.id == member_account.c.unit_id))
            .where(*_fund_postings_in(start, end))
            .group_by(unit.c.economic_type, posting.c.business_type, voucher.c.kind)
            .order_by(unit.c.economic_type, posting.c.business_type, voucher.c.kind)
        )
        return [
            UnitTypeTurnover(
                economic_type=r.economic_type,
                business_type=r.business_type,
                kind=r.kind,
                debit=Money(int(r.debit or 0)),
                credit=Money(int(r.credit or 0)),
                postings=int(r.postings),
                accounts=int(r.accounts),
            )
            for r in self._conn.execute(query)
        ]

    def contributors(self, start: date, end: date) -> Contributors:
        """Distinct units and member accounts credited on 201 with 汇缴 (01) or 补缴 (02), leaving
        out red-ink reversals and the vouchers they reversed (one query)."""
        reversal = voucher.alias("reversal")
        reversed_ = select(reversal.c.id).where(reversal.c.reverses_voucher_id == voucher.c.id).exists()
        query = (
            select(
                func.count(member_account.c.unit_id.distinct()).label("units"),
                func.count(posting.c.ledger_account_id.distinct()).label("members"),
            )
            .select_from(_member_postings())
            .where(
                *_fund_postings_in(start, end),
                member_account.c.id.is_not(None),
                posting.c.side == "C",
                posting.c.business_type.in_(("01", "02")),
                voucher.c.reverses_voucher_id.is_(None),
                ~reversed_,
            )
        )
        row = self._conn.execute(query).one()
        return Contributors(units=int(row.units or 0), members=int(row.members or 0))

    def withdrawals_by_reason(self, start: date, end: date) -> list[WithdrawalsByReason]:
        """Withdrawals paid in the period per reason: count and principal (one grouped query)."""
        w = withdrawal
        query = (
            select(w.c.reason_code, func.count().label("n"), func.sum(w.c.amount_fen).label("fen"))
            .where(w.c.state == "paid", w.c.paid_on >= start, w.c.paid_on <= end)
            .group_by(w.c.reason_code)
            .order_by(w.c.reason_code)
        )
        return [
            WithdrawalsByReason(r.reason_code, int(r.n), Money(int(r.fen or 0)))
            for r in self._conn.execute(query)
        ]

    # --- time and notice deposits ---------------------------------------------------------------

    def time_deposit_leaf(self, bank_account_no: str) -> str | None:
        value = self._conn.execute(
            select(time_deposit_book.c.gl_code).where(time_deposit_book.c.bank_account_no == bank_account_no)
        ).scalar()
        return str(value) if value is not None else None

    def add_time_deposit_leaf(self, bank_account_no: str, gl_code: str) -> None:
        self._conn.execute(insert(time_deposit_book).values(bank_account_no=bank_account_no, gl_code=gl_code))

    def add_time_deposit(self, record: TimeDepositRecord) -> None:
        self._conn.execute(
            insert(time_deposit).values(
                deposit_no=record.deposit_no,
                bank_account_no=record.bank_account_no,
                kind=record.kind,
                principal_fen=record.principal.fen,
                rate=record.rate,
                term_months=record.term_months,
                placed_on=record.placed_on,
                placed_voucher_no=record.placed_voucher_no,
                state=record.state,
            )
        )

    def get_time_deposit(self, deposit_no: str) -> TimeDepositRecord | None:
        row = self._conn.execute(select(time_deposit).where(time_deposit.c.deposit_no == deposit_no)).first()
        return _deposit(row) if row is not None else None

    def list_time_deposits(self, *, state: str | None = None, limit: int = 200) -> list[TimeDepositRecord]:
        query = select(time_deposit)
        if state is not None:
            query = query.where(time_deposit.c.state == state)
        query = query.order_by(time_deposit.c.id.desc()).limit(max(0, min(limit, 1000)))
        return [_deposit(row) for row in self._conn.execute(query)]

    def mark_time_deposit_drawn(
        self, deposit_no: str, *, drawn_on: date, interest: Money, voucher_no: str
    ) -> bool:
        result = self._conn.execute(
            update(time_deposit)
            .where(time_deposit.c.deposit_no == deposit_no, time_deposit.c.state == "placed")
            .values(state="drawn", drawn_on=drawn_on, interest_fen=interest.fen, drawn_voucher_no=voucher_no)
        )
        return bool(result.rowcount)

    # --- suspense refunds (booked by collection, paid here through the bank port) -------------

    def _refunds_query(self) -> Any:
        r = suspense_refund
        return (
            select(r, unit.c.unit_account_no, unit.c.name)
            .join(unit, unit.c.id == r.c.unit_id)
            .where(r.c.state == "pending", r.c.case_no.is_not(None))
        )

    def pending_refunds(self, *, limit: int = 100) -> list[PendingRefund]:
        query = self._refunds_query().order_by(suspense_refund.c.id).limit(max(0, min(limit, 500)))
        return [_refund(row) for row in self._conn.execute(query)]

    def pending_refund(self, case_no: str) -> PendingRefund | None:
        row = self._conn.execute(self._refunds_query().where(suspense_refund.c.case_no == case_no)).first()
        return _refund(row) if row is not None else None

    def mark_refund_paid(self, case_no: str, voucher_no: str) -> bool:
        result = self._conn.execute(
            update(suspense_refund)
            .where(suspense_refund.c.case_no == case_no, suspense_refund.c.state == "pending")
            .values(state="paid", paid_voucher_no=voucher_no)
        )
        return bool(result.rowcount)


def _deposit(row: Row[Any]) -> TimeDepositRecord:
    return TimeDepositRecord(
        deposit_no=row.deposit_no,
        bank_account_no=row.bank_account_no,
        kind=row.kind,
        principal=Money(int(row.principal_fen)),
        rate=row.rate,
        term_months=row.term_months,
        placed_on=row.placed_on,
        placed_voucher_no=row.placed_voucher_no,
        state=row.state,
        drawn_on=row.drawn_on,
        interest=Money(int(row.interest_fen)) if row.interest_fen is not None else None,
        drawn_voucher_no=row.drawn_voucher_no,
    )


def _refund(row: Row[Any]) -> PendingRefund:
    return PendingRefund(
        case_no=row.case_no,
        unit_account_no=row.unit_account_no,
        unit_name=row.name,
        amount=Money(int(row.amount_fen)),
        payee_name=row.payee_name,
        payee_account_no=row.payee_account_no,
        created_at=row.created_at,
    )


def _manual(row: Row[Any], lines: tuple[ManualLineRecord, ...]) -> ManualVoucherRecord:
    return ManualVoucherRecord(
        id=int(row.id),
        period=row.period,
        seq=int(row.seq),
        kind=row.kind,
        state=row.state,
        memo=row.memo,
        value_date=row.value_date,
        total=Money(int(row.total_fen)),
        maker=row.maker,
        made_at=row.made_at,
        reviewer=row.reviewer,
        reviewed_at=row.reviewed_at,
        poster=row.poster,
        posted_at=row.posted_at,
        voucher_no=row.voucher_no,
        reverses=row.reverses,
        reason=row.reason,
        lines=lines,
    )


register("accounting", SqlAccountingRepository)
