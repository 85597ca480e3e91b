"""The unit web hall over the API (单位网厅): opened at the counter, password + SMS code login,
the unit's own data only, and realms that never mix (a staff session is no hall session)."""

from __future__ import annotations

import re
from typing import Any

from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.bootstrap import Container
from tests.e2e.test_api_collection import open_member, register

PHONE = "13712345678"
NEW_PASSWORD = "Danwei#2026hall"


def sms_code(container: Container) -> str:
    gateway = container.sms
    assert isinstance(gateway, RecordingSmsGateway)
    text = gateway.last_to(PHONE)
    assert text is not None
    found = re.search(r"验证码为(\d{6})", text)
    assert found is not None
    return found.group(1)


def hall_login(client: Any, container: Container, unit_no: str, password: str) -> Any:
    client.clock.advance(seconds=61)  # one code a minute per account
    step = client.http.post("/api/v1/hall/login", json={"login": unit_no, "password": password})
    assert step.status_code == 200, step.text
    assert step.json()["phone_masked"] == "137****5678"
    reply = client.http.post(
        "/api/v1/hall/login/verify", json={"challenge": step.json()["challenge"], "code": sms_code(container)}
    )
    assert reply.status_code == 200, reply.text
    client.csrf = reply.json()["csrf_token"]
    return reply.json()


def _pi_views(container: Container) -> list[tuple[str, str, str]]:
    """(actor, object, result) of every personal_data.view record, oldest first."""
    from sqlalchemy import select

    from anju.adapters.db.tables.security import audit_log

    with container.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.object_id, audit_log.c.result)
            .where(audit_log.c.action == "personal_data.view")
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.actor, r.object_id, r.result) for r in rows]


