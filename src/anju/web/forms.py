"""Helpers for the counter's forms: keep what was typed, show the Chinese message beside it."""

from __future__ import annotations

from typing import Any

from anju.errors import AnjuError
from anju.http.errors import error_payload


def error_of(exc: AnjuError) -> dict[str, Any]:
    return error_payload(exc.code, exc.details)
