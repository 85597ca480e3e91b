"""Security headers on every response, and a last-resort catch that leaks nothing.

A pure ASGI middleware (not BaseHTTPMiddleware) so streaming and static files pass untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju.http.errors import new_request_id

logger = logging.getLogger("anju.http")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)

# (request, request id) -> the 500 reply, JSON or page.
CrashRenderer = Callable[[Request, str], Response]


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, on_crash: CrashRenderer, hsts: bool = False) -> None:
        self.app = app
        self.on_crash = on_crash
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS:
                    headers[name] = value
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
                # Pages and API replies may carry personal data: never kept by a browser or proxy.
                # Static assets revalidate with their ETag.
                headers["Cache-Control"] = "no-cache" if static else "no-store"
                if not static:
                    headers["Pragma"] = "no-cache"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            request_id = new_request_id()
            # The traceback goes to the server log only, under an id the user can quote.
            logger.exception(
                "request %s: unhandled error on %s %s", request_id, scope["method"], scope["path"]
            )
            if started:
                raise
            response = self.on_crash(Request(scope), request_id)
            await response(scope, receive, send_with_headers)
