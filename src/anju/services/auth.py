"""Staff authentication and operator administration (操作员管理): login, sessions, passwords, roles.

Rules (DESIGN.md §9, reliability.md A5/A6/A8): password + TOTP for every staff login; the 5th
consecutive failure locks the account for 30 minutes; an unknown username and a wrong password
get the same message and cost the same time; sessions expire after 15 idle minutes or 8 hours;
logout, disabling an account and role changes take effect on the very next request, because every
request re-reads the session, the operator and its roles.

All functions take an open unit of work and never commit. `login` does not raise for bad
credentials: it returns a `LoginOutcome` whose failure counter and audit row the caller's `run()`
commits, and the caller raises `outcome.error` afterwards:

    outcome = run(container.uow, lambda uow: auth.login(uow, name, password, code, ip))
    outcome.raise_for_error()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from anju.domain.security import (
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    PASSWORD_MAX_AGE_DAYS,
    SESSION_ABSOLUTE_HOURS,
    SESSION_IDLE_MINUTES,
    SESSION_TOUCH_SECONDS,
    TOTP_SECRET_BYTES,
    Actor,
    AuditEvent,
    Permission,
    SecurityRuleViolation,
    check_password_policy,
    check_separation_of_duties,
    check_totp,
    check_username,
    decode_totp_secret,
    encode_totp_secret,
    is_locked,
    lockout_remaining_minutes,
    otpauth_uri,
    password_change_due,
    password_classes,
    require_live_session,
)
from anju.errors import AnjuError, AuthenticationFailed, Conflict, NotFound, PermissionDenied
from anju.services.ports import CryptoProvider, OperatorRecord, SessionRecord, UnitOfWork

ACTIVE: Final = "active"
DISABLED: Final = "disabled"
INITIAL_PASSWORD_LENGTH: Final = 16
# No look-alikes (0/O, 1/l/I) so the password survives being read out or printed.
_PASSWORD_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789!@#%*-_=+?"  # noqa: S105
_DISPLAY_NAME_MAX: Final = 100


class OperatorNotFound(NotFound):
    """No operator with that username."""


class SecurityConflict(Conflict):
    """The username is taken."""


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """What a login attempt produced. On failure only `error` is set (and already audited)."""

    ok: bool
    token: str | None = None  # the session token for the cookie; shown once, stored only as SM3
    csrf_token: str | None = None
    actor: Actor | None = None
    error: AnjuError | None = None
    must_change_password: bool = False  # initial password, or older than 90 days

    def raise_for_error(self) -> None:
        """Raise the failure after the caller committed the failure count and the audit row."""
        if self.error is not None:
            raise self.error


@dataclass(frozen=True, slots=True)
class NewOperator:
    """Credentials of a new (or reset) operator: shown once to the security administrator."""

    username: str
    display_name: str
    roles: frozenset[str]
    initial_password: str  # must be changed at first login
    totp_secret: str  # base32, for the authenticator app
    otpauth_uri: str  # the same secret as a QR-code URI


@dataclass(frozen=True, slots=True)
class OperatorView:
    """An operator as listed for administrators: no password hash, no TOTP secret."""

    username: str
    display_name: str
    roles: frozenset[str]
    branch_id: int | None
    all_branches: bool
    status: str
    locked: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    password_changed_at: datetime | None
    created_at: datetime


# ---------------------------------------------------------------------------------------------
# Login, sessions, logout
# ---------------------------------------------------------------------------------------------


def totp_context(username: str) -> str:
    """Encryption context of an operator's TOTP secret: a secret copied to another row won't decrypt."""
    return f"totp_secret:{username}"


def _token_hash(crypto: CryptoProvider, token: str) -> str:
    return crypto.sm3(token.encode("utf-8")).hex()


def _actor(record: OperatorRecord, roles: frozenset[str], ip: str | None, session_id: int | None) -> Actor:
    return Actor(
        username=record.username,
        roles=roles,
        operator_id=record.id,
        display_name=record.display_name,
        branch_id=record.branch_id,
        all_branches=record.all_branches,
        ip=ip,
        channel="counter",
        session_id=session_id,
    )


def _login_failed(
    uow: UnitOfWork,
    username: str,
    record: OperatorRecord | None,
    *,
    ip: str | None,
    reason: str,
    error: AnjuError,
    details: dict[str, str | int | bool | None] | None = None,
) -> LoginOutcome:
    uow.audit.append(
        AuditEvent(
            action="auth.login",
            object_type="operator",
            object_id=username[:64],
            result="failure",
            actor=username[:64] or "anonymous",
            actor_id=None if record is None else record.id,
            ip=ip,
            reason=reason,
            details=details or {},
        )
    )
    return LoginOutcome(ok=False, error=error)


def _count_failure(uow: UnitOfWork, record: OperatorRecord, ip: str | None, reason: str) -> LoginOutcome:
    failures = uow.security.add_failed_login(record.id)
    if failures < MAX_FAILED_LOGINS:
        return _login_failed(
            uow,
            record.username,
            record,
            ip=ip,
            reason=reason,
            error=AuthenticationFailed("login_failed"),
            details={"failures": failures},
        )
    until = uow.now_utc() + timedelta(minutes=LOCKOUT_MINUTES)
    uow.security.lock(record.id, until)
    uow.audit.append(
        AuditEvent(
            action="auth.lock",
            object_type="operator",
            object_id=record.username,
            result="success",
            actor="system:auth",
            ip=ip,
            reason="too_many_failures",
            details={"failures": failures, "minutes": LOCKOUT_MINUTES},
        )
    )
    return _login_failed(
        uow,
        record.username,
        record,
        ip=ip,
        reason=reason,
        error=AuthenticationFailed("account_locked", minutes=LOCKOUT_MINUTES),
        details={"failures": failures},
    )


def login(  # noqa: PLR0911 - one early return per documented refusal
    uow: UnitOfWork, username: str, password: str, totp_code: str, ip: str | None
) -> LoginOutcome:
    """Check password and TOTP; on success open a new session (other sessions are revoked).

    Never raises for bad input: see the module docstring. Refusals, all audited:
    login_failed (unknown user, wrong password or wrong code: one message, one cost, counted
    towards the lock when the user exists), account_locked, account_disabled (only once the
    password was right), totp_reused (a code already spent: a replay, not counted).
    """
    crypto = uow.crypto
    now = uow.now_utc()
    name = username.strip().lower()
    record = uow.security.operator_by_username(name) if name else None
    if record is None:
        crypto.verify_password(password, crypto.password_hash_placeholder())  # same cost as a real check
        return _login_failed(
            uow, name, None, ip=ip, reason="unknown_user", error=AuthenticationFailed("login_failed")
        )
    password_ok = crypto.verify_password(password, record.password_hash)
    if record.locked_until is not None and is_locked(record.locked_until, now):
        minutes = lockout_remaining_minutes(record.locked_until, now)
        error = AuthenticationFailed("account_locked", minutes=minutes)
        return _login_failed(uow, name, record, ip=ip, reason="account_locked", error=error)
    if not password_ok:
        return _count_failure(uow, record, ip, "wrong_password")
    if record.status != ACTIVE:
        error = AuthenticationFailed("account_disabled")
        return _login_failed(uow, name, record, ip=ip, reason="account_disabled", error=error)
    secret = crypto.decrypt(record.totp_secret_enc, context=totp_context(record.username))
    check = check_totp(secret, totp_code, now, last_step=record.totp_last_step)
    if check.reused:
        return _login_failed(
            uow, name, record, ip=ip, reason="totp_reused", error=AuthenticationFailed("totp_reused")
        )
    if check.step is None:
        return _count_failure(uow, record, ip, "wrong_totp")
    if not uow.security.consume_totp_step(record.id, check.step):  # a concurrent login spent it first
        return _login_failed(
            uow, name, record, ip=ip, reason="totp_reused", error=AuthenticationFailed("totp_reused")
        )

    uow.security.record_successful_login(record.id, now)
    # One live session per operator (等保: no concurrent sessions of one account); a new token
    # at every login, so a token planted before login is worthless.
    uow.security.revoke_sessions_of(record.id, now)
    token = crypto.random_token(32)
    csrf_token = crypto.random_token(32)
    session_id = uow.security.insert_session(
        operator_id=record.id, token_hash=_token_hash(crypto, token), csrf_token=csrf_token, now=now, ip=ip
    )
    actor = _actor(record, uow.security.roles_of(record.id), ip, session_id)
    due = password_change_due(record.password_changed_at, now)
    uow.audit.append(
        AuditEvent.by(actor, "auth.login", "operator", record.username, details={"password_change_due": due})
    )
    return LoginOutcome(
        ok=True, token=token, csrf_token=csrf_token, actor=actor, must_change_password=due is not None
    )


def _live_session(
    uow: UnitOfWork, token: str, *, idle_minutes: int, absolute_hours: int
) -> tuple[SessionRecord, OperatorRecord]:
    if not token:
        raise AuthenticationFailed("not_authenticated")
    session = uow.security.session_by_token_hash(_token_hash(uow.crypto, token))
    if session is None:
        raise AuthenticationFailed("not_authenticated")
    require_live_session(
        session.created_at,
        session.last_seen_at,
        session.revoked_at,
        uow.now_utc(),
        idle_minutes=idle_minutes,
        absolute_hours=absolute_hours,
    )
    record = uow.security.operator_by_id(session.operator_id)
    if record is None or record.status != ACTIVE:
        raise AuthenticationFailed("account_disabled")
    return session, record


@dataclass(frozen=True)
class LiveSession:
    """What one request needs from its session, read without writing anything."""

    actor: Actor
    csrf_token: str
    session_id: int
    touch_due: bool  # last_seen_at is more than SESSION_TOUCH_SECONDS old: refresh it


def live_session(
    uow: UnitOfWork,
    token: str,
    ip: str | None,
    *,
    idle_minutes: int = SESSION_IDLE_MINUTES,
    absolute_hours: int = SESSION_ABSOLUTE_HOURS,
    allow_password_change_due: bool = False,
) -> LiveSession:
    """The actor and CSRF token behind a session token; reads only (call it inside `read()`).

    Every request resolves its session, so this must not write: a write transaction per request
    would serialise reads on SQLite and cost a commit on PostgreSQL. The idle clock is refreshed
    separately (`touch_session`) and at most once a minute, when `touch_due` says so.
    Raises as `resolve_session`.
    """
    session, record = _live_session(uow, token, idle_minutes=idle_minutes, absolute_hours=absolute_hours)
    now = uow.now_utc()
    if not allow_password_change_due:
        due = password_change_due(record.password_changed_at, now)
        if due is not None:
            raise PermissionDenied(due, days=PASSWORD_MAX_AGE_DAYS)
    return LiveSession(
        actor=_actor(record, uow.security.roles_of(record.id), ip, session.id),
        csrf_token=session.csrf_token,
        session_id=session.id,
        touch_due=now - session.last_seen_at >= timedelta(seconds=SESSION_TOUCH_SECONDS),
    )


def touch_session(uow: UnitOfWork, session_id: int) -> None:
    """Refresh a session's idle clock (call it inside `run()`)."""
    uow.security.touch_session(session_id, uow.now_utc())


