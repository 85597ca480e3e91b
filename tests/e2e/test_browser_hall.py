"""The unit web hall in a real browser, on a phone-sized screen: the counter opens the hall for
a unit, its operator logs in with the password and the SMS code, changes the initial password,
and sees the unit and its employees. On failure a screenshot is saved to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ids import credit_code_check_char, make_resident_id
from anju.money import Money
from anju.services import developer_hall, loans
from anju.services.members import MemberOpening, open_member_account
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from anju.services.units import register_unit
from tests.e2e.test_browser_shell import ARTIFACTS, browser, live_server, log_in  # noqa: F401
from tests.integration.collection_helpers import registration

pytestmark = pytest.mark.browser

PHONE = "13655556666"


PERSON_PHONE = "13577777777"
PERSON_RID = make_resident_id("41010519850505123").reveal()


def seed_unit(container: Container, *, phone: str | None = None) -> str:
    """A unit of branch 02 (clerk01's) with one employee, through the services."""

    def body(uow: UnitOfWork) -> str:
        branch = uow.org.branch_by_code("02")
        assert branch is not None
        clerk = Actor(
            username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), operator_id=1, branch_id=branch.id
        )
        code = "91410100MA0000888"
        unit = register_unit(uow, clerk, registration(888, credit_code=code + credit_code_check_char(code)))
        opening = MemberOpening(
            unit_account_no=unit.unit_account_no,
            resident_id=PERSON_RID,
            name="欧阳明",
            wage_base=Money.from_yuan("9000"),
            phone=phone,
        )
        open_member_account(uow, clerk, opening)
        return unit.unit_account_no

    return run(container.uow, body)


