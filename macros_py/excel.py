"""The Excel side of the ribbon: read the open workbook in bulk, call the core, write the
result sheets in bulk. No logic lives here; every decision is the core's.

Every function takes an xlwings Book (a live one from `xw.Book.caller()`, or in tests a
remote-engine book built from JSON) and talks to it only through xlwings: one bulk read
per input sheet, one bulk write of values per output sheet plus a handful of format
calls per column — so the number of calls does not grow with the number of forms.
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Callable, Sequence

from workbook import schema as S
from workbook.errors import ShupingError
from workbook.io.reader import SheetFacts, convert_cell, trim_rows
from workbook.issues import Issue
from workbook.sheets import KIND_INT, KIND_PERCENT, KIND_SCORE, SheetModel

TITLE = "述评"
HIGHLIGHT = "#FFC7CE"
HEADER_FILL = "#D9E1F2"
MAX_MARKED = 500            # bad cells linked and highlighted (the report lists them all)
NUMBER_FORMATS = {KIND_PERCENT: "0.0%", KIND_INT: "0"}
_FORMULA_START = ("=", "+", "-", "@")


# --- reading ------------------------------------------------------------------------------------
def read_sheet(sheet) -> list[list[Any]]:
    """The sheet from A1 to the last used cell, in one read."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return trim_rows([[convert_cell(v) for v in row] for row in values or []])


class XlwingsSource:
    """The SheetSource of the core (workbook/io/reader.py) over an open workbook."""

    def __init__(self, book):
        self.book = book
        self._rows: dict[str, list[list[Any]]] = {}

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def rows(self, name: str) -> list[list[Any]]:
        if name not in self._rows:
            self._rows[name] = read_sheet(self.book.sheets[name])
        return self._rows[name]

    def facts(self, name: str) -> SheetFacts:
        """Formula cells of the ballot sheet, where the engine can tell (live Excel can;
        the remote engine has no formulas to give)."""
        facts = SheetFacts()
        if name != S.SHEET_BALLOTS:
            return facts
        try:
            sheet = self.book.sheets[name]
            last = sheet.used_range.last_cell
            formulas = sheet.range((1, 1), (last.row, last.column)).formula
        except (NotImplementedError, AttributeError):
            return facts
        for r, row in enumerate(formulas if isinstance(formulas, (list, tuple)) else []):
            for c, text in enumerate(row if isinstance(row, (list, tuple)) else [row]):
                if isinstance(text, str) and text.startswith("="):
                    facts.formulas.add((r, c))
        return facts


def load(book):
    from workbook.validate import load_source

    return load_source(XlwingsSource(book), book.name)


# --- writing ----------------------------------------------------------------------------------------
def as_text_if_formula_like(value: Any) -> Any:
    """Excel would run "=…" typed into a cell: such text gets the apostrophe that keeps it text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _grid(model: SheetModel) -> list[list[Any]]:
    rows = [*model.header, *model.rows, *model.notes]
    width = max((len(r) for r in rows), default=1)
    return [[as_text_if_formula_like(r[c]) if c < len(r) else None for c in range(width)] for r in rows]


def replace_sheet(book, name: str):
    """A tool-owned sheet made afresh (the clerk's sheets are never replaced)."""
    names = [sheet.name for sheet in book.sheets]
    if name in names:
        book.sheets[name].delete()
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def write_model(book, model: SheetModel, decimals: int = 2):
    """One SheetModel as a sheet of the open workbook: one write of all values, then the
    formats by column — the same layout description the xlsxwriter sink renders."""
    sheet = replace_sheet(book, model.name)
    grid = _grid(model)
    sheet.range("A1").value = grid
    width = len(grid[0]) if grid else 1
    header_rows = len(model.header)
    if header_rows:
        header = sheet.range((1, 1), (header_rows, width))
        header.color = HEADER_FILL
        header.font.bold = True
    for r0, c0, r1, c1, _ in model.merges:
        if (r0, c0) != (r1, c1):
            sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).merge()
    formats = {**NUMBER_FORMATS, KIND_SCORE: "0." + "0" * decimals if decimals else "0"}
    first, last = header_rows + 1, header_rows + len(model.rows)
    for c, width_chars in enumerate(model.fitted_widths()):
        column = sheet.range((1, c + 1))
        column.column_width = width_chars
        kind = model.kinds[c] if c < len(model.kinds) else None
        if kind in formats and model.rows:
            sheet.range((first, c + 1), (last, c + 1)).number_format = formats[kind]
    for chart in model.charts:
        _chart(sheet, model, chart)
    return sheet


POINTS_PER_CHAR, POINTS_PER_ROW = 5.7, 15.0    # Excel's default grid, to place a chart without asking Excel


