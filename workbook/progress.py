"""Rectification progress (整改台账): who has done what, what is late, and the one
sentence to report upward ("发现问题X个，X%已整改完毕", seed 002). Pure functions.

Deadlines are taken as clerks write them: a date cell, or text that names a date
(2024年6月30日前, 6月底前, 年底前, 上半年, 3个月内, 30天内 …), read relative to the
meeting; text that names none (立行立改, 长期坚持, 持续推进 …) is kept and counted as
“长期/无固定时限”, never guessed.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

from . import schema as S
from .model import Book, RectificationRow

_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九", start=0)}


def _number(text: str) -> int | None:
    """12, "十二", "三": the small numbers of deadlines."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def _month_end(year: int, month: int) -> _dt.date:
    return _dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: _dt.date, months: int) -> _dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return _dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_FULL_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_YEAR_MONTH_END = re.compile(r"(\d{4})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月(?:底|末|份)?")
_MONTH_DAY = re.compile(r"([\d一二三四五六七八九十]{1,3})\s*月\s*([\d一二三四五六七八九十]{1,3})\s*[日号]")
_MONTH_END = re.compile(r"([\d一二三四五六七八九十]{1,3})\s*月(?:底|末|份|中旬|上旬|下旬)?前?")
_WITHIN = re.compile(r"([\d一二三四五六七八九十]{1,3})\s*(个月|天|日|周)内")
_QUARTER = re.compile(r"([一二三四1-4])\s*季度")


