"""`anju backup`, `anju restore`, `anju restore-drill` (docs/operations/backup.md).

anju backup [FILE]              online backup (+ FILE.manifest.json) while the service runs
anju restore FILE [--force]     restore into ANJU_DATABASE_URL (stop the service first)
anju restore-drill [--from F]   back up (or take F), restore into a scratch database, compare
                                every table with the manifest and run check_ledger() on both
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
Guard = Callable[[Callable[[], Any]], Any]

_guard: Guard = lambda fn: fn()  # noqa: E731 - replaced by the main CLI's guard in register()
_container: Callable[[], Any] = lambda: None  # noqa: E731


def register(app: typer.Typer, *, guard: Guard, container: Callable[[], Any]) -> None:
    global _guard, _container
    _guard, _container = guard, container
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.command("restore-drill")(drill_command)


# --- commands ------------------------------------------------------------------------------------


def backup_command(
    file: Annotated[
        Path | None, typer.Argument(help="备份文件（默认 $ANJU_HOME/backups/anju-<UTC时间>.sqlite|.pgdump）")
    ] = None,
) -> None:
    """Online backup of the database, with a manifest of per-table digests. Safe while serving."""
    from anju.bootstrap import backup_database

    container = _container()
    target, manifest = _guard(lambda: backup_database(container, file))
    rows = sum(t.rows for t in manifest.tables.values())
    console.print(f"[green]备份完成：{target}[/green]")
    console.print(f"  {len(manifest.tables)} 张表，{rows:,} 行，结构版本 {manifest.schema_revision}")
    console.print(f"  清单：{target}.manifest.json（SHA-256 {manifest.file_sha256[:16]}…）")


def restore_command(
    file: Annotated[Path, typer.Argument(help="备份文件（旁边须有 .manifest.json 清单）")],
    force: Annotated[bool, typer.Option("--force", help="目标库已有数据时仍覆盖（先停止服务！）")] = False,
) -> None:
    """Restore a backup into ANJU_DATABASE_URL. Stop the service first."""
    from anju.bootstrap import restore_database
    from anju.settings import load_settings

    settings = load_settings()
    manifest = _guard(lambda: restore_database(file, settings.database_url, force=force))
    console.print(f"[green]恢复完成：{file} → 结构版本 {manifest.schema_revision}[/green]")
    console.print("请运行 anju migrate（如备份来自旧版本）和 anju check-ledger 后再启动服务")


def drill_command(
    from_file: Annotated[
        Path | None, typer.Option("--from", help="演练用的已有备份（默认现场备份一份）")
    ] = None,
) -> None:
    """Restore drill: restore into a scratch database, compare every table and check the ledger."""
    from anju.bootstrap import DrillOutcome, restore_drill

    container = _container()
    outcome: DrillOutcome = _guard(lambda: restore_drill(container, from_file))
    console.print(f"备份文件：{outcome.backup_file}")
    console.print(f"比对 {outcome.tables_compared} 张表；恢复库凭证 {outcome.restored_vouchers:,} 张")
    if not outcome.source_ledger_ok:
        console.print("[red]源库账务检查未通过（请运行 anju check-ledger 查看）[/red]")
    for line in outcome.mismatches:
        console.print(f"[red]  {line}[/red]")
    if not outcome.ok:
        console.print("[red]恢复演练失败[/red]")
        raise typer.Exit(2)
    console.print("[green]恢复演练通过：各表行数与摘要一致，账务检查通过[/green]")
