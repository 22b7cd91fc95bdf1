"""The `shuping` command line: parse arguments, make one library call, render, exit.

Exit codes (TEMPLATE.md section 6): 0 done; 1 problems in the workbook or a part
failed; 2 the input cannot be used (missing, not a workbook, a usage error).
JSON goes to stdout as UTF-8 whatever the console's codepage; no traceback ever
reaches a clerk (set SHUPING_DEBUG=1 to see one).
"""
from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, Sequence

import typer

from .comments import describe_match
from .errors import ShupingError
from .issues import Issue, has_errors, issues_to_json, render_issue, summary_line

try:   # typer vendors click since 0.16; before, it used click itself
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as _click_errors  # type: ignore[no-redef]

from typer.core import TyperGroup


def _usage_line(ctx) -> str:
    """click's "Usage: shuping check [OPTIONS] {path}" in Chinese."""
    if ctx is None:
        return "用法：shuping 命令 [参数]…"
    return ctx.get_usage().strip()


def _param_words(param, hint: str | None = None) -> str:
    """A parameter as the clerk knows it: --out / PATH（工作簿文件（.xlsx））."""
    if param is None:
        return (hint if isinstance(hint, str) else "/".join(hint or ())) or "参数"
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    name = "/".join(opts) if opts else (getattr(param, "metavar", None) or (param.name or "").upper())
    help_text = getattr(param, "help", None)
    return f"{name}（{help_text}）" if help_text else name


def usage_message(exc) -> str:
    """The Chinese sentence for one of click's usage errors (never its English text)."""
    import difflib
    import re

    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, _click_errors.MissingParameter):
        kind = "选项" if getattr(exc.param, "opts", None) and exc.param.opts[0].startswith("-") else "参数"
        return f"缺少{kind} {_param_words(exc.param, exc.param_hint)}"
    if isinstance(exc, _click_errors.NoSuchOption):
        text = f"没有“{exc.option_name}”这个选项"
        if exc.possibilities:
            text += f"，是不是 {' / '.join(sorted(exc.possibilities))}？"
        return text
    if isinstance(exc, _click_errors.BadOptionUsage):
        if "requires an argument" in exc.message:
            return f"选项“{exc.option_name}”后面要跟一个值"
        return f"选项“{exc.option_name}”用法有误"
    if isinstance(exc, _click_errors.BadParameter):
        found = re.findall(r"'([^']*)'", exc.message or "")
        typed = f"“{found[0]}”" if found else ""
        return f"{_param_words(exc.param, exc.param_hint)} 的值{typed}无效"
    message = exc.message if isinstance(exc.message, str) else ""
    command = re.match(r"No such command '([^']*)'", message)
    if command:
        names = list(ctx.command.list_commands(ctx)) if ctx is not None else []
        close = difflib.get_close_matches(command.group(1), names, n=1)
        return (f"没有“{command.group(1)}”这个命令" + (f"，是不是 {close[0]}？" if close else "。")
                + (f"可用的命令：{'、'.join(names)}" if names else ""))
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return f"多余的参数：{extra.group(1)}（路径中有空格时请加引号）"
    if message.startswith("Missing command"):
        names = list(ctx.command.list_commands(ctx)) if ctx is not None else []
        return "缺少命令" + (f"，应为 {'、'.join(names)} 之一" if names else "")
    return "命令用法有误"


_HELP_WORDS = {"Options": "选项", "Arguments": "参数", "Commands": "命令",
               "Show this message and exit.": "显示本说明并退出。", "[required]": "[必填]",
               "required": "必填", "[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]…"}


def _help_formatter_class(base):
    """click's help formatter with its English words (Usage, Options, …) in Chinese."""
    class ChineseHelpFormatter(base):
        def write_usage(self, prog, args="", prefix=None):
            for english, chinese in _HELP_WORDS.items():
                args = args.replace(english, chinese)
            super().write_usage(prog, args, "用法：" if prefix is None else prefix)

        def write_heading(self, heading):
            super().write_heading(_HELP_WORDS.get(heading, heading))

        def write_dl(self, rows, *more, **options):
            def words(text):
                for english, chinese in _HELP_WORDS.items():
                    text = text.replace(english, chinese)
                # click's trailing "[default: X; required]" (any option left showing its default)
                return re.sub(r"\[([^\[\]]*)\]\s*$",
                              lambda m: "[" + m.group(1).replace("default: ", "默认：").replace("; ", "；") + "]",
                              text)
            super().write_dl([(first, words(second)) for first, second in rows], *more, **options)
    return ChineseHelpFormatter


try:   # every Context of this process (the group's and its commands') formats help in Chinese
    from typer._click import core as _click_core
except ImportError:  # pragma: no cover - older typer
    from click import core as _click_core  # type: ignore[no-redef]
if not getattr(_click_core.Context.formatter_class, "shuping", False):
    _click_core.Context.formatter_class = _help_formatter_class(_click_core.Context.formatter_class)
    _click_core.Context.formatter_class.shuping = True


class ShupingGroup(TyperGroup):
    """The command line's own errors (missing argument, unknown option or command, a bad
    value) in Chinese, exit 2 — whatever called the group (`main()`, a test runner)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args=args, prog_name="shuping", complete_var=complete_var,
                                standalone_mode=False, **extra)
        except _click_errors.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n") if exc.ctx else None
            sys.exit(2)
        except _click_errors.UsageError as exc:
            ctx = getattr(exc, "ctx", None)
            command = ctx.command_path if ctx is not None else "shuping"
            message = usage_message(exc)
            sys.stderr.write(f"{_usage_line(ctx)}\n错误：{message}{'' if message[-1] in '。？' else '。'}\n"
                             f"运行 {command} --help 查看说明和示例。\n")
            sys.exit(2)
        except _click_errors.Abort:
            sys.stderr.write("已取消，未做任何改动。\n")
            sys.exit(1)
        except _click_errors.ClickException as exc:   # pragma: no cover - no command raises one
            sys.stderr.write(f"错误：命令无法执行（{type(exc).__name__}）。\n")
            sys.exit(exc.exit_code)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=ShupingGroup, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="述评（shuping）：述职评议会的检查、计票、排名与等次。\n\n示例：shuping demo",
)

WorkbookPath = Annotated[Path, typer.Argument(help="工作簿文件（.xlsx）", show_default=False)]
OutDir = Annotated[Optional[Path], typer.Option("-o", "--out", help="输出文件夹（默认：工作簿旁的 <文件名>_成果/）")]
JsonOut = Annotated[Optional[str], typer.Option("--json", help="把结果写成 JSON 文件；写 - 表示只向标准输出打印 JSON")]
Force = Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")]

MAX_SHOWN_PER_CODE = 50


def _stdout_console():
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    """UTF-8 bytes on stdout, whatever the console's codepage."""
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        sys.stdout.write(text)


