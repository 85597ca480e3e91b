"""Housing loans end to end on the database: admission, application with its decision, the
maker-checker workflow, contract, mortgage, disbursement through the bank port, the stored
schedule, repayments (bank deduction, 冲还贷), prepayment, settlement, one active loan per person
(reliability.md C4) and Σ loan sub-ledger = general ledger."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from anju.batch import loan_jobs
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.dates import YearMonth
from anju.domain.loans.schedule import PrepaymentOption, RepaymentMethod
from anju.domain.security import Actor, Role
from anju.errors import AnjuError, PermissionDenied
from anju.ledger.balances import Side
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, manual_voucher
from anju.money import Money, Rate
from anju.reports import loan_pdf
from anju.services import bank, cases, demo, loan_documents, loans
from anju.services import loan_repayments as repay
from anju.services.end_of_day import EOD_STEPS, run_end_of_day
from anju.services.ledger import check_ledger
from anju.services.runner import read, run
from tests.integration.collection_helpers import DAY, Centre, open_member, register, seed

LOAN_BANK = demo.demo_account_no("102", "loan")
COLLECTION_BANK = demo.demo_account_no("102", "collection")
FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)


class World:
    def __init__(self, container: Container) -> None:
        self.c = container
        self.centre: Centre = seed(container)
        self.clerk = self.centre.clerk("02")
        self.reviewer = self.centre.staff(Role.REVIEWER, "reviewer1")
        self.approver = self.centre.staff(Role.APPROVER, "approver1")
        self.approver2 = self.centre.staff(Role.APPROVER, "approver2")
        self.unit = register(self.centre, self.clerk, 1)
        self._n = 0
        self.go(
            lambda uow: self._post_manual(uow, LOAN_BANK, Money.from_yuan("5000000.00"), "fund-loan-bank")
        )

    def go(self, fn: Any) -> Any:
        return run(self.c.uow, fn)

    def look(self, fn: Any) -> Any:
        return read(self.c.uow, fn)

    def bank_ledger(self, account_no: str) -> str:
        record = self.look(lambda uow: uow.org.centre_bank_account_by_no(account_no))
        assert record.ledger_account_no
        return str(record.ledger_account_no)

    def _post_manual(self, uow: Any, bank_account: str, amount: Money, ref: str) -> None:
        account = uow.org.centre_bank_account_by_no(bank_account)
        uow.ledger.post(
            manual_voucher(
                source_ref=ref,
                business_date=DAY,
                value_date=DAY,
                memo="测试资金",
                lines=[
                    (AccountRef.ledger(account.ledger_account_no), Side.DEBIT, amount),
                    (AccountRef.gl(GL.OTHER_PAYABLES), Side.CREDIT, amount),
                ],
            ),
            created_by="test",
            branch_id=None,
        )

    def member(
        self,
        *,
        balance: str = "50000.00",
        wage: str = "10000.00",
        months: int = 24,
        birth: str = "19900101",
        phone: str | None = None,
    ) -> str:
        self._n += 1
        extra = {"phone": phone} if phone else {}
        opened = open_member(
            self.centre, self.clerk, self.unit.unit_account_no, self._n, wage=wage, birth=birth, **extra
        )
        account_no = opened.account.account_no
        ledger_no = opened.account.ledger_account_no
        start = YearMonth(2026, 10).add(1 - months).first_day()
        with self.c.engine.begin() as conn:
            conn.execute(
                text("UPDATE member_account SET opened_on = :d, paid_up_to = :p WHERE account_no = :a"),
                {"d": start, "p": "202610", "a": account_no},
            )
        amount = Money.from_yuan(balance)
        if amount.is_positive:

            def credit(uow: Any) -> None:
                bank_account = uow.org.centre_bank_account_by_no(COLLECTION_BANK)
                uow.ledger.post(
                    manual_voucher(
                        source_ref=f"fund-{account_no}",
                        business_date=DAY,
                        value_date=DAY,
                        memo="测试缴存",
                        lines=[
                            (AccountRef.ledger(bank_account.ledger_account_no), Side.DEBIT, amount),
                            (AccountRef.ledger(ledger_no), Side.CREDIT, amount),
                        ],
                    ),
                    created_by="test",
                    branch_id=None,
                )

            self.go(credit)
        return account_no

    def application(self, borrower: str, **kw: Any) -> loans.LoanApplication:
        values: dict[str, Any] = {
            "borrower_account_no": borrower,
            "house_kind": "second_hand",
            "house_address": "安居市人民路 1 号 3 单元 501",
            "house_price": Money.from_yuan("1000000.00"),
            "appraisal": Money.from_yuan("1000000.00"),
            "down_payment": Money.from_yuan("700000.00"),
            "amount": Money.from_yuan("300000.00"),
            "term_months": 240,
            "method": RepaymentMethod.EQUAL_INSTALMENT,
            "seller_name": "李卖方",
            "seller_account_no": "6222020200112233445",
            "seller_bank_code": "102",
            "repayment_account_no": "6222020200998877665",
        }
        values.update(kw)
        return loans.LoanApplication(**values)

    def apply(self, req: loans.LoanApplication) -> loans.LoanView:
        return self.go(lambda uow: loans.apply_for_loan(uow, self.clerk, req))  # type: ignore[no-any-return]

    def approve(self, loan_no: str) -> loans.LoanView:
        self.go(lambda uow: loans.advance_application(uow, self.reviewer, loan_no, "review"))
        return self.go(lambda uow: loans.advance_application(uow, self.approver, loan_no, "approve"))  # type: ignore[no-any-return]

    def to_disbursed(self, loan_no: str) -> loans.LoanView:
        self.approve(loan_no)
        self.go(lambda uow: loans.sign_contract(uow, self.clerk, loan_no))
        self.go(
            lambda uow: loans.register_mortgage(
                uow,
                self.clerk,
                loan_no,
                mortgage_no="豫(2026)安居市不动产证明第0001号",
                registered_on=DAY,
                certificates="不动产登记证明、借款合同正本",
            )
        )
        instruction = self.go(lambda uow: loans.disburse(uow, FINANCE, loan_no, centre_account_no=LOAN_BANK))
        self.go(
            lambda uow: bank.settle_success(
                uow,
                FINANCE,
                uow.bank.instruction(instruction.e2e_id),
                host_serial="H" + loan_no,
                code="0000",
                message="成功",
            )
        )
        return self.look(lambda uow: loans.get_loan(uow, self.clerk, loan_no))  # type: ignore[no-any-return]

    def set_day(self, day: date) -> None:
        with self.c.engine.begin() as conn:
            conn.execute(text("UPDATE business_calendar SET business_date = :d"), {"d": day})

    def assert_loan_books_match_gl(self) -> None:
        """Σ loan accounts (121) and Σ overdue loan accounts (122) = the general ledger's."""
        with self.c.engine.connect() as conn:
            for code in ("121", "122"):
                sub = conn.execute(
                    text("SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_account WHERE gl_code = :c"),
                    {"c": code},
                ).scalar_one()
                gl = conn.execute(
                    text("SELECT COALESCE(SUM(balance_fen), 0) FROM gl_balance WHERE gl_code = :c"),
                    {"c": code},
                ).scalar_one()
                assert int(sub) == int(gl), code

    def assert_ledger_ok(self) -> None:
        result = self.look(check_ledger)
        assert result.ok, result


