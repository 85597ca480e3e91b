"""Repository modules; importing one registers it on the unit of work."""

from anju.adapters.db.repositories import (  # noqa: F401
    bank,
    audit,
    batch,
    calendar,
    collection,
    documents,
    ledger,
    org,
    policy,
    remittance,
    security,
    sheets,
)
