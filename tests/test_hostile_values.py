"""Findings of the hostile tester (HOSTILE.md #5, #7, #8, #9, #15), each through the real
command line; expected figures are derived by hand in the comments."""
import datetime
import json
import re

import openpyxl
from typer.testing import CliRunner

from helpers import sheets, write_xlsx
from workbook.cli import app

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]")
TWO = (("01", "甲"), ("02", "乙"))


def run(*args, code: int):
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    assert not (done.exception and not isinstance(done.exception, SystemExit)), repr(done.exception)
    assert "Traceback" not in done.output and "内部错误" not in done.output
    return done


def flat(text: str) -> str:
    return "".join(text.split())


def book_file(tmp_path, change=None, name="评议.xlsx"):
    """Two reporters; 甲 gets 好, 好, 较好 on three forms; 乙 is left blank."""
    s = sheets(TWO, ballots=[[1, None, None, "好", None], [2, None, None, "好", None],
                             [3, None, None, "较好", None]])
    if change:
        change(s)
    return write_xlsx(tmp_path / name, s)


def check_json(path):
    done = runner.invoke(app, ["check", str(path), "--json"])
    return done.exit_code, json.loads(done.stdout)["issues"]


# --- #5 (F4): the template's empty 评议票(复核) beside a typist's 评议票（复核） ---------------------
def _second_typing(s, name="评议票（复核）", empty_exact=True):
    rows = [list(r) for r in s["评议票"]]
    rows[3][3] = "差"                     # form 2, 甲: 好 typed first, 差 the second time -> D4 differs
    s[name] = rows
    if empty_exact:
        s["评议票(复核)"] = [list(r) for r in s["评议票"][:2]]   # the template's: header rows only


def test_an_empty_exact_recheck_sheet_does_not_hide_the_filled_look_alike(tmp_path):
    # Before the fix the empty exact sheet won and check said nothing (rc 0). Now the filled
    # look-alike is compared: one RECHECK difference at D4, and a warning names both sheets.
    path = book_file(tmp_path, _second_typing)
    before = path.read_bytes()
    code, issues = check_json(path)
    assert path.read_bytes() == before
    assert code == 1
    assert [(i["sheet"], i["cell"]) for i in issues if i["code"].startswith("RECHECK")] == [("评议票(复核)", "D4")]
    twins = [i for i in issues if i["code"] == "SHEET_NAME_TWINS"]
    assert len(twins) == 1 and twins[0]["level"] == "warning"
    assert "“评议票(复核)”" in twins[0]["message"] and "“评议票（复核）”" in twins[0]["message"]
    done = run("tally", path, code=1)
    assert "两次录入不一致" in flat(done.output)


def test_two_filled_look_alike_sheets_are_an_error_naming_both(tmp_path):
    def change(s):
        _second_typing(s, empty_exact=False)
        s["评议票(复核)"] = [list(r) for r in s["评议票"]]          # a full, identical second typing too
    path = book_file(tmp_path, change)
    code, issues = check_json(path)
    assert code == 1
    twins = [i for i in issues if i["code"] == "SHEET_NAME_TWINS"]
    assert len(twins) == 1 and twins[0]["level"] == "error"
    assert "“评议票(复核)”" in twins[0]["message"] and "“评议票（复核）”" in twins[0]["message"]
    run("tally", path, code=1)


def test_an_empty_look_alike_beside_the_filled_exact_sheet_is_only_a_warning(tmp_path):
    # 参数设置 filled (the template's rows), a stray empty 参数设置  (trailing space): read the exact one.
    path = book_file(tmp_path, lambda s: s.__setitem__("参数设置 ", [["参数", "值", "说明"]]))
    code, issues = check_json(path)
    assert code == 0
    twins = [i for i in issues if i["code"] == "SHEET_NAME_TWINS"]
    assert len(twins) == 1 and twins[0]["level"] == "warning" and "“参数设置 ”" in twins[0]["message"]


def test_a_filled_look_alike_of_a_sheet_commands_write_is_refused(tmp_path):
    def change(s):
        s["点评 "] = s["点评"] + [["01", "综合", "扎实。", "存在的不足是：一是学习不够。", "继续努力。", "书记"]]
    path = book_file(tmp_path, change)
    before = path.read_bytes()
    done = run("rectify", path, code=1)
    assert path.read_bytes() == before
    assert "请删除空白的“点评”，再把“点评”改名为“点评”" in flat(done.output)


