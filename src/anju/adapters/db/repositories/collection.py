"""Units, persons, member accounts, employment and cases (办件) on SQLAlchemy Core.

Personal data is sealed here and nowhere else: callers pass and receive plaintext, the tables hold
SM4 ciphertext plus an HMAC-SM3 blind index (anju.adapters.crypto.fields). Look-ups by resident ID
go through the blind index, so the database never sees the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Row

from anju.adapters.crypto.fields import BANK_CARD, PHONE, RESIDENT_ID, lookup_key, seal, unseal
from anju.adapters.db.repositories.common import SqlSequenceRepository, insert_on_unique
from anju.adapters.db.schema import metadata
from anju.adapters.db.tables.collection import (
    employment,
    member,
    member_account,
    service_case,
    service_case_event,
    unit,
)
from anju.adapters.db.tables.org import branch, centre_bank_account, entrusted_bank
from anju.adapters.db.unit_of_work import Deps, register
from anju.ids import CaseNo, MemberAccountNo, UnitAccountNo
from anju.money import Money, Rate
from anju.services.ports import (
    CaseEventRecord,
    CaseRecord,
    EmploymentRecord,
    MemberAccountRecord,
    MemberRecord,
    NewMemberAccount,
    NewUnit,
    UnitRecord,
)

# Mapping keys a caller may pass to update(); anything else is a programming error.
_UNIT_UPDATABLE = frozenset(
    {
        "name",
        "economic_type",
        "industry",
        "subordination",
        "address",
        "postcode",
        "email",
        "legal_rep_name",
        "handler_name",
        "handler_phone",
        "bank_id",
        "collection_account_id",
        "unit_ratio",
        "member_ratio",
        "payday",
        "status",
        "established_on",
        "closed_on",
        "close_reason",
        "paid_up_to",
        "suspense_account_no",
    }
)
_PERSON_UPDATABLE = frozenset({"name", "phone", "marital_status", "address"})
_ACCOUNT_UPDATABLE = frozenset(
    {
        "unit_id",
        "branch_id",
        "status",
        "status_before_freeze",
        "freeze_document",
        "wage_base_fen",
        "unit_monthly_fen",
        "member_monthly_fen",
        "closed_on",
        "close_reason",
        "paid_up_to",
        "bank_card",
        "bank_code",
    }
)
_CASE_UPDATABLE = frozenset(
    {
        "state",
        "checker",
        "approver",
        "second_approver",
        "reason",
        "finished_at",
        "rating",
        "rating_comment",
        "rated_at",
    }
)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ratio(value: Any) -> Rate:
    return Rate(value if isinstance(value, Decimal) else Decimal(str(value)))


def _checked(values: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    return dict(values)


# --- units -------------------------------------------------------------------------------------

_UNIT_COLUMNS = (
    *unit.c,
    entrusted_bank.c.code.label("bank_code"),
    entrusted_bank.c.name.label("bank_name"),
    centre_bank_account.c.account_no.label("collection_account_no"),
    branch.c.code.label("branch_code"),
    branch.c.name.label("branch_name"),
)


def _unit_select() -> Select[Any]:
    return select(*_UNIT_COLUMNS).select_from(
        unit.join(entrusted_bank, entrusted_bank.c.id == unit.c.bank_id)
        .join(centre_bank_account, centre_bank_account.c.id == unit.c.collection_account_id)
        .join(branch, branch.c.id == unit.c.branch_id)
    )


class SqlUnitRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._sequences = SqlSequenceRepository(conn)

    def _record(self, row: Row[Any]) -> UnitRecord:
        m = row._mapping
        phone = m["handler_phone_enc"]
        return UnitRecord(
            id=int(m["id"]),
            unit_account_no=m["unit_account_no"],
            name=m["name"],
            credit_code=m["credit_code"],
            economic_type=m["economic_type"],
            industry=m["industry"],
            subordination=m["subordination"],
            address=m["address"],
            postcode=m["postcode"],
            email=m["email"],
            legal_rep_name=m["legal_rep_name"],
            handler_name=m["handler_name"],
            handler_phone=None if phone is None else unseal(self._deps.crypto, PHONE, phone),
            bank_id=int(m["bank_id"]),
            bank_code=m["bank_code"],
            bank_name=m["bank_name"],
            collection_account_id=int(m["collection_account_id"]),
            collection_account_no=m["collection_account_no"],
            branch_id=int(m["branch_id"]),
            branch_code=m["branch_code"],
            branch_name=m["branch_name"],
            unit_ratio=_ratio(m["unit_ratio"]),
            member_ratio=_ratio(m["member_ratio"]),
            payday=int(m["payday"]),
            status=m["status"],
            established_on=m["established_on"],
            opened_on=m["opened_on"],
            closed_on=m["closed_on"],
            close_reason=m["close_reason"],
            paid_up_to=m["paid_up_to"],
            suspense_account_no=m["suspense_account_no"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
        )

    def _phone_columns(self, phone: str | None) -> dict[str, Any]:
        if phone is None:
            return {"handler_phone_enc": None, "handler_phone_idx": None}
        enc, idx = seal(self._deps.crypto, PHONE, phone)
        return {"handler_phone_enc": enc, "handler_phone_idx": idx}

    def next_unit_account_no(self) -> str:
        seq = self._sequences.next_value(UnitAccountNo.SEQUENCE)
        return UnitAccountNo.compose(self._deps.centre_code, seq).value

    def insert(self, new: NewUnit, now: datetime) -> int | None:
        values = {
            "unit_account_no": new.unit_account_no,
            "name": new.name,
            "credit_code": new.credit_code,
            "economic_type": new.economic_type,
            "industry": new.industry,
            "subordination": new.subordination,
            "address": new.address,
            "postcode": new.postcode,
            "email": new.email,
            "legal_rep_name": new.legal_rep_name,
            "handler_name": new.handler_name,
            **self._phone_columns(new.handler_phone),
            "bank_id": new.bank_id,
            "collection_account_id": new.collection_account_id,
            "branch_id": new.branch_id,
            "unit_ratio": new.unit_ratio.value,
            "member_ratio": new.member_ratio.value,
            "payday": new.payday,
            "status": new.status,
            "established_on": new.established_on,
            "opened_on": new.opened_on,
            # The suspense sub-account is opened with the unit's id as its owner, then set.
            "suspense_account_no": "",
            "created_at": now,
            "updated_at": now,
        }
        return insert_on_unique(self._conn, unit, values, "credit_code")

    def get(self, unit_account_no: str, *, for_update: bool = False) -> UnitRecord | None:
        stmt = _unit_select().where(unit.c.unit_account_no == unit_account_no)
        if for_update:
            stmt = stmt.with_for_update(of=unit)
        row = self._conn.execute(stmt).first()
        return None if row is None else self._record(row)

    def get_by_id(self, unit_id: int) -> UnitRecord | None:
        row = self._conn.execute(_unit_select().where(unit.c.id == unit_id)).first()
        return None if row is None else self._record(row)

    def by_credit_code(self, credit_code: str) -> UnitRecord | None:
        row = self._conn.execute(_unit_select().where(unit.c.credit_code == credit_code)).first()
        return None if row is None else self._record(row)

    def update(self, unit_id: int, values: Mapping[str, Any], now: datetime) -> None:
        changes = _checked(values, _UNIT_UPDATABLE)
        if "handler_phone" in changes:
            changes.update(self._phone_columns(changes.pop("handler_phone")))
        for key in ("unit_ratio", "member_ratio"):
            if isinstance(changes.get(key), Rate):
                changes[key] = changes[key].value
        changes["updated_at"] = now
        self._conn.execute(update(unit).where(unit.c.id == unit_id).values(**changes))

    def _filters(
        self, branch_id: int | None, text: str | None, status: str | None
    ) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = []
        if branch_id is not None:
            filters.append(unit.c.branch_id == branch_id)
        if status:
            filters.append(unit.c.status == status)
        if text:
            value = text.strip()
            filters.append(
                or_(
                    unit.c.unit_account_no == value,
                    unit.c.credit_code == value.upper(),
                    unit.c.name.like(_like(value), escape="\\"),
                )
            )
        return filters

    def search(
        self, *, branch_id: int | None, text: str | None, status: str | None, limit: int, offset: int
    ) -> list[UnitRecord]:
        stmt = (
            _unit_select()
            .where(*self._filters(branch_id, text, status))
            .order_by(unit.c.unit_account_no)
            .limit(limit)
            .offset(offset)
        )
        return [self._record(row) for row in self._conn.execute(stmt)]

    def count(self, *, branch_id: int | None, text: str | None, status: str | None) -> int:
        stmt = select(func.count()).select_from(unit).where(*self._filters(branch_id, text, status))
        return int(self._conn.execute(stmt).scalar_one())

    def member_counts(self, unit_id: int) -> dict[str, int]:
        stmt = (
            select(member_account.c.status, func.count())
            .where(member_account.c.unit_id == unit_id)
            .group_by(member_account.c.status)
        )
        return {status: int(n) for status, n in self._conn.execute(stmt)}

    def unpaid_confirmed_rosters(self, unit_id: int) -> int:
        roster = metadata.tables.get("roster")  # collection-B's table, when installed
        if roster is None:
            return 0
        stmt = (
            select(func.count())
            .select_from(roster)
            .where(roster.c.unit_id == unit_id, roster.c.state == "confirmed")
        )
        return int(self._conn.execute(stmt).scalar_one())


# --- persons and member accounts ---------------------------------------------------------------

_ACCOUNT_COLUMNS = (
    *member_account.c,
    member.c.id.label("person_id"),
    member.c.resident_id_enc,
    member.c.id_type,
    member.c.name,
    member.c.gender,
    member.c.birth_date,
    member.c.phone_enc,
    member.c.marital_status,
    member.c.address,
    member.c.created_at.label("person_created_at"),
    member.c.updated_at.label("person_updated_at"),
    unit.c.unit_account_no,
    unit.c.name.label("unit_name"),
)


def _account_select() -> Select[Any]:
    return select(*_ACCOUNT_COLUMNS).select_from(
        member_account.join(member, member.c.id == member_account.c.member_id).outerjoin(
            unit, unit.c.id == member_account.c.unit_id
        )
    )


class SqlMemberRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._sequences = SqlSequenceRepository(conn)

    # persons

    def _person(self, m: Any, *, prefix: str = "") -> MemberRecord:
        crypto = self._deps.crypto
        phone = m["phone_enc"]
        return MemberRecord(
            id=int(m[f"{prefix}id"]),
            resident_id=unseal(crypto, RESIDENT_ID, m["resident_id_enc"]),
            id_type=m["id_type"],
            name=m["name"],
            gender=m["gender"],
            birth_date=m["birth_date"],
            phone=None if phone is None else unseal(crypto, PHONE, phone),
            marital_status=m["marital_status"],
            address=m["address"],
            created_at=m[f"{prefix}created_at"],
            updated_at=m[f"{prefix}updated_at"],
        )

    def person_by_resident_id(self, resident_id: str) -> MemberRecord | None:
        key = lookup_key(self._deps.crypto, RESIDENT_ID, resident_id)
        row = self._conn.execute(select(member).where(member.c.resident_id_idx == key)).first()
        return None if row is None else self._person(row._mapping)

    def insert_person(
        self,
        *,
        resident_id: str,
        id_type: str,
        name: str,
        gender: str,
        birth_date: date,
        phone: str | None,
        marital_status: str | None,
        address: str | None,
        now: datetime,
    ) -> int | None:
        crypto = self._deps.crypto
        enc, idx = seal(crypto, RESIDENT_ID, resident_id)
        values = {
            "resident_id_enc": enc,
            "resident_id_idx": idx,
            "id_type": id_type,
            "name": name,
            "gender": gender,
            "birth_date": birth_date,
            **self._phone_columns(phone),
            "marital_status": marital_status,
            "address": address,
            "created_at": now,
            "updated_at": now,
        }
        return insert_on_unique(self._conn, member, values, "resident_id_idx")

    def _phone_columns(self, phone: str | None) -> dict[str, Any]:
        if phone is None:
            return {"phone_enc": None, "phone_idx": None}
        enc, idx = seal(self._deps.crypto, PHONE, phone)
        return {"phone_enc": enc, "phone_idx": idx}

    def _card_columns(self, card: str | None) -> dict[str, Any]:
        if card is None:
            return {"bank_card_enc": None, "bank_card_idx": None}
        enc, idx = seal(self._deps.crypto, BANK_CARD, card)
        return {"bank_card_enc": enc, "bank_card_idx": idx}

    def update_person(self, member_id: int, values: Mapping[str, Any], now: datetime) -> None:
        changes = _checked(values, _PERSON_UPDATABLE)
        if "phone" in changes:
            changes.update(self._phone_columns(changes.pop("phone")))
        changes["updated_at"] = now
        self._conn.execute(update(member).where(member.c.id == member_id).values(**changes))

    # accounts

    def _account(self, row: Row[Any]) -> MemberAccountRecord:
        m = row._mapping
        card = m["bank_card_enc"]
        return MemberAccountRecord(
            id=int(m["id"]),
            account_no=m["account_no"],
            member_id=int(m["member_id"]),
            ledger_account_no=m["ledger_account_no"],
            unit_id=None if m["unit_id"] is None else int(m["unit_id"]),
            unit_account_no=m["unit_account_no"],
            unit_name=m["unit_name"],
            branch_id=int(m["branch_id"]),
            status=m["status"],
            status_before_freeze=m["status_before_freeze"],
            freeze_document=m["freeze_document"],
            wage_base=Money(int(m["wage_base_fen"])),
            unit_monthly=Money(int(m["unit_monthly_fen"])),
            member_monthly=Money(int(m["member_monthly_fen"])),
            opened_on=m["opened_on"],
            closed_on=m["closed_on"],
            close_reason=m["close_reason"],
            paid_up_to=m["paid_up_to"],
            bank_card=None if card is None else unseal(self._deps.crypto, BANK_CARD, card),
            bank_code=m["bank_code"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            person=self._person(m, prefix="person_"),
        )

    def next_member_account_no(self) -> str:
        seq = self._sequences.next_value(MemberAccountNo.SEQUENCE)
        return MemberAccountNo.compose(self._deps.centre_code, seq).value

    def insert_account(self, new: NewMemberAccount, now: datetime) -> int:
        values = {
            "account_no": new.account_no,
            "member_id": new.member_id,
            "ledger_account_no": new.ledger_account_no,
            "unit_id": new.unit_id,
            "branch_id": new.branch_id,
            "status": new.status,
            "wage_base_fen": new.wage_base.fen,
            "unit_monthly_fen": new.unit_monthly.fen,
            "member_monthly_fen": new.member_monthly.fen,
            "opened_on": new.opened_on,
            **self._card_columns(new.bank_card),
            "bank_code": new.bank_code,
            "created_at": now,
            "updated_at": now,
        }
        row = self._conn.execute(insert(member_account).values(**values).returning(member_account.c.id)).one()
        return int(row[0])

    def _one(self, where: ColumnElement[bool], for_update: bool) -> MemberAccountRecord | None:
        stmt = _account_select().where(where)
        if for_update:
            stmt = stmt.with_for_update(of=member_account)
        row = self._conn.execute(stmt).first()
        return None if row is None else self._account(row)

    def account(self, account_no: str, *, for_update: bool = False) -> MemberAccountRecord | None:
        return self._one(member_account.c.account_no == account_no, for_update)

    def account_of_person(self, member_id: int, *, for_update: bool = False) -> MemberAccountRecord | None:
        return self._one(member_account.c.member_id == member_id, for_update)

    def update_account(self, account_id: int, values: Mapping[str, Any], now: datetime) -> None:
        changes = _checked(values, _ACCOUNT_UPDATABLE)
        if "bank_card" in changes:
            changes.update(self._card_columns(changes.pop("bank_card")))
        changes["updated_at"] = now
        self._conn.execute(update(member_account).where(member_account.c.id == account_id).values(**changes))

    def _unit_filter(self, unit_id: int, statuses: frozenset[str] | None) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = [member_account.c.unit_id == unit_id]
        if statuses is not None:
            filters.append(member_account.c.status.in_(sorted(statuses)))
        return filters

    def accounts_of_unit(
        self, unit_id: int, *, statuses: frozenset[str] | None, limit: int, offset: int
    ) -> list[MemberAccountRecord]:
        stmt = (
            _account_select()
            .where(*self._unit_filter(unit_id, statuses))
            .order_by(member_account.c.account_no)
            .limit(limit)
            .offset(offset)
        )
        return [self._account(row) for row in self._conn.execute(stmt)]

    def count_accounts_of_unit(self, unit_id: int, *, statuses: frozenset[str] | None) -> int:
        stmt = select(func.count()).select_from(member_account).where(*self._unit_filter(unit_id, statuses))
        return int(self._conn.execute(stmt).scalar_one())

    def search_accounts(
        self, *, branch_id: int | None, text: str | None, limit: int, offset: int
    ) -> list[MemberAccountRecord]:
        filters: list[ColumnElement[bool]] = []
        if branch_id is not None:
            filters.append(member_account.c.branch_id == branch_id)
        if text:
            value = text.strip()
            key = lookup_key(self._deps.crypto, RESIDENT_ID, value.upper())
            filters.append(
                or_(
                    member_account.c.account_no == value,
                    member.c.resident_id_idx == key,
                    member.c.name.like(_like(value), escape="\\"),
                )
            )
        stmt = (
            _account_select()
            .where(*filters)
            .order_by(member_account.c.account_no)
            .limit(limit)
            .offset(offset)
        )
        return [self._account(row) for row in self._conn.execute(stmt)]

    def set_parts(self, parts: list[tuple[int, Money, Money]], now: datetime) -> None:
        if not parts:
            return
        stmt = (
            update(member_account)
            .where(member_account.c.id == bindparam("b_id"))
            .values(
                unit_monthly_fen=bindparam("b_unit"),
                member_monthly_fen=bindparam("b_member"),
                updated_at=bindparam("b_now"),
            )
        )
        self._conn.execute(
            stmt,
            [{"b_id": i, "b_unit": u.fen, "b_member": m.fen, "b_now": now} for i, u, m in parts],
        )

    def seal_unit_members(self, unit_id: int, day: date, now: datetime) -> int:
        normal = and_(member_account.c.unit_id == unit_id, member_account.c.status == "01")
        ids = select(member_account.c.id).where(normal).scalar_subquery()
        self._conn.execute(
            update(employment)
            .where(employment.c.member_account_id.in_(ids), employment.c.ended_on.is_(None))
            .values(ended_on=day, end_event="seal")
        )
        sealed = self._conn.execute(
            update(member_account)
            .where(normal)
            .values(status="02", updated_at=now)
            .returning(member_account.c.id)
        ).all()
        return len(sealed)

    def start_employment(self, account_id: int, unit_id: int, day: date, event: str) -> None:
        self._conn.execute(
            insert(employment).values(
                member_account_id=account_id, unit_id=unit_id, started_on=day, start_event=event
            )
        )

    def end_employment(self, account_id: int, day: date, event: str) -> None:
        self._conn.execute(
            update(employment)
            .where(employment.c.member_account_id == account_id, employment.c.ended_on.is_(None))
            .values(ended_on=day, end_event=event)
        )

    def employments(self, account_id: int) -> list[EmploymentRecord]:
        stmt = (
            select(employment, unit.c.unit_account_no, unit.c.name.label("unit_name"))
            .select_from(employment.join(unit, unit.c.id == employment.c.unit_id))
            .where(employment.c.member_account_id == account_id)
            .order_by(employment.c.started_on, employment.c.id)
        )
        return [
            EmploymentRecord(
                unit_id=int(r.unit_id),
                unit_account_no=r.unit_account_no,
                unit_name=r.unit_name,
                started_on=r.started_on,
                ended_on=r.ended_on,
                start_event=r.start_event,
                end_event=r.end_event,
            )
            for r in self._conn.execute(stmt)
        ]


# --- cases -------------------------------------------------------------------------------------


def _case(row: Row[Any]) -> CaseRecord:
    m = row._mapping
    amount = m["amount_fen"]
    return CaseRecord(
        id=int(m["id"]),
        case_no=m["case_no"],
        kind=m["kind"],
        channel=m["channel"],
        state=m["state"],
        subject_type=m["subject_type"],
        subject_ref=m["subject_ref"],
        branch_id=None if m["branch_id"] is None else int(m["branch_id"]),
        applicant=m["applicant"],
        maker=m["maker"],
        checker=m["checker"],
        approver=m["approver"],
        second_approver=m["second_approver"],
        amount=None if amount is None else Money(int(amount)),
        summary=m["summary"],
        reason=m["reason"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        finished_at=m["finished_at"],
        rating=m["rating"],
        rating_comment=m["rating_comment"],
        rated_at=m["rated_at"],
    )


class SqlCaseRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._sequences = SqlSequenceRepository(conn)

    def next_case_no(self) -> str:
        seq = self._sequences.next_value(CaseNo.SEQUENCE)
        return CaseNo.compose(self._deps.centre_code, seq).value

    def insert(
        self,
        *,
        case_no: str,
        kind: str,
        channel: str,
        subject_type: str,
        subject_ref: str,
        branch_id: int | None,
        applicant: str | None,
        maker: str,
        amount: Money | None,
        summary: str,
        now: datetime,
        finished: bool = False,
    ) -> CaseRecord:
        row = self._conn.execute(
            insert(service_case)
            .values(
                case_no=case_no,
                kind=kind,
                channel=channel,
                state="done" if finished else "accepted",
                finished_at=now if finished else None,
                subject_type=subject_type,
                subject_ref=subject_ref,
                branch_id=branch_id,
                applicant=applicant,
                maker=maker,
                amount_fen=None if amount is None else amount.fen,
                summary=summary,
                created_at=now,
                updated_at=now,
            )
            .returning(*service_case.c)
        ).one()
        return _case(row)

    def get(self, case_no: str, *, for_update: bool = False) -> CaseRecord | None:
        stmt = select(service_case).where(service_case.c.case_no == case_no)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        return None if row is None else _case(row)

    def update(self, case_id: int, values: Mapping[str, Any], now: datetime) -> None:
        changes = _checked(values, _CASE_UPDATABLE)
        changes["updated_at"] = now
        self._conn.execute(update(service_case).where(service_case.c.id == case_id).values(**changes))

    def add_event(
        self,
        case_id: int,
        *,
        action: str,
        from_state: str | None,
        to_state: str,
        actor: str,
        reason: str | None,
        now: datetime,
    ) -> None:
        self._conn.execute(
            insert(service_case_event).values(
                case_id=case_id,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor=actor,
                reason=reason,
                occurred_at=now,
            )
        )

    def events(self, case_id: int) -> list[CaseEventRecord]:
        t = service_case_event
        stmt = select(t).where(t.c.case_id == case_id).order_by(t.c.id)
        return [
            CaseEventRecord(
                action=r.action,
                from_state=r.from_state,
                to_state=r.to_state,
                actor=r.actor,
                reason=r.reason,
                occurred_at=r.occurred_at,
            )
            for r in self._conn.execute(stmt)
        ]

    def _filters(
        self,
        branch_id: int | None,
        state: str | None,
        kind: str | None,
        subject_ref: str | None,
        channel: str | None = None,
    ) -> list[ColumnElement[bool]]:
        t = service_case
        filters: list[ColumnElement[bool]] = []
        if branch_id is not None:
            # Centre-level cases (no branch) are visible everywhere, as Actor.can_access_branch says.
            filters.append(or_(t.c.branch_id == branch_id, t.c.branch_id.is_(None)))
        if state:
            filters.append(t.c.state == state)
        if kind:
            filters.append(t.c.kind == kind)
        if channel:
            filters.append(t.c.channel == channel)
        if subject_ref:
            filters.append(or_(t.c.subject_ref == subject_ref, t.c.case_no == subject_ref))
        return filters

    def search(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        kind: str | None,
        subject_ref: str | None,
        limit: int,
        offset: int,
        channel: str | None = None,
    ) -> list[CaseRecord]:
        t = service_case
        stmt = (
            select(t)
            .where(*self._filters(branch_id, state, kind, subject_ref, channel))
            .order_by(t.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_case(row) for row in self._conn.execute(stmt)]

    def count(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        kind: str | None,
        subject_ref: str | None,
        channel: str | None = None,
    ) -> int:
        stmt = (
            select(func.count())
            .select_from(service_case)
            .where(*self._filters(branch_id, state, kind, subject_ref, channel))
        )
        return int(self._conn.execute(stmt).scalar_one())


register("units", SqlUnitRepository)
register("members", SqlMemberRepository)
register("cases", SqlCaseRepository)
