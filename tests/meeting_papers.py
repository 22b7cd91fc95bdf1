"""A small meeting of four units built for the papers' tests (review, notices, comments,
ledger): every figure the tests expect is worked out by hand in their comments.

Ballots: five forms, one item (总体评价), default rules and points (好 100, 较好 80, 一般 60):
  01 石桥镇党委 刘芳    5 × 好   -> 100.00, 好评率 100%, 好 (cap 30% of 4 = 1: only rank 1)
  02 城关镇党委 王建军  5 × 较好 ->  80.00, 好评率 100%, 较好
  03 河东街道党工委 赵敏 5 × 一般 -> 60.00, 好评率 0% < 2/3: 一般
  04 区财政局党组 孙磊  all blank -> no valid vote, no score, 未评定
Meeting 2025-02-19, 整改期限 30 days -> 2025-03-21 (9 days left in February, then 21).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from workbook import schema as S
from workbook.io.template_xlsx import write_template

UNITS = (("01", "石桥镇党委", "刘芳", "现场"), ("02", "城关镇党委", "王建军", "现场"),
         ("03", "河东街道党工委", "赵敏", "书面"), ("04", "区财政局党组", "孙磊", "书面"))
COMMENTS = [
    ["01", S.AREA_GENERAL, "刘芳同志抓基层党建思路清晰，村级阵地建设成效明显。",
     "存在的不足是：一是党员教育管理不够规范。二是村级集体经济发展不平衡。", "希望**同志进一步压实责任，抓好整改。", "区委书记"],
    ["02", S.AREA_GENERAL, "王建军同志推进党建引领基层治理有力。", "存在的不足是：一是意识形态阵地管理有欠缺。",
     "希望王建君同志对照问题认真整改。", "区委书记"],
    # 03 reported in writing: no 点评
    ["04", S.AREA_GENERAL, "孙磊同志抓机关党建规范有序。", "", "希望孙磊同志再接再厉。", "区委书记"],
]


def meeting_sheets(units: Sequence[tuple[str, str, str, str]] = UNITS, comments: Sequence[list] | None = None,
                   doc_number: str = "某组通〔2025〕3号", bulletin_number: str = "",
                   numbering: str = S.NOTICE_NUMBER_SHARED, rectify: Sequence[list] = (),
                   year: str = "2024") -> dict[str, list[list[Any]]]:
    grades = {"01": "好", "02": "较好", "03": "一般", "04": None}
    ballots = [[k, "全体", None, *(grades.get(rid) for rid, *_ in units)] for k in range(1, 6)]
    params = [list(row) for row in S.PARAM_DEFAULTS]
    for row in params:
        if row[0] == S.PARAM_NOTICE_NUMBERS:
            row[1] = numbering
    return {
        S.SHEET_MEETING: [
            [S.MEETING_TITLE, f"某某区{year}年度党组织书记述职评议会"], [S.MEETING_YEAR, year],
            [S.MEETING_DATE, dt.date(2025, 2, 19)], [S.MEETING_ORGANIZER, "中共某某区委组织部"],
            [S.MEETING_DOC_NUMBER, doc_number], [S.MEETING_BULLETIN_NUMBER, bulletin_number],
            [S.MEETING_DEADLINE_DAYS, 30], [S.MEETING_CONTACT, "周文静"], [S.MEETING_PHONE, "0771-5551234"],
        ],
        S.SHEET_REPORTERS: [[rid, org, name, "书记", mode, f"r{rid}@units.example.cn", ""]
                            for rid, org, name, mode in units],
        S.SHEET_ITEMS: [["总体评价", "总体", None]],
        S.SHEET_CATEGORIES: [["全体", None, 10]],
        S.SHEET_PARAMS: params,
        S.SHEET_RULES: [list(row) for row in S.DEFAULT_RULES],
        S.SHEET_BALLOTS: ballots,
        S.SHEET_COMMENTS: [list(c) for c in (COMMENTS if comments is None else comments)],
        S.SHEET_RECTIFY: [list(r) for r in rectify],
        S.SHEET_MAIL: [[S.MAIL_SENDER, "zzb@example.gov.cn"]],
    }


def write_meeting(path: Path, units: Sequence[tuple[str, str, str, str]] = UNITS, **kwargs) -> Path:
    return write_template(path, meeting_sheets(units, **kwargs), [(rid, name) for rid, _, name, _ in units])
