"""JSON responses with a stable byte form, so a replayed reply is identical to the first one."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def dumps(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


class StableJSONResponse(JSONResponse):
    """Keys sorted, no whitespace, UTF-8 (Chinese messages stay readable)."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
