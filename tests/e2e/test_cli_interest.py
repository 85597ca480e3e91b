"""`anju batch run annual_interest` end to end: the settlement by hand, with its progress bar."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import _anju


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("anju-interest-home")
    result = _anju(home, "init", "--demo", "--business-date", "2026-11-23")
    assert result.returncode == 0, result.stdout + result.stderr
    return home


def test_the_settlement_runs_by_hand_once_and_only_on_30_june(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps its tables to the terminal width
    wrong = _anju(home, "batch", "run", "annual_interest", "--date", "2027-06-29")
    assert wrong.returncode != 0
    assert "年度结息只能在6月30日办理" in wrong.stdout + wrong.stderr

    first = _anju(home, "batch", "run", "annual_interest", "--date", "2027-06-30")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "annual_interest 2027-06-30 完成" in first.stdout
    again = _anju(home, "batch", "run", "annual_interest", "--date", "2027-06-30")
    assert "未重复执行" in again.stdout

    listed = _anju(home, "batch", "list")
    assert "annual_interest" in listed.stdout and "2027-06-30" in listed.stdout
    checked = _anju(home, "check-ledger")
    assert checked.returncode == 0, checked.stdout + checked.stderr
