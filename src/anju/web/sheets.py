"""Excel at the counter: roster templates, uploads and exports; the July wage-base adjustment
from a declaration sheet; a unit's batch ratio change.

An upload with any bad row shows every problem (row, column, message) and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Permission as P
from anju.domain.sheets import MAX_REPORTED_PROBLEMS, SheetInvalid, SheetLayout
from anju.domain.wage_base_sheet import WAGE_BASE_LAYOUT
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import excel_response
from anju.http.guard import requires
from anju.http.uploads import excel_limits, read_upload, upload_max_bytes
from anju.money import Rate
from anju.reports import excel
from anju.services import adjustments, roster_sheets
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import render, render_async

router = APIRouter(prefix="/sheets")

Text = Annotated[str, Query(max_length=40)]
FormText = Annotated[str, Form(max_length=40)]


def _problems(exc: AnjuError) -> list[dict[str, Any]]:
    if isinstance(exc, SheetInvalid):
        return [p.as_dict() for p in exc.problems[:MAX_REPORTED_PROBLEMS]]
    return []


def _year(text: str) -> int | None:
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None


# --- rosters ---------------------------------------------------------------------------------


def _rosters_page(request: Request, form: dict[str, str], **ctx: Any) -> Response:
    status = ctx.pop("status", 200)
    context = {"form": form, "error": None, "problems": [], "result": None, "layout": ROSTER_LAYOUT, **ctx}
    return render(request, "sheets/rosters.html", context, status_code=status)


@router.get("/rosters")
def rosters(
    request: Request,
    unit_account_no: Text = "",
    month: Text = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    return _rosters_page(request, {"unit_account_no": unit_account_no, "month": month})


@router.get("/rosters/template")
def roster_template(
    request: Request,
    unit_account_no: Text = "",
    month: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {"unit_account_no": unit_account_no, "month": month}
    try:
        content = run(
            container_of(request).uow,
            lambda uow: roster_sheets.roster_template(uow, session.actor, unit_account_no, month),
        )
    except AnjuError as exc:
        return _rosters_page(request, form, error=error_of(exc), status=exc.http_status)
    return excel_response(content)


@router.get("/rosters/export")
def roster_export(
    request: Request,
    unit_account_no: Text = "",
    month: Text = "",
    kind: Text = "remittance",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    form = {"unit_account_no": unit_account_no, "month": month}
    try:
        content = run(
            container_of(request).uow,
            lambda uow: roster_sheets.export_roster(uow, session.actor, unit_account_no, month, kind),
        )
    except AnjuError as exc:
        return _rosters_page(request, form, error=error_of(exc), status=exc.http_status)
    return excel_response(content)


async def _upload(
    request: Request, layout: SheetLayout, apply: Any
) -> tuple[dict[str, str], Any, AnjuError | None]:
    """Read the one file, parse and apply it off the event loop; (form fields, result, error)."""
    fields: dict[str, str] = {}
    try:
        upload = await read_upload(request, max_bytes=upload_max_bytes(request))
        fields = {k: v[:40] for k, v in upload.fields.items() if k != "csrf_token"}
        container = container_of(request)
        limits = excel_limits(request)

        def work() -> Any:
            table = excel.read_table(upload.data, layout, limits)
            digest = container.crypto.sm3(upload.data).hex()
            return run(container.uow, lambda uow: apply(uow, fields, table, digest))

        return fields, await run_in_threadpool(work), None
    except AnjuError as exc:
        return fields, None, exc


@router.post("/rosters/import")
async def roster_import(request: Request, session: Session = requires(P.COLLECTION_MANAGE)) -> Response:
    def apply(uow: UnitOfWork, fields: dict[str, str], table: Any, digest: str) -> Any:
        return roster_sheets.import_roster(
            uow,
            session.actor,
            unit_account_no=fields.get("unit_account_no", ""),
            month=fields.get("month", ""),
            table=table,
            file_sm3=digest,
        )

    fields, result, exc = await _upload(request, ROSTER_LAYOUT, apply)
    context: dict[str, Any] = {"form": fields, "result": result, "layout": ROSTER_LAYOUT, "problems": []}
    status = 200
    if exc is not None:
        context.update(error=error_of(exc), problems=_problems(exc))
        status = exc.http_status
    return await render_async(request, "sheets/rosters.html", context, status_code=status)


# --- wage-base adjustment and ratio change ----------------------------------------------------


def _wage_page(request: Request, session: Session, form: dict[str, str], **ctx: Any) -> Response:
    status = ctx.pop("status", 200)
    unit = form.get("unit_account_no", "").strip()
    history: list[Any] = []
    if unit:
        try:
            history = read(
                container_of(request).uow, lambda uow: adjustments.list_changes(uow, session.actor, unit)
            )
        except AnjuError:
            history = []
    context = {
        "form": form,
        "error": None,
        "problems": [],
        "result": None,
        "history": history,
        "layout": WAGE_BASE_LAYOUT,
        **ctx,
    }
    return render(request, "sheets/wage_base.html", context, status_code=status)


@router.get("/wage-base")
def wage_base(
    request: Request,
    unit_account_no: Text = "",
    year: Text = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    return _wage_page(request, session, {"unit_account_no": unit_account_no, "year": year})


@router.get("/wage-base/template")
def wage_base_template(
    request: Request,
    unit_account_no: Text = "",
    year: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {"unit_account_no": unit_account_no, "year": year}
    try:
        content = run(
            container_of(request).uow,
            lambda uow: adjustments.wage_base_template(uow, session.actor, unit_account_no, _year(year)),
        )
    except AnjuError as exc:
        return _wage_page(request, session, form, error=error_of(exc), status=exc.http_status)
    return excel_response(content)


@router.post("/wage-base/import")
async def wage_base_import(request: Request, session: Session = requires(P.COLLECTION_MANAGE)) -> Response:
    def apply(uow: UnitOfWork, fields: dict[str, str], table: Any, digest: str) -> Any:
        return adjustments.adjust_wage_bases(
            uow,
            session.actor,
            unit_account_no=fields.get("unit_account_no", ""),
            table=table,
            year=_year(fields.get("year", "")),
            file_sm3=digest,
        )

    fields, result, exc = await _upload(request, WAGE_BASE_LAYOUT, apply)
    ctx: dict[str, Any] = {"result": result}
    if exc is not None:
        ctx.update(error=error_of(exc), problems=_problems(exc), status=exc.http_status)
    return await run_in_threadpool(lambda: _wage_page(request, session, fields, **ctx))


@router.post("/wage-base/ratios")
def ratio_change(
    request: Request,
    *,
    unit_account_no: FormText = "",
    unit_ratio: FormText = "",
    member_ratio: FormText = "",
    effective_month: FormText = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {
        "unit_account_no": unit_account_no,
        "unit_ratio": unit_ratio,
        "member_ratio": member_ratio,
        "effective_month": effective_month,
    }
    try:
        result = run(
            container_of(request).uow,
            lambda uow: adjustments.change_ratios(
                uow,
                session.actor,
                unit_account_no=unit_account_no,
                unit_ratio=Rate.percent(unit_ratio),
                member_ratio=Rate.percent(member_ratio),
                effective_month=effective_month,
            ),
        )
    except AnjuError as exc:
        return _wage_page(request, session, form, ratio_error=error_of(exc), status=exc.http_status)
    return _wage_page(request, session, form, result=result)
