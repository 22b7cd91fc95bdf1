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
from .common import errors_in, output_dir


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
    progress = measure_progress(book, as_of or _dt.date.today(), issues)
    run = ProgressRun(progress, [i for i in issues if i.source.sheet == S.SHEET_RECTIFY])
    if write_files:
        from ..io.manifest import OutputFolder

        with OutputFolder(output_dir(path, out), [path], "progress") as folder:
            run.output = folder.write(S.PROGRESS_WORKBOOK, lambda target: write_sheets(
                target, progress_sheets(progress, book.meeting.shown_title), title="整改进度"))
    return run


@dataclass
class LedgerSplitRun:
    issues: list[Issue]
    files: list[Path] = field(default_factory=list)
    without: list[Any] = field(default_factory=list)   # reporters with no 整改清单 row: no ledger


def run_ledger_split(path: str | os.PathLike, out: str | os.PathLike | None = None,
                     exported: _dt.date | None = None) -> LedgerSplitRun:
    """One 整改台账 workbook per unit with only its own rows (never the input)."""
    from ..io.delivery import unique_name
    from ..io.ledger_xlsx import write_unit_ledger
    from ..ledger import unit_rows

    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_RECTIFY))
    run = LedgerSplitRun(blocking)
    if blocking:
        return run
    from ..io.manifest import OutputFolder

    planned, taken = [], set()
    for reporter in book.reporters:
        rows = unit_rows(book, reporter.id)
        if rows:
            name = unique_name(f"{reporter.id}_{reporter.organization}_整改台账.xlsx", taken)
            planned.append((f"{S.LEDGER_FOLDER}/{name}", reporter, rows))
        else:
            run.without.append(reporter)
    with OutputFolder(output_dir(path, out), [path], "ledger split") as folder:
        folder.claim_all(name for name, _, _ in planned)
        for name, reporter, rows in planned:
            run.files.append(folder.write(name, lambda target, reporter=reporter, rows=rows: write_unit_ledger(
                target, reporter, rows, book.meeting.shown_title, exported or _dt.date.today())))
    return run


@dataclass
class LedgerMergeRun:
    plan: Any                              # ledger.MergePlan
    issues: list[Issue]
    units: list[str] = field(default_factory=list)
    edit: Any = None


def run_ledger_merge(path: str | os.PathLike, files: list[str | os.PathLike], now: _dt.datetime | None = None,
                     progress: Callable[[str], None] | None = None) -> LedgerMergeRun:
    """Take back what the units filled: only their own rows and fields, never over the clerk."""
    from ..io.editing import open_edit
    from ..io.locks import refuse_same_file

    path = Path(path)
    for file in files:
        refuse_same_file(path, file, "工作簿不能当作单位发回的整改台账合并进它自己")
    with open_edit(path, progress) as session:   # the lock is held from the read to the rename
        return _ledger_merge(session, path, files, now)


def _ledger_merge(session, path: Path, files: list[str | os.PathLike], now: _dt.datetime | None) -> LedgerMergeRun:
    from ..io.ledger_xlsx import read_unit_ledger
    from ..io.plan_writer import write_plan
    from ..ledger import SHEET_MERGE_LOG, plan_merge
    from ..plans import plan_ledger_merge, tool_log

    book, issues = session.load()
    source = session.read_source()
    log = tool_log(source.rows(SHEET_MERGE_LOG)) if SHEET_MERGE_LOG in source.sheet_names else {}
    returned, units = [], []
    for file in files:
        unit, rows = read_unit_ledger(Path(file))
        units.append(unit)
        returned += rows
    merge = plan_merge(book, returned, log, today=(now.date() if now else None))
    plan = plan_ledger_merge(book, issues, merge, now or _dt.datetime.now())
    run = LedgerMergeRun(merge, list(plan.blockers), units)
    if plan.refused or not plan.has_changes:
        return run
    run.edit = session.apply(lambda workbook: write_plan(workbook, plan), now=now)
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
    from ..io.editing import open_edit
    from ..io.locks import refuse_same_file

    refuse_same_file(old, new, "结转会把本年度的整改事项再次追加到它自己的整改清单中（每运行一次多一倍）")
    old_book, _ = load_book(old)
    with open_edit(new, progress) as session:   # the lock is held from the read to the rename
        return _carry(session, old_book, now, mapping)


def _carry(session, old_book, now: _dt.datetime | None, mapping: dict[str, str] | None) -> CarryRun:
    from ..io.plan_writer import write_plan
    from ..ledger import plan_carry_units
    from ..plans import plan_carry

    new_book, issues = session.load()
    found = plan_carry_units(old_book, new_book, mapping)
    plan = plan_carry(issues, found.carried)
    run = CarryRun(found.carried, list(plan.blockers), held=found.held, moved=found.moved)
    if plan.refused or not plan.has_changes:
        return run
    run.edit = session.apply(lambda workbook: write_plan(workbook, plan), now=now)
    return run
