"""A seeded centre for the collection tests: chart, business date, reference policy, the demo
organisation, and staff actors of branches 02 and 03 (a unit registered by each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ids import credit_code_check_char, make_resident_id
from anju.money import Money, Rate
from anju.services import demo, setup
from anju.services.members import MemberOpening, OpenedAccount, open_member_account
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from anju.services.units import UnitRegistration, UnitView, register_unit

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Centre:
    container: Container
    branch_ids: dict[str, int]

    def clerk(self, branch: str, username: str | None = None) -> Actor:
        return Actor(
            username=username or f"clerk{branch}",
            roles=frozenset({Role.COUNTER_CLERK}),
            operator_id=100 + int(branch),
            branch_id=self.branch_ids[branch],
        )

    def staff(self, role: str, username: str) -> Actor:
        return Actor(username=username, roles=frozenset({role}), operator_id=200, all_branches=True)


def seed(container: Container, business_date: date = DAY) -> Centre:
    setup.initialise(
        container.uow,
        business_date=business_date,
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )
    org = run(container.uow, demo.seed_demo_organisation)
    return Centre(container, {b.code: b.id for b in org.branches})


def credit_code(n: int) -> str:
    body = f"91410100MA{n:07d}"
    return body + credit_code_check_char(body)


def resident_id(n: int, birth: str = "19900101") -> str:
    return make_resident_id(f"410102{birth}{n:03d}").reveal()


def registration(n: int, **overrides: object) -> UnitRegistration:
    values: dict[str, object] = {
        "name": f"安居测试单位{n}有限公司",
        "credit_code": credit_code(n),
        "economic_type": "150",
        "industry": "I65",
        "address": "安居市人民路 100 号",
        "handler_name": "刘经办",
        "handler_phone": "13800138000",
        "bank_code": "102",
        "unit_ratio": Rate.percent("12"),
        "member_ratio": Rate.percent("12"),
        "payday": 10,
    }
    values.update(overrides)
    return UnitRegistration(**values)  # type: ignore[arg-type]


def register(centre: Centre, actor: Actor, n: int, **overrides: object) -> UnitView:
    return run(centre.container.uow, lambda uow: register_unit(uow, actor, registration(n, **overrides)))


def open_member(
    centre: Centre,
    actor: Actor,
    unit_account_no: str,
    n: int,
    *,
    name: str = "张三",
    wage: str = "8000.00",
    birth: str = "19900101",
    **extra: object,
) -> OpenedAccount:
    req = MemberOpening(
        unit_account_no=unit_account_no,
        resident_id=resident_id(n, birth),
        name=name,
        wage_base=Money.from_yuan(wage),
        **extra,  # type: ignore[arg-type]
    )
    return run(centre.container.uow, lambda uow: open_member_account(uow, actor, req))


def in_uow(centre: Centre, fn: object) -> object:
    return run(centre.container.uow, fn)  # type: ignore[arg-type]


__all__ = ["DAY", "Centre", "UnitOfWork", "open_member", "register", "registration", "seed"]
