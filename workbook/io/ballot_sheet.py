"""Rows 1–2 of 评议票 in an openpyxl worksheet: read what is there, lay out a plan.

Only rows 1–2, the column widths of newly laid columns, the frozen panes and the
tool's own drop-downs are touched; every typed form (row 3 on) stays as it is.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import schema as S
from .. import layout as L
from ..layout import fit_width
from ..plans import HeaderLayout
from .xlsx_common import FONT, HEADER_FILL, SHADE_FILL, clear_cell, set_cell

GRADE_LIST = f'"{L.GRADE_LIST}"'
VOID_LIST = f'"{L.VOID_LIST}"'
CATEGORY_LIST = L.CATEGORY_LIST_SOURCE
TOOL_LISTS = (GRADE_LIST, VOID_LIST, CATEGORY_LIST)
HEADER_ROWS = S.BALLOT_HEADER_ROWS


def _value(sheet, row: int, col: int) -> Any:
    """0-based read that does not create the cell (openpyxl's cell() would)."""
    cell = sheet._cells.get((row + 1, col + 1))
    return None if cell is None else cell.value


def read_header(sheet) -> list[list[Any]]:
    width = sheet.max_column
    return [[_value(sheet, row, col) for col in range(width)] for row in range(HEADER_ROWS)]


def typed_counts(sheet) -> tuple[dict[int, int], int]:
    """({0-based column: typed cells from row 3 on}, number of rows with anything typed)."""
    counts: dict[int, int] = {}
    rows: set[int] = set()
    for (row, col), cell in sheet._cells.items():
        if row > HEADER_ROWS and cell.value is not None:
            counts[col - 1] = counts.get(col - 1, 0) + 1
            rows.add(row)
    return counts, len(rows)


def _own_validations(sheet) -> list:
    return [dv for dv in sheet.data_validations.dataValidation
            if dv.type == "list" and (dv.formula1 or "").lstrip("=") in TOOL_LISTS]


def header_state(sheet, width: int) -> tuple:
    """What `prepare` decides, for telling whether a run changes anything."""
    merged = sorted(str(r) for r in sheet.merged_cells.ranges if r.min_row <= HEADER_ROWS)
    validations = sorted((dv.formula1.lstrip("="), str(dv.sqref)) for dv in _own_validations(sheet))
    values = tuple(tuple(_value(sheet, row, col) for col in range(width)) for row in range(HEADER_ROWS))
    return values, tuple(merged), tuple(validations), sheet.freeze_panes


def lay_out(sheet, layout: HeaderLayout) -> bool:
    """Write a header layout (plans.header_layout, the one the ribbon writes too) into
    rows 1–2 of `sheet`; True when anything changed."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    width = max(sheet.max_column, layout.last_col + 1)
    before = header_state(sheet, width)

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=FONT, size=11, bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    fills = {False: PatternFill("solid", fgColor=HEADER_FILL.lstrip("#")),
             True: PatternFill("solid", fgColor=SHADE_FILL.lstrip("#"))}

    for merged in [r for r in sheet.merged_cells.ranges if r.min_row <= HEADER_ROWS]:
        sheet.unmerge_cells(str(merged))
    for (row, col), cell in list(sheet._cells.items()):
        if row <= HEADER_ROWS:
            clear_cell(cell)
            if col - 1 > layout.last_col:
                cell.style = "Normal"

    for row, values in enumerate(layout.values):
        for col, value in enumerate(values):
            cell = set_cell(sheet, row + 1, col + 1, value)
            cell.font, cell.fill, cell.border, cell.alignment = font, fills[layout.shaded.get(col, False)], border, centre
    for col, column in enumerate(S.SHEET_BY_NAME[S.SHEET_BALLOTS].columns):
        letter = get_column_letter(col + 1)
        if sheet.column_dimensions[letter].width in (None, 13.0):
            sheet.column_dimensions[letter].width = column.width
    for col in range(layout.first_new, layout.last_col + 1):
        sheet.column_dimensions[get_column_letter(col + 1)].width = fit_width([layout.values[1][col]], minimum=8,
                                                                              maximum=14)
    for r0, c0, r1, c1 in layout.merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)

    for dv in _own_validations(sheet):
        sheet.data_validations.dataValidation.remove(dv)
    for drop in layout.drop_downs:
        formula = f'"{drop.source}"' if drop.literal else drop.source
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        dv.add(f"{get_column_letter(drop.first_col + 1)}{drop.first_row + 1}:"
               f"{get_column_letter(drop.last_col + 1)}{drop.last_row + 1}")
        sheet.add_data_validation(dv)
    row, col = layout.freeze
    sheet.freeze_panes = f"{get_column_letter(col + 1)}{row + 1}"
    return header_state(sheet, width) != before


def ballot_sheets(book) -> Sequence[str]:
    """The ballot sheets `prepare` lays out: 评议票 always, 评议票(复核) when present."""
    return [name for name in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK)
            if name == S.SHEET_BALLOTS or name in book.sheetnames]


def ensure_sheet(book, name: str):
    """The sheet, created at its contract position when the clerk deleted it."""
    if name in book.sheetnames:
        return book[name]
    order = S.SHEET_ORDER[name]
    position = sum(1 for title in book.sheetnames if S.SHEET_ORDER.get(title, len(S.SHEETS)) < order)
    return book.create_sheet(name, position)
