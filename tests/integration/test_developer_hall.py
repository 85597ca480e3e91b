"""The developer web hall (开发商网厅): the counter opens it, the developer logs in with its credit
code, password and SMS code, and sees its own company, projects and the applications on them,
never another developer's (reliability.md A1), with the borrowers masked (P2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from anju.adapters.clock import FixedClock
from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.bootstrap import Container
from anju.domain.hall import DEVELOPER_KIND
from anju.domain.security import Actor, Role
from anju.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from anju.services import developer_hall, hall_auth, loans, sms, units
from anju.services.hall_auth import HallLoginOutcome
from anju.services.runner import read, run
from tests.integration.test_loans import World

PHONE = "13811112222"
OTHER_PHONE = "13833334444"
CREDIT = "91410100MA0000001X"
OTHER_CREDIT = "91410100MA0000002X"


@dataclass
class Developers:
    world: World
    gateway: RecordingSmsGateway
    own_project: int
    other_project: int
    own_loan: str
    other_loan: str
    initial_password: str
    other_password: str
    clock: FixedClock

    @property
    def container(self) -> Container:
        return self.world.c

    def login(self, credit_code: str = CREDIT, password: str | None = None) -> HallLoginOutcome:
        c = self.container
        step = run(
            c.uow,
            lambda uow: hall_auth.begin_login(
                uow, DEVELOPER_KIND, credit_code, password or self.initial_password, "10.0.0.7"
            ),
        )
        if not step.ok:
            return HallLoginOutcome(ok=False, error=step.error)
        run(c.uow, lambda uow: sms.deliver_queued(uow, self.gateway))
        text = self.gateway.last_to(PHONE if credit_code == CREDIT else OTHER_PHONE) or ""
        code = re.search(r"验证码为(\d{6})", text)
        assert code is not None, text
        return run(
            c.uow, lambda uow: hall_auth.finish_login(uow, step.challenge or "", code.group(1), "10.0.0.7")
        )

    def actor(self, credit_code: str = CREDIT) -> Actor:
        password = self.initial_password if credit_code == CREDIT else self.other_password
        outcome = self.login(credit_code, password)
        assert outcome.ok, outcome.error
        assert outcome.actor is not None
        return outcome.actor


def _admit(world: World, code: str, credit: str, project: str) -> loans.ProjectView:
    world.go(
        lambda uow: loans.admit_developer(
            uow,
            world.clerk,
            loans.DeveloperAdmission(
                code, f"{project}置业有限公司", credit, "办妥抵押登记前承担阶段性连带保证责任"
            ),
        )
    )
    return world.go(  # type: ignore[no-any-return]
        lambda uow: loans.admit_project(
            uow,
            world.clerk,
            loans.ProjectAdmission(
                code,
                project,
                "安居市建设路 8 号",
                f"预{code}",
                f"规{code}",
                f"施{code}",
                f"土{code}",
                buildings=("1号楼",),
            ),
        )
    )


@pytest.fixture
def developers(container: Container, clock: FixedClock) -> Developers:
    world = World(container)
    own = _admit(world, "KF001", CREDIT, "安居花园")
    other = _admit(world, "KF002", OTHER_CREDIT, "别家小区")
    loan_nos = []
    for view in (own, other):
        borrower = world.member()
        req = world.application(
            borrower,
            house_kind="new",
            appraisal=None,
            project_id=view.project.id,
            building_id=view.buildings[0][0],
        )
        loan_nos.append(world.apply(req).loan_no)
    new = world.go(
        lambda uow: developer_hall.open_developer_account(
            uow, world.clerk, "KF001", handler_name="王联系", phone=PHONE
        )
    )
    other_new = world.go(
        lambda uow: developer_hall.open_developer_account(
            uow, world.clerk, "KF002", handler_name="赵联系", phone=OTHER_PHONE
        )
    )
    return Developers(
        world,
        RecordingSmsGateway(),
        own.project.id,
        other.project.id,
        *loan_nos,
        new.initial_password,
        other_new.initial_password,
        clock,
    )


def test_a_developer_sees_only_its_own_company_projects_and_applications(developers: Developers) -> None:
    actor = developers.actor()
    assert actor.channel == "developer_hall"
    assert actor.developer_id is not None
    assert actor.unit_id is None
    assert actor.member_id is None
    look = developers.world.look

    company = look(lambda uow: developer_hall.company(uow, actor))
    assert company.developer.code == "KF001"
    assert company.status_label == "准入有效"
    assert company.developer.guarantee_terms.startswith("办妥抵押登记前")
    projects = look(lambda uow: developer_hall.projects(uow, actor))
    assert [p.project.id for p in projects] == [developers.own_project]
    assert projects[0].project.presale_permit == "预KF001"
    assert [name for _id, name in projects[0].buildings] == ["1号楼"]

    page = look(lambda uow: developer_hall.applications(uow, actor))
    assert page.total == 1
    (application,) = page.items
    assert application.loan_no == developers.own_loan
    assert application.state_label == "已受理"
    assert str(application.amount) == "300000.00"
    assert application.term_months == 240
    # Masked: the first character of the name, four and four of the ID number.
    assert re.fullmatch(r".\*+", application.borrower_name)
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", application.borrower_id)

    # Another developer's project does not exist for this one, nor its applications (A1).
    with pytest.raises(NotFound):
        look(lambda uow: developer_hall.project(uow, actor, developers.other_project))
    with pytest.raises(NotFound):
        look(lambda uow: developer_hall.applications(uow, actor, project_id=developers.other_project))
    # Nothing of the counter's loans or collection either.
    with pytest.raises(PermissionDenied):
        look(lambda uow: loans.get_project(uow, actor, developers.own_project))
    with pytest.raises(PermissionDenied):
        look(lambda uow: loans.get_loan(uow, actor, developers.own_loan))
    with pytest.raises(PermissionDenied):
        look(lambda uow: units.list_units(uow, actor))
    assert not actor.can_access_unit(None)


def test_the_other_developer_sees_only_its_own(developers: Developers) -> None:
    wrong = developers.login(OTHER_CREDIT, password=developers.initial_password)
    assert wrong.error is not None
    assert wrong.error.code == "hall_login_failed"  # one developer's password opens no other
    other = developers.actor(OTHER_CREDIT)
    page = developers.world.look(lambda uow: developer_hall.applications(uow, other))
    assert [a.loan_no for a in page.items] == [developers.other_loan]
    with pytest.raises(NotFound):
        developers.world.look(lambda uow: developer_hall.project(uow, other, developers.own_project))


def test_the_counter_opens_resets_and_disables_the_account(developers: Developers) -> None:
    world = developers.world
    with pytest.raises(Conflict) as exists:
        world.go(
            lambda uow: developer_hall.open_developer_account(
                uow, world.clerk, "KF001", handler_name="王联系", phone=PHONE
            )
        )
    assert exists.value.code == "hall_developer_account_exists"
    with pytest.raises(PermissionDenied):  # a reviewer does not open hall accounts
        world.go(
            lambda uow: developer_hall.reset_developer_account(
                uow, world.reviewer, "KF001", handler_name="王联系", phone=PHONE
            )
        )
    first = developers.login()
    assert first.ok
    reset = world.go(
        lambda uow: developer_hall.reset_developer_account(
            uow, world.clerk, "KF001", handler_name="孙联系", phone=PHONE
        )
    )
    assert reset.account.display_name == "孙联系"
    assert reset.account.developer_code == "KF001"
    assert reset.account.must_change_password
    # The old session ended with the reset; the old password no longer opens the hall.
    with pytest.raises(AuthenticationFailed):
        read(developers.container.uow, lambda uow: hall_auth.live_hall_session(uow, first.token or "", None))
    developers.clock.advance(seconds=61)
    assert not developers.login().ok
    world.go(lambda uow: developer_hall.disable_developer_account(uow, world.clerk, "KF001"))
    developers.clock.advance(seconds=61)
    refused = developers.login(password=reset.initial_password)
    assert refused.error is not None
    assert refused.error.code == "account_disabled"
    view = world.look(lambda uow: developer_hall.developer_account(uow, world.clerk, "KF001"))
    assert view is not None
    assert view.status == "disabled"
    assert view.phone_masked == "138****2222"


def test_a_unit_operator_or_depositor_cannot_use_the_developer_services(developers: Developers) -> None:
    unit_operator = Actor(username="hall:unit:1", roles=frozenset({"unit_operator"}), unit_id=1)
    with pytest.raises(PermissionDenied):
        developers.world.look(lambda uow: developer_hall.projects(uow, unit_operator))
    staff = Actor(username="clerk", roles=frozenset({Role.COUNTER_CLERK}))
    with pytest.raises(PermissionDenied):  # staff use the loans pages, not the hall's reads
        developers.world.look(lambda uow: developer_hall.company(uow, staff))
