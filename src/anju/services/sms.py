"""SMS (12329 短信): messages are queued in the business transaction, then delivered by the port.

Queuing in the same transaction as the business means a rolled-back login sends nothing and a
committed one is never lost; delivery runs after the commit (`deliver_queued`). Phone numbers
and texts are stored SM4-encrypted: a verification code is a secret while it lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from anju.errors import AnjuError
from anju.ids import mask_phone
from anju.services.hall_ports import SmsGateway, SmsRecord
from anju.services.ports import UnitOfWork

PHONE_CONTEXT: Final = "sms_phone"
TEXT_CONTEXT: Final = "sms_text"
DELIVERY_BATCH: Final = 100


@dataclass(frozen=True, slots=True)
class SmsView:
    phone_masked: str
    text: str
    purpose: str
    status: str
    created_at: datetime
    sent_at: datetime | None


def phone_index(uow: UnitOfWork, phone: str) -> str:
    return uow.crypto.blind_index("phone", phone)


def queue(uow: UnitOfWork, phone: str, text: str, purpose: str) -> int:
    """Queue one message (sent after the caller's transaction commits)."""
    return uow.hall.queue_sms(
        phone_enc=uow.crypto.encrypt(phone, context=PHONE_CONTEXT),
        phone_index=phone_index(uow, phone),
        text_enc=uow.crypto.encrypt(text, context=TEXT_CONTEXT),
        purpose=purpose,
        created_at=uow.now_utc(),
    )


def deliver_queued(uow: UnitOfWork, gateway: SmsGateway) -> int:
    """Hand queued messages to the SMS platform; returns how many it accepted.

    A refused message is marked failed (the user asks for a new code); it is never retried
    blindly, because a code that arrives late is worse than none.
    """
    sent = 0
    for record in uow.hall.sms_queued(DELIVERY_BATCH):
        phone = uow.crypto.decrypt(record.phone_enc, context=PHONE_CONTEXT)
        text = uow.crypto.decrypt(record.text_enc, context=TEXT_CONTEXT)
        try:
            gateway.send(phone, text)
        except AnjuError:
            uow.hall.mark_sms(record.id, "failed", uow.now_utc())
            continue
        uow.hall.mark_sms(record.id, "sent", uow.now_utc())
        sent += 1
    return sent


def _view(uow: UnitOfWork, record: SmsRecord) -> SmsView:
    phone = uow.crypto.decrypt(record.phone_enc, context=PHONE_CONTEXT)
    return SmsView(
        phone_masked=mask_phone(phone),
        text=uow.crypto.decrypt(record.text_enc, context=TEXT_CONTEXT),
        purpose=record.purpose,
        status=record.status,
        created_at=record.created_at,
        sent_at=record.sent_at,
    )


def messages_to(uow: UnitOfWork, phone: str, limit: int = 10) -> list[SmsView]:
    """What was sent to one phone, newest first: the simulator's inbox (demo and tests only)."""
    return [_view(uow, r) for r in uow.hall.sms_to(phone_index(uow, phone), max(1, min(limit, 100)))]
