"""The OpenAPI document and its Swagger UI page, both served by the app (no CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse

from anju.http.guard import public
from anju.web.rendering import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json", dependencies=[public()])
def openapi_document(request: Request) -> JSONResponse:
    spec: dict[str, Any] = request.app.openapi()
    return JSONResponse(spec)


@router.get("/docs", dependencies=[public()], response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    available = bool(getattr(request.app.state, "swagger_ui_available", False))
    return TEMPLATES.TemplateResponse(request, "docs.html", {"available": available})