def print_issues(issues: Sequence[Issue], console=None) -> None:
    """A readable Chinese table: level, place, message; long runs of one code folded."""
    from rich.table import Table

    console = console or _stderr_console()
    if not issues:
        return
    table = Table(show_header=True, header_style="bold", show_lines=False, box=None, pad_edge=False)
    table.add_column("级别", no_wrap=True)
    table.add_column("位置", no_wrap=True)
    table.add_column("问题", overflow="fold")
    shown: Counter[str] = Counter()
    for issue in issues:
        shown[issue.code] += 1
        if shown[issue.code] > MAX_SHOWN_PER_CODE:
            continue
        style = "red" if issue.is_error else "yellow"
        place = render_issue(issue).split("：", 1)[0]
        table.add_row(f"[{style}]{issue.level.label}[/]", place, issue.message)
    console.print(table)
    for code, count in shown.items():
        if count > MAX_SHOWN_PER_CODE:
            console.print(f"（{code} 类问题共 {count} 处，以上只列出前 {MAX_SHOWN_PER_CODE} 处）")


def stop_on(issues: Sequence[Issue], what: str = "") -> None:
    """The problems that stop a command, then exit 1 (nothing was changed)."""
    if issues:
        print_issues(issues)
        if what:
            _stderr_console().print(f"[red]{what}[/]请先改正上面的错误。")
        raise typer.Exit(1)


def guarded(command: Callable) -> Callable:
    """Map ShupingError to its exit code and any other exception to one Chinese line."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ShupingError as exc:
            from rich.markup import escape

            _stderr_console().print(f"[red]错误：[/]{escape(str(exc))}")   # [app], [1] in a name: as written
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _stderr_console().print("已中断，未做任何改动。")
            raise typer.Exit(1) from None
        except Exception as exc:  # a bug: the clerk gets one line, a developer the traceback
            if os.environ.get("SHUPING_DEBUG"):
                raise
            _stderr_console().print(
                f"[red]内部错误：[/]{type(exc).__name__}: {exc}\n请把这条信息和工作簿反馈给开发人员"
                "（设置环境变量 SHUPING_DEBUG=1 可看到详细信息）。")
            raise typer.Exit(1) from None
    return wrapper


@app.command()
@guarded
def new(path: WorkbookPath,
        demo: Annotated[bool, typer.Option("--demo", help="填入一次完整的示例会议（11位述职人、约150张票）")] = False,
        force: Force = False,
        demo_totals: Annotated[bool, typer.Option("--demo-totals", help="示例会议按唱票汇总录入（计票录入表）")] = False,
        ) -> None:
    """生成空白的述职评议工作簿模板（或 --demo 示例）。

    示例：shuping new 2024述职评议.xlsx
    """
    from .api import new_demo_totals, new_workbook

    written = new_demo_totals(path, force=force) if demo_totals else new_workbook(path, demo=demo, force=force)
    _stdout_console().print(f"已生成：{written}")


@app.command()
@guarded
def check(path: WorkbookPath,
          as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出问题清单")] = False) -> None:
    """检查工作簿，一次列出所有问题（不修改工作簿）。

    示例：shuping check 2024述职评议.xlsx --json
    """
    from .api import check_workbook
    from .totals import count_mode, mode_sentence

    book, issues = check_workbook(path)
    if as_json:
        emit_json({**issues_to_json(issues), "mode": count_mode(book)})
    else:
        console = _stdout_console()
        print_issues(issues, console)
        console.print(mode_sentence(book))
        console.print(summary_line(issues))
    raise typer.Exit(1 if has_errors(issues) else 0)


def print_ranking(result, console) -> None:
    from rich.table import Table

    from .report import ranking_rows

    table = Table(title=result.book.meeting.shown_title or "计票结果", header_style="bold")
    for header in ("排名", "编号", "姓名", "党组织", "得分", "好评率", "等次"):
        table.add_column(header, justify="right" if header in ("排名", "得分", "好评率") else "left")
    for row in ranking_rows(result):
        table.add_row(*row)
    console.print(table)
    t = result.total
    console.print(f"发放 {t.issued if t.issued is not None else '—'} 张，回收 {t.returned} 张，"
                  f"废票 {t.void} 张，空白票 {t.blank} 张，有效票 {t.valid} 张。")


@app.command(name="tally")
@guarded
def tally_command(path: WorkbookPath, out: OutDir = None, json_out: JsonOut = None,
                  totals_out: Annotated[Optional[Path], typer.Option(
                      "--totals-out", help="另存一份按唱票汇总录入的副本（计票录入表），用于两种录入方式互相核对")] = None,
                  paper: Annotated[Optional[str], typer.Option(
                      "--paper", help="计票汇总表的打印纸张：A4（默认，分块打印）或 A3（一张大表）；默认取参数设置的“打印纸张”")] = None
                  ) -> None:
    """计票：统计各项评价、好评率、综合得分、排名和等次，写出计票汇总表（不修改工作簿）。

    示例：shuping tally 2024述职评议.xlsx -o 结果 --json 结果.json
    """
    from . import schema as S
    from .api import run_tally

    if paper is not None and paper.strip().upper() not in S.PAPERS:
        from .errors import UsageError

        raise UsageError(f"--paper 应为 {' 或 '.join(S.PAPERS)}：{paper}")
    only_json = json_out == "-"
    run = run_tally(path, out=out, json_file=json_out, paper=paper.strip().upper() if paper else None)
    if run.result is None:
        if only_json:
            emit_json({**issues_to_json(run.issues), "refused": True})
        else:
            print_issues(run.issues)
            _stderr_console().print("[red]工作簿中有错误，未计票。[/]" + summary_line(run.issues))
        raise typer.Exit(1)
    if totals_out is not None:
        from .api import write_totals_copy

        run.outputs.append(write_totals_copy(path, run.result, totals_out))
    if only_json:
        emit_json(run.json)
        raise typer.Exit(0)
    console = _stdout_console()
    print_ranking(run.result, console)
    if run.issues:
        print_issues(run.issues, console)
    for line in tally_warnings(run.result, run.issues):
        console.print(f"[yellow]注意：[/]{line}")
    for output in run.outputs:
        console.print(f"已写出：{output}")


def tally_warnings(result, issues: Sequence[Issue]) -> list[str]:
    """What a count that went through still asks of the clerk, in one line each."""
    from .schema import UNGRADED

    lines = []
    ungraded = [r.reporter.label for r in result.reporters if not r.graded]
    if ungraded:
        lines.append(f"{'、'.join(ungraded)}没有有效评价票，{UNGRADED}（计票汇总表、结果通报表和通报中都写“{UNGRADED}”）。")
    follow_up = [i for i in issues if i.code == "TALLY_FOLLOW_UP_ERRORS"]
    if follow_up:
        lines.append(follow_up[0].message)
    return lines


@app.command()
@guarded
def prepare(path: WorkbookPath,
            totals: Annotated[bool, typer.Option("--totals", help="生成“计票录入”表（唱票汇总录入，按类别录入各项票数）")] = False,
            ) -> None:
    """按“述职人 × 评议项目”生成评议票表头（第 1–2 行）；已录入的票只追加、不移动。

    修改前在工作簿旁留一份带时间的备份。

    示例：shuping prepare 2024述职评议.xlsx
    """
    from .api import run_prepare
    from .prepare import describe_plan

    if totals:
        return prepare_totals(path)
    console = _stdout_console()
    with _stderr_console().status("正在检查工作簿…") as status:
        run = run_prepare(path, progress=status.update)
    if run.refused:
        print_issues(run.issues)
        _stderr_console().print("[red]未生成评议票表头，工作簿未做任何改动。[/]请按上表处理后再运行。")
        raise typer.Exit(1)
    reporters, items = len(run.book.reporters), len(run.book.items)
    for plan in run.plans:
        for line in describe_plan(plan, reporters, items):
            console.print(line)
    if not run.edit.changed:
        console.print("评议票表头已是最新，工作簿未做任何改动。")
        return
    print_edit(run.edit, console)


def prepare_totals(path: Path) -> None:
    """`prepare --totals`: lay out 计票录入."""
    from .api import run_prepare_totals

    console = _stdout_console()
    with _stderr_console().status("正在检查工作簿…") as status:
        run = run_prepare_totals(path, progress=status.update)
    if run.refused:
        print_issues(run.issues)
        _stderr_console().print("[red]未生成计票录入表，工作簿未做任何改动。[/]请按上表处理后再运行。")
        raise typer.Exit(1)
    console.print(f"“计票录入”：{run.blocks} 个评议人类别，每类 {run.rows // max(run.blocks, 1)} 行（述职人 × 评议项目）")
    if run.edit is None or not run.edit.changed:
        console.print("计票录入表已是最新，工作簿未做任何改动。")
        return
    print_edit(run.edit, console)


def print_edit(edit, console) -> None:
    """What every command that changed the workbook says: the file, its backup, and the
    editing path's notes (formulas kept, tool sheets dropped)."""
    console.print(f"已更新：{edit.path}")
    console.print(f"修改前的备份：{edit.backup}")
    for note in edit.notes:
        console.print(f"[yellow]提示：[/]{note}")