def test_a_unit_opened_at_the_counter_uses_its_hall(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    unit = register(clerk, 1)["unit_account_no"]
    other = register(clerk, 2)["unit_account_no"]
    mine = open_member(clerk, unit)["account"]["account_no"]
    theirs = open_member(clerk, other, resident_id="110101199001011237", name="钱二")["account"]["account_no"]

    opened = clerk.post(f"/api/v1/units/{unit}/hall-account", {"handler_name": "刘经办", "phone": PHONE})
    assert opened.status_code == 201, opened.text
    initial = opened.json()["initial_password"]
    assert opened.json()["account"]["phone_masked"] == "137****5678"
    again = clerk.post(f"/api/v1/units/{unit}/hall-account", {"handler_name": "刘经办", "phone": PHONE})
    assert again.status_code == 409
    assert again.json()["code"] == "hall_account_exists"

    hall = make_client()
    session = hall_login(hall, seeded, unit, initial)
    assert session["must_change_password"] is True
    blocked = hall.get("/api/v1/hall/unit")
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "password_change_required"
    changed = hall.post(
        "/api/v1/hall/password", {"old_password": initial, "new_password": NEW_PASSWORD}, key=None
    )
    assert changed.status_code == 200, changed.text

    own = hall.get("/api/v1/hall/unit")
    assert own.status_code == 200
    assert own.json()["unit_account_no"] == unit
    people = hall.get("/api/v1/hall/unit/members").json()
    assert [p["account_no"] for p in people["items"]] == [mine]
    assert hall.get(f"/api/v1/hall/unit/members/{mine}").json()["resident_id"].count("*") >= 10
    # Another unit's employee does not exist for this unit (404, no data).
    leak = hall.get(f"/api/v1/hall/unit/members/{theirs}")
    assert leak.status_code == 404
    assert "钱" not in leak.text
    assert hall.get("/api/v1/hall/unit/rosters").status_code == 200
    certificate = hall.get(f"/api/v1/hall/unit/members/{mine}/certificate")
    assert certificate.status_code == 200
    assert certificate.content.startswith(b"%PDF")
    assert hall.get(f"/api/v1/hall/unit/members/{theirs}/certificate").status_code == 404
    statement = hall.get(f"/api/v1/hall/unit/members/{mine}/statement")
    assert statement.status_code == 200
    too_old = hall.get(f"/api/v1/hall/unit/members/{mine}/statement", params={"start": "2022-01-01"})
    assert too_old.status_code == 422
    assert too_old.json()["message"] == "查询期间最长 3 年"

    # Each view of an employee's data in the hall is in the PI access log (G1), by the hall login.
    viewed = _pi_views(seeded)
    for path in (f"/api/v1/hall/unit/members/{mine}", f"/api/v1/hall/unit/members/{mine}/certificate"):
        assert ("success", f"GET {path}") in {(result, obj) for _, obj, result in viewed}, path
    assert {actor for actor, obj, _ in viewed if "/hall/" in obj} == {f"hall:unit:{unit}"}
    assert ("failure", f"GET /api/v1/hall/unit/members/{theirs}") in {(r, o) for _, o, r in viewed}

    # Realms never mix: the hall session opens no staff route, the staff session no hall route.
    assert hall.get(f"/api/v1/units/{unit}").status_code == 401
    assert hall.get("/api/v1/units").status_code == 401
    assert clerk.get("/api/v1/hall/unit").status_code == 401

    # The counter disables the account: the very next request is refused.
    disabled = clerk.post(f"/api/v1/units/{unit}/hall-account/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["status"] == "disabled"
    assert hall.get("/api/v1/hall/unit").status_code == 401


def test_a_wrong_code_and_an_unknown_unit_get_chinese_answers(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    unit = register(clerk, 3)["unit_account_no"]
    initial = clerk.post(
        f"/api/v1/units/{unit}/hall-account", {"handler_name": "刘经办", "phone": PHONE}
    ).json()["initial_password"]
    visitor = make_client()
    unknown = visitor.http.post("/api/v1/hall/login", json={"login": "1041019999999999", "password": initial})
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "账号或密码不正确"
    step = visitor.http.post("/api/v1/hall/login", json={"login": unit, "password": initial}).json()
    code = sms_code(seeded)
    wrong = visitor.http.post(
        "/api/v1/hall/login/verify",
        json={"challenge": step["challenge"], "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "短信验证码不正确，还可尝试 4 次"
    too_soon = visitor.http.post("/api/v1/hall/login", json={"login": unit, "password": initial})
    assert too_soon.status_code == 422
    assert "秒后再获取" in too_soon.json()["message"]


def test_a_hall_session_opens_no_staff_route(make_client: Any, seeded: Container, app: Any) -> None:
    """Generated from the route table (A1): every staff route refuses a hall session as no session."""
    from anju.domain.security import Permission
    from anju.http.guard import route_permissions

    clerk = make_client("clerk01")
    unit = register(clerk, 4)["unit_account_no"]
    initial = clerk.post(
        f"/api/v1/units/{unit}/hall-account", {"handler_name": "刘经办", "phone": PHONE}
    ).json()["initial_password"]
    hall = make_client()
    hall_login(hall, seeded, unit, initial)
    hall.post("/api/v1/hall/password", {"old_password": initial, "new_password": NEW_PASSWORD}, key=None)
    checked = 0
    for (method, path), permission in sorted(route_permissions(app).items()):
        if permission == Permission.PUBLIC or permission.startswith("hall."):
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        if path.startswith("/api/"):
            reply = hall.send(method, concrete, {})
            assert reply.status_code == 401, f"{method} {path} -> {reply.status_code}"
        elif method == "GET":
            reply = hall.get(concrete)
            assert reply.url.path == "/login", f"{method} {path} -> {reply.url.path}"
        checked += 1
    assert checked > 200
    assert hall.get("/api/v1/hall/unit").status_code == 200  # and the hall session still works


PERSON_PHONE = "13998765432"
PERSON_PASSWORD = "Geren#2026hall"


def test_a_depositor_opens_the_personal_hall_online_and_sees_only_their_account(
    make_client: Any, seeded: Container
) -> None:
    from tests.e2e.test_api_collection import RID

    clerk = make_client("clerk01")
    unit = register(clerk, 5)["unit_account_no"]
    mine = open_member(clerk, unit, phone=PERSON_PHONE)["account"]["account_no"]
    other = open_member(clerk, unit, resident_id="110101199001011237", name="钱二")["account"]["account_no"]
    gateway = seeded.sms
    assert isinstance(gateway, RecordingSmsGateway)

    person = make_client()
    wrong = person.http.post(
        "/api/v1/hall/person/register", json={"resident_id": RID, "name": "陈二", "phone": PERSON_PHONE}
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "person_not_verified"
    step = person.http.post(
        "/api/v1/hall/person/register", json={"resident_id": RID, "name": "陈一", "phone": PERSON_PHONE}
    )
    assert step.status_code == 200, step.text
    assert step.json()["phone_masked"] == "139****5432"
    text = gateway.last_to(PERSON_PHONE) or ""
    assert "开通个人网厅" in text
    code = re.search(r"验证码为(\d{6})", text)
    assert code is not None
    weak = person.http.post(
        "/api/v1/hall/person/register/verify",
        json={"challenge": step.json()["challenge"], "code": code.group(1), "password": "short"},
    )
    assert weak.status_code == 422
    done = person.http.post(
        "/api/v1/hall/person/register/verify",
        json={"challenge": step.json()["challenge"], "code": code.group(1), "password": PERSON_PASSWORD},
    )
    assert done.status_code == 200, done.text
    assert done.json()["channel"] == "personal_hall"
    me = person.get("/api/v1/hall/me")
    assert me.status_code == 200
    assert me.json()["account_no"] == mine
    assert person.get("/api/v1/hall/me/certificate").content.startswith(b"%PDF")
    # Nothing of the unit hall, nothing of anyone else, nothing of the counter.
    assert person.get("/api/v1/hall/unit").status_code == 403
    assert person.get(f"/api/v1/hall/unit/members/{other}").status_code == 403
    assert person.get(f"/api/v1/members/{other}").status_code == 401

    again = make_client()
    again.clock.advance(seconds=61)
    twice = again.http.post(
        "/api/v1/hall/person/register", json={"resident_id": RID, "name": "陈一", "phone": PERSON_PHONE}
    )
    assert twice.status_code == 422
    assert twice.json()["code"] == "hall_registered"
    login = again.http.post(
        "/api/v1/hall/person/login", json={"resident_id": RID, "password": PERSON_PASSWORD}
    )
    assert login.status_code == 200, login.text
    code = re.search(r"验证码为(\d{6})", gateway.last_to(PERSON_PHONE) or "")
    assert code is not None
    session = again.http.post(
        "/api/v1/hall/login/verify", json={"challenge": login.json()["challenge"], "code": code.group(1)}
    )
    assert session.status_code == 200
    assert again.get("/api/v1/hall/me").json()["account_no"] == mine
