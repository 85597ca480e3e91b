"""Concurrency on both databases (reliability.md C2, C3).

C2, Jepsen's bank test: K accounts, M writers doing random transfers between them, readers that
read every balance in one read transaction. Every snapshot totals the constant, no balance is
ever negative, and the final balances equal the initial ones plus the transfers that were
acknowledged (none lost, none doubled). C3: transfers around a cycle (A→B, B→C, C→A) and opposing
pairs together never surface a deadlock or a busy error to the caller and conserve money.
Bounded in `make test` (a few seconds); `make soak` (SOAK_SIZE=200) runs C2 for a minute.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from anju.bootstrap import Container
from anju.errors import AnjuError
from tests.reliability.workload import (
    assert_ledger_ok,
    balances,
    open_books,
    post,
    remit,
    run_together,
    seeded_random,
    soak_size,
    transfer,
)

K_ACCOUNTS = 10
OPENING_FEN = 100_000


def test_jepsen_bank_every_snapshot_totals_the_constant(container: Container) -> None:
    books = open_books(container, members=K_ACCOUNTS)
    accounts = books.members
    post(container, remit(books, "opening", [(a, OPENING_FEN) for a in accounts]))
    total = OPENING_FEN * K_ACCOUNTS
    rng = seeded_random("C2 bank")
    seconds = soak_size(3, scale=0.3)
    writers, readers = 4, 2
    plans = [random_plan(rng, accounts) for _ in range(writers)]
    deadline = time.monotonic() + seconds
    acknowledged: list[tuple[str, str, int]] = []
    refused: Counter[str] = Counter()
    snapshots: list[dict[str, int]] = []
    lock = threading.Lock()

    def writer(w: int):  # type: ignore[no-untyped-def]
        def work() -> None:
            for i, (a, b, fen) in enumerate(plans[w]):
                if time.monotonic() > deadline:
                    return
                try:
                    post(container, transfer(f"w{w}-{i}", a, b, fen))
                except AnjuError as exc:  # only "insufficient balance" may refuse a transfer
                    with lock:
                        refused[exc.code] += 1
                    continue
                with lock:
                    acknowledged.append((a, b, fen))

        return work

    def reader():  # type: ignore[no-untyped-def]
        def work() -> None:
            while time.monotonic() < deadline:
                snap = balances(container, accounts)
                with lock:
                    snapshots.append(snap)

        return work

    errors = run_together([writer(w) for w in range(writers)] + [reader() for _ in range(readers)])

    assert errors == [], errors[:3]
    assert set(refused) <= {"insufficient_balance"}, refused
    assert len(acknowledged) > 5 and len(snapshots) > 2  # the test did run transfers and reads
    bad = [s for s in snapshots if sum(s.values()) != total or min(s.values()) < 0]
    assert bad == [], f"{len(bad)} of {len(snapshots)} snapshots saw a partial transfer: {bad[0]}"
    expected = dict.fromkeys(accounts, OPENING_FEN)
    for a, b, fen in acknowledged:
        expected[a] -= fen
        expected[b] += fen
    assert balances(container, accounts) == expected
    assert_ledger_ok(container)


def random_plan(rng, accounts: tuple[str, ...]) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    plan = []
    for _ in range(100_000):
        a, b = rng.sample(accounts, 2)
        plan.append((a, b, rng.randint(1, OPENING_FEN // 3)))
    return plan


def test_cyclic_and_opposing_transfers_never_surface_a_deadlock(container: Container) -> None:
    books = open_books(container, members=3)
    a, b, c = books.members
    post(container, remit(books, "opening", [(x, 1_000_000) for x in books.members]))
    rng = seeded_random("C3 lock order")
    rounds = soak_size(25)
    routes = [(a, b), (b, c), (c, a), (b, a), (c, b), (a, c)]
    plans = [[rng.randint(1, 500) for _ in range(rounds)] for _ in routes]

    def worker(r: int):  # type: ignore[no-untyped-def]
        source, target = routes[r]

        def work() -> None:
            for i, fen in enumerate(plans[r]):
                post(container, transfer(f"r{r}-{i}", source, target, fen))

        return work

    started = time.monotonic()
    errors = run_together([worker(r) for r in range(len(routes))], timeout=120)

    assert errors == [], errors[:3]  # no TransientConflict, no deadlock, no "database is locked"
    assert time.monotonic() - started < 120
    net = dict.fromkeys(books.members, 1_000_000)
    for (source, target), plan in zip(routes, plans, strict=True):
        net[source] -= sum(plan)
        net[target] += sum(plan)
    assert balances(container, books.members) == net
    assert sum(net.values()) == 3_000_000
    assert_ledger_ok(container)