def print_comparison(comparison, first: Path, second: Path, console) -> None:
    from rich.table import Table

    from .compare import form_name

    if comparison.differences:
        table = Table(header_style="bold", box=None, pad_edge=False)
        for header in ("评议人类别", "票号", "述职人／项目", "A 单元格", "A 录入", "B 单元格", "B 录入"):
            table.add_column(header, overflow="fold")
        for d in comparison.differences:
            table.add_row(d.category, d.ballot_id, d.what, d.cell_a, d.typed_a, d.cell_b, d.typed_b)
        console.print(table)
    for form in comparison.only_a:
        console.print(f"只在 A 中：{form_name(form.category, form.ballot_id)}（A 第 {form.row + 1} 行）")
    for form in comparison.only_b:
        console.print(f"只在 B 中：{form_name(form.category, form.ballot_id)}（B 第 {form.row + 1} 行）")
    for label in comparison.columns_only_a:
        console.print(f"只有 A 有这一列：{label}")
    for label in comparison.columns_only_b:
        console.print(f"只有 B 有这一列：{label}")
    console.print(f"A = {first}\nB = {second}")
    summary = (f"比对了 {comparison.forms_compared} 张票、{comparison.cells_compared} 个格："
               f"{len(comparison.differences)} 处不一致，只在 A 中 {len(comparison.only_a)} 张，"
               f"只在 B 中 {len(comparison.only_b)} 张。")
    console.print(summary + ("两份录入完全一致。" if comparison.identical else "请对照纸质票逐条核对改正。"))


def comparison_json(comparison) -> dict[str, Any]:
    def form(f):
        return {"category": f.category, "ballot_id": f.ballot_id, "row": f.row + 1}
    return {
        "identical": comparison.identical, "forms_compared": comparison.forms_compared,
        "cells_compared": comparison.cells_compared,
        "differences": [{"category": d.category, "ballot_id": d.ballot_id, "what": d.what,
                         "a": {"cell": d.cell_a, "typed": d.typed_a}, "b": {"cell": d.cell_b, "typed": d.typed_b}}
                        for d in comparison.differences],
        "only_a": [form(f) for f in comparison.only_a], "only_b": [form(f) for f in comparison.only_b],
        "columns_only_a": comparison.columns_only_a, "columns_only_b": comparison.columns_only_b,
    }