@pytest.fixture
def world(container: Container) -> World:
    return World(container)


def test_developer_and_project_admission(world: World) -> None:
    dev = world.go(
        lambda uow: loans.admit_developer(
            uow,
            world.clerk,
            loans.DeveloperAdmission(
                "KF001", "安居置业有限公司", "91410100MA0000001X", "办妥抵押登记前承担阶段性连带保证责任"
            ),
        )
    )
    view = world.go(
        lambda uow: loans.admit_project(
            uow,
            world.clerk,
            loans.ProjectAdmission(
                "KF001",
                "安居花园",
                "安居市建设路 8 号",
                "预2026-01",
                "规2026-01",
                "施2026-01",
                "土2026-01",
                buildings=("1号楼", "2号楼"),
            ),
        )
    )
    assert dev.status == "admitted"
    assert [name for _id, name in view.buildings] == ["1号楼", "2号楼"]
    with pytest.raises(loans.LoanConflict):
        world.go(
            lambda uow: loans.admit_developer(
                uow, world.clerk, loans.DeveloperAdmission("KF001", "重复", "91410100MA0000001X", "条款")
            )
        )
    # A new home in the admitted project is accepted; without a project it is refused.
    borrower = world.member()
    req = world.application(
        borrower,
        house_kind="new",
        appraisal=None,
        project_id=view.project.id,
        building_id=view.buildings[0][0],
    )
    assert world.apply(req).record.project_id == view.project.id
    other = world.member()
    with pytest.raises(AnjuError) as err:
        world.apply(world.application(other, house_kind="new", appraisal=None))
    assert err.value.code == "required_field"


