"""`anju bank …` and `anju bank-sim`: the settlement-platform link for operations staff.

anju bank status                      sign-in state, open instructions and inbox items
anju bank signin | signout            BDC001 / BDC002
anju bank instructions [--state S]    the outbox, newest first
anju bank dispatch E2E_ID [--query]   move one instruction on (query first if its outcome is unknown)
anju bank drive                       move every instruction whose next step is due
anju bank fetch-statement --account A --date D    pull a day's statement (BDC113) and import it
anju bank import-statement FILE       import a statement file handed over by a bank
anju bank reconcile --date D          daily reconciliation (对账) of every account
anju bank-sim --port P                run the settlement-platform simulator (tests, demo)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

T = TypeVar("T")
bank_app = typer.Typer(help="银行结算接口（签到、指令、来账、对账）", no_args_is_help=True)
console = Console()
Guard = Callable[[Callable[[], Any]], Any]

_guard: Guard = lambda fn: fn()  # noqa: E731 - replaced by the main CLI's guard in register()
_container: Callable[[], Any] = lambda: None  # noqa: E731


def register(app: typer.Typer, *, guard: Guard, container: Callable[[], Any]) -> None:
    """Add `anju bank …` and `anju bank-sim` to the main command, with its error handling."""
    global _guard, _container
    _guard, _container = guard, container
    app.add_typer(bank_app, name="bank")
    app.command("bank-sim")(bank_sim)


def start_bank_link(container: Any, out: Console) -> None:
    """For `anju serve`: the notice listener (ANJU_BANK_LISTEN) and the instruction worker."""
    from anju.bootstrap import start_bank_listener, start_bank_worker

    if container.bank is None:
        out.print("银行结算平台：未配置（ANJU_BANK_URL），不收付款")
        return
    listener = _guard(lambda: start_bank_listener(container))
    start_bank_worker(container)
    where = f"，来账通知监听 {listener.url}" if listener is not None else ""
    out.print(f"银行结算平台：{container.settings.bank_sim_url}{where}")


def _actor() -> Any:
    from anju.domain.security import Actor

    return Actor.system("bank-cli")


def _day(text: str | None, container: Any) -> date:
    from anju.services import calendar
    from anju.services.runner import read

    if text:
        return date.fromisoformat(text)
    return _guard(lambda: read(container.uow, calendar.current_business_date))  # type: ignore[no-any-return]


@bank_app.command("status")
def status() -> None:
    """Sign-in state and what is open."""
    from anju.domain.bank import NOTICE_LABELS, STATE_LABELS
    from anju.services import bank
    from anju.services.runner import read

    container = _container()
    view = _guard(
        lambda: read(
            container.uow, lambda uow: bank.session_state(uow, None, configured=container.bank is not None)
        )
    )
    console.print(f"结算平台：{'已配置' if view.configured else '未配置（ANJU_BANK_URL）'}")
    console.print(
        f"签到状态：{view.state_label}" + (f"（平台日期 {view.bdc_date}）" if view.bdc_date else "")
    )
    if view.last_error:
        console.print(f"[yellow]最近错误：{view.last_error}[/yellow]")
    for state, count in sorted(view.instructions.items()):
        console.print(f"  指令 {STATE_LABELS.get(state, state)}：{count}")
    for state, count in sorted(view.notices.items()):
        console.print(f"  来账 {NOTICE_LABELS.get(state, state)}：{count}")


@bank_app.command("signin")
def signin() -> None:
    """Sign in to the settlement platform (BDC001)."""
    from anju.services import bank

    container = _container()
    view = _guard(lambda: bank.sign_in(container.uow, _actor(), container.bank))
    console.print(f"[green]{view.state_label}[/green]")


@bank_app.command("signout")
def signout() -> None:
    """Sign out of the settlement platform (BDC002)."""
    from anju.services import bank

    container = _container()
    view = _guard(lambda: bank.sign_out(container.uow, _actor(), container.bank))
    console.print(view.state_label + (f"（{view.last_error}）" if view.last_error else ""))


@bank_app.command("instructions")
def instructions(
    state: Annotated[
        str | None, typer.Option(help="状态：pending/unknown/processing/succeeded/failed/manual/open")
    ] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数")] = 50,
) -> None:
    """The outbox, newest first."""
    from anju.services import bank
    from anju.services.runner import read

    container = _container()
    rows = _guard(
        lambda: read(container.uow, lambda uow: bank.list_instructions(uow, None, state=state, limit=limit))
    )
    table = Table(title="银行指令")
    for column in ("端到端标识", "类型", "用途", "金额（元）", "状态", "发送", "查询", "银行流水号", "来源"):
        table.add_column(column)
    for v in rows:
        table.add_row(
            v.e2e_id,
            v.kind_label,
            v.purpose_label,
            v.amount.format_cn(),
            v.state_label,
            str(v.sends),
            str(v.queries),
            v.host_serial or "",
            f"{v.source} {v.source_ref}",
        )
    console.print(table)


@bank_app.command("dispatch")
def dispatch(
    e2e_id: Annotated[str, typer.Argument(help="指令端到端标识")],
    query: Annotated[bool, typer.Option("--query", help="对待人工核实的指令再查询一次结果")] = False,
) -> None:
    """Move one instruction on: send it, or query its result before anything else."""
    from anju.services import bank

    container = _container()
    view = _guard(
        lambda: bank.dispatch(container.uow, container.bank, e2e_id, actor=_actor(), force_query=query)
    )
    console.print(
        f"{view.e2e_id}：{view.state_label}" + (f"（{view.rtn_message}）" if view.rtn_message else "")
    )


@bank_app.command("drive")
def drive(limit: Annotated[int, typer.Option(help="最多处理条数")] = 100) -> None:
    """Move every open instruction whose next step is due."""
    from anju.domain.bank import STATE_LABELS
    from anju.services import bank

    container = _container()
    report = _guard(
        lambda: bank.drive_instructions(container.uow, container.bank, limit=limit, actor=_actor())
    )
    console.print(f"处理 {report.looked_at} 条指令")
    for state, count in sorted(report.states.items()):
        console.print(f"  {STATE_LABELS.get(state, state)}：{count}")
    for error in report.errors:
        console.print(f"[red]  {error}[/red]")


def _print_import(view: Any) -> None:
    from anju.domain.bank import NOTICE_LABELS

    if view.already:
        console.print(f"对账单 {view.name or view.file_id} 已导入过，未重复入账")
        return
    console.print(f"已导入对账单 {view.name}：{view.line_count} 笔，新记入来账 {view.new_lines} 笔")
    for state, count in sorted(view.states.items()):
        console.print(f"  {NOTICE_LABELS.get(state, state)}：{count}")


@bank_app.command("fetch-statement")
def fetch_statement(
    account: Annotated[str, typer.Option(help="专户账号")],
    on: Annotated[
        str | None, typer.Option("--date", help="对账单日期 YYYY-MM-DD（默认当前会计日期）")
    ] = None,
) -> None:
    """Pull one account's statement for a day (BDC113) and import it."""
    from anju.services import bank_inbox

    container = _container()
    day = _day(on, container)
    _print_import(
        _guard(lambda: bank_inbox.fetch_statement(container.uow, _actor(), container.bank, account, day))
    )


