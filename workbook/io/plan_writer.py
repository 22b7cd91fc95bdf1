"""An EditPlan (workbook/plans.py) written into an openpyxl workbook: the file door's
sink. The ribbon applies the same plan to the open book (macros_py/excel.py)."""
from __future__ import annotations

from ..plans import EditPlan, SheetChange
from .. import schema as S
from .ballot_sheet import ensure_sheet, lay_out
from .editing import Edit
from .sheet_rows import append_rows, last_used_row, set_value


def _sheet(workbook, change: SheetChange):
    if change.sheet in workbook.sheetnames:
        return workbook[change.sheet]
    if change.hidden:                       # the tool's own log: made hidden, at the end
        sheet = workbook.create_sheet(change.sheet)
        sheet.sheet_state = "hidden"
        return sheet
    return ensure_sheet(workbook, change.sheet)


def write_plan(workbook, plan: EditPlan) -> Edit | None:
    """Apply the plan; the Edit names the cells it may have changed (the editing path checks
    every other cell read back unchanged). None when nothing changed."""
    regions = {}
    for change in plan.changes:
        if change.empty:
            continue
        sheet = _sheet(workbook, change)
        if change.hidden:                   # the whole sheet is the tool's
            if change.first_row and not last_used_row(sheet):
                append_rows(sheet, [change.first_row])
            append_rows(sheet, change.append)
            regions[change.sheet] = lambda row, col: True
            continue
        if change.header is not None and not lay_out(sheet, change.header):
            continue                        # rows 1–2 already as planned
        header_rows = S.BALLOT_HEADER_ROWS if change.header is not None else 0
        cells = set(change.cells)
        for (row, col), value in change.cells.items():
            set_value(sheet, row + 1, col + 1, value)
        first = last = 0
        if change.append:
            first, last = append_rows(sheet, change.append, wrap_cols=change.wrap_cols)
        regions[change.sheet] = (lambda cells, header_rows, first, last: lambda row, col: (
            row < header_rows or (row, col) in cells or first - 1 <= row <= last - 1))(cells, header_rows, first, last)
    return Edit(regions, list(plan.summary)) if regions else None
