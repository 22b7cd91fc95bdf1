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
import re
from pathlib import Path
from typing import Any, Callable, Sequence

from workbook import schema as S
from workbook.errors import ShupingError
from workbook.io.reader import SheetFacts, convert_cell, trim_rows
from workbook.issues import Issue
from workbook.sheets import KIND_INT, KIND_PERCENT, KIND_SCORE, SheetModel
from workbook.io.xlsx_common import HEADER_FILL, SHADE_FILL

TITLE = "述评"
HIGHLIGHT = "#FFC7CE"
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
    return load_source_of(book, XlwingsSource(book))


def load_source_of(book, source: "XlwingsSource"):
    """The open book parsed and checked by the core, from one bulk read per sheet."""
    from workbook.validate import load_source

    return load_source(source, book.name)


# --- writing ----------------------------------------------------------------------------------------
# Every value the ribbon writes goes through `put_values`: Excel runs "=…" written into a
# cell and reads "01" as 1, "1/2" as a date, "50%" as 0.5 — a string that Excel would
# read as anything but itself gets the apostrophe that keeps it text (the apostrophe is
# not part of the value; Excel shows the text exactly).
_NUMBER_LIKE = re.compile(r"^\s*[(]?[-+]?[$¥￥]?\s*(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*%?[)]?\s*$")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}\s*[-/.年月:：]\s*\d{1,2}")
_WORDS = {"TRUE", "FALSE", "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"}


def as_text_if_formula_like(value: Any) -> Any:
    """Text Excel would not keep as typed ("=…", "+…", "-…", "@…", "01", "1/2", "TRUE"…)
    gets the apostrophe that keeps it text."""
    if isinstance(value, str) and value and (
            value.startswith(_FORMULA_START) or value.startswith("'") or _NUMBER_LIKE.match(value)
            or _DATE_LIKE.match(value) or value.strip().upper() in _WORDS):
        return "'" + value
    return value


def put_values(target, values: Any) -> None:
    """The one way this module writes cell values: a range gets a value or a grid,
    every string kept as text."""
    if isinstance(values, list):
        target.value = [[as_text_if_formula_like(v) for v in row] if isinstance(row, list)
                        else as_text_if_formula_like(row) for row in values]
    else:
        target.value = as_text_if_formula_like(values)


def _grid(model: SheetModel) -> list[list[Any]]:
    """The sheet's values from A1: its tables stacked as `SheetModel.parts` places them."""
    parts = model.parts()
    width = max((len(r) for _, part in parts for r in (*part.header, *part.rows, *part.notes)), default=1)
    grid: list[list[Any]] = []
    for top, part in parts:
        grid += [[None] * width for _ in range(top - len(grid))]
        grid += [[r[c] if c < len(r) else None for c in range(width)] for r in (*part.header, *part.rows, *part.notes)]
    return grid


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
    put_values(sheet.range("A1"), grid)
    width = len(grid[0]) if grid else 1
    formats = {**NUMBER_FORMATS, KIND_SCORE: "0." + "0" * decimals if decimals else "0"}
    for top, part in model.parts():
        header_rows = len(part.header)
        if header_rows:
            header = sheet.range((top + 1, 1), (top + header_rows, width))
            header.color = HEADER_FILL
            header.font.bold = True
        for r0, c0, r1, c1, _ in part.merges:
            if (r0, c0) != (r1, c1):
                sheet.range((top + r0 + 1, c0 + 1), (top + r1 + 1, c1 + 1)).merge()
        first, last = top + header_rows + 1, top + header_rows + len(part.rows)
        for c, kind in enumerate(part.kinds):
            if kind in formats and part.rows:
                sheet.range((first, c + 1), (last, c + 1)).number_format = formats[kind]
    for c, width_chars in enumerate(model.fitted_widths()):
        sheet.range((1, c + 1)).column_width = width_chars
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

    from workbook.totals import mode_sentence

    parsed, issues = load(book)
    mark_issues(book, issues)
    book.sheets[S.SHEET_REPORT].activate()
    return mode_sentence(parsed) + "。" + summary_line(issues)


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
    for model in result_sheets(result, issues, stamp, fingerprints, parsed.params.paper):
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


