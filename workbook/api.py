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
    from .fingerprint import fingerprint_properties
    from .report import result_json

    book, issues = load_book(path)
    result, issues = tally(book, issues)
    run = TallyRun(book, result, issues)
    if result is None:
        return run
    run.json = result_json(result, issues)
    if write_files:
        from .io.results_xlsx import write_sheets
        from .sheets import bulletin_sheet, result_sheets

        target = output_dir(path, out)
        stamp = (counted_at or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        fingerprints = run.json["fingerprints"]
        properties = fingerprint_properties(fingerprints)
        run.outputs.append(write_sheets(target / S.SUMMARY_WORKBOOK,
                                        result_sheets(result, issues, stamp, fingerprints), book.params.decimals,
                                        properties))
        run.outputs.append(write_sheets(target / S.BULLETIN_WORKBOOK, [bulletin_sheet(result)],
                                        book.params.decimals, properties, title="结果通报表"))
        run.outputs.append(write_json(target / S.RESULT_JSON, run.json))
    if json_file and str(json_file) != "-":
        run.outputs.append(write_json(Path(json_file), run.json))
    return run


@dataclass
class DemoRun:
    workbook: Path
    prepare: PrepareRun
    imported: ImportRun
    rectified: RectifyRun
    check_issues: list[Issue]
    tally: TallyRun
    verify: VerifyRun | None = None
    forms: FormsRun | None = None
    notices: NoticesRun | None = None
    merged: LedgerMergeRun | None = None
    progress: ProgressRun | None = None
    mail: MailPlan | None = None
    drafts: list[Path] = field(default_factory=list)


def run_demo(folder: str | os.PathLike | None = None) -> DemoRun:
    """Every step that exists, end to end, on the demo workbook."""
    folder = Path(folder or "shuping-demo")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建文件夹“{folder}”：{exc.strerror or exc}") from exc
    from .demo import DEMO_REVIEWER, DEMO_SPEECH_FILE, demo_ballot_reporters, demo_sheets, demo_speech
    from .io.template_xlsx import write_template

    workbook = folder / S.DEMO_FILE
    for old in [workbook, *folder.glob(f"{workbook.stem}.备份-*{workbook.suffix}")]:
        old.unlink(missing_ok=True)   # a rerun starts the demo afresh
    write_template(workbook, demo_sheets(comments=False), demo_ballot_reporters())
    speech = folder / DEMO_SPEECH_FILE
    speech.write_text(demo_speech(), encoding="utf-8")
    prepared = run_prepare(workbook)
    imported = run_import_comments(workbook, speech, reviewer=DEMO_REVIEWER)
    rectified = run_rectify(workbook)
    _, issues = check_workbook(workbook)
    run = DemoRun(workbook, prepared, imported, rectified, issues, run_tally(workbook))
    if run.tally.result is not None:
        run.verify = run_verify(workbook, output_dir(workbook) / S.RESULT_JSON)
    run.forms = run_forms(workbook)
    if run.tally.result is not None:
        run.notices = run_notices(workbook)
    # the units answer: split the ledger, let three units fill theirs, merge, and report
    from .demo import simulate_unit_answers

    meeting = run.tally.book.meeting.date
    meeting = meeting.date() if isinstance(meeting, _dt.datetime) else meeting
    answered = simulate_unit_answers(run_ledger_split(workbook).files, meeting)
    run.merged = run_ledger_merge(workbook, answered)
    run.progress = run_progress(workbook, as_of=meeting + _dt.timedelta(days=40))
    # mail as a dry run: drafts to look at, nothing leaves the machine
    run.mail = plan_mail(workbook, dry_run=True)
    if not run.mail.issues:
        run.drafts = write_drafts(run.mail)
    return run


def errors_in(issues: list[Issue], sheets: tuple[str, ...] = (), codes: tuple[str, ...] = (),
              weights: bool = True) -> list[Issue]:
    """The errors that stop a command: those on `sheets` or with one of `codes`; without
    weight errors when `weights` is False (a header or a paper form is not made of weights)."""
    return [i for i in issues if i.is_error and (i.source.sheet in sheets or i.code in codes)
            and (weights or "WEIGHT" not in i.code)]


def prepare_blockers(book: Book, issues: list[Issue]) -> list[Issue]:
    """What stops laying out 评议票: only what the header is made of — ids, names, the
    sheets themselves — and an empty 述职人 or 评议项目. The command line and the ribbon ask this."""
    from .issues import Source, error

    needed = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_ITEMS), ("SHEET_TOO_LARGE",), weights=False)
    if not needed and not book.reporters:
        needed.append(error("REPORTERS_EMPTY", Source(S.SHEET_REPORTERS, 1, 0),
                            "“述职人”表还没有填写，请先逐行填写述职人，再生成评议票"))
    if not needed and not book.items:
        needed.append(error("ITEMS_EMPTY", Source(S.SHEET_ITEMS, 1, 0),
                            "“评议项目”表还没有填写，请先填写评议项目，再生成评议票"))
    return needed


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
    from .issues import has_errors
    from .prepare import plan_ballot_layout

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