def resolve_session(
    uow: UnitOfWork,
    token: str,
    ip: str | None,
    *,
    idle_minutes: int = SESSION_IDLE_MINUTES,
    absolute_hours: int = SESSION_ABSOLUTE_HOURS,
    allow_password_change_due: bool = False,
) -> Actor:
    """The actor behind a session token, with its current roles and branch scope.

    Raises AuthenticationFailed: not_authenticated (no, unknown or revoked token),
    session_expired (idle or absolute timeout), account_disabled. Raises PermissionDenied
    password_change_required / password_expired while the password must be changed, unless
    `allow_password_change_due` (the change-password page passes it). Call it inside `run()`:
    it refreshes last_seen_at (at most once a minute).
    """
    live = live_session(
        uow,
        token,
        ip,
        idle_minutes=idle_minutes,
        absolute_hours=absolute_hours,
        allow_password_change_due=allow_password_change_due,
    )
    if live.touch_due:
        touch_session(uow, live.session_id)
    return live.actor


def session_csrf_token(
    uow: UnitOfWork,
    token: str,
    *,
    idle_minutes: int = SESSION_IDLE_MINUTES,
    absolute_hours: int = SESSION_ABSOLUTE_HOURS,
) -> str:
    """The CSRF token bound to a live session (compare with domain.security.check_csrf)."""
    session, _record = _live_session(uow, token, idle_minutes=idle_minutes, absolute_hours=absolute_hours)
    return session.csrf_token


