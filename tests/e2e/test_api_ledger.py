"""The books over the API: chart, vouchers (read-only), trial balance, ledger check; manual
vouchers and corrections reach the books only through review."""

from __future__ import annotations

from typing import Any

from tests.e2e.vouchers import INTEREST_VOUCHER as VOUCHER
from tests.e2e.vouchers import correct, made_and_reviewed, post_reviewed


def test_chart_lists_the_accounts(make_client: Any) -> None:
    clerk = make_client("clerk01")
    chart = {a["code"]: a for a in clerk.get("/api/v1/ledger/chart").json()}
    assert chart["201"]["name_zh"] == "住房公积金"
    assert chart["201"]["subledger_kind"] == "member_deposit"
    assert chart["101"]["postable"] is False
    assert chart["10101"]["postable"] is True
    assert chart["10101"]["parent_code"] == "101"


def test_the_one_step_voucher_routes_are_gone(make_client: Any) -> None:
    """Manual vouchers and corrections post only after review (/api/v1/accounting, ADR 0011)."""
    finance = make_client("finance1")
    assert finance.post("/api/v1/ledger/vouchers", VOUCHER).status_code == 405
    assert finance.post("/api/v1/ledger/vouchers/1/reversal", {"reason": "x"}).status_code == 404
    assert finance.get("/api/v1/ledger/vouchers").json() == []


def test_read_and_correct_a_reviewed_manual_voucher(make_client: Any) -> None:
    finance, checker = make_client("finance1"), make_client("finance2")
    number = post_reviewed(finance, checker, VOUCHER)
    voucher = finance.get(f"/api/v1/ledger/vouchers/{number}").json()
    assert voucher["total"] == "1234.56"
    assert voucher["business_date"] == "2026-11-23"
    assert voucher["created_by"] == "finance1"
    assert [(p["gl_code"], p["side"], p["amount"]) for p in voucher["postings"]] == [
        ("10101", "debit", "1234.56"),
        ("40101", "credit", "1234.56"),
    ]
    assert voucher["postings"][0]["gl_name_zh"]
    listed = finance.get("/api/v1/ledger/vouchers").json()
    assert [v["voucher_no"] for v in listed] == [number]
    assert listed[0]["postings"] == []

    no_reason = finance.post("/api/v1/accounting/corrections", {"voucher_no": number, "reason": ""})
    assert no_reason.status_code == 422
    reversal = correct(finance, checker, number, "科目录错")
    assert finance.get(f"/api/v1/ledger/vouchers/{reversal}").json()["reverses"] == number
    assert finance.get(f"/api/v1/ledger/vouchers/{number}").json()["reversed_by"] == reversal
    twice = finance.post("/api/v1/accounting/corrections", {"voucher_no": number, "reason": "再冲一次"})
    assert twice.status_code == 422
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
        reply = finance.post("/api/v1/accounting/vouchers", body)
        assert reply.status_code == 422, code
        assert reply.json()["code"] == expected
        assert code in reply.json()["message"]
    one_line = finance.post("/api/v1/accounting/vouchers", {"memo": "一行", "lines": VOUCHER["lines"][:1]})
    assert one_line.status_code == 422
    assert finance.get("/api/v1/accounting/vouchers").json() == []
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
    number = made_and_reviewed(finance, make_client("finance2"), overdraw)
    reply = finance.post(f"/api/v1/accounting/vouchers/{number}/post")
    assert reply.status_code == 422
    assert reply.json()["code"] == "insufficient_balance"
