"""Unusual values where they enter (issues #18 “Never harm the clerk” and #19), each through
the real command line: the exit code, a Chinese message naming the cell, no traceback,
and the clerk's file byte-identical afterwards. Figures are derived by hand in comments."""
import datetime
import json
import re

import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import sheets, write_xlsx
from workbook.cli import app

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]")
TWO = (("01", "甲"), ("02", "乙"))


def run(*args, code: int):
    """Run a command; assert its exit code, no traceback, no English error of click's."""
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    assert not (done.exception and not isinstance(done.exception, SystemExit)), repr(done.exception)
    assert "Traceback" not in done.output and "内部错误" not in done.output
    assert "Error:" not in done.output and "Usage:" not in done.output
    if code:
        assert CJK.search(done.output)
    return done


def flat(text: str) -> str:
    return "".join(text.split())


def book_file(tmp_path, change=None, name="评议.xlsx", **kwargs):
    """A two-reporter meeting: 甲 gets 好, 好, 较好; 乙 is left blank on every form."""
    s = sheets(TWO, ballots=[[1, None, None, "好", None], [2, None, None, "好", None],
                             [3, None, None, "较好", None]], **kwargs)
    s["点评"].append(["01", "综合", "扎实。", "存在的不足是：一是学习不够。二是台账不全。", "继续努力。", "书记"])
    if change:
        change(s)
    return write_xlsx(tmp_path / name, s)


def unchanged(path, before: bytes) -> None:
    assert path.read_bytes() == before


def check_json(path):
    done = runner.invoke(app, ["check", str(path), "--json"])
    return done.exit_code, json.loads(done.stdout)["issues"]


# --- #18.10 a reporter without a valid vote is 未评定 everywhere -------------------------------
def test_a_reporter_without_valid_votes_is_ungraded_in_every_output(tmp_path):
    # 甲: 好 好 较好 -> S = (100 + 100 + 80) / 3 = 93.33, rank 1; rules: 差票率 0 ≯ 1/3, 好评率 1 ≮ 2/3,
    # 综合得分 93.33 >= 90 -> 好 (cap 30% of 2 = 0.6 -> at least 1: 甲 alone fits).
    # 乙: three blank cells, no valid vote -> no S, rank 2, and no grade at all: 未评定
    # (the blank-condition row 6 “差” must not catch them).
    path = book_file(tmp_path)
    before = path.read_bytes()
    done = run("tally", path, code=0)
    unchanged(path, before)
    assert "02乙没有有效评价票，未评定" in flat(done.stdout)
    out = tmp_path / "评议_成果"
    data = json.loads((out / "计票结果.json").read_text(encoding="utf-8"))
    first, second = data["reporters"]
    assert (first["grade"], first["score_rounded"], first["rank"]) == ("好", 93.33, 1)
    assert second["grade"] is None and second["graded"] is False and second["grade_text"] == "未评定"
    assert second["rank"] == 2 and second["why"]["rule"] is None
    bulletin = openpyxl.load_workbook(out / "结果通报表.xlsx")
    grades = {row[2]: row[3] for row in bulletin.worksheets[0].iter_rows(values_only=True) if row[0] in ("01", "02")}
    assert grades == {"甲": "好", "乙": "未评定"}
    summary = openpyxl.load_workbook(out / "计票汇总表.xlsx")
    ranking = [row for row in summary["排名与等次"].iter_rows(values_only=True) if row and row[1] == "02"]
    assert ranking and ranking[0][9] == "未评定" and "未评定" in ranking[0][10]
    assert "差" not in [row[9] for row in ranking]


def test_the_bulletin_says_ungraded(tmp_path):
    pytest.importorskip("docx")
    import docx

    path = book_file(tmp_path)
    run("notices", path, "--no-pdf", "--date", "2024-01-25", code=0)
    bulletin = docx.Document(tmp_path / "评议_成果" / "结果通报.docx")
    cells = [c.text for t in bulletin.tables for row in t.rows for c in row.cells]
    assert "乙" in cells and "未评定" in cells and cells[cells.index("乙") + 1] == "未评定"


