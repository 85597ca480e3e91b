"""The management dashboard (驾驶舱) against the books: monthly flows by business type, month-end
balances walked back from today's, and the overdue rate — exact to the fen on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import PermissionDenied
from anju.money import Money
from anju.services import dashboard
from anju.services.runner import read
from tests.integration.test_interest import credit, debit, open_books, open_members, post

MANAGER = Actor(username="manager1", roles=frozenset({Role.MANAGER}), all_branches=True)


def test_monthly_flows_and_month_end_balances(container: Container) -> None:
    books = open_books(container, date(2024, 6, 1))
    first, second = open_members(container, 2, date(2024, 2, 1))
    post(container, credit(books, "r-03-a", first, 100_000, date(2024, 3, 10)))
    post(container, credit(books, "r-03-b", second, 50_000, date(2024, 3, 10)))
    post(container, credit(books, "r-04", first, 20_000, date(2024, 4, 10)))
    post(container, debit(books, "w-05", first, 30_000, date(2024, 5, 20)))

    view = read(container.uow, lambda uow: dashboard.overview(uow, MANAGER, months=4))
    assert view.as_of == date(2024, 6, 1)
    assert [m.month for m in view.months] == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert [m.contributions.fen for m in view.months] == [150_000, 20_000, 0, 0]
    assert [m.withdrawals.fen for m in view.months] == [0, 0, 30_000, 0]
    assert [m.deposits_balance.fen for m in view.months] == [150_000, 170_000, 140_000, 140_000]
    assert view.deposits == Money(140_000)
    assert view.members == 2
    assert view.contributions_total == Money(170_000)
    assert view.overdue_rate is None  # no loans yet
    assert [(b.deposits.fen, b.members) for b in view.branches] == [(140_000, 2)]

    # A longer window starts before the first movement: those months are zero, balances too.
    longer = read(container.uow, lambda uow: dashboard.overview(uow, MANAGER, months=6))
    assert [m.deposits_balance.fen for m in longer.months] == [0, 0, 150_000, 170_000, 140_000, 140_000]


def test_the_overdue_rate_is_rounded_half_up_to_a_hundredth_of_a_percent() -> None:
    assert dashboard.overdue_rate(Money(1), Money(3)) == "33.33"
    assert dashboard.overdue_rate(Money(1), Money(8)) == "12.50"
    assert dashboard.overdue_rate(Money(2), Money(3)) == "66.67"
    assert dashboard.overdue_rate(Money(0), Money(0)) is None


def test_only_roles_with_the_dashboard_see_it(container: Container) -> None:
    open_books(container, date(2024, 6, 1))
    clerk = Actor(username="clerk1", roles=frozenset({Role.COUNTER_CLERK}), branch_id=1)
    with pytest.raises(PermissionDenied):
        read(container.uow, lambda uow: dashboard.overview(uow, clerk))
