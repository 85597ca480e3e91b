"""Counter forms of 贷后管理 on the loan page (/loans/{loan_no}): 冲还贷 from the borrower's and
spouse's fund accounts, bad-debt write-off (request, decide, execute), manual reclassification
(request, decide), term extension / shortening (request, decide, execute), litigation records
and the check of the application's SM2 signature. Each posts, then redirects to the loan page
with a message, or shows the page again with the error."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money
from anju.services import loan_repayments as repay
from anju.services import loan_servicing as servicing
from anju.services import loan_signatures
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from anju.web.forms import error_of
from anju.web.loans import act, detail_page, money_field

router = APIRouter(prefix="/loans")

LoanNoPath = Annotated[str, Path(min_length=1, max_length=20)]
Text = Annotated[str, Form(max_length=500)]
Action = Annotated[str, Form(max_length=20)]


@router.post("/{loan_no}/fund-repayment")
def fund_repayment(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_MANAGE)
) -> Response:
    return act(
        request,
        session,
        loan_no,
        "fund_repaid",
        lambda uow: repay.repay_from_fund_now(uow, session.actor, loan_no),
    )


@router.post("/{loan_no}/write-off")
def request_write_off(
    request: Request, *, loan_no: LoanNoPath, reason: Text = "", session: Session = requires(P.LOAN_MANAGE)
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        return repay.request_write_off(uow, session.actor, loan_no, reason)

    return act(request, session, loan_no, "write_off_requested", fn)


@router.post("/{loan_no}/write-off/execution")
def execute_write_off(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_APPROVE)
) -> Response:
    return act(
        request, session, loan_no, "written_off", lambda uow: repay.write_off(uow, session.actor, loan_no)
    )


@router.post("/{loan_no}/classification")
def request_reclassification(
    request: Request,
    *,
    loan_no: LoanNoPath,
    tier: Annotated[str, Form(max_length=4)] = "",
    reason: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        target = None if tier in ("", "lift") else tier
        return servicing.request_reclassification(uow, session.actor, loan_no, tier=target, reason=reason)

    return act(request, session, loan_no, "reclassify_requested", fn)


@router.post("/{loan_no}/classification/decision")
def decide_reclassification(
    request: Request,
    *,
    loan_no: LoanNoPath,
    action: Action = "",
    note: Text = "",
    session: Session = requires(P.LOAN_APPROVE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        return servicing.decide_reclassification(
            uow, session.actor, loan_no, approve=action == "approve", note=note
        )

    return act(request, session, loan_no, "reclassify_decided", fn)


@router.post("/{loan_no}/term-change")
def request_term_change(
    request: Request,
    *,
    loan_no: LoanNoPath,
    remaining_months: Annotated[str, Form(max_length=4)] = "",
    reason: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    months = int(remaining_months) if remaining_months.strip().isdigit() else 0

    def fn(uow: UnitOfWork) -> Any:
        return servicing.request_term_change(
            uow, session.actor, loan_no, remaining_months=months, reason=reason
        )

    return act(request, session, loan_no, "term_requested", fn)


@router.post("/{loan_no}/{matter}/decision")
def decide_case(
    request: Request,
    *,
    loan_no: LoanNoPath,
    matter: Literal["write-off", "term-change"],
    action: Action = "",
    reason: Text = "",
    session: Session = requires(P.LOAN_APPROVE),
) -> Response:
    """审核 / 审批 / 退回 / 拒绝 the loan's write-off (核销) or term-change (展期/缩期) case."""
    decide = repay.decide_write_off if matter == "write-off" else servicing.decide_term_change
    done = "write_off_decided" if matter == "write-off" else "term_decided"
    return act(
        request,
        session,
        loan_no,
        done,
        lambda uow: decide(uow, session.actor, loan_no, action, reason or None),
    )


@router.post("/{loan_no}/term-change/execution")
def execute_term_change(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_MANAGE)
) -> Response:
    return act(
        request,
        session,
        loan_no,
        "term_changed",
        lambda uow: servicing.execute_term_change(uow, session.actor, loan_no),
    )


@router.post("/{loan_no}/litigations")
def record_litigation(
    request: Request,
    *,
    loan_no: LoanNoPath,
    filed_on: Text = "",
    court: Text = "",
    case_number: Text = "",
    status: Text = "filed",
    claim: Text = "",
    awarded: Text = "",
    recovered: Text = "",
    note: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        req = servicing.LitigationInput(
            filed_on=parse_date(filed_on),
            court=court,
            case_number=case_number,
            status=status,
            claim=money_field(claim) or Money.ZERO,
            awarded=money_field(awarded),
            recovered=money_field(recovered) or Money.ZERO,
            note=note,
        )
        return servicing.record_litigation(uow, session.actor, loan_no, req)

    return act(request, session, loan_no, "litigation", fn)


@router.post("/{loan_no}/signature")
def verify_signature(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_VIEW)
) -> Response:
    try:
        verdict = run(
            container_of(request).uow,
            lambda uow: loan_signatures.verify_application(uow, session.actor, loan_no),
        )
    except AnjuError as exc:
        return detail_page(request, session, loan_no, error=error_of(exc), status=exc.http_status)
    done = "signature_ok" if verdict.valid else "signature_bad"
    return RedirectResponse(f"/loans/{verdict.loan_no}?done={done}", status_code=303)
