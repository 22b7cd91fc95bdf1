"""Papers made from the count: the printed 评议表, notices and the bulletin."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import schema as S
from ..errors import OutputError
from ..issues import Issue
from ..tally import tally
from ..io.book import load_book
from .common import errors_in, output_dir


@dataclass
class FormsRun:
    issues: list[Issue]
    forms: list = field(default_factory=list)
    output: Path | None = None


def run_forms(path: str | os.PathLike, out: str | os.PathLike | None = None) -> FormsRun:
    """The printable paper 评议表, one sheet per evaluator category (never the input)."""
    from ..forms import form_models
    from ..io.forms_xlsx import write_forms
    from ..io.manifest import OutputFolder

    book, issues = load_book(path)
    blocking = errors_in(issues, (S.SHEET_MEETING, S.SHEET_REPORTERS, S.SHEET_ITEMS, S.SHEET_CATEGORIES),
                         weights=False)
    if not blocking and not book.reporters:
        from ..issues import Source, error

        blocking.append(error("REPORTERS_EMPTY", Source(S.SHEET_REPORTERS, 1, 0), "“述职人”表还没有填写，无法生成评议表"))
    run = FormsRun(blocking)
    if blocking:
        return run
    run.forms = form_models(book)
    with OutputFolder(output_dir(path, out), [path], "forms") as folder:
        run.output = folder.write(S.FORMS_WORKBOOK, lambda target: write_forms(target, run.forms))
    return run


# --- what the notices were made from (so `mail` can tell stale papers by content) --------------
SOURCE_WORDS = {"ballots": "评议票（或疑问票认定）", "settings": "会议信息、述职人、评议项目、评议人类别、参数设置或等次规则",
                "comments": "点评", "rectify": "整改清单", "template": "通知/通报模板", "date": "成文日期"}


def _hash(value) -> str:
    import hashlib
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rows(rows) -> list:
    from dataclasses import asdict

    return [{k: v for k, v in asdict(row).items() if k != "source"} for row in rows]


def notice_sources(book, template_hash: str, issue_date: _dt.date) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(what every paper is made from, what each reporter's own notice is made from):
    SHA-256s of the ballots, the settings, that reporter's 点评 and 整改清单 rows, the
    templates and the 成文日期."""
    from dataclasses import asdict

    from ..fingerprint import ballots_fingerprint

    def meta(x):
        return {k: v for k, v in asdict(x).items() if k != "source"} if hasattr(x, "__dataclass_fields__") else x

    settings = _hash({"meeting": meta(book.meeting), "params": meta(book.params),
                      "rules": [meta(r) for r in book.rules], "items": [meta(i) for i in book.items],
                      "categories": [meta(c) for c in book.categories],
                      "reporters": [[r.id, r.organization, r.name, r.title, r.mode] for r in book.reporters]})
    common = {"ballots": ballots_fingerprint(book), "settings": settings, "template": template_hash,
              "date": issue_date.isoformat()}
    own = {r.id: {"comments": _hash(_rows(c for c in book.comments if c.reporter_id == r.id)),
                  # the fields a notice shows (its 整改 table): what a unit fills later does not count
                  "rectify": _hash([[x.problem_id, x.description, x.deadline, x.status]
                                    for x in book.rectifications if x.reporter_id == r.id])}
           for r in book.reporters}
    return common, own


def template_sources(beside: Path) -> tuple[dict[str, Path | bytes], dict[str, str], str]:
    """The templates a run uses (a clerk's beside the workbook, the shipped, or built in),
    how to name them, and one hash of their bytes."""
    import hashlib

    from ..io import gongwen_docx as G

    found, words, h = {}, {}, hashlib.sha256()
    for name, kind in ((G.NOTICE_TEMPLATE, "notice"), (G.BULLETIN_TEMPLATE, "bulletin")):
        path = G.find_template(name, beside)
        words[kind] = str(path) if path is not None else "内置模板"
        found[kind] = path if path is not None else G.build_template(kind)
        data = found[kind] if isinstance(found[kind], bytes) else found[kind].read_bytes()
        h.update(hashlib.sha256(data).digest())
    return found, words, h.hexdigest()


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
    review: list = field(default_factory=list)    # review.Doubt: the pre-issue review of these papers
    issue_date: _dt.date | None = None
    date_kept: bool = False             # the 成文日期 of the last run was kept (no --date given)
    kept_in_delivery: list[str] = field(default_factory=list)  # 分发 files the clerk changed: left alone


