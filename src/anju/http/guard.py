"""The one dependency every route declares: authentication, CSRF and exactly one permission.

A route says `session: Session = requires(Permission.LEDGER_VIEW)` (or `public()`); the guard
resolves the session from the `anju_session` cookie on the server, checks the CSRF token on every
state-changing request, and refuses an actor without the permission. `route_permissions(app)`
reads the declarations back from the route table, so a test (and `create_app` itself) refuses a
route that declares none, or more than one.

`public_query()` declares a public computation sent by POST (the loan calculator: its inputs do
not belong in a URL or an access log) that changes nothing: no session, so no CSRF token to check
(the same-site Origin check still applies), and no Idempotency-Key, because replaying it has no
effect to repeat. In exchange every call is counted against a per-IP rate limit. Such a route
must only read (`services.runner.read`); tests/architecture lists every one of them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from anju.domain.security import AuditEvent, Permission
from anju.errors import AuthenticationFailed, PermissionDenied
from anju.http.context import (
    CSRF_FIELD,
    CSRF_HEADER,
    HALL_COOKIE,
    HALL_REALM,
    SESSION_COOKIE,
    STAFF_REALM,
    Session,
    client_ip,
    container_of,
    session_of,
)
from anju.http.pi_audit import STATE_KEY as PI_STATE_KEY
from anju.http.ratelimit import SlidingWindowLimiter
from anju.services import audit, auth, hall_auth
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_TOKEN_LENGTH = 256
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PUBLIC_QUERIES_PER_IP: Final = 60  # a person using the calculator needs a few a minute
PUBLIC_QUERY_WINDOW: Final = timedelta(minutes=1)


class CsrfFailed(PermissionDenied):
    """A state-changing request without this session's CSRF token, or from another site."""


class RoutePermissionError(Exception):
    """A route declares no permission, or more than one (a build-time error, never a response)."""


def all_permissions() -> frozenset[str]:
    return frozenset(
        value for name, value in vars(Permission).items() if name.isupper() and isinstance(value, str)
    )


class Guard:
    """The dependency behind `requires` and `public`: one per route, naming one permission."""

    def __init__(
        self,
        permission: str,
        *,
        allow_password_change_due: bool = False,
        query: bool = False,
        realm: str = STAFF_REALM,
        personal_data: bool = False,
    ) -> None:
        if permission not in all_permissions():
            raise RoutePermissionError(f"unknown permission {permission!r}")
        if query and permission != Permission.PUBLIC:
            raise RoutePermissionError("only a public route is declared a side-effect-free query")
        self.permission = permission
        # Only the pages that change the password or end the session let a due password through.
        self.allow_password_change_due = allow_password_change_due
        # A public computation: read-only, exempt from Idempotency-Key, rate-limited per IP.
        self.query = query
        # Whose sessions the route accepts: staff (the counter) or hall accounts (网厅), never both.
        if realm not in {STAFF_REALM, HALL_REALM}:
            raise RoutePermissionError(f"unknown realm {realm!r}")
        if (realm == HALL_REALM) != permission.startswith("hall.") and permission != Permission.PUBLIC:
            raise RoutePermissionError(f"{permission!r} does not belong to the {realm} realm")
        self.realm = realm
        # The route shows a person's data: each view is audited (http/pi_audit.py, G1).
        if personal_data and permission == Permission.PUBLIC:
            raise RoutePermissionError("a public route cannot show personal data")
        self.personal_data = personal_data

    def __repr__(self) -> str:
        return f"Guard({self.permission!r}, query=True)" if self.query else f"Guard({self.permission!r})"

    async def __call__(self, request: Request) -> Session | None:
        request.state.permission = self.permission
        unsafe = request.method not in SAFE_METHODS
        if unsafe:
            check_origin(request)
        if self.permission == Permission.PUBLIC:
            if self.query:
                limit_public_query(request)
            return None
        resolve = current_hall_session if self.realm == HALL_REALM else current_session
        session = await resolve(request, allow_password_change_due=self.allow_password_change_due)
        try:
            if unsafe:
                await check_csrf(request, session)
            session.actor.require(self.permission)
        except PermissionDenied as refused:
            await run_in_threadpool(record_refusal, request, session, self.permission, refused.code)
            raise
        if self.personal_data:
            setattr(request.state, PI_STATE_KEY, True)
        return session


def requires(permission: str, *, allow_password_change_due: bool = False, personal_data: bool = False) -> Any:
    """Declare the route's permission; the parameter receives the resolved `Session`.

    `personal_data=True`: the route shows a person's data (ID, phone, card, name, account
    details); every view is audited by http/pi_audit.py.
    """
    return Depends(
        Guard(permission, allow_password_change_due=allow_password_change_due, personal_data=personal_data)
    )


def hall_requires(
    permission: str, *, allow_password_change_due: bool = False, personal_data: bool = False
) -> Any:
    """Declare a hall route's permission; the parameter receives the resolved hall `Session`."""
    return Depends(
        Guard(
            permission,
            allow_password_change_due=allow_password_change_due,
            realm=HALL_REALM,
            personal_data=personal_data,
        )
    )


def public() -> Any:
    """Declare the route open to everyone (login page, health, API docs)."""
    return Depends(Guard(Permission.PUBLIC))


