"""Rendering the paper 评议表 (forms.py) with xlsxwriter: A4, fits one page wide."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..forms import TICK_BOX, FormModel
from ..layout import fit_width
from .atomic import atomic_save
from .results_xlsx import A4
from .xlsx_common import FIXED_CREATED, FONT, HEADER_FILL, add_sheet, merge_text, new_workbook, put_text

HEADER_ROW = 3     # the two table header rows are 3 and 4 (0-based)


def _write_form(book, form: FormModel, styles: dict) -> None:
    sheet = add_sheet(book, form.sheet)
    last = form.columns - 1
    merge_text(sheet, 0, 0, 0, last, form.title, styles["title"])
    sheet.set_row(0, 30)
    category = f"评议人类别：{form.category}" if form.category else ""
    split = min(last, 2 + len(form.grades))
    merge_text(sheet, 1, 0, 1, split, category, styles["line"])
    if split < last:
        merge_text(sheet, 1, split + 1, 1, last, "票号：__________", styles["right"])
    merge_text(sheet, 2, 0, 2, last, "\n".join(form.instructions), styles["wrap"])
    sheet.set_row(2, 48)
    for col, header in enumerate(("编号", "党组织", "姓名")):
        merge_text(sheet, HEADER_ROW, col, HEADER_ROW + 1, col, header, styles["header"])
    for k, item in enumerate(form.items):
        first = 3 + k * len(form.grades)
        merge_text(sheet, HEADER_ROW, first, HEADER_ROW, first + len(form.grades) - 1, item, styles["header"])
        for g, grade in enumerate(form.grades):
            put_text(sheet, HEADER_ROW + 1, first + g, grade, styles["header"])
    for r, (rid, organization, name) in enumerate(form.reporters, start=HEADER_ROW + 2):
        put_text(sheet, r, 0, rid, styles["centre"])
        put_text(sheet, r, 1, organization, styles["cell"])
        put_text(sheet, r, 2, name, styles["centre"])
        for col in range(3, form.columns):
            put_text(sheet, r, col, TICK_BOX, styles["box"])
        sheet.set_row(r, 24)
    row = HEADER_ROW + 2 + len(form.reporters) + 1
    for line in form.footer:
        merge_text(sheet, row, 0, row, last, line, styles["line"])
        row += 1
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, fit_width([o for _, o, _ in form.reporters] + ["党组织"], minimum=14, maximum=30))
    sheet.set_column(2, 2, fit_width([n for _, _, n in form.reporters] + ["姓名"], minimum=8, maximum=12))
    sheet.set_column(3, last, 5)
    sheet.set_paper(A4)
    if form.columns > 11:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW + 1)   # a ballot carries no page numbers: nothing to tell forms apart
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()


def write_forms(path: str | Path, forms: Sequence[FormModel]) -> Path:
    def write(temporary: Path) -> None:
        with new_workbook(temporary) as book:
            book.set_properties({"title": "民主评议表", "created": FIXED_CREATED, "author": "shuping"})
            base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
            styles = {
                "title": book.add_format({**base, "font_size": 16, "bold": True, "align": "center"}),
                "line": book.add_format(base),
                "right": book.add_format({**base, "align": "right"}),
                "wrap": book.add_format({**base, "text_wrap": True, "valign": "top"}),
                "header": book.add_format({**base, "bold": True, "align": "center", "border": 1,
                                           "bg_color": HEADER_FILL, "text_wrap": True}),
                "cell": book.add_format({**base, "border": 1}),
                "centre": book.add_format({**base, "border": 1, "align": "center"}),
                "box": book.add_format({**base, "border": 1, "align": "center", "font_size": 14}),
            }
            for form in forms:
                _write_form(book, form, styles)

    return atomic_save(Path(path), write)