def run_notices(path: str | os.PathLike, out: str | os.PathLike | None = None,
                issue_date: _dt.date | None = None, secret_mark: str = "", copy_numbers: bool = False,
                cc: str = "", pdf: bool = True,
                progress: Callable[[str], None] | None = None) -> NoticesRun:
    """One feedback notice per reporter, the results bulletin, PDF copies when LibreOffice
    is there, a folder per unit and a zip of them (never the input). Without `issue_date`
    the 成文日期 of the last run into this folder is kept (today for a first run).
    Everything is rendered before anything is written, and every name is claimed in the
    output folder's manifest first: a refused name or template leaves the folder as it was."""
    import tempfile

    from ..io import gongwen_docx as G
    from ..io.delivery import unique_name, write_zip
    from ..io.manifest import OutputFolder
    from ..notices import NoticeOptions, bulletin_context, notice_context

    step = progress or (lambda message: None)
    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)
    run = NoticesRun(issues)
    if result is None:
        return run
    with OutputFolder(output_dir(path, out), [path], "notices") as folder:
        recorded = folder.records.get("notices") or {}
        if issue_date is None and recorded.get("date"):
            try:
                issue_date = _dt.date.fromisoformat(recorded["date"])
                run.date_kept = True
            except (TypeError, ValueError):
                issue_date = None
        issue_date = issue_date or _dt.date.today()
        run.issue_date = issue_date
        options = NoticeOptions(issue_date, secret_mark, copy_numbers, cc)
        from ..review import review_papers

        run.review = review_papers(result, options.issue_date)
        substitutes = G.missing_font_substitutes(G.installed_fonts())
        templates, run.templates, template_hash = template_sources(path.parent)

        # 1. render everything in memory (a refused template writes nothing)
        taken: set[str] = set()
        notices = []
        for number, reporter in enumerate(result.reporters, start=1):
            step(f"正在生成反馈意见：{reporter.reporter.label}")
            data = G.substitute_fonts(G.render(templates["notice"], notice_context(result, reporter, options, number)),
                                      substitutes)
            name = unique_name(f"{reporter.reporter.id}_{reporter.reporter.organization}_{reporter.reporter.name}"
                               "_反馈意见.docx", taken)
            notices.append((reporter.reporter, f"{S.NOTICES_FOLDER}/{name}", data))
        step("正在生成结果通报…")
        drop = () if book.params.bulletin_rates else (G.RATE_HEADER,)
        bulletin = G.substitute_fonts(G.render(templates["bulletin"], bulletin_context(result, options), drop),
                                      substitutes)

        # 2. the names this run writes, all claimed before the first byte
        def pdf_of(name: str) -> str:
            return name.rpartition(".")[0] + ".pdf"

        units, unit_taken = [], set()
        for reporter, name, _ in notices:
            unit = unique_name(f"{reporter.id}_{reporter.organization}", unit_taken, limit=60)
            units.append(f"{S.DELIVERY_FOLDER}/{unit}")
        main = [name for _, name, _ in notices] + [S.BULLETIN_DOCUMENT]
        pdf_names = [pdf_of(n) for n in main] if pdf else []
        delivered = []                  # (the paper, its copy in the unit's folder)
        for (_, name, _), unit in zip(notices, units):
            papers = [name, S.BULLETIN_DOCUMENT]
            papers += [pdf_of(p) for p in papers] if pdf else []
            delivered += [(paper, f"{unit}/{paper.rpartition('/')[2]}") for paper in papers]
        folder.claim_all([*main, *pdf_names, *(d for _, d in delivered), S.DELIVERY_ZIP])

        # 3. write: the notices and the bulletin as one set (a full disk replaces none of them);
        # after them, a failure says exactly which files are new and which are still the last run's
        made = folder.write_all([*((name, lambda target, data=data: target.write_bytes(data))
                                   for _, name, data in notices),
                                 (S.BULLETIN_DOCUMENT, lambda target: target.write_bytes(bulletin))])
        run.notices, run.bulletin = made[:-1], made[-1]
        later = [*pdf_names, *(d for _, d in delivered), S.DELIVERY_ZIP]
        written: list[str] = []
        try:
            made_pdfs: set[str] = set()
            if pdf:
                step("正在转换 PDF（LibreOffice）…")
                with tempfile.TemporaryDirectory(prefix="shuping-pdf-") as scratch:
                    scratch = Path(scratch)
                    _, run.pdf_note = G.convert_to_pdf(run.notices + [run.bulletin], scratch)
                    for name in main:
                        converted = scratch / pdf_of(name).rpartition("/")[2]
                        if converted.exists():
                            run.pdfs.append(folder.write_bytes(pdf_of(name), converted.read_bytes()))
                            made_pdfs.add(pdf_of(name))
                            written.append(pdf_of(name))
            # notices of ours no longer made (a reporter renamed or removed): gone; the clerk's stay
            run.kept_in_delivery = folder.prune(S.NOTICES_FOLDER, keep=[*(n for _, n, _ in notices), *made_pdfs])
            step("正在整理分发文件夹…")
            wanted = [(paper, copy) for paper, copy in delivered if not paper.endswith(".pdf") or paper in made_pdfs]
            run.kept_in_delivery += folder.prune(S.DELIVERY_FOLDER, keep=[copy for _, copy in wanted])
            packed: list[tuple[Path, str]] = []
            for paper, copy in wanted:
                written_copy = folder.write_bytes(copy, folder.path(paper).read_bytes())
                written.append(copy)
                packed.append((written_copy, copy.split("/", 1)[1]))
            run.units = [folder.path(unit) for unit in units]
            run.archive = folder.write(S.DELIVERY_ZIP, lambda target: write_zip(target, packed))
        except OutputError as exc:
            old = [name for name in later if name not in written and folder.path(name).exists()]
            raise OutputError(
                f"{exc}。反馈意见 {len(notices)} 份和结果通报（{S.NOTICES_FOLDER}/ 与 {S.BULLETIN_DOCUMENT}）已是新的；"
                f"此后已写出新的：{'、'.join(written) or '（无）'}；仍是上次生成的：{'、'.join(old) or '（无）'}。"
                "请腾出空间后重新运行") from None

        common, own = notice_sources(book, template_hash, issue_date)
        folder.records["notices"] = {
            "date": issue_date.isoformat(), "workbook": path.name,
            "made": _dt.datetime.now().isoformat(timespec="seconds"),
            "options": {"mark": secret_mark, "copy_numbers": copy_numbers, "cc": cc},
            "common": common,
            "bulletin": [S.BULLETIN_DOCUMENT, *([pdf_of(S.BULLETIN_DOCUMENT)]
                                                if pdf_of(S.BULLETIN_DOCUMENT) in made_pdfs else [])],
            "reporters": {reporter.id: {"organization": reporter.organization, "name": reporter.name,
                                        "files": [name, *([pdf_of(name)] if pdf_of(name) in made_pdfs else [])],
                                        "sources": own.get(reporter.id, {})}
                          for reporter, name, _ in notices},
        }
        folder.save()
    return run