def test_application_decision_shows_every_figure_with_its_source(world: World) -> None:
    borrower = world.member(balance="30000.00", wage="10000.00")
    view = world.apply(world.application(borrower))
    record = view.record
    assert record.state == "accepted"
    assert view.case is not None and view.case.kind == "loan_application"
    figures = {f["key"]: f for f in record.decision["figures"]}
    assert set(figures) == {"city_max", "ltv", "balance_multiple", "repayment_capacity"}
    # 15 × 30,000 balance = 450,000 binds below LTV 800,000 and the city cap 600,000.
    assert figures["balance_multiple"]["amount"] == "450000.00"
    assert record.decision["binding"] == "balance_multiple"
    assert record.limit == Money.from_yuan("450000.00")
    assert all(f["sources"] and f["sources"][0]["source"] for f in figures.values())
    assert all(c["passed"] and c["source"] for c in record.decision["checks"])
    assert record.annual_rate == Rate.percent("2.60")  # first home, over 5 years, rate of 2025-05-08


def test_amount_above_the_limit_is_refused_with_the_binding_rule(world: World) -> None:
    borrower = world.member(balance="10000.00")
    with pytest.raises(AnjuError) as err:
        world.apply(world.application(borrower))
    assert err.value.code == "loan_not_eligible"
    assert "余额" in str(err.value.details["detail"])


def test_too_short_contribution_is_refused(world: World) -> None:
    borrower = world.member(months=3)
    with pytest.raises(AnjuError) as err:
        world.apply(world.application(borrower))
    assert err.value.code == "loan_not_eligible"
    assert "连续足额缴存" in str(err.value.details["rule"])


def test_second_application_for_the_spouse_is_refused(world: World) -> None:
    husband, wife = world.member(), world.member()
    world.apply(world.application(husband, co_borrower_account_no=wife))
    with pytest.raises(AnjuError) as err:
        world.apply(world.application(wife))
    assert err.value.code in ("loan_not_eligible", "loan_active_exists")


def test_the_index_refuses_a_second_active_loan_even_without_the_check(world: World) -> None:
    first, second = world.member(), world.member()
    a = world.apply(world.application(first))
    b = world.apply(world.application(second))

    def claim(uow: Any) -> bool:
        return bool(uow.loans.claim_parties(b.record.id, [(a.record.borrower_member_id, "borrower")]))

    assert world.go(claim) is False
    assert world.look(lambda uow: uow.loans.has_active_loan([a.record.borrower_member_id]))


def test_concurrent_applications_for_one_person_only_one_succeeds(world: World) -> None:
    """C4: both applications pass their checks; the partial unique index lets only one in."""
    borrower = world.member()
    req = world.application(borrower)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def attempt() -> None:
        barrier.wait()
        try:
            results.append(world.apply(req).loan_no)
        except AnjuError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    successes = [r for r in results if isinstance(r, str) and r.startswith("DK")]
    assert len(successes) == 1, results
    assert set(results) - set(successes) <= {"loan_active_exists", "loan_not_eligible"}
    count = world.look(lambda uow: len(uow.loans.search(branch_id=None, state=None, limit=10, offset=0)))
    assert count == 1


