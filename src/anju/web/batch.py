"""Batch job runs (批处理): every run with its state and progress; refreshes itself while one runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from anju.batch.registry import JOBS
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import job_runs
from anju.services.runner import read
from anju.web.rendering import is_htmx, render, render_fragment

router = APIRouter(prefix="/batch")

JobFilter = Annotated[str, Query(max_length=64)]


@router.get("/runs")
def runs_page(request: Request, job: JobFilter = "", session: Session = requires(P.BATCH_VIEW)) -> Response:
    runs = read(
        container_of(request).uow,
        lambda uow: job_runs.list_job_runs(uow, session.actor, job_name=job.strip() or None),
    )
    ctx = {
        "runs": runs,
        "job": job,
        "jobs": sorted((name, j.label_zh) for name, j in JOBS.items()),
        "labels": {name: j.label_zh for name, j in JOBS.items()},
        "any_running": any(r.running for r in runs),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "batch-runs":
        return render_fragment(request, "batch/_runs.html", ctx)
    return render(request, "batch/runs.html", ctx)
