"""Accounting on a real database (SQLite and PostgreSQL): manual vouchers with maker-checker and
per-period numbers, error correction by reviewed reversal, the period lock in the posting path,
year-end carry-forward, value-added income and its distribution, books and statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from anju.bootstrap import Container
from anju.domain.accounting import AccountingRuleViolation
from anju.domain.security import Actor, Role
from anju.errors import PermissionDenied
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef, LedgerRuleViolation
from anju.money import Money
from anju.services import accounting
from anju.services import ledger as ledger_service
from anju.services.calendar import current_business_date, initialise_business_date
from anju.services.ledger import ManualVoucherCommand, ManualVoucherLine, check_ledger
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

DAY = date(2026, 11, 23)
MAKER = Actor(username="finance1", roles=frozenset({Role.FINANCE}), all_branches=True)
CHECKER = Actor(username="finance2", roles=frozenset({Role.FINANCE}), all_branches=True)
CLERK = Actor(username="clerk1", roles=frozenset({Role.COUNTER_CLERK}), branch_id=1)


@dataclass(frozen=True)
class Books:
    bank_code: str
    bank_no: str
    member: str


def open_books(container: Container, day: date = DAY) -> Books:
    def body(uow: UnitOfWork) -> Books:
        uow.ledger.seed_chart(day)
        initialise_business_date(uow, day)
        bank = uow.ledger.add_bank_deposit_account(
            label="建设银行归集户", owner_id=1, branch_id=None, opened_on=day
        )
        member = ledger_service.open_subledger_account(
            uow, posting_rules.MEMBER_ACCOUNT, owner_type="test", owner_id=1, branch_id=1, opened_on=day
        )
        return Books(bank.gl_code, bank.account_no, member)

    return run(container.uow, body)


def move_to(container: Container, day: date) -> None:
    def body(uow: UnitOfWork) -> None:
        assert uow.calendar.advance(current_business_date(uow), day, uow.now_utc())

    run(container.uow, body)


def interest_voucher(books: Books, fen: int, ref: str) -> ManualVoucherCommand:
    return ManualVoucherCommand(
        lines=(
            ManualVoucherLine(gl_code=books.bank_code, side="debit", amount=Money(fen)),
            ManualVoucherLine(gl_code="40101", side="credit", amount=Money(fen)),
        ),
        memo=f"收到存款利息 {ref}",
    )


def make(
    container: Container, cmd: ManualVoucherCommand, actor: Actor = MAKER
) -> accounting.ManualVoucherView:
    return run(container.uow, lambda uow: accounting.make_manual_voucher(uow, actor, cmd))


def review_and_post(container: Container, number: str) -> accounting.ManualVoucherView:
    run(container.uow, lambda uow: accounting.review_manual_voucher(uow, CHECKER, number))
    return run(container.uow, lambda uow: accounting.post_manual_voucher(uow, MAKER, number))


def bank_balance(container: Container, books: Books) -> int:
    return read(container.uow, lambda uow: uow.ledger.balance(books.bank_no)).fen


# --- manual vouchers: maker-checker and numbering ----------------------------------------------


def test_a_manual_voucher_posts_only_after_another_person_reviews_it(container: Container) -> None:
    books = open_books(container)
    first = make(container, interest_voucher(books, 12_345, "A"))
    second = make(container, interest_voucher(books, 100, "B"))
    assert (first.number, second.number) == ("202611-0001", "202611-0002")
    assert first.state == "draft" and bank_balance(container, books) == 0

    with pytest.raises(AccountingRuleViolation) as refused:
        run(container.uow, lambda uow: accounting.review_manual_voucher(uow, MAKER, first.number))
    assert refused.value.code == "maker_cannot_review"
    with pytest.raises(AccountingRuleViolation) as early:
        run(container.uow, lambda uow: accounting.post_manual_voucher(uow, MAKER, first.number))
    assert early.value.code == "manual_voucher_wrong_state"

    posted = review_and_post(container, first.number)
    assert posted.state == "posted" and posted.reviewer == "finance2" and posted.voucher_no
    assert bank_balance(container, books) == 12_345
    report = read(container.uow, lambda uow: accounting.voucher_print(uow, MAKER, posted.voucher_no or ""))
    assert ("制单", "finance1") in report.meta and ("复核", "finance2") in report.meta
    assert report.balanced
    assert read(container.uow, check_ledger).ok


def test_a_rejected_voucher_never_posts_and_a_clerk_cannot_make_one(container: Container) -> None:
    books = open_books(container)
    draft = make(container, interest_voucher(books, 500, "C"))
    rejected = run(
        container.uow, lambda uow: accounting.reject_manual_voucher(uow, CHECKER, draft.number, "金额有误")
    )
    assert rejected.state == "rejected" and rejected.reason == "金额有误"
    with pytest.raises(AccountingRuleViolation):
        run(container.uow, lambda uow: accounting.post_manual_voucher(uow, MAKER, draft.number))
    with pytest.raises(PermissionDenied):
        make(container, interest_voucher(books, 500, "D"), CLERK)
    assert bank_balance(container, books) == 0


def test_an_unbalanced_manual_voucher_is_refused_before_it_is_stored(container: Container) -> None:
    books = open_books(container)
    cmd = ManualVoucherCommand(
        lines=(
            ManualVoucherLine(gl_code=books.bank_code, side="debit", amount=Money(100)),
            ManualVoucherLine(gl_code="40101", side="credit", amount=Money(99)),
        ),
        memo="不平",
    )
    with pytest.raises(LedgerRuleViolation) as refused:
        make(container, cmd)
    assert refused.value.code == "voucher_unbalanced"
    assert read(container.uow, lambda uow: accounting.list_manual_vouchers(uow, MAKER)) == []


def test_error_correction_reverses_the_wrong_voucher_after_review(container: Container) -> None:
    books = open_books(container)
    wrong = review_and_post(container, make(container, interest_voucher(books, 9_900, "E")).number)
    correction = run(
        container.uow,
        lambda uow: accounting.make_correction(uow, MAKER, wrong.voucher_no or "", "利息金额录错"),
    )
    assert correction.kind == "correction" and bank_balance(container, books) == 9_900
    done = review_and_post(container, correction.number)
    assert bank_balance(container, books) == 0
    original = read(container.uow, lambda uow: uow.ledger.get_voucher(wrong.voucher_no or ""))
    assert original.reversed_by == done.voucher_no


# --- the period lock -------------------------------------------------------------------------


def test_nothing_posts_into_a_closed_period_and_corrections_go_into_the_open_one(
    container: Container,
) -> None:
    books = open_books(container)
    november = review_and_post(container, make(container, interest_voucher(books, 1_000, "F")).number)
    move_to(container, date(2026, 12, 1))
    closed = run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202611"))
    assert closed.closed_on == date(2026, 11, 30)

    backdated = posting_rules.bank_interest_income(
        source_ref="late",
        bank=AccountRef.gl(books.bank_code),
        amount=Money(5),
        business_date=DAY,
        memo="补记",
    )
    with pytest.raises(LedgerRuleViolation) as refused:
        run(container.uow, lambda uow: uow.ledger.post(backdated, created_by="t", branch_id=None))
    assert refused.value.code == "period_closed"
    # A path that writes vouchers itself (bulk settlement) meets the same lock in the database.
    with pytest.raises(DBAPIError, match="period_closed"), container.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO voucher (voucher_no, source, source_ref, kind, business_date, value_date, memo, "
                "created_by, created_at, total_fen, posting_count) VALUES ('X1', 'bulk', 'b1', 'bulk', "
                ":day, :day, 'bulk', 't', :at, 1, 2)"
            ),
            {"day": DAY, "at": datetime(2026, 12, 1, tzinfo=UTC)},
        )

    # The November voucher is corrected by a reversal dated in December.
    reversal = run(
        container.uow,
        lambda uow: ledger_service.reverse_voucher(uow, MAKER, november.voucher_no or "", "更正"),
    )
    assert reversal.business_date == date(2026, 12, 1)
    assert bank_balance(container, books) == 0
    with pytest.raises(AccountingRuleViolation) as again:
        run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202611"))
    assert again.value.code == "period_already_closed"


def test_a_period_with_vouchers_waiting_for_review_cannot_close(container: Container) -> None:
    books = open_books(container)
    make(container, interest_voucher(books, 1_000, "G"))
    move_to(container, date(2026, 12, 1))
    with pytest.raises(AccountingRuleViolation) as refused:
        run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202611"))
    assert refused.value.code == "period_has_pending_vouchers"
    with pytest.raises(AccountingRuleViolation) as open_month:
        run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202612"))
    assert open_month.value.code == "period_not_ended"


def test_year_end_close_carries_income_and_expense_into_value_added_income(container: Container) -> None:
    books = open_books(container, date(2026, 12, 20))
    review_and_post(container, make(container, interest_voucher(books, 50_000, "H")).number)
    fee = ManualVoucherCommand(
        lines=(
            ManualVoucherLine(gl_code="41102", side="debit", amount=Money(8_000)),
            ManualVoucherLine(gl_code=books.bank_code, side="credit", amount=Money(8_000)),
        ),
        memo="归集手续费",
    )
    review_and_post(container, make(container, fee).number)
    move_to(container, date(2027, 1, 4))
    closed = run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202612"))
    assert closed.year_end and closed.closing_voucher_no
    lines = {
        line.gl_code: line.balance.fen for line in read(container.uow, lambda uow: uow.ledger.trial_balance())
    }
    assert lines["40101"] == 0 and lines["41102"] == 0
    assert lines["311"] == 42_000
    assert read(container.uow, check_ledger).ok


# --- value-added income and its distribution ---------------------------------------------------


def post_draft(container: Container, draft: object) -> str:
    return run(
        container.uow,
        lambda uow: uow.ledger.post(draft, created_by="t", branch_id=None).voucher_no,  # type: ignore[arg-type]
    )


def seed_policy(container: Container) -> None:
    from pathlib import Path

    from anju.services import setup

    text = (Path(__file__).resolve().parents[2] / "policies" / "reference.toml").read_text(encoding="utf-8")
    setup.initialise(container.uow, business_date=date(2026, 12, 20), reference_policy=text)


def test_value_added_income_is_distributed_in_order_and_carried_forward_at_year_end(
    container: Container,
) -> None:
    from anju.services import books, value_added

    books_ = open_books(container, date(2026, 12, 20))
    seed_policy(container)
    bank = AccountRef.gl(books_.bank_code)
    day = date(2026, 12, 20)
    post_draft(
        container,
        posting_rules.bank_interest_income(
            source_ref="i1", bank=bank, amount=Money.from_yuan("1000000.00"), business_date=day, memo="利息"
        ),
    )
    post_draft(
        container,
        posting_rules.bank_fee(
            source_ref="f1", bank=bank, amount=Money.from_yuan("100000.00"), business_date=day, memo="手续费"
        ),
    )
    budget = Money.from_yuan("200000.00")
    with pytest.raises(AccountingRuleViolation) as early:
        run(container.uow, lambda uow: value_added.distribute(uow, MAKER, 2026, budget))
    assert early.value.code == "vai_distribution_too_early"

    move_to(container, date(2027, 1, 4))
    done = run(container.uow, lambda uow: value_added.distribute(uow, MAKER, 2026, budget))
    assert done.voucher_no
    assert (done.plan.risk_reserve, done.plan.management_costs, done.plan.low_rent_housing) == (
        Money.from_yuan("540000.00"),
        Money.from_yuan("200000.00"),
        Money.from_yuan("160000.00"),
    )
    with pytest.raises(AccountingRuleViolation) as again:  # nothing left to distribute
        run(container.uow, lambda uow: value_added.distribute(uow, MAKER, 2026, budget))
    assert again.value.code == "value_added_income_not_positive"

    run(container.uow, lambda uow: accounting.close_period(uow, MAKER, "202612"))
    balances = read(container.uow, lambda uow: books.leaf_balances(uow, None))
    assert balances["301"] == Money.from_yuan("540000.00")
    assert balances["21902"] == Money.from_yuan("200000.00")
    assert balances["21402"] == Money.from_yuan("160000.00")
    assert all(balances[c].is_zero for c in ("311", "40101", "41102", "32101", "32102", "32103"))

    statement = read(
        container.uow,
        lambda uow: books.value_added_income_report(uow, MAKER, date(2026, 1, 1), date(2026, 12, 31)),
    )
    totals = {row.cells[1]: row.cells[2] for row in statement.rows if row.style}
    assert totals["三、增值收益（一减二）"] == Money.from_yuan("900000.00")
    assert totals["五、待分配增值收益（三减四）"] == Money.ZERO
    sheet = read(container.uow, lambda uow: books.balance_sheet_report(uow, MAKER))
    assert sheet.balanced
    assert read(container.uow, check_ledger).ok


# --- books and statistics --------------------------------------------------------------------


def test_books_and_statistical_tables_read_the_general_ledger(container: Container) -> None:
    from anju.services import books, statistics

    books_ = open_books(container)
    bank = AccountRef.gl(books_.bank_code)
    post_draft(
        container,
        posting_rules.remittance_credit(
            source="remittance",
            source_ref="U1-202611",
            bank=bank,
            credits=[(books_.member, Money(80_000))],
            business_date=DAY,
            value_date=DAY,
            memo="汇缴",
        ),
    )
    withdrawal_no = post_draft(
        container,
        posting_rules.withdrawal(
            source="withdrawal",
            source_ref="W1",
            member_account_no=books_.member,
            bank=bank,
            amount=Money(30_000),
            business_date=DAY,
            value_date=DAY,
            memo="提取",
        ),
    )
    collection = read(container.uow, lambda uow: statistics.monthly_table(uow, MAKER, "collection", "202611"))
    total = collection.rows[-1].cells
    assert total[1:3] == (1, Money(80_000))
    withdrawals = read(
        container.uow, lambda uow: statistics.monthly_table(uow, MAKER, "withdrawal", "202611")
    )
    assert withdrawals.rows[-1].cells[1:3] == (1, Money(30_000))
    movements = read(
        container.uow,
        lambda uow: books.fund_movements_report(uow, MAKER, date(2026, 11, 1), date(2026, 11, 30)),
    )
    assert movements.balanced and movements.rows[-1].cells[-1] == Money(50_000)
    ledger_report = read(container.uow, lambda uow: books.general_ledger_report(uow, MAKER, "201", 2026))
    assert ledger_report.rows[-1].cells[2:] == (Money(30_000), Money(80_000), "贷", Money(50_000))
    sub = read(container.uow, lambda uow: books.sub_ledger_report(uow, MAKER, "201", DAY))
    assert sub.rows[0].cells[0] == books_.member and sub.rows[0].cells[-1] == Money(50_000)
    before = read(container.uow, lambda uow: books.sub_ledger_report(uow, MAKER, "201", date(2026, 11, 22)))
    assert before.rows[0].cells[-1] == Money.ZERO
    annual = read(container.uow, lambda uow: statistics.annual_report(uow, MAKER, 2026))
    figures = {row.cells[0]: row.cells[2] for row in annual.rows}
    assert figures["缴存额（汇缴、补缴、转入）"] == Money(80_000) and figures["年末缴存余额"] == Money(50_000)
    with pytest.raises(PermissionDenied):
        read(container.uow, lambda uow: books.balance_sheet_report(uow, CLERK))
    # A withdrawal reversed (the bank refused to pay) no longer counts as a withdrawal.
    run(container.uow, lambda uow: uow.ledger.reverse(withdrawal_no, "银行退回", DAY, "t"))
    withdrawals = read(
        container.uow, lambda uow: statistics.monthly_table(uow, MAKER, "withdrawal", "202611")
    )
    assert withdrawals.rows[-1].cells[1:3] == (0, Money.ZERO)


# --- fund management: time deposits ----------------------------------------------------------


def test_a_time_deposit_is_placed_and_drawn_back_with_its_interest(container: Container) -> None:
    from anju.services import books, demo, funds

    open_books(container)
    run(container.uow, demo.seed_demo_organisation)
    account = read(container.uow, lambda uow: uow.accounting.bank_books())[0]
    run(
        container.uow,
        lambda uow: funds.record_deposit_interest(
            uow, MAKER, bank_account_no=account.bank_account_no, amount=Money(10_000_000), serial_no="S-1"
        ),
    )
    placed = run(
        container.uow,
        lambda uow: funds.place_time_deposit(
            uow,
            MAKER,
            bank_account_no=account.bank_account_no,
            deposit_no="TD-2026-001",
            kind="time",
            amount=Money(6_000_000),
            rate="1.45",
            term_months=12,
        ),
    )
    assert placed.state == "placed"
    report = read(container.uow, lambda uow: books.bank_balances_report(uow, MAKER))
    cells = [row.cells for row in report.rows if row.cells[2] == account.bank_account_no]
    assert [c[-1] for c in cells] == [Money(4_000_000), Money(6_000_000)]
    assert report.rows[-1].cells[-1] == Money(10_000_000)

    drawn = run(
        container.uow,
        lambda uow: funds.draw_time_deposit(uow, MAKER, deposit_no="TD-2026-001", interest=Money(87_000)),
    )
    assert (drawn.state, drawn.interest) == ("drawn", Money(87_000))
    balances = read(container.uow, lambda uow: books.leaf_balances(uow, None))
    assert balances[account.gl_code] == Money(10_087_000)
    with pytest.raises(AccountingRuleViolation) as again:
        run(
            container.uow,
            lambda uow: funds.draw_time_deposit(uow, MAKER, deposit_no="TD-2026-001", interest=Money(1)),
        )
    assert again.value.code == "time_deposit_not_placed"
    assert read(container.uow, check_ledger).ok


# --- statistics by unit type ------------------------------------------------------------------


def test_a_reversed_remittance_does_not_count_in_the_unit_type_statistics(container: Container) -> None:
    from anju.dates import YearMonth
    from anju.domain.codes import ECONOMIC_TYPES
    from anju.services import remittance as rm
    from anju.services import statistics
    from tests.integration.collection_helpers import DAY as COLLECTION_DAY
    from tests.integration.collection_helpers import open_member, register, seed

    centre = seed(container)
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    open_member(centre, clerk, unit.unit_account_no, 1)
    roster = run(
        container.uow, lambda uow: rm.generate_roster(uow, clerk, unit.unit_account_no, YearMonth(2026, 11))
    )
    roster = run(container.uow, lambda uow: rm.confirm_roster(uow, clerk, roster.id))
    paid = run(
        container.uow,
        lambda uow: rm.receive_unit_payment(
            uow,
            clerk,
            unit_account_no=unit.unit_account_no,
            amount=roster.total,
            serial_no="S1",
            received_on=COLLECTION_DAY,
            value_date=COLLECTION_DAY,
        ),
    )
    label = ECONOMIC_TYPES["150"]
    start = COLLECTION_DAY.replace(day=1)

    def remitted() -> tuple[object, ...]:
        report = read(
            container.uow,
            lambda uow: statistics.by_unit_type(uow, MAKER, "collection", start, COLLECTION_DAY),
        )
        return {row.cells[0]: row.cells for row in report.rows}[label][1:3]

    assert remitted() == (1, roster.total)
    # The remittance was booked in error and is corrected by a reviewed reversal (错账调整).
    correction = run(
        container.uow,
        lambda uow: accounting.make_correction(uow, MAKER, paid.voucher_no or "", "重复入账"),
    )
    review_and_post(container, correction.number)
    assert remitted() == (0, Money.ZERO)
