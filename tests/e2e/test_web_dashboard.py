"""The dashboard page and API (驾驶舱) for the roles that have it."""

from __future__ import annotations

import json
import re
from typing import Any


def test_the_dashboard_page_and_api_show_the_same_figures(make_client: Any) -> None:
    auditor = make_client("auditor1")
    api = auditor.get("/api/v1/dashboard", params={"months": 6})
    assert api.status_code == 200, api.text
    figures = api.json()
    assert figures["scope"] == "全中心"
    assert len(figures["months"]) == 6
    assert figures["deposits"] == "0.00"

    page = auditor.get("/dashboard", params={"months": 6})
    assert page.status_code == 200
    assert "驾驶舱" in page.text
    embedded = re.search(
        r'<script type="application/json" id="dashboard-data">(.*?)</script>', page.text, re.S
    )
    assert embedded is not None
    charted = json.loads(embedded.group(1))["months"]
    assert [m["month"] for m in charted] == [m["month"] for m in figures["months"]]
    assert [m["deposits_balance"] for m in charted] == [m["deposits_balance"] for m in figures["months"]]
    assert "/static/vendor/echarts/echarts.min.js" in page.text

    assert auditor.get("/api/v1/dashboard", params={"months": 99}).status_code == 422
    assert auditor.get("/api/v1/dashboard", params={"branch": "99"}).status_code == 404


def test_a_clerk_has_no_dashboard(make_client: Any) -> None:
    clerk = make_client("clerk01")
    assert clerk.get("/api/v1/dashboard").status_code == 403
