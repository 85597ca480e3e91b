"""No float in money code (reliability L5): no float literal, no float() call, no float annotation.

A few modules measure time or draw charts and may use floats; they are listed with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "anju"
ALLOWED = {
    "adapters/clock.py": "monotonic seconds for timeouts, not money",
}
# Elapsed-time arithmetic, and the synthetic-city generator's random distributions (weights and
# log-normal draws for demo data; every amount it writes is rounded to integer fen through Money).
ALLOWED_PREFIXES = ("api/ratelimit", "web/ratelimit", "batch/progress", "batch/synthetic_city/")


def _float_uses(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "float":
            # isinstance(x, float) guards that *refuse* floats are allowed.
            lines.append(node.lineno)
    return lines


def _guard_lines(tree: ast.AST) -> set[int]:
    """Lines where `float` appears only inside an isinstance(...) check that rejects it."""
    guards: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance":
            guards.add(node.lineno)
    return guards


def test_no_float_in_source() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED or rel.startswith(ALLOWED_PREFIXES):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guards = _guard_lines(tree)
        offenders += [f"{rel}:{line}" for line in _float_uses(tree) if line not in guards]
    assert not offenders, f"float used outside the allow-list: {offenders}"


def test_the_check_catches_a_float() -> None:
    tree = ast.parse("def interest(balance_fen: int) -> int:\n    return int(balance_fen * 0.015 / 360)\n")
    assert _float_uses(tree) == [2]