def _chart(sheet, model: SheetModel, spec) -> None:
    first = len(model.header) + spec.first + 1
    last = len(model.header) + spec.last + 1
    columns = [spec.categories] + [col for _, col in spec.series]
    left_col, right_col = min(columns) + 1, max(columns) + 1
    widths = model.fitted_widths()
    left = sum(widths[:spec.anchor[1]]) * POINTS_PER_CHAR + 8 * max(spec.anchor[1] - len(widths), 0) * POINTS_PER_CHAR
    chart = sheet.charts.add(left=left, top=spec.anchor[0] * POINTS_PER_ROW, width=spec.size[0] * 0.75,
                             height=spec.size[1] * 0.75)
    chart.set_source_data(sheet.range((first - 1, left_col), (last, right_col)))
    chart.chart_type = "bar_stacked" if spec.stacked else "bar_clustered"


def alert(book, message: str) -> None:
    book.app.alert(message, TITLE)


def status(book, message: str | None) -> None:
    try:
        book.app.status_bar = message or False
    except (NotImplementedError, AttributeError):
        pass    # an engine without a status bar


# --- the buttons (each takes the book) ------------------------------------------------------------
def mark_issues(book, issues: Sequence[Issue]) -> None:
    """校验报告 with a link to every bad cell, and the cells highlighted until the next
    check (the report's own list says which to clear)."""
    from workbook.sheets import report_sheet

    names = [s.name for s in book.sheets]
    if S.SHEET_REPORT in names:
        for row in read_sheet(book.sheets[S.SHEET_REPORT])[1:MAX_MARKED + 1]:
            if len(row) > 3 and row[2] in names and row[3]:
                try:
                    book.sheets[row[2]].range(str(row[3])).color = None
                except Exception:
                    pass
    sheet = write_model(book, report_sheet(issues))
    for r, issue in enumerate(issues[:MAX_MARKED], start=2):
        where = issue.source
        if where.sheet in names and where.cell and where.col is not None:
            sheet.range((r, 4)).add_hyperlink(f"#'{where.sheet}'!{where.cell}", where.cell, "转到该单元格")
            if issue.is_error:
                book.sheets[where.sheet].range(where.cell).color = HIGHLIGHT


def check_book(book) -> str:
    from workbook.issues import summary_line

    _, issues = load(book)
    mark_issues(book, issues)
    book.sheets[S.SHEET_REPORT].activate()
    return summary_line(issues)


