"""Rendering `SheetModel`s into a new workbook with xlsxwriter (the command line's sink)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..sheets import KIND_INT, KIND_PERCENT, KIND_SCORE, SheetModel
from .atomic import atomic_save
from .xlsx_common import FIXED_CREATED, Formats, write_value


def write_sheets(path: str | Path, models: Sequence[SheetModel], decimals: int = 2,
                 properties: dict[str, str] | None = None) -> Path:
    """`properties` become custom document properties (the fingerprints, for verify)."""
    import xlsxwriter

    def write(temporary: Path) -> None:
        with xlsxwriter.Workbook(str(temporary), {"in_memory": True}) as book:
            book.set_properties({"title": "计票汇总表", "created": FIXED_CREATED, "author": "shuping"})
            for name, value in (properties or {}).items():
                book.set_custom_property(name, value)
            formats = Formats(book)
            by_kind = {
                KIND_PERCENT: book.add_format({"font_name": formats.body.font_name, "num_format": "0.0%"}),
                KIND_SCORE: book.add_format({"font_name": formats.body.font_name,
                                             "num_format": "0." + "0" * decimals if decimals else "0"}),
                KIND_INT: book.add_format({"font_name": formats.body.font_name, "num_format": "0"}),
            }
            for model in models:
                sheet = book.add_worksheet(model.name)
                for r, header in enumerate(model.header):
                    for c, text in enumerate(header):
                        sheet.write_string(r, c, text, formats.header)
                for r0, c0, r1, c1, text in model.merges:
                    if (r0, c0) != (r1, c1):
                        sheet.merge_range(r0, c0, r1, c1, text, formats.header)
                first = len(model.header)
                for r, row in enumerate(model.rows, start=first):
                    for c, value in enumerate(row):
                        kind = model.kinds[c] if c < len(model.kinds) else None
                        write_value(sheet, r, c, value, formats, by_kind.get(kind))
                for c, width in enumerate(model.fitted_widths()):
                    sheet.set_column(c, c, width)
                sheet.freeze_panes(first, 0)

    return atomic_save(Path(path), write)
