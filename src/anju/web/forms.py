"""Helpers for the counter's forms: keep what was typed, show the Chinese message beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from anju.errors import AnjuError
from anju.http.context import container_of
from anju.http.errors import error_payload
from anju.services.ports import UnitOfWork
from anju.services.runner import run


def error_of(exc: AnjuError) -> dict[str, Any]:
    return error_payload(exc.code, exc.details)


def run_and_redirect(
    request: Request,
    fn: Callable[[UnitOfWork], object],
    success: str,
    on_error: Callable[[dict[str, Any], int], Response],
) -> Response:
    """A form's command (POST/redirect/GET): run it in one transaction and go to `success`; a
    refusal re-renders the page through `on_error(error, status)` with the Chinese message."""
    try:
        run(container_of(request).uow, fn)
    except AnjuError as exc:
        return on_error(error_of(exc), exc.http_status)
    return RedirectResponse(success, status_code=303)