def tally_book(book, counted_at: _dt.datetime | None = None) -> str:
    from workbook.report import result_json
    from workbook.sheets import result_sheets
    from workbook.tally import tally

    parsed, issues = load(book)
    result, issues = tally(parsed, issues)
    if result is None:
        mark_issues(book, issues)
        return "工作簿中有错误，未计票。请按“校验报告”逐条改正后再计票。"
    fingerprints = result_json(result, issues)["fingerprints"]
    stamp = (counted_at or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    for model in result_sheets(result, issues, stamp, fingerprints):
        write_model(book, model, parsed.params.decimals)
    book.sheets[S.SHEET_SUMMARY].activate()
    return f"计票完成：{len(result.reporters)} 位述职人，有效票 {result.total.valid} 张。结果已写入“{S.SHEET_SUMMARY}”等工作表。"


def progress_book(book, as_of: _dt.date | None = None) -> str:
    from workbook.progress import measure_progress, summary_sentence
    from workbook.sheets import progress_sheets

    parsed, _ = load(book)
    progress = measure_progress(parsed, as_of or _dt.date.today())
    first = progress_sheets(progress, parsed.meeting.shown_title)[0]
    write_model(book, first)
    book.sheets[first.name].activate()
    return summary_sentence(progress)


def prepare_book(book) -> str:
    """评议票 rows 1–2, in one write of the header rows; refused as on the command line."""
    from workbook.api import prepare_blockers
    from workbook.cells import col_name
    from workbook.layout import group_columns
    from workbook.prepare import plan_ballot_layout

    parsed, issues = load(book)
    blocking = prepare_blockers(parsed, issues)
    if blocking:
        return "无法生成评议票：" + "；".join(i.message for i in blocking[:3])
    rows = XlwingsSource(book).rows(S.SHEET_BALLOTS) if S.SHEET_BALLOTS in [s.name for s in book.sheets] else []
    typed: dict[int, int] = {}
    for row in rows[S.BALLOT_HEADER_ROWS:]:
        for c, value in enumerate(row):
            if value is not None:
                typed[c] = typed.get(c, 0) + 1
    plan = plan_ballot_layout(S.SHEET_BALLOTS, parsed.reporters, parsed.items, rows[:2], typed)
    if plan.refused:
        return "未生成评议票表头，工作簿未做任何改动：" + plan.issues[0].message
    header = plan.header_rows()
    if rows[:2] and [r[:len(header[0])] for r in rows[:2]] == [r[:len(rows[0])] for r in header]:
        return "评议票表头已是最新，未做改动。"
    save_backup(book)
    sheet = book.sheets[S.SHEET_BALLOTS] if S.SHEET_BALLOTS in [s.name for s in book.sheets] else \
        book.sheets.add(S.SHEET_BALLOTS)
    sheet.range("A1").value = [[as_text_if_formula_like(v) for v in row] for row in header]
    for group in group_columns(plan.columns):
        if group.last_col > group.first_col:
            sheet.range((1, group.first_col + 1), (1, group.last_col + 1)).merge()
    sheet.range((1, 1), (2, plan.last_col + 1)).color = HEADER_FILL
    return (f"已生成评议票表头：{len(parsed.reporters)} 位述职人 × {len(parsed.items)} 个项目，"
            f"共 {len(plan.columns)} 列（D–{col_name(plan.last_col)}）。")


def rectify_book(book) -> str:
    """New 整改清单 rows in one write below the last row; vanished problems marked in 备注."""
    from workbook.rectify import plan_rectification

    parsed, issues = load(book)
    plan = plan_rectification(parsed)
    if not plan.changes:
        return f"点评中共有 {plan.problems_total} 个问题，整改清单已是最新，未做改动。"
    save_backup(book)
    sheet = book.sheets[S.SHEET_RECTIFY]
    rows = read_sheet(sheet)
    if plan.additions:
        sheet.range((len(rows) + 1, 1)).value = [[as_text_if_formula_like(v) for v in p.row()] for p in plan.additions]
    note = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("备注") + 1
    for row, text in plan.notes.items():
        sheet.range((row + 1, note)).value = text or None
    return f"整改清单：新增 {len(plan.additions)} 行，标注 {len(plan.notes)} 行（共 {plan.problems_total} 个问题）。"


def workbook_path(book) -> Path:
    """The saved file behind the open workbook (commands that make files work from it)."""
    full = Path(book.fullname)
    if not full.is_file():
        raise ShupingError("请先把工作簿保存为 .xlsx 文件，再使用此按钮。")
    return full


def notices_book(book, open_folder: Callable[[Path], None] | None = None) -> str:
    from workbook.api import run_notices

    run = run_notices(workbook_path(book))
    if not run.notices:
        mark_issues(book, run.issues)
        return "工作簿中有错误，未生成通知。请按“校验报告”改正。"
    (open_folder or _open_folder)(run.notices[0].parent.parent)
    return f"已生成反馈意见 {len(run.notices)} 份和结果通报，文件夹已打开：{run.notices[0].parent.parent}"


def import_comments_book(book, speech: str | None) -> str:
    from workbook.api import run_import_comments

    if not speech:
        return "未选择讲话稿，未导入。"
    run = run_import_comments(workbook_path(book), speech, reviewer="")
    unmatched = sum(m.reporter is None for m in run.matches)
    text = f"从讲话稿中找到 {len(run.matches)} 段点评，新增 {len(run.added)} 行。"
    if unmatched:
        text += f"{unmatched} 段未能对应到述职人，请在“点评”中手工录入。"
    return text + "请关闭并重新打开工作簿查看（命令行已写入文件并留有备份）。"


def mail_book(book, confirm: Callable[[str], bool]) -> str:
    from workbook.api import mail_password, plan_mail, send_planned

    plan = plan_mail(workbook_path(book))
    if plan.issues:
        return "未发送：" + "；".join(i.message for i in plan.issues[:3])
    preview = "\n".join(f"{m.label} → {'、'.join(m.to)}：{'、'.join(p.name for p in m.attachments)}"
                        for m in plan.to_send)
    if not plan.to_send:
        return "没有需要发送的邮件（已发送过的不会重发）。"
    if not confirm(f"将发送 {len(plan.to_send)} 封邮件：\n{preview}\n\n确认发送？"):
        return "未确认，未发送任何邮件。"
    results = send_planned(plan, mail_password(plan.settings, interactive=False))
    sent = sum(r.state == "accepted" for r in results)
    return f"发送完毕：成功 {sent} 封，其余 {len(results) - sent} 封未成功（详见发送记录：{plan.log.path}）。"


def save_backup(book) -> None:
    """Before a button changes a clerk's sheet: a copy of the workbook as it is, beside it."""
    try:
        full = Path(book.fullname)
        if full.is_file():
            from workbook.io.editing import backup_name

            book.api.SaveCopyAs(str(backup_name(full, _dt.datetime.now())))
    except Exception:
        pass    # the remote engine and unsaved books have no file to copy


def _open_folder(folder: Path) -> None:
    if hasattr(os, "startfile"):
        os.startfile(folder)  # type: ignore[attr-defined]


# --- running a button ----------------------------------------------------------------------------------
def run_button(book, action: Callable[[Any], str]) -> str:
    """Screen updating off while writing and restored in `finally`; every outcome and every
    error shown in a Chinese message box, never a traceback."""
    app = book.app
    try:
        app.screen_updating = False
    except Exception:
        pass
    status(book, "述评：正在处理…")
    try:
        message = action(book)
    except ShupingError as exc:
        message = f"错误：{exc}"
    except Exception as exc:  # a bug: one line for the clerk
        message = f"内部错误：{type(exc).__name__}: {exc}\n请把这条信息和工作簿反馈给开发人员。"
    finally:
        try:
            app.screen_updating = True
        except Exception:
            pass
        status(book, None)
    alert(book, message)
    return message
