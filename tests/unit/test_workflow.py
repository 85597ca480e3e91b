"""The generic case workflow: states, allowed moves, maker ≠ checker ≠ approver, second approval
above a threshold, final states, ratings."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.workflow import (
    ACTIONS,
    FINAL_STATES,
    CaseFacts,
    CaseState,
    SeparationOfDutiesViolation,
    Step,
    WorkflowRuleViolation,
    check_rating,
    decide,
)
from anju.errors import AnjuError
from anju.messages import MESSAGES
from anju.money import Money

THRESHOLD = Money.from_yuan("50000.00")


def apply(case: CaseFacts, step: Step, actor: str) -> CaseFacts:
    changes: dict[str, Any] = {"state": step.to_state}
    if step.role:
        changes[step.role] = actor
    return dataclasses.replace(case, **changes)


def run(case: CaseFacts, *moves: tuple[str, str], threshold: Money | None = None) -> CaseFacts:
    for action, actor in moves:
        case = apply(
            case, decide(case, action, actor, second_approval_threshold=threshold, reason="原因"), actor
        )
    return case


def test_the_full_path_needs_three_people() -> None:
    case = run(
        CaseFacts("accepted", "maker"), ("review", "checker"), ("approve", "boss"), ("finish", "maker")
    )
    assert case.state == "done"
    assert (case.maker, case.checker, case.approver) == ("maker", "checker", "boss")


@pytest.mark.parametrize(
    ("moves", "action", "actor", "role"),
    [
        ((), "review", "maker", "受理人"),
        ((("review", "checker"),), "approve", "maker", "受理人"),
        ((("review", "checker"),), "approve", "checker", "审核人"),
        ((), "refuse", "maker", "受理人"),
    ],
)
def test_one_person_cannot_fill_two_roles(
    moves: tuple[tuple[str, str], ...], action: str, actor: str, role: str
) -> None:
    case = run(CaseFacts("accepted", "maker"), *moves)
    with pytest.raises(SeparationOfDutiesViolation) as err:
        decide(case, action, actor, reason="原因")
    assert err.value.code == "case_same_person"
    assert role in err.value.message
    assert err.value.http_status == 403


def test_above_the_threshold_a_second_approver_is_required() -> None:
    big = CaseFacts("accepted", "maker", amount=Money.from_yuan("50000.01"))
    approved = run(big, ("review", "c"), ("approve", "a"), threshold=THRESHOLD)
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(approved, "finish", "maker", second_approval_threshold=THRESHOLD)
    assert err.value.code == "case_second_approval_required"
    for same in ("maker", "c", "a"):
        with pytest.raises(SeparationOfDutiesViolation):
            decide(approved, "second_approve", same, second_approval_threshold=THRESHOLD)
    done = run(approved, ("second_approve", "a2"), ("finish", "maker"), threshold=THRESHOLD)
    assert done.state == "done"
    assert done.second_approver == "a2"


def test_at_or_below_the_threshold_no_second_approval() -> None:
    exact = CaseFacts("accepted", "maker", amount=THRESHOLD)
    approved = run(exact, ("review", "c"), ("approve", "a"), threshold=THRESHOLD)
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(approved, "second_approve", "a2", second_approval_threshold=THRESHOLD)
    assert err.value.code == "case_second_approval_not_needed"
    assert decide(approved, "finish", "maker", second_approval_threshold=THRESHOLD).to_state == "done"


def test_the_second_approver_may_still_refuse() -> None:
    big = CaseFacts("accepted", "maker", amount=Money.from_yuan("90000.00"))
    approved = run(big, ("review", "c"), ("approve", "a"), threshold=THRESHOLD)
    assert decide(
        approved, "refuse", "a2", reason="材料不全", second_approval_threshold=THRESHOLD
    ).to_state == ("refused")
    # Without a pending second approval, an approved case can only be finished.
    small = run(CaseFacts("accepted", "maker"), ("review", "c"), ("approve", "a"))
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(small, "refuse", "x", reason="晚了")
    assert err.value.code == "case_action_not_allowed"


def test_finish_without_review_only_when_allowed_and_only_by_the_maker() -> None:
    case = CaseFacts("accepted", "maker")
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(case, "finish", "maker")
    assert err.value.code == "case_action_not_allowed"
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(case, "finish", "someone", review_required=False)
    assert err.value.code == "case_finish_by_maker_only"
    assert decide(case, "finish", "maker", review_required=False).to_state == "done"


def test_return_and_refuse_need_a_reason_and_are_final() -> None:
    case = CaseFacts("reviewed", "maker", checker="c")
    with pytest.raises(WorkflowRuleViolation) as err:
        decide(case, "return", "a", reason="  ")
    assert err.value.code == "case_reason_required"
    step = decide(case, "return", "a", reason="缺少劳动合同")
    assert (step.to_state, step.reason) == ("returned", "缺少劳动合同")
    returned = apply(case, step, "a")
    for action in ACTIONS:
        with pytest.raises(WorkflowRuleViolation) as err:
            decide(returned, action, "z", reason="再试")
        assert err.value.code == "case_already_final"


def test_states_only_move_forward() -> None:
    case = CaseFacts("accepted", "maker")
    with pytest.raises(WorkflowRuleViolation):
        decide(case, "approve", "a")
    with pytest.raises(WorkflowRuleViolation):
        decide(case, "frobnicate", "a")


@given(
    moves=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["m", "c", "a", "a2", "x"])), max_size=8
    ),
    amount=st.integers(min_value=0, max_value=10_000_000),
)
def test_no_sequence_of_moves_breaks_the_separation_of_duties(
    moves: list[tuple[str, str]], amount: int
) -> None:
    case = CaseFacts(CaseState.ACCEPTED, "m", amount=Money(amount))
    for action, actor in moves:
        try:
            step = decide(case, action, actor, reason="r", second_approval_threshold=THRESHOLD)
        except AnjuError:
            continue
        case = apply(case, step, actor)
    people = [p for p in (case.maker, case.checker, case.approver, case.second_approver) if p is not None]
    assert len(people) == len(set(people))
    if case.state == "done" and case.amount is not None and case.amount > THRESHOLD:
        assert case.second_approver is not None
    if case.state == "done":
        assert case.checker is not None and case.approver is not None
    assert case.state in FINAL_STATES | {"accepted", "reviewed", "approved"}


def test_ratings() -> None:
    assert check_rating(5, None) is None
    assert check_rating(4, " 很快 ") == "很快"
    for bad in (0, 6, True):
        with pytest.raises(WorkflowRuleViolation):
            check_rating(bad, "x")
    with pytest.raises(WorkflowRuleViolation) as err:
        check_rating(2, "")
    assert err.value.code == "case_rating_comment_required"


def test_every_workflow_code_has_a_message() -> None:
    codes = {
        "case_action_unknown",
        "case_already_final",
        "case_action_not_allowed",
        "case_same_person",
        "case_second_approval_not_needed",
        "case_second_approval_required",
        "case_reason_required",
        "case_finish_by_maker_only",
        "case_rating_invalid",
        "case_rating_comment_required",
    }
    assert codes <= set(MESSAGES)
