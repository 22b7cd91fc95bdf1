"""Adding rows to a clerk's list sheet (点评, 整改清单) in an openpyxl workbook.

Text is always stored as text: openpyxl would turn a problem that starts with "=" into
a formula. Appended rows take the look of the sheet's header-less body (font, wrap).
"""
from __future__ import annotations

import datetime as _dt
from copy import copy
from typing import Any, Sequence

from .xlsx_common import FONT, set_cell

DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def last_used_row(sheet) -> int:
    """1-based row of the last cell holding a value (0 for an empty sheet)."""
    return max((row for (row, _), cell in sheet._cells.items() if cell.value not in (None, "")), default=0)


def set_value(sheet, row: int, col: int, value: Any, wrap: bool = False):
    """Write one value at 1-based (row, col); strings stay strings, dates get a date format."""
    from openpyxl.styles import Font

    cell = set_cell(sheet, row, col, value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        cell.number_format = DATE_FORMAT
    if cell.font is None or cell.font.name in (None, "Calibri"):
        cell.font = Font(name=FONT, size=11)
    if wrap:
        alignment = copy(cell.alignment)
        alignment.wrap_text, alignment.vertical = True, "top"
        cell.alignment = alignment
    return cell


def append_rows(sheet, rows: Sequence[Sequence[Any]], wrap_cols: Sequence[int] = ()) -> tuple[int, int]:
    """Rows after the last used one; returns the (first, last) 1-based rows written."""
    first = last_used_row(sheet) + 1
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                set_value(sheet, first + offset, col, value, wrap=col - 1 in wrap_cols)
    return first, first + len(rows) - 1
