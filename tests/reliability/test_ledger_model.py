"""Model-based ledger workload (reliability.md L1, L2) and atomic multi-leg events (L6).

L1: a Hypothesis state machine drives the real posting path (`uow.ledger.post` / `reverse`, the
posting rules of ledger/posting_rules.py) with random sequences of unit remittances split to N
members, back-payments, unit money received unmatched (暂收, the unit's suspense account) and
allocated to members later, withdrawals through the bank, transfers between members in the city,
annual interest, reversals and replays of an already used key, next to a pure-Python reference
model. After EVERY step: check_ledger() holds and every balance equals the model's.
L2: external money enters and leaves only through the bank account: bank = Σ inflows − Σ outflows
and Σ member + suspense balances = bank + interest paid, exactly in fen.
L6: a remittance to N members with a failure injected at each SQL statement k of its posting
(the k-th leg's database work included) leaves nothing behind; the same posting then succeeds.

The interest amounts are Money.times(rate) in the system and Decimal ROUND_HALF_UP in the model;
the settlement service's own daily-product computation is tested in tests/integration/test_interest.py.
Bounded in `make test`; `make soak` raises the number of runs and steps (SOAK_SIZE).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import event

from anju.bootstrap import Container
from anju.errors import AnjuError
from anju.ledger import posting_rules
from anju.ledger.balances import Side
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, BusinessType
from anju.money import Money
from anju.services.ledger import check_ledger
from anju.services.runner import read, run
from tests.reliability.workload import (
    DAY,
    Books,
    assert_ledger_ok,
    balances,
    open_books,
    post,
    remit,
    run_machine,
    soak_size,
    transfer,
    withdraw,
)

MEMBERS = 5
amounts = st.integers(min_value=1, max_value=2_000_000)
member_index = st.integers(min_value=0, max_value=MEMBERS - 1)
RATES = [Decimal("0.015"), Decimal("0.0035"), Decimal("0.0125")]


class Model:
    """The reference: balances in fen per account, and the flows across the centre's boundary."""

    def __init__(self, members: tuple[str, ...], bank: str) -> None:
        self.bal: dict[str, int] = dict.fromkeys((*members, bank), 0)
        self.bank = bank
        self.inflow = 0
        self.outflow = 0
        self.interest = 0
        # voucher_no -> (effect per account, reversed already?, interest voucher?)
        self.vouchers: dict[str, tuple[dict[str, int], bool, bool]] = {}

    def can_apply(self, effect: dict[str, int]) -> bool:
        return all(self.bal[a] + d >= 0 for a, d in effect.items() if a != self.bank)

    def apply(self, effect: dict[str, int]) -> None:
        for account, delta in effect.items():
            self.bal[account] += delta
        self.inflow += max(effect.get(self.bank, 0), 0)
        self.outflow += max(-effect.get(self.bank, 0), 0)


