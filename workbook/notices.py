"""What the notices and the bulletin say, as plain template contexts (no Word here).

Need-to-know: a reporter's notice is built from that reporter's figures, comments and
整改清单 rows alone — it names no other reporter and none of their figures. The bulletin
carries every reporter's grade (and 好评率 only when 通报显示好评率 is 是), never scores
or ranks. Wording follows the usual 组织部 feedback notice; the layout is the template's.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Sequence

from . import schema as S
from .comments import chinese_number, split_problems
from .model import Book, RectificationRow
from .normalize import format_fixed
from .report import percent
from .tally import ReporterResult, TallyResult

_YEAR_BRACKETS = re.compile(r"[\[［【(（〔]\s*(\d{4})\s*[\]］】)）〕]")


def doc_number(text: str) -> str:
    """发文字号 with the year in 六角括号: "某组通[2024]5号" -> "某组通〔2024〕5号"."""
    return _YEAR_BRACKETS.sub(lambda m: f"〔{m.group(1)}〕", (text or "").strip())


def numbered(text: str, serial: int) -> str:
    """The k-th paper of one number: "某组通〔2025〕3号", 2 -> "某组通〔2025〕3-2号"."""
    text = doc_number(text)
    if not text:
        return ""
    match = re.search(r"(\d+)\s*号\s*$", text)
    if match:
        return f"{text[:match.end(1)]}-{serial}号"
    return f"{text}-{serial}"


def notice_number(book: Book, serial: int) -> str:
    """The notice's 发文字号: one number for every unit (一文多发, the default), or one per
    unit in 述职人 order when 参数设置 says 按单位编号."""
    if book.params.notice_numbers == S.NOTICE_NUMBER_PER_UNIT and serial:
        return numbered(book.meeting.doc_number, serial)
    return doc_number(book.meeting.doc_number)


def bulletin_number(book: Book) -> str:
    """The bulletin's own 发文字号 (通报发文字号); without one, 发文字号 (the review says so)."""
    return doc_number(book.meeting.bulletin_number or book.meeting.doc_number)


def grade_text(r: ReporterResult) -> str:
    """The grade as every paper prints it: 未评定 when there is none — also when the
    reporter has no valid vote (no score), whatever a blank 条件 would give."""
    return r.grade if r.grade and r.score_rounded is not None else NO_GRADE


NO_GRADE = "未评定"


def gongwen_date(value: Any) -> str:
    """GB/T 9704-2012 成文日期: Arabic numerals, no leading zeros: 2024年1月18日."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value or "")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；.!?;" else text + "。"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class NoticeOptions:
    issue_date: _dt.date
    secret_mark: str = ""            # 密级 or "内部资料"
    copy_numbers: bool = False       # 份号 000001, 000002 … in 述职人 order
    cc: str = ""                     # 抄送


def masthead(book: Book) -> str:
    organizer = book.meeting.organizer or "（主办单位）"
    return organizer if organizer.endswith("文件") else f"{organizer}文件"


def _common(book: Book, options: NoticeOptions) -> dict[str, Any]:
    meeting = book.meeting
    return {
        "masthead": masthead(book),
        "doc_number": doc_number(meeting.doc_number),
        "secret_mark": options.secret_mark,
        "meeting_title": meeting.shown_title,
        "meeting_date": gongwen_date(meeting.date),
        "organizer": meeting.organizer,
        "issue_date": gongwen_date(options.issue_date),
        "cc": options.cc,
        "print_organ": meeting.organizer,
        "contact": (f"（联系人：{meeting.contact}，联系电话：{meeting.phone}）"
                    if meeting.contact or meeting.phone else ""),
    }


def result_sentence(result: TallyResult, r: ReporterResult) -> str:
    places = result.book.params.decimals
    name = r.reporter.name
    if r.score_rounded is None:
        return f"本次评议中，{name}同志没有有效评价票，未评定等次。"
    if not r.grade:
        text = f"经民主评议，{name}同志未评定等次"
    else:
        text = f"经民主评议，{name}同志述职评议等次为“{r.grade}”"
    if r.good_rate is not None:
        text += f"，好评率{percent(r.good_rate)}"
    text += f"，综合得分{format_fixed(r.score_rounded, places)}分"
    if result.book.params.notice_rank:
        text += f"，在{len(result.reporters)}名述职人中排名第{r.rank}位"
    return text + "。"


def _rectification_rows(book: Book, reporter_id: str, problems: Sequence[str],
                        deadline: str) -> list[dict[str, str]]:
    """The reporter's 整改清单 rows; before `rectify` has run, the problems themselves."""
    rows: Sequence[RectificationRow] = [row for row in book.rectifications if row.reporter_id == reporter_id]
    if rows:
        return [{"id": row.problem_id, "problem": row.description, "deadline": gongwen_date(row.deadline),
                 "status": row.status or S.RECT_STATUSES[0]} for row in rows]
    return [{"id": f"{reporter_id}-{k}", "problem": p, "deadline": deadline, "status": S.RECT_STATUSES[0]}
            for k, p in enumerate(problems, start=1)]


