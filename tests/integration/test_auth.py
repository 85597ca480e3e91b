"""Staff login, sessions and operator administration on both databases (A5, A6, A8, K7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy import select

from anju.adapters.clock import FixedClock
from anju.adapters.db.tables.security import audit_log, operator, staff_session
from anju.bootstrap import Container
from anju.domain.security import Actor, Permission, Role, SecurityRuleViolation, totp_now
from anju.errors import AnjuError, AuthenticationFailed, PermissionDenied
from anju.services import auth
from anju.services.audit import list_audit
from anju.services.auth import LoginOutcome
from anju.services.ports import UnitOfWork
from anju.services.runner import run

R = TypeVar("R")

PASSWORD = "Counter@2026"
ADMIN_PASSWORD = "Security@2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"
ADMIN_SECRET = "KRUGS4ZANFZSAYJAORSXG5BA"
IP = "10.1.2.3"


def do(container: Container, fn: Callable[[UnitOfWork], R]) -> R:
    return run(container.uow, fn)


def seed(
    container: Container,
    username: str = "clerk",
    roles: frozenset[str] = frozenset({Role.COUNTER_CLERK}),
    password: str = PASSWORD,
    secret: str = SECRET,
) -> int:
    return do(
        container,
        lambda uow: auth.seed_operator(uow, username, "张三", roles, 7, False, password, secret),
    )


def login(
    container: Container,
    clock: FixedClock,
    username: str = "clerk",
    password: str = PASSWORD,
    code: str | None = None,
    secret: str = SECRET,
) -> LoginOutcome:
    code = totp_now(secret, clock.now_utc()) if code is None else code
    return do(container, lambda uow: auth.login(uow, username, password, code, IP))


def resolve(container: Container, token: str | None, **kw: bool) -> Actor:
    assert token is not None
    return do(container, lambda uow: auth.resolve_session(uow, token, IP, **kw))


def error_of(outcome: LoginOutcome) -> AnjuError:
    assert not outcome.ok
    assert outcome.token is None
    assert outcome.error is not None
    return outcome.error


def admin_actor(container: Container, clock: FixedClock) -> Actor:
    seed(container, "secadmin", frozenset({Role.SECURITY_ADMIN}), ADMIN_PASSWORD, ADMIN_SECRET)
    outcome = login(container, clock, "secadmin", ADMIN_PASSWORD, secret=ADMIN_SECRET)
    assert outcome.actor is not None
    return outcome.actor


def audit_rows(container: Container, action: str) -> list[dict[str, object]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq))
        result = [dict(r._mapping) for r in rows]
        conn.rollback()
    return result


# --- login -----------------------------------------------------------------------------------


def test_login_opens_a_session_that_resolves_to_the_operator(container: Container, clock: FixedClock) -> None:
    operator_id = seed(container)
    outcome = login(container, clock)
    assert outcome.ok
    assert outcome.error is None
    assert not outcome.must_change_password
    assert outcome.token is not None
    assert outcome.csrf_token is not None
    assert len(outcome.token) >= 43
    actor = resolve(container, outcome.token)
    assert actor.username == "clerk"
    assert actor.operator_id == operator_id
    assert actor.roles == frozenset({Role.COUNTER_CLERK})
    assert actor.branch_id == 7
    assert not actor.all_branches
    assert actor.ip == IP
    assert actor.session_id is not None
    assert actor.has(Permission.LEDGER_VIEW)
    assert not actor.has(Permission.OPERATORS_MANAGE)
    token = outcome.token
    assert do(container, lambda uow: auth.session_csrf_token(uow, token)) == outcome.csrf_token
    [row] = audit_rows(container, "auth.login")
    assert (row["result"], row["actor"], row["ip"]) == ("success", "clerk", IP)


def test_login_is_case_and_space_tolerant_on_the_username(container: Container, clock: FixedClock) -> None:
    seed(container)
    assert login(container, clock, username="  Clerk ").ok


def test_only_the_hash_of_the_token_is_stored(container: Container, clock: FixedClock) -> None:
    seed(container)
    outcome = login(container, clock)
    assert outcome.token is not None
    with container.engine.connect() as conn:
        stored = conn.execute(select(staff_session.c.token_hash)).scalars().all()
        secret_enc = conn.execute(select(operator.c.totp_secret_enc)).scalar_one()
        password_hash = conn.execute(select(operator.c.password_hash)).scalar_one()
        conn.rollback()
    assert stored == [container.crypto.sm3(outcome.token.encode()).hex()]
    assert outcome.token not in stored
    assert SECRET.encode() not in bytes(secret_enc)
    assert PASSWORD not in password_hash
    assert password_hash.startswith("pbkdf2-sm3$2000$")


def test_wrong_password_is_refused_counted_and_audited(container: Container, clock: FixedClock) -> None:
    seed(container)
    error = error_of(login(container, clock, password="Counter@2025"))
    assert isinstance(error, AuthenticationFailed)
    assert error.code == "login_failed"
    with container.engine.connect() as conn:
        assert conn.execute(select(operator.c.failed_logins)).scalar_one() == 1
        conn.rollback()
    [row] = audit_rows(container, "auth.login")
    assert (row["result"], row["reason"], row["actor"]) == ("failure", "wrong_password", "clerk")
    assert "Counter@2025" not in str(row)


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    container: Container, clock: FixedClock
) -> None:
    seed(container)
    wrong_password = error_of(login(container, clock, password="Counter@2025"))
    unknown_user = error_of(login(container, clock, username="nobody"))
    assert type(unknown_user) is type(wrong_password)
    assert unknown_user.code == wrong_password.code == "login_failed"
    assert unknown_user.message == wrong_password.message == "用户名、密码或动态口令不正确"
    assert unknown_user.details == wrong_password.details == {}
    rows = audit_rows(container, "auth.login")
    assert [(r["result"], r["reason"]) for r in rows] == [
        ("failure", "wrong_password"),
        ("failure", "unknown_user"),
    ]


def test_unknown_user_costs_one_full_password_check(
    container: Container, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(container)
    checked: list[str] = []
    real = container.crypto.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append(stored.split("$")[1])  # the iteration count: the cost of the check
        return real(password, stored)

    monkeypatch.setattr(container.crypto, "verify_password", spy)
    login(container, clock, password="wrong")
    login(container, clock, username="nobody")
    assert checked == ["2000", "2000"]


def test_wrong_totp_is_refused_like_a_wrong_password(container: Container, clock: FixedClock) -> None:
    seed(container)
    good = totp_now(SECRET, clock.now_utc())
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    assert error_of(login(container, clock, code=bad)).code == "login_failed"
    assert error_of(login(container, clock, code="")).code == "login_failed"
    with container.engine.connect() as conn:
        assert conn.execute(select(operator.c.failed_logins)).scalar_one() == 2
        conn.rollback()


def test_five_failures_lock_for_30_minutes(container: Container, clock: FixedClock) -> None:
    seed(container)
    for _ in range(4):
        assert error_of(login(container, clock, password="wrong")).code == "login_failed"
    fifth = error_of(login(container, clock, password="wrong"))
    assert fifth.code == "account_locked"
    assert fifth.details == {"minutes": 30}
    # even the right password and code are refused while locked
    clock.advance(minutes=29)
    locked = error_of(login(container, clock))
    assert locked.code == "account_locked"
    assert locked.details == {"minutes": 1}
    assert [r["result"] for r in audit_rows(container, "auth.lock")] == ["success"]
    clock.advance(minutes=2)
    assert login(container, clock).ok


def test_after_a_lock_expires_five_new_failures_are_needed(container: Container, clock: FixedClock) -> None:
    seed(container)
    for _ in range(5):
        login(container, clock, password="wrong")
    clock.advance(minutes=31)
    assert error_of(login(container, clock, password="wrong")).code == "login_failed"
    assert login(container, clock).ok  # a success resets the count


def test_a_success_resets_the_failure_count(container: Container, clock: FixedClock) -> None:
    seed(container)
    for _ in range(4):
        login(container, clock, password="wrong")
    assert login(container, clock).ok
    clock.advance(seconds=30)
    for _ in range(4):
        assert error_of(login(container, clock, password="wrong")).code == "login_failed"


def test_a_totp_code_works_once(container: Container, clock: FixedClock) -> None:
    seed(container)
    code = totp_now(SECRET, clock.now_utc())
    assert login(container, clock, code=code).ok
    replay = error_of(login(container, clock, code=code))
    assert replay.code == "totp_reused"
    clock.advance(seconds=20)  # the same code is still inside the ±1 step window, still spent
    assert error_of(login(container, clock, code=code)).code == "totp_reused"
    clock.advance(seconds=10)
    assert login(container, clock).ok  # the next step's code works


def test_a_code_from_the_previous_step_is_accepted(container: Container, clock: FixedClock) -> None:
    seed(container)
    earlier = totp_now(SECRET, clock.now_utc())
    clock.advance(seconds=30)
    assert login(container, clock, code=earlier).ok


# --- sessions --------------------------------------------------------------------------------


def test_session_expires_after_15_idle_minutes(container: Container, clock: FixedClock) -> None:
    seed(container)
    token = login(container, clock).token
    clock.advance(minutes=14)
    resolve(container, token)  # activity keeps it alive ...
    clock.advance(minutes=14)
    resolve(container, token)
    clock.advance(minutes=15)  # ... idleness ends it
    with pytest.raises(AuthenticationFailed) as caught:
        resolve(container, token)
    assert caught.value.code == "session_expired"


def test_session_ends_after_8_hours_even_when_busy(container: Container, clock: FixedClock) -> None:
    seed(container)
    token = login(container, clock).token
    for _ in range(47):
        clock.advance(minutes=10)
        resolve(container, token)
    clock.advance(minutes=10)  # 8 h after login
    with pytest.raises(AuthenticationFailed, match="session_expired"):
        resolve(container, token)


def test_configured_idle_timeout_is_honoured(container: Container, clock: FixedClock) -> None:
    seed(container)
    token = login(container, clock).token
    clock.advance(minutes=6)
    with pytest.raises(AuthenticationFailed, match="session_expired"):
        do(container, lambda uow: auth.resolve_session(uow, token or "", IP, idle_minutes=5))


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_unknown_tokens_are_not_authenticated(container: Container, token: str) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        do(container, lambda uow: auth.resolve_session(uow, token, IP))
    assert caught.value.code == "not_authenticated"


def test_logout_revokes_the_session_at_once(container: Container, clock: FixedClock) -> None:
    seed(container)
    token = login(container, clock).token
    assert token is not None
    do(container, lambda uow: auth.logout(uow, token, ip=IP))
    with pytest.raises(AuthenticationFailed, match="not_authenticated"):
        resolve(container, token)
    with pytest.raises(AuthenticationFailed, match="not_authenticated"):
        do(container, lambda uow: auth.session_csrf_token(uow, token))
    do(container, lambda uow: auth.logout(uow, token))  # a second logout is harmless
    assert len(audit_rows(container, "auth.logout")) == 1


def test_a_new_login_ends_the_previous_session(container: Container, clock: FixedClock) -> None:
    seed(container)
    first = login(container, clock).token
    clock.advance(seconds=30)
    second = login(container, clock).token
    assert first != second
    with pytest.raises(AuthenticationFailed, match="not_authenticated"):
        resolve(container, first)
    assert resolve(container, second).username == "clerk"


def test_disabling_an_operator_takes_effect_at_once(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    token = login(container, clock).token
    do(container, lambda uow: auth.disable_operator(uow, admin, "clerk"))
    with pytest.raises(AuthenticationFailed):
        resolve(container, token)
    clock.advance(seconds=30)
    assert error_of(login(container, clock)).code == "account_disabled"
    # a wrong password does not reveal that the account is disabled
    assert error_of(login(container, clock, password="wrong")).code == "login_failed"
    do(container, lambda uow: auth.enable_operator(uow, admin, "clerk"))
    clock.advance(seconds=30)
    assert login(container, clock).ok


def test_role_changes_take_effect_at_once(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    token = login(container, clock).token
    assert not resolve(container, token).has(Permission.LEDGER_POST_MANUAL)
    do(container, lambda uow: auth.set_roles(uow, admin, "clerk", {Role.FINANCE}))
    actor = resolve(container, token)
    assert actor.roles == frozenset({Role.FINANCE})
    assert actor.has(Permission.LEDGER_POST_MANUAL)
    [row] = audit_rows(container, "security.operator_set_roles")
    assert row["actor"] == "secadmin"
    assert '"before":"counter_clerk"' in str(row["details"])


# --- passwords -------------------------------------------------------------------------------


def test_change_password(container: Container, clock: FixedClock) -> None:
    seed(container)
    outcome = login(container, clock)
    assert outcome.actor is not None
    actor = outcome.actor
    with pytest.raises(SecurityRuleViolation) as weak:
        do(container, lambda uow: auth.change_password(uow, actor, PASSWORD, "short"))
    assert weak.value.code == "password_too_weak"
    assert weak.value.details == {"min_length": 8}
    with pytest.raises(SecurityRuleViolation, match="old_password_incorrect"):
        do(container, lambda uow: auth.change_password(uow, actor, "Wrong@2026", "Better@2027"))
    with pytest.raises(SecurityRuleViolation, match="password_reused"):
        do(container, lambda uow: auth.change_password(uow, actor, PASSWORD, PASSWORD))
    do(container, lambda uow: auth.change_password(uow, actor, PASSWORD, "Better@2027"))
    assert resolve(container, outcome.token).username == "clerk"  # this session lives on
    clock.advance(seconds=30)
    assert error_of(login(container, clock)).code == "login_failed"
    assert login(container, clock, password="Better@2027").ok


def test_password_older_than_90_days_must_be_changed(container: Container, clock: FixedClock) -> None:
    seed(container)
    clock.advance(days=91)
    outcome = login(container, clock)
    assert outcome.ok
    assert outcome.must_change_password
    with pytest.raises(PermissionDenied) as caught:
        resolve(container, outcome.token)
    assert caught.value.code == "password_expired"
    assert caught.value.details == {"days": 90}
    actor = resolve(container, outcome.token, allow_password_change_due=True)
    do(container, lambda uow: auth.change_password(uow, actor, PASSWORD, "Better@2027"))
    assert resolve(container, outcome.token).username == "clerk"


# --- operator administration -----------------------------------------------------------------


def test_create_operator_returns_credentials_once_and_forces_a_change(
    container: Container, clock: FixedClock
) -> None:
    admin = admin_actor(container, clock)
    new = do(
        container,
        lambda uow: auth.create_operator(
            uow, admin, "li.si", "李四", {Role.REVIEWER, Role.APPROVER}, 3, False
        ),
    )
    assert new.username == "li.si"
    assert new.roles == frozenset({Role.REVIEWER, Role.APPROVER})
    assert len(new.initial_password) == 16
    assert new.otpauth_uri.startswith("otpauth://totp/Anju%3Ali.si?secret=" + new.totp_secret)
    outcome = login(container, clock, "li.si", new.initial_password, secret=new.totp_secret)
    assert outcome.ok
    assert outcome.must_change_password
    with pytest.raises(PermissionDenied, match="password_change_required"):
        resolve(container, outcome.token)
    actor = resolve(container, outcome.token, allow_password_change_due=True)
    do(container, lambda uow: auth.change_password(uow, actor, new.initial_password, "LiSi@2026!"))
    assert resolve(container, outcome.token).roles == frozenset({Role.REVIEWER, Role.APPROVER})
    [row] = [r for r in audit_rows(container, "security.operator_create") if r["object_id"] == "li.si"]
    assert row["actor"] == "secadmin"
    assert new.initial_password not in str(row)
    assert new.totp_secret not in str(row)


def test_each_new_operator_gets_its_own_credentials(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    a = do(container, lambda uow: auth.create_operator(uow, admin, "op.a", "甲", {Role.FINANCE}, None, True))
    b = do(container, lambda uow: auth.create_operator(uow, admin, "op.b", "乙", {Role.FINANCE}, None, True))
    assert a.initial_password != b.initial_password
    assert a.totp_secret != b.totp_secret


def test_create_operator_rules(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    clerk = login(container, clock).actor
    assert clerk is not None

    def create(actor: Actor, username: str, roles: set[str]) -> Callable[[UnitOfWork], object]:
        return lambda uow: auth.create_operator(uow, actor, username, "王五", roles, None, False)

    with pytest.raises(PermissionDenied, match="permission_denied"):
        do(container, create(clerk, "wang.wu", {Role.COUNTER_CLERK}))
    with pytest.raises(SecurityRuleViolation, match="separation_of_duties"):
        do(container, create(admin, "wang.wu", {Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN}))
    with pytest.raises(SecurityRuleViolation, match="invalid_username"):
        do(container, create(admin, "王五", {Role.COUNTER_CLERK}))
    with pytest.raises(SecurityRuleViolation, match="required_field"):
        do(container, create(admin, "wang.wu", set()))
    with pytest.raises(AnjuError) as taken:
        do(container, create(admin, "clerk", {Role.COUNTER_CLERK}))
    assert taken.value.code == "username_exists"
    assert taken.value.http_status == 409
    with pytest.raises(SecurityRuleViolation, match="separation_of_duties"):
        do(
            container,
            lambda uow: auth.set_roles(uow, admin, "clerk", {Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN}),
        )


def test_nobody_administers_their_own_account(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    for fn in (
        lambda uow: auth.set_roles(uow, admin, "secadmin", {Role.SECURITY_ADMIN, Role.FINANCE}),
        lambda uow: auth.disable_operator(uow, admin, "secadmin"),
        lambda uow: auth.unlock_operator(uow, admin, "secadmin"),
    ):
        with pytest.raises(SecurityRuleViolation, match="self_modification_forbidden"):
            do(container, fn)


def test_unknown_operator(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    with pytest.raises(AnjuError) as caught:
        do(container, lambda uow: auth.disable_operator(uow, admin, "ghost"))
    assert caught.value.code == "operator_not_found"
    assert caught.value.http_status == 404


def test_unlock_before_the_30_minutes(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    for _ in range(5):
        login(container, clock, password="wrong")
    [view] = [v for v in do(container, lambda uow: auth.list_operators(uow, admin)) if v.username == "clerk"]
    assert view.locked
    do(container, lambda uow: auth.unlock_operator(uow, admin, "clerk"))
    assert login(container, clock).ok


def test_reset_credentials_replaces_password_and_totp(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    token = login(container, clock).token
    new = do(container, lambda uow: auth.reset_operator_credentials(uow, admin, "clerk"))
    with pytest.raises(AuthenticationFailed):
        resolve(container, token)
    clock.advance(seconds=30)
    assert error_of(login(container, clock)).code == "login_failed"  # old password
    clock.advance(seconds=30)
    # the new password with the OLD authenticator does not pass: a reset never skips the 2nd factor
    assert error_of(login(container, clock, password=new.initial_password)).code == "login_failed"
    outcome = login(container, clock, password=new.initial_password, secret=new.totp_secret)
    assert outcome.ok
    assert outcome.must_change_password


def test_list_operators_shows_no_secrets(container: Container, clock: FixedClock) -> None:
    admin = admin_actor(container, clock)
    seed(container)
    views = do(container, lambda uow: auth.list_operators(uow, admin))
    assert [v.username for v in views] == ["clerk", "secadmin"]
    clerk = views[0]
    assert clerk.roles == frozenset({Role.COUNTER_CLERK})
    assert (clerk.branch_id, clerk.all_branches, clerk.status, clerk.locked) == (7, False, "active", False)
    text = repr(views)
    assert "pbkdf2" not in text
    assert SECRET not in text
    assert not hasattr(clerk, "password_hash")
    assert not hasattr(clerk, "totp_secret_enc")


def test_list_operators_needs_permission(container: Container, clock: FixedClock) -> None:
    seed(container)
    clerk = login(container, clock).actor
    assert clerk is not None
    with pytest.raises(PermissionDenied):
        do(container, lambda uow: auth.list_operators(uow, clerk))


def test_seed_operator_refuses_a_weak_password(container: Container) -> None:
    with pytest.raises(SecurityRuleViolation, match="password_too_weak"):
        seed(container, password="password")


def test_login_audit_rows_visible_to_the_audit_admin(container: Container, clock: FixedClock) -> None:
    seed(container)
    seed(container, "auditor1", frozenset({Role.AUDIT_ADMIN}), "Audit@2026x", ADMIN_SECRET)
    login(container, clock, password="wrong")
    login(container, clock)
    auditor = login(container, clock, "auditor1", "Audit@2026x", secret=ADMIN_SECRET).actor
    assert auditor is not None
    entries = do(container, lambda uow: list_audit(uow, auditor, action="auth.login", actor_name="clerk"))
    assert [(e.result, e.reason) for e in entries] == [("success", None), ("failure", "wrong_password")]
