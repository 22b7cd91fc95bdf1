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


# --- issue #19 (6–8) and #18.13: a meeting of four units built for the test ----------------------------
def _four_units(tmp_path, **kwargs):
    """tests/meeting_papers.py; after `rectify` its 整改清单 holds 01-1, 01-2 (刘芳) and 02-1 (王建军):
    03 has no 点评 and 04's 点评 names no problem. 整改时限 = 2025-02-19 + 30 days = 2025-03-21."""
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from meeting_papers import write_meeting

    path = write_meeting(tmp_path / "会.xlsx", **kwargs)
    assert runner.invoke(app, ["rectify", str(path)]).exit_code == 0
    done = runner.invoke(app, ["ledger", "split", str(path)])
    assert done.exit_code == 0 and "已为 2 个单位生成整改台账" in done.stdout
    folder = tmp_path / "会_成果" / S.LEDGER_FOLDER
    return path, folder / "01_石桥镇党委_整改台账.xlsx", folder / "02_城关镇党委_整改台账.xlsx"


def _fill(source, target, cells, info=None, unprotect=False):
    book = openpyxl.load_workbook(source)
    sheet = book["整改台账"]
    if unprotect:
        sheet.protection.sheet = False
    for cell, value in cells.items():
        sheet[cell] = value
    for cell, value in (info or {}).items():
        book["说明"][cell] = value
    book.save(target)
    return target


def _rect_rows(path):
    return list(openpyxl.load_workbook(path)[S.SHEET_RECTIFY].iter_rows(min_row=2, values_only=True))


def test_merge_keeps_what_units_typed_and_refuses_bad_dates(tmp_path):
    path, first, second = _four_units(tmp_path)
    # the unit's columns: A 问题编号, E 整改措施, G 整改状态, H 完成日期; row 2 = 01-1, row 3 = 01-2
    one = _fill(first, tmp_path / "回01.xlsx", {"E2": "培训2期，建立（长效）机制", "G2": "已完成", "H2": "昨天",
                                                "E3": "（全角）措施：１次", "G3": "已完成", "H3": -5})
    two = _fill(second, tmp_path / "回02.xlsx", {"G2": "已完成", "H2": dt.datetime(2099, 1, 1)})
    clerk = openpyxl.load_workbook(path)
    clerk[S.SHEET_RECTIFY]["F3"] = "原有措施"        # the clerk typed 01-2's 整改措施 before
    clerk.save(path)
    done = runner.invoke(app, ["ledger", "merge", str(path), str(one), str(two)])
    out = done.stdout
    # updates by hand: 01-1 整改措施 + 整改状态, 01-2 整改状态, 02-1 整改状态 = 4 cells;
    # conflict: 01-2 整改措施 (the clerk's text differs) = 1; not taken: the three 完成日期 = 3
    assert "更新 4 格，冲突 1 处，未采纳 3 处" in out
    assert out.count("未采纳：") == 3
    assert "01-1 完成日期“昨天”不是日期" in out
    assert "01-2 完成日期不是日期（单元格里是负数或时间" in out     # -5 in the date-formatted cell
    assert "02-1 完成日期“2099年1月1日”晚于今天" in out
    assert "整改清单为“原有措施”，回01.xlsx 为“（全角）措施：１次”" in out     # quoted as typed
    assert done.exit_code == 1
    rows = _rect_rows(path)
    assert rows[0][5] == "培训2期，建立（长效）机制"                     # written exactly as typed
    assert (rows[0][8], rows[0][9]) == ("已完成", None)
    assert (rows[1][5], rows[1][9]) == ("原有措施", None)
    assert (rows[2][8], rows[2][9]) == ("已完成", None)


def test_two_returns_of_one_unit_conflict(tmp_path):
    path, first, _ = _four_units(tmp_path)
    a = _fill(first, tmp_path / "回01甲.xlsx", {"E2": "甲措施", "G2": "整改中"})
    b = _fill(first, tmp_path / "回01乙.xlsx", {"E2": "乙措施", "G2": "整改中"})
    done = runner.invoke(app, ["ledger", "merge", str(path), str(a), str(b)])
    out = done.stdout
    # 整改状态 agrees in both (1 cell); 整改措施 differs: listed, neither written
    assert "更新 1 格，冲突 1 处，未采纳 0 处" in out
    assert "同一单位（01）本次发回了多份台账（回01甲.xlsx、回01乙.xlsx），内容不同，均未采纳" in out
    assert done.exit_code == 1
    rows = _rect_rows(path)
    assert rows[0][5] is None and rows[0][8] == "整改中"


def test_a_relabelled_ledger_is_refused(tmp_path):
    path, first, _ = _four_units(tmp_path)
    # unit 01 removes the (password-less) protection, relabels its file as 02, and
    # renumbers its first row 02-1: both rows are refused, 02-1 stays as it was
    relabelled = _fill(first, tmp_path / "回02.xlsx", {"A2": "02-1", "E2": "冒名的措施", "E3": "另一措施"},
                       info={"B1": "02"}, unprotect=True)
    done = runner.invoke(app, ["ledger", "merge", str(path), str(relabelled)])
    out = done.stdout
    assert "更新 0 格，冲突 0 处，未采纳 2 处" in out
    assert "问题描述与整改清单中“02-1”的问题不同" in out
    assert "问题“01-2”属于编号 01，不是本单位（02）的问题" in out
    assert done.exit_code == 1
    assert [r[5] for r in _rect_rows(path)] == [None, None, None]
    # only the label changed, the 党组织 in 说明 still 石桥镇党委 while the rows are 02's ids:
    only_label = _fill(first, tmp_path / "回02b.xlsx", {"A2": "02-1", "C2": "意识形态阵地管理有欠缺。", "E2": "x"},
                       info={"B1": "02"}, unprotect=True)
    done = runner.invoke(app, ["ledger", "merge", str(path), str(only_label)])
    assert "台账“说明”中的党组织“石桥镇党委”与单位编号 02 的“城关镇党委”不符" in done.stdout
    assert [r[5] for r in _rect_rows(path)] == [None, None, None]


