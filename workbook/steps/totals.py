"""唱票 totals (issue #22): lay out 计票录入, the totals a typed meeting implies, double
entry of two typings of the totals, and the demo meeting counted from totals."""
from __future__ import annotations

import datetime as _dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import schema as S
from ..errors import UsageError
from ..issues import Issue, Source, error, has_errors
from ..model import Book
from ..io.book import load_book
from .common import errors_in

PROPERTY_TOTALS_COPY = "shuping 唱票汇总副本"


@dataclass
class PrepareTotalsRun:
    path: Path
    book: Book
    issues: list[Issue]
    sheets: list[str] = field(default_factory=list)
    blocks: int = 0
    rows: int = 0
    edit: Any = None

    @property
    def refused(self) -> bool:
        return has_errors(self.issues)


def _same_layout(book: Book) -> bool:
    """Does the typed 计票录入 already have every category, reporter and item, in place?"""
    totals = book.totals
    wanted = {(k, r, i) for k in range(len(book.categories)) for r in range(len(book.reporters))
              for i in range(len(book.items))}
    have = {(b.category, r, i) for b in totals.blocks for (r, i) in b.rows}
    return have == wanted and all(b.category >= 0 for b in totals.blocks)


def run_prepare_totals(path: str | os.PathLike, now: _dt.datetime | None = None,
                       progress: Callable[[str], None] | None = None) -> PrepareTotalsRun:
    """Lay out 计票录入 (and 计票录入(复核) when present) from 述职人 × 评议项目 × 评议人类别.
    Once figures are typed it is never laid out again: a changed setup is refused with
    the reason, and nothing is moved or lost."""
    from ..io.editing import Edit, edit_workbook
    from ..io.totals_sheet import lay_out_totals, totals_sheet
    from ..totals import totals_layout
    from ..plans import prepare_blockers

    path = Path(path)
    book, issues = load_book(path)
    needed = prepare_blockers(book, issues) + errors_in(issues, (S.SHEET_CATEGORIES,), ("SHEET_TOO_LARGE",),
                                                          weights=False)
    if not needed and not book.categories:
        needed.append(error("CATEGORIES_EMPTY", Source(S.SHEET_CATEGORIES, 1, 0),
                            "“评议人类别”表还没有填写，请先填写评议人类别，再生成计票录入表"))
    run = PrepareTotalsRun(path, book, needed)
    if run.refused:
        return run
    layout = totals_layout(book.reporters, book.items, book.categories)
    run.blocks, run.rows = len(book.categories), len(layout.data)
    if book.totals is not None:
        if not _same_layout(book):
            run.issues.append(error("PREPARE_TOTALS_TYPED", Source(S.SHEET_TOTALS, 0, None),
                                    "“计票录入”中已录入票数，而述职人、评议项目或评议人类别与表中的汇总块不一致："
                                    "为免移动或丢失已录入的票数，未做任何改动。请在表中手工补上缺少的行或块"
                                    "（格式照其他块），或清空已录入的票数后重新生成"))
        return run

    def apply(workbook) -> Edit | None:
        names = [S.SHEET_TOTALS] + [S.SHEET_TOTALS_RECHECK] * (S.SHEET_TOTALS_RECHECK in workbook.sheetnames)
        regions = {}
        for name in names:
            before = _values(workbook[name]) if name in workbook.sheetnames else None
            sheet = totals_sheet(workbook, name)
            lay_out_totals(sheet, layout)
            if _values(sheet) != before:
                regions[name] = lambda row, col: True
                run.sheets.append(name)
        if not regions:
            return None
        return Edit(regions, [f"{name}：{run.blocks} 个类别 × {run.rows} 行" for name in run.sheets])

    run.edit = edit_workbook(path, apply, now=now, progress=progress)
    return run


def _values(sheet) -> dict:
    return {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}


