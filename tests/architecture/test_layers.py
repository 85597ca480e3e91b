"""The layer contract of DESIGN.md §1, checked by import-linter (also part of `make check`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_domain_and_ledger_do_no_io() -> None:
    """Pure layers import no database, web, file-system or clock modules."""
    banned = ("sqlalchemy", "fastapi", "starlette", "httpx", "socket", "subprocess", "anju.adapters")
    offenders = []
    for folder in ("domain", "ledger"):
        for path in (ROOT / "src" / "anju" / folder).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                stripped = line.strip()
                if stripped.startswith(("import ", "from ")) and any(b in stripped for b in banned):
                    offenders.append(f"{path.relative_to(ROOT)}: {stripped}")
    assert not offenders, offenders
