"""The synthetic city (`make run`'s demo centre, `make bench`'s data) on SQLite and PostgreSQL: it
passes check_ledger(), it holds what its report says, the same seed gives the same city, and the
services work on it as on data they wrote themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from anju.adapters.clock import FixedClock
from anju.adapters.crypto.fields import RESIDENT_ID, lookup_key, unseal
from anju.adapters.db.tables.collection import employment, member, member_account, unit
from anju.adapters.db.tables.common import number_sequence
from anju.adapters.db.tables.ledger import gl_balance, ledger_account, posting, voucher
from anju.batch.synthetic_city import CityAlreadyLoaded, CityReport, generate, generate_if_empty
from anju.bootstrap import Container, build
from anju.dates import YearMonth
from anju.domain.security import Actor, Role
from anju.ids import ResidentId
from anju.money import Money
from anju.services import demo, members, remittance
from anju.services.ledger import account_statement, check_ledger
from anju.services.runner import read, run
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, drop_databases, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)
SEED = 7


def _generate(container: Container, seed: int = SEED) -> CityReport:
    return generate(
        container,
        "tiny",
        seed=seed,
        business_date=DAY,
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )


def _count(container: Container, query: Any) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _head_clerk(container: Container) -> Actor:
    org = run(container.uow, demo.seed_demo_organisation)
    head = next(b for b in org.branches if b.is_head_office)
    return Actor(
        username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), operator_id=101, branch_id=head.id
    )


@pytest.fixture
def city(container: Container) -> CityReport:
    return _generate(container)


def test_the_city_passes_check_ledger_and_holds_what_its_report_says(
    container: Container, city: CityReport
) -> None:
    report = read(container.uow, check_ledger)
    assert report.ok, report.problems
    migrated = voucher.c.source == "migration"
    assert _count(container, select(func.count()).select_from(unit)) == city.units == 12
    assert _count(container, select(func.count()).select_from(member)) == city.persons == 300
    assert _count(container, select(func.count()).select_from(member_account)) == city.persons
    assert _count(container, select(func.count()).select_from(employment)) == city.persons
    assert _count(container, select(func.count()).where(migrated)) == city.vouchers > 0
    lines = select(func.count()).select_from(posting.join(voucher, voucher.c.id == posting.c.voucher_id))
    assert _count(container, lines.where(migrated)) == city.postings == report.posting_count
    sealed = select(func.count()).select_from(member_account).where(member_account.c.status == "02")
    assert _count(container, sealed) == city.sealed_members > 0
    deposits = select(gl_balance.c.balance_fen).where(gl_balance.c.gl_code == "201")
    assert Money(_count(container, deposits)) == city.total_deposits
    assert sum(city.unit_size_bands.values()) == city.units
    # The business numbers' sequences moved past what the city used: the counter numbers on.
    last_unit = select(number_sequence.c.last_value).where(number_sequence.c.name == "unit_account_no")
    assert _count(container, last_unit) == city.units


def _dump(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the city wrote, without ciphertexts (SM4-GCM draws a fresh nonce each time)."""
    tables = (unit, member, member_account, employment, ledger_account, voucher, posting, gl_balance)
    dumped = {}
    with container.engine.connect() as conn:
        for table in tables:
            columns = [c for c in table.c if not c.name.endswith("_enc")]
            key = table.c.id if "id" in table.c else table.primary_key.columns.values()[0]
            dumped[table.name] = [tuple(row) for row in conn.execute(select(*columns).order_by(key))]
    return dumped


@pytest.fixture
def second_container(backend: str, tmp_path: Path, clock: FixedClock) -> Iterator[Container]:
    (tmp_path / "second").mkdir()
    url, to_drop = fresh_database_url(backend, tmp_path / "second")
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "second-home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_CENTRE_CODE": "410100",
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    c = build(settings, clock=clock)
    try:
        yield c
    finally:
        c.engine.dispose()
        drop_databases(to_drop)


