"""整改 follow-up: progress, the units' ledgers out and back, carrying into next year."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import schema as S
from ..issues import Issue
from ..io.book import load_book
from .common import errors_in, log_tool_values, output_dir, rows_region


@dataclass
class ProgressRun:
    progress: Any                      # progress.Progress
    issues: list[Issue]
    output: Path | None = None


def run_progress(path: str | os.PathLike, out: str | os.PathLike | None = None,
                 as_of: _dt.date | None = None, write_files: bool = True) -> ProgressRun:
    """整改进度 as of a day (default today): counts, overdue items, the sentence upward."""
    from ..io.results_xlsx import write_sheets
    from ..progress import measure_progress
    from ..sheets import progress_sheets

    book, issues = load_book(path)
    progress = measure_progress(book, as_of or _dt.date.today())
    run = ProgressRun(progress, [i for i in issues if i.source.sheet == S.SHEET_RECTIFY])
    if write_files:
        run.output = write_sheets(output_dir(path, out) / S.PROGRESS_WORKBOOK,
                                  progress_sheets(progress, book.meeting.shown_title), title="整改进度")
    return run


@dataclass
class LedgerSplitRun:
    issues: list[Issue]
    files: list[Path] = field(default_factory=list)


def run_ledger_split(path: str | os.PathLike, out: str | os.PathLike | None = None,
                     exported: _dt.date | None = None) -> LedgerSplitRun:
    """One 整改台账 workbook per unit with only its own rows (never the input)."""
    from ..io.delivery import safe_name
    from ..io.ledger_xlsx import write_unit_ledger
    from ..ledger import unit_rows

    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_RECTIFY))
    run = LedgerSplitRun(blocking)
    if blocking:
        return run
    folder = output_dir(path, out) / S.LEDGER_FOLDER
    for reporter in book.reporters:
        rows = unit_rows(book, reporter.id)
        if rows:
            name = safe_name(f"{reporter.id}_{reporter.organization}_整改台账.xlsx")
            run.files.append(write_unit_ledger(folder / name, reporter, rows, book.meeting.shown_title,
                                               exported or _dt.date.today()))
    return run


@dataclass
class LedgerMergeRun:
    plan: Any                              # ledger.MergePlan
    issues: list[Issue]
    units: list[str] = field(default_factory=list)
    edit: Any = None


def _merge_log(path: Path) -> dict[tuple[str, str], Any]:
    from ..io.reader import open_source
    from ..ledger import SHEET_MERGE_LOG

    source = open_source(path)
    if SHEET_MERGE_LOG not in source.sheet_names:
        return {}
    log = {}
    for row in source.rows(SHEET_MERGE_LOG)[1:]:
        if len(row) >= 3 and row[0]:
            log[(str(row[0]).strip(), str(row[1]).strip())] = row[2]
    return log


def run_ledger_merge(path: str | os.PathLike, files: list[str | os.PathLike], now: _dt.datetime | None = None,
                     progress: Callable[[str], None] | None = None) -> LedgerMergeRun:
    """Take back what the units filled: only their own rows and fields, never over the clerk."""
    from ..io.editing import Edit, edit_workbook
    from ..io.ledger_xlsx import read_unit_ledger
    from ..io.sheet_rows import set_value
    from ..ledger import SHEET_MERGE_LOG, plan_merge

    path = Path(path)
    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_RECTIFY))
    returned, units = [], []
    for file in files:
        unit, rows = read_unit_ledger(Path(file))
        units.append(unit)
        returned += rows
    plan = plan_merge(book, returned, _merge_log(path), today=(now.date() if now else None))
    run = LedgerMergeRun(plan, blocking, units)
    if blocking or not plan.changes:
        return run
    spec = S.SHEET_BY_NAME[S.SHEET_RECTIFY]
    stamp = (now or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")

    def apply(workbook) -> Edit:
        from ..io.ballot_sheet import ensure_sheet

        sheet = ensure_sheet(workbook, S.SHEET_RECTIFY)
        cells = set()
        for (row, name), value in plan.updates.items():
            set_value(sheet, row + 1, spec.col(name) + 1, value)
            cells.add((row, spec.col(name)))
        log_tool_values(workbook, [[pid, name, value, file, stamp] for pid, name, value, file in plan.log])
        return Edit({S.SHEET_RECTIFY: lambda row, col: (row, col) in cells, SHEET_MERGE_LOG: lambda row, col: True},
                    [f"整改清单：更新 {len(plan.updates)} 格"])

    run.edit = edit_workbook(path, apply, now=now, progress=progress)
    return run


@dataclass
class CarryRun:
    carried: list
    issues: list[Issue]
    edit: Any = None
    held: list[str] = field(default_factory=list)     # rows whose unit could not be found this year, in words
    moved: list[str] = field(default_factory=list)    # units found under another 编号, in words


def run_carry(old: str | os.PathLike, new: str | os.PathLike, now: _dt.datetime | None = None,
              progress: Callable[[str], None] | None = None, mapping: dict[str, str] | None = None) -> CarryRun:
    """Copy last year's unfinished 整改清单 rows into the new workbook, history in 备注;
    each row follows its unit (党组织), `mapping` {上年编号: 本年编号} for renamed units."""
    from ..io.editing import Edit, edit_workbook
    from ..io.sheet_rows import append_rows
    from ..ledger import plan_carry_units

    old_book, _ = load_book(old)
    new_book, issues = load_book(new)
    blocking = errors_in(issues, (S.SHEET_RECTIFY,))
    plan = plan_carry_units(old_book, new_book, mapping)
    run = CarryRun(plan.carried, blocking, held=plan.held, moved=plan.moved)
    if blocking or not run.carried:
        return run

    def apply(workbook) -> Edit:
        from ..io.ballot_sheet import ensure_sheet

        first, last = append_rows(ensure_sheet(workbook, S.SHEET_RECTIFY), [c.values for c in run.carried],
                                  wrap_cols=(4, 11))
        return Edit({S.SHEET_RECTIFY: rows_region(first, last)}, [f"整改清单：结转 {len(run.carried)} 行"])

    run.edit = edit_workbook(new, apply, now=now, progress=progress)
    return run
