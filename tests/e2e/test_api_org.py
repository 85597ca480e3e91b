"""Organisation over the API: the system administrator manages, everyone with org.view reads."""

from __future__ import annotations

from typing import Any


def test_read_the_demo_organisation(make_client: Any) -> None:
    clerk = make_client("clerk01")
    assert clerk.get("/api/v1/org/centre").json()["name"] == "安居市住房公积金管理中心"
    branches = clerk.get("/api/v1/org/branches").json()
    assert [b["code"] for b in branches][:1] == ["01"]
    assert all("id" not in b for b in branches)  # internal keys never leave the server
    banks = {b["code"]: b["name"] for b in clerk.get("/api/v1/org/banks").json()}
    assert banks["105"] == "中国建设银行安居分行"
    accounts = clerk.get("/api/v1/org/bank-accounts").json()
    assert len(accounts) == 9
    assert {a["purpose_label"] for a in accounts} == {"归集户", "贷款户", "增值收益户"}


def test_system_admin_adds_branch_bank_and_account(make_client: Any) -> None:
    admin = make_client("sysadmin")
    branch = admin.post("/api/v1/org/branches", {"code": "05", "name": "高新区管理部"})
    assert branch.status_code == 201
    assert branch.json()["name"] == "高新区管理部"
    again = admin.post("/api/v1/org/branches", {"code": "05", "name": "重复"})
    assert again.status_code == 409
    assert again.json()["message"] == "管理部编码 05 已存在"
    bank = admin.post(
        "/api/v1/org/banks", {"code": "301", "name": "交通银行安居分行", "node_no": "301491000001"}
    )
    assert bank.status_code == 201
    account = admin.post(
        "/api/v1/org/bank-accounts",
        {
            "bank_code": "301",
            "account_no": "3014101202601000001",
            "account_name": "安居市住房公积金管理中心（归集户）",
            "purpose": "collection",
            "branch_code": "05",
        },
    )
    assert account.status_code == 201, account.text
    assert account.json()["gl_code"].startswith("101")
    assert account.json()["opened_on"] == "2026-11-23"
    bad = admin.post("/api/v1/org/bank-accounts", {**account.json(), "purpose": "savings"})
    assert bad.status_code == 422


def test_only_the_system_admin_manages(make_client: Any) -> None:
    for username in ("clerk01", "finance1", "secadmin"):
        reply = make_client(username).post("/api/v1/org/branches", {"code": "09", "name": "某管理部"})
        assert reply.status_code == 403, username
