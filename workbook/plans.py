"""An edit of the clerk's workbook as data: what to write where, decided once, applied by
each door its own way (the file editor of io/editing.py, the open book in Excel).

A plan holds the blockers (issues that stop the edit: nothing is written while one
exists), and per sheet the cells to set, the rows to append below the last used row, the
评议票 header layout, and whether a missing sheet is made hidden (the tool's own log).
The planners here are pure: they take a parsed Book and what the door read of the sheets,
never a file or an Excel object.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from . import schema as S
from .issues import Issue, Source, error
from .ledger import MERGE_LOG_HEADER, SHEET_MERGE_LOG
from .layout import BALLOT_VALIDATION_ROWS, CATEGORY_LIST_SOURCE, GRADE_LIST, VOID_LIST, group_columns
from .model import Book
from .prepare import LayoutPlan, plan_ballot_layout

EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class DropDown:
    """A list validation: the allowed values (a literal list or a range source) over a
    0-based inclusive area."""

    source: str
    literal: bool
    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass
class HeaderLayout:
    """评议票 rows 1–2 as every writer lays them out: values, merges, shading, drop-downs,
    frozen panes. 0-based cells."""

    values: list[list[Any]]
    merges: list[tuple[int, int, int, int]]
    shaded: dict[int, bool]                  # grade column -> reporter shading (False = header fill)
    drop_downs: list[DropDown]
    freeze: tuple[int, int]                  # first unfrozen (row, col)
    last_col: int
    first_new: int                           # columns from here on were laid out now (widths fitted)
    values_current: bool = False             # rows 1–2 already read as planned


@dataclass
class SheetChange:
    sheet: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)   # 0-based (row, col) -> value
    append: list[list[Any]] = field(default_factory=list)             # rows below the last used row
    wrap_cols: tuple[int, ...] = ()                                    # 0-based columns that wrap
    header: HeaderLayout | None = None
    hidden: bool = False                                               # made hidden when missing
    first_row: list[Any] | None = None                                 # a missing sheet's header row

    @property
    def empty(self) -> bool:
        return not (self.cells or self.append or self.header)

    @property
    def changes_values(self) -> bool:
        """Whether any cell value changes (a header that already reads as planned does not;
        the file writer still restores its merges, drop-downs and panes)."""
        return bool(self.cells or self.append or (self.header and not self.header.values_current))


@dataclass
class EditPlan:
    command: str
    blockers: list[Issue] = field(default_factory=list)
    changes: list[SheetChange] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)         # what a clerk is told was done
    warnings: list[Issue] = field(default_factory=list)      # shown, but do not stop the edit

    @property
    def refused(self) -> bool:
        return any(i.is_error for i in self.blockers)

    @property
    def has_changes(self) -> bool:
        return any(not change.empty for change in self.changes)

    @property
    def changes_values(self) -> bool:
        return any(change.changes_values for change in self.changes)

    def change(self, sheet: str) -> SheetChange | None:
        return next((c for c in self.changes if c.sheet == sheet), None)


def errors_in(issues: Sequence[Issue], sheets: tuple[str, ...] = (), codes: tuple[str, ...] = (),
              weights: bool = True) -> list[Issue]:
    """The errors that stop a step: those on `sheets` or with one of `codes`; without
    weight errors when `weights` is False (a header or a paper form is not made of weights)."""
    return [i for i in issues if i.is_error and (i.source.sheet in sheets or i.code in codes)
            and (weights or "WEIGHT" not in i.code)]


# --- 评议票 header ------------------------------------------------------------------------------
def prepare_blockers(book: Book, issues: Sequence[Issue]) -> list[Issue]:
    """What stops laying out 评议票: only what the header is made of — ids, names, the
    sheets themselves — and an empty 述职人 or 评议项目."""
    needed = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_ITEMS), ("SHEET_TOO_LARGE",), weights=False)
    if not needed and not book.reporters:
        needed.append(error("REPORTERS_EMPTY", Source(S.SHEET_REPORTERS, 1, 0),
                            "“述职人”表还没有填写，请先逐行填写述职人，再生成评议票"))
    if not needed and not book.items:
        needed.append(error("ITEMS_EMPTY", Source(S.SHEET_ITEMS, 1, 0),
                            "“评议项目”表还没有填写，请先填写评议项目，再生成评议票"))
    return needed


def typed_counts(rows: Sequence[Sequence[Any]]) -> tuple[dict[int, int], int]:
    """({0-based column: typed cells from row 3 on}, number of rows with anything typed),
    from a sheet's values as read."""
    if hasattr(rows, "typed_counts"):          # io.arrow_reader.BallotGrid: on its arrays
        return rows.typed_counts(S.BALLOT_HEADER_ROWS)
    counts: dict[int, int] = {}
    forms = 0
    for row in rows[S.BALLOT_HEADER_ROWS:]:
        filled = False
        for col, value in enumerate(row):
            if value is not None and value != "":
                counts[col] = counts.get(col, 0) + 1
                filled = True
        forms += filled
    return counts, forms


