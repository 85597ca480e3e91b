"""Who acts, what they may do, and what gets audited: actors, roles, permissions, audit events.

Roles and their permissions are data here (least privilege, DESIGN.md §9). Every route and every
service command names the permission it needs; the three administrator duties (system, security,
audit — 三权分立) are never held by one account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from anju.errors import PermissionDenied, RuleViolation


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
    Role.COUNTER_CLERK: frozenset({P.AUTHENTICATED, P.ORG_VIEW, P.POLICY_VIEW, P.LEDGER_VIEW}),
    Role.REVIEWER: frozenset({P.AUTHENTICATED, P.ORG_VIEW, P.POLICY_VIEW, P.LEDGER_VIEW}),
    Role.APPROVER: frozenset({P.AUTHENTICATED, P.ORG_VIEW, P.POLICY_VIEW, P.LEDGER_VIEW}),
    Role.FINANCE: frozenset(
        {
            P.AUTHENTICATED,
            P.ORG_VIEW,
            P.POLICY_VIEW,
            P.LEDGER_VIEW,
            P.LEDGER_POST_MANUAL,
            P.LEDGER_REVERSE,
            P.LEDGER_CHECK,
        }
    ),
    Role.AUDITOR: frozenset({P.AUTHENTICATED, P.ORG_VIEW, P.POLICY_VIEW, P.LEDGER_VIEW, P.LEDGER_CHECK}),
    Role.MANAGER: frozenset({P.AUTHENTICATED, P.ORG_VIEW, P.POLICY_VIEW, P.LEDGER_VIEW}),
    Role.SYSTEM_ADMIN: frozenset(
        {P.AUTHENTICATED, P.ORG_VIEW, P.ORG_MANAGE, P.POLICY_VIEW, P.POLICY_MANAGE, P.EOD_RUN, P.LEDGER_CHECK}
    ),
    Role.SECURITY_ADMIN: frozenset({P.AUTHENTICATED, P.OPERATORS_VIEW, P.OPERATORS_MANAGE}),
    Role.AUDIT_ADMIN: frozenset({P.AUTHENTICATED, P.AUDIT_VIEW, P.OPERATORS_VIEW}),
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
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
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
