"""The SMS platform simulator: accepts every message and records it.

Used by `make run` and the tests until a centre connects its 12329 SMS platform. The messages
themselves are also kept (encrypted) in the SMS outbox table, where `anju sms inbox PHONE`
reads them for the demo.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class RecordingSmsGateway:
    sent: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            self.sent.append((phone, text))

    def last_to(self, phone: str) -> str | None:
        """The newest text sent to `phone` (tests read the login code from it)."""
        with self._lock:
            return next((text for to, text in reversed(self.sent) if to == phone), None)
