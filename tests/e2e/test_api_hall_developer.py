"""The developer web hall over the API and the pages (开发商网厅): opened at the counter from the
developer's page, login by the credit code, password and SMS code, then the company, its projects
and the buyers' applications on them only, masked; realms never mix."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.bootstrap import Container
from anju.domain.security import HALL_ROLE_PERMISSIONS, HallRole
from anju.http.guard import route_permissions
from tests.e2e.test_api_loans import application, eligible_member

PHONE = "13766667777"
CREDIT = "91410100MA0000001X"
NEW_PASSWORD = "Kaifa#2026hall"
DEVELOPER_PERMISSIONS = HALL_ROLE_PERMISSIONS[HallRole.DEVELOPER]


def admit(clerk: Any, code: str, credit: str, project: str) -> dict[str, Any]:
    developer = clerk.post(
        "/api/v1/loans/developers",
        {
            "code": code,
            "name": f"{project}置业有限公司",
            "credit_code": credit,
            "guarantee_terms": "阶段性连带保证",
        },
    )
    assert developer.status_code == 201, developer.text
    reply = clerk.post(
        "/api/v1/loans/projects",
        {
            "developer_code": code,
            "name": project,
            "address": "安居市建设路 8 号",
            "presale_permit": f"预{code}",
            "planning_permit": f"规{code}",
            "construction_permit": f"施{code}",
            "land_use_permit": f"土{code}",
            "buildings": ["1号楼"],
        },
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def sms_code(container: Container) -> str:
    gateway = container.sms
    assert isinstance(gateway, RecordingSmsGateway)
    found = re.search(r"验证码为(\d{6})", gateway.last_to(PHONE) or "")
    assert found is not None
    return found.group(1)


def developer_login(client: Any, container: Container, password: str) -> Any:
    client.clock.advance(seconds=61)  # one code a minute per account
    step = client.http.post(
        "/api/v1/hall/developer/login", json={"credit_code": CREDIT, "password": password}
    )
    assert step.status_code == 200, step.text
    assert step.json()["phone_masked"] == "137****7777"
    reply = client.http.post(
        "/api/v1/hall/login/verify", json={"challenge": step.json()["challenge"], "code": sms_code(container)}
    )
    assert reply.status_code == 200, reply.text
    client.csrf = reply.json()["csrf_token"]
    return reply.json()


def test_a_developer_opened_at_the_counter_sees_only_its_projects_and_applications(
    make_client: Any, seeded: Container, app: FastAPI
) -> None:
    clerk = make_client("clerk01")
    own = admit(clerk, "KF101", CREDIT, "安居花园")
    other = admit(clerk, "KF102", "91410100MA0000002X", "别家小区")
    borrower = eligible_member(clerk, seeded)
    loan = clerk.post(
        "/api/v1/loans",
        application(borrower)
        | {
            "house_kind": "new",
            "appraisal": None,
            "project_id": own["id"],
            "building_id": own["buildings"][0]["id"],
        },
    )
    assert loan.status_code == 201, loan.text

    opened = clerk.post(
        "/api/v1/loans/developers/KF101/hall-account", {"handler_name": "王联系", "phone": PHONE}, key=None
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["account"]["developer_code"] == "KF101"
    assert opened.json()["account"]["login"] == CREDIT
    initial = opened.json()["initial_password"]
    again = clerk.post(
        "/api/v1/loans/developers/KF101/hall-account", {"handler_name": "王联系", "phone": PHONE}, key=None
    )
    assert again.status_code == 409
    assert again.json()["message"].startswith("开发商 安居花园置业有限公司 已开通网厅账户")
    assert clerk.get("/api/v1/loans/developers/KF101/hall-account").json()["phone_masked"] == "137****7777"

    hall = make_client()
    assert developer_login(hall, seeded, initial)["channel"] == "developer_hall"
    assert hall.get("/api/v1/hall/developer").json()["code"] == "password_change_required"
    changed = hall.post(
        "/api/v1/hall/password", {"old_password": initial, "new_password": NEW_PASSWORD}, key=None
    )
    assert changed.status_code == 200, changed.text

    company = hall.get("/api/v1/hall/developer").json()
    assert (company["code"], company["status_label"], company["guarantee_terms"]) == (
        "KF101",
        "准入有效",
        "阶段性连带保证",
    )
    projects = hall.get("/api/v1/hall/developer/projects").json()
    assert [p["id"] for p in projects] == [own["id"]]
    assert projects[0]["presale_permit"] == "预KF101"
    assert projects[0]["status_label"] == "准入有效"
    assert hall.get(f"/api/v1/hall/developer/projects/{own['id']}").status_code == 200
    leak = hall.get(f"/api/v1/hall/developer/projects/{other['id']}")
    assert leak.status_code == 404
    assert "别家" not in leak.text
    assert (
        hall.get("/api/v1/hall/developer/applications", params={"project_id": other["id"]}).status_code == 404
    )

    page = hall.get("/api/v1/hall/developer/applications").json()
    assert page["total"] == 1
    (row,) = page["items"]
    assert row["loan_no"] == loan.json()["loan_no"]
    assert (row["amount"], row["term_months"], row["state_label"]) == ("300000.00", 240, "已受理")
    assert "*" in row["borrower_name"]
    assert row["borrower_id"].count("*") == 10
    # Data minimisation: nothing of the borrower but the masked name and ID number.
    assert set(row) == {
        "loan_no", "project_id", "project_name", "building_name", "borrower_name", "borrower_id",
        "amount", "term_months", "state", "state_label", "accepted_at",
    }  # fmt: skip

    # Realms and kinds never mix.
    assert hall.get("/api/v1/hall/unit").status_code == 403
    assert hall.get("/api/v1/hall/me").status_code == 403
    assert hall.get(f"/api/v1/loans/{row['loan_no']}").status_code == 401
    assert hall.get("/api/v1/loans/developers").status_code == 401
    assert clerk.get("/api/v1/hall/developer").status_code == 401
    # Generated from the route table: every other hall kind's page and API refuses a developer.
    others = 0
    for (method, path), permission in sorted(route_permissions(app).items()):
        if method != "GET" or not permission.startswith("hall.") or permission in DEVELOPER_PERMISSIONS:
            continue
        reply = hall.get(re.sub(r"\{[^}]+\}", "1", path))
        assert reply.status_code == 403, f"{path} -> {reply.status_code}"
        others += 1
    assert others >= 8

    # Pages: the same data, masked, in Chinese.
    home = hall.get("/hall/developer")
    assert home.status_code == 200
    assert "安居花园置业有限公司" in home.text
    assert "阶段性连带保证" in home.text
    listing = hall.get("/hall/developer/applications")
    assert row["loan_no"] in listing.text
    assert row["borrower_id"] in listing.text
    detail = hall.get(f"/hall/developer/projects/{own['id']}")
    assert "施KF101" in detail.text
    assert row["loan_no"] in detail.text
    assert hall.get(f"/hall/developer/projects/{other['id']}").status_code == 404

    disabled = clerk.post("/api/v1/loans/developers/KF101/hall-account/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["status"] == "disabled"
    assert hall.get("/api/v1/hall/developer").status_code == 401


def test_the_counter_page_opens_the_account_and_the_login_page_logs_in(
    make_client: Any, seeded: Container
) -> None:
    clerk = make_client("clerk01")
    admit(clerk, "KF103", CREDIT, "安居雅苑")
    page = clerk.get("/loans/developers")
    assert "/loans/developers/KF103/hall-account" in page.text
    opened = clerk.http.post(
        "/loans/developers/KF103/hall-account",
        data={"handler_name": "钱联系", "phone": PHONE, "csrf_token": clerk.csrf},
    )
    assert opened.status_code == 200, opened.text
    found = re.search(r"初始密码：<strong class=\"mono\">(\S+)</strong>", opened.text)
    assert found is not None, opened.text
    reviewer = make_client("reviewer1")
    assert reviewer.get("/loans/developers/KF103/hall-account").status_code == 200
    refused = reviewer.http.post(
        "/loans/developers/KF103/hall-account",
        data={"handler_name": "钱联系", "phone": PHONE, "csrf_token": reviewer.csrf},
    )
    assert refused.status_code == 403

    paths = clerk.get("/openapi.json").json()["paths"]  # what a mini-program or a partner codes against
    assert {"/api/v1/hall/developer/login", "/api/v1/hall/developer/applications"} <= set(paths)

    visitor = make_client()
    form = visitor.get("/hall/login?as=developer")
    assert "统一社会信用代码" in form.text
    wrong = visitor.http.post(
        "/hall/developer/login", data={"credit_code": CREDIT, "password": "Wrong#pass1"}
    )
    assert wrong.status_code == 401
    assert "账号或密码不正确" in wrong.text
    visitor.clock.advance(seconds=61)
    step = visitor.http.post(
        "/hall/developer/login", data={"credit_code": CREDIT, "password": found.group(1)}
    )
    assert step.status_code == 200
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text)
    assert challenge is not None
    done = visitor.http.post(
        "/hall/login/verify",
        data={"challenge": challenge.group(1), "code": sms_code(seeded)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/hall/password?required=1"