def test_maker_checker_and_second_approval_above_threshold(world: World) -> None:
    husband, wife = world.member(balance="30000.00"), world.member(balance="30000.00")
    view = world.apply(
        world.application(
            husband,
            co_borrower_account_no=wife,
            amount=Money.from_yuan("700000.00"),
            down_payment=Money.from_yuan("300000.00"),
        )
    )
    loan_no = view.loan_no
    with pytest.raises(PermissionDenied):  # the maker cannot review his own case
        world.go(
            lambda uow: loans.advance_application(
                uow, replace(world.reviewer, username=world.clerk.username), loan_no, "review"
            )
        )
    world.approve(loan_no)
    with pytest.raises(AnjuError) as err:  # 700,000 > 600,000: a second approver first
        world.go(lambda uow: loans.sign_contract(uow, world.clerk, loan_no))
    assert err.value.code == "case_second_approval_required"
    world.go(lambda uow: loans.advance_application(uow, world.approver2, loan_no, "second_approve"))
    signed = world.go(lambda uow: loans.sign_contract(uow, world.clerk, loan_no))
    assert signed.state == "contracted" and signed.record.contract_no
    assert signed.case is not None and signed.case.state == "done"


def test_refused_application_releases_the_persons(world: World) -> None:
    borrower = world.member()
    view = world.apply(world.application(borrower))
    world.go(lambda uow: loans.advance_application(uow, world.reviewer, view.loan_no, "refuse", "资料不实"))
    again = world.apply(world.application(borrower))
    assert again.state == "accepted"


def test_disbursement_opens_the_loan_with_the_worked_schedule(world: World) -> None:
    borrower = world.member()
    loan_no = world.apply(world.application(borrower)).loan_no
    view = world.to_disbursed(loan_no)
    record = view.record
    assert record.state == "active" and record.disbursed_on == DAY
    assert view.outstanding == Money.from_yuan("300000.00")
    assert len(view.instalments) == 240
    assert sum(i.principal.fen for i in view.instalments) == Money.from_yuan("300000.00").fen
    assert view.instalments[0].due_date == date(2026, 12, 23)
    # Example 2 at 2.60 %: the level instalment is P·i·(1+i)^n/((1+i)^n−1).
    assert record.level == view.instalments[0].principal + view.instalments[0].interest
    world.assert_ledger_ok()


def test_failed_disbursement_goes_back_and_can_be_paid_again(world: World) -> None:
    borrower = world.member()
    loan_no = world.apply(world.application(borrower)).loan_no
    world.approve(loan_no)
    world.go(lambda uow: loans.sign_contract(uow, world.clerk, loan_no))
    world.go(
        lambda uow: loans.register_mortgage(
            uow, world.clerk, loan_no, mortgage_no="M1", registered_on=DAY, certificates="证明"
        )
    )
    first = world.go(lambda uow: loans.disburse(uow, FINANCE, loan_no, centre_account_no=LOAN_BANK))
    world.go(
        lambda uow: bank.settle_failure(
            uow, FINANCE, uow.bank.instruction(first.e2e_id), code="E1", message="账户不存在"
        )
    )
    assert world.look(lambda uow: loans.get_loan(uow, world.clerk, loan_no)).state == "mortgaged"
    second = world.go(lambda uow: loans.disburse(uow, FINANCE, loan_no, centre_account_no=LOAN_BANK))
    assert second.e2e_id != first.e2e_id
    world.assert_ledger_ok()


def test_bank_deduction_allocates_and_books_the_instalment(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    first = view.instalments[0]
    world.set_day(first.due_date)
    run_ = world.go(lambda uow: repay.submit_deductions(uow, FINANCE, centre_account_no=LOAN_BANK))
    assert run_.loans == 1 and run_.amount == first.principal + first.interest
    settlement = bank.ReceiptSettlement(
        purpose=repay.BATCH_PURPOSE,
        ref_account_no=view.loan_no,
        amount=first.principal + first.interest,
        serial="S1",
        centre_account_no=LOAN_BANK,
        received_on=first.due_date,
        channel="bank",
    )
    world.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
    world.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))  # the same serial again: once
    after = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no))
    assert after.instalments[0].settled_on == first.due_date
    assert after.outstanding == Money.from_yuan("300000.00") - first.principal
    again = world.go(lambda uow: repay.submit_deductions(uow, FINANCE, centre_account_no=LOAN_BANK))
    assert again.loans == 0
    world.assert_ledger_ok()


