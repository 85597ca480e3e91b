"""Deposit interest on a real database (SQLite and PostgreSQL): daily products kept by the posting
path, the 30 June settlement job (Example 1b exactly, random histories against the day-by-day
reference, killed and rerun: R4), closing interest paid with the principal (Example 1c), the
back-value window, and the month-end accrual released at settlement.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.batch.annual_interest import JOB, AnnualInterestJob
from anju.batch.runner import JobContext, run_job
from anju.bootstrap import Container
from anju.domain.interest import InterestRates, InterestRuleViolation, daily_balance_days, interest_on
from anju.domain.security import Actor, Role
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef, VoucherDraft
from anju.ledger.posting_rules import GL
from anju.money import Money, Rate
from anju.services import interest
from anju.services import ledger as ledger_service
from anju.services import policy as policy_service
from anju.services.calendar import initialise_business_date
from anju.services.end_of_day import EOD_STEPS, run_end_of_day
from anju.services.ledger import check_ledger
from anju.services.ports import ItemFailure, UnitOfWork
from anju.services.runner import read, run

REFERENCE = (Path(__file__).resolve().parents[2] / "policies" / "reference.toml").read_text(encoding="utf-8")
ACTOR = Actor.system("test")
CLERK = Actor(username="clerk1", roles=frozenset({Role.COUNTER_CLERK}), branch_id=1)
RATES = InterestRates(Rate.percent("1.50"), Rate.percent("1.50"))
Y2024 = date(2024, 6, 30)
Y2025 = date(2025, 6, 30)


@dataclass(frozen=True)
class Books:
    bank_code: str

    @property
    def bank(self) -> AccountRef:
        return AccountRef.gl(self.bank_code)


def open_books(container: Container, calendar_day: date = date(2024, 6, 1)) -> Books:
    def body(uow: UnitOfWork) -> Books:
        uow.ledger.seed_chart(date(2016, 1, 1))
        initialise_business_date(uow, calendar_day)
        policy_service.import_policy(
            uow,
            None,
            REFERENCE,
            effective_date=date(2016, 1, 1),
            document_no="参考政策",
            approved_by="管委会",
        )
        bank = uow.ledger.add_bank_deposit_account(
            label="归集户", owner_id=1, branch_id=None, opened_on=calendar_day
        )
        return Books(bank.gl_code)

    return run(container.uow, body)


def open_members(container: Container, count: int, opened_on: date) -> list[str]:
    def body(uow: UnitOfWork) -> list[str]:
        return [
            ledger_service.open_subledger_account(
                uow,
                posting_rules.MEMBER_ACCOUNT,
                owner_type="test",
                owner_id=i,
                branch_id=1,
                opened_on=opened_on,
            )
            for i in range(count)
        ]

    return run(container.uow, body)


def post(container: Container, draft: VoucherDraft) -> str:
    return run(
        container.uow, lambda uow: uow.ledger.post(draft, created_by="test", branch_id=None)
    ).voucher_no


def credit(
    books: Books, ref: str, member: str, fen: int, value_date: date, business_date: date | None = None
) -> VoucherDraft:
    return posting_rules.remittance_credit(
        source="test",
        source_ref=ref,
        bank=books.bank,
        credits=[(member, Money(fen))],
        business_date=business_date or value_date,
        value_date=value_date,
        memo="单位汇缴",
    )


def debit(books: Books, ref: str, member: str, fen: int, day: date) -> VoucherDraft:
    return posting_rules.withdrawal(
        source="test",
        source_ref=ref,
        member_account_no=member,
        bank=books.bank,
        amount=Money(fen),
        business_date=day,
        value_date=day,
        memo="部分提取",
    )


def settle_year(container: Container, day: date, **kwargs: object) -> None:
    report = run_job(container.uow, JOB, day, actor=ACTOR, **kwargs)  # type: ignore[arg-type]
    assert report.run.state == "succeeded", report


def balance(container: Container, account_no: str) -> int:
    return read(container.uow, lambda uow: uow.ledger.balance(account_no)).fen


def state_of(container: Container, account_no: str):  # type: ignore[no-untyped-def]
    return read(container.uow, lambda uow: uow.interest.account(account_no)).state


def interest_postings(container: Container, account_no: str) -> list[int]:
    lines = read(container.uow, lambda uow: uow.ledger.statement(account_no))
    return [line.amount.fen for line in lines if line.business_type == "09"]


def assert_ledger_ok(container: Container) -> None:
    report = read(container.uow, check_ledger)
    assert report.ok, report.problems


def brought_forward(container: Container, books: Books, fen: int) -> str:
    """A member account holding exactly `fen` brought forward on 1 July 2024, made the real way:
    a remittance on 30 June 2024 and that year's settlement. 49,997.92 for one day earns 2.08."""
    (member,) = open_members(container, 1, date(2024, 6, 30))
    interest_fen = interest_on(4_999_792, 0, RATES).fen
    assert interest_fen == 208
    post(container, credit(books, f"open-{member}", member, fen - interest_fen, Y2024))
    settle_year(container, Y2024)
    return member


