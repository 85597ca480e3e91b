"""Cases (办件) on a real database: the review path with three people, the second approval above a
threshold, branch scope, state history, audit, and the rating."""

from __future__ import annotations

from typing import Any

import pytest

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import AnjuError, Conflict, PermissionDenied
from anju.money import Money
from anju.services import cases
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from tests.integration.collection_helpers import Centre, seed

THRESHOLD = Money.from_yuan("50000.00")


@pytest.fixture
def centre(container: Container) -> Centre:
    return seed(container)


def reviewer(centre: Centre, name: str = "reviewer1") -> Actor:
    return centre.staff(Role.REVIEWER, name)


def approver(centre: Centre, name: str = "approver1") -> Actor:
    return centre.staff(Role.APPROVER, name)


def open_(
    centre: Centre, actor: Actor, amount: str | None = None, ref: str = "204101000000000014"
) -> cases.CaseView:
    return run(
        centre.container.uow,
        lambda uow: cases.open_case(
            uow,
            actor,
            kind="member_merge",
            channel="counter",
            subject_type="member_account",
            subject_ref=ref,
            summary="测试办件",
            amount=Money.from_yuan(amount) if amount else None,
            applicant="张*",
        ),
    )


def advance(
    centre: Centre, actor: Actor, case_no: str, action: str, reason: str | None = None
) -> cases.CaseView:
    return run(
        centre.container.uow,
        lambda uow: cases.advance_case(
            uow, actor, case_no, action, reason, second_approval_threshold=THRESHOLD
        ),
    )


def refused(centre: Centre, fn: Any) -> AnjuError:
    with pytest.raises(AnjuError) as err:
        run(centre.container.uow, fn)
    return err.value


def test_review_approve_finish_by_three_people(centre: Centre) -> None:
    clerk = centre.clerk("02")
    case = open_(centre, clerk)
    assert (case.state, case.state_label, case.channel_label, case.kind_label) == (
        "accepted",
        "已受理",
        "柜面",
        "个人账户合并",
    )
    assert case.case_no.startswith("50410100")
    err = refused(centre, lambda uow: cases.advance_case(uow, clerk, case.case_no, "review"))
    assert isinstance(err, PermissionDenied)  # a clerk has no approve permission
    advance(centre, reviewer(centre), case.case_no, "review")
    err = refused(centre, lambda uow: cases.advance_case(uow, reviewer(centre), case.case_no, "approve"))
    assert err.code == "case_same_person"
    advance(centre, approver(centre), case.case_no, "approve", "同意")
    done = advance(centre, clerk, case.case_no, "finish")
    assert (done.state, done.maker, done.checker, done.approver) == (
        "done",
        "clerk02",
        "reviewer1",
        "approver1",
    )
    assert done.finished_at is not None
    assert [(e.action, e.to_state, e.actor) for e in done.history] == [
        ("accept", "accepted", "clerk02"),
        ("review", "reviewed", "reviewer1"),
        ("approve", "approved", "approver1"),
        ("finish", "done", "clerk02"),
    ]
    assert done.history[2].reason == "同意"
    logged = read(
        centre.container.uow, lambda uow: [e.action for e in uow.audit.list_entries(limit=20, offset=0)]
    )
    assert {"case.open", "case.review", "case.approve", "case.finish"} <= set(logged)


def test_a_large_amount_needs_a_second_approver(centre: Centre) -> None:
    clerk = centre.clerk("02")
    case = open_(centre, clerk, amount="80000.00")
    advance(centre, reviewer(centre), case.case_no, "review")
    advance(centre, approver(centre), case.case_no, "approve")
    err = refused(
        centre,
        lambda uow: cases.advance_case(
            uow, clerk, case.case_no, "finish", second_approval_threshold=THRESHOLD
        ),
    )
    assert err.code == "case_second_approval_required"
    err = refused(
        centre,
        lambda uow: cases.advance_case(
            uow, approver(centre), case.case_no, "second_approve", second_approval_threshold=THRESHOLD
        ),
    )
    assert err.code == "case_same_person"
    second = advance(centre, approver(centre, "approver2"), case.case_no, "second_approve")
    assert second.second_approver == "approver2"
    assert advance(centre, clerk, case.case_no, "finish").state == "done"


