"""Checking and counting: check, tally, verify, compare."""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import schema as S
from ..issues import Issue
from ..model import Book
from ..tally import TallyResult, tally
from ..io.book import load_book
from .common import output_dir, write_json


def check_workbook(path: str | os.PathLike) -> tuple[Book, list[Issue]]:
    return load_book(path)


@dataclass
class TallyRun:
    book: Book
    result: TallyResult | None
    issues: list[Issue]
    outputs: list[Path] = field(default_factory=list)
    json: dict[str, Any] | None = None


def run_tally(path: str | os.PathLike, out: str | os.PathLike | None = None,
              json_file: str | os.PathLike | None = None, write_files: bool = True,
              counted_at: _dt.datetime | None = None, paper: str | None = None) -> TallyRun:
    """Check, count, and write the summary workbook and the JSON (never the input).
    `paper` (A4/A3) overrides 参数设置's 打印纸张 for the summary workbook."""
    from ..fingerprint import fingerprint_properties
    from ..report import result_json

    book, issues = load_book(path)
    result, issues = tally(book, issues, past_follow_up=True)   # 点评/整改清单 errors: a warning here
    run = TallyRun(book, result, issues)
    if result is None:
        return run
    run.json = result_json(result, issues)
    json_target = None
    if json_file and str(json_file) != "-":
        from ..io.manifest import OutputFolder

        json_target = Path(json_file)
        if json_target.is_dir():
            from ..errors import UsageError

            raise UsageError(f"--json 应指定一个文件，“{json_target}”是文件夹")
        side = OutputFolder(json_target.parent, [path], "tally --json")
        side.check(json_target.name)          # refused before anything is written
        if json_target.suffix.lower() != ".json":
            # 计票汇总表.xlsx (ours, so the manifest allows it) would become JSON under an .xlsx name
            from ..errors import OutputRefused

            raise OutputRefused(f"--json 应指定以 .json 结尾的文件；“{json_target}”不是，写出会让它变成打不开的"
                                f"文件，未写出任何文件。请改用如“{json_target.with_suffix('.json').name}”的名称")
    if write_files:
        from ..io.manifest import OutputFolder
        from ..io.results_xlsx import write_sheets
        from ..sheets import bulletin_sheet, result_sheets

        stamp = (counted_at or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        fingerprints = run.json["fingerprints"]
        properties = fingerprint_properties(fingerprints)
        paper = paper or book.params.paper
        with OutputFolder(output_dir(path, out), [path], "tally") as folder:
            # one set: all three written to temporaries first, renamed only when all are written,
            # so a full disk never leaves a new 计票汇总表 beside the previous run's 计票结果.json
            run.outputs += folder.write_all([
                (S.SUMMARY_WORKBOOK, lambda target: write_sheets(
                    target, result_sheets(result, issues, stamp, fingerprints, paper), book.params.decimals,
                    properties, paper=paper)),
                (S.BULLETIN_WORKBOOK, lambda target: write_sheets(
                    target, [bulletin_sheet(result)], book.params.decimals, properties, title="结果通报表")),
                (S.RESULT_JSON, lambda target: write_json(target, run.json)),
            ])
            folder.records["tally"] = {"fingerprints": fingerprints, "workbook": Path(path).name, "made": stamp}
            folder.save()
    if json_target is not None:
        with OutputFolder(json_target.parent, [path], "tally --json") as side:
            run.outputs.append(side.write(json_target.name, lambda target: write_json(target, run.json)))
    return run


@dataclass
class VerifyRun:
    recorded: dict[str, str]            # the fingerprints the results file carries
    ballots: str                        # recomputed from the workbook now
    results: str | None                 # recomputed; None when the workbook cannot be counted
    file_intact: bool | None            # a JSON file's figures still hash to its own record
    issues: list[Issue]

    @property
    def ballots_match(self) -> bool:
        return self.recorded.get("ballots") == self.ballots

    @property
    def results_match(self) -> bool:
        return self.results is not None and self.recorded.get("results") == self.results

    @property
    def ok(self) -> bool:
        return self.ballots_match and self.results_match and self.file_intact is not False


MAX_RESULTS_BYTES = 256 << 20     # a results JSON of 10,000 forms is a few MB


def read_recorded_fingerprints(results: Path) -> tuple[dict[str, str], bool | None]:
    """(fingerprints a results file carries, whether a JSON file's figures still match them)."""
    from ..fingerprint import PROPERTY_BALLOTS, PROPERTY_RESULTS, results_fingerprint
    from ..errors import UnreadableWorkbook

    if not results.exists() or results.is_dir():
        raise UnreadableWorkbook(f"找不到结果文件：{results}")
    if results.suffix.lower() == ".xlsx":
        from ..io.reader import custom_properties

        properties = custom_properties(results)
        recorded = {"ballots": properties.get(PROPERTY_BALLOTS, ""), "results": properties.get(PROPERTY_RESULTS, "")}
        intact = None
    else:
        not_results = f"“{results.name}”不是可读的计票结果 JSON 文件"
        try:
            if results.stat().st_size > MAX_RESULTS_BYTES:
                raise UnreadableWorkbook(f"{not_results}：文件过大（超过 {MAX_RESULTS_BYTES >> 20} MB）")
            data = json.loads(results.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise UnreadableWorkbook(f"{not_results}：不是 UTF-8 文本") from None
        except RecursionError:
            raise UnreadableWorkbook(f"{not_results}：内容嵌套过深，不是 shuping tally 写出的格式") from None
        except ValueError as exc:   # json.JSONDecodeError: say where, in Chinese
            where = f"（第 {exc.lineno} 行第 {exc.colno} 列）" if isinstance(exc, json.JSONDecodeError) else ""
            raise UnreadableWorkbook(f"{not_results}：JSON 格式有误{where}") from None
        except OSError as exc:
            raise UnreadableWorkbook(f"{not_results}：{exc.strerror or exc}") from None
        recorded = data.get("fingerprints") if isinstance(data, dict) else None
        if not isinstance(recorded, dict):
            raise UnreadableWorkbook(f"“{results.name}”中没有指纹（fingerprints），不是 shuping 计票结果文件")
        try:
            intact = results_fingerprint(data) == recorded.get("results")
        except (RecursionError, ValueError, TypeError):
            raise UnreadableWorkbook(f"{not_results}：内容嵌套过深或类型不对，不是 shuping tally 写出的格式") from None
    if not all(isinstance(recorded.get(key), str) and recorded.get(key) for key in ("ballots", "results")):
        raise UnreadableWorkbook(f"“{results.name}”中没有 shuping 的指纹，不是由 shuping tally 生成的结果文件")
    return {"ballots": recorded["ballots"], "results": recorded["results"]}, intact


def run_verify(path: str | os.PathLike, results: str | os.PathLike) -> VerifyRun:
    """Recompute both fingerprints from the workbook and compare them with a results file."""
    from ..fingerprint import ballots_fingerprint
    from ..report import result_json

    recorded, intact = read_recorded_fingerprints(Path(results))
    book, issues = load_book(path)
    result, issues = tally(book, issues, past_follow_up=True)   # as run_tally counted
    recomputed = None if result is None else result_json(result, issues)["fingerprints"]["results"]
    return VerifyRun(recorded, ballots_fingerprint(book), recomputed, intact, issues)


@dataclass
class CompareRun:
    comparison: Any
    issues: list[Issue]               # what makes a copy unusable for comparing


def run_compare(first: str | os.PathLike, second: str | os.PathLike) -> CompareRun:
    """Double entry across two workbooks: 评议票 of `first` against 评议票 of `second`."""
    from ..compare import compare_copies, read_copy
    from ..errors import SheetTooLarge
    from ..io.locks import refuse_same_file
    from ..io.reader import open_source
    from ..issues import Source, error
    from ..parse import parse_items, parse_reporters

    refuse_same_file(first, second, "一个文件与它自己比对必然一致，什么也证明不了（双人录入要比对两人各自录入的两个文件）")
    copies, issues = [], []
    for path in (first, second):
        source = open_source(path)
        names = set(source.sheet_names)
        missing = [name for name in (S.SHEET_REPORTERS, S.SHEET_ITEMS, S.SHEET_BALLOTS) if name not in names]
        for name in missing:
            issues.append(error("SHEET_MISSING", Source(name), f"“{Path(path).name}”缺少工作表“{name}”，无法比对"))
        if missing:
            copies.append(None)
            continue
        try:
            reporters, _ = parse_reporters(source.rows(S.SHEET_REPORTERS))
            items, _ = parse_items(source.rows(S.SHEET_ITEMS))
            copy = read_copy(S.SHEET_BALLOTS, source.rows(S.SHEET_BALLOTS), reporters, items)
        except SheetTooLarge as exc:
            issues.append(error("SHEET_TOO_LARGE", Source(exc.sheet), exc.message))
            copies.append(None)
            continue
        issues.extend(i for i in copy.issues if i.is_error)
        copies.append(copy)
    if None in copies or issues:
        return CompareRun(None, issues)
    return CompareRun(compare_copies(*copies), issues)
