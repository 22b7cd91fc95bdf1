"""Ballot workbooks in the contract layout for the benchmarks: one generator for all.

`MESSY` types marks the way clerks do (好 / 1 / A / b …); `CANONICAL` types only 好 / 较好 /
一般 / 差 / 多选, so the clerks' COUNTIFS sheet (bench_tally.py) can count the same data.
"""
from __future__ import annotations

import argparse
import random
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import xlsxwriter

from workbook import schema as S

MESSY = (("好", "较好", "一般", "差", "1", "2", "A", "b", None, "多选"), (50, 25, 10, 3, 4, 2, 2, 1, 2, 1))
CANONICAL = (("好", "较好", "一般", "差", None, "多选"), (55, 25, 10, 3, 6, 1))


def generate(path: Path, forms: int, reporters: int, items: int = 4, typing=MESSY, void_share: float = 0.003,
             seed: int = 1, every_form_marked: bool = False) -> Path:
    """Reporters 001…, items 总体评价 + 单项k, three categories (1:3:6), forms numbered per
    category. `every_form_marked` keeps any form from being entirely blank."""
    marks, weights = typing
    rng = random.Random(seed)
    item_names = ["总体评价"] + [f"单项{k}" for k in range(1, items)]
    categories = [("领导", 0.4, forms // 10 + 5), ("代表", 0.3, forms // 3 + 5), ("群众", 0.3, forms)]
    with xlsxwriter.Workbook(str(path)) as book:
        def sheet(name: str, rows: Sequence[Sequence]) -> None:
            ws = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if isinstance(v, str):
                        ws.write_string(r, c, v)
                    elif v is not None:
                        ws.write(r, c, v)
        sheet("说明", [["说明"]])
        sheet("会议信息", [["项目", "内容"], ["会议名称", "基准测试"], ["年度", "2024"]])
        sheet("述职人", [list(S.SHEET_BY_NAME["述职人"].headers)] +
              [[f"{k + 1:03d}", f"单位{k}", f"人{k}", "书记", "现场", None, None] for k in range(reporters)])
        sheet("评议项目", [["项目", "类型", "权重"]] + [[n, "总体" if k == 0 else "单项", None]
                                                for k, n in enumerate(item_names)])
        sheet("评议人类别", [["类别", "权重", "发放票数"]] + [list(c) for c in categories])
        sheet("参数设置", [["参数", "值", "说明"]] + [list(r) for r in S.PARAM_DEFAULTS])
        sheet("等次规则", [["顺序", "等次", "条件", "名额上限"]] + [list(r) for r in S.DEFAULT_RULES])
        ws = book.add_worksheet("评议票")
        for c, h in enumerate(S.BALLOT_FIXED):
            ws.write_string(0, c, h)
        col = 3
        for k in range(reporters):
            ws.write_string(0, col, f"{k + 1:03d} 人{k}")
            for n in item_names:
                ws.write_string(1, col, n)
                col += 1
        numbers: dict[str, int] = {}
        for f in range(forms):
            category = rng.choices(categories, weights=[1, 3, 6])[0][0]
            numbers[category] = numbers.get(category, 0) + 1
            r = f + 2
            ws.write_number(r, 0, numbers[category])
            ws.write_string(r, 1, category)
            if rng.random() < void_share:
                ws.write_string(r, 2, "是")
            row_marks = rng.choices(marks, weights=weights, k=reporters * items)
            if every_form_marked:
                row_marks[0] = row_marks[0] or marks[0]
            for c, mark in enumerate(row_marks, start=3):
                if mark is not None:
                    ws.write_string(r, c, mark)
        sheet("点评", [list(S.SHEET_BY_NAME["点评"].headers)])
        sheet("整改清单", [list(S.SHEET_BY_NAME["整改清单"].headers)])
        sheet("邮件设置", [["项目", "内容"]])
    return path


@contextmanager
def workbook_from_arguments() -> Iterator[Path]:
    """--forms/--reporters/--items from the command line, a generated workbook in a
    temporary folder, its size printed: what bench_check.py and bench_prepare.py start with."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=3000)
    parser.add_argument("--reporters", type=int, default=60)
    parser.add_argument("--items", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = generate(Path(folder) / "bench.xlsx", args.forms, args.reporters, args.items)
        print(f"{args.forms} forms × {args.reporters} reporters × {args.items} items, "
              f"{path.stat().st_size / 2**20:.1f} MB")
        yield path
