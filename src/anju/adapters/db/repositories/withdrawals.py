"""Withdrawals (提取): applications, blacklist, agreements, data-sharing consents and look-ups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.crypto.fields import BANK_CARD, seal, unseal
from anju.adapters.db.repositories.common import SqlSequenceRepository, insert_if_absent
from anju.adapters.db.tables.withdrawals import (
    data_sharing_consent,
    data_sharing_lookup,
    withdrawal,
    withdrawal_agreement,
    withdrawal_blacklist,
)
from anju.adapters.db.unit_of_work import Deps, register
from anju.domain.withdrawals import AgreementNo, WithdrawalNo
from anju.money import Money
from anju.services.withdrawal_ports import (
    COUNTED_STATES,
    OPEN_STATES,
    AgreementRecord,
    BlacklistRecord,
    ConsentRecord,
    HistoryRow,
    LookupRecord,
    WithdrawalRecord,
    WithdrawalState,
)

_MONEY_COLUMNS = {"amount": "amount_fen", "interest": "interest_fen", "limit": "limit_fen"}


class SqlWithdrawalRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._sequences = SqlSequenceRepository(conn)

    # --- helpers ---------------------------------------------------------------------------

    def _columns(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key == "payee_card":
                out["payee_card_enc"] = seal(self._deps.crypto, BANK_CARD, value)[0]
            elif key in _MONEY_COLUMNS:
                out[_MONEY_COLUMNS[key]] = None if value is None else value.fen
            else:
                out[key] = value
        return out

    def _record(self, r: Row[Any]) -> WithdrawalRecord:
        return WithdrawalRecord(
            id=r.id,
            withdrawal_no=r.withdrawal_no,
            case_no=r.case_no,
            member_account_no=r.member_account_no,
            member_id=r.member_id,
            ledger_account_no=r.ledger_account_no,
            branch_id=r.branch_id,
            reason_code=r.reason_code,
            standard_code=r.standard_code,
            closes_account=bool(r.closes_account),
            state=r.state,
            amount=Money(r.amount_fen),
            interest=Money(r.interest_fen),
            limit=None if r.limit_fen is None else Money(r.limit_fen),
            payee_name=r.payee_name,
            payee_card=unseal(self._deps.crypto, BANK_CARD, r.payee_card_enc),
            payee_bank_code=r.payee_bank_code,
            property_ref=r.property_ref,
            evidence_json=r.evidence_json,
            decision_json=r.decision_json,
            auto_approved=bool(r.auto_approved),
            channel=r.channel,
            source=r.source,
            source_ref=r.source_ref,
            agreement_id=r.agreement_id,
            business_date=r.business_date,
            paid_on=r.paid_on,
            e2e_id=r.e2e_id,
            attempt=r.attempt,
            note=r.note,
            created_by=r.created_by,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )

    def _one(self, where: Any, *, for_update: bool = False) -> WithdrawalRecord | None:
        stmt = select(withdrawal).where(where)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        return None if row is None else self._record(row)

    # --- withdrawals -------------------------------------------------------------------------

    def next_withdrawal_no(self) -> str:
        seq = self._sequences.next_value(WithdrawalNo.SEQUENCE)
        return WithdrawalNo.compose(self._deps.centre_code, seq).value

    def insert(self, values: Mapping[str, Any]) -> WithdrawalRecord | None:
        cols = self._columns(values)
        if not insert_if_absent(self._conn, withdrawal, cols):
            return None
        return self._one(withdrawal.c.withdrawal_no == cols["withdrawal_no"])

    def by_source(self, source: str, source_ref: str) -> WithdrawalRecord | None:
        return self._one((withdrawal.c.source == source) & (withdrawal.c.source_ref == source_ref))

    def get(self, withdrawal_no: str, *, for_update: bool = False) -> WithdrawalRecord | None:
        return self._one(withdrawal.c.withdrawal_no == withdrawal_no, for_update=for_update)

    def by_e2e_id(self, e2e_id: str, *, for_update: bool = False) -> WithdrawalRecord | None:
        return self._one(withdrawal.c.e2e_id == e2e_id, for_update=for_update)

    def update(self, withdrawal_id: int, values: Mapping[str, Any], now: datetime) -> None:
        cols = self._columns(values)
        cols["updated_at"] = now
        self._conn.execute(update(withdrawal).where(withdrawal.c.id == withdrawal_id).values(**cols))

    def pending_total(self, member_id: int, *, excluding: int | None = None) -> Money:
        t = withdrawal
        stmt = select(func.coalesce(func.sum(t.c.amount_fen), 0)).where(
            t.c.member_id == member_id, t.c.state.in_(sorted(OPEN_STATES))
        )
        if excluding is not None:
            stmt = stmt.where(t.c.id != excluding)
        return Money(int(self._conn.execute(stmt).scalar_one()))

    def in_payment_total(self, member_id: int) -> Money:
        t = withdrawal
        stmt = select(func.coalesce(func.sum(t.c.amount_fen + t.c.interest_fen), 0)).where(
            t.c.member_id == member_id, t.c.state == WithdrawalState.PAYING
        )
        return Money(int(self._conn.execute(stmt).scalar_one()))

    def history(self, member_id: int, *, excluding: int | None = None) -> list[HistoryRow]:
        t = withdrawal
        stmt = (
            select(t.c.reason_code, t.c.business_date, t.c.amount_fen, t.c.property_ref)
            .where(t.c.member_id == member_id, t.c.state.in_(sorted(COUNTED_STATES)))
            .order_by(t.c.business_date, t.c.id)
        )
        if excluding is not None:
            stmt = stmt.where(t.c.id != excluding)
        return [
            HistoryRow(r.reason_code, r.business_date, Money(r.amount_fen), r.property_ref)
            for r in self._conn.execute(stmt)
        ]

    def _filtered(self, stmt: Any, branch_id: int | None, state: str | None, account: str | None) -> Any:
        t = withdrawal
        if branch_id is not None:
            stmt = stmt.where(t.c.branch_id == branch_id)
        if state:
            stmt = stmt.where(t.c.state == state)
        if account:
            stmt = stmt.where((t.c.member_account_no == account) | (t.c.withdrawal_no == account))
        return stmt

    def search(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        member_account_no: str | None,
        limit: int,
        offset: int,
    ) -> list[WithdrawalRecord]:
        stmt = self._filtered(select(withdrawal), branch_id, state, member_account_no)
        stmt = stmt.order_by(withdrawal.c.id.desc()).limit(limit).offset(offset)
        return [self._record(r) for r in self._conn.execute(stmt)]

    def count(self, *, branch_id: int | None, state: str | None, member_account_no: str | None) -> int:
        stmt = self._filtered(
            select(func.count()).select_from(withdrawal), branch_id, state, member_account_no
        )
        return int(self._conn.execute(stmt).scalar_one())

    # --- blacklist ---------------------------------------------------------------------------

    @staticmethod
    def _black(r: Row[Any]) -> BlacklistRecord:
        return BlacklistRecord(
            r.member_id, r.member_account_no, r.reason, r.fraud_found_on, r.added_by, r.added_at
        )

    def blacklist_entry(self, member_id: int) -> BlacklistRecord | None:
        row = self._conn.execute(
            select(withdrawal_blacklist).where(withdrawal_blacklist.c.member_id == member_id)
        ).first()
        return None if row is None else self._black(row)

    def add_blacklist(self, record: BlacklistRecord) -> bool:
        return insert_if_absent(
            self._conn,
            withdrawal_blacklist,
            {
                "member_id": record.member_id,
                "member_account_no": record.member_account_no,
                "reason": record.reason,
                "fraud_found_on": record.fraud_found_on,
                "added_by": record.added_by,
                "added_at": record.added_at,
            },
        )

    def remove_blacklist(self, member_id: int) -> bool:
        t = withdrawal_blacklist
        row = self._conn.execute(delete(t).where(t.c.member_id == member_id).returning(t.c.id)).first()
        return row is not None

    def blacklist(self, *, limit: int, offset: int) -> list[BlacklistRecord]:
        t = withdrawal_blacklist
        stmt = select(t).order_by(t.c.id.desc()).limit(limit).offset(offset)
        return [self._black(r) for r in self._conn.execute(stmt)]

    # --- agreements --------------------------------------------------------------------------

    def _agreement(self, r: Row[Any]) -> AgreementRecord:
        return AgreementRecord(
            id=r.id,
            agreement_no=r.agreement_no,
            member_account_no=r.member_account_no,
            member_id=r.member_id,
            branch_id=r.branch_id,
            reason_code=r.reason_code,
            period_months=r.period_months,
            amount=Money(r.amount_fen),
            next_due=r.next_due,
            end_date=r.end_date,
            state=r.state,
            evidence_json=r.evidence_json,
            payee_name=r.payee_name,
            payee_card=unseal(self._deps.crypto, BANK_CARD, r.payee_card_enc),
            payee_bank_code=r.payee_bank_code,
            created_by=r.created_by,
        )

    def next_agreement_no(self) -> str:
        seq = self._sequences.next_value(AgreementNo.SEQUENCE)
        return AgreementNo.compose(self._deps.centre_code, seq).value

    def insert_agreement(self, values: Mapping[str, Any]) -> AgreementRecord:
        cols = self._columns(values)
        self._conn.execute(withdrawal_agreement.insert().values(**cols))
        found = self.agreement(cols["agreement_no"])
        assert found is not None
        return found

    def agreement(self, agreement_no: str, *, for_update: bool = False) -> AgreementRecord | None:
        stmt = select(withdrawal_agreement).where(withdrawal_agreement.c.agreement_no == agreement_no)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        return None if row is None else self._agreement(row)

    def agreements_of(self, member_id: int) -> list[AgreementRecord]:
        t = withdrawal_agreement
        stmt = select(t).where(t.c.member_id == member_id).order_by(t.c.id)
        return [self._agreement(r) for r in self._conn.execute(stmt)]

    def due_agreements(self, day: date, *, after_id: int, limit: int) -> list[AgreementRecord]:
        t = withdrawal_agreement
        stmt = (
            select(t)
            .where(t.c.state == "active", t.c.next_due <= day, t.c.id > after_id)
            .order_by(t.c.id)
            .limit(limit)
        )
        return [self._agreement(r) for r in self._conn.execute(stmt)]

    def update_agreement(self, agreement_id: int, values: Mapping[str, Any], now: datetime) -> None:
        cols = self._columns(values)
        cols["updated_at"] = now
        t = withdrawal_agreement
        self._conn.execute(update(t).where(t.c.id == agreement_id).values(**cols))

    # --- data sharing ------------------------------------------------------------------------

    @staticmethod
    def _consent(r: Row[Any]) -> ConsentRecord:
        return ConsentRecord(
            id=r.id,
            member_id=r.member_id,
            scopes=frozenset(s for s in r.scopes.split(",") if s),
            granted_on=r.granted_on,
            expires_on=r.expires_on,
            revoked_at=r.revoked_at,
            document_ref=r.document_ref,
        )

    def insert_consent(self, values: Mapping[str, Any]) -> ConsentRecord:
        cols = dict(values)
        cols["scopes"] = ",".join(sorted(cols["scopes"]))
        new_id = self._conn.execute(
            data_sharing_consent.insert().values(**cols).returning(data_sharing_consent.c.id)
        ).scalar_one()
        row = self._conn.execute(
            select(data_sharing_consent).where(data_sharing_consent.c.id == new_id)
        ).one()
        return self._consent(row)

    def consents(self, member_id: int) -> list[ConsentRecord]:
        t = data_sharing_consent
        stmt = select(t).where(t.c.member_id == member_id).order_by(t.c.id)
        return [self._consent(r) for r in self._conn.execute(stmt)]

    def revoke_consent(self, consent_id: int, now: datetime) -> bool:
        t = data_sharing_consent
        row = self._conn.execute(
            update(t)
            .where(t.c.id == consent_id, t.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(t.c.id)
        ).first()
        return row is not None

    def add_lookup(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(data_sharing_lookup.insert().values(**values))

    def lookups(self, member_id: int) -> list[LookupRecord]:
        t = data_sharing_lookup
        stmt = select(t).where(t.c.member_id == member_id).order_by(t.c.id)
        return [
            LookupRecord(r.registry, r.purpose, r.outcome, r.actor, r.looked_up_at, r.consent_id)
            for r in self._conn.execute(stmt)
        ]


register("withdrawals", SqlWithdrawalRepository)