def _refuse_target(source: Path, target: Path) -> None:
    from ..io.reader import custom_properties

    if target.resolve() == source.resolve():
        raise UsageError(f"输出文件不能是输入的工作簿本身：{target}")
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件名应以 .xlsx 结尾：{target.name}")
    if target.exists():
        try:
            ours = PROPERTY_TOTALS_COPY in custom_properties(target)
        except Exception:
            ours = False
        if not ours:
            raise UsageError(f"“{target}”已存在且不是 shuping 写出的汇总副本，未覆盖（请换一个文件名）")


def write_totals_copy(path: str | os.PathLike, result, target: str | os.PathLike) -> Path:
    """`tally --totals-out`: a copy of the workbook entered the other way — 评议票 (and
    its 复核, 疑问票处理) emptied, 计票录入 holding the totals the forms imply — so the
    two modes can be checked against each other. The input is never touched."""
    import openpyxl

    from ..io.atomic import atomic_write_bytes
    from ..io.totals_sheet import clear_forms, lay_out_totals, totals_sheet
    from ..totals import totals_from_result

    path, target = Path(path), Path(target)
    _refuse_target(path, target)
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), rich_text=True)
    clear_forms(book)
    for name in (S.SHEET_TOTALS, S.SHEET_TOTALS_RECHECK):
        if name in book.sheetnames:
            del book[name]
    lay_out_totals(totals_sheet(book), totals_from_result(result))
    _mark(book, path.name)
    buffer = io.BytesIO()
    book.save(buffer)
    return atomic_write_bytes(target, buffer.getvalue(), faults=False)


def _mark(book, source: str) -> None:
    try:
        from openpyxl.packaging.custom import StringProperty

        book.custom_doc_props.append(StringProperty(name=PROPERTY_TOTALS_COPY, value=source))
    except ImportError:   # pragma: no cover - older openpyxl
        pass


def new_demo_totals(path: str | os.PathLike, force: bool = False) -> Path:
    """`shuping new PATH --demo-totals`: the demo meeting, counted from totals."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"工作簿文件名应以 .xlsx 结尾：{path.name}")
    if path.exists() and not force:
        raise UsageError(f"“{path}”已存在，为免覆盖已录入的内容，未做任何改动（确需覆盖请加 --force）")
    return write_demo_totals(path)


def write_demo_totals(path: Path) -> Path:
    """The demo meeting counted from totals: its forms counted once, then entered as
    计票录入 with 评议票 empty (录入人/监票人 as the demo's scrutineers)."""
    import openpyxl

    from ..demo import demo_ballot_reporters, demo_sheets
    from ..io.atomic import atomic_write_bytes
    from ..io.template_xlsx import write_template
    from ..io.totals_sheet import clear_forms, lay_out_totals, totals_sheet
    from ..tally import tally
    from ..totals import totals_layout

    write_template(path, demo_sheets(), demo_ballot_reporters())
    book, issues = load_book(path)
    result, issues = tally(book, issues)
    assert result is not None, [i.message for i in issues if i.is_error]
    workbook = openpyxl.load_workbook(path)
    clear_forms(workbook)
    lay_out_totals(totals_sheet(workbook), totals_layout(book.reporters, book.items, book.categories,
                                                          result.accounts, result.counts,
                                                          entered_by="周文静", scrutineer="黄丽、韦强"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue(), faults=False)


@dataclass
class TotalsCompareRun:
    differences: list
    only_a: list[str]
    only_b: list[str]
    cells_compared: int
    issues: list[Issue]

    @property
    def identical(self) -> bool:
        return not (self.differences or self.only_a or self.only_b)


def books_in_totals_mode(first, second) -> bool:
    """Do both workbooks hold 唱票 totals (then `compare` compares 计票录入)?"""
    from ..io.reader import open_source

    for path in (first, second):
        if S.SHEET_TOTALS not in open_source(path).sheet_names:
            return False
    return all(load_book(path)[0].totals is not None for path in (first, second))


def run_compare_totals(first, second) -> TotalsCompareRun:
    """Double entry of totals across two workbooks: every figure where they differ."""
    from ..totals import compare_totals

    books = [load_book(path)[0] for path in (first, second)]
    differences, only_a, only_b, compared = compare_totals(books[0].totals.cells, books[1].totals.cells)
    return TotalsCompareRun(differences, only_a, only_b, compared, [])
