"""The counter pages through HTTP (no browser): login, the shell, permissions, forms with CSRF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anju.adapters.clock import FixedClock
from anju.domain.security import totp_now
from anju.http.context import SESSION_COOKIE
from tests.e2e.conftest import BASE_URL, STAFF

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


class Browser:
    """Form posts and redirects as a browser makes them."""

    def __init__(self, app: FastAPI, clock: FixedClock) -> None:
        self.http = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False, follow_redirects=False)
        self.clock = clock

    def login(self, username: str, *, password: str | None = None, totp: str | None = None) -> Any:
        staff = STAFF[username]
        self.clock.advance(seconds=30)
        return self.http.post(
            "/login",
            data={
                "username": username,
                "password": staff.password if password is None else password,
                "totp": totp_now(staff.secret, self.clock.now_utc()) if totp is None else totp,
                "next": "/",
            },
        )

    def page(self, path: str) -> Any:
        return self.http.get(path)

    def csrf(self, path: str = "/") -> str:
        """The token every form of the page carries (all of them, none empty)."""
        tokens = set(CSRF_FIELD.findall(self.page(path).text))
        assert len(tokens) == 1, f"forms on {path} carry {tokens or 'no'} CSRF tokens"
        token = tokens.pop()
        assert token
        return token

    def submit(self, path: str, data: dict[str, Any], *, csrf_from: str = "/") -> Any:
        return self.http.post(path, data={"csrf_token": self.csrf(csrf_from), **data})


@pytest.fixture
def browser(app: FastAPI, clock: FixedClock) -> Browser:
    return Browser(app, clock)


def logged_in(browser: Browser, username: str) -> Browser:
    reply = browser.login(username)
    assert reply.status_code == 303, reply.text
    return browser


def test_the_login_page_is_chinese_and_asks_for_the_totp(browser: Browser) -> None:
    page = browser.page("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    for label in ("用户名", "密码", "动态口令"):
        assert label in page.text
    assert browser.page("/").headers["location"] == "/login"
    assert browser.page("/ledger/chart").headers["location"] == "/login?next=/ledger/chart"


@pytest.mark.parametrize(
    ("password", "totp", "message"),
    [
        ("Wrong#Pass2026", None, "用户名、密码或动态口令不正确"),
        (None, "000000", "用户名、密码或动态口令不正确"),
    ],
)
def test_wrong_credentials_show_a_chinese_error(
    browser: Browser, password: str | None, totp: str | None, message: str
) -> None:
    reply = browser.login("finance1", password=password, totp=totp)
    assert reply.status_code == 401
    assert message in reply.text
    assert 'value="finance1"' in reply.text  # the username is kept, the password never is
    assert SESSION_COOKIE not in reply.headers.get("set-cookie", "")


def test_locked_and_reused_codes_have_their_own_messages(
    browser: Browser, app: FastAPI, clock: FixedClock
) -> None:
    code = totp_now(STAFF["finance1"].secret, clock.now_utc())
    first = browser.http.post(
        "/login", data={"username": "finance1", "password": STAFF["finance1"].password, "totp": code}
    )
    assert first.status_code == 303
    other = Browser(app, clock)
    reused = other.http.post(
        "/login", data={"username": "finance1", "password": STAFF["finance1"].password, "totp": code}
    )
    assert "动态口令已使用过，请等待下一个口令" in reused.text
    for _ in range(5):
        other.login("auditor1", password="Wrong#Pass2026")
    locked = other.login("auditor1")
    assert "连续登录失败次数过多，账户已锁定" in locked.text


def test_login_rotates_the_session_cookie(browser: Browser) -> None:
    browser.http.cookies.set(SESSION_COOKIE, "planted-before-login", domain="testserver.local")
    reply = browser.login("finance1")
    assert reply.status_code == 303
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "planted-before-login" not in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    first = browser.http.cookies.get(SESSION_COOKIE)
    assert browser.login("finance1").status_code == 303
    assert browser.http.cookies.get(SESSION_COOKIE) != first


def test_the_shell_shows_who_and_the_business_date(browser: Browser) -> None:
    logged_in(browser, "clerk01")
    home = browser.page("/")
    assert home.status_code == 200
    assert "王柜员" in home.text
    assert "柜员" in home.text
    assert "城东管理部" in home.text  # the clerk's branch
    assert "2026-11-23" in home.text
    assert home.headers["Cache-Control"] == "no-store"


def test_the_navigation_hides_what_the_actor_cannot_use(
    browser: Browser, app: FastAPI, clock: FixedClock
) -> None:
    logged_in(browser, "clerk01")
    clerk_home = browser.page("/").text
    assert 'href="/ledger/chart"' in clerk_home
    assert 'href="/accounting/vouchers/new"' not in clerk_home
    assert 'href="/audit"' not in clerk_home
    assert 'href="/operators"' not in clerk_home
    audit = logged_in(Browser(app, clock), "auditadmin").page("/").text
    assert 'href="/audit"' in audit
    assert 'href="/ledger/chart"' not in audit


def test_a_forbidden_page_is_a_chinese_403(browser: Browser) -> None:
    logged_in(browser, "clerk01")
    reply = browser.page("/audit")
    assert reply.status_code == 403
    assert "403 · 无权访问" in reply.text
    assert "您没有“audit.view”权限" in reply.text
    assert "王柜员" in reply.text  # still inside the shell
    assert browser.page("/accounting/vouchers/new").status_code == 403


def test_every_page_renders_for_its_role(browser: Browser, app: FastAPI, clock: FixedClock) -> None:
    pages = {
        "clerk01": [
            "/",
            "/org/branches",
            "/org/banks",
            "/org/bank-accounts",
            "/policy",
            "/ledger/chart",
            "/ledger/vouchers",
            "/ledger/trial-balance",
            "/audit/mine",
            "/account/password",
            "/logout",
        ],
        "finance1": ["/accounting/vouchers/new", "/accounting/vouchers/new/line"],
        "auditadmin": ["/audit", "/audit/verify", "/operators"],
        "secadmin": ["/operators"],
    }
    for username, paths in pages.items():
        client = logged_in(Browser(app, clock), username)
        for path in paths:
            reply = client.page(path)
            assert reply.status_code == 200, (username, path, reply.text[:300])
            assert "Traceback" not in reply.text
            assert 'name="csrf_token" value=""' not in reply.text, (username, path)


def test_the_one_step_voucher_form_is_gone(browser: Browser) -> None:
    """Manual vouchers are made at /accounting/vouchers/new and post only after review
    (test_web_accounting.py); the ledger pages only read."""
    logged_in(browser, "finance1")
    assert browser.page("/ledger/vouchers/new").status_code in {404, 422}
    assert 'href="/accounting/vouchers/new"' in browser.page("/ledger/vouchers").text


def test_forms_need_the_csrf_token(browser: Browser) -> None:
    logged_in(browser, "sysadmin")
    without = browser.http.post("/org/branches", data={"code": "07", "name": "无令牌管理部"})
    assert without.status_code == 403
    assert "页面已过期或请求来源不可信" in without.text
    assert "无令牌管理部" not in browser.page("/org/branches").text
    made = browser.submit("/org/branches", {"code": "07", "name": "有令牌管理部"}, csrf_from="/org/branches")
    assert made.status_code == 303
    assert "有令牌管理部" in browser.page("/org/branches").text


def test_logout_ends_the_session(browser: Browser) -> None:
    logged_in(browser, "finance1")
    token = browser.http.cookies.get(SESSION_COOKIE)
    out = browser.submit("/logout", {})
    assert out.status_code == 303
    assert out.headers["location"] == "/login?notice=logged_out"
    assert "您已安全退出" in browser.page("/login?notice=logged_out").text
    browser.http.cookies.clear()
    browser.http.cookies.set(SESSION_COOKIE, token, domain="testserver.local")
    assert browser.page("/").status_code == 303  # back to the login page: the token is dead


def test_security_admin_sees_the_new_operators_secrets_once(browser: Browser) -> None:
    logged_in(browser, "secadmin")
    reply = browser.submit(
        "/operators",
        {"username": "clerk09", "display_name": "陈柜员", "roles": ["counter_clerk"], "branch_code": "02"},
        csrf_from="/operators",
    )
    assert reply.status_code == 201, reply.text
    assert "只显示这一次" in reply.text
    password = re.search(r'data-testid="initial-password">([^<]+)<', reply.text)
    assert password
    listing = browser.page("/operators").text
    assert "clerk09" in listing
    assert password.group(1) not in listing
    clash = browser.submit(
        "/operators",
        {"username": "clerk09", "display_name": "重复", "roles": ["counter_clerk"]},
        csrf_from="/operators",
    )
    assert clash.status_code == 409
    assert "用户名 clerk09 已存在" in clash.text


def test_htmx_requests_get_fragments(browser: Browser) -> None:
    logged_in(browser, "clerk01")
    denied = browser.http.get("/audit", headers={"HX-Request": "true"})
    assert denied.status_code == 403
    assert denied.text.startswith('<div class="alert alert-error"')  # a fragment, not a page
    assert "<html" not in denied.text
    browser.http.cookies.clear()
    expired = browser.http.get("/ledger/chart", headers={"HX-Request": "true"})
    assert expired.headers["HX-Redirect"] == "/login?next=/ledger/chart"


def test_audit_filters_return_just_the_results_to_htmx(browser: Browser) -> None:
    logged_in(browser, "auditadmin")
    reply = browser.http.get(
        "/audit",
        params={"action": "auth.login"},
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )
    assert reply.status_code == 200
    assert reply.text.startswith('<div id="audit-results">')
    assert "auth.login" in reply.text


def test_a_clerk_sees_their_own_operations_but_not_the_whole_log(browser: Browser) -> None:
    logged_in(browser, "clerk01")
    browser.page("/audit")  # refused: the whole log belongs to the audit administrator
    mine = browser.page("/audit/mine")
    assert mine.status_code == 200
    assert "我的操作记录" in mine.text
    assert "auth.login" in mine.text  # the clerk's own login is there
    assert "security.access_denied" in mine.text  # and so is the refused attempt
    assert "auditadmin" not in mine.text
