"""The `anju` command: operations for the centre's IT staff (DESIGN.md §10).

anju init [--demo]      create keys and the database, seed the chart and the reference policy
anju migrate            bring the schema to the latest version
anju serve              serve the web app and the API
anju demo               add the demo centre (branches, banks, operators of each role)
anju policy show|import versioned local policy
anju eod                run end of day and advance the business date
anju audit verify       verify the audit log's HMAC-SM3 chain
anju check-ledger       verify every ledger invariant
anju backup | restore | restore-drill   online backup, restore, restore drill (cli/backup.py)
anju keys versions | reencrypt          SM4 data-key rotation (cli/keys.py)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from anju.errors import AnjuError

if TYPE_CHECKING:
    from anju.bootstrap import Container

app = typer.Typer(help="安居住房公积金核心业务系统 — 运维命令", no_args_is_help=True, add_completion=False)
policy_app = typer.Typer(help="政策参数（版本化）", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
batch_app = typer.Typer(help="批处理作业", no_args_is_help=True)
app.add_typer(batch_app, name="batch")
console = Console()
T = TypeVar("T")
# The reference policy shipped with Anju (policies/reference.toml at the repository root).
REFERENCE_POLICY = Path(__file__).resolve().parents[3] / "policies" / "reference.toml"
CITY_HELP = "装入模拟城市（small：约 2,000 人、100 个单位、三年汇缴历史，演示用）；库中已有单位时跳过"


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]错误：{message}[/red]")
    return typer.Exit(code)


def _guard(fn: Callable[[], T]) -> T:
    """Run a command body; an AnjuError becomes its Chinese message and exit status 1."""
    try:
        return fn()
    except AnjuError as exc:
        raise _fail(exc.message) from exc


def _container() -> Container:
    from anju.bootstrap import build

    return _guard(build)


@app.command()
def init(
    demo: Annotated[
        bool, typer.Option("--demo", help="同时创建演示中心、管理部、银行和各角色操作员")
    ] = False,
    business_date: Annotated[str | None, typer.Option(help="初始会计日期 YYYY-MM-DD（默认今天）")] = None,
    city: Annotated[str | None, typer.Option("--city", help=CITY_HELP)] = None,
) -> None:
    """Create the master key, the database and its reference data. Safe to run again."""
    from anju.bootstrap import build, create_master_key_if_missing, upgrade_schema
    from anju.settings import load_settings

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    if create_master_key_if_missing(settings):
        console.print(f"已生成主密钥：{settings.master_key_file}（请妥善备份，丢失后加密数据无法恢复）")
    container = _guard(lambda: build(settings))
    upgrade_schema(container.engine)
    from anju.services import setup

    day = date.fromisoformat(business_date) if business_date else setup.local_date(container.clock.now_utc())
    reference = REFERENCE_POLICY.read_text(encoding="utf-8")
    result = _guard(lambda: setup.initialise(container.uow, business_date=day, reference_policy=reference))
    for line in result:
        console.print(line)
    if city:  # first: the city goes only into a database without units (the demo adds some)
        _load_city(container, city)
    if demo:
        _seed_demo(container)


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest version."""
    from anju.bootstrap import schema_revision, upgrade_schema

    container = _container()
    upgrade_schema(container.engine)
    current, head = schema_revision(container.engine)
    console.print(f"数据库结构版本：{current}（最新 {head}）")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
) -> None:
    """Serve the web pages and the JSON API."""
    import uvicorn

    from anju.api.app import create_app

    container = _container()
    bank_cli.start_bank_link(container, console)
    console.print(f"安居 正在 http://{host}:{port}/ 提供服务（API 文档 /docs）")
    uvicorn.run(create_app(container), host=host, port=port, log_level="info", proxy_headers=False)


def _seed_demo(container: Container) -> None:
    from anju.services import setup

    lines = _guard(lambda: setup.seed_demo(container.uow))
    for line in lines:
        console.print(line)


def _load_city(container: Container, size: str) -> None:
    from anju.batch.synthetic_city import SIZES, generate_if_empty

    if size not in SIZES:
        raise _fail(f"模拟城市规模应为 {'、'.join(SIZES)} 之一")
    report = _guard(
        lambda: generate_if_empty(container, size, progress=lambda line: console.print(f"  {line}"))
    )
    if report is None:
        console.print("模拟城市：库中已有单位数据，跳过")
        return
    console.print(
        f"模拟城市：{report.units:,} 个单位，{report.persons:,} 人（封存 {report.sealed_members:,}），"
        f"{report.vouchers:,} 张汇缴凭证，存款余额 {report.total_deposits.format_cn()} 元，"
        f"用时 {report.total_seconds:.1f} 秒"
    )
    console.print(f"  例：单位 {report.big_units[0]}，个人账号 {report.sample_members[0]}（本部柜员可查）")


