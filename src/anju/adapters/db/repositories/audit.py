"""The security audit log (implements services.ports.AuditRepository).

Append: lock the one-row chain head with UPDATE ... RETURNING (next seq and the previous hash),
write the row with hash = HMAC-SM3("audit_chain", prev_hash || canonical row), move the head's hash.
The head stays locked until the caller's transaction ends, so concurrent appends queue and the
chain stays one line; a rolled-back business transaction takes its audit row and seq with it.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.security import as_utc
from anju.adapters.db.tables.security import audit_chain_head, audit_log
from anju.adapters.db.unit_of_work import Deps, register
from anju.domain.security import (
    AUDIT_GENESIS_HASH,
    AUDIT_RESULTS,
    AuditEvent,
    ChainVerdict,
    audit_chain_message,
    audit_details_json,
)
from anju.services.ports import AuditEntryView

CHAIN_PURPOSE = "audit_chain"
_VERIFY_CHUNK = 5_000


def _view(row: Row[Any]) -> AuditEntryView:
    return AuditEntryView(
        seq=int(row.seq),
        occurred_at=as_utc(row.occurred_at),
        actor=row.actor,
        actor_id=None if row.actor_id is None else int(row.actor_id),
        ip=row.ip,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        result=row.result,
        reason=row.reason,
        details=json.loads(row.details),
    )


class SqlAuditRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._clock = deps.clock
        self._crypto = deps.crypto

    def _advance_head(self) -> tuple[int, str]:
        h = audit_chain_head
        stmt = (
            update(h)
            .where(h.c.id == 1)
            .values(last_seq=h.c.last_seq + 1)
            .returning(h.c.last_seq, h.c.last_hash)
        )
        row = self._conn.execute(stmt).first()
        if row is None:  # a database created without the security DDL: seed the head, then lock it
            builder = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
            self._conn.execute(
                builder(h).values(id=1, last_seq=0, last_hash=AUDIT_GENESIS_HASH).on_conflict_do_nothing()
            )
            row = self._conn.execute(stmt).one()
        return int(row.last_seq), str(row.last_hash)

    def append(self, event: AuditEvent) -> int:
        if event.result not in AUDIT_RESULTS:
            raise ValueError(f"audit result must be one of {sorted(AUDIT_RESULTS)}")
        occurred_at = as_utc(self._clock.now_utc())
        details_json = audit_details_json(event.details)
        seq, prev_hash = self._advance_head()
        fields = {
            "seq": seq,
            "occurred_at": occurred_at,
            "actor": event.actor,
            "actor_id": event.actor_id,
            "ip": event.ip,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "result": event.result,
            "reason": event.reason,
        }
        digest = self._link(prev_hash, fields, details_json)
        self._conn.execute(
            insert(audit_log).values(**fields, details=details_json, prev_hash=prev_hash, hash=digest)
        )
        self._conn.execute(
            update(audit_chain_head).where(audit_chain_head.c.id == 1).values(last_hash=digest)
        )
        return seq

    def _link(self, prev_hash: str, fields: dict[str, Any], details_json: str) -> str:
        message = audit_chain_message(prev_hash, **fields, details_json=details_json)
        return bytes(self._crypto.hmac_sm3(CHAIN_PURPOSE, message)).hex()

    def verify_chain(self) -> ChainVerdict:
        """Walk the chain up to the head as read first (rows appended meanwhile are not judged)."""
        head_seq, head_hash = self.head()
        t = audit_log
        prev_hash, checked, expected = AUDIT_GENESIS_HASH, 0, 1
        while expected <= head_seq:
            rows = self._conn.execute(
                select(t)
                .where(t.c.seq >= expected, t.c.seq <= head_seq)
                .order_by(t.c.seq)
                .limit(_VERIFY_CHUNK)
            ).all()
            if not rows:
                return ChainVerdict(ok=False, checked=checked, first_broken_seq=expected, reason="truncated")
            for row in rows:
                if int(row.seq) != expected:
                    return ChainVerdict(
                        ok=False, checked=checked, first_broken_seq=expected, reason="missing"
                    )
                if row.prev_hash != prev_hash:
                    return ChainVerdict(
                        ok=False, checked=checked, first_broken_seq=expected, reason="prev_hash_mismatch"
                    )
                fields = {
                    "seq": int(row.seq),
                    "occurred_at": as_utc(row.occurred_at),
                    "actor": row.actor,
                    "actor_id": None if row.actor_id is None else int(row.actor_id),
                    "ip": row.ip,
                    "action": row.action,
                    "object_type": row.object_type,
                    "object_id": row.object_id,
                    "result": row.result,
                    "reason": row.reason,
                }
                digest = self._link(prev_hash, fields, row.details)
                if not hmac.compare_digest(digest, str(row.hash)):
                    return ChainVerdict(
                        ok=False, checked=checked, first_broken_seq=expected, reason="hash_mismatch"
                    )
                prev_hash = digest
                checked += 1
                expected += 1
        if prev_hash != head_hash:
            return ChainVerdict(ok=False, checked=checked, first_broken_seq=head_seq, reason="head_mismatch")
        return ChainVerdict(ok=True, checked=checked)

    def head(self) -> tuple[int, str]:
        row = self._conn.execute(
            select(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash).where(
                audit_chain_head.c.id == 1
            )
        ).first()
        return (0, AUDIT_GENESIS_HASH) if row is None else (int(row.last_seq), str(row.last_hash))

    def link_at(self, seq: int) -> str | None:
        found = self._conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar()
        return None if found is None else str(found)

    def list_entries(
        self, *, limit: int, offset: int, action: str | None = None, actor: str | None = None
    ) -> list[AuditEntryView]:
        stmt = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit).offset(offset)
        if action is not None:
            stmt = stmt.where(audit_log.c.action == action)
        if actor is not None:
            stmt = stmt.where(audit_log.c.actor == actor)
        return [_view(row) for row in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


register("audit", SqlAuditRepository)
