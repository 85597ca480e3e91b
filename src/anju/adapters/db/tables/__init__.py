"""Every table module, imported so that `metadata` knows them all."""

from anju.adapters.db.tables import (  # noqa: F401
    adjustments,
    bank,
    batch,
    collection,
    common,
    documents,
    hall,
    ledger,
    org,
    policy,
    remittance,
    security,
)
