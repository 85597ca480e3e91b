"""Idempotency keys for every mutating API call (DESIGN.md §3, reliability.md I1–I4).

The key is scoped to the caller (`operator:<id>`), claimed in the same transaction as the
command's effects, and the first reply is stored; a replay returns it with
`Idempotent-Replayed: true`. The same key with another body is a conflict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.errors import AuthenticationFailed, RuleViolation
from anju.http.context import HALL_REALM, Session, container_of
from anju.http.guard import Guard
from anju.http.responses import StableJSONResponse
from anju.services.ports import IdempotencyClaim, StoredResponse, UnitOfWork
from anju.services.runner import run_idempotent

KEY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
MARK = "anju_idempotent"


class IdempotencyKeyError(RuleViolation):
    """The Idempotency-Key header is missing or malformed."""


def validate_key(value: str | None) -> str:
    if value is None or value == "":
        raise IdempotencyKeyError("idempotency_key_required")
    if not _KEY_RE.match(value):
        raise IdempotencyKeyError("idempotency_key_invalid")
    return value


def canonical_body(raw: bytes) -> str:
    """The body as canonical JSON (sorted keys, no whitespace), so formatting does not matter."""
    if not raw.strip():
        return ""
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except ValueError:
        return raw.decode("utf-8", "replace")


def fingerprint(container: Container, method: str, target: str, raw_body: bytes) -> str:
    """SM3 (hex) of method, path with query, and canonical body."""
    text = f"{method}\n{target}\n{canonical_body(raw_body)}"
    digest: Any = container.crypto.sm3(text.encode("utf-8"))
    return digest.hex() if isinstance(digest, bytes | bytearray) else str(digest)


@dataclass(frozen=True, slots=True)
class Command:
    """What a mutating API route gets: the session and the claimed key, ready to execute once."""

    container: Container
    session: Session
    claim: IdempotencyClaim

    @property
    def actor(self) -> Actor:
        return self.session.actor

    def execute(
        self,
        fn: Callable[[UnitOfWork], BaseModel | Mapping[str, Any]],
        *,
        status_code: int = 200,
        redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> Response:
        """Run `fn` once under the key; a replay returns the first reply byte for byte.

        `redact` gives the version to keep for replays when the first reply shows a secret once
        (an initial password): secrets are never stored, so such a replay omits them.
        """
        first: dict[str, Any] = {}

        def body(uow: UnitOfWork) -> StoredResponse:
            result = fn(uow)
            payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else dict(result)
            first["payload"] = payload
            return StoredResponse(status=status_code, body=redact(payload) if redact else payload)

        stored, replayed = run_idempotent(self.container.uow, self.claim, body)
        reply = dict(stored.body) if replayed else first["payload"]
        response = StableJSONResponse(reply, status_code=stored.status)
        if replayed:
            response.headers[REPLAY_HEADER] = "true"
        return response


def command(permission: str) -> Any:
    """Declare a mutating API route: its one permission plus a required Idempotency-Key."""
    return _idempotent(Guard(permission), operator_principal)


def operator_principal(actor: Actor) -> str | None:
    """Whose keys these are at the counter: the operator (None: not a staff session)."""
    return None if actor.operator_id is None else f"operator:{actor.operator_id}"


def hall_principal(actor: Actor) -> str | None:
    """Whose keys these are in a hall: the hall account (`hall:<kind>:<login>`, unique per account)."""
    return actor.username if actor.username.startswith("hall:") else None


def hall_command(permission: str) -> Any:
    """The same for a hall route: keys are scoped to the hall account (its username is
    `hall:<login>`, unique per account), so two units can never replay each other's replies."""
    return _idempotent(Guard(permission, realm=HALL_REALM), hall_principal)


def _idempotent(guard: Guard, principal_of: Callable[[Actor], str | None]) -> Any:
    async def idempotent_command(request: Request, session: Session | None = Depends(guard)) -> Command:
        principal = None if session is None else principal_of(session.actor)
        if session is None or principal is None:
            raise AuthenticationFailed("not_authenticated")
        key = validate_key(request.headers.get(KEY_HEADER))
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        container = container_of(request)
        raw = await request.body()
        digest = await run_in_threadpool(fingerprint, container, request.method, target, raw)
        claim = IdempotencyClaim(principal=principal, key=key, fingerprint=digest)
        return Command(container=container, session=session, claim=claim)

    setattr(idempotent_command, MARK, True)
    return Depends(idempotent_command)


def is_idempotent_call(call: object) -> bool:
    return bool(getattr(call, MARK, False))