def validation_last_row(used_rows: int) -> int:
    """The 0-based last row the drop-downs reach: as in the template, or well past the
    last typed form."""
    return min(max(BALLOT_VALIDATION_ROWS, -(-(used_rows + 500) // 1000) * 1000), EXCEL_MAX_ROWS - 1)


def header_layout(plan: LayoutPlan, used_rows: int) -> HeaderLayout:
    """The header a LayoutPlan means, as data every writer renders the same way."""
    values = plan.header_rows()
    merges, shaded = [], {}
    if plan.columns:
        merges += [(0, col, 1, col) for col in range(S.BALLOT_FIRST_GRADE_COL)]
    for group in group_columns(plan.columns):
        for col in range(group.first_col, group.last_col + 1):
            shaded[col] = group.shaded
        if group.last_col > group.first_col:
            merges.append((0, group.first_col, 0, group.last_col))
    first, last = S.BALLOT_HEADER_ROWS, validation_last_row(used_rows)
    drop_downs = []
    if plan.columns:
        drop_downs.append(DropDown(GRADE_LIST, True, first, S.BALLOT_FIRST_GRADE_COL, last, plan.last_col))
    for header, source, literal in ((S.BALLOT_CATEGORY, CATEGORY_LIST_SOURCE, False), (S.BALLOT_VOID, VOID_LIST, True)):
        col = S.BALLOT_FIXED.index(header)
        drop_downs.append(DropDown(source, literal, first, col, last, col))
    freeze = (first, S.BALLOT_FIRST_GRADE_COL) if plan.columns else (1, 0)
    return HeaderLayout(values, merges, shaded, drop_downs, freeze, plan.last_col,
                        S.BALLOT_FIRST_GRADE_COL + plan.kept)


@dataclass
class BallotSheetSeen:
    """What a door read of one ballot sheet: its rows as values (None when it is missing)."""

    name: str
    rows: list[list[Any]] | None


def plan_prepare(book: Book, issues: Sequence[Issue], seen: Sequence[BallotSheetSeen]) -> tuple[EditPlan, list[LayoutPlan]]:
    """评议票 rows 1–2 (and 评议票(复核)'s, which follows 评议票's columns) from 述职人 ×
    评议项目. A sheet whose header already reads as planned gets no change."""
    plan = EditPlan("prepare", prepare_blockers(book, issues))
    layouts: list[LayoutPlan] = []
    if plan.refused:
        return plan, layouts
    wanted = None
    for sheet in seen:
        rows = sheet.rows or []
        typed, forms = typed_counts(rows)
        layout = plan_ballot_layout(sheet.name, book.reporters, book.items, rows[:S.BALLOT_HEADER_ROWS], typed, wanted)
        wanted = wanted or layout.columns
        layout.forms = forms
        layouts.append(layout)
        plan.blockers.extend(layout.issues)
        header = header_layout(layout, len(rows))
        current = [list(r[:layout.last_col + 1]) + [None] * (layout.last_col + 1 - len(r))
                   for r in rows[:S.BALLOT_HEADER_ROWS]]
        current += [[None] * (layout.last_col + 1)] * (S.BALLOT_HEADER_ROWS - len(current))
        header.values_current = sheet.rows is not None and current == header.values
        plan.changes.append(SheetChange(sheet.name, header=header))
    if plan.refused:
        plan.changes = []
    return plan, layouts


# --- 点评 from the speech -----------------------------------------------------------------------
def plan_import_comments(book: Book, issues: Sequence[Issue], matches: Sequence[Any],
                         reviewer: str = "") -> tuple[EditPlan, list[tuple[str, str]], list[str]]:
    """One 综合 row in 点评 per matched reporter not yet there. Returns the plan, the
    (编号, 姓名) added and the 编号 that already had a 综合 row."""
    plan = EditPlan("comments import", errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_COMMENTS)))
    added: list[tuple[str, str]] = []
    kept: list[str] = []
    if plan.refused:
        return plan, added, kept
    from .comments import EXCEL_CELL_LIMIT, fill_masked_names, overlong_parts

    have = {c.reporter_id for c in book.comments if c.area == S.AREA_GENERAL}
    rows = []
    for match in matches:
        if match.reporter is None:
            continue
        if match.reporter.id in have:
            kept.append(match.reporter.id)
            continue
        have.add(match.reporter.id)
        block = match.block
        texts = []
        for text in (block.achievements, block.problems, block.expectations):
            text, replaced = fill_masked_names(text, match.reporter.name)   # said per block by the door
            match.unmasked += replaced
            texts.append(text)
        too_long = overlong_parts(texts)
        for label, length in too_long:    # never cut silently: the whole import waits for a shorter text
            plan.blockers.append(error(
                "COMMENT_TOO_LONG", Source(S.SHEET_COMMENTS, None, None),
                f"{match.reporter.id} {match.reporter.name}（讲话稿第 {block.line} 行起）的“{label}”有 {length} 字，"
                f"超过 Excel 单元格上限 {EXCEL_CELL_LIMIT} 字，无法完整写入；请在讲话稿中删减或拆分后重新导入"
                "（本次未导入任何内容）", found=length))
        if too_long:
            continue
        rows.append([match.reporter.id, S.AREA_GENERAL, *texts, reviewer or None])
        added.append((match.reporter.id, match.reporter.name))
    if rows and not plan.refused:
        plan.changes.append(SheetChange(S.SHEET_COMMENTS, append=rows, wrap_cols=(2, 3, 4)))
        plan.summary.append(f"点评：新增 {len(rows)} 行")
    return plan, added, kept


# --- 整改清单 from 点评 ---------------------------------------------------------------------------
def log_change(rows: list[list[Any]]) -> SheetChange:
    """Rows for the hidden 台账合并记录 sheet: the values the tool wrote, so a later
    `ledger merge` can tell them from what the clerk typed."""
    return SheetChange(SHEET_MERGE_LOG, append=rows, hidden=True, first_row=list(MERGE_LOG_HEADER))


def tool_log(rows: Sequence[Sequence[Any]]) -> dict[tuple[str, str], Any]:
    """{(问题编号, 字段): the value the tool last wrote}, from the rows of the hidden
    台账合并记录 sheet (header first)."""
    log = {}
    for row in rows[1:]:
        if len(row) >= 3 and row[0]:
            log[(str(row[0]).strip(), str(row[1]).strip())] = row[2]
    return log


def plan_rectify(book: Book, issues: Sequence[Issue], now: _dt.datetime, log: dict[tuple[str, str], Any] | None = None,
                 source: str = "rectify"):
    """New 整改清单 rows for problems in 点评 not yet listed; vanished ones marked in 备注.
    `log` is the tool-value log (a reworded tool row is known by the 问题描述 logged for it).
    Returns (the edit plan, the rectify.RectifyPlan it came from)."""
    from .rectify import DEADLINE_LEFT_BLANK, DEADLINE_LOGGED, DESCRIPTION_LOGGED, plan_rectification

    written = {pid: value for (pid, name), value in (log or {}).items()
               if name == DESCRIPTION_LOGGED and isinstance(value, str)}
    left_blank = {pid for (pid, name), value in (log or {}).items()
                  if name == DEADLINE_LOGGED and value == DEADLINE_LEFT_BLANK}
    found = plan_rectification(book, written, issues, left_blank)
    plan = EditPlan("rectify", errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_COMMENTS, S.SHEET_RECTIFY))
                    + [i for i in found.issues if i.is_error],
                    warnings=[i for i in found.issues if not i.is_error])
    if plan.refused or not found.changes:
        return plan, found
    note_col = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("备注")
    change = SheetChange(S.SHEET_RECTIFY, wrap_cols=(4,))
    for row, note in found.notes.items():
        change.cells[(row, note_col)] = note or None
    deadline_col = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("整改时限")
    for row, (_, when) in found.deadlines.items():
        change.cells[(row, deadline_col)] = when
    change.append = [p.row() for p in found.additions]
    plan.changes.append(change)
    stamp = now.strftime("%Y-%m-%d %H:%M")
    # 问题描述 too: a clerk's rewording of it is then known as the same problem
    written = [[p.problem_id, name, value, source, stamp] for p in found.additions
               for name, value in (("责任人", p.owner), ("整改状态", S.RECT_NOT_STARTED),
                                   (DESCRIPTION_LOGGED, p.description))]
    # a deadline left blank (no valid 会议日期) is logged, so a later run may fill it; once filled, logged too
    written += [[p.problem_id, DEADLINE_LOGGED, DEADLINE_LEFT_BLANK, source, stamp]
                for p in found.additions if p.deadline is None]
    written += [[pid, DEADLINE_LOGGED, when, source, stamp] for pid, when in found.deadlines.values()]
    if written:
        plan.changes.append(log_change(written))
    plan.summary.append(f"整改清单：新增 {len(found.additions)} 行，标注 {len(found.notes)} 行"
                        + (f"，补填整改时限 {len(found.deadlines)} 行" if found.deadlines else ""))
    return plan, found


