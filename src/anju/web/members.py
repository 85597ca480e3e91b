"""Counter pages for member accounts (个人账户): search, look-up by ID number, opening with the
computed parts, detail (masked; unmask with a reason), changes, seal / unseal / transfer /
freeze / unfreeze, wage base and merge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from anju.domain import codes
from anju.domain.security import Permission as P
from anju.errors import AnjuError
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.money import Money
from anju.services import members
from anju.services.members import MemberChanges, MemberOpening
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.web.forms import error_of, run_and_redirect
from anju.web.rendering import render, render_fragment

router = APIRouter(prefix="/members")

AccountNo = Annotated[str, Path(min_length=1, max_length=20)]
Text = Annotated[str, Form(max_length=200)]

FLASH: Final = {
    "opened": "个人账户已设立。",
    "reused": "此人已有封存的个人账户，已启封转入本单位（一人一户，未开立新账户）。",
    "changed": "个人信息已变更。",
    "wage_base": "缴存基数已调整。",
    "seal": "个人账户已封存。",
    "unseal": "个人账户已启封。",
    "transfer": "个人账户已转移到新单位，账户和余额不变。",
    "freeze": "个人账户已冻结。",
    "unfreeze": "个人账户已解冻。",
    "merged": "重复账户已合并到本账户。",
}
OPEN_FIELDS: Final = (
    "unit_account_no",
    "resident_id",
    "name",
    "wage_base",
    "phone",
    "address",
    "marital_status",
    "bank_card",
    "bank_code",
)


def _money(text: str) -> Money:
    return Money.from_yuan(text.strip())


# --- search --------------------------------------------------------------------------------------


@router.get("")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=60)] = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    page = read(
        container_of(request).uow, lambda uow: members.search_members(uow, session.actor, q, limit=50)
    )
    ctx = {"rows": page.items, "q": q, "searched": bool(q.strip()), "found": None, "error": None}
    return render(request, "collection/members.html", ctx)


@router.post("/lookup")
def lookup(
    request: Request, resident_id: Text = "", session: Session = requires(P.COLLECTION_VIEW)
) -> Response:
    """By ID number: a form post, so the number never appears in a URL or an access log."""
    ctx: dict[str, Any] = {"rows": [], "q": "", "searched": False, "error": None, "found": None}
    try:
        found = read(
            container_of(request).uow,
            lambda uow: members.find_by_resident_id(uow, session.actor, resident_id),
        )
    except AnjuError as exc:
        ctx["error"] = error_of(exc)
        return render(request, "collection/members.html", ctx, status_code=exc.http_status)
    if found is not None:
        return RedirectResponse(f"/members/{found.account_no}", status_code=303)
    ctx["found"] = "none"
    return render(request, "collection/members.html", ctx)


# --- opening -------------------------------------------------------------------------------------


def _new_page(
    request: Request, form: dict[str, str], *, error: Any = None, parts: Any = None, status: int = 200
) -> Response:
    ctx = {"form": form, "error": error, "parts": parts, "marital_statuses": codes.MARITAL_STATUSES}
    return render(request, "collection/member_new.html", ctx, status_code=status)


@router.get("/new")
def new_member(
    request: Request,
    unit: Annotated[str, Query(max_length=20)] = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = dict.fromkeys(OPEN_FIELDS, "")
    form["unit_account_no"] = unit
    return _new_page(request, form)


@router.get("/preview")
def preview(
    request: Request,
    unit_account_no: Annotated[str, Query(max_length=20)] = "",
    wage_base: Annotated[str, Query(max_length=20)] = "",
    session: Session = requires(P.COLLECTION_VIEW),
) -> Response:
    """The computed base and parts for the wage typed so far (htmx fragment of the open form)."""
    ctx: dict[str, Any] = {"parts": None, "error": None}
    if unit_account_no.strip() and wage_base.strip():
        try:
            ctx["parts"] = read(
                container_of(request).uow,
                lambda uow: members.preview_parts(uow, session.actor, unit_account_no, _money(wage_base)),
            )
        except AnjuError as exc:
            ctx["error"] = error_of(exc)
    return render_fragment(request, "collection/_parts.html", ctx)


@router.post("/new")
def open_account(
    request: Request,
    *,
    unit_account_no: Text = "",
    resident_id: Text = "",
    name: Text = "",
    wage_base: Text = "",
    phone: Text = "",
    address: Text = "",
    marital_status: Text = "",
    bank_card: Text = "",
    bank_code: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {key: str(value) for key, value in locals().items() if key in OPEN_FIELDS}

    def body(uow: UnitOfWork) -> members.OpenedAccount:
        req = MemberOpening(
            unit_account_no=unit_account_no,
            resident_id=resident_id,
            name=name,
            wage_base=_money(wage_base),
            phone=phone or None,
            address=address or None,
            marital_status=marital_status or None,
            bank_card=bank_card or None,
            bank_code=bank_code or None,
        )
        return members.open_member_account(uow, session.actor, req)

    try:
        opened = run(container_of(request).uow, body)
    except AnjuError as exc:
        form["resident_id"] = ""  # never echo an ID number back into a page
        return _new_page(request, form, error=error_of(exc), status=exc.http_status)
    done = "reused" if opened.reused else "opened"
    return RedirectResponse(f"/members/{opened.account.account_no}?done={done}", status_code=303)


# --- merge (before /{account_no} so "merge" is not read as an account number) --------------------


@router.get("/merge")
def merge_form(request: Request, session: Session = requires(P.COLLECTION_MANAGE)) -> Response:
    return render(request, "collection/merge.html", {"form": {}, "error": None})


@router.post("/merge")
def merge(
    request: Request,
    *,
    duplicate_account_no: Text = "",
    surviving_account_no: Text = "",
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    form = {
        "duplicate_account_no": duplicate_account_no,
        "surviving_account_no": surviving_account_no,
        "reason": reason,
    }
    try:
        result = run(
            container_of(request).uow,
            lambda uow: members.merge_members(
                uow, session.actor, duplicate_account_no, surviving_account_no, reason
            ),
        )
    except AnjuError as exc:
        return render(
            request,
            "collection/merge.html",
            {"form": form, "error": error_of(exc)},
            status_code=exc.http_status,
        )
    return RedirectResponse(f"/members/{result.surviving.account_no}?done=merged", status_code=303)


# --- detail --------------------------------------------------------------------------------------


def _detail(
    request: Request,
    session: Session,
    account: Any,
    *,
    flash: str = "",
    error: Any = None,
    status: int = 200,
) -> Response:
    ctx = {
        "m": account,
        "flash": flash,
        "error": error,
        "can_manage": session.actor.has(P.COLLECTION_MANAGE),
        "can_unmask": session.actor.has(P.PERSONAL_DATA_UNMASK),
    }
    return render(request, "collection/member.html", ctx, status_code=status)


def _masked(request: Request, session: Session, account_no: str) -> Any:
    return read(
        container_of(request).uow, lambda uow: members.get_member_account(uow, session.actor, account_no)
    )


@router.get("/{account_no}")
def member_detail(
    request: Request,
    account_no: AccountNo,
    done: str = "",
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> Response:
    return _detail(request, session, _masked(request, session, account_no), flash=FLASH.get(done, ""))


@router.post("/{account_no}/reveal")
def reveal(
    request: Request,
    account_no: AccountNo,
    reason: Text = "",
    session: Session = requires(P.PERSONAL_DATA_UNMASK),
) -> Response:
    """Full ID number, phone and card, after the reason is written to the audit log."""
    try:
        shown = run(
            container_of(request).uow,
            lambda uow: members.reveal_member_account(uow, session.actor, account_no, reason),
        )
    except AnjuError as exc:
        account = _masked(request, session, account_no)
        return _detail(request, session, account, error=error_of(exc), status=exc.http_status)
    return _detail(request, session, shown, flash="已按查询原因显示完整个人信息（已记入审计日志）。")


def _action(
    request: Request, session: Session, account_no: str, done: str, fn: Callable[[UnitOfWork], Any]
) -> Response:
    return run_and_redirect(
        request,
        fn,
        f"/members/{account_no}?done={done}",
        lambda error, status: _detail(
            request, session, _masked(request, session, account_no), error=error, status=status
        ),
    )


@router.post("/{account_no}/seal")
def seal(
    request: Request,
    account_no: AccountNo,
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _action(
        request,
        session,
        account_no,
        "seal",
        lambda uow: members.seal_member(uow, session.actor, account_no, reason),
    )


@router.post("/{account_no}/unseal")
def unseal(
    request: Request,
    account_no: AccountNo,
    unit_account_no: Text = "",
    wage_base: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        wage = _money(wage_base) if wage_base.strip() else None
        return members.unseal_member(uow, session.actor, account_no, unit_account_no, wage)

    return _action(request, session, account_no, "unseal", fn)


@router.post("/{account_no}/transfer")
def transfer(
    request: Request,
    account_no: AccountNo,
    to_unit_account_no: Text = "",
    wage_base: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    def fn(uow: UnitOfWork) -> Any:
        wage = _money(wage_base) if wage_base.strip() else None
        return members.transfer_member(uow, session.actor, account_no, to_unit_account_no, wage)

    return _action(request, session, account_no, "transfer", fn)


@router.post("/{account_no}/freeze")
def freeze(
    request: Request,
    account_no: AccountNo,
    document_no: Text = "",
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _action(
        request,
        session,
        account_no,
        "freeze",
        lambda uow: members.freeze_member(uow, session.actor, account_no, document_no, reason),
    )


@router.post("/{account_no}/unfreeze")
def unfreeze(
    request: Request,
    account_no: AccountNo,
    document_no: Text = "",
    reason: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _action(
        request,
        session,
        account_no,
        "unfreeze",
        lambda uow: members.unfreeze_member(uow, session.actor, account_no, document_no, reason),
    )


@router.post("/{account_no}/wage-base")
def wage_base(
    request: Request,
    account_no: AccountNo,
    wage_base: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    return _action(
        request,
        session,
        account_no,
        "wage_base",
        lambda uow: members.adjust_wage_base(uow, session.actor, account_no, _money(wage_base)),
    )


# --- personal data -------------------------------------------------------------------------------


@router.get("/{account_no}/edit")
def edit_form(
    request: Request,
    account_no: AccountNo,
    session: Session = requires(P.COLLECTION_MANAGE, personal_data=True),
) -> Response:
    account = _masked(request, session, account_no)
    form = {
        "name": account.name,
        "address": account.address or "",
        "marital_status": account.marital_status or "",
        "bank_code": account.bank_code or "",
    }
    ctx = {"m": account, "form": form, "error": None, "marital_statuses": codes.MARITAL_STATUSES}
    return render(request, "collection/member_edit.html", ctx)


@router.post("/{account_no}/edit")
def change(
    request: Request,
    account_no: AccountNo,
    *,
    name: Text = "",
    phone: Text = "",
    address: Text = "",
    marital_status: Text = "",
    bank_card: Text = "",
    bank_code: Text = "",
    session: Session = requires(P.COLLECTION_MANAGE),
) -> Response:
    # Blank phone or card: keep the stored one (the form never shows them in full).
    changes = MemberChanges(
        name=name,
        phone=phone or None,
        address=address,
        marital_status=marital_status,
        bank_card=bank_card or None,
        bank_code=bank_code,
    )
    try:
        run(
            container_of(request).uow,
            lambda uow: members.change_member(uow, session.actor, account_no, changes),
        )
    except AnjuError as exc:
        account = _masked(request, session, account_no)
        form = {"name": name, "address": address, "marital_status": marital_status, "bank_code": bank_code}
        ctx = {"m": account, "form": form, "error": error_of(exc), "marital_statuses": codes.MARITAL_STATUSES}
        return render(request, "collection/member_edit.html", ctx, status_code=exc.http_status)
    return RedirectResponse(f"/members/{account_no}?done=changed", status_code=303)