def logout(uow: UnitOfWork, token: str, *, ip: str | None = None) -> None:
    """Revoke the session (idempotent: an unknown or revoked token is a no-op)."""
    if not token:
        return
    session = uow.security.session_by_token_hash(_token_hash(uow.crypto, token))
    if session is None or session.revoked_at is not None:
        return
    uow.security.revoke_session(session.id, uow.now_utc())
    record = uow.security.operator_by_id(session.operator_id)
    username = record.username if record is not None else str(session.operator_id)
    uow.audit.append(
        AuditEvent(
            action="auth.logout",
            object_type="operator",
            object_id=username,
            actor=username,
            actor_id=session.operator_id,
            ip=ip,
        )
    )


# ---------------------------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------------------------


def change_password(uow: UnitOfWork, actor: Actor, old: str, new: str) -> None:
    """The operator changes their own password; their other sessions end.

    Raises SecurityRuleViolation old_password_incorrect, password_too_weak (detail min_length),
    password_reused, password_contains_username.
    """
    if actor.operator_id is None:
        raise PermissionDenied("permission_denied", permission=Permission.AUTHENTICATED)
    record = uow.security.operator_by_id(actor.operator_id)
    if record is None:
        raise OperatorNotFound("operator_not_found", username=actor.username)
    if not uow.crypto.verify_password(old, record.password_hash):
        raise SecurityRuleViolation("old_password_incorrect")
    check_password_policy(new, old=old, username=record.username)
    now = uow.now_utc()
    uow.security.set_password(record.id, uow.crypto.hash_password(new), now)
    revoked = uow.security.revoke_sessions_of(record.id, now, except_session_id=actor.session_id)
    uow.audit.append(
        AuditEvent.by(
            actor, "auth.change_password", "operator", record.username, details={"sessions_ended": revoked}
        )
    )


