"""How large the printed 计票汇总 is: the demo's summary workbook converted to PDF by
LibreOffice (headless), every word's box from `pdftotext -bbox`, and the size of the
printed text. A CJK character's box is about one em wide, so the width of a word of
CJK characters divided by their number is the printed font size in points (nominal
size × print scale). Prints one line per page and the smallest size of body text.

    python bench/print_size.py              # the default, A4
    python bench/print_size.py --paper A3
    python bench/print_size.py --sheets     # also every other sheet of 计票汇总表.xlsx
    python bench/print_size.py --others     # also 评议表, 整改进度 and one unit's 整改台账 (shuping demo)

Needs soffice (Debian libreoffice-calc) and pdftotext (poppler-utils).
"""
from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
MARGIN_ZONE = 0.055           # top/bottom share of the page: the page header and footer live there


def to_pdf(xlsx: Path, folder: Path) -> Path:
    profile = folder / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(xlsx)], check=True, capture_output=True, timeout=600)
    return folder / (xlsx.stem + ".pdf")


def cjk(text: str) -> bool:
    return bool(text) and all(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def pages(pdf: Path) -> list[dict]:
    """Per page: its size, the words of the body (not the page header/footer) and the
    printed size of each CJK word (points per character)."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for chunk in bbox.split("<page ")[1:]:
        width, height = map(float, PAGE.match("<page " + chunk).groups())
        words, sizes = [], []
        for x0, y0, x1, y1, text in WORD.findall(chunk):
            text = html.unescape(text)
            y0, y1 = float(y0), float(y1)
            if y1 < height * MARGIN_ZONE or y0 > height * (1 - MARGIN_ZONE):
                continue
            words.append(text)
            if cjk(text):
                sizes.append(((float(x1) - float(x0)) / len(text), text))
        found.append({"width": width, "height": height, "words": words, "sizes": sizes})
    return found


def summary_pages(all_pages: list[dict]) -> list[dict]:
    """The 计票汇总 sheet is printed first; the next sheet (排名与等次) has 等次依据."""
    shown = []
    for page in all_pages:
        if "等次依据" in page["words"]:
            break
        shown.append(page)
    return shown


def measure(paper: str = "A4", keep: Path | None = None) -> tuple[float, list[dict]]:
    from workbook.api import new_workbook, run_tally

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book = new_workbook(folder / "述职评议示例.xlsx", demo=True)
        run_tally(book, out=folder / "out", paper=paper)
        pdf = to_pdf(folder / "out" / "计票汇总表.xlsx", folder)
        if keep is not None:
            shutil.copy(pdf, keep)
        shown = summary_pages(pages(pdf))
    smallest = min(size for page in shown for size, _ in page["sizes"])
    return smallest, shown


def measure_sheets(paper: str = "A4") -> list[tuple[str, int, float]]:
    """(sheet, pages, smallest printed CJK text) for every sheet of the demo's summary
    workbook, each sheet written alone by the same writer and printed."""
    import datetime as dt

    from workbook.api import new_workbook
    from workbook.io.book import load_book
    from workbook.io.results_xlsx import write_sheets
    from workbook.report import result_json
    from workbook.sheets import result_sheets
    from workbook.tally import tally

    found = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book, issues = load_book(new_workbook(folder / "述职评议示例.xlsx", demo=True))
        result, issues = tally(book, issues)
        fingerprints = result_json(result, issues)["fingerprints"]
        for k, model in enumerate(result_sheets(result, issues, str(dt.datetime(2024, 1, 18)), fingerprints, paper)):
            path = write_sheets(folder / f"{k}.xlsx", [model], book.params.decimals, paper=paper)
            shown = pages(to_pdf(path, folder))
            sizes = [size for page in shown for size, _ in page["sizes"]]
            found.append((model.name, len(shown), min(sizes) if sizes else float("nan")))
    return found


def measure_others() -> list[tuple[str, int, float]]:
    """(file, pages, smallest printed CJK text) of the other printed workbooks of `shuping demo`."""
    from workbook.api import run_demo

    found = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        run_demo(folder)
        results = folder / "述职评议示例_成果"
        for path in [results / "评议表.xlsx", results / "整改进度.xlsx", *sorted(results.rglob("*整改台账.xlsx"))[:1]]:
            shown = pages(to_pdf(path, folder))
            sizes = [size for page in shown for size, _ in page["sizes"]]
            found.append((path.name, len(shown), min(sizes) if sizes else float("nan")))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paper", default="A4", choices=["A4", "A3"])
    parser.add_argument("--keep", type=Path, help="keep the PDF here")
    parser.add_argument("--sheets", action="store_true", help="also measure every other sheet")
    parser.add_argument("--others", action="store_true", help="also the forms, the progress and a unit ledger")
    args = parser.parse_args()
    for tool in ("soffice", "pdftotext"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: libreoffice-calc, poppler-utils)")
    smallest, shown = measure(args.paper, args.keep)
    for number, page in enumerate(shown, start=1):
        sizes = sorted(size for size, _ in page["sizes"])
        orientation = "landscape" if page["width"] > page["height"] else "portrait"
        print(f"page {number}: {page['width'] / 72 * 25.4:.0f} × {page['height'] / 72 * 25.4:.0f} mm ({orientation}), "
              f"CJK text {sizes[0]:.1f}–{sizes[-1]:.1f} pt, median {sizes[len(sizes) // 2]:.1f} pt")
    print(f"计票汇总 ({args.paper}): {len(shown)} page(s); smallest printed body text {smallest:.1f} pt")
    if args.sheets:
        for name, count, size in measure_sheets(args.paper):
            print(f"  {name}: {count} page(s), smallest printed text {size:.1f} pt")
    if args.others:
        for name, count, size in measure_others():
            print(f"  {name}: {count} page(s), smallest printed text {size:.1f} pt")


if __name__ == "__main__":
    main()