def parse_deadline(value: Any, start: _dt.date | None) -> _dt.date | None:
    """The date a deadline names, or None when it names none. `start` is the meeting
    date: a bare month is in the year of the meeting (or the next, if already past)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    if match := _FULL_DATE.search(text):
        try:
            return _dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if match := _YEAR_MONTH_END.search(text):
        month = _number(match[2])
        return _month_end(int(match[1]), month) if month and 1 <= month <= 12 else None
    if start is None:
        return None
    if match := _WITHIN.search(text):
        n = _number(match[1])
        if n is None:
            return None
        unit = match[2]
        if unit == "个月":
            return _add_months(start, n)
        return start + _dt.timedelta(days=n * (7 if unit == "周" else 1))
    year = start.year
    if "年底" in text or "年末" in text or "年内" in text or "下半年" in text:
        return _dt.date(year, 12, 31)
    if "上半年" in text:
        return _dt.date(year, 6, 30)
    if match := _QUARTER.search(text):
        quarter = _number(match[1]) if not match[1].isdigit() else int(match[1])
        if quarter:
            candidate = _month_end(year, quarter * 3)
            return candidate if candidate >= start else _month_end(year + 1, quarter * 3)
    if match := _MONTH_DAY.search(text):
        month, day = _number(match[1]), _number(match[2])
        if month and day and 1 <= month <= 12:
            try:
                candidate = _dt.date(year, month, day)
            except ValueError:
                return None
            return candidate if candidate >= start else candidate.replace(year=year + 1)
    if match := _MONTH_END.search(text):
        month = _number(match[1])
        if month and 1 <= month <= 12:
            candidate = _month_end(year, month)
            return candidate if candidate >= start else _month_end(year + 1, month)
    return None


def deadline_problem(value: Any, start: _dt.date | None) -> str:
    """Why a 整改时限 meant as a date cannot be read ("" when it can, or names no date):
    2月30日前, 2024年13月1日前 — counted as 时限有误, never as 长期."""
    if value is None or isinstance(value, (_dt.date, bool, int, float)):
        return ""
    if isinstance(value, (_dt.time, _dt.timedelta)):       # a negative number in a date cell reads as a time
        return "整改时限不是日期（单元格里是负数或时间）"
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or parse_deadline(value, start) is not None:
        return ""
    wrong = f"整改时限“{text}”不是有效日期"
    if match := _FULL_DATE.search(text):
        try:
            _dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return wrong
    if match := _YEAR_MONTH_END.search(text):
        month = _number(match[2])
        if not month or not 1 <= month <= 12:
            return wrong
    if match := _MONTH_DAY.search(text):
        month, day = _number(match[1]), _number(match[2])
        year = start.year if start else 2000          # without a meeting date, 2月29日 may be right
        if not month or not day or not 1 <= month <= 12 or day > calendar.monthrange(year, month)[1]:
            return wrong
    if match := _MONTH_END.search(text):
        month = _number(match[1])
        if month is not None and not 1 <= month <= 12:
            return wrong
    return ""


# Codes of the check's errors on a 整改时限 progress cannot read (a formula, an impossible date).
BAD_DEADLINE_CODES = ("RECT_BAD_DEADLINE", "RECT_DEADLINE_FORMULA")


def meeting_start(book: Book) -> _dt.date | None:
    date = book.meeting.date
    if isinstance(date, _dt.datetime):
        return date.date()
    return date if isinstance(date, _dt.date) else None


def effective_status(row: RectificationRow) -> str:
    """Blank counts as 未启动; 已销号 without approver and date counts as 已完成."""
    status = row.status or S.RECT_NOT_STARTED
    if status == S.RECT_CLOSED and not (row.approver and row.approved_on):
        return S.RECT_DONE
    return status


def status_as_of(row: RectificationRow, as_of: _dt.date) -> str:
    """The status on a given day: 已销号 only when 销号日期 is on or before it, 已完成 only
    when 完成日期 is (an item finished later was still 整改中 then). A row typed 已完成
    without a 完成日期 keeps its status: nothing says when it was finished."""
    from .ledger import done_date

    status = effective_status(row)
    if status == S.RECT_CLOSED:
        closed = done_date(row.approved_on)
        if closed is not None and closed > as_of:
            status = S.RECT_DONE
    if status == S.RECT_DONE:
        finished = done_date(row.done_date)
        if finished is not None and finished > as_of:
            status = S.RECT_IN_PROGRESS
    return status


@dataclass
class Tally:
    """Counts of one group of 整改清单 rows."""

    label: str
    total: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(S.RECT_STATUSES, 0))
    overdue: int = 0
    no_fixed_deadline: int = 0
    bad_deadline: int = 0        # 时限有误: an impossible date or a formula, not counted as 长期

    @property
    def finished(self) -> int:
        return self.by_status[S.RECT_DONE] + self.by_status[S.RECT_CLOSED]

    @property
    def completion_rate(self) -> Fraction | None:
        return Fraction(self.finished, self.total) if self.total else None

    @property
    def closed_rate(self) -> Fraction | None:
        return Fraction(self.by_status[S.RECT_CLOSED], self.total) if self.total else None


@dataclass(frozen=True)
class LedgerItem:
    row: RectificationRow
    status: str
    deadline: _dt.date | None
    overdue_days: int           # 0 when not overdue
    deadline_wrong: bool = False    # 时限有误 (an impossible date, a formula): listed, never 长期


@dataclass
class Progress:
    as_of: _dt.date
    total: Tally
    by_reporter: list[Tally]
    by_area: list[Tally]
    items: list[LedgerItem]

    @property
    def overdue(self) -> list[LedgerItem]:
        return [item for item in self.items if item.overdue_days > 0]

    @property
    def without_deadline(self) -> list[LedgerItem]:
        return [item for item in self.items if item.deadline is None and not item.deadline_wrong]

    @property
    def wrong_deadline(self) -> list[LedgerItem]:
        """整改时限 that mean a date but cannot be read: 时限有误."""
        return [item for item in self.items if item.deadline_wrong]


def _count(tally: Tally, item: LedgerItem) -> None:
    tally.total += 1
    tally.by_status[item.status] += 1
    tally.overdue += item.overdue_days > 0
    tally.no_fixed_deadline += item.deadline is None and not item.deadline_wrong
    tally.bad_deadline += item.deadline_wrong


def measure_progress(book: Book, as_of: _dt.date, issues: Iterable = ()) -> Progress:
    """`issues`: the book's; a 整改时限 the check found unreadable (a formula) is 时限有误."""
    start = meeting_start(book)
    flagged = {i.source.row for i in issues
               if i.code in BAD_DEADLINE_CODES and i.source.sheet == S.SHEET_RECTIFY}
    finished = (S.RECT_DONE, S.RECT_CLOSED)
    items = []
    for row in book.rectifications:
        if not (row.problem_id or row.description):
            continue
        status = status_as_of(row, as_of)
        deadline = parse_deadline(row.deadline, start)
        late = (as_of - deadline).days if deadline and status not in finished and deadline < as_of else 0
        wrong = row.source.row in flagged or bool(deadline_problem(row.deadline, start))
        if wrong:
            deadline, late = None, 0
        items.append(LedgerItem(row, status, deadline, late, wrong))
    names = {r.id: r.label for r in book.reporters}
    reporters: dict[str, Tally] = {rid: Tally(label) for rid, label in names.items()}
    areas: dict[str, Tally] = {}
    total = Tally("合计")
    for item in items:
        reporter = item.row.reporter_id
        if reporter not in reporters:
            reporters[reporter] = Tally(f"{reporter} {item.row.organization}".strip())
        _count(reporters[reporter], item)
        area = item.row.area or S.AREA_GENERAL
        _count(areas.setdefault(area, Tally(area)), item)
        _count(total, item)
    return Progress(as_of, total, [t for t in reporters.values() if t.total], list(areas.values()), items)


def _percent(value: Fraction | None) -> str:
    if value is None:
        return "0%"
    number = value * 100
    return f"{float(number):.1f}".rstrip("0").rstrip(".") + "%"


def summary_sentence(progress: Progress) -> str:
    """The line for the report upward, in the words of seed 002."""
    total = progress.total
    if not total.total:
        return "整改清单中还没有问题。"
    rest = total.total - total.finished
    text = f"述职评议共发现问题{total.total}个，{_percent(total.completion_rate)}已整改完毕"
    if rest:
        text += f"，剩余{rest}个正在持续整改"
        if total.overdue:
            text += f"（其中{total.overdue}个已超过整改时限）"
    if total.bad_deadline:
        text += f"。另有{total.bad_deadline}个问题的整改时限有误，无法判断是否逾期，请在整改清单中改正"
    return text + "。"


def tally_rows(tallies: Iterable[Tally]) -> list[tuple]:
    """Rows of the progress tables: label, total, each status, overdue, 长期, rates."""
    return [(t.label, t.total, *(t.by_status[s] for s in S.RECT_STATUSES), t.overdue, t.no_fixed_deadline,
             None if t.completion_rate is None else float(t.completion_rate),
             None if t.closed_rate is None else float(t.closed_rate)) for t in tallies]
