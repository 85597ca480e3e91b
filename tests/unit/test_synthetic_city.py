"""The synthetic city's pure parts: bulk business numbers and resident IDs, and the plan's
invariants (what the loader relies on to number voucher lines without sorting)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.batch.synthetic_city.numbers import ResidentIds, compose_many
from anju.batch.synthetic_city.plan import NEVER, BankAccount, Branch, CityInputs, CityPlan, plan_city
from anju.batch.synthetic_city.sizes import CitySize
from anju.domain import codes
from anju.domain.contributions import contribution_parts
from anju.domain.policy import parse_policy
from anju.ids import (
    LedgerAccountNo,
    MemberAccountNo,
    ResidentId,
    UnitAccountNo,
    VoucherNo,
    validate_credit_code,
)
from anju.money import Money, Rate

ROOT = Path(__file__).resolve().parents[2]
POLICY = parse_policy(tomllib.loads((ROOT / "policies" / "reference.toml").read_text(encoding="utf-8")))
KINDS = (UnitAccountNo, MemberAccountNo, VoucherNo, LedgerAccountNo)


@given(
    kind=st.sampled_from(KINDS),
    first=st.integers(min_value=1, max_value=2_000_000),
    count=st.integers(min_value=1, max_value=300),
)
@settings(max_examples=60, deadline=None)
def test_bulk_numbers_are_the_numbers_compose_makes(
    kind: type[UnitAccountNo], first: int, count: int
) -> None:
    numbers = compose_many(kind, "410100", first, count)
    assert numbers == [kind.compose("410100", first + i).value for i in range(count)]


def test_bulk_numbers_cross_their_table_blocks() -> None:
    numbers = compose_many(MemberAccountNo, "410100", 99_990, 30)  # 10^5 boundary inside the run
    assert numbers == [MemberAccountNo.compose("410100", n).value for n in range(99_990, 100_020)]


def test_resident_ids_are_valid_unique_and_carry_the_sex() -> None:
    ids = ResidentIds()
    made = [ids.make("410102", date(1990, 5, 17), male=i % 2 == 0) for i in range(600)]
    assert len(set(made)) == 600
    for i, value in enumerate(made):
        parsed = ResidentId(value)
        assert parsed.birth_date == date(1990, 5, 17)
        assert parsed.gender == ("male" if i % 2 == 0 else "female")
    for _ in range(200):  # 300 men made above: 500 is the most one region and day can hold
        ids.make("410102", date(1990, 5, 17), male=True)
    with pytest.raises(ValueError, match="500"):
        ids.make("410102", date(1990, 5, 17), male=True)


def _plan(persons: int = 3000, units: int = 120, big: int = 0, seed: int = 11) -> CityPlan:
    banks = tuple(
        BankAccount(i, code, 10 + i, f"1010{i}", 100 + i)
        for i, code in enumerate(("102", "103", "104", "105"), 1)
    )
    return plan_city(
        CityInputs(
            size=CitySize("t", persons, units, 0, big),
            seed=seed,
            business_date=date(2026, 11, 23),
            centre_code="410100",
            contribution=POLICY.contribution,
            branches=(Branch(1, "01"), Branch(2, "02"), Branch(3, "03"), Branch(4, "04")),
            banks=banks,
            next_id=dict.fromkeys(("unit", "member", "member_account", "ledger_account", "voucher"), 1),
            next_seq=dict.fromkeys(
                ("unit_account_no", "member_account_no", "ledger_account_no", "voucher_no"), 1
            ),
        )
    )


def test_the_plan_is_first_in_first_out_and_vouchers_add_up() -> None:
    plan = _plan()
    m, now = plan.members, len(plan.year_of_month) - 1
    assert len(plan.units) == 120 and len(m) == 3000
    for u in plan.units:
        joins = m.first_month[u.first : u.first + u.count]
        leaves = m.last_month[u.first : u.first + u.count]
        assert joins == sorted(joins) and leaves == sorted(leaves)
        assert all(j < leave for j, leave in zip(joins, leaves, strict=True))
    v = plan.vouchers
    for i in range(len(v)):
        u = plan.units[v.unit[i]]
        paying = [
            g for g in range(u.first, u.first + u.count) if m.first_month[g] <= v.month[i] < m.last_month[g]
        ]
        # the paying members are exactly the run [lo, hi) of the unit's positions
        assert paying == list(range(u.first + v.lo[i], u.first + v.hi[i]))
        assert v.total[i] == sum(m.amounts[g][v.year[i]] for g in paying)
    assert v.value_date == sorted(v.value_date)  # numbered in the order the money arrived
    assert plan.postings == sum(h - lo for lo, h in zip(v.lo, v.hi, strict=True)) + len(v)
    for g in range(len(m)):
        assert m.balance[g] == m.current[g] + m.carried[g] >= 0
        assert m.days_current[g] >= 0 and m.days_carried[g] >= 0
        assert (m.last_month[g] == NEVER) or m.last_month[g] <= now


def test_the_plan_prices_contributions_by_the_policy() -> None:
    plan = _plan(persons=500, units=20)
    m = plan.members
    for g in range(0, len(m), 7):
        base, unit_part, member_part = m.parts[g]
        rate = Rate.percent(str(plan.units[m.unit[g]].ratio_percent))
        parts = contribution_parts(POLICY.contribution, Money(base), unit_ratio=rate, member_ratio=rate)
        assert (parts.unit_part.fen, parts.member_part.fen) == (unit_part, member_part)
        cap = POLICY.contribution.wage_base_cap().fen
        assert POLICY.contribution.wage_base_floor.value.fen <= base <= cap


def test_units_carry_valid_codes_and_the_planted_big_units() -> None:
    plan = _plan(persons=12_000, units=200, big=5000)
    assert [u.count for u in plan.units[:2]] == [5000, 5000]
    assert all(m_leave == NEVER for m_leave in plan.members.last_month[:10_000])
    for u in plan.units:
        assert validate_credit_code(u.credit_code) == u.credit_code
        codes.check_industry(u.industry)
        codes.check_economic_type(u.economic_type)
    assert len({u.credit_code for u in plan.units}) == len(plan.units)


def test_the_same_seed_plans_the_same_city() -> None:
    a, b, c = _plan(seed=3), _plan(seed=3), _plan(seed=4)
    assert a.members.resident_id == b.members.resident_id and a.vouchers.total == b.vouchers.total
    assert a.members.resident_id != c.members.resident_id
