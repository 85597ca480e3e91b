"""The route table as test data: every served route with its permission and parameters, and a
staff user who holds each permission (tests/e2e/conftest.py STAFF)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from anju.domain.security import Actor, Permission
from anju.http.guard import route_entries, route_permissions
from tests.e2e.conftest import STAFF

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# End or change the caller's own session: covered by their own tests (tests/e2e/test_api_auth.py).
SESSION_ROUTES = frozenset(
    {
        ("POST", "/logout"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/password"),
        ("POST", "/login"),
    }
)


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    permission: str
    query: tuple[str, ...]
    path_params: tuple[str, ...]
    endpoint: Any = field(default=None, compare=False, repr=False)  # the handler function
    personal_data: bool = False  # declared to show a person's data: each view audited (G1)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


def _flat(dependant: Any, kind: str) -> list[str]:
    names = [p.name for p in getattr(dependant, kind)]
    for sub in dependant.dependencies:
        names += _flat(sub, kind)
    return names


def routes(app: FastAPI) -> list[RouteInfo]:
    table = route_permissions(app)
    entries, _ = route_entries(app)
    out: list[RouteInfo] = []
    for entry in entries:
        for method in sorted(entry.methods):
            if method == "HEAD":
                continue
            out.append(
                RouteInfo(
                    method=method,
                    path=entry.path,
                    permission=table[(method, entry.path)],
                    query=tuple(dict.fromkeys(_flat(entry.dependant, "query_params"))),
                    path_params=tuple(dict.fromkeys(_flat(entry.dependant, "path_params"))),
                    endpoint=entry.dependant.call if entry.dependant else None,
                    personal_data=entry.shows_personal_data(),
                )
            )
    return sorted(out, key=lambda r: (r.path, r.method))


def holder_of(permission: str) -> str | None:
    """A staff user holding the permission (None: public, or nobody in the seeded centre)."""
    if permission == Permission.PUBLIC:
        return None
    return next((username for username in STAFF if holds(username, permission)), None)


def holds(username: str, permission: str) -> bool:
    """Whether the seeded staff user's role grants the permission."""
    return Actor(username=username, roles=frozenset({STAFF[username].role})).has(permission)


def fill(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


# A handler that produces a file calls one of these (http/downloads.py, the pages' `_pdf` helpers).
_DOCUMENT_SOURCE = re.compile(r"\b(pdf_response|excel_response|file_response|_pdf)\(")


def is_document_route(route: RouteInfo) -> bool:
    """A staff GET route whose handler produces a file (PDF, Excel)."""
    if route.method != "GET" or route.permission.startswith("hall.") or route.endpoint is None:
        return False
    return bool(_DOCUMENT_SOURCE.search(inspect.getsource(route.endpoint)))
