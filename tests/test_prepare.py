"""`shuping prepare`: the 评议票 header from 述职人 × 评议项目, safely and append-only."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from typer.testing import CliRunner

from workbook import schema as S
from workbook.api import new_workbook, run_prepare
from workbook.cli import app
from workbook.io.atomic import FAULT_ENV, FAULT_EXIT, FAULT_STEPS
from workbook.io.editing import backups_of
from workbook.io.book import load_book

runner = CliRunner()
REPORTERS = [("01", "张三"), ("02", "李四"), ("03", "王五")]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _blank_with_reporters(path: Path, reporters=REPORTERS) -> Path:
    new_workbook(path)
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_REPORTERS]
    for row, (rid, name) in enumerate(reporters, start=2):
        sheet.cell(row, 1, rid)
        sheet.cell(row, 2, f"{name}所在党委")
        sheet.cell(row, 3, name)
        sheet.cell(row, 5, "现场")
    book[S.SHEET_CATEGORIES].append(["全体", None, 50])
    book.save(path)
    return path


def _type_forms(path: Path, forms):
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_BALLOTS]
    for row, form in enumerate(forms, start=3):
        for col, value in enumerate(form, start=1):
            sheet.cell(row, col, value)
    book.save(path)


def _header(path: Path, sheet_name=S.SHEET_BALLOTS):
    sheet = openpyxl.load_workbook(path)[sheet_name]
    rows = [[sheet.cell(r, c).value for c in range(1, sheet.max_column + 1)] for r in (1, 2)]
    merged = sorted(str(m) for m in sheet.merged_cells.ranges)
    return rows, merged, sheet.freeze_panes


def _values(path: Path):
    book = openpyxl.load_workbook(path)
    return {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in book.worksheets}


def _grade_columns(path: Path):
    book, _ = load_book(path)
    return {col: (book.reporters[r].id, book.items[i].name) for (r, i), col in book.ballots.columns.items()}


def test_lays_out_a_fresh_template(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    result = invoke("prepare", path)
    assert result.exit_code == 0, result.output
    assert "3 位述职人 × 4 个评议项目，共 12 列（D–O）" in result.stdout
    rows, merged, frozen = _header(path)
    assert rows[0][:8] == ["票号", "评议人类别", "作废", "01 张三", None, None, None, "02 李四"]
    assert rows[1][3:7] == ["总体评价", "抓基层党建", "党风廉政建设", "意识形态"]
    assert {"A1:A2", "B1:B2", "C1:C2", "D1:G1", "H1:K1", "L1:O1"} <= set(merged)
    assert frozen == "D3"
    sheet = openpyxl.load_workbook(path)[S.SHEET_BALLOTS]
    validations = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert validations['"好,较好,一般,差,多选"'] == "D3:O3001"
    assert sheet["D1"].fill.fgColor.rgb.endswith("D9E1F2") and sheet["H1"].fill.fgColor.rgb.endswith("FFF2CC")
    assert invoke("check", path).exit_code == 0
    assert len(backups_of(path)) == 1


def test_prepare_matches_the_demo_layout(tmp_path):
    """The template writer and prepare lay 评议票 out alike: prepare on the demo is a no-op."""
    path = new_workbook(tmp_path / "demo.xlsx", demo=True)
    before = path.read_bytes()
    result = invoke("prepare", path)
    assert result.exit_code == 0 and "已是最新" in result.stdout
    assert path.read_bytes() == before and backups_of(path) == []


def test_running_twice_changes_nothing_the_second_time(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    first = (_values(path), _header(path))
    result = invoke("prepare", path)
    assert "已是最新" in result.stdout
    assert (_values(path), _header(path)) == first and len(backups_of(path)) == 1


def _rich_workbook(tmp_path: Path) -> Path:
    """A clerk's workbook with everything openpyxl keeps: styles, widths, comments,
    validations, defined names, conditional formats, merged cells, formulas, extra sheets."""
    path = _blank_with_reporters(tmp_path / "rich.xlsx")
    book = openpyxl.load_workbook(path)
    reporters = book[S.SHEET_REPORTERS]
    reporters["B2"].comment = Comment("党委书记兼任", "办公室")
    reporters["C3"].font = Font(bold=True, color="FF0000")
    reporters["C4"].fill = PatternFill("solid", fgColor="FFFF00")
    reporters.column_dimensions["G"].width = 33
    extra = book.create_sheet("我的记录")
    extra["A1"] = "会务安排"
    extra["A2"] = "=1+1"
    extra["B5"] = "=SUM(A2,3)"
    extra.merge_cells("A7:C7")
    extra["A7"] = "合并的说明"
    extra.row_dimensions[3].height = 30
    choice = DataValidation(type="list", formula1='"甲,乙"')
    choice.add("D1:D20")
    extra.add_data_validation(choice)
    extra.conditional_formatting.add("E1:E10", CellIsRule(operator="greaterThan", formula=["5"],
                                                          fill=PatternFill("solid", fgColor="FFC7CE")))
    book.defined_names["会务负责人"] = DefinedName("会务负责人", attr_text="'我的记录'!$A$1")
    hidden = book.create_sheet("隐藏的表")
    hidden["A1"] = "别删我"
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def test_round_trip_keeps_everything_openpyxl_can_keep(tmp_path):
    path = _rich_workbook(tmp_path)
    before = _values(path)
    assert invoke("prepare", path).exit_code == 0
    after = _values(path)
    for sheet, values in before.items():
        kept = {k: v for k, v in values.items() if not (sheet == S.SHEET_BALLOTS and k[0] <= 2)}
        assert {k: v for k, v in after[sheet].items() if k in kept} == kept, sheet
    book = openpyxl.load_workbook(path)
    reporters = book[S.SHEET_REPORTERS]
    assert reporters["B2"].comment.text == "党委书记兼任"
    assert reporters["C3"].font.bold and reporters["C3"].font.color.rgb.endswith("FF0000")
    assert reporters["C4"].fill.fgColor.rgb.endswith("FFFF00")
    assert reporters.column_dimensions["G"].width == 33
    extra = book["我的记录"]
    assert "A7:C7" in {str(m) for m in extra.merged_cells.ranges}
    assert extra.row_dimensions[3].height == 30
    assert [dv.formula1 for dv in extra.data_validations.dataValidation] == ['"甲,乙"']
    assert len(extra.conditional_formatting) == 1
    assert book.defined_names["会务负责人"].attr_text == "'我的记录'!$A$1"
    assert book["隐藏的表"].sheet_state == "hidden"
    assert book.sheetnames[:len(S.SHEETS)] == [s.name for s in S.SHEETS]
    # the template's own drop-downs on other sheets survive too
    modes = book[S.SHEET_REPORTERS].data_validations.dataValidation
    assert any("现场" in (dv.formula1 or "") for dv in modes)


def test_a_late_reporter_and_item_are_appended_at_the_right_end(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    forms = [[1, "全体", None] + ["好"] * 12, [2, "全体", None] + ["较好", "一般"] * 6]
    _type_forms(path, forms)
    typed = {k: v for k, v in _values(path)[S.SHEET_BALLOTS].items() if k[0] >= 3}
    book = openpyxl.load_workbook(path)
    book[S.SHEET_REPORTERS].append(["04", "赵六所在党委", "赵六", None, "书面"])
    book[S.SHEET_ITEMS].append(["作风建设", "单项", None])
    for row in range(2, 7):
        book[S.SHEET_ITEMS].cell(row, 3).value = None
    book.save(path)
    result = invoke("prepare", path)
    assert result.exit_code == 0, result.output
    assert "已录入的 2 张票原样保留" in result.stdout and "在右端（P–W 列）追加" in result.stdout
    after = _values(path)[S.SHEET_BALLOTS]
    assert {k: v for k, v in after.items() if k[0] >= 3} == typed
    columns = _grade_columns(path)
    assert columns[3] == ("01", "总体评价") and columns[14] == ("03", "意识形态")
    assert [columns[c] for c in range(15, 23)] == [
        ("01", "作风建设"), ("02", "作风建设"), ("03", "作风建设"), ("04", "总体评价"), ("04", "抓基层党建"),
        ("04", "党风廉政建设"), ("04", "意识形态"), ("04", "作风建设")] and len(columns) == 20
    rows, _, _ = _header(path)
    assert rows[0][15:19] == ["01 张三", "02 李四", "03 王五", "04 赵六"]
    assert invoke("check", path).exit_code == 0


def test_reordering_reporters_after_typing_moves_nothing(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    _type_forms(path, [[1, "全体", None] + ["好"] * 12])
    before = path.read_bytes()
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_REPORTERS]
    first = [c.value for c in sheet[2]]
    for col, value in enumerate([c.value for c in sheet[3]], start=1):
        sheet.cell(2, col, value)
    for col, value in enumerate(first, start=1):
        sheet.cell(3, col, value)
    book.save(path)
    before = path.read_bytes()
    result = invoke("prepare", path)
    assert result.exit_code == 0 and "已是最新" in result.stdout and path.read_bytes() == before


def test_before_typing_a_new_order_is_laid_out_afresh(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    book = openpyxl.load_workbook(path)
    book[S.SHEET_REPORTERS].delete_rows(2)
    book.save(path)
    assert invoke("prepare", path).exit_code == 0
    rows, _, _ = _header(path)
    assert rows[0][3] == "02 李四" and rows[0][7] == "03 王五" and len(_grade_columns(path)) == 8


def test_dropping_a_reporter_with_typed_votes_is_refused(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    _type_forms(path, [[1, "全体", None] + ["好"] * 12])
    book = openpyxl.load_workbook(path)
    book[S.SHEET_REPORTERS].delete_rows(3)   # 02 李四
    book.save(path)
    before = path.read_bytes()
    backups = backups_of(path)
    result = invoke("prepare", path)
    assert result.exit_code == 1
    said = "".join(result.output.split())   # the table wraps long lines
    assert "第H–K列（02李四）已录入4个评价" in said
    assert "已没有“02李四”" in said and "未做任何改动" in said
    assert path.read_bytes() == before and backups_of(path) == backups


def test_renaming_an_item_with_typed_votes_is_refused(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    _type_forms(path, [[1, "全体", None, "好"]])
    book = openpyxl.load_workbook(path)
    book[S.SHEET_ITEMS]["A2"] = "总体"
    book.save(path)
    run = run_prepare(path)
    assert run.refused and [i.code for i in run.issues] == ["PREPARE_WOULD_MOVE_TYPED"]
    assert "“评议项目”表中已没有“总体评价”" in run.issues[0].message


def test_dropping_a_reporter_with_no_typed_votes_to_the_right_is_fine(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    invoke("prepare", path)
    _type_forms(path, [[1, "全体", None] + ["好"] * 8])   # 01 and 02 only
    book = openpyxl.load_workbook(path)
    book[S.SHEET_REPORTERS].delete_rows(4)   # 03 王五, nothing typed
    book.save(path)
    assert invoke("prepare", path).exit_code == 0
    assert len(_grade_columns(path)) == 8


def test_empty_reporters_are_refused_with_the_reason(tmp_path):
    path = new_workbook(tmp_path / "a.xlsx")
    before = path.read_bytes()
    result = invoke("prepare", path)
    assert result.exit_code == 1 and "述职人" in result.output and path.read_bytes() == before


def test_a_clerk_chart_is_refused_and_a_tool_chart_sheet_is_rebuilt_later(tmp_path):
    from helpers import add_chart_sheet

    path = _blank_with_reporters(tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(path)
    add_chart_sheet(book)
    book.save(path)
    before = path.read_bytes()
    result = invoke("prepare", path)
    said = "".join(result.output.split())
    assert result.exit_code == 1 and "工作表“我的图表”中有图表" in said
    assert "“述评”选项卡" in said and path.read_bytes() == before

    book = openpyxl.load_workbook(path)
    book["我的图表"].title = S.SHEET_CHARTS
    book.save(path)
    result = invoke("prepare", path)
    assert result.exit_code == 0 and "重新生成" in "".join(result.stdout.split())
    assert S.SHEET_CHARTS not in openpyxl.load_workbook(path).sheetnames


def test_the_lock_file_refusal(tmp_path):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    (tmp_path / "~$a.xlsx").write_bytes(b"")
    before = path.read_bytes()
    result = invoke("prepare", path)
    assert result.exit_code == 1 and "正在Excel/WPS中打开" in "".join(result.output.split())
    assert path.read_bytes() == before


def _shuping(*args, env=None):
    return subprocess.run([sys.executable, "-m", "workbook", *map(str, args)], capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_a_crash_at_any_step_leaves_old_or_new_never_half(tmp_path, step):
    path = _blank_with_reporters(tmp_path / "a.xlsx")
    original = path.read_bytes()
    done = _shuping("prepare", path, env={FAULT_ENV: step})
    assert done.returncode == FAULT_EXIT, done.stderr.decode()
    [backup] = backups_of(path)
    assert backup.read_bytes() == original
    now = path.read_bytes()
    if step == "after-rename":
        assert now != original and _header(path)[0][0][3] == "01 张三"
    else:
        assert now == original
    load_book(path)   # whatever is there reads as a workbook
    load_book(backup)
    shutil.copy(backup, tmp_path / "restored.xlsx")
    # the next run clears what the crash left and finishes the job
    done = _shuping("prepare", path)
    assert done.returncode == 0, done.stderr.decode()
    assert _header(path)[0][0][3] == "01 张三"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~shuping")]
