"""Operators, roles and staff sessions (implements services.ports.SecurityRepository).

Counters and replay guards are conditional UPDATEs, so two concurrent logins cannot both read
"4 failures" and write 5, nor both spend the same TOTP step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.tables.security import operator, operator_role, staff_session
from anju.adapters.db.unit_of_work import Deps, register
from anju.services.ports import OperatorRecord, SessionRecord


def as_utc(value: datetime) -> datetime:
    """Aware UTC from the database: SQLite hands back naive values (stored as UTC), PG aware ones."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _operator(row: Row[Any]) -> OperatorRecord:
    return OperatorRecord(
        id=int(row.id),
        username=row.username,
        display_name=row.display_name,
        password_hash=row.password_hash,
        password_changed_at=as_utc_or_none(row.password_changed_at),
        totp_secret_enc=bytes(row.totp_secret_enc),
        totp_last_step=int(row.totp_last_step),
        failed_logins=int(row.failed_logins),
        locked_until=as_utc_or_none(row.locked_until),
        branch_id=None if row.branch_id is None else int(row.branch_id),
        all_branches=bool(row.all_branches),
        status=row.status,
        created_at=as_utc(row.created_at),
        last_login_at=as_utc_or_none(row.last_login_at),
    )


def _session(row: Row[Any]) -> SessionRecord:
    return SessionRecord(
        id=int(row.id),
        operator_id=int(row.operator_id),
        csrf_token=row.csrf_token,
        created_at=as_utc(row.created_at),
        last_seen_at=as_utc(row.last_seen_at),
        ip=row.ip,
        revoked_at=as_utc_or_none(row.revoked_at),
    )


class SqlSecurityRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps

    # --- operators ----------------------------------------------------------------------------

    def operator_by_username(self, username: str) -> OperatorRecord | None:
        row = self._conn.execute(select(operator).where(operator.c.username == username)).first()
        return None if row is None else _operator(row)

    def operator_by_id(self, operator_id: int) -> OperatorRecord | None:
        row = self._conn.execute(select(operator).where(operator.c.id == operator_id)).first()
        return None if row is None else _operator(row)

    def roles_of(self, operator_id: int) -> frozenset[str]:
        rows = self._conn.execute(
            select(operator_role.c.role).where(operator_role.c.operator_id == operator_id)
        )
        return frozenset(str(r.role) for r in rows)

    def list_operators(self) -> list[OperatorRecord]:
        return [_operator(row) for row in self._conn.execute(select(operator).order_by(operator.c.username))]

    def roles_by_operator(self) -> dict[int, frozenset[str]]:
        roles: dict[int, set[str]] = {}
        for r in self._conn.execute(select(operator_role.c.operator_id, operator_role.c.role)):
            roles.setdefault(int(r.operator_id), set()).add(str(r.role))
        return {operator_id: frozenset(names) for operator_id, names in roles.items()}

    def insert_operator(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        password_changed_at: datetime | None,
        totp_secret_enc: bytes,
        branch_id: int | None,
        all_branches: bool,
        now: datetime,
    ) -> int | None:
        values = {
            "username": username,
            "display_name": display_name,
            "password_hash": password_hash,
            "password_changed_at": password_changed_at,
            "totp_secret_enc": totp_secret_enc,
            "totp_last_step": 0,
            "failed_logins": 0,
            "branch_id": branch_id,
            "all_branches": all_branches,
            "status": "active",
            "created_at": now,
        }
        builder = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        stmt = builder(operator).values(**values).on_conflict_do_nothing().returning(operator.c.id)
        row = self._conn.execute(stmt).first()
        return None if row is None else int(row[0])

    def replace_roles(self, operator_id: int, roles: frozenset[str]) -> None:
        self._conn.execute(delete(operator_role).where(operator_role.c.operator_id == operator_id))
        if roles:
            self._conn.execute(
                insert(operator_role), [{"operator_id": operator_id, "role": role} for role in sorted(roles)]
            )

    def add_failed_login(self, operator_id: int) -> int:
        row = self._conn.execute(
            update(operator)
            .where(operator.c.id == operator_id)
            .values(failed_logins=operator.c.failed_logins + 1)
            .returning(operator.c.failed_logins)
        ).one()
        return int(row[0])

    def lock(self, operator_id: int, until: datetime) -> None:
        self._conn.execute(
            update(operator).where(operator.c.id == operator_id).values(locked_until=until, failed_logins=0)
        )

    def clear_lockout(self, operator_id: int) -> None:
        self._conn.execute(
            update(operator).where(operator.c.id == operator_id).values(locked_until=None, failed_logins=0)
        )

    def consume_totp_step(self, operator_id: int, step: int) -> bool:
        result = self._conn.execute(
            update(operator)
            .where(operator.c.id == operator_id, operator.c.totp_last_step < step)
            .values(totp_last_step=step)
        )
        return result.rowcount == 1

    def record_successful_login(self, operator_id: int, now: datetime) -> None:
        self._conn.execute(
            update(operator)
            .where(operator.c.id == operator_id)
            .values(failed_logins=0, locked_until=None, last_login_at=now)
        )

    def set_password(self, operator_id: int, password_hash: str, changed_at: datetime | None) -> None:
        self._conn.execute(
            update(operator)
            .where(operator.c.id == operator_id)
            .values(password_hash=password_hash, password_changed_at=changed_at)
        )

    def set_status(self, operator_id: int, status: str) -> None:
        self._conn.execute(update(operator).where(operator.c.id == operator_id).values(status=status))

    def set_totp_secret(self, operator_id: int, totp_secret_enc: bytes) -> None:
        self._conn.execute(
            update(operator).where(operator.c.id == operator_id).values(totp_secret_enc=totp_secret_enc)
        )

    # --- sessions -----------------------------------------------------------------------------

    def insert_session(
        self, *, operator_id: int, token_hash: str, csrf_token: str, now: datetime, ip: str | None
    ) -> int:
        row = self._conn.execute(
            insert(staff_session)
            .values(
                token_hash=token_hash,
                operator_id=operator_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                ip=ip,
            )
            .returning(staff_session.c.id)
        ).one()
        return int(row[0])

    def session_by_token_hash(self, token_hash: str) -> SessionRecord | None:
        row = self._conn.execute(
            select(staff_session).where(staff_session.c.token_hash == token_hash)
        ).first()
        return None if row is None else _session(row)

    def touch_session(self, session_id: int, now: datetime) -> None:
        self._conn.execute(
            update(staff_session).where(staff_session.c.id == session_id).values(last_seen_at=now)
        )

    def revoke_session(self, session_id: int, now: datetime) -> None:
        self._conn.execute(
            update(staff_session)
            .where(staff_session.c.id == session_id, staff_session.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_sessions_of(
        self, operator_id: int, now: datetime, *, except_session_id: int | None = None
    ) -> int:
        stmt = update(staff_session).where(
            staff_session.c.operator_id == operator_id, staff_session.c.revoked_at.is_(None)
        )
        if except_session_id is not None:
            stmt = stmt.where(staff_session.c.id != except_session_id)
        return int(self._conn.execute(stmt.values(revoked_at=now)).rowcount)


register("security", SqlSecurityRepository)
