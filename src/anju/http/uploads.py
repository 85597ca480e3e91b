"""File uploads (Excel rosters, wage-base declarations): size limits, one file, idempotent API calls.

`UploadLimitMiddleware` counts the bytes of every multipart request as they arrive and stops at
the deployment's limit (ANJU_UPLOAD_MAX_MB) before the multipart parser has spooled a large body
anywhere: a declared Content-Length over the limit is refused before one byte is read. The
refusal is an ordinary `RuleViolation` (413), so the API answers JSON and the pages a Chinese
message.

Uploads are kept in memory and parsed there; the uploaded file's name is never used, never
stored and never echoed (reliability.md F4).

API uploads take an Idempotency-Key like every mutating call. The key's fingerprint covers the
method, path, form fields and the SM3 of the file — not the raw multipart body, whose boundary
a client regenerates on every retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju.domain.security import Actor
from anju.errors import AuthenticationFailed, RuleViolation
from anju.http.context import HALL_REALM, Session, container_of
from anju.http.guard import Guard
from anju.http.idempotency import (
    KEY_HEADER,
    MARK,
    Command,
    hall_principal,
    operator_principal,
    validate_key,
)
from anju.reports.excel import ExcelLimits
from anju.services.ports import IdempotencyClaim

MIB: Final = 1024 * 1024
FORM_OVERHEAD: Final = 64 * 1024  # boundaries, the CSRF token and a few small fields
FILE_FIELD: Final = "file"
MAX_FIELDS: Final = 20
MAX_FIELD_BYTES: Final = 4096


class UploadRuleViolation(RuleViolation):
    """An upload request without its file, or with more than one."""


class UploadTooLarge(RuleViolation):
    """The request body is over the upload limit: refused before it is stored anywhere."""

    http_status: ClassVar[int] = 413


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower().startswith(b"multipart/form-data")
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class UploadLimitMiddleware:
    """Caps the body of every multipart request at `max_bytes` (+ a little for the form)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limit = max_bytes + FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0
        max_mb = max(1, self.max_bytes // MIB)

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.limit:
                raise UploadTooLarge("upload_too_large", max_mb=max_mb)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise UploadTooLarge("upload_too_large", max_mb=max_mb)
            return message

        await self.app(scope, limited_receive, send)


@dataclass(frozen=True, slots=True)
class Upload:
    """The uploaded file's bytes and the form's text fields (never the file's name)."""

    data: bytes
    fields: dict[str, str]


async def read_upload(request: Request, *, max_bytes: int) -> Upload:
    """The one file of a multipart form (field "file") and its small text fields."""
    form = await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    files = [v for k, v in form.multi_items() if k == FILE_FIELD and isinstance(v, UploadFile)]
    if len(files) != 1:
        raise UploadRuleViolation("upload_missing")
    data = await files[0].read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadTooLarge("upload_too_large", max_mb=max(1, max_bytes // MIB))
    if not data:
        raise UploadRuleViolation("upload_empty")
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    return Upload(data=data, fields=fields)


def upload_max_bytes(request: Request) -> int:
    return int(container_of(request).settings.upload_max_mb) * MIB


def excel_limits(request: Request) -> ExcelLimits:
    """The deployment's limits for uploaded sheets (ANJU_UPLOAD_MAX_MB, ANJU_EXCEL_MAX_ROWS)."""
    settings = container_of(request).settings
    return ExcelLimits(max_bytes=int(settings.upload_max_mb) * MIB, max_rows=int(settings.excel_max_rows))


@dataclass(frozen=True, slots=True)
class UploadCommand:
    """What a mutating upload route gets: the upload and the claimed idempotency key."""

    command: Command
    upload: Upload


def upload_command(permission: str) -> Any:
    """Declare an API upload route: its one permission, an Idempotency-Key and the file."""
    return _upload_command(Guard(permission), operator_principal)


def hall_upload_command(permission: str) -> Any:
    """The same for a hall route (a unit's Excel roster): keys scoped to the hall account."""
    return _upload_command(Guard(permission, realm=HALL_REALM), hall_principal)


def _upload_command(guard: Guard, principal_of: Callable[[Actor], str | None]) -> Any:
    async def idempotent_upload(request: Request, session: Session | None = Depends(guard)) -> UploadCommand:
        principal = None if session is None else principal_of(session.actor)
        if session is None or principal is None:
            raise AuthenticationFailed("not_authenticated")
        key = validate_key(request.headers.get(KEY_HEADER))
        upload = await read_upload(request, max_bytes=upload_max_bytes(request))
        container = container_of(request)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")

        def digest() -> str:
            file_hash = container.crypto.sm3(upload.data).hex()
            fields = {k: v for k, v in upload.fields.items() if k != "csrf_token"}
            text = "\n".join(
                [request.method, target, json.dumps(fields, ensure_ascii=False, sort_keys=True), file_hash]
            )
            return str(container.crypto.sm3(text.encode("utf-8")).hex())

        fingerprint = await run_in_threadpool(digest)
        claim = IdempotencyClaim(principal=principal, key=key, fingerprint=fingerprint)
        return UploadCommand(Command(container=container, session=session, claim=claim), upload)

    setattr(idempotent_upload, MARK, True)
    return Depends(idempotent_upload)