def test_the_same_seed_gives_the_same_city(
    container: Container, second_container: Container, city: CityReport
) -> None:
    again = _generate(second_container)
    assert _dump(container) == _dump(second_container)
    assert again.sample_members == city.sample_members
    assert again.big_units == city.big_units
    assert again.total_deposits == city.total_deposits


def test_another_seed_gives_another_city(
    container: Container, second_container: Container, city: CityReport
) -> None:
    other = _generate(second_container, seed=SEED + 1)
    assert other.persons == city.persons and other.units == city.units  # the size, not the seed
    assert other.total_deposits != city.total_deposits
    mine, theirs = _dump(container), _dump(second_container)
    assert mine["member"] != theirs["member"]
    assert mine["posting"] != theirs["posting"]


def test_people_decrypt_to_valid_ids_and_statements_end_at_the_balance(
    container: Container, city: CityReport
) -> None:
    clerk = _head_clerk(container)
    finance = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)
    paid_month = str(YearMonth.of(DAY).add(-1))
    for account_no in city.sample_members[:10]:
        view = read(container.uow, lambda uow, n=account_no: members.get_member_account(uow, clerk, n))
        with container.engine.connect() as conn:
            person = conn.execute(
                select(
                    member.c.resident_id_enc, member.c.resident_id_idx, member.c.gender, member.c.birth_date
                )
                .join(member_account, member_account.c.member_id == member.c.id)
                .where(member_account.c.account_no == account_no)
            ).one()
        # Sealed with the real provider: it decrypts to a valid GB 11643 number (check digit and
        # all) whose blind index is the stored one, and whose date and sex are the person's.
        resident = ResidentId(unseal(container.crypto, RESIDENT_ID, person.resident_id_enc))
        assert lookup_key(container.crypto, RESIDENT_ID, resident.reveal()) == person.resident_id_idx
        assert resident.birth_date == person.birth_date == view.birth_date
        assert (resident.gender == "male") == (person.gender == "1")
        assert view.status == "01"
        assert view.paid_up_to == paid_month  # everyone still in a unit paid last month
        assert view.unit_monthly.is_positive and view.member_monthly.is_positive
        statement = read(
            container.uow, lambda uow, n=view.ledger_account_no: account_statement(uow, finance, n)
        )
        assert statement.lines, "a contributing member has a history"
        assert statement.lines[-1].balance_after == view.balance == statement.balance
        assert {line.business_type for line in statement.lines} == {"01"}


def test_the_services_pay_a_city_unit_s_month_on_top_of_its_history(
    container: Container, city: CityReport
) -> None:
    """The generated balances, buckets and daily products are what the posting path expects:
    a remittance through the ordinary service posts on them and the ledger still checks."""
    clerk = _head_clerk(container)
    month = YearMonth.of(DAY)
    unit_no = city.big_units[0]
    roster = run(container.uow, lambda uow: remittance.generate_roster(uow, clerk, unit_no, month))
    assert roster.headcount == city.big_unit_members[0]
    roster = run(container.uow, lambda uow: remittance.confirm_roster(uow, clerk, roster.id))
    receipt = run(
        container.uow,
        lambda uow: remittance.receive_unit_payment(
            uow,
            clerk,
            unit_account_no=unit_no,
            amount=roster.total,
            serial_no="CITY-TEST-0001",
            received_on=DAY,
            value_date=DAY,
            channel="bank",
        ),
    )
    assert receipt.state == "matched"
    report = read(container.uow, check_ledger)
    assert report.ok, report.problems
    view = read(container.uow, lambda uow: members.get_member_account(uow, clerk, city.sample_members[0]))
    assert view.paid_up_to in {str(month), str(month.add(-1))}


def test_a_second_load_is_refused_and_make_run_skips_it(container: Container, city: CityReport) -> None:
    with pytest.raises(CityAlreadyLoaded):
        _generate(container, seed=SEED + 1)
    assert generate_if_empty(container, "tiny", seed=SEED + 1) is None
    assert _count(container, select(func.count()).select_from(unit)) == city.units