# --- Example 1 ---------------------------------------------------------------------------------

CREDIT_DAYS = [date(2024, m, 10) for m in range(7, 13)] + [date(2025, m, 10) for m in range(1, 7)]


def example_1b(container: Container, books: Books) -> tuple[str, str]:
    member = brought_forward(container, books, 5_000_000)
    state = state_of(container, member)
    assert (state.carried_fen, state.current_year_fen, state.accrued_through) == (
        5_000_000,
        0,
        date(2024, 7, 1),
    )
    withdrawal_no = ""
    for day in sorted([*CREDIT_DAYS, date(2025, 3, 15)]):
        if day.day == 15:
            withdrawal_no = post(container, debit(books, "w-2025-03-15", member, 2_000_000, day))
        else:
            post(container, credit(books, f"r-{day}", member, 192_000, day))
    return member, withdrawal_no


def test_example_1b_exact_through_postings_and_the_settlement_job(container: Container) -> None:
    books = open_books(container)
    member, withdrawal_no = example_1b(container, books)

    withdrawal = read(container.uow, lambda uow: uow.ledger.get_voucher(withdrawal_no))
    line = next(p for p in withdrawal.postings if p.account_no == member)
    assert (line.current_year, line.carried) == (
        Money.of("17280.00"),
        Money.of("2720.00"),
    )  # DNGJFSE / SNJZFSE
    before = state_of(container, member)
    assert (before.current_year_fen, before.carried_fen) == (576_000, 4_728_000)  # 5,760.00 / 47,280.00

    settle_year(container, Y2025)

    after = state_of(container, member)
    assert balance(container, member) == Money.of("53890.90").fen
    assert (after.current_year_fen, after.carried_fen) == (0, Money.of("53890.90").fen)
    assert (after.balance_days_current, after.balance_days_carried) == (0, 0)
    assert after.accrued_through == date(2025, 7, 1)
    assert interest_postings(container, member) == [208, 85_090]  # 2.08 (2024) and 850.90 (2025)
    statement = read(container.uow, lambda uow: ledger_service.account_statement(uow, CLERK, member))
    last = statement.lines[-1]
    assert (last.business_date, last.business_type, last.business_type_zh) == (Y2025, "09", "年终结息")
    assert last.interest == Money.of("850.90") and "年度结息" in last.memo
    assert last.balance_after == Money.of("53890.90")
    assert_ledger_ok(container)


def test_example_1c_closing_interest_is_paid_out_with_the_principal(container: Container) -> None:
    books = open_books(container)
    member, _ = example_1b(container, books)
    settle_year(container, Y2025)
    for day in (date(2025, 7, 10), date(2025, 8, 10)):
        post(container, credit(books, f"r-{day}", member, 192_000, day))
    closing = date(2025, 9, 20)
    assert read(container.uow, lambda uow: interest.closing_interest(uow, member, closing)) == Money.of(
        "190.92"
    )

    payout = run(
        container.uow,
        lambda uow: interest.pay_out_closing(
            uow,
            CLERK,
            account_no=member,
            bank=books.bank,
            closing_date=closing,
            source="test",
            source_ref="close-1",
            memo="退休销户提取",
        ),
    )

    assert (payout.principal, payout.interest, payout.total) == (
        Money.of("57730.90"),
        Money.of("190.92"),
        Money.of("57921.82"),
    )
    assert balance(container, member) == 0
    account = read(container.uow, lambda uow: uow.ledger.get_account(member))
    assert (account.status, account.closed_on) == ("closed", closing)
    assert payout.voucher is not None
    bank_line = next(p for p in payout.voucher.postings if p.gl_code == books.bank_code)
    assert bank_line.amount == Money.of("57921.82")
    statement = read(container.uow, lambda uow: ledger_service.account_statement(uow, CLERK, member))
    row = statement.lines[-1]
    assert (row.business_type, row.amount, row.interest) == ("12", Money.of("57730.90"), Money.of("190.92"))
    assert_ledger_ok(container)


