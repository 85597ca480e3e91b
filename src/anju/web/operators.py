"""Operators (操作员): the list, and creating an account (security administrator only).

A new account's initial password and TOTP secret are shown once on the reply page and never
again (they are stored only hashed / encrypted).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from anju.domain.security import ROLE_LABELS
from anju.domain.security import Permission as P
from anju.errors import AnjuError, NotFound
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.services import auth, organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import render

router = APIRouter()


def _page(request: Request, session: Session, *, form: dict[str, Any], error: Any, status: int) -> Response:
    def body(uow: UnitOfWork) -> dict[str, Any]:
        branches = organisation.list_branches(uow, None)
        names = {b.id: f"{b.code} {b.name}" for b in branches}
        return {
            "operators": auth.list_operators(uow, session.actor),
            "branches": branches,
            "branch_names": names,
        }

    ctx = read(container_of(request).uow, body)
    ctx.update(
        form=form,
        error=error,
        can_manage=session.actor.has(P.OPERATORS_MANAGE),
        role_choices=list(ROLE_LABELS.items()),
    )
    return render(request, "operators/index.html", ctx, status_code=status)


@router.get("/operators")
def operators(request: Request, session: Session = requires(P.OPERATORS_VIEW)) -> Response:
    return _page(request, session, form={"roles": []}, error=None, status=200)


@router.post("/operators")
def create_operator(
    request: Request,
    *,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    branch_code: Annotated[str, Form(max_length=20)] = "",
    roles: Annotated[list[str], Form(max_length=9)] = [],  # noqa: B006 - FastAPI copies defaults
    all_branches: Annotated[str, Form(max_length=3)] = "",
    session: Session = requires(P.OPERATORS_MANAGE),
) -> Response:
    centre_wide = all_branches == "on"

    def body(uow: UnitOfWork) -> Any:
        branch_id = None
        if branch_code:
            match = [b for b in organisation.list_branches(uow, None) if b.code == branch_code]
            if not match:
                raise NotFound("not_found", what=f"管理部 {branch_code}")
            branch_id = match[0].id
        return auth.create_operator(
            uow, session.actor, username, display_name, set(roles), branch_id, centre_wide
        )

    try:
        new = run(container_of(request).uow, body)
    except AnjuError as exc:
        form = {
            "username": username,
            "display_name": display_name,
            "branch_code": branch_code,
            "roles": roles,
            "all_branches": centre_wide,
        }
        return _page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    return render(request, "operators/created.html", {"new": new}, status_code=201)
