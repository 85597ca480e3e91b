"""Units (单位): registration, look-up, changes, seal / resume / cancel, members, part preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset, parse_yuan
from anju.api.schemas.units import (
    PartsOut,
    ReasonIn,
    UnitCancelIn,
    UnitChangeIn,
    UnitMembersOut,
    UnitOut,
    UnitPageOut,
    UnitRegisterIn,
    percent,
)
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.money import MoneyInputError
from anju.services import members, units
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.services.units import UnitChanges, UnitRegistration

router = APIRouter(prefix="/units", tags=["归集·单位"], responses=ERROR_RESPONSES)

UnitNo = Annotated[str, Path(min_length=1, max_length=20, description="单位账号")]
Status = Annotated[str | None, Query(max_length=2, pattern=r"^[0-9]{2}$")]


@router.get("", response_model=UnitPageOut, summary="单位查询（本管理部）")
def list_units(
    request: Request,
    *,
    q: Annotated[str | None, Query(max_length=100, description="单位账号、统一社会信用代码或名称")] = None,
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW),
) -> UnitPageOut:
    page = read(
        container_of(request).uow,
        lambda uow: units.list_units(uow, session.actor, text=q, status=status, limit=limit, offset=offset),
    )
    return UnitPageOut(items=[UnitOut.of(v) for v in page.items], total=page.total)


@router.post("", status_code=201, response_model=UnitOut, summary="单位缴存登记并开户")
def register(body: UnitRegisterIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    reg = UnitRegistration(
        name=body.name,
        credit_code=body.credit_code,
        economic_type=body.economic_type,
        industry=body.industry,
        address=body.address,
        handler_name=body.handler_name,
        handler_phone=body.handler_phone,
        bank_code=body.bank_code,
        unit_ratio=percent(body.unit_ratio_percent),
        member_ratio=percent(body.member_ratio_percent),
        payday=body.payday,
        subordination=body.subordination,
        postcode=body.postcode,
        email=body.email,
        legal_rep_name=body.legal_rep_name,
        collection_account_no=body.collection_account_no,
        branch_code=body.branch_code,
        established_on=body.established_on,
    )

    def run_(uow: UnitOfWork) -> UnitOut:
        return UnitOut.of(units.register_unit(uow, cmd.actor, reg))

    return cmd.execute(run_, status_code=201)


@router.get("/{unit_account_no}", response_model=UnitOut, summary="单位详情")
def get_unit(
    request: Request,
    unit_account_no: UnitNo,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> UnitOut:
    view = read(container_of(request).uow, lambda uow: units.get_unit(uow, session.actor, unit_account_no))
    return UnitOut.of(view)


@router.get("/{unit_account_no}/members", response_model=UnitMembersOut, summary="单位职工账户（分页）")
def unit_members(
    request: Request,
    unit_account_no: UnitNo,
    *,
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> UnitMembersOut:
    page = read(
        container_of(request).uow,
        lambda uow: units.unit_members(
            uow, session.actor, unit_account_no, status=status, limit=limit, offset=offset
        ),
    )
    return UnitMembersOut.of(page)


@router.get(
    "/{unit_account_no}/contribution-preview",
    response_model=PartsOut,
    summary="按申报工资试算缴存基数和月缴存额",
)
def preview(
    request: Request,
    unit_account_no: UnitNo,
    wage_base: Annotated[str, Query(max_length=20, description='申报工资（元），如 "8000.00"')],
    session: Session = requires(P.COLLECTION_VIEW),
) -> PartsOut:
    try:
        declared = parse_yuan(wage_base)
    except ValueError:
        raise MoneyInputError("invalid_amount", value=wage_base[:20]) from None
    parts = read(
        container_of(request).uow,
        lambda uow: members.preview_parts(uow, session.actor, unit_account_no, declared),
    )
    return PartsOut.of(parts)


@router.post("/{unit_account_no}/changes", response_model=UnitOut, summary="单位信息变更")
def change(
    unit_account_no: UnitNo, body: UnitChangeIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    changes = UnitChanges(
        name=body.name,
        economic_type=body.economic_type,
        industry=body.industry,
        subordination=body.subordination,
        address=body.address,
        postcode=body.postcode,
        email=body.email,
        legal_rep_name=body.legal_rep_name,
        handler_name=body.handler_name,
        handler_phone=body.handler_phone,
        bank_code=body.bank_code,
        collection_account_no=body.collection_account_no,
        unit_ratio=percent(body.unit_ratio_percent) if body.unit_ratio_percent else None,
        member_ratio=percent(body.member_ratio_percent) if body.member_ratio_percent else None,
        payday=body.payday,
        established_on=body.established_on,
    )

    def run_(uow: UnitOfWork) -> UnitOut:
        return UnitOut.of(units.change_unit(uow, cmd.actor, unit_account_no, changes))

    return cmd.execute(run_)


@router.post("/{unit_account_no}/seal", response_model=UnitOut, summary="单位封存（其正常账户一并封存）")
def seal(unit_account_no: UnitNo, body: ReasonIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(lambda uow: UnitOut.of(units.seal_unit(uow, cmd.actor, unit_account_no, body.reason)))


@router.post("/{unit_account_no}/resume", response_model=UnitOut, summary="单位启封")
def resume(unit_account_no: UnitNo, body: ReasonIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: UnitOut.of(units.resume_unit(uow, cmd.actor, unit_account_no, body.reason))
    )


@router.post("/{unit_account_no}/cancel", response_model=UnitOut, summary="单位销户")
def cancel(
    unit_account_no: UnitNo, body: UnitCancelIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    return cmd.execute(
        lambda uow: UnitOut.of(units.cancel_unit(uow, cmd.actor, unit_account_no, body.close_reason))
    )