def test_an_account_emptied_earlier_is_still_paid_its_interest_on_closing(container: Container) -> None:
    books = open_books(container)
    (member,) = open_members(container, 1, date(2024, 7, 1))
    post(container, credit(books, "in", member, 3_600_000, date(2024, 7, 1)))
    post(container, debit(books, "out", member, 3_600_000, date(2024, 7, 11)))  # 10 days: 15.00

    def close(uow: UnitOfWork) -> interest.ClosingPayout:
        return interest.pay_out_closing(
            uow,
            CLERK,
            account_no=member,
            bank=books.bank,
            closing_date=date(2024, 9, 1),
            source="test",
            source_ref="close-empty",
            memo="销户",
        )

    payout = run(container.uow, close)
    assert (payout.principal, payout.interest) == (Money.ZERO, Money.of("15.00"))
    assert payout.voucher is not None
    assert {(p.gl_code, p.side.value, p.amount) for p in payout.voucher.postings} == {
        (GL.EXPENSE_MEMBER_INTEREST, "D", Money.of("15.00")),
        (books.bank_code, "C", Money.of("15.00")),
    }
    assert read(container.uow, lambda uow: uow.ledger.get_account(member)).status == "closed"
    settle_year(container, Y2025)  # a closed account is not settled again
    assert interest_postings(container, member) == []
    assert_ledger_ok(container)


# --- random histories against the day-by-day reference ------------------------------------------

EVENT = st.tuples(
    st.integers(0, 364), st.integers(0, 2), st.integers(1, 3_000_000), st.booleans(), st.integers(0, 40)
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(EVENT, min_size=1, max_size=14))
def test_interest_posted_equals_the_day_by_day_reference(
    container: Container, events: list[tuple[int, int, int, bool, int]]
) -> None:
    """Credits (some back-valued up to 40 days, beyond the window when the rule says so) and
    debits on random days, never below zero on any day; then the real settlement job."""
    if read(container.uow, lambda uow: uow.calendar.business_date()) is None:
        open_books(container)
    chart = read(container.uow, lambda uow: uow.ledger.list_chart())
    books = Books(next(c.code for c in chart if c.parent == GL.BANK_DEPOSITS))
    start = date(2024, 7, 1)
    members = open_members(container, 3, start)
    history: dict[str, list[tuple[date, int]]] = {m: [] for m in members}
    for n, (offset, who, amount, is_credit, back) in enumerate(sorted(events)):
        member, business_day = members[who], start + timedelta(days=offset)
        if is_credit:
            value_day = max(start, business_day - timedelta(days=back))
            draft = credit(books, f"p{member}-{n}", member, amount, value_day, business_day)
            too_far = (business_day - value_day).days > 30
            if too_far and value_day < state_of(container, member).accrued_through:
                with pytest.raises(InterestRuleViolation):
                    post(container, draft)
                continue
            post(container, draft)
            history[member].append((value_day, amount))
        else:
            # Every value date so far is on or before today: the balance now is the lowest of the
            # days the debit touches, so taking at most that keeps every day at zero or above.
            taken = min(amount, sum(fen for _, fen in history[member]))
            if taken <= 0:
                continue
            post(container, debit(books, f"p{member}-{n}", member, taken, business_day))
            history[member].append((business_day, -taken))
    params = {"example": members[0]}
    report = run_job(container.uow, JOB, Y2025, actor=ACTOR, params=params, chunk_size=2)
    assert report.run.state == "succeeded"
    for member in members:
        expected = interest_on(daily_balance_days(0, history[member], start, Y2025), 0, RATES).fen
        posted = interest_postings(container, member)
        assert posted == ([expected] if expected else [])
        state = state_of(container, member)
        assert (state.current_year_fen, state.carried_fen) == (0, balance(container, member))
    assert_ledger_ok(container)


