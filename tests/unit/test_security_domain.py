"""Pure security rules: TOTP (RFC 6238), password policy, lockout, sessions, 三权分立, the audit chain."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.security import (
    ADMIN_DUTIES,
    AUDIT_GENESIS_HASH,
    ROLE_PERMISSIONS,
    ChainVerdict,
    Role,
    SecurityRuleViolation,
    audit_chain_message,
    audit_details_json,
    check_csrf,
    check_password_policy,
    check_separation_of_duties,
    check_totp,
    check_username,
    decode_totp_secret,
    lockout_remaining_minutes,
    otpauth_uri,
    password_change_due,
    password_classes,
    session_expired,
    totp_now,
    totp_step,
)
from anju.errors import InvariantViolation, PermissionDenied
from anju.messages import message_for

# RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- TOTP ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "code"), RFC_VECTORS)
def test_totp_rfc6238_vectors_8_digits(seconds: int, code: str) -> None:
    assert totp_now(RFC_SECRET, at(seconds), digits=8) == code


@pytest.mark.parametrize(("seconds", "code"), RFC_VECTORS)
def test_totp_rfc6238_vectors_6_digits(seconds: int, code: str) -> None:
    # Dynamic truncation modulo 10^6 is the last six digits of the 8-digit code.
    assert totp_now(RFC_SECRET, at(seconds)) == code[-6:]


def test_totp_at_59_seconds_is_287082() -> None:
    assert totp_now(RFC_SECRET, at(59)) == "287082"


def test_totp_accepts_one_step_either_side_and_no_more() -> None:
    now = at(1_700_000_000)
    step = totp_step(now)
    for delta in (-30, 0, 30):
        code = totp_now(RFC_SECRET, now + timedelta(seconds=delta))
        assert check_totp(RFC_SECRET, code, now, last_step=0).step == step + delta // 30
    for delta in (-90, -60, 60, 90):
        code = totp_now(RFC_SECRET, now + timedelta(seconds=delta))
        assert not check_totp(RFC_SECRET, code, now, last_step=0).ok


def test_totp_step_already_used_is_a_replay() -> None:
    now = at(1_700_000_000)
    code = totp_now(RFC_SECRET, now)
    first = check_totp(RFC_SECRET, code, now, last_step=0)
    assert first.ok
    assert first.step is not None
    again = check_totp(RFC_SECRET, code, now, last_step=first.step)
    assert not again.ok
    assert again.reused
    # an older code after a newer one was used is a replay too
    older = totp_now(RFC_SECRET, now - timedelta(seconds=30))
    assert check_totp(RFC_SECRET, older, now, last_step=first.step).reused


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5"])
def test_totp_malformed_codes_never_match(code: str) -> None:
    result = check_totp(RFC_SECRET, code, at(1_700_000_000), last_step=0)
    assert not result.ok
    assert not result.reused


def test_totp_code_with_spaces_is_accepted() -> None:
    now = at(1_700_000_000)
    code = totp_now(RFC_SECRET, now)
    assert check_totp(RFC_SECRET, f" {code[:3]} {code[3:]} ", now, last_step=0).ok


def test_totp_secret_decoding_is_tolerant_but_not_lax() -> None:
    assert decode_totp_secret(RFC_SECRET.lower().rstrip("=")) == b"12345678901234567890"
    for bad in ("", "!!!!", "AAAA"):  # not base32, or fewer than 80 bits
        with pytest.raises(SecurityRuleViolation, match="totp_secret_invalid"):
            decode_totp_secret(bad)


def test_totp_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        totp_step(datetime(2026, 1, 1))


def test_otpauth_uri() -> None:
    uri = urlparse(otpauth_uri("JBSWY3DPEHPK3PXP", "zhang.san"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Anju%3Azhang.san")
    query = parse_qs(uri.query)
    assert query == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["Anju"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


# --- passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Zz9!Zz9!", "密码Abc12345"]
)
def test_strong_passwords_pass(password: str) -> None:
    check_password_policy(password)


@pytest.mark.parametrize(
    "password", ["", "Abc1!", "abcdefgh", "abcdefg1", "ABCDEFG1", "12345678!", "Abcdefgh"]
)
def test_weak_passwords_are_refused_with_the_minimum_length(password: str) -> None:
    with pytest.raises(SecurityRuleViolation) as caught:
        check_password_policy(password)
    assert caught.value.code == "password_too_weak"
    assert caught.value.details == {"min_length": 8}
    assert "至少 8 位" in caught.value.message


def test_new_password_must_differ_from_old_and_not_contain_the_username() -> None:
    with pytest.raises(SecurityRuleViolation, match="password_reused"):
        check_password_policy("Anju@2026", old="Anju@2026")
    with pytest.raises(SecurityRuleViolation, match="password_contains_username"):
        check_password_policy("Zhang.San@1", username="zhang.san")


def test_overlong_password_is_refused() -> None:
    with pytest.raises(SecurityRuleViolation, match="password_too_weak"):
        check_password_policy("Aa1!" * 40)


@given(st.text(min_size=8, max_size=40))
def test_policy_agrees_with_the_class_count(password: str) -> None:
    if password_classes(password) >= 3:
        check_password_policy(password)
    else:
        with pytest.raises(SecurityRuleViolation):
            check_password_policy(password)


def test_password_change_due() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert password_change_due(None, now) == "password_change_required"
    assert password_change_due(now - timedelta(days=89), now) is None
    assert password_change_due(now - timedelta(days=90), now) is None
    assert password_change_due(now - timedelta(days=90, seconds=1), now) == "password_expired"


@pytest.mark.parametrize("username", ["zhang.san", "clerk_01", "abc", "a" * 32])
def test_good_usernames(username: str) -> None:
    check_username(username)


@pytest.mark.parametrize("username", ["", "ab", "Zhang", "1abc", "a" * 33, "zhang san", "张三", "a;drop"])
def test_bad_usernames(username: str) -> None:
    with pytest.raises(SecurityRuleViolation, match="invalid_username"):
        check_username(username)


# --- lockout and sessions --------------------------------------------------------------------


def test_lockout_minutes_round_up() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert lockout_remaining_minutes(now + timedelta(minutes=30), now) == 30
    assert lockout_remaining_minutes(now + timedelta(minutes=29, seconds=1), now) == 30
    assert lockout_remaining_minutes(now + timedelta(seconds=1), now) == 1
    assert lockout_remaining_minutes(now, now) == 1


def test_session_idle_and_absolute_limits() -> None:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    assert not session_expired(start, start, start + timedelta(minutes=14, seconds=59))
    assert session_expired(start, start, start + timedelta(minutes=15))
    recent = start + timedelta(hours=7, minutes=59)
    assert not session_expired(start, recent, start + timedelta(hours=7, minutes=59, seconds=30))
    assert session_expired(start, recent, start + timedelta(hours=8))


def test_csrf_check() -> None:
    check_csrf("token-abc", "token-abc")
    for given_token in (None, "", "token-abd", "token-ab"):
        with pytest.raises(PermissionDenied, match="csrf_failed"):
            check_csrf("token-abc", given_token)


# --- separation of duties (三权分立, A8) -------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN},
        {Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN},
        {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN},
        set(ADMIN_DUTIES) | {Role.COUNTER_CLERK},
    ],
)
def test_two_admin_duties_on_one_account_are_refused(roles: set[str]) -> None:
    with pytest.raises(SecurityRuleViolation) as caught:
        check_separation_of_duties(roles)
    assert caught.value.code == "separation_of_duties"
    assert "不能由同一账户兼任" in caught.value.message


@given(st.sets(st.sampled_from(sorted(ROLE_PERMISSIONS))))
def test_separation_of_duties_property(roles: set[str]) -> None:
    if len(roles & ADMIN_DUTIES) > 1:
        with pytest.raises(SecurityRuleViolation):
            check_separation_of_duties(roles)
    else:
        check_separation_of_duties(roles)


def test_unknown_role_is_refused() -> None:
    with pytest.raises(SecurityRuleViolation) as caught:
        check_separation_of_duties({Role.COUNTER_CLERK, "root"})
    assert caught.value.code == "unknown_role"
    assert message_for(caught.value.code, caught.value.details) == "角色 root 不存在"


# --- the audit chain message -----------------------------------------------------------------

FIELDS: dict[str, Any] = {
    "seq": 7,
    "occurred_at": datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=UTC),
    "actor": "zhang.san",
    "actor_id": 3,
    "ip": "10.0.0.1",
    "action": "auth.login",
    "object_type": "operator",
    "object_id": "zhang.san",
    "result": "success",
    "reason": None,
    "details_json": audit_details_json({"b": 1, "a": "中文"}),
}


def test_details_json_is_canonical() -> None:
    assert (
        audit_details_json({"b": 1, "a": "中文", "c": None, "d": True})
        == '{"a":"中文","b":1,"c":null,"d":true}'
    )
    with pytest.raises(TypeError):
        audit_details_json({"x": 1.5})


def test_chain_message_covers_every_field() -> None:
    base = audit_chain_message(AUDIT_GENESIS_HASH, **FIELDS)
    assert base.startswith(AUDIT_GENESIS_HASH.encode())
    changes: dict[str, object] = {
        "seq": 8,
        "occurred_at": datetime(2026, 11, 23, 2, 0, 0, 123457, tzinfo=UTC),
        "actor": "li.si",
        "actor_id": 4,
        "ip": "10.0.0.2",
        "action": "auth.logout",
        "object_type": "voucher",
        "object_id": "x",
        "result": "failure",
        "reason": "r",
        "details_json": "{}",
    }
    for name, value in changes.items():
        assert audit_chain_message(AUDIT_GENESIS_HASH, **{**FIELDS, name: value}) != base, name
    assert audit_chain_message("1" * 64, **FIELDS) != base


def test_chain_message_is_independent_of_timezone_representation() -> None:
    occurred = datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=UTC)
    shanghai = occurred.astimezone(timezone(timedelta(hours=8)))
    same = {**FIELDS, "occurred_at": shanghai}
    assert audit_chain_message(AUDIT_GENESIS_HASH, **same) == audit_chain_message(
        AUDIT_GENESIS_HASH, **FIELDS
    )
    naive = {**FIELDS, "occurred_at": datetime(2026, 1, 1)}
    with pytest.raises(ValueError, match="aware"):
        audit_chain_message(AUDIT_GENESIS_HASH, **naive)


def test_chain_verdict_require_ok() -> None:
    ChainVerdict(ok=True, checked=3).require_ok()
    with pytest.raises(InvariantViolation) as caught:
        ChainVerdict(ok=False, checked=2, first_broken_seq=3, reason="hash_mismatch").require_ok()
    assert caught.value.code == "audit_chain_broken"
    assert "第 3 条" in caught.value.message
