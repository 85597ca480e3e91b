"""贷后管理 of housing loans over the API: the overdue register (逾期登记), manual five-tier
reclassification (maker-checker), term extension / shortening (展期/缩期, a case each),
litigation records (诉讼) and the verification of the application's SM2 signature (K5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.loan_servicing import (
    ClassificationOut,
    LitigationIn,
    LitigationOut,
    OverdueLineOut,
    ReclassificationDecisionIn,
    ReclassificationIn,
    ReclassificationOut,
    SignatureOut,
    TermChangeIn,
    TermChangeOut,
)
from anju.api.schemas.loans import ActionIn, LoanOut
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.money import Money
from anju.services import loan_servicing as servicing
from anju.services import loan_signatures, loans
from anju.services.loan_repayments import overdue_register
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(prefix="/loans", tags=["个人住房贷款"], responses=ERROR_RESPONSES)

LoanNo = Annotated[str, Path(min_length=1, max_length=20, description="贷款编号")]


@router.get("/{loan_no}/overdue-register", response_model=list[OverdueLineOut], summary="逾期登记（含罚息）")
def register(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW)
) -> list[OverdueLineOut]:
    lines = read(container_of(request).uow, lambda uow: overdue_register(uow, session.actor, loan_no))
    return [OverdueLineOut.of(line) for line in lines]


def _classification(uow: UnitOfWork, loan_no: str) -> ClassificationOut:
    record = loans.load(uow, loan_no)
    return ClassificationOut(
        loan_no=record.loan_no,
        risk_tier=record.risk_tier,
        override_tier=record.override_tier,
        days_past_due=record.days_past_due,
    )


@router.post(
    "/{loan_no}/classification",
    status_code=201,
    response_model=ReclassificationOut,
    summary="申请人工调整五级分类",
)
def request_reclassification(
    loan_no: LoanNo, body: ReclassificationIn, cmd: Command = command(P.LOAN_MANAGE)
) -> Response:
    return cmd.execute(
        lambda uow: ReclassificationOut.of(
            servicing.request_reclassification(uow, cmd.actor, loan_no, tier=body.tier, reason=body.reason)
        ),
        status_code=201,
    )


@router.post(
    "/{loan_no}/classification/decision", response_model=ClassificationOut, summary="审批人工调整五级分类"
)
def decide_reclassification(
    loan_no: LoanNo, body: ReclassificationDecisionIn, cmd: Command = command(P.LOAN_APPROVE)
) -> Response:
    def run_(uow: UnitOfWork) -> ClassificationOut:
        servicing.decide_reclassification(uow, cmd.actor, loan_no, approve=body.approve, note=body.note or "")
        return _classification(uow, loan_no)

    return cmd.execute(run_)


@router.post(
    "/{loan_no}/term-change", status_code=201, response_model=TermChangeOut, summary="申请展期或缩期"
)
def request_term_change(
    loan_no: LoanNo, body: TermChangeIn, cmd: Command = command(P.LOAN_MANAGE)
) -> Response:
    return cmd.execute(
        lambda uow: TermChangeOut.of(
            servicing.request_term_change(
                uow, cmd.actor, loan_no, remaining_months=body.remaining_months, reason=body.reason
            )
        ),
        status_code=201,
    )


@router.post(
    "/{loan_no}/term-change/actions", response_model=TermChangeOut, summary="展期/缩期审核、审批、退回、拒绝"
)
def decide_term_change(loan_no: LoanNo, body: ActionIn, cmd: Command = command(P.LOAN_APPROVE)) -> Response:
    return cmd.execute(
        lambda uow: TermChangeOut.of(
            servicing.decide_term_change(uow, cmd.actor, loan_no, body.action, body.reason)
        )
    )


@router.post(
    "/{loan_no}/term-change/execution", response_model=LoanOut, summary="办理展期/缩期（重算还款计划）"
)
def execute_term_change(loan_no: LoanNo, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    return cmd.execute(lambda uow: LoanOut.of(servicing.execute_term_change(uow, cmd.actor, loan_no)))


def _litigation_input(body: LitigationIn) -> servicing.LitigationInput:
    return servicing.LitigationInput(
        filed_on=body.filed_on,
        court=body.court,
        case_number=body.case_number,
        status=body.status,
        claim=body.claim,
        awarded=body.awarded,
        recovered=body.recovered or Money.ZERO,
        note=body.note,
    )


@router.get("/{loan_no}/litigations", response_model=list[LitigationOut], summary="诉讼记录")
def litigations(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW)
) -> list[LitigationOut]:
    rows = read(container_of(request).uow, lambda uow: servicing.litigations(uow, session.actor, loan_no))
    return [LitigationOut.of(r) for r in rows]


@router.post("/{loan_no}/litigations", status_code=201, response_model=LitigationOut, summary="登记诉讼")
def record_litigation(loan_no: LoanNo, body: LitigationIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    req = _litigation_input(body)
    return cmd.execute(
        lambda uow: LitigationOut.of(servicing.record_litigation(uow, cmd.actor, loan_no, req)),
        status_code=201,
    )


@router.post("/{loan_no}/litigations/{litigation_id}", response_model=LitigationOut, summary="更新诉讼进展")
def update_litigation(
    loan_no: LoanNo,
    litigation_id: Annotated[int, Path(ge=1, le=2**62)],
    body: LitigationIn,
    cmd: Command = command(P.LOAN_MANAGE),
) -> Response:
    req = _litigation_input(body)
    return cmd.execute(
        lambda uow: LitigationOut.of(servicing.update_litigation(uow, cmd.actor, loan_no, litigation_id, req))
    )


@router.get("/{loan_no}/signature", response_model=SignatureOut, summary="验证贷款申请的SM2电子签名")
def verify_signature(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW)
) -> SignatureOut:
    verdict = run(
        container_of(request).uow, lambda uow: loan_signatures.verify_application(uow, session.actor, loan_no)
    )
    return SignatureOut(
        loan_no=verdict.loan_no,
        signed=verdict.signed,
        valid=verdict.valid,
        key_id=verdict.key_id,
        public_key=verdict.public_key,
        signature=verdict.signature,
    )
