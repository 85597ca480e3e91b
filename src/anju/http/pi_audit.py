"""Every view or export of personal information is audited (DESIGN.md §9, reliability.md G1, P4).

A route that shows a person's data declares it once, beside its permission:
`requires(Permission.COLLECTION_VIEW, personal_data=True)`. When the guard lets such a request
through it marks the request; this middleware then writes one `personal_data.view` record with
who (the operator), when (UTC, added on write), where (IP and terminal), what (the handler that
answered), the object (the concrete path: account, loan or withdrawal number) and the result (the
reply's status), before the reply leaves. If the record cannot be written the reply is not sent either
(fails closed, G6): the outer SecurityMiddleware turns the error into a generic 500.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju.domain.security import AuditEvent
from anju.http.context import Session
from anju.ids import (
    BusinessNumber,
    mask_bank_card,
    mask_phone,
    mask_resident_id,
    resident_id_check_char,
)
from anju.services import audit
from anju.services.runner import run

ACTION: Final = "personal_data.view"
STATE_KEY: Final = "personal_data"  # set in the request state by the guard of a marked route
_NUMBER = re.compile(r"\d{10,18}[\dXx]")
MAX_QUERY: Final = 200
MAX_TERMINAL: Final = 80


def _mask_number(number: str) -> str:
    """A phone, resident ID or bank card typed into a search box is recorded masked: the audit log
    must not hold a full number (G5). Business numbers (account, loan ...) stay: they are the object."""
    if any(kind.is_well_formed(number) for kind in _business_kinds()):
        return number
    upper = number.upper()
    if len(upper) == 18 and upper[:17].isdigit() and resident_id_check_char(upper[:17]) == upper[17]:
        return mask_resident_id(upper)
    if len(number) == 11 and number.startswith("1"):
        return mask_phone(number)
    if 12 <= len(number) <= 19:
        return mask_bank_card(number)
    return number


def _business_kinds(kind: type[BusinessNumber] = BusinessNumber) -> list[type[BusinessNumber]]:
    return [sub for direct in kind.__subclasses__() for sub in (direct, *_business_kinds(direct))]


def _masked(text: str) -> str:
    return _NUMBER.sub(lambda m: _mask_number(m.group(0)), text)


def view_event(session: Session, scope: Scope, status: int) -> AuditEvent:
    endpoint = getattr(scope.get("route"), "endpoint", None)  # what: the handler that answered
    query = "&".join(
        f"{k}={_masked(v)}" for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"))
    )
    headers = dict(scope.get("headers") or [])
    agent = headers.get(b"user-agent", b"").decode("latin-1")
    return AuditEvent.by(
        session.actor,
        ACTION,
        "route",
        f"{scope['method']} {scope['path']}"[:200],
        result="success" if status < 400 else "failure",
        reason=None if status < 400 else f"http_{status}",
        details={
            "handler": f"{getattr(endpoint, '__module__', '')}.{getattr(endpoint, '__name__', '')}",
            "query": query[:MAX_QUERY],
            "status": status,
            "terminal": f"{session.actor.channel} {agent}"[:MAX_TERMINAL],
        },
    )


class PersonalDataAuditMiddleware:
    """Audits a marked route's reply before its first byte is sent (pure ASGI: streams untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The routers pass copies of the scope down: a state dict created here is the one shared
        # with the guard (a copy made before it exists would get a dict of its own).
        state = scope.setdefault("state", {})

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = state.get("session")
                if state.get(STATE_KEY) and isinstance(session, Session):
                    event = view_event(session, scope, int(message["status"]))
                    container = scope["app"].state.container
                    await run_in_threadpool(run, container.uow, lambda uow: audit.record(uow, event))
            await send(message)

        await self.app(scope, receive, send_after_audit)
