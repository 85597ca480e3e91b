"""打印单证: the counter prints receipts, certificates and statements as PDF, and checks a
verification code (校验码) someone brings back on paper."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from anju.dates import parse_date
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.guard import requires
from anju.services import documents
from anju.services.documents import PrintedDocument
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import render

router = APIRouter(prefix="/documents")

Text = Annotated[str, Query(max_length=40)]


def _page(
    request: Request, *, form: dict[str, str], error: Any = None, found: Any = None, status: int = 200
) -> Response:
    ctx = {"form": form, "error": error, "found": found, "searched": bool(form.get("code"))}
    return render(request, "documents/index.html", ctx, status_code=status)


@router.get("")
def index(request: Request, session: Session = requires(P.COLLECTION_VIEW)) -> Response:
    return _page(request, form={})


def _print(request: Request, form: dict[str, str], make: Any) -> Response:
    """Print one document; on a refusal, the page again with the Chinese message and the input."""
    container = container_of(request)
    try:
        printed: PrintedDocument = run(container.uow, make)
    except AnjuError as exc:
        return _page(request, form=form, error=error_of(exc), status=exc.http_status)
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get("/receipt")
def receipt(
    request: Request,
    unit_account_no: Text = "",
    month: Text = "",
    kind: Text = "remittance",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    form = {"unit_account_no": unit_account_no, "month": month, "kind": kind, "which": "receipt"}
    return _print(
        request,
        form,
        lambda uow: documents.remittance_receipt(uow, session.actor, unit_account_no, month, kind),
    )


@router.get("/certificate")
def certificate(
    request: Request,
    account_no: Text = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    form = {"account_no": account_no, "which": "certificate"}
    return _print(
        request, form, lambda uow: documents.contribution_certificate(uow, session.actor, account_no)
    )


@router.get("/statement")
def statement(
    request: Request,
    account_no: Text = "",
    start: Text = "",
    end: Text = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    form = {"statement_account_no": account_no, "start": start, "end": end, "which": "statement"}

    def make(uow: UnitOfWork) -> PrintedDocument:
        first = parse_date(start) if start.strip() else None
        last = parse_date(end) if end.strip() else None
        return documents.account_statement(uow, session.actor, account_no, start=first, end=last)

    return _print(request, form, make)


@router.get("/verify")
def verify(
    request: Request, code: Text = "", session: Session = requires(P.COLLECTION_VIEW, personal_data=True)
) -> Response:
    form = {"code": code}
    if not code.strip():
        return _page(request, form=form)
    found = read(container_of(request).uow, lambda uow: documents.verify_document(uow, session.actor, code))
    return _page(request, form=form, found=found)
