"""Time `check` and `tally` on generated ballot workbooks (prints figures; not a test).

    python bench/bench_check.py --forms 3000 --reporters 60 --items 4
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import xlsxwriter

from workbook import schema as S
from workbook.io.reader import open_source
from workbook.parse import parse_book
from workbook.tally import tally
from workbook.validate import load_book, validate


def generate(path: Path, forms: int, reporters: int, items: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    item_names = ["总体评价"] + [f"单项{k}" for k in range(1, items)]
    categories = [("领导", 0.4, forms // 10 + 5), ("代表", 0.3, forms // 3 + 5), ("群众", 0.3, forms)]
    with xlsxwriter.Workbook(str(path), {"constant_memory": False}) as book:
        def sheet(name, rows):
            ws = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v is not None:
                        ws.write(r, c, v) if not isinstance(v, str) else ws.write_string(r, c, v)
            return ws
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
        marks = ["好", "较好", "一般", "差", "1", "2", "A", "b", None, "多选"]
        weights = [50, 25, 10, 3, 4, 2, 2, 1, 2, 1]
        per_cat = {}
        for f in range(forms):
            cat = rng.choices(categories, weights=[1, 3, 6])[0][0]
            per_cat[cat] = per_cat.get(cat, 0) + 1
            r = f + 2
            ws.write_number(r, 0, per_cat[cat])
            ws.write_string(r, 1, cat)
            if rng.random() < 0.003:
                ws.write_string(r, 2, "是")
            for c, mark in enumerate(rng.choices(marks, weights=weights, k=reporters * items), start=3):
                if mark is not None:
                    ws.write_string(r, c, mark)
        sheet("点评", [list(S.SHEET_BY_NAME["点评"].headers)])
        sheet("整改清单", [list(S.SHEET_BY_NAME["整改清单"].headers)])
        sheet("邮件设置", [["项目", "内容"]])
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=3000)
    parser.add_argument("--reporters", type=int, default=60)
    parser.add_argument("--items", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = generate(Path(folder) / "bench.xlsx", args.forms, args.reporters, args.items)
        print(f"{args.forms} forms × {args.reporters} reporters × {args.items} items, "
              f"{path.stat().st_size / 2**20:.1f} MB")
        t0 = time.perf_counter()
        source = open_source(path)
        t1 = time.perf_counter()
        book, issues = parse_book(source, str(path))
        t2 = time.perf_counter()
        issues += validate(book)
        t3 = time.perf_counter()
        result, issues = tally(book, issues)
        t4 = time.perf_counter()
        print(f"vet file + open: {t1 - t0:.2f}s  read+parse: {t2 - t1:.2f}s  validate: {t3 - t2:.3f}s  "
              f"tally: {t4 - t3:.3f}s  errors: {sum(i.is_error for i in issues)}")
        t5 = time.perf_counter()
        load_book(path)
        print(f"check (load_book) end to end in-process: {time.perf_counter() - t5:.2f}s")


if __name__ == "__main__":
    main()
