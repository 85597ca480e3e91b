"""Policy versions over the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_versions_and_the_policy_in_force(make_client: Any) -> None:
    clerk = make_client("clerk01")
    versions = clerk.get("/api/v1/policy/versions").json()
    assert len(versions) == 1
    assert versions[0]["status"] == "in_force"
    assert versions[0]["status_label"] == "现行有效"
    today = clerk.get("/api/v1/policy/in-force").json()
    assert today["on"] == "2026-11-23"
    assert today["policy"]["contribution"]["member_ratio_min"]["value"] == "5.00"
    earlier = clerk.get("/api/v1/policy/in-force", params={"on": "2010-01-01"})
    assert earlier.status_code == 422
    assert earlier.json()["code"] == "policy_not_in_force"
    bad_date = clerk.get("/api/v1/policy/in-force", params={"on": "2026-02-30"})
    assert bad_date.status_code == 422
    assert bad_date.json()["details"]["fields"][0]["code"] == "field_not_date"


def test_system_admin_imports_a_new_version(make_client: Any) -> None:
    admin = make_client("sysadmin")
    toml = (ROOT / "policies" / "reference.toml").read_text(encoding="utf-8")
    body = {
        "toml": toml,
        "effective_date": "2027-07-01",
        "document_no": "安公积金〔2027〕1号",
        "approved_by": "管委会",
    }
    created = admin.post("/api/v1/policy/versions", body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "scheduled"
    past = admin.post("/api/v1/policy/versions", {**body, "effective_date": "2026-01-01"})
    assert past.status_code == 422
    assert past.json()["code"] == "policy_effective_date_past"
    assert make_client("finance1").post("/api/v1/policy/versions", body).status_code == 403
