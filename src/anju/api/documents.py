"""Printed documents as PDF: remittance receipt, contribution certificate, personal statement;
and the check of a verification code (校验码) printed on one of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, IsoDate
from anju.api.schemas.sheets import IssuedDocumentOut
from anju.domain.security import Permission as P
from anju.errors import NotFound
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.guard import requires
from anju.services import documents
from anju.services.runner import read, run

router = APIRouter(prefix="/documents", tags=["打印单证"], responses=ERROR_RESPONSES)

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "PDF 文件（Content-Disposition 给出文件名）"}
}
UnitNo = Annotated[str, Path(min_length=1, max_length=20, description="单位账号")]
AccountNo = Annotated[str, Path(min_length=1, max_length=20, description="个人账号")]
Month = Annotated[str, Path(min_length=6, max_length=7, description="年月 YYYYMM")]
Kind = Annotated[str, Query(pattern="^(remittance|back_payment)$")]


class DocumentNotFound(NotFound):
    """No printed document carries this verification code."""


@router.get(
    "/receipts/{unit_account_no}/{month}",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="汇缴回单（PDF）",
)
def receipt(
    request: Request,
    unit_account_no: UnitNo,
    month: Month,
    kind: Kind = "remittance",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.remittance_receipt(uow, session.actor, unit_account_no, month, kind),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get(
    "/certificates/{account_no}", response_class=Response, responses=PDF_RESPONSE, summary="缴存证明（PDF）"
)
def certificate(
    request: Request,
    account_no: AccountNo,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow, lambda uow: documents.contribution_certificate(uow, session.actor, account_no)
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get(
    "/statements/{account_no}", response_class=Response, responses=PDF_RESPONSE, summary="个人明细（PDF）"
)
def statement(
    request: Request,
    account_no: AccountNo,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    container = container_of(request)
    printed = run(
        container.uow,
        lambda uow: documents.account_statement(uow, session.actor, account_no, start=start, end=end),
    )
    return pdf_response(printed.content, printed.filename, container.crypto)


@router.get("/verify/{code}", response_model=IssuedDocumentOut, summary="核验单证校验码")
def verify(
    request: Request,
    code: Annotated[str, Path(min_length=32, max_length=39)],
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> IssuedDocumentOut:
    found = read(container_of(request).uow, lambda uow: documents.verify_document(uow, session.actor, code))
    if found is None:
        raise DocumentNotFound("not_found", what="该校验码对应的单证")
    return IssuedDocumentOut.of(found)
