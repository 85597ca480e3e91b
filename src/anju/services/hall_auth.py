"""Online-hall accounts and logins (网厅账户与登录): password, then a one-time SMS code.

The counter opens a unit's hall account for its operator (经办人) with the operator's mobile
number and hands over an initial password, changed at the first login. A login is two steps:
`begin_login` checks the password and queues a code to the registered phone; `finish_login`
checks the code and opens a hall session. Refusals are audited and counted like staff logins
(the 5th wrong password locks for 30 minutes; a code allows 5 attempts, lives 5 minutes and is
used once; one code a minute and 10 a day per account). Like `auth.login`, the login functions
return an outcome instead of raising, so that the caller's `run()` commits the failure count
and the audit row before raising `outcome.error`.

Three kinds share these code paths (ADR 0014): a unit's operator (login: the unit account
number), a depositor who opened the personal hall online (login: the ID number's blind index),
and a developer admitted for cooperation (login: its unified social credit code; the counter
side is services/developer_hall.py).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from anju.domain.contributions import UnitStatus
from anju.domain.hall import (
    DEVELOPER_KIND,
    HALL_SESSION_ABSOLUTE_HOURS,
    HALL_SESSION_IDLE_MINUTES,
    PERSON_KIND,
    SMS_CODE_DIGITS,
    SMS_CODE_LIFETIME,
    SMS_CODE_MAX_ATTEMPTS,
    SMS_CODES_PER_DAY,
    UNIT_KIND,
    HallRuleViolation,
    login_code_text,
    normalise_credit_code,
    normalise_login,
    normalise_phone,
    registration_code_text,
    resend_wait_seconds,
)
from anju.domain.security import (
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    SESSION_TOUCH_SECONDS,
    Actor,
    AuditEvent,
    HallRole,
    Permission,
    SecurityRuleViolation,
    check_password_policy,
    is_locked,
    lockout_remaining_minutes,
    require_live_session,
)
from anju.errors import AnjuError, AuthenticationFailed, Conflict, NotFound, PermissionDenied
from anju.ids import ResidentId, mask_phone
from anju.services import sms
from anju.services.auth import LiveSession, generate_initial_password
from anju.services.hall_ports import HallAccountRecord
from anju.services.ports import CryptoProvider, UnitOfWork
from anju.services.units import load_unit

ACTIVE: Final = "active"
PENDING: Final = "pending"
DISABLED: Final = "disabled"
UNIT_CHANNEL: Final = "unit_hall"
PERSONAL_CHANNEL: Final = "personal_hall"
DEVELOPER_CHANNEL: Final = "developer_hall"
_NAME_MAX: Final = 50


class HallAccountExists(Conflict):
    """The unit has a hall account already (reset it instead)."""


class HallAccountNotFound(NotFound):
    """No hall account for that unit."""


@dataclass(frozen=True, slots=True)
class HallAccountView:
    login: str
    kind: str
    unit_account_no: str
    display_name: str
    phone_masked: str
    status: str
    locked: bool
    must_change_password: bool
    created_at: datetime
    created_by: str
    last_login_at: datetime | None
    developer_code: str = ""  # kind developer: the company's code at the centre (开发商编号)


@dataclass(frozen=True, slots=True)
class NewHallAccount:
    """A new (or reset) account: the initial password is shown once, for the handover slip."""

    account: HallAccountView
    initial_password: str


@dataclass(frozen=True, slots=True)
class LoginStep:
    """The outcome of the password step: a challenge to carry to the code step, or an error."""

    ok: bool
    challenge: str | None = None
    phone_masked: str | None = None
    error: AnjuError | None = None

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


@dataclass(frozen=True, slots=True)
class HallLoginOutcome:
    ok: bool
    token: str | None = None
    csrf_token: str | None = None
    actor: Actor | None = None
    must_change_password: bool = False
    error: AnjuError | None = None

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


def _login_of_unit(unit_account_no: str) -> str:
    return f"{UNIT_KIND}:{unit_account_no}"


def _login_of_person(uow: UnitOfWork, resident_id: str) -> str:
    """A depositor logs in with the ID number; only its blind index is stored (never the number)."""
    return f"{PERSON_KIND}:{uow.crypto.blind_index('resident_id', resident_id)}"


def _login_of(uow: UnitOfWork, kind: str, login_name: str) -> str:
    """The stored login for what the user typed, or "" when it cannot be one (same answer as a
    wrong password: nothing tells an unknown login from a wrong one)."""
    if kind == UNIT_KIND:
        normalised = normalise_login(login_name)
        return _login_of_unit(normalised) if normalised else ""
    if kind == PERSON_KIND:
        try:
            return _login_of_person(uow, ResidentId(login_name.strip().upper()).reveal())
        except AnjuError:
            return ""
    if kind == DEVELOPER_KIND:
        code = normalise_credit_code(login_name)
        return login_of_developer(code) if code else ""
    return ""


def login_of_developer(credit_code: str) -> str:
    """A developer logs in with its unified social credit code (统一社会信用代码)."""
    return f"{DEVELOPER_KIND}:{credit_code}"


def _phone_context(login: str) -> str:
    return f"hall_phone:{login}"


def _hash(crypto: CryptoProvider, text: str) -> str:
    return crypto.sm3(text.encode("utf-8")).hex()


def _view(
    uow: UnitOfWork, record: HallAccountRecord, unit_account_no: str = "", developer_code: str = ""
) -> HallAccountView:
    phone = uow.crypto.decrypt(record.phone_enc, context=_phone_context(record.login))
    return HallAccountView(
        login=record.login.partition(":")[2],
        kind=record.kind,
        unit_account_no=unit_account_no,
        developer_code=developer_code,
        display_name=record.display_name,
        phone_masked=mask_phone(phone),
        status=record.status,
        locked=record.locked_until is not None and is_locked(record.locked_until, uow.now_utc()),
        must_change_password=record.password_changed_at is None,
        created_at=record.created_at,
        created_by=record.created_by,
        last_login_at=record.last_login_at,
    )


def _handler_name(display_name: str) -> str:
    name = (display_name or "").strip()
    if not name:
        raise HallRuleViolation("required_field", field="经办人姓名")
    if len(name) > _NAME_MAX:
        raise HallRuleViolation("text_too_long", field="经办人姓名", max=_NAME_MAX)
    return name


# --- the counter: open, reset, disable -----------------------------------------------------------


def open_unit_account(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, *, handler_name: str, phone: str
) -> NewHallAccount:
    """开通单位网厅: the unit's operator account with a one-time initial password."""
    actor.require(Permission.HALL_ACCOUNTS_MANAGE)
    unit = load_unit(uow, actor, unit_account_no)
    if unit.status == UnitStatus.CLOSED:
        raise HallRuleViolation("hall_unit_closed")
    login = _login_of_unit(unit.unit_account_no)
    created = open_account(
        uow, actor, UNIT_KIND, login, handler_name=handler_name, phone=phone, unit_id=unit.id
    )
    if created is None:
        raise HallAccountExists("hall_account_exists", unit=unit.unit_account_no)
    record, password = created
    return NewHallAccount(_view(uow, record, unit.unit_account_no), password)


