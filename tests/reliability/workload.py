"""Small ledger workloads shared by the reliability tests: books with a bank account and member
accounts, postings through the real ledger, workers started together behind a barrier, seeds.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from anju.bootstrap import Container
from anju.ledger import posting_rules
from anju.ledger.entries import VoucherDraft
from anju.money import Money
from anju.services.ledger import check_ledger
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from tests.integration.test_ledger import (  # noqa: F401 - re-exported to the reliability tests
    DAY,
    Books,
    open_books,
    post,
    remit,
    withdraw,
)


def soak_size(default: int, scale: float = 1.0) -> int:
    """How much work a randomised test does: `default` in `make test`; under `make soak`
    SOAK_SIZE × scale (never less than the default)."""
    raw = os.environ.get("SOAK_SIZE")
    return max(default, int(int(raw) * scale)) if raw else default


def seeded_random(name: str) -> random.Random:
    """A random source whose seed is printed (pytest shows it on failure) and can be forced with
    SEED=<n> to replay a failing run."""
    seed = int(os.environ["SEED"]) if os.environ.get("SEED") else random.randrange(1 << 31)
    print(f"{name}: seed={seed}  (replay: SEED={seed})")
    return random.Random(seed)


def run_machine(
    name: str, machine: type[RuleBasedStateMachine], *, examples: int, steps: int, shrink: bool = True
) -> None:
    """Run a Hypothesis state machine from a printed seed (SEED=<n> replays it). `shrink=False`
    for machines whose examples are expensive: SHRINK=1 then asks for it when replaying."""
    rng = seeded_random(name)
    phases = list(Phase) if shrink or os.environ.get("SHRINK") else [Phase.explicit, Phase.generate]
    run_state_machine_as_test(
        seed(rng.randrange(1 << 31))(machine),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=phases,
        ),
    )


# The books every ledger test opens, shared with the integration tests (one definition).


def transfer(ref: str, source: str, target: str, fen: int) -> VoucherDraft:
    return posting_rules.member_transfer(
        source="transfer",
        source_ref=ref,
        from_account_no=source,
        to_account_no=target,
        amount=Money(fen),
        business_date=DAY,
        value_date=DAY,
        memo="互转",
    )


def balances(container: Container, accounts: tuple[str, ...]) -> dict[str, int]:
    """Every balance read in ONE transaction (a consistent snapshot)."""

    def body(uow: UnitOfWork) -> dict[str, int]:
        return {no: uow.ledger.balance(no).fen for no in accounts}

    return read(container.uow, body)


def assert_ledger_ok(container: Container) -> None:
    report = read(container.uow, check_ledger)
    assert report.ok, report.problems


def run_together(workers: list[Callable[[], None]], *, timeout: float = 120) -> list[BaseException]:
    """Start every worker behind a barrier; return what they raised. A hung worker fails."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def wrap(work: Callable[[], None]) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors
