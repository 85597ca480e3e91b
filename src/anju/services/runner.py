"""Running a use case: one transaction, bounded retry on transient conflicts, idempotency.

Service command functions take an open unit of work and never commit; entry points (API, web,
CLI, batch) call them through `run`, `run_idempotent` or `read`, which own the transaction. That
way the idempotency key, the audit record and the postings of one command share one commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from anju.errors import TransientConflict
from anju.services.ports import IdempotencyClaim, StoredResponse, UnitOfWork, UnitOfWorkFactory

R = TypeVar("R")
MAX_ATTEMPTS = 5


def run(uow_factory: UnitOfWorkFactory, fn: Callable[[UnitOfWork], R]) -> R:
    """Run `fn` in one write transaction and commit; retry whole on a transient conflict."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow_factory() as uow:
                result = fn(uow)
                uow.commit()
                return result
        except TransientConflict:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("retry loop ended without a result")  # pragma: no cover


def read(uow_factory: UnitOfWorkFactory, fn: Callable[[UnitOfWork], R]) -> R:
    """Run a query in a read-only transaction (never blocks writers on SQLite)."""
    with uow_factory(read_only=True) as uow:
        return fn(uow)


def run_idempotent(
    uow_factory: UnitOfWorkFactory,
    claim: IdempotencyClaim,
    fn: Callable[[UnitOfWork], StoredResponse],
) -> tuple[StoredResponse, bool]:
    """Run a command under an idempotency key; returns (response, replayed).

    The key is claimed and the response stored in the same transaction as the command's effects,
    so a crash before commit leaves no trace and a crash after commit replays the first result.
    """

    def body(uow: UnitOfWork) -> tuple[StoredResponse, bool]:
        earlier = uow.idempotency.claim(claim, uow.now_utc())
        if earlier is not None:
            return earlier, True
        response = fn(uow)
        uow.idempotency.complete(claim, response)
        return response, False

    return run(uow_factory, body)
