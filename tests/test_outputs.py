"""The formatted outputs, checked part by part (sheet names, merges, number formats,
print settings, chart types and series ranges, no formula cells) like XlsxWriter's own
tests check its files: through openpyxl and the XML parts."""
import re
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from workbook.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    done = runner.invoke(app, ["demo", str(folder)])
    assert done.exit_code == 0, done.output
    return folder / "述职评议示例_成果"


def _sheet_xml(path, name):
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return archive.read(f"xl/worksheets/sheet{names.index(name) + 1}.xml").decode()


def _no_formulas(path):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in archive.read(name).decode(), name


def test_the_summary_workbook_structure(outputs):
    path = outputs / "计票汇总表.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["计票汇总", "排名与等次", "得分明细", "分类统计", "计票单", "统计图", "疑问票认定", "校验报告"]
    summary = book["计票汇总"]
    merged = {str(r) for r in summary.merged_cells.ranges}
    # A4 (issue #19.11): the overview (rows 1–12: header + 11 reporters), a blank row, then
    # per item a table of 2 header rows + 11 rows + a blank row: 总体评价 from row 14,
    # 抓基层党建 28, 党风廉政建设 42, 意识形态 56; each 12 columns wide (A–L)
    assert [summary.cell(1, c).value for c in range(1, 8)] == ["编号", "党组织", "姓名", "综合得分", "好评率", "排名", "等次"]
    assert summary["A2"].value == "01" and summary["D2"].number_format == "0.00" and summary["E2"].number_format == "0.0%"
    assert {"A14:A15", "B14:B15", "C14:C15", "D14:L14", "D28:L28", "D42:L42", "D56:L56"} <= merged
    assert [summary.cell(r, 4).value for r in (14, 28, 42, 56)] == ["总体评价", "抓基层党建", "党风廉政建设", "意识形态"]
    assert [summary.cell(15, c).value for c in range(4, 13)] == ["好", "较好", "一般", "差", "弃权", "多选", "有效", "好评率", "得分"]
    assert summary["K16"].number_format == "0.0%" and summary["L16"].number_format == "0.00"
    assert summary["D16"].number_format == "0" and summary.max_column == 12
    assert summary["A16"].border.left.style == "thin"
    assert summary["A17"].fill.fgColor.rgb.endswith("F2F2F2")           # banded
    # printed at full size (no fit-to-width, which would shrink it and make Excel drop the
    # breaks), across the page; a page holds 30 rows of 16 pt (A4 landscape: 210 mm less
    # 1.5 in of margins = 487 pt), so overview 13 + 总体评价 14 fill page 1, the next two
    # tables (14 + 14) page 2, the last page 3: breaks before rows 28 and 56
    setup = summary.page_setup
    assert setup.paperSize == 9 and setup.orientation == "landscape" and setup.scale in (None, 100)
    assert not summary.sheet_properties.pageSetUpPr.fitToPage
    assert [b.id for b in summary.row_breaks.brk] == [27, 55]
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9
        if sheet.title not in ("计票汇总", "统计图"):
            assert sheet.sheet_properties.pageSetUpPr.fitToPage
            assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0   # 1 is the default, left out
            assert sheet.print_title_rows is not None
        assert "第 &P 页 共 &N 页" in sheet.oddFooter.center.text
        assert "述职评议会" in sheet.oddHeader.center.text
    assert book["计票单"].page_setup.orientation == "portrait"
    # 统计图: the table (12 rows), 2 blank rows, then the charts under it, each 60 + 26 × 11
    # = 346 px = 18 rows of 20 px high: the first from row 15, the second from 15 + 18 + 2
    # = 35 (0-based 34), where a page break puts it (34 + 18 rows > the 45 rows of a page)
    charts = book["统计图"]
    assert [b.id for b in charts.row_breaks.brk] == [34] and charts.page_setup.orientation == "portrait"
    _no_formulas(path)


def test_the_tally_sheet_carries_the_fingerprints_and_signatures(outputs):
    sheet = openpyxl.load_workbook(outputs / "计票汇总表.xlsx")["计票单"]
    lines = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert any(str(line).startswith("票据指纹（SHA-256）：sha256:") for line in lines)
    assert any(str(line).startswith("结果指纹（SHA-256）：sha256:") for line in lines)
    assert "计票人（签字）：" in lines
    assert [r[0] for r in sheet.iter_rows(min_row=2, max_row=5, values_only=True)] == [
        "区委常委及领导小组成员", "两代表一委员", "党员干部群众代表", "合计"]


def test_the_charts_are_native_with_the_right_series(outputs):
    path = outputs / "计票汇总表.xlsx"
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        score, spread = (archive.read(n).decode() for n in charts)
        drawing_rels = [n for n in archive.namelist() if n.startswith("xl/drawings/_rels/")]
        assert len(drawing_rels) == 1
    assert "<c:barChart>" in score and '<c:barDir val="bar"/>' in score
    assert "<c:f>统计图!$A$2:$A$12</c:f>" in score and "<c:f>统计图!$B$2:$B$12</c:f>" in score
    assert '<c:min val="40.0"/>' in score and '<c:max val="100.0"/>' in score   # the score scale 差..好
    assert '<c:grouping val="stacked"/>' in spread
    assert [f"<c:f>统计图!${c}$2:${c}$12</c:f>" in spread for c in "EFGH"] == [True] * 4
    assert "<c:f>统计图!$D$2:$D$12</c:f>" in spread
    sheet = openpyxl.load_workbook(path)["统计图"]
    assert sheet["A2"].value == "01 韦建国" and sheet["B2"].value == 94.4   # the highest score first


def test_the_bulletin_workbook_shows_only_grades(outputs):
    book = openpyxl.load_workbook(outputs / "结果通报表.xlsx")
    assert book.sheetnames == ["结果通报"]
    rows = list(book["结果通报"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "党组织", "姓名", "等次")      # 通报显示好评率 is 否 in the demo
    assert len(rows) == 12 and rows[1][:3] == ("01", "区公安分局党委", "韦建国")
    _no_formulas(outputs / "结果通报表.xlsx")


def test_the_printed_forms(outputs):
    path = outputs / "评议表.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["区委常委及领导小组成员", "两代表一委员", "党员干部群众代表"]
    sheet = book["两代表一委员"]
    assert sheet["A1"].value.endswith("民主评议表") and "（工）" in sheet["A1"].value   # title as typed
    assert sheet["A2"].value == "评议人类别：两代表一委员"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:C5", "D4:G4", "H4:K4", "L4:O4", "P4:S4"} <= merged
    assert [sheet.cell(5, c).value for c in range(4, 8)] == ["好", "较好", "一般", "差"]
    # one row per reporter in 述职人 order, a box per item and grade: the 评议票 column order
    assert [sheet.cell(r, 1).value for r in range(6, 17)] == [f"{k:02d}" for k in range(1, 12)]
    boxes = sum(1 for row in sheet.iter_rows(min_row=6, max_row=16, min_col=4, max_col=19, values_only=True)
                for v in row if v == "□")
    assert boxes == 11 * 4 * 4
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.print_title_rows == "$4:$5"
    _no_formulas(path)


def test_forms_through_the_command(tmp_path):
    from workbook.api import new_workbook

    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    done = runner.invoke(app, ["forms", str(path), "-o", str(tmp_path / "表")])
    assert done.exit_code == 0 and (tmp_path / "表" / "评议表.xlsx").exists()
    empty = new_workbook(tmp_path / "空.xlsx")
    done = runner.invoke(app, ["forms", str(empty)])
    assert done.exit_code == 1 and not (tmp_path / "空_成果").exists()
