"""Withdrawals over the JSON API: reasons, pre-check, a refusal naming its rules, acceptance with an
Idempotency-Key (replayed, and a conflict for another body), maker-checker, bank payment and the
PDF receipt."""

from __future__ import annotations

from typing import Any

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.money import Money
from anju.services import bank
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from tests.e2e.test_api_collection import register
from tests.e2e.test_api_remittance import member

FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)
CARD = "6222020200001234567"


def funded_member(clerk: Any, container: Container, amount: str = "50000.00", n: int = 711) -> str:
    """A member with money; n = 1 is the data-sharing simulator's home buyer (born 1985-01-01)."""
    unit_no = register(clerk, 71)["unit_account_no"]
    opened = member(clerk, unit_no, n, "8000.00")
    account_no = str(opened["account"]["account_no"])

    def body(uow: UnitOfWork) -> None:
        account = uow.members.account(account_no)
        assert account is not None
        collection = next(
            a
            for a in uow.org.list_centre_bank_accounts()
            if a.purpose == "collection" and a.bank_code == "102"
        )
        assert collection.ledger_account_no is not None
        day = current_business_date(uow)
        uow.ledger.post(
            posting_rules.remittance_credit(
                source="test",
                source_ref=account_no,
                bank=AccountRef.ledger(collection.ledger_account_no),
                credits=[(account.ledger_account_no, Money.of(amount))],
                business_date=day,
                value_date=day,
                memo="单位汇缴",
            ),
            created_by="test",
            branch_id=None,
        )

    run(container.uow, body)
    return account_no


def purchase(clerk: Any, account_no: str, amount: str = "20000.00") -> dict[str, Any]:
    reasons = clerk.get("/api/v1/withdrawals/reasons").json()
    materials = next(r for r in reasons if r["code"] == "01")["materials"]
    return {
        "account_no": account_no,
        "reason_code": "01",
        "amount": amount,
        "payee_card": CARD,
        "payee_bank_code": "102",
        "materials": materials,
        "event_date": "2026-10-01",
        "cost": "300000.00",
        "property_ref": "豫(2026)安居市不动产权第0002号",
    }


def test_reasons_list_every_code_with_materials_and_source(make_client: Any) -> None:
    clerk = make_client("clerk01")
    reply = clerk.get("/api/v1/withdrawals/reasons")
    assert reply.status_code == 200
    reasons = {r["code"]: r for r in reply.json()}
    assert {"01", "03", "06", "07", "08", "09", "L1", "L3"} <= set(reasons)
    assert reasons["03"]["closes_account"] is True
    assert reasons["07"]["limit_label"].startswith("不超过实际房租")
    assert all(r["source"] for r in reasons.values())


