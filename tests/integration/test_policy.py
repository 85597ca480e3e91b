"""Policy versions in the database: import, the version in force, supersede, immutability."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from anju.bootstrap import Container
from anju.domain.policy import PolicyRuleViolation
from anju.domain.security import Actor, Role
from anju.errors import InvariantViolation, PermissionDenied
from anju.money import Money
from anju.services import policy as svc
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

REFERENCE_TEXT = (Path(__file__).resolve().parents[2] / "policies" / "reference.toml").read_text(
    encoding="utf-8"
)
BUSINESS_DATE = date(2026, 11, 23)
ADMIN = Actor(username="sysadmin", roles=frozenset({Role.SYSTEM_ADMIN}), operator_id=1, all_branches=True)
CLERK = Actor(username="clerk", roles=frozenset({Role.COUNTER_CLERK}), operator_id=2, branch_id=1)


def with_rent_cap(amount: str) -> str:
    changed = REFERENCE_TEXT.replace(
        'rent_cap_per_person_month = { value = "1500.00"',
        f'rent_cap_per_person_month = {{ value = "{amount}"',
    )
    assert changed != REFERENCE_TEXT
    return changed


def start_calendar(container: Container, day: date = BUSINESS_DATE) -> None:
    run(container.uow, lambda uow: uow.calendar.initialise(day, uow.now_utc()))


def import_version(
    container: Container,
    toml_text: str,
    effective: date,
    actor: Actor | None = ADMIN,
    doc: str = "安公积金〔2026〕1号",
) -> svc.PolicyVersionView:
    return run(
        container.uow,
        lambda uow: svc.import_policy(
            uow,
            actor,
            toml_text,
            effective_date=effective,
            document_no=doc,
            approved_by="安居市住房公积金管理委员会",
        ),
    )


def count_versions(container: Container) -> int:
    return len(read(container.uow, lambda uow: uow.policy.list_versions()))


def test_the_reference_policy_is_in_force_from_its_effective_date(container: Container) -> None:
    start_calendar(container)
    view = import_version(container, REFERENCE_TEXT, date(2015, 1, 1), actor=None, doc="安居参考政策")
    assert view.effective_date == date(2015, 1, 1)
    assert view.title == "安居市住房公积金管理中心 参考政策参数"
    assert view.imported_by == "system:init"
    assert view.status == "in_force"
    assert view.supersedes_effective_date is None

    policy = read(container.uow, lambda uow: svc.policy_in_force(uow, BUSINESS_DATE))
    assert policy.withdrawal.rent_cap_per_person_month.value == Money.of("1500.00")
    with pytest.raises(PolicyRuleViolation) as info:
        read(container.uow, lambda uow: svc.policy_in_force(uow, date(2014, 12, 31)))
    assert info.value.code == "policy_not_in_force"

    shown = read(container.uow, lambda uow: svc.show_policy(uow, BUSINESS_DATE))
    assert shown["document_no"] == "安居参考政策"
    assert shown["policy"]["withdrawal"]["rent_cap_per_person_month"]["value"] == "1500.00"


def test_a_new_version_supersedes_from_its_date_and_the_old_row_stays_intact(container: Container) -> None:
    start_calendar(container)
    import_version(container, REFERENCE_TEXT, date(2015, 1, 1), actor=None)
    old = read(container.uow, lambda uow: uow.policy.version_in_force(BUSINESS_DATE))
    assert old is not None

    new = import_version(container, with_rent_cap("2000.00"), date(2027, 1, 1), doc="安公积金〔2026〕9号")
    assert new.supersedes_effective_date == date(2015, 1, 1)
    assert new.status == "scheduled"

    def rent_cap(uow: UnitOfWork, day: date) -> Money:
        return svc.policy_in_force(uow, day).withdrawal.rent_cap_per_person_month.value

    assert read(container.uow, lambda uow: rent_cap(uow, date(2026, 12, 31))) == Money.of("1500.00")
    assert read(container.uow, lambda uow: rent_cap(uow, date(2027, 1, 1))) == Money.of("2000.00")

    again = read(container.uow, lambda uow: uow.policy.get_version(old.id))
    assert again == old  # nothing overwritten: same content, hash, document and time
    versions = read(container.uow, lambda uow: svc.list_policy_versions(uow, CLERK))
    assert [(v.effective_date, v.status) for v in versions] == [
        (date(2015, 1, 1), "in_force"),
        (date(2027, 1, 1), "scheduled"),
    ]
    assert versions[1].status_label == "待生效"


def test_a_duplicate_effective_date_is_refused_and_nothing_is_written(container: Container) -> None:
    start_calendar(container)
    import_version(container, REFERENCE_TEXT, date(2027, 1, 1))
    with pytest.raises(svc.PolicyConflict) as info:
        import_version(container, with_rent_cap("1800.00"), date(2027, 1, 1))
    assert info.value.code == "policy_version_exists"
    assert count_versions(container) == 1
    policy = read(container.uow, lambda uow: svc.policy_in_force(uow, date(2027, 1, 1)))
    assert policy.withdrawal.rent_cap_per_person_month.value == Money.of("1500.00")


def test_an_effective_date_before_the_business_date_is_refused_once_a_version_exists(
    container: Container,
) -> None:
    start_calendar(container)
    import_version(container, REFERENCE_TEXT, date(2015, 1, 1), actor=None)  # the seed may be in the past
    with pytest.raises(PolicyRuleViolation) as info:
        import_version(container, with_rent_cap("1800.00"), date(2026, 11, 22))
    assert info.value.code == "policy_effective_date_past"
    assert "2026-11-23" in info.value.message
    assert import_version(container, with_rent_cap("1800.00"), BUSINESS_DATE).status == "in_force"
    assert count_versions(container) == 2


def test_invalid_documents_are_refused_before_anything_is_stored(container: Container) -> None:
    start_calendar(container)
    with pytest.raises(PolicyRuleViolation) as info:
        import_version(container, "contribution = [", date(2027, 1, 1))
    assert info.value.code == "policy_toml_invalid"
    with pytest.raises(PolicyRuleViolation) as info:
        import_version(
            container, REFERENCE_TEXT.replace('value = "1500.00"', "value = 1500.0"), date(2027, 1, 1)
        )
    assert info.value.details["field"] == "withdrawal.rent_cap_per_person_month.value"
    with pytest.raises(PolicyRuleViolation) as info:
        import_version(container, REFERENCE_TEXT, date(2027, 1, 1), doc="  ")
    assert info.value.code == "required_field"
    assert count_versions(container) == 0


def test_only_policy_managers_may_import(container: Container) -> None:
    start_calendar(container)
    with pytest.raises(PermissionDenied):
        import_version(container, REFERENCE_TEXT, date(2027, 1, 1), actor=CLERK)
    assert count_versions(container) == 0


def test_an_import_is_audited_in_the_same_transaction(container: Container) -> None:
    start_calendar(container)
    view = import_version(container, REFERENCE_TEXT, date(2027, 1, 1))
    entries = read(
        container.uow, lambda uow: uow.audit.list_entries(limit=10, offset=0, action="policy.import")
    )
    assert len(entries) == 1
    assert entries[0].actor == "sysadmin"
    assert entries[0].object_id == "2027-01-01"
    assert entries[0].details["content_sm3"] == view.content_sm3


def test_the_database_refuses_update_and_delete_of_a_policy_version(container: Container) -> None:
    start_calendar(container)
    import_version(container, REFERENCE_TEXT, date(2027, 1, 1))
    for statement in (
        "UPDATE policy_version SET document_no = 'forged'",
        "UPDATE policy_version SET content = '{}'",
        "DELETE FROM policy_version",
    ):
        with container.engine.connect() as conn, pytest.raises(DBAPIError, match="policy_immutable"):
            conn.execute(text(statement))
    record = read(container.uow, lambda uow: uow.policy.version_in_force(date(2027, 1, 1)))
    assert record is not None
    assert record.document_no == "安公积金〔2026〕1号"


def test_content_changed_around_the_triggers_is_detected_on_read(container: Container) -> None:
    start_calendar(container)
    import_version(container, REFERENCE_TEXT, date(2027, 1, 1))
    with container.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER trg_policy_version_no_update"))
        else:
            conn.execute(text("ALTER TABLE policy_version DISABLE TRIGGER trg_policy_version_immutable"))
        conn.execute(text("UPDATE policy_version SET content = replace(content, '1500.00', '9999.00')"))
    with pytest.raises(InvariantViolation) as info:
        read(container.uow, lambda uow: svc.policy_in_force(uow, date(2027, 1, 1)))
    assert info.value.code == "policy_content_tampered"