# --- edits: the core's plans applied to the open book ----------------------------------------------
def _sheet_names(book) -> list[str]:
    return [sheet.name for sheet in book.sheets]


def _runs(rows: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and runs[-1][-1] == row - 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _apply_header(sheet, layout) -> None:
    """评议票 rows 1–2 in one write, then merges, fills and (in live Excel) drop-downs and panes."""
    put_values(sheet.range("A1"), [list(row) for row in layout.values])
    for r0, c0, r1, c1 in layout.merges:
        sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).merge()
    sheet.range((1, 1), (2, S.BALLOT_FIRST_GRADE_COL)).color = HEADER_FILL
    for group in _runs_by_shade(layout.shaded):
        shade, first, last = group
        sheet.range((1, first + 1), (2, last + 1)).color = SHADE_FILL if shade else HEADER_FILL
    try:   # Excel's object model only: the remote engine has no validations or panes
        api = sheet.range((1, 1)).api
        if not hasattr(api, "Validation"):
            return
        for drop in layout.drop_downs:
            area = sheet.range((drop.first_row + 1, drop.first_col + 1), (drop.last_row + 1, drop.last_col + 1)).api
            area.Validation.Delete()
            area.Validation.Add(3, 1, 1, drop.source if drop.literal else "=" + drop.source)
    except Exception:   # a drop-down is a convenience; the header itself is written
        pass


def _runs_by_shade(shaded: dict[int, bool]) -> list[tuple[bool, int, int]]:
    runs: list[tuple[bool, int, int]] = []
    for col in sorted(shaded):
        if runs and runs[-1][0] == shaded[col] and runs[-1][2] == col - 1:
            runs[-1] = (runs[-1][0], runs[-1][1], col)
        else:
            runs.append((shaded[col], col, col))
    return runs


def apply_plan(book, plan, source: "XlwingsSource | None" = None) -> None:
    """Write an EditPlan into the open book: per sheet one write of the appended rows and
    one per run of adjacent cells set in a column. Nothing is written for a refused plan."""
    if plan.refused or not plan.changes_values:
        return
    source = source or XlwingsSource(book)
    names = _sheet_names(book)
    for change in plan.changes:
        if not change.changes_values:
            continue
        if change.sheet in names:
            sheet = book.sheets[change.sheet]
            used = len(source.rows(change.sheet))
        else:
            sheet = book.sheets.add(change.sheet, after=book.sheets[len(book.sheets) - 1])
            names.append(change.sheet)
            used = 0
            if change.hidden:
                sheet.visible = False
            if change.first_row:
                put_values(sheet.range("A1"), [list(change.first_row)])
                used = 1
        if change.header is not None and not change.header.values_current:
            _apply_header(sheet, change.header)
        by_col: dict[int, dict[int, Any]] = {}
        for (row, col), value in change.cells.items():
            by_col.setdefault(col, {})[row] = value
        for col, cells in sorted(by_col.items()):
            for run in _runs(list(cells)):
                put_values(sheet.range((run[0] + 1, col + 1)), [[cells[row]] for row in run])
        if change.append:
            width = max(len(r) for r in change.append)
            put_values(sheet.range((used + 1, 1)), [[r[c] if c < len(r) else None for c in range(width)]
                                                    for r in change.append])


def refusal(what: str, blockers: Sequence[Issue]) -> str:
    """A refused edit in a message box: the first problems with their cells, nothing written."""
    from workbook.issues import render_issue

    shown = "\n".join(render_issue(i) for i in blockers[:5])
    more = f"\n……共 {len(blockers)} 个问题，请先“检查数据”查看全部。" if len(blockers) > 5 else ""
    return f"{what}，工作簿未做任何改动：\n{shown}{more}"


def _ballot_seen(book, source: "XlwingsSource"):
    from workbook.plans import BallotSheetSeen

    names = _sheet_names(book)
    return [BallotSheetSeen(name, source.rows(name) if name in names else None)
            for name in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK) if name == S.SHEET_BALLOTS or name in names]


