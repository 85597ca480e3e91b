"""贷后管理 queries of the loan repository: the penalty accrual periods of the overdue register,
manual reclassification requests, term changes, reminders, litigation and the SM2 signing key.

Mixed into SqlLoanRepository (adapters/db/repositories/loans.py), so the unit of work keeps one
`uow.loans`; bulk statements are executemany or one grouped SELECT per chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, desc, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.loan_servicing import (
    loan_classification_change,
    loan_litigation,
    loan_reminder,
    loan_signing_key,
    loan_term_change,
)
from anju.adapters.db.tables.loans import loan, loan_instalment
from anju.money import Money, Rate
from anju.services.loan_ports import (
    ClassificationChangeRecord,
    InstalmentRecord,
    LitigationRecord,
    ReminderDue,
    SigningKeyRecord,
    TermChangeRecord,
)


def instalment_record(r: Row[Any]) -> InstalmentRecord:
    return InstalmentRecord(
        loan_id=r.loan_id,
        instalment_no=r.instalment_no,
        due_date=r.due_date,
        annual_rate=rate_of(r.annual_rate),
        opening_balance=Money(r.opening_fen),
        principal=Money(r.principal_fen),
        interest=Money(r.interest_fen),
        closing_balance=Money(r.closing_fen),
        interest_days=r.interest_days,
        paid_principal=Money(r.paid_principal_fen),
        paid_interest=Money(r.paid_interest_fen),
        paid_penalty=Money(r.paid_penalty_fen),
        settled_on=r.settled_on,
        overdue=Money(r.overdue_fen),
        penalty_accrued=Money(r.penalty_accrued_fen),
        penalty_accrued_to=r.penalty_accrued_to,
    )


def rate_of(value: Any) -> Rate:
    return Rate(value if isinstance(value, Decimal) else Decimal(str(value)))


def _litigation(r: Row[Any]) -> LitigationRecord:
    return LitigationRecord(
        id=r.id,
        loan_id=r.loan_id,
        filed_on=r.filed_on,
        court=r.court,
        case_number=r.case_number,
        status=r.status,
        claim=Money(r.claim_fen),
        awarded=None if r.awarded_fen is None else Money(r.awarded_fen),
        recovered=Money(r.recovered_fen),
        note=r.note,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


class LoanServicingSql:
    _conn: Connection

    def _instalment_rows(self, stmt: Any) -> list[InstalmentRecord]:
        return [instalment_record(r) for r in self._conn.execute(stmt)]

    # --- the overdue register's accrual periods -----------------------------------------------

    def overdue_instalments(self, loan_ids: Sequence[int], day: date) -> list[InstalmentRecord]:
        i = loan_instalment
        stmt = (
            select(i)
            .where(i.c.loan_id.in_(list(loan_ids)), i.c.due_date < day, i.c.settled_on.is_(None))
            .order_by(i.c.loan_id, i.c.instalment_no)
        )
        return self._instalment_rows(stmt)

    def close_penalty_periods(self, loan_id: int, rows: Sequence[tuple[int, Money, date]]) -> None:
        if not rows:
            return
        t = loan_instalment
        stmt = (
            update(t)
            .where(t.c.loan_id == bindparam("b_loan"), t.c.instalment_no == bindparam("b_no"))
            .values(penalty_accrued_fen=bindparam("b_fen"), penalty_accrued_to=bindparam("b_day"))
        )
        self._conn.execute(
            stmt, [{"b_loan": loan_id, "b_no": n, "b_fen": m.fen, "b_day": d} for n, m, d in rows]
        )

    # --- manual reclassification (人工调整五级分类) ----------------------------------------------

    def insert_classification_change(self, values: Mapping[str, Any]) -> int:
        t = loan_classification_change
        return int(self._conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def classification_changes(self, loan_id: int) -> list[ClassificationChangeRecord]:
        t = loan_classification_change
        rows = self._conn.execute(select(t).where(t.c.loan_id == loan_id).order_by(desc(t.c.id)))
        return [
            ClassificationChangeRecord(
                r.id,
                r.loan_id,
                r.tier,
                r.reason,
                r.state,
                r.requested_by,
                r.requested_at,
                r.decided_by,
                r.decided_at,
                r.decision_note,
            )
            for r in rows
        ]

    def decide_classification_change(self, change_id: int, values: Mapping[str, Any]) -> bool:
        t = loan_classification_change
        stmt = update(t).where(t.c.id == change_id, t.c.state == "pending").values(**values).returning(t.c.id)
        return self._conn.execute(stmt).first() is not None

    # --- 展期 / 缩期 ---------------------------------------------------------------------------

    def insert_term_change(self, values: Mapping[str, Any]) -> int:
        t = loan_term_change
        return int(self._conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def term_changes(self, loan_id: int) -> list[TermChangeRecord]:
        t = loan_term_change
        rows = self._conn.execute(select(t).where(t.c.loan_id == loan_id).order_by(desc(t.c.id)))
        return [
            TermChangeRecord(
                r.id,
                r.loan_id,
                r.case_no,
                r.txn_type,
                r.remaining_before,
                r.remaining_after,
                r.reason,
                r.state,
                r.requested_by,
                r.requested_at,
                r.executed_on,
            )
            for r in rows
        ]

    def set_term_change_state(self, change_id: int, state: str, executed_on: date | None) -> None:
        t = loan_term_change
        self._conn.execute(update(t).where(t.c.id == change_id).values(state=state, executed_on=executed_on))

    # --- reminders (催收短信) -------------------------------------------------------------------

    def reminders_due(self, loan_ids: Sequence[int], day: date, *, before_days: int) -> list[ReminderDue]:
        i, r = loan_instalment, loan_reminder
        owed = i.c.principal_fen + i.c.interest_fen - i.c.paid_principal_fen - i.c.paid_interest_fen
        reminded = (
            select(r.c.id)
            .where(
                r.c.loan_id == i.c.loan_id, r.c.instalment_no == i.c.instalment_no, r.c.reminder_date == day
            )
            .exists()
        )
        stmt = (
            select(
                loan.c.id,
                loan.c.loan_no,
                i.c.instalment_no,
                i.c.due_date,
                loan.c.borrower_account_no,
                owed.label("owed"),
            )
            .join(i, i.c.loan_id == loan.c.id)
            .where(
                and_(
                    loan.c.id.in_(list(loan_ids)),
                    loan.c.state == "active",
                    i.c.settled_on.is_(None),
                    or_(i.c.due_date == day + timedelta(days=before_days), i.c.due_date < day),
                    ~reminded,
                )
            )
            .order_by(loan.c.id, i.c.instalment_no)
        )
        return [
            ReminderDue(
                row.id,
                row.loan_no,
                row.instalment_no,
                row.due_date,
                row.borrower_account_no,
                Money(int(row.owed)),
            )
            for row in self._conn.execute(stmt)
        ]

    def record_reminder(self, values: Mapping[str, Any]) -> bool:
        return insert_if_absent(self._conn, loan_reminder, dict(values))

    def reminders(self, loan_id: int) -> list[tuple[int, date, str]]:
        r = loan_reminder
        rows = self._conn.execute(
            select(r.c.instalment_no, r.c.reminder_date, r.c.kind)
            .where(r.c.loan_id == loan_id)
            .order_by(desc(r.c.reminder_date), r.c.instalment_no)
            .limit(200)
        )
        return [(int(x[0]), x[1], str(x[2])) for x in rows]

    # --- litigation (诉讼记录) -----------------------------------------------------------------

    def insert_litigation(self, values: Mapping[str, Any]) -> int | None:
        t = loan_litigation
        taken = self._conn.execute(
            select(func.count()).where(
                t.c.loan_id == values["loan_id"], t.c.case_number == values["case_number"]
            )
        ).scalar_one()
        if taken:
            return None
        return int(self._conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def update_litigation(self, litigation_id: int, loan_id: int, values: Mapping[str, Any]) -> bool:
        t = loan_litigation
        stmt = (
            update(t)
            .where(t.c.id == litigation_id, t.c.loan_id == loan_id)
            .values(**values)
            .returning(t.c.id)
        )
        return self._conn.execute(stmt).first() is not None

    def litigations(self, loan_id: int) -> list[LitigationRecord]:
        t = loan_litigation
        rows = self._conn.execute(select(t).where(t.c.loan_id == loan_id).order_by(t.c.filed_on, t.c.id))
        return [_litigation(r) for r in rows]

    # --- the centre's SM2 signing key ----------------------------------------------------------

    def signing_key(self, key_id: str | None = None) -> SigningKeyRecord | None:
        t = loan_signing_key
        stmt = select(t).where(t.c.key_id == key_id) if key_id else select(t).where(t.c.status == "active")
        row = self._conn.execute(stmt.order_by(desc(t.c.id)).limit(1)).first()
        if row is None:
            return None
        return SigningKeyRecord(row.key_id, row.public_hex, bytes(row.private_enc), row.status)

    def insert_signing_key(self, values: Mapping[str, Any]) -> None:
        insert_if_absent(self._conn, loan_signing_key, dict(values))
