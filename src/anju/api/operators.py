"""Operators (操作员) for the security and audit administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.operators import OperatorCreatedOut, OperatorCreateIn, OperatorOut, withhold_secrets
from anju.domain.security import Permission as P
from anju.errors import NotFound
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import auth, organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/operators", tags=["操作员"], responses=ERROR_RESPONSES)


def branch_codes(uow: UnitOfWork) -> dict[int, str]:
    return {b.id: b.code for b in organisation.list_branches(uow, None)}


def branch_id_of(uow: UnitOfWork, code: str | None) -> int | None:
    """The branch named by its code, resolved on the server (clients never send internal ids)."""
    if not code:
        return None
    for branch in organisation.list_branches(uow, None):
        if branch.code == code:
            return branch.id
    raise NotFound("not_found", what=f"管理部 {code[:20]}")


@router.get("", response_model=list[OperatorOut], summary="操作员列表")
def list_operators(request: Request, session: Session = requires(P.OPERATORS_VIEW)) -> list[OperatorOut]:
    def body(uow: UnitOfWork) -> list[OperatorOut]:
        codes = branch_codes(uow)
        return [OperatorOut.of(v, codes) for v in auth.list_operators(uow, session.actor)]

    return read(container_of(request).uow, body)


@router.post("", status_code=201, response_model=OperatorCreatedOut, summary="新增操作员")
def create_operator(body: OperatorCreateIn, cmd: Command = command(P.OPERATORS_MANAGE)) -> Response:
    def run(uow: UnitOfWork) -> OperatorCreatedOut:
        new = auth.create_operator(
            uow,
            cmd.actor,
            body.username,
            body.display_name,
            set(body.roles),
            branch_id_of(uow, body.branch_code),
            body.all_branches,
        )
        return OperatorCreatedOut(
            username=new.username,
            display_name=new.display_name,
            roles=sorted(new.roles),
            initial_password=new.initial_password,
            totp_secret=new.totp_secret,
            otpauth_uri=new.otpauth_uri,
        )

    return cmd.execute(run, status_code=201, redact=withhold_secrets)
