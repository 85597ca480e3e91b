"""The generic case workflow (办件流转, DESIGN.md §7), pure so that every capability reuses it.

States: accepted (受理) → reviewed (审核) → approved (审批) → done (办结), or returned (退回) /
refused (拒绝). Maker, checker and approver are three different people; above a threshold the
caller takes from policy, a second approver (a fourth person) must approve too before the case can
be finished. A case that needs no review (a counter change with the applicant present) may be
finished straight from accepted, by its maker, when the caller says so.

Returned and refused are final: corrected materials come back as a new case, so each case's
history reads in one direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from anju.errors import PermissionDenied, RuleViolation
from anju.money import Money


class CaseState:
    ACCEPTED: Final = "accepted"
    REVIEWED: Final = "reviewed"
    APPROVED: Final = "approved"
    DONE: Final = "done"
    RETURNED: Final = "returned"
    REFUSED: Final = "refused"


STATE_LABELS: Final = {
    "accepted": "已受理",
    "reviewed": "已审核",
    "approved": "已审批",
    "done": "已办结",
    "returned": "已退回",
    "refused": "不予办理",
}
FINAL_STATES: Final = frozenset({CaseState.DONE, CaseState.RETURNED, CaseState.REFUSED})

ACTIONS: Final = ("review", "approve", "second_approve", "finish", "return", "refuse")
ACTION_LABELS: Final = {
    "accept": "受理",
    "review": "审核",
    "approve": "审批",
    "second_approve": "复核审批",
    "finish": "办结",
    "return": "退回",
    "refuse": "拒绝",
}
# Actions of the back office (review and decide) as opposed to the counter (accept, finish).
DECISION_ACTIONS: Final = frozenset({"review", "approve", "second_approve", "return", "refuse"})

MAX_REASON: Final = 400


class WorkflowRuleViolation(RuleViolation):
    """A case cannot move that way from its state."""


class SeparationOfDutiesViolation(PermissionDenied):
    """The same person would act twice on one case (maker ≠ checker ≠ approver)."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the workflow needs to know about a case."""

    state: str
    maker: str
    checker: str | None = None
    approver: str | None = None
    second_approver: str | None = None
    amount: Money | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of an allowed action: the new state and the role the actor fills (if any)."""

    action: str
    from_state: str
    to_state: str
    role: str | None  # "checker" | "approver" | "second_approver" | None
    reason: str | None


def needs_second_approval(amount: Money | None, threshold: Money | None) -> bool:
    """Strictly above the threshold; no threshold (None) means never."""
    return threshold is not None and amount is not None and amount > threshold


def decide(
    case: CaseFacts,
    action: str,
    actor: str,
    *,
    reason: str | None = None,
    second_approval_threshold: Money | None = None,
    review_required: bool = True,
    checked_suffices: bool = False,
) -> Step:
    """Check that `actor` may take `action` on `case` now, and say where it leads.

    `checked_suffices`: a reviewed case may be finished without an approval (a hall request: the
    applicant is the maker, the counter clerk who checks it is the second person)."""
    if action not in ACTIONS:
        raise WorkflowRuleViolation("case_action_unknown", action=action[:20])
    if case.state in FINAL_STATES:
        raise WorkflowRuleViolation(
            "case_already_final", state=STATE_LABELS.get(case.state, case.state), action=ACTION_LABELS[action]
        )
    why = (reason or "").strip() or None
    if why is not None and len(why) > MAX_REASON:
        raise WorkflowRuleViolation("text_too_long", field="原因", max=MAX_REASON)
    second = needs_second_approval(case.amount, second_approval_threshold)
    s = CaseState
    if action == "review":
        _require_state(case, action, {s.ACCEPTED})
        _require_other(actor, case, ("maker",))
        return Step(action, case.state, s.REVIEWED, "checker", why)
    if action == "approve":
        _require_state(case, action, {s.REVIEWED})
        _require_other(actor, case, ("maker", "checker"))
        return Step(action, case.state, s.APPROVED, "approver", why)
    if action == "second_approve":
        _require_state(case, action, {s.APPROVED})
        if not second or case.second_approver is not None:
            raise WorkflowRuleViolation("case_second_approval_not_needed")
        _require_other(actor, case, ("maker", "checker", "approver"))
        return Step(action, case.state, s.APPROVED, "second_approver", why)
    if action == "finish":
        if checked_suffices and case.state == s.REVIEWED and not second:
            return Step(action, case.state, s.DONE, None, why)
        return _finish(case, actor, second=second, review_required=review_required, reason=why)
    # return / refuse: a decision against the application, by someone other than its maker.
    allowed = {s.ACCEPTED, s.REVIEWED}
    if second and case.second_approver is None:
        allowed.add(s.APPROVED)  # the second approver may still say no
    _require_state(case, action, allowed)
    if why is None:
        raise WorkflowRuleViolation("case_reason_required", action=ACTION_LABELS[action])
    _require_other(actor, case, ("maker", "checker", "approver"))
    return Step(action, case.state, s.RETURNED if action == "return" else s.REFUSED, None, why)


def _finish(case: CaseFacts, actor: str, *, second: bool, review_required: bool, reason: str | None) -> Step:
    s = CaseState
    if case.state == s.ACCEPTED and not review_required:
        if actor != case.maker:
            raise WorkflowRuleViolation("case_finish_by_maker_only")
        return Step("finish", case.state, s.DONE, None, reason)
    _require_state(case, "finish", {s.APPROVED})
    if second and case.second_approver is None:
        raise WorkflowRuleViolation("case_second_approval_required")
    return Step("finish", case.state, s.DONE, None, reason)


def _require_state(case: CaseFacts, action: str, allowed: set[str]) -> None:
    if case.state not in allowed:
        raise WorkflowRuleViolation(
            "case_action_not_allowed",
            action=ACTION_LABELS[action],
            state=STATE_LABELS.get(case.state, case.state),
        )


_ROLE_LABELS: Final = {"maker": "受理人", "checker": "审核人", "approver": "审批人"}


def _require_other(actor: str, case: CaseFacts, roles: tuple[str, ...]) -> None:
    for role in roles:
        if getattr(case, role) == actor:
            raise SeparationOfDutiesViolation("case_same_person", role=_ROLE_LABELS[role])


def check_rating(rating: int, comment: str | None) -> str | None:
    """好差评: 1 (very poor) … 5 (very good); a comment is optional, required for 1 and 2."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise WorkflowRuleViolation("case_rating_invalid")
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_REASON:
        raise WorkflowRuleViolation("text_too_long", field="评价内容", max=MAX_REASON)
    if rating <= 2 and text is None:
        raise WorkflowRuleViolation("case_rating_comment_required")
    return text
