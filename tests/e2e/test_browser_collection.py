"""Collection at the counter in a real browser: a clerk registers a unit, opens a member account
(the computed parts appear as the wage is typed, through htmx), sees the account masked, unmasks
it with a reason, and finds the cases. On failure a screenshot is saved to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from anju.bootstrap import Container
from anju.ids import credit_code_check_char, make_resident_id
from tests.e2e.test_browser_shell import ARTIFACTS, browser, live_server, log_in  # noqa: F401

pytestmark = pytest.mark.browser

RID = make_resident_id("41010519920229662").reveal()


def test_a_clerk_registers_a_unit_and_opens_an_account(
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
        log_in(page, base, container, "clerk01")
        page.locator("aside.sidebar").get_by_role("link", name="单位登记开户").click()
        page.wait_for_url(f"{base}/units/new")
        body = "91410100MA0000777"
        page.fill("input[name=name]", "安居浏览器测试有限公司")
        page.fill("input[name=credit_code]", body + credit_code_check_char(body))
        page.fill("input[name=industry]", "I65")
        page.fill("input[name=address]", "安居市测试路 1 号")
        page.fill("input[name=handler_name]", "马经办")
        page.fill("input[name=handler_phone]", "13800001111")
        page.locator("select[name=bank_code]").select_option("105")
        page.click("button:has-text('登记开户')")
        page.wait_for_url(f"{base}/units/*")
        unit_no = page.get_by_test_id("unit-no").inner_text()
        assert "单位已登记开户" in page.content()

        page.click("a:has-text('职工开户')")
        page.wait_for_url(f"{base}/members/new?unit={unit_no}")
        page.fill("input[name=resident_id]", RID)
        page.fill("input[name=name]", "何三")
        page.fill("input[name=wage_base]", "30000")
        page.get_by_test_id("parts").wait_for()
        parts = page.get_by_test_id("parts").inner_text()
        assert "27,000.00" in parts and "按上限" in parts and "6,480.00" in parts
        page.click("button:has-text('设立个人账户')")
        page.wait_for_url(f"{base}/members/*")
        assert page.get_by_test_id("resident-id").inner_text().startswith(RID[:4] + "**********")
        page.screenshot(path=str(ARTIFACTS / "collection-member-masked.png"), full_page=True)

        page.fill("input[name=reason]", "本人临柜核对身份")
        page.click("button:has-text('显示')")
        page.wait_for_selector("text=完整显示")
        assert RID in page.get_by_test_id("resident-id").inner_text()

        page.click("a:has-text('办件记录')")
        page.wait_for_url(f"{base}/cases?q=*")
        assert "个人账户设立" in page.get_by_test_id("cases").inner_text()
        page.goto(f"{base}/units/{unit_no}")
        page.screenshot(path=str(ARTIFACTS / "collection-unit.png"), full_page=True)
        assert problems == []
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()