@app.command()
@guarded
def compare(first: Annotated[Path, typer.Argument(help="第一人录入的工作簿（A）", show_default=False)],
            second: Annotated[Path, typer.Argument(help="第二人录入的工作簿（B）", show_default=False)],
            as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出差异")] = False) -> None:
    """双人录入比对：逐格列出两份“评议票”的不同之处；完全一致才返回 0（不修改任何文件）。

    示例：shuping compare 录入甲.xlsx 录入乙.xlsx
    """
    from .api import books_in_totals_mode, run_compare

    if books_in_totals_mode(first, second):
        return compare_totals_command(first, second, as_json)
    run = run_compare(first, second)
    if run.comparison is None:
        if as_json:
            emit_json({**issues_to_json(run.issues), "identical": False})
        else:
            print_issues(run.issues)
            _stderr_console().print("[red]无法比对：[/]请先按上表改正表头。")
        raise typer.Exit(1)
    if as_json:
        emit_json(comparison_json(run.comparison))
    else:
        print_comparison(run.comparison, first, second, _stdout_console())
    raise typer.Exit(0 if run.comparison.identical else 1)


def compare_totals_command(first: Path, second: Path, as_json: bool) -> None:
    """`compare` of two workbooks entered as 唱票 totals: every figure where they differ."""
    from .api import run_compare_totals

    run = run_compare_totals(first, second)
    if as_json:
        emit_json({"identical": run.identical, "mode": "totals", "forms_compared": 0,
                   "cells_compared": run.cells_compared, "columns_only_a": [], "columns_only_b": [],
                   "differences": [{"category": d.category, "ballot_id": "", "what": d.what,
                                    "a": {"cell": d.source_a.cell, "typed": d.typed_a},
                                    "b": {"cell": d.source_b.cell, "typed": d.typed_b}} for d in run.differences],
                   "only_a": run.only_a, "only_b": run.only_b})
    else:
        from rich.table import Table

        console = _stdout_console()
        if run.differences:
            table = Table(header_style="bold", box=None, pad_edge=False)
            for header in ("评议人类别", "述职人／项目／票数", "A 单元格", "A 录入", "B 单元格", "B 录入"):
                table.add_column(header, overflow="fold")
            for d in run.differences:
                table.add_row(d.category, d.what, d.source_a.cell, d.typed_a, d.source_b.cell, d.typed_b)
            console.print(table)
        for what in run.only_a:
            console.print(f"只在 A 中：{what}")
        for what in run.only_b:
            console.print(f"只在 B 中：{what}")
        console.print(f"A = {first}\nB = {second}")
        console.print(f"唱票汇总录入比对了 {run.cells_compared} 个格：{len(run.differences)} 处不一致。"
                      + ("两份录入完全一致。" if run.identical else "请对照计票板逐条核对改正。"))
    raise typer.Exit(0 if run.identical else 1)


def verify_lines(run) -> list[str]:
    from .fingerprint import short

    lines = [f"结果文件记录的票据指纹：{short(run.recorded['ballots'])}…；按工作簿重算：{short(run.ballots)}…"]
    if run.file_intact is False:
        lines.append("✗ 结果文件本身被改动过：其中的数字与它记录的结果指纹不符。")
    if not run.ballots_match:
        lines.append("✗ 评议票数据与结果文件不符：计票之后，评议票或疑问票认定被改动过（或这不是同一个工作簿）。")
    elif run.results is None:
        lines.append("✗ 评议票数据一致，但工作簿现在有错误，无法重算结果（运行 shuping check 查看）。")
    elif not run.results_match:
        lines.append("✗ 评议票数据一致，但按当前工作簿重算的结果与文件不符：计票之后参数设置、等次规则、权重"
                     "或述职人信息被改动过。")
    if run.ok:
        lines.append("✓ 核验通过：结果文件与评议票一致，按当前工作簿重算的结果也与文件一致。")
    return lines


@app.command()
@guarded
def verify(path: WorkbookPath,
           results: Annotated[Path, typer.Argument(help="计票结果文件（计票结果.json 或 计票汇总表.xlsx）",
                                                   show_default=False)],
           as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出核验结果")] = False) -> None:
    """核验：重算指纹，确认结果文件仍与评议票相符（不修改任何文件）。

    示例：shuping verify 2024述职评议.xlsx 2024述职评议_成果/计票结果.json
    """
    from .api import run_verify

    run = run_verify(path, results)
    errors = [i for i in run.issues if i.is_error]
    if errors and not as_json:
        print_issues(errors)
    if as_json:
        emit_json({"ok": run.ok, "ballots_match": run.ballots_match, "results_match": run.results_match,
                   "file_intact": run.file_intact, "recorded": run.recorded,
                   "recomputed": {"ballots": run.ballots, "results": run.results}})
    else:
        console = _stdout_console()
        for line in verify_lines(run):
            console.print(line)
    raise typer.Exit(0 if run.ok else 1)


@app.command()
@guarded
def forms(path: WorkbookPath, out: OutDir = None) -> None:
    """生成会上发放的纸质评议表（每个评议人类别一张），A4 打印即用（不修改工作簿）。

    示例：shuping forms 2024述职评议.xlsx
    """
    from .api import run_forms

    run = run_forms(path, out)
    stop_on(run.issues, "未生成评议表。")
    console = _stdout_console()
    for form in run.forms:
        label = form.category or "（不分类别）"
        console.print(f"评议表“{form.sheet}”：评议人类别 {label}，{len(form.reporters)} 位述职人 × "
                      f"{len(form.items)} 个项目")
    console.print(f"已写出：{run.output}")


def _date_option(text: str | None):
    from .errors import UsageError
    from .parse import DATE_HINT, parse_date_text

    if not text:
        return None
    # the spellings 会议日期 accepts (one parser for both)
    day = parse_date_text(text)
    if day is None:
        raise UsageError(f"日期“{text}”无法识别。{DATE_HINT}")
    return day


@app.command()
@guarded
def notices(path: WorkbookPath, out: OutDir = None,
            date: Annotated[Optional[str], typer.Option("--date", help="成文日期，如 2024-01-25（默认：沿用上次生成时的日期，第一次为今天）")] = None,
            mark: Annotated[str, typer.Option("--mark", help="密级或“内部资料”标注（默认不标）")] = "",
            copy_numbers: Annotated[bool, typer.Option("--copy-numbers", help="按述职人顺序标注份号")] = False,
            cc: Annotated[str, typer.Option("--cc", help="抄送单位")] = "",
            pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="有 LibreOffice 时同时生成 PDF（默认生成）",
                                                      show_default=False)] = True,
            ) -> None:
    """生成给每位述职人的反馈意见（公文格式）和结果通报，按单位分文件夹并打包（不修改工作簿）。

    工作簿旁放一份“通知模板.docx”/“通报模板.docx”即可替换内置模板。
    示例：shuping notices 2024述职评议.xlsx --date 2024-01-25 --mark 内部资料
    """
    from .api import run_notices

    with _stderr_console().status("正在计票…") as status:
        run = run_notices(path, out, _date_option(date), mark, copy_numbers, cc, pdf, progress=status.update)
    if not run.notices:
        print_issues(run.issues)
        _stderr_console().print("[red]工作簿中有错误，未生成通知。[/]" + summary_line(run.issues))
        raise typer.Exit(1)
    console = _stdout_console()
    print_review(run.review, console)
    console.print(f"反馈意见 {len(run.notices)} 份：{run.notices[0].parent}")
    console.print(f"结果通报：{run.bulletin}")
    console.print(f"模板：通知 {run.templates.get('notice')}；通报 {run.templates.get('bulletin')}")
    if run.issue_date is not None:
        console.print(f"成文日期：{run.issue_date.isoformat()}"
                      + ("（沿用上次生成时的日期；要改用新日期请加 --date）" if run.date_kept else ""))
    for kept in run.kept_in_delivery:
        console.print(f"[yellow]提示：[/]“{kept}”已不再生成，但在生成后被改动过，已保留原样，未删除")
    if run.pdfs:
        console.print(f"PDF 副本 {len(run.pdfs)} 份")
    if run.pdf_note:
        console.print(f"[yellow]提示：[/]{run.pdf_note}")
    console.print(f"按单位分发：{len(run.units)} 个文件夹（{run.units[0].parent}），打包：{run.archive}")


