"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db for the database, adapters/crypto, adapters/bank ...) and
only bootstrap.py wires implementations in. Each feature keeps its repository protocol in its own
section below; services never import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

# ---------------------------------------------------------------------------------------------
# Shared: clock, sequences, idempotency
# ---------------------------------------------------------------------------------------------


class Clock(Protocol):
    def now_utc(self) -> datetime: ...


class SequenceRepository(Protocol):
    def next_value(self, name: str) -> int:
        """The next value of a named per-centre sequence, gap-free within committed work."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """(principal, key) of a command from outside, with a fingerprint of its body."""

    principal: str  # who sent it: "operator:12", "unit:34", "bank:ICBC" — keys are scoped by it
    key: str
    fingerprint: str  # SM3 of the canonical request (method, path, body)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: Mapping[str, Any]


class IdempotencyRepository(Protocol):
    def claim(self, claim: IdempotencyClaim, now: datetime) -> StoredResponse | None:
        """Claim the key in this transaction. None: first time, go on. A response: replay it.

        Raises Conflict("idempotency_key_reused") when the key came with a different body, and
        Conflict("idempotency_in_flight") when the first request has not finished.
        """
        ...

    def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> None: ...


# ---------------------------------------------------------------------------------------------
# The unit of work: one transaction, with every repository bound to it
# ---------------------------------------------------------------------------------------------


class UnitOfWork(Protocol):
    sequences: SequenceRepository
    idempotency: IdempotencyRepository
    ledger: LedgerRepository
    calendar: CalendarRepository
    audit: AuditRepository
    security: SecurityRepository
    policy: PolicyRepository
    org: OrganisationRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def now_utc(self) -> datetime:
        """Wall-clock UTC for audit timestamps and sessions (never a business date)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


# ---------------------------------------------------------------------------------------------
# Ledger and business date (ledger helper's section)
# ---------------------------------------------------------------------------------------------


class LedgerRepository(Protocol): ...


class CalendarRepository(Protocol): ...


# ---------------------------------------------------------------------------------------------
# Security: operators, roles, sessions, audit log (security helper's section)
# ---------------------------------------------------------------------------------------------


class AuditRepository(Protocol): ...


class SecurityRepository(Protocol): ...


# ---------------------------------------------------------------------------------------------
# Policy and organisation (policy helper's section)
# ---------------------------------------------------------------------------------------------


class PolicyRepository(Protocol): ...


class OrganisationRepository(Protocol): ...
