"""Excel and PDF over HTTP: downloads with safe filenames, multipart uploads with CSRF, size
limits and Idempotency-Key, row-level errors in the reply, and the counter pages."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from bench.bulk_members import BulkMember, bulk_members
from openpyxl import load_workbook
from pypdf import PdfReader

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ids import mask_resident_id
from anju.reports.excel import XLSX_MEDIA_TYPE
from anju.services.runner import run
from anju.services.units import register_unit
from tests.integration.collection_helpers import registration

MONTH = "202611"


@dataclass(frozen=True)
class World:
    unit_no: str
    members: list[BulkMember]


@pytest.fixture
def world(seeded: Container) -> World:
    def body(uow: Any) -> str:
        branch = uow.org.branch_by_code("02")
        clerk = Actor(
            username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), branch_id=branch.id, operator_id=1
        )
        return register_unit(uow, clerk, registration(4242)).unit_account_no

    unit_no = run(seeded.uow, body)
    return World(unit_no, bulk_members(seeded, unit_no, 3))


def filled_template(client: Any, w: World, *, break_row: int | None = None) -> bytes:
    reply = client.get(f"/api/v1/sheets/rosters/{w.unit_no}/{MONTH}/template")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "filename*=UTF-8''" in reply.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(reply.content))
    ws = wb.active
    ids = {m.account_no: m.resident_id for m in w.members}
    for row in range(5, 5 + len(w.members)):
        ws.cell(row, 3).value = ids[ws.cell(row, 1).value]
    if break_row is not None:
        ws.cell(break_row, 3).value = "41010219900101001"  # seventeen characters
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Any, path: str, data: bytes, *, key: str | None = None, name: str = "清册.xlsx") -> Any:
    headers = {"X-CSRF-Token": client.csrf, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.http.post(path, files={"file": (name, data, XLSX_MEDIA_TYPE)}, headers=headers)


def test_a_roster_round_trip_through_the_api_is_idempotent(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    data = filled_template(clerk, world)
    path = f"/api/v1/sheets/rosters/{world.unit_no}/{MONTH}"
    first = upload(clerk, path, data, key="roster-upload-0001")
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["headcount"], body["rows"], body["state"]) == (3, 3, "draft")
    assert isinstance(body["total"], str)
    again = upload(clerk, path, data, key="roster-upload-0001")  # a retry: another multipart boundary
    assert again.status_code == 200 and again.json() == body
    assert again.headers.get("Idempotent-Replayed") == "true"

    export = clerk.get(f"/api/v1/sheets/rosters/{world.unit_no}/{MONTH}")
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content)).active
    assert [ws.cell(r, 3).value for r in range(5, 8)] == [
        mask_resident_id(m.resident_id) for m in world.members
    ]


def test_a_bad_row_comes_back_with_its_place_and_a_chinese_message(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    reply = upload(
        clerk, f"/api/v1/sheets/rosters/{world.unit_no}/{MONTH}", filled_template(clerk, world, break_row=6)
    )
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "sheet_invalid" and body["details"]["count"] == 1
    [problem] = body["details"]["problems"]
    assert (problem["row"], problem["column"], problem["header"]) == (6, "C", "身份证号码")
    assert problem["message"].startswith("身份证号码不正确")
    assert "全部未处理" in body["message"]


def test_uploads_that_are_not_workbooks_or_too_large_are_refused(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    path = f"/api/v1/sheets/rosters/{world.unit_no}/{MONTH}"
    fake = upload(clerk, path, b"=cmd|' /C calc'!A0\n", name="../../evil.xlsx")
    assert fake.status_code == 422 and fake.json()["code"] == "excel_not_xlsx"
    huge = upload(clerk, path, b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024))
    assert huge.status_code == 413 and huge.json()["code"] == "upload_too_large"
    missing = clerk.http.post(
        path, data={"x": "1"}, headers={"X-CSRF-Token": clerk.csrf, "Idempotency-Key": "k" * 16}
    )
    assert missing.status_code == 422 and missing.json()["code"] == "upload_missing"


def test_an_upload_needs_the_csrf_token_and_the_key(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    path = f"/api/v1/sheets/rosters/{world.unit_no}/{MONTH}"
    files = {"file": ("a.xlsx", b"PK\x03\x04", XLSX_MEDIA_TYPE)}
    no_csrf = clerk.http.post(path, files=files, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert no_csrf.status_code == 403
    no_key = clerk.http.post(path, files=files, headers={"X-CSRF-Token": clerk.csrf})
    assert no_key.status_code == 422 and no_key.json()["code"] == "idempotency_key_required"


def test_the_wage_base_adjustment_and_ratio_change_over_the_api(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    template = clerk.get(f"/api/v1/sheets/wage-bases/{world.unit_no}/template")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.active
    assert ws["D2"].value == "2026"
    ids = {m.account_no: m.resident_id for m in world.members}
    for row in range(5, 8):
        ws.cell(row, 3).value = ids[ws.cell(row, 1).value]
        ws.cell(row, 4).value = 30000
    out = io.BytesIO()
    wb.save(out)
    reply = upload(clerk, f"/api/v1/sheets/wage-bases/{world.unit_no}", out.getvalue())
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["headcount"], body["at_cap"], body["effective_month"]) == (3, 3, "202607")
    assert body["monthly_after"] == "19440.00"  # 3 × (27,000 × 12 % × 2)

    ratio = clerk.post(
        f"/api/v1/adjustments/{world.unit_no}/ratios",
        {"unit_ratio_percent": "10", "member_ratio_percent": "10", "effective_month": MONTH},
    )
    assert ratio.status_code == 200, ratio.text
    assert ratio.json()["monthly_after"] == "16200.00"
    history = clerk.get(f"/api/v1/adjustments/{world.unit_no}").json()
    assert [h["kind"] for h in history] == ["ratio_change", "wage_base_adjustment"]


def test_a_certificate_downloads_as_a_pdf_with_the_id_masked(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    member = world.members[0]
    reply = clerk.get(f"/api/v1/documents/certificates/{member.account_no}")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith('attachment; filename="')
    assert reply.headers["cache-control"] == "no-store"
    text = PdfReader(io.BytesIO(reply.content)).pages[0].extract_text()
    assert "住房公积金缴存证明" in text and mask_resident_id(member.resident_id) in text
    assert member.resident_id not in text


def test_the_counter_pages_show_row_problems_and_print_documents(make_client: Any, world: World) -> None:
    clerk = make_client("clerk01")
    page = clerk.get("/sheets/rosters")
    assert page.status_code == 200 and "汇缴清册导入导出" in page.text
    data = filled_template(clerk, world, break_row=5)
    reply = clerk.http.post(
        "/sheets/rosters/import",
        data={"csrf_token": clerk.csrf, "unit_account_no": world.unit_no, "month": MONTH},
        files={"file": ("清册.xlsx", data, XLSX_MEDIA_TYPE)},
    )
    assert reply.status_code == 422
    assert 'data-testid="sheet-problems"' in reply.text and "身份证号码不正确" in reply.text
    good = clerk.http.post(
        "/sheets/rosters/import",
        data={"csrf_token": clerk.csrf, "unit_account_no": world.unit_no, "month": MONTH},
        files={"file": ("清册.xlsx", filled_template(clerk, world), XLSX_MEDIA_TYPE)},
    )
    assert good.status_code == 200 and 'data-testid="roster-imported"' in good.text
    missing = clerk.get("/documents/certificate", params={"account_no": "204101000000000000"})
    assert missing.status_code == 404 and "未找到" in missing.text
    pdf = clerk.get("/documents/certificate", params={"account_no": world.members[0].account_no})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
