"""Repository modules; importing one registers it on the unit of work."""

from anju.adapters.db.repositories import (  # noqa: F401
    accounting,  # accounting slice (会计核算)
    audit,
    bank,
    batch,
    calendar,
    collection,
    dashboard,
    documents,
    hall,
    hall_requests,  # unit web hall requests (网厅申请, issue 10)
    interest,
    ledger,
    loans,  # housing loans (个人住房贷款)
    org,
    policy,
    remittance,
    security,
    sheets,
    withdrawals,  # withdrawals (提取)
)