def print_review(doubts, console, limit: int = 0) -> None:
    """The pre-issue review (review.py), short and grouped per reporter."""
    from .review import review_lines

    if not doubts:
        console.print("发文前核对：未发现疑点。")
        return
    console.print(f"[yellow]发文前核对：[/]{len(doubts)} 处需要核对后再印发——")
    for line in review_lines(doubts, limit):
        console.print(f"  · {line}", markup=False)


def print_progress(progress, console) -> None:
    from rich import box
    from rich.table import Table

    from . import schema as S
    from .progress import summary_sentence, tally_rows
    from .sheets import PROGRESS_HEADER

    # Compact, and no cell cut: an 80-column console must show every label and rate whole.
    table = Table(title=f"整改进度（截至 {progress.as_of.isoformat()}）", header_style="bold", box=box.SIMPLE_HEAD,
                  padding=(0, 0), pad_edge=False)
    # the sheet's headers, shortened where they are sentences (the workbook keeps the full ones)
    short = {S.RECT_NO_DEADLINE_LABEL: "长期", "问题数": "问题", "整改完成率": "完成率"}
    for k, header in enumerate(PROGRESS_HEADER):
        table.add_column(short.get(header, header), justify="left" if k == 0 else "right", no_wrap=True)
    for row in tally_rows([*progress.by_reporter, progress.total]):
        table.add_row(*(str(v) for v in row[:-2]), *("—" if v is None else f"{v:.1%}" for v in row[-2:]))
    console.print(table)
    for item in sorted(progress.overdue, key=lambda i: -i.overdue_days)[:10]:
        text = item.row.description
        text = text if len(text) <= 30 else text[:29] + "…"
        console.print(f"逾期 {item.overdue_days} 天：{item.row.problem_id} {item.row.organization} "
                      f"{text}（时限 {item.deadline.isoformat()}，{item.status}）")
    if len(progress.overdue) > 10:
        console.print(f"……逾期共 {len(progress.overdue)} 项，见整改进度表")
    for item in getattr(progress, "wrong_deadline", []):
        console.print(f"时限有误：{item.row.problem_id} {item.row.organization} 整改时限“{item.row.deadline or '（公式）'}”"
                      f"无法识别，未计入长期，无法判断是否逾期（{item.status}）", markup=False)
    console.print(summary_sentence(progress))


@app.command()
@guarded
def progress(path: WorkbookPath, out: OutDir = None,
             as_of: Annotated[Optional[str], typer.Option("--as-of", help="统计日期，如 2024-07-01（默认今天）")] = None,
             ) -> None:
    """整改进度：按述职人、按方面统计整改状态和逾期事项，生成“发现问题X个，X%已整改完毕”的表述（不修改工作簿）。

    示例：shuping progress 2024述职评议.xlsx --as-of 2024-07-01
    """
    from .api import run_progress

    run = run_progress(path, out, _date_option(as_of))
    console = _stdout_console()
    print_progress(run.progress, console)
    if run.issues:
        print_issues(run.issues, console)
    console.print(f"已写出：{run.output}")


def print_mail_preview(plan, console) -> None:
    from rich.table import Table

    from .mail import DECISION_WORDS, SKIP_PROBLEM

    table = Table(title="邮件预览", header_style="bold", show_lines=False)
    for header in ("收件人", "邮箱", "附件", "状态"):
        table.add_column(header, overflow="fold")
    for message in plan.messages:
        decision = plan.decisions[message.key]
        status = message.problem if decision == SKIP_PROBLEM else DECISION_WORDS[decision]
        table.add_row(message.label, "、".join(message.to) or "—",
                      "\n".join(p.name for p in message.attachments) or "—", status)
    console.print(table)


def _confirm_send() -> bool:
    """确认发送？[y/N] on stdin; no answer (no terminal, end of input) is no."""
    sys.stdout.write("确认发送？[y/N] ")
    sys.stdout.flush()
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes", "是")


@app.command()
@guarded
def mail(path: WorkbookPath,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="不发送：把每封邮件写成 .eml 草稿放到 发件箱/")] = False,
         yes: Annotated[bool, typer.Option("--yes", help="不再询问，直接发送")] = False,
         only: Annotated[Optional[list[str]], typer.Option("--only", help="只发给这些编号（可重复，或用逗号分隔）")] = None,
         to_leaders: Annotated[bool, typer.Option("--to-leaders", help="与 --only 同用时也发给领导抄送")] = False,
         resend: Annotated[bool, typer.Option("--resend", help="重发附件已变化或上次中断无法确认的邮件")] = False,
         allow_shared_address: Annotated[bool, typer.Option(
             "--allow-shared-address", help="几位述职人（或领导）确实共用一个邮箱时，仍照发")] = False,
         ) -> None:
    """按“邮件设置”把每位述职人自己的反馈意见发给本人，把计票汇总表和结果通报发给领导抄送；同一封邮件不会重复发送。

    不会重新生成文件：反馈意见或计票汇总表不是最新时，说明改动了什么和要运行的命令，不发送。

    示例：shuping mail 2024述职评议.xlsx --dry-run
    """
    from .api import mail_password, plan_mail, send_planned, write_drafts

    console = _stdout_console()
    with _stderr_console().status("正在准备邮件…"):
        plan = plan_mail(path, only, to_leaders, resend, dry_run, allow_shared=allow_shared_address)
    try:
        _mail_run(plan, dry_run, yes, console, mail_password, send_planned, write_drafts)
    finally:
        plan.close()


