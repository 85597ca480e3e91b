"""The counter in a real browser: Debian's Chromium driven by Playwright against uvicorn.

A finance officer logs in with password and TOTP, opens the chart of accounts, keys in a
manual voucher (refused while unbalanced, input kept), posts it, finds it in the voucher list;
the audit administrator then finds it in the audit log. On failure a screenshot is saved to
test-artifacts/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from anju.adapters.clock import FixedClock
from anju.api.app import create_app
from anju.bootstrap import Container, build
from anju.domain.security import totp_now
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, fresh_database_url
from tests.e2e.conftest import STAFF, seed_centre

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Container]]:
    """uvicorn on 127.0.0.1 in a thread, on a seeded SQLite centre with the default settings
    (Secure cookies: Chromium treats http://127.0.0.1 as a secure context and keeps them)."""
    url, _ = fresh_database_url("sqlite", tmp_path)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    container = build(settings, clock=FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)))
    seed_centre(container)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", container
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.engine.dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (run `make browsers`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(page: Any, base: str, container: Container, username: str) -> None:
    clock = container.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds=30)  # a fresh TOTP step for every login
    staff = STAFF[username]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", staff.password)
    page.fill("input[name=totp]", totp_now(staff.secret, clock.now_utc()))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def fill_line(page: Any, row: int, gl_code: str, side: str, amount: str) -> None:
    line = page.locator("tr.voucher-line").nth(row)
    line.locator("select[name=gl_code]").select_option(gl_code)
    line.locator("select[name=side]").select_option(side)
    line.locator("input[name=amount]").fill(amount)


def test_finance_makes_a_voucher_another_reviews_it_and_the_audit_admin_sees_it(
    live_server: tuple[str, Container], browser: Any, request: pytest.FixtureRequest
) -> None:
    base, container = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        log_in(page, base, container, "finance1")
        cookie = next(c for c in context.cookies() if c["name"] == "anju_session")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        header = page.locator("header.topbar")
        assert "赵会计" in header.inner_text()
        assert page.get_by_test_id("business-date").inner_text() == "2026-11-23"

        page.locator("aside.sidebar").get_by_role("link", name="科目表").click()
        page.wait_for_url(f"{base}/ledger/chart")
        assert "住房公积金存款" in page.get_by_test_id("chart").inner_text()

        page.locator("aside.sidebar").get_by_role("link", name="手工凭证").click()
        page.wait_for_url(f"{base}/accounting/vouchers/new")
        page.fill("input[name=memo]", "收到专户利息（浏览器测试）")
        fill_line(page, 0, "10101", "debit", "1000.00")
        fill_line(page, 1, "21999", "credit", "900.00")
        assert page.locator("#total-debit").inner_text() == "1,000.00"
        assert "借贷差额 100.00" in page.locator("#total-diff").inner_text()
        page.get_by_role("button", name="增加一行").click()  # htmx fetches a new line
        # (not wait_for_function: the page's CSP rightly forbids the eval it would need)
        page.locator("tr.voucher-line").nth(2).wait_for()
        with page.expect_navigation():
            page.get_by_role("button", name="保存待复核").click()
        assert "凭证借贷不平衡：借方 1000.00，贷方 900.00" in page.locator(".alert-error").inner_text()
        assert page.locator("input[name=memo]").input_value() == "收到专户利息（浏览器测试）"
        assert page.locator("tr.voucher-line").nth(1).locator("input[name=amount]").input_value() == "900.00"

        page.locator("tr.voucher-line").nth(1).locator("input[name=amount]").fill("1000.00")
        assert page.locator("#total-diff").inner_text() == "借贷平衡"
        with page.expect_navigation(url=f"{base}/accounting/vouchers/*?done=made"):
            page.get_by_role("button", name="保存待复核").click()
        number = page.get_by_test_id("manual-number").inner_text()
        assert "等待复核" in page.locator(".alert-ok").inner_text()

        # Another finance clerk reviews (复核); only then does the maker post it.
        checker = browser.new_context(locale="zh-CN").new_page()
        log_in(checker, base, container, "finance2")
        checker.goto(f"{base}/accounting/vouchers/{number}")
        with checker.expect_navigation():
            checker.get_by_role("button", name="复核通过").click()
        assert "已复核" in checker.get_by_test_id("manual-state").inner_text()
        page.reload()
        with page.expect_navigation():
            page.get_by_role("button", name="记账").click()
        assert "凭证已记账" in page.locator(".alert-ok").inner_text()
        page.locator("dl.props a.mono").last.click()
        page.wait_for_url(f"{base}/ledger/vouchers/*")
        voucher_no = page.get_by_test_id("voucher-no").inner_text()
        assert "1,000.00" in page.get_by_test_id("postings").inner_text()

        page.locator("aside.sidebar").get_by_role("link", name="凭证", exact=True).click()
        page.wait_for_url(f"{base}/ledger/vouchers")
        assert voucher_no in page.get_by_test_id("vouchers").inner_text()
        assert not page.get_by_role("link", name="审计日志").count()  # finance cannot open the log

        auditor_page = browser.new_context(locale="zh-CN").new_page()
        log_in(auditor_page, base, container, "auditadmin")
        auditor_page.locator("aside.sidebar").get_by_role("link", name="审计日志").click()
        auditor_page.fill("input[name=action]", "accounting.post_voucher")
        auditor_page.get_by_role("button", name="查询").click()  # htmx swaps the results in place
        auditor_page.wait_for_url("**/audit?action=accounting.post_voucher*")
        results = auditor_page.locator("#audit-results")
        results.get_by_text(number).wait_for()
        assert "finance1" in results.inner_text()
        auditor_page.get_by_role("button", name="校验日志链").click()
        auditor_page.get_by_text("审计日志链校验通过").wait_for()

        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()
