"""Every table module, imported so that `metadata` knows them all."""

from anju.adapters.db.tables import (  # noqa: F401
    accounting,  # accounting slice (会计核算)
    adjustments,
    bank,
    batch,
    collection,
    common,
    documents,
    hall,
    ledger,
    loans,  # housing loans (个人住房贷款)
    org,
    policy,
    remittance,
    security,
    withdrawals,  # withdrawals (提取)
)
