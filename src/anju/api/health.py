"""Liveness for load balancers and monitoring: no session, no data."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from anju.http.guard import public

router = APIRouter(tags=["系统"])


class HealthOut(BaseModel):
    status: str


@router.get("/health", dependencies=[public()], response_model=HealthOut, summary="健康检查")
def health() -> HealthOut:
    return HealthOut(status="ok")
