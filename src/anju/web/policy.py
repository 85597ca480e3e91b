"""The policy page (政策参数): versions and every parameter in force, each with its source."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.errors import error_payload
from anju.http.guard import requires
from anju.services import calendar, policy
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.web.rendering import render

router = APIRouter()

SECTION_LABELS = {
    "contribution": "缴存",
    "interest": "计息与结息",
    "withdrawal": "提取",
    "loan": "贷款",
    "accounting": "会计核算",
}
TAG_LABELS = {"N": "国家法规", "P": "国家政策", "L": "地方规定", "E": "工程惯例"}


def _is_param(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and "source" in value


def _sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The policy mapping as page sections: plain parameters, then effective-dated tables."""
    sections = []
    for key, body in content.items():
        if not isinstance(body, dict):
            continue
        params = [(name, v) for name, v in body.items() if _is_param(v)]
        tables = [
            (name, rows)
            for name, rows in body.items()
            if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
        ]
        for _, rows in tables:
            for row in rows:
                row.setdefault("source", "")
        sections.append(
            {
                "key": key,
                "label": SECTION_LABELS.get(key, key),
                "params": params,
                "tables": [
                    (name, [c for c in rows[0] if c not in {"source", "tag", "note"}], rows)
                    for name, rows in tables
                ],
            }
        )
    return sections


@router.get("/policy")
def policy_page(request: Request, on: str = "", session: Session = requires(P.POLICY_VIEW)) -> Response:
    error = None
    day: date | None = None
    if on:
        try:
            day = parse_date(on)
        except AnjuError as exc:
            error = error_payload(exc.code, exc.details)

    def body(uow: UnitOfWork) -> dict[str, Any]:
        versions = policy.list_policy_versions(uow, session.actor)
        try:
            shown_day = day or calendar.current_business_date(uow)
            shown = policy.show_policy(uow, shown_day, session.actor)
        except AnjuError as exc:
            return {
                "versions": versions,
                "shown": None,
                "day": day,
                "problem": error_payload(exc.code, exc.details),
            }
        return {"versions": versions, "shown": shown, "day": shown_day, "problem": None}

    data = read(container_of(request).uow, body)
    shown = data["shown"]
    sections = _sections(shown["policy"]) if shown else []
    return render(
        request,
        "policy/index.html",
        {
            **data,
            "error": error or data["problem"],
            "sections": sections,
            "title": shown["policy"].get("title", "") if shown else "",
            "tag_labels": TAG_LABELS,
        },
    )