def notice_context(result: TallyResult, r: ReporterResult, options: NoticeOptions,
                   copy_number: int = 0) -> dict[str, Any]:
    book = result.book
    reporter = r.reporter
    comments = [c for c in book.comments if c.reporter_id == reporter.id]
    achievements: list[str] = []
    expectations: list[str] = []
    problems: list[str] = []
    for comment in comments:
        lead = "" if comment.area == S.AREA_GENERAL else f"在{comment.area}方面，"
        achievements += [lead + p if k == 0 else p for k, p in enumerate(_paragraphs(comment.achievements))]
        expectations += _paragraphs(comment.expectations)
        problems += split_problems(comment.problems)
    deadline_date = None
    if isinstance(book.meeting.date, (_dt.date, _dt.datetime)) and book.meeting.deadline_days is not None:
        start = book.meeting.date.date() if isinstance(book.meeting.date, _dt.datetime) else book.meeting.date
        deadline_date = start + _dt.timedelta(days=book.meeting.deadline_days)
    deadline = gongwen_date(deadline_date) if deadline_date else ""
    organ = book.meeting.organizer or "主办单位"
    rectify_rows = _rectification_rows(book, reporter.id, problems, deadline)
    rectify = ((f"请对照上述问题逐项制定整改措施，明确责任人和整改时限，于{deadline}前完成整改，"
                f"并将整改情况书面报送{organ}。" if deadline else
                f"请对照上述问题逐项制定整改措施，明确责任人和整改时限，按要求完成整改，"
                f"并将整改情况书面报送{organ}。") if rectify_rows else "")
    problem_lines = [f"{chinese_number(k)}是{_sentence(p)}" for k, p in enumerate(problems, start=1)]
    # a section is printed only when it has something to say; headings are numbered as printed
    present = {"result": True, "achievements": bool(achievements), "problems": bool(problem_lines),
               "expectations": bool(expectations), "rectify": bool(rectify_rows)}
    names = {"result": "评议结果", "achievements": "主要成绩", "problems": "存在的问题",
             "expectations": "希望和要求", "rectify": "整改要求"}
    headings, k = {}, 0
    for key, shown in present.items():
        if shown:
            k += 1
            headings[key] = f"{chinese_number(k)}、{names[key]}"
        else:
            headings[key] = ""
    date = _common(book, options)['meeting_date'] or '近日'
    if not comments:
        follow = f"现将对{reporter.name}同志的评议结果反馈如下。"
    elif rectify_rows:
        follow = f"现将对{reporter.name}同志的评议意见反馈如下，请认真抓好整改落实。"
    else:
        follow = f"现将对{reporter.name}同志的评议意见反馈如下。本次评议未指出需要整改的问题，请继续保持。"
    return {
        **_common(book, options),
        "doc_number": notice_number(book, copy_number),
        "copy_number": f"{copy_number:06d}" if options.copy_numbers and copy_number else "",
        "title": f"关于反馈{book.meeting.shown_title}评议意见的通知",
        "addressee": f"{reporter.organization}：",
        "reporter_name": reporter.name,
        "reporter_organization": reporter.organization,
        "grade": grade_text(r),
        "intro": f"{date}，{book.meeting.organizer or '我们'}召开{book.meeting.shown_title}。{follow}",
        "headings": headings,
        "result_text": result_sentence(result, r),
        "achievements": achievements,
        "problems": problem_lines,
        "expectations": expectations,
        "rectify_text": rectify,
        "rectify_rows": rectify_rows,
    }