def prepare_book(book) -> str:
    """评议票 rows 1–2 (and 评议票(复核)'s) from the same plan as `shuping prepare`."""
    from workbook.plans import plan_prepare
    from workbook.prepare import describe_plan

    from workbook.plans import prepare_blockers

    source = XlwingsSource(book)
    parsed, issues = load_source_of(book, source)
    blockers = prepare_blockers(parsed, issues)    # before the grid is read again: an oversized sheet stops here
    if any(i.is_error for i in blockers):
        return refusal("未生成评议票表头", blockers)
    plan, layouts = plan_prepare(parsed, issues, _ballot_seen(book, source))
    if plan.refused:
        return refusal("未生成评议票表头", plan.blockers)
    lines = [line for layout in layouts for line in describe_plan(layout, len(parsed.reporters), len(parsed.items))]
    if not plan.changes_values:
        return "\n".join(lines + ["评议票表头已是最新，未做改动。"])
    save_backup(book)
    apply_plan(book, plan, source)
    return "\n".join(lines + ["已生成评议票表头。"])


def prepare_totals_book(book) -> str:
    """计票录入 (唱票 totals, issue #22) in one write of its values, refused once figures are typed."""
    from workbook.plans import prepare_blockers
    from workbook.totals import totals_layout

    parsed, issues = load(book)
    blocking = prepare_blockers(parsed, issues)
    if blocking or not parsed.categories:
        problems = [i.message for i in blocking[:3]] or ["“评议人类别”表还没有填写"]
        return "无法生成计票录入表：" + "；".join(problems)
    if parsed.totals is not None:
        return "“计票录入”中已录入票数，为免移动或丢失已录入的内容，未做改动。"
    layout = totals_layout(parsed.reporters, parsed.items, parsed.categories)
    save_backup(book)
    names = [s.name for s in book.sheets]
    if S.SHEET_TOTALS in names:
        sheet = book.sheets[S.SHEET_TOTALS]
        sheet.clear()
    else:
        sheet = book.sheets.add(S.SHEET_TOTALS, after=book.sheets[S.SHEET_BALLOTS] if S.SHEET_BALLOTS in names
                                else book.sheets[len(book.sheets) - 1])
    put_values(sheet.range("A1"), [list(row) for row in layout.rows])
    for r in [0, *layout.labels, *layout.titles]:
        sheet.range((r + 1, 1), (r + 1, layout.width)).color = HEADER_FILL
    for r0, c0, r1, c1 in layout.merges:
        sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).merge()
    return (f"已生成计票录入表：{len(parsed.categories)} 个评议人类别，每类 {len(parsed.reporters)} 位述职人 × "
            f"{len(parsed.items)} 个项目；请按计票板录入各项票数。")


def rectify_book(book, now: _dt.datetime | None = None) -> str:
    """New 整改清单 rows below the last row and vanished problems marked, from the same plan
    as `shuping rectify` (refused on the same errors; the tool-value log written alike)."""
    from workbook.ledger import SHEET_MERGE_LOG
    from workbook.plans import plan_rectify, tool_log

    source = XlwingsSource(book)
    parsed, issues = load_source_of(book, source)
    log = tool_log(source.rows(SHEET_MERGE_LOG)) if SHEET_MERGE_LOG in source.sheet_names else {}
    plan, found = plan_rectify(parsed, issues, now or _dt.datetime.now(), log)
    if plan.refused:
        return refusal("未生成整改清单", plan.blockers)
    if not plan.changes_values:
        return f"点评中共有 {found.problems_total} 个问题，整改清单已是最新，未做改动。"
    save_backup(book)
    apply_plan(book, plan, source)
    return f"整改清单：新增 {len(found.additions)} 行，标注 {len(found.notes)} 行（共 {found.problems_total} 个问题）。"


def workbook_path(book) -> Path:
    """The saved file behind the open workbook (commands that make files work from it)."""
    full = Path(book.fullname)
    if not full.is_file():
        raise ShupingError("请先把工作簿保存为 .xlsx 文件，再使用此按钮。")
    return full