def test_a_unit_operator_uses_the_hall_on_a_phone(
    live_server: tuple[str, Container],  # noqa: F811
    browser: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    base, container = live_server
    clerk_context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    phone_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    counter, page = clerk_context.new_page(), phone_context.new_page()
    try:
        log_in(counter, base, container, "clerk01")
        unit_no = seed_unit(container)
        counter.goto(f"{base}/units/{unit_no}")
        counter.click("a:has-text('单位网厅')")
        counter.fill("input[name=phone]", PHONE)
        counter.click("button:has-text('开通单位网厅')")
        slip = counter.get_by_test_id("hall-initial-password").inner_text()
        initial = re.search(r"初始密码：(\S+)", slip)
        assert initial is not None, slip
        password = initial.group(1).rstrip("（")

        page.goto(f"{base}/hall")  # not logged in: the hall's own login page
        page.wait_for_url(f"{base}/hall/login")
        page.fill("input[name=login]", unit_no)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        assert page.get_by_test_id("hall-phone").inner_text() == "136****6666"
        gateway = container.sms
        assert isinstance(gateway, RecordingSmsGateway)
        text = gateway.last_to(PHONE) or ""
        code = re.search(r"验证码为(\d{6})", text)
        assert code is not None, text
        page.fill("input[name=code]", code.group(1))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/hall/password?required=1")
        page.fill("input[name=old_password]", password)
        page.fill("input[name=new_password]", "Danwei#Browser2026")
        page.click("button:has-text('修改密码')")
        page.wait_for_url(f"{base}/hall/password?done=1")
        page.click("a:has-text('单位概况')")
        assert page.get_by_test_id("hall-unit-name").inner_text() == "安居测试单位888有限公司"
        page.click("a:has-text('职工')")
        table = page.get_by_test_id("hall-members").inner_text()
        assert "欧" in table
        assert "欧阳明" not in table  # names masked in lists
        page.screenshot(path=str(ARTIFACTS / "hall-unit-members.png"), full_page=True)
        page.click("button:has-text('退出')")
        page.wait_for_url(f"{base}/hall/login?notice=logged_out")
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        counter.screenshot(path=str(ARTIFACTS / f"{request.node.name}-counter.png"), full_page=True)
        raise
    finally:
        clerk_context.close()
        phone_context.close()


def test_a_depositor_opens_the_personal_hall_on_a_phone(
    live_server: tuple[str, Container],  # noqa: F811
    browser: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    base, container = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        seed_unit(container, phone=PERSON_PHONE)
        page.goto(f"{base}/hall/login?as=person")
        page.click("a:has-text('开通个人网厅')")
        page.wait_for_url(f"{base}/hall/register")
        page.fill("input[name=resident_id]", PERSON_RID)
        page.fill("input[name=name]", "欧阳明")
        page.fill("input[name=phone]", PERSON_PHONE)
        page.click("button[type=submit]")
        assert page.get_by_test_id("hall-phone").inner_text() == "135****7777"
        gateway = container.sms
        assert isinstance(gateway, RecordingSmsGateway)
        code = re.search(r"验证码为(\d{6})", gateway.last_to(PERSON_PHONE) or "")
        assert code is not None
        page.fill("input[name=code]", code.group(1))
        page.fill("input[name=password]", "Geren#Browser2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/hall/me")
        assert page.get_by_test_id("hall-paid-up").is_visible()
        assert "欧阳明" in page.content()
        page.screenshot(path=str(ARTIFACTS / "hall-person-me.png"), full_page=True)
        with page.expect_download() as download:
            page.click("a:has-text('下载缴存证明')")
        assert download.value.suggested_filename.endswith(".pdf")
        assert problems == []
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()


DEVELOPER_PHONE = "13544445555"
DEVELOPER_CREDIT = "91410100MA0000009X"


def seed_developer(container: Container) -> tuple[str, str]:
    """An admitted developer with one project and its hall account: (credit code, initial password)."""

    def body(uow: UnitOfWork) -> str:
        clerk = Actor(username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), operator_id=1)
        admission = loans.DeveloperAdmission(
            "KF900", "安居浏览器置业有限公司", DEVELOPER_CREDIT, "阶段性连带保证"
        )
        loans.admit_developer(uow, clerk, admission)
        loans.admit_project(
            uow,
            clerk,
            loans.ProjectAdmission(
                "KF900",
                "浏览器花园",
                "安居市建设路 9 号",
                "预900",
                "规900",
                "施900",
                "土900",
                buildings=("1号楼", "2号楼"),
            ),
        )
        new = developer_hall.open_developer_account(
            uow, clerk, "KF900", handler_name="孙联系", phone=DEVELOPER_PHONE
        )
        return new.initial_password

    return DEVELOPER_CREDIT, run(container.uow, body)


def test_a_developer_uses_its_hall_on_a_phone(
    live_server: tuple[str, Container],  # noqa: F811
    browser: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    base, container = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        credit_code, password = seed_developer(container)
        page.goto(f"{base}/hall/login")
        page.click("a:has-text('开发商')")
        page.fill("input[name=credit_code]", credit_code)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        assert page.get_by_test_id("hall-phone").inner_text() == "135****5555"
        gateway = container.sms
        assert isinstance(gateway, RecordingSmsGateway)
        code = re.search(r"验证码为(\d{6})", gateway.last_to(DEVELOPER_PHONE) or "")
        assert code is not None
        page.fill("input[name=code]", code.group(1))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/hall/password?required=1")
        page.fill("input[name=old_password]", password)
        page.fill("input[name=new_password]", "Kaifa#Browser2026")
        page.click("button:has-text('修改密码')")
        page.wait_for_url(f"{base}/hall/password?done=1")
        page.click(".hall-nav a:has-text('企业与协议')")
        assert page.get_by_test_id("hall-developer-name").inner_text() == "安居浏览器置业有限公司"
        assert page.get_by_test_id("hall-guarantee-terms").inner_text() == "阶段性连带保证"
        page.click(".hall-nav a:has-text('楼盘')")
        page.click("a:has-text('浏览器花园')")
        assert page.get_by_test_id("hall-buildings").inner_text() == "1号楼、2号楼"
        page.screenshot(path=str(ARTIFACTS / "hall-developer-project.png"), full_page=True)
        page.click(".hall-nav a:has-text('贷款申请')")
        assert "暂无购房人贷款申请" in page.get_by_test_id("hall-applications").inner_text()
        page.screenshot(path=str(ARTIFACTS / "hall-developer.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise
    finally:
        context.close()