# --- restartable settlement (R4) ---------------------------------------------------------------


class Crashing(AnnualInterestJob):
    """The settlement with a crash (not a business error) injected in a chosen chunk."""

    def __init__(self, crash_at: int) -> None:
        super().__init__()
        self.calls = 0
        self.crash_at = crash_at

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        failures = super().process(uow, ctx, items)  # the chunk's work is done, then the crash
        self.calls += 1
        if self.calls == self.crash_at:
            raise RuntimeError("kill -9")
        return failures


@pytest.mark.parametrize("how", ["stop", "crash"])
def test_a_killed_settlement_reruns_and_credits_every_account_exactly_once(
    container: Container, how: str
) -> None:
    books = open_books(container)
    members = open_members(container, 23, date(2024, 7, 1))
    rng = random.Random(7)
    for i, member in enumerate(members):
        if i % 5 != 4:  # some accounts stay empty: settled, nothing credited
            post(
                container,
                credit(
                    books,
                    f"c{i}",
                    member,
                    rng.randint(100, 9_000_000),
                    date(2024, 7, 1) + timedelta(days=rng.randint(0, 360)),
                ),
            )
    expected = {
        m: read(container.uow, lambda uow, m=m: interest.closing_interest(uow, m, date(2025, 7, 1)))
        for m in members
    }
    kill_at = rng.randint(1, 5)
    if how == "stop":
        first = run_job(container.uow, JOB, Y2025, actor=ACTOR, chunk_size=4, stop_after_chunks=kill_at)
        assert first.run.state == "running" and first.run.done_items == 4 * kill_at
    else:
        with pytest.raises(RuntimeError):
            run_job(container.uow, Crashing(kill_at), Y2025, actor=ACTOR, chunk_size=4)
    # The rerun uses other chunk boundaries: the per-account guard still holds.
    again = run_job(container.uow, JOB, Y2025, actor=ACTOR, chunk_size=7)
    assert again.resumed and again.run.state == "succeeded"
    assert run_job(container.uow, JOB, Y2025, actor=ACTOR).already_done
    # A fresh run from the first account (no checkpoint to protect it): the per-account guard.
    fresh = run_job(container.uow, JOB, Y2025, actor=ACTOR, params={"rerun": "1"}, chunk_size=5)
    assert (fresh.run.state, fresh.run.total_items, fresh.run.done_items) == ("succeeded", 0, 0)
    for member in members:
        assert interest_postings(container, member) == (
            [expected[member].fen] if expected[member].fen else []
        )
    assert_ledger_ok(container)


def test_settling_the_same_range_twice_credits_nothing_the_second_time(container: Container) -> None:
    books = open_books(container)
    members = open_members(container, 3, date(2024, 7, 1))
    for i, member in enumerate(members):
        post(container, credit(books, f"c{i}", member, 1_000_000, date(2024, 7, 1)))
    ids = read(container.uow, lambda uow: uow.interest.due_ids(Y2025, None, 10))

    def settle_all(uow: UnitOfWork):  # type: ignore[no-untyped-def]
        return interest.settle_accounts(
            uow, first_id=ids[0], last_id=ids[-1], settlement_day=Y2025, rates=RATES
        )

    first = run(container.uow, settle_all)
    second = run(container.uow, settle_all)
    assert (first.settled, first.credited, second.settled, second.credited) == (3, 3, 0, 0)
    assert first.total == Money(3 * interest_on(1_000_000 * 365, 0, RATES).fen)
    assert second.voucher_no is None
    assert_ledger_ok(container)


def test_the_settlement_runs_on_30_june_only(container: Container) -> None:
    open_books(container)
    with pytest.raises(InterestRuleViolation, match="interest_not_settlement_day"):
        run_job(container.uow, JOB, date(2025, 6, 29), actor=ACTOR)


