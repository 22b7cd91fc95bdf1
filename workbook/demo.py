"""The demo meeting: a full, realistic workbook's contents as plain rows.

11 reporters (5 现场 + 6 书面), 3 areas, 3 evaluator categories with weights and 发放票数,
about 150 forms typed the messy way clerks type them (1-4 / A-D / full-width codes,
stray spaces, blanks, 多选, one void form, one blank form), and the chair's comments.
Deterministic: the same seed gives the same workbook.
"""
from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from . import schema as S
from .demo_data import DEMO_COMMENTS, DEMO_REPORTERS

DEMO_SEED = 20240118
DEMO_REVIEWER = "区委书记"
DEMO_SPEECH_FILE = "点评讲话.txt"
DEMO_CATEGORIES = (
    # 类别, 权重, 发放票数, 回收票数
    ("区委常委及领导小组成员", "40%", 18, 17),
    ("两代表一委员", "30%", 45, 43),
    ("党员干部群众代表", "30%", 95, 90),
)
# Each reporter's leaning: probabilities of 好, 较好, 一般, 差 on the overall item.
_LEANING = {
    "01": (0.82, 0.15, 0.03, 0.00), "02": (0.70, 0.24, 0.05, 0.01), "03": (0.62, 0.30, 0.07, 0.01),
    "04": (0.55, 0.33, 0.10, 0.02), "05": (0.74, 0.20, 0.05, 0.01), "06": (0.50, 0.36, 0.12, 0.02),
    "07": (0.66, 0.27, 0.06, 0.01), "08": (0.45, 0.38, 0.14, 0.03), "09": (0.78, 0.18, 0.04, 0.00),
    "10": (0.20, 0.38, 0.34, 0.08), "11": (0.40, 0.40, 0.16, 0.04),
}
_SPELLINGS = {
    1: ("好", "1", "A", "a", "１", "Ａ"), 2: ("较好", "2", "B", "b", "２", "Ｂ"),
    3: ("一般", "3", "C", "c", "３", "Ｃ"), 4: ("差", "4", "D", "d", "４", "Ｄ"),
}


def _typed(rng: random.Random, code: int) -> Any:
    """How a clerk types a grade: mostly the word, sometimes 1-4 / A-D, now and then
    full-width or with stray spaces, and digits sometimes as numbers."""
    roll = rng.random()
    word, digit, upper, lower, wide_digit, wide_letter = _SPELLINGS[code]
    if roll < 0.70:
        return word
    if roll < 0.78:
        return code  # a number typed into the cell
    if roll < 0.84:
        return upper
    if roll < 0.88:
        return lower
    if roll < 0.92:
        return wide_digit
    if roll < 0.95:
        return wide_letter
    return f" {word}\u3000" if roll < 0.98 else f"{digit} "


