"""The dashboard's charts draw in a real browser from the app's own ECharts (no CDN)."""

from __future__ import annotations

from typing import Any

import pytest

from anju.bootstrap import Container
from tests.e2e.test_browser_shell import ARTIFACTS, browser, live_server, log_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts(
    live_server: tuple[str, Container],  # noqa: F811
    browser: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    base, container = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        log_in(page, base, container, "auditor1")
        page.locator("aside.sidebar").get_by_role("link", name="驾驶舱").click()
        page.wait_for_url(f"{base}/dashboard")
        page.locator("#chart-flows canvas").wait_for()
        page.locator("#chart-balances canvas").wait_for()
        assert page.get_by_test_id("dash-deposits").inner_text() == "0.00"
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        assert problems == []
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()