# --- 整改台账 back from the units, and last year's open items ---------------------------------------
def plan_ledger_merge(book: Book, issues: Sequence[Issue], merge: Any, now: _dt.datetime) -> EditPlan:
    """The cells a ledger.MergePlan updates in 整改清单, and the values logged as the tool's."""
    plan = EditPlan("ledger merge", errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_RECTIFY)))
    if plan.refused or not merge.changes:
        return plan
    spec = S.SHEET_BY_NAME[S.SHEET_RECTIFY]
    change = SheetChange(S.SHEET_RECTIFY)
    for (row, name), value in merge.updates.items():
        change.cells[(row, spec.col(name))] = value
    plan.changes.append(change)
    stamp = now.strftime("%Y-%m-%d %H:%M")
    plan.changes.append(log_change([[pid, name, value, file, stamp] for pid, name, value, file in merge.log]))
    plan.summary.append(f"整改清单：更新 {len(merge.updates)} 格")
    return plan


def plan_carry(issues: Sequence[Issue], carried: Sequence[Any]) -> EditPlan:
    """Last year's open rows (ledger.CarriedRow) appended to this year's 整改清单."""
    plan = EditPlan("carry", errors_in(issues, (S.SHEET_RECTIFY,)))
    if plan.refused or not carried:
        return plan
    plan.changes.append(SheetChange(S.SHEET_RECTIFY, append=[list(c.values) for c in carried], wrap_cols=(4, 11)))
    plan.summary.append(f"整改清单：结转 {len(carried)} 行")
    return plan