def generate_initial_password(crypto: CryptoProvider, length: int = INITIAL_PASSWORD_LENGTH) -> str:
    """A random password using all four character classes (rejection sampling: no modulo bias)."""
    size = len(_PASSWORD_ALPHABET)
    limit = 256 - 256 % size
    while True:
        chars = [_PASSWORD_ALPHABET[b % size] for b in crypto.random_bytes(length * 2) if b < limit][:length]
        password = "".join(chars)
        if len(password) == length and password_classes(password) == 4:
            return password


# ---------------------------------------------------------------------------------------------
# Operator administration (security administrator: OPERATORS_MANAGE / OPERATORS_VIEW)
# ---------------------------------------------------------------------------------------------


def _clean_display_name(display_name: str) -> str:
    text = display_name.strip()
    if not text:
        raise SecurityRuleViolation("required_field", field="姓名")
    if len(text) > _DISPLAY_NAME_MAX:
        raise SecurityRuleViolation("text_too_long", field="姓名", max=_DISPLAY_NAME_MAX)
    return text


def _clean_roles(roles: Iterable[str]) -> frozenset[str]:
    role_set = frozenset(roles)
    if not role_set:
        raise SecurityRuleViolation("required_field", field="角色")
    check_separation_of_duties(role_set)
    return role_set