def bulletin_rows(result: TallyResult) -> list[dict[str, str]]:
    """The bulletin table, ordered as 通报排序 says: no scores, no ranks; 好评率 only
    when 通报显示好评率 is 是 (otherwise the column is dropped from the document)."""
    params = result.book.params
    order = {g: k for k, g in enumerate(S.GRADES)}
    reporters = list(result.reporters)
    if params.bulletin_order == S.ORDER_BY_GRADE:
        reporters.sort(key=lambda r: (order.get(grade_text(r), len(order)), r.index))
    return [{"n": str(k), "organization": r.reporter.organization, "name": r.reporter.name,
             "grade": grade_text(r), "rate": percent(r.good_rate) if params.bulletin_rates else ""}
            for k, r in enumerate(reporters, start=1)]


def reported_text(result: TallyResult) -> str:
    """Who reported, as 述职人's 述职方式 says: 书面 reporters are not said to have spoken."""
    total = len(result.reporters)
    written = sum(r.reporter.mode == S.MODE_WRITTEN for r in result.reporters)
    if not written:
        return f"{total}名党组织书记进行了述职"
    if written == total:
        return f"{total}名党组织书记进行了书面述职"
    return f"{total}名党组织书记进行了述职（其中{written}名书面述职）"


def closing_text(book: Book) -> str:
    """The bulletin's last sentence follows what the meeting is about (its 会议名称); a
    name that says neither gets neutral wording (the 评议项目 of a broad meeting are too narrow)."""
    about = book.meeting.shown_title
    if "全面从严治党" in about:
        duty = "切实履行全面从严治党主体责任"
    elif "基层党建" in about:
        duty = "切实履行抓基层党建工作责任"
    else:
        duty = "切实履职尽责、抓出实效"
    return f"希望各党组织书记以此次述职评议为契机，对照评议意见认真抓好整改，{duty}。"


def bulletin_context(result: TallyResult, options: NoticeOptions) -> dict[str, Any]:
    book = result.book
    counts = {g: sum(grade_text(r) == g for r in result.reporters) for g in S.GRADES}
    spread = "，".join(f"“{g}”等次{n}名" for g, n in counts.items() if n)
    ungraded = sum(grade_text(r) == NO_GRADE for r in result.reporters)
    if ungraded:
        spread += f"{'，' if spread else ''}{ungraded}名未评定等次"
    return {
        **_common(book, options),
        "doc_number": bulletin_number(book),
        "copy_number": "",
        "title": f"关于{book.meeting.shown_title}结果的通报",
        "addressee": "各有关单位：",
        "intro": (f"{_common(book, options)['meeting_date'] or '近日'}，{book.meeting.organizer or '我们'}召开"
                  f"{book.meeting.shown_title}，{reported_text(result)}，"
                  f"参会人员进行了民主评议。现将评议结果通报如下。"),
        "result_text": f"经民主评议，{spread}。具体如下：" if spread else "具体如下：",
        "rows": bulletin_rows(result),
        "show_rates": book.params.bulletin_rates,
        "closing": closing_text(book),
    }
