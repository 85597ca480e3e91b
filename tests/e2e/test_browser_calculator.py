"""The public calculator on a phone-sized screen in a real browser (Chromium, Playwright)."""

from __future__ import annotations

from typing import Any

import pytest

from anju.bootstrap import Container
from tests.e2e.test_browser_shell import ARTIFACTS, browser, live_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_a_visitor_computes_a_schedule_and_a_limit_on_a_phone(
    live_server: tuple[str, Container],  # noqa: F811 - the imported fixture
    browser: Any,  # noqa: F811 - the imported fixture
    request: pytest.FixtureRequest,
) -> None:
    base, _ = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"{base}/login")
        page.click("text=住房公积金贷款计算器")
        page.wait_for_url(f"{base}/calculator")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

        form = page.locator("form[action='/calculator/schedule']")
        form.locator("input[name=principal]").fill("300000.00")
        form.locator("input[name=term_years]").fill("20")
        form.locator("button[type=submit]").click()
        page.locator("[data-testid=instalment]").wait_for()
        assert page.url == f"{base}/calculator"  # swapped in by htmx, not a page load
        assert page.locator("[data-testid=instalment]").inner_text() == "1,604.36"
        assert page.locator("[data-testid=total-interest]").inner_text() == "85,047.73"

        limit = page.locator("form[action='/calculator/limit']")
        limit.locator("input[name=balance]").fill("35000.00")
        limit.locator("input[name=wage_base]").fill("9000.00")
        limit.locator("input[name=co_balance]").fill("13000.00")
        limit.locator("input[name=co_wage_base]").fill("6000.00")
        limit.locator("button[type=submit]").click()
        page.locator("[data-testid=loan-limit]").wait_for()
        assert page.locator("[data-testid=loan-limit]").inner_text() == "720,000.00"
        assert page.locator("[data-testid=binding-rule]").inner_text() == "账户余额倍数"
        assert problems == []  # the page runs under the strict CSP without an error

        # A refused input comes back as a 422 fragment (the console notes the status): shown in place.
        limit.locator("input[name=wage_base]").fill("9,000")
        limit.locator("button[type=submit]").click()
        page.locator("#limit-result .alert-error").wait_for()
        assert "借款人缴存基数：金额格式不正确" in page.locator("#limit-result").inner_text()
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()
