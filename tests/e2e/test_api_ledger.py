"""The books over the API: chart, manual voucher, reversal, trial balance, ledger check."""

from __future__ import annotations

from typing import Any

VOUCHER = {
    "memo": "收到银行利息",
    "lines": [
        {"gl_code": "10101", "side": "debit", "amount": "1234.56"},
        {"gl_code": "40101", "side": "credit", "amount": "1234.56"},
    ],
}


def test_chart_lists_the_accounts(make_client: Any) -> None:
    clerk = make_client("clerk01")
    chart = {a["code"]: a for a in clerk.get("/api/v1/ledger/chart").json()}
    assert chart["201"]["name_zh"] == "住房公积金"
    assert chart["201"]["subledger_kind"] == "member_deposit"
    assert chart["101"]["postable"] is False
    assert chart["10101"]["postable"] is True
    assert chart["10101"]["parent_code"] == "101"


def test_post_read_and_reverse_a_manual_voucher(make_client: Any) -> None:
    finance = make_client("finance1")
    posted = finance.post("/api/v1/ledger/vouchers", VOUCHER)
    assert posted.status_code == 201
    voucher = posted.json()
    number = voucher["voucher_no"]
    assert voucher["total"] == "1234.56"
    assert voucher["business_date"] == "2026-11-23"
    assert voucher["created_by"] == "finance1"
    assert [(p["gl_code"], p["side"], p["amount"]) for p in voucher["postings"]] == [
        ("10101", "debit", "1234.56"),
        ("40101", "credit", "1234.56"),
    ]
    listed = finance.get("/api/v1/ledger/vouchers").json()
    assert [v["voucher_no"] for v in listed] == [number]
    assert listed[0]["postings"] == []
    assert finance.get(f"/api/v1/ledger/vouchers/{number}").json()["postings"][0]["gl_name_zh"]

    no_reason = finance.post(f"/api/v1/ledger/vouchers/{number}/reversal", {"reason": ""})
    assert no_reason.status_code == 422
    reversal = finance.post(f"/api/v1/ledger/vouchers/{number}/reversal", {"reason": "科目录错"})
    assert reversal.status_code == 201
    assert reversal.json()["reverses"] == number
    assert (
        finance.get(f"/api/v1/ledger/vouchers/{number}").json()["reversed_by"]
        == reversal.json()["voucher_no"]
    )
    twice = finance.post(f"/api/v1/ledger/vouchers/{number}/reversal", {"reason": "再冲一次"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "voucher_already_reversed"

    tb = finance.get("/api/v1/ledger/trial-balance").json()
    assert tb["balanced"] is True
    rows = {r["code"]: r for r in tb["rows"]}
    assert rows["10101"]["balance"] == "0.00"
    assert rows["10101"]["debit_total"] == "1234.56"
    assert rows["10101"]["credit_total"] == "1234.56"
    check = make_client("auditor1").get("/api/v1/ledger/check").json()
    assert check["ok"] is True
    assert check["voucher_count"] == 2


def test_posting_rules_are_enforced_with_chinese_messages(make_client: Any) -> None:
    finance = make_client("finance1")
    cases = {
        "101": "gl_account_not_postable",  # a parent code
        "201": "gl_account_requires_subledger",  # members' deposits need an account number
        "999": "unknown_gl_account",
    }
    for code, expected in cases.items():
        body = {"memo": "规则", "lines": [{**VOUCHER["lines"][0], "gl_code": code}, VOUCHER["lines"][1]]}
        reply = finance.post("/api/v1/ledger/vouchers", body)
        assert reply.status_code == 422, code
        assert reply.json()["code"] == expected
        assert code in reply.json()["message"]
    one_line = finance.post("/api/v1/ledger/vouchers", {"memo": "一行", "lines": VOUCHER["lines"][:1]})
    assert one_line.status_code == 422
    assert finance.get("/api/v1/ledger/vouchers").json() == []


def test_a_bank_account_cannot_go_below_zero(make_client: Any) -> None:
    finance = make_client("finance1")
    overdraw = {
        "memo": "付款",
        "lines": [
            {"gl_code": "41199", "side": "debit", "amount": "10.00"},
            {"gl_code": "10101", "side": "credit", "amount": "10.00"},
        ],
    }
    reply = finance.post("/api/v1/ledger/vouchers", overdraw)
    assert reply.status_code == 422
    assert reply.json()["code"] == "insufficient_balance"
