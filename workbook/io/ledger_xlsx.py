"""The unit's 整改台账 workbook (written with xlsxwriter) and reading it back (calamine).

The sheet is protected without a password — not for secrecy, only so a unit does not
type over the problem text by accident; the columns it fills are unlocked, with a
drop-down for 整改状态 and a date format for 完成日期.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Sequence

from .. import schema as S
from ..errors import UnreadableWorkbook
from ..ledger import (SHEET_UNIT_INFO, SHEET_UNIT_LEDGER, UNIT_COLUMNS, UNIT_ID_LABEL, UNIT_STATUSES, ReturnedRow,
                      field_value)
from ..layout import fit_width
from ..model import RectificationRow, Reporter
from ..normalize import clean_text
from .atomic import atomic_save
from .results_xlsx import A4
from .xlsx_common import FIXED_CREATED, FONT, HEADER_FILL, new_workbook, put_text

# A4 landscape at ≥ 9 pt (issue #19.11): long texts wrap rather than widen the page
WIDTHS = {"问题编号": 9, "方面": 8, "问题描述": 26, "整改时限": 12, "整改措施": 24, "责任人": 8,
          "整改状态": 9, "完成日期": 12, "佐证材料": 14}


def write_unit_ledger(path: Path, reporter: Reporter, rows: Sequence[RectificationRow], meeting_title: str,
                      exported: _dt.date) -> Path:
    def write(temporary: Path) -> None:
        with new_workbook(temporary) as book:
            book.set_properties({"title": f"{reporter.organization}整改台账", "created": FIXED_CREATED,
                                 "author": "shuping"})
            base = {"font_name": FONT, "font_size": 11, "valign": "top", "text_wrap": True, "border": 1}
            header = book.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "align": "center"})
            locked = book.add_format({**base, "bg_color": "#F2F2F2"})
            open_ = book.add_format({**base, "locked": False})
            date = book.add_format({**base, "locked": False, "num_format": 'yyyy"年"m"月"d"日"'})
            locked_date = book.add_format({**base, "bg_color": "#F2F2F2", "num_format": 'yyyy"年"m"月"d"日"'})
            sheet = book.add_worksheet(SHEET_UNIT_LEDGER)
            for col, name in enumerate(UNIT_COLUMNS):
                put_text(sheet, 0, col, name, header)
                sheet.set_column(col, col, WIDTHS.get(name, 12))
            last = max(len(rows), 1)
            for r, row in enumerate(rows, start=1):
                for col, name in enumerate(UNIT_COLUMNS):
                    value = field_value(row, name)
                    editable = name in S.RECT_UNIT_FIELDS
                    if isinstance(value, (_dt.date, _dt.datetime)):
                        if not isinstance(value, _dt.datetime):
                            value = _dt.datetime(value.year, value.month, value.day)
                        sheet.write_datetime(r, col, value, date if editable else locked_date)
                    elif value in (None, ""):
                        sheet.write_blank(r, col, None, (date if name == "完成日期" else open_) if editable else locked)
                    else:
                        put_text(sheet, r, col, str(value), open_ if editable else locked)
            status = UNIT_COLUMNS.index("整改状态")
            sheet.data_validation(1, status, last, status, {"validate": "list", "source": list(UNIT_STATUSES),
                                                             "error_title": "请从下拉列表中选择",
                                                             "error_message": "整改状态：" + "、".join(UNIT_STATUSES)})
            done = UNIT_COLUMNS.index("完成日期")
            sheet.data_validation(1, done, last, done, {"validate": "date", "criteria": ">",
                                                         "value": _dt.datetime(2000, 1, 1),
                                                         "error_message": "请填写日期，如 2024-03-15"})
            sheet.freeze_panes(1, 1)
            sheet.protect("", {"format_columns": True, "format_rows": True})
            sheet.set_paper(A4)
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            sheet.repeat_rows(0)
            info = book.add_worksheet(SHEET_UNIT_INFO)
            lines = [(UNIT_ID_LABEL, reporter.id), ("党组织", reporter.organization), ("书记", reporter.name),
                     ("会议", meeting_title), ("导出日期", exported.isoformat())]
            for r, (key, value) in enumerate(lines):
                put_text(info, r, 0, key)
                put_text(info, r, 1, str(value))
            guide = ("填写说明：只填灰色以外的栏目（整改措施、责任人、整改状态、完成日期、佐证材料），"
                     "问题编号和问题描述请勿改动；整改状态从下拉列表选择；已完成的请填完成日期。"
                     "销号由组织部审批后统一标注。填好后把本文件原样发回。")
            put_text(info, len(lines) + 1, 0, guide)
            info.set_column(0, 0, 12)
            info.set_column(1, 1, fit_width([v for _, v in lines], maximum=60))

    return atomic_save(path, write)


def read_unit_ledger(path: Path) -> tuple[str, list[ReturnedRow]]:
    """(单位编号, rows) of a returned unit workbook; UnreadableWorkbook when it is not one."""
    from .reader import open_source

    source = open_source(path)
    if SHEET_UNIT_LEDGER not in source.sheet_names or SHEET_UNIT_INFO not in source.sheet_names:
        raise UnreadableWorkbook(f"“{path.name}”不是 shuping 导出的整改台账（缺少“{SHEET_UNIT_LEDGER}”或“{SHEET_UNIT_INFO}”表）")
    unit = organization = ""
    for row in source.rows(SHEET_UNIT_INFO):
        if row and clean_text(row[0]) == UNIT_ID_LABEL and len(row) > 1:
            unit = clean_text(row[1])
        if row and clean_text(row[0]) == "党组织" and len(row) > 1:
            organization = str(row[1] or "").strip()
    if not unit:
        raise UnreadableWorkbook(f"“{path.name}”的“{SHEET_UNIT_INFO}”表中没有{UNIT_ID_LABEL}")
    rows = source.rows(SHEET_UNIT_LEDGER)
    header = [clean_text(v) for v in rows[0]] if rows else []
    positions = {name: header.index(name) for name in UNIT_COLUMNS if name in header}
    if "问题编号" not in positions:
        raise UnreadableWorkbook(f"“{path.name}”的整改台账缺少“问题编号”列")
    # a formula with no computed value in the file reads as blank: listed, never taken silently
    uncached = source.facts(SHEET_UNIT_LEDGER).uncached
    returned = []
    for index, row in enumerate(rows[1:], start=2):
        values = {name: row[col] if col < len(row) else None for name, col in positions.items()}
        problem_id = clean_text(values.get("问题编号"))
        if problem_id:
            formulas = tuple(name for name, col in positions.items()
                             if name in S.RECT_UNIT_FIELDS and (index - 1, col) in uncached)
            returned.append(ReturnedRow(problem_id, unit, values, path.name, index, organization, formulas))
    return unit, returned
