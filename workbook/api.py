"""One library call per command: what `cli.py` and `macros_py` both stand on."""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import schema as S
from .errors import OutputError, UsageError
from .issues import Issue
from .model import Book
from .tally import TallyResult, tally
from .validate import load_book


def output_dir(path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """`<stem>_成果/` beside the workbook unless told otherwise."""
    path = Path(path)
    return Path(out) if out else path.with_name(path.stem + S.OUTPUT_DIR_SUFFIX)


def new_workbook(path: str | os.PathLike, demo: bool = False, force: bool = False) -> Path:
    from .io.template_xlsx import write_template

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"工作簿文件名应以 .xlsx 结尾：{path.name}")
    if path.exists() and not force:
        raise UsageError(f"“{path}”已存在，为免覆盖已录入的内容，未做任何改动（确需覆盖请加 --force）")
    if demo:
        from .demo import demo_ballot_reporters, demo_sheets

        return write_template(path, demo_sheets(), demo_ballot_reporters())
    return write_template(path)


def check_workbook(path: str | os.PathLike) -> tuple[Book, list[Issue]]:
    return load_book(path)


@dataclass
class TallyRun:
    book: Book
    result: TallyResult | None
    issues: list[Issue]
    outputs: list[Path] = field(default_factory=list)
    json: dict[str, Any] | None = None


def write_json(path: Path, data: dict[str, Any]) -> Path:
    from .io.atomic import atomic_save

    payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return atomic_save(path, lambda temporary: temporary.write_bytes(payload))


def run_tally(path: str | os.PathLike, out: str | os.PathLike | None = None,
              json_file: str | os.PathLike | None = None, write_files: bool = True,
              counted_at: _dt.datetime | None = None) -> TallyRun:
    """Check, count, and write the summary workbook and the JSON (never the input)."""
    from .report import result_json

    book, issues = load_book(path)
    result, issues = tally(book, issues)
    run = TallyRun(book, result, issues)
    if result is None:
        return run
    run.json = result_json(result, issues)
    if write_files:
        from .io.results_xlsx import write_sheets
        from .sheets import result_sheets

        target = output_dir(path, out)
        stamp = (counted_at or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        run.outputs.append(write_sheets(target / S.SUMMARY_WORKBOOK, result_sheets(result, issues, stamp),
                                        book.params.decimals))
        run.outputs.append(write_json(target / S.RESULT_JSON, run.json))
    if json_file and str(json_file) != "-":
        run.outputs.append(write_json(Path(json_file), run.json))
    return run


@dataclass
class DemoRun:
    workbook: Path
    prepare: PrepareRun
    check_issues: list[Issue]
    tally: TallyRun


def run_demo(folder: str | os.PathLike | None = None) -> DemoRun:
    """Every step that exists, end to end, on the demo workbook."""
    folder = Path(folder or "shuping-demo")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建文件夹“{folder}”：{exc.strerror or exc}") from exc
    workbook = new_workbook(folder / S.DEMO_FILE, demo=True, force=True)
    prepared = run_prepare(workbook)
    _, issues = check_workbook(workbook)
    return DemoRun(workbook, prepared, issues, run_tally(workbook))


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
    from .io.ballot_sheet import ballot_sheets, ensure_sheet, lay_out, read_header, typed_counts
    from .io.editing import Edit, edit_workbook
    from .issues import Source, error, has_errors
    from .prepare import plan_ballot_layout

    path = Path(path)
    book, issues = load_book(path)
    needed = [i for i in issues if i.is_error and i.source.sheet in (S.SHEET_REPORTERS, S.SHEET_ITEMS)]
    if not needed and not book.reporters:
        needed.append(error("REPORTERS_EMPTY", Source(S.SHEET_REPORTERS, 1, 0),
                            "“述职人”表还没有填写，请先逐行填写述职人，再生成评议票"))
    if not needed and not book.items:
        needed.append(error("ITEMS_EMPTY", Source(S.SHEET_ITEMS, 1, 0),
                            "“评议项目”表还没有填写，请先填写评议项目，再生成评议票"))
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