def read_recorded_fingerprints(results: Path) -> tuple[dict[str, str], bool | None]:
    """(fingerprints a results file carries, whether a JSON file's figures still match them)."""
    from .fingerprint import PROPERTY_BALLOTS, PROPERTY_RESULTS, results_fingerprint
    from .errors import UnreadableWorkbook

    if not results.exists() or results.is_dir():
        raise UnreadableWorkbook(f"找不到结果文件：{results}")
    if results.suffix.lower() == ".xlsx":
        from .io.reader import custom_properties

        properties = custom_properties(results)
        recorded = {"ballots": properties.get(PROPERTY_BALLOTS, ""), "results": properties.get(PROPERTY_RESULTS, "")}
        intact = None
    else:
        try:
            data = json.loads(results.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UnreadableWorkbook(f"“{results.name}”不是可读的计票结果 JSON 文件：{exc}") from exc
        recorded = data.get("fingerprints") if isinstance(data, dict) else None
        if not isinstance(recorded, dict):
            raise UnreadableWorkbook(f"“{results.name}”中没有指纹（fingerprints），不是 shuping 计票结果文件")
        intact = results_fingerprint(data) == recorded.get("results")
    if not recorded.get("ballots") or not recorded.get("results"):
        raise UnreadableWorkbook(f"“{results.name}”中没有 shuping 的指纹，不是由 shuping tally 生成的结果文件")
    return recorded, intact


def run_verify(path: str | os.PathLike, results: str | os.PathLike) -> VerifyRun:
    """Recompute both fingerprints from the workbook and compare them with a results file."""
    from .fingerprint import ballots_fingerprint
    from .report import result_json

    recorded, intact = read_recorded_fingerprints(Path(results))
    book, issues = load_book(path)
    result, issues = tally(book, issues)
    recomputed = None if result is None else result_json(result, issues)["fingerprints"]["results"]
    return VerifyRun(recorded, ballots_fingerprint(book), recomputed, intact, issues)


@dataclass
class CompareRun:
    comparison: Any
    issues: list[Issue]               # what makes a copy unusable for comparing


def run_compare(first: str | os.PathLike, second: str | os.PathLike) -> CompareRun:
    """Double entry across two workbooks: 评议票 of `first` against 评议票 of `second`."""
    from .compare import compare_copies, read_copy
    from .io.reader import SheetTooLarge, open_source
    from .issues import Source, error
    from .parse import parse_items, parse_reporters

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


def _rows_region(first: int, last: int):
    """Cells of the 1-based rows first..last (a region for the editing path, 0-based)."""
    return lambda row, col: first - 1 <= row <= last - 1


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
    from .comments import match_blocks, parse_speech
    from .io.editing import Edit, edit_workbook
    from .io.sheet_rows import append_rows
    from .io.speech import read_speech

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
        rows.append([match.reporter.id, S.AREA_GENERAL, block.achievements, block.problems, block.expectations,
                     reviewer or None])
        run.added.append((match.reporter.id, match.reporter.name))
    if dry_run or not rows:
        return run

    def apply(workbook) -> Edit:
        from .io.ballot_sheet import ensure_sheet

        first, last = append_rows(ensure_sheet(workbook, S.SHEET_COMMENTS), rows, wrap_cols=(2, 3, 4))
        return Edit({S.SHEET_COMMENTS: _rows_region(first, last)}, [f"点评：新增 {len(rows)} 行"])

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
    from .io.editing import Edit, edit_workbook
    from .io.sheet_rows import append_rows, set_value
    from .ledger import SHEET_MERGE_LOG
    from .rectify import plan_rectification

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
        from .io.ballot_sheet import ensure_sheet

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


@dataclass
class FormsRun:
    issues: list[Issue]
    forms: list = field(default_factory=list)
    output: Path | None = None


def run_forms(path: str | os.PathLike, out: str | os.PathLike | None = None) -> FormsRun:
    """The printable paper 评议表, one sheet per evaluator category (never the input)."""
    from .forms import form_models
    from .io.forms_xlsx import write_forms

    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_MEETING, S.SHEET_REPORTERS, S.SHEET_ITEMS, S.SHEET_CATEGORIES),
                         weights=False)
    if not blocking and not book.reporters:
        from .issues import Source, error

        blocking.append(error("REPORTERS_EMPTY", Source(S.SHEET_REPORTERS, 1, 0), "“述职人”表还没有填写，无法生成评议表"))
    run = FormsRun(blocking)
    if blocking:
        return run
    run.forms = form_models(book)
    run.output = write_forms(output_dir(path, out) / S.FORMS_WORKBOOK, run.forms)
    return run


