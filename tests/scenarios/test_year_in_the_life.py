"""A year in the life of a small centre (issue 9): two units and four members through 2027 on the
business-date calendar, every movement made by the real services (no SQL writes), and the year's
trial balance, balance sheet, value-added income statement and fund-movement statement (with
three monthly statistical tables, the table by unit type and the annual report) compared exactly
with tests/scenarios/golden/year_in_the_life.txt.

The year: unit registration and members in January; monthly remittance (汇缴) on the 10th; a
missed February back-paid (补缴) in March; an over-payment held in suspense (暂收款), allocated to
the roster and the rest refunded (多缴退款) through the bank port; a purchase withdrawal (部分提取)
in May; the 30 June settlement (年度结息) and the month-end accrual by end of day; a wrong
deposit-interest voucher corrected by a reviewed reversal (错账调整); a fund transfer (资金调拨) to
the loan account, a loan disbursed in August, one instalment deducted in September and the rest
settled in October; deposit interest and bank fees each quarter; every month closed; in January
2028 the value-added income distributed (增值收益分配) and December closed (year-end carry-forward).

Regenerate the golden file after an intended change with
    UPDATE_GOLDEN=1 .venv/bin/pytest -q -p no:xdist tests/scenarios/test_year_in_the_life.py
and read the diff before committing it: its header states the figures checked by hand.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from anju.bootstrap import Container
from anju.dates import YearMonth
from anju.domain.accounting import Report
from anju.domain.loans.schedule import RepaymentMethod
from anju.domain.security import Actor, Role
from anju.money import Money
from anju.services import accounting, bank, books, demo, funds, loans, statistics, value_added
from anju.services import ledger as ledger_service
from anju.services import loan_repayments as repay
from anju.services import remittance as rm
from anju.services import withdrawals as wd
from anju.services.calendar import current_business_date
from anju.services.end_of_day import EOD_STEPS, run_end_of_day
from anju.services.policy import policy_in_force
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from tests.integration.collection_helpers import Centre, open_member, register, seed

GOLDEN = Path(__file__).parent / "golden" / "year_in_the_life.txt"
YEAR = 2027
START = date(YEAR, 1, 4)
COLLECTION = demo.demo_account_no("102", "collection")
LOAN_BANK = demo.demo_account_no("102", "loan")
CARD = "6222020200001234567"
FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)
CHECKER = Actor(username="finance2", roles=frozenset({Role.FINANCE}), operator_id=301, all_branches=True)
EOD = Actor.system("eod")
# Wage bases: 24 % (12 % + 12 %) of each is the member's monthly remittance.
WAGES_A = ("8000.00", "6000.00", "10000.00")  # 1,920.00 + 1,440.00 + 2,400.00 = 5,760.00 a month
WAGE_B = "5000.00"  # 1,200.00 a month
DEPOSIT_INTEREST = Money.of("1500.00")  # per quarter, on the collection account
BANK_FEE = Money.of("35.00")  # per quarter
MANAGEMENT_BUDGET = Money.of("1000.00")


@dataclass
class Year:
    c: Container
    centre: Centre
    clerk: Actor
    reviewer: Actor
    approver: Actor
    unit_a: str = ""
    unit_b: str = ""
    members: list[str] = field(default_factory=list)  # member account numbers: A1, A2, A3, B1
    ledgers: list[str] = field(default_factory=list)
    serial: int = 0

    def go(self, fn: Any) -> Any:
        return run(self.c.uow, fn)

    def look(self, fn: Any) -> Any:
        return read(self.c.uow, fn)

    @property
    def today(self) -> date:
        return self.look(current_business_date)  # type: ignore[no-any-return]

    def next_serial(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:05d}"

    # --- the calendar: month ends by end of day, months closed as soon as they end -------------

    def to(self, day: date) -> None:
        """Move the business date to `day`: every month end on the way runs end of day (interest
        accrual, and the settlement on 30 June), and every ended month is closed."""
        steps = [s for s in EOD_STEPS if s.name in {"annual_interest", "interest_accrual"}]
        while self.today < day:
            month_end = YearMonth.of(self.today).last_day()
            if month_end < day:
                self._jump(month_end)
                report = run_end_of_day(self.c.uow, EOD, month_end, steps=steps)
                assert report.ok, report.error
                if month_end.month != 12:  # December closes after the distribution
                    self.close(YearMonth.of(month_end))
            else:
                self._jump(day)

    def close(self, month: YearMonth) -> None:
        self.go(lambda uow: accounting.close_period(uow, FINANCE, str(month)))

    def _jump(self, day: date) -> None:
        def body(uow: UnitOfWork) -> None:
            current = current_business_date(uow)
            if current != day:
                assert uow.calendar.advance(current, day, uow.now_utc())

        self.go(body)

    # --- collection ------------------------------------------------------------------------------

    def remit(self, unit: str, month: YearMonth, *, extra: Money = Money.ZERO) -> rm.RosterView:
        roster = self.go(lambda uow: rm.generate_roster(uow, self.clerk, unit, month))
        roster = self.go(lambda uow: rm.confirm_roster(uow, self.clerk, roster.id))
        self.pay(unit, roster.total + extra)
        return roster  # type: ignore[no-any-return]

    def pay(self, unit: str, amount: Money) -> rm.PaymentReceipt:
        day, serial = self.today, self.next_serial("R")
        return self.go(  # type: ignore[no-any-return]
            lambda uow: rm.receive_unit_payment(
                uow,
                self.clerk,
                unit_account_no=unit,
                amount=amount,
                serial_no=serial,
                received_on=day,
                value_date=day,
            )
        )

    def settle(self, e2e_id: str) -> None:
        def body(uow: UnitOfWork) -> None:
            record = uow.bank.instruction(e2e_id)
            assert record is not None
            bank.settle_success(uow, FINANCE, record, host_serial="H" + e2e_id[-8:], code="0", message="成功")

        self.go(body)

    def quarter_end_funds(self) -> None:
        """The bank's interest and fee advices of the quarter (存款利息收入、银行手续费)."""
        for record in (funds.record_deposit_interest, funds.record_bank_fee):
            amount = DEPOSIT_INTEREST if record is funds.record_deposit_interest else BANK_FEE
            serial = self.next_serial("Q")
            self.go(
                lambda uow, r=record, a=amount, s=serial: r(
                    uow, FINANCE, bank_account_no=COLLECTION, amount=a, serial_no=s
                )
            )


