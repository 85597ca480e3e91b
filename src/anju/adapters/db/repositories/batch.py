"""Job runs and their per-item failures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.batch import job_item_failure, job_run
from anju.adapters.db.unit_of_work import Deps, register
from anju.errors import Conflict, NotFound
from anju.services.ports import ItemFailure, JobRunRecord


class BatchConflict(Conflict):
    """Another runner holds or has finished this run."""


def _record(row: Row[Any]) -> JobRunRecord:
    return JobRunRecord(**{name: row._mapping[name] for name in JobRunRecord.__dataclass_fields__})


class SqlBatchRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def start_or_resume(
        self, job_name: str, business_date: date, params_key: str, started_by: str, now: datetime
    ) -> JobRunRecord:
        t = job_run
        values = {
            "job_name": job_name,
            "business_date": business_date,
            "params_key": params_key,
            "state": "running",
            "started_at": now,
            "updated_at": now,
            "started_by": started_by,
        }
        inserted = insert_if_absent(self._conn, t, values)
        row = self._conn.execute(
            select(t).where(
                t.c.job_name == job_name, t.c.business_date == business_date, t.c.params_key == params_key
            )
        ).one()
        record = _record(row)
        if not inserted and record.state != "succeeded":
            # A rerun after a crash or a stop: carry on from the checkpoint.
            self._conn.execute(
                update(t)
                .where(t.c.id == record.id)
                .values(state="running", attempts=t.c.attempts + 1, updated_at=now, finished_at=None)
            )
            record = self.get(record.id)
        return record

    def lock(self, run_id: int) -> JobRunRecord:
        row = self._conn.execute(select(job_run).where(job_run.c.id == run_id).with_for_update()).first()
        if row is None:
            raise NotFound("not_found", what=f"批处理 {run_id}")
        return _record(row)

    def set_total(self, run_id: int, total: int, now: datetime) -> None:
        self._conn.execute(
            update(job_run).where(job_run.c.id == run_id).values(total_items=total, updated_at=now)
        )

    def advance(
        self, run_id: int, checkpoint: int, done: int, failures: list[ItemFailure], now: datetime
    ) -> None:
        t = job_run
        result = self._conn.execute(
            update(t)
            .where(t.c.id == run_id, t.c.state == "running")
            .values(
                checkpoint=checkpoint,
                done_items=t.c.done_items + done,
                failed_items=t.c.failed_items + len(failures),
                chunks=t.c.chunks + 1,
                updated_at=now,
            )
        )
        if result.rowcount != 1:
            raise BatchConflict("batch_run_not_running", run_id=run_id)
        if failures:
            self._conn.execute(
                insert(job_item_failure),
                [
                    {
                        "job_run_id": run_id,
                        "item_key": f.item_key,
                        "code": f.code,
                        "message": f.message[:2000],
                        "recorded_at": now,
                    }
                    for f in failures
                ],
            )

    def finish(self, run_id: int, state: str, message: str | None, now: datetime) -> None:
        self._conn.execute(
            update(job_run)
            .where(job_run.c.id == run_id)
            .values(state=state, message=message, finished_at=now, updated_at=now)
        )

    def get(self, run_id: int) -> JobRunRecord:
        row = self._conn.execute(select(job_run).where(job_run.c.id == run_id)).first()
        if row is None:
            raise NotFound("not_found", what=f"批处理 {run_id}")
        return _record(row)

    def list_runs(self, *, limit: int = 50, job_name: str | None = None) -> list[JobRunRecord]:
        query = select(job_run).order_by(job_run.c.id.desc()).limit(limit)
        if job_name:
            query = query.where(job_run.c.job_name == job_name)
        return [_record(row) for row in self._conn.execute(query)]

    def failures(self, run_id: int, *, limit: int = 200) -> list[ItemFailure]:
        rows = self._conn.execute(
            select(job_item_failure.c.item_key, job_item_failure.c.code, job_item_failure.c.message)
            .where(job_item_failure.c.job_run_id == run_id)
            .order_by(job_item_failure.c.item_key)
            .limit(limit)
        )
        return [ItemFailure(item_key=r.item_key, code=r.code, message=r.message) for r in rows]


def _factory(conn: Connection, _deps: Deps) -> SqlBatchRepository:
    return SqlBatchRepository(conn)


register("batch", _factory)
