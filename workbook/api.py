"""One library call per command: what `cli.py` and `macros_py` both stand on."""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    _, issues = check_workbook(workbook)
    return DemoRun(workbook, issues, run_tally(workbook))