def machine_for(container: Container) -> type[RuleBasedStateMachine]:
    interest_account = read(
        container.uow, lambda uow: uow.ledger.single_account(GL.EXPENSE_MEMBER_INTEREST).account_no
    )

    class LedgerMachine(RuleBasedStateMachine):
        books: Books
        model: Model

        @initialize()
        def open(self) -> None:
            self.books = open_books_again(container)
            self.model = Model(self.books.members, self.books.bank_no)
            self.run_id = uuid.uuid4().hex[:10]
            self.n = 0
            self.interest_before = read(container.uow, lambda uow: uow.ledger.balance(interest_account).fen)
            self.last_used_draft: Any = None

        def ref(self, what: str) -> str:
            self.n += 1
            return f"{self.run_id}-{what}-{self.n}"

        def member(self, i: int) -> str:
            return self.books.members[i]

        @property
        def suspense(self) -> str:  # the unit's 暂收 account (money received, not yet allocated)
            return self.books.members[MEMBERS]

        @rule(fen=amounts)
        def unit_money_received_unmatched(self, fen: int) -> None:
            draft = posting_rules.suspense_receipt(
                source="receipt",
                source_ref=self.ref("rcv"),
                bank=self.books.bank,
                suspense_account_no=self.suspense,
                amount=Money(fen),
                business_date=DAY,
                value_date=DAY,
                memo="暂收",
            )
            self.expect({self.suspense: fen, self.books.bank_no: fen}, draft)

        @rule(
            split=st.lists(
                st.tuples(member_index, amounts), min_size=1, max_size=MEMBERS, unique_by=lambda t: t[0]
            )
        )
        def suspense_allocated_to_members(self, split: list[tuple[int, int]]) -> None:
            credits = [(self.member(i), fen) for i, fen in split]
            draft = posting_rules.suspense_allocation(
                source="allocation",
                source_ref=self.ref("alloc"),
                suspense_account_no=self.suspense,
                credits=[(no, Money(fen)) for no, fen in credits],
                business_date=DAY,
                value_date=DAY,
                memo="暂收分配",
            )
            effect = dict(credits)
            effect[self.suspense] = -sum(fen for _, fen in credits)
            self.expect(effect, draft)

        def expect(self, effect: dict[str, int], draft: Any) -> None:
            """Post the draft; the model says whether it must succeed."""
            allowed = self.model.can_apply(effect)
            refused: AnjuError | None = None
            try:
                posted = post(container, draft)
            except AnjuError as exc:
                refused = exc
            if refused is not None:
                assert not allowed, f"refused although the model allows it: {refused}"
                assert refused.code == "insufficient_balance", refused
                return
            assert allowed, "posted although a balance would go below its floor"
            self.model.apply(effect)
            self.model.vouchers[posted.voucher_no] = (effect, False, False)
            self.last_used_draft = draft

        @rule(
            split=st.lists(
                st.tuples(member_index, amounts), min_size=1, max_size=MEMBERS, unique_by=lambda t: t[0]
            ),
            back_payment=st.booleans(),
        )
        def remittance(self, split: list[tuple[int, int]], back_payment: bool) -> None:
            credits = [(self.member(i), fen) for i, fen in split]
            draft = posting_rules.remittance_credit(
                source="remittance",
                source_ref=self.ref("remit"),
                bank=self.books.bank,
                credits=[(no, Money(fen)) for no, fen in credits],
                business_date=DAY,
                value_date=DAY,
                memo="补缴" if back_payment else "汇缴",
                business_type=BusinessType.BACK_PAYMENT if back_payment else BusinessType.REMITTANCE,
                kind="back_payment" if back_payment else "remittance",
            )
            effect = dict(credits)
            effect[self.books.bank_no] = sum(fen for _, fen in credits)
            self.expect(effect, draft)

        @rule(i=member_index, fen=amounts, whole=st.booleans())
        def withdrawal(self, i: int, fen: int, whole: bool) -> None:
            member = self.member(i)
            fen = self.model.bal[member] if whole and self.model.bal[member] > 0 else fen
            effect = {member: -fen, self.books.bank_no: -fen}
            self.expect(effect, withdraw(self.books, self.ref("wd"), member, fen))

        @rule(i=member_index, j=member_index, fen=amounts)
        def transfer_in_city(self, i: int, j: int, fen: int) -> None:
            if i == j:
                return
            a, b = self.member(i), self.member(j)
            self.expect({a: -fen, b: fen}, transfer(self.ref("tr"), a, b, fen))

        @rule(rate=st.sampled_from(RATES))
        def annual_interest(self, rate: Decimal) -> None:
            credits = []
            for no in self.books.members[:MEMBERS]:
                system = Money(self.model.bal[no]).times(rate)
                reference = int((Decimal(self.model.bal[no]) * rate).quantize(Decimal(1), ROUND_HALF_UP))
                assert system.fen == reference, (self.model.bal[no], rate)
                if system.fen > 0:
                    credits.append((no, system))
            if not credits:
                return
            draft = posting_rules.annual_interest(
                source_ref=self.ref("int"), credits=credits, settlement_day=DAY, memo="年终结息"
            )
            posted = post(container, draft)
            effect = {no: m.fen for no, m in credits}
            self.model.apply(effect)
            self.model.interest += sum(effect.values())
            self.model.vouchers[posted.voucher_no] = (effect, False, True)

        @rule(pick=st.integers(min_value=0, max_value=10_000))
        def reversal(self, pick: int) -> None:
            if not self.model.vouchers:
                return
            numbers = sorted(self.model.vouchers)
            number = numbers[pick % len(numbers)]
            effect, reversed_already, is_interest = self.model.vouchers[number]
            undo = {a: -d for a, d in effect.items()}
            allowed = not reversed_already and self.model.can_apply(undo)
            refused: AnjuError | None = None
            try:
                posted = run(container.uow, lambda uow: uow.ledger.reverse(number, "冲正", DAY, "test", None))
            except AnjuError as exc:
                refused = exc
            if refused is not None:
                assert not allowed, f"reversal refused although the model allows it: {refused}"
                assert refused.code in {"insufficient_balance", "voucher_already_reversed"}, refused
                return
            assert allowed, "a reversal posted that the model refuses"
            self.model.apply(undo)
            if is_interest:  # the red-ink reversal takes the interest back from the expense too
                self.model.interest += sum(undo.values())
            self.model.vouchers[number] = (effect, True, is_interest)
            assert posted.reverses == number

        @rule()
        def replay_a_used_key(self) -> None:
            if self.last_used_draft is None:
                return
            with pytest.raises(AnjuError) as refused:
                post(container, self.last_used_draft)
            assert refused.value.code == "duplicate_source_ref"

        @invariant()
        def balances_equal_the_model_and_the_ledger_checks(self) -> None:
            if not hasattr(self, "model"):
                return
            actual = balances(container, tuple(self.model.bal))
            assert actual == self.model.bal
            report = read(container.uow, check_ledger)
            assert report.ok, report.problems

        @invariant()
        def money_is_conserved(self) -> None:  # L2
            if not hasattr(self, "model"):
                return
            bank = self.model.bal[self.books.bank_no]
            members = sum(v for k, v in self.model.bal.items() if k != self.books.bank_no)
            assert bank == self.model.inflow - self.model.outflow
            assert members == bank + self.model.interest
            paid = read(container.uow, lambda uow: uow.ledger.balance(interest_account).fen)
            assert paid - self.interest_before == self.model.interest

    return LedgerMachine


