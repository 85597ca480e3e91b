"""Housing loans: developers, projects, loans, the stored schedule and the loan business detail."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_if_absent, insert_on_unique
from anju.adapters.db.repositories.loan_servicing import LoanServicingSql, instalment_record, rate_of
from anju.adapters.db.tables.loans import (
    loan,
    loan_building,
    loan_developer,
    loan_instalment,
    loan_party,
    loan_project,
    loan_txn,
)
from anju.adapters.db.unit_of_work import Deps, register
from anju.money import Money, Rate
from anju.services.loan_ports import (
    BuildingRecord,
    DeveloperRecord,
    DueLoan,
    InstalmentRecord,
    LoanRecord,
    LoanTxnRecord,
    ProjectRecord,
)

# States in which a loan is repaid by the monthly bank deduction (see services/loans.py).
_REPAYING = ("active",)


_rate = rate_of


def _money(value: Any) -> Money | None:
    return None if value is None else Money(int(value))


def _developer(r: Row[Any]) -> DeveloperRecord:
    return DeveloperRecord(
        id=r.id,
        code=r.code,
        name=r.name,
        credit_code=r.credit_code,
        status=r.status,
        guarantee_terms=r.guarantee_terms,
        branch_id=r.branch_id,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def _project(r: Row[Any]) -> ProjectRecord:
    return ProjectRecord(
        id=r.id,
        developer_id=r.developer_id,
        name=r.name,
        address=r.address,
        presale_permit=r.presale_permit,
        planning_permit=r.planning_permit,
        construction_permit=r.construction_permit,
        land_use_permit=r.land_use_permit,
        guarantee_terms=r.guarantee_terms,
        status=r.status,
        created_at=r.created_at,
    )


def _loan(r: Row[Any]) -> LoanRecord:
    return LoanRecord(
        id=r.id,
        loan_no=r.loan_no,
        case_no=r.case_no,
        state=r.state,
        branch_id=r.branch_id,
        borrower_account_no=r.borrower_account_no,
        borrower_member_id=r.borrower_member_id,
        co_borrower_account_no=r.co_borrower_account_no,
        co_borrower_member_id=r.co_borrower_member_id,
        house_kind=r.house_kind,
        project_id=r.project_id,
        building_id=r.building_id,
        house_address=r.house_address,
        house_price=Money(r.house_price_fen),
        appraisal=_money(r.appraisal_fen),
        down_payment=Money(r.down_payment_fen),
        amount=Money(r.amount_fen),
        term_months=r.term_months,
        method=r.method,
        first_home=bool(r.first_home),
        annual_rate=_rate(r.annual_rate),
        limit=Money(r.limit_fen),
        decision=json.loads(r.decision),
        seller_name=r.seller_name,
        seller_account_no=r.seller_account_no,
        seller_bank_code=r.seller_bank_code,
        repayment_account_no=r.repayment_account_no,
        offset_agreement=bool(r.offset_agreement),
        commercial_bank=r.commercial_bank,
        commercial_amount=_money(r.commercial_amount_fen),
        commercial_rate=None if r.commercial_rate is None else _rate(r.commercial_rate),
        commercial_term_months=r.commercial_term_months,
        contract_no=r.contract_no,
        contract_signed_on=r.contract_signed_on,
        mortgage_no=r.mortgage_no,
        mortgage_registered_on=r.mortgage_registered_on,
        certificates=r.certificates,
        ledger_account_no=r.ledger_account_no,
        overdue_account_no=r.overdue_account_no,
        disbursement_e2e_id=r.disbursement_e2e_id,
        disbursed_on=r.disbursed_on,
        repayment_day=r.repayment_day,
        level=_money(r.level_fen),
        risk_tier=r.risk_tier,
        days_past_due=r.days_past_due,
        settled_on=r.settled_on,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
        override_tier=r.override_tier,
        override_reason=r.override_reason,
        application_signature=r.application_signature,
        signature_key_id=r.signature_key_id,
    )


_MONEY_KEYS = frozenset(
    {"house_price", "appraisal", "down_payment", "amount", "limit", "commercial_amount", "level"}
    | {"principal", "interest", "penalty"}
)


def _txn(r: Row[Any]) -> LoanTxnRecord:
    return LoanTxnRecord(
        id=r.id,
        loan_id=r.loan_id,
        txn_type=r.txn_type,
        business_date=r.business_date,
        amount=Money(r.amount_fen),
        principal=Money(r.principal_fen),
        interest=Money(r.interest_fen),
        penalty=Money(r.penalty_fen),
        voucher_no=r.voucher_no,
        source_ref=r.source_ref,
        memo=r.memo,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def _db_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Money → *_fen, Rate → Decimal, the decision → JSON: the service speaks in domain values."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in _MONEY_KEYS:
            out[f"{key}_fen"] = None if value is None else value.fen
        elif isinstance(value, Money):
            out[key if key.endswith("_fen") else f"{key}_fen"] = value.fen
        elif isinstance(value, Rate):
            out[key] = value.value
        elif key == "decision":
            out[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            out[key] = value
    return out


class SqlLoanRepository(LoanServicingSql):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- developers, projects, buildings ---------------------------------------------------------

    def insert_developer(self, values: Mapping[str, Any]) -> int | None:
        return insert_on_unique(self._conn, loan_developer, dict(values), "code")

    def developer(self, code: str) -> DeveloperRecord | None:
        row = self._conn.execute(select(loan_developer).where(loan_developer.c.code == code)).first()
        return None if row is None else _developer(row)

    def developer_by_id(self, developer_id: int) -> DeveloperRecord | None:
        row = self._conn.execute(select(loan_developer).where(loan_developer.c.id == developer_id)).first()
        return None if row is None else _developer(row)

    def list_developers(self, *, limit: int, offset: int) -> list[DeveloperRecord]:
        rows = self._conn.execute(
            select(loan_developer).order_by(loan_developer.c.code).limit(limit).offset(offset)
        )
        return [_developer(r) for r in rows]

    def update_developer(self, developer_id: int, values: Mapping[str, Any]) -> None:
        self._conn.execute(update(loan_developer).where(loan_developer.c.id == developer_id).values(**values))

    def insert_project(self, values: Mapping[str, Any]) -> int:
        row = self._conn.execute(insert(loan_project).values(**values).returning(loan_project.c.id)).one()
        return int(row[0])

    def project(self, project_id: int) -> ProjectRecord | None:
        row = self._conn.execute(select(loan_project).where(loan_project.c.id == project_id)).first()
        return None if row is None else _project(row)

    def projects_of(self, developer_id: int) -> list[ProjectRecord]:
        rows = self._conn.execute(
            select(loan_project)
            .where(loan_project.c.developer_id == developer_id)
            .order_by(loan_project.c.id)
        )
        return [_project(r) for r in rows]

    def insert_building(self, values: Mapping[str, Any]) -> int | None:
        stmt = select(loan_building.c.id).where(
            loan_building.c.project_id == values["project_id"], loan_building.c.name == values["name"]
        )
        if not insert_if_absent(self._conn, loan_building, dict(values)):
            return None
        return int(self._conn.execute(stmt).scalar_one())

    def building(self, building_id: int) -> BuildingRecord | None:
        row = self._conn.execute(select(loan_building).where(loan_building.c.id == building_id)).first()
        return None if row is None else BuildingRecord(row.id, row.project_id, row.name, row.status)

    def buildings_of(self, project_id: int) -> list[BuildingRecord]:
        rows = self._conn.execute(
            select(loan_building).where(loan_building.c.project_id == project_id).order_by(loan_building.c.id)
        )
        return [BuildingRecord(r.id, r.project_id, r.name, r.status) for r in rows]

    # --- loans -----------------------------------------------------------------------------------

    def claim_parties(self, loan_id: int, parties: Sequence[tuple[int, str]]) -> bool:
        # ON CONFLICT DO NOTHING against the partial unique index: the database, not a prior
        # read, decides which of two concurrent applications binds the person (C4). The first
        # party lost undoes the ones this call inserted.
        for member_id, role in parties:
            won = insert_if_absent(
                self._conn,
                loan_party,
                {"loan_id": loan_id, "member_id": member_id, "role": role, "active": True},
            )
            if not won:
                self._conn.execute(delete(loan_party).where(loan_party.c.loan_id == loan_id))
                return False
        return True

    def release_parties(self, loan_id: int) -> None:
        self._conn.execute(update(loan_party).where(loan_party.c.loan_id == loan_id).values(active=False))

    def has_active_loan(self, member_ids: Sequence[int]) -> bool:
        stmt = select(func.count()).where(loan_party.c.member_id.in_(list(member_ids)), loan_party.c.active)
        return int(self._conn.execute(stmt).scalar_one()) > 0

    def has_overdue_loan(self, member_id: int) -> bool:
        """A loan the person borrows or co-borrows is past due (days past due > 0)."""
        stmt = (
            select(func.count())
            .select_from(loan_party.join(loan, loan.c.id == loan_party.c.loan_id))
            .where(loan_party.c.member_id == member_id, loan_party.c.active, loan.c.days_past_due > 0)
        )
        return int(self._conn.execute(stmt).scalar_one()) > 0

    def count_loans_of(self, member_ids: Sequence[int]) -> int:
        ids = list(member_ids)
        stmt = select(func.count()).where(
            loan.c.disbursed_on.is_not(None),
            or_(loan.c.borrower_member_id.in_(ids), loan.c.co_borrower_member_id.in_(ids)),
        )
        return int(self._conn.execute(stmt).scalar_one())

    def insert_loan(self, values: Mapping[str, Any]) -> LoanRecord:
        row = self._conn.execute(insert(loan).values(**_db_values(values)).returning(loan.c.loan_no)).one()
        record = self.loan(str(row[0]))
        assert record is not None
        return record

    def loan(self, loan_no: str, *, for_update: bool = False) -> LoanRecord | None:
        stmt = select(loan).where(loan.c.loan_no == loan_no)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        return None if row is None else _loan(row)

    def loan_by_account(self, ledger_account_no: str) -> LoanRecord | None:
        row = self._conn.execute(select(loan).where(loan.c.ledger_account_no == ledger_account_no)).first()
        return None if row is None else _loan(row)

    def update_loan(self, loan_id: int, values: Mapping[str, Any], now: datetime) -> None:
        self._conn.execute(
            update(loan).where(loan.c.id == loan_id).values(**_db_values(values), updated_at=now)
        )

    def search(
        self, *, branch_id: int | None, state: str | None, limit: int, offset: int
    ) -> list[LoanRecord]:
        stmt = select(loan)
        if branch_id is not None:
            stmt = stmt.where(loan.c.branch_id == branch_id)
        if state is not None:
            stmt = stmt.where(loan.c.state == state)
        rows = self._conn.execute(stmt.order_by(loan.c.id.desc()).limit(limit).offset(offset))
        return [_loan(r) for r in rows]

    def replace_instalments(self, loan_id: int, from_no: int, rows: Sequence[Mapping[str, Any]]) -> None:
        t = loan_instalment
        self._conn.execute(delete(t).where(t.c.loan_id == loan_id, t.c.instalment_no >= from_no))
        if rows:
            self._conn.execute(insert(t), [{"loan_id": loan_id, **_db_values(r)} for r in rows])

    def instalments(self, loan_id: int) -> list[InstalmentRecord]:
        t = loan_instalment
        rows = self._conn.execute(select(t).where(t.c.loan_id == loan_id).order_by(t.c.instalment_no))
        return [instalment_record(r) for r in rows]

    def record_payments(self, loan_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        t = loan_instalment
        stmt = (
            update(t)
            .where(t.c.loan_id == bindparam("b_loan"), t.c.instalment_no == bindparam("b_no"))
            .values(
                paid_principal_fen=t.c.paid_principal_fen + bindparam("b_principal"),
                paid_interest_fen=t.c.paid_interest_fen + bindparam("b_interest"),
                paid_penalty_fen=t.c.paid_penalty_fen + bindparam("b_penalty"),
                overdue_fen=t.c.overdue_fen - bindparam("b_from_overdue"),
                settled_on=func.coalesce(t.c.settled_on, bindparam("b_settled", type_=t.c.settled_on.type)),
            )
        )
        self._conn.execute(
            stmt,
            [
                {
                    "b_loan": loan_id,
                    "b_no": r["instalment_no"],
                    "b_principal": r["principal"].fen,
                    "b_interest": r["interest"].fen,
                    "b_penalty": r["penalty"].fen,
                    "b_from_overdue": r.get("from_overdue", Money.ZERO).fen,
                    "b_settled": r["settled_on"],
                }
                for r in rows
            ],
        )

    def overdue_due(self, loan_ids: Sequence[int], day: date) -> list[tuple[int, int, Money]]:
        i = loan_instalment
        move = i.c.principal_fen - i.c.paid_principal_fen - i.c.overdue_fen
        stmt = (
            select(i.c.loan_id, i.c.instalment_no, move.label("move"))
            .where(i.c.loan_id.in_(list(loan_ids)), i.c.due_date < day, i.c.settled_on.is_(None), move > 0)
            .order_by(i.c.loan_id, i.c.instalment_no)
        )
        return [(int(r[0]), int(r[1]), Money(int(r[2]))) for r in self._conn.execute(stmt)]

    def add_overdue(self, loan_id: int, rows: Sequence[tuple[int, Money]]) -> None:
        if not rows:
            return
        t = loan_instalment
        stmt = (
            update(t)
            .where(t.c.loan_id == bindparam("b_loan"), t.c.instalment_no == bindparam("b_no"))
            .values(overdue_fen=t.c.overdue_fen + bindparam("b_amount"))
        )
        self._conn.execute(stmt, [{"b_loan": loan_id, "b_no": no, "b_amount": m.fen} for no, m in rows])

    def add_txn(self, values: Mapping[str, Any]) -> bool:
        return insert_if_absent(self._conn, loan_txn, _db_values(values))

    def txn_by_ref(self, loan_id: int, source_ref: str) -> LoanTxnRecord | None:
        stmt = select(loan_txn).where(loan_txn.c.loan_id == loan_id, loan_txn.c.source_ref == source_ref)
        found = [_txn(r) for r in self._conn.execute(stmt)]
        return found[0] if found else None

    def txns(self, loan_id: int) -> list[LoanTxnRecord]:
        rows = self._conn.execute(
            select(loan_txn).where(loan_txn.c.loan_id == loan_id).order_by(loan_txn.c.id)
        )
        return [_txn(r) for r in rows]

    def due_loans(
        self, day: date, *, after_id: int, limit: int, until_id: int | None = None
    ) -> list[DueLoan]:
        # One grouped statement per chunk: what each loan owes up to `day`, summed in SQL.
        i = loan_instalment
        owed = i.c.principal_fen + i.c.interest_fen - i.c.paid_principal_fen - i.c.paid_interest_fen
        stmt = (
            select(
                loan.c.id,
                loan.c.loan_no,
                loan.c.repayment_account_no,
                loan.c.borrower_member_id,
                func.sum(owed).label("owed"),
            )
            .join(i, i.c.loan_id == loan.c.id)
            .where(
                and_(
                    loan.c.id > after_id,
                    loan.c.id <= (until_id if until_id is not None else 2**62),
                    loan.c.state.in_(_REPAYING),
                    loan.c.offset_agreement.is_(False),
                    i.c.due_date <= day,
                    i.c.settled_on.is_(None),
                )
            )
            .group_by(loan.c.id, loan.c.loan_no, loan.c.repayment_account_no, loan.c.borrower_member_id)
            .order_by(loan.c.id)
            .limit(limit)
        )
        return [
            DueLoan(r.id, r.loan_no, r.repayment_account_no, r.borrower_member_id, Money(int(r.owed)))
            for r in self._conn.execute(stmt)
            if int(r.owed) > 0
        ]

    def offset_loan_ids_due(self, day: date, *, after_id: int, limit: int) -> list[int]:
        i = loan_instalment
        stmt = (
            select(loan.c.id)
            .where(
                loan.c.id > after_id,
                loan.c.state.in_(_REPAYING),
                loan.c.offset_agreement.is_(True),
                select(i.c.loan_id)
                .where(i.c.loan_id == loan.c.id, i.c.due_date <= day, i.c.settled_on.is_(None))
                .exists(),
            )
            .order_by(loan.c.id)
            .limit(limit)
        )
        return [int(r[0]) for r in self._conn.execute(stmt)]

    def oldest_unpaid(self, loan_ids: Sequence[int], day: date) -> dict[int, date]:
        i = loan_instalment
        stmt = (
            select(i.c.loan_id, func.min(i.c.due_date))
            .where(i.c.loan_id.in_(list(loan_ids)), i.c.due_date <= day, i.c.settled_on.is_(None))
            .group_by(i.c.loan_id)
        )
        return {int(r[0]): r[1] for r in self._conn.execute(stmt)}

    def set_classification(self, rows: Sequence[tuple[int, int, str]], now: datetime) -> None:
        if not rows:
            return
        stmt = (
            update(loan)
            .where(loan.c.id == bindparam("b_id"))
            .values(
                days_past_due=bindparam("b_dpd"),
                # A manual override (人工调整) only ever makes the class worse: the batch keeps it.
                risk_tier=case(
                    (
                        and_(loan.c.override_tier.is_not(None), loan.c.override_tier > bindparam("b_tier")),
                        loan.c.override_tier,
                    ),
                    else_=bindparam("b_tier"),
                ),
                updated_at=now,
            )
        )
        self._conn.execute(stmt, [{"b_id": i, "b_dpd": d, "b_tier": t} for i, d, t in rows])

    def loan_nos(self, loan_ids: Sequence[int]) -> list[str]:
        stmt = select(loan.c.loan_no).where(loan.c.id.in_(list(loan_ids))).order_by(loan.c.id)
        return [str(r[0]) for r in self._conn.execute(stmt)]

    def count_active(self) -> int:
        stmt = select(func.count()).select_from(loan).where(loan.c.state.in_(_REPAYING))
        return int(self._conn.execute(stmt).scalar_one())

    def active_loan_ids(self, *, after_id: int, limit: int) -> list[int]:
        stmt = (
            select(loan.c.id)
            .where(loan.c.id > after_id, loan.c.state.in_(_REPAYING))
            .order_by(loan.c.id)
            .limit(limit)
        )
        return [int(r[0]) for r in self._conn.execute(stmt)]


def _factory(conn: Connection, _deps: Deps) -> SqlLoanRepository:
    return SqlLoanRepository(conn)


register("loans", _factory)
