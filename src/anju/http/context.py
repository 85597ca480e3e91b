"""Per-request context: the wired container, the caller's address, and the staff session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from starlette.requests import HTTPConnection

from anju.bootstrap import Container
from anju.domain.security import Actor

SESSION_COOKIE = "anju_session"
HALL_COOKIE = "anju_hall_session"  # the online halls' own sessions: never a staff session
STAFF_REALM = "staff"
HALL_REALM = "hall"
HALL_PREFIXES = ("/hall", "/api/v1/hall")
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
API_PREFIX = "/api/"


@dataclass(frozen=True, slots=True)
class Session:
    """A resolved staff session: who acts, and the CSRF token bound to this session."""

    actor: Actor
    token: str
    csrf_token: str


def container_of(conn: HTTPConnection) -> Container:
    return cast(Container, conn.app.state.container)


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def is_hall_path(path: str) -> bool:
    """A page or API route of the online halls (the hall realm)."""
    return any(path == p or path.startswith(p + "/") for p in HALL_PREFIXES)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == "/openapi.json"


def session_of(conn: HTTPConnection) -> Session | None:
    """The session the guard resolved for this request, if any (for error pages and the shell)."""
    return cast(Session | None, getattr(conn.state, "session", None))