def open_year(container: Container) -> Year:
    centre = seed(container, START)
    y = Year(
        container,
        centre,
        centre.clerk("02"),
        centre.staff(Role.REVIEWER, "reviewer1"),
        centre.staff(Role.APPROVER, "approver1"),
    )
    y.unit_a = register(centre, y.clerk, 1).unit_account_no
    y.unit_b = register(centre, y.clerk, 2, economic_type="110", name="安居国有测试单位").unit_account_no
    people = [(y.unit_a, w, n) for n, w in enumerate(WAGES_A, start=1)] + [(y.unit_b, WAGE_B, 4)]
    for unit, wage, n in people:
        opened = open_member(
            centre, y.clerk, unit, n, wage=wage, name=f"职工{n}", bank_card=CARD, bank_code="102"
        )
        y.members.append(opened.account.account_no)
        y.ledgers.append(opened.account.ledger_account_no)
    return y


# --- the events of the year ----------------------------------------------------------------------


def withdraw_for_purchase(y: Year, account_no: str, amount: str) -> None:
    def materials(uow: UnitOfWork) -> frozenset[str]:
        from anju.domain.withdrawals import required_materials

        policy = policy_in_force(uow, y.today).withdrawal
        return frozenset(required_materials(policy, policy.reason("01")))

    req = wd.WithdrawalRequest(
        account_no=account_no,
        reason_code="01",
        amount=Money.of(amount),
        materials=y.look(materials),
        event_date=y.today - timedelta(days=20),
        cost=Money.of("300000.00"),
        property_ref="豫(2027)安居市不动产权第0001号",
    )
    accepted = y.go(lambda uow: wd.submit_withdrawal(uow, y.clerk, req, source_ref="W1"))
    y.go(lambda uow: wd.decide_withdrawal(uow, y.reviewer, accepted.withdrawal_no, "review", None))
    paying = y.go(lambda uow: wd.decide_withdrawal(uow, y.approver, accepted.withdrawal_no, "approve", None))
    y.settle(paying.e2e_id)


