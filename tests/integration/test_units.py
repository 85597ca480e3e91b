"""Units on a real database (SQLite and PostgreSQL): registration with its suspense account,
every refusal, changes with their audit trail, sealing, cancellation and the branch scope."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from anju.bootstrap import Container
from anju.domain.security import Role
from anju.errors import AnjuError, Conflict, PermissionDenied, RuleViolation
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.money import Money, Rate
from anju.services import cases, members, units
from anju.services.ledger import check_ledger
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.services.units import UnitChanges
from tests.integration.collection_helpers import DAY, Centre, open_member, register, seed


@pytest.fixture
def centre(container: Container) -> Centre:
    return seed(container)


def refused(centre: Centre, fn: Any) -> AnjuError:
    with pytest.raises(AnjuError) as err:
        run(centre.container.uow, fn)
    return err.value


def test_register_opens_the_unit_account_and_its_suspense_account(centre: Centre) -> None:
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1, subordination="40", postcode="450000", email="hr@example.cn")
    assert unit.status == "01"
    assert unit.branch_code == "02"
    assert unit.bank_code == "102"
    assert unit.collection_account_no.startswith("102")
    assert unit.unit_ratio == Rate.percent("12")
    assert unit.handler_phone_masked == "138****8000"
    assert unit.opened_on == DAY

    def check(uow: UnitOfWork) -> None:
        suspense = uow.ledger.get_account(unit.suspense_account_no)
        assert (suspense.gl_code, suspense.kind.value, suspense.owner_type) == (
            "21901",
            "unit_suspense",
            "unit",
        )
        assert suspense.floor == Money.ZERO
        case = cases.get_case(uow, clerk, str(unit.case_no))
        assert (case.kind, case.channel, case.state, case.maker) == (
            "unit_register",
            "counter",
            "done",
            "clerk02",
        )
        assert [e.action for e in case.history] == ["accept", "finish"]
        logged = [e.action for e in uow.audit.list_entries(limit=20, offset=0)]
        assert "unit.register" in logged
        assert check_ledger(uow).ok

    read(centre.container.uow, check)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"credit_code": "91410100MA00000012"}, "invalid_credit_code"),
        ({"economic_type": "180"}, "code_not_in_table"),
        ({"industry": "Z99"}, "code_not_in_table"),
        ({"subordination": "30"}, "code_not_in_table"),
        ({"unit_ratio": Rate.percent("4")}, "contribution_ratio_below_national"),
        ({"member_ratio": Rate.percent("13")}, "contribution_ratio_outside_national"),
        ({"unit_ratio": Rate.percent("7.5")}, "contribution_ratio_not_integer"),
        ({"payday": 29}, "payday_out_of_range"),
        ({"payday": 0}, "payday_out_of_range"),
        ({"handler_phone": "12345"}, "invalid_phone"),
        ({"postcode": "4500"}, "org_code_invalid"),
        ({"name": "  "}, "required_field"),
        ({"bank_code": "999"}, "not_found"),
        ({"collection_account_no": "1054101201501000001"}, "collection_account_mismatch"),
    ],
)
def test_registration_refusals(centre: Centre, overrides: dict[str, object], code: str) -> None:
    clerk = centre.clerk("02")
    from tests.integration.collection_helpers import registration

    err = refused(centre, lambda uow: units.register_unit(uow, clerk, registration(5, **overrides)))
    assert err.code == code
    assert "{" not in err.message
    assert read(centre.container.uow, lambda uow: units.list_units(uow, clerk)).total == 0


def test_a_credit_code_registers_once(centre: Centre) -> None:
    clerk = centre.clerk("02")
    first = register(centre, clerk, 1)
    from tests.integration.collection_helpers import registration

    err = refused(centre, lambda uow: units.register_unit(uow, clerk, registration(1, name="另一个名字")))
    assert isinstance(err, Conflict)
    assert err.code == "credit_code_exists"
    assert first.unit_account_no in err.message


def test_branch_scope(centre: Centre) -> None:
    clerk02, clerk03 = centre.clerk("02"), centre.clerk("03")
    mine = register(centre, clerk02, 1)
    theirs = register(centre, clerk03, 2)
    from tests.integration.collection_helpers import registration

    err = refused(centre, lambda uow: units.register_unit(uow, clerk02, registration(3, branch_code="03")))
    assert isinstance(err, PermissionDenied)
    listed = read(centre.container.uow, lambda uow: units.list_units(uow, clerk02))
    assert [u.unit_account_no for u in listed.items] == [mine.unit_account_no]
    with pytest.raises(PermissionDenied):
        read(centre.container.uow, lambda uow: units.get_unit(uow, clerk02, theirs.unit_account_no))
    err = refused(
        centre, lambda uow: units.change_unit(uow, clerk02, theirs.unit_account_no, UnitChanges(name="改名"))
    )
    assert err.code == "outside_branch_scope"
    manager = centre.staff(Role.MANAGER, "boss")
    assert read(centre.container.uow, lambda uow: units.list_units(uow, manager)).total == 2
    with pytest.raises(PermissionDenied):
        run(centre.container.uow, lambda uow: units.seal_unit(uow, manager, mine.unit_account_no))


def test_search_by_name_number_or_code(centre: Centre) -> None:
    clerk = centre.clerk("02")
    a = register(centre, clerk, 1, name="安居软件有限公司")
    register(centre, clerk, 2, name="安居建筑有限公司")

    def search(q: str) -> list[str]:
        return [
            u.name for u in read(centre.container.uow, lambda uow: units.list_units(uow, clerk, text=q)).items
        ]

    assert search("软件") == ["安居软件有限公司"]
    assert search(a.unit_account_no) == ["安居软件有限公司"]
    assert search(a.credit_code.lower()) == ["安居软件有限公司"]
    assert len(search("安居")) == 2
    assert search("%") == []


def test_change_is_audited_with_before_and_after_and_reprices_members(centre: Centre) -> None:
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    opened = open_member(centre, clerk, unit.unit_account_no, 1, wage="8000.00")
    assert opened.account.unit_monthly == Money.from_yuan("960.00")
    changed = run(
        centre.container.uow,
        lambda uow: units.change_unit(
            uow,
            clerk,
            unit.unit_account_no,
            UnitChanges(
                name="安居新名称有限公司", unit_ratio=Rate.percent("10"), handler_phone="13900139000"
            ),
        ),
    )
    assert changed.name == "安居新名称有限公司"
    assert changed.unit_ratio == Rate.percent("10")
    assert changed.handler_phone_masked == "139****9000"

    def check(uow: UnitOfWork) -> None:
        account = members.get_member_account(uow, clerk, opened.account.account_no)
        assert account.unit_monthly == Money.from_yuan("800.00")
        assert account.member_monthly == Money.from_yuan("960.00")
        entry = next(e for e in uow.audit.list_entries(limit=50, offset=0) if e.action == "unit.change")
        assert entry.details["name.before"] == "安居测试单位1有限公司"
        assert entry.details["name.after"] == "安居新名称有限公司"
        assert entry.details["unit_ratio.after"] == "0.1"
        assert entry.details["handler_phone"] == "changed"
        assert entry.details["members_repriced"] == 1
        assert "13900139000" not in str(entry.details)

    read(centre.container.uow, check)
    err = refused(
        centre,
        lambda uow: units.change_unit(
            uow, clerk, unit.unit_account_no, UnitChanges(name="安居新名称有限公司")
        ),
    )
    assert err.code == "unit_change_empty"
    err = refused(
        centre,
        lambda uow: units.change_unit(
            uow, clerk, unit.unit_account_no, UnitChanges(member_ratio=Rate.percent("4"))
        ),
    )
    assert err.code == "contribution_ratio_below_national"


def test_seal_and_resume(centre: Centre) -> None:
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    a = open_member(centre, clerk, unit.unit_account_no, 1)
    b = open_member(centre, clerk, unit.unit_account_no, 2, name="李四")
    run(
        centre.container.uow,
        lambda uow: members.freeze_member(uow, clerk, b.account.account_no, "（2026）豫0102执123号"),
    )
    err = refused(centre, lambda uow: units.seal_unit(uow, clerk, unit.unit_account_no))
    assert err.code == "unit_has_frozen_members"
    run(
        centre.container.uow,
        lambda uow: members.unfreeze_member(uow, clerk, b.account.account_no, "（2026）豫0102执123号之一"),
    )
    sealed = run(centre.container.uow, lambda uow: units.seal_unit(uow, clerk, unit.unit_account_no, "停业"))
    assert sealed.status == "05"
    assert sealed.member_counts == {"02": 2}
    account = read(
        centre.container.uow, lambda uow: members.get_member_account(uow, clerk, a.account.account_no)
    )
    assert account.status == "02"
    assert account.employments[-1].end_event == "seal"
    err = refused(centre, lambda uow: open_member_account_in(uow, clerk, unit.unit_account_no))
    assert err.code == "unit_status_forbids"
    resumed = run(centre.container.uow, lambda uow: units.resume_unit(uow, clerk, unit.unit_account_no))
    assert resumed.status == "01"


def open_member_account_in(uow: UnitOfWork, actor: Any, unit_account_no: str) -> Any:
    from tests.integration.collection_helpers import resident_id

    return members.open_member_account(
        uow,
        actor,
        members.MemberOpening(unit_account_no, resident_id(9), "王五", Money.from_yuan("5000.00")),
    )


def test_cancel_needs_no_active_member_and_an_empty_suspense_account(centre: Centre) -> None:
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    member = open_member(centre, clerk, unit.unit_account_no, 1)
    err = refused(centre, lambda uow: units.cancel_unit(uow, clerk, unit.unit_account_no, "01"))
    assert err.code == "unit_has_active_members"
    assert "1 个" in err.message
    run(centre.container.uow, lambda uow: members.seal_member(uow, clerk, member.account.account_no))

    def receive(uow: UnitOfWork) -> None:
        bank = uow.org.centre_bank_account_by_no(unit.collection_account_no)
        assert bank is not None
        uow.ledger.post(
            posting_rules.suspense_receipt(
                source="test",
                source_ref="suspense-1",
                bank=AccountRef.gl(bank.gl_code),
                suspense_account_no=unit.suspense_account_no,
                amount=Money.from_yuan("100.00"),
                business_date=DAY,
                value_date=DAY,
                memo="未匹配来款",
            ),
            created_by="test",
            branch_id=None,
        )

    run(centre.container.uow, receive)
    err = refused(centre, lambda uow: units.cancel_unit(uow, clerk, unit.unit_account_no, "01"))
    assert err.code == "unit_suspense_not_zero"
    assert "100.00" in err.message
    assert isinstance(err, RuleViolation)

    other = register(centre, clerk, 2)
    err = refused(centre, lambda uow: units.cancel_unit(uow, clerk, other.unit_account_no, "77"))
    assert err.code == "code_not_in_table"
    closed = run(centre.container.uow, lambda uow: units.cancel_unit(uow, clerk, other.unit_account_no, "01"))
    assert (closed.status, closed.closed_on, closed.close_reason) == ("04", DAY, "01")
    suspense = read(centre.container.uow, lambda uow: uow.ledger.get_account(other.suspense_account_no))
    assert suspense.status == "closed"
    for fn in (units.seal_unit, units.resume_unit):
        err = refused(centre, lambda uow, fn=fn: fn(uow, clerk, other.unit_account_no))
        assert err.code == "unit_status_forbids"


def test_handler_phone_is_never_stored_in_plaintext(centre: Centre) -> None:
    register(centre, centre.clerk("02"), 1, handler_phone="13712345678")
    with centre.container.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM unit")).all()
    dump = repr(rows)
    assert "13712345678" not in dump
    assert all(
        b"13712345678" not in bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview)
    )


def test_unit_members_are_paged(centre: Centre) -> None:
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    for n in range(1, 6):
        open_member(centre, clerk, unit.unit_account_no, n, name=f"职工{n}")
    page = read(
        centre.container.uow,
        lambda uow: units.unit_members(uow, clerk, unit.unit_account_no, limit=2, offset=2),
    )
    assert page.total == 5
    assert [r.name for r in page.items] == ["职工3", "职工4"]
    assert all(r.status == "01" and r.wage_base == Money.from_yuan("8000.00") for r in page.items)
    view = read(centre.container.uow, lambda uow: units.get_unit(uow, clerk, unit.unit_account_no))
    assert view.active_members == 5
