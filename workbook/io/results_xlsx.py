"""Rendering `SheetModel`s into a new workbook with xlsxwriter (the command line's sink).

Everything about *what* goes where is in the models (sheets.py); this module only knows
how xlsxwriter spells it: formats, borders, banding, page setup, native charts.
Every sheet prints on A4 (or A3, `tally --paper A3`) without touching anything: one page
wide, header rows repeated, the meeting title in the page header and "第 n 页 共 m 页" in
the footer; a sheet of stacked tables (计票汇总) prints at full size with page breaks
between its tables. Every string goes through xlsx_common's helpers: text stays text.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..layout import MARGIN_BOTTOM_IN, MARGIN_SIDE_IN, MARGIN_TOP_IN, PAPERS, print_scale
from ..sheets import KIND_INT, KIND_PERCENT, KIND_SCORE, ChartModel, SheetModel
from .atomic import atomic_save
from .xlsx_common import (FIXED_CREATED, FONT, HEADER_FILL, chart_title, header_footer_text, merge_text, new_workbook,
                          put, put_text, set_header_footer)

BAND_FILL = "#F2F2F2"
A4 = PAPERS["A4"][0]
FOOTER = "&C第 &P 页 共 &N 页"
NUMBER_FORMATS = {KIND_PERCENT: "0.0%", KIND_INT: "0"}


def page_header(title: str) -> str:
    """The title centred in the page header ("&" is a code there, so doubled)."""
    return f'&C&"{FONT},Bold"&12{header_footer_text(title)}' if title else ""


class _Formats:
    """Cell formats by (kind, banded, wrapped), made once per workbook."""

    def __init__(self, book, decimals: int):
        self.book = book
        self.base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
        self.numbers = {**NUMBER_FORMATS, KIND_SCORE: "0." + "0" * decimals if decimals else "0"}
        self.header = book.add_format({**self.base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                       "align": "center", "text_wrap": True})
        self.note = book.add_format(self.base)
        self.date = book.add_format({**self.base, "border": 1, "num_format": 'yyyy"年"m"月"d"日"'})
        self._cache: dict = {}

    def cell(self, kind: str | None, banded: bool, wrapped: bool, centred: bool = False):
        key = (kind, banded, wrapped, centred)
        if key not in self._cache:
            spec = {**self.base, "border": 1}
            if centred:
                spec["align"] = "center"
            if kind in self.numbers:
                spec["num_format"] = self.numbers[kind]
            if banded:
                spec["bg_color"] = BAND_FILL
            if wrapped:
                spec.update(text_wrap=True, valign="top")
            self._cache[key] = self.book.add_format(spec)
        return self._cache[key]


class _ValueFormats:
    """What `put` expects: `.body`, `.date` (only those are used for our cells)."""

    def __init__(self, body, date):
        self.body, self.date = body, date


def _write_part(sheet, model: SheetModel, formats: _Formats, widths, top: int) -> int:
    """One table (header rows, body, notes) from sheet row `top`; returns the next free row."""
    for r, header in enumerate(model.header):
        for c, text in enumerate(header):
            put_text(sheet, top + r, c, text, formats.header)
    for r0, c0, r1, c1, text in model.merges:
        if (r0, c0) != (r1, c1):
            merge_text(sheet, top + r0, c0, top + r1, c1, text, formats.header)
    first = top + len(model.header)
    columns = min(len(widths), len(model.fitted_widths()))
    for r, row in enumerate(model.rows):
        banded = model.banded and r % 2 == 1
        for c in range(columns):
            value = row[c] if c < len(row) else None
            kind = model.kinds[c] if c < len(model.kinds) else None
            fmt = formats.cell(kind, banded, wrapped=model.wraps(c, widths),
                               centred=kind not in formats.numbers and widths[c] <= 8)
            put(sheet, first + r, c, value, _ValueFormats(fmt, formats.date), fmt)
        height = model.row_height(row, widths[:columns])
        if height is not None:       # the wrapped text shown (and printed) in full
            sheet.set_row(first + r, height)
    row = first + len(model.rows)
    for note in model.notes:
        for c, value in enumerate(note):
            if value not in (None, ""):
                put_text(sheet, row, c, value, formats.note)
        row += 1
    return row


def _write_table(sheet, model: SheetModel, formats: _Formats) -> int:
    widths = model.fitted_widths()
    row = 0
    for top, part in model.parts():
        row = _write_part(sheet, part, formats, widths, top)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width, None, {"hidden": True} if c in model.hidden_columns else {})
    return row


def _page_setup(sheet, model: SheetModel, paper: str = "A4") -> None:
    sheet.set_paper(PAPERS.get(paper, PAPERS["A4"])[0])
    if model.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    if model.sections or model.break_rows:
        # stacked tables (or charts): each already as wide as the page; the breaks fall
        # between them (a "fit to width" would make Excel ignore them)
        sheet.set_print_scale(print_scale(model.fitted_widths(), paper, model.landscape))
        starts = [top for top, _ in model.parts()]
        sheet.set_h_pagebreaks([starts[k] for k in model.page_breaks if 0 < k < len(starts)] + list(model.break_rows))
        if model.break_rows and model.header:
            sheet.freeze_panes(len(model.header), 0)
    else:
        sheet.fit_to_pages(1, 0)
        if model.header:
            sheet.repeat_rows(0, len(model.header) - 1)
        sheet.freeze_panes(len(model.header), 0)
    set_header_footer(sheet, page_header(model.title), FOOTER)
    sheet.set_margins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN)
    sheet.center_horizontally()


def _chart(book, sheet, model: SheetModel, spec: ChartModel):
    chart = book.add_chart({"type": spec.kind, **({"subtype": "stacked"} if spec.stacked else {})})
    first = len(model.header) + spec.first
    last = len(model.header) + spec.last
    font = {"name": FONT, "size": 10}
    for series_name, col in spec.series:
        options = {
            "name": series_name,
            "categories": [model.name, first, spec.categories, last, spec.categories],
            "values": [model.name, first, col, last, col],
        }
        if not spec.stacked:
            options["data_labels"] = {"value": True, "num_format": spec.number_format or "General", "font": font}
        options["gap"] = 60
        chart.add_series(options)
    title = chart_title(spec.title, (model.name, spec.anchor[0], spec.anchor[1]), sheet)
    chart.set_title({"name": title, "name_font": {**font, "size": 12, "bold": True}})
    chart.set_y_axis({"reverse": spec.kind == "bar", "num_font": font})   # first row on top
    value_axis = {"num_font": font, "major_gridlines": {"visible": True}}
    if spec.value_range:
        value_axis.update(min=spec.value_range[0], max=spec.value_range[1])
    chart.set_x_axis(value_axis)
    if spec.stacked:
        chart.set_chartarea({"border": {"none": True}})
    chart.set_legend({"position": "bottom", "font": font} if len(spec.series) > 1 else {"none": True})
    chart.set_size({"width": spec.size[0], "height": spec.size[1]})
    return chart


def write_sheets(path: str | Path, models: Sequence[SheetModel], decimals: int = 2,
                 properties: dict[str, str] | None = None, title: str = "计票汇总表", paper: str = "A4") -> Path:
    """`properties` become custom document properties (the fingerprints, for verify)."""

    def write(temporary: Path) -> None:
        with new_workbook(temporary) as book:
            book.set_properties({"title": title, "created": FIXED_CREATED, "author": "shuping"})
            for name, value in (properties or {}).items():
                book.set_custom_property(name, value)
            formats = _Formats(book, decimals)
            for model in models:
                sheet = book.add_worksheet(model.name)
                _write_table(sheet, model, formats)
                _page_setup(sheet, model, paper)
                for spec in model.charts:
                    sheet.insert_chart(spec.anchor[0], spec.anchor[1], _chart(book, sheet, model, spec))

    return atomic_save(Path(path), write)
