"""Excel in and out for collection: roster templates, uploads and exports; the July wage-base
adjustment from a declaration sheet; a unit's batch ratio change and its change history.

Uploads are multipart (field "file"), at most ANJU_UPLOAD_MAX_MB, and take an Idempotency-Key
like every mutating call. A sheet with any bad row answers 422 `sheet_invalid` with every
problem in `details.problems` (row, column, header, Chinese message) and applies nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES
from anju.api.schemas.sheets import AdjustmentOut, ChangeOut, RatioChangeIn, RosterImportOut
from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Permission as P
from anju.domain.wage_base_sheet import WAGE_BASE_LAYOUT
from anju.http.context import Session, container_of
from anju.http.downloads import excel_response
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.http.uploads import UploadCommand, excel_limits, upload_command
from anju.money import Rate
from anju.reports import excel
from anju.services import adjustments, roster_sheets
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

router = APIRouter(tags=["Excel 导入导出与基数调整"], responses=ERROR_RESPONSES)

XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {excel.XLSX_MEDIA_TYPE: {}}, "description": "Excel 工作簿（.xlsx）"}
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": ".xlsx 文件"}
                    },
                }
            }
        },
    }
}
UnitNo = Annotated[str, Path(min_length=1, max_length=20, description="单位账号")]
Month = Annotated[str, Path(min_length=6, max_length=7, description="年月 YYYYMM")]
Kind = Annotated[str, Query(pattern="^(remittance|back_payment)$")]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="缴存年度（默认本年度）")]


# --- rosters ---------------------------------------------------------------------------------


@router.get(
    "/sheets/rosters/{unit_account_no}/{month}/template",
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="下载汇缴清册模板",
)
def roster_template(
    request: Request, unit_account_no: UnitNo, month: Month, session: Session = requires(P.COLLECTION_MANAGE)
) -> Response:
    content = run(
        container_of(request).uow,
        lambda uow: roster_sheets.roster_template(uow, session.actor, unit_account_no, month),
    )
    return excel_response(content)


@router.get(
    "/sheets/rosters/{unit_account_no}/{month}",
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="导出汇缴清册（身份证号码脱敏）",
)
def roster_export(
    request: Request,
    unit_account_no: UnitNo,
    month: Month,
    kind: Kind = "remittance",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    content = run(
        container_of(request).uow,
        lambda uow: roster_sheets.export_roster(uow, session.actor, unit_account_no, month, kind),
    )
    return excel_response(content)


@router.post(
    "/sheets/rosters/{unit_account_no}/{month}",
    response_model=RosterImportOut,
    summary="上传汇缴清册（全部行正确才导入）",
    openapi_extra=UPLOAD_BODY,
)
async def roster_import(
    request: Request,
    unit_account_no: UnitNo,
    month: Month,
    up: UploadCommand = upload_command(P.COLLECTION_MANAGE),
) -> Response:
    limits = excel_limits(request)
    crypto = container_of(request).crypto

    def work() -> Response:
        table = excel.read_table(up.upload.data, ROSTER_LAYOUT, limits)
        digest = crypto.sm3(up.upload.data).hex()

        def run_(uow: UnitOfWork) -> RosterImportOut:
            result = roster_sheets.import_roster(
                uow,
                up.command.actor,
                unit_account_no=unit_account_no,
                month=month,
                table=table,
                file_sm3=digest,
            )
            return RosterImportOut.of(result)

        return up.command.execute(run_)

    return await run_in_threadpool(work)


# --- the July wage-base adjustment ------------------------------------------------------------


@router.get(
    "/sheets/wage-bases/{unit_account_no}/template",
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="下载缴存基数调整申报表",
)
def wage_base_template(
    request: Request,
    unit_account_no: UnitNo,
    year: Year = None,
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    content = run(
        container_of(request).uow,
        lambda uow: adjustments.wage_base_template(uow, session.actor, unit_account_no, year),
    )
    return excel_response(content)


@router.post(
    "/sheets/wage-bases/{unit_account_no}",
    response_model=AdjustmentOut,
    summary="上传缴存基数调整申报表（全部行正确才调整）",
    openapi_extra=UPLOAD_BODY,
)
async def wage_base_adjust(
    request: Request,
    unit_account_no: UnitNo,
    year: Year = None,
    up: UploadCommand = upload_command(P.COLLECTION_MANAGE),
) -> Response:
    limits = excel_limits(request)
    crypto = container_of(request).crypto

    def work() -> Response:
        table = excel.read_table(up.upload.data, WAGE_BASE_LAYOUT, limits)
        digest = crypto.sm3(up.upload.data).hex()

        def run_(uow: UnitOfWork) -> AdjustmentOut:
            result = adjustments.adjust_wage_bases(
                uow,
                up.command.actor,
                unit_account_no=unit_account_no,
                table=table,
                year=year,
                file_sm3=digest,
            )
            return AdjustmentOut.of(result)

        return up.command.execute(run_)

    return await run_in_threadpool(work)


# --- batch ratio change and history ----------------------------------------------------------


@router.post(
    "/adjustments/{unit_account_no}/ratios", response_model=AdjustmentOut, summary="单位缴存比例调整"
)
def ratio_change(
    unit_account_no: UnitNo, body: RatioChangeIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> AdjustmentOut:
        result = adjustments.change_ratios(
            uow,
            cmd.actor,
            unit_account_no=unit_account_no,
            unit_ratio=Rate.percent(body.unit_ratio_percent),
            member_ratio=Rate.percent(body.member_ratio_percent),
            effective_month=body.effective_month,
        )
        return AdjustmentOut.of(result)

    return cmd.execute(run_)


@router.get(
    "/adjustments/{unit_account_no}", response_model=list[ChangeOut], summary="单位基数与比例调整记录"
)
def changes(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.COLLECTION_VIEW)
) -> list[ChangeOut]:
    views = read(
        container_of(request).uow, lambda uow: adjustments.list_changes(uow, session.actor, unit_account_no)
    )
    return [ChangeOut.of(v) for v in views]
