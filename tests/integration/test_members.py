"""Member accounts on a real database (SQLite and PostgreSQL): one account per person for life,
stored parts, personal data never in plaintext, seal / unseal / transfer / freeze / merge with
their refusals, masking and the audited unmask."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from anju.bootstrap import Container
from anju.domain.security import Role
from anju.errors import AnjuError, Conflict, PermissionDenied
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.money import Money
from anju.services import cases, members
from anju.services.ledger import check_ledger
from anju.services.members import MemberChanges
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.services.units import UnitView
from tests.integration.collection_helpers import DAY, Centre, open_member, register, resident_id, seed


@pytest.fixture
def centre(container: Container) -> Centre:
    return seed(container)


@pytest.fixture
def two_units(centre: Centre) -> tuple[UnitView, UnitView]:
    clerk = centre.clerk("02")
    return register(centre, clerk, 1), register(centre, clerk, 2, name="第二单位")


def refused(centre: Centre, fn: Any) -> AnjuError:
    with pytest.raises(AnjuError) as err:
        run(centre.container.uow, fn)
    return err.value


def credit(centre: Centre, unit: UnitView, ref: str, account_no: str, amount: str) -> None:
    """Money into a member's account, as a remittance would book it."""

    def body(uow: UnitOfWork) -> None:
        bank = uow.org.centre_bank_account_by_no(unit.collection_account_no)
        account = uow.members.account(account_no)
        assert bank is not None and account is not None
        uow.ledger.post(
            posting_rules.remittance_credit(
                source="test",
                source_ref=ref,
                bank=AccountRef.gl(bank.gl_code),
                credits=[(account.ledger_account_no, Money.from_yuan(amount))],
                business_date=DAY,
                value_date=DAY,
                memo="测试汇缴",
            ),
            created_by="test",
            branch_id=None,
        )

    run(centre.container.uow, body)


def test_open_stores_the_parts_and_opens_the_deposit_account(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    unit, _ = two_units
    opened = open_member(centre, clerk, unit.unit_account_no, 1, wage="8000.00", phone="13912345678")
    a = opened.account
    assert not opened.reused
    assert (a.wage_base, a.unit_monthly, a.member_monthly) == (
        Money.from_yuan("8000.00"),
        Money.from_yuan("960.00"),
        Money.from_yuan("960.00"),
    )
    assert a.monthly_total == Money.from_yuan("1920.00")
    assert (a.status, a.unit_account_no, a.gender, a.birth_date.isoformat()) == (
        "01",
        unit.unit_account_no,
        "1",
        "1990-01-01",
    )
    assert a.resident_id == "4101**********0012"
    assert a.phone == "139****5678"

    def check(uow: UnitOfWork) -> None:
        row = uow.conn.execute(  # type: ignore[attr-defined]
            text("SELECT wage_base_fen, unit_monthly_fen, member_monthly_fen FROM member_account")
        ).one()
        assert tuple(row) == (800000, 96000, 96000)
        deposit = uow.ledger.get_account(a.ledger_account_no)
        assert (deposit.gl_code, deposit.kind.value, deposit.floor) == ("201", "member_deposit", Money.ZERO)
        case = cases.get_case(uow, clerk, opened.case_no)
        assert (case.kind, case.state, case.channel, case.applicant) == (
            "member_open",
            "done",
            "counter",
            "张*",
        )
        assert check_ledger(uow).ok

    read(centre.container.uow, check)


def test_wage_base_is_clamped_to_the_policy_floor_and_cap(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    unit, _ = two_units
    high = open_member(centre, clerk, unit.unit_account_no, 1, wage="30000.00")
    assert (high.parts.bound, high.account.wage_base) == ("cap", Money.from_yuan("27000.00"))
    assert high.account.unit_monthly == Money.from_yuan("3240.00")
    low = open_member(centre, clerk, unit.unit_account_no, 2, wage="1800.00", name="李四")
    assert (low.parts.bound, low.account.wage_base) == ("floor", Money.from_yuan("2000.00"))
    assert low.account.member_monthly == Money.from_yuan("240.00")
    err = refused(
        centre,
        lambda uow: members.open_member_account(
            uow, clerk, members.MemberOpening(unit.unit_account_no, resident_id(3), "王五", Money.ZERO)
        ),
    )
    assert err.code == "wage_base_not_positive"


@pytest.mark.parametrize(
    ("number", "reason"),
    [("410102199001010013", "校验码"), ("41010219900230001X", "出生日期"), ("41010219900101001", "18位")],
)
def test_invalid_resident_ids_are_refused(centre: Centre, two_units: Any, number: str, reason: str) -> None:
    unit, _ = two_units
    err = refused(
        centre,
        lambda uow: members.open_member_account(
            uow,
            centre.clerk("02"),
            members.MemberOpening(unit.unit_account_no, number, "张三", Money.from_yuan("5000.00")),
        ),
    )
    assert err.code == "invalid_resident_id"
    assert reason in err.message


def test_personal_data_is_never_stored_in_plaintext(centre: Centre, two_units: Any) -> None:
    unit, _ = two_units
    rid = resident_id(7)
    open_member(
        centre,
        centre.clerk("02"),
        unit.unit_account_no,
        7,
        phone="13698765432",
        bank_card="6222020200112233445",
        bank_code="102",
    )
    with centre.container.engine.connect() as conn:
        rows = [
            *conn.execute(text("SELECT * FROM member")).all(),
            *conn.execute(text("SELECT * FROM member_account")),
        ]
        audit = conn.execute(text("SELECT details, reason FROM audit_log")).all()
        case_rows = conn.execute(text("SELECT * FROM service_case")).all()
    for secret in (rid, "13698765432", "6222020200112233445"):
        assert secret not in repr(rows)
        assert secret not in repr(audit)
        assert secret not in repr(case_rows)
        for row in rows:
            for value in row:
                if isinstance(value, bytes | memoryview):
                    assert secret.encode() not in bytes(value)


def test_one_account_per_person_refused_while_active_reused_when_sealed(
    centre: Centre, two_units: Any
) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    opened = open_member(centre, clerk, first.unit_account_no, 1)
    err = refused(centre, lambda uow: _open(uow, clerk, second.unit_account_no, 1))
    assert isinstance(err, Conflict)
    assert err.code == "member_account_exists"
    assert opened.account.account_no in err.message
    err = refused(centre, lambda uow: _open(uow, clerk, second.unit_account_no, 1, name="张叁"))
    assert err.code == "member_name_mismatch"

    run(centre.container.uow, lambda uow: members.seal_member(uow, clerk, opened.account.account_no, "离职"))
    credit(centre, first, "r1", opened.account.account_no, "1920.00")
    again = run(
        centre.container.uow, lambda uow: _open(uow, clerk, second.unit_account_no, 1, wage="10000.00")
    )
    assert again.reused
    assert again.account.account_no == opened.account.account_no
    assert again.account.unit_account_no == second.unit_account_no
    assert again.account.status == "01"
    assert again.account.balance == Money.from_yuan("1920.00")
    assert again.account.wage_base == Money.from_yuan("10000.00")
    assert [(e.unit_account_no, e.start_event, e.end_event) for e in again.account.employments] == [
        (first.unit_account_no, "open", "seal"),
        (second.unit_account_no, "unseal", None),
    ]
    with centre.container.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM member_account")).scalar_one() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM member")).scalar_one() == 1


