"""Sequences and idempotency records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Table, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from anju.adapters.db.tables.common import idempotency_record, number_sequence
from anju.errors import Conflict
from anju.services.ports import IdempotencyClaim, StoredResponse


def _on_conflict_do_nothing(
    conn: Connection, table: Table, values: dict[str, Any], index_elements: list[str] | None
) -> Any:
    if conn.dialect.name == "postgresql":
        return pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on either database; True if this call inserted the row.

    RETURNING tells who won: psycopg reports no reliable rowcount for an INSERT here.
    """
    stmt = _on_conflict_do_nothing(conn, table, values, None)
    return conn.execute(stmt.returning(literal_column("1"))).first() is not None


def insert_on_unique(
    conn: Connection, table: Table, values: dict[str, Any], unique_column: str
) -> int | None:
    """INSERT ... ON CONFLICT (unique_column) DO NOTHING RETURNING id: the new id, or None if taken.

    Only that column's conflict is absorbed; any other constraint still raises, so a `None` always
    means "the key is taken" and never hides another problem.
    """
    stmt = _on_conflict_do_nothing(conn, table, values, [unique_column])
    row = conn.execute(stmt.returning(table.c.id)).first()
    return None if row is None else int(row[0])


class IdempotencyConflict(Conflict):
    """A key reused with another body, or a request still in flight."""


class SqlSequenceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def next_value(self, name: str) -> int:
        # A conditional UPDATE ... RETURNING takes the row lock, so concurrent callers queue.
        row = self._conn.execute(
            update(number_sequence)
            .where(number_sequence.c.name == name)
            .values(last_value=number_sequence.c.last_value + 1)
            .returning(number_sequence.c.last_value)
        ).first()
        if row is not None:
            return int(row[0])
        if insert_if_absent(self._conn, number_sequence, {"name": name, "last_value": 1}):
            return 1
        return self.next_value(name)  # pragma: no cover - lost a race to create the row


class SqlIdempotencyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def claim(self, claim: IdempotencyClaim, now: datetime) -> StoredResponse | None:
        t = idempotency_record
        values = {
            "principal": claim.principal,
            "key": claim.key,
            "fingerprint": claim.fingerprint,
            "created_at": now,
        }
        # On PostgreSQL a concurrent claim of the same key waits here for the first to finish.
        if insert_if_absent(self._conn, t, values):
            return None
        row = self._conn.execute(
            select(t.c.fingerprint, t.c.response_status, t.c.response_body).where(
                t.c.principal == claim.principal, t.c.key == claim.key
            )
        ).one()
        if row.fingerprint != claim.fingerprint:
            raise IdempotencyConflict("idempotency_key_reused")
        if row.response_status is None:
            raise IdempotencyConflict("idempotency_in_flight")
        return StoredResponse(status=int(row.response_status), body=json.loads(row.response_body))

    def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> None:
        t = idempotency_record
        self._conn.execute(
            update(t)
            .where(t.c.principal == claim.principal, t.c.key == claim.key)
            .values(
                response_status=response.status,
                response_body=json.dumps(response.body, ensure_ascii=False, sort_keys=True),
            )
        )
