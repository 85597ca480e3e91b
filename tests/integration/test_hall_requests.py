"""Unit web hall requests (单位网厅申请): submitted by the unit's operator within its own unit,
processed at the counter as cases (approve runs the real service, refuse shows a reason), and
never reaching another unit's people (A1)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from anju.bootstrap import Container
from anju.domain.security import Actor, AuditEvent, HallRole
from anju.errors import AnjuError, NotFound, PermissionDenied
from anju.money import Money
from anju.services import cases, hall_requests, members
from anju.services.hall_requests import HallSubmission
from anju.services.runner import read, run
from tests.integration.collection_helpers import Centre, open_member, register, resident_id, seed


@dataclass
class Setting:
    centre: Centre
    clerk: Actor
    hall: Actor
    other_hall: Actor
    unit_no: str
    other_unit_no: str
    mine: str
    theirs: str

    @property
    def container(self) -> Container:
        return self.centre.container

    def submit(self, actor: Actor | None = None, **fields: object) -> hall_requests.HallRequestView:
        sub = HallSubmission(**fields)  # type: ignore[arg-type]
        return run(self.container.uow, lambda uow: hall_requests.submit_request(uow, actor or self.hall, sub))


def _hall_actor(unit_no: str, unit_id: int, branch_id: int) -> Actor:
    return Actor(
        username=f"hall:unit:{unit_no}",
        roles=frozenset({HallRole.UNIT_OPERATOR}),
        branch_id=branch_id,
        channel="unit_hall",
        session_id=1,
        unit_id=unit_id,
    )


@pytest.fixture
def setting(container: Container) -> Setting:
    centre = seed(container)
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    other = register(centre, clerk, 2)
    mine = open_member(centre, clerk, unit.unit_account_no, 1, name="张一").account.account_no
    theirs = open_member(centre, clerk, other.unit_account_no, 2, name="李二").account.account_no

    def actor_of(unit_no: str) -> Actor:
        record = read(container.uow, lambda uow: uow.units.get(unit_no))
        assert record is not None
        return _hall_actor(unit_no, record.id, record.branch_id)

    return Setting(
        centre,
        clerk,
        actor_of(unit.unit_account_no),
        actor_of(other.unit_account_no),
        unit.unit_account_no,
        other.unit_account_no,
        mine,
        theirs,
    )


def test_an_opening_request_becomes_an_account_when_the_counter_approves(setting: Setting) -> None:
    new_id = resident_id(7)
    req = setting.submit(
        request_type="open", resident_id=new_id, name="王七", wage_base=Money.from_yuan("6000")
    )
    assert req.case_no and req.state == "accepted"
    assert new_id not in req.summary  # the summary is masked; the data is encrypted beside the case
    case = read(setting.container.uow, lambda uow: cases.get_case(uow, setting.clerk, req.case_no))
    assert (case.kind, case.channel_label, case.maker) == (
        "hall_request",
        "单位网厅",
        "hall:unit:" + setting.unit_no,
    )
    # The counter sees it in the case list, by kind and by channel.
    listed = read(
        setting.container.uow, lambda uow: cases.list_cases(uow, setting.clerk, kind="hall_request")
    )
    assert [c.case_no for c in listed.items] == [req.case_no]
    detail = read(
        setting.container.uow, lambda uow: hall_requests.get_request(uow, setting.clerk, req.case_no)
    )
    shown = dict(detail.request.fields)
    assert shown["身份证号"] != new_id and shown["身份证号"].endswith(new_id[-4:])

    done = run(
        setting.container.uow, lambda uow: hall_requests.approve_request(uow, setting.clerk, req.case_no)
    )
    assert done.state == "done"
    assert done.result_ref is not None and "个人账号" in done.result_ref
    case = read(setting.container.uow, lambda uow: cases.get_case(uow, setting.clerk, req.case_no))
    assert (case.maker, case.checker) == ("hall:unit:" + setting.unit_no, setting.clerk.username)
    page = read(setting.container.uow, lambda uow: members.find_by_resident_id(uow, setting.clerk, new_id))
    assert page is not None and page.unit_account_no == setting.unit_no
    # Approved once: a second approval is refused by the workflow.
    with pytest.raises(AnjuError):
        run(setting.container.uow, lambda uow: hall_requests.approve_request(uow, setting.clerk, req.case_no))


def test_a_refusal_reason_is_what_the_hall_reads(setting: Setting) -> None:
    req = setting.submit(request_type="seal", account_no=setting.mine, reason="离职")
    run(
        setting.container.uow,
        lambda uow: hall_requests.refuse_request(uow, setting.clerk, req.case_no, "缺少离职证明"),
    )
    items, total = read(setting.container.uow, lambda uow: hall_requests.own_requests(uow, setting.hall))
    assert total == 1
    assert (items[0].state_label, items[0].reason) == ("不予办理", "缺少离职证明")
    account = read(
        setting.container.uow, lambda uow: members.get_member_account(uow, setting.clerk, setting.mine)
    )
    assert account.status == "01"  # nothing sealed


def test_wage_base_seal_and_transfer_run_the_member_services(setting: Setting) -> None:
    def approve(case_no: str) -> None:
        run(setting.container.uow, lambda uow: hall_requests.approve_request(uow, setting.clerk, case_no))

    def account() -> members.MemberAccountView:
        return read(
            setting.container.uow, lambda uow: members.get_member_account(uow, setting.clerk, setting.mine)
        )

    approve(
        setting.submit(
            request_type="wage_base", account_no=setting.mine, wage_base=Money.from_yuan("9000")
        ).case_no
    )
    assert account().wage_base == Money.from_yuan("9000")
    approve(
        setting.submit(
            request_type="transfer", account_no=setting.mine, to_unit_account_no=setting.other_unit_no
        ).case_no
    )
    assert account().unit_account_no == setting.other_unit_no
    # Now the employee belongs to the other unit: the first unit can no longer ask anything for them.
    with pytest.raises(NotFound):
        setting.submit(request_type="seal", account_no=setting.mine)
    approve(setting.submit(setting.other_hall, request_type="seal", account_no=setting.mine).case_no)
    assert account().status == "02"


def test_a_unit_never_submits_or_sees_requests_for_another_units_people(setting: Setting) -> None:
    """A1: another unit's employee is "not found" to the hall, whatever the request type."""
    for kind in ("wage_base", "seal", "unseal", "transfer"):
        with pytest.raises(NotFound):
            setting.submit(
                request_type=kind,
                account_no=setting.theirs,
                wage_base=Money.from_yuan("5000"),
                to_unit_account_no=setting.unit_no,
            )
    theirs = setting.submit(setting.other_hall, request_type="remittance", month="202611")
    with pytest.raises(NotFound):
        read(setting.container.uow, lambda uow: hall_requests.own_request(uow, setting.hall, theirs.case_no))
    items, total = read(setting.container.uow, lambda uow: hall_requests.own_requests(uow, setting.hall))
    assert (items, total) == ([], 0)
    # The hall cannot use the counter's actions or detail.
    for fn in (hall_requests.approve_request, hall_requests.get_request):
        with pytest.raises(PermissionDenied):
            run(setting.container.uow, lambda uow, fn=fn: fn(uow, setting.other_hall, theirs.case_no))


def test_a_remittance_request_confirms_the_months_roster(setting: Setting) -> None:
    req = setting.submit(request_type="remittance", month="202611")
    done = run(
        setting.container.uow, lambda uow: hall_requests.approve_request(uow, setting.clerk, req.case_no)
    )
    assert done.state == "done" and done.result_ref is not None and "清册" in done.result_ref
    rosters = read(
        setting.container.uow,
        lambda uow: hall_requests.remittance.list_rosters(uow, setting.clerk, setting.unit_no),
    )
    assert [(r.month, r.state) for r in rosters] == [("202611", "confirmed")]


def test_an_unknown_type_is_refused_in_chinese(setting: Setting) -> None:
    with pytest.raises(AnjuError) as caught:
        setting.submit(request_type="withdraw")
    assert caught.value.code == "hall_request_type_unknown"
    _ = AuditEvent  # audit lines are asserted in the e2e tests
