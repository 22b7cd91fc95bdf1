"""Time `prepare` (the safe editing path) on a generated workbook with typed forms, once
with nothing to change and once appending a late reporter (prints figures; not a test).

    python bench/bench_prepare.py --forms 3000 --reporters 60
"""
from __future__ import annotations

import time

import openpyxl

from ballots import workbook_from_arguments
from workbook import schema as S
from workbook.api import run_prepare


def main() -> None:
    with workbook_from_arguments() as path:
        started = time.perf_counter()
        run = run_prepare(path)
        print(f"prepare, header laid out afresh over typed forms: {time.perf_counter() - started:.2f} s "
              f"(changed: {run.edit.changed})")
        started = time.perf_counter()
        run = run_prepare(path)
        print(f"prepare, nothing to change: {time.perf_counter() - started:.2f} s (changed: {run.edit.changed})")
        book = openpyxl.load_workbook(path)
        book[S.SHEET_REPORTERS].append(["999", "迟到单位", "迟到者", "书记", "书面"])
        book.save(path)
        started = time.perf_counter()
        run = run_prepare(path)
        print(f"prepare, one late reporter appended: {time.perf_counter() - started:.2f} s "
              f"(changed: {run.edit.changed}, appended {len(run.plans[0].appended)} columns)")


if __name__ == "__main__":
    main()