@app.command()
def demo(
    city: Annotated[str | None, typer.Option("--city", help=CITY_HELP)] = None,
) -> None:
    """Add the demo centre and print the demo operators' credentials; --city small adds people."""
    container = _container()
    if city:
        _load_city(container, city)
    _seed_demo(container)


@app.command("demo-totp")
def demo_totp(username: Annotated[str, typer.Argument(help="演示操作员用户名")]) -> None:
    """Print the current TOTP code of a demo operator (demo only; real operators use an app)."""
    from anju.services import setup

    container = _container()
    console.print(_guard(lambda: setup.demo_totp_code(username, container.clock.now_utc())))


@policy_app.command("show")
def policy_show(
    on: Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD（默认当前会计日期）")] = None,
) -> None:
    """Show the policy in force on a date."""
    import json

    from anju.services import calendar, policy
    from anju.services.runner import read

    container = _container()

    def body(uow):  # type: ignore[no-untyped-def]
        day = date.fromisoformat(on) if on else calendar.current_business_date(uow)
        return day, policy.show_policy(uow, day)

    day, shown = _guard(lambda: read(container.uow, body))
    console.print(f"[bold]{day} 生效的政策参数[/bold]")
    console.print_json(json.dumps(shown, ensure_ascii=False, default=str))


@policy_app.command("import")
def policy_import(
    file: Annotated[Path, typer.Argument(help="政策文件（TOML，格式同 policies/reference.toml）")],
    effective_date: Annotated[str, typer.Option(help="生效日期 YYYY-MM-DD")],
    document_no: Annotated[str, typer.Option(help="批准文号")],
    approved_by: Annotated[str, typer.Option(help="批准人或批准机构")],
) -> None:
    """Import a new policy version; the version in force before it is kept unchanged."""
    from anju.services import policy
    from anju.services.runner import run

    container = _container()
    text = file.read_text(encoding="utf-8")
    view = _guard(
        lambda: run(
            container.uow,
            lambda uow: policy.import_policy(
                uow,
                None,
                text,
                effective_date=date.fromisoformat(effective_date),
                document_no=document_no,
                approved_by=approved_by,
            ),
        )
    )
    console.print(f"已导入政策版本：{view}")


@app.command()
def eod(
    on: Annotated[str | None, typer.Option("--date", help="预期的当前会计日期（防止误操作）")] = None,
) -> None:
    """Run the end-of-day steps in order and advance the business date by one day."""
    from anju.domain.security import Actor
    from anju.services import end_of_day

    container = _container()
    expected = date.fromisoformat(on) if on else None
    report = _guard(lambda: end_of_day.run_end_of_day(container.uow, Actor.system("eod"), expected))
    console.print(str(report))
    _deliver_sms(container)


def _deliver_sms(container: Container) -> None:
    """Send what the steps queued in the SMS outbox (loan reminders, issue 8) after their commit."""
    from anju.services import sms
    from anju.services.runner import run

    while run(container.uow, lambda uow: sms.deliver_queued(uow, container.sms)) >= sms.DELIVERY_BATCH:
        pass


ANCHOR_DIR_HELP = "锚点目录（默认 $ANJU_HOME/audit-anchors；应定期复制到本系统以外保存）"
ANCHOR_REASONS = {
    "anchor_foreign_key": "锚点不是本中心密钥签发的",
    "anchor_signature_invalid": "锚点签名无效（锚点文件被改动）",
    "truncated": "审计日志在锚点之后被截断",
    "rewritten": "锚点所记的审计记录已被改写",
}


def _anchor_dir(container: Container, given: Path | None) -> Path:
    return given if given is not None else container.settings.home / "audit-anchors"


@audit_app.command("verify")
def audit_verify(
    anchors: Annotated[Path | None, typer.Option("--anchors", help=ANCHOR_DIR_HELP)] = None,
) -> None:
    """Verify the HMAC-SM3 chain of the audit log, and every signed anchor against it."""
    from anju.services import audit
    from anju.services.runner import read

    container = _container()
    verdict = _guard(lambda: read(container.uow, audit.verify_audit_chain))
    if not verdict.ok:
        console.print(f"[red]审计日志链断裂：第 {verdict.first_broken_seq} 条记录（{verdict.reason}）[/red]")
        raise typer.Exit(2)
    console.print(f"[green]审计日志链完整：已校验 {verdict.checked} 条记录[/green]")
    folder = _anchor_dir(container, anchors)
    files = sorted(folder.glob("anchor-*.json")) if folder.is_dir() else []
    broken = 0
    parsed: list[tuple[str, audit.AuditAnchor]] = []
    for file in files:
        try:
            parsed.append((file.name, audit.AuditAnchor.from_json(file.read_text(encoding="utf-8"))))
        except (ValueError, KeyError):
            console.print(f"[red]{file.name}：不是审计锚点文件[/red]")
            broken += 1
    verdicts = _guard(
        lambda: read(container.uow, lambda uow: [audit.check_anchor(uow, a) for _, a in parsed])
    )
    for (name, anchor), found in zip(parsed, verdicts, strict=True):
        if not found.ok:
            console.print(f"[red]{name}：第 {anchor.seq} 条，{ANCHOR_REASONS[found.reason or '']}[/red]")
            broken += 1
    if broken:
        raise typer.Exit(2)
    if files:
        console.print(f"[green]{len(files)} 个签名锚点均与审计日志一致[/green]")