def disburse_loan(y: Year, borrower: str, amount: Money) -> loans.LoanView:
    req = loans.LoanApplication(
        borrower_account_no=borrower,
        house_kind="second_hand",
        house_address="安居市人民路 1 号 3 单元 501",
        house_price=Money.of("500000.00"),
        appraisal=Money.of("500000.00"),
        down_payment=Money.of("500000.00") - amount,
        amount=amount,
        term_months=120,
        method=RepaymentMethod.EQUAL_INSTALMENT,
        seller_name="李卖方",
        seller_account_no="6222020200112233445",
        seller_bank_code="102",
        repayment_account_no="6222020200998877665",
    )
    loan_no = y.go(lambda uow: loans.apply_for_loan(uow, y.clerk, req)).loan_no
    y.go(lambda uow: loans.advance_application(uow, y.reviewer, loan_no, "review"))
    y.go(lambda uow: loans.advance_application(uow, y.approver, loan_no, "approve"))
    y.go(lambda uow: loans.sign_contract(uow, y.clerk, loan_no))
    day = y.today
    y.go(
        lambda uow: loans.register_mortgage(
            uow,
            y.clerk,
            loan_no,
            mortgage_no="豫(2027)安居市不动产证明第0001号",
            registered_on=day,
            certificates="不动产登记证明、借款合同正本",
        )
    )
    # 资金调拨: the loan account is funded from the collection account through the bank port.
    transfer = y.go(
        lambda uow: bank.submit_transfer(
            uow, FINANCE, from_account=COLLECTION, to_account=LOAN_BANK, amount=amount, source_ref="T1"
        )
    )
    y.settle(transfer.e2e_id)
    y.settle(y.go(lambda uow: loans.disburse(uow, FINANCE, loan_no, centre_account_no=LOAN_BANK)).e2e_id)
    return y.look(lambda uow: loans.get_loan(uow, y.clerk, loan_no))  # type: ignore[no-any-return]


def overpay_allocate_and_refund(y: Year, month: YearMonth) -> None:
    """Unit A pays 500.00 too much: the whole payment waits in suspense (暂收款), is allocated to
    the roster, and the 500.00 left is refunded (多缴退款) through the bank port."""
    roster = y.go(lambda uow: rm.generate_roster(uow, y.clerk, y.unit_a, month))
    roster = y.go(lambda uow: rm.confirm_roster(uow, y.clerk, roster.id))
    y.pay(y.unit_a, roster.total + Money.of("500.00"))
    y.go(lambda uow: rm.allocate_suspense(uow, y.clerk, y.unit_a, roster.id))
    refund = y.go(
        lambda uow: rm.refund_suspense(
            uow,
            y.clerk,
            y.unit_a,
            amount=Money.of("500.00"),
            reason="多缴",
            payee_name="安居测试单位1有限公司",
            payee_account_no="6222020200000000011",
        )
    )
    paying = y.go(
        lambda uow: funds.pay_refund(
            uow, FINANCE, refund.case_no, from_account=COLLECTION, payee_bank_code="102"
        )
    )
    y.settle(paying.e2e_id)


def back_pay_february(y: Year) -> None:
    backs = y.go(lambda uow: rm.generate_back_payment(uow, y.clerk, y.unit_b, ["202702"], "漏缴补缴"))
    for back in backs:
        confirmed = y.go(lambda uow, r=back: rm.confirm_roster(uow, y.clerk, r.id))
        y.pay(y.unit_b, confirmed.total)


def correct_wrong_interest(y: Year) -> None:
    """A deposit-interest advice keyed 10 times too large, corrected by a reviewed reversal."""
    wrong = y.go(
        lambda uow: funds.record_deposit_interest(
            uow, FINANCE, bank_account_no=COLLECTION, amount=Money.of("1234.00"), serial_no="ERR1"
        )
    )
    correction = y.go(
        lambda uow: accounting.make_correction(uow, FINANCE, wrong.voucher_no, "金额录错，应为123.40")
    )
    y.go(lambda uow: accounting.review_manual_voucher(uow, CHECKER, correction.number))
    y.go(lambda uow: accounting.post_manual_voucher(uow, FINANCE, correction.number))
    y.go(
        lambda uow: funds.record_deposit_interest(
            uow, FINANCE, bank_account_no=COLLECTION, amount=Money.of("123.40"), serial_no="ERR1R"
        )
    )


