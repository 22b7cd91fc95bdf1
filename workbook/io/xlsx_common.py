"""Shared pieces of the workbook writers, and the one door every string goes through.

"Every text is text" (issue #18.9): a clerk's name, item or title that reads
`=HYPERLINK("http://…")`, `=2+3`, `http://…` or `mailto:…` must come out of every file
the tool writes as exactly that text — never a formula, never a link. So:

- xlsxwriter workbooks are made only by `new_workbook` (`strings_to_formulas`,
  `strings_to_urls`, `strings_to_numbers` all off), and cells, merged ranges, page
  headers/footers and chart titles are written only through `put`, `put_text`,
  `merge_text`, `header_footer_text` and `chart_title` below;
- openpyxl cells are set only through `set_cell` (data type "s", and the quote prefix
  Excel shows for text that starts with = + - @);
- `tests/test_text_safety.py` reads the source and fails when a module writes a sheet
  any other way.
"""
from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

FONT = "宋体"
HEADER_FILL = "#D9E1F2"
SHADE_FILL = "#FFF2CC"
FIXED_CREATED = _dt.datetime(2024, 1, 1)
TEXT_FORMAT = "@"
FORMULA_START = ("=", "+", "-", "@")
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
# xlsxwriter reads a chart name shaped like "Sheet!A1" (or "=…") as a cell reference
_CHART_REFERENCE = re.compile(r"^=|^[^!]+!\$?[A-Z]+\$?\d+")


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
        self.text = book.add_format({**base, "num_format": TEXT_FORMAT})
        self.wrap_text = book.add_format({**base, "text_wrap": True, "valign": "top", "num_format": TEXT_FORMAT})


# --- xlsxwriter ---------------------------------------------------------------------------
def new_workbook(path: str | Path):
    """An xlsxwriter Workbook that never turns a string into a formula, a link or a number."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), dict(WORKBOOK_OPTIONS))


def put_text(sheet, row: int, col: int, text: Any, fmt=None) -> None:
    """One string cell, exactly as given (0-based)."""
    sheet.write_string(row, col, str(text), fmt)


def merge_text(sheet, first_row: int, first_col: int, last_row: int, last_col: int, text: Any, fmt=None) -> None:
    """A merged range holding `text` as a string (merge_range alone would pass it to write())."""
    sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    if text not in (None, ""):
        sheet.write_string(first_row, first_col, str(text), fmt)


def put(sheet, row: int, col: int, value: Any, formats, fmt=None) -> None:
    """Any value by its Python type; strings always as strings ('=SUM()' typed by a clerk
    stays text). `formats` needs `.body` and `.date`."""
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


write_value = put          # the former name, still used by callers outside the writers


def header_footer_text(text: str) -> str:
    """Text for a page header/footer section: "&" starts a code there (&P, &"font", &G
    for a picture), so a literal "&" is doubled."""
    return str(text).replace("&", "&&")


def set_header_footer(sheet, header: str = "", footer: str = "") -> None:
    """Page header and footer made of codes we build (callers pass clerk text through
    `header_footer_text` first)."""
    if header:
        sheet.set_header(header)
    if footer:
        sheet.set_footer(footer)


def chart_title(text: str, spare_cell: tuple[str, int, int] | None = None, sheet=None, fmt=None):
    """A chart name xlsxwriter keeps as text. A name it would read as a reference
    ("=…", "表!A1") is written into `spare_cell` (sheet name, row, col; a cell the chart
    covers) and the chart refers to that cell, so the text stays exact."""
    text = str(text)
    if not _CHART_REFERENCE.search(text):
        return text
    if spare_cell is None or sheet is None:
        return "\u2060" + text      # a word joiner in front: shown the same, read as text
    put_text(sheet, spare_cell[1], spare_cell[2], text, fmt)
    return list(spare_cell)


def add_sheet(book, name: str):
    """A worksheet whose name comes from the clerk (forms): the name was cleaned by
    `forms.sheet_name`; xlsxwriter keeps it as given."""
    return book.add_worksheet(name)


# --- openpyxl -------------------------------------------------------------------------------
def set_cell(sheet, row: int, col: int, value: Any):
    """One openpyxl cell at 1-based (row, col); a string stays a string — openpyxl would
    store "=…" as a formula — and text that starts with = + - @ gets Excel's quote prefix,
    so Excel shows it as text and does not make it a formula when the cell is edited."""
    cell = sheet.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def clear_cell(cell) -> None:
    cell.value = None
