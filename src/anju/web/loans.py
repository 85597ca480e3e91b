"""Counter pages for housing loans (个人住房贷款): the list, the application with its decision
(each figure and its source), one loan with its workflow steps, schedule and documents, and the
admission of developers and projects (开发商、楼盘准入)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.loans.schedule import PrepaymentOption, RepaymentMethod
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import file_response
from anju.http.guard import requires
from anju.money import Money
from anju.reports import loan_pdf
from anju.services import bank, loan_documents, loans
from anju.services import loan_repayments as repay
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of, run_and_redirect
from anju.web.loan_servicing_context import servicing_context
from anju.web.rendering import render

router = APIRouter(prefix="/loans")

PAGE_SIZE: Final = 30
LoanNoPath = Annotated[str, Path(min_length=1, max_length=20)]
Text = Annotated[str, Form(max_length=400)]
FLASH: Final = {
    "accepted": "贷款申请已受理。",
    "decided": "已处理。",
    "contract": "借款合同已签订，办件已办结。",
    "mortgage": "抵押登记与权证入库已登记。",
    "disbursed": "放款指令已提交银行。",
    "prepaid": "提前还款已入账。",
    "admitted": "准入已登记。",
    # 贷后管理 (web/loan_servicing.py)
    "fund_repaid": "公积金冲还贷已入账。",
    "write_off_requested": "核销申请已提出，待审核、审批。",
    "write_off_decided": "核销办件已处理。",
    "written_off": "贷款已核销（账销案存）。",
    "reclassify_requested": "风险分类调整申请已提出，待审批。",
    "reclassify_decided": "风险分类调整申请已处理。",
    "term_requested": "展期/缩期申请已提出，待审核、审批。",
    "term_decided": "展期/缩期办件已处理。",
    "term_changed": "展期/缩期已办理，还款计划已重算。",
    "litigation": "诉讼记录已登记。",
    "signature_ok": "申请电子签名验证通过（SM2）。",
    "signature_bad": "申请电子签名验证未通过：申请内容与签名不符或没有签名。",
}
FORM_FIELDS: Final = (
    "borrower_account_no",
    "co_borrower_account_no",
    "house_kind",
    "project_id",
    "building_id",
    "house_address",
    "house_price",
    "appraisal",
    "down_payment",
    "amount",
    "term_months",
    "method",
    "first_home",
    "seller_name",
    "seller_account_no",
    "seller_bank_code",
    "repayment_account_no",
    "offset_agreement",
    "other_monthly_debt",
)


def money_field(text: str) -> Money | None:
    text = text.strip()
    return Money.from_yuan(text) if text else None


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _application(form: dict[str, str]) -> loans.LoanApplication:
    return loans.LoanApplication(
        borrower_account_no=form["borrower_account_no"].strip(),
        co_borrower_account_no=form["co_borrower_account_no"].strip() or None,
        house_kind=form["house_kind"] or "new",
        project_id=_int(form["project_id"]),
        building_id=_int(form["building_id"]),
        house_address=form["house_address"],
        house_price=money_field(form["house_price"]) or Money.ZERO,
        appraisal=money_field(form["appraisal"]),
        down_payment=money_field(form["down_payment"]) or Money.ZERO,
        amount=money_field(form["amount"]) or Money.ZERO,
        term_months=_int(form["term_months"]) or 0,
        method=next(
            (m for m in RepaymentMethod if m.value == form["method"]), RepaymentMethod.EQUAL_INSTALMENT
        ),
        first_home=form["first_home"] != "no",
        seller_name=form["seller_name"],
        seller_account_no=form["seller_account_no"].strip(),
        seller_bank_code=form["seller_bank_code"].strip(),
        repayment_account_no=form["repayment_account_no"].strip(),
        offset_agreement=form["offset_agreement"] == "yes",
        other_monthly_debt=money_field(form["other_monthly_debt"]) or Money.ZERO,
    )


@router.get("")
def list_loans(
    request: Request,
    *,
    state: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    session: Session = requires(P.LOAN_VIEW, personal_data=True),
) -> Response:
    items = read(
        container_of(request).uow,
        lambda uow: loans.list_loans(
            uow, session.actor, state=state, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        ),
    )
    ctx = {
        "items": items[:PAGE_SIZE],
        "state": state,
        "states": loans.STATE_LABELS,
        "page": page,
        "has_next": len(items) > PAGE_SIZE,
        "can_manage": session.actor.has(P.LOAN_MANAGE),
    }
    return render(request, "loans/list.html", ctx)


def _form_page(
    request: Request, form: dict[str, str], *, decision: Any = None, error: Any = None, status: int = 200
) -> Response:
    ctx = {"form": form, "decision": decision, "error": error, "house_kinds": loans.HOUSE_KINDS}
    return render(request, "loans/new.html", ctx, status_code=status)


@router.get("/new")
def new_application(
    request: Request,
    account: Annotated[str, Query(max_length=20)] = "",
    session: Session = requires(P.LOAN_MANAGE, personal_data=True),
) -> Response:
    form = dict.fromkeys(FORM_FIELDS, "")
    form.update(
        borrower_account_no=account, house_kind="second_hand", term_months="240", method="equal_instalment"
    )
    return _form_page(request, form)


@router.post("/new")
def submit(
    request: Request,
    *,
    borrower_account_no: Text = "",
    co_borrower_account_no: Text = "",
    house_kind: Text = "",
    project_id: Text = "",
    building_id: Text = "",
    house_address: Text = "",
    house_price: Text = "",
    appraisal: Text = "",
    down_payment: Text = "",
    amount: Text = "",
    term_months: Text = "",
    method: Text = "",
    first_home: Text = "",
    seller_name: Text = "",
    seller_account_no: Text = "",
    seller_bank_code: Text = "",
    repayment_account_no: Text = "",
    offset_agreement: Text = "",
    other_monthly_debt: Text = "",
    intent: Annotated[str, Form(max_length=10)] = "check",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in FORM_FIELDS}
    uow_factory = container_of(request).uow
    try:
        req = _application(form)
        if intent != "submit":
            decision = read(uow_factory, lambda uow: loans.preview_application(uow, session.actor, req))
            return _form_page(request, form, decision=decision)
        view = run(uow_factory, lambda uow: loans.apply_for_loan(uow, session.actor, req))
    except AnjuError as exc:
        return _form_page(request, form, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/loans/{view.loan_no}?done=accepted", status_code=303)


# --- developers and projects (before /{loan_no}) -------------------------------------------------


def _admission_page(
    request: Request, session: Session, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    def load(uow: UnitOfWork) -> list[tuple[Any, list[Any]]]:
        developers = loans.list_developers(uow, session.actor)
        return [(d, loans.list_projects(uow, session.actor, d.code)) for d in developers]

    ctx = {
        "developers": read(container_of(request).uow, load),
        "flash": flash,
        "error": error,
        "can_manage": session.actor.has(P.LOAN_MANAGE),
    }
    return render(request, "loans/developers.html", ctx, status_code=status)


@router.get("/developers")
def developers(request: Request, done: str = "", session: Session = requires(P.LOAN_VIEW)) -> Response:
    return _admission_page(request, session, flash=FLASH.get(done, ""))


def _admit(request: Request, session: Session, fn: Callable[[UnitOfWork], Any]) -> Response:
    return run_and_redirect(
        request,
        fn,
        "/loans/developers?done=admitted",
        lambda error, status: _admission_page(request, session, error=error, status=status),
    )


@router.post("/developers")
def admit_developer(
    request: Request,
    *,
    code: Text = "",
    name: Text = "",
    credit_code: Text = "",
    guarantee_terms: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    req = loans.DeveloperAdmission(code, name, credit_code, guarantee_terms)
    return _admit(request, session, lambda uow: loans.admit_developer(uow, session.actor, req))


@router.post("/projects")
def admit_project(
    request: Request,
    *,
    developer_code: Text = "",
    name: Text = "",
    address: Text = "",
    presale_permit: Text = "",
    planning_permit: Text = "",
    construction_permit: Text = "",
    land_use_permit: Text = "",
    buildings: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    req = loans.ProjectAdmission(
        developer_code=developer_code,
        name=name,
        address=address,
        presale_permit=presale_permit,
        planning_permit=planning_permit,
        construction_permit=construction_permit,
        land_use_permit=land_use_permit,
        buildings=tuple(b.strip() for b in buildings.replace("，", ",").split(",") if b.strip())[:200],
    )
    return _admit(request, session, lambda uow: loans.admit_project(uow, session.actor, req))


# --- one loan ------------------------------------------------------------------------------------


def detail_page(
    request: Request, session: Session, loan_no: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    view = read(container_of(request).uow, lambda uow: loans.get_loan(uow, session.actor, loan_no))
    actor = session.actor
    state = view.state
    ctx = {
        "loan": view,
        "r": view.record,
        "flash": flash,
        "error": error,
        "can_decide": actor.has(P.LOAN_APPROVE) and state in ("accepted", "reviewed", "approved"),
        "can_sign": actor.has(P.LOAN_MANAGE) and state == "approved",
        "can_mortgage": actor.has(P.LOAN_MANAGE) and state == "contracted",
        "can_disburse": actor.has(P.LOAN_DISBURSE) and state == "mortgaged",
        "can_prepay": actor.has(P.LOAN_MANAGE) and state == "active",
        "rows": view.instalments[:36],
        "more_rows": max(0, len(view.instalments) - 36),
        "txn_types": loans.TXN_TYPES,
        "token": uuid.uuid4().hex,
        "txns": read(container_of(request).uow, lambda uow: uow.loans.txns(view.record.id)),
        **read(container_of(request).uow, lambda uow: servicing_context(uow, actor, view)),
    }
    return render(request, "loans/detail.html", ctx, status_code=status)


@router.get("/{loan_no}")
def detail(
    request: Request,
    loan_no: LoanNoPath,
    done: str = "",
    session: Session = requires(P.LOAN_VIEW, personal_data=True),
) -> Response:
    return detail_page(request, session, loan_no, flash=FLASH.get(done, ""))


def act(
    request: Request, session: Session, loan_no: str, done: str, fn: Callable[[UnitOfWork], Any]
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/loans/{loan_no}?done={done}",
        lambda error, status: detail_page(request, session, loan_no, error=error, status=status),
    )


@router.post("/{loan_no}/decision")
def decide(
    request: Request,
    *,
    loan_no: LoanNoPath,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Text = "",
    session: Session = requires(P.LOAN_APPROVE),
) -> Response:
    return act(
        request,
        session,
        loan_no,
        "decided",
        lambda uow: loans.advance_application(uow, session.actor, loan_no, action, reason or None),
    )


@router.post("/{loan_no}/contract")
def sign(request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_MANAGE)) -> Response:
    return act(
        request, session, loan_no, "contract", lambda uow: loans.sign_contract(uow, session.actor, loan_no)
    )


@router.post("/{loan_no}/mortgage")
def mortgage(
    request: Request,
    *,
    loan_no: LoanNoPath,
    mortgage_no: Text = "",
    registered_on: Text = "",
    certificates: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        return loans.register_mortgage(
            uow,
            session.actor,
            loan_no,
            mortgage_no=mortgage_no,
            registered_on=parse_date(registered_on),
            certificates=certificates,
        )

    return act(request, session, loan_no, "mortgage", fn)


@router.post("/{loan_no}/disbursement")
def disburse(
    request: Request,
    *,
    loan_no: LoanNoPath,
    centre_account_no: Text = "",
    session: Session = requires(P.LOAN_DISBURSE),
) -> Response:
    container = container_of(request)
    submitted: list[str] = []

    def fn(uow: UnitOfWork) -> Any:
        instruction = loans.disburse(uow, session.actor, loan_no, centre_account_no=centre_account_no)
        submitted.append(instruction.e2e_id)
        return instruction

    response = act(request, session, loan_no, "disbursed", fn)
    if submitted and container.bank is not None:
        bank.dispatch(container.uow, container.bank, submitted[0])  # after commit: the outbox holds it
    return response


@router.post("/{loan_no}/prepayment")
def prepayment(
    request: Request,
    *,
    loan_no: LoanNoPath,
    amount: Text = "",
    option: Text = "lower_instalment",
    full: Text = "",
    centre_account_no: Text = "",
    token: Text = "",
    session: Session = requires(P.LOAN_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        return repay.prepay(
            uow,
            session.actor,
            loan_no,
            amount=None if full == "yes" else (money_field(amount) or Money.ZERO),
            option=PrepaymentOption(option)
            if option in ("lower_instalment", "shorten_term")
            else PrepaymentOption.LOWER_INSTALMENT,
            centre_account_no=centre_account_no.strip() or None,
            request_ref=f"web:{token or uuid.uuid4().hex}",
        )

    return act(request, session, loan_no, "prepaid", fn)


def _pdf(request: Request, printed: loan_documents.PrintedLoanDocument) -> Response:
    container = container_of(request)
    return file_response(
        loan_pdf.render(printed.content, container.crypto),
        media_type="application/pdf",
        filename=printed.filename,
    )


@router.get("/{loan_no}/contract.pdf")
def contract_pdf(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> Response:
    try:
        printed = run(
            container_of(request).uow, lambda uow: loan_documents.loan_contract(uow, session.actor, loan_no)
        )
    except AnjuError as exc:
        return detail_page(request, session, loan_no, error=error_of(exc), status=exc.http_status)
    return _pdf(request, printed)


@router.get("/{loan_no}/settlement-certificate.pdf")
def settlement_pdf(
    request: Request, loan_no: LoanNoPath, session: Session = requires(P.LOAN_VIEW, personal_data=True)
) -> Response:
    try:
        printed = run(
            container_of(request).uow,
            lambda uow: loan_documents.settlement_certificate(uow, session.actor, loan_no),
        )
    except AnjuError as exc:
        return detail_page(request, session, loan_no, error=error_of(exc), status=exc.http_status)
    return _pdf(request, printed)
