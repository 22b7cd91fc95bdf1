"""Edits of the clerk's workbook before the count: 评议票 header, 点评 from the speech, 整改清单."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import schema as S
from ..issues import Issue
from ..model import Book
from ..io.book import load_book
from ..plans import prepare_blockers
from .common import errors_in, log_tool_values, rows_region


@dataclass
class PrepareRun:
    path: Path
    book: Book
    issues: list[Issue]
    plans: list = field(default_factory=list)
    edit: Any = None

    @property
    def refused(self) -> bool:
        return self.edit is None


def run_prepare(path: str | os.PathLike, now: _dt.datetime | None = None,
                progress: Callable[[str], None] | None = None) -> PrepareRun:
    """Lay out 评议票 rows 1–2 (and 评议票(复核)'s when present) from 述职人 × 评议项目,
    through the safe editing path; refused, with issues, when typed cells would move."""
    from ..io.ballot_sheet import ballot_sheets, ensure_sheet, lay_out, read_header, typed_counts
    from ..io.editing import Edit, edit_workbook
    from ..issues import has_errors
    from ..prepare import plan_ballot_layout

    path = Path(path)
    book, issues = load_book(path)
    needed = prepare_blockers(book, issues)
    run = PrepareRun(path, book, needed)
    if has_errors(needed):
        return run

    def apply(workbook) -> Edit | None:
        regions, summary = {}, []
        wanted = None   # 评议票(复核) follows 评议票's columns, so both are typed from one layout
        for name in ballot_sheets(workbook):
            sheet = ensure_sheet(workbook, name)
            typed, forms = typed_counts(sheet)
            plan = plan_ballot_layout(name, book.reporters, book.items, read_header(sheet), typed, wanted)
            wanted = wanted or plan.columns
            plan.forms = forms
            run.plans.append(plan)
            run.issues.extend(plan.issues)
            if not plan.refused and lay_out(sheet, plan):
                regions[name] = lambda row, col: row < S.BALLOT_HEADER_ROWS
                summary.append(name)
        if any(plan.refused for plan in run.plans) or not regions:
            return None
        return Edit(regions, summary)

    edit = edit_workbook(path, apply, now=now, progress=progress)
    if not any(plan.refused for plan in run.plans):
        run.edit = edit
    return run


@dataclass
class ImportRun:
    path: Path
    matches: list                         # comments.BlockMatch, in speaking order
    added: list = field(default_factory=list)     # (编号, 姓名) of rows added to 点评
    kept: list = field(default_factory=list)      # 编号 that already had a 综合 row
    edit: Any = None
    dry_run: bool = False
    issues: list[Issue] = field(default_factory=list)   # problems in 述职人/点评 that stop the import


def run_import_comments(path: str | os.PathLike, speech: str | os.PathLike, dry_run: bool = False,
                        reviewer: str = "", now: _dt.datetime | None = None,
                        progress: Callable[[str], None] | None = None) -> ImportRun:
    """Fill 点评 from the chair's speech: one 综合 row per matched reporter not yet there."""
    from ..comments import fill_masked_names, match_blocks, parse_speech
    from ..io.editing import Edit, edit_workbook
    from ..io.sheet_rows import append_rows
    from ..io.speech import read_speech

    text = read_speech(speech)
    path = Path(path)
    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_COMMENTS))
    run = ImportRun(path, match_blocks(parse_speech(text), book.reporters), dry_run=dry_run, issues=blocking)
    if blocking:
        return run
    have = {c.reporter_id for c in book.comments if c.area == S.AREA_GENERAL}
    rows = []
    for match in run.matches:
        if match.reporter is None:
            continue
        if match.reporter.id in have:
            run.kept.append(match.reporter.id)
            continue
        have.add(match.reporter.id)
        block = match.block
        texts = []
        for text in (block.achievements, block.problems, block.expectations):
            text, replaced = fill_masked_names(text, match.reporter.name)   # said per block by the door
            match.unmasked += replaced
            texts.append(text)
        rows.append([match.reporter.id, S.AREA_GENERAL, *texts, reviewer or None])
        run.added.append((match.reporter.id, match.reporter.name))
    if dry_run or not rows:
        return run

    def apply(workbook) -> Edit:
        from ..io.ballot_sheet import ensure_sheet

        first, last = append_rows(ensure_sheet(workbook, S.SHEET_COMMENTS), rows, wrap_cols=(2, 3, 4))
        return Edit({S.SHEET_COMMENTS: rows_region(first, last)}, [f"点评：新增 {len(rows)} 行"])

    run.edit = edit_workbook(path, apply, now=now, progress=progress)
    return run


@dataclass
class RectifyRun:
    path: Path
    plan: Any                              # rectify.RectifyPlan
    issues: list[Issue]
    edit: Any = None

    @property
    def refused(self) -> bool:
        return any(i.is_error for i in self.issues)


def run_rectify(path: str | os.PathLike, now: _dt.datetime | None = None,
                progress: Callable[[str], None] | None = None) -> RectifyRun:
    """Add a 整改清单 row for every problem in 点评 not yet listed (rectify.py)."""
    from ..io.editing import Edit, edit_workbook
    from ..io.sheet_rows import append_rows, set_value
    from ..ledger import SHEET_MERGE_LOG
    from ..rectify import plan_rectification

    path = Path(path)
    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_COMMENTS, S.SHEET_RECTIFY))
    plan = plan_rectification(book)
    run = RectifyRun(path, plan, blocking + plan.issues)
    if run.refused or not plan.changes:
        return run
    note_col = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("备注")
    stamp = (now or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")

    def apply(workbook) -> Edit:
        from ..io.ballot_sheet import ensure_sheet

        sheet = ensure_sheet(workbook, S.SHEET_RECTIFY)
        for row, note in plan.notes.items():
            set_value(sheet, row + 1, note_col + 1, note or None)
        regions = {}
        first = last = 0
        if plan.additions:
            first, last = append_rows(sheet, [p.row() for p in plan.additions], wrap_cols=(4,))
            # what the tool wrote, so `ledger merge` can tell it from what the clerk typed
            written = [[p.problem_id, name, value, "rectify", stamp] for p in plan.additions
                       for name, value in (("责任人", p.owner), ("整改状态", S.RECT_NOT_STARTED))]
            log_tool_values(workbook, written)
            regions[SHEET_MERGE_LOG] = lambda row, col: True
        noted = set(plan.notes)
        regions[S.SHEET_RECTIFY] = lambda row, col: (first - 1 <= row <= last - 1) or (
            row in noted and col == note_col)
        return Edit(regions, [f"整改清单：新增 {len(plan.additions)} 行，标注 {len(plan.notes)} 行"])

    run.edit = edit_workbook(path, apply, now=now, progress=progress)
    return run