# --- #18.11 sheet names as an input method types them -------------------------------------------
@pytest.mark.parametrize("name", ["评议票（复核）", "评议票(复核) ", " 评议票 （复核）"])
def test_a_second_typing_under_a_near_name_is_read_and_compared(tmp_path, name):
    # The second typing differs in D4 (好 -> 差): one RECHECK error, plus a warning that the
    # sheet was read under the contract's name.
    def change(s):
        rows = [list(r) for r in s["评议票"]]
        rows[3][3] = "差"
        s[name] = rows
    path = book_file(tmp_path, change)
    before = path.read_bytes()
    code, issues = check_json(path)
    unchanged(path, before)
    assert code == 1
    near = [i for i in issues if i["code"] == "SHEET_NAME_NEAR"]
    assert len(near) == 1 and near[0]["level"] == "warning" and name in near[0]["message"]
    assert [(i["sheet"], i["cell"]) for i in issues if i["code"].startswith("RECHECK")] == [("评议票(复核)", "D4")]
    done = run("tally", path, code=1)
    assert "两次录入不一致" in flat(done.output)


def test_a_near_name_of_a_sheet_commands_write_is_refused_with_did_you_mean(tmp_path):
    path = book_file(tmp_path, lambda s: s.__setitem__("点评 ", s.pop("点评")))
    before = path.read_bytes()
    done = run("rectify", path, code=1)
    unchanged(path, before)
    assert "缺少工作表“点评”，但有一张“点评”——是否就是它？" in flat(done.output)


# --- #18.12 values that used to crash ----------------------------------------------------------
def _rule(text):
    rules = [list(r) for r in sheets()["等次规则"][1:]]
    rules[2][2] = text
    return rules


@pytest.mark.parametrize("condition, said", [
    ("(" * 10_000 + "综合得分 >= 90" + ")" * 10_000, "请简化条件"),   # 20,020 characters: the length limit
    ("(" * 25 + "综合得分 >= 90" + ")" * 25, "括号嵌套超过20层"),         # short, but 25 deep
    ("好评率 >= 1/0", "“1/0”除数为0"),
])
def test_conditions_that_nest_too_deep_or_divide_by_zero_are_errors_at_their_cell(tmp_path, condition, said):
    path = book_file(tmp_path, rules=_rule(condition))
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 1
    bad = [i for i in issues if i["code"] == "RULE_BAD_CONDITION"]
    assert [(i["sheet"], i["cell"]) for i in bad] == [("等次规则", "C4")] and said in flat(bad[0]["message"])
    assert len(bad[0]["message"]) < 200     # the 20,000 characters are not repeated
    run("tally", path, code=1)
    unchanged(path, before)


def _meeting(key, value):
    return lambda s: s["会议信息"].append([key, value])


@pytest.mark.parametrize("key, value, said", [
    ("整改期限（天）", 20240630, "整改期限（天）“20240630”看起来是一个日期"),
    ("整改期限（天）", 0, "应为1～3650的整数天数"),
    ("会议日期", datetime.date(9999, 12, 20), "会议日期“9999-12-20”不在2000—2100年之间"),
    ("会议日期", "明天上午", "会议日期“明天上午”不是日期"),
    ("会议日期", "2024-02-30", "不是日期"),
])
def test_meeting_values_that_are_not_what_they_say_are_errors_at_their_cell(tmp_path, key, value, said):
    path = book_file(tmp_path, _meeting(key, value))
    if isinstance(value, datetime.date):     # a real date cell, as Excel stores one
        book = openpyxl.load_workbook(path)
        book["会议信息"]["B4"].number_format = "yyyy-mm-dd"
        book.save(path)
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 1
    found = [i for i in issues if i["code"] in ("MEETING_BAD_DATE", "MEETING_BAD_DEADLINE")]
    assert [(i["sheet"], i["cell"]) for i in found] == [("会议信息", "B4")]   # rows: header, 名称, 年度, this
    assert said in flat(found[0]["message"])
    done = run("notices", path, "--no-pdf", "--date", "2024-01-25", code=1)
    assert said in flat(done.output)
    assert path.read_bytes() == before       # check and notices read only
    run("rectify", path, code=0)     # the count's papers wait; 整改清单 does not need the date
    assert any(p.name.startswith("评议.备份-") for p in tmp_path.iterdir())


@pytest.mark.parametrize("typed", ["2024-01-18", "2024/1/18", "2024年1月18日", "2024.1.18"])
def test_accepted_spellings_of_the_meeting_date(tmp_path, typed):
    path = book_file(tmp_path, _meeting("会议日期", typed))
    code, issues = check_json(path)
    assert code == 0 and not [i for i in issues if i["code"] == "MEETING_BAD_DATE"]