# --- the posting path: back value, year boundary -----------------------------------------------


def test_a_back_valued_credit_inside_the_window_earns_from_its_value_date(container: Container) -> None:
    books = open_books(container)
    a, b = open_members(container, 2, date(2024, 7, 1))
    post(container, credit(books, "a", a, 1_000_000, date(2024, 8, 1)))
    post(container, credit(books, "b0", b, 1, date(2024, 8, 20)))  # moves b's products to 20 Aug
    post(container, credit(books, "b", b, 1_000_000, date(2024, 8, 1), business_date=date(2024, 8, 20)))
    refused = credit(books, "b2", b, 1_000_000, date(2024, 7, 19), business_date=date(2024, 8, 20))
    with pytest.raises(InterestRuleViolation, match="value_date_outside_window"):
        post(container, refused)
    day = date(2024, 12, 1)
    a_view = read(container.uow, lambda uow: interest.interest_of(uow, a, day))
    b_view = read(container.uow, lambda uow: interest.interest_of(uow, b, day))
    # b's million earns from 1 August like a's, although booked on 20 August; the extra fen
    # from 20 August earns 103 days.
    assert b_view.balance_days_current == a_view.balance_days_current + 103
    assert a_view.balance_days_current == 1_000_000 * 122
    assert a_view.accrued_interest == interest_on(122_000_000, 0, RATES)
    assert balance(container, b) == 1_000_001  # the refused posting left nothing behind
    assert_ledger_ok(container)


def test_a_new_interest_year_waits_for_the_settlement(container: Container) -> None:
    books = open_books(container)
    full, empty = open_members(container, 2, date(2024, 7, 1))
    post(container, credit(books, "f", full, 500_000, date(2024, 7, 1)))
    with pytest.raises(InterestRuleViolation, match="interest_settlement_pending"):
        post(container, credit(books, "f2", full, 100, date(2025, 7, 1)))
    post(container, credit(books, "e", empty, 100, date(2025, 7, 1)))  # nothing to settle: allowed
    assert state_of(container, empty).settled_on == Y2025
    settle_year(container, Y2025)
    assert interest_postings(container, empty) == []
    assert state_of(container, empty).current_year_fen == 100  # the new year's money stays current
    post(container, credit(books, "f3", full, 100, date(2025, 7, 1)))
    assert interest_postings(container, full) == [interest_on(500_000 * 365, 0, RATES).fen]


# --- end of day: accrual at month end, settlement on 30 June ------------------------------------


def test_end_of_day_accrues_monthly_and_settles_on_30_june(container: Container) -> None:
    books = open_books(container, calendar_day=date(2025, 5, 31))
    members = open_members(container, 4, date(2024, 7, 1))
    for i, member in enumerate(members):
        post(
            container,
            credit(books, f"c{i}", member, 1_000_000 * (i + 1), date(2024, 7, 1) + timedelta(days=40 * i)),
        )
    steps = [s for s in EOD_STEPS if s.name in {"annual_interest", "interest_accrual"}]
    admin = Actor(username="sysadmin", roles=frozenset({Role.SYSTEM_ADMIN}), all_branches=True)

    def payable() -> Money:
        return read(container.uow, lambda uow: uow.ledger.single_account(GL.INTEREST_PAYABLE).balance)

    report = run_end_of_day(container.uow, admin, steps=steps)
    assert report.ok, report.error
    accrued = Money(
        sum(
            read(container.uow, lambda uow, m=m: interest.closing_interest(uow, m, date(2025, 6, 1))).fen
            for m in members
        )
    )
    assert abs(payable().fen - accrued.fen) <= len(members)  # one rounding in total, not per account
    while read(container.uow, lambda uow: uow.calendar.business_date()) != date(2025, 7, 1):
        assert run_end_of_day(container.uow, admin, steps=steps).ok
    paid = sum(sum(interest_postings(container, m)) for m in members)
    assert paid > 0
    assert payable() == Money.ZERO  # released at settlement
    expense = read(container.uow, lambda uow: uow.ledger.single_account(GL.EXPENSE_MEMBER_INTEREST).balance)
    assert expense == Money(paid)  # 41101 holds exactly the interest paid
    assert_ledger_ok(container)
