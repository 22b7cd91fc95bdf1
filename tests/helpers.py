"""Small workbooks built in the tests, from literal rows.

`sheets(...)` returns {sheet name: rows} in the contract layout; `memory_book` reads
them through the in-memory engine (fast, no file); `xlsx_book` writes them to a real
.xlsx through the template writer, for tests that need a file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from workbook import schema as S
from workbook.io.reader import DictSource
from workbook.tally import tally
from workbook.validate import load_source

DEFAULT_RULES = [list(r) for r in S.DEFAULT_RULES]


def sheets(reporters: Sequence[tuple[str, str]] = (("01", "张三"),),
           items: Sequence[tuple[str, str, Any]] = (("总体评价", "总体", None),),
           categories: Sequence[tuple[str, Any, Any]] = (("全体", None, 100),),
           ballots: Sequence[Sequence[Any]] = (),
           params: dict[str, Any] | None = None,
           rules: Sequence[Sequence[Any]] | None = None) -> dict[str, list[list[Any]]]:
    param_rows = [[name, value, note] for name, value, note in S.PARAM_DEFAULTS]
    for row in param_rows:
        if params and row[0] in params:
            row[1] = params[row[0]]
    top: list[Any] = ["票号", "评议人类别", "作废"]
    second: list[Any] = [None, None, None]
    for rid, name in reporters:
        for k, (item, _, _) in enumerate(items):
            top.append(f"{rid} {name}" if k == 0 else None)
            second.append(item)
    return {
        "说明": [["说明"]],
        "会议信息": [["项目", "内容"], ["会议名称", "测试会议"], ["年度", "2023"]],
        "述职人": [["编号", "党组织", "姓名", "职务", "述职方式", "电子邮箱", "备注"]]
        + [[rid, f"{name}所在党委", name, "书记", "现场", None, None] for rid, name in reporters],
        "评议项目": [["项目", "类型", "权重"]] + [list(i) for i in items],
        "评议人类别": [["类别", "权重", "发放票数"]] + [list(c) for c in categories],
        "参数设置": [["参数", "值", "说明"]] + param_rows,
        "等次规则": [["顺序", "等次", "条件", "名额上限"]] + [list(r) for r in (rules if rules is not None else DEFAULT_RULES)],
        "评议票": [top, second] + [list(b) for b in ballots],
        "点评": [["编号", "方面", "主要成绩", "存在问题", "希望要求", "点评人"]],
        "整改清单": [["问题编号", "编号", "党组织", "方面", "问题描述", "整改措施", "责任人", "整改时限",
                  "整改状态", "完成日期", "佐证材料", "备注"]],
        "邮件设置": [["项目", "内容"]],
    }


def memory_book(book_sheets: dict[str, list[list[Any]]], facts=None):
    return load_source(DictSource(book_sheets, facts), "memory.xlsx")


def count(book_sheets: dict[str, list[list[Any]]]):
    book, issues = memory_book(book_sheets)
    result, issues = tally(book, issues)
    assert result is not None, [i.message for i in issues if i.is_error]
    return result, issues


def codes(issues) -> list[str]:
    return [i.code for i in issues]


def at(issues, code: str) -> list[tuple[str, str]]:
    """(sheet, cell) of every issue with this code."""
    return [(i.source.sheet, i.source.cell) for i in issues if i.code == code]


def write_xlsx(path: Path, book_sheets: dict[str, list[list[Any]]], formulas: dict[str, str] | None = None,
               hyperlinks: Sequence[str] = (), merges: Sequence[str] = ()) -> Path:
    """A real .xlsx with exactly these cells (xlsxwriter), plus planted formulas/links/merges
    on 评议票 ({"D3": ("=\"好\"", "好")})."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        for name, rows in book_sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    else:
                        sheet.write(r, c, value)
            if name == "评议票":
                for cell, (formula, shown) in (formulas or {}).items():
                    sheet.write_formula(cell, formula, None, shown)
                for cell in hyperlinks:
                    sheet.write_url(cell, "https://example.org", string="好")
                for rng in merges:
                    sheet.merge_range(rng, "好")
    return path


def add_chart_sheet(book, name: str = "我的图表"):
    """A clerk's own sheet holding a native chart (what the command line must not drop)."""
    from openpyxl.chart import BarChart, Reference

    sheet = book.create_sheet(name)
    sheet.append([1])
    sheet.append([2])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=2))
    sheet.add_chart(chart, "C2")
    return sheet