@bank_app.command("import-statement")
def import_statement(
    file: Annotated[Path, typer.Argument(help="对账单文件（GBK 或 UTF-8 文本）")],
    chunk_size: Annotated[int, typer.Option(help="每个事务处理的笔数")] = 200,
) -> None:
    """Import a statement file a bank handed over; each line is booked at most once."""
    from anju.bootstrap import read_statement_file
    from anju.services import bank_inbox

    container = _container()
    statement = _guard(lambda: read_statement_file(file))
    _print_import(
        _guard(
            lambda: bank_inbox.import_statement(
                container.uow, _actor(), statement, source="upload", chunk_size=chunk_size
            )
        )
    )


@bank_app.command("reconcile")
def reconcile(
    on: Annotated[str | None, typer.Option("--date", help="对账日期 YYYY-MM-DD（默认当前会计日期）")] = None,
) -> None:
    """Reconcile every account for a day: pull statements, compare with the books, report."""
    from anju.services import bank_reconciliation

    container = _container()
    day = _day(on, container)
    report = _guard(lambda: bank_reconciliation.reconcile_day(container.uow, _actor(), day))
    console.print(report.summary())
    for problem in report.problems:
        console.print(f"[yellow]  {problem}[/yellow]")
    table = Table(title=f"{day} 银行对账")
    for column in ("专户", "结果", "银行余额", "账面余额", "相符", "缺失", "重复", "金额不符", "未知"):
        table.add_column(column)
    for r in report.reconciliations:
        table.add_row(
            r.account_no,
            r.state_label,
            r.bank_balance.format_cn() if r.bank_balance is not None else "—",
            r.book_balance.format_cn(),
            *(str(r.counts[v]) for v in ("matched", "missing", "duplicate", "amount_mismatch", "unknown")),
        )
    console.print(table)


