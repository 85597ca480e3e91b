"""Housing loans over the JSON API: admission, an application whose decision names every figure
and source, maker-checker, contract PDF, mortgage, disbursement through the bank port, the
stored schedule, prepayment to settlement and the settlement certificate."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text

from anju.batch import loan_jobs
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.money import Money
from anju.services import bank, demo
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from tests.e2e.test_api_collection import register
from tests.e2e.test_api_remittance import member

FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)
LOAN_BANK = demo.demo_account_no("102", "loan")


def eligible_member(clerk: Any, container: Container) -> str:
    unit_no = register(clerk, 81)["unit_account_no"]
    account_no = str(member(clerk, unit_no, 811, "10000.00")["account"]["account_no"])
    with container.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE member_account SET opened_on = '2024-01-01', paid_up_to = '202610' "
                "WHERE account_no = :a"
            ),
            {"a": account_no},
        )

    def fund(uow: UnitOfWork) -> None:
        account = uow.members.account(account_no)
        assert account is not None
        day = current_business_date(uow)
        collection = next(
            a
            for a in uow.org.list_centre_bank_accounts()
            if a.account_no == demo.demo_account_no("102", "collection")
        )
        loan_bank = next(a for a in uow.org.list_centre_bank_accounts() if a.account_no == LOAN_BANK)
        assert collection.ledger_account_no and loan_bank.ledger_account_no
        uow.ledger.post(
            posting_rules.remittance_credit(
                source="test",
                source_ref=account_no,
                bank=AccountRef.ledger(collection.ledger_account_no),
                credits=[(account.ledger_account_no, Money.of("40000.00"))],
                business_date=day,
                value_date=day,
                memo="单位汇缴",
            ),
            created_by="test",
            branch_id=None,
        )
        uow.ledger.post(
            posting_rules.manual_voucher(
                source_ref="fund-loan-bank",
                business_date=day,
                value_date=day,
                memo="划拨委贷基金",
                lines=[
                    (
                        AccountRef.ledger(loan_bank.ledger_account_no),
                        posting_rules.Side.DEBIT,
                        Money.of("1000000.00"),
                    ),
                    (
                        AccountRef.gl(posting_rules.GL.OTHER_PAYABLES),
                        posting_rules.Side.CREDIT,
                        Money.of("1000000.00"),
                    ),
                ],
            ),
            created_by="test",
            branch_id=None,
        )

    run(container.uow, fund)
    return account_no


def application(account_no: str) -> dict[str, Any]:
    return {
        "borrower_account_no": account_no,
        "house_kind": "second_hand",
        "house_address": "安居市人民路 1 号 501",
        "house_price": "900000.00",
        "appraisal": "880000.00",
        "down_payment": "600000.00",
        "amount": "300000.00",
        "term_months": 240,
        "method": "equal_principal",
        "seller_name": "李卖方",
        "seller_account_no": "6222020200112233445",
        "seller_bank_code": "102",
        "repayment_account_no": "6222020200998877665",
    }


def test_a_loan_from_application_to_settlement_certificate(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = eligible_member(clerk, seeded)
    reply = clerk.post("/api/v1/loans", application(account_no))
    assert reply.status_code == 201, reply.text
    loan = reply.json()
    loan_no = loan["loan_no"]
    assert loan["state"] == "accepted" and loan["limit"] == "600000.00"
    assert {f["key"] for f in loan["decision"]["figures"]} == {
        "city_max",
        "ltv",
        "balance_multiple",
        "repayment_capacity",
    }
    assert all(c["passed"] for c in loan["decision"]["checks"])

    assert clerk.post(f"/api/v1/loans/{loan_no}/actions", {"action": "review"}).status_code == 403
    reviewer, approver = make_client("reviewer1"), make_client("approver1")
    assert reviewer.post(f"/api/v1/loans/{loan_no}/actions", {"action": "review"}).status_code == 200
    approved = approver.post(f"/api/v1/loans/{loan_no}/actions", {"action": "approve"})
    assert approved.json()["state"] == "approved"
    signed = clerk.post(f"/api/v1/loans/{loan_no}/contract")
    assert signed.status_code == 200 and signed.json()["contract_no"]
    pdf = clerk.get(f"/api/v1/loans/{loan_no}/contract.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    mortgage = {
        "mortgage_no": "豫(2026)安居市不动产证明第0009号",
        "registered_on": "2026-11-23",
        "certificates": "不动产登记证明",
    }
    assert clerk.post(f"/api/v1/loans/{loan_no}/mortgage", mortgage).json()["state"] == "mortgaged"

    assert (
        clerk.post(f"/api/v1/loans/{loan_no}/disbursement", {"centre_account_no": LOAN_BANK}).status_code
        == 403
    )
    finance = make_client("finance1")
    paid = finance.post(f"/api/v1/loans/{loan_no}/disbursement", {"centre_account_no": LOAN_BANK})
    assert paid.status_code == 201, paid.text
    assert paid.json()["state"] == "disbursing"

    def confirm(uow: UnitOfWork) -> None:
        record = uow.loans.loan(loan_no)
        assert record is not None and record.disbursement_e2e_id
        bank.settle_success(
            uow,
            FINANCE,
            uow.bank.instruction(record.disbursement_e2e_id),
            host_serial="H9",
            code="0000",
            message="成功",
        )  # type: ignore[arg-type]

    run(seeded.uow, confirm)
    active = clerk.get(f"/api/v1/loans/{loan_no}").json()
    assert active["state"] == "active" and active["outstanding"] == "300000.00"
    rows = active["instalments"]
    assert len(rows) == 240 and rows[0]["principal"] == "1250.00"  # equal principal: 300,000 / 240
    assert sum(Money.of(r["principal"]).fen for r in rows) == Money.of("300000.00").fen

    full = clerk.post(f"/api/v1/loans/{loan_no}/prepayments", {"full": True, "centre_account_no": LOAN_BANK})
    assert full.status_code == 201, full.text
    assert full.json()["settled"] is True and full.json()["principal"] == "300000.00"
    certificate = clerk.get(f"/api/v1/loans/{loan_no}/settlement-certificate.pdf")
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")


def test_an_ineligible_application_names_the_rule(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = eligible_member(clerk, seeded)
    body = application(account_no) | {"amount": "700000.00", "down_payment": "200000.00"}
    reply = clerk.post("/api/v1/loans", body)
    assert reply.status_code == 422
    assert reply.json()["code"] == "loan_not_eligible"
    assert "可贷额度" in reply.json()["message"]


def test_a_combination_loan_records_its_commercial_part(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = eligible_member(clerk, seeded)
    commercial = {
        "bank": "中国工商银行",
        "amount": "200000.00",
        "annual_rate_percent": "3.05",
        "term_months": 240,
    }
    body = application(account_no) | {"down_payment": "400000.00", "commercial": commercial}
    reply = clerk.post("/api/v1/loans", body)
    assert reply.status_code == 201, reply.text
    loan = reply.json()
    assert (loan["commercial_bank"], loan["commercial_amount"]) == ("中国工商银行", "200000.00")
    down = next(c for c in loan["decision"]["checks"] if c["key"] == "down_payment")
    assert down["passed"] and "商业贷款 200,000.00 元" in down["detail"]  # the combined LTV
    # A commercial part that takes the combined LTV above 80 % is refused (880,000 × 80 % = 704,000).
    over = application(account_no) | {"commercial": commercial | {"amount": "450000.00"}}
    refused = clerk.post("/api/v1/loans", over)
    assert refused.status_code == 422 and refused.json()["code"] == "loan_not_eligible"


def active_loan(make_client: Any, seeded: Container, **changes: Any) -> tuple[Any, str]:
    clerk = make_client("clerk01")
    account_no = eligible_member(clerk, seeded)
    loan_no = clerk.post("/api/v1/loans", application(account_no) | changes).json()["loan_no"]
    make_client("reviewer1").post(f"/api/v1/loans/{loan_no}/actions", {"action": "review"})
    make_client("approver1").post(f"/api/v1/loans/{loan_no}/actions", {"action": "approve"})
    clerk.post(f"/api/v1/loans/{loan_no}/contract")
    clerk.post(
        f"/api/v1/loans/{loan_no}/mortgage",
        {"mortgage_no": "M-2", "registered_on": "2026-11-23", "certificates": "不动产登记证明"},
    )
    make_client("finance1").post(f"/api/v1/loans/{loan_no}/disbursement", {"centre_account_no": LOAN_BANK})

    def confirm(uow: UnitOfWork) -> None:
        record = uow.loans.loan(loan_no)
        assert record is not None and record.disbursement_e2e_id
        instruction = uow.bank.instruction(record.disbursement_e2e_id)
        assert instruction is not None
        bank.settle_success(uow, FINANCE, instruction, host_serial="H" + loan_no, code="0000", message="成功")

    run(seeded.uow, confirm)
    return clerk, loan_no


def test_fund_repayment_and_write_off_over_the_api(make_client: Any, seeded: Container) -> None:
    clerk, loan_no = active_loan(make_client, seeded, offset_agreement=True)
    nothing = clerk.post(f"/api/v1/loans/{loan_no}/fund-repayment")
    assert nothing.status_code == 422 and nothing.json()["code"] == "loan_nothing_due"
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE business_calendar SET business_date = '2026-12-23'"))
    paid = clerk.post(f"/api/v1/loans/{loan_no}/fund-repayment")
    assert paid.status_code == 201, paid.text
    assert paid.json()["principal"] == "1250.00"  # equal principal: 300,000 / 240
    refused = clerk.post(f"/api/v1/loans/{loan_no}/write-off", {"reason": "借款人死亡且无遗产"})
    assert refused.json()["code"] == "loan_write_off_not_allowed"
    run_job(seeded.uow, loan_jobs.OVERDUE, date(2028, 3, 1), actor=Actor.system("test"))
    case = clerk.post(f"/api/v1/loans/{loan_no}/write-off", {"reason": "借款人死亡且无遗产"})
    assert case.status_code == 201, case.text
    make_client("reviewer1").post(f"/api/v1/loans/{loan_no}/write-off/actions", {"action": "review"})
    approver = make_client("approver1")
    approver.post(f"/api/v1/loans/{loan_no}/write-off/actions", {"action": "approve"})
    done = make_client("reviewer1").post(f"/api/v1/loans/{loan_no}/write-off/execution")
    assert done.status_code == 201, done.text
    assert done.json()["principal"] == "298750.00"
    assert clerk.get(f"/api/v1/loans/{loan_no}").json()["state"] == "written_off"
