"""Rules of the online halls (网厅): hall logins with a password and an SMS code.

Numbers follow what reliability.md A5 asks of one-time codes (single use, at most 5 minutes,
brute-force limited) and what the MOHURD service-platform guideline asks of channels (a login
and each money-moving request rate-limited). Pure: no clock is read here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final

from anju.errors import RuleViolation

SMS_CODE_DIGITS: Final = 6
SMS_CODE_LIFETIME: Final = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS: Final = 5  # then the code is void and the login starts again
SMS_RESEND_INTERVAL: Final = timedelta(seconds=60)  # one code a minute per account
SMS_CODES_PER_DAY: Final = 10  # per account: more is an attack on the phone, not a user
HALL_STATEMENT_YEARS: Final = 3  # statements in the halls: the last three years (older: counter)
HALL_SESSION_IDLE_MINUTES: Final = 15
HALL_SESSION_ABSOLUTE_HOURS: Final = 8

UNIT_KIND: Final = "unit"
PERSON_KIND: Final = "person"
DEVELOPER_KIND: Final = "developer"
KIND_LABELS: Final = {UNIT_KIND: "单位网厅", PERSON_KIND: "个人网厅", DEVELOPER_KIND: "开发商网厅"}

_PHONE = re.compile(r"1[3-9]\d{9}")
_DIGITS = re.compile(r"\d+")
# 统一社会信用代码 (GB 32100): 18 characters of digits and capitals without I, O, S, V, Z.
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


class HallRuleViolation(RuleViolation):
    """A hall rule refuses the request (a bad phone number, a code sent too often)."""


def normalise_phone(raw: str) -> str:
    """An 11-digit mainland mobile number, or hall_phone_invalid."""
    phone = (raw or "").strip().replace(" ", "").replace("-", "")
    if not _PHONE.fullmatch(phone):
        raise HallRuleViolation("hall_phone_invalid")
    return phone


def normalise_login(raw: str) -> str:
    """A unit's hall login is its unit account number (单位账号): digits only."""
    login = (raw or "").strip()
    return login if _DIGITS.fullmatch(login) and len(login) <= 40 else ""


def normalise_credit_code(raw: str) -> str:
    """A developer's hall login is its unified social credit code; "" when it cannot be one."""
    code = (raw or "").strip().upper()
    return code if _CREDIT_CODE.fullmatch(code) else ""


def code_expired(created_at: datetime, now: datetime) -> bool:
    return now - created_at > SMS_CODE_LIFETIME


def resend_wait_seconds(last_sent_at: datetime | None, now: datetime) -> int:
    """Seconds before another code may be sent (0: now)."""
    if last_sent_at is None:
        return 0
    wait = SMS_RESEND_INTERVAL - (now - last_sent_at)
    return max(0, -(-wait // timedelta(seconds=1)))  # whole seconds, rounded up


def login_code_text(code: str, minutes: int = SMS_CODE_LIFETIME // timedelta(minutes=1)) -> str:
    """The SMS a hall login sends (Simplified Chinese; never contains anything but the code)."""
    return f"【住房公积金】您的网厅登录验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"


def registration_code_text(code: str, minutes: int = SMS_CODE_LIFETIME // timedelta(minutes=1)) -> str:
    """The SMS an online registration of the personal hall sends."""
    return (
        f"【住房公积金】您正在开通个人网厅，验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
    )
