"""File downloads (PDF, Excel): the body with a safe, RFC 5987-encoded filename.

The suggested name may be Chinese ("汇缴清册_1041…_202407.xlsx"). Browsers get two forms in
Content-Disposition: an ASCII fallback (`filename="..."`, letters, digits, dot, dash and
underscore only) and the UTF-8 name (`filename*=UTF-8''%E6%B1%87...`). Path separators, quotes,
control characters and leading dots are removed first, so no header injection or path survives.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

from starlette.responses import Response

from anju.domain.documents import Document
from anju.domain.sheets import SheetContent
from anju.reports import excel, pdf
from anju.reports.pdf import Digest

MAX_NAME: Final = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename(name: str, default: str = "download") -> str:
    """The name without separators, quotes or control characters, at most 120 characters."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text).strip(" ._")
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    ext = _NOT_ASCII_SAFE.sub("", ext)[:10]
    stem = stem[: MAX_NAME - len(ext) - 1] or default
    return f"{stem}.{ext}" if ext else stem


def ascii_fallback(name: str, default: str = "download") -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = _NOT_ASCII_SAFE.sub("_", stem).strip("._") or default
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str, *, inline: bool = False) -> str:
    safe = clean_filename(name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_fallback(safe)}\"; filename*=UTF-8''{quote(safe, safe='')}"


def file_response(body: bytes, *, media_type: str, filename: str, inline: bool = False) -> Response:
    """A download; never cached (the security middleware marks every reply no-store)."""
    return Response(
        content=body,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename, inline=inline),
            "X-Content-Type-Options": "nosniff",
        },
    )


def pdf_response(content: Document, filename: str, crypto: Digest) -> Response:
    """A printed document (content from the services) rendered to PDF, as a download."""
    return file_response(pdf.render(content, crypto), media_type=pdf.PDF_MEDIA_TYPE, filename=filename)


def excel_response(content: SheetContent) -> Response:
    """A sheet (template or export) as an .xlsx download."""
    return file_response(
        excel.write_sheet(content), media_type=excel.XLSX_MEDIA_TYPE, filename=content.filename
    )
