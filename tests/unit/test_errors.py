"""Errors carry stable codes; every code raised in the code base has a Chinese message."""

from __future__ import annotations

import re
from pathlib import Path

from anju.errors import Conflict, NotFound, RuleViolation
from anju.messages import MESSAGES, message_for

SRC = Path(__file__).resolve().parents[2] / "src" / "anju"
# Matches SomethingError("code", ...) / RuleViolation("code" ... — the first literal argument.
RAISE_RE = re.compile(
    r"\b(?:[A-Z][A-Za-z]*(?:Error|Violation|Conflict|NotFound|Denied|Failed))\(\s*\"([a-z][a-z0-9_]+)\""
)


def test_families_have_statuses() -> None:
    assert RuleViolation("x").http_status == 422
    assert NotFound("x").http_status == 404
    assert Conflict("x").http_status == 409


def test_message_fills_details_and_tolerates_missing_ones() -> None:
    assert message_for("invalid_amount", {"value": "1e3"}).endswith("如 1234.56）")
    assert "{value}" in message_for("invalid_amount", {})
    assert "unknown_code_xyz" in message_for("unknown_code_xyz")


def test_every_raised_code_has_a_chinese_message() -> None:
    missing: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for code in RAISE_RE.findall(path.read_text(encoding="utf-8")):
            if code not in MESSAGES:
                missing[code] = str(path.relative_to(SRC))
    assert not missing, f"codes without a message in anju/messages.py: {missing}"


def test_messages_are_chinese() -> None:
    for code, text in MESSAGES.items():
        assert re.search(r"[\u4e00-\u9fff]", text), code