def demo_ballots(rng: random.Random, items: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for category, _weight, _issued, returned in DEMO_CATEGORIES:
        for number in range(1, returned + 1):
            row: list[Any] = [number, category, None]
            for reporter_id, *_ in DEMO_REPORTERS:
                leaning = _LEANING[reporter_id]
                for item in range(items):
                    # single items lean a little more towards 较好 than the overall one
                    weights = leaning if item == 0 else (leaning[0] * 0.95, leaning[1] * 1.1, *leaning[2:])
                    roll = rng.random()
                    if roll < 0.015:
                        row.append(None)            # 弃权: left blank
                    elif roll < 0.019:
                        row.append(S.OVERVOTE if rng.random() < 0.7 else "多")
                    else:
                        code = rng.choices((1, 2, 3, 4), weights=weights)[0]
                        row.append(_typed(rng, code))
            if rng.random() < 0.05:
                row[2] = "否"
            rows.append(row)
    # One void form (a mark for everyone in one column) and one blank form, as on paper.
    void_row = next(i for i, r in enumerate(rows) if r[1] == DEMO_CATEGORIES[2][0] and r[0] == 17)
    rows[void_row][2] = "是"
    blank_row = next(i for i, r in enumerate(rows) if r[1] == DEMO_CATEGORIES[1][0] and r[0] == 30)
    rows[blank_row][3:] = [None] * (len(rows[blank_row]) - 3)
    return rows


def demo_sheets(comments: bool = True) -> dict[str, list[list[Any]]]:
    """Rows below the header of each input sheet (评议票: rows from row 3). Without
    `comments`, 点评 is left empty for the demo to import it from `demo_speech()`."""
    rng = random.Random(DEMO_SEED)
    items = [name for name, _, _ in S.DEFAULT_ITEMS]
    ballots = demo_ballots(rng, len(items))
    title = "某某区2023年度党（工）委书记推动落实全面从严治党主体责任述职评议会"
    return {
        S.SHEET_MEETING: [
            [S.MEETING_TITLE, title], [S.MEETING_YEAR, "2023"], [S.MEETING_DATE, _dt.date(2024, 1, 18)],
            [S.MEETING_ORGANIZER, "中共某某区委组织部"], [S.MEETING_DOC_NUMBER, "某组通〔2024〕5号"],
            [S.MEETING_BULLETIN_NUMBER, "某组通〔2024〕6号"],
            [S.MEETING_DEADLINE_DAYS, 30], [S.MEETING_CONTACT, "周文静"], [S.MEETING_PHONE, "0771-5551234"],
        ],
        S.SHEET_REPORTERS: [
            [rid, org, name, title_, mode, f"r{rid}@units.example.cn", ""]
            for rid, org, name, title_, mode in DEMO_REPORTERS
        ],
        S.SHEET_ITEMS: [list(row) for row in S.DEFAULT_ITEMS],
        S.SHEET_CATEGORIES: [[name, weight, issued] for name, weight, issued, _ in DEMO_CATEGORIES],
        S.SHEET_PARAMS: [list(row) for row in S.PARAM_DEFAULTS],
        S.SHEET_RULES: [list(row) for row in S.DEFAULT_RULES],
        S.SHEET_BALLOTS: ballots,
        S.SHEET_ADJUDICATION: demo_adjudications(ballots),
        S.SHEET_COMMENTS: [
            [rid, S.AREA_GENERAL, *DEMO_COMMENTS[rid], DEMO_REVIEWER] for rid, *_ in DEMO_REPORTERS
        ] if comments else [],
        S.SHEET_MAIL: [
            [S.MAIL_SERVER, "smtp.example.gov.cn"], [S.MAIL_PORT, 465], [S.MAIL_ENCRYPTION, "SSL"],
            [S.MAIL_SENDER, "zzb@example.gov.cn"], [S.MAIL_USER, "zzb@example.gov.cn"],
            [S.MAIL_PASSWORD_ENV, "SHUPING_SMTP_PASSWORD"], [S.MAIL_LEADERS, "leader@example.gov.cn"],
            [S.MAIL_SUBJECT, "{会议名称}反馈意见（{党组织}）"],
            [S.MAIL_BODY, "{姓名}同志：\n请查收附件中的述职评议反馈意见，并于{整改时限}前完成整改。"],
        ],
    }


def demo_adjudications(ballots: list[list[Any]]) -> list[list[Any]]:
    """One unclear mark, typed as seen ("好?") and decided by the scrutineers, so the demo
    shows the 疑问票处理 record and its log beside the results (the decision keeps 好)."""
    col = S.BALLOT_FIRST_GRADE_COL
    for index, form in enumerate(ballots):
        if form[col] == S.GRADE_EXCELLENT and not form[2]:
            form[col] = "好?"
            cell = f"D{index + S.BALLOT_HEADER_ROWS + 1}"
            return [[form[0], form[1], cell, "勾画压在“好”与“较好”两格之间的边线上",
                     S.GRADE_EXCELLENT, "勾的主体和起笔均在“好”格内，经两名监票人共同辨认", "黄丽、韦强"]]
    return []


def demo_ballot_reporters() -> list[tuple[str, str]]:
    return [(rid, name) for rid, _org, name, _title, _mode in DEMO_REPORTERS]


def demo_speech() -> str:
    """The chair's speech at the demo meeting, built the way the real ones are (seed 000):
    "请……同志述职。", "……（述职毕）", "点评：" achievements, 存在的不足, 希望."""
    lines = [
        "同志们：",
        "今天，我们召开某某区2023年度党（工）委书记推动落实全面从严治党主体责任述职评议会。",
        "下面，进行第一项议程，请各党（工）委书记述职，我代表区委进行点评。",
    ]
    for k, (rid, organization, name, _title, _mode) in enumerate(DEMO_REPORTERS):
        achievements, problems, expectations = DEMO_COMMENTS[rid]
        lines += [f"{'首先' if k == 0 else '下面'}，请{organization}书记{name}同志述职。", "……（述职毕）",
                  f"点评：{achievements}", problems, expectations]
    lines += ["下面，进行第二项议程，请市委组织部领导讲话。", "（讲话毕）"]
    return "\n".join(lines) + "\n"
