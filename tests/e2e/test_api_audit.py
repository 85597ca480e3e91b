"""The audit log over the API: every change is recorded, reading is recorded, the chain verifies."""

from __future__ import annotations

from typing import Any


def test_changes_and_reads_are_audited(make_client: Any) -> None:
    finance = make_client("finance1")
    voucher = finance.post(
        "/api/v1/accounting/vouchers",
        {
            "memo": "审计",
            "lines": [
                {"gl_code": "10101", "side": "debit", "amount": "1.00"},
                {"gl_code": "21999", "side": "credit", "amount": "1.00"},
            ],
        },
    ).json()
    auditadmin = make_client("auditadmin")
    log = auditadmin.get("/api/v1/audit", params={"limit": 100}).json()
    actions = [(e["actor"], e["action"], e["object_id"]) for e in log]
    assert ("finance1", "accounting.make_voucher", voucher["number"]) in actions
    assert ("finance1", "auth.login", "finance1") in actions
    posted = next(e for e in log if e["action"] == "accounting.make_voucher")
    assert posted["ip"] == "testclient"
    assert posted["result"] == "success"
    assert "actor_id" not in posted
    # reading the log is itself recorded
    again = auditadmin.get("/api/v1/audit", params={"action": "audit.view"}).json()
    assert again and again[0]["actor"] == "auditadmin"
    only_finance = auditadmin.get("/api/v1/audit", params={"actor": "finance1"}).json()
    assert {e["actor"] for e in only_finance} == {"finance1"}
    verdict = auditadmin.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is True
    assert verdict["checked"] >= len(log)


def test_failed_logins_are_audited(make_client: Any) -> None:
    make_client().login("finance1", password="Wrong#Pass2026")
    log = make_client("auditadmin").get("/api/v1/audit", params={"action": "auth.login"}).json()
    failures = [e for e in log if e["result"] == "failure"]
    assert failures and failures[0]["object_id"] == "finance1"
    assert "Wrong#Pass2026" not in str(log)


def test_paging_bounds(make_client: Any) -> None:
    auditadmin = make_client("auditadmin")
    assert auditadmin.get("/api/v1/audit", params={"limit": 0}).status_code == 422
    assert auditadmin.get("/api/v1/audit", params={"limit": 501}).status_code == 422
    assert auditadmin.get("/api/v1/audit", params={"offset": -1}).status_code == 422
    assert auditadmin.get("/api/v1/audit", params={"limit": 1}).status_code == 200


def test_refused_requests_are_audited(make_client: Any) -> None:
    clerk = make_client("clerk01")
    assert clerk.get("/api/v1/audit").status_code == 403
    assert clerk.post("/api/v1/org/banks", {"code": "301", "name": "交通银行"}).status_code == 403
    assert clerk.post("/api/v1/auth/logout", key=None, csrf="forged").status_code == 403
    log = make_client("auditadmin").get("/api/v1/audit", params={"action": "security.access_denied"}).json()
    refused = {(e["actor"], e["object_id"], e["reason"], e["result"]) for e in log}
    assert refused == {
        ("clerk01", "GET /api/v1/audit", "permission_denied", "denied"),
        ("clerk01", "POST /api/v1/org/banks", "permission_denied", "denied"),
        ("clerk01", "POST /api/v1/auth/logout", "csrf_failed", "denied"),
    }
    assert {e["details"]["permission"] for e in log} == {"audit.view", "org.manage", "authenticated"}