@dataclass
class NoticesRun:
    issues: list[Issue]
    notices: list[Path] = field(default_factory=list)
    bulletin: Path | None = None
    pdfs: list[Path] = field(default_factory=list)
    pdf_note: str = ""
    units: list[Path] = field(default_factory=list)
    archive: Path | None = None
    templates: dict[str, str] = field(default_factory=dict)   # which template was used, in words


def run_notices(path: str | os.PathLike, out: str | os.PathLike | None = None,
                issue_date: _dt.date | None = None, secret_mark: str = "", copy_numbers: bool = False,
                cc: str = "", pdf: bool = True,
                progress: Callable[[str], None] | None = None) -> NoticesRun:
    """One feedback notice per reporter, the results bulletin, PDF copies when LibreOffice
    is there, a folder per unit and a zip of them (never the input)."""
    import shutil

    from .io import gongwen_docx as G
    from .io.atomic import atomic_write_bytes
    from .io.delivery import safe_name, write_zip
    from .notices import NoticeOptions, bulletin_context, notice_context

    step = progress or (lambda message: None)
    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)
    run = NoticesRun(issues)
    if result is None:
        return run
    options = NoticeOptions(issue_date or _dt.date.today(), secret_mark, copy_numbers, cc)
    target = output_dir(path, out)
    substitutes = G.missing_font_substitutes(G.installed_fonts())

    def template(name: str, kind: str) -> Path | bytes:
        found = G.find_template(name, path.parent)
        run.templates[kind] = str(found) if found is not None else "内置模板"
        return found if found is not None else G.build_template(kind)

    notice_template = template(G.NOTICE_TEMPLATE, "notice")
    for number, reporter in enumerate(result.reporters, start=1):
        step(f"正在生成反馈意见：{reporter.reporter.label}")
        data = G.substitute_fonts(G.render(notice_template, notice_context(result, reporter, options, number)),
                                  substitutes)
        name = safe_name(f"{reporter.reporter.id}_{reporter.reporter.organization}_{reporter.reporter.name}_反馈意见.docx")
        run.notices.append(atomic_write_bytes(target / S.NOTICES_FOLDER / name, data))
    step("正在生成结果通报…")
    drop = () if book.params.bulletin_rates else (G.RATE_HEADER,)
    run.bulletin = atomic_write_bytes(target / S.BULLETIN_DOCUMENT, G.substitute_fonts(
        G.render(template(G.BULLETIN_TEMPLATE, "bulletin"), bulletin_context(result, options), drop), substitutes))
    if pdf:
        step("正在转换 PDF（LibreOffice）…")
        made, run.pdf_note = G.convert_to_pdf(run.notices, target / S.NOTICES_FOLDER)
        more, note = G.convert_to_pdf([run.bulletin], target) if not run.pdf_note else ([], "")
        run.pdfs = made + more
        run.pdf_note = run.pdf_note or note
    step("正在整理分发文件夹…")
    delivery = target / S.DELIVERY_FOLDER
    shutil.rmtree(delivery, ignore_errors=True)
    packed: list[tuple[Path, str]] = []
    for reporter, notice in zip(result.reporters, run.notices):
        unit = delivery / safe_name(f"{reporter.reporter.id}_{reporter.reporter.organization}", limit=60)
        unit.mkdir(parents=True, exist_ok=True)
        papers = [notice, *[p for p in run.pdfs if p.stem == notice.stem], run.bulletin,
                  *[p for p in run.pdfs if p.stem == run.bulletin.stem]]
        for paper in papers:
            shutil.copyfile(paper, unit / paper.name)
            packed.append((unit / paper.name, f"{unit.name}/{paper.name}"))
        run.units.append(unit)
    run.archive = write_zip(target / S.DELIVERY_ZIP, packed)
    return run


