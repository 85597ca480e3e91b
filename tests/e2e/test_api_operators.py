"""Operators over the API: the security administrator creates, the audit administrator reads."""

from __future__ import annotations

from typing import Any

from anju.domain.security import totp_now


def test_create_an_operator_who_then_logs_in(make_client: Any, clock: Any) -> None:
    secadmin = make_client("secadmin")
    created = secadmin.post(
        "/api/v1/operators",
        {"username": "clerk02", "display_name": "李柜员", "roles": ["counter_clerk"], "branch_code": "03"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    listed = {o["username"]: o for o in make_client("auditadmin").get("/api/v1/operators").json()}
    assert listed["clerk02"]["branch_code"] == "03"
    assert listed["clerk02"]["role_labels"] == ["柜员"]
    assert listed["clerk02"]["password_changed_at"] is None
    assert all("id" not in o and "branch_id" not in o for o in listed.values())

    newcomer = make_client()
    clock.advance(seconds=30)
    login = newcomer.http.post(
        "/api/v1/auth/login",
        json={
            "username": "clerk02",
            "password": body["initial_password"],
            "totp": totp_now(body["totp_secret"], clock.now_utc()),
        },
    )
    assert login.status_code == 200
    assert login.json()["must_change_password"] is True
    newcomer.csrf = login.json()["csrf_token"]
    blocked = newcomer.get("/api/v1/ledger/chart")
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "password_change_required"
    changed = newcomer.post(
        "/api/v1/auth/password",
        {"old_password": body["initial_password"], "new_password": "New#Clerk2026"},
        key=None,
    )
    assert changed.status_code == 200, changed.text
    assert newcomer.get("/api/v1/ledger/chart").status_code == 200


def test_separation_of_duties_and_roles(make_client: Any) -> None:
    secadmin = make_client("secadmin")
    both = secadmin.post(
        "/api/v1/operators",
        {
            "username": "superuser",
            "display_name": "超级",
            "roles": ["system_admin", "audit_admin"],
            "all_branches": True,
        },
    )
    assert both.status_code == 422
    assert both.json()["code"] == "separation_of_duties"
    unknown_branch = secadmin.post(
        "/api/v1/operators",
        {"username": "clerk09", "display_name": "某", "roles": ["counter_clerk"], "branch_code": "99"},
    )
    assert unknown_branch.status_code == 404
    assert (
        make_client("auditadmin")
        .post("/api/v1/operators", {"username": "clerk10", "display_name": "某", "roles": ["counter_clerk"]})
        .status_code
        == 403
    )