# --- #7 (F3): rectify on an invalid 会议日期, then the date corrected ----------------------------
def _meeting_with_problems(s, date="2024-02-30"):
    s["会议信息"] += [["会议日期", date], ["整改期限（天）", 60]]      # 会议日期 in B4
    s["点评"].append(["01", "综合", "扎实。", "存在的不足是：一是学习不够。二是台账不全。", "继续努力。", "书记"])


def _rect(path):
    sheet = openpyxl.load_workbook(path)["整改清单"]
    return {r[0]: r[7] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}


def test_rectify_names_a_wrong_meeting_date_and_fills_its_blank_deadlines_once_corrected(tmp_path):
    path = book_file(tmp_path, _meeting_with_problems)
    done = run("rectify", path, code=0)
    said = flat(done.output)
    assert "会议日期有误" in said and "'会议信息'!B4" in said and "未填写" not in said
    assert _rect(path) == {"01-1": None, "01-2": None}      # two problems, deadlines left blank
    book = openpyxl.load_workbook(path)
    book["会议信息"]["B4"].value = datetime.datetime(2024, 1, 18)   # the clerk corrects the date …
    book["整改清单"]["H3"].value = "6月底前"                          # … and types 01-2's deadline
    book.save(path)
    done = run("rectify", path, code=0)
    assert "补填整改时限1行" in flat(done.output)
    # 2024-01-18 + 60 days: 13 days to 31 Jan, 29 in Feb (leap year) = 42, 18 more = 18 March
    deadlines = _rect(path)
    assert deadlines == {"01-1": datetime.datetime(2024, 3, 18), "01-2": "6月底前"}
    before = path.read_bytes()
    done = run("rectify", path, code=0)                        # nothing left to fill
    assert path.read_bytes() == before


def test_a_deadline_the_clerk_cleared_after_the_tool_filled_it_is_not_refilled(tmp_path):
    path = book_file(tmp_path, _meeting_with_problems)
    run("rectify", path, code=0)
    book = openpyxl.load_workbook(path)
    book["会议信息"]["B4"].value = datetime.datetime(2024, 1, 18)
    book.save(path)
    run("rectify", path, code=0)
    book = openpyxl.load_workbook(path)
    book["整改清单"]["H2"].value = None                        # the clerk clears 01-1's deadline on purpose
    book.save(path)
    before = path.read_bytes()
    run("rectify", path, code=0)
    assert path.read_bytes() == before


# --- #8 (F7): the paragraphs after "希望……：" belong to 希望要求 --------------------------------
SPEECH = "\n".join([
    "请甲所在党委甲同志述职。", "（述职毕）",
    "点评：成绩很好。", "存在的不足是：一是甲问题。",
    "希望甲同志：", "一要加强学习。", "二要改进作风。",
    "请乙所在党委乙同志述职。", "（述职毕）",
    "成绩。", "存在问题：一是无。", "希望加油。",
    "现在，休会10分钟。", "………",
])


def _comments(path):
    sheet = openpyxl.load_workbook(path)["点评"]
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]


def test_the_hope_paragraph_keeps_its_numbered_lines(tmp_path):
    path = book_file(tmp_path)
    speech = tmp_path / "讲话.txt"
    speech.write_text(SPEECH, encoding="utf-8")
    run("comments", "import", path, speech, code=0)
    rows = _comments(path)
    assert [r[0] for r in rows] == ["01", "02"]
    assert rows[0][4] == "希望甲同志：\n一要加强学习。\n二要改进作风。"     # the three lines, in order
    assert rows[1][4] == "希望加油。"                                       # the 休会 line is no part of it


def test_a_windows_line_break_inside_the_hope_paragraph_loses_nothing(tmp_path):
    path = book_file(tmp_path)
    speech = tmp_path / "讲话.txt"
    speech.write_bytes(SPEECH.replace("\n", "\r\n").encode("utf-8"))
    run("comments", "import", path, speech, code=0)
    assert _comments(path)[0][4] == "希望甲同志：\n一要加强学习。\n二要改进作风。"


# --- #15 (F15): a part longer than an Excel cell is refused, never cut ----------------------------
def test_a_comment_longer_than_a_cell_is_refused_naming_the_reporter_and_length(tmp_path):
    path = book_file(tmp_path)
    speech = tmp_path / "讲话.txt"
    # "成绩很好，" is 5 characters; 9000 of them = 45,000 > 32,767
    speech.write_text("请甲所在党委甲同志述职。\n（述职毕）\n点评：" + "成绩很好，" * 9000
                      + "\n存在的不足是：一是甲问题。\n希望改正。\n", encoding="utf-8")
    before = path.read_bytes()
    done = run("comments", "import", path, speech, code=1)
    assert path.read_bytes() == before
    said = flat(done.output)
    assert "01甲" in said and "“主要成绩”有45000字" in said and "32767" in said


