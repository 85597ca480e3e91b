"""Hall requests (单位网厅申请) as pages: in the unit hall, submit the unit's business and follow
it (/hall/requests); at the counter, check a request and approve or refuse it (/hall-requests).
The counter finds them in the case list, by channel 单位网厅."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Permission as P
from anju.domain.sheets import MAX_REPORTED_PROBLEMS, SheetInvalid
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.downloads import pdf_response
from anju.http.errors import error_payload
from anju.http.guard import hall_requires, requires
from anju.http.hall_requests import submit
from anju.http.uploads import excel_limits, read_upload, upload_max_bytes
from anju.money import Money
from anju.reports import excel
from anju.services import hall_requests
from anju.services.hall_requests import HallSubmission
from anju.services.runner import read, run
from anju.web.forms import run_and_redirect
from anju.web.hall import render_hall
from anju.web.rendering import render

router = APIRouter()
CaseNoPath = Annotated[str, Path(min_length=1, max_length=24)]
Text = Annotated[str, Form(max_length=200)]
FLASH: Final = {"approved": "网厅申请已审核通过并办结。", "refused": "网厅申请已不予办理，原因将在网厅显示。"}


# --- the unit hall ------------------------------------------------------------------------------


def _hall_page(
    request: Request,
    session: Session,
    *,
    kind: str,
    submitted: str = "",
    error: dict[str, Any] | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> Response:
    items, total = read(
        container_of(request).uow, lambda uow: hall_requests.own_requests(uow, session.actor, limit=50)
    )
    ctx = {
        "requests": items,
        "total": total,
        "types": hall_requests.REQUEST_TYPES,
        "kind": kind if kind in hall_requests.REQUEST_TYPES else "open",
        "submitted": submitted[:24],
        "error": error,
        "form": form or {},
        "problems": problems or [],
        "layout": ROSTER_LAYOUT,
    }
    return render_hall(request, "requests.html", ctx, status_code=status)


@router.get("/hall/requests")
def hall_request_page(
    request: Request,
    type_: Annotated[str, Query(alias="type", max_length=20)] = "open",
    submitted: Annotated[str, Query(max_length=24)] = "",
    session: Session = hall_requires(P.HALL_UNIT, personal_data=True),
) -> Response:
    return _hall_page(request, session, kind=type_, submitted=submitted)


@router.post("/hall/requests")
def hall_request_submit(
    request: Request,
    *,
    request_type: Annotated[str, Form(max_length=20)] = "",
    account_no: Annotated[str, Form(max_length=30)] = "",
    resident_id: Annotated[str, Form(max_length=18)] = "",
    name: Annotated[str, Form(max_length=60)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    wage_base: Annotated[str, Form(max_length=20)] = "",
    month: Annotated[str, Form(max_length=6)] = "",
    months: Annotated[str, Form(max_length=300)] = "",
    reason: Text = "",
    to_unit_account_no: Annotated[str, Form(max_length=30)] = "",
    session: Session = hall_requires(P.HALL_UNIT),
) -> Response:
    form = {
        "account_no": account_no,
        "name": name,
        "wage_base": wage_base,
        "month": month,
        "months": months,
        "reason": reason,
        "to_unit_account_no": to_unit_account_no,
    }  # the ID number and phone are not echoed back into the page
    try:
        submission = HallSubmission(
            request_type=request_type,
            account_no=account_no,
            resident_id=resident_id,
            name=name,
            phone=phone,
            wage_base=Money.from_yuan(wage_base.strip()) if wage_base.strip() else None,
            month=month,
            months=tuple(m for m in months.replace("，", ",").replace(" ", ",").split(",") if m),
            reason=reason,
            to_unit_account_no=to_unit_account_no,
        )
        view = submit(request, session, submission)
    except AnjuError as exc:
        return _hall_page(
            request,
            session,
            kind=request_type,
            error=error_payload(exc.code, exc.details),
            status=exc.http_status,
            form=form,
        )
    return RedirectResponse(f"/hall/requests?submitted={view.case_no}", status_code=303)


@router.post("/hall/requests/roster")
async def hall_roster_submit(request: Request, session: Session = hall_requires(P.HALL_UNIT)) -> Response:
    """An Excel roster: every row checked now; problems listed by row, nothing kept."""
    month = ""
    try:
        upload = await read_upload(request, max_bytes=upload_max_bytes(request))
        month = upload.fields.get("month", "").strip()[:6]
        container = container_of(request)
        limits = excel_limits(request)

        def work() -> hall_requests.HallRequestView:
            table = excel.read_table(upload.data, ROSTER_LAYOUT, limits)
            digest = container.crypto.sm3(upload.data).hex()
            return run(
                container.uow,
                lambda uow: hall_requests.submit_roster(uow, session.actor, month, table, digest),
            )

        view = await run_in_threadpool(work)
    except AnjuError as exc:
        problems = (
            [p.as_dict() for p in exc.problems[:MAX_REPORTED_PROBLEMS]]
            if isinstance(exc, SheetInvalid)
            else []
        )
        error, status = error_payload(exc.code, exc.details), exc.http_status
        return await run_in_threadpool(
            lambda: _hall_page(
                request,
                session,
                kind=hall_requests.ROSTER,
                error=error,
                status=status,
                form={"month": month},
                problems=problems,
            )
        )
    return RedirectResponse(f"/hall/requests?submitted={view.case_no}", status_code=303)


@router.get("/hall/unit/statement.pdf")
def hall_unit_statement(request: Request, session: Session = hall_requires(P.HALL_UNIT)) -> Response:
    container = container_of(request)
    printed = run(container.uow, lambda uow: hall_requests.own_unit_statement(uow, session.actor))
    return pdf_response(printed.content, printed.filename, container.crypto)


# --- the counter --------------------------------------------------------------------------------


@router.get("/hall-requests")
def counter_list(request: Request, session: Session = requires(P.COLLECTION_VIEW)) -> Response:
    """The case list, filtered to what units submitted in their hall."""
    return RedirectResponse("/cases?kind=hall_request&channel=unit_hall", status_code=303)


def _detail(
    request: Request, session: Session, case_no: str, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    detail = read(
        container_of(request).uow, lambda uow: hall_requests.get_request(uow, session.actor, case_no)
    )
    ctx = {
        "detail": detail,
        "case": detail.case,
        "flash": flash,
        "error": error,
        "can_process": session.actor.has(P.COLLECTION_MANAGE) and detail.case.state == "accepted",
    }
    return render(request, "collection/hall_request.html", ctx, status_code=status)


@router.get("/hall-requests/{case_no}")
def counter_detail(
    request: Request,
    case_no: CaseNoPath,
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    return _detail(request, session, case_no, flash=FLASH.get(done, ""))


@router.post("/hall-requests/{case_no}/approve")
def counter_approve(
    request: Request, case_no: CaseNoPath, session: Session = requires(P.COLLECTION_MANAGE)
) -> Response:
    return run_and_redirect(
        request,
        lambda uow: hall_requests.approve_request(uow, session.actor, case_no),
        f"/hall-requests/{case_no}?done=approved",
        lambda error, status: _detail(request, session, case_no, error=error, status=status),
    )


@router.post("/hall-requests/{case_no}/refuse")
def counter_refuse(
    request: Request,
    case_no: CaseNoPath,
    reason: Annotated[str, Form(max_length=400)] = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return run_and_redirect(
        request,
        lambda uow: hall_requests.refuse_request(uow, session.actor, case_no, reason),
        f"/hall-requests/{case_no}?done=refused",
        lambda error, status: _detail(request, session, case_no, error=error, status=status),
    )
