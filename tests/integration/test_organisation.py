"""The centre, branches, entrusted banks and special accounts, with their ledger accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from anju.adapters.db.tables.ledger import ledger_account
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from anju.ledger.chart import AccountKind
from anju.money import Money
from anju.services import demo
from anju.services import organisation as org
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

BUSINESS_DATE = date(2026, 11, 23)
ADMIN = Actor(username="sysadmin", roles=frozenset({Role.SYSTEM_ADMIN}), operator_id=1, all_branches=True)
CLERK = Actor(username="clerk", roles=frozenset({Role.COUNTER_CLERK}), operator_id=2, branch_id=1)


@pytest.fixture
def ready(container: Container) -> Container:
    """A database after `anju init`: chart of accounts and business date."""

    def body(uow: UnitOfWork) -> None:
        uow.ledger.seed_chart(BUSINESS_DATE)
        uow.calendar.initialise(BUSINESS_DATE, uow.now_utc())

    run(container.uow, body)
    return container


def with_bank_and_branch(c: Container) -> None:
    def body(uow: UnitOfWork) -> None:
        org.set_centre(uow, ADMIN, "410100", "安居市住房公积金管理中心")
        org.create_branch(uow, ADMIN, "01", "中心本部", is_head_office=True)
        org.create_branch(uow, ADMIN, "02", "城东管理部")
        org.create_bank(uow, ADMIN, "105", "中国建设银行安居分行", "105491000001")

    run(c.uow, body)


def ledger_account_count(c: Container) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_account)).scalar_one())


def test_centre_branches_and_banks_are_listed_as_created(ready: Container) -> None:
    with_bank_and_branch(ready)
    centre = read(ready.uow, org.get_centre)
    assert centre is not None
    assert (centre.code, centre.name, centre.region_code) == ("410100", "安居市住房公积金管理中心", "410100")
    branches = read(ready.uow, lambda uow: org.list_branches(uow, CLERK))
    assert [(b.code, b.is_head_office) for b in branches] == [("01", True), ("02", False)]
    banks = read(ready.uow, lambda uow: org.list_banks(uow, CLERK))
    assert [(b.code, b.name, b.node_no) for b in banks] == [("105", "中国建设银行安居分行", "105491000001")]

    run(ready.uow, lambda uow: org.set_centre(uow, ADMIN, "410100", "安居市住房公积金管理中心（新）"))
    renamed = read(ready.uow, org.get_centre)
    assert renamed is not None and renamed.name == "安居市住房公积金管理中心（新）"


def test_duplicate_codes_and_a_second_head_office_are_refused(ready: Container) -> None:
    with_bank_and_branch(ready)
    with pytest.raises(Conflict) as info:
        run(ready.uow, lambda uow: org.create_branch(uow, ADMIN, "02", "另一个管理部"))
    assert info.value.code == "branch_code_exists"
    with pytest.raises(Conflict) as info:
        run(ready.uow, lambda uow: org.create_branch(uow, ADMIN, "09", "第二本部", is_head_office=True))
    assert info.value.code == "head_office_exists"
    with pytest.raises(Conflict) as info:
        run(ready.uow, lambda uow: org.create_bank(uow, ADMIN, "105", "建行"))
    assert info.value.code == "bank_code_exists"
    assert len(read(ready.uow, org.list_branches)) == 2


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda uow: org.set_centre(uow, ADMIN, "41010", "中心"), "org_code_invalid"),
        (lambda uow: org.create_bank(uow, ADMIN, "1O5", "建行"), "org_code_invalid"),
        (lambda uow: org.create_branch(uow, ADMIN, "03", "   "), "required_field"),
    ],
)
def test_malformed_organisation_data_is_refused(
    ready: Container, call: Callable[[UnitOfWork], object], code: str
) -> None:
    with pytest.raises(RuleViolation) as info:
        run(ready.uow, call)
    assert info.value.code == code


def test_opening_a_collection_account_opens_its_own_101_leaf(ready: Container) -> None:
    with_bank_and_branch(ready)
    before = ledger_account_count(ready)
    view = run(
        ready.uow,
        lambda uow: org.open_centre_bank_account(
            uow,
            ADMIN,
            "105",
            "1054101201501000001",
            "安居市住房公积金管理中心（归集户）",
            purpose="collection",
        ),
    )
    assert view.purpose_label == "归集户"
    assert view.opened_on == BUSINESS_DATE
    assert view.gl_code.startswith("101") and len(view.gl_code) == 5
    assert view.ledger_account_no is not None
    assert ledger_account_count(ready) == before + 1

    account = read(ready.uow, lambda uow: uow.ledger.get_account(view.ledger_account_no or ""))
    assert account.gl_code == view.gl_code
    assert account.kind is AccountKind.BANK
    assert account.owner_type == "centre_bank_account"
    assert account.floor == Money.ZERO  # the books never show a bank account overdrawn

    second = run(
        ready.uow,
        lambda uow: org.open_centre_bank_account(
            uow, ADMIN, "105", "1054101201502000001", "贷款户", purpose="loan", branch_code="02"
        ),
    )
    assert second.gl_code != view.gl_code
    assert second.branch_code == "02"


def test_the_value_added_income_account_is_linked_to_102(ready: Container) -> None:
    with_bank_and_branch(ready)
    before = ledger_account_count(ready)
    view = run(
        ready.uow,
        lambda uow: org.open_centre_bank_account(
            uow, ADMIN, "105", "1054101201503000001", "增值收益户", purpose="value_added_income"
        ),
    )
    assert view.gl_code == "102"
    single = read(ready.uow, lambda uow: uow.ledger.single_account("102"))
    assert view.ledger_account_no == single.account_no
    assert ledger_account_count(ready) == before


def test_bad_account_requests_are_refused_and_leave_nothing(ready: Container) -> None:
    with_bank_and_branch(ready)

    def open_(bank: str, no: str, purpose: str = "collection", branch: str | None = None) -> None:
        run(
            ready.uow,
            lambda uow: org.open_centre_bank_account(
                uow, ADMIN, bank, no, "专户", purpose=purpose, branch_code=branch
            ),
        )

    open_("105", "1054101201501000001")
    accounts_before = ledger_account_count(ready)
    with pytest.raises(Conflict) as conflict:
        open_("105", "1054101201501000001")
    assert conflict.value.code == "centre_bank_account_exists"
    with pytest.raises(NotFound):
        open_("102", "1024101201501000001")
    with pytest.raises(NotFound):
        open_("105", "1054101201501000009", branch="77")
    with pytest.raises(RuleViolation) as rule:
        open_("105", "1054101201501000009", purpose="savings")
    assert rule.value.code == "bank_account_purpose_invalid"
    with pytest.raises(RuleViolation):
        open_("105", "ABC")
    assert ledger_account_count(ready) == accounts_before
    assert len(read(ready.uow, org.list_centre_bank_accounts)) == 1


def test_only_organisation_managers_may_change_it_and_changes_are_audited(ready: Container) -> None:
    with pytest.raises(PermissionDenied):
        run(ready.uow, lambda uow: org.create_branch(uow, CLERK, "05", "越权管理部"))
    with_bank_and_branch(ready)
    entries = read(ready.uow, lambda uow: uow.audit.list_entries(limit=50, offset=0, actor="sysadmin"))
    assert {e.action for e in entries} >= {"org.set_centre", "org.create_branch", "org.create_bank"}
    assert not read(ready.uow, lambda uow: uow.audit.list_entries(limit=50, offset=0, actor="clerk"))


def test_the_demo_organisation_is_complete_and_idempotent(ready: Container) -> None:
    first = run(ready.uow, demo.seed_demo_organisation)
    assert first.centre_name == "安居市住房公积金管理中心"
    assert [b.code for b in first.branches] == ["01", "02", "03", "04"]
    assert first.branches[0].is_head_office
    assert {b.code for b in first.banks} == {"102", "103", "104", "105"}
    purposes = sorted((a.bank_code, a.purpose) for a in first.accounts)
    assert purposes == sorted(
        [(code, p) for code in ("102", "103", "104", "105") for p in ("collection", "loan")]
        + [("105", "value_added_income")]
    )
    leaves = {a.gl_code for a in first.accounts if a.purpose != "value_added_income"}
    assert len(leaves) == 8  # one 101xx leaf per special account
    assert all(a.ledger_account_no for a in first.accounts)

    accounts = ledger_account_count(ready)
    second = run(ready.uow, demo.seed_demo_organisation)
    assert second == first
    assert ledger_account_count(ready) == accounts