sim_app = typer.Typer(help="控制银行结算模拟器（演示、测试）", no_args_is_help=True)
bank_app.add_typer(sim_app, name="sim")


def _sim_call(path: str, body: dict[str, Any] | None = None, control: str | None = None) -> Any:
    """POST (or GET without a body) to the simulator's control endpoint on 127.0.0.1 only."""
    import json
    import os
    import urllib.request
    from urllib.parse import urlsplit

    base = control or os.environ.get("ANJU_BANK_SIM_CONTROL") or "http://127.0.0.1:9101"
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise typer.BadParameter("模拟器控制地址只能是本机 http://127.0.0.1:端口")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback http only, checked above
        base.rstrip("/") + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
        return json.loads(reply.read())


@sim_app.command("remit")
def sim_remit(
    account: Annotated[str, typer.Option(help="收款专户账号")],
    amount: Annotated[str, typer.Option(help="金额（元），如 1234.56")],
    remark: Annotated[str, typer.Option(help="附言（单位汇缴请写单位账号）")] = "",
) -> None:
    """A unit pays into a centre account: the simulator books it and pushes the notice."""
    reply = _sim_call("/remit", {"account_no": account, "amount": amount, "remark": remark})
    console.print(
        f"银行流水号 {reply['serial']}，通知{'已送达' if reply['delivered'] else '未送达（稍后重推）'}"
    )


@sim_app.command("fault")
def sim_fault(
    tx: Annotated[str, typer.Option(help="交易码，如 BDC101、BDC110、SBDC100")],
    mode: Annotated[
        str, typer.Option(help="delay/drop_ack/drop_request/fail/garbage/unknown_status/duplicate")
    ],
    count: Annotated[int, typer.Option(help="生效次数")] = 1,
    delay_ms: Annotated[int, typer.Option(help="延迟毫秒（mode=delay）")] = 0,
) -> None:
    """Inject a fault the next time(s) a message of this transaction code arrives."""
    _sim_call("/faults", {"tx_code": tx, "mode": mode, "count": count, "delay_ms": delay_ms})
    console.print(f"已设置：{tx} {mode} × {count}")


@sim_app.command("state")
def sim_state() -> None:
    """The simulator's accounts and pending notices."""
    from anju.money import Money

    state = _sim_call("/state")
    for account in state["accounts"]:
        kind = "专户" if account["centre"] else "外部"
        balance = Money(int(account["balance_fen"])).format_cn()
        console.print(f"{kind} {account['account_no']} {account['name']}：{balance}")
    console.print(f"待推送通知：{state['pending_pushes']}，模拟器日期 {state['today']}")


def bank_sim(
    port: Annotated[int, typer.Option(help="协议端口（0：任选空闲端口）")] = 9100,
    control_port: Annotated[int | None, typer.Option(help="控制端口（默认协议端口 + 1；0：任选）")] = None,
    db: Annotated[Path | None, typer.Option(help="模拟器自己的 SQLite 文件")] = None,
    notify: Annotated[str | None, typer.Option(help="来账通知推送地址 tcp://host:port")] = None,
    ready_file: Annotated[Path | None, typer.Option(help="就绪后写入“端口 控制端口”的文件")] = None,
) -> None:
    """Run the settlement-platform simulator on 127.0.0.1 (tests and the demo)."""
    from anju.bootstrap import run_bank_simulator
    from anju.settings import load_settings

    control = control_port if control_port is not None else (port + 1 if port else 0)
    path = db or load_settings().home / "bank-sim.db"
    run_bank_simulator(port=port, control_port=control, db_path=path, notify=notify, ready_file=ready_file)
