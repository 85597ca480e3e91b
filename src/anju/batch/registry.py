"""The batch jobs `anju batch run NAME` knows, by name. Capabilities add theirs here."""

from __future__ import annotations

from anju.batch.runner import BatchJob

JOBS: dict[str, BatchJob] = {}


def register_job(job: BatchJob) -> None:
    JOBS[job.name] = job
