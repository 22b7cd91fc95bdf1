"""Rows 1–2 of 评议票 in an openpyxl worksheet: read what is there, lay out a plan.

Only rows 1–2, the column widths of newly laid columns, the frozen panes and the
tool's own drop-downs are touched; every typed form (row 3 on) stays as it is.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import schema as S
from .. import layout as L
from ..layout import BALLOT_VALIDATION_ROWS, fit_width, group_columns
from ..prepare import LayoutPlan
from .xlsx_common import FONT, HEADER_FILL, SHADE_FILL, clear_cell, set_cell

GRADE_LIST = f'"{L.GRADE_LIST}"'
VOID_LIST = f'"{L.VOID_LIST}"'
CATEGORY_LIST = L.CATEGORY_LIST_SOURCE
TOOL_LISTS = (GRADE_LIST, VOID_LIST, CATEGORY_LIST)
HEADER_ROWS = S.BALLOT_HEADER_ROWS
EXCEL_MAX_ROWS = 1_048_576


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


def validation_rows(sheet) -> int:
    """The 1-based last row the drop-downs reach: as in the template (0-based
    BALLOT_VALIDATION_ROWS), or well past the last typed form."""
    return min(max(BALLOT_VALIDATION_ROWS, -(-(sheet.max_row + 500) // 1000) * 1000) + 1, EXCEL_MAX_ROWS)


def lay_out(sheet, plan: LayoutPlan) -> bool:
    """Write the plan's rows 1–2 into `sheet`; True when anything changed."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    width = max(sheet.max_column, plan.last_col + 1)
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
            if col - 1 > plan.last_col:
                cell.style = "Normal"

    def styled(row: int, col: int, value: Any, fill) -> None:
        cell = set_cell(sheet, row + 1, col + 1, value)
        cell.font, cell.fill, cell.border, cell.alignment = font, fill, border, centre

    values = plan.header_rows()
    spec = S.SHEET_BY_NAME[S.SHEET_BALLOTS]
    for col, column in enumerate(spec.columns):
        styled(0, col, values[0][col], fills[False])
        letter = get_column_letter(col + 1)
        if plan.columns:
            styled(1, col, None, fills[False])
            sheet.merge_cells(f"{letter}1:{letter}2")
        if sheet.column_dimensions[letter].width in (None, 13.0):
            sheet.column_dimensions[letter].width = column.width

    first_new = S.BALLOT_FIRST_GRADE_COL + plan.kept
    for group in group_columns(plan.columns):
        for offset, item in enumerate(group.items):
            col = group.first_col + offset
            styled(0, col, values[0][col], fills[group.shaded])
            styled(1, col, values[1][col], fills[group.shaded])
            if col >= first_new:
                sheet.column_dimensions[get_column_letter(col + 1)].width = fit_width([item], minimum=8, maximum=14)
        if group.last_col > group.first_col:
            sheet.merge_cells(start_row=1, start_column=group.first_col + 1,
                              end_row=1, end_column=group.last_col + 1)

    for dv in _own_validations(sheet):
        sheet.data_validations.dataValidation.remove(dv)
    last_row = validation_rows(sheet)
    first_row = HEADER_ROWS + 1

    def drop_down(formula: str, area: str) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        dv.add(area)
        sheet.add_data_validation(dv)

    if plan.columns:
        drop_down(GRADE_LIST, f"{get_column_letter(S.BALLOT_FIRST_GRADE_COL + 1)}{first_row}:"
                              f"{get_column_letter(plan.last_col + 1)}{last_row}")
    for header, formula in ((S.BALLOT_CATEGORY, CATEGORY_LIST), (S.BALLOT_VOID, VOID_LIST)):
        letter = get_column_letter(S.BALLOT_FIXED.index(header) + 1)
        drop_down(formula, f"{letter}{first_row}:{letter}{last_row}")
    sheet.freeze_panes = (f"{get_column_letter(S.BALLOT_FIRST_GRADE_COL + 1)}{first_row}"
                          if plan.columns else "A2")
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
