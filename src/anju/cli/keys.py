"""`anju keys versions | reencrypt`: the SM4 data-key rotation (reliability.md K6).

Rotation: set ANJU_DATA_KEY_VERSION to the new version, restart (new writes use it; old rows
still decrypt), then run `anju keys reencrypt` to move the old rows over. See
docs/operations/rotate-keys.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from anju.bootstrap import Container


def register(app: typer.Typer, *, guard: Callable[..., Any], container: Callable[[], Container]) -> None:
    keys_app = typer.Typer(help="数据密钥（SM4）轮换", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")
    console = Console()

    @keys_app.command("versions")
    def versions() -> None:
        """How many stored personal-data values each data-key version encrypts."""
        from anju.batch import data_keys

        c = container()
        counts = guard(lambda: data_keys.versions(c.engine, c.crypto))
        console.print(f"新写入使用的数据密钥版本：v{c.crypto.data_key_version}")
        for version, n in sorted(counts.items()):
            console.print(f"  v{version}: {n} 个加密值")

    @keys_app.command("reencrypt")
    def reencrypt(
        chunk: Annotated[int, typer.Option("--chunk", min=1, max=100_000, help="每批行数")] = 1000,
    ) -> None:
        """Re-encrypt every stored value under the current data-key version (audited)."""
        from anju.batch import data_keys

        c = container()
        version = c.crypto.data_key_version
        done = guard(lambda: data_keys.reencrypt(c.engine, c.crypto, c.uow, chunk=chunk))
        console.print(f"已按数据密钥 v{version} 重新加密 {sum(done.values())} 个值")
        for name, n in done.items():
            if n:
                console.print(f"  {name}: {n}")
