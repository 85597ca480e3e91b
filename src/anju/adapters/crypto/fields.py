"""Personal data at rest (K2): SM4-encrypted value plus an HMAC-SM3 blind index for look-ups.

A repository storing a resident ID, phone or bank card keeps two columns, e.g.
`resident_id_enc` (LargeBinary) and `resident_id_idx` (String(64), indexed):

    enc, idx = seal(self._deps.crypto, RESIDENT_ID, resident_id.reveal())
    ... insert(person).values(resident_id_enc=enc, resident_id_idx=idx)
    ... select(person).where(person.c.resident_id_idx == lookup_key(crypto, RESIDENT_ID, text))
    value = unseal(self._deps.crypto, RESIDENT_ID, row.resident_id_enc)

Pass the canonical form (validated, upper-case check character, no spaces): the index matches
byte-identical input only. The kind is both the encryption context and the index purpose, so a
ciphertext moved into another kind's column does not decrypt, and indexes of different kinds
never collide.
"""

from __future__ import annotations

from typing import Final

from anju.services.ports import CryptoProvider

RESIDENT_ID: Final = "resident_id"  # 居民身份证号码
PHONE: Final = "phone"  # 手机号码
BANK_CARD: Final = "bank_card"  # 银行卡号
PII_KINDS: Final = frozenset({RESIDENT_ID, PHONE, BANK_CARD})


def seal(crypto: CryptoProvider, kind: str, value: str) -> tuple[bytes, str]:
    """(ciphertext, blind index) of a canonical value."""
    return crypto.encrypt(value, context=kind), crypto.blind_index(kind, value)


def unseal(crypto: CryptoProvider, kind: str, token: bytes) -> str:
    """The value back; raises InvariantViolation("decryption_failed") if the bytes were altered."""
    return crypto.decrypt(token, context=kind)


def lookup_key(crypto: CryptoProvider, kind: str, value: str) -> str:
    """The blind index to compare with the stored one (WHERE <kind>_idx = :key)."""
    return crypto.blind_index(kind, value)
