"""Hall accounts, login challenges, hall sessions and the SMS outbox (services.hall_ports).

Counters are conditional UPDATEs with RETURNING, so two concurrent attempts cannot both read
"4 failures" and write 5, nor both use one SMS code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_on_unique
from anju.adapters.db.repositories.security import as_utc, as_utc_or_none
from anju.adapters.db.tables.hall import hall_account, hall_challenge, hall_session, sms_message
from anju.adapters.db.tables.loans import loan, loan_building, loan_project
from anju.adapters.db.unit_of_work import Deps, register
from anju.money import Money
from anju.services.hall_ports import (
    DeveloperApplicationRecord,
    HallAccountRecord,
    HallChallengeRecord,
    HallSessionRecord,
    SmsRecord,
)


def _account(row: Row[Any]) -> HallAccountRecord:
    return HallAccountRecord(
        id=int(row.id),
        kind=row.kind,
        login=row.login,
        unit_id=None if row.unit_id is None else int(row.unit_id),
        member_id=None if row.member_id is None else int(row.member_id),
        developer_id=None if row.developer_id is None else int(row.developer_id),
        display_name=row.display_name,
        phone_enc=bytes(row.phone_enc),
        password_hash=row.password_hash,
        password_changed_at=as_utc_or_none(row.password_changed_at),
        failed_logins=int(row.failed_logins),
        locked_until=as_utc_or_none(row.locked_until),
        status=row.status,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        last_login_at=as_utc_or_none(row.last_login_at),
    )


def _sms(row: Row[Any]) -> SmsRecord:
    return SmsRecord(
        id=int(row.id),
        phone_enc=bytes(row.phone_enc),
        text_enc=bytes(row.text_enc),
        purpose=row.purpose,
        created_at=as_utc(row.created_at),
        sent_at=as_utc_or_none(row.sent_at),
        status=row.status,
    )


class SqlHallRepository:
    def __init__(self, conn: Connection, _deps: Deps) -> None:
        self._conn = conn

    # --- accounts ---------------------------------------------------------------------------------

    def insert_account(
        self,
        *,
        kind: str,
        login: str,
        unit_id: int | None,
        member_id: int | None = None,
        developer_id: int | None = None,
        display_name: str,
        phone_enc: bytes,
        phone_index: str,
        password_hash: str,
        created_at: datetime,
        created_by: str,
    ) -> int | None:
        values = {
            "kind": kind,
            "login": login,
            "unit_id": unit_id,
            "member_id": member_id,
            "developer_id": developer_id,
            "display_name": display_name,
            "phone_enc": phone_enc,
            "phone_index": phone_index,
            "password_hash": password_hash,
            "created_at": created_at,
            "created_by": created_by,
        }
        return insert_on_unique(self._conn, hall_account, values, "login")

    def _one_account(self, where: Any, for_update: bool) -> HallAccountRecord | None:
        stmt = select(hall_account).where(where)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        return None if row is None else _account(row)

    def account_by_login(
        self, kind: str, login: str, *, for_update: bool = False
    ) -> HallAccountRecord | None:
        found = self._one_account(hall_account.c.login == login, for_update)
        return found if found is not None and found.kind == kind else None

    def account_by_id(self, account_id: int, *, for_update: bool = False) -> HallAccountRecord | None:
        return self._one_account(hall_account.c.id == account_id, for_update)

    def update_account(self, account_id: int, **values: object) -> None:
        self._conn.execute(update(hall_account).where(hall_account.c.id == account_id).values(**values))

    def add_failed_login(self, account_id: int) -> int:
        row = self._conn.execute(
            update(hall_account)
            .where(hall_account.c.id == account_id)
            .values(failed_logins=hall_account.c.failed_logins + 1)
            .returning(hall_account.c.failed_logins)
        ).one()
        return int(row[0])

    def accounts_of_unit(self, unit_id: int) -> list[HallAccountRecord]:
        rows = self._conn.execute(
            select(hall_account).where(hall_account.c.unit_id == unit_id).order_by(hall_account.c.id)
        )
        return [_account(r) for r in rows]

    def applications_of_developer(
        self, developer_id: int, *, project_id: int | None, limit: int, offset: int
    ) -> tuple[list[DeveloperApplicationRecord], int]:
        where = [loan_project.c.developer_id == developer_id]
        if project_id is not None:
            where.append(loan.c.project_id == project_id)
        joined = loan.join(loan_project, loan_project.c.id == loan.c.project_id).outerjoin(
            loan_building, loan_building.c.id == loan.c.building_id
        )
        total = self._conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
        rows = self._conn.execute(
            select(
                loan.c.loan_no,
                loan.c.state,
                loan.c.project_id,
                loan_project.c.name.label("project_name"),
                loan_building.c.name.label("building_name"),
                loan.c.borrower_account_no,
                loan.c.amount_fen,
                loan.c.term_months,
                loan.c.created_at,
            )
            .select_from(joined)
            .where(*where)
            .order_by(loan.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        items = [
            DeveloperApplicationRecord(
                loan_no=r.loan_no,
                state=r.state,
                project_id=int(r.project_id),
                project_name=r.project_name,
                building_name=r.building_name,
                borrower_account_no=r.borrower_account_no,
                amount=Money(int(r.amount_fen)),
                term_months=int(r.term_months),
                created_at=as_utc(r.created_at),
            )
            for r in rows
        ]
        return items, int(total)

    # --- SMS login challenges ------------------------------------------------------------------------

    def insert_challenge(
        self, *, account_id: int, token_hash: str, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> int:
        row = self._conn.execute(
            insert(hall_challenge)
            .values(
                hall_account_id=account_id,
                token_hash=token_hash,
                code_hash=code_hash,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(hall_challenge.c.id)
        ).one()
        return int(row[0])

    def challenge_by_token_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> HallChallengeRecord | None:
        stmt = select(hall_challenge).where(hall_challenge.c.token_hash == token_hash)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._conn.execute(stmt).first()
        if row is None:
            return None
        return HallChallengeRecord(
            id=int(row.id),
            hall_account_id=int(row.hall_account_id),
            code_hash=row.code_hash,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            attempts=int(row.attempts),
            used_at=as_utc_or_none(row.used_at),
        )

    def count_attempt(self, challenge_id: int) -> int:
        row = self._conn.execute(
            update(hall_challenge)
            .where(hall_challenge.c.id == challenge_id)
            .values(attempts=hall_challenge.c.attempts + 1)
            .returning(hall_challenge.c.attempts)
        ).one()
        return int(row[0])

    def use_challenge(self, challenge_id: int, now: datetime) -> bool:
        row = self._conn.execute(
            update(hall_challenge)
            .where(hall_challenge.c.id == challenge_id, hall_challenge.c.used_at.is_(None))
            .values(used_at=now)
            .returning(hall_challenge.c.id)
        ).first()
        return row is not None

    def void_challenges_of(self, account_id: int, now: datetime) -> None:
        self._conn.execute(
            update(hall_challenge)
            .where(hall_challenge.c.hall_account_id == account_id, hall_challenge.c.used_at.is_(None))
            .values(used_at=now)
        )

    def challenges_since(self, account_id: int, since: datetime) -> list[datetime]:
        rows = self._conn.execute(
            select(hall_challenge.c.created_at)
            .where(hall_challenge.c.hall_account_id == account_id, hall_challenge.c.created_at >= since)
            .order_by(hall_challenge.c.created_at.desc())
        )
        return [as_utc(r[0]) for r in rows]

    # --- sessions ------------------------------------------------------------------------------------

    def insert_session(
        self, *, account_id: int, token_hash: str, csrf_token: str, now: datetime, ip: str | None
    ) -> int:
        row = self._conn.execute(
            insert(hall_session)
            .values(
                token_hash=token_hash,
                hall_account_id=account_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                ip=ip,
            )
            .returning(hall_session.c.id)
        ).one()
        return int(row[0])

    def session_by_token_hash(self, token_hash: str) -> HallSessionRecord | None:
        row = self._conn.execute(select(hall_session).where(hall_session.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return HallSessionRecord(
            id=int(row.id),
            hall_account_id=int(row.hall_account_id),
            csrf_token=row.csrf_token,
            created_at=as_utc(row.created_at),
            last_seen_at=as_utc(row.last_seen_at),
            revoked_at=as_utc_or_none(row.revoked_at),
        )

    def account_of_session(self, session_id: int) -> HallAccountRecord | None:
        row = self._conn.execute(
            select(hall_account)
            .join(hall_session, hall_session.c.hall_account_id == hall_account.c.id)
            .where(hall_session.c.id == session_id)
        ).first()
        return None if row is None else _account(row)

    def touch_session(self, session_id: int, now: datetime) -> None:
        self._conn.execute(
            update(hall_session).where(hall_session.c.id == session_id).values(last_seen_at=now)
        )

    def revoke_session(self, session_id: int, now: datetime) -> None:
        self._conn.execute(
            update(hall_session)
            .where(hall_session.c.id == session_id, hall_session.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_sessions_of(self, account_id: int, now: datetime) -> None:
        self._conn.execute(
            update(hall_session)
            .where(hall_session.c.hall_account_id == account_id, hall_session.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # --- SMS outbox ----------------------------------------------------------------------------------

    def queue_sms(
        self, *, phone_enc: bytes, phone_index: str, text_enc: bytes, purpose: str, created_at: datetime
    ) -> int:
        row = self._conn.execute(
            insert(sms_message)
            .values(
                phone_enc=phone_enc,
                phone_index=phone_index,
                text_enc=text_enc,
                purpose=purpose,
                created_at=created_at,
            )
            .returning(sms_message.c.id)
        ).one()
        return int(row[0])

    def sms_queued(self, limit: int) -> list[SmsRecord]:
        rows = self._conn.execute(
            select(sms_message)
            .where(sms_message.c.status == "queued")
            .order_by(sms_message.c.id)
            .limit(limit)
        )
        return [_sms(r) for r in rows]

    def mark_sms(self, sms_id: int, status: str, now: datetime) -> None:
        self._conn.execute(
            update(sms_message)
            .where(sms_message.c.id == sms_id, sms_message.c.status == "queued")
            .values(status=status, sent_at=now)
        )

    def sms_to(self, phone_index: str, limit: int) -> list[SmsRecord]:
        rows = self._conn.execute(
            select(sms_message)
            .where(sms_message.c.phone_index == phone_index)
            .order_by(sms_message.c.id.desc())
            .limit(limit)
        )
        return [_sms(r) for r in rows]


register("hall", SqlHallRepository)
