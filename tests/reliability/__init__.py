"""The reliability suite (/work/shared/reliability.md): which catalogue ID is tested where.

Here (bounded in `make test`; `make soak SOAK_SIZE=…` runs them longer; every randomised test
prints `seed=` and replays with SEED=<n>):
  L1, L2  test_ledger_model.py      Hypothesis state machine vs a reference model; conservation
  L1      test_business_model.py    the same through the business services (remittance, back-pay,
                                    suspense, withdrawal, transfer, loans, 冲还贷, prepayment,
                                    interest job, reversal) vs business_model.py
  L6      test_ledger_model.py      failure injected before each SQL statement of a multi-leg posting
  C2, C3  test_concurrency.py       Jepsen bank test (snapshot totals); cyclic/opposing transfers
  I5, R1  test_crash_restart.py     kill -9 `anju serve` under load; crash just before/after commit
  R1      test_postgres_crash.py    kill -9 every process of a private PostgreSQL cluster under load;
                                    acknowledged postings survive exactly once after crash recovery
  F1      test_api_fuzz.py          Schemathesis over the OpenAPI spec, every operation and role
  F2      test_validation.py        service-layer validation of IDs, phones, cards, amounts, dates
  F3      test_injection.py         payloads in every query/path parameter; string-built SQL gate
  G1      test_audit_coverage.py    refused state changes (route table) and successful ones audited;
                                    every GET showing a person's data (page, JSON, PDF, xlsx) leaves a
                                    personal_data.view record; a failed audit withholds the reply
  A4      test_maker_checker.py     four eyes on a case through the API
  P1      test_masking.py           no full ID/phone/card on any page or reply, every role
  P1      test_masking_documents.py no full ID/phone/card in any PDF (pypdf) or xlsx (openpyxl) of the
                                    route table, every role; full-value allow-list empty by decision
  P3      test_consent_gates.py     registry look-ups and the credit report (征信, POST
                                    /api/v1/credit-reports) refused + audited without a valid,
                                    in-scope authorisation; exactly its scope allowed
  I2      test_idempotency_race.py  20 parallel sends of one key to a payment: one execution, one
                                    voucher, the rest replays or 409 in flight (both databases)
  K6      test_key_rotation.py      ANJU_DATA_KEY_VERSION for new writes, old rows still decrypt;
                                    `anju keys reencrypt` moves them in chunks, audited, rerun is a no-op
  B1, B4  test_backup.py            online backup under writers; restore drill on both databases
  R3      test_durability.py        start-up refuses unsafe SQLite / PostgreSQL durability settings

Elsewhere (found with grep, not repeated): L3, L4 tests/integration/test_ledger.py; L5
tests/unit/test_money.py, test_api_money.py, architecture/test_no_float.py; C1 (withdrawals) and
C4 (loans) in their features' tests; I1, I3, I4 tests/e2e/test_api_idempotency.py; I6–I8
tests/integration/test_bank_*.py; A1 tests/e2e/test_api_authz_matrix.py,
architecture/test_routes.py; A5, A6 tests/e2e/test_api_auth.py, integration/test_auth.py; G2
integration/test_audit.py (with the SM2-signed anchor: anchor tests there and in
e2e/test_cli.py); K1, K2 tests/unit/test_crypto.py; R4 integration/test_interest.py,
test_batch_runner.py. R3 is here (test_durability.py): no test of it was found elsewhere.
"""
