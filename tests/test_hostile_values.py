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
