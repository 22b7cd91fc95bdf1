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
    from ..io.editing import open_edit

    path = Path(path)
    with open_edit(path, progress) as session:   # the lock is held from the read to the rename
        return _prepare(session, path, now)


def _prepare(session, path: Path, now: _dt.datetime | None) -> PrepareRun:
    from ..io.plan_writer import write_plan
    from ..plans import BallotSheetSeen, plan_prepare, prepare_blockers

    book, issues = session.load()
    blockers = prepare_blockers(book, issues)      # before the grid is read: an oversized sheet stops here
    if any(i.is_error for i in blockers):
        return PrepareRun(path, book, blockers)
    source = session.read_source()
    seen = [BallotSheetSeen(name, source.rows(name) if name in source.sheet_names else None)
            for name in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK)
            if name == S.SHEET_BALLOTS or name in source.sheet_names]
    plan, run_plans = plan_prepare(book, issues, seen)
    run = PrepareRun(path, book, list(plan.blockers), run_plans)
    if plan.refused:
        return run
    run.edit = session.apply(lambda workbook: write_plan(workbook, plan), now=now)
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
    from ..io.editing import open_edit
    from ..io.speech import read_speech

    text = read_speech(speech)
    path = Path(path)
    if dry_run:   # reads only: no lock, works while Excel has the file open
        book, issues = load_book(path)
        return _import_comments(None, path, book, issues, text, dry_run, reviewer, now)
    with open_edit(path, progress) as session:   # the lock is held from the read to the rename
        book, issues = session.load()
        return _import_comments(session, path, book, issues, text, dry_run, reviewer, now)


def _import_comments(session, path: Path, book: Book, issues: list[Issue], text: str, dry_run: bool,
                     reviewer: str, now: _dt.datetime | None) -> ImportRun:
    from ..comments import match_blocks, parse_speech
    from ..io.plan_writer import write_plan
    from ..plans import plan_import_comments

    matches = match_blocks(parse_speech(text), book.reporters)
    plan, added, kept = plan_import_comments(book, issues, matches, reviewer)
    run = ImportRun(path, matches, added, kept, dry_run=dry_run, issues=list(plan.blockers))
    if plan.refused or dry_run or not plan.has_changes:
        return run
    run.edit = session.apply(lambda workbook: write_plan(workbook, plan), now=now)
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
    from ..io.editing import open_edit

    path = Path(path)
    with open_edit(path, progress) as session:   # the lock is held from the read to the rename
        return _rectify(session, path, now)


def _rectify(session, path: Path, now: _dt.datetime | None) -> RectifyRun:
    from ..io.plan_writer import write_plan
    from ..ledger import SHEET_MERGE_LOG
    from ..plans import plan_rectify, tool_log

    book, issues = session.load()
    source = session.read_source()
    log = tool_log(source.rows(SHEET_MERGE_LOG)) if SHEET_MERGE_LOG in source.sheet_names else {}
    plan, found = plan_rectify(book, issues, now or _dt.datetime.now(), log)
    run = RectifyRun(path, found, list(plan.blockers) + list(plan.warnings))
    if run.refused or not plan.has_changes:
        return run
    run.edit = session.apply(lambda workbook: write_plan(workbook, plan), now=now)
    return run