def deduct_first_instalment(y: Year, loan_no: str) -> Money:
    """The first instalment is deducted from the borrower's bank account on its due day."""
    first = y.look(lambda uow: loans.get_loan(uow, y.clerk, loan_no)).instalments[0]
    y.to(first.due_date)
    y.go(lambda uow: repay.submit_deductions(uow, FINANCE, centre_account_no=LOAN_BANK))
    settlement = bank.ReceiptSettlement(
        purpose=repay.BATCH_PURPOSE,
        ref_account_no=loan_no,
        amount=first.principal + first.interest,
        serial="D1",
        centre_account_no=LOAN_BANK,
        received_on=first.due_date,
        channel="bank",
    )
    y.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
    return first.principal + first.interest  # type: ignore[no-any-return]


def settle_in_full(y: Year, loan_no: str) -> Money:
    settled = y.go(
        lambda uow: repay.prepay(
            uow, y.clerk, loan_no, amount=None, centre_account_no=LOAN_BANK, request_ref="P1"
        )
    )
    assert settled.settled
    return settled.amount  # type: ignore[no-any-return]


def live_the_year(y: Year) -> dict[str, Money]:
    """Run 2027 and return figures the header states (and the test checks by hand)."""
    _a1, a2, a3, _b1 = y.members
    facts: dict[str, Money] = {}
    loan_no = ""
    for month in YearMonth(YEAR, 1).range_to(YearMonth(YEAR, 12)):
        y.to(date(YEAR, month.month, 10))
        if month.month == 3:
            overpay_allocate_and_refund(y, month)
            back_pay_february(y)  # unit B missed February (补缴 with March)
        else:
            y.remit(y.unit_a, month)
        if month.month != 2:
            y.remit(y.unit_b, month)
        if month.month == 4:
            y.to(date(YEAR, 4, 15))
            correct_wrong_interest(y)
        if month.month == 5:
            y.to(date(YEAR, 5, 20))
            withdraw_for_purchase(y, a2, "5000.00")
        if month.month == 8:
            y.to(date(YEAR, 8, 12))
            loan_no = disburse_loan(y, a3, Money.of("50000.00")).loan_no
        if month.month == 9:
            facts["first_instalment"] = deduct_first_instalment(y, loan_no)
        if month.month == 10:
            y.to(date(YEAR, 10, 11))  # before the second instalment falls due
            facts["settlement"] = settle_in_full(y, loan_no)
        if month.month in (3, 6, 9, 12):
            y.to(date(YEAR, month.month, 21))
            y.quarter_end_funds()
    # Year end: in January the year's value-added income is distributed, then December closes.
    y.to(date(YEAR + 1, 1, 4))
    distribution = y.go(lambda uow: value_added.distribute(uow, FINANCE, YEAR, MANAGEMENT_BUDGET))
    facts["risk_reserve"] = distribution.plan.risk_reserve
    y.close(YearMonth(YEAR, 12))
    facts["interest"] = interest_credited(y)
    year_end = date(YEAR, 12, 31)
    facts["accrued"] = y.look(lambda uow: books.leaf_balances(uow, year_end)).get("211", Money.ZERO)
    facts["vai"] = y.look(lambda uow: value_added.year_income(uow, YEAR)).value_added_income
    return facts


def interest_credited(y: Year) -> Money:
    """The 30 June settlement posted (201 credits of business type 09)."""
    turnover = y.look(
        lambda uow: uow.accounting.business_type_turnover(["201"], date(YEAR, 6, 30), date(YEAR, 6, 30))
    )
    return Money(sum(t.credit.fen for t in turnover if t.business_type == "09"))


# --- the hand check of the 30 June settlement (rules.md §3.3) -----------------------------------


