"""Render the demo's outputs to PNG for the docs (needs LibreOffice and pdftoppm; not CI).

    python docs/render_outputs.py            # writes docs/img/*.png

Runs `shuping demo` into a temporary folder, converts the summary workbook and the
forms to PDF headlessly, and keeps the 计票汇总 sheet (its first two A4 pages, and the
one wide table of `tally --paper A3`), the 统计图 sheet, the first printed form, the
first two pages of one feedback notice and the first page of the bulletin (the notices'
PDFs come from `shuping notices` itself; without libreoffice-writer those images are
left as they are). `python bench/print_size.py` measures the printed text size.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "img"


def pdf(xlsx: Path) -> Path:
    profile = xlsx.parent / ".soffice-profile"      # its own profile: runs in parallel do not clash
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(xlsx.parent), str(xlsx)], check=True, capture_output=True, timeout=300)
    return xlsx.with_suffix(".pdf")


def page_with(document: Path, text: str) -> int:
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(document)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        found = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(document), "-"],
                               capture_output=True, text=True, check=True).stdout
        if text in found:
            return page
    raise SystemExit(f"no page of {document.name} shows {text!r}")


def png(document: Path, page: int, name: str, dpi: int = 110) -> Path:
    stem = OUT / name
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(document), str(stem)], check=True)
    return stem.with_suffix(".png")


def main() -> None:
    for tool in ("soffice", "pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: libreoffice-calc, poppler-utils)")
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "workbook", "demo", folder], check=True, capture_output=True)
        results = Path(folder) / "述职评议示例_成果"
        summary = pdf(results / "计票汇总表.xlsx")
        a3 = Path(folder) / "A3"
        subprocess.run([sys.executable, "-m", "workbook", "tally", str(Path(folder) / "述职评议示例.xlsx"),
                        "-o", str(a3), "--paper", "A3"], check=True, capture_output=True)
        wide = pdf(a3 / "计票汇总表.xlsx")
        forms = pdf(results / "评议表.xlsx")
        notice = results / "通知" / "01_区公安分局党委_韦建国_反馈意见.pdf"
        bulletin = results / "结果通报.pdf"
        made = [png(summary, 1, "summary-sheet"), png(summary, 2, "summary-sheet-page2"),
                png(wide, 1, "summary-sheet-a3", dpi=60),
                png(summary, page_with(summary, "评价分布"), "charts-sheet"),
                png(forms, 1, "printed-form")]
        if notice.exists():
            made += [png(notice, 1, "notice-page1", dpi=80), png(notice, 2, "notice-page2", dpi=80),
                     png(bulletin, 1, "bulletin-page1", dpi=80)]
        else:
            print("no PDF of the notices (is libreoffice-writer installed?): their images are kept as they are")
    for path in made:
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