@dataclass
class ProgressRun:
    progress: Any                      # progress.Progress
    issues: list[Issue]
    output: Path | None = None


def run_progress(path: str | os.PathLike, out: str | os.PathLike | None = None,
                 as_of: _dt.date | None = None, write_files: bool = True) -> ProgressRun:
    """整改进度 as of a day (default today): counts, overdue items, the sentence upward."""
    from .io.results_xlsx import write_sheets
    from .progress import measure_progress
    from .sheets import progress_sheets

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
    from .io.delivery import safe_name
    from .io.ledger_xlsx import write_unit_ledger
    from .ledger import unit_rows

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


def log_tool_values(workbook, rows: list[list[Any]]) -> None:
    """Append to the hidden 台账合并记录 sheet (made on first use)."""
    from .io.sheet_rows import append_rows
    from .ledger import MERGE_LOG_HEADER, SHEET_MERGE_LOG

    if SHEET_MERGE_LOG in workbook.sheetnames:
        log = workbook[SHEET_MERGE_LOG]
    else:
        log = workbook.create_sheet(SHEET_MERGE_LOG)
        log.sheet_state = "hidden"
        append_rows(log, [MERGE_LOG_HEADER])
    append_rows(log, rows)


def _merge_log(path: Path) -> dict[tuple[str, str], Any]:
    from .io.reader import open_source
    from .ledger import SHEET_MERGE_LOG

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
    from .io.editing import Edit, edit_workbook
    from .io.ledger_xlsx import read_unit_ledger
    from .io.sheet_rows import set_value
    from .ledger import SHEET_MERGE_LOG, plan_merge

    path = Path(path)
    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_REPORTERS, S.SHEET_RECTIFY))
    returned, units = [], []
    for file in files:
        unit, rows = read_unit_ledger(Path(file))
        units.append(unit)
        returned += rows
    plan = plan_merge(book, returned, _merge_log(path))
    run = LedgerMergeRun(plan, blocking, units)
    if blocking or not plan.changes:
        return run
    spec = S.SHEET_BY_NAME[S.SHEET_RECTIFY]
    stamp = (now or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")

    def apply(workbook) -> Edit:
        from .io.ballot_sheet import ensure_sheet

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


def run_carry(old: str | os.PathLike, new: str | os.PathLike, now: _dt.datetime | None = None,
              progress: Callable[[str], None] | None = None) -> CarryRun:
    """Copy last year's unfinished 整改清单 rows into the new workbook, history in 备注."""
    from .io.editing import Edit, edit_workbook
    from .io.sheet_rows import append_rows
    from .ledger import plan_carry

    old_book, _ = load_book(old)
    new_book, issues = load_book(new)
    blocking = errors_in(issues, (S.SHEET_RECTIFY,))
    run = CarryRun(plan_carry(old_book, new_book), blocking)
    if blocking or not run.carried:
        return run

    def apply(workbook) -> Edit:
        from .io.ballot_sheet import ensure_sheet

        first, last = append_rows(ensure_sheet(workbook, S.SHEET_RECTIFY), [c.values for c in run.carried],
                                  wrap_cols=(4, 11))
        return Edit({S.SHEET_RECTIFY: _rows_region(first, last)}, [f"整改清单：结转 {len(run.carried)} 行"])

    run.edit = edit_workbook(new, apply, now=now, progress=progress)
    return run


@dataclass
class MailPlan:
    settings: Any                          # mail.MailSettings
    messages: list                         # mail.Outgoing
    decisions: dict[str, str]              # key -> mail.SEND / SKIP_*
    log: Any                               # mail.SendLog
    folder: Path
    issues: list[Issue] = field(default_factory=list)
    made: list[str] = field(default_factory=list)     # outputs made because missing or stale

    @property
    def to_send(self) -> list:
        from .mail import SEND

        return [m for m in self.messages if self.decisions[m.key] == SEND]


def _stale(paths: list[Path], source: Path) -> bool:
    return not paths or any(not p.exists() or p.stat().st_mtime < source.stat().st_mtime for p in paths)


def plan_mail(path: str | os.PathLike, only: list[str] = (), to_leaders: bool = False,
              resend: bool = False, dry_run: bool = False) -> MailPlan:
    """What would be sent to whom, from outputs made now when missing or stale."""
    from .mail import LOG_FILE, MailSettings, SendLog, decide, plan_messages
    from .notices import gongwen_date
    from .progress import meeting_start

    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)      # nothing goes out for a workbook that cannot be counted
    settings = MailSettings.from_book(book.mail)
    folder = output_dir(path)
    plan = MailPlan(settings, [], {}, SendLog.read(folder / LOG_FILE), folder,
                    [i for i in issues if i.is_error])
    if plan.issues:
        return plan
    from .issues import Source, error

    if not settings.sender:
        plan.issues.append(error("MAIL_NO_SENDER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写发件人"))
    if not dry_run and not settings.server:
        plan.issues.append(error("MAIL_NO_SERVER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写 SMTP服务器"))
    if plan.issues:
        return plan
    summary, bulletin = folder / S.SUMMARY_WORKBOOK, folder / S.BULLETIN_DOCUMENT
    notices = sorted((folder / S.NOTICES_FOLDER).glob("*.docx")) if (folder / S.NOTICES_FOLDER).is_dir() else []
    if _stale([summary], path):
        run_tally(path)
        plan.made.append(S.SUMMARY_WORKBOOK)
    if _stale([bulletin, *notices], path) or len(notices) < len(book.reporters):
        made = run_notices(path)
        notices = made.notices
        plan.made.append("反馈意见和结果通报")
    start = meeting_start(book)
    deadline = (gongwen_date(start + _dt.timedelta(days=book.meeting.deadline_days))
                if start and book.meeting.deadline_days is not None else "规定时限")
    plan.messages = plan_messages(book, notices, summary, bulletin, settings, deadline, only,
                                  leaders=to_leaders or not only)
    plan.decisions = {m.key: decide(m, plan.log, resend) for m in plan.messages}
    return plan