def test_overdue_payment_pays_penalty_first(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    first = view.instalments[0]
    late = date(2027, 1, 2)  # 10 days after the due date
    world.set_day(late)
    owed = world.look(lambda uow: repay.owed_on(uow, uow.loans.loan(view.loan_no), late))
    assert owed > first.principal + first.interest
    settlement = bank.ReceiptSettlement(
        repay.REPAYMENT_PURPOSE, view.loan_no, owed, "S2", LOAN_BANK, late, "bank"
    )
    world.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
    txns = world.look(lambda uow: uow.loans.txns(view.record.id))
    repayment = next(t for t in txns if t.txn_type == "04")
    assert repayment.penalty.is_positive
    assert repayment.principal == first.principal and repayment.interest == first.interest
    after = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert after.days_past_due == 0 and after.risk_tier == "01"
    world.assert_ledger_ok()


def test_offset_from_the_fund_accounts(world: World) -> None:
    husband, wife = world.member(balance="30000.00"), world.member(balance="30000.00")
    view = world.to_disbursed(
        world.apply(world.application(husband, co_borrower_account_no=wife, offset_agreement=True)).loan_no
    )
    first = view.instalments[0]
    world.set_day(first.due_date)
    paid = world.go(lambda uow: repay.repay_from_fund(uow, FINANCE, view.loan_no))
    assert paid is not None and paid.principal == first.principal
    balance = world.look(lambda uow: uow.ledger.balance(uow.members.account(husband).ledger_account_no))
    assert balance == Money.from_yuan("30000.00") - first.principal - first.interest
    world.assert_ledger_ok()


def test_partial_then_full_prepayment_and_settlement(world: World) -> None:
    borrower = world.member(balance="100000.00")
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    world.set_day(date(2026, 12, 10))
    part = world.go(
        lambda uow: repay.prepay(
            uow,
            world.clerk,
            view.loan_no,
            amount=Money.from_yuan("50000.00"),
            option=PrepaymentOption.SHORTEN_TERM,
            centre_account_no=LOAN_BANK,
            request_ref="P1",
        )
    )
    assert part.principal + part.interest == Money.from_yuan("50000.00")
    after = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no))
    assert len(after.instalments) < 240
    assert after.record.level == view.record.level  # option B keeps the instalment
    assert after.outstanding == Money.from_yuan("300000.00") - part.principal
    full = world.go(
        lambda uow: repay.prepay(
            uow, world.clerk, view.loan_no, amount=None, centre_account_no=LOAN_BANK, request_ref="P2"
        )
    )
    assert full.settled and full.principal == after.outstanding
    done = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no))
    assert done.state == "settled" and done.outstanding.is_zero
    # Settled: the borrower may apply again.
    assert world.look(lambda uow: not uow.loans.has_active_loan([view.record.borrower_member_id]))
    world.assert_ledger_ok()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payments=st.lists(st.integers(min_value=1, max_value=400_000), min_size=1, max_size=4))
def test_loan_subledger_equals_general_ledger(world: World, payments: list[int]) -> None:
    """Σ loan accounts (121) = the general ledger's 121 balance, after any repayments."""
    if not hasattr(world, "loan_no"):
        borrower = world.member()
        world.loan_no = world.to_disbursed(world.apply(world.application(borrower)).loan_no).loan_no  # type: ignore[attr-defined]
        world.serial = 0  # type: ignore[attr-defined]
    record = world.look(lambda uow: uow.loans.loan(world.loan_no))  # type: ignore[attr-defined]
    for fen in payments:
        world.serial += 1  # type: ignore[attr-defined]
        settlement = bank.ReceiptSettlement(
            repay.REPAYMENT_PURPOSE,
            record.loan_no,
            Money(fen),
            f"PX{world.serial}",
            LOAN_BANK,
            date(2026, 12, 23),
            "bank",
        )  # type: ignore[attr-defined]
        world.set_day(date(2026, 12, 23))
        world.go(lambda uow, s=settlement: repay.loan_receipt(uow, FINANCE, s))
    with world.c.engine.connect() as conn:
        sub = conn.execute(
            text("SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_account WHERE gl_code = '121'")
        ).scalar_one()
        gl = conn.execute(
            text("SELECT balance_fen FROM gl_balance WHERE gl_code = '121'")
        ).scalar_one_or_none()
    loan_balance = world.look(lambda uow: uow.ledger.balance(record.ledger_account_no))
    assert int(sub) == loan_balance.fen
    if gl is not None:
        assert int(gl) == int(sub)
    world.assert_ledger_ok()


