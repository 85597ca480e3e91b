"""SM2 signatures on loan applications (reliability.md K5: non-repudiation).

On acceptance (受理) the application's canonical fields — what the borrower asked for and the
centre accepted — are signed with the centre's SM2 key through the crypto port. The signature
and the key id are stored on the loan; the key pair lives in `loan_signing_key` with the private
key encrypted under the data key. `verify_application` rebuilds the canonical text from the
stored row: it verifies after a restore from backup and fails as soon as one field was edited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import NotFound
from anju.services.loan_ports import LoanRecord, SigningKeyRecord
from anju.services.ports import UnitOfWork

KEY_CONTEXT: Final = "loan_signing_key"
# The fields signed, in this order; amounts in fen, so the text never depends on formatting.
SIGNED_FIELDS: Final = (
    "loan_no",
    "case_no",
    "borrower_account_no",
    "co_borrower_account_no",
    "house_kind",
    "project_id",
    "building_id",
    "house_address",
    "house_price",
    "appraisal",
    "down_payment",
    "amount",
    "term_months",
    "method",
    "first_home",
    "seller_name",
    "seller_account_no",
    "seller_bank_code",
    "repayment_account_no",
    "offset_agreement",
    "commercial_bank",
    "commercial_amount",
    "commercial_term_months",
    "created_by",
)


def _plain(value: Any) -> Any:
    fen = getattr(value, "fen", None)
    return fen if isinstance(fen, int) else value


def canonical_application(record: LoanRecord) -> bytes:
    """The signed text: the application fields as sorted, compact UTF-8 JSON."""
    fields = {name: _plain(getattr(record, name)) for name in SIGNED_FIELDS}
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _key_context(key_id: str) -> str:
    return f"{KEY_CONTEXT}:{key_id}"


def _active_key(uow: UnitOfWork) -> SigningKeyRecord:
    key = uow.loans.signing_key()
    if key is not None:
        return key
    private_hex, public_hex = uow.crypto.sm2_generate_keypair()
    key_id = f"LSK{uow.now_utc():%Y%m%d}-{uow.crypto.random_bytes(8).hex()}"
    uow.loans.insert_signing_key(
        {
            "key_id": key_id,
            "public_hex": public_hex,
            "private_enc": uow.crypto.encrypt(private_hex, context=_key_context(key_id)),
            "status": "active",
            "created_at": uow.now_utc(),
        }
    )
    uow.audit.append(
        AuditEvent.by(Actor.system("loans"), "loan.signing_key_create", "loan_signing_key", key_id)
    )
    created = uow.loans.signing_key(key_id)
    assert created is not None
    return created


def sign_application(uow: UnitOfWork, record: LoanRecord) -> str:
    """Sign the accepted application and store the signature with its key id; returns it."""
    key = _active_key(uow)
    private_hex = uow.crypto.decrypt(key.private_enc, context=_key_context(key.key_id))
    signature = uow.crypto.sm2_sign(private_hex, canonical_application(record))
    uow.loans.update_loan(
        record.id, {"application_signature": signature, "signature_key_id": key.key_id}, uow.now_utc()
    )
    return signature


@dataclass(frozen=True, slots=True)
class SignatureVerdict:
    loan_no: str
    signed: bool
    valid: bool
    key_id: str | None
    public_key: str | None
    signature: str | None


def verify_application(uow: UnitOfWork, actor: Actor, loan_no: str) -> SignatureVerdict:
    """Verify the stored SM2 signature against the stored application fields (K5)."""
    actor.require(Permission.LOAN_VIEW)
    record = uow.loans.loan(loan_no.strip())
    if record is None:
        raise NotFound("not_found", what=f"贷款 {loan_no[:30]}")
    actor.require_branch(record.branch_id)
    if not record.application_signature or not record.signature_key_id:
        return SignatureVerdict(record.loan_no, False, False, None, None, None)
    key = uow.loans.signing_key(record.signature_key_id)
    valid = key is not None and uow.crypto.sm2_verify(
        key.public_hex, canonical_application(record), record.application_signature
    )
    uow.audit.append(
        AuditEvent.by(actor, "loan.signature_verify", "loan", record.loan_no, details={"valid": valid})
    )
    return SignatureVerdict(
        record.loan_no,
        True,
        valid,
        record.signature_key_id,
        key.public_hex if key is not None else None,
        record.application_signature,
    )
