"""Re-encrypting personal data under the current SM4 data-key version (reliability.md K6).

`ANJU_DATA_KEY_VERSION` selects the version new writes use; every ciphertext carries its version
byte, so rows written earlier still decrypt. `reencrypt` then moves the old rows over: column by
column, in chunks walked by primary key, each chunk one transaction that reads the ciphertexts,
re-encrypts those of another version and writes them back with one executemany UPDATE (guarded
by the old value, so a row changed meanwhile is left for the next run). Every row is always in
one version or the other, so the job can be stopped and rerun at any time. The blind indexes do
not change (their HMAC key does not depend on the data-key version).

`anju keys reencrypt` runs it and audits the result (batch/data_keys.py, cli/keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine, Table, and_, bindparam, select

from anju.adapters.crypto.fields import BANK_CARD, PHONE, RESIDENT_ID
from anju.adapters.crypto.provider import SoftwareCryptoProvider
from anju.adapters.db.tables.bank import bank_batch_item, bank_instruction, bank_notice
from anju.adapters.db.tables.collection import member, member_account, unit
from anju.adapters.db.tables.withdrawals import withdrawal, withdrawal_agreement

DEFAULT_CHUNK: Final = 1000


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    table: Table
    column: str
    context: str  # the encryption context (adapters/crypto/fields.py kind)

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"


# Every column of personal data sealed under a fixed context. (Per-row contexts — hall phones,
# TOTP secrets, signing keys — are re-keyed with their owners' credentials, not here.)
ENCRYPTED_COLUMNS: Final = (
    EncryptedColumn(unit, "handler_phone_enc", PHONE),
    EncryptedColumn(member, "resident_id_enc", RESIDENT_ID),
    EncryptedColumn(member, "phone_enc", PHONE),
    EncryptedColumn(member_account, "bank_card_enc", BANK_CARD),
    EncryptedColumn(withdrawal, "payee_card_enc", BANK_CARD),
    EncryptedColumn(withdrawal_agreement, "payee_card_enc", BANK_CARD),
    EncryptedColumn(bank_instruction, "counterparty_enc", BANK_CARD),
    EncryptedColumn(bank_batch_item, "account_enc", BANK_CARD),
    EncryptedColumn(bank_notice, "counterparty_enc", BANK_CARD),
)


def versions(engine: Engine, crypto: SoftwareCryptoProvider) -> dict[int, int]:
    """How many stored values each data-key version encrypts (what a rotation has left to do)."""
    counts: dict[int, int] = {}
    for col in ENCRYPTED_COLUMNS:
        c = col.table.c[col.column]
        with engine.connect() as conn:
            for (token,) in conn.execute(select(c).where(c.is_not(None))):
                version = crypto.key_version_of(bytes(token))
                counts[version] = counts.get(version, 0) + 1
    return counts


def reencrypt(
    engine: Engine, crypto: SoftwareCryptoProvider, *, chunk: int = DEFAULT_CHUNK
) -> dict[str, int]:
    """Re-encrypt every value not under the current version; {column: rows re-encrypted}."""
    target = crypto.data_key_version
    done: dict[str, int] = {}
    for col in ENCRYPTED_COLUMNS:
        pk, enc = col.table.c.id, col.table.c[col.column]
        update = (
            col.table.update()
            .where(and_(pk == bindparam("b_id"), enc == bindparam("b_old")))
            .values({col.column: bindparam("b_new")})
        )
        last, count = 0, 0
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(pk, enc).where(pk > last, enc.is_not(None)).order_by(pk).limit(chunk)
                ).all()
                if not rows:
                    break
                last = int(rows[-1][0])
                changes = [
                    {
                        "b_id": row_id,
                        "b_old": bytes(token),
                        "b_new": crypto.encrypt(
                            crypto.decrypt(bytes(token), context=col.context), context=col.context
                        ),
                    }
                    for row_id, token in rows
                    if crypto.key_version_of(bytes(token)) != target
                ]
                if changes:
                    conn.execute(update, changes)
                count += len(changes)
        done[col.name] = count
    return done