def _mail_run(plan, dry_run, yes, console, mail_password, send_planned, write_drafts) -> None:
    from .mail import DECISION_WORDS, HELD, SKIP_PROBLEM, STATE_WORDS, State

    stop_on(plan.issues, "未发送任何邮件。")
    if plan.stale:
        err = _stderr_console()
        for line in plan.stale:
            err.print(f"[red]文件不是最新的：[/]{line}")
        err.print("为免发出过时的文件，未发送任何邮件，也未重新生成。请先运行：")
        for command in plan.remake:
            err.print(f"  {command}")
        err.print("（反馈意见沿用上次的成文日期；要改用新的日期，把 --date 改成新日期。）然后再运行 shuping mail。")
        raise typer.Exit(1)
    for made in plan.made:
        console.print(f"还没有生成过，已生成：{made}（预演用；正式发送前请核对）")
    if not plan.identity_from_property:
        console.print("[yellow]提示：[/]工作簿中没有会议标识（不是由 shuping new 生成的），按“会议名称+会议日期+主办单位”"
                      "识别这次会议的发送记录；请不要在发送后修改这三项。")
    print_mail_preview(plan, console)
    if plan.papers_date:
        console.print(f"反馈意见的成文日期：{plan.papers_date}")
    print_review(plan.review, console)
    held = [m for m in plan.messages if plan.decisions[m.key] in HELD]
    for message in held:
        decision = plan.decisions[message.key]
        console.print(f"[yellow]不发送：[/]{message.label}——"
                      + (message.problem if decision == SKIP_PROBLEM else DECISION_WORDS[decision]))
    if dry_run:
        drafts = write_drafts(plan)
        console.print(f"预演：{len(drafts)} 封邮件已写成草稿（.eml，X-Unsent: 1，Outlook 打开即可核对后发送）："
                      f"{plan.folder / '发件箱'}。未发送任何邮件。")
        raise typer.Exit(1 if held else 0)
    if not plan.to_send:
        console.print("没有需要发送的邮件。")
        raise typer.Exit(1 if held else 0)
    if not yes and sys.stdin is None:       # started with no standard input at all (a scheduled task)
        from .errors import UsageError

        raise UsageError("没有可交互的终端：请加 --yes 确认发送，并用环境变量提供密码（“邮件设置”中的密码环境变量）；"
                         "未发送任何邮件")
    if not yes and not _confirm_send():
        console.print("未确认，未发送任何邮件。")
        raise typer.Exit(1)
    password = mail_password(plan.settings, sys.stdin is not None and sys.stdin.isatty(),
                             lambda: typer.confirm("把密码保存到本机的系统密码库（下次不再询问）？", default=False))
    with _stderr_console().status("正在发送…") as status:
        results = send_planned(plan, password, progress=status.update)
    for result in results:
        console.print(f"{STATE_WORDS[result.state]}：{result.message.label}（{'、'.join(result.message.to)}）"
                      + ("" if result.state == State.ACCEPTED else f"——{result.answer}"))
    sent = sum(r.state == State.ACCEPTED for r in results)
    console.print(f"发送完毕：成功 {sent} 封，失败 {sum(r.state == State.FAILED for r in results)} 封，"
                  f"无法确认 {sum(r.state == State.SENDING for r in results)} 封；未发送 {len(held)} 封。"
                  f"发送记录：{plan.log.path}")
    raise typer.Exit(0 if sent == len(results) and not held else 1)


addin_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Excel 功能区加载项：生成、安装、卸载。\n\n示例：shuping addin build -o .")
app.add_typer(addin_app, name="addin")


@addin_app.command("build")
@guarded
def addin_build(out: Annotated[Optional[Path], typer.Option("-o", "--out", help="输出文件夹（默认当前文件夹）")] = None
                ) -> None:
    """生成 Excel 加载项 shuping.xlam（“述职评议”选项卡，每个按钮调用 macros_py 中同名的函数）。

    示例：shuping addin build -o .
    """
    from addin.build import build

    from .errors import OutputError

    try:
        path = build((out or Path(".")) / "shuping.xlam")
    except FileNotFoundError as exc:
        raise OutputError(str(exc)) from None
    _stdout_console().print(f"已生成：{path}")


@addin_app.command("install")
@guarded
def addin_install() -> None:
    """为当前用户安装加载项（Excel 启动时自动加载），并让 xlwings 使用本机的这个 Python。

    示例：shuping addin install
    """
    import tempfile

    from addin.build import build
    from addin.install import install, plan_install

    plan = plan_install()
    console = _stdout_console()
    if not plan.supported:
        console.print("本机不是 Windows 或 macOS，没有 Excel，未做任何改动。在 Windows 上会：")
        for line in plan.lines:
            console.print(f"  · {line}")
        return
    with tempfile.TemporaryDirectory() as folder:
        install(build(Path(folder) / "shuping.xlam"), plan)
    for line in plan.lines:
        console.print(f"✓ {line}")
    console.print("重新启动 Excel 即可看到“述职评议”选项卡。若 Excel 提示宏已被禁用：右键 shuping.xlam →"
                  "属性 → 勾选“解除锁定”；或在“信任中心 → 受信任位置”中加入上面的文件夹。")


@addin_app.command("uninstall")
@guarded
def addin_uninstall() -> None:
    """卸载加载项，并去掉 xlwings 配置中指向本机 Python 的那一行。

    示例：shuping addin uninstall
    """
    from addin.install import plan_install, uninstall

    done = uninstall(plan_install())
    _stdout_console().print("\n".join(done) or "没有找到已安装的加载项，未做任何改动。")


@app.command()
@guarded
def bundle(platform: Annotated[str, typer.Option("--platform", help="win_amd64、macos、linux_x86_64、linux_aarch64",
                                                 show_default=False)],
           python: Annotated[str, typer.Option("--python", help="目标电脑上的 Python 版本：3.10、3.11、3.12、3.13",
                                               show_default=False)],
           out: Annotated[Optional[Path], typer.Option("-o", "--out", help="输出文件夹（默认当前文件夹）")] = None,
           source: Annotated[Optional[Path], typer.Option("--source", help="述评源代码文件夹（默认：正在运行的这一份）")] = None,
           ) -> None:
    """生成离线安装包（一个文件夹和它的 zip）：述评、全部依赖的 wheel、加载项、安装/卸载脚本、清单.txt。

    在能访问软件包索引的电脑上运行；办公电脑安装时不需要网络和管理员权限。
    示例：shuping bundle --platform win_amd64 --python 3.12 -o 安装包
    """
    from addin.build import build_from_wheel

    from .api import build_bundle

    console = _stdout_console()
    run = build_bundle(platform, python, out, source, progress=lambda line: console.print(line, markup=False),
                       make_addin=build_from_wheel)
    mb = 1024 * 1024
    console.print(f"已生成：{run.folder}（{run.files} 个文件，{run.folder_bytes / mb:.1f} MB）")
    console.print(f"        {run.archive}（{run.archive_bytes / mb:.1f} MB），含 {len(run.wheels)} 个 wheel"
                  + (f"，需要 glibc {run.glibc} 或更新" if run.glibc else "") + f"，用时 {run.seconds:.0f} 秒")
    if run.removed:
        console.print(f"        已去掉目标平台用不到的：{'、'.join(run.removed)}")
    if "app" not in run.extras:
        console.print("提示：这个版本的述评还没有 app 扩展（述评助手），快捷方式仍指向 shuping app。")