def public_query() -> Any:
    """Declare a public, side-effect-free computation (POST without Idempotency-Key or CSRF)."""
    return Depends(Guard(Permission.PUBLIC, query=True))


def is_public_query(call: object) -> bool:
    return isinstance(call, Guard) and call.query


def make_query_limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(PUBLIC_QUERIES_PER_IP, PUBLIC_QUERY_WINDOW)


def limit_public_query(request: Request) -> None:
    """Count a public computation against its caller's address; refuse past the limit (429)."""
    limiter: SlidingWindowLimiter = request.app.state.query_limiter
    limiter.take(client_ip(request), container_of(request).clock.now_utc(), code="query_rate_limited")


async def current_session(request: Request, *, allow_password_change_due: bool = False) -> Session:
    """The caller's session, resolved on the server; raises AuthenticationFailed without one.

    While the password must be changed (initial or expired), the session serves only the routes
    that allow it; others get PermissionDenied password_change_required / password_expired.
    """
    cached = session_of(request)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed("not_authenticated")
    container = container_of(request)
    settings = container.settings
    ip = client_ip(request)

    def body(uow: UnitOfWork) -> auth.LiveSession:
        return auth.live_session(
            uow,
            token,
            ip,
            idle_minutes=settings.session_idle_minutes,
            absolute_hours=settings.session_absolute_hours,
            allow_password_change_due=allow_password_change_due,
        )

    # Read-only: resolving a session writes only when its idle clock is due a refresh.
    live = await run_in_threadpool(read, container.uow, body)
    if live.touch_due:
        await run_in_threadpool(run, container.uow, lambda uow: auth.touch_session(uow, live.session_id))
    session = Session(actor=live.actor, token=token, csrf_token=live.csrf_token)
    request.state.session = session
    return session


async def current_hall_session(request: Request, *, allow_password_change_due: bool = False) -> Session:
    """The caller's hall session (网厅), from its own cookie; raises AuthenticationFailed without one."""
    cached = session_of(request)
    if cached is not None:
        return cached
    token = request.cookies.get(HALL_COOKIE)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed("not_authenticated")
    container = container_of(request)
    ip = client_ip(request)

    def body(uow: UnitOfWork) -> auth.LiveSession:
        return hall_auth.live_hall_session(
            uow, token, ip, allow_password_change_due=allow_password_change_due
        )

    live = await run_in_threadpool(read, container.uow, body)
    if live.touch_due:
        await run_in_threadpool(
            run, container.uow, lambda uow: hall_auth.touch_hall_session(uow, live.session_id)
        )
    session = Session(actor=live.actor, token=token, csrf_token=live.csrf_token)
    request.state.session = session
    return session


def record_refusal(request: Request, session: Session, permission: str, code: str) -> None:
    """Audit a refused request of a logged-in operator (A3, G1), in its own transaction."""
    event = AuditEvent.by(
        session.actor,
        "security.access_denied",
        "route",
        f"{request.method} {request.url.path}"[:200],
        result="denied",
        reason=code,
        details={"permission": permission},
    )
    run(container_of(request).uow, lambda uow: audit.record(uow, event))


async def optional_session(request: Request) -> Session | None:
    """The session if the caller has a valid one (the login page redirects a logged-in user)."""
    try:
        return await current_session(request)
    except (AuthenticationFailed, PermissionDenied):
        return None


def check_origin(request: Request) -> None:
    """Refuse a state-changing request a browser marks as coming from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfFailed("csrf_failed")
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfFailed("csrf_failed")


async def check_csrf(request: Request, session: Session) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise CsrfFailed("csrf_failed")


# --- the route table -----------------------------------------------------------------------------


def _calls(dependant: Dependant | None) -> Iterator[object]:
    for sub in dependant.dependencies if dependant is not None else ():
        yield sub.call
        yield from _calls(sub)


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One route as served: effective path (with prefixes), methods and dependency tree."""

    path: str
    methods: frozenset[str]
    dependant: Dependant | None

    def calls(self) -> Iterator[object]:
        return _calls(self.dependant)

    def permissions(self) -> list[str]:
        return [call.permission for call in self.calls() if isinstance(call, Guard)]

    def shows_personal_data(self) -> bool:
        return any(isinstance(call, Guard) and call.personal_data for call in self.calls())


def route_entries(app: FastAPI) -> tuple[list[RouteEntry], list[str]]:
    """Every served route, and a description of each route that is neither an API route nor static."""
    entries: list[RouteEntry] = []
    strays: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            continue
        if not isinstance(route, APIRoute):
            strays.append(f"{context.path!r}: not a guarded API route")
            continue
        entries.append(RouteEntry(str(context.path), frozenset(context.methods or ()), context.dependant))
    return entries, strays


def route_permissions(app: FastAPI) -> dict[tuple[str, str], str]:
    """{(method, path): permission} for every route; raises if any route lacks exactly one.

    Static file mounts are the only routes without a guard: they serve public assets.
    """
    entries, problems = route_entries(app)
    table: dict[tuple[str, str], str] = {}
    for entry in entries:
        declared = entry.permissions()
        if len(declared) != 1:
            problems.append(f"{sorted(entry.methods)} {entry.path}: declares {declared or 'no permission'}")
            continue
        for method in sorted(entry.methods):
            table[(method, entry.path)] = declared[0]
    if problems:
        raise RoutePermissionError("; ".join(problems))
    return table
