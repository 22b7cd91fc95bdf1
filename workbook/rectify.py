"""From 点评 to 整改清单: one row per problem, numbered once for life (pure decisions).

A problem is known by (编号, its text with spaces ignored). Re-running adds only problems
not yet listed, never renumbers, never changes a field the clerk typed; a listed problem
that is no longer in 点评 (deleted or reworded) is marked in 备注, not deleted.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from . import schema as S
from .comments import problem_key, split_problems
from .issues import Issue, Source, warning
from .model import Book

VANISHED_NOTE = "点评中已无此问题（可能已删改），请核实"
_PROBLEM_ID = re.compile(r"^(?P<reporter>.+)-(?P<serial>\d+)$")


@dataclass(frozen=True)
class NewProblem:
    problem_id: str
    reporter_id: str
    organization: str
    area: str
    description: str
    owner: str
    deadline: _dt.date | None

    def row(self) -> list[Any]:
        """In 整改清单's column order."""
        return [self.problem_id, self.reporter_id, self.organization, self.area, self.description, None,
                self.owner, self.deadline, S.RECT_STATUSES[0], None, None, None]


@dataclass
class RectifyPlan:
    additions: list[NewProblem] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)      # 0-based sheet row -> new 备注
    issues: list[Issue] = field(default_factory=list)
    problems_total: int = 0

    @property
    def changes(self) -> bool:
        return bool(self.additions or self.notes)


def deadline(book: Book) -> tuple[_dt.date | None, list[Issue]]:
    """整改时限 = 会议日期 + 整改期限（天）, calendar days."""
    meeting = book.meeting
    date, days = meeting.date, meeting.deadline_days
    if isinstance(date, _dt.datetime):
        date = date.date()
    if not isinstance(date, _dt.date) or days is None:
        return None, [warning("RECTIFY_NO_DEADLINE", Source(S.SHEET_MEETING, None, None),
                              "会议日期或整改期限（天）未填写，整改时限留空，请补填后手工填写或重新生成")]
    return date + _dt.timedelta(days=int(days)), []


def plan_rectification(book: Book) -> RectifyPlan:
    plan = RectifyPlan()
    when, plan.issues = deadline(book)
    reporters = {r.id: r for r in book.reporters}
    listed = {(row.reporter_id, problem_key(row.description)): row for row in book.rectifications
              if row.description}
    serials: dict[str, int] = {}
    for row in book.rectifications:
        match = _PROBLEM_ID.match(row.problem_id)
        if match:
            serials[match["reporter"]] = max(serials.get(match["reporter"], 0), int(match["serial"]))
    current: set[tuple[str, str]] = set()
    for comment in book.comments:
        reporter = reporters.get(comment.reporter_id)
        if reporter is None:
            continue
        for text in split_problems(comment.problems):
            key = (reporter.id, problem_key(text))
            plan.problems_total += 1
            if key in current:
                continue
            current.add(key)
            if key in listed:
                continue
            serials[reporter.id] = serials.get(reporter.id, 0) + 1
            plan.additions.append(NewProblem(f"{reporter.id}-{serials[reporter.id]}", reporter.id,
                                             reporter.organization, comment.area, text, reporter.name, when))
    for key, row in listed.items():
        match = _PROBLEM_ID.match(row.problem_id)
        if not match or match["reporter"] != row.reporter_id:
            continue  # a row the clerk added by hand, or one carried from last year, is not ours to mark
        marked = VANISHED_NOTE in row.note
        if key not in current and not marked:
            plan.notes[row.source.row] = f"{row.note}；{VANISHED_NOTE}" if row.note else VANISHED_NOTE
        elif key in current and marked:
            plan.notes[row.source.row] = _unmark(row.note)
    return plan


def _unmark(note: str) -> str:
    return note.replace(f"；{VANISHED_NOTE}", "").replace(VANISHED_NOTE, "")

