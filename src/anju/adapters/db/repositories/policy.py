"""Policy versions: insert-only rows of canonical JSON, verified against their SM3 on read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_on_unique
from anju.adapters.db.tables.policy import policy_version
from anju.adapters.db.unit_of_work import Deps, register
from anju.errors import InvariantViolation
from anju.services.ports import PolicyVersionRecord


def canonical_json(content: Mapping[str, Any]) -> str:
    """One text per content: sorted keys, no spaces, UTF-8 as is (what the SM3 is taken over)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SqlPolicyRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._crypto = deps.crypto

    def _digest(self, text: str) -> str:
        digest: bytes = self._crypto.sm3(text.encode("utf-8"))
        return digest.hex()

    def _record(self, row: Row[Any]) -> PolicyVersionRecord:
        m = row._mapping
        if self._digest(m["content"]) != m["content_sm3"]:
            # Triggers stop UPDATE; this catches a change made around them (a superuser, a restore).
            raise InvariantViolation(
                "policy_content_tampered", effective_date=m["effective_date"].isoformat()
            )
        return PolicyVersionRecord(
            id=int(m["id"]),
            effective_date=m["effective_date"],
            content=json.loads(m["content"]),
            content_sm3=m["content_sm3"],
            document_no=m["document_no"],
            approved_by=m["approved_by"],
            imported_by=m["imported_by"],
            created_at=m["created_at"],
            supersedes_id=None if m["supersedes_id"] is None else int(m["supersedes_id"]),
        )

    def add_version(
        self,
        *,
        effective_date: date,
        content: Mapping[str, Any],
        document_no: str,
        approved_by: str,
        imported_by: str,
        created_at: datetime,
        supersedes_id: int | None,
    ) -> PolicyVersionRecord | None:
        text = canonical_json(content)
        values = {
            "effective_date": effective_date,
            "content": text,
            "content_sm3": self._digest(text),
            "document_no": document_no,
            "approved_by": approved_by,
            "imported_by": imported_by,
            "created_at": created_at,
            "supersedes_id": supersedes_id,
        }
        new_id = insert_on_unique(self._conn, policy_version, values, "effective_date")
        return None if new_id is None else self.get_version(new_id)

    def version_in_force(self, day: date) -> PolicyVersionRecord | None:
        t = policy_version
        row = self._conn.execute(
            select(t).where(t.c.effective_date <= day).order_by(t.c.effective_date.desc()).limit(1)
        ).first()
        return None if row is None else self._record(row)

    def get_version(self, version_id: int) -> PolicyVersionRecord | None:
        row = self._conn.execute(select(policy_version).where(policy_version.c.id == version_id)).first()
        return None if row is None else self._record(row)

    def list_versions(self) -> list[PolicyVersionRecord]:
        rows = self._conn.execute(select(policy_version).order_by(policy_version.c.effective_date))
        return [self._record(row) for row in rows]


register("policy", SqlPolicyRepository)
