"""Model-based workload through the BUSINESS SERVICES (reliability.md L1, the service level).

test_ledger_model.py drives the posting rules directly; this machine drives what a counter,
the bank interface and the batch jobs call, through services.runner.run, each Hypothesis
example on its own copy of a seeded centre's database (SQLite and PostgreSQL):
- unit remittance split to the roster's members, paid exactly (matched) or short (the unit's
  suspense, 暂收) and allocated later; back-payment (补缴) of a month the unit missed;
- partial withdrawals (提取) through maker-checker and the bank, some failing at the bank (the
  service reverses its voucher, 退回柜面) and paid again, some refused for overdraft;
- in-city transfer of a member to another unit (市内转移, no money moves);
- loan application (refused above the limit and for a family's third loan), disbursement,
  bank repayment (full or partial, on any day), 冲还贷 from the borrower's then the spouse's
  fund account, partial and full prepayment;
- the annual interest settlement job (结息) on 30 June;
- red-ink reversal (红字冲销) of remittance, suspense and allocation vouchers (loan and
  withdrawal vouchers are corrected by their own services: a bare reversal would leave the loan
  or the withdrawal case behind);
- the business date moving on: each due instalment is paid by the day's bank deduction before
  the date passes it, so no loan falls overdue (penalty interest is test_loans.py's).

Next to it runs business_model.Model, which knows the rules, not the code. After EVERY step:
check_ledger() holds, every member's fund balance, every unit's suspense balance and every
loan's outstanding principal equal the model's; a refused operation changes nothing (balances
and the number of vouchers). Not covered because no service exists: moving money between two
members' accounts, and the inter-centre transfer (转移接续: only its posting rule and bank
purpose exist, no service). Bounded in `make test`; SOAK_SIZE scales examples and steps.
A failing run prints its seed; SEED=<n> replays it, SHRINK=1 also minimises it (slow).
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from anju.adapters.clock import FixedClock
from anju.batch.annual_interest import JOB as ANNUAL_INTEREST
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.dates import YearMonth
from anju.domain.loans.schedule import PrepaymentOption
from anju.domain.security import Actor
from anju.errors import AnjuError
from anju.money import Money
from anju.services import bank, loans
from anju.services import loan_repayments as repay
from anju.services import remittance as rm
from anju.services import withdrawals as wd
from anju.services.ledger import check_ledger, reverse_voucher
from anju.services.members import transfer_member
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from tests.conftest import open_container
from tests.integration.collection_helpers import DAY, open_member, register
from tests.integration.test_loans import FINANCE, LOAN_BANK, World
from tests.integration.test_remittance import set_opened
from tests.integration.test_withdrawals import CARD, approve, decide, materials, settle
from tests.reliability.business_model import (
    BACK_PAYMENT,
    MIN_REMAINING,
    REMITTANCE,
    Instalment,
    Loan,
    Member,
    Model,
    Roster,
    monthly_amount,
)
from tests.reliability.workload import balances, run_machine, soak_size

HORIZON = date(2030, 7, 1)  # three interest years; later steps keep the date
MAX_LOANS_PER_FAMILY = 2  # reference.toml: a family uses the fund's loans twice at most
EARLY = date(2026, 6, 8)  # one unit opened before Anju: months it can back-pay
pick = st.integers(min_value=0, max_value=1 << 16)
amounts = st.integers(min_value=1, max_value=6_000_000)
WAGES = (150_000, 800_000, 3_000_000, 654_321, 450_000)  # below the floor, inside, above the cap


@dataclass
class Start:
    """The centre every example starts from, seeded once per test (a fresh database per example
    is a copy of it): the loan tests' centre (unit 1 with three funded, loan-eligible members, a
    single borrower and a couple), two more units with members, one of them opened in June (it
    can back-pay); the business date 2026-11-23."""

    url: str
    world: World
    model: Model
    units: list[str]
    suspense_no: dict[str, str]
    couples: list[tuple[str, str | None]]
    early: str


def ledger_of(c: Container, account_no: str) -> str:
    def body(uow: UnitOfWork) -> str:
        account = uow.members.account(account_no)
        assert account is not None
        return account.ledger_account_no

    return read(c.uow, body)


def seed_start(c: Container) -> Start:
    w = World(c)
    day = DAY  # the loan tests' centre opens on it
    model = Model.starting(day)
    units = [w.unit.unit_account_no]
    suspense_no = {w.unit.unit_account_no: w.unit.suspense_account_no}
    # The couple's borrower earns little: monthly 冲还贷 drains his fund and reaches the spouse's.
    funds = (("50000.00", "10000.00"), ("20000.00", "2000.00"), ("50000.00", "10000.00"))
    people = [w.member(balance=balance, wage=wage) for balance, wage in funds]
    ledgers = [ledger_of(c, no) for no in people]
    for no, ledger, (balance, wage) in zip(people, ledgers, funds, strict=True):
        model.members[ledger] = Member(no, ledger, units[0], Money.from_yuan(wage).fen)
        model.apply({ledger: Money.from_yuan(balance).fen}, day)
    for n, fens in ((2, WAGES[:3]), (3, WAGES[3:])):
        unit = register(w.centre, w.clerk, n)
        units.append(unit.unit_account_no)
        suspense_no[unit.unit_account_no] = unit.suspense_account_no
        for k, fen in enumerate(fens):
            account = open_member(
                w.centre,
                w.clerk,
                unit.unit_account_no,
                10 * n + k,
                wage=str(Money(fen)),
                name=f"职工{k}",
                birth="19850101",
                bank_card=CARD,
                bank_code="102",
            ).account
            model.members[account.ledger_account_no] = Member(
                account.account_no, account.ledger_account_no, unit.unit_account_no, fen
            )
    set_opened(c, units[1], EARLY)
    for unit_no in units:
        model.suspense[suspense_no[unit_no]] = 0
        model.months[unit_no] = set()
    a, b, spouse = ledgers
    return Start(c.settings.database_url, w, model, units, suspense_no, [(a, None), (b, spouse)], units[1])


def machine_for(start: Start, backend: str, tmp_path: Path, clock: FixedClock) -> type[RuleBasedStateMachine]:
    class BusinessMachine(RuleBasedStateMachine):
        model: Model

        @initialize()
        def open_centre(self) -> None:
            """A copy of the seeded centre's database, the world bound to it, the model's start."""
            self.stack = ExitStack()
            self.seen: Counter[str] = Counter()  # what ran, printed at the end of each example
            where = tmp_path / uuid.uuid4().hex[:8]
            where.mkdir()
            self.c = self.stack.enter_context(open_container(backend, where, clock, copy_of=start.url))
            self.w = copy.copy(start.world)
            self.w.c = self.c
            self.w.centre = replace(start.world.centre, container=self.c)
            self.clerk = self.w.clerk
            self.n = 0
            self.model = copy.deepcopy(start.model)
            self.units, self.suspense_no = start.units, start.suspense_no
            self.couples, self.early = start.couples, start.early
            self.next_month = dict.fromkeys(self.units, YearMonth.of(self.model.today))

        def teardown(self) -> None:
            if hasattr(self, "stack"):
                print(f"  example until {self.model.today}: {dict(sorted(self.seen.items()))}")
                self.stack.close()

        # --- plumbing ----------------------------------------------------------------------

        def suspense_of(self, unit_no: str) -> str:
            return self.suspense_no[unit_no]

        def ref(self, what: str) -> str:
            self.n += 1
            return f"{what}-{self.n}"

        def go(self, fn: Callable[[Any], Any]) -> Any:
            return self.w.go(fn)

        def did(self, what: str) -> None:
            self.seen[what] += 1

        @property
        def today(self) -> date:
            return self.model.today

        def snapshot(self) -> tuple[dict[str, int], int]:
            accounts = (
                *self.model.members,
                *self.model.suspense,
                *(x.ledger_no for x in self.model.loans.values()),
            )
            vouchers = read(self.c.uow, lambda uow: uow.ledger.count_vouchers())
            return balances(self.c, accounts), vouchers

        def refused(self, codes: set[str], fn: Callable[[Any], Any]) -> None:
            """The service must refuse, with one of `codes`, and change nothing."""
            before = self.snapshot()
            with pytest.raises(AnjuError) as caught:
                self.go(fn)
            assert caught.value.code in codes, caught.value
            self.seen[f"refused:{caught.value.code}"] += 1
            assert self.snapshot() == before, f"refused ({caught.value.code}) but something changed"

        def set_day(self, day: date) -> None:
            self.w.set_day(day)
            self.model.today = day

        # --- remittance (汇缴, 补缴, 暂收) ----------------------------------------------------

        def pay_in(self, unit: str, amount: int) -> None:
            """The bank reports money from the unit: it pays the matching roster or waits."""
            match = self.model.match(unit, amount)
            serial = self.ref("BANK")
            receipt = self.go(
                lambda uow: rm.receive_unit_payment(
                    uow,
                    self.clerk,
                    unit_account_no=unit,
                    amount=Money(amount),
                    serial_no=serial,
                    received_on=self.today,
                    value_date=self.today,
                    channel="bank",
                )
            )
            assert receipt.voucher_no is not None
            if match is None:
                assert receipt.state == "suspense", receipt
                self.did("payment to suspense")
                self.model.record(receipt.voucher_no, {self.suspense_of(unit): amount})
                return
            assert (receipt.state, receipt.roster_id) == ("matched", match.id), receipt
            self.did(f"{match.kind} paid")
            self.model.record(receipt.voucher_no, dict(match.lines))
            self.model.roster_paid(match)

        def confirm(
            self, unit: str, month: YearMonth, kind: str, roster: rm.RosterView, lines: dict[str, int]
        ) -> Roster:
            view = self.go(lambda uow: rm.confirm_roster(uow, self.clerk, roster.id))
            assert view.total == Money(sum(lines.values())), (view.total, lines)
            done = Roster(view.id, unit, str(month), kind, lines)
            self.model.rosters[view.id] = done
            self.model.months[unit].add(str(month))
            return done

        @rule(
            u=pick,
            change=st.one_of(st.none(), st.tuples(pick, st.integers(min_value=100_000, max_value=4_000_000))),
            short=st.one_of(st.none(), amounts),
        )
        def remittance(self, u: int, change: tuple[int, int] | None, short: int | None) -> None:
            unit = self.units[u % len(self.units)]
            month = self.next_month[unit]
            while str(month) in self.model.months[unit]:
                month = month.add(1)
            lines = self.model.roster_lines(unit, str(month), REMITTANCE)
            if not lines:
                self.refused({"roster_empty"}, lambda uow: rm.generate_roster(uow, self.clerk, unit, month))
                return
            draft = self.go(lambda uow: rm.generate_roster(uow, self.clerk, unit, month))
            self.next_month[unit] = month.add(1)
            if change is not None:
                ledger = sorted(lines)[change[0] % len(lines)]
                no = self.model.members[ledger].account_no
                self.go(lambda uow: rm.change_roster_base(uow, self.clerk, draft.id, no, Money(change[1])))
                lines[ledger] = monthly_amount(change[1])
            roster = self.confirm(unit, month, REMITTANCE, draft, lines)
            amount = roster.total if short is None else max(roster.total - short, 1)
            self.pay_in(unit, amount)

        @rule(i=pick)
        def back_payment(self, i: int) -> None:
            unit = self.early
            current = YearMonth.of(self.today)
            month = YearMonth.of(EARLY)
            candidates = []
            while month < current:
                if str(month) not in self.model.months[unit]:
                    candidates.append(month)
                month = month.add(1)
            if not candidates:  # only the current month is left: not a past month
                self.refused(
                    {"back_payment_month_not_past"},
                    lambda uow: rm.generate_back_payment(uow, self.clerk, unit, [current], "漏缴"),
                )
                return
            month = candidates[i % len(candidates)]
            lines = self.model.roster_lines(unit, str(month), BACK_PAYMENT)
            if not lines:
                self.refused(
                    {"roster_empty"},
                    lambda uow: rm.generate_back_payment(uow, self.clerk, unit, [month], "漏缴"),
                )
                return
            [draft] = self.go(
                lambda uow: rm.generate_back_payment(uow, self.clerk, unit, [month], "漏缴补缴")
            )
            roster = self.confirm(unit, month, BACK_PAYMENT, draft, lines)
            self.pay_in(unit, roster.total)

        @rule(u=pick)
        def allocate_suspense(self, u: int) -> None:
            unit = self.units[u % len(self.units)]
            roster = self.model.oldest_roster(unit)
            if roster is None:
                return
            suspense = self.suspense_of(unit)
            call = lambda uow: rm.allocate_suspense(uow, self.clerk, unit, roster.id)  # noqa: E731
            if self.model.suspense[suspense] < roster.total:
                self.refused({"suspense_insufficient"}, call)
                return
            view = self.go(call)
            assert view.state == "paid" and view.paid_voucher_no
            self.did("suspense allocated")
            self.model.record(view.paid_voucher_no, {**roster.lines, suspense: -roster.total})
            self.model.roster_paid(roster)

        # --- withdrawals (提取) --------------------------------------------------------------

        @rule(i=pick, fen=amounts, mode=st.sampled_from(["part", "all", "over"]), bank_fails=st.booleans())
        def withdrawal(self, i: int, fen: int, mode: str, bank_fails: bool) -> None:
            # Borrowers too: their loans are never past due here (see time_passes), so the
            # "no overdue loan" rule passes; draining a borrower's fund makes 冲还贷 reach the spouse.
            member = sorted(self.model.members.values(), key=lambda m: m.ledger_no)[
                i % len(self.model.members)
            ]
            self.withdraw(member, fen, mode, bank_fails)

        def withdraw(self, member: Member, fen: int, mode: str, bank_fails: bool) -> None:
            available = member.balance - MIN_REMAINING
            amount = {"part": fen, "all": available, "over": max(available, 0) + 1 + fen % 10_000}[mode]
            amount = max(amount, 1)
            req = wd.WithdrawalRequest(
                account_no=member.account_no,
                reason_code="99",
                amount=Money(amount),
                payee_card=CARD,  # the borrowers of the loan tests have no card on file
                payee_bank_code="102",
                materials=materials(self.w, "99"),  # type: ignore[arg-type]
            )
            key = self.ref("WD")
            submit = lambda uow: wd.submit_withdrawal(uow, self.clerk, req, source_ref=key)  # noqa: E731
            if amount > available:
                self.refused({"withdrawal_refused"}, submit)
                return
            accepted = self.go(submit)
            paying = approve(self.w, accepted.withdrawal_no)  # type: ignore[arg-type]
            if paying.state == "approved":  # above the second-approval threshold
                paying = decide(self.w, self.w.approver2, accepted.withdrawal_no, "second_approve")  # type: ignore[arg-type]
            assert paying.state == "paying" and paying.e2e_id
            self.model.apply({member.ledger_no: -amount}, self.today)
            self.did("withdrawal failed at the bank, paid again" if bank_fails else "withdrawal")
            if bank_fails:  # the bank refuses: the voucher is reversed, the case goes back
                settle(self.w, paying.e2e_id, ok=False)  # type: ignore[arg-type]
                self.model.apply({member.ledger_no: amount}, self.today)
                self.assert_members()
                paying = self.go(lambda uow: wd.pay_again(uow, self.clerk, accepted.withdrawal_no))
                self.model.apply({member.ledger_no: -amount}, self.today)
            settle(self.w, paying.e2e_id or "")  # type: ignore[arg-type]

        # --- in-city transfer (市内转移) -----------------------------------------------------

        @rule(i=pick, u=pick)
        def transfer_in_city(self, i: int, u: int) -> None:
            member = sorted(self.model.members.values(), key=lambda m: m.ledger_no)[
                i % len(self.model.members)
            ]
            target = self.units[u % len(self.units)]
            call = lambda uow: transfer_member(uow, self.clerk, member.account_no, target)  # noqa: E731
            if target == member.unit:
                self.refused({"transfer_same_unit"}, call)
                return
            self.go(call)
            member.unit = target
            self.did("transfer in city")

        # --- loans (贷款) --------------------------------------------------------------------

        def active_loan(self, i: int) -> Loan | None:
            active = [x for x in self.model.loans.values() if x.active]
            return active[i % len(active)] if active else None

        @rule(who=st.integers(min_value=0, max_value=1), over=st.booleans())
        def loan(self, who: int, over: bool) -> None:
            borrower, spouse = self.couples[who]
            parties = {borrower, spouse}
            if any(x.active and {x.borrower, x.spouse} & parties for x in self.model.loans.values()):
                return  # one active loan per person: tests/integration/test_loans.py (C4)
            account = self.model.members[borrower].account_no
            extra: dict[str, Any] = {}
            if spouse is not None:
                extra = {
                    "co_borrower_account_no": self.model.members[spouse].account_no,
                    "offset_agreement": True,
                }
            if over:  # above every limit (city maximum, loan-to-value, 15 × balance)
                req = self.w.application(
                    account,
                    amount=Money.from_yuan("900000.00"),
                    down_payment=Money.from_yuan("100000.00"),
                    **extra,
                )
                self.refused({"loan_not_eligible"}, lambda uow: loans.apply_for_loan(uow, self.clerk, req))
                return
            amount = min(30_000_000, 15 * self.model.members[borrower].balance) // 1_000_000 * 1_000_000
            if amount < 1_000_000:
                return
            req = self.w.application(
                account,
                amount=Money(amount),
                down_payment=Money.from_yuan("1000000.00") - Money(amount),
                # 15 years: a loan taken by the horizon still ends within five years after the
                # borrower (born 1990) retires, as the age rule requires.
                term_months=180,
                **extra,
            )
            taken = sum(1 for x in self.model.loans.values() if x.borrower == borrower)
            if taken >= MAX_LOANS_PER_FAMILY:
                self.refused({"loan_not_eligible"}, lambda uow: loans.apply_for_loan(uow, self.clerk, req))
                return
            view = self.w.to_disbursed(self.w.apply(req).loan_no)
            assert view.state == "active" and view.outstanding == Money(amount)
            self.did("loan disbursed")
            assert sum(x.principal.fen for x in view.instalments) == amount
            assert view.record.ledger_account_no is not None
            self.model.loans[view.loan_no] = Loan(
                view.loan_no,
                view.record.ledger_account_no,
                borrower,
                spouse,
                spouse is not None,
                amount,
                [
                    Instalment(x.instalment_no, x.due_date, x.principal.fen, x.interest.fen)
                    for x in view.instalments
                ],
            )

        def bank_repayment(self, loan: Loan, amount: int) -> None:
            owed = loan.due_on(self.today)
            service_owed = read(
                self.c.uow, lambda uow: repay.owed_on(uow, loans.load(uow, loan.loan_no), self.today)
            )
            assert service_owed == Money(owed.owed if owed else 0)
            settlement = bank.ReceiptSettlement(
                repay.REPAYMENT_PURPOSE,
                loan.loan_no,
                Money(amount),
                self.ref("S"),
                LOAN_BANK,
                self.today,
                "bank",
            )
            self.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
            self.did("bank repayment" + (" (due)" if owed else " (nothing due)"))
            loan.pay(self.today, amount)
            loan.active = loan.outstanding > 0

        @rule(i=pick, fen=amounts, exact=st.booleans())
        def loan_repayment_by_bank(self, i: int, fen: int, exact: bool) -> None:
            loan = self.active_loan(i)
            if loan is None:
                return
            owed = loan.due_on(self.today)
            self.bank_repayment(loan, owed.owed if exact and owed else fen)

        @rule(i=pick, without_agreement=st.integers(min_value=0, max_value=3), drain=st.booleans())
        def repay_from_fund(self, i: int, without_agreement: int, drain: bool) -> None:
            active = [
                x for x in self.model.loans.values() if x.active and x.offset == (without_agreement > 0)
            ]
            if not active:
                return
            loan = active[i % len(active)]
            call = lambda uow: repay.repay_from_fund(uow, FINANCE, loan.loan_no)  # noqa: E731
            if not loan.offset:
                self.refused({"loan_offset_agreement_missing"}, call)
                return
            if drain and self.model.members[loan.borrower].balance > MIN_REMAINING:
                # The borrower took his money out first: what is owed falls to the spouse.
                self.withdraw(self.model.members[loan.borrower], 0, "all", bank_fails=False)
            self.offset_from_fund(loan)

        def offset_from_fund(self, loan: Loan) -> None:
            """冲还贷: what is due today from the borrower's fund account, then the spouse's."""
            self.go(lambda uow: repay.repay_from_fund(uow, FINANCE, loan.loan_no))
            for account in (loan.borrower, loan.spouse):
                if account is None:
                    continue
                current = loan.due_on(self.today)
                if current is None:
                    break
                pay = min(current.owed, self.model.members[account].balance)
                if pay <= 0 or (self.today, account) in self.model.offsets_done:
                    continue  # the day's offset from this account is booked once (its key)
                self.model.offsets_done.add((self.today, account))
                self.did("冲还贷 " + ("borrower" if account == loan.borrower else "spouse"))
                self.model.apply({account: -pay}, self.today)
                loan.pay(self.today, pay)
            loan.active = loan.outstanding > 0

        @rule(
            i=pick, full=st.booleans(), percent=st.integers(min_value=1, max_value=60), shorten=st.booleans()
        )
        def prepayment(self, i: int, full: bool, percent: int, shorten: bool) -> None:
            loan = self.active_loan(i)
            if loan is None:
                return
            amount = None if full or loan.outstanding < 2_000_000 else loan.outstanding * percent // 100
            option = PrepaymentOption.SHORTEN_TERM if shorten else PrepaymentOption.LOWER_INSTALMENT

            def call(uow: Any) -> repay.RepaymentView:
                money = None if amount is None else Money(amount)
                return repay.prepay(
                    uow,
                    self.clerk,
                    loan.loan_no,
                    amount=money,
                    option=option,
                    centre_account_no=LOAN_BANK,
                    request_ref=self.ref("P"),
                )

            if loan.arrears(self.today):  # what is due must be paid first
                self.refused({"loan_prepayment_arrears"}, call)
                return
            view = self.go(call)
            if amount is None:
                assert view.settled and view.principal == Money(loan.outstanding), view
                loan.outstanding, loan.active = 0, False
                self.did("full prepayment")
                return
            self.did("partial prepayment")
            assert view.principal + view.interest == Money(amount) and not view.interest.is_negative, view
            loan.outstanding -= view.principal.fen
            # The re-worked tail is the service's figure; it must repay exactly what is left.
            tail = read(self.c.uow, lambda uow: loans.get_loan(uow, self.clerk, loan.loan_no)).instalments
            kept = [x for x in loan.instalments if x.due <= self.today]
            new = [
                Instalment(x.instalment_no, x.due_date, x.principal.fen, x.interest.fen)
                for x in tail
                if x.due_date > self.today
            ]
            assert sum(x.principal for x in new) == loan.outstanding
            loan.instalments = kept + new

        # --- reversal (红字冲销) -------------------------------------------------------------

        @rule(i=pick)
        def reversal(self, i: int) -> None:
            if not self.model.vouchers:
                return
            number = sorted(self.model.vouchers)[i % len(self.model.vouchers)]
            undo = self.model.reversal(number)
            call = lambda uow: reverse_voucher(uow, FINANCE, number, "差错冲正")  # noqa: E731
            if undo is None:
                self.refused({"insufficient_balance", "voucher_already_reversed"}, call)
                return
            view = self.go(call)
            assert view.reverses == number
            voucher = self.model.vouchers[number]
            self.model.apply(undo, voucher.value_date)  # a reversal keeps the original value date
            voucher.reversed = True
            self.did("reversal")

        # --- time: the day's deductions, 30 June ----------------------------------------------

        def settlement_due(self) -> bool:
            day = self.today
            return (day.month, day.day) == (6, 30) and day.year not in self.model.settled_years

        @precondition(lambda self: hasattr(self, "model") and self.settlement_due())
        @rule()
        def annual_interest(self) -> None:
            report = run_job(self.c.uow, ANNUAL_INTEREST, self.today, actor=Actor.system("test"))
            assert report.run.state == "succeeded", report
            paid = self.model.settle_interest()
            self.did(f"interest settled ({len(paid)} paid)")

        @precondition(
            lambda self: hasattr(self, "model") and not self.settlement_due() and self.today < HORIZON
        )
        @rule(days=st.integers(min_value=1, max_value=240), to_next_due=st.booleans())
        def time_passes(self, days: int, to_next_due: bool) -> None:
            """Move the business date on, stopping at 30 June; on each due date passed, 冲还贷
            (under an offset agreement) and then the day's bank deduction pay what is owed."""
            day = self.today
            june = date(day.year if day < date(day.year, 6, 30) else day.year + 1, 6, 30)
            target = min(day + timedelta(days=days), june, HORIZON)
            active = [loan for loan in self.model.loans.values() if loan.active]
            dues = sorted({i.due for loan in active for i in loan.instalments if not i.settled})
            if to_next_due:
                target = min([target, *(d for d in dues if d > day)])
            for due in (d for d in dues if day <= d < target):
                if due != self.today:
                    self.set_day(due)
                for loan in [x for x in self.model.loans.values() if x.active]:
                    if loan.offset and loan.due_on(due) is not None:
                        self.offset_from_fund(loan)  # what the agreement is for
                    owed = loan.due_on(due)
                    if owed is not None and loan.active:
                        self.bank_repayment(loan, owed.owed)
            self.set_day(target)

        # --- after every step ----------------------------------------------------------------

        def assert_members(self) -> None:
            accounts = (*self.model.members, *self.model.suspense)
            expected = {a: self.model.balance(a) for a in accounts}
            assert balances(self.c, accounts) == expected

        @invariant()
        def books_equal_the_model(self) -> None:
            if not hasattr(self, "model"):
                return
            report = read(self.c.uow, check_ledger)
            assert report.ok, report.problems
            self.assert_members()
            for loan in self.model.loans.values():
                view = self.w.look(lambda uow, no=loan.loan_no: loans.get_loan(uow, self.clerk, no))
                assert view.outstanding == Money(loan.outstanding), (loan.loan_no, view.outstanding)
                assert view.state == ("active" if loan.active else "settled"), view.state

    return BusinessMachine


def test_business_services_agree_with_the_model(backend: str, tmp_path: Path, clock: FixedClock) -> None:
    seeded = tmp_path / "seed"
    seeded.mkdir()
    with open_container(backend, seeded, clock) as c:
        start = seed_start(c)
        c.engine.dispose()  # nobody connected: each example copies the database
        run_machine(
            "L1 business model",
            machine_for(start, backend, tmp_path, clock),
            examples=soak_size(3, scale=0.1),
            steps=soak_size(20, scale=50),
            shrink=False,  # every example copies a database: shrinking would take minutes
        )
