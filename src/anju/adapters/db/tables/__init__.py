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
    hall_requests,  # unit web hall requests (网厅申请, issue 10)
    ledger,
    loan_servicing,  # housing loans: 贷后管理 (issue 8)
    loans,  # housing loans (个人住房贷款)
    org,
    policy,
    remittance,
    security,
    withdrawals,  # withdrawals (提取)
)