ledger_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                         help="整改台账：分发给各单位填报，收回后合并。\n\n示例：shuping ledger split 2024述职评议.xlsx")
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("split")
@guarded
def ledger_split(path: WorkbookPath, out: OutDir = None) -> None:
    """为每个单位生成只含本单位问题的整改台账（供单位填写整改措施、状态等；不修改工作簿）。

    示例：shuping ledger split 2024述职评议.xlsx
    """
    from .api import run_ledger_split

    run = run_ledger_split(path, out)
    stop_on(run.issues, "未生成整改台账。")
    console = _stdout_console()
    if not run.files:
        console.print("整改清单中还没有问题，未生成台账（先运行 shuping rectify）。")
        raise typer.Exit(1)
    console.print(f"已为 {len(run.files)} 个单位生成整改台账：{run.files[0].parent}")
    for reporter in run.without:
        console.print(f"{reporter.id} {reporter.organization}：整改清单中没有它的问题，未生成台账")


@ledger_app.command("merge")
@guarded
def ledger_merge(path: WorkbookPath,
                 files: Annotated[list[Path], typer.Argument(help="各单位发回的整改台账", show_default=False)]) -> None:
    """合并各单位发回的整改台账：只采纳本单位的行、单位可填的栏目；与已录入内容不同的一律列出，不覆盖。

    示例：shuping ledger merge 2024述职评议.xlsx 回收/*.xlsx
    """
    from .api import run_ledger_merge

    with _stderr_console().status("正在合并…") as status:
        run = run_ledger_merge(path, [str(f) for f in files], progress=status.update)
    stop_on(run.issues, "未合并，工作簿未做任何改动。")
    console = _stdout_console()
    plan = run.plan
    console.print(f"读取 {len(files)} 个文件（单位编号 {'、'.join(run.units)}）：更新 {len(plan.updates)} 格，"
                  f"冲突 {len(plan.conflicts)} 处，未采纳 {len(plan.refused) + len(plan.ignored)} 处")
    for conflict in plan.conflicts:
        console.print(f"冲突：{conflict.problem_id}“{conflict.field}”：整改清单为“{conflict.clerk}”，"
                      f"{conflict.file} 为“{conflict.unit}”——{conflict.why}")
    for line in (*plan.refused, *plan.ignored):
        console.print(f"未采纳：{line}")
    if run.edit is not None and run.edit.changed:
        print_edit(run.edit, console)
    else:
        console.print("没有需要写入的内容，工作簿未做任何改动。")
    if plan.conflicts or plan.refused:
        raise typer.Exit(1)


@app.command()
@guarded
def carry(old: Annotated[Path, typer.Argument(help="上一年度的工作簿", show_default=False)],
          new: Annotated[Path, typer.Argument(help="本年度的工作簿（写入其整改清单）", show_default=False)],
          mapping: Annotated[Optional[list[str]], typer.Option(
              "--map", help="党组织更名的单位：上年编号=本年编号（可重复，或用逗号分隔），如 --map 01=03")] = None,
          ) -> None:
    """把上一年度未销号的整改事项结转到本年度工作簿的整改清单，原编号、时限和状态记入备注。

    按党组织名称找到本年度的述职人（编号变了也跟着单位走）；找不到党组织的不结转并列出，
    用 --map 上年编号=本年编号 指明后再运行一次即可（已结转的不会重复）。
    示例：shuping carry 2023述职评议.xlsx 2024述职评议.xlsx --map 05=07
    """
    from .api import run_carry
    from .errors import UsageError

    pairs = {}
    for item in mapping or []:
        for part in item.replace("，", ",").split(","):
            if not part.strip():
                continue
            left, sep, right = part.replace("＝", "=").partition("=")
            if not sep or not left.strip() or not right.strip():
                raise UsageError(f"--map 应写成 上年编号=本年编号，如 --map 01=03：{part}")
            pairs[left.strip()] = right.strip()
    with _stderr_console().status("正在结转…") as status:
        run = run_carry(old, new, progress=status.update, mapping=pairs)
    stop_on(run.issues, "未结转，工作簿未做任何改动。")
    console = _stdout_console()
    for line in run.moved:
        console.print(f"按党组织对应：{line}", markup=False)
    if run.carried:
        console.print(f"已结转 {len(run.carried)} 项：{'、'.join(c.problem_id for c in run.carried[:8])}"
                      + ("……" if len(run.carried) > 8 else ""))
        print_edit(run.edit, console)
    elif not run.held:
        console.print("上一年度没有需要结转的事项（或已结转过），工作簿未做任何改动。")
        return
    if run.held:
        console.print(f"[yellow]未结转 {len(run.held)} 项[/]（本年度“述职人”中找不到其党组织；请核对党组织名称，"
                      "或用 --map 上年编号=本年编号 指明后再运行一次）：")
        for line in run.held:
            console.print(f"  · {line}", markup=False)
        if not run.carried:
            console.print("工作簿未做任何改动。")
        raise typer.Exit(1)


comments_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="点评：从讲话稿导入点评。\n\n示例：shuping comments import 2024述职评议.xlsx 点评讲话.docx --dry-run")
app.add_typer(comments_app, name="comments")


@comments_app.command("import")
@guarded
def comments_import(path: WorkbookPath,
                    speech: Annotated[Path, typer.Argument(help="点评讲话稿（.docx 或 .txt）", show_default=False)],
                    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示将导入的内容，不修改工作簿")] = False,
                    reviewer: Annotated[str, typer.Option("--reviewer", help="填入“点评人”一栏")] = "") -> None:
    """把讲话稿中对每位述职人的点评（主要成绩、存在问题、希望要求）填入“点评”表；只新增，不改动已有行。

    示例：shuping comments import 2024述职评议.xlsx 点评讲话.docx --dry-run
    """
    from .api import run_import_comments

    console = _stdout_console()
    with _stderr_console().status("正在读取讲话稿…") as status:
        run = run_import_comments(path, speech, dry_run=dry_run, reviewer=reviewer, progress=status.update)
    stop_on(run.issues, "未导入点评，工作簿未做任何改动。")
    if not run.matches:
        _stderr_console().print("[red]讲话稿中没有找到“请……同志述职”开头的点评段落，[/]未导入任何内容。"
                                "请确认这是述职评议会上的点评讲话。")
        raise typer.Exit(1)
    for match in run.matches:
        console.print(describe_match(match))
    for rid in run.kept:
        console.print(f"· {rid} 在“点评”中已有综合点评，保留原有内容，未重复导入")
    names = "、".join(f"{rid} {name}" for rid, name in run.added)
    if run.dry_run:
        console.print(f"预演：将在“点评”中新增 {len(run.added)} 行（{names or '无'}）。工作簿未做任何改动。")
    elif run.edit is not None and run.edit.changed:
        console.print(f"已在“点评”中新增 {len(run.added)} 行：{names}")
        print_edit(run.edit, console)
    else:
        console.print("没有需要新增的点评，工作簿未做任何改动。")
    unmatched = sum(m.reporter is None for m in run.matches)
    if unmatched:
        _stderr_console().print(f"[yellow]{unmatched} 段点评未能对应到述职人，[/]见上面的 ✗ 行。")
        raise typer.Exit(1)


