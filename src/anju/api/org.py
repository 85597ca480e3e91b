"""Organisation (组织机构): the centre, branches, entrusted banks and special accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.org import (
    BankAccountCreateIn,
    BankAccountOut,
    BankCreateIn,
    BankOut,
    BranchCreateIn,
    BranchOut,
    CentreOut,
)
from anju.domain.security import Permission as P
from anju.errors import NotFound
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/org", tags=["组织机构"], responses=ERROR_RESPONSES)


@router.get("/centre", response_model=CentreOut, summary="中心信息")
def get_centre(request: Request, session: Session = requires(P.ORG_VIEW)) -> CentreOut:
    centre = read(container_of(request).uow, organisation.get_centre)
    if centre is None:
        raise NotFound("not_found", what="中心信息")
    return CentreOut(
        code=centre.code,
        name=centre.name,
        region_code=centre.region_code,
        address=centre.address,
        phone=centre.phone,
    )


@router.get("/branches", response_model=list[BranchOut], summary="管理部列表")
def list_branches(request: Request, session: Session = requires(P.ORG_VIEW)) -> list[BranchOut]:
    views = read(container_of(request).uow, lambda uow: organisation.list_branches(uow, session.actor))
    return [BranchOut.of(v) for v in views]


@router.post("/branches", status_code=201, response_model=BranchOut, summary="新增管理部")
def create_branch(body: BranchCreateIn, cmd: Command = command(P.ORG_MANAGE)) -> Response:
    def run(uow: UnitOfWork) -> BranchOut:
        view = organisation.create_branch(
            uow,
            cmd.actor,
            body.code,
            body.name,
            address=body.address,
            phone=body.phone,
            is_head_office=body.is_head_office,
        )
        return BranchOut.of(view)

    return cmd.execute(run, status_code=201)


@router.get("/banks", response_model=list[BankOut], summary="受托银行列表")
def list_banks(request: Request, session: Session = requires(P.ORG_VIEW)) -> list[BankOut]:
    views = read(container_of(request).uow, lambda uow: organisation.list_banks(uow, session.actor))
    return [BankOut.of(v) for v in views]


@router.post("/banks", status_code=201, response_model=BankOut, summary="新增受托银行")
def create_bank(body: BankCreateIn, cmd: Command = command(P.ORG_MANAGE)) -> Response:
    def run(uow: UnitOfWork) -> BankOut:
        return BankOut.of(organisation.create_bank(uow, cmd.actor, body.code, body.name, body.node_no))

    return cmd.execute(run, status_code=201)


@router.get("/bank-accounts", response_model=list[BankAccountOut], summary="专户列表")
def list_bank_accounts(request: Request, session: Session = requires(P.ORG_VIEW)) -> list[BankAccountOut]:
    views = read(
        container_of(request).uow, lambda uow: organisation.list_centre_bank_accounts(uow, session.actor)
    )
    return [BankAccountOut.of(v) for v in views]


@router.post("/bank-accounts", status_code=201, response_model=BankAccountOut, summary="开立专户")
def open_bank_account(body: BankAccountCreateIn, cmd: Command = command(P.ORG_MANAGE)) -> Response:
    def run(uow: UnitOfWork) -> BankAccountOut:
        view = organisation.open_centre_bank_account(
            uow,
            cmd.actor,
            body.bank_code,
            body.account_no,
            body.account_name,
            purpose=body.purpose,
            branch_code=body.branch_code,
            opened_on=body.opened_on,
        )
        return BankAccountOut.of(view)

    return cmd.execute(run, status_code=201)
