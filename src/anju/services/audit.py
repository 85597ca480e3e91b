"""The security audit log (审计日志) for the audit administrator: read it, verify its chain.

Reading the log is itself audited (G1), so `list_audit` needs a write transaction: call it through
`run()`, not `read()`. Business services write their own events with `uow.audit.append(...)` in the
same transaction as the change (G6: if the audit row cannot be written, the change fails too).
"""

from __future__ import annotations

from typing import Final

from anju.domain.security import Actor, AuditEvent, ChainVerdict, Permission
from anju.services.ports import AuditEntryView, UnitOfWork

MAX_PAGE: Final = 500


def list_audit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    limit: int = 50,
    offset: int = 0,
    action: str | None = None,
    actor_name: str | None = None,
) -> list[AuditEntryView]:
    """A page of the log, newest first, optionally filtered by action and by actor username."""
    actor.require(Permission.AUDIT_VIEW)
    limit = min(max(limit, 1), MAX_PAGE)
    offset = max(offset, 0)
    entries = uow.audit.list_entries(
        limit=limit, offset=offset, action=action or None, actor=actor_name or None
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "audit.view",
            "audit_log",
            "*",
            details={"limit": limit, "offset": offset, "action": action, "actor": actor_name},
        )
    )
    return entries


def list_own_audit(
    uow: UnitOfWork, actor: Actor, *, limit: int = 50, offset: int = 0
) -> list[AuditEntryView]:
    """Any staff member's own operations (我的操作记录): what they did, and what was refused.

    The whole log stays with the audit administrator (三权分立); everyone may see their own trail.
    """
    actor.require(Permission.AUTHENTICATED)
    limit = min(max(limit, 1), MAX_PAGE)
    return uow.audit.list_entries(limit=limit, offset=max(offset, 0), action=None, actor=actor.username)


def verify_audit_chain(uow: UnitOfWork) -> ChainVerdict:
    """Recompute the HMAC-SM3 chain; `verdict.require_ok()` turns a break into an invariant failure."""
    return uow.audit.verify_chain()


def record(uow: UnitOfWork, event: AuditEvent) -> int:
    """Write one event on its own (e.g. a refused request, after its own transaction rolled back)."""
    return uow.audit.append(event)
