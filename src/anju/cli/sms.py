"""`anju sms inbox PHONE`: what the SMS simulator delivered to one phone (demo and tests).

Until a centre connects its 12329 SMS platform, login codes of the online halls go to the
recording simulator; this is where a demo user reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from anju.bootstrap import Container


def register(app: typer.Typer, *, guard: Callable[..., Any], container: Callable[[], Container]) -> None:
    sms_app = typer.Typer(help="短信（12329 短信平台模拟器）", no_args_is_help=True)
    app.add_typer(sms_app, name="sms")
    console = Console()

    @sms_app.command("inbox")
    def inbox(
        phone: Annotated[str, typer.Argument(help="手机号码")],
        limit: Annotated[int, typer.Option("--limit", min=1, max=50)] = 5,
    ) -> None:
        """Messages sent to one phone, newest first (the simulator's inbox)."""
        from anju.domain.hall import normalise_phone
        from anju.services import sms
        from anju.services.runner import read

        c = container()
        mobile = guard(lambda: normalise_phone(phone))
        messages = guard(lambda: read(c.uow, lambda uow: sms.messages_to(uow, mobile, limit)))
        if not messages:
            console.print(f"{mobile[:3]}****{mobile[-4:]}：没有短信")
        for m in messages:
            console.print(f"{m.created_at:%Y-%m-%d %H:%M:%S} UTC  {m.phone_masked}  {m.text}")