def _operator_named(uow: UnitOfWork, username: str) -> OperatorRecord:
    record = uow.security.operator_by_username(username.strip().lower())
    if record is None:
        raise OperatorNotFound("operator_not_found", username=username)
    return record


def _not_self(actor: Actor, record: OperatorRecord) -> None:
    # Nobody widens, narrows or unlocks their own account: another administrator must (三权分立).
    if actor.operator_id == record.id or actor.username == record.username:
        raise SecurityRuleViolation("self_modification_forbidden")


def _fresh_totp_secret(crypto: CryptoProvider) -> str:
    return encode_totp_secret(crypto.random_bytes(TOTP_SECRET_BYTES))


def create_operator(  # noqa: PLR0917 - the positional signature other slices call
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    display_name: str,
    roles: set[str] | frozenset[str],
    branch_id: int | None,
    all_branches: bool,
) -> NewOperator:
    """Create a staff account with a random initial password (changed at first login) and TOTP.

    The password and the secret are returned once and never stored in the clear. Raises
    PermissionDenied, SecurityRuleViolation (invalid_username, separation_of_duties,
    unknown_role, required_field, text_too_long) and SecurityConflict username_exists.
    """
    actor.require(Permission.OPERATORS_MANAGE)
    name = username.strip().lower()
    check_username(name)
    display = _clean_display_name(display_name)
    role_set = _clean_roles(roles)
    crypto = uow.crypto
    password = generate_initial_password(crypto)
    secret = _fresh_totp_secret(crypto)
    operator_id = uow.security.insert_operator(
        username=name,
        display_name=display,
        password_hash=crypto.hash_password(password),
        password_changed_at=None,
        totp_secret_enc=crypto.encrypt(secret, context=totp_context(name)),
        branch_id=branch_id,
        all_branches=all_branches,
        now=uow.now_utc(),
    )
    if operator_id is None:
        raise SecurityConflict("username_exists", username=name)
    uow.security.replace_roles(operator_id, role_set)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "security.operator_create",
            "operator",
            name,
            details={
                "roles": ",".join(sorted(role_set)),
                "branch_id": branch_id,
                "all_branches": all_branches,
            },
        )
    )
    return NewOperator(
        username=name,
        display_name=display,
        roles=role_set,
        initial_password=password,
        totp_secret=secret,
        otpauth_uri=otpauth_uri(secret, name),
    )


def reset_operator_credentials(uow: UnitOfWork, actor: Actor, username: str) -> NewOperator:
    """A forgotten password or a lost phone: new initial password AND new TOTP secret.

    Both are replaced together so a reset never bypasses the second factor (A5); the lock is
    cleared and every session of the operator ends.
    """
    actor.require(Permission.OPERATORS_MANAGE)
    record = _operator_named(uow, username)
    _not_self(actor, record)
    crypto = uow.crypto
    password = generate_initial_password(crypto)
    secret = _fresh_totp_secret(crypto)
    now = uow.now_utc()
    uow.security.set_password(record.id, crypto.hash_password(password), None)
    uow.security.set_totp_secret(record.id, crypto.encrypt(secret, context=totp_context(record.username)))
    uow.security.clear_lockout(record.id)
    uow.security.revoke_sessions_of(record.id, now)
    uow.audit.append(AuditEvent.by(actor, "security.operator_reset_credentials", "operator", record.username))
    return NewOperator(
        username=record.username,
        display_name=record.display_name,
        roles=uow.security.roles_of(record.id),
        initial_password=password,
        totp_secret=secret,
        otpauth_uri=otpauth_uri(secret, record.username),
    )


