"""Who acts, what they may do, and what gets audited: actors, roles, permissions, audit events.

Roles and their permissions are data here (least privilege, DESIGN.md §9). Every route and every
service command names the permission it needs; the three administrator duties (system, security,
audit — 三权分立) are never held by one account.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import quote, urlencode

from anju.errors import AuthenticationFailed, InvariantViolation, PermissionDenied, RuleViolation


class Permission:
    """Permission names. A route or command declares exactly one of these (or PUBLIC)."""

    PUBLIC: Final = "public"  # no login: the loan calculator, the login page, static files
    AUTHENTICATED: Final = "authenticated"  # any logged-in staff member (home page, own profile)
    ORG_VIEW: Final = "org.view"
    ORG_MANAGE: Final = "org.manage"
    POLICY_VIEW: Final = "policy.view"
    POLICY_MANAGE: Final = "policy.manage"
    LEDGER_VIEW: Final = "ledger.view"
    LEDGER_POST_MANUAL: Final = "ledger.post_manual"
    LEDGER_REVERSE: Final = "ledger.reverse"
    LEDGER_CHECK: Final = "ledger.check"
    EOD_RUN: Final = "calendar.eod"
    AUDIT_VIEW: Final = "audit.view"
    OPERATORS_VIEW: Final = "security.operators.view"
    OPERATORS_MANAGE: Final = "security.operators.manage"
    PERSONAL_DATA_UNMASK: Final = "personal_data.unmask"
    # Collection (归集): units, member accounts, contributions; shared by every collection slice.
    COLLECTION_VIEW: Final = "collection.view"  # look up units, members, cases
    COLLECTION_MANAGE: Final = "collection.manage"  # counter business: open, change, seal, pay in
    COLLECTION_APPROVE: Final = "collection.approve"  # review / approve collection cases
    # Bank settlement (银行结算): sign-in, instructions, inbound money, reconciliation.
    BANK_VIEW: Final = "bank.view"  # sign-in state, instructions, inbox, reconciliation reports
    BANK_OPERATE: Final = "bank.operate"  # sign in/out, query instructions, fetch statements, 对账
    BANK_RESOLVE: Final = "bank.resolve"  # settle an unknown instruction by hand after checking the bank
    BANK_ALLOCATE: Final = "bank.allocate"  # assign unidentified money in to the unit that sent it
    BANK_TRANSFER: Final = "bank.transfer"  # move money between the centre's own accounts (资金调拨)
    BATCH_VIEW: Final = "batch.view"  # batch job runs and their progress (年度结息 ...)
    DASHBOARD_VIEW: Final = "dashboard.view"  # the management dashboard (驾驶舱)
    # Online halls (网厅): hall accounts log in to their own realm (hall sessions, /hall pages and
    # /api/v1/hall routes) and never reach a staff route; a staff session never reaches a hall one.
    HALL_UNIT: Final = "hall.unit"  # a unit's operator (单位经办人) in the unit web hall
    HALL_PERSON: Final = "hall.person"  # a depositor (缴存人) in the personal web hall
    HALL_SELF: Final = "hall.self"  # any hall account: its own session and password
    HALL_DEVELOPER: Final = "hall.developer"  # a developer (开发商) in the developer web hall
    HALL_ACCOUNTS_MANAGE: Final = "collection.hall_accounts"  # counter: open, reset, disable hall accounts
    # Accounting (会计核算, issue 9): making a manual voucher needs LEDGER_POST_MANUAL; reviewing
    # it (复核) needs ACCOUNTING_REVIEW and another person than the maker.
    ACCOUNTING_REVIEW: Final = "accounting.review"
    ACCOUNTING_CLOSE: Final = "accounting.close"  # 月结/年结, value-added income distribution
    ACCOUNTING_FUNDS: Final = "accounting.funds"  # 资金管理: deposit interest, bank fees
    REPORTS_VIEW: Final = "reports.view"  # books, financial statements, statistical reports
    # Withdrawals (提取, issue 7).
    WITHDRAWAL_VIEW: Final = "withdrawal.view"  # look up withdrawals, decisions, agreements
    WITHDRAWAL_MANAGE: Final = "withdrawal.manage"  # counter: accept, pay again, agreements
    WITHDRAWAL_APPROVE: Final = "withdrawal.approve"  # review / approve / refuse withdrawals
    WITHDRAWAL_ADMIN: Final = "withdrawal.admin"  # customer management: blacklist (黑名单)
    # Housing loans (个人住房贷款, issue 8).
    LOAN_VIEW: Final = "loan.view"  # look up loans, schedules, developers and projects
    LOAN_MANAGE: Final = "loan.manage"  # counter: accept, contract, mortgage, repayments, 准入
    LOAN_APPROVE: Final = "loan.approve"  # review / approve / refuse loan applications, write-off
    LOAN_DISBURSE: Final = "loan.disburse"  # finance: disburse an approved loan through the bank


class Role:
    COUNTER_CLERK: Final = "counter_clerk"  # 柜员
    REVIEWER: Final = "reviewer"  # 复核员
    APPROVER: Final = "approver"  # 审批员
    FINANCE: Final = "finance"  # 财务人员
    AUDITOR: Final = "auditor"  # 稽核人员 (business risk audit)
    MANAGER: Final = "manager"  # 中心领导 (dashboard)
    SYSTEM_ADMIN: Final = "system_admin"  # 系统管理员
    SECURITY_ADMIN: Final = "security_admin"  # 安全管理员
    AUDIT_ADMIN: Final = "audit_admin"  # 审计管理员


class HallRole:
    """Roles of hall accounts (not assignable to staff: check_separation_of_duties refuses them)."""

    UNIT_OPERATOR: Final = "unit_operator"  # 单位经办人
    DEPOSITOR: Final = "depositor"  # 缴存人 (personal web hall)
    DEVELOPER: Final = "developer"  # 开发商 (developer web hall)


HALL_ROLE_LABELS: Final[dict[str, str]] = {
    HallRole.UNIT_OPERATOR: "单位经办人",
    HallRole.DEPOSITOR: "缴存人",
    HallRole.DEVELOPER: "开发商",
}

ROLE_LABELS: Final[dict[str, str]] = {
    Role.COUNTER_CLERK: "柜员",
    Role.REVIEWER: "复核员",
    Role.APPROVER: "审批员",
    Role.FINANCE: "财务人员",
    Role.AUDITOR: "稽核人员",
    Role.MANAGER: "中心领导",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}

P = Permission
ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    Role.COUNTER_CLERK: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.COLLECTION_VIEW,
            P.COLLECTION_MANAGE,
            P.HALL_ACCOUNTS_MANAGE,
            P.PERSONAL_DATA_UNMASK,
            P.BANK_VIEW,
            P.BANK_ALLOCATE,
            P.WITHDRAWAL_VIEW,  # withdrawals (issue 7)
            P.WITHDRAWAL_MANAGE,  # withdrawals (issue 7)
            P.LOAN_VIEW,  # loans (issue 8)
            P.LOAN_MANAGE,  # loans (issue 8)
        }
    ),
    Role.REVIEWER: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.COLLECTION_VIEW,
            P.COLLECTION_APPROVE,
            P.BANK_VIEW,
            P.WITHDRAWAL_VIEW,  # withdrawals (issue 7)
            P.WITHDRAWAL_APPROVE,  # withdrawals (issue 7)
            P.LOAN_VIEW,  # loans (issue 8)
            P.LOAN_APPROVE,  # loans (issue 8)
        }
    ),
    Role.APPROVER: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.COLLECTION_VIEW,
            P.COLLECTION_APPROVE,
            P.BANK_VIEW,
            P.WITHDRAWAL_VIEW,  # withdrawals (issue 7)
            P.WITHDRAWAL_APPROVE,  # withdrawals (issue 7)
            P.LOAN_VIEW,  # loans (issue 8)
            P.LOAN_APPROVE,  # loans (issue 8)
            P.WITHDRAWAL_ADMIN,  # withdrawals (issue 7)
        }
    ),
    Role.FINANCE: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.LEDGER_POST_MANUAL,
            P.LEDGER_REVERSE,
            P.LEDGER_CHECK,
            P.COLLECTION_VIEW,
            P.BANK_VIEW,
            P.BANK_OPERATE,
            P.BANK_RESOLVE,
            P.BANK_TRANSFER,
            P.BATCH_VIEW,
            P.WITHDRAWAL_VIEW,  # withdrawals (issue 7)
            P.LOAN_VIEW,  # loans (issue 8)
            P.LOAN_DISBURSE,  # loans (issue 8)
            P.ACCOUNTING_REVIEW,  # accounting (issue 9)
            P.ACCOUNTING_CLOSE,  # accounting (issue 9)
            P.ACCOUNTING_FUNDS,  # accounting (issue 9)
            P.REPORTS_VIEW,  # accounting (issue 9)
        }
    ),
    Role.AUDITOR: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.LEDGER_CHECK,
            P.COLLECTION_VIEW,
            P.BANK_VIEW,
            P.DASHBOARD_VIEW,
            P.WITHDRAWAL_VIEW,  # withdrawals (issue 7)
            P.LOAN_VIEW,  # loans (issue 8)
            P.REPORTS_VIEW,  # accounting (issue 9)
        }
    ),
    Role.MANAGER: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.COLLECTION_VIEW,
            P.BANK_VIEW,
            P.DASHBOARD_VIEW,
            P.REPORTS_VIEW,  # accounting (issue 9)
        }
    ),
    Role.SYSTEM_ADMIN: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.ORG_MANAGE,
            P.POLICY_VIEW,
            P.POLICY_MANAGE,
            P.EOD_RUN,
            P.LEDGER_CHECK,
            P.BANK_VIEW,
            P.BANK_OPERATE,
            P.BATCH_VIEW,
        }
    ),
    Role.SECURITY_ADMIN: frozenset({P.AUTHENTICATED, P.OPERATORS_VIEW, P.OPERATORS_MANAGE}),
    Role.AUDIT_ADMIN: frozenset({P.AUTHENTICATED, P.AUDIT_VIEW, P.OPERATORS_VIEW}),
}

# Hall accounts read through the collection services, scoped by Actor.unit_id (a unit's
# operator: its own unit) or Actor.member_id (a depositor: their own account); load_unit and
# load_account refuse everything else as not found.
HALL_ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    HallRole.UNIT_OPERATOR: frozenset({P.HALL_UNIT, P.HALL_SELF, P.COLLECTION_VIEW}),
    HallRole.DEPOSITOR: frozenset({P.HALL_PERSON, P.HALL_SELF, P.COLLECTION_VIEW}),
    # A developer reads its own company, projects and the applications on them through
    # services/developer_hall.py, scoped by Actor.developer_id; nothing of collection or loans.
    HallRole.DEVELOPER: frozenset({P.HALL_DEVELOPER, P.HALL_SELF}),
}

ADMIN_DUTIES: Final = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class SecurityRuleViolation(RuleViolation):
    """A security rule refuses the request (password policy, separation of duties)."""


def check_separation_of_duties(roles: frozenset[str] | set[str]) -> None:
    """三权分立: at most one of the three administrator duties on one account."""
    if len(ADMIN_DUTIES & set(roles)) > 1:
        raise SecurityRuleViolation("separation_of_duties")
    unknown = set(roles) - set(ROLE_PERMISSIONS)
    if unknown:
        raise SecurityRuleViolation("unknown_role", role=sorted(unknown)[0])


def permissions_of(roles: frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, HALL_ROLE_PERMISSIONS.get(role, frozenset()))
    return frozenset(granted)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, resolved on the server from the session (never from client-sent ids)."""

    username: str
    roles: frozenset[str]
    operator_id: int | None = None
    display_name: str = ""
    branch_id: int | None = None  # the operator's own branch (管理部)
    all_branches: bool = False  # centre-level staff see every branch
    ip: str | None = None
    channel: str = "counter"
    session_id: int | None = None
    permissions: frozenset[str] = field(default=frozenset())
    unit_id: int | None = None  # a hall account of a unit sees that unit only (object scope)
    member_id: int | None = None  # a depositor's hall account sees their own account only
    developer_id: int | None = None  # a developer's hall account sees its own company only

    def __post_init__(self) -> None:
        if not self.permissions:
            object.__setattr__(self, "permissions", permissions_of(self.roles))

    @classmethod
    def system(cls, job: str) -> Actor:
        """The actor for batch jobs and end-of-day steps."""
        return cls(
            username=f"system:{job}",
            roles=frozenset(),
            all_branches=True,
            channel="batch",
            permissions=frozenset({"*"}),
        )

    def has(self, permission: str) -> bool:
        return permission == Permission.PUBLIC or "*" in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.has(permission):
            raise PermissionDenied("permission_denied", permission=permission)

    def can_access_branch(self, branch_id: int | None) -> bool:
        return self.all_branches or branch_id is None or branch_id == self.branch_id

    def require_branch(self, branch_id: int | None) -> None:
        if not self.can_access_branch(branch_id):
            raise PermissionDenied("outside_branch_scope")

    def can_access_unit(self, unit_id: int | None) -> bool:
        """Staff see every unit of their branch scope; a unit's hall account only its own unit;
        a depositor no unit at all (their own account shows its unit's name)."""
        if self.member_id is not None or self.developer_id is not None:
            return False
        return self.unit_id is None or unit_id == self.unit_id

    def can_access_account(self, member_id: int, unit_id: int | None) -> bool:
        """A depositor sees their own account; everyone else as far as the unit scope reaches."""
        if self.member_id is not None:
            return member_id == self.member_id
        return self.can_access_unit(unit_id)

    def require_staff_search(self) -> None:
        """Searching across units and people is staff business: a hall account is refused."""
        if self.unit_id is not None or self.member_id is not None or self.developer_id is not None:
            raise PermissionDenied("permission_denied", permission="collection.search")

    def can_access_developer(self, developer_id: int) -> bool:
        """Staff see every developer; a developer's hall account only its own company."""
        return self.developer_id is None or developer_id == self.developer_id


