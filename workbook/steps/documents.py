"""Papers made from the count: the printed 评议表, notices and the bulletin."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import schema as S
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
    review: list = field(default_factory=list)    # review.Doubt: the pre-issue review of these papers


def run_notices(path: str | os.PathLike, out: str | os.PathLike | None = None,
                issue_date: _dt.date | None = None, secret_mark: str = "", copy_numbers: bool = False,
                cc: str = "", pdf: bool = True,
                progress: Callable[[str], None] | None = None) -> NoticesRun:
    """One feedback notice per reporter, the results bulletin, PDF copies when LibreOffice
    is there, a folder per unit and a zip of them (never the input)."""
    import shutil

    from ..io import gongwen_docx as G
    from ..io.atomic import atomic_write_bytes
    from ..io.delivery import safe_name, write_zip
    from ..notices import NoticeOptions, bulletin_context, notice_context

    step = progress or (lambda message: None)
    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)
    run = NoticesRun(issues)
    if result is None:
        return run
    options = NoticeOptions(issue_date or _dt.date.today(), secret_mark, copy_numbers, cc)
    from ..review import review_papers

    run.review = review_papers(result, options.issue_date)
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
