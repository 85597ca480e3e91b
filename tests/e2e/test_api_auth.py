"""Login with password + TOTP, sessions, CSRF and rate limiting over HTTP (reliability.md A5, A6)."""

from __future__ import annotations

from typing import Any

from anju.http.context import SESSION_COOKIE
from tests.e2e.conftest import STAFF


def test_login_with_totp_opens_a_session(make_client: Any) -> None:
    client = make_client()
    response = client.login("finance1")
    assert response.status_code == 200
    body = response.json()
    assert body["operator"]["username"] == "finance1"
    assert body["operator"]["role_labels"] == ["财务人员"]
    assert body["must_change_password"] is False
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "secure" in lowered
    assert "path=/" in lowered
    # the session works: who am I, and the business date
    me = client.get("/api/v1/auth/session")
    assert me.status_code == 200
    assert me.json()["csrf_token"] == body["csrf_token"]
    assert client.get("/api/v1/calendar/business-date").json() == {"business_date": "2026-11-23"}


def test_wrong_password_unknown_user_and_wrong_totp_look_the_same(make_client: Any) -> None:
    client = make_client()
    replies = [
        client.login("finance1", password="Wrong#Pass2026"),
        client.login("finance1", totp="000000"),
    ]
    unknown = client.http.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "Xx#12345678", "totp": "123456"}
    )
    replies.append(unknown)
    for reply in replies:
        assert reply.status_code == 401
        assert reply.json() == {
            "code": "login_failed",
            "message": "用户名、密码或动态口令不正确",
            "details": {},
        }
        assert "set-cookie" not in reply.headers


def test_a_totp_code_is_good_once(make_client: Any, clock: Any) -> None:
    from anju.domain.security import totp_now

    first, second = make_client(), make_client()
    code = totp_now(STAFF["finance1"].secret, clock.now_utc())
    assert (
        first.http.post(
            "/api/v1/auth/login",
            json={"username": "finance1", "password": STAFF["finance1"].password, "totp": code},
        ).status_code
        == 200
    )
    replay = second.http.post(
        "/api/v1/auth/login",
        json={"username": "finance1", "password": STAFF["finance1"].password, "totp": code},
    )
    assert replay.status_code == 401
    assert replay.json()["code"] == "totp_reused"
    assert "动态口令已使用过" in replay.json()["message"]


def test_five_failures_lock_the_account(make_client: Any) -> None:
    client = make_client()
    for _ in range(5):
        assert client.login("auditor1", password="Wrong#Pass2026").status_code == 401
    locked = client.login("auditor1")  # even the right password and code
    assert locked.status_code == 401
    assert locked.json()["code"] == "account_locked"
    assert "锁定" in locked.json()["message"]


def test_login_is_rate_limited_per_address(make_client: Any) -> None:
    client = make_client()
    statuses = [
        client.http.post(
            "/api/v1/auth/login", json={"username": f"nobody{i}", "password": "Xx#12345678", "totp": "123456"}
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    limited = client.login("finance1")  # a right password from the same address must wait too
    assert limited.status_code == 429
    assert limited.json()["code"] == "login_rate_limited"
    assert "秒后再试" in limited.json()["message"]


def test_no_session_is_401(make_client: Any) -> None:
    client = make_client()
    reply = client.get("/api/v1/ledger/chart")
    assert reply.status_code == 401
    assert reply.json() == {"code": "not_authenticated", "message": "请先登录", "details": {}}
    client.http.cookies.set(SESSION_COOKIE, "forged-token")
    assert client.get("/api/v1/ledger/chart").status_code == 401


def test_wrong_role_is_403(make_client: Any) -> None:
    clerk = make_client("clerk01")
    reply = clerk.get("/api/v1/audit")
    assert reply.status_code == 403
    assert reply.json()["code"] == "permission_denied"
    assert reply.json()["message"] == "您没有“audit.view”权限"
    voucher = clerk.post(
        "/api/v1/accounting/vouchers",
        {"memo": "x", "lines": [{"gl_code": "10101", "side": "debit", "amount": "1.00"}] * 2},
    )
    assert voucher.status_code == 403


def test_state_change_without_the_csrf_token_is_refused(make_client: Any) -> None:
    finance = make_client("finance1")
    body = {
        "memo": "无令牌",
        "lines": [
            {"gl_code": "10101", "side": "debit", "amount": "1.00"},
            {"gl_code": "21999", "side": "credit", "amount": "1.00"},
        ],
    }
    for csrf in (None, "wrong-token", ""):
        reply = finance.post("/api/v1/accounting/vouchers", body, csrf=csrf)
        assert reply.status_code == 403
        assert reply.json()["code"] == "csrf_failed"
    cross_site = finance.post("/api/v1/accounting/vouchers", body, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert cross_site.json()["code"] == "csrf_failed"
    assert finance.get("/api/v1/accounting/vouchers").json() == []  # nothing was made
    assert finance.post("/api/v1/accounting/vouchers", body).status_code == 201  # with the token it works


def test_logout_ends_the_session_on_the_server(make_client: Any) -> None:
    finance = make_client("finance1")
    token = finance.http.cookies.get(SESSION_COOKIE)
    assert finance.post("/api/v1/auth/logout", key=None).status_code == 200
    assert finance.get("/api/v1/ledger/chart").status_code == 401
    # the old token, replayed by someone who kept it, is dead too
    replay = make_client()
    replay.http.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/api/v1/ledger/chart").status_code == 401


def test_a_new_login_rotates_the_session(make_client: Any) -> None:
    client = make_client("finance1")
    old = client.http.cookies.get(SESSION_COOKIE)
    assert client.login("finance1").status_code == 200
    new = client.http.cookies.get(SESSION_COOKIE)
    assert new != old
    stale = make_client()
    stale.http.cookies.set(SESSION_COOKIE, old)
    assert stale.get("/api/v1/auth/session").status_code == 401
    assert client.get("/api/v1/auth/session").status_code == 200


def test_an_idle_session_expires(make_client: Any, clock: Any) -> None:
    finance = make_client("finance1")
    clock.advance(minutes=14)
    assert finance.get("/api/v1/auth/session").status_code == 200  # activity keeps it alive ...
    clock.advance(minutes=15, seconds=1)
    expired = finance.get("/api/v1/auth/session")  # ... 15 idle minutes end it
    assert expired.status_code == 401
    assert expired.json() == {"code": "session_expired", "message": "登录已超时，请重新登录", "details": {}}