def test_control_characters_are_removed_with_a_warning_naming_the_cell(tmp_path):
    # xlsxwriter stores U+000B as Excel does, _x000B_; the reader decodes it, parse removes it.
    def change(s):
        s["述职人"][1][2] = "甲\x0b"
        s["点评"][1][3] = "存在的不足是：一是学习\x01不够。"
    path = book_file(tmp_path, change)
    assert b"_x000B_" in __import__("zipfile").ZipFile(path).read("xl/sharedStrings.xml")
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 0
    assert [(i["sheet"], i["cell"]) for i in issues if i["code"] == "TEXT_CONTROL_CHARACTER"] == [
        ("述职人", "C2"), ("点评", "D2")]
    run("tally", path, code=0)
    unchanged(path, before)
    run("rectify", path, code=0)          # writes 整改清单 without the character
    book = openpyxl.load_workbook(path)
    assert [r[4] for r in book["整改清单"].iter_rows(min_row=2, values_only=True)] == ["学习不够。"]


def test_a_speech_with_control_characters_imports(tmp_path):
    path = book_file(tmp_path)
    speech = tmp_path / "讲话.txt"
    speech.write_text("下面，请乙所在党委书记乙同志述职。\n点评：工作\x0b扎实。\n存在的不足是：一是调研\x01不够。\n",
                      encoding="utf-8")
    run("comments", "import", path, speech, code=0)
    book = openpyxl.load_workbook(path)
    assert "调研不够。" in [r[3] for r in book["点评"].iter_rows(min_row=2, values_only=True)][-1]


@pytest.mark.parametrize("content", [
    "[" * 100_000 + "]" * 100_000,
    json.dumps({"fingerprints": {"ballots": ["sha256:1"], "results": {"a": 1}}}),
    json.dumps({"fingerprints": {"ballots": "sha256:1", "results": "sha256:2"},
                "reporters": {"x": "[" * 10}})[:-2] + "[" * 50_000 + "]" * 50_000 + '"}',
    json.dumps([1, 2, 3]),
    '{"fingerprints": ',
])
def test_verify_refuses_malformed_results_in_chinese(tmp_path, content):
    path = book_file(tmp_path)
    results = tmp_path / "计票结果.json"
    results.write_text(content, encoding="utf-8")
    done = run("verify", path, results, code=2)
    assert "计票结果" in done.output or "指纹" in done.output


@pytest.mark.parametrize("names, said", [
    (("Party代表", "party代表"), "只差大小写"),
    (("'区委", "群众"), "单引号"),
])
def test_category_names_excel_cannot_tell_apart_are_errors_not_a_crash_in_forms(tmp_path, names, said):
    path = book_file(tmp_path, categories=[(names[0], "50%", 5), (names[1], "50%", 5)],
                     change=lambda s: [row.__setitem__(1, names[0]) for row in s["评议票"][2:]])
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 1 and [i["cell"] for i in issues if said in i["message"]] == ["A2" if said == "单引号" else "A3"]
    done = run("forms", path, code=1)
    assert said in flat(done.output)
    unchanged(path, before)


# --- #18.13 silently accepted: command-line usage ---------------------------------------------
@pytest.mark.parametrize("args, said", [
    (["check"], "缺少参数PATH（工作簿文件（.xlsx））"),
    (["carry", "a.xlsx"], "缺少参数NEW"),
    (["check", "--bogus", "a.xlsx"], "没有“--bogus”这个选项"),
    (["chek", "a.xlsx"], "没有“chek”这个命令，是不是check？"),
    (["ledger", "mrege"], "没有“mrege”这个命令，是不是merge？"),
    (["tally", "a.xlsx", "-o"], "选项“-o”后面要跟一个值"),
    (["notices", "a.xlsx", "--pdf=maybe"], "选项“--pdf”用法有误"),
    (["check", "a.xlsx", "b.xlsx"], "多余的参数：b.xlsx"),
    (["notices", "a.xlsx", "--date", "明天"], "日期“明天”无法识别"),
])
def test_usage_errors_are_chinese_and_exit_2(args, said):
    done = run(*args, code=2)
    assert said in flat(done.output)


