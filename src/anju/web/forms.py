"""Helpers for the counter's forms: keep what was typed, show the Chinese message beside it."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from anju.errors import AnjuError
from anju.http.errors import error_payload


def error_of(exc: AnjuError) -> dict[str, Any]:
    return error_payload(exc.code, exc.details)


async def form_values(request: Request, *names: str) -> dict[str, str]:
    """The named text fields of a submitted form (missing ones as empty strings)."""
    form = await request.form()
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    return values