def test_refusal_needs_a_reason_and_ends_the_case(centre: Centre) -> None:
    clerk = centre.clerk("02")
    case = open_(centre, clerk)
    err = refused(centre, lambda uow: cases.advance_case(uow, reviewer(centre), case.case_no, "refuse", ""))
    assert err.code == "case_reason_required"
    out = advance(centre, reviewer(centre), case.case_no, "refuse", "非本人申请")
    assert (out.state, out.reason) == ("refused", "非本人申请")
    err = refused(centre, lambda uow: cases.advance_case(uow, approver(centre), case.case_no, "approve"))
    assert err.code == "case_already_final"


def test_branch_scope(centre: Centre) -> None:
    case = open_(centre, centre.clerk("02"))
    outsider = centre.clerk("03")
    with pytest.raises(PermissionDenied):
        read(centre.container.uow, lambda uow: cases.get_case(uow, outsider, case.case_no))
    listed = read(centre.container.uow, lambda uow: cases.list_cases(uow, outsider))
    assert listed.total == 0
    branch_reviewer = Actor(
        username="rev03", roles=frozenset({Role.REVIEWER}), operator_id=9, branch_id=centre.branch_ids["03"]
    )
    err = refused(centre, lambda uow: cases.advance_case(uow, branch_reviewer, case.case_no, "review"))
    assert err.code == "outside_branch_scope"


def test_listing_filters(centre: Centre) -> None:
    clerk = centre.clerk("02")
    a = open_(centre, clerk, ref="A")
    b = open_(centre, clerk, ref="B")
    advance(centre, reviewer(centre), b.case_no, "review")

    def page(**kw: Any) -> list[str]:
        return [
            c.case_no
            for c in read(centre.container.uow, lambda uow: cases.list_cases(uow, clerk, **kw)).items
        ]

    assert page() == [b.case_no, a.case_no]
    assert page(state="reviewed") == [b.case_no]
    assert page(subject_ref="A") == [a.case_no]
    assert page(subject_ref=b.case_no) == [b.case_no]
    assert page(kind="unit_register") == []


def test_rating_once_after_the_case_ends(centre: Centre) -> None:
    clerk = centre.clerk("02")
    case = open_(centre, clerk)
    err = refused(centre, lambda uow: cases.rate_case(uow, case.case_no, 5))
    assert err.code == "case_not_finished"
    advance(centre, reviewer(centre), case.case_no, "return", "缺少材料")
    err = refused(centre, lambda uow: cases.rate_case(uow, case.case_no, 1))
    assert err.code == "case_rating_comment_required"
    rated = run(centre.container.uow, lambda uow: cases.rate_case(uow, case.case_no, 2, "等待时间太长"))
    assert (rated.rating, rated.rating_comment) == (2, "等待时间太长")
    assert rated.rated_at is not None
    err = refused(centre, lambda uow: cases.rate_case(uow, case.case_no, 5))
    assert isinstance(err, Conflict)
    assert err.code == "case_already_rated"


def test_unknown_channel_and_case(centre: Centre) -> None:
    clerk = centre.clerk("02")

    def bad_channel(uow: UnitOfWork) -> Any:
        return cases.open_case(
            uow, clerk, kind="x", channel="fax", subject_type="unit", subject_ref="1", summary="传真"
        )

    assert refused(centre, bad_channel).code == "case_channel_unknown"
    err = refused(centre, lambda uow: cases.advance_case(uow, clerk, "5041010000000000999", "finish"))
    assert err.code == "not_found"


def test_the_generic_case_actions_refuse_a_kind_its_capability_manages(centre: Centre) -> None:
    """A withdrawal, loan or deferral has a state of its own: only its page may move its case."""
    clerk = centre.clerk("02")
    case = run(
        centre.container.uow,
        lambda uow: cases.open_case(
            uow,
            clerk,
            kind="withdrawal",
            channel="counter",
            subject_type="member_account",
            subject_ref="204101000000000001",
            summary="测试提取办件",
        ),
    )
    err = refused(
        centre, lambda uow: cases.advance_generic_case(uow, reviewer(centre), case.case_no, "review")
    )
    assert err.code == "case_managed_elsewhere"
    assert "/withdrawals" in err.message
    generic = open_(centre, clerk)
    moved = run(
        centre.container.uow,
        lambda uow: cases.advance_generic_case(uow, reviewer(centre), generic.case_no, "review"),
    )
    assert moved.state == "reviewed"
