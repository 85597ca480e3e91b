"""Every table module, imported so that `metadata` knows them all."""

from anju.adapters.db.tables import (  # noqa: F401
    batch,
    common,
    ledger,
    org,
    policy,
    security,
)