AuditValue = str | int | bool | None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the security audit log: who, when (added on write), where, what, result, why.

    Never put a full ID number, phone, card number, password or OTP in `details` (G5).
    """

    action: str  # e.g. "ledger.post_manual_voucher", "auth.login"
    object_type: str  # e.g. "voucher", "operator", "policy_version"
    object_id: str  # a business number or key, never an internal id from the client
    result: str = "success"  # success | failure | denied
    actor: str = "system"  # username
    actor_id: int | None = None
    ip: str | None = None
    reason: str | None = None
    details: dict[str, AuditValue] = field(default_factory=dict)

    @classmethod
    def by(
        cls,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        *,
        result: str = "success",
        reason: str | None = None,
        details: dict[str, AuditValue] | None = None,
    ) -> AuditEvent:
        return cls(
            action=action,
            object_type=object_type,
            object_id=object_id,
            result=result,
            actor=actor.username,
            actor_id=actor.operator_id,
            ip=actor.ip,
            reason=reason,
            details=details or {},
        )


# ---------------------------------------------------------------------------------------------
# Password policy, lockout and sessions (等保三级 GB/T 22239-2019 8.1.4.1; DESIGN.md §9)
# ---------------------------------------------------------------------------------------------

PASSWORD_MIN_LENGTH: Final = 8
PASSWORD_MIN_CLASSES: Final = 3  # of: upper case, lower case, digits, symbols
PASSWORD_MAX_LENGTH: Final = 128  # bounded so a login form cannot feed megabytes into PBKDF2
PASSWORD_MAX_AGE_DAYS: Final = 90
MAX_FAILED_LOGINS: Final = 5  # the 5th consecutive failure locks the account ...
LOCKOUT_MINUTES: Final = 30  # ... for this long
SESSION_IDLE_MINUTES: Final = 15
SESSION_ABSOLUTE_HOURS: Final = 8
SESSION_TOUCH_SECONDS: Final = 60  # last_seen_at is written at most this often (saves a write per click)
USERNAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


def password_classes(password: str) -> int:
    """How many of the four character classes (A-Z, a-z, 0-9, other) the password uses."""
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_password_policy(new: str, *, old: str | None = None, username: str | None = None) -> None:
    """Refuse a weak new password: too short or long, too few classes, the old one, the username."""
    if (
        len(new) < PASSWORD_MIN_LENGTH
        or len(new) > PASSWORD_MAX_LENGTH
        or password_classes(new) < PASSWORD_MIN_CLASSES
    ):
        raise SecurityRuleViolation("password_too_weak", min_length=PASSWORD_MIN_LENGTH)
    if old is not None and new == old:
        raise SecurityRuleViolation("password_reused")
    if username and username.lower() in new.lower():
        raise SecurityRuleViolation("password_contains_username")


def check_username(username: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise SecurityRuleViolation("invalid_username")


def password_change_due(changed_at: datetime | None, now: datetime) -> str | None:
    """Why the password must be changed before anything else, or None.

    "password_change_required": an initial password set by the security administrator (never
    changed by its owner); "password_expired": older than PASSWORD_MAX_AGE_DAYS.
    """
    if changed_at is None:
        return "password_change_required"
    if now - changed_at > timedelta(days=PASSWORD_MAX_AGE_DAYS):
        return "password_expired"
    return None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def lockout_remaining_minutes(locked_until: datetime, now: datetime) -> int:
    """Whole minutes left, rounded up, so the message never says "0 minutes"."""
    microseconds = max(0, (locked_until - now) // timedelta(microseconds=1))
    return max(1, -(-microseconds // 60_000_000))


def session_expired(
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    *,
    idle_minutes: int = SESSION_IDLE_MINUTES,
    absolute_hours: int = SESSION_ABSOLUTE_HOURS,
) -> bool:
    """True when a staff session is past its idle timeout or its absolute lifetime."""
    return now - last_seen_at >= timedelta(minutes=idle_minutes) or now - created_at >= timedelta(
        hours=absolute_hours
    )


def require_live_session(
    created_at: datetime,
    last_seen_at: datetime,
    revoked_at: datetime | None,
    now: datetime,
    *,
    idle_minutes: int,
    absolute_hours: int,
) -> None:
    """A session of any realm (staff or hall) is usable: not revoked, not timed out."""
    if revoked_at is not None:
        raise AuthenticationFailed("not_authenticated")
    if session_expired(
        created_at, last_seen_at, now, idle_minutes=idle_minutes, absolute_hours=absolute_hours
    ):
        raise AuthenticationFailed("session_expired")


def check_csrf(expected: str, given: str | None) -> None:
    """Constant-time comparison of the session's CSRF token with the one the form sent."""
    if not given or not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8")):
        raise PermissionDenied("csrf_failed")