def has_unsaved_changes(book) -> bool:
    try:
        return not bool(book.api.Saved)
    except Exception:    # an engine that cannot tell (the remote engine sends the book as it is)
        return False


def saved_file(book, confirm: Callable[[str], bool] | None = None) -> Path:
    """The file on disk, which must hold what the clerk sees: unsaved changes are saved
    only when the clerk agrees; otherwise the step does not go on."""
    full = workbook_path(book)
    if has_unsaved_changes(book):
        if confirm is None or not confirm("工作簿有未保存的修改。这一步要读取保存在磁盘上的文件，需要先保存。现在保存吗？"):
            raise ShupingError("工作簿有未保存的修改，未继续。请先保存（Ctrl+S），再按此按钮。")
        book.save()
    return full


def notices_book(book, open_folder: Callable[[Path], None] | None = None,
                 confirm: Callable[[str], bool] | None = None) -> str:
    from workbook.api import run_notices

    run = run_notices(saved_file(book, confirm))
    if not run.notices:
        mark_issues(book, run.issues)
        return "工作簿中有错误，未生成通知。请按“校验报告”改正。"
    (open_folder or _open_folder)(run.notices[0].parent.parent)
    return f"已生成反馈意见 {len(run.notices)} 份和结果通报，文件夹已打开：{run.notices[0].parent.parent}"


def import_comments_book(book, speech: str | None, reviewer: str = "") -> str:
    """点评 from the chair's speech, planned as `shuping comments import` plans it and written
    into the open book (the file on disk is Excel's while it is open)."""
    from workbook.comments import match_blocks, parse_speech
    from workbook.io.speech import read_speech
    from workbook.plans import plan_import_comments

    if not speech:
        return "未选择讲话稿，未导入。"
    text = read_speech(speech)
    source = XlwingsSource(book)
    parsed, issues = load_source_of(book, source)
    matches = match_blocks(parse_speech(text), parsed.reporters)
    plan, added, kept = plan_import_comments(parsed, issues, matches, reviewer)
    if plan.refused:
        return refusal("未导入点评", plan.blockers)
    unmatched = sum(m.reporter is None for m in matches)
    message = f"从讲话稿中找到 {len(matches)} 段点评，新增 {len(added)} 行"
    message += f"，{len(kept)} 位已有点评，未重复导入。" if kept else "。"
    if unmatched:
        message += f"{unmatched} 段未能对应到述职人，请在“点评”中手工录入。"
    if plan.changes_values:
        save_backup(book)
        apply_plan(book, plan, source)
    return message


def mail_book(book, confirm: Callable[[str], bool]) -> str:
    from workbook.api import mail_password, plan_mail, send_planned

    plan = plan_mail(saved_file(book, confirm))
    try:      # the meeting's send-log lock is held from planning to the last answer
        return _mail_plan(plan, confirm, mail_password, send_planned)
    finally:
        plan.close()


def _mail_plan(plan, confirm, mail_password, send_planned) -> str:
    if plan.issues:
        return "未发送：" + "；".join(i.message for i in plan.issues[:3])
    if plan.stale:
        return ("未发送，也未重新生成：" + "；".join(plan.stale) + "。请先运行：" + "；".join(plan.remake))
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
    """Before a button changes a clerk's sheet: a copy of the workbook as it is, beside it.
    A book never saved has no file to copy; a copy that fails stops the edit."""
    full = Path(book.fullname)
    if not full.is_file():
        return
    from workbook.io.editing import free_backup_name

    target = free_backup_name(full, _dt.datetime.now())
    try:
        save_copy = getattr(book.api, "SaveCopyAs", None)
        if save_copy is not None:
            save_copy(str(target))        # Excel: the workbook as the clerk sees it
        else:                             # an engine without it: the file as last saved
            import shutil

            shutil.copy2(full, target)
    except Exception as exc:
        raise ShupingError(f"无法在“{full.parent}”中保存修改前的备份（{exc}），为免无法恢复，未做任何改动。") from exc


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