def test_carry_follows_the_unit_not_the_number(tmp_path):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from meeting_papers import write_meeting

    old_units = (("01", "城关镇党委", "王建军", "现场"), ("02", "石桥镇党委", "刘芳", "现场"),
                 ("03", "河西乡党委", "李明", "书面"))
    new_units = (("01", "石桥镇党委", "刘芳", "现场"), ("02", "城关镇党委", "王建军", "现场"),
                 ("03", "河西镇党委", "李明", "书面"))           # 河西乡 became 河西镇
    deadline = dt.datetime(2025, 3, 21)
    rows = [["01-1", "01", "城关镇党委", "综合", "阵地管理有欠缺。", None, "王建军", deadline, "整改中"],
            ["01-2", "01", "城关镇党委", "综合", "台账不全。", None, "王建军", deadline, "已销号", None, None, None,
             "王部长", dt.datetime(2025, 4, 1)],
            ["02-1", "02", "石桥镇党委", "综合", "教育管理不规范。", None, "刘芳", deadline, "未启动"],
            ["03-1", "03", "河西乡党委", "综合", "集体经济薄弱。", None, "李明", deadline, "整改中"]]
    old = write_meeting(tmp_path / "2024.xlsx", old_units, rectify=rows)
    new = write_meeting(tmp_path / "2025.xlsx", new_units, comments=[], year="2025")
    done = runner.invoke(app, ["carry", str(old), str(new)])
    out = done.stdout
    # by hand: 01-2 is 已销号 (not carried); 01-1 goes to 城关镇党委 = 02 now, 02-1 to 石桥镇党委 = 01;
    # 河西乡党委 is not among this year's units and 03 is now 河西镇党委: held, listed, exit 1
    assert "按党组织对应：城关镇党委：上年编号 01，本年度编号 02" in out
    assert "已结转 2 项：2024-01-1、2024-02-1" in out
    assert "未结转 1 项" in out and "03-1（河西乡党委）：本年度“述职人”中没有这个党组织，编号 03 本年度是“河西镇党委”" in out
    assert done.exit_code == 1
    carried = [(r[0], r[1], r[2]) for r in _rect_rows(new)]
    assert carried == [("2024-01-1", "02", "城关镇党委"), ("2024-02-1", "01", "石桥镇党委")]
    assert "原编号01（城关镇党委）" in _rect_rows(new)[0][11]
    # the clerk maps the renamed unit; what was carried is not carried twice
    done = runner.invoke(app, ["carry", str(old), str(new), "--map", "03=03"])
    assert done.exit_code == 0, done.stdout
    assert "已结转 1 项：2024-03-1" in done.stdout
    assert [(r[0], r[1], r[2]) for r in _rect_rows(new)][2] == ("2024-03-1", "03", "河西镇党委")
    # and `ledger split` now sends 城关镇党委's open problem to 城关镇党委 (编号 02)
    assert runner.invoke(app, ["ledger", "split", str(new)]).exit_code == 0
    ledger = openpyxl.load_workbook(tmp_path / "2025_成果" / S.LEDGER_FOLDER / "02_城关镇党委_整改台账.xlsx")
    assert [r[0] for r in ledger["整改台账"].iter_rows(min_row=2, values_only=True)] == ["2024-01-1"]


def test_progress_as_of_a_day_counts_what_was_done_by_then(tmp_path):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from meeting_papers import write_meeting

    deadline = dt.datetime(2025, 3, 21)
    rows = [["01-1", "01", "石桥镇党委", "综合", "问题甲。", None, "刘芳", deadline, "已完成", dt.datetime(2025, 3, 10)],
            ["01-2", "01", "石桥镇党委", "综合", "问题乙。", None, "刘芳", deadline, "已完成", dt.datetime(2025, 2, 25)],
            ["02-1", "02", "城关镇党委", "综合", "问题丙。", None, "王建军", deadline, "已销号", dt.datetime(2025, 2, 27),
             None, None, "王部长", dt.datetime(2025, 3, 5)]]
    path = write_meeting(tmp_path / "会.xlsx", rectify=rows)
    # 03-01: 01-1 finished 03-10 (later: 整改中), 01-2 done, 02-1 done 02-27 but 销号 03-05 (later: 已完成)
    #        -> 2 of 3 finished = 66.7%, none late (时限 03-21)
    done = runner.invoke(app, ["progress", str(path), "--as-of", "2025-03-01"])
    assert "述职评议共发现问题3个，66.7%已整改完毕，剩余1个正在持续整改。" in done.stdout
    # 02-26: 02-1 was finished only on 02-27 -> 1 of 3 = 33.3%
    done = runner.invoke(app, ["progress", str(path), "--as-of", "2025-02-26"])
    assert "述职评议共发现问题3个，33.3%已整改完毕，剩余2个正在持续整改。" in done.stdout
    # 03-10: all three
    done = runner.invoke(app, ["progress", str(path), "--as-of", "2025-03-10"])
    assert "述职评议共发现问题3个，100%已整改完毕。" in done.stdout
    from workbook.io.book import load_book

    book, _ = load_book(path)
    early = measure_progress(book, dt.date(2025, 3, 1))
    assert (early.total.by_status["已完成"], early.total.by_status["已销号"], early.total.by_status["整改中"]) == (2, 0, 1)
    late = measure_progress(book, dt.date(2025, 3, 10))
    assert (late.total.by_status["已完成"], late.total.by_status["已销号"]) == (2, 1)
