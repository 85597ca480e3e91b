"""Bank settlement pages (银行结算): sign-in state, the instructions and their conversation with
the bank, money the banks reported (来账), and the daily reconciliation report (对账).

A person's card number and name are shown masked. Pages that talk to the bank do it before
they render, outside any transaction; what the bank said is on the instruction's page.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.dates import parse_date
from anju.domain.bank import NOTICE_LABELS, STATE_LABELS, InstructionState, NoticeState
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money
from anju.services import bank, bank_inbox, bank_reconciliation, calendar, organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of
from anju.web.rendering import is_htmx, render, render_fragment

router = APIRouter(prefix="/bank")

PAGE_SIZE = 50
E2eId = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[0-9]+$")]
NoticeId = Annotated[int, Path(ge=1, le=2**62)]
ReconId = Annotated[int, Path(ge=1, le=2**62)]
StateFilter = Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")]
Page = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str, Form(max_length=200)]


def _today(request: Request) -> date:
    return read(container_of(request).uow, calendar.current_business_date)


# --- the overview and sign-in --------------------------------------------------------------------


def _index(
    request: Request, session: Session, *, flash: str = "", error: Any = None, status: int = 200
) -> Response:
    container = container_of(request)

    def body(uow: UnitOfWork) -> dict[str, Any]:
        day = calendar.current_business_date(uow)
        return {
            "state": bank.session_state(uow, session.actor, configured=container.bank is not None),
            "open_instructions": bank.list_instructions(uow, session.actor, state="open", limit=20),
            "recent": bank_reconciliation.list_reconciliations(uow, session.actor, limit=12),
            "today": day,
        }

    ctx = read(container.uow, body)
    ctx.update(
        flash=flash,
        error=error,
        state_labels=STATE_LABELS,
        notice_labels=NOTICE_LABELS,
        can_operate=session.actor.has(P.BANK_OPERATE),
        can_transfer=session.actor.has(P.BANK_TRANSFER),
    )
    return render(request, "bank/index.html", ctx, status_code=status)


@router.get("")
def index(request: Request, done: str = "", session: Session = requires(P.BANK_VIEW)) -> Response:
    flash = {"signin": "已签到。", "signout": "已签退。", "drive": "已处理到期的指令。"}.get(done, "")
    return _index(request, session, flash=flash)


def _link_action(request: Request, session: Session, action: str) -> Response:
    container = container_of(request)
    try:
        if action == "signin":
            bank.sign_in(container.uow, session.actor, container.bank)
        elif action == "signout":
            bank.sign_out(container.uow, session.actor, container.bank)
        else:
            bank.drive_instructions(container.uow, container.bank, actor=session.actor)
    except AnjuError as exc:
        return _index(request, session, error=error_of(exc), status=exc.http_status)
    return RedirectResponse(f"/bank?done={action}", status_code=303)


@router.post("/signin")
def sign_in(request: Request, session: Session = requires(P.BANK_OPERATE)) -> Response:
    return _link_action(request, session, "signin")


@router.post("/signout")
def sign_out(request: Request, session: Session = requires(P.BANK_OPERATE)) -> Response:
    return _link_action(request, session, "signout")


@router.post("/drive")
def drive(request: Request, session: Session = requires(P.BANK_OPERATE)) -> Response:
    return _link_action(request, session, "drive")


# --- instructions --------------------------------------------------------------------------------


@router.get("/instructions")
def instructions(
    request: Request,
    state: StateFilter = "",
    page: Page = 1,
    session: Session = requires(P.BANK_VIEW, personal_data=True),
) -> Response:
    error = None
    try:
        items = read(
            container_of(request).uow,
            lambda uow: bank.list_instructions(
                uow, session.actor, state=state or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            ),
        )
    except AnjuError as exc:
        items, error = [], error_of(exc)
    ctx = {
        "instructions": items,
        "state": state,
        "states": [("", "全部"), ("open", "未完结"), *STATE_LABELS.items()],
        "page": page,
        "has_next": len(items) == PAGE_SIZE,
        "error": error,
    }
    return render(request, "bank/instructions.html", ctx)


def _instruction_ctx(request: Request, session: Session, e2e_id: str) -> dict[str, Any]:
    view = read(container_of(request).uow, lambda uow: bank.get_instruction(uow, session.actor, e2e_id))
    return {
        "i": view,
        "can_operate": session.actor.has(P.BANK_OPERATE) and view.is_open,
        "can_resolve": session.actor.has(P.BANK_RESOLVE)
        and view.state in (InstructionState.UNKNOWN, InstructionState.MANUAL, InstructionState.PENDING)
        and view.kind != "batch_receipt",
    }


@router.get("/instructions/{e2e_id}")
def instruction(
    request: Request, e2e_id: E2eId, session: Session = requires(P.BANK_VIEW, personal_data=True)
) -> Response:
    return render(request, "bank/instruction.html", _instruction_ctx(request, session, e2e_id))


@router.post("/instructions/{e2e_id}/dispatch")
def dispatch(
    request: Request,
    e2e_id: E2eId,
    query: Annotated[str, Form(max_length=5)] = "",
    session: Session = requires(P.BANK_OPERATE),
) -> Response:
    container = container_of(request)
    error = None
    try:
        bank.dispatch(container.uow, container.bank, e2e_id, actor=session.actor, force_query=query == "1")
    except AnjuError as exc:
        error = error_of(exc)
    ctx = {**_instruction_ctx(request, session, e2e_id), "error": error}
    if is_htmx(request):
        return render_fragment(request, "bank/_instruction_card.html", ctx)
    return render(request, "bank/instruction.html", ctx)


@router.post("/instructions/{e2e_id}/resolve")
def resolve(
    request: Request,
    e2e_id: E2eId,
    *,
    outcome: Annotated[str, Form(max_length=10)] = "",
    reason: Text = "",
    host_serial: Annotated[str, Form(max_length=40)] = "",
    session: Session = requires(P.BANK_RESOLVE),
) -> Response:
    try:
        run(
            container_of(request).uow,
            lambda uow: bank.resolve_instruction(
                uow, session.actor, e2e_id, outcome=outcome, reason=reason, host_serial=host_serial or None
            ),
        )
    except AnjuError as exc:
        ctx = {**_instruction_ctx(request, session, e2e_id), "error": error_of(exc)}
        return render(request, "bank/instruction.html", ctx, status_code=exc.http_status)
    return RedirectResponse(f"/bank/instructions/{e2e_id}", status_code=303)


# --- money the banks reported --------------------------------------------------------------------


def _notices_page(
    request: Request,
    session: Session,
    state: str,
    page: int,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    try:
        items = read(
            container_of(request).uow,
            lambda uow: bank_inbox.list_notices(
                uow, session.actor, state=state or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            ),
        )
    except AnjuError as exc:
        items, error = [], error or error_of(exc)
    ctx = {
        "notices": items,
        "state": state,
        "states": [("", "全部"), ("open", "待处理"), *NOTICE_LABELS.items()],
        "page": page,
        "has_next": len(items) == PAGE_SIZE,
        "flash": flash,
        "error": error,
        "can_assign": session.actor.has(P.BANK_ALLOCATE),
        "can_close": session.actor.has(P.BANK_RESOLVE),
        "unidentified": NoticeState.UNIDENTIFIED,
    }
    return render(request, "bank/notices.html", ctx, status_code=status)


@router.get("/notices")
def notices(
    request: Request, state: StateFilter = "open", page: Page = 1, session: Session = requires(P.BANK_VIEW)
) -> Response:
    return _notices_page(request, session, state, page)


@router.post("/notices/{notice_id}/assign")
def assign(
    request: Request,
    notice_id: NoticeId,
    unit_account_no: Annotated[str, Form(max_length=20)] = "",
    session: Session = requires(P.BANK_ALLOCATE),
) -> Response:
    try:
        view = run(
            container_of(request).uow,
            lambda uow: bank_inbox.assign_notice(uow, session.actor, notice_id, unit_account_no),
        )
    except AnjuError as exc:
        return _notices_page(request, session, "open", 1, error=error_of(exc), status=exc.http_status)
    flash = f"流水号 {view.serial} 已认领给单位 {view.unit_account_no} 并入账。"
    return _notices_page(request, session, "open", 1, flash=flash)


@router.post("/notices/{notice_id}/close")
def close(
    request: Request,
    notice_id: NoticeId,
    note: Text = "",
    voucher_no: Annotated[str, Form(max_length=40)] = "",
    session: Session = requires(P.BANK_RESOLVE),
) -> Response:
    try:
        view = run(
            container_of(request).uow,
            lambda uow: bank_inbox.close_notice(
                uow, session.actor, notice_id, note=note, voucher_no=voucher_no or None
            ),
        )
    except AnjuError as exc:
        return _notices_page(request, session, "open", 1, error=error_of(exc), status=exc.http_status)
    return _notices_page(request, session, "open", 1, flash=f"流水号 {view.serial} 已标记为人工处理完毕。")


# --- reconciliation ------------------------------------------------------------------------------


def _reconciliations_page(
    request: Request,
    session: Session,
    day_text: str,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    day: date | None = None
    if day_text.strip():
        try:
            day = parse_date(day_text)
        except AnjuError as exc:
            error = error or error_of(exc)
    items = read(
        container_of(request).uow,
        lambda uow: bank_reconciliation.list_reconciliations(uow, session.actor, day=day, limit=100),
    )
    ctx = {
        "reconciliations": items,
        "day": day.isoformat() if day else "",
        "today": _today(request).isoformat(),
        "flash": flash,
        "error": error,
        "can_operate": session.actor.has(P.BANK_OPERATE),
    }
    return render(request, "bank/reconciliations.html", ctx, status_code=status)


@router.get("/reconciliations")
def reconciliations(
    request: Request,
    day: Annotated[str, Query(max_length=10, alias="date")] = "",
    session: Session = requires(P.BANK_VIEW),
) -> Response:
    return _reconciliations_page(request, session, day)


@router.post("/reconciliations")
def reconcile(
    request: Request,
    day: Annotated[str, Form(max_length=10, alias="date")] = "",
    session: Session = requires(P.BANK_OPERATE),
) -> Response:
    container = container_of(request)
    try:
        on = parse_date(day) if day.strip() else _today(request)
        report = bank_reconciliation.reconcile_day(container.uow, session.actor, on, container.bank)
    except AnjuError as exc:
        return _reconciliations_page(request, session, day, error=error_of(exc), status=exc.http_status)
    flash = report.summary() + ("；" + "；".join(report.problems) if report.problems else "")
    return _reconciliations_page(request, session, on.isoformat(), flash=flash)


@router.get("/reconciliations/{recon_id}")
def reconciliation(request: Request, recon_id: ReconId, session: Session = requires(P.BANK_VIEW)) -> Response:
    view = read(
        container_of(request).uow,
        lambda uow: bank_reconciliation.get_reconciliation(uow, session.actor, recon_id),
    )
    return render(request, "bank/reconciliation.html", {"r": view})


# --- transfers between the centre's own accounts ------------------------------------------------


def _transfer_page(
    request: Request, session: Session, *, form: dict[str, str], error: Any = None, status: int = 200
) -> Response:
    accounts = read(container_of(request).uow, lambda uow: organisation.list_centre_bank_accounts(uow, None))
    ctx = {"accounts": [a for a in accounts if a.status == "active"], "form": form, "error": error}
    return render(request, "bank/transfer.html", ctx, status_code=status)


@router.get("/transfers/new")
def new_transfer(request: Request, session: Session = requires(P.BANK_TRANSFER)) -> Response:
    ref = container_of(request).crypto.random_token(16)
    return _transfer_page(request, session, form={"form_ref": ref})


@router.post("/transfers/new")
def post_transfer(
    request: Request,
    *,
    from_account: Annotated[str, Form(max_length=30)] = "",
    to_account: Annotated[str, Form(max_length=30)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    memo: Annotated[str, Form(max_length=60)] = "",
    form_ref: Annotated[str, Form(max_length=64)] = "",
    session: Session = requires(P.BANK_TRANSFER),
) -> Response:
    container = container_of(request)
    form = {
        "from_account": from_account,
        "to_account": to_account,
        "amount": amount,
        "memo": memo,
        "form_ref": form_ref,
    }
    try:
        view = run(
            container.uow,
            lambda uow: bank.submit_transfer(
                uow,
                session.actor,
                from_account=from_account,
                to_account=to_account,
                amount=Money.from_yuan(amount),
                source_ref=f"web:{form_ref or container.crypto.random_token(16)}",
                memo=memo,
            ),
        )
    except AnjuError as exc:
        return _transfer_page(request, session, form=form, error=error_of(exc), status=exc.http_status)
    if container.bank is not None:
        # The outbox keeps the instruction whatever happens here; its page shows what did.
        with contextlib.suppress(AnjuError):
            bank.dispatch(container.uow, container.bank, view.e2e_id)
    return RedirectResponse(f"/bank/instructions/{view.e2e_id}", status_code=303)
