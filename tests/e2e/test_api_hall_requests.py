"""Unit web hall requests end to end (单位网厅申请): the unit operator submits over the API and
the pages, gets a case number, the counter finds the request by channel and approves or refuses
it, the hall reads the outcome; money-moving requests are rate-limited and replays are idempotent."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from anju.bootstrap import Container
from anju.reports.excel import XLSX_MEDIA_TYPE
from anju.services import hall_requests
from anju.services.runner import read
from tests.e2e.test_api_collection import RID, open_member, register
from tests.e2e.test_api_hall import NEW_PASSWORD, PHONE, hall_login
from tests.e2e.test_api_sheets import upload


def _open_hall(make_client: Any, seeded: Container, n: int) -> tuple[Any, Any, str, str]:
    clerk = make_client("clerk01")
    unit = register(clerk, n)["unit_account_no"]
    mine = open_member(clerk, unit)["account"]["account_no"]
    initial = clerk.post(
        f"/api/v1/units/{unit}/hall-account", {"handler_name": "刘经办", "phone": PHONE}
    ).json()["initial_password"]
    hall = make_client()
    hall_login(hall, seeded, unit, initial)
    changed = hall.post(
        "/api/v1/hall/password", {"old_password": initial, "new_password": NEW_PASSWORD}, key=None
    )
    assert changed.status_code == 200, changed.text
    return clerk, hall, unit, mine


def test_a_request_from_the_hall_is_processed_at_the_counter(make_client: Any, seeded: Container) -> None:
    clerk, hall, unit, mine = _open_hall(make_client, seeded, 11)
    body = {"request_type": "wage_base", "account_no": mine, "wage_base": "9000.00"}
    first = hall.post("/api/v1/hall/requests", body, key="hall-request-0001")
    assert first.status_code == 201, first.text
    case_no = first.json()["case_no"]
    assert first.json()["state_label"] == "已受理"
    replay = hall.post("/api/v1/hall/requests", body, key="hall-request-0001")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["case_no"] == case_no
    assert hall.post("/api/v1/hall/requests", body, key=None).status_code == 422  # key required

    # The counter sees it among the hall's cases and processes it.
    listed = clerk.get("/api/v1/cases", params={"channel": "unit_hall"}).json()
    assert [c["case_no"] for c in listed["items"]] == [case_no]
    assert (
        clerk.get("/api/v1/cases", params={"channel": "counter", "kind": "hall_request"}).json()["total"] == 0
    )
    detail = clerk.get(f"/api/v1/hall-requests/{case_no}")
    assert detail.status_code == 200, detail.text
    assert {"label": "个人账号", "value": mine} in detail.json()["fields"]
    approved = clerk.post(f"/api/v1/hall-requests/{case_no}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "done"
    assert clerk.get(f"/api/v1/members/{mine}").json()["wage_base"] == "9000.00"
    case = clerk.get(f"/api/v1/cases/{case_no}").json()
    assert (case["maker"], case["checker"]) == (f"hall:unit:{unit}", "clerk01")

    # A refused request shows its reason in the hall.
    sealed = hall.post("/api/v1/hall/requests", {"request_type": "seal", "account_no": mine}).json()[
        "case_no"
    ]
    refused = clerk.post(f"/api/v1/hall-requests/{sealed}/refuse", {"reason": "请上传离职证明"})
    assert refused.status_code == 200, refused.text
    mine_list = hall.get("/api/v1/hall/requests").json()
    assert mine_list["total"] == 2
    assert mine_list["items"][0]["reason"] == "请上传离职证明"
    assert hall.get(f"/api/v1/hall/requests/{case_no}").json()["state_label"] == "已办结"
    # The hall session reaches none of the counter's routes, the counter none of the hall's.
    assert hall.get(f"/api/v1/hall-requests/{case_no}").status_code == 401
    assert hall.post(f"/api/v1/hall-requests/{sealed}/approve").status_code == 401
    assert clerk.get("/api/v1/hall/requests").status_code == 401


def test_money_moving_requests_are_rate_limited_per_hall_account(make_client: Any, seeded: Container) -> None:
    _, hall, _, _ = _open_hall(make_client, seeded, 12)
    for n in range(hall_requests.MONEY_REQUESTS_PER_WINDOW):
        reply = hall.post(
            "/api/v1/hall/requests", {"request_type": "remittance", "month": f"2026{n + 1:02d}"}
        )
        assert reply.status_code == 201, reply.text
    refused = hall.post("/api/v1/hall/requests", {"request_type": "remittance", "month": "202610"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "hall_request_rate_limited"
    assert "过于频繁" in refused.json()["message"]
    denied = read(
        seeded.uow, lambda uow: uow.audit.list_entries(limit=5, offset=0, action="hall_request.submit")
    )
    assert any(e.result == "denied" for e in denied)
    # Other business is not money-moving and goes on.
    other = hall.post("/api/v1/hall/requests", {"request_type": "seal", "account_no": "x"})
    assert other.status_code == 404
    hall.clock.advance(seconds=int(hall_requests.MONEY_REQUEST_WINDOW.total_seconds()) + 1)
    again = hall.post("/api/v1/hall/requests", {"request_type": "remittance", "month": "202610"})
    assert again.status_code == 201, again.text


def test_the_hall_and_counter_pages(make_client: Any, seeded: Container) -> None:
    clerk, hall, _, mine = _open_hall(make_client, seeded, 13)
    page = hall.get("/hall/requests?type=seal")
    assert page.status_code == 200
    assert "职工账户封存" in page.text
    bad = hall.http.post(
        "/hall/requests",
        data={
            "csrf_token": hall.csrf,
            "request_type": "open",
            "resident_id": "123",
            "name": "王七",
            "wage_base": "6000",
        },
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    sent = hall.http.post(
        "/hall/requests",
        data={"csrf_token": hall.csrf, "request_type": "seal", "account_no": mine, "reason": "离职"},
        follow_redirects=True,
    )
    assert sent.status_code == 200
    found = re.search(
        r'data-testid="hall-request-submitted">申请已受理，办件编号 <span class="mono">(\w+)</span>',
        sent.text,
    )
    assert found is not None, sent.text
    case_no = found.group(1)

    listed = clerk.get("/cases?channel=unit_hall")
    assert case_no in listed.text and f"/hall-requests/{case_no}" in listed.text
    shown = clerk.get(f"/hall-requests/{case_no}")
    assert shown.status_code == 200 and "审核通过并办理" in shown.text
    done = clerk.http.post(
        f"/hall-requests/{case_no}/approve", data={"csrf_token": clerk.csrf}, follow_redirects=True
    )
    assert done.status_code == 200
    assert "已审核通过并办结" in done.text
    assert clerk.get(f"/api/v1/members/{mine}").json()["status"] == "02"
    assert "已办结" in hall.get("/hall/requests").text


def test_an_excel_roster_is_checked_at_submission_and_imported_on_approval(
    make_client: Any, seeded: Container
) -> None:
    clerk, hall, unit, _ = _open_hall(make_client, seeded, 14)
    template = clerk.get(f"/api/v1/sheets/rosters/{unit}/202611/template")
    assert template.status_code == 200, template.text
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.active
    ws.cell(5, 3).value = "41010219900101001"  # seventeen characters: refused by row
    bad = io.BytesIO()
    wb.save(bad)
    path = "/api/v1/hall/requests/roster/202611"
    refused = upload(hall, path, bad.getvalue())
    assert refused.status_code == 422
    [problem] = refused.json()["details"]["problems"]
    assert (problem["row"], problem["column"]) == (5, "C")
    assert problem["message"].startswith("身份证号码不正确")
    page = hall.http.post(
        "/hall/requests/roster",
        data={"csrf_token": hall.csrf, "month": "202611"},
        files={"file": ("清册.xlsx", bad.getvalue(), XLSX_MEDIA_TYPE)},
    )
    assert page.status_code == 422
    assert 'data-testid="sheet-problems"' in page.text and 'data-row="5"' in page.text
    assert hall.get("/api/v1/hall/requests").json()["total"] == 0  # nothing kept

    ws.cell(5, 3).value = RID
    good = io.BytesIO()
    wb.save(good)
    sent = upload(hall, path, good.getvalue())
    assert sent.status_code == 201, sent.text
    case_no = sent.json()["case_no"]
    fields = clerk.get(f"/api/v1/hall-requests/{case_no}").json()["fields"]
    assert {"label": "清册行数", "value": "1 行"} in fields
    assert RID not in str(fields)
    done = clerk.post(f"/api/v1/hall-requests/{case_no}/approve")
    assert done.status_code == 200, done.text
    assert "草稿" in done.json()["result"]
    remit = hall.post("/api/v1/hall/requests", {"request_type": "remittance", "month": "202611"}).json()
    assert clerk.post(f"/api/v1/hall-requests/{remit['case_no']}/approve").status_code == 200
    rosters = hall.get("/api/v1/hall/unit/rosters").json()["items"]
    assert [(r["month"], r["state"]) for r in rosters] == [("202611", "confirmed")]
    # The unit's statement of the last three years lists that roster.
    statement = hall.get("/api/v1/hall/unit/statement")
    assert statement.status_code == 200, statement.text
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(statement.content)).pages)
    assert "单位缴存明细" in text and "2026年11月" in text
    assert hall.get("/hall/unit/statement.pdf").content.startswith(b"%PDF")
    assert clerk.get("/api/v1/hall/unit/statement").status_code == 401