# --- #9 (F13): impossible deadlines are 时限有误, not 长期; impossible 完成/销号 dates ----------------
RECT_HEADER = ["问题编号", "编号", "党组织", "方面", "问题描述", "整改措施", "责任人", "整改时限",
               "整改状态", "完成日期", "佐证材料", "备注", "销号审批人", "销号日期"]


def _ledger(tmp_path):
    def change(s):
        s["会议信息"].append(["会议日期", "2024-01-18"])
        s["整改清单"] = [RECT_HEADER] + [
            ["01-1", "01", "甲所在党委", "综合", "问题一", None, "甲", "2月30日前", "未启动"],        # row 2
            ["01-2", "01", "甲所在党委", "综合", "问题二", None, "甲", "2024年13月1日前", "整改中"],  # row 3
            ["01-3", "01", "甲所在党委", "综合", "问题三", None, "甲", None, "未启动"],               # row 4: =TODAY()
            ["01-4", "01", "甲所在党委", "综合", "问题四", None, "甲", "长期坚持", "整改中"],         # row 5
            ["01-5", "01", "甲所在党委", "综合", "问题五", None, "甲", None, "已完成"],               # row 6
            ["01-6", "01", "甲所在党委", "综合", "问题六", None, "甲", "6月底前", "已销号", None, None, None, "张"],
        ]
    path = book_file(tmp_path, change)
    book = openpyxl.load_workbook(path)
    sheet = book["整改清单"]
    sheet["H4"] = "=TODAY()"                                       # a formula, no cached value
    sheet["H6"] = datetime.datetime(2024, 3, 1)
    sheet["J6"] = datetime.datetime(2099, 1, 1)                    # finished in the future
    sheet["J7"] = datetime.datetime(2024, 2, 1)
    sheet["N7"] = datetime.datetime(2024, 1, 1)                    # closed a month before it was finished
    book.save(path)
    return path


def test_check_flags_impossible_deadlines_and_dates_at_their_cells(tmp_path):
    path = _ledger(tmp_path)
    before = path.read_bytes()
    code, issues = check_json(path)
    assert path.read_bytes() == before
    assert code == 1
    found = sorted((i["code"], i["cell"]) for i in issues if i["sheet"] == "整改清单" and i["level"] == "error")
    assert found == [("RECT_BAD_DEADLINE", "H2"), ("RECT_BAD_DEADLINE", "H3"), ("RECT_CLOSED_BEFORE_DONE", "N7"),
                     ("RECT_DEADLINE_FORMULA", "H4"), ("RECT_DONE_IN_FUTURE", "J6")]


def test_progress_lists_impossible_deadlines_apart_from_open_ended_ones(tmp_path):
    # As of 2024-07-31 (meeting 2024-01-18):
    #   01-1 2月30日前, 01-2 2024年13月1日前, 01-3 =TODAY()  -> 时限有误 (3), not 长期
    #   01-4 长期坚持 -> 长期 (1)
    #   01-5 deadline 2024-03-01, 已完成 but 完成日期 2099 -> still 整改中 then: overdue by
    #        2024-03-01 -> 04-01 is 31 days, -> 05-01 61, -> 06-01 92, -> 07-01 122, -> 07-31 152 days
    #   01-6 6月底前 = 2024-06-30, 已销号 on 2024-01-01 -> finished, not overdue
    path = _ledger(tmp_path)
    out = tmp_path / "进度"
    done = run("progress", path, "--as-of", "2024-07-31", "-o", out, code=0)
    said = flat(done.output)
    for pid in ("01-1", "01-2", "01-3"):
        assert f"时限有误：{pid}" in said
    assert "逾期152天：01-5" in said
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    header = next(book["整改进度"].iter_rows(values_only=True))
    row = next(r for r in book["整改进度"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("01"))
    assert row[header.index("长期/无固定时限")] == 1 and row[header.index("逾期")] == 1 and row[1] == 6
    assert [r[0] for r in book["时限有误"].iter_rows(min_row=2, values_only=True) if r[0]] == ["01-1", "01-2", "01-3"]
    assert [r[0] for r in book["无固定时限"].iter_rows(min_row=2, values_only=True) if r[0]] == ["01-4"]