@app.command()
@guarded
def rectify(path: WorkbookPath) -> None:
    """按“点评”中的存在问题生成整改清单：每个问题一行，问题编号终身不变；只新增、不改动已录入的内容。

    示例：shuping rectify 2024述职评议.xlsx
    """
    from .api import run_rectify

    console = _stdout_console()
    with _stderr_console().status("正在读取工作簿…") as status:
        run = run_rectify(path, progress=status.update)
    if run.refused:
        stop_on(run.issues, "未生成整改清单，工作簿未做任何改动。")
    if run.issues:
        print_issues(run.issues, console)
    plan = run.plan
    console.print(f"点评中共有 {plan.problems_total} 个问题；整改清单新增 {len(plan.additions)} 行，"
                  f"标注 {len(plan.notes)} 行（点评中已删改的问题，只在备注中标注，不删除）。")
    if plan.deadlines:
        console.print(f"补填整改时限 {len(plan.deadlines)} 行（先前因会议日期无效而留空，整改清单中仍为空白的）。")
    for problem in plan.additions[:5]:
        console.print(f"  {problem.problem_id}  {problem.description[:40]}")
    if len(plan.additions) > 5:
        console.print(f"  ……共 {len(plan.additions)} 行")
    if run.edit is None:
        console.print("整改清单已是最新，工作簿未做任何改动。")
        return
    print_edit(run.edit, console)


@app.command()
@guarded
def demo(folder: Annotated[Optional[Path], typer.Argument(help="演示文件夹（默认 ./shuping-demo）")] = None) -> None:
    """演示：生成示例工作簿并依次运行现有的每一步，告诉你结果在哪里。

    示例：shuping demo 演示
    """
    from .api import run_demo

    run = run_demo(folder)
    console = _stdout_console()
    console.print(f"1. 生成示例工作簿：{run.workbook}")
    console.print("2. 生成评议票表头：" + ("已是最新，未做改动" if run.prepare.edit and not run.prepare.edit.changed
                                          else "已更新" if run.prepare.edit else "未能生成"))
    matched = sum(m.reporter is not None for m in run.imported.matches)
    console.print(f"3. 导入点评讲话：{run.workbook.parent / '点评讲话.txt'} 中 {len(run.imported.matches)} 段点评，"
                  f"对应到 {matched} 位述职人，“点评”新增 {len(run.imported.added)} 行")
    console.print(f"4. 生成整改清单：{run.rectified.plan.problems_total} 个问题，"
                  f"新增 {len(run.rectified.plan.additions)} 行（问题编号如 "
                  f"{run.rectified.plan.additions[0].problem_id if run.rectified.plan.additions else '—'}）")
    console.print(f"5. 检查数据：{summary_line(run.check_issues)}")
    if run.tally.result is None:
        print_issues(run.tally.issues, console)
        raise typer.Exit(1)
    console.print("6. 计票：")
    print_ranking(run.tally.result, console)
    for output in run.tally.outputs:
        console.print(f"   已写出：{output}")
    if run.tally.book.adjudicated:
        console.print(f"   已应用 {len(run.tally.book.adjudicated)} 条疑问票认定（见计票汇总表的“疑问票认定”表）")
    if run.verify is not None:
        console.print("7. 核验结果文件：")
        for line in verify_lines(run.verify):
            console.print("   " + line)
    if run.forms is not None and run.forms.output:
        console.print(f"8. 纸质评议表（每个评议人类别一张）：{run.forms.output}")
    if run.notices is not None and run.notices.notices:
        print_review(run.notices.review, console, limit=5)
        console.print(f"9. 反馈意见 {len(run.notices.notices)} 份（公文格式）：{run.notices.notices[0].parent}")
        console.print(f"   结果通报：{run.notices.bulletin}；按单位分发：{run.notices.archive}")
        if run.notices.pdf_note:
            console.print(f"   提示：{run.notices.pdf_note}")
    if run.merged is not None and run.progress is not None:
        console.print(f"10. 整改台账：分发到各单位，模拟 3 个单位填报后收回合并（更新 {len(run.merged.plan.updates)} 格）；"
                      f"整改进度（演示按会后第 40 天统计）：")
        print_progress(run.progress.progress, console)
        console.print(f"   已写出：{run.progress.output}")
    if run.drafts:
        console.print(f"11. 邮件（预演，不发送）：{len(run.drafts)} 封草稿（每位述职人只附本人的反馈意见，"
                      f"领导抄送附计票汇总表和结果通报）：{run.drafts[0].parent}")
    console.print("用 Excel 打开上面的工作簿和计票汇总表即可查看；可以修改示例工作簿后再运行 "
                  "shuping check / shuping tally 试试。")


@app.command(name="app")
@guarded
def app_command(path: Annotated[Optional[Path], typer.Argument(help="要打开的工作簿（可选）", show_default=False)] = None,
                host: Annotated[str, typer.Option("--host", help="监听地址（默认 127.0.0.1，只监听本机）",
                                                  show_default=False)] = "127.0.0.1",
                port: Annotated[int, typer.Option("--port", help="端口（默认自动选择空闲端口）", show_default=False)] = 0,
                password: Annotated[Optional[str], typer.Option("--password", help="局域网访问密码（--host 非本机时必填）")] = None,
                no_browser: Annotated[bool, typer.Option("--no-browser", help="不自动打开浏览器")] = False) -> None:
    """述评助手：在浏览器中用按钮完成每一步（只在本机，不联网）。

    示例：shuping app 2024述职评议.xlsx
    """
    import importlib

    from .errors import UsageError

    try:
        server = importlib.import_module("assistant.server")   # a door of its own: loaded only here
        importlib.import_module("uvicorn")
    except ImportError:
        raise UsageError("述评助手需要额外的组件，尚未安装。请运行：pip install \"shuping[app]\"（在源代码目录中："
                         "pip install -e \".[app]\"），然后再运行 shuping app") from None
    argv = [str(path)] if path else []
    argv += ["--host", host, "--port", str(port)] + (["--password", password] if password else [])
    raise typer.Exit(server.main(argv + (["--no-browser"] if no_browser else [])))


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