def test_contract_and_settlement_certificate_print_as_pdf(world: World) -> None:
    borrower = world.member(balance="100000.00")
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    contract = world.go(lambda uow: loan_documents.loan_contract(uow, world.clerk, view.loan_no))
    assert contract.content.contract_no == view.record.contract_no
    assert "*" in contract.content.borrower_name_masked or len(contract.content.borrower_name_masked) <= 3
    assert loan_pdf.render(contract.content, world.c.crypto).startswith(b"%PDF")
    with pytest.raises(AnjuError) as err:
        world.go(lambda uow: loan_documents.settlement_certificate(uow, world.clerk, view.loan_no))
    assert err.value.code == "loan_not_settled"
    world.go(
        lambda uow: repay.prepay(
            uow, world.clerk, view.loan_no, amount=None, centre_account_no=LOAN_BANK, request_ref="ALL"
        )
    )
    cert = world.go(lambda uow: loan_documents.settlement_certificate(uow, world.clerk, view.loan_no))
    assert cert.content.principal_repaid == Money.from_yuan("300000.00")
    assert loan_pdf.render(cert.content, world.c.crypto).startswith(b"%PDF")
    issued = world.look(lambda uow: uow.documents.issued(cert.verification_code))
    assert issued is not None and issued.subject_ref == view.loan_no


def test_batch_jobs_deduct_classify_and_reprice(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    due = view.instalments[0].due_date
    report = run_job(world.c.uow, loan_jobs.DEDUCTION, due, actor=Actor.system("test"))
    assert report.run.state == "succeeded" and report.run.done_items == 1
    found = world.look(
        lambda uow: uow.bank.instruction_by_source(
            repay.BATCH_PURPOSE, f"loan-deduction:{due.isoformat()}:{view.record.id}"
        )
    )
    assert found is not None and found.amount == view.instalments[0].principal + view.instalments[0].interest
    # Nothing paid 100 days on: 次级 (substandard, 91–180 days past due).
    late = date(2027, 4, 2)
    run_job(world.c.uow, loan_jobs.CLASSIFICATION, late, actor=Actor.system("test"))
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert record.days_past_due == (late - due).days and record.risk_tier == "03"
    # A loan still at an older rate takes the rate in force from 1 January.
    with world.c.engine.begin() as conn:
        conn.execute(text("UPDATE loan_instalment SET annual_rate = 0.0285"))
    run_job(world.c.uow, loan_jobs.REPRICING, date(2027, 1, 1), actor=Actor.system("test"))
    rows = world.look(lambda uow: uow.loans.instalments(view.record.id))
    assert rows[0].annual_rate == Rate.percent("2.85")  # due 2026-12-23: untouched
    assert all(r.annual_rate == Rate.percent("2.60") for r in rows[1:])
    assert sum(r.principal.fen for r in rows) == Money.from_yuan("300000.00").fen
    txns = world.look(lambda uow: uow.loans.txns(view.record.id))
    assert [t.txn_type for t in txns].count("10") == 1


def test_a_case_refused_on_the_cases_page_is_followed_by_the_loan(world: World) -> None:
    borrower = world.member()
    view = world.apply(world.application(borrower))
    world.go(lambda uow: cases.advance_case(uow, world.reviewer, view.record.case_no, "refuse", "资料不全"))
    followed = world.go(lambda uow: loans.advance_application(uow, world.reviewer, view.loan_no, "review"))
    assert followed.state == "refused"
    with pytest.raises(AnjuError) as err:
        world.go(lambda uow: loans.advance_application(uow, world.reviewer, view.loan_no, "review"))
    assert err.value.code == "loan_state_invalid"
    assert world.apply(world.application(borrower)).state == "accepted"  # the person is free again


def test_write_off_needs_a_loss_tier_and_an_approval(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    reason = "借款人死亡且无遗产可供清偿"
    with pytest.raises(AnjuError) as err:
        world.go(lambda uow: repay.request_write_off(uow, world.clerk, view.loan_no, reason))
    assert err.value.code == "loan_write_off_not_allowed"
    run_job(world.c.uow, loan_jobs.OVERDUE, date(2028, 1, 31), actor=Actor.system("test"))
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert record.risk_tier == "05" and record.overdue_account_no  # 14 instalments moved to 122
    world.go(lambda uow: repay.request_write_off(uow, world.clerk, view.loan_no, reason))
    with pytest.raises(AnjuError) as err:  # not approved yet
        world.go(lambda uow: repay.write_off(uow, world.approver, view.loan_no))
    world.go(lambda uow: repay.decide_write_off(uow, world.reviewer, view.loan_no, "review"))
    world.go(lambda uow: repay.decide_write_off(uow, world.approver, view.loan_no, "approve"))
    done = world.go(lambda uow: repay.write_off(uow, world.approver2, view.loan_no))
    assert done.principal == Money.from_yuan("300000.00")
    after = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no))
    assert after.state == "written_off" and after.outstanding.is_zero
    assert world.look(lambda uow: uow.ledger.balance(record.overdue_account_no)).is_zero
    world.assert_ledger_ok()


