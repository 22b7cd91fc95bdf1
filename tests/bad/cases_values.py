"""Corpus cases: unusual values where they enter (issue #18 “Never harm the clerk”, #19).

One case per class of value: a reporter without a valid vote, sheet names as an input
method types them, control characters, 条件 that nest or divide by zero, dates and day
counts that are not what they say, category names Excel cannot tell apart, a results
file that is not one, and the cascades of #19 (a 点评 mistake, a 编号 Excel changed).
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from bad.make_corpus import (FILE, FINE, Case, _both, _edit, _openpyxl, _set, base_forms, workbook_errors,
                             write_base)

B = "评议票"


def _no_votes_for_03(book: dict) -> None:
    """03 王五's four columns (L–O) blank on every form: no valid vote for 03 at all."""
    for row in book[B][2:]:
        for col in range(11, 15):
            row[col] = None


def _recheck_full_width(book: dict) -> None:
    """The second typing on a sheet named with full-width brackets, one cell different."""
    rows = [list(r) for r in book[B]]
    rows[3][3] = "差" if rows[3][3] != "差" else "好"
    book["评议票（复核）"] = rows


def _rename(old: str, new: str):
    def change(book: dict) -> None:
        book[new] = book.pop(old)
    return change


def _meeting(key: str, value):
    def change(book: dict) -> None:
        rows = book["会议信息"]
        for row in rows:
            if row and row[0] == key:
                row[1:] = [value]
                return
        rows.append([key, value])
    return change


def _far_date(book) -> None:
    sheet = book["会议信息"]
    sheet.append(["会议日期", datetime.date(9999, 12, 20)])
    sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd"


def _apostrophe_category(book: dict) -> None:
    book["评议人类别"][1][0] = "'区委常委"
    for row in book[B][2:]:
        if row[1] == "区委常委":
            row[1] = "'区委常委"


def _case_twins(book: dict) -> None:
    """Party代表 (the forms' category) and party代表 (a third, empty one): one sheet name to Excel."""
    book["评议人类别"][2][0:2] = ["Party代表", "50%"]
    book["评议人类别"].append(["party代表", "10%", 5])
    for row in book[B][2:]:
        if row[1] == "党员群众代表":
            row[1] = "Party代表"


def _deep_results(folder: Path) -> None:
    write_base(folder / FILE)
    (folder / "计票结果.json").write_text(
        json.dumps({"fingerprints": {"ballots": "sha256:0", "results": "sha256:0"}})[:-1]
        + ', "reporters": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")


# 点评 is not read by the count: its errors stop what is made from it, not tally/verify (#19.9).
FOLLOW_UP_ONLY = {**FINE, "check": 1, "rectify": 1, "comments import": 1, "notices": 1, "mail": 1}
# 会议信息 feeds the papers: its errors stop the count and everything printed, not rectify.
MEETING = workbook_errors(forms=1)


def cases() -> list[Case]:
    forms = base_forms()
    assert forms   # the base meeting has forms for 03 to be blanked out of
    return [
        Case("values_reporter_without_votes", "一位述职人没有任何有效评价（应为“未评定”，不是“差”）",
             _edit(_no_votes_for_03), {**FINE, "verify": 1}),
        Case("values_recheck_full_width_name", "复核表名用了全角括号“评议票（复核）”，且与评议票不一致",
             _edit(_recheck_full_width), workbook_errors(), message="两次录入不一致"),
        Case("values_comments_sheet_trailing_space", "“点评”表名多了一个空格（计票照常，整改清单等须拒绝）",
             _edit(_rename("点评", "点评 ")), FOLLOW_UP_ONLY, message="点评",
             messages={"rectify": "点评", "comments import": "点评", "notices": "点评", "mail": "点评"}),
        Case("values_comment_unknown_id", "点评中的编号写错（09），不影响计票",
             _edit(_set("点评", 1, 0, "09")), FOLLOW_UP_ONLY, message="09",
             messages={"rectify": "09", "notices": "09", "mail": "09"}),
        Case("values_reporter_id_lost_zero", "Excel 把述职人编号 01 变成了数字 1",
             _edit(_set("述职人", 1, 0, 1)),
             workbook_errors(prepare=1, compare=1, rectify=1, forms=1), message="变成了数字",
             messages={"prepare": "变成了数字", "rectify": "变成了数字", "forms": "变成了数字"}),
        Case("values_condition_deep", "等次规则的条件嵌套了一万层括号",
             _edit(_set("等次规则", 3, 2, "(" * 10_000 + "综合得分 >= 90" + ")" * 10_000)), workbook_errors(),
             message="请简化条件"),
        Case("values_condition_divide_by_zero", "等次规则的条件除以 0（好评率 >= 1/0）",
             _edit(_set("等次规则", 2, 2, "好评率 >= 1/0")), workbook_errors(), message="除数为 0"),
        Case("values_deadline_looks_like_date", "整改期限（天）填成了日期 20240630",
             _edit(_meeting("整改期限（天）", 20240630)), MEETING, message="看起来是一个日期"),
        Case("values_meeting_date_far", "会议日期是 9999-12-20（日期格）", _openpyxl(_far_date), MEETING,
             message="9999-12-20"),
        Case("values_meeting_date_free_text", "会议日期填了“明天上午”", _edit(_meeting("会议日期", "明天上午")),
             MEETING, message="明天上午"),
        Case("values_control_characters", "姓名和点评中有 Excel 存为 _x000B_ 的控制字符（去掉后照常处理）",
             _edit(_both(_set("述职人", 1, 2, "张\x0b三"), _set("点评", 1, 3, "存在的不足是：一是学习\x01不够。"))),
             {**FINE, "rectify": 0}),
        Case("values_category_apostrophe", "评议人类别以英文单引号开头（'区委常委）", _edit(_apostrophe_category),
             workbook_errors(forms=1), message="单引号"),
        Case("values_category_case_twins", "两个评议人类别只差大小写（Party代表 / party代表）", _edit(_case_twins),
             workbook_errors(forms=1), message="只差大小写"),
        Case("values_results_deeply_nested", "核验用的结果文件是嵌套十万层的 JSON", _deep_results,
             {**FINE, "verify": 2}, messages={"verify": "嵌套过深"}),
    ]