def jishu(credits: list[tuple[date, Money]], end: date) -> Decimal:
    """Σ end-of-day balances from each credit's day to `end` (a credit earns from its own day)."""
    return sum((Decimal(a.fen) / 100 * ((end - d).days + 1) for d, a in credits), Decimal(0))


def hand_interest() -> Money:
    """Unit A's members are paid on the 10th, January to June; March's money reached them on
    10 March by the suspense allocation. Unit B: January on the 10th, February and March on
    10 March. A2 drew 5,000.00 on 20 May (stops earning that day). Rate 1.50 %, day 1/360,
    one rounding per account."""
    end = date(YEAR, 6, 30)
    months = [date(YEAR, m, 10) for m in range(1, 7)]
    total = Decimal(0)
    for monthly in (Money.of("1920.00"), Money.of("1440.00"), Money.of("2400.00")):
        credits = [(d, monthly) for d in months]
        if monthly == Money.of("1440.00"):
            credits.append((date(YEAR, 5, 20), -Money.of("5000.00")))
        total += _round(jishu(credits, end))
    b = Money.of("1200.00")
    b_credits = [(date(YEAR, 1, 10), b), (date(YEAR, 3, 10), b), (date(YEAR, 3, 10), b)]
    b_credits += [(date(YEAR, m, 10), b) for m in (4, 5, 6)]
    total += _round(jishu(b_credits, end))
    return Money.of(str(total))


def hand_accrual(settled: Money) -> Money:
    """Interest payable (211) at 31 December: the interest year's balance-days so far, 1 July to
    31 December, rounded once over all accounts. The opening is the 30 June fund (Jan–Jun
    remittances 41,760.00, less the 5,000.00 withdrawal, plus the settlement); 6,960.00 arrives
    on the 10th of each month."""
    opening = Money.of("41760.00") - Money.of("5000.00") + settled
    credits = [(date(YEAR, 7, 1), opening)] + [(date(YEAR, m, 10), Money.of("6960.00")) for m in range(7, 13)]
    return Money.of(str(_round(jishu(credits, date(YEAR, 12, 31)))))


def hand_instalment(principal: Money, annual_percent: str, months: int) -> Money:
    """等额本息: P·r / (1 − (1 + r)^−n), r the monthly rate."""
    r = Decimal(annual_percent) / 100 / 12
    amount = Decimal(principal.fen) / 100 * r / (1 - (1 + r) ** -months)
    return Money.of(str(amount.quantize(Decimal("0.01"), ROUND_HALF_UP)))


def _round(js: Decimal) -> Decimal:
    return (js * Decimal("0.015") / 360).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- the golden file --------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if isinstance(value, Money):
        return value.format_cn()
    return "" if value is None else str(value)


def render_report(report: Report) -> list[str]:
    lines = [f"## {report.title}  {report.subtitle}", " | ".join(c.header for c in report.columns)]
    lines += [" | ".join(_cell(v) for v in row.cells) for row in report.rows]
    if report.balanced is not None:
        lines.append(f"平衡：{'是' if report.balanced else '否'}")
    return [*lines, ""]


def render_trial_balance(view: ledger_service.TrialBalanceView) -> list[str]:
    lines = [
        f"## 试算平衡表  截至 {view.as_of}  单位：元",
        "科目 | 名称 | 借方发生额累计 | 贷方发生额累计 | 余额方向 | 余额",
    ]
    for r in view.rows:
        if r.debit_total.is_zero and r.credit_total.is_zero:
            continue
        amounts = (r.debit_total, r.credit_total, r.balance_side_zh, r.balance_amount)
        lines.append(" | ".join([r.code, r.name_zh, *(_cell(v) for v in amounts)]))
    lines.append(f"借方合计 {_cell(view.debit_total)} | 贷方合计 {_cell(view.credit_total)}")
    lines.append(f"借方余额 {_cell(view.debit_balances)} | 贷方余额 {_cell(view.credit_balances)}")
    return [*lines, ""]


