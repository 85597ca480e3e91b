"""Hall requests (services.hall_request_ports), read together with their case's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from anju.adapters.db.repositories.security import as_utc, as_utc_or_none
from anju.adapters.db.tables.collection import service_case
from anju.adapters.db.tables.hall_requests import hall_request
from anju.adapters.db.unit_of_work import Deps, register
from anju.services.hall_request_ports import HallRequestRecord

_r = hall_request
_c = service_case


def _select() -> Select[Any]:
    return select(
        _r.c.id,
        _r.c.case_no,
        _r.c.unit_id,
        _r.c.request_type,
        _r.c.payload_enc,
        _r.c.result_ref,
        _r.c.created_at,
        _c.c.state,
        _c.c.summary,
        _c.c.reason,
        _c.c.maker,
        _c.c.checker,
        _c.c.finished_at,
    ).join(_c, _c.c.case_no == _r.c.case_no)


def _record(row: Row[Any]) -> HallRequestRecord:
    return HallRequestRecord(
        id=int(row.id),
        case_no=row.case_no,
        unit_id=int(row.unit_id),
        request_type=row.request_type,
        payload_enc=bytes(row.payload_enc),
        result_ref=row.result_ref,
        state=row.state,
        summary=row.summary,
        reason=row.reason,
        maker=row.maker,
        checker=row.checker,
        created_at=as_utc(row.created_at),
        finished_at=as_utc_or_none(row.finished_at),
    )


class SqlHallRequestRepository:
    def __init__(self, conn: Connection, _deps: Deps) -> None:
        self._conn = conn

    def insert(
        self, *, case_no: str, unit_id: int, request_type: str, payload_enc: bytes, now: datetime
    ) -> int:
        row = self._conn.execute(
            insert(_r)
            .values(
                case_no=case_no,
                unit_id=unit_id,
                request_type=request_type,
                payload_enc=payload_enc,
                created_at=now,
            )
            .returning(_r.c.id)
        ).one()
        return int(row.id)

    def get(self, case_no: str, *, for_update: bool = False) -> HallRequestRecord | None:
        stmt = _select().where(_r.c.case_no == case_no)
        if for_update:
            stmt = stmt.with_for_update(of=_r)
        row = self._conn.execute(stmt).first()
        return None if row is None else _record(row)

    def of_unit(self, unit_id: int, *, limit: int, offset: int) -> list[HallRequestRecord]:
        stmt = _select().where(_r.c.unit_id == unit_id).order_by(_r.c.id.desc()).limit(limit).offset(offset)
        return [_record(row) for row in self._conn.execute(stmt)]

    def count_of_unit(self, unit_id: int) -> int:
        stmt = select(func.count()).select_from(_r).where(_r.c.unit_id == unit_id)
        return int(self._conn.execute(stmt).scalar_one())

    def set_result(self, request_id: int, result_ref: str) -> None:
        self._conn.execute(update(_r).where(_r.c.id == request_id).values(result_ref=result_ref[:80]))


register("hall_requests", SqlHallRequestRepository)
