"""Time `check` and `tally` on generated ballot workbooks (prints figures; not a test).

    python bench/bench_check.py --forms 3000 --reporters 60 --items 4
"""
from __future__ import annotations

import time

from ballots import workbook_from_arguments
from workbook.io.reader import open_source
from workbook.parse import parse_book
from workbook.tally import tally
from workbook.io.book import load_book
from workbook.validate import validate


def main() -> None:
    with workbook_from_arguments() as path:
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