def set_roles(uow: UnitOfWork, actor: Actor, username: str, roles: set[str] | frozenset[str]) -> None:
    """Replace an operator's roles; effective on the operator's next request."""
    actor.require(Permission.OPERATORS_MANAGE)
    record = _operator_named(uow, username)
    _not_self(actor, record)
    role_set = _clean_roles(roles)
    before = uow.security.roles_of(record.id)
    uow.security.replace_roles(record.id, role_set)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "security.operator_set_roles",
            "operator",
            record.username,
            details={"before": ",".join(sorted(before)), "after": ",".join(sorted(role_set))},
        )
    )


def disable_operator(uow: UnitOfWork, actor: Actor, username: str) -> None:
    """Disable the account and end its sessions at once."""
    actor.require(Permission.OPERATORS_MANAGE)
    record = _operator_named(uow, username)
    _not_self(actor, record)
    uow.security.set_status(record.id, DISABLED)
    revoked = uow.security.revoke_sessions_of(record.id, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            "security.operator_disable",
            "operator",
            record.username,
            details={"sessions_ended": revoked},
        )
    )


def enable_operator(uow: UnitOfWork, actor: Actor, username: str) -> None:
    actor.require(Permission.OPERATORS_MANAGE)
    record = _operator_named(uow, username)
    _not_self(actor, record)
    uow.security.set_status(record.id, ACTIVE)
    uow.audit.append(AuditEvent.by(actor, "security.operator_enable", "operator", record.username))


def unlock_operator(uow: UnitOfWork, actor: Actor, username: str) -> None:
    """Lift a lock before its 30 minutes are up (after checking who is calling, by phone...)."""
    actor.require(Permission.OPERATORS_MANAGE)
    record = _operator_named(uow, username)
    _not_self(actor, record)
    uow.security.clear_lockout(record.id)
    uow.audit.append(AuditEvent.by(actor, "security.operator_unlock", "operator", record.username))


def list_operators(uow: UnitOfWork, actor: Actor) -> list[OperatorView]:
    actor.require(Permission.OPERATORS_VIEW)
    now = uow.now_utc()
    roles = uow.security.roles_by_operator()
    return [
        OperatorView(
            username=record.username,
            display_name=record.display_name,
            roles=roles.get(record.id, frozenset()),
            branch_id=record.branch_id,
            all_branches=record.all_branches,
            status=record.status,
            locked=is_locked(record.locked_until, now),
            locked_until=record.locked_until,
            last_login_at=record.last_login_at,
            password_changed_at=record.password_changed_at,
            created_at=record.created_at,
        )
        for record in uow.security.list_operators()
    ]


def seed_operator(  # noqa: PLR0917 - the positional signature other slices call
    uow: UnitOfWork,
    username: str,
    display_name: str,
    roles: set[str] | frozenset[str],
    branch_id: int | None,
    all_branches: bool,
    password: str,
    totp_secret: str,
) -> int:
    """Create an operator with a known password and TOTP secret, for `anju demo` and tests.

    No actor check (the caller is the CLI on the server); audited as system:seed. The password
    must still satisfy the policy and counts as changed now, so no change is forced at login.
    """
    name = username.strip().lower()
    check_username(name)
    display = _clean_display_name(display_name)
    role_set = _clean_roles(roles)
    check_password_policy(password, username=name)
    decode_totp_secret(totp_secret)  # refuse a secret no authenticator app could use
    crypto = uow.crypto
    now = uow.now_utc()
    operator_id = uow.security.insert_operator(
        username=name,
        display_name=display,
        password_hash=crypto.hash_password(password),
        password_changed_at=now,
        totp_secret_enc=crypto.encrypt(totp_secret, context=totp_context(name)),
        branch_id=branch_id,
        all_branches=all_branches,
        now=now,
    )
    if operator_id is None:
        raise SecurityConflict("username_exists", username=name)
    uow.security.replace_roles(operator_id, role_set)
    uow.audit.append(
        AuditEvent.by(
            Actor.system("seed"),
            "security.operator_create",
            "operator",
            name,
            details={
                "roles": ",".join(sorted(role_set)),
                "branch_id": branch_id,
                "all_branches": all_branches,
            },
        )
    )
    return operator_id
