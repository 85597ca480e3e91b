"""Withdrawals (提取): reasons, pre-check, application, review and approval, payment again, receipt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.withdrawals import (
    ActionIn,
    AgreementIn,
    AgreementOut,
    ConsentIn,
    ConsentOut,
    DecisionOut,
    EndIn,
    LookupOut,
    PayAgainIn,
    ReasonOut,
    WithdrawalIn,
    WithdrawalOut,
    WithdrawalPageOut,
)
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.downloads import file_response
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.reports.pdf import PDF_MEDIA_TYPE
from anju.reports.withdrawals import render_withdrawal_receipt
from anju.services import data_sharing
from anju.services import withdrawal_agreements as agreements
from anju.services import withdrawals as svc
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(prefix="/withdrawals", tags=["住房公积金提取"], responses=ERROR_RESPONSES)

AgreementNoPath = Annotated[str, Path(min_length=1, max_length=24, description="约定提取协议编号")]
WithdrawalNoPath = Annotated[str, Path(min_length=1, max_length=24, description="提取业务编号")]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "PDF 文件"}
}


@router.get("/reasons", response_model=list[ReasonOut], summary="提取原因配置（材料、限额、频次、依据）")
def list_reasons(request: Request, session: Session = requires(P.WITHDRAWAL_VIEW)) -> list[ReasonOut]:
    views = read(container_of(request).uow, lambda uow: svc.reasons(uow, session.actor))
    return [ReasonOut.of(v) for v in views]


@router.post("/check", response_model=DecisionOut, summary="预审：按规则逐条检查，不受理")
def check(body: WithdrawalIn, cmd: Command = command(P.WITHDRAWAL_VIEW)) -> Response:
    def run_(uow: UnitOfWork) -> DecisionOut:
        return DecisionOut.of(svc.check_withdrawal(uow, cmd.actor, body.to_request()))

    return cmd.execute(run_)


@router.post(
    "", status_code=201, response_model=WithdrawalOut, summary="受理提取申请（规则不符则拒绝并说明）"
)
def submit(body: WithdrawalIn, cmd: Command = command(P.WITHDRAWAL_MANAGE)) -> Response:
    req = body.to_request()
    source = f"api:{cmd.claim.principal}"[:40]
    results = None
    if body.use_data_sharing:  # look up first, in a transaction of its own: the log must survive
        results = run(
            cmd.container.uow,
            lambda uow: svc.look_up_for(uow, cmd.actor, req, source_ref=cmd.claim.key, source=source),
        )

    def run_(uow: UnitOfWork) -> WithdrawalOut:
        if body.use_data_sharing:
            view = svc.submit_with_data_sharing(
                uow, cmd.actor, req, source=source, source_ref=cmd.claim.key, results=results
            )
        else:
            view = svc.submit_withdrawal(uow, cmd.actor, req, source=source, source_ref=cmd.claim.key)
        return WithdrawalOut.of(view)

    return cmd.execute(run_, status_code=201)


@router.get("", response_model=WithdrawalPageOut, summary="提取业务列表（最新在前）")
def list_withdrawals(
    request: Request,
    *,
    state: Annotated[str | None, Query(max_length=16)] = None,
    account_no: Annotated[str | None, Query(max_length=24)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> WithdrawalPageOut:
    page = read(
        container_of(request).uow,
        lambda uow: svc.list_withdrawals(
            uow, session.actor, state=state, account_no=account_no, limit=limit, offset=offset
        ),
    )
    return WithdrawalPageOut(items=[WithdrawalOut.of(v) for v in page.items], total=page.total)


# --- data-sharing authorisations (授权) and recurring agreements (约定提取) ---------------------------


@router.post("/consents", status_code=201, response_model=ConsentOut, summary="登记数据共享查询授权")
def record_consent(body: ConsentIn, cmd: Command = command(P.WITHDRAWAL_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> ConsentOut:
        view = data_sharing.record_consent(
            uow,
            cmd.actor,
            body.account_no,
            scopes=frozenset(body.scopes),
            expires_on=body.expires_on,
            document_ref=body.document_ref,
        )
        return ConsentOut.of(view)

    return cmd.execute(run_, status_code=201)


@router.get("/consents", response_model=list[ConsentOut], summary="职工的数据共享授权")
def list_consents(
    request: Request,
    account_no: Annotated[str, Query(min_length=1, max_length=20)],
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> list[ConsentOut]:
    views = read(container_of(request).uow, lambda uow: data_sharing.consents(uow, session.actor, account_no))
    return [ConsentOut.of(v) for v in views]


@router.get("/lookups", response_model=list[LookupOut], summary="数据共享查询日志")
def list_lookups(
    request: Request,
    account_no: Annotated[str, Query(min_length=1, max_length=20)],
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> list[LookupOut]:
    views = read(
        container_of(request).uow, lambda uow: data_sharing.lookup_log(uow, session.actor, account_no)
    )
    return [LookupOut.model_validate(v, from_attributes=True) for v in views]


@router.post("/agreements", status_code=201, response_model=AgreementOut, summary="签订约定提取协议")
def create_agreement(body: AgreementIn, cmd: Command = command(P.WITHDRAWAL_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> AgreementOut:
        view = agreements.create_agreement(
            uow,
            cmd.actor,
            body.to_request(),
            period_months=body.period_months,
            first_due=body.first_due,
            end_date=body.end_date,
        )
        return AgreementOut.of(view)

    return cmd.execute(run_, status_code=201)


@router.get("/agreements", response_model=list[AgreementOut], summary="职工的约定提取协议")
def list_agreements(
    request: Request,
    account_no: Annotated[str, Query(min_length=1, max_length=20)],
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> list[AgreementOut]:
    views = read(
        container_of(request).uow, lambda uow: agreements.agreements_of(uow, session.actor, account_no)
    )
    return [AgreementOut.of(v) for v in views]


@router.post("/agreements/{agreement_no}/approval", response_model=AgreementOut, summary="审批约定提取协议")
def approve_agreement(
    agreement_no: AgreementNoPath, cmd: Command = command(P.WITHDRAWAL_APPROVE)
) -> Response:
    def run_(uow: UnitOfWork) -> AgreementOut:
        return AgreementOut.of(agreements.approve_agreement(uow, cmd.actor, agreement_no))

    return cmd.execute(run_)


@router.post("/agreements/{agreement_no}/end", response_model=AgreementOut, summary="终止约定提取协议")
def end_agreement(
    agreement_no: AgreementNoPath, body: EndIn, cmd: Command = command(P.WITHDRAWAL_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> AgreementOut:
        return AgreementOut.of(agreements.end_agreement(uow, cmd.actor, agreement_no, body.reason))

    return cmd.execute(run_)


@router.get("/{withdrawal_no}", response_model=WithdrawalOut, summary="提取业务详情")
def get_withdrawal(
    request: Request,
    withdrawal_no: WithdrawalNoPath,
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> WithdrawalOut:
    view = read(container_of(request).uow, lambda uow: svc.get_withdrawal(uow, session.actor, withdrawal_no))
    return WithdrawalOut.of(view)


@router.post(
    "/{withdrawal_no}/actions", response_model=WithdrawalOut, summary="审核、审批、复核审批、退回、拒绝"
)
def act(
    withdrawal_no: WithdrawalNoPath, body: ActionIn, cmd: Command = command(P.WITHDRAWAL_APPROVE)
) -> Response:
    def run_(uow: UnitOfWork) -> WithdrawalOut:
        return WithdrawalOut.of(
            svc.decide_withdrawal(uow, cmd.actor, withdrawal_no, body.action, body.reason)
        )

    return cmd.execute(run_)


@router.post("/{withdrawal_no}/payment", response_model=WithdrawalOut, summary="付款失败后重新付款")
def pay_again(
    withdrawal_no: WithdrawalNoPath, body: PayAgainIn, cmd: Command = command(P.WITHDRAWAL_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> WithdrawalOut:
        view = svc.pay_again(
            uow,
            cmd.actor,
            withdrawal_no,
            payee_card=body.payee_card,
            payee_bank_code=body.payee_bank_code,
            payee_name=body.payee_name,
        )
        return WithdrawalOut.of(view)

    return cmd.execute(run_)


@router.get(
    "/{withdrawal_no}/receipt", response_class=Response, responses=PDF_RESPONSE, summary="提取回单（PDF）"
)
def receipt(
    request: Request,
    withdrawal_no: WithdrawalNoPath,
    session: Session = requires(P.WITHDRAWAL_VIEW, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(container.uow, lambda uow: svc.print_receipt(uow, session.actor, withdrawal_no))
    body = render_withdrawal_receipt(printed.content, container.crypto)
    return file_response(body, media_type=PDF_MEDIA_TYPE, filename=printed.filename)
