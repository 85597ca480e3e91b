"""Data-key rotation (reliability.md K6), on both databases.

Rows written under data-key v1; the service restarted with ANJU_DATA_KEY_VERSION=2: old rows still
decrypt, a new write uses v2. `anju keys reencrypt` (a real process) moves every old value to v2
in chunks and audits it; the data reads the same afterwards, and a rerun has nothing left to do.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from anju.adapters.crypto.provider import SoftwareCryptoProvider
from anju.adapters.db import rekey
from anju.adapters.db.tables.security import audit_log
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.services import members
from anju.services.members import MemberChanges
from anju.services.runner import read, run
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.test_api_collection import RID, open_member, register
from tests.reliability.workload import assert_ledger_ok

ANJU = str(Path(sys.executable).parent / "anju")
CLERK = Actor(username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), operator_id=1, all_branches=True)


def restarted_with(container: Container, version: int) -> Container:
    crypto = SoftwareCryptoProvider(
        bytes.fromhex(TEST_MASTER_KEY), password_iterations=2000, data_key_version=version
    )
    return dataclasses.replace(container, crypto=crypto)


def person(container: Container, account_no: str) -> tuple[str, str | None, str | None]:
    account = read(container.uow, lambda uow: uow.members.account(account_no))
    assert account is not None
    return account.person.resident_id, account.person.phone, account.bank_card


def test_rotate_the_data_key_and_reencrypt_old_rows(
    seeded: Container, make_client: Any, tmp_path: Path
) -> None:
    clerk = make_client("clerk01")
    unit_no = register(clerk, 91)["unit_account_no"]
    opened = open_member(
        clerk, unit_no, phone="13612345678", bank_card="6222020200112233445", bank_code="105"
    )
    account_no = opened["account"]["account_no"]
    before = rekey.versions(seeded.engine, seeded.crypto)
    assert set(before) == {1} and before[1] >= 4  # ID, phone, card, handler phone

    v2 = restarted_with(seeded, 2)
    assert person(v2, account_no) == (RID, "13612345678", "6222020200112233445")  # old rows decrypt
    run(v2.uow, lambda uow: members.change_member(uow, CLERK, account_no, MemberChanges(phone="13798765432")))
    mixed = rekey.versions(seeded.engine, v2.crypto)
    assert mixed == {1: before[1] - 1, 2: 1}  # the new write used v2

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}
    env |= {
        "ANJU_HOME": str(tmp_path / "home"),
        "ANJU_DATABASE_URL": seeded.settings.database_url,
        "ANJU_MASTER_KEY": TEST_MASTER_KEY,
        "ANJU_DATA_KEY_VERSION": "2",
        "ANJU_PASSWORD_ITERATIONS": "2000",
    }
    done = subprocess.run(
        [ANJU, "keys", "reencrypt", "--chunk", "2"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"重新加密 {before[1] - 1} 个值" in done.stdout
    assert rekey.versions(seeded.engine, v2.crypto) == {2: before[1]}
    assert person(v2, account_no) == (RID, "13798765432", "6222020200112233445")
    # The blind index did not change: the person is still found by ID number.
    found = read(v2.uow, lambda uow: uow.members.person_by_resident_id(RID))
    assert found is not None
    with seeded.engine.connect() as conn:
        audited = conn.execute(select(audit_log).where(audit_log.c.action == "keys.reencrypt")).all()
    assert [(r.object_id, r.actor, r.result) for r in audited] == [("v2", "system:keys", "success")]
    assert rekey.reencrypt(seeded.engine, v2.crypto) == {c.name: 0 for c in rekey.ENCRYPTED_COLUMNS}
    assert_ledger_ok(seeded)
