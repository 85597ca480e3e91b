"""The `anju` command end to end: init, demo, policy, eod, audit verify, check-ledger."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_MASTER_KEY

ANJU = str(Path(sys.executable).parent / "anju")


def _anju(home: Path, *args: str, key: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}
    env["ANJU_HOME"] = str(home)
    env["ANJU_PASSWORD_ITERATIONS"] = "2000"
    if key:
        env["ANJU_MASTER_KEY"] = TEST_MASTER_KEY
    return subprocess.run([ANJU, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("anju-home")
    result = _anju(home, "init", "--demo", "--business-date", "2026-11-23")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "会计日期：初始化为 2026-11-23" in result.stdout
    assert "clerk" in result.stdout and "Guimian#2026" in result.stdout
    return home


def test_init_creates_a_key_file_when_none_is_configured(tmp_path: Path) -> None:
    result = _anju(tmp_path, "init", "--business-date", "2026-11-23", key=False)
    assert result.returncode == 0, result.stdout + result.stderr
    key_file = tmp_path / "keys" / "master.key"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_init_is_idempotent(home: Path) -> None:
    again = _anju(home, "init", "--demo")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "会计科目：已存在" in again.stdout
    assert "政策参数：已存在" in again.stdout


def test_policy_show_prints_the_reference_policy(home: Path) -> None:
    result = _anju(home, "policy", "show")
    assert result.returncode == 0, result.stderr
    assert "2026-11-23 生效的政策参数" in result.stdout


def test_eod_advances_the_business_date(home: Path) -> None:
    result = _anju(home, "eod", "--date", "2026-11-23")
    assert result.returncode == 0, result.stdout + result.stderr
    wrong = _anju(home, "eod", "--date", "2026-11-23")  # already advanced: refused
    assert wrong.returncode == 1
    assert "不符" in wrong.stdout
    shown = _anju(home, "policy", "show")
    assert str(date(2026, 11, 23) + timedelta(days=1)) in shown.stdout


def test_audit_verify_and_check_ledger_pass(home: Path) -> None:
    audit = _anju(home, "audit", "verify")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "审计日志链完整" in audit.stdout
    ledger = _anju(home, "check-ledger")
    assert ledger.returncode == 0, ledger.stdout + ledger.stderr
    assert "账务检查通过" in ledger.stdout


def test_a_signed_audit_anchor_is_written_and_checked(home: Path, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors"
    made = _anju(home, "audit", "anchor", "--dir", str(anchors))
    assert made.returncode == 0, made.stdout + made.stderr
    (file,) = anchors.glob("anchor-*.json")
    assert '"signature"' in file.read_text(encoding="utf-8")
    checked = _anju(home, "audit", "verify", "--anchors", str(anchors))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 个签名锚点均与审计日志一致" in checked.stdout
    file.write_text(file.read_text(encoding="utf-8").replace('"seq": ', '"seq": 1'), encoding="utf-8")
    refused = _anju(home, "audit", "verify", "--anchors", str(anchors))
    assert refused.returncode == 2
    assert "锚点签名无效" in refused.stdout


def test_demo_totp_prints_six_digits(home: Path) -> None:
    result = _anju(home, "demo-totp", "clerk")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().isdigit() and len(result.stdout.strip()) == 6


def test_readme_lists_the_demo_operators() -> None:
    from anju.services.setup import DEMO_OPERATORS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for username, _name, _role, password, secret, _branch in DEMO_OPERATORS:
        assert f"`{username}`" in readme and f"`{password}`" in readme and f"`{secret}`" in readme
    from anju.services.setup import DEMO_HALL_PASSWORD, DEMO_HALL_PHONE

    assert f"`{DEMO_HALL_PASSWORD}`" in readme
    assert f"anju sms inbox {DEMO_HALL_PHONE}" in readme


def test_the_demo_opens_a_unit_hall_whose_codes_the_sms_inbox_shows(home: Path) -> None:
    again = _anju(home, "demo")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "单位网厅（/hall）：单位账号" in again.stdout
    assert "Danwei#2026" in again.stdout
    empty = _anju(home, "sms", "inbox", "13800138000")
    assert empty.returncode == 0, empty.stderr
    assert "138****8000：没有短信" in empty.stdout
    bad = _anju(home, "sms", "inbox", "12345")
    assert bad.returncode == 1
    assert "手机号码不正确" in bad.stdout
