"""The home page (首页): what this operator can do today."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.domain.security import Permission as P
from anju.http.context import Session
from anju.http.guard import requires
from anju.web.nav import nav_for
from anju.web.rendering import render

router = APIRouter()


@router.get("/")
def home(request: Request, session: Session = requires(P.AUTHENTICATED)) -> Response:
    sections = [s for s in nav_for(session.actor) if s.label != "首页"]
    return render(request, "home.html", {"sections": sections})
