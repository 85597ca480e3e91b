"""Rendering pages: the Jinja2 environment, its filters, and the shell around every page.

The shell shows who is logged in (name, roles, branch), the business date (会计日期) and the
navigation this actor may use. Personal data is masked by the filters unless a page has a
reason-logged unmask (none in the foundation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anju.domain.security import ROLE_LABELS, Actor
from anju.errors import AnjuError
from anju.http.context import Session, container_of, is_hall_path, session_of
from anju.ids import mask_bank_card, mask_name, mask_phone, mask_resident_id
from anju.money import Money
from anju.services import calendar, organisation
from anju.services.ports import UnitOfWork
from anju.services.runner import read
from anju.web.nav import active_href, nav_for

logger = logging.getLogger("anju.web")

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
PASSWORD_DUE_CODES = frozenset({"password_change_required", "password_expired"})


def _money(value: Any) -> str:
    if isinstance(value, Money):
        return value.format_cn()
    if isinstance(value, int) and not isinstance(value, bool):
        return Money(value).format_cn()
    return "" if value is None else str(value)


def _local_time(value: Any) -> str:
    """UTC timestamps are shown in China Standard Time, to the second."""
    if isinstance(value, datetime):
        # SQLite hands timestamps back naive; they are UTC.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _value(value: Any) -> str:
    """A policy value as staff read it: 是/否 for flags, the text otherwise."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def _roles(roles: Any) -> str:
    return "、".join(ROLE_LABELS.get(r, r) for r in sorted(roles or ()))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters.update(
        money=_money,
        local_time=_local_time,
        roles=_roles,
        value=_value,
        mask_id=lambda v: mask_resident_id(str(v)) if v else "",
        mask_phone=lambda v: mask_phone(str(v)) if v else "",
        mask_card=lambda v: mask_bank_card(str(v)) if v else "",
        mask_name=lambda v: mask_name(str(v)) if v else "",
    )
    env.globals["role_labels"] = ROLE_LABELS
    return templates


TEMPLATES = make_templates()


@dataclass(frozen=True, slots=True)
class ShellInfo:
    business_date: str
    branch_label: str


def _shell_info(request: Request, actor: Actor) -> ShellInfo:
    def body(uow: UnitOfWork) -> ShellInfo:
        try:
            business_date = calendar.current_business_date(uow).isoformat()
        except AnjuError:
            business_date = "未初始化"
        if actor.all_branches:
            label = "全中心"
        elif actor.branch_id is None:
            label = "—"
        else:
            # Read as the system: the operator's own branch name, even without org.view.
            label = next(
                (b.name for b in organisation.list_branches(uow, None) if b.id == actor.branch_id), "—"
            )
        return ShellInfo(business_date=business_date, branch_label=label)

    try:
        return read(container_of(request).uow, body)
    except AnjuError:
        logger.warning("shell information unavailable for %s", actor.username)
        return ShellInfo(business_date="—", branch_label="—")


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def base_context(request: Request, session: Session | None, *, shell: ShellInfo | None) -> dict[str, Any]:
    actor = session.actor if session else None
    return {
        "session": session,
        "actor": actor,
        "csrf_token": session.csrf_token if session else "",
        "nav": nav_for(actor),
        "active_href": active_href(request.url.path),
        "shell": shell,
        "path": request.url.path,
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page inside the shell. Call from a sync route (it reads the header data)."""
    session = session_of(request)
    shell = _shell_info(request, session.actor) if session else None
    ctx = base_context(request, session, shell=shell)
    ctx.update(context or {})
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)


def render_fragment(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A piece of a page for htmx: no shell, no database read."""
    ctx = base_context(request, session_of(request), shell=None)
    ctx.update(context or {})
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)


async def render_async(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    return await run_in_threadpool(render, request, name, context, status_code=status_code)


def login_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = "/login" if target in {"/", "/logout"} else f"/login?next={_quote(target)}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def _quote(text: str) -> str:
    return quote(text, safe="/")


def safe_next(target: str | None) -> str:
    """Only a local path after login (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _hall_error_page(request: Request, status: int, payload: dict[str, Any]) -> Response:
    """The hall's own error pages: its login, its password page, no counter navigation."""
    if status == 401 and (request.method in {"GET", "HEAD"} or is_htmx(request)):
        return RedirectResponse("/hall/login", status_code=303)
    if payload.get("code") in PASSWORD_DUE_CODES and request.method in {"GET", "HEAD"}:
        return RedirectResponse("/hall/password?required=1", status_code=303)
    ctx = base_context(request, session_of(request), shell=None)
    ctx.update(status=status, error=payload)
    return TEMPLATES.TemplateResponse(request, "hall/error.html", ctx, status_code=status)


def render_error_page(request: Request, status: int, payload: dict[str, Any]) -> Response:
    """The web side of the error handlers: a Chinese message in the page (or an htmx fragment).

    Runs inside the event loop, so it reads nothing from the database: the shell shows the
    operator and navigation from the session already resolved, without the business date.
    """
    if is_hall_path(request.url.path):
        return _hall_error_page(request, status, payload)
    if status == 401 and request.method in {"GET", "HEAD"}:
        return login_redirect(request)
    if status == 401 and is_htmx(request):
        return login_redirect(request)
    if payload.get("code") in PASSWORD_DUE_CODES and request.method in {"GET", "HEAD"}:
        return RedirectResponse("/account/password?required=1", status_code=303)
    session = session_of(request)
    ctx = base_context(request, session, shell=None)
    ctx.update(status=status, error=payload)
    if is_htmx(request):
        return TEMPLATES.TemplateResponse(request, "_error_fragment.html", ctx, status_code=status)
    return TEMPLATES.TemplateResponse(request, "error.html", ctx, status_code=status)
