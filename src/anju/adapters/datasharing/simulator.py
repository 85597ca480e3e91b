"""A deterministic data-sharing simulator: the port's behaviour over a fixed fixture data set,
for `make run`, demos and tests. Persons not in the fixture are "not found" in every registry,
which is what a real registry says about a person it does not know.

Fixture persons are keyed by resident ID number (GB 11643 valid, fictional). Tests may pass
their own fixture (same shape) to the constructor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from anju.ids import make_resident_id
from anju.money import Money
from anju.services.withdrawal_ports import PropertyRecord, Registry, RegistryAnswer


def _rid(first17: str) -> str:
    return make_resident_id(first17).reveal()


# Four people the demo uses: a recent home buyer, a retiree, a mortgage payer and a renter.
FIXTURE: Final[dict[str, dict[str, Any]]] = {
    _rid("41010219850101001"): {
        Registry.PROPERTY: [
            ("豫(2026)安居市不动产权第0100001号", date(2026, 9, 1), "1200000.00", "800000.00")
        ],
        Registry.MARRIAGE: {"married": True, "spouse": _rid("41010219860202002")},
        Registry.SOCIAL_SECURITY: {"retired_on": None},
        Registry.CREDIT: {"overdue_accounts": 0},
    },
    _rid("41010219600101003"): {
        Registry.PROPERTY: [("豫(1998)安居市房权证第0000003号", date(1998, 5, 1), "150000.00", "0.00")],
        Registry.SOCIAL_SECURITY: {"retired_on": date(2026, 1, 1)},
    },
    _rid("41010219900101004"): {
        Registry.PROPERTY: [
            ("豫(2024)安居市不动产权第0100004号", date(2024, 3, 1), "900000.00", "600000.00")
        ],
        Registry.MORTGAGE: {"repaid_12m": "42000.00", "property_ref": "豫(2024)安居市不动产权第0100004号"},
        Registry.MARRIAGE: {"married": False},
    },
    _rid("41010219950101005"): {
        Registry.PROPERTY: [],
        Registry.MARRIAGE: {"married": False},
        Registry.SOCIAL_SECURITY: {"retired_on": None},
    },
}


class SimulatedDataSharing:
    """The DataSharing port over a fixture: same answer for the same question, every time."""

    def __init__(self, fixture: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._data = dict(FIXTURE if fixture is None else fixture)

    def lookup(self, registry: str, resident_id: str) -> RegistryAnswer:
        person = self._data.get(resident_id, {})
        if registry not in person:
            # A property registry that knows nobody by that ID says "no property", a fact too.
            return RegistryAnswer(registry, found=registry == Registry.PROPERTY)
        raw = person[registry]
        if registry == Registry.PROPERTY:
            return RegistryAnswer(
                registry,
                found=True,
                properties=tuple(
                    PropertyRecord(ref, day, Money.of(price), Money.of(loan)) for ref, day, price, loan in raw
                ),
            )
        if registry == Registry.MARRIAGE:
            return RegistryAnswer(
                registry, found=True, married=raw["married"], spouse_resident_id=raw.get("spouse")
            )
        if registry == Registry.SOCIAL_SECURITY:
            return RegistryAnswer(registry, found=True, retired_on=raw["retired_on"])
        if registry == Registry.CREDIT:
            return RegistryAnswer(registry, found=True, credit_overdue_accounts=raw["overdue_accounts"])
        return RegistryAnswer(
            registry,
            found=True,
            mortgage_repaid_12m=Money.of(raw["repaid_12m"]),
            mortgage_property_ref=raw["property_ref"],
        )
