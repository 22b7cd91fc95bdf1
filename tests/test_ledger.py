"""整改台账: progress figures, deadlines as clerks write them, split → unit edits → merge,
and carrying unfinished items into the next year. Expected figures are counted by hand
from the small ledger below."""
import datetime as dt

import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import memory_book, sheets
from workbook import schema as S
from workbook.api import new_workbook, run_ledger_merge, run_ledger_split, run_progress
from workbook.cli import app
from workbook.progress import measure_progress, parse_deadline, summary_sentence

runner = CliRunner()
MEETING = dt.date(2024, 1, 18)


@pytest.mark.parametrize("typed,expected", [
    (dt.datetime(2024, 2, 17), dt.date(2024, 2, 17)),
    ("2024年6月30日前", dt.date(2024, 6, 30)),
    ("2024-03-31", dt.date(2024, 3, 31)),
    ("6月底前", dt.date(2024, 6, 30)),
    ("六月底", dt.date(2024, 6, 30)),
    ("10月15日前", dt.date(2024, 10, 15)),
    ("1月10日前", dt.date(2025, 1, 10)),          # already past at the meeting: next year
    ("年底前", dt.date(2024, 12, 31)),
    ("上半年", dt.date(2024, 6, 30)),
    ("3个月内", dt.date(2024, 4, 18)),
    ("30天内", dt.date(2024, 2, 17)),
    ("二季度末", dt.date(2024, 6, 30)),
    ("2024年9月底", dt.date(2024, 9, 30)),
    ("立行立改", None), ("长期坚持", None), ("持续推进", None), ("", None), (None, None),
])
def test_deadlines_as_clerks_write_them(typed, expected):
    assert parse_deadline(typed, MEETING) == expected


def _ledger_book():
    book = sheets(reporters=(("01", "张三"), ("02", "李四")), ballots=[[1, "全体", None, "好", "好"]])
    book["会议信息"] += [["会议日期", dt.datetime(2024, 1, 18)], ["整改期限（天）", 30]]
    header = book["整改清单"][0] + [S.RECT_APPROVER, S.RECT_APPROVED_ON]
    rows = [
        # 问题编号, 编号, 党组织, 方面, 描述, 措施, 责任人, 时限, 状态, 完成日期, 佐证, 备注, 审批人, 销号日期
        ["01-1", "01", "甲党委", "党建", "问题一", "", "", dt.datetime(2024, 2, 17), "已销号", None, "", "", "王部长",
         dt.datetime(2024, 3, 1)],
        ["01-2", "01", "甲党委", "党建", "问题二", "", "", "6月底前", "整改中", None, "", "", "", None],
        ["01-3", "01", "甲党委", "廉政", "问题三", "", "", "立行立改", "已完成", None, "", "", "", None],
        ["02-1", "02", "乙党委", "党建", "问题四", "", "", dt.datetime(2024, 2, 17), "", None, "", "", "", None],
        ["02-2", "02", "乙党委", "廉政", "问题五", "", "", "长期坚持", "未启动", None, "", "", "", None],
        ["02-3", "02", "乙党委", "廉政", "问题六", "", "", "3个月内", "已销号", None, "", "", "", None],
    ]
    book["整改清单"] = [header] + rows
    return book


def test_progress_figures_counted_by_hand():
    book, issues = memory_book(_ledger_book())
    # 02-3 is 已销号 without approver/date: a warning, and it counts as 已完成
    assert [i.code for i in issues if i.code.startswith("RECT")] == ["RECT_CLOSED_UNAPPROVED"]
    progress = measure_progress(book, dt.date(2024, 7, 1))
    by_id = {t.label.split()[0]: t for t in progress.by_reporter}
    # 01: 已销号 1, 整改中 1 (6月底前 = 2024-06-30 < 07-01: overdue), 已完成 1 (立行立改: no fixed date)
    first = by_id["01"]
    assert (first.total, first.by_status["已销号"], first.by_status["整改中"], first.by_status["已完成"]) == (3, 1, 1, 1)
    assert (first.overdue, first.no_fixed_deadline) == (1, 1)
    # 02: blank = 未启动 (02-1, 2024-02-17: overdue), 未启动 长期坚持 (no date), 02-3 counted 已完成
    second = by_id["02"]
    assert (second.by_status["未启动"], second.by_status["已完成"], second.overdue, second.no_fixed_deadline) == (
        2, 1, 1, 1)
    total = progress.total
    assert (total.total, total.finished, total.overdue) == (6, 3, 2)
    assert summary_sentence(progress) == "述职评议共发现问题6个，50%已整改完毕，剩余3个正在持续整改（其中2个已超过整改时限）。"
    assert {t.label: t.total for t in progress.by_area} == {"党建": 3, "廉政": 3}
    # on 2024-03-01 nothing dated 6月底 is late yet; 02-1 (02-17) is
    early = measure_progress(book, dt.date(2024, 3, 1))
    assert [i.row.problem_id for i in early.overdue] == ["02-1"]


