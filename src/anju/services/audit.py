"""The security audit log (审计日志) for the audit administrator: read it, verify its chain.

Reading the log is itself audited (G1), so `list_audit` needs a write transaction: call it through
`run()`, not `read()`. Business services write their own events with `uow.audit.append(...)` in the
same transaction as the change (G6: if the audit row cannot be written, the change fails too).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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


# --- The signed anchor kept off-system (reliability.md G2) ---------------------------------------
# The chain proves that no row inside it was changed, but a DBA who deletes the newest rows and
# rewinds the head (triggers off) leaves a shorter chain that still verifies. So once a day the
# head is signed with an SM2 key derived from the master key (the DBA cannot re-sign) and the
# anchor is copied off the machine: a later chain that no longer holds the anchored row with the
# anchored hash has lost its tail.

ANCHOR_PURPOSE: Final = "audit_anchor"
ANCHOR_FORMAT: Final = "anju-audit-anchor/1"


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    seq: int
    hash: str
    issued_at: str  # UTC, ISO 8601
    public_key: str
    signature: str

    def signed_text(self) -> bytes:
        return f"{ANCHOR_FORMAT}|{self.seq}|{self.hash}|{self.issued_at}".encode()

    def to_json(self) -> str:
        return json.dumps({"format": ANCHOR_FORMAT, **asdict(self)}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> AuditAnchor:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
            raise ValueError("not an audit anchor")
        return cls(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            issued_at=str(data["issued_at"]),
            public_key=str(data["public_key"]),
            signature=str(data["signature"]),
        )


@dataclass(frozen=True, slots=True)
class AnchorVerdict:
    ok: bool
    reason: str | None = None  # anchor_foreign_key | anchor_signature_invalid | truncated | rewritten


def make_anchor(uow: UnitOfWork, actor: Actor) -> AuditAnchor:
    """Sign the chain head as it is now; the anchoring itself is audited (after the head is read)."""
    seq, link = uow.audit.head()
    private_hex, public_hex = uow.crypto.derived_sm2_keypair(ANCHOR_PURPOSE)
    unsigned = AuditAnchor(seq, link, uow.now_utc().isoformat(), public_hex, "")
    anchor = AuditAnchor(
        seq, link, unsigned.issued_at, public_hex, uow.crypto.sm2_sign(private_hex, unsigned.signed_text())
    )
    uow.audit.append(AuditEvent.by(actor, "audit.anchor", "audit_log", str(seq), details={"hash": link}))
    return anchor


def check_anchor(uow: UnitOfWork, anchor: AuditAnchor) -> AnchorVerdict:
    """Does today's chain still hold the anchored row, unchanged? (Verify the chain itself too.)"""
    _, public_hex = uow.crypto.derived_sm2_keypair(ANCHOR_PURPOSE)
    if anchor.public_key.lower() != public_hex.lower():
        return AnchorVerdict(False, "anchor_foreign_key")
    if not uow.crypto.sm2_verify(anchor.public_key, anchor.signed_text(), anchor.signature):
        return AnchorVerdict(False, "anchor_signature_invalid")
    if anchor.seq == 0:  # anchored an empty log: nothing can have been cut from it
        return AnchorVerdict(True)
    link = uow.audit.link_at(anchor.seq)
    if link is None or uow.audit.head()[0] < anchor.seq:
        return AnchorVerdict(False, "truncated")
    return AnchorVerdict(link == anchor.hash, None if link == anchor.hash else "rewritten")
