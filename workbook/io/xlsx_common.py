"""Shared pieces of the xlsxwriter writers: formats and a value writer that never
turns a clerk's text into a formula."""
from __future__ import annotations

import datetime as _dt
from typing import Any

FONT = "宋体"
HEADER_FILL = "#D9E1F2"
SHADE_FILL = "#FFF2CC"
FIXED_CREATED = _dt.datetime(2024, 1, 1)


class Formats:
    """The handful of cell formats every sheet uses, made once per workbook."""

    def __init__(self, book):
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
        self.body = book.add_format(base)
        self.wrap = book.add_format({**base, "text_wrap": True, "valign": "top"})
        self.header = book.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                       "align": "center", "text_wrap": True})
        self.group = book.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                      "align": "center"})
        self.group_shaded = book.add_format({**base, "bold": True, "bg_color": SHADE_FILL, "border": 1,
                                             "align": "center"})
        self.percent = book.add_format({**base, "num_format": "0%"})
        self.date = book.add_format({**base, "num_format": 'yyyy"年"m"月"d"日"'})
        self.text = book.add_format({**base, "num_format": "@"})


def write_value(sheet, row: int, col: int, value: Any, formats: Formats, fmt=None) -> None:
    """Strings are always written as strings: '=SUM()' typed by a clerk stays text."""
    if value is None or value == "":
        if fmt is not None:
            sheet.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt or formats.body)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt or formats.body)
    elif isinstance(value, (_dt.datetime, _dt.date)):
        if not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        sheet.write_datetime(row, col, value, formats.date)
    else:
        sheet.write_string(row, col, str(value), fmt or formats.body)