def open_books_again(container: Container) -> Books:
    """Fresh accounts for one run of the machine, in the database the test already set up."""
    from anju.services import ledger as ledger_service

    def body(uow):  # type: ignore[no-untyped-def]
        bank = uow.ledger.add_bank_deposit_account(label="归集户", owner_id=1, branch_id=None, opened_on=DAY)
        numbers = tuple(
            ledger_service.open_subledger_account(
                uow, posting_rules.MEMBER_ACCOUNT, owner_type="test", owner_id=i, branch_id=1, opened_on=DAY
            )
            for i in range(MEMBERS)
        )
        suspense = ledger_service.open_subledger_account(
            uow,
            posting_rules.UNIT_SUSPENSE_ACCOUNT,
            owner_type="test",
            owner_id=0,
            branch_id=1,
            opened_on=DAY,
        )
        return Books(bank.gl_code, bank.account_no, (*numbers, suspense))

    return run(container.uow, body)


def test_model_based_ledger_workload(container: Container) -> None:
    open_books(container, members=1)  # chart, business date
    run_machine(
        "L1 ledger model",
        machine_for(container),
        examples=soak_size(6, scale=0.5),
        steps=soak_size(25, scale=50),
    )


# --- L6: a failure at every step of a multi-leg posting ------------------------------------------


@contextmanager
def fail_at_statement(container: Container, k: int) -> Iterator[list[str]]:
    """Raise before the k-th SQL statement (1-based) the engine executes; yields what ran."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            return
        seen.append(" ".join(statement.split()[:4]))
        if len(seen) == k:
            raise RuntimeError(f"injected failure at statement {k}")

    event.listen(container.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", before)


def test_a_failure_at_any_leg_of_a_remittance_leaves_nothing(container: Container) -> None:
    books = open_books(container, members=8)
    credits = [(m, 1000 + i) for i, m in enumerate(books.members)]
    draft = remit(books, "multi-leg", credits)
    post(container, remit(books, "warm-up", credits))  # first use creates sequences etc.
    with fail_at_statement(container, 10_000) as seen:  # the statements of one posting
        post(container, remit(books, "count", credits))
    statements = len(seen)
    assert statements >= 3
    before = balances(container, (*books.members, books.bank_no))
    vouchers = read(container.uow, lambda uow: uow.ledger.count_vouchers())

    for k in range(1, statements + 1):
        with fail_at_statement(container, k), pytest.raises(RuntimeError, match="injected"):
            post(container, draft)
        where = f"failure before statement {k}: {seen[k - 1]}"
        assert balances(container, (*books.members, books.bank_no)) == before, where
        assert read(container.uow, lambda uow: uow.ledger.count_vouchers()) == vouchers, where

    posted = post(container, draft)
    assert posted.posting_count == len(credits) + 1
    after = balances(container, (*books.members, books.bank_no))
    assert after[books.bank_no] == before[books.bank_no] + sum(f for _, f in credits)
    assert_ledger_ok(container)


def test_a_member_account_that_cannot_take_leg_k_refuses_the_whole_voucher(container: Container) -> None:
    books = open_books(container, members=5)
    post(container, remit(books, "seed", [(m, 500) for m in books.members]))
    before = balances(container, (*books.members, books.bank_no))
    for k in range(len(books.members)):
        # Leg k takes more out of member k than it holds; every other leg is fine.
        lines = [
            (AccountRef.ledger(m), Side.DEBIT, Money(600 if i == k else 100))
            for i, m in enumerate(books.members)
        ]
        total = sum(line[2].fen for line in lines)
        draft = posting_rules.manual_voucher(
            source_ref=f"leg-{k}",
            business_date=DAY,
            value_date=DAY,
            memo="多腿",
            lines=[*lines, (books.bank, Side.CREDIT, Money(total))],
        )
        with pytest.raises(AnjuError) as refused:
            post(container, draft)
        assert refused.value.code == "insufficient_balance"
        assert balances(container, (*books.members, books.bank_no)) == before
    assert_ledger_ok(container)