def _demo_with_ledger(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    assert runner.invoke(app, ["rectify", str(path)]).exit_code == 0
    return path


def test_split_gives_each_unit_only_its_own_rows(tmp_path):
    path = _demo_with_ledger(tmp_path)
    run = run_ledger_split(path, exported=dt.date(2024, 1, 26))
    assert len(run.files) == 11 and run.files[0].name == "01_区公安分局党委_整改台账.xlsx"
    book = openpyxl.load_workbook(run.files[0])
    rows = list(book["整改台账"].iter_rows(values_only=True))
    assert rows[0] == ("问题编号", "方面", "问题描述", "整改时限", "整改措施", "责任人", "整改状态", "完成日期", "佐证材料")
    assert [r[0] for r in rows[1:]] == ["01-1", "01-2", "01-3"]
    assert book["整改台账"].protection.sheet
    assert book["说明"]["B1"].value == "01"
    text = " ".join(str(v) for row in rows for v in row if v)
    assert "李志强" not in text and "红岩镇" not in text


def test_unit_answers_merge_back_with_conflicts_and_foreign_rows_refused(tmp_path):
    path = _demo_with_ledger(tmp_path)
    files = run_ledger_split(path).files
    unit = openpyxl.load_workbook(files[0])
    sheet = unit["整改台账"]
    sheet["E2"], sheet["G2"], sheet["H2"] = "逐人谈心谈话", "已完成", dt.datetime(2024, 3, 1)
    sheet["G3"] = "整改中"
    sheet["F4"] = "副书记"               # the clerk has typed something else for 01-3 (below)
    sheet["G4"] = "已销号"               # not the unit's to set
    sheet["B3"] = "改过的方面"           # not the unit's field (the row is still its own)
    sheet.append(["02-1", "综合", "别人的", None, "x", None, "已完成"])
    unit.save(tmp_path / "回01.xlsx")
    clerk = openpyxl.load_workbook(path)
    clerk[S.SHEET_RECTIFY]["G4"] = "政委"   # 01-3 责任人 typed by the clerk
    clerk.save(path)
    run = run_ledger_merge(path, [tmp_path / "回01.xlsx"])
    plan = run.plan
    assert sorted((r, name) for (r, name) in plan.updates) == [(1, "完成日期"), (1, "整改措施"), (1, "整改状态"),
                                                               (2, "整改状态")]
    assert [(c.problem_id, c.field) for c in plan.conflicts] == [("01-3", "责任人"), ("01-3", "整改状态")]
    assert "销号须由组织部审批" in plan.conflicts[1].why
    assert len(plan.refused) == 1 and "02-1" in plan.refused[0] and len(plan.ignored) == 1
    rows = list(openpyxl.load_workbook(path)[S.SHEET_RECTIFY].iter_rows(min_row=2, max_row=4, values_only=True))
    assert rows[0][5:10] == ("逐人谈心谈话", "韦建国", dt.datetime(2024, 2, 17), "已完成", dt.datetime(2024, 3, 1))
    assert rows[1][8] == "整改中" and rows[2][6] == "政委" and rows[2][8] == "未启动"
    # the unit later moves 01-2 on: its own earlier answer is no conflict; a second identical merge changes nothing
    sheet["G3"] = "已完成"
    unit.save(tmp_path / "回01.xlsx")
    run = run_ledger_merge(path, [tmp_path / "回01.xlsx"])
    assert (2, "整改状态") in run.plan.updates and len(run.plan.conflicts) == 2
    run = run_ledger_merge(path, [tmp_path / "回01.xlsx"])
    assert not run.plan.updates
    assert openpyxl.load_workbook(path)[S.SHEET_RECTIFY]["I3"].value == "已完成"


def test_the_merge_command_exits_1_on_conflicts(tmp_path):
    path = _demo_with_ledger(tmp_path)
    files = run_ledger_split(path).files
    done = runner.invoke(app, ["ledger", "merge", str(path), str(files[0])])
    assert done.exit_code == 0 and "更新 0 格" in done.stdout
    done = runner.invoke(app, ["ledger", "merge", str(path), str(path)])
    assert done.exit_code == 2 and "整改台账" in done.output


def test_carry_copies_the_unfinished_with_history(tmp_path):
    old = _demo_with_ledger(tmp_path)
    book = openpyxl.load_workbook(old)
    rect = book[S.SHEET_RECTIFY]
    rect["I2"], rect["M2"], rect["N2"] = "已销号", "王部长", dt.datetime(2024, 6, 1)   # 01-1 closed
    rect["I3"] = "整改中"
    book.save(old)
    new = new_workbook(tmp_path / "新.xlsx", demo=True)   # the same eleven units, 整改清单 empty
    done = runner.invoke(app, ["carry", str(old), str(new)])
    assert done.exit_code == 0, done.output
    rows = list(openpyxl.load_workbook(new)[S.SHEET_RECTIFY].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 38 and rows[0][0] == "2023-01-2"
    assert rows[0][8] == "整改中" and rows[0][11] == "2023年度结转：原问题编号01-2，原整改时限2024年2月17日，结转时状态整改中"
    done = runner.invoke(app, ["carry", str(old), str(new)])
    assert "没有需要结转" in done.stdout


def test_progress_command_writes_the_workbook(tmp_path):
    path = _demo_with_ledger(tmp_path)
    run = run_progress(path, as_of=dt.date(2024, 3, 1))
    book = openpyxl.load_workbook(run.output)
    assert book.sheetnames == ["整改进度", "按方面", "逾期事项", "无固定时限"]
    lines = [r[0] for r in book["整改进度"].iter_rows(values_only=True) if r[0]]
    assert "述职评议共发现问题39个，0%已整改完毕，剩余39个正在持续整改（其中39个已超过整改时限）。" in lines
    done = runner.invoke(app, ["progress", str(path), "--as-of", "2024-02-01"])
    assert done.exit_code == 0 and "0%已整改完毕" in done.stdout
