"""Ports of hall requests (网厅申请): what a unit operator submitted, kept beside its case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class HallRequestRecord:
    """A hall request joined with its case (state, refusal reason, who did what)."""

    id: int
    case_no: str
    unit_id: int
    request_type: str
    payload_enc: bytes
    result_ref: str | None
    state: str
    summary: str
    reason: str | None
    maker: str
    checker: str | None
    created_at: datetime
    finished_at: datetime | None


class HallRequestRepository(Protocol):
    def insert(
        self, *, case_no: str, unit_id: int, request_type: str, payload_enc: bytes, now: datetime
    ) -> int: ...

    def get(self, case_no: str, *, for_update: bool = False) -> HallRequestRecord | None: ...

    def of_unit(self, unit_id: int, *, limit: int, offset: int) -> list[HallRequestRecord]:
        """The unit's requests, newest first."""
        ...

    def count_of_unit(self, unit_id: int) -> int: ...

    def set_result(self, request_id: int, result_ref: str) -> None: ...
