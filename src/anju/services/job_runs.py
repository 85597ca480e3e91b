"""Batch job runs as staff see them (批处理运行记录): state, progress and failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.domain.security import Actor, Permission
from anju.services.ports import JobRunRecord, UnitOfWork

STATE_LABELS: Final = {"running": "运行中", "succeeded": "完成", "failed": "失败", "stopped": "已停止"}
MAX_RUNS: Final = 200


@dataclass(frozen=True, slots=True)
class JobRunView:
    id: int
    job_name: str
    business_date: date
    state: str
    state_zh: str
    total: int
    done: int
    failed: int
    chunks: int
    attempts: int
    started_by: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    message: str | None

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once finished, whatever the count said)."""
        if self.state == "succeeded":
            return 100
        if self.total <= 0:
            return 0
        return min(100, (self.done + self.failed) * 100 // self.total)

    @property
    def running(self) -> bool:
        return self.state == "running"


def _view(record: JobRunRecord) -> JobRunView:
    return JobRunView(
        id=record.id,
        job_name=record.job_name,
        business_date=record.business_date,
        state=record.state,
        state_zh=STATE_LABELS.get(record.state, record.state),
        total=record.total_items,
        done=record.done_items,
        failed=record.failed_items,
        chunks=record.chunks,
        attempts=record.attempts,
        started_by=record.started_by,
        started_at=record.started_at,
        updated_at=record.updated_at,
        finished_at=record.finished_at,
        message=record.message,
    )


def list_job_runs(
    uow: UnitOfWork, actor: Actor, *, limit: int = 50, job_name: str | None = None
) -> list[JobRunView]:
    """The most recent runs, newest first."""
    actor.require(Permission.BATCH_VIEW)
    runs = uow.batch.list_runs(limit=max(1, min(limit, MAX_RUNS)), job_name=job_name or None)
    return [_view(r) for r in runs]
