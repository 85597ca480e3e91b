"""Repository modules; importing one registers it on the unit of work."""

from anju.adapters.db.repositories import (  # noqa: F401
    audit,
    batch,
    calendar,
    ledger,
    org,
    policy,
    security,
)
