"""The printed 计票汇总 can be read (issue #19.11): on A4 it prints at full size — the
overview, then one table per item, cut into pieces that fit a page, page breaks between
them — and `tally --paper A3` (or 参数设置 打印纸张 = A3) gives the one wide table.
The last test prints it with LibreOffice and measures the text in the PDF."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from workbook import layout as L
from workbook import schema as S
from workbook.cli import app

from helpers import count, sheets

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_pages_are_packed_block_by_block():
    # 30 rows a page: 13 + 14 = 27 fit, a third block of 14 would make 41 → break before
    # block 2; 14 + 14 = 28 fit, block 4 breaks; a block taller than a page stands alone
    assert L.pack_pages([13, 14, 14, 14, 14], 30) == [2, 4]
    assert L.pack_pages([40, 5, 5], 30) == [1]
    assert L.pack_pages([], 30) == []


def test_page_geometry_by_hand():
    # A4 landscape: 210 mm = 8.268 in high, less 0.8 + 0.7 in of margins = 6.768 in
    # = 487.3 pt; at 16 pt a row that is 30 rows. Portrait: 297 mm = 11.693 in − 1.5
    # = 10.193 in = 733.9 pt → 45 rows. At 50% twice as many rows fit: 974.6 / 16 → 60.
    assert L.rows_per_page("A4", landscape=True) == 30
    assert L.rows_per_page("A4", landscape=False) == 45
    assert L.rows_per_page("A4", landscape=True, scale=50) == 60
    # A4 portrait across: 8.268 − 1 in = 7.268 in = 697.7 px; with 5% spare 662.8 px.
    # Ten columns of 10 characters: 10 × (10 × 9 + 5) = 950 px → 662.8 / 950 = 69.8 → 69%
    assert L.print_scale([10] * 10, "A4", landscape=False) == 69
    assert L.print_scale([5] * 3, "A4", landscape=False) == 100


def _result(reporters: int, items: int = 2):
    who = [(f"{k:02d}", f"述职人{k}") for k in range(1, reporters + 1)]
    names = [(f"项目{k}", "总体" if k == 1 else "单项", None) for k in range(1, items + 1)]
    ballot = [1, "全体", None] + ["好"] * (reporters * items)
    result, _ = count(sheets(who, names, ballots=[ballot]))
    return result


def test_the_a4_summary_is_an_overview_and_one_table_per_item():
    from workbook.sheets import summary_sheet

    model = summary_sheet(_result(3))
    overview, first, second = model.sections
    assert overview.header == (("编号", "党组织", "姓名", "综合得分", "好评率", "排名", "等次"),)
    # one form, every mark 好: all score 100 and tie at rank 1; the 30% cap on 好 of 3 is
    # 0.9 → at least 1, and a tie straddling the cap moves all three down to 较好
    assert overview.rows[0] == ("01", "述职人1所在党委", "述职人1", 100.0, 1.0, 1, "较好")
    assert first.header[1] == ("编号", "党组织", "姓名", "好", "较好", "一般", "差", "弃权", "多选", "有效", "好评率", "得分")
    assert (0, 3, 0, 11, "项目1") in first.merges and (0, 3, 0, 11, "项目2") in second.merges
    assert first.rows[2] == ("03", "述职人3所在党委", "述职人3", 1, 0, 0, 0, 0, 0, 1, 1.0, 100.0)
    # stacked with a blank row between: rows 0–3, 5–9 (2 header rows + 3), 11–15
    assert [top for top, _ in model.parts()] == [0, 5, 11]
    assert model.page_breaks == () and len(model.fitted_widths()) == 12


def test_many_reporters_are_cut_into_pieces_that_fit_a_page():
    from workbook.sheets import summary_sheet

    model = summary_sheet(_result(40, items=1))
    # landscape A4: 30 rows a page. The overview (1 header row + a blank row) takes 28
    # reporters a piece, the item table (2 header rows + blank) 27: 28 + 12, 27 + 13
    assert model.landscape
    assert [len(p.rows) for p in model.sections] == [28, 12, 27, 13]
    assert [len(p.header) for p in model.sections] == [1, 1, 2, 2]
    # pieces of 30, 14, 30, 16 rows: 30 fills page 1, 14 then +30 > 30 breaks, 30 + 16 breaks
    assert model.page_breaks == (1, 2, 3)


def test_the_a3_summary_is_the_one_wide_table():
    from workbook.sheets import summary_sheet

    model = summary_sheet(_result(3), paper="A3")
    assert not model.sections and len(model.header) == 2
    assert model.header[1][:3] == ("编号", "党组织", "姓名") and model.header[1][-3:] == ("综合得分", "排名", "等次")
    assert len(model.header[1]) == 3 + 2 * 9 + 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbook.api import new_workbook

    return new_workbook(tmp_path_factory.mktemp("print") / "会.xlsx", demo=True)


def test_tally_paper_a3_on_the_command_line(demo, tmp_path):
    done = runner.invoke(app, ["tally", str(demo), "-o", str(tmp_path), "--paper", "a3"])
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(tmp_path / S.SUMMARY_WORKBOOK)
    summary = book["计票汇总"]
    merged = {str(r) for r in summary.merged_cells.ranges}
    # 编号/党组织/姓名 over two rows; 9 vote columns per item (D:L for 总体评价); the tail over two rows
    assert {"A1:A2", "D1:L1", "M1:U1", "V1:AD1", "AE1:AM1", "AN1:AN2", "AO1:AO2", "AP1:AP2"} <= merged
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 8                      # A3, every sheet
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.orientation == "landscape"
    bulletin = openpyxl.load_workbook(tmp_path / S.BULLETIN_WORKBOOK)["结果通报"]
    assert bulletin.page_setup.paperSize == 9                      # the bulletin stays A4


def test_paper_from_the_parameter_sheet_and_a_wrong_value(tmp_path):
    from workbook.api import run_tally
    from workbook.io.template_xlsx import write_template

    rows = sheets(ballots=[[1, "全体", None, "好"]])
    book_sheets = {name: value[1:] for name, value in rows.items() if name != "评议票"}
    for row in book_sheets[S.SHEET_PARAMS]:
        if row[0] == S.PARAM_PAPER:
            row[1] = "A3"
    book_sheets["评议票"] = [[1, "全体", None, "好"]]
    path = write_template(tmp_path / "会.xlsx", book_sheets, [("01", "张三")])
    run = run_tally(path, out=tmp_path / "out")
    assert run.result is not None and run.result.book.params.paper == "A3"
    assert openpyxl.load_workbook(tmp_path / "out" / S.SUMMARY_WORKBOOK)["计票汇总"].page_setup.paperSize == 8
    run = run_tally(path, out=tmp_path / "a4", paper="A4")           # the option wins
    assert openpyxl.load_workbook(tmp_path / "a4" / S.SUMMARY_WORKBOOK)["计票汇总"].page_setup.paperSize == 9
    done = runner.invoke(app, ["tally", str(path), "--paper", "B5"])
    assert done.exit_code == 2 and "--paper 应为 A4 或 A3" in done.output


def test_an_older_workbook_without_the_row_is_not_warned():
    rows = sheets(ballots=[[1, "全体", None, "好"]])
    rows[S.SHEET_PARAMS] = [r for r in rows[S.SHEET_PARAMS] if r[0] != S.PARAM_PAPER]
    result, issues = count(rows)
    assert result.book.params.paper == "A4" and not [i for i in issues if i.code == "PARAM_MISSING"]


def _bench():
    spec = importlib.util.spec_from_file_location("print_size", ROOT / "bench" / "print_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (libreoffice-calc) and pdftotext (poppler-utils) are not installed")
def test_the_printed_summary_text_is_at_least_9_pt():
    """LibreOffice prints the demo's 计票汇总 to PDF; every CJK word's box is about one em
    wide per character, so its width / characters is the printed size in points."""
    smallest, pages = _bench().measure("A4")
    assert pages and all(page["sizes"] for page in pages)
    assert smallest >= L.MIN_PRINTED_POINTS, smallest
    words = {w for page in pages for w in page["words"]}
    assert {"综合得分", "总体评价", "意识形态", "韦建国"} <= words     # everything printed, nothing cut off


def test_the_paper_row_is_read_like_the_other_choices():
    from helpers import memory_book

    result, _ = count(sheets(ballots=[[1, "全体", None, "好"]], params={S.PARAM_PAPER: " a3 "}))
    assert result.book.params.paper == "A3"                     # trimmed, either case
    _, issues = memory_book(sheets(ballots=[[1, "全体", None, "好"]], params={S.PARAM_PAPER: "B5"}))
    bad = [i for i in issues if i.code == "PARAM_BAD_VALUE"]
    assert len(bad) == 1 and bad[0].source.sheet == S.SHEET_PARAMS and "“打印纸张”应为 A4 / A3" in bad[0].message


def _capped_summary(tmp_path):
    """甲 好,好 = 100, 乙 好,较好 = 90: both meet 顺序1 (>= 90 → 好); the 好 cap 30% of 2 = 0.6
    → at least 1, so 乙 (rank 2) moves to 较好. One warning for the 校验报告."""
    from workbook.io.results_xlsx import write_sheets
    from workbook.issues import Source, warning
    from workbook.sheets import ranking_sheet, report_sheet

    rules = [[1, "好", "综合得分 >= 90", "30%"], [2, "较好", "", None]]
    result, _ = count(sheets((("01", "甲"), ("02", "乙")), rules=rules,
                             ballots=[[1, "全体", None, "好", "好"], [2, "全体", None, "好", "较好"]]))
    near = warning("SHEET_NAME_NEAR", Source("述职人 ", None, None),
                   "工作表“述职人 ”已按“述职人”读取；建议改名为“述职人”，以免其他软件找不到它" * 2)
    path = write_sheets(tmp_path / "汇总.xlsx", [ranking_sheet(result), report_sheet([near])])
    return path, near


def test_long_explanations_wrap_and_their_rows_are_tall_enough(tmp_path):
    path, near = _capped_summary(tmp_path)
    book = openpyxl.load_workbook(path)
    ranking = book[S.SHEET_RANKING]
    reason = ranking.cell(3, 11)
    # 乙's 等次依据, display width counted by hand (CJK and full-width punctuation 2, the rest 1):
    # 等次规则顺序 12 + "1" 1 + “ 1 + 综合得分 8 + " >= 90" 6 + ” 1 + → 1 + 好 2 = 32; ； 2, “好” 4,
    # 名额上限 8, "30%" 3, （1名） 7, ， 2, 按排名超出名额 14, ， 2, 调整为 6, “较好” 6 → 86.
    # The column is 42 wide: ceil(86 / 42) = 3 lines × 15 pt = 45 pt.
    assert reason.value == "等次规则顺序1“综合得分 >= 90”→好；“好”名额上限30%（1名），按排名超出名额，调整为“较好”"
    assert reason.alignment.wrap_text
    assert ranking.row_dimensions[3].height == 45
    assert ranking.row_dimensions[2].height in (None, 15)     # 甲's one-line reason keeps the default
    report = book[S.SHEET_REPORT]
    assert [c.value for c in report[1]] == ["级别", "工作表", "单元格", "说明", "代码"]
    assert report.column_dimensions["E"].hidden                  # the code is kept, never printed
    assert report.cell(2, 4).value == near.message and report.cell(2, 4).alignment.wrap_text
    # the message twice: 工作表 6, “述职人 ” 9, 已按 4, “述职人” 8, 读取 4, ； 2, 建议改名为 10, “述职人” 8,
    # ， 2, 以免其他软件找不到它 20 = 73; 146 over the 62-wide 说明 → ceil(2.35) = 3 lines = 45 pt
    assert report.row_dimensions[2].height == 45


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (libreoffice-calc) and pdftotext (poppler-utils) are not installed")
def test_the_printed_reason_and_message_are_whole(tmp_path):
    import subprocess

    path, near = _capped_summary(tmp_path)
    profile = (tmp_path / "lo").as_uri()          # its own profile: another LibreOffice running does not block it
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(tmp_path / "汇总.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = "".join(text.split())
    assert "名额上限30%（1名），按排名超出名额，调整为“较好”" in flat
    assert "".join(near.message.split()) in flat
    assert "SHEET_NAME_NEAR" not in flat
