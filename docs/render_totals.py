"""Render the 唱票 totals sheet and its 计票单 to PNG for the docs (needs LibreOffice
and pdftoppm; not CI).

    python docs/render_totals.py      # writes docs/img/totals-sheet.png, docs/img/totals-tally-sheet.png

Makes the demo meeting counted from totals (`shuping new --demo-totals`), keeps only its
计票录入 sheet in a copy and prints that copy's first page as the clerk sees it, then
counts the meeting and prints the page of the summary workbook that holds 计票单.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from render_outputs import OUT, page_with, pdf, png


def main() -> None:
    import openpyxl

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "唱票示例.xlsx"
        subprocess.run([sys.executable, "-m", "workbook", "new", str(book), "--demo-totals"], check=True,
                       capture_output=True)
        only = Path(folder) / "计票录入.xlsx"
        workbook = openpyxl.load_workbook(book)
        for name in list(workbook.sheetnames):
            if name != "计票录入":
                del workbook[name]
        workbook.save(only)
        print(png(pdf(only), 1, "totals-sheet"))
        subprocess.run([sys.executable, "-m", "workbook", "tally", str(book)], check=True, capture_output=True)
        summary = pdf(Path(folder) / "唱票示例_成果" / "计票汇总表.xlsx")
        print(png(summary, page_with(summary, "唱票汇总录入"), "totals-tally-sheet"))


if __name__ == "__main__":
    main()
