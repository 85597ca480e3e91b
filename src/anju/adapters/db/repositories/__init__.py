"""Repository modules; importing one registers it on the unit of work."""

from anju.adapters.db.repositories import (  # noqa: F401
    audit,
    bank,
    batch,
    calendar,
    collection,
    dashboard,
    documents,
    hall,
    interest,
    ledger,
    org,
    policy,
    remittance,
    security,
    sheets,
)
