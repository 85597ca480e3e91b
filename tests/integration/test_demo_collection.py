"""The demo collection data: a few units and about fifty members, deterministic and idempotent."""

from __future__ import annotations

from sqlalchemy import text

from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.services import setup, units
from anju.services.ledger import check_ledger
from anju.services.runner import read
from tests.integration.collection_helpers import DAY, ROOT


def test_demo_units_and_members(container: Container) -> None:
    setup.initialise(
        container.uow,
        business_date=DAY,
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )
    lines = setup.seed_demo(container.uow)
    assert "演示单位：5 个单位，51 个个人账户" in lines
    assert "演示单位：已存在" in setup.seed_demo(container.uow)  # idempotent

    everyone = Actor.system("test")
    page = read(container.uow, lambda uow: units.list_units(uow, everyone))
    assert page.total == 5
    assert {u.branch_code for u in page.items} == {"01", "02", "03", "04"}
    with container.engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, COUNT(*) FROM member_account GROUP BY status")).all()
        bounds = conn.execute(
            text(
                "SELECT MIN(wage_base_fen), MAX(wage_base_fen), COUNT(DISTINCT member_id) FROM member_account"
            )
        ).one()
        names = [r[0] for r in conn.execute(text("SELECT name FROM member ORDER BY id LIMIT 3"))]
    assert dict(statuses) == {"01": 51}
    assert (bounds[0], bounds[1], bounds[2]) == (200000, 2700000, 51)  # the floor and the cap both occur
    assert all(2 <= len(n) <= 3 for n in names)
    assert read(container.uow, check_ledger).ok