@audit_app.command("anchor")
def audit_anchor(
    directory: Annotated[Path | None, typer.Option("--dir", help=ANCHOR_DIR_HELP)] = None,
) -> None:
    """Sign the audit chain's head with SM2 and write the anchor file (run daily, copy off-system)."""
    from anju.domain.security import Actor
    from anju.services import audit
    from anju.services.runner import run

    container = _container()
    anchor = _guard(lambda: run(container.uow, lambda uow: audit.make_anchor(uow, Actor.system("audit"))))
    folder = _anchor_dir(container, directory)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = anchor.issued_at[:19].replace(":", "").replace("-", "")
    target = folder / f"anchor-{stamp}-{anchor.seq:012d}.json"
    target.write_text(anchor.to_json() + "\n", encoding="utf-8")
    console.print(f"审计锚点：第 {anchor.seq} 条记录，已签名写入 {target}（请复制到本系统以外保存）")


@app.command("check-ledger")
def check_ledger() -> None:
    """Verify every ledger invariant (balanced vouchers, balances, floors, sub-ledgers, chain)."""
    from anju.services import ledger
    from anju.services.runner import read

    container = _container()
    report = _guard(lambda: read(container.uow, ledger.check_ledger))
    table = Table(title="账务检查")
    table.add_column("检查项")
    table.add_column("结果")
    for problem in report.problems:
        table.add_row("问题", problem)
    if report.ok:
        console.print("[green]账务检查通过：所有凭证借贷平衡，余额与分录一致，明细账与总账相符[/green]")
        return
    console.print(table)
    raise typer.Exit(2)


@batch_app.command("run")
def batch_run(
    name: Annotated[str, typer.Argument(help="作业名称")],
    on: Annotated[str | None, typer.Option("--date", help="会计日期 YYYY-MM-DD（默认当前会计日期）")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="每批处理条数（默认由作业决定）")] = None,
) -> None:
    """Run (or resume) a batch job with a progress bar and ETA."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from anju.batch import jobs  # noqa: F401 - registers every job
    from anju.batch.registry import JOBS
    from anju.batch.runner import DEFAULT_CHUNK_SIZE, run_job
    from anju.domain.security import Actor
    from anju.services import calendar
    from anju.services.runner import read

    job = JOBS.get(name)
    if job is None:
        known = "、".join(sorted(JOBS)) or "（暂无）"
        raise _fail(f"批处理作业 {name} 不存在；可用作业：{known}")
    container = _container()
    day = (
        date.fromisoformat(on) if on else _guard(lambda: read(container.uow, calendar.current_business_date))
    )
    columns = (TextColumn(job.label_zh), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(job.label_zh, total=None)

        def show(p):  # type: ignore[no-untyped-def]
            bar.update(task, completed=p.done + p.failed, total=p.total or None)

        report = _guard(
            lambda: run_job(
                container.uow,
                job,
                day,
                actor=Actor.system(name),
                chunk_size=chunk_size or int(getattr(job, "chunk_size", DEFAULT_CHUNK_SIZE)),
                on_progress=show,
            )
        )
    console.print(str(report))
    for failure in report.failures[:20]:
        console.print(f"  失败 {failure.item_key}：{failure.message}")
    _deliver_sms(container)


@batch_app.command("list")
def batch_list() -> None:
    """Recent job runs with their state and counts."""
    from anju.services.runner import read

    container = _container()
    runs = _guard(lambda: read(container.uow, lambda uow: uow.batch.list_runs(limit=30)))
    table = Table(title="批处理运行记录")
    for column in ("编号", "作业", "会计日期", "状态", "完成", "失败", "批次", "开始（UTC）"):
        table.add_column(column)
    for r in runs:
        table.add_row(
            str(r.id),
            r.job_name,
            str(r.business_date),
            r.state,
            str(r.done_items),
            str(r.failed_items),
            str(r.chunks),
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    console.print(table)


from anju.cli import bank as bank_cli  # noqa: E402 - needs _guard and _container above

bank_cli.register(app, guard=_guard, container=_container)

from anju.cli import sms as sms_cli  # noqa: E402 - needs _guard and _container above

sms_cli.register(app, guard=_guard, container=_container)
# --- data-key rotation (reliability: K6; docs/operations/rotate-keys.md) ---
from anju.cli import keys as keys_cli  # noqa: E402 - needs _guard and _container above

keys_cli.register(app, guard=_guard, container=_container)
# --- backups and restore drills (reliability: B1, B4; docs/operations/backup.md) ---
from anju.cli import backup as backup_cli  # noqa: E402

backup_cli.register(app, guard=_guard, container=_container)


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="anju")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
