"""Small ledger workloads shared by the reliability tests: books with a bank account and member
accounts, postings through the real ledger, workers started together behind a barrier, seeds.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from anju.bootstrap import Container
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef, VoucherDraft
from anju.ledger.records import PostedVoucher
from anju.money import Money
from anju.services import ledger as ledger_service
from anju.services.calendar import initialise_business_date
from anju.services.ledger import check_ledger
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

DAY = date(2026, 11, 23)


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


@dataclass(frozen=True)
class Books:
    bank_code: str
    bank_no: str
    members: tuple[str, ...]

    @property
    def bank(self) -> AccountRef:
        return AccountRef.gl(self.bank_code)


def open_books(container: Container, members: int = 2) -> Books:
    def body(uow: UnitOfWork) -> Books:
        uow.ledger.seed_chart(DAY)
        initialise_business_date(uow, DAY)
        bank = uow.ledger.add_bank_deposit_account(
            label="建设银行郑州分行归集户", owner_id=1, branch_id=None, opened_on=DAY
        )
        numbers = tuple(
            ledger_service.open_subledger_account(
                uow, posting_rules.MEMBER_ACCOUNT, owner_type="test", owner_id=i, branch_id=1, opened_on=DAY
            )
            for i in range(1, members + 1)
        )
        return Books(bank.gl_code, bank.account_no, numbers)

    return run(container.uow, body)


def post(container: Container, draft: VoucherDraft, *, replay_ok: bool = False) -> PostedVoucher:
    return run(
        container.uow,
        lambda uow: uow.ledger.post(draft, created_by="test", branch_id=None, replay_ok=replay_ok),
    )


def remit(books: Books, ref: str, credits: list[tuple[str, int]]) -> VoucherDraft:
    return posting_rules.remittance_credit(
        source="remittance",
        source_ref=ref,
        bank=books.bank,
        credits=[(no, Money(fen)) for no, fen in credits],
        business_date=DAY,
        value_date=DAY,
        memo="单位汇缴",
    )


def withdraw(books: Books, ref: str, member: str, fen: int) -> VoucherDraft:
    return posting_rules.withdrawal(
        source="withdrawal",
        source_ref=ref,
        member_account_no=member,
        bank=books.bank,
        amount=Money(fen),
        business_date=DAY,
        value_date=DAY,
        memo="提取",
    )


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