def test_a_withdrawal_through_the_api(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = funded_member(clerk, seeded)
    body = purchase(clerk, account_no)

    # Pre-check with a missing document: every rule is listed, the failed one in Chinese.
    check = clerk.post("/api/v1/withdrawals/check", {**body, "materials": ["申请人身份证件"]})
    assert check.status_code == 200, check.text
    decision = check.json()
    assert decision["approved"] is False
    failed = [o for o in decision["outcomes"] if not o["passed"]]
    assert [o["code"] for o in failed] == ["materials_complete"]
    assert "缺少申请材料" in decision["summary_zh"] and failed[0]["source"]

    refused = clerk.post("/api/v1/withdrawals", {**body, "amount": "400000.00"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "withdrawal_refused"
    assert "超过该事项限额" in refused.json()["message"]

    key = "withdrawal-api-0000000001"
    first = clerk.post("/api/v1/withdrawals", body, key=key)
    assert first.status_code == 201, first.text
    accepted = first.json()
    assert (accepted["state"], accepted["amount"], accepted["payee_card_masked"][-4:]) == (
        "accepted",
        "20000.00",
        "4567",
    )
    replay = clerk.post("/api/v1/withdrawals", body, key=key)
    assert replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == accepted
    changed = clerk.post("/api/v1/withdrawals", {**body, "amount": "100.00"}, key=key)
    assert changed.status_code == 409
    listed = clerk.get(f"/api/v1/withdrawals?account_no={account_no}").json()
    assert listed["total"] == 1

    no = accepted["withdrawal_no"]
    # The clerk may not review; the reviewer reviews, the approver approves and the bank is asked to pay.
    assert clerk.post(f"/api/v1/withdrawals/{no}/actions", {"action": "review"}).status_code == 403
    reviewer, approver = make_client("reviewer1"), make_client("approver1")
    assert (
        reviewer.post(f"/api/v1/withdrawals/{no}/actions", {"action": "review"}).json()["state"] == "reviewed"
    )
    paying = approver.post(f"/api/v1/withdrawals/{no}/actions", {"action": "approve"})
    assert paying.status_code == 200, paying.text
    assert paying.json()["state"] == "paying"

    def settle(uow: UnitOfWork) -> None:
        record = uow.bank.instruction(paying.json()["e2e_id"])
        assert record is not None
        bank.settle_success(uow, FINANCE, record, host_serial="H0001", code="0", message="成功")

    run(seeded.uow, settle)
    done = clerk.get(f"/api/v1/withdrawals/{no}").json()
    assert done["state"] == "paid" and done["paid_on"] == "2026-11-23"

    pdf = clerk.get(f"/api/v1/withdrawals/{no}/receipt")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_authorised_data_sharing_approves_a_purchase_at_once(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = funded_member(clerk, seeded, n=1)
    reasons = clerk.get("/api/v1/withdrawals/reasons").json()
    materials = next(r for r in reasons if r["code"] == "01")["materials"]
    body = {
        "account_no": account_no,
        "reason_code": "01",
        "amount": "20000.00",
        "payee_card": CARD,
        "payee_bank_code": "102",
        "materials": materials,
        "use_data_sharing": True,
    }

    # Without an authorisation nothing is looked up: the application waits for people.
    plain = clerk.post(
        "/api/v1/withdrawals",
        {
            **body,
            "cost": "300000.00",
            "event_date": "2026-10-01",
            "property_ref": "豫(2025)安居市不动产权第0009999号",
        },
    )
    assert plain.status_code == 201, plain.text
    assert (plain.json()["state"], plain.json()["auto_approved"]) == ("accepted", False)
    log = clerk.get(f"/api/v1/withdrawals/lookups?account_no={account_no}").json()
    assert [(x["registry"], x["outcome"]) for x in log] == [("property", "refused")]

    consent = clerk.post(
        "/api/v1/withdrawals/consents",
        {
            "account_no": account_no,
            "scopes": ["property"],
            "expires_on": "2027-11-23",
            "document_ref": "SQ-001",
        },
    )
    assert consent.status_code == 201, consent.text
    assert consent.json()["scope_labels"] == ["不动产登记信息"]
    # Refused (more than the registry's price minus loan, and than the balance): the look-up that
    # was made stays in the log all the same.
    too_much = clerk.post("/api/v1/withdrawals", {**body, "amount": "450000.00"})
    assert too_much.status_code == 422
    assert "超过该事项限额 400,000.00 元" in too_much.json()["message"]
    log = clerk.get(f"/api/v1/withdrawals/lookups?account_no={account_no}").json()
    assert [(x["registry"], x["outcome"]) for x in log] == [("property", "refused"), ("property", "found")]
    # The first application still earmarks 20,000; a second on another key is proved and paid at once.
    fast = clerk.post("/api/v1/withdrawals", body)
    assert fast.status_code == 201, fast.text
    reply = fast.json()
    assert (reply["state"], reply["auto_approved"], reply["limit"]) == ("paying", True, "400000.00")
    log = clerk.get(f"/api/v1/withdrawals/lookups?account_no={account_no}").json()
    assert [(x["registry"], x["outcome"]) for x in log][-1] == ("property", "found")


def test_a_rent_agreement_over_the_api(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    account_no = funded_member(clerk, seeded)
    reasons = clerk.get("/api/v1/withdrawals/reasons").json()
    materials = next(r for r in reasons if r["code"] == "L2")["materials"]
    body = {
        "account_no": account_no,
        "reason_code": "L2",
        "amount": "1500.00",
        "monthly_rent": "1500.00",
        "materials": materials,
        "payee_card": CARD,
        "payee_bank_code": "102",
        "period_months": 1,
        "first_due": "2026-11-23",
        "end_date": "2027-10-31",
    }
    created = clerk.post("/api/v1/withdrawals/agreements", body)
    assert created.status_code == 201, created.text
    agreement = created.json()
    assert (agreement["state"], agreement["period_label"], agreement["amount"]) == (
        "pending",
        "按月",
        "1500.00",
    )
    no = agreement["agreement_no"]
    assert clerk.post(f"/api/v1/withdrawals/agreements/{no}/approval").status_code == 403
    approved = make_client("approver1").post(f"/api/v1/withdrawals/agreements/{no}/approval")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "active"
    ended = clerk.post(f"/api/v1/withdrawals/agreements/{no}/end", {"reason": "退租"})
    assert ended.json()["state"] == "ended"
    listed = clerk.get(f"/api/v1/withdrawals/agreements?account_no={account_no}").json()
    assert [a["state"] for a in listed] == ["ended"]
    bad = clerk.post("/api/v1/withdrawals/agreements", {**body, "period_months": 3})
    assert bad.status_code == 422