def render(y: Year, facts: dict[str, Money]) -> str:
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)

    def cn(fact: str) -> str:
        return facts[fact].format_cn()

    header = [
        f"# {YEAR} 年小型中心全年情景（issue 9）金额单位：元",
        "# 由 tests/scenarios/test_year_in_the_life.py 生成；UPDATE_GOLDEN=1 重新生成。",
        "# 人工核对：",
        "#   月汇缴 A 单位 1,920.00 + 1,440.00 + 2,400.00 = 5,760.00；B 单位 1,200.00（2 月于 3 月补缴）",
        f"#   6 月 30 日结息 {cn('interest')}（积数法，年利率 1.50%，日利率 ÷360，每户四舍五入一次）",
        f"#   9 月首期还款 {cn('first_instalment')}，10 月提前结清 {cn('settlement')}",
        "#     （5 万元 120 期等额本息，年利率 2.60%：首期利息 108.33 = 50,000.00 × 2.60% ÷ 12；",
        "#       结清利息 103.96 = 49,634.70 × 2.60% ÷ 360 × 29 天；贷款利息收入 212.29）",
        f"#   12 月 31 日应付利息（预提）{cn('accrued')}（7 月 1 日至 12 月 31 日积数，一次四舍五入）",
        f"#   增值收益 {cn('vai')} = 存款利息 6,123.40 + 贷款利息 212.29 − 手续费 140.00 − 结息 − 预提",
        f"#   风险准备金 {cn('risk_reserve')} = 增值收益 × 60%；管理费用 {MANAGEMENT_BUDGET.format_cn()}",
        "",
    ]
    tb = y.look(lambda uow: ledger_service.trial_balance(uow, FINANCE, end))
    body = render_trial_balance(tb)
    for report in (
        y.look(lambda uow: books.balance_sheet_report(uow, FINANCE, end)),
        y.look(lambda uow: books.value_added_income_report(uow, FINANCE, start, end)),
        y.look(lambda uow: books.fund_movements_report(uow, FINANCE, start, end)),
        # The statistical tables of the months with a back-payment, a withdrawal and the loan.
        y.look(lambda uow: statistics.monthly_table(uow, FINANCE, "collection", f"{YEAR}03")),
        y.look(lambda uow: statistics.monthly_table(uow, FINANCE, "withdrawal", f"{YEAR}05")),
        y.look(lambda uow: statistics.business_table(uow, FINANCE, "loan", start, end)),
        y.look(lambda uow: statistics.by_unit_type(uow, FINANCE, "collection", start, end)),
        y.look(lambda uow: statistics.annual_report(uow, FINANCE, YEAR)),
    ):
        body += render_report(report)
    return "\n".join(header + body)


def test_a_year_in_the_life_matches_the_golden_file(container: Container) -> None:
    y = open_year(container)
    facts = live_the_year(y)

    # Figures checked by hand before they are trusted in the golden file.
    assert facts["interest"] == hand_interest()
    assert facts["accrued"] == hand_accrual(facts["interest"])
    assert facts["first_instalment"] == hand_instalment(Money.of("50000.00"), "2.60", 120)
    # Value-added income: deposit interest (4 × 1,500.00 + 123.40 after the correction) and loan
    # interest, less bank fees (4 × 35.00) and member interest (settled + accrued).
    loan_interest = Money.of("108.33") + Money.of(
        "103.96"
    )  # 50,000 × 2.6 % ÷ 12; 49,634.70 × 2.6 % ÷ 360 × 29
    expected_vai = (
        Money.of("6123.40") + loan_interest - Money.of("140.00") - facts["interest"] - facts["accrued"]
    )
    assert facts["vai"] == expected_vai
    assert facts["risk_reserve"] == Money.of(
        str((Decimal(expected_vai.fen) * 6 / 1000).quantize(Decimal("0.01")))
    )
    assert y.look(ledger_service.check_ledger).ok
    periods = y.look(lambda uow: accounting.list_periods(uow, FINANCE))
    assert periods.closed_through == date(YEAR, 12, 31)

    text = render(y, facts)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "\n".join(
        difflib.unified_diff(expected.splitlines(), text.splitlines(), "golden", "run", lineterm="")
    )
    assert text == expected, f"the year differs from {GOLDEN.name} (UPDATE_GOLDEN=1 to accept):\n{diff}"
