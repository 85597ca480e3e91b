"""Housing loans (个人住房贷款): cooperation admission, applications, the workflow, contract,
mortgage, disbursement, prepayment and the loan documents."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.loans import (
    ActionIn,
    ApplicationIn,
    CaseRefOut,
    DeveloperIn,
    DeveloperOut,
    DisbursementIn,
    LoanOut,
    LoanRowOut,
    MortgageIn,
    PrepaymentIn,
    ProjectIn,
    ProjectOut,
    RepaymentOut,
    WriteOffIn,
)
from anju.domain.loans.combination import CommercialPart
from anju.domain.loans.schedule import PrepaymentOption, RepaymentMethod
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.downloads import file_response
from anju.http.guard import requires
from anju.http.idempotency import REPLAY_HEADER, Command, command
from anju.http.responses import StableJSONResponse
from anju.money import Money, Rate
from anju.reports import loan_pdf
from anju.services import bank, loan_documents, loans
from anju.services import loan_repayments as repay
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(prefix="/loans", tags=["个人住房贷款"], responses=ERROR_RESPONSES)

LoanNo = Annotated[str, Path(min_length=1, max_length=20, description="贷款编号")]


@router.get("/developers", response_model=list[DeveloperOut], summary="准入开发商")
def developers(request: Request, session: Session = requires(P.LOAN_VIEW)) -> list[DeveloperOut]:
    rows = read(container_of(request).uow, lambda uow: loans.list_developers(uow, session.actor))
    return [DeveloperOut.of(r) for r in rows]


@router.post("/developers", status_code=201, response_model=DeveloperOut, summary="开发商准入")
def admit_developer(body: DeveloperIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    req = loans.DeveloperAdmission(body.code, body.name, body.credit_code, body.guarantee_terms)
    return cmd.execute(
        lambda uow: DeveloperOut.of(loans.admit_developer(uow, cmd.actor, req)), status_code=201
    )


@router.post("/projects", status_code=201, response_model=ProjectOut, summary="楼盘准入（含楼栋）")
def admit_project(body: ProjectIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    req = loans.ProjectAdmission(
        developer_code=body.developer_code,
        name=body.name,
        address=body.address,
        presale_permit=body.presale_permit,
        planning_permit=body.planning_permit,
        construction_permit=body.construction_permit,
        land_use_permit=body.land_use_permit,
        guarantee_terms=body.guarantee_terms,
        buildings=tuple(body.buildings),
    )
    return cmd.execute(lambda uow: ProjectOut.of(loans.admit_project(uow, cmd.actor, req)), status_code=201)


@router.get("", response_model=list[LoanRowOut], summary="贷款列表（最新在前）")
def list_loans(
    request: Request,
    state: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.LOAN_VIEW, personal_data=True),
) -> list[LoanRowOut]:
    rows = read(
        container_of(request).uow,
        lambda uow: loans.list_loans(uow, session.actor, state=state, limit=limit, offset=offset),
    )
    return [LoanRowOut.of(r) for r in rows]


def _commercial(body: ApplicationIn) -> CommercialPart | None:
    c = body.commercial
    if c is None:
        return None
    return CommercialPart(
        c.amount, Rate.percent(c.annual_rate_percent), c.term_months, RepaymentMethod(c.method)
    )


@router.post("", status_code=201, response_model=LoanOut, summary="受理贷款申请（额度与条件逐项核定）")
def apply(body: ApplicationIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    req = loans.LoanApplication(
        borrower_account_no=body.borrower_account_no,
        co_borrower_account_no=body.co_borrower_account_no or None,
        house_kind=body.house_kind,
        project_id=body.project_id,
        building_id=body.building_id,
        house_address=body.house_address,
        house_price=body.house_price,
        appraisal=body.appraisal,
        down_payment=body.down_payment,
        amount=body.amount,
        term_months=body.term_months,
        method=RepaymentMethod(body.method),
        first_home=body.first_home,
        seller_name=body.seller_name,
        seller_account_no=body.seller_account_no,
        seller_bank_code=body.seller_bank_code,
        repayment_account_no=body.repayment_account_no,
        offset_agreement=body.offset_agreement,
        other_monthly_debt=body.other_monthly_debt or Money.ZERO,
        uplifts=tuple(body.uplifts),
        commercial=_commercial(body),
        commercial_bank=body.commercial.bank if body.commercial else None,
    )
    return cmd.execute(
        lambda uow: LoanOut.of(loans.apply_for_loan(uow, cmd.actor, req), with_schedule=False),
        status_code=201,
    )


@router.get("/{loan_no}", response_model=LoanOut, summary="贷款详情与还款计划")
def get_loan(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> LoanOut:
    return read(
        container_of(request).uow, lambda uow: LoanOut.of(loans.get_loan(uow, session.actor, loan_no))
    )


@router.post("/{loan_no}/actions", response_model=LoanOut, summary="审核 / 审批 / 复核审批 / 退回 / 拒绝")
def act(loan_no: LoanNo, body: ActionIn, cmd: Command = command(P.LOAN_APPROVE)) -> Response:
    return cmd.execute(
        lambda uow: LoanOut.of(
            loans.advance_application(uow, cmd.actor, loan_no, body.action, body.reason), with_schedule=False
        )
    )


@router.post("/{loan_no}/contract", response_model=LoanOut, summary="签订借款合同（办结）")
def sign(loan_no: LoanNo, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: LoanOut.of(loans.sign_contract(uow, cmd.actor, loan_no), with_schedule=False)
    )


@router.post("/{loan_no}/mortgage", response_model=LoanOut, summary="抵押登记与权证入库")
def mortgage(loan_no: LoanNo, body: MortgageIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> LoanOut:
        view = loans.register_mortgage(
            uow,
            cmd.actor,
            loan_no,
            mortgage_no=body.mortgage_no,
            registered_on=body.registered_on,
            certificates=body.certificates,
        )
        return LoanOut.of(view, with_schedule=False)

    return cmd.execute(run_)


@router.post(
    "/{loan_no}/disbursement", status_code=201, response_model=LoanOut, summary="放款（银行付款至售房人）"
)
def disburse(loan_no: LoanNo, body: DisbursementIn, cmd: Command = command(P.LOAN_DISBURSE)) -> Response:
    submitted: list[str] = []

    def run_(uow: UnitOfWork) -> LoanOut:
        instruction = loans.disburse(uow, cmd.actor, loan_no, centre_account_no=body.centre_account_no)
        submitted.append(instruction.e2e_id)
        return LoanOut.of(loans.get_loan(uow, cmd.actor, loan_no), with_schedule=False)

    response = cmd.execute(run_, status_code=201)
    if response.headers.get(REPLAY_HEADER) or not submitted or cmd.container.bank is None:
        return response
    # Committed: now talk to the bank. Whatever happens, the outbox holds the instruction.
    bank.dispatch(cmd.container.uow, cmd.container.bank, submitted[0])
    after = read(
        cmd.container.uow,
        lambda uow: LoanOut.of(loans.get_loan(uow, cmd.actor, loan_no), with_schedule=False),
    )
    return StableJSONResponse(json.loads(after.model_dump_json()), status_code=201)


@router.post(
    "/{loan_no}/prepayments", status_code=201, response_model=RepaymentOut, summary="部分或全部提前还款"
)
def prepay(loan_no: LoanNo, body: PrepaymentIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> RepaymentOut:
        view = repay.prepay(
            uow,
            cmd.actor,
            loan_no,
            amount=None if body.full else (body.amount or Money.ZERO),
            option=PrepaymentOption(body.option),
            centre_account_no=body.centre_account_no,
            request_ref=f"api:{cmd.claim.key}",
        )
        return RepaymentOut(
            loan_no=view.loan_no,
            amount=view.amount,
            principal=view.principal,
            interest=view.interest,
            penalty=view.penalty,
            voucher_no=view.voucher_no,
            settled=view.settled,
        )

    return cmd.execute(run_, status_code=201)


def _pdf(request: Request, make: loan_documents.PrintedLoanDocument) -> Response:
    container = container_of(request)
    return file_response(
        loan_pdf.render(make.content, container.crypto), media_type="application/pdf", filename=make.filename
    )


@router.get("/{loan_no}/contract.pdf", summary="借款合同（PDF）", response_class=Response)
def contract_pdf(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> Response:
    printed = run(
        container_of(request).uow, lambda uow: loan_documents.loan_contract(uow, session.actor, loan_no)
    )
    return _pdf(request, printed)


@router.get("/{loan_no}/settlement-certificate.pdf", summary="结清证明（PDF）", response_class=Response)
def settlement_pdf(
    request: Request, loan_no: LoanNo, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> Response:
    printed = run(
        container_of(request).uow,
        lambda uow: loan_documents.settlement_certificate(uow, session.actor, loan_no),
    )
    return _pdf(request, printed)


@router.post(
    "/{loan_no}/fund-repayment",
    status_code=201,
    response_model=RepaymentOut,
    summary="公积金冲还贷（按协议）",
)
def fund_repayment(loan_no: LoanNo, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> RepaymentOut:
        return _repayment_out(repay.repay_from_fund_now(uow, cmd.actor, loan_no))

    return cmd.execute(run_, status_code=201)


@router.post(
    "/{loan_no}/write-off", status_code=201, response_model=CaseRefOut, summary="提出核销（损失类贷款）"
)
def request_write_off(loan_no: LoanNo, body: WriteOffIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> CaseRefOut:
        case = repay.request_write_off(uow, cmd.actor, loan_no, body.reason)
        return CaseRefOut(case_no=case.case_no, state=case.state, state_label=case.state_label)

    return cmd.execute(run_, status_code=201)


@router.post(
    "/{loan_no}/write-off/actions", response_model=CaseRefOut, summary="核销审核 / 审批 / 退回 / 拒绝"
)
def decide_write_off(loan_no: LoanNo, body: ActionIn, cmd: Command = command(P.LOAN_APPROVE)) -> Response:
    def run_(uow: UnitOfWork) -> CaseRefOut:
        case = repay.decide_write_off(uow, cmd.actor, loan_no, body.action, body.reason)
        return CaseRefOut(case_no=case.case_no, state=case.state, state_label=case.state_label)

    return cmd.execute(run_)


@router.post(
    "/{loan_no}/write-off/execution",
    status_code=201,
    response_model=RepaymentOut,
    summary="执行核销（冲减贷款风险准备）",
)
def execute_write_off(loan_no: LoanNo, cmd: Command = command(P.LOAN_APPROVE)) -> Response:
    return cmd.execute(lambda uow: _repayment_out(repay.write_off(uow, cmd.actor, loan_no)), status_code=201)


def _repayment_out(view: repay.RepaymentView) -> RepaymentOut:
    return RepaymentOut(
        loan_no=view.loan_no,
        amount=view.amount,
        principal=view.principal,
        interest=view.interest,
        penalty=view.penalty,
        voucher_no=view.voucher_no,
        settled=view.settled,
    )
