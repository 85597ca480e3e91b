"""Errors to replies: JSON `{code, message, details}` for the API, a Chinese page for the web.

Nothing but the error's code, its Chinese message and its declared details leaves the server:
no stack trace, no SQL, and never the rejected input itself (it may be a password).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from anju.errors import AnjuError
from anju.http.context import HALL_COOKIE, SESSION_COOKIE, is_api_path, is_hall_path
from anju.http.responses import StableJSONResponse
from anju.messages import message_for

logger = logging.getLogger("anju.http")

# (request, status, payload) -> a page; the web package supplies it.
PageRenderer = Callable[[Request, int, dict[str, Any]], Response]

_FIELD_CODES: dict[str, str] = {
    "missing": "field_required",
    "string_type": "field_not_string",
    "int_type": "field_not_integer",
    "int_parsing": "field_not_integer",
    "int_from_float": "field_not_integer",
    "bool_type": "field_not_boolean",
    "bool_parsing": "field_not_boolean",
    "date_type": "field_not_date",
    "date_parsing": "field_not_date",
    "date_from_datetime_parsing": "field_not_date",
    "date_from_datetime_inexact": "field_not_date",
    "list_type": "field_not_list",
    "dict_type": "field_not_object",
    "model_type": "field_not_object",
    "model_attributes_type": "field_not_object",
    "string_too_short": "field_too_short",
    "string_too_long": "field_too_long",
    "too_short": "field_too_few_items",
    "too_long": "field_too_many_items",
    "greater_than": "field_out_of_range",
    "greater_than_equal": "field_out_of_range",
    "less_than": "field_out_of_range",
    "less_than_equal": "field_out_of_range",
    "extra_forbidden": "field_not_allowed",
    "literal_error": "field_not_in_choices",
    "enum": "field_not_in_choices",
    "json_invalid": "request_body_invalid_json",
    "yuan_amount": "field_amount_format",
}
_SAFE_CTX = ("min_length", "max_length", "expected")


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def error_payload(code: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    safe = {k: _json_safe(v) for k, v in (details or {}).items()}
    return {"code": code, "message": message_for(code, safe), "details": safe}


def field_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as [{location, field, code, message}] — without the rejected input."""
    out = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) if len(loc) > 1 else location
        code = _FIELD_CODES.get(str(err.get("type", "")), "field_invalid")
        ctx = {k: _json_safe(v) for k, v in (err.get("ctx") or {}).items() if k in _SAFE_CTX}
        out.append({"location": location, "field": field, "code": code, "message": message_for(code, ctx)})
    return out


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def internal_error_payload(request_id: str) -> dict[str, Any]:
    return error_payload("internal_error", {"request_id": request_id})


def respond(request: Request, status: int, payload: dict[str, Any], render_page: PageRenderer) -> Response:
    response = (
        StableJSONResponse(payload, status_code=status)
        if is_api_path(request.url.path)
        else render_page(request, status, payload)
    )
    # A 401 ends the cookie of the route's own realm only: a staff member who opens a hall
    # page by mistake keeps the counter session, and a hall user keeps theirs.
    cookie = HALL_COOKIE if is_hall_path(request.url.path) else SESSION_COOKIE
    if status == 401 and cookie in request.cookies:
        response.delete_cookie(cookie, path="/")
    return response


def install_error_handlers(app: FastAPI, render_page: PageRenderer) -> None:
    async def on_anju_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AnjuError)
        if exc.http_status >= 500:
            request_id = new_request_id()
            logger.error("request %s failed with %s on %s", request_id, exc.code, request.url.path)
        return respond(request, exc.http_status, error_payload(exc.code, exc.details), render_page)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        payload = error_payload("validation_error")
        payload["details"] = {"fields": field_errors(list(exc.errors()))}
        return respond(request, 422, payload, render_page)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        if status == 404:
            payload = error_payload(
                "not_found", {"what": "该接口" if is_api_path(request.url.path) else "该页面"}
            )
        elif status == 405:
            payload = error_payload("method_not_allowed")
        elif status < 500:
            payload = error_payload("bad_request")
        else:
            payload = internal_error_payload(new_request_id())
        return respond(request, status, payload, render_page)

    app.add_exception_handler(AnjuError, on_anju_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