# ---------------------------------------------------------------------------------------------
# TOTP second factor (RFC 6238 over RFC 4226; SHA-1, 6 digits, 30 s: what authenticator apps use)
# ---------------------------------------------------------------------------------------------

TOTP_STEP_SECONDS: Final = 30
TOTP_DIGITS: Final = 6
TOTP_WINDOW_STEPS: Final = 1  # accept the previous and the next step too (clock drift)
TOTP_SECRET_BYTES: Final = 20  # 160 bits, as RFC 4226 recommends
TOTP_ISSUER: Final = "Anju"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def decode_totp_secret(secret_b32: str) -> bytes:
    """The raw key of a base32 secret (spaces, lower case and missing padding tolerated)."""
    text = secret_b32.replace(" ", "").upper()
    text += "=" * (-len(text) % 8)
    try:
        key = base64.b32decode(text)
    except (binascii.Error, ValueError):
        raise SecurityRuleViolation("totp_secret_invalid") from None
    if len(key) < 10:  # RFC 4226: at least 128 bits; 80 is the floor apps accept
        raise SecurityRuleViolation("totp_secret_invalid")
    return key


def encode_totp_secret(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def hotp(key: bytes, counter: int, digits: int = TOTP_DIGITS) -> str:
    """RFC 4226 HOTP with HMAC-SHA-1 and dynamic truncation."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp_step(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("TOTP needs an aware datetime")
    return (at - _EPOCH) // timedelta(seconds=TOTP_STEP_SECONDS)


def totp_now(secret_b32: str, at: datetime, *, digits: int = TOTP_DIGITS) -> str:
    """The code an authenticator app shows at `at` (tests and the demo use it)."""
    return hotp(decode_totp_secret(secret_b32), totp_step(at), digits)


@dataclass(frozen=True, slots=True)
class TotpCheck:
    """Result of checking a code: the step it matched (to store), or why it did not count."""

    step: int | None
    reused: bool = False

    @property
    def ok(self) -> bool:
        return self.step is not None


def check_totp(secret_b32: str, code: str, at: datetime, *, last_step: int) -> TotpCheck:
    """Match `code` within ±TOTP_WINDOW_STEPS of `at`; a step ≤ last_step is a replay (A5)."""
    code = code.strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return TotpCheck(step=None)
    key = decode_totp_secret(secret_b32)
    current = totp_step(at)
    reused = False
    for step in (current, current - 1, current + 1):  # the likeliest first
        if hmac.compare_digest(hotp(key, step).encode(), code.encode()):
            if step > last_step:
                return TotpCheck(step=step)
            reused = True
    return TotpCheck(step=None, reused=reused)


def otpauth_uri(secret_b32: str, username: str, *, issuer: str = TOTP_ISSUER) -> str:
    """The otpauth:// URI an authenticator app scans (Key Uri Format)."""
    label = quote(f"{issuer}:{username}")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


# ---------------------------------------------------------------------------------------------
# The audit chain (reliability.md G2): each row's hash = HMAC-SM3(prev_hash || canonical row)
# ---------------------------------------------------------------------------------------------

AUDIT_GENESIS_HASH: Final = "0" * 64
AUDIT_RESULTS: Final = frozenset({"success", "failure", "denied"})


def audit_details_json(details: Mapping[str, AuditValue]) -> str:
    """Canonical JSON of the details: sorted keys, no spaces, UTF-8 kept (what is stored and hashed)."""
    for key, value in details.items():
        if value is not None and not isinstance(value, str | int | bool):
            raise TypeError(f"audit detail {key!r} must be str, int, bool or None")
    return json.dumps(dict(details), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def audit_chain_message(
    prev_hash: str,
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    actor_id: int | None,
    ip: str | None,
    action: str,
    object_type: str,
    object_id: str,
    result: str,
    reason: str | None,
    details_json: str,
) -> bytes:
    """The bytes the chain HMAC covers: the previous hash, then the row as canonical JSON.

    The sequence number is inside, so swapping two rows breaks the chain as surely as editing one.
    """
    if occurred_at.tzinfo is None:
        raise ValueError("audit timestamps are aware UTC datetimes")
    row = {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "actor_id": actor_id,
        "ip": ip,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "result": result,
        "reason": reason,
        "details": details_json,
    }
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return prev_hash.encode("ascii") + b"\n" + canonical.encode("utf-8")


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """What verifying the audit chain found: ok, how many rows, and the first bad one."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = "ok"  # ok | hash_mismatch | prev_hash_mismatch | missing | truncated | head_mismatch

    def require_ok(self) -> None:
        """Raise InvariantViolation("audit_chain_broken") unless the chain verified."""
        if not self.ok:
            raise InvariantViolation("audit_chain_broken", seq=self.first_broken_seq, reason=self.reason)
