"""The pre-issue review: every doubtful thing about the papers before they go out (pure).

One list, the same on every door (the `notices` command, the mail preview, the demo, the
ribbon and the assistant read `review_papers`): per reporter, a masked or placeholder name
where a person is meant (希望**同志, ××书记, 某某同志, XX同志), a name in the comments that is
not the 述职人's, no 点评, no problem to rectify, no grade; for the meeting, a 发文字号
shared by different documents or missing, a 成文日期 before the meeting or far from today.
Nothing here stops the papers: a doubt is for the clerk to look at before issuing.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from . import schema as S
from .model import Book, Reporter

# a mask or placeholder standing where a person's name goes: before 同志 or a title
PLACEHOLDER = re.compile(r"(?:[*＊]+|[×xX]{2,}|某某)(?=同志|书记|副书记|局长|主任|镇长|乡长)")
_PLACEHOLDER_NAME = re.compile(r"^(?:[*＊]+|[×xX]{2,}|某某)$|[*＊]")
# a name said before 同志 at the start of a sentence or after 希望: "希望王建君同志…"
_SPOKEN_NAME = re.compile(r"(?:^|希望|[，。；：！？\n])([\u4e00-\u9fff]{2,3})同志")
_NOT_NAMES = {"各位", "这位", "该", "全体", "广大", "党员", "干部", "其他", "有关", "相关", "个别", "部分",
              "青年", "年轻", "老", "女", "男", "基层", "班子", "领导", "各级", "其余", "此位", "以上"}
FAR_DAYS = 30               # a 成文日期 further than this from today is asked about

MEETING = ""                # reporter_id of a doubt about the meeting as a whole


@dataclass(frozen=True)
class Doubt:
    reporter_id: str        # MEETING for the meeting as a whole
    who: str                # "01 刘芳", or "全部文件"
    code: str               # stable ASCII: REVIEW_MASKED_NAME, …
    message: str            # Chinese, one short clause


def _snippet(text: str, start: int, end: int, around: int = 8) -> str:
    left, right = max(0, start - around), min(len(text), end + around)
    return ("…" if left else "") + text[left:right].replace("\n", " ") + ("…" if right < len(text) else "")


def masked_names(text: str) -> list[str]:
    """Snippets around every mask or placeholder standing for a person in the text."""
    return [_snippet(text, m.start(), m.end()) for m in PLACEHOLDER.finditer(text or "")]


def other_names(text: str, name: str) -> list[str]:
    """Names said before 同志 that are not `name` (nor part of it)."""
    found = []
    for match in _SPOKEN_NAME.finditer(text or ""):
        spoken = match.group(1)
        if spoken in _NOT_NAMES or spoken[:1] in ("各", "该", "这", "那", "全", "广") or not name:
            continue
        if spoken in name or name in spoken:
            continue
        if spoken not in found:
            found.append(spoken)
    return found


def _date(value) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    return value if isinstance(value, _dt.date) else None


def _reporter_doubts(book: Book, reporter: Reporter, grade: str | None, scored: bool) -> list[Doubt]:
    from .comments import split_problems

    who = reporter.label
    doubts: list[Doubt] = []

    def add(code: str, message: str) -> None:
        doubts.append(Doubt(reporter.id, who, code, message))

    if _PLACEHOLDER_NAME.search(reporter.name or "") or not reporter.name:
        add("REVIEW_MASKED_NAME", f"“述职人”表中的姓名是“{reporter.name or '（空白）'}”，不是真实姓名")
    comments = [c for c in book.comments if c.reporter_id == reporter.id
                and (c.achievements or c.problems or c.expectations)]
    rows = [r for r in book.rectifications if r.reporter_id == reporter.id and (r.problem_id or r.description)]
    texts = [t for c in comments for t in (c.achievements, c.problems, c.expectations)]
    texts += [r.description for r in rows]
    masked = [s for t in texts for s in masked_names(t)]
    if masked:
        add("REVIEW_MASKED_NAME", f"点评中有 {len(masked)} 处遮掩或代称的姓名（如“{masked[0]}”），"
                                  f"应为“{reporter.name}同志”")
    others = [n for t in texts for n in other_names(t, reporter.name)]
    if others:
        add("REVIEW_OTHER_NAME", f"点评中称“{'、'.join(dict.fromkeys(others))}同志”，与述职人“{reporter.name}”不符")
    if not comments:
        add("REVIEW_NO_COMMENT", "没有点评：反馈意见只有评议结果（无成绩、问题和整改要求）")
    elif not rows and not any(split_problems(c.problems) for c in comments):
        add("REVIEW_NO_PROBLEMS", "点评中没有存在问题：反馈意见不写整改要求和整改问题清单")
    if not grade:
        add("REVIEW_NO_GRADE", "没有有效评价票，未评定等次" if not scored else "等次规则没有给出等次，各文件均写“未评定”")
    return doubts


def review_papers(result, issue_date: _dt.date | None = None, today: _dt.date | None = None) -> list[Doubt]:
    """Every doubt about the papers of a counted meeting (`tally.TallyResult`), meeting
    first, then per reporter in 述职人 order. `issue_date` None: the 成文日期 is not known."""
    from .notices import bulletin_number, notice_number

    book: Book = result.book
    doubts: list[Doubt] = []
    whole = "全部文件"

    def add(code: str, message: str) -> None:
        doubts.append(Doubt(MEETING, whole, code, message))

    per_unit = book.params.notice_numbers == S.NOTICE_NUMBER_PER_UNIT
    if not book.meeting.doc_number:
        add("REVIEW_NO_NUMBER", "“会议信息”中没有填写发文字号，反馈意见和结果通报都没有发文字号")
    else:
        documents: list[tuple[str, str]] = [("结果通报", bulletin_number(book))]
        if per_unit:
            documents += [(f"{r.reporter.id} 的反馈意见", notice_number(book, k))
                          for k, r in enumerate(result.reporters, start=1)]
        else:
            documents.append(("反馈意见（一文多发）", notice_number(book, 1)))
        seen: dict[str, list[str]] = {}
        for name, number in documents:
            seen.setdefault(number, []).append(name)
        for number, names in seen.items():
            if len(names) > 1:
                add("REVIEW_SHARED_NUMBER", f"{'和'.join(names)}用了同一个发文字号“{number}”"
                                            + ("（请在“会议信息”中填写通报发文字号）"
                                               if "结果通报" in names and not book.meeting.bulletin_number else ""))
    meeting = _date(book.meeting.date)
    if issue_date is not None:
        shown = f"{issue_date.year}年{issue_date.month}月{issue_date.day}日"
        if meeting and issue_date < meeting:
            add("REVIEW_DATE_BEFORE_MEETING", f"成文日期{shown}早于会议日期"
                                              f"{meeting.year}年{meeting.month}月{meeting.day}日")
        today = today or _dt.date.today()
        if abs((issue_date - today).days) > FAR_DAYS:
            add("REVIEW_DATE_FAR", f"成文日期{shown}距今天{abs((issue_date - today).days)}天，请确认（用 --date 指定）")
    from .mail import shared_addresses, split_addresses

    shared = shared_addresses(book.reporters, split_addresses(str((book.mail or {}).get(S.MAIL_LEADERS) or "")))
    for r in result.reporters:
        graded = r.grade if r.score_rounded is not None else None
        doubts += _reporter_doubts(book, r.reporter, graded, r.score_rounded is not None)
        if r.reporter.id in shared:
            doubts.append(Doubt(r.reporter.id, r.reporter.label, "REVIEW_SHARED_ADDRESS",
                                f"电子邮箱“{(r.reporter.email or '').strip()}”也是{'、'.join(shared[r.reporter.id])}"
                                "的邮箱，其反馈意见会被别人看到"))
    return doubts


def review_lines(doubts: Sequence[Doubt], limit: int = 0) -> list[str]:
    """Short, grouped: one line per reporter (or for all papers), its doubts joined by "；".
    `limit` > 0 keeps that many lines and says how many more there are."""
    grouped: dict[str, list[str]] = {}
    for doubt in doubts:
        grouped.setdefault(doubt.who, []).append(doubt.message)
    lines = [f"{who}：{'；'.join(messages)}" for who, messages in grouped.items()]
    if limit and len(lines) > limit:
        lines = lines[:limit] + [f"……另有 {len(grouped) - limit} 位，见完整列表（shuping notices 的输出）"]
    return lines


def counts_by_code(doubts: Iterable[Doubt]) -> dict[str, int]:
    out: dict[str, int] = {}
    for doubt in doubts:
        out[doubt.code] = out.get(doubt.code, 0) + 1
    return out
