"""Errors: four families with stable snake_case codes (DESIGN.md §3).

A rule module defines its own subclass of a family (``class LedgerRuleViolation(RuleViolation)``);
the code and the structured details travel to the entry point, which turns them into a Chinese
message from the one catalogue in ``anju.messages`` and an HTTP status.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AnjuError(Exception):
    """Base of every error Anju raises on purpose."""

    http_status: ClassVar[int] = 500
    family: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False

    def __init__(self, code: str, /, **details: Any) -> None:
        self.code = code
        self.details: dict[str, Any] = details
        super().__init__(code)

    def __str__(self) -> str:
        if not self.details:
            return self.code
        inner = ", ".join(f"{k}={v!r}" for k, v in sorted(self.details.items()))
        return f"{self.code}({inner})"

    @property
    def message(self) -> str:
        """The Chinese text a user sees."""
        from anju.messages import message_for

        return message_for(self.code, self.details)


class RuleViolation(AnjuError):
    """The request breaks a business rule or is malformed: 422, nothing changed."""

    http_status = 422
    family = "rule_violation"


class NotFound(AnjuError):
    """The thing asked for does not exist, or the caller may not know that it does: 404."""

    http_status = 404
    family = "not_found"


class Conflict(AnjuError):
    """The request collides with the current state (already done, in flight, stale): 409."""

    http_status = 409
    family = "conflict"


class TransientConflict(Conflict):
    """A deadlock, serialization failure or busy database: safe to retry the whole transaction."""

    retryable = True


class PermissionDenied(AnjuError):
    """The caller is authenticated but may not do this: 403."""

    http_status = 403
    family = "permission_denied"


class AuthenticationFailed(AnjuError):
    """Not logged in, or the credentials are wrong: 401."""

    http_status = 401
    family = "authentication_failed"


class InvariantViolation(AnjuError):
    """Something that must never happen did (an unbalanced voucher, a broken chain).

    Never caught by business code: it stops the operation and, in a batch, the whole job.
    """

    http_status = 500
    family = "invariant_violation"