def _open(
    uow: UnitOfWork, actor: Any, unit_no: str, n: int, *, name: str = "张三", wage: str = "8000.00"
) -> Any:
    return members.open_member_account(
        uow, actor, members.MemberOpening(unit_no, resident_id(n), name, Money.from_yuan(wage))
    )


def test_change_personal_data_is_audited_without_the_data(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    unit, _ = two_units
    opened = open_member(centre, clerk, unit.unit_account_no, 1, phone="13912345678")
    view = run(
        centre.container.uow,
        lambda uow: members.change_member(
            uow,
            clerk,
            opened.account.account_no,
            MemberChanges(
                name="张叁", phone="13787654321", bank_card="6222 0202 0011 2233", address="安居市幸福路 1 号"
            ),
        ),
    )
    assert view.name == "张叁"
    assert view.phone == "137****4321"
    assert view.bank_card == "6222********2233"
    assert view.address == "安居市幸福路 1 号"

    def check(uow: UnitOfWork) -> None:
        entry = next(e for e in uow.audit.list_entries(limit=50, offset=0) if e.action == "member.change")
        assert entry.details["fields"] == "address,bank_card,name,phone"
        dumped = str(entry.details)
        for secret in ("张叁", "13787654321", "6222020200112233", "幸福路"):
            assert secret not in dumped

    read(centre.container.uow, check)
    err = refused(
        centre,
        lambda uow: members.change_member(uow, clerk, opened.account.account_no, MemberChanges(name="张叁")),
    )
    assert err.code == "member_change_empty"
    err = refused(
        centre,
        lambda uow: members.change_member(uow, clerk, opened.account.account_no, MemberChanges(phone="123")),
    )
    assert err.code == "invalid_phone"


def test_transfer_keeps_the_account_and_its_balance(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    opened = open_member(centre, clerk, first.unit_account_no, 1)
    credit(centre, first, "r1", opened.account.account_no, "1920.00")
    moved = run(
        centre.container.uow,
        lambda uow: members.transfer_member(uow, clerk, opened.account.account_no, second.unit_account_no),
    )
    assert moved.account_no == opened.account.account_no
    assert moved.ledger_account_no == opened.account.ledger_account_no
    assert moved.balance == Money.from_yuan("1920.00")
    assert moved.unit_account_no == second.unit_account_no
    assert [(e.start_event, e.end_event) for e in moved.employments] == [
        ("open", "transfer_out"),
        ("transfer_in", None),
    ]
    err = refused(
        centre,
        lambda uow: members.transfer_member(uow, clerk, opened.account.account_no, second.unit_account_no),
    )
    assert err.code == "transfer_same_unit"


def test_frozen_account_cannot_be_transferred_or_sealed(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    opened = open_member(centre, clerk, first.unit_account_no, 1)
    no = opened.account.account_no
    run(centre.container.uow, lambda uow: members.seal_member(uow, clerk, no))
    err = refused(centre, lambda uow: members.freeze_member(uow, clerk, no, "  "))
    assert err.code == "freeze_document_required"
    frozen = run(
        centre.container.uow,
        lambda uow: members.freeze_member(uow, clerk, no, "（2026）豫0102执保45号", "法院冻结"),
    )
    assert (frozen.status, frozen.status_before_freeze, frozen.freeze_document) == (
        "06",
        "02",
        "（2026）豫0102执保45号",
    )
    for fn in (
        lambda uow: members.transfer_member(uow, clerk, no, second.unit_account_no),
        lambda uow: members.seal_member(uow, clerk, no),
        lambda uow: members.unseal_member(uow, clerk, no, second.unit_account_no),
    ):
        err = refused(centre, fn)
        assert err.code == "member_account_frozen"
    thawed = run(
        centre.container.uow,
        lambda uow: members.unfreeze_member(uow, clerk, no, "（2026）豫0102执保45号之二"),
    )
    assert (thawed.status, thawed.status_before_freeze, thawed.freeze_document) == ("02", None, None)
    back = run(
        centre.container.uow, lambda uow: members.unseal_member(uow, clerk, no, second.unit_account_no)
    )
    assert back.status == "01"
    err = refused(centre, lambda uow: members.unfreeze_member(uow, clerk, no, "x"))
    assert err.code == "member_account_status_forbids"


def test_merge_moves_the_balance_in_one_voucher_and_closes_the_duplicate(
    centre: Centre, two_units: Any
) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    # Legacy data: the same person under two ID numbers (one mistyped in the sequence digits).
    survivor = open_member(centre, clerk, first.unit_account_no, 11, name="赵六", birth="19851202")
    duplicate = open_member(centre, clerk, second.unit_account_no, 12, name="赵六", birth="19851202")
    credit(centre, first, "r1", survivor.account.account_no, "1000.00")
    credit(centre, second, "r2", duplicate.account.account_no, "234.56")
    run(centre.container.uow, lambda uow: members.seal_member(uow, clerk, duplicate.account.account_no))

    result = run(
        centre.container.uow,
        lambda uow: members.merge_members(
            uow, clerk, duplicate.account.account_no, survivor.account.account_no, "重复开户"
        ),
    )
    assert result.moved == Money.from_yuan("234.56")
    assert result.surviving.balance == Money.from_yuan("1234.56")
    assert result.voucher_no is not None

    def check(uow: UnitOfWork) -> None:
        closed = members.get_member_account(uow, clerk, duplicate.account.account_no)
        assert (closed.status, closed.closed_on, closed.balance) == ("03", DAY, Money.ZERO)
        assert closed.employments[-1].end_event == "seal"
        assert uow.ledger.get_account(duplicate.account.ledger_account_no).status == "closed"
        voucher = uow.ledger.get_voucher(str(result.voucher_no))
        assert voucher.kind == "member_merge"
        sides = sorted((p.account_no, p.side.value, p.amount.fen) for p in voucher.postings)
        assert sides == sorted(
            [
                (duplicate.account.ledger_account_no, "D", 23456),
                (survivor.account.ledger_account_no, "C", 23456),
            ]
        )
        report = check_ledger(uow)
        assert report.ok, report.problems
        case = cases.get_case(uow, clerk, result.case_no)
        assert (case.kind, case.amount) == ("member_merge", Money.from_yuan("234.56"))

    read(centre.container.uow, check)
    err = refused(
        centre,
        lambda uow: members.merge_members(
            uow, clerk, duplicate.account.account_no, survivor.account.account_no, "再合并"
        ),
    )
    assert err.code == "member_account_status_forbids"


def test_merge_refusals(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    a = open_member(centre, clerk, first.unit_account_no, 21, name="钱七")
    b = open_member(centre, clerk, second.unit_account_no, 22, name="孙八")
    c = open_member(centre, clerk, second.unit_account_no, 23, name="钱七")
    err = refused(
        centre,
        lambda uow: members.merge_members(uow, clerk, a.account.account_no, b.account.account_no, "重复"),
    )
    assert err.code == "merge_not_same_person"
    err = refused(
        centre,
        lambda uow: members.merge_members(uow, clerk, a.account.account_no, a.account.account_no, "重复"),
    )
    assert err.code == "merge_same_account"
    err = refused(
        centre, lambda uow: members.merge_members(uow, clerk, a.account.account_no, c.account.account_no, " ")
    )
    assert err.code == "required_field"
    run(centre.container.uow, lambda uow: members.freeze_member(uow, clerk, c.account.account_no, "文书1"))
    err = refused(
        centre,
        lambda uow: members.merge_members(uow, clerk, a.account.account_no, c.account.account_no, "重复"),
    )
    assert err.code == "member_account_frozen"


def test_masked_by_default_unmasked_with_permission_and_reason(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    unit, _ = two_units
    opened = open_member(centre, clerk, unit.unit_account_no, 1, phone="13912345678")
    no = opened.account.account_no
    masked = read(centre.container.uow, lambda uow: members.get_member_account(uow, clerk, no))
    assert (masked.resident_id, masked.unmasked) == ("4101**********0012", False)
    err = refused(centre, lambda uow: members.reveal_member_account(uow, clerk, no, " "))
    assert err.code == "unmask_reason_required"
    reviewer = centre.staff(Role.REVIEWER, "reviewer1")
    err = refused(centre, lambda uow: members.reveal_member_account(uow, reviewer, no, "核对"))
    assert isinstance(err, PermissionDenied)
    shown = run(
        centre.container.uow, lambda uow: members.reveal_member_account(uow, clerk, no, "本人临柜核对身份")
    )
    assert (shown.resident_id, shown.phone, shown.unmasked) == (resident_id(1), "13912345678", True)

    def check(uow: UnitOfWork) -> None:
        entry = next(e for e in uow.audit.list_entries(limit=50, offset=0) if e.action == "member.unmask")
        assert (entry.actor, entry.object_id, entry.reason) == ("clerk02", no, "本人临柜核对身份")

    read(centre.container.uow, check)


def test_branch_scope_and_look_ups(centre: Centre, two_units: Any) -> None:
    clerk02, clerk03 = centre.clerk("02"), centre.clerk("03")
    unit, _ = two_units
    opened = open_member(centre, clerk02, unit.unit_account_no, 1)
    no = opened.account.account_no
    with pytest.raises(PermissionDenied):
        read(centre.container.uow, lambda uow: members.get_member_account(uow, clerk03, no))
    err = refused(centre, lambda uow: members.seal_member(uow, clerk03, no))
    assert err.code == "outside_branch_scope"
    found = read(centre.container.uow, lambda uow: members.find_by_resident_id(uow, clerk02, resident_id(1)))
    assert found is not None and found.account_no == no
    assert (
        read(centre.container.uow, lambda uow: members.find_by_resident_id(uow, clerk02, resident_id(2)))
        is None
    )
    by_name = read(centre.container.uow, lambda uow: members.search_members(uow, clerk02, "张"))
    assert [r.account_no for r in by_name.items] == [no]
    assert by_name.items[0].resident_id_masked == "4101**********0012"
    by_id = read(centre.container.uow, lambda uow: members.search_members(uow, clerk02, resident_id(1)))
    assert [r.account_no for r in by_id.items] == [no]
    assert read(centre.container.uow, lambda uow: members.search_members(uow, clerk03, "张")).items == []


def test_wage_base_adjustment_and_unseal_into_a_sealed_unit(centre: Centre, two_units: Any) -> None:
    clerk = centre.clerk("02")
    first, second = two_units
    opened = open_member(centre, clerk, first.unit_account_no, 1)
    no = opened.account.account_no
    adjusted = run(
        centre.container.uow, lambda uow: members.adjust_wage_base(uow, clerk, no, Money.from_yuan("9500.00"))
    )
    assert (adjusted.wage_base, adjusted.unit_monthly) == (
        Money.from_yuan("9500.00"),
        Money.from_yuan("1140.00"),
    )
    run(centre.container.uow, lambda uow: members.seal_member(uow, clerk, no))
    from anju.services import units

    run(centre.container.uow, lambda uow: units.seal_unit(uow, clerk, second.unit_account_no))
    err = refused(centre, lambda uow: members.unseal_member(uow, clerk, no, second.unit_account_no))
    assert err.code == "unit_status_forbids"
    err = refused(centre, lambda uow: members.adjust_wage_base(uow, clerk, no, Money.from_yuan("9000.00")))
    assert err.code == "member_account_status_forbids"