def open_account(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    login: str,
    *,
    handler_name: str,
    phone: str,
    unit_id: int | None = None,
    developer_id: int | None = None,
) -> tuple[HallAccountRecord, str] | None:
    """A new hall account of any kind the counter opens, with its one-time initial password;
    None when the login has an account already. The caller checked permission and scope."""
    name = _handler_name(handler_name)
    mobile = normalise_phone(phone)
    password = generate_initial_password(uow.crypto)
    new_id = uow.hall.insert_account(
        kind=kind,
        login=login,
        unit_id=unit_id,
        developer_id=developer_id,
        display_name=name,
        phone_enc=uow.crypto.encrypt(mobile, context=_phone_context(login)),
        phone_index=sms.phone_index(uow, mobile),
        password_hash=uow.crypto.hash_password(password),
        created_at=uow.now_utc(),
        created_by=actor.username,
    )
    if new_id is None:
        return None
    uow.audit.append(AuditEvent.by(actor, "hall.account_open", "hall_account", login))
    record = uow.hall.account_by_id(new_id)
    assert record is not None  # inserted above
    return record, password


def _unit_account(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> tuple[HallAccountRecord, str]:
    unit = load_unit(uow, actor, unit_account_no)
    record = uow.hall.account_by_login(UNIT_KIND, _login_of_unit(unit.unit_account_no), for_update=True)
    if record is None:
        raise HallAccountNotFound("not_found", what=f"单位 {unit.unit_account_no} 的网厅账户")
    return record, unit.unit_account_no


def unit_account(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> HallAccountView | None:
    """The unit's hall account, if it has one."""
    actor.require(Permission.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    record = uow.hall.account_by_login(UNIT_KIND, _login_of_unit(unit.unit_account_no))
    return None if record is None else _view(uow, record, unit.unit_account_no)


def reset_unit_account(
    uow: UnitOfWork, actor: Actor, unit_account_no: str, *, handler_name: str, phone: str
) -> NewHallAccount:
    """经办人变更 / 重置密码: new operator details and a new initial password; sessions end."""
    actor.require(Permission.HALL_ACCOUNTS_MANAGE)
    record, unit_no = _unit_account(uow, actor, unit_account_no)
    fresh, password = reset_account(uow, actor, record, handler_name=handler_name, phone=phone)
    return NewHallAccount(_view(uow, fresh, unit_no), password)


def reset_account(
    uow: UnitOfWork, actor: Actor, record: HallAccountRecord, *, handler_name: str, phone: str
) -> tuple[HallAccountRecord, str]:
    """New operator details and a new initial password for any kind; its sessions end."""
    name = _handler_name(handler_name)
    mobile = normalise_phone(phone)
    password = generate_initial_password(uow.crypto)
    now = uow.now_utc()
    uow.hall.update_account(
        record.id,
        display_name=name,
        phone_enc=uow.crypto.encrypt(mobile, context=_phone_context(record.login)),
        phone_index=sms.phone_index(uow, mobile),
        password_hash=uow.crypto.hash_password(password),
        password_changed_at=None,
        failed_logins=0,
        locked_until=None,
        status=ACTIVE,
    )
    uow.hall.revoke_sessions_of(record.id, now)
    uow.hall.void_challenges_of(record.id, now)
    uow.audit.append(AuditEvent.by(actor, "hall.account_reset", "hall_account", record.login))
    fresh = uow.hall.account_by_id(record.id)
    assert fresh is not None
    return fresh, password


def disable_unit_account(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> HallAccountView:
    """停用: the account cannot log in and its sessions end at once."""
    actor.require(Permission.HALL_ACCOUNTS_MANAGE)
    record, unit_no = _unit_account(uow, actor, unit_account_no)
    return _view(uow, disable_account(uow, actor, record), unit_no)


def disable_account(uow: UnitOfWork, actor: Actor, record: HallAccountRecord) -> HallAccountRecord:
    """停用 an account of any kind: it cannot log in and its sessions end at once."""
    now = uow.now_utc()
    uow.hall.update_account(record.id, status=DISABLED)
    uow.hall.revoke_sessions_of(record.id, now)
    uow.hall.void_challenges_of(record.id, now)
    uow.audit.append(AuditEvent.by(actor, "hall.account_disable", "hall_account", record.login))
    fresh = uow.hall.account_by_id(record.id)
    assert fresh is not None
    return fresh


def account_view(
    uow: UnitOfWork, record: HallAccountRecord, *, unit_account_no: str = "", developer_code: str = ""
) -> HallAccountView:
    """What the counter shows of an account (phone masked)."""
    return _view(uow, record, unit_account_no, developer_code)


def seed_unit_account(
    uow: UnitOfWork, unit_account_no: str, *, handler_name: str, phone: str, password: str
) -> str | None:
    """A unit hall account with a known password, for `anju demo` (no actor: the CLI on the
    server; audited as system:seed). The password still meets the policy and counts as changed.
    Returns the login, or None when the unit has one already."""
    unit = uow.units.get(unit_account_no)
    if unit is None:
        raise HallAccountNotFound("not_found", what=f"单位 {unit_account_no}")
    check_password_policy(password)
    login = _login_of_unit(unit.unit_account_no)
    mobile = normalise_phone(phone)
    now = uow.now_utc()
    new_id = uow.hall.insert_account(
        kind=UNIT_KIND,
        login=login,
        unit_id=unit.id,
        display_name=_handler_name(handler_name),
        phone_enc=uow.crypto.encrypt(mobile, context=_phone_context(login)),
        phone_index=sms.phone_index(uow, mobile),
        password_hash=uow.crypto.hash_password(password),
        created_at=now,
        created_by="system:seed",
    )
    if new_id is None:
        return None
    uow.hall.update_account(new_id, password_changed_at=now)
    uow.audit.append(
        AuditEvent(
            action="hall.account_open", object_type="hall_account", object_id=login, actor="system:seed"
        )
    )
    return unit.unit_account_no


# --- login ------------------------------------------------------------------------------------------


def _refused(  # noqa: PLR0917 - an internal helper called with the same six facts
    uow: UnitOfWork,
    login: str,
    record: HallAccountRecord | None,
    ip: str | None,
    reason: str,
    error: AnjuError,
) -> AnjuError:
    uow.audit.append(
        AuditEvent(
            action="hall.login",
            object_type="hall_account",
            object_id=login[:64] or "-",
            result="failure",
            actor=f"hall:{login}"[:64],
            ip=ip,
            reason=reason,
            details={} if record is None else {"failures": record.failed_logins},
        )
    )
    return error


def _count_failure(uow: UnitOfWork, record: HallAccountRecord, ip: str | None, reason: str) -> AnjuError:
    failures = uow.hall.add_failed_login(record.id)
    if failures < MAX_FAILED_LOGINS:
        return _refused(uow, record.login, record, ip, reason, AuthenticationFailed("hall_login_failed"))
    uow.hall.update_account(
        record.id, locked_until=uow.now_utc() + timedelta(minutes=LOCKOUT_MINUTES), failed_logins=0
    )
    error = AuthenticationFailed("account_locked", minutes=LOCKOUT_MINUTES)
    return _refused(uow, record.login, record, ip, reason, error)


def _random_code(crypto: CryptoProvider) -> str:
    # 8 random bytes modulo 10^6: the bias is below 10^-13.
    return str(int.from_bytes(crypto.random_bytes(8), "big") % 10**SMS_CODE_DIGITS).zfill(SMS_CODE_DIGITS)


def begin_login(uow: UnitOfWork, kind: str, login_name: str, password: str, ip: str | None) -> LoginStep:
    """Step 1: check the password; queue a code to the registered phone. Never raises for bad
    credentials (see the module docstring); refusals: login_failed, account_locked,
    account_disabled, sms_too_soon, sms_daily_limit."""
    crypto = uow.crypto
    now = uow.now_utc()
    login = _login_of(uow, kind, login_name)
    record = uow.hall.account_by_login(kind, login, for_update=True) if login else None
    if record is None:
        crypto.verify_password(password, crypto.password_hash_placeholder())  # same cost
        error = _refused(uow, login, None, ip, "unknown_account", AuthenticationFailed("hall_login_failed"))
        return LoginStep(ok=False, error=error)
    password_ok = crypto.verify_password(password, record.password_hash)
    if record.locked_until is not None and is_locked(record.locked_until, now):
        minutes = lockout_remaining_minutes(record.locked_until, now)
        error = AuthenticationFailed("account_locked", minutes=minutes)
        return LoginStep(ok=False, error=_refused(uow, login, record, ip, "account_locked", error))
    if not password_ok:
        return LoginStep(ok=False, error=_count_failure(uow, record, ip, "wrong_password"))
    if record.status != ACTIVE:
        error = AuthenticationFailed("account_disabled")
        return LoginStep(ok=False, error=_refused(uow, login, record, ip, "account_disabled", error))
    return _send_code(uow, record, ip, "hall_login")


@dataclass(frozen=True, slots=True)
class _Scope:
    """Whom a hall account speaks for: a unit, a depositor's own account, or a developer."""

    username: str
    role: str
    channel: str
    branch_id: int | None
    unit_id: int | None = None
    member_id: int | None = None
    developer_id: int | None = None


def _scope(uow: UnitOfWork, record: HallAccountRecord) -> _Scope | None:
    if record.kind == PERSON_KIND:
        account = uow.members.account_of_person(record.member_id) if record.member_id is not None else None
        if account is None:
            return None
        return _Scope(
            f"hall:person:{account.account_no}",
            HallRole.DEPOSITOR,
            PERSONAL_CHANNEL,
            account.branch_id,
            member_id=account.member_id,
        )
    if record.kind == DEVELOPER_KIND:
        developer = (
            uow.loans.developer_by_id(record.developer_id) if record.developer_id is not None else None
        )
        if developer is None:
            return None
        return _Scope(
            f"hall:{record.login}",
            HallRole.DEVELOPER,
            DEVELOPER_CHANNEL,
            developer.branch_id,
            developer_id=developer.id,
        )
    unit = uow.units.get_by_id(record.unit_id) if record.unit_id is not None else None
    if unit is None:
        return None
    return _Scope(
        f"hall:{record.login}", HallRole.UNIT_OPERATOR, UNIT_CHANNEL, unit.branch_id, unit_id=unit.id
    )


def _actor(uow: UnitOfWork, record: HallAccountRecord, ip: str | None, session_id: int | None) -> Actor:
    scope = _scope(uow, record)
    if scope is None:
        raise AuthenticationFailed("account_disabled")
    return Actor(
        username=scope.username[:64],
        roles=frozenset({scope.role}),
        display_name=record.display_name,
        branch_id=scope.branch_id,
        ip=ip,
        channel=scope.channel,
        session_id=session_id,
        unit_id=scope.unit_id,
        member_id=scope.member_id,
        developer_id=scope.developer_id,
    )


def _spend_code(
    uow: UnitOfWork, challenge: str, code: str, ip: str | None, *, pending: bool
) -> HallAccountRecord | AnjuError:
    """The account whose code this is, with the code spent; or the refusal (counted, audited).
    `pending`: the code finishes an online registration rather than a login."""
    crypto = uow.crypto
    now = uow.now_utc()
    found = (
        uow.hall.challenge_by_token_hash(_hash(crypto, challenge or ""), for_update=True)
        if challenge
        else None
    )
    if found is None or found.used_at is not None or now >= found.expires_at:
        return AuthenticationFailed("sms_code_void")
    record = uow.hall.account_by_id(found.hall_account_id, for_update=True)
    assert record is not None  # the challenge's foreign key
    expected = _hash(crypto, f"{challenge}:{(code or '').strip()}")
    if not hmac.compare_digest(expected, found.code_hash):  # constant time
        attempts = uow.hall.count_attempt(found.id)
        if attempts >= SMS_CODE_MAX_ATTEMPTS:
            uow.hall.use_challenge(found.id, now)
            return _refused(
                uow, record.login, record, ip, "code_attempts", AuthenticationFailed("sms_code_void")
            )
        error = AuthenticationFailed("sms_code_invalid", left=SMS_CODE_MAX_ATTEMPTS - attempts)
        return _refused(uow, record.login, record, ip, "wrong_code", error)
    expected_status = PENDING if pending else ACTIVE
    if record.status != expected_status or (
        record.locked_until is not None and is_locked(record.locked_until, now)
    ):
        return _refused(
            uow, record.login, record, ip, "account_disabled", AuthenticationFailed("account_disabled")
        )
    if not uow.hall.use_challenge(found.id, now):  # a concurrent request used the code first
        return AuthenticationFailed("sms_code_void")
    return record


def _open_session(uow: UnitOfWork, record: HallAccountRecord, ip: str | None) -> HallLoginOutcome:
    crypto = uow.crypto
    now = uow.now_utc()
    uow.hall.update_account(record.id, failed_logins=0, last_login_at=now)
    uow.hall.revoke_sessions_of(record.id, now)  # one live session per account
    token = crypto.random_token(32)
    csrf_token = crypto.random_token(32)
    session_id = uow.hall.insert_session(
        account_id=record.id, token_hash=_hash(crypto, token), csrf_token=csrf_token, now=now, ip=ip
    )
    actor = _actor(uow, record, ip, session_id)
    uow.audit.append(AuditEvent.by(actor, "hall.login", "hall_account", record.login))
    return HallLoginOutcome(
        ok=True,
        token=token,
        csrf_token=csrf_token,
        actor=actor,
        must_change_password=record.password_changed_at is None,
    )


def finish_login(uow: UnitOfWork, challenge: str, code: str, ip: str | None) -> HallLoginOutcome:
    """Step 2: check the SMS code; open a hall session. Refusals: sms_code_invalid (counted),
    sms_code_void (too many attempts, expired or used: log in again), account_disabled."""
    spent = _spend_code(uow, challenge, code, ip, pending=False)
    if isinstance(spent, AnjuError):
        return HallLoginOutcome(ok=False, error=spent)
    return _open_session(uow, spent, ip)


# --- a depositor opens the personal hall online (个人网厅注册) ------------------------------------


def _send_code(uow: UnitOfWork, record: HallAccountRecord, ip: str | None, purpose: str) -> LoginStep:
    """A new code to the account's phone, within the resend limits (the old ones are void)."""
    crypto = uow.crypto
    now = uow.now_utc()
    recent = uow.hall.challenges_since(record.id, now - timedelta(days=1))
    if len(recent) >= SMS_CODES_PER_DAY:
        error = HallRuleViolation("sms_daily_limit", limit=SMS_CODES_PER_DAY)
        return LoginStep(ok=False, error=_refused(uow, record.login, record, ip, "sms_daily_limit", error))
    wait = resend_wait_seconds(recent[0] if recent else None, now)
    if wait:
        error = HallRuleViolation("sms_too_soon", seconds=wait)
        return LoginStep(ok=False, error=_refused(uow, record.login, record, ip, "sms_too_soon", error))
    uow.hall.void_challenges_of(record.id, now)
    challenge = crypto.random_token(32)
    code = _random_code(crypto)
    uow.hall.insert_challenge(
        account_id=record.id,
        token_hash=_hash(crypto, challenge),
        code_hash=_hash(crypto, f"{challenge}:{code}"),
        created_at=now,
        expires_at=now + SMS_CODE_LIFETIME,
    )
    phone = crypto.decrypt(record.phone_enc, context=_phone_context(record.login))
    text = registration_code_text(code) if purpose == "hall_register" else login_code_text(code)
    sms.queue(uow, phone, text, purpose)
    uow.audit.append(
        AuditEvent(
            action=f"{purpose}_code_sent".replace("hall_", "hall."),
            object_type="hall_account",
            object_id=record.login[:64],
            actor=f"hall:{record.login}"[:64],
            ip=ip,
        )
    )
    return LoginStep(ok=True, challenge=challenge, phone_masked=mask_phone(phone))


def begin_registration(uow: UnitOfWork, resident_id: str, name: str, phone: str, ip: str | None) -> LoginStep:
    """Step 1: the depositor proves who they are with the ID number, the name and the mobile
    number registered at the centre; a code goes to that phone. One answer for every mismatch
    (person_not_verified), so the form reveals nobody's data. Never raises for bad input."""
    not_verified = AuthenticationFailed("person_not_verified")
    try:
        rid = ResidentId((resident_id or "").strip().upper()).reveal()
        mobile = normalise_phone(phone)
    except AnjuError:
        return LoginStep(ok=False, error=_refused(uow, "", None, ip, "register_invalid", not_verified))
    login = _login_of_person(uow, rid)
    person = uow.members.person_by_resident_id(rid)
    account = uow.members.account_of_person(person.id) if person is not None else None
    if person is None or account is None or person.name != (name or "").strip() or person.phone != mobile:
        return LoginStep(ok=False, error=_refused(uow, login, None, ip, "register_mismatch", not_verified))
    record = uow.hall.account_by_login(PERSON_KIND, login, for_update=True)
    if record is None:
        new_id = uow.hall.insert_account(
            kind=PERSON_KIND,
            login=login,
            unit_id=None,
            member_id=person.id,
            display_name=person.name,
            phone_enc=uow.crypto.encrypt(mobile, context=_phone_context(login)),
            phone_index=sms.phone_index(uow, mobile),
            # Unusable until the code proves the phone and the person chooses a password.
            password_hash=uow.crypto.hash_password(uow.crypto.random_token(32)),
            created_at=uow.now_utc(),
            created_by="self:personal_hall",
        )
        if new_id is None:  # a concurrent registration of the same person won
            return LoginStep(ok=False, error=AuthenticationFailed("sms_code_void"))
        uow.hall.update_account(new_id, status=PENDING)
        record = uow.hall.account_by_id(new_id)
        assert record is not None
    elif record.status != PENDING:
        error = HallRuleViolation("hall_registered")
        return LoginStep(ok=False, error=_refused(uow, login, record, ip, "already_registered", error))
    return _send_code(uow, record, ip, "hall_register")


def finish_registration(
    uow: UnitOfWork, challenge: str, code: str, password: str, ip: str | None
) -> HallLoginOutcome:
    """Step 2: the code proves the phone; the chosen password is set and a session opens."""
    try:
        check_password_policy(password)
    except AnjuError as exc:  # before the code is spent: the person just chooses again
        return HallLoginOutcome(ok=False, error=exc)
    spent = _spend_code(uow, challenge, code, ip, pending=True)
    if isinstance(spent, AnjuError):
        return HallLoginOutcome(ok=False, error=spent)
    now = uow.now_utc()
    uow.hall.update_account(
        spent.id, password_hash=uow.crypto.hash_password(password), password_changed_at=now, status=ACTIVE
    )
    uow.audit.append(
        AuditEvent(
            action="hall.register",
            object_type="hall_account",
            object_id=spent.login[:64],
            actor=f"hall:{spent.login}"[:64],
            ip=ip,
        )
    )
    fresh = uow.hall.account_by_id(spent.id)
    assert fresh is not None
    return _open_session(uow, fresh, ip)


def live_hall_session(
    uow: UnitOfWork, token: str, ip: str | None, *, allow_password_change_due: bool = False
) -> LiveSession:
    """The hall actor behind a session token; reads only (as auth.live_session)."""
    if not token:
        raise AuthenticationFailed("not_authenticated")
    session = uow.hall.session_by_token_hash(_hash(uow.crypto, token))
    if session is None:
        raise AuthenticationFailed("not_authenticated")
    now = uow.now_utc()
    require_live_session(
        session.created_at,
        session.last_seen_at,
        session.revoked_at,
        now,
        idle_minutes=HALL_SESSION_IDLE_MINUTES,
        absolute_hours=HALL_SESSION_ABSOLUTE_HOURS,
    )
    record = uow.hall.account_by_id(session.hall_account_id)
    if record is None or record.status != ACTIVE:
        raise AuthenticationFailed("account_disabled")
    if record.password_changed_at is None and not allow_password_change_due:
        raise PermissionDenied("password_change_required")
    return LiveSession(
        actor=_actor(uow, record, ip, session.id),
        csrf_token=session.csrf_token,
        session_id=session.id,
        touch_due=now - session.last_seen_at >= timedelta(seconds=SESSION_TOUCH_SECONDS),
    )


def touch_hall_session(uow: UnitOfWork, session_id: int) -> None:
    uow.hall.touch_session(session_id, uow.now_utc())


def logout(uow: UnitOfWork, token: str, ip: str | None) -> None:
    """End the hall session (idempotent)."""
    session = uow.hall.session_by_token_hash(_hash(uow.crypto, token)) if token else None
    if session is None or session.revoked_at is not None:
        return
    uow.hall.revoke_session(session.id, uow.now_utc())
    record = uow.hall.account_by_id(session.hall_account_id)
    login = record.login if record is not None else str(session.hall_account_id)
    uow.audit.append(
        AuditEvent(
            action="hall.logout",
            object_type="hall_account",
            object_id=login,
            actor=f"hall:{login}"[:64],
            ip=ip,
        )
    )


def change_password(uow: UnitOfWork, actor: Actor, old: str, new: str) -> None:
    """The hall account's own password (a unit's initial one must be changed at the first login)."""
    actor.require(Permission.HALL_SELF)
    record = uow.hall.account_of_session(actor.session_id) if actor.session_id is not None else None
    if record is None:
        raise AuthenticationFailed("not_authenticated")
    if not uow.crypto.verify_password(old, record.password_hash):
        raise SecurityRuleViolation("old_password_incorrect")
    check_password_policy(new, old=old, username=record.login.partition(":")[2][:32])
    uow.hall.update_account(
        record.id, password_hash=uow.crypto.hash_password(new), password_changed_at=uow.now_utc()
    )
    uow.audit.append(AuditEvent.by(actor, "hall.password_change", "hall_account", record.login))