def test_end_of_day_runs_the_loan_steps_on_their_days(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    due = view.instalments[0].due_date
    world.set_day(due)
    steps = [s for s in EOD_STEPS if s.name.startswith("loan_")]
    assert [s.name for s in steps] == [
        "loan_deduction",
        "loan_fund_offset",
        "loan_overdue",
        "loan_classification",
        "loan_repricing",
        "loan_reminders",
    ]
    report = run_end_of_day(world.c.uow, Actor.system("eod"), steps=steps)
    assert report.ok, report
    messages = {s.name: s.message for s in report.steps}
    assert messages["loan_deduction"] == "处理 1 笔，失败 0 笔"
    assert messages["loan_repricing"] == "今日无需执行"
    found = world.look(
        lambda uow: uow.bank.instruction_by_source(
            repay.BATCH_PURPOSE, f"loan-deduction:{due.isoformat()}:{view.record.id}"
        )
    )
    assert found is not None


def test_overdue_principal_moves_to_122_and_back_on_repayment(world: World) -> None:
    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    first = view.instalments[0]
    late = date(2027, 1, 2)
    run_job(world.c.uow, loan_jobs.OVERDUE, late, actor=Actor.system("test"))
    run_job(world.c.uow, loan_jobs.OVERDUE, late, actor=Actor.system("test"))  # the same day again: once
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert record.overdue_account_no and record.days_past_due == (late - first.due_date).days
    moved = world.look(lambda uow: uow.ledger.balance(record.overdue_account_no))
    assert moved == first.principal
    total_before = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no)).outstanding
    assert total_before == Money.from_yuan("300000.00")  # 121 + 122 together
    world.set_day(late)
    owed = world.look(lambda uow: repay.owed_on(uow, uow.loans.loan(view.loan_no), late))
    settlement = bank.ReceiptSettlement(
        repay.REPAYMENT_PURPOSE, view.loan_no, owed, "S-OD", LOAN_BANK, late, "bank"
    )
    world.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
    assert world.look(lambda uow: uow.ledger.balance(record.overdue_account_no)).is_zero
    after = world.look(lambda uow: loans.get_loan(uow, world.clerk, view.loan_no))
    assert after.outstanding == Money.from_yuan("300000.00") - first.principal
    world.assert_loan_books_match_gl()
    world.assert_ledger_ok()


def test_an_overdue_borrower_cannot_withdraw(world: World) -> None:
    """Withdrawals ask the loans slice (rules.md: no withdrawal with an overdue centre loan)."""
    from anju.services import withdrawals

    borrower = world.member()
    view = world.to_disbursed(world.apply(world.application(borrower)).loan_no)
    member_id = world.look(lambda uow: uow.loans.loan(view.loan_no)).borrower_member_id
    assert not world.look(lambda uow: withdrawals.has_overdue_loan(uow, member_id))
    run_job(world.c.uow, loan_jobs.OVERDUE, date(2027, 1, 2), actor=Actor.system("test"))
    assert world.look(lambda uow: withdrawals.has_overdue_loan(uow, member_id))