def write_drafts(plan: MailPlan) -> list[Path]:
    """--dry-run: every message that would be sent as an .eml with X-Unsent: 1 in 发件箱/."""
    from .io.atomic import atomic_write_bytes
    from .io.delivery import safe_name
    from .mail import OUTBOX, as_wire_bytes, build_email

    made = []
    for message in plan.to_send:
        email = build_email(message, plan.settings.sender, draft=True)
        name = safe_name(f"{message.key.replace(':', '_')}_{message.label}.eml")
        made.append(atomic_write_bytes(plan.folder / OUTBOX / name, as_wire_bytes(email)))
    return made


@dataclass
class SendResult:
    message: Any
    state: str
    answer: str


def send_planned(plan: MailPlan, password: str | None,
                 progress: Callable[[str], None] | None = None) -> list[SendResult]:
    """Send what the plan says, logging "sending" before and the answer after each."""
    from .io.atomic import fault_point
    from .io.mailer import Mailer
    from .mail import STATE_FAILED, build_email

    step = progress or (lambda message: None)
    mailer = Mailer(plan.settings, password)
    results = []
    try:
        mailer.open()
        for message in plan.to_send:
            step(f"正在发送：{message.label}")
            email = build_email(message, plan.settings.sender)
            plan.log.write(message, "sending")
            try:
                state, answer = mailer.send(email, plan.settings.sender, message.to)
            except OutputError as exc:       # the reconnect for this message failed
                state, answer = STATE_FAILED, str(exc)
            fault_point("mail-sending")
            if state != "sending":
                plan.log.write(message, state, answer)
            results.append(SendResult(message, state, answer))
    finally:
        mailer.close()
    return results


def mail_password(settings: Any, interactive: bool, ask_to_store: Callable[[], bool] | None = None) -> str | None:
    """From the environment variable named in 邮件设置, else the OS keyring, else asked once
    (never echoed) and, with the clerk's consent, kept in the keyring. Never written to a file."""
    if not settings.user:
        return None
    if settings.password_env and os.environ.get(settings.password_env):
        return os.environ[settings.password_env]
    service, account = "shuping", f"{settings.user}@{settings.server}"
    try:
        import keyring
    except ImportError:
        keyring = None
    if keyring is not None:
        try:
            stored = keyring.get_password(service, account)
            if stored:
                return stored
        except Exception:   # no usable keyring backend on this machine
            keyring = None
    if not interactive:
        raise OutputError(f"没有找到邮箱密码：请设置环境变量 {settings.password_env or '（邮件设置中的密码环境变量）'}"
                          "，或在有人值守时运行以便输入密码")
    import getpass

    password = getpass.getpass(f"请输入 {settings.user} 的邮箱密码（不显示）：")
    if keyring is not None and ask_to_store is not None and ask_to_store():
        try:
            keyring.set_password(service, account, password)
        except Exception:
            pass
    return password
