"""计票录入 in an openpyxl worksheet: laying out a `totals.TotalsLayout` (issue #22).

One block per 评议人类别 that reads like the scrutineers' board: a shaded title row
(评议人类别 | name | 录入人 | … | 监票人 | …), 发放/回收/废票/空白票 over their figures,
then 述职人 | 评议项目 | 好 … 多选 and one row per reporter × item, the reporter's label
merged down its item rows. Figure cells take whole numbers ≥ 0 only (data validation),
are shown as whole numbers, and the header row is frozen.
"""
from __future__ import annotations

from typing import Any

from .. import schema as S
from ..layout import fit_width
from ..totals import TotalsLayout
from .xlsx_common import FONT, HEADER_FILL, SHADE_FILL, clear_cell, set_cell

COUNT_WIDTH = 8
NUMBER_FORMAT = "0"


def _style():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "bold": Font(name=FONT, size=11, bold=True),
        "plain": Font(name=FONT, size=11),
        "title": Font(name=FONT, size=12, bold=True),
        "centre": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center"),
        "header": PatternFill("solid", fgColor=HEADER_FILL.lstrip("#")),
        "shade": PatternFill("solid", fgColor=SHADE_FILL.lstrip("#")),
    }


def lay_out_totals(sheet, layout: TotalsLayout) -> None:
    """Write the layout into an empty (or figure-free) sheet: everything in it is replaced."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    style = _style()
    for merged in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(merged))
    for row in list(sheet.iter_rows()):
        for cell in row:
            clear_cell(cell)
            cell.style = "Normal"
    sheet.data_validations.dataValidation.clear()

    def put(row: int, col: int, value: Any, font="plain", fill=None, align="centre", number=False) -> None:
        cell = set_cell(sheet, row + 1, col + 1, value)
        cell.font, cell.border, cell.alignment = style[font], style["border"], style[align]
        if fill:
            cell.fill = style[fill]
        if number:
            cell.number_format = NUMBER_FORMAT

    width = layout.width
    titles, labels, figures, data = set(layout.titles), set(layout.labels), set(layout.figures), set(layout.data)
    for r, values in enumerate(layout.rows):
        if r == 0 or r in labels:
            for c, value in enumerate(values[:width]):
                if value is not None:
                    put(r, c, value, "bold", "header")
        elif r in titles:
            for c in range(width):
                value = values[c] if c < len(values) else None
                tag = c in (0, 3, 6)
                put(r, c, value, "title" if c == 1 else "bold" if tag else "plain", "shade",
                    "centre" if tag else "left")
        elif r in figures:
            for c in range(len(S.TOTALS_ACCOUNT)):
                put(r, c, values[c], number=True)
        elif r in data:
            put(r, 0, values[0], "bold")
            put(r, 1, values[1])
            for c in range(S.TOTALS_FIRST_COUNT_COL, width):
                put(r, c, values[c], number=True)
    for r in layout.titles:   # the category's name over B:C, 录入人's over E:F
        sheet.merge_cells(start_row=r + 1, start_column=2, end_row=r + 1, end_column=3)
        sheet.merge_cells(start_row=r + 1, start_column=5, end_row=r + 1, end_column=6)
    for r0, c0, r1, c1 in layout.merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)

    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorStyle="stop", errorTitle="票数",
                            error="请填写不小于 0 的整数票数（没有票填 0）")
    first = get_column_letter(S.TOTALS_FIRST_COUNT_COL + 1)
    last = get_column_letter(width)
    for r in layout.figures:
        counts.add(f"A{r + 1}:{get_column_letter(len(S.TOTALS_ACCOUNT))}{r + 1}")
    for start, end in _runs(layout.data):
        counts.add(f"{first}{start + 1}:{last}{end + 1}")
    sheet.add_data_validation(counts)

    widths = [14, 14] + [COUNT_WIDTH] * (width - 3) + [12]   # H also holds the 监票人's names
    for c, w in enumerate(widths):
        sheet.column_dimensions[get_column_letter(c + 1)].width = w
    body = [v for v in layout.rows if v and v[0] != S.TOTALS_BLOCK]
    sheet.column_dimensions["A"].width = fit_width([v[0] for v in body], minimum=14, maximum=30)
    sheet.column_dimensions["B"].width = fit_width([v[1] for v in body], minimum=14, maximum=30)
    sheet.freeze_panes = "C2"
    sheet.sheet_properties.tabColor = "C00000"
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = f"{sheet.title}（唱票汇总，每类一块）"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for r in sorted(rows):
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def totals_sheet(book, name: str = S.SHEET_TOTALS):
    """The sheet, created right after 评议票 (or 评议票(复核)/计票录入) when missing."""
    if name in book.sheetnames:
        return book[name]
    after = [S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK, S.SHEET_TOTALS]
    position = max((book.sheetnames.index(n) + 1 for n in after if n in book.sheetnames), default=len(book.sheetnames))
    return book.create_sheet(name, position)


def clear_forms(book) -> None:
    """For a totals copy of a typed meeting: 评议票, 评议票(复核) and 疑问票处理 keep only
    their header rows (their content is in the totals now)."""
    for name, keep in ((S.SHEET_BALLOTS, S.BALLOT_HEADER_ROWS), (S.SHEET_BALLOTS_RECHECK, S.BALLOT_HEADER_ROWS),
                       (S.SHEET_ADJUDICATION, 1)):
        if name in book.sheetnames:
            sheet = book[name]
            if sheet.max_row > keep:
                sheet.delete_rows(keep + 1, sheet.max_row - keep)