def _commands(group, path=()):
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_command_has_an_example_in_its_help():
    from typer.main import get_command

    commands = list(_commands(get_command(app)))
    assert len(commands) >= 19      # 14 that read a workbook, new, demo, addin build/install/uninstall
    for command in commands:
        done = run(*command, "--help", code=0)
        example = re.search(r"示例：(shuping [^\n]+)", done.output)
        assert example, command
        assert example.group(1).split()[1:1 + len(command)] == list(command), example.group(1)
        assert "Show this message" not in done.output and "用法：" in done.output


# --- #19.9 a 点评 mistake does not block the count -------------------------------------------------
def test_a_comment_mistake_warns_in_tally_and_stops_rectify_notices_and_mail(tmp_path):
    path = book_file(tmp_path, lambda s: s["点评"][1].__setitem__(0, "09"))
    before = path.read_bytes()
    done = run("tally", path, code=0)
    said = flat(done.output)
    assert "“点评”中有1个错误" in said and "照常计票" in said and "编号“09”不在“述职人”表中" in said
    run("verify", path, tmp_path / "评议_成果" / "计票结果.json", code=0)
    for args in (["rectify", path], ["notices", path, "--no-pdf", "--date", "2024-01-25"], ["mail", path, "--dry-run"]):
        done = run(*args, code=1)
        assert "编号“09”不在“述职人”表中" in flat(done.output)
    unchanged(path, before)


# --- #19.10 one slip, reported once at its cause -----------------------------------------------
def test_a_zero_lost_from_an_id_is_one_error_at_the_cause(tmp_path):
    # 述职人 A2 typed 01 became the number 1. 评议票 still says “01 甲” over column D, where
    # 3 grades are typed (好, 好, 较好): one error at 述职人!A2 counting those 3 cells — no
    # cell-by-cell “此列没有有效表头”, no advice to run 生成评议票. 点评's “01” says why.
    path = book_file(tmp_path, lambda s: s["述职人"][1].__setitem__(0, 1))
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 1
    errors = [(i["code"], i["sheet"], i["cell"]) for i in issues if i["level"] == "error"]
    assert errors == [("REPORTER_ID_CHANGED", "述职人", "A2"), ("COMMENT_UNKNOWN_REPORTER", "点评", "A2")]
    assert "已录入的 3 个评价" in issues[0]["message"] and "生成评议票" not in json.dumps(issues, ensure_ascii=False)
    assert "Excel 把 01 变成了数字" in [i["message"] for i in issues if i["sheet"] == "点评"][0]
    done = run("check", path, code=1)
    assert "多半是Excel把文本“01”变成了数字1" in flat(done.output)
    unchanged(path, before)


def test_a_header_that_matches_nobody_holds_its_cells_in_one_error(tmp_path):
    # Header E1 “09 丙” is neither 02 乙's 编号 nor 姓名: one error at E1; 乙 typed in E3 (较好)
    # -> “1 个评价”; 02 乙 is missing once (not per item), pointing at E1, not at 生成评议票 only.
    def change(s):
        s["评议票"][0][4] = "09 丙"
        s["评议票"][2][4] = "较好"
    path = book_file(tmp_path, change)
    code, issues = check_json(path)
    assert code == 1
    assert [(i["code"], i["cell"]) for i in issues if i["level"] == "error"] == [
        ("BALLOT_HEADER_MISSING", "1"), ("BALLOT_HEADER_UNKNOWN_REPORTER", "E1")]
    assert "1 个评价无法计票" in issues[1]["message"] and "（E1）" in issues[0]["message"]


def test_a_returned_ledger_with_an_escaped_control_character_merges_without_it(tmp_path):
    # The unit types 每月<U+000B>学习 in 整改措施 of 01-1; the file stores it as Excel does,
    # 每月_x000B_学习 (openpyxl writes the escape as it is given). It comes back as 每月学习.
    path = book_file(tmp_path, lambda s: s["整改清单"].append(
        ["01-1", "01", "甲所在党委", "综合", "学习不够。", None, "甲", "2024-03-31", "整改中"]))
    run("ledger", "split", path, code=0)
    (ledger,) = (tmp_path / "评议_成果" / "整改台账").iterdir()
    book = openpyxl.load_workbook(ledger)
    book["整改台账"].cell(row=2, column=5, value="每月_x000B_学习")
    book.save(ledger)
    run("ledger", "merge", path, ledger, code=0)
    rows = list(openpyxl.load_workbook(path)["整改清单"].iter_rows(min_row=2, values_only=True))
    assert rows[0][5] == "每月学习"
