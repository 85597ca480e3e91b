"""Verification codes of printed documents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.documents import issued_document
from anju.adapters.db.unit_of_work import Deps, register
from anju.services.ports import IssuedDocumentRecord


class SqlDocumentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record_issued(self, record: IssuedDocumentRecord) -> None:
        insert_if_absent(
            self._conn,
            issued_document,
            {
                "verification_code": record.verification_code,
                "digest": record.digest,
                "kind": record.kind,
                "subject_ref": record.subject_ref,
                "title": record.title[:200],
                "business_date": record.business_date,
                "branch_id": record.branch_id,
                "issued_by": record.issued_by,
                "issued_at": record.issued_at,
            },
        )

    def issued(self, verification_code: str) -> IssuedDocumentRecord | None:
        t = issued_document
        row = self._conn.execute(select(t).where(t.c.verification_code == verification_code)).first()
        if row is None:
            return None
        return IssuedDocumentRecord(
            verification_code=row.verification_code,
            digest=row.digest,
            kind=row.kind,
            subject_ref=row.subject_ref,
            title=row.title,
            business_date=row.business_date,
            branch_id=row.branch_id,
            issued_by=row.issued_by,
            issued_at=row.issued_at,
        )


def _factory(conn: Connection, _deps: Deps) -> SqlDocumentRepository:
    return SqlDocumentRepository(conn)


register("documents", _factory)
